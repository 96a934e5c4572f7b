// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Unit tests of user/http.c: exchanges from the two byte streams of a connection (keep-alive,
 * pipelining, Content-Length and chunked bodies cut anywhere, responses early, errors, the end
 * of the connection, headers). Content codings are in test_http_body.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "http_rec.h"
#include "mcpwarden/limits.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* An MCP session as Node's undici and the SDK's server send it: each POST head and body in one
 * piece, JSON answers, a 202 for a notification, a 404, the DELETE at the end. */
static const struct step keepalive[] = {
	Q("POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:3000\r\ncontent-type: application/json\r\n"
	  "accept: application/json, text/event-stream\r\ncontent-length: 46\r\n\r\n"
	  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}"),
	R("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nmcp-session-id: s-1\r\n"
	  "Content-Length: 37\r\nConnection: keep-alive\r\n\r\n"
	  "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"),
	Q("POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:3000\r\nmcp-session-id: s-1\r\n"
	  "content-length: 54\r\n\r\n"
	  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
	R("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"),
	Q("GET /nope?x=1 HTTP/1.1\r\nhost: 127.0.0.1:3000\r\n\r\n"),
	R("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\n"
	  "Not Found"),
	Q("DELETE /mcp HTTP/1.1\r\nhost: 127.0.0.1:3000\r\nmcp-session-id: s-1\r\n\r\n"),
	R("HTTP/1.1 204 No Content\r\n\r\n"),
};

static const char keepalive_log[] =
	"Q0 POST /mcp|q0|R0 200|"
	"D0+ {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}/"
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\\x0a|"
	"Q1 POST /mcp|q1|R1 202|"
	"D1+ {\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}/|"
	"Q2 GET /nope?x=1|q2|R2 404|D2+ /Not Found|"
	"Q3 DELETE /mcp|q3|R3 204|D3+ /|";

/* Whole, every piece cut at every offset, byte by byte: the same exchanges. */
static void test_keepalive(void)
{
	rec_check_splits("keepalive", keepalive, N(keepalive), keepalive_log);
}

/* Two requests in one piece, two responses in one piece. */
static const struct step pipelined[] = {
	Q("POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"
	  "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\ncde"),
	R("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
	  "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nBB"),
};

static const char pipelined_log[] =
	"Q0 POST /a|q0|Q1 POST /b|q1|R0 200|D0+ ab/A|R1 201|D1+ cde/BB|";

static void test_pipelined(void)
{
	rec_check_splits("pipelined", pipelined, N(pipelined), pipelined_log);
}

/* The second response is in the piece that ends the first, but its request is not complete:
 * it waits for the rest of that request. */
static const struct step early_second[] = {
	Q("POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"
	  "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nc"),
	R("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
	  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB"),
	Q("de"),
};

static const char early_second_log[] =
	"Q0 POST /a|q0|Q1 POST /b|R0 200|D0+ ab/A|q1|R1 200|D1+ cde/B|";

static void test_response_waits_for_request(void)
{
	rec_check_splits("early second", early_second, N(early_second), early_second_log);
}

/* A response fed before its request is complete (the request head, the response, the body),
 * and before its request even started. */
static const struct step early_body[] = {
	Q("POST /mcp HTTP/1.1\r\nContent-Length: 5\r\n\r\nhe"),
	R("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
	Q("llo"),
};

static const struct step early_all[] = {
	R("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
	Q("GET /mcp HT"),
	Q("TP/1.1\r\n\r\n"),
};

static void test_response_before_request(void)
{
	rec_check_splits("early body", early_body, N(early_body),
			 "Q0 POST /mcp|q0|R0 200|D0+ hello/ok|");
	rec_check_splits("early all", early_all, N(early_all), "Q0 GET /mcp|q0|R0 200|D0+ /ok|");
}

/* Chunked: the first chunk size in the same piece as the headers, sizes with extensions and
 * in upper case, a trailer; cut anywhere (chunk sizes and CR LF split across pieces). */
static const struct step chunked[] = {
	Q("POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n"),
	R("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
	  "1C\r\nevent: message\ndata: {\"x\"}\n\n\r\n"
	  "a\r\ndata: 20\n\n\r\n"
	  "0\r\nX-Trailer: t\r\n\r\n"),
	Q("GET /after HTTP/1.1\r\n\r\n"),
	R("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
};

static const char chunked_log[] =
	"Q0 POST /mcp|q0|R0 200|D0+ {\"a\":1}/event: message\\x0adata: {\"x\"}\\x0a\\x0a"
	"data: 20\\x0a\\x0a|"
	"Q1 GET /after|q1|R1 200|D1+ /|";

static void test_chunked(void)
{
	rec_check_splits("chunked", chunked, N(chunked), chunked_log);
}

/* A GET whose event stream stays open while the connection lives; its bytes come out as they
 * arrive, and it ends (not complete) with the connection. */
static void test_sse_get_open(void)
{
	static const char get[] = "GET /mcp HTTP/1.1\r\naccept: text/event-stream\r\n"
				  "mcp-session-id: s-1\r\n\r\n";
	static const char head[] = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
				   "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
	static const char ev[] = "15\r\nevent: ping\ndata: 1\n\n\r\n";
	struct rec r;
	struct http_conn *c;

	rec_init(&r);
	c = http_conn_new(&rec_sink, &r);
	CHECK_EQ(rec_feed(c, HTTP_REQUEST, get, sizeof(get) - 1), 0);
	CHECK_EQ(rec_feed(c, HTTP_RESPONSE, head, sizeof(head) - 1), 0);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(rec_feed(c, HTTP_RESPONSE, ev, sizeof(ev) - 1), 0);
		CHECK_EQ(r.res_bytes, (i + 1) * 21);
	}
	CHECK_EQ(rec_feed(c, HTTP_RESPONSE, ev, 10), 0);   /* half a chunk is handed on too */
	CHECK_EQ(r.res_bytes, 3 * 21 + 6);
	CHECK_EQ(r.open, 1);
	http_conn_free(c);
	r.log[r.used] = '\0';
	CHECK_STR(r.log, "Q0 GET /mcp|q0|R0 200|D0- /event: ping\\x0adata: 1\\x0a\\x0a"
		  "event: ping\\x0adata: 1\\x0a\\x0aevent: ping\\x0adata: 1\\x0a\\x0aevent:|");
	CHECK_EQ(r.open, 0);
	rec_release(&r);
}

/* http_conn_free ends every open exchange with done(false): one mid-request, one waiting for
 * its response (LeakSanitizer sees any user left behind). */
static void test_free_open(void)
{
	static const struct step steps[] = {
		Q("POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"
		  "POST /b HTTP/1.1\r\nContent-Length: 9\r\n\r\npart"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf"),
	};
	struct rec r;

	rec_init(&r);
	CHECK_EQ(rec_script(&r, steps, N(steps), NO_CUT, 0), 0);
	CHECK_STR(r.log, "Q0 POST /a|q0|Q1 POST /b|R0 200|D0- x/half|D1- part/|");
	CHECK_EQ(r.open, 0);
	rec_release(&r);
}

/* Feed steps until one fails; returns that result and the failing step. */
static int run_until_error(struct rec *r, const struct step *steps, size_t n, size_t *at,
			   const struct http_stats **st, struct http_conn **cp)
{
	struct http_conn *c = http_conn_new(&rec_sink, r);
	int rc = 0;

	for (*at = 0; *at < n && !rc; (*at)++)
		rc = rec_feed(c, steps[*at].side, steps[*at].p, steps[*at].len);
	(*at)--;
	*st = http_conn_stats(c);
	*cp = c;
	return rc;
}

static void expect_error(const char *name, const struct step *steps, size_t n, size_t at,
			 const char *want)
{
	const struct http_stats *st;
	struct http_conn *c;
	struct rec r;
	size_t got_at;
	int rc;

	rec_init(&r);
	rc = run_until_error(&r, steps, n, &got_at, &st, &c);
	if (rc != -EPROTO || got_at != at)
		unit_fail(__FILE__, __LINE__, "%s: rc %d at step %zu, want -EPROTO at %zu", name,
			  rc, got_at, at);
	CHECK_EQ(st->parse_errors, 1);
	CHECK_EQ(r.open, 0);            /* ended at the error, not at the free */
	/* later feeds are ignored and counted */
	CHECK_EQ(rec_feed(c, HTTP_REQUEST, "GET / HTTP/1.1\r\n\r\n", 18), -EPROTO);
	CHECK_EQ(st->bytes[HTTP_REQUEST] >= 18, 1);
	http_conn_free(c);
	r.log[r.used] = '\0';
	if (strcmp(r.log, want) != 0)
		unit_fail(__FILE__, __LINE__, "%s:\n      got  %s\n      want %s", name, r.log,
			  want);
	rec_release(&r);
}

/* Garbage ends the connection with -EPROTO, and its open exchanges with complete false. */
static void test_parse_errors(void)
{
	static const struct step garbage_request[] = {
		Q("POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"),
		Q("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n"),
	};
	static const struct step garbage_status[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("SSH-2.0-OpenSSH_9.2\r\n"),
	};
	static const struct step bad_chunk[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\nxy\r\n"),
	};
	static const struct step after_body[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAnot a response\r\n\r\n"),
	};
	static const struct step after_request_body[] = {
		Q("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nxyzzy\r\n"),
	};
	static const struct step bad_length[] = {
		Q("POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\nxyzz"),
	};
	static const struct step two_lengths[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
	};
	static const struct step length_and_chunked[] = {
		Q("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "0\r\n\r\n"),
	};
	static const struct step http09[] = {
		Q("GET /\r\n"),
	};
	static const struct step http2_preface[] = {
		Q("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
	};
	static const struct step bad_status[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n"),
	};

	expect_error("garbage request", garbage_request, N(garbage_request), 1,
		     "Q0 POST /a|q0|D0- x/|");
	expect_error("garbage status", garbage_status, N(garbage_status), 1,
		     "Q0 GET /|q0|D0- /|");
	expect_error("bad chunk size", bad_chunk, N(bad_chunk), 1, "Q0 GET /|q0|R0 200|D0- /abcd|");
	expect_error("bytes after the body", after_body, N(after_body), 1,
		     "Q0 GET /|q0|R0 200|D0- /A|");
	expect_error("bytes after a request body", after_request_body, N(after_request_body), 0,
		     "Q0 POST /|D0- x/|");
	/* libhtp would read "-4" as 4 (it skips what comes before the digits) */
	expect_error("bad content-length", bad_length, N(bad_length), 0, "");
	expect_error("two content-lengths", two_lengths, N(two_lengths), 1, "Q0 GET /|q0|D0- /|");
	expect_error("content-length and chunked", length_and_chunked, N(length_and_chunked), 0,
		     "");
	expect_error("http/0.9", http09, N(http09), 0, "");
	expect_error("http/2 preface", http2_preface, N(http2_preface), 0, "");
	expect_error("status out of range", bad_status, N(bad_status), 1, "Q0 GET /|q0|D0- /|");
}

/* A lost byte abandons the connection: not a parse error, exchanges end incomplete. */
static void test_gap(void)
{
	static const char req[] = "POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nab";
	struct http_conn *c;
	struct rec r;

	rec_init(&r);
	c = http_conn_new(&rec_sink, &r);
	CHECK_EQ(rec_feed(c, HTTP_REQUEST, req, sizeof(req) - 1), 0);
	http_conn_gap(c, HTTP_REQUEST);
	CHECK_EQ(r.open, 0);
	CHECK_EQ(rec_feed(c, HTTP_REQUEST, "cd", 2), -EPROTO);
	CHECK_EQ(http_conn_stats(c)->parse_errors, 0);
	CHECK_EQ(http_conn_stats(c)->bytes[HTTP_REQUEST], sizeof(req) - 1 + 2);
	CHECK_EQ(http_conn_stats(c)->transactions, 1);
	http_conn_free(c);
	r.log[r.used] = '\0';
	CHECK_STR(r.log, "Q0 POST /a|D0- ab/|");
	rec_release(&r);
}

/* Responses with no request to answer are held, up to MW_HTTP_HELD_MAX. */
static void test_held_bound(void)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n";
	size_t piece = 64u << 10, sent = 0;
	uint8_t *junk = calloc(1, piece);
	struct http_conn *c;
	struct rec r;
	int rc = 0;

	rec_init(&r);
	c = http_conn_new(&rec_sink, &r);
	CHECK_EQ(rec_feed(c, HTTP_RESPONSE, head, sizeof(head) - 1), 0);
	sent = sizeof(head) - 1;
	while (!rc && sent <= MW_HTTP_HELD_MAX) {
		rc = rec_feed(c, HTTP_RESPONSE, junk, piece);
		sent += piece;
	}
	CHECK_EQ(rc, -EPROTO);
	CHECK(sent > MW_HTTP_HELD_MAX);
	CHECK_EQ(http_conn_stats(c)->parse_errors, 1);
	http_conn_free(c);
	free(junk);
	rec_release(&r);
}

/* Header lookups: any case, repeats joined with ", ", absent NULL, the same string twice
 * (kept until the exchange is done: copied here). */
#define HDR_LEN 64

struct hdr_seen {
	char sid[HDR_LEN], dup[HDR_LEN], ctype[HDR_LEN], req_in_res[HDR_LEN];
	bool same, absent, same_later;
	const char *sid_ptr;
};

static void hdr_copy(char *to, const char *s)
{
	snprintf(to, HDR_LEN, "%s", s ? s : "(null)");
}

static void hdr_request(void *ctx, struct http_tx *tx)
{
	struct hdr_seen *h = ctx;

	h->sid_ptr = http_tx_header(tx, HTTP_REQUEST, "MCP-SESSION-ID");
	hdr_copy(h->sid, h->sid_ptr);
	h->same = h->sid_ptr == http_tx_header(tx, HTTP_REQUEST, "mcp-session-id");
	hdr_copy(h->dup, http_tx_header(tx, HTTP_REQUEST, "Accept"));
	h->absent = !http_tx_header(tx, HTTP_REQUEST, "last-event-id");
}

static void hdr_response(void *ctx, struct http_tx *tx)
{
	struct hdr_seen *h = ctx;

	hdr_copy(h->ctype, http_tx_header(tx, HTTP_RESPONSE, "content-TYPE"));
	hdr_copy(h->req_in_res, http_tx_header(tx, HTTP_REQUEST, "mcp-session-id"));
	h->same_later = h->sid_ptr == http_tx_header(tx, HTTP_REQUEST, "Mcp-Session-Id");
}

static void test_headers(void)
{
	static const char req[] = "POST /mcp HTTP/1.1\r\nMcp-Session-Id:  s-42 \r\n"
				  "accept: application/json\r\nAccept: text/event-stream\r\n"
				  "Content-Length: 0\r\n\r\n";
	static const char res[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
				  "Content-Length: 0\r\n\r\n";
	struct http_sink sink = { .request_headers = hdr_request,
				  .response_headers = hdr_response };
	struct hdr_seen h = { .same = false };
	struct http_conn *c = http_conn_new(&sink, &h);

	CHECK_EQ(http_conn_feed(c, HTTP_REQUEST, (const uint8_t *)req, sizeof(req) - 1, 0), 0);
	CHECK_STR(h.sid, "s-42");
	CHECK(h.same);
	CHECK_STR(h.dup, "application/json, text/event-stream");
	CHECK(h.absent);
	CHECK_EQ(http_conn_feed(c, HTTP_RESPONSE, (const uint8_t *)res, sizeof(res) - 1, 0), 0);
	CHECK_STR(h.ctype, "text/event-stream");
	CHECK_STR(h.req_in_res, "s-42");
	CHECK(h.same_later);
	CHECK(http_tx_header(NULL, HTTP_REQUEST, "x") == NULL);
	CHECK_EQ(http_conn_stats(c)->transactions, 1);
	http_conn_free(c);
}

/* A tunnel ends HTTP on the connection (-EPROTO, not a parse error): after 101 Switching
 * Protocols (that exchange completes), and at a CONNECT (not followed, nor its answer). */
static void expect_tunnel(const char *name, const struct step *steps, size_t n, size_t at,
			  const char *want)
{
	const struct http_stats *st;
	struct http_conn *c;
	struct rec r;
	size_t got_at;

	rec_init(&r);
	CHECK_EQ(run_until_error(&r, steps, n, &got_at, &st, &c), -EPROTO);
	CHECK_EQ(got_at, at);
	CHECK_EQ(st->parse_errors, 0);
	CHECK_EQ(r.open, 0);
	CHECK_EQ(rec_feed(c, HTTP_RESPONSE, "\x81\x85", 2), -EPROTO);
	http_conn_free(c);
	r.log[r.used] = '\0';
	if (strcmp(r.log, want) != 0)
		unit_fail(__FILE__, __LINE__, "%s:\n      got  %s\n      want %s", name, r.log,
			  want);
	rec_release(&r);
}

static void test_tunnels(void)
{
	static const struct step upgrade[] = {
		Q("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
		R("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"),
	};
	static const struct step connect[] = {
		Q("POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny"),
		Q("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
		R("HTTP/1.1 200 Connection Established\r\n\r\n"),
	};

	expect_tunnel("upgrade", upgrade, N(upgrade), 1, "Q0 GET /ws|q0|R0 101|D0+ /|");
	expect_tunnel("connect", connect, N(connect), 2,
		      "Q0 POST /a|q0|R0 200|D0+ x/y|Q1 CONNECT example.com:443|D1- /|");
}

/* A 100 Continue before the final response; a HEAD answered with a length but no body. */
static void test_interim_and_head(void)
{
	static const struct step steps[] = {
		Q("POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"),
		R("HTTP/1.1 100 Continue\r\n\r\n"),
		Q("abc"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
		Q("HEAD /mcp HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
	};

	rec_check_splits("100 and head", steps, N(steps),
			 "Q0 POST /up|q0|R0 200|D0+ abc/ok|Q1 HEAD /mcp|q1|R1 200|D1+ /|");
}

UNIT_MAIN(UNIT_TEST(test_keepalive),
	  UNIT_TEST(test_pipelined),
	  UNIT_TEST(test_response_waits_for_request),
	  UNIT_TEST(test_response_before_request),
	  UNIT_TEST(test_chunked),
	  UNIT_TEST(test_sse_get_open),
	  UNIT_TEST(test_free_open),
	  UNIT_TEST(test_parse_errors),
	  UNIT_TEST(test_gap),
	  UNIT_TEST(test_held_bound),
	  UNIT_TEST(test_headers),
	  UNIT_TEST(test_tunnels),
	  UNIT_TEST(test_interim_and_head))
