// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/framing.c: newline framing, caps, gaps. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "framing.h"
#include "unit.h"

/* Everything the framer reported, in order, as one text ("L@off:line|T@off:n|X@off:n|"). */
struct rec {
	char log[1 << 14];
	size_t used;
	unsigned lines, truncated, lost;
	const uint8_t *chunk;   /* the chunk being fed (to see lines handed on in place) */
	size_t chunk_len;
	unsigned in_place;
	size_t last_len;        /* length of the last line */
	uint64_t last_ts;
};

static void rec_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rec_printf(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->log + r->used, sizeof(r->log) - r->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->used += (size_t)n < sizeof(r->log) - r->used ? (size_t)n : 0;
}

static void rec_line(void *ctx, const char *p, size_t n, uint64_t off, uint64_t ts_ns)
{
	struct rec *r = ctx;

	r->lines++;
	r->last_len = n;
	r->last_ts = ts_ns;
	if ((const uint8_t *)p >= r->chunk && (const uint8_t *)p + n <= r->chunk + r->chunk_len)
		r->in_place++;
	if (n < 200)
		rec_printf(r, "L@%llu:%.*s|", (unsigned long long)off, (int)n, p);
	else
		rec_printf(r, "L@%llu:<%zu>|", (unsigned long long)off, n);
}

static void rec_truncated(void *ctx, uint64_t off, uint64_t n, uint64_t ts_ns)
{
	struct rec *r = ctx;

	r->truncated++;
	rec_printf(r, "T@%llu:%llu|", (unsigned long long)off, (unsigned long long)n);
}

static void rec_lost(void *ctx, uint64_t off, uint64_t n)
{
	struct rec *r = ctx;

	r->lost++;
	rec_printf(r, "X@%llu:%llu|", (unsigned long long)off, (unsigned long long)n);
}

static const struct framer_sink rec_sink = {
	.line = rec_line, .truncated = rec_truncated, .lost = rec_lost,
};

static void feed(struct framer *f, struct rec *r, uint64_t off, const void *p, size_t n,
		 uint64_t ts)
{
	r->chunk = p;
	r->chunk_len = n;
	framer_feed(f, off, p, n, ts);
	r->chunk = NULL;
	r->chunk_len = 0;
}

static const char stream3[] =
	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\"}\n"
	"{\"a\":\"caf\xc3\xa9 \xe2\x9c\x93\"}\r\n"
	"\n"
	"   \t\r\n"
	"{\"id\":1,\"result\":{},\"jsonrpc\":\"2.0\"}\n";

static const char stream3_log[] =
	"L@0:{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\"}|"
	"L@47:{\"a\":\"caf\xc3\xa9 \xe2\x9c\x93\"}|"
	"L@73:{\"id\":1,\"result\":{},\"jsonrpc\":\"2.0\"}|";

static void test_whole(void)
{
	struct framer f;
	struct rec r = { 0 };

	framer_init(&f, 1024, &rec_sink, &r);
	feed(&f, &r, 0, stream3, sizeof(stream3) - 1, 7);
	CHECK_STR(r.log, stream3_log);
	CHECK_EQ(r.lines, 3);
	CHECK_EQ(r.in_place, 3);                /* no partial line: handed on in place */
	CHECK_EQ(r.last_ts, 7);
	CHECK_EQ(f.len, 0);
	framer_free(&f);
}

static void test_split_everywhere(void)
{
	size_t n = sizeof(stream3) - 1;

	for (size_t cut = 0; cut <= n; cut++) {
		struct framer f;
		struct rec r = { 0 };

		framer_init(&f, 1024, &rec_sink, &r);
		feed(&f, &r, 0, stream3, cut, 1);
		feed(&f, &r, cut, stream3 + cut, n - cut, 2);
		CHECK_STR(r.log, stream3_log);
		framer_free(&f);
		if (unit_failures()) {
			printf("    split at %zu\n", cut);
			break;
		}
	}
}

static void test_byte_by_byte(void)
{
	size_t n = sizeof(stream3) - 1;
	struct framer f;
	struct rec r = { 0 };

	framer_init(&f, 1024, &rec_sink, &r);
	for (size_t i = 0; i < n; i++)
		feed(&f, &r, i, stream3 + i, 1, i);
	CHECK_STR(r.log, stream3_log);
	CHECK_EQ(r.in_place, 0);
	CHECK_EQ(r.last_ts, n - 1);             /* the chunk that completed the line */
	framer_free(&f);
}

static void test_utf8_split(void)
{
	static const char line[] = "{\"ok\":\"\xe2\x9c\x93\"}\n";   /* U+2713 */
	size_t n = sizeof(line) - 1;

	for (size_t cut = 8; cut <= 10; cut++) {     /* inside the 3 bytes of the check mark */
		struct framer f;
		struct rec r = { 0 };

		framer_init(&f, 64, &rec_sink, &r);
		feed(&f, &r, 0, line, cut, 1);
		CHECK_EQ(r.lines, 0);
		feed(&f, &r, cut, line + cut, n - cut, 2);
		CHECK_STR(r.log, "L@0:{\"ok\":\"\xe2\x9c\x93\"}|");
		framer_free(&f);
	}
}

static void test_cap(void)
{
	char line[40];
	struct framer f;
	struct rec r = { 0 };

	framer_init(&f, 10, &rec_sink, &r);
	feed(&f, &r, 0, "0123456789\n", 11, 1);              /* exactly the cap */
	feed(&f, &r, 11, "0123456789\r\n", 12, 1);           /* cap plus '\r' */
	feed(&f, &r, 23, "0123456789A\nok\n", 15, 1);        /* one over, in one chunk */
	CHECK_STR(r.log, "L@0:0123456789|L@11:0123456789|T@23:11|L@35:ok|");
	r.used = 0;
	r.log[0] = '\0';
	/* over the cap across feeds: reported once, rest discarded up to '\n' */
	memset(line, 'x', sizeof(line));
	feed(&f, &r, 38, line, 8, 2);
	feed(&f, &r, 46, line, 8, 3);
	feed(&f, &r, 54, line, 8, 4);
	feed(&f, &r, 62, "yy\n{}\n", 6, 5);
	CHECK_STR(r.log, "T@38:16|L@65:{}|");
	CHECK_EQ(r.truncated, 2);
	framer_free(&f);
}

static void test_gap_mid_line(void)
{
	struct framer f;
	struct rec r = { 0 };

	framer_init(&f, 100, &rec_sink, &r);
	feed(&f, &r, 0, "{\"a\":1}\n{\"b\":", 13, 1);
	framer_gap(&f);                         /* the partial line is lost */
	feed(&f, &r, 20, "2}\n{\"c\":3}\n", 11, 2);   /* its tail too */
	CHECK_STR(r.log, "L@0:{\"a\":1}|X@8:5|X@20:2|L@23:{\"c\":3}|");
	framer_free(&f);
}

static void test_gap_at_boundary(void)
{
	struct framer f;
	struct rec r = { 0 };

	framer_init(&f, 100, &rec_sink, &r);
	feed(&f, &r, 0, "{}\n", 3, 1);
	framer_gap(&f);
	feed(&f, &r, 10, "ab", 2, 2);
	framer_gap(&f);                         /* a second gap inside the fragment */
	feed(&f, &r, 20, "cd\nok\n", 6, 3);
	feed(&f, &r, 26, "\n", 1, 4);
	framer_gap(&f);
	feed(&f, &r, 30, "\nnext\n", 6, 5);     /* nothing to drop before the '\n' */
	CHECK_STR(r.log, "L@0:{}|X@10:2|X@20:2|L@23:ok|L@31:next|");
	framer_free(&f);
}

static void test_gap_while_truncating(void)
{
	struct framer f;
	struct rec r = { 0 };

	framer_init(&f, 4, &rec_sink, &r);
	feed(&f, &r, 0, "abcdefgh", 8, 1);
	framer_gap(&f);
	feed(&f, &r, 20, "ij\nok\n", 6, 2);
	CHECK_STR(r.log, "T@0:8|L@23:ok|");
	framer_free(&f);
}

static void test_huge_line(void)
{
	size_t big = 11u << 20, chunk = 65536;
	size_t total = big + 1 + 3;
	char *buf = malloc(total);
	struct rec r = { 0 };
	struct framer f;

	memset(buf, 'z', big);
	memcpy(buf + big, "\n{}\n", 4);
	/* under a 16 MiB cap: intact */
	framer_init(&f, 16u << 20, &rec_sink, &r);
	for (size_t at = 0; at < total; at += chunk)
		feed(&f, &r, at, buf + at, at + chunk > total ? total - at : chunk, at);
	CHECK_EQ(r.lines, 2);
	CHECK_EQ(r.truncated, 0);
	CHECK(strstr(r.log, "L@0:<11534336>|L@11534337:{}|") == r.log);
	framer_free(&f);
	/* under a 4 MiB cap: one truncation, then the next line */
	memset(&r, 0, sizeof(r));
	framer_init(&f, 4u << 20, &rec_sink, &r);
	for (size_t at = 0; at < total; at += chunk)
		feed(&f, &r, at, buf + at, at + chunk > total ? total - at : chunk, at);
	CHECK_EQ(r.truncated, 1);
	CHECK_EQ(r.lines, 1);
	CHECK_STR(r.log, "T@0:4259840|L@11534337:{}|");
	framer_free(&f);
	free(buf);
}

UNIT_MAIN(UNIT_TEST(test_whole),
	  UNIT_TEST(test_split_everywhere),
	  UNIT_TEST(test_byte_by_byte),
	  UNIT_TEST(test_utf8_split),
	  UNIT_TEST(test_cap),
	  UNIT_TEST(test_gap_mid_line),
	  UNIT_TEST(test_gap_at_boundary),
	  UNIT_TEST(test_gap_while_truncating),
	  UNIT_TEST(test_huge_line))
