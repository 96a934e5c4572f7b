// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/httpmcp.c: MCP messages out of captured HTTP byte streams. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decode.h"
#include "httpmcp.h"
#include "mcpwarden/events.h"
#include "unit.h"

#define MAXMSG 32
#define CAP    (1u << 20)

struct got {
	unsigned int n;
	char text[MAXMSG][512];
	enum mw_dir dir[MAXMSG];
	uint64_t key[MAXMSG];
	char transport[MAXMSG][24];
	char sid[MAXMSG][64];
	char method[MAXMSG][8];
	int status[MAXMSG];
	bool client_side[MAXMSG];
	unsigned int mismatches;
	char mm_header[32], mm_value[64], mm_raw[64], mm_body[64];
	unsigned int abandoned;
	char why[64];
	unsigned int ended;
	uint64_t ended_key;
};

static void on_msg(void *ctx, const struct httpmcp_msg *m)
{
	struct got *g = ctx;

	if (g->n == MAXMSG)
		return;
	snprintf(g->text[g->n], sizeof(g->text[0]), "%.*s", (int)m->len, m->text);
	g->dir[g->n] = m->dir;
	g->key[g->n] = m->session_key;
	snprintf(g->transport[g->n], sizeof(g->transport[0]), "%s", m->env->transport);
	snprintf(g->sid[g->n], sizeof(g->sid[0]), "%s", m->env->session_id ?: "");
	snprintf(g->method[g->n], sizeof(g->method[0]), "%s", m->env->method ?: "");
	g->status[g->n] = m->env->status;
	g->client_side[g->n] = m->env->client_side;
	g->n++;
}

static void on_mismatch(void *ctx, const struct httpmcp_mismatch *x)
{
	struct got *g = ctx;

	g->mismatches++;
	snprintf(g->mm_header, sizeof(g->mm_header), "%s", x->header);
	snprintf(g->mm_value, sizeof(g->mm_value), "%s", x->header_value);
	snprintf(g->mm_raw, sizeof(g->mm_raw), "%s", x->header_raw ?: "");
	snprintf(g->mm_body, sizeof(g->mm_body), "%s", x->body_value ?: "");
}

static void on_abandoned(void *ctx, uint64_t conn, uint32_t tgid, const char *why)
{
	struct got *g = ctx;

	g->abandoned++;
	snprintf(g->why, sizeof(g->why), "%s", why);
}

static void on_session_end(void *ctx, uint64_t key, uint32_t tgid)
{
	struct got *g = ctx;

	g->ended++;
	g->ended_key = key;
}

static const struct httpmcp_sink sink = {
	.message = on_msg, .mismatch = on_mismatch, .abandoned = on_abandoned,
	.session_end = on_session_end,
};

struct conn {
	struct httpmcp *h;
	uint64_t ino;
	uint64_t off[2];
	uint64_t ts;
};

/* Bytes of one direction: op READ is what the (server) process read. */
static void put(struct conn *c, int op, const char *s, size_t n)
{
	struct httpmcp_chunk k = {
		.conn = c->ino, .op = op, .offset = c->off[op == MW_OP_WRITE], .data = (const void *)s,
		.len = n, .ts_ns = ++c->ts, .tgid = 77, .start_ns = 5,
	};

	CHECK_EQ(httpmcp_feed(c->h, &k), 0);
	c->off[op == MW_OP_WRITE] += n;
}

static void req(struct conn *c, const char *s)
{
	put(c, MW_OP_READ, s, strlen(s));
}

static void res(struct conn *c, const char *s)
{
	put(c, MW_OP_WRITE, s, strlen(s));
}

/* One SSE event as one chunk of a chunked answer. */
static void chunked(struct conn *c, const char *ev)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%zx\r\n%s\r\n", strlen(ev), ev);
	res(c, buf);
}

static const char init_post[] =
	"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:3001\r\ncontent-type: application/json\r\n"
	"accept: application/json, text/event-stream\r\ncontent-length: 58\r\n\r\n"
	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}";
static const char init_answer[] =
	"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nmcp-session-id: s-1\r\n"
	"transfer-encoding: chunked\r\n\r\n"
	"41\r\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"ok\":1}}\n\n\r\n"
	"0\r\n\r\n";

static void test_streamable_session(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 1 };

	req(&c, init_post);
	CHECK_EQ(g.n, 0);               /* held until the answer's headers say the session */
	res(&c, init_answer);
	CHECK_EQ(g.n, 2);
	CHECK_EQ(g.dir[0], MW_DIR_C2S);
	CHECK(strstr(g.text[0], "initialize") != NULL);
	CHECK_EQ(g.dir[1], MW_DIR_S2C);
	CHECK(strstr(g.text[1], "\"ok\":1") != NULL);
	CHECK_STR(g.sid[0], "s-1");
	CHECK_STR(g.sid[1], "s-1");
	CHECK_EQ(g.key[0], g.key[1]);
	CHECK_STR(g.transport[0], HTTPMCP_TRANSPORT_STREAMABLE);
	CHECK_EQ(g.status[1], 200);
	CHECK(!g.client_side[0] && !g.client_side[1]); /* a server's capture */
	/* the next request names the session itself; a 202 answer carries nothing */
	req(&c, "POST /mcp HTTP/1.1\r\nmcp-session-id: s-1\r\ncontent-type: application/json\r\n"
		"content-length: 54\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	res(&c, "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
	CHECK_EQ(g.n, 3);
	CHECK_EQ(g.key[2], g.key[0]);
	CHECK_EQ(g.abandoned, 0);
	httpmcp_free(c.h);
}

/* Every split point of the request and of the answer gives the same two messages. */
static void test_any_split(void)
{
	size_t nr = strlen(init_post), na = strlen(init_answer);

	for (size_t cut = 1; cut < na && !unit_failures(); cut += 3) {
		struct got g = { 0 };
		struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 2 };
		size_t rc = cut % nr ? cut % nr : 1;

		put(&c, MW_OP_READ, init_post, rc);
		put(&c, MW_OP_READ, init_post + rc, nr - rc);
		put(&c, MW_OP_WRITE, init_answer, cut);
		put(&c, MW_OP_WRITE, init_answer + cut, na - cut);
		CHECK_EQ(g.n, 2);
		CHECK_EQ(g.key[0], g.key[1]);
		httpmcp_free(c.h);
	}
}

static void test_get_stream_replay_dropped(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 3 };
	struct conn d = { .h = c.h, .ino = 4 };
	const char *ev = "id: e1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}\n\n";

	req(&c, "GET /mcp HTTP/1.1\r\nmcp-session-id: s-9\r\naccept: text/event-stream\r\n\r\n");
	res(&c, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
		"transfer-encoding: chunked\r\n\r\n");
	chunked(&c, ev);
	CHECK_EQ(g.n, 1);
	CHECK_STR(g.method[0], "GET");
	/* a second GET after Last-Event-ID replays e1: dropped */
	req(&d, "GET /mcp HTTP/1.1\r\nmcp-session-id: s-9\r\nlast-event-id: e0\r\n\r\n");
	res(&d, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
		"transfer-encoding: chunked\r\n\r\n");
	chunked(&d, ev);
	CHECK_EQ(g.n, 1);
	CHECK_EQ(httpmcp_stats(c.h)->replays_dropped, 1);
	httpmcp_free(c.h);
}

/* A GET stream starts with a priming event (an id, empty data). A reconnection with
 * Last-Event-ID from before it gets it replayed with the rest: each replayed event, the priming
 * one included, is dropped by its id; only the new event is handed on. */
static void test_priming_event_replay(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 44 };
	struct conn d = { .h = c.h, .ino = 45 };
	const char *head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
			   "transfer-encoding: chunked\r\n\r\n";
	const char *prime = "id: s-7_0\r\ndata:\r\n\r\n";
	const char *e1 = "id: s-7_1\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/a\"}\r\n\r\n";
	const char *e2 = "id: s-7_2\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/b\"}\r\n\r\n";

	req(&c, "GET /mcp HTTP/1.1\r\nmcp-session-id: s-7\r\naccept: text/event-stream\r\n\r\n");
	res(&c, head);
	chunked(&c, prime);
	chunked(&c, e1);
	CHECK_EQ(g.n, 1);
	req(&d, "GET /mcp HTTP/1.1\r\nmcp-session-id: s-7\r\nlast-event-id: s-6_9\r\n\r\n");
	res(&d, head);
	chunked(&d, prime);
	chunked(&d, e1);
	chunked(&d, e2);
	CHECK_EQ(g.n, 2);
	CHECK(strstr(g.text[1], "notifications/b") != NULL);
	CHECK_EQ(httpmcp_stats(c.h)->replays_dropped, 2);
	httpmcp_free(c.h);
}

static void test_batch_and_json_answer(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 5 };
	const char *body = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
			   "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]";
	const char *ans = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}},"
			  "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}]";
	char buf[512];

	snprintf(buf, sizeof(buf), "POST /mcp HTTP/1.1\r\ncontent-length: %zu\r\n\r\n%s",
		 strlen(body), body);
	req(&c, buf);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
		 "content-length: %zu\r\n\r\n%s", strlen(ans), ans);
	res(&c, buf);
	CHECK_EQ(g.n, 2);               /* one text each way: the caller splits the batch */
	CHECK_STR(g.text[0], body);
	CHECK_STR(g.text[1], ans);
	CHECK_EQ(g.key[0], g.key[1]);   /* no session id: the connection is the session */
	httpmcp_free(c.h);
}

static void test_legacy_sse(void)
{
	struct got g = { 0 };
	struct conn get = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 6 };
	struct conn post = { .h = get.h, .ino = 7 };
	const char *ev1 = "event: endpoint\ndata: /message?sessionId=abc\n\n";
	const char *ev2 = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
	char buf[512];

	req(&get, "GET /sse HTTP/1.1\r\naccept: text/event-stream\r\n\r\n");
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
		 "connection: keep-alive\r\n\r\n%s", ev1);
	res(&get, buf);
	CHECK_EQ(g.n, 0);
	snprintf(buf, sizeof(buf), "POST /message?sessionId=abc HTTP/1.1\r\ncontent-length: 40\r\n"
		 "\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
	req(&post, buf);
	res(&post, "HTTP/1.1 202 Accepted\r\ncontent-length: 8\r\n\r\nAccepted");
	res(&get, ev2);
	CHECK_EQ(g.n, 2);
	CHECK_STR(g.transport[0], HTTPMCP_TRANSPORT_SSE);
	CHECK_STR(g.transport[1], HTTPMCP_TRANSPORT_SSE);
	CHECK_STR(g.sid[0], "abc");
	CHECK_STR(g.sid[1], "abc");
	CHECK_EQ(g.key[0], g.key[1]);
	CHECK_EQ(g.dir[1], MW_DIR_S2C);
	httpmcp_free(get.h);
}

/* The Python SDK's legacy transport: CRLF events, chunked, and its endpoint names the session
 * in session_id=. The POSTs and the stream are one session: the answer meets its request. */
static void test_legacy_sse_python(void)
{
	struct got g = { 0 };
	struct conn get = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 40 };
	struct conn post = { .h = get.h, .ino = 41 };
	const char *sid = "8e1b6c0ad2f54b0c9b3e2f1a7d6c5b4a";
	char buf[512];

	req(&get, "GET /sse HTTP/1.1\r\nhost: 127.0.0.1:8000\r\naccept: text/event-stream\r\n\r\n");
	res(&get, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
		"transfer-encoding: chunked\r\n\r\n");
	snprintf(buf, sizeof(buf), "event: endpoint\r\ndata: /messages/?session_id=%s\r\n\r\n", sid);
	chunked(&get, buf);
	CHECK_EQ(g.n, 0);
	snprintf(buf, sizeof(buf), "POST /messages/?session_id=%s HTTP/1.1\r\n"
		 "content-type: application/json\r\ncontent-length: 40\r\n\r\n"
		 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}", sid);
	req(&post, buf);
	res(&post, "HTTP/1.1 202 Accepted\r\ncontent-length: 8\r\n\r\nAccepted");
	chunked(&get, "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}\r\n\r\n");
	CHECK_EQ(g.n, 2);
	CHECK_EQ(g.dir[0], MW_DIR_C2S);
	CHECK_EQ(g.dir[1], MW_DIR_S2C);
	CHECK(strstr(g.text[0], "\"id\":5") && strstr(g.text[1], "\"id\":5"));
	CHECK_STR(g.transport[0], HTTPMCP_TRANSPORT_SSE);
	CHECK_STR(g.transport[1], HTTPMCP_TRANSPORT_SSE);
	CHECK_STR(g.sid[0], sid);
	CHECK_STR(g.sid[1], sid);
	CHECK_EQ(g.key[0], g.key[1]);
	CHECK_EQ(g.abandoned, 0);
	httpmcp_free(get.h);
}

/* An endpoint whose target names no session at all: only the endpoint event ties its POSTs to
 * the stream (another target of the same process is not of that session). */
static void test_legacy_endpoint_learned(void)
{
	struct got g = { 0 };
	struct conn get = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 42 };
	struct conn post = { .h = get.h, .ino = 43 };
	const char *ping = "content-length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}";
	char buf[512];

	req(&get, "GET /events HTTP/1.1\r\naccept: text/event-stream\r\n\r\n");
	res(&get, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
		"connection: keep-alive\r\n\r\nevent: endpoint\ndata: http://127.0.0.1:9/rpc/abc\n\n");
	snprintf(buf, sizeof(buf), "POST /rpc/abc HTTP/1.1\r\n%s", ping);
	req(&post, buf);
	res(&post, "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
	res(&get, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{}}\n\n");
	snprintf(buf, sizeof(buf), "POST /rpc/other HTTP/1.1\r\n%s", ping);
	req(&post, buf);
	res(&post, "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
	CHECK_EQ(g.n, 3);
	CHECK_STR(g.transport[0], HTTPMCP_TRANSPORT_SSE);
	CHECK_STR(g.transport[1], HTTPMCP_TRANSPORT_SSE);
	CHECK_STR(g.sid[0], "");
	CHECK_EQ(g.dir[1], MW_DIR_S2C);
	CHECK_EQ(g.key[0], g.key[1]);
	CHECK_STR(g.transport[2], HTTPMCP_TRANSPORT_STREAMABLE);
	CHECK(g.key[2] != g.key[1]);
	httpmcp_free(get.h);
}

/* A legacy GET stream opened before the server was tracked: joined mid-way (chunked, or not),
 * and linked to the one legacy session its POSTs name. */
static void test_adopted_stream(void)
{
	const char *ev = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
	for (int chunked = 0; chunked < 2; chunked++) {
		struct got g = { 0 };
		struct conn post = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 20 };
		struct conn get = { .h = post.h, .ino = 21 };
		char buf[512];

		req(&post, "POST /message?sessionId=abc HTTP/1.1\r\ncontent-length: 40\r\n\r\n"
			"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
		res(&post, "HTTP/1.1 202 Accepted\r\ncontent-length: 8\r\n\r\nAccepted");
		if (chunked)
			snprintf(buf, sizeof(buf), "%zx\r\n%s\r\n", strlen(ev), ev);
		else
			snprintf(buf, sizeof(buf), "%s", ev);
		/* the stream's bytes arrive in two pieces, split inside the event */
		put(&get, MW_OP_WRITE, buf, 10);
		put(&get, MW_OP_WRITE, buf + 10, strlen(buf) - 10);
		CHECK_EQ(g.n, 2);
		CHECK_STR(g.sid[1], "abc");
		CHECK_STR(g.transport[1], HTTPMCP_TRANSPORT_SSE);
		CHECK_EQ(g.key[0], g.key[1]);
		CHECK_EQ(g.dir[1], MW_DIR_S2C);
		CHECK_EQ(httpmcp_stats(post.h)->adopted, 1);
		CHECK_EQ(g.abandoned, 0);
		httpmcp_free(post.h);
	}
}

/* A stale session is answered 404; the client initializes again and gets a new session. */
static void test_404_reinitialize(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 30 };
	const char *err = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32001,\"message\":"
			  "\"Session not found\"},\"id\":null}";
	char buf[512];

	req(&c, "POST /mcp HTTP/1.1\r\nmcp-session-id: old\r\ncontent-length: 40\r\n\r\n"
		"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}");
	snprintf(buf, sizeof(buf), "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
		 "content-length: %zu\r\n\r\n%s", strlen(err), err);
	res(&c, buf);
	req(&c, init_post);
	res(&c, init_answer);
	CHECK_EQ(g.n, 4);
	CHECK_STR(g.sid[0], "old");
	CHECK_EQ(g.status[1], 404);
	CHECK_EQ(g.key[0], g.key[1]);
	CHECK_STR(g.sid[2], "s-1");
	CHECK_EQ(g.key[2], g.key[3]);
	CHECK(g.key[2] != g.key[0]);    /* a new session */
	CHECK_EQ(g.abandoned, 0);
	httpmcp_free(c.h);
}

/* Stateless (no session id): one connection is one session until it idles. */
static void test_stateless_idle(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 31 };
	const char *ping = "POST /mcp HTTP/1.1\r\ncontent-length: 40\r\n\r\n"
			   "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}";
	const char *ok = "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n";

	req(&c, ping);
	res(&c, ok);
	c.ts += 1000;                   /* a short pause: the same session */
	req(&c, ping);
	res(&c, ok);
	c.ts += HTTPMCP_STATELESS_IDLE_NS + 1;
	req(&c, ping);
	res(&c, ok);
	CHECK_EQ(g.n, 3);
	CHECK_EQ(g.key[0], g.key[1]);
	CHECK(g.key[2] != g.key[1]);
	httpmcp_free(c.h);
}

/* A POST of one request with the given 2026-07-28 headers; what it raised is in *g. */
static void post_with_headers(struct got *g, const char *headers, const char *method,
			      const char *params)
{
	struct conn c = { .h = httpmcp_new(&sink, g, CAP, 1000), .ino = 8 };
	char body[256], buf[768];

	memset(g, 0, sizeof(*g));
	snprintf(body, sizeof(body), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\","
		 "\"params\":%s}", method, params);
	snprintf(buf, sizeof(buf), "POST /mcp HTTP/1.1\r\n%scontent-length: %zu\r\n\r\n%s",
		 headers, strlen(body), body);
	req(&c, buf);
	res(&c, "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n");
	CHECK_EQ(g->n, 1);              /* the body is decoded, whatever the headers say */
	CHECK_EQ(httpmcp_stats(c.h)->header_mismatches, g->mismatches);
	httpmcp_free(c.h);
}

static void test_header_mismatch(void)
{
	struct got g;

	post_with_headers(&g, "mcp-method: tools/call\r\nmcp-name: read_file\r\n", "tools/call",
			  "{\"name\":\"delete_all\"}");
	CHECK_EQ(g.mismatches, 1);
	CHECK_STR(g.mm_header, "Mcp-Name");
	CHECK_STR(g.mm_value, "read_file");
	CHECK_STR(g.mm_body, "delete_all");
	CHECK_STR(g.mm_raw, "");
	post_with_headers(&g, "mcp-method: tools/list\r\nmcp-name: read_file\r\n", "tools/call",
			  "{\"name\":\"read_file\"}");
	CHECK_EQ(g.mismatches, 1);
	CHECK_STR(g.mm_header, "Mcp-Method");
	CHECK_STR(g.mm_value, "tools/list");
	CHECK_STR(g.mm_body, "tools/call");
	post_with_headers(&g, "mcp-method: tools/call\r\nmcp-name: read_file\r\n", "tools/call",
			  "{\"name\":\"read_file\"}");
	CHECK_EQ(g.mismatches, 0);
}

/* resources/read: Mcp-Name stands for params.uri. */
static void test_header_name_from_uri(void)
{
	struct got g;

	post_with_headers(&g, "mcp-method: resources/read\r\nmcp-name: file:///tmp/a.txt\r\n",
			  "resources/read", "{\"uri\":\"file:///tmp/a.txt\"}");
	CHECK_EQ(g.mismatches, 0);
	post_with_headers(&g, "mcp-method: resources/read\r\nmcp-name: file:///tmp/a.txt\r\n",
			  "resources/read", "{\"uri\":\"file:///etc/shadow\"}");
	CHECK_EQ(g.mismatches, 1);
	CHECK_STR(g.mm_header, "Mcp-Name");
	CHECK_STR(g.mm_body, "file:///etc/shadow");
}

/* =?base64?...?= is decoded before the comparison. */
static void test_header_base64_name(void)
{
	struct got g;

	/* "café_工具", the body's name: no alert */
	post_with_headers(&g, "mcp-name: =?base64?Y2Fmw6lf5bel5YW3?=\r\n", "tools/call",
			  "{\"name\":\"caf\xc3\xa9_\xe5\xb7\xa5\xe5\x85\xb7\"}");
	CHECK_EQ(g.mismatches, 0);
	/* "café" against "cafe": reported with what it stands for and how it came */
	post_with_headers(&g, "mcp-name: =?base64?Y2Fmw6k=?=\r\n", "tools/call",
			  "{\"name\":\"cafe\"}");
	CHECK_EQ(g.mismatches, 1);
	CHECK_STR(g.mm_value, "caf\xc3\xa9");
	CHECK_STR(g.mm_raw, "=?base64?Y2Fmw6k=?=");
	/* an encoded value that looks like the sentinel itself (the spec's example) */
	post_with_headers(&g, "mcp-name: =?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=\r\n", "tools/call",
			  "{\"name\":\"=?base64?literal?=\"}");
	CHECK_EQ(g.mismatches, 0);
	/* both markers, no Base64 between them: stands for nothing */
	post_with_headers(&g, "mcp-name: =?base64?***?=\r\n", "tools/call",
			  "{\"name\":\"***\"}");
	CHECK_EQ(g.mismatches, 1);
	CHECK_STR(g.mm_value, "=?base64?***?=");
	CHECK_STR(g.mm_raw, "");
	/* Base64 of bytes that are not UTF-8 (0xff 0xfe) */
	post_with_headers(&g, "mcp-name: =?base64?//4=?=\r\n", "tools/call", "{\"name\":\"x\"}");
	CHECK_EQ(g.mismatches, 1);
	/* the prefix alone is literal text */
	post_with_headers(&g, "mcp-name: =?base64?abc\r\n", "tools/call",
			  "{\"name\":\"=?base64?abc\"}");
	CHECK_EQ(g.mismatches, 0);
}

/* A DELETE answered 2xx ends its session; refused, or naming none, it does not. */
static void test_delete_ends_session(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 46 };

	req(&c, init_post);
	res(&c, init_answer);
	req(&c, "DELETE /mcp HTTP/1.1\r\nmcp-session-id: s-1\r\n\r\n");
	res(&c, "HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n");
	req(&c, "DELETE /mcp HTTP/1.1\r\n\r\n");
	res(&c, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
	CHECK_EQ(g.ended, 0);
	req(&c, "DELETE /mcp HTTP/1.1\r\nmcp-session-id: s-1\r\n\r\n");
	res(&c, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
	CHECK_EQ(g.ended, 1);
	CHECK_EQ(g.ended_key, g.key[0]);
	CHECK_EQ(httpmcp_stats(c.h)->sessions_ended, 1);
	CHECK_EQ(g.n, 2);
	httpmcp_free(c.h);
}

/* httpmcp wired to the decoder as the monitor does: a DELETE ends the decoder session, so a
 * request still in flight is forgotten (its late answer meets no request, in a new session). */
struct wired {
	struct decoder *d;
	unsigned int n;
	bool matched;
	uint64_t session_id, first_session_id;
};

static void wired_msg(void *ctx, const struct httpmcp_msg *m)
{
	struct wired *w = ctx;
	struct decode_text t = {
		.chan = m->env->conn, .text = m->text, .len = m->len, .ts_ns = m->ts_ns,
		.dir = m->dir, .session_key = m->session_key, .tgid = m->tgid,
		.start_ns = m->start_ns, .envelope = m->env,
	};

	decoder_text(w->d, &t);
}

static void wired_decoded(void *ctx, const struct decode_msg *dm)
{
	struct wired *w = ctx;

	w->n++;
	w->matched = dm->corr.matched;
	w->session_id = dm->session ? dm->session->id : 0;
	if (!w->first_session_id)
		w->first_session_id = w->session_id;
}

static void wired_end(void *ctx, uint64_t key, uint32_t tgid)
{
	decoder_end_session(((struct wired *)ctx)->d, key);
}

static void run_wired(bool delete, struct wired *w)
{
	static const struct httpmcp_sink hs = { .message = wired_msg, .session_end = wired_end };
	static const struct decode_sink ds = { .message = wired_decoded };
	struct decode_opts o = { .message_cap = CAP, .reorder_wait_ns = 1000 };
	struct conn c, s;

	memset(w, 0, sizeof(*w));
	w->d = decoder_new(&o, &ds, w);
	c = (struct conn){ .h = httpmcp_new(&hs, w, CAP, 1000), .ino = 47 };
	s = (struct conn){ .h = c.h, .ino = 48 };
	req(&c, init_post);
	res(&c, init_answer);
	/* a tools/call whose answer is an event stream that has not said anything yet */
	req(&s, "POST /mcp HTTP/1.1\r\nmcp-session-id: s-1\r\ncontent-length: 71\r\n\r\n"
		"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}");
	res(&s, "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
		"transfer-encoding: chunked\r\n\r\n");
	if (delete) {
		req(&c, "DELETE /mcp HTTP/1.1\r\nmcp-session-id: s-1\r\n\r\n");
		res(&c, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
	}
	chunked(&s, "data: {\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}\n\n");
	httpmcp_free(c.h);
	decoder_free(w->d);
}

static void test_delete_ends_decoder_session(void)
{
	struct wired w;

	run_wired(false, &w);
	CHECK_EQ(w.n, 4);
	CHECK(w.matched);
	CHECK_EQ(w.session_id, w.first_session_id);
	run_wired(true, &w);
	CHECK_EQ(w.n, 4);
	CHECK(!w.matched);
	CHECK(w.session_id != w.first_session_id);
}

/* A process that is the client: what it writes are requests. */
static void test_client_side_capture(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 9 };

	put(&c, MW_OP_WRITE, init_post, strlen(init_post));
	put(&c, MW_OP_READ, init_answer, strlen(init_answer));
	CHECK_EQ(g.n, 2);
	CHECK_EQ(g.dir[0], MW_DIR_C2S);
	CHECK_EQ(g.dir[1], MW_DIR_S2C);
	CHECK(g.client_side[0] && g.client_side[1]);    /* the capturing process is the client */
	httpmcp_free(c.h);
}

static void test_gzip_answer(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 10 };
	const char *json = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"zipped\":true}}";
	unsigned char z[256];
	char head[256];
	z_stream s = { 0 };

	CHECK_EQ(deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (unsigned char *)json;
	s.avail_in = (unsigned int)strlen(json);
	s.next_out = z;
	s.avail_out = sizeof(z);
	CHECK_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
	deflateEnd(&s);
	req(&c, "POST /mcp HTTP/1.1\r\ncontent-length: 40\r\n\r\n"
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
		 "content-encoding: gzip\r\ncontent-length: %lu\r\n\r\n", s.total_out);
	res(&c, head);
	put(&c, MW_OP_WRITE, (const char *)z, s.total_out);
	CHECK_EQ(g.n, 2);
	CHECK_STR(g.text[1], json);
	httpmcp_free(c.h);
}

static void test_not_http_abandoned(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 11 };

	put(&c, MW_OP_READ, "\x16\x03\x01\x02\x00", 5);            /* a TLS hello */
	CHECK_EQ(g.abandoned, 1);
	CHECK_STR(g.why, "not HTTP/1.x");
	req(&c, init_post);                                         /* ignored from then on */
	CHECK_EQ(g.n, 0);
	CHECK_EQ(httpmcp_stats(c.h)->not_http, 1);
	httpmcp_free(c.h);
}

/* The process ends mid-exchange: what is complete is handed on, nothing leaks. */
static void test_end_process(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 12 };

	req(&c, init_post);
	httpmcp_end_process(c.h, 77);
	CHECK_EQ(g.n, 1);               /* the request, with no answer */
	CHECK_STR(g.sid[0], "");
	httpmcp_free(c.h);
}

struct sweep_seen {
	uint64_t open_conn;             /* the one is_open says is still open */
	unsigned int asked, closed;
	uint64_t asked_conns[4], closed_conn;
};

static bool sweep_is_open(void *ctx, uint32_t tgid, uint64_t conn)
{
	struct sweep_seen *w = ctx;

	CHECK_EQ(tgid, 77);
	if (w->asked < 4)
		w->asked_conns[w->asked] = conn;
	w->asked++;
	return conn == w->open_conn;
}

static void sweep_closed(void *ctx, uint32_t tgid, uint64_t conn)
{
	struct sweep_seen *w = ctx;

	CHECK_EQ(tgid, 77);
	w->closed++;
	w->closed_conn = conn;
}

/* Connections idle past HTTPMCP_IDLE_NS are asked about; the one its process closed is freed
 * (its open exchange flushed), the open one kept, the busy one not even asked about. */
static void test_sweep_frees_closed(void)
{
	struct got g = { 0 };
	struct httpmcp *h = httpmcp_new(&sink, &g, CAP, 1000);
	struct conn closed = { .h = h, .ino = 21 }, open = { .h = h, .ino = 22 },
		    busy = { .h = h, .ino = 23, .ts = HTTPMCP_IDLE_NS };
	struct sweep_seen w = { .open_conn = 22 };
	struct httpmcp_sweeper sw = { .is_open = sweep_is_open, .closed = sweep_closed, .ctx = &w };
	struct httpmcp_stats st;

	req(&closed, init_post);
	req(&open, init_post);
	req(&busy, init_post);
	st = *httpmcp_stats(h);
	CHECK_EQ(st.connections_open, 3);
	CHECK_EQ(httpmcp_sweep(h, HTTPMCP_IDLE_NS / 2, &sw), 0);      /* nothing idle yet */
	CHECK_EQ(w.asked, 0);
	CHECK_EQ(httpmcp_sweep(h, HTTPMCP_IDLE_NS + 2, &sw), 1);
	CHECK_EQ(w.asked, 2);
	CHECK_EQ(w.closed, 1);
	CHECK_EQ(w.closed_conn, 21);
	st = *httpmcp_stats(h);
	CHECK_EQ(st.connections_open, 2);
	CHECK_EQ(st.connections_closed, 1);
	CHECK_EQ(g.n, 1);               /* the closed one's request, flushed with no answer */
	res(&open, init_answer);        /* the kept one goes on: its request and answer */
	CHECK_EQ(g.n, 3);
	httpmcp_free(h);
}

/* Both sides joined where an earlier run's capture stopped, between exchanges (a keep-alive
 * connection across a restart): decoded from there, with no hole declared. */
static void test_joined_between_exchanges(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 13,
			  .off = { 4000, 9000 } };
	struct httpmcp_chunk k = { .conn = 13, .tgid = 77, .start_ns = 5 };

	k.op = MW_OP_READ;
	CHECK_EQ(httpmcp_join(c.h, &k, 4000), 0);
	k.op = MW_OP_WRITE;
	CHECK_EQ(httpmcp_join(c.h, &k, 9000), 0);
	req(&c, init_post);
	res(&c, init_answer);
	httpmcp_expire(c.h, 1u << 30);
	CHECK_EQ(g.n, 2);
	CHECK_EQ(g.abandoned, 0);
	CHECK_EQ(httpmcp_stats(c.h)->gaps, 0);
	CHECK_EQ(httpmcp_stats(c.h)->joined, 2);
	CHECK_EQ(httpmcp_join(c.h, &k, 1), -EALREADY);
	httpmcp_free(c.h);
}

/* ---- a request side joined mid-request ---- */

static const char init_body[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}";
static const char list_post[] =
	"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:3001\r\nmcp-session-id: s-1\r\n"
	"content-type: application/json\r\ncontent-length: 46\r\n\r\n"
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
static const char list_answer[] =
	"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 46\r\n\r\n"
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}";

/* What a server joined mid-body decodes: the answer it owed the request joined mid-way (its
 * request line unseen), then the next request and its answer, in one session. */
static void check_resynced(const struct got *g, const struct httpmcp *h)
{
	CHECK_EQ(g->n, 3);
	CHECK_EQ(g->abandoned, 0);
	CHECK_EQ(g->dir[0], MW_DIR_S2C);
	CHECK(strstr(g->text[0], "\"ok\":1") != NULL);
	CHECK_STR(g->method[0], "");            /* the request it answers was not seen */
	CHECK_STR(g->sid[0], "s-1");
	CHECK_EQ(g->dir[1], MW_DIR_C2S);
	CHECK(strstr(g->text[1], "tools/list") != NULL);
	CHECK_STR(g->method[1], "POST");
	CHECK_EQ(g->dir[2], MW_DIR_S2C);
	CHECK(strstr(g->text[2], "\"tools\":[]") != NULL);
	CHECK_EQ(g->status[2], 200);
	CHECK_STR(g->sid[2], "s-1");
	CHECK_EQ(g->key[0], g->key[1]);
	CHECK_EQ(g->key[1], g->key[2]);
	CHECK_EQ(httpmcp_stats(h)->resynced, 1);
	CHECK_EQ(httpmcp_stats(h)->resync_bytes, strlen(init_body));
	CHECK_EQ(httpmcp_stats(h)->not_http, 0);
}

/* Tracked at the read of an initialize body whose headers it read before: the keep-alive
 * connection goes on at the next request. */
static void test_joined_mid_body(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 40 };

	req(&c, init_body);
	res(&c, init_answer);
	req(&c, list_post);
	res(&c, list_answer);
	check_resynced(&g, c.h);
	httpmcp_free(c.h);
}

/* The next request glued to the body (pipelined), the bytes split anywhere, the answers
 * after: the same. */
static void test_joined_mid_body_any_split(void)
{
	char all[1024];
	size_t n = (size_t)snprintf(all, sizeof(all), "%s%s", init_body, list_post);

	for (size_t cut = 1; cut < n && !unit_failures(); cut++) {
		struct got g = { 0 };
		struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 41 };

		put(&c, MW_OP_READ, all, cut);
		put(&c, MW_OP_READ, all + cut, n - cut);
		res(&c, init_answer);
		res(&c, list_answer);
		check_resynced(&g, c.h);
		httpmcp_free(c.h);
	}
}

/* Joined mid-request with the answer's status line first, then more of the body, then the
 * next request: the answer does not wait for a request line. */
static void test_joined_mid_body_answer_first(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 42 };

	put(&c, MW_OP_READ, init_body, 10);
	res(&c, init_answer);
	CHECK_EQ(g.n, 1);
	put(&c, MW_OP_READ, init_body + 10, strlen(init_body) - 10);
	req(&c, list_post);
	res(&c, list_answer);
	check_resynced(&g, c.h);
	httpmcp_free(c.h);
}

/* A client joined mid-answer (text first on the side it reads, then its next request): not
 * resynchronised, the connection is given up. Two text protocols are not HTTP either. */
static void test_joined_mid_response_abandoned(void)
{
	struct got g = { 0 };
	struct conn c = { .h = httpmcp_new(&sink, &g, CAP, 1000), .ino = 43 };
	struct conn d = { .h = c.h, .ino = 44 };

	put(&c, MW_OP_READ, init_body, strlen(init_body));
	put(&c, MW_OP_WRITE, list_post, strlen(list_post));
	CHECK_EQ(g.abandoned, 1);
	CHECK_STR(g.why, "joined mid-response");
	put(&d, MW_OP_READ, "*1\r\n$4\r\nPING\r\n", 14);           /* redis */
	put(&d, MW_OP_WRITE, "+PONG\r\n", 7);
	CHECK_EQ(g.abandoned, 2);
	CHECK_STR(g.why, "not HTTP/1.x");
	CHECK_EQ(g.n, 0);
	httpmcp_free(c.h);
}

UNIT_MAIN(UNIT_TEST(test_streamable_session),
	  UNIT_TEST(test_any_split),
	  UNIT_TEST(test_get_stream_replay_dropped),
	  UNIT_TEST(test_priming_event_replay),
	  UNIT_TEST(test_batch_and_json_answer),
	  UNIT_TEST(test_legacy_sse),
	  UNIT_TEST(test_legacy_sse_python),
	  UNIT_TEST(test_legacy_endpoint_learned),
	  UNIT_TEST(test_adopted_stream),
	  UNIT_TEST(test_404_reinitialize),
	  UNIT_TEST(test_stateless_idle),
	  UNIT_TEST(test_header_mismatch),
	  UNIT_TEST(test_header_name_from_uri),
	  UNIT_TEST(test_header_base64_name),
	  UNIT_TEST(test_delete_ends_session),
	  UNIT_TEST(test_delete_ends_decoder_session),
	  UNIT_TEST(test_client_side_capture),
	  UNIT_TEST(test_gzip_answer),
	  UNIT_TEST(test_not_http_abandoned),
	  UNIT_TEST(test_end_process),
	  UNIT_TEST(test_sweep_frees_closed),
	  UNIT_TEST(test_joined_between_exchanges),
	  UNIT_TEST(test_joined_mid_body),
	  UNIT_TEST(test_joined_mid_body_any_split),
	  UNIT_TEST(test_joined_mid_body_answer_first),
	  UNIT_TEST(test_joined_mid_response_abandoned))
