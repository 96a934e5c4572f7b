// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Unit tests of user/http.c and user/http_inflate.c: request and response bodies in
 * Content-Encoding gzip and deflate (zlib and raw), whole, chunked, cut anywhere, and an event
 * stream inflated as it arrives. The compressed fixtures are made here with zlib.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "http_inflate.h"
#include "http_rec.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define WBITS_GZIP      31
#define WBITS_ZLIB      15
#define WBITS_RAW       (-15)
#define ZLEVEL          6
#define ZMEMLEVEL       8
#define CHUNK_SMALL     7u      /* compressed bytes per chunk in the chunked fixtures */

static const char json[] =
	"{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\","
	"\"text\":\"hello hello hello hello\"}]}}";

struct msg {
	uint8_t p[1 << 13];
	size_t len;
};

static void msg_printf(struct msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void msg_printf(struct msg *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)m->p + m->len, sizeof(m->p) - m->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(m->p) - m->len)
		abort();
	m->len += (size_t)n;
}

static void msg_mem(struct msg *m, const void *p, size_t n)
{
	if (n > sizeof(m->p) - m->len)
		abort();
	memcpy(m->p + m->len, p, n);
	m->len += n;
}

/* Compress the texts one after the other into out; each ends with a Z_SYNC_FLUSH (the last
 * with Z_FINISH) so that what came so far inflates on its own. ends[i]: compressed bytes
 * through text i. */
static size_t zip(int wbits, const char *const *texts, size_t n, uint8_t *out, size_t cap,
		  size_t *ends)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, ZLEVEL, Z_DEFLATED, wbits, ZMEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_out = out;
	z.avail_out = (uInt)cap;
	for (size_t i = 0; i < n; i++) {
		z.next_in = (Bytef *)texts[i];
		z.avail_in = (uInt)strlen(texts[i]);
		if (deflate(&z, i + 1 < n ? Z_SYNC_FLUSH : Z_FINISH) == Z_STREAM_ERROR)
			abort();
		if (ends)
			ends[i] = cap - z.avail_out;
	}
	deflateEnd(&z);
	return cap - z.avail_out;
}

static const char *coding_name(int wbits)
{
	return wbits == WBITS_GZIP ? "gzip" : "deflate";
}

/* The JSON answer compressed, with a Content-Length or chunked in small chunks. */
static void compressed_answer(struct msg *m, int wbits, bool chunked)
{
	const char *texts[] = { json };
	uint8_t z[1024];
	size_t zn = zip(wbits, texts, 1, z, sizeof(z), NULL);

	m->len = 0;
	msg_printf(m, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		   "Content-Encoding: %s\r\n", coding_name(wbits));
	if (!chunked) {
		msg_printf(m, "Content-Length: %zu\r\n\r\n", zn);
		msg_mem(m, z, zn);
		return;
	}
	msg_printf(m, "Transfer-Encoding: chunked\r\n\r\n");
	for (size_t off = 0; off < zn; off += CHUNK_SMALL) {
		size_t k = zn - off < CHUNK_SMALL ? zn - off : CHUNK_SMALL;

		msg_printf(m, "%zx\r\n", k);
		msg_mem(m, z + off, k);
		msg_printf(m, "\r\n");
	}
	msg_printf(m, "0\r\n\r\n");
}

static void check_coding(const char *name, int wbits, bool chunked)
{
	static struct msg m;
	char want[512];
	const struct step steps[] = {
		Q("POST /mcp HTTP/1.1\r\naccept-encoding: gzip, deflate\r\n"
		  "content-length: 2\r\n\r\n{}"),
		{ HTTP_RESPONSE, m.p, 0 },
		Q("GET /next HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"),
	};
	struct step s[N(steps)];

	compressed_answer(&m, wbits, chunked);
	memcpy(s, steps, sizeof(s));
	s[1].len = m.len;
	snprintf(want, sizeof(want), "Q0 POST /mcp|q0|R0 200|D0+ {}/%s|Q1 GET /next|q1|R1 200|"
		 "D1+ /next|", json);
	rec_check_splits(name, s, N(s), want);
}

static void test_gzip(void)
{
	check_coding("gzip, content-length", WBITS_GZIP, false);
	check_coding("gzip, chunked", WBITS_GZIP, true);
}

/* "deflate" is the zlib format; raw deflate is also sent and also read. */
static void test_deflate(void)
{
	check_coding("deflate (zlib), content-length", WBITS_ZLIB, false);
	check_coding("deflate (zlib), chunked", WBITS_ZLIB, true);
	check_coding("deflate (raw), content-length", WBITS_RAW, false);
	check_coding("deflate (raw), chunked", WBITS_RAW, true);
}

/* A compressed POST body (a client may send one): inflated before the sink sees it. */
static void check_request_coding(const char *name, int wbits)
{
	static struct msg m;
	const char *texts[] = { json };
	uint8_t z[1024];
	size_t zn = zip(wbits, texts, 1, z, sizeof(z), NULL);
	char want[512];
	const struct step steps[] = {
		{ HTTP_REQUEST, m.p, 0 },
		R("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
	};
	struct step s[N(steps)];

	m.len = 0;
	msg_printf(&m, "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\n"
		   "Content-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", coding_name(wbits), zn);
	msg_mem(&m, z, zn);
	memcpy(s, steps, sizeof(s));
	s[0].len = m.len;
	snprintf(want, sizeof(want), "Q0 POST /mcp|q0|R0 200|D0+ %s/ok|", json);
	rec_check_splits(name, s, N(s), want);
}

static void test_compressed_request(void)
{
	check_request_coding("gzip request", WBITS_GZIP);
	check_request_coding("deflate (zlib) request", WBITS_ZLIB);
	check_request_coding("deflate (raw) request", WBITS_RAW);
}

/* A gzip event stream, one chunk per event: each event comes out inflated as soon as its
 * chunk is in, long before the response ends. */
static void test_gzip_event_stream(void)
{
	static const char *const events[] = {
		"event: message\nid: 1\n"
		"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n",
		": keep-alive\n\n",
		"event: message\nid: 2\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n\n",
	};
	static const char get[] = "POST /mcp HTTP/1.1\r\naccept: text/event-stream\r\n"
				  "content-length: 2\r\n\r\n{}";
	static const char head[] = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
				   "content-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n";
	uint8_t z[2048];
	size_t ends[N(events)], from = 0, plain = 0;
	struct http_conn *c;
	struct msg m;
	struct rec r;

	zip(WBITS_GZIP, events, N(events), z, sizeof(z), ends);
	rec_init(&r);
	c = http_conn_new(&rec_sink, &r);
	CHECK_EQ(rec_feed(c, HTTP_REQUEST, get, sizeof(get) - 1), 0);
	CHECK_EQ(rec_feed(c, HTTP_RESPONSE, head, sizeof(head) - 1), 0);
	for (size_t i = 0; i < N(events); i++) {
		m.len = 0;
		msg_printf(&m, "%zx\r\n", ends[i] - from);
		msg_mem(&m, z + from, ends[i] - from);
		msg_printf(&m, "\r\n");
		from = ends[i];
		CHECK_EQ(rec_feed(c, HTTP_RESPONSE, m.p, m.len), 0);
		plain += strlen(events[i]);
		CHECK_EQ(r.res_bytes, plain);
		CHECK_EQ(r.open, 1);
	}
	CHECK_EQ(rec_feed(c, HTTP_RESPONSE, "0\r\n\r\n", 5), 0);
	CHECK_EQ(r.open, 0);
	CHECK_EQ(r.last_res.len, plain);
	CHECK(r.last_res.len == plain &&
	      memcmp(r.last_res.p + plain - strlen(events[2]), events[2], strlen(events[2])) == 0);
	http_conn_free(c);
	rec_release(&r);
}

/* Two gzip members one after the other are one body. */
static void test_gzip_members(void)
{
	static const char *const one[] = { "first half, " }, *const two[] = { "second half" };
	uint8_t z[512];
	size_t zn;
	static struct msg m;
	struct rec r;

	m.len = 0;
	zn = zip(WBITS_GZIP, one, 1, z, sizeof(z), NULL);
	zn += zip(WBITS_GZIP, two, 1, z + zn, sizeof(z) - zn, NULL);
	msg_printf(&m, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
		   zn);
	msg_mem(&m, z, zn);
	{
		const struct step steps[] = {
			Q("GET / HTTP/1.1\r\n\r\n"),
			{ HTTP_RESPONSE, m.p, m.len },
		};

		rec_init(&r);
		CHECK_EQ(rec_script(&r, steps, N(steps), NO_CUT, 0), 0);
		CHECK_STR(r.log, "Q0 GET /|q0|R0 200|D0+ /first half, second half|");
		rec_release(&r);
	}
}

/* A coding we cannot undo, or bytes that do not inflate: -EPROTO, the exchange incomplete. A
 * response without a body may name any coding. */
static void test_bad_coding(void)
{
	static const struct step br[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 4\r\n\r\n"
		  "\x0b\x01\x80x"),
	};
	static const struct step corrupt[] = {
		Q("GET / HTTP/1.1\r\n\r\n"),
		R("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\n"
		  "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff"),
	};
	static const struct step no_body[] = {
		Q("GET / HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\n"),
		R("HTTP/1.1 304 Not Modified\r\nContent-Encoding: br\r\n\r\n"),
	};
	struct rec r;

	rec_init(&r);
	CHECK_EQ(rec_script(&r, br, N(br), NO_CUT, 0), -EPROTO);
	CHECK_STR(r.log, "Q0 GET /|q0|R0 200|D0- /|");
	rec_release(&r);
	rec_init(&r);
	CHECK_EQ(rec_script(&r, corrupt, N(corrupt), NO_CUT, 0), -EPROTO);
	CHECK_STR(r.log, "Q0 GET /|q0|R0 200|D0- /|");
	rec_release(&r);
	rec_init(&r);
	CHECK_EQ(rec_script(&r, no_body, N(no_body), NO_CUT, 0), 0);
	CHECK_STR(r.log, "Q0 GET /|q0|R0 304|D0+ /|");
	rec_release(&r);
}

static void test_coding_names(void)
{
	static const struct {
		const char *value;
		enum http_coding want;
	} cases[] = {
		{ "gzip", HTTP_CODING_GZIP }, { " GZip ", HTTP_CODING_GZIP },
		{ "x-gzip", HTTP_CODING_GZIP }, { "deflate", HTTP_CODING_DEFLATE },
		{ "X-Deflate", HTTP_CODING_DEFLATE }, { "identity", HTTP_CODING_IDENTITY },
		{ "", HTTP_CODING_IDENTITY }, { "identity, gzip", HTTP_CODING_GZIP },
		{ "gzip,", HTTP_CODING_GZIP }, { "br", HTTP_CODING_OTHER },
		{ "gzip, gzip", HTTP_CODING_OTHER }, { "deflate, gzip", HTTP_CODING_OTHER },
		{ "gzipx", HTTP_CODING_OTHER },
	};

	for (size_t i = 0; i < N(cases); i++)
		CHECK_EQ(http_inflate_coding(cases[i].value, strlen(cases[i].value)),
			 cases[i].want);
	CHECK(http_inflate_new(HTTP_CODING_IDENTITY) == NULL);
}

UNIT_MAIN(UNIT_TEST(test_gzip),
	  UNIT_TEST(test_compressed_request),
	  UNIT_TEST(test_deflate),
	  UNIT_TEST(test_gzip_event_stream),
	  UNIT_TEST(test_gzip_members),
	  UNIT_TEST(test_bad_coding),
	  UNIT_TEST(test_coding_names))
