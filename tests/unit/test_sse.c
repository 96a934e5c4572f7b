// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/sse.c: the WHATWG event-stream parser, every fixture split every way. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sse.h"
#include "unit.h"

#define MAX_EVENT       (1u << 16)
#define SMALL_EVENT     8u
#define THREE_PIECES_MAX 160u   /* fixtures up to this size are also cut into three pieces */

/* Every event as one text: "T=type|D=data|I=id|S=id_set|R=retry;" (data escaped). */
struct rec {
	char log[1 << 13];
	size_t used;
};

static void rec_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rec_printf(struct rec *r, const char *fmt, ...)
{
	size_t room = sizeof(r->log) - r->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->log + r->used, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->used += (size_t)n < room ? (size_t)n : room - 1;
}

static void rec_event(void *ctx, const struct sse_event *e)
{
	struct rec *r = ctx;

	rec_printf(r, "T=%s|D=", e->type);
	for (size_t i = 0; i < e->data_len; i++) {
		unsigned char c = (unsigned char)e->data[i];

		if (c == '\n')
			rec_printf(r, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			rec_printf(r, "\\x%02x", c);
		else
			rec_printf(r, "%c", c);
	}
	if (e->data[e->data_len] != '\0')
		rec_printf(r, "<not NUL-terminated>");
	rec_printf(r, "|I=%s|S=%d|R=%ld;", e->id ? e->id : "-", e->id_set, e->retry_ms);
}

struct fixture {
	const char *name;
	const char *bytes;
	size_t len;
	size_t max;
	const char *want;
	uint64_t comments, oversize;
};

#define FIX(name_, bytes_, max_, want_, comments_, oversize_) \
	{ name_, bytes_, sizeof(bytes_) - 1, max_, want_, comments_, oversize_ }

static const struct fixture fixtures[] = {
	FIX("basic", "data: hello\n\n", MAX_EVENT,
	    "T=message|D=hello|I=-|S=0|R=-1;", 0, 0),
	FIX("data lines join", "data: a\ndata: b\n\n", MAX_EVENT,
	    "T=message|D=a\\nb|I=-|S=0|R=-1;", 0, 0),
	FIX("crlf", "event: ping\r\ndata: x\r\n\r\n", MAX_EVENT,
	    "T=ping|D=x|I=-|S=0|R=-1;", 0, 0),
	FIX("cr", "data: a\rdata: b\r\r", MAX_EVENT,
	    "T=message|D=a\\nb|I=-|S=0|R=-1;", 0, 0),
	FIX("mixed endings", "data: 1\r\n\ndata: 2\r\rdata: 3\n\r\n", MAX_EVENT,
	    "T=message|D=1|I=-|S=0|R=-1;T=message|D=2|I=-|S=0|R=-1;"
	    "T=message|D=3|I=-|S=0|R=-1;", 0, 0),
	FIX("one space dropped", "data:x\n\ndata:  y\n\ndata:\tz\n\ndata\n\n", MAX_EVENT,
	    "T=message|D=x|I=-|S=0|R=-1;T=message|D= y|I=-|S=0|R=-1;"
	    "T=message|D=\\x09z|I=-|S=0|R=-1;T=message|D=|I=-|S=0|R=-1;", 0, 0),
	FIX("comments", ": ping\n\n:\ndata: z\n: between\n\n", MAX_EVENT,
	    "T=message|D=z|I=-|S=0|R=-1;", 3, 0),
	FIX("id persists", "id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n",
	    MAX_EVENT,
	    "T=message|D=a|I=1|S=1|R=-1;T=message|D=b|I=1|S=0|R=-1;"
	    "T=message|D=c|I=1|S=0|R=-1;T=message|D=d|I=|S=1|R=-1;", 0, 0),
	FIX("retry digits only",
	    "retry: 3000\ndata: a\n\nretry: 30x\ndata: b\n\nretry: -1\nretry:\nretry: 1 \n"
	    "data: c\n\nretry:250\ndata: d\n\nretry: 99999999999999999999999\ndata: e\n\n",
	    MAX_EVENT,
	    "T=message|D=a|I=-|S=0|R=3000;T=message|D=b|I=-|S=0|R=3000;"
	    "T=message|D=c|I=-|S=0|R=3000;T=message|D=d|I=-|S=0|R=250;"
	    "T=message|D=e|I=-|S=0|R=250;", 0, 0),
	FIX("priming", "id: abc\ndata:\n\nid: def\n\nevent: only\n\nretry: 5\n\n\n\n", MAX_EVENT,
	    "T=message|D=|I=abc|S=1|R=-1;T=message|D=|I=def|S=1|R=-1;", 0, 0),
	FIX("bom", "\xef\xbb\xbf" "data: bom\n\n", MAX_EVENT,
	    "T=message|D=bom|I=-|S=0|R=-1;", 0, 0),
	FIX("bom once", "\xef\xbb\xbf\xef\xbb\xbf" "data: x\n\ndata: y\n\n", MAX_EVENT,
	    "T=message|D=y|I=-|S=0|R=-1;", 0, 0),
	/* the first byte of a BOM, then text: it stays text (here the start of a field name) */
	FIX("bom prefix is text", "\xef" "data: x\n\ndata: y\n\n", MAX_EVENT,
	    "T=message|D=y|I=-|S=0|R=-1;", 0, 0),
	FIX("type resets", "event: a\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n", MAX_EVENT,
	    "T=a|D=1|I=-|S=0|R=-1;T=message|D=2|I=-|S=0|R=-1;T=message|D=3|I=-|S=0|R=-1;", 0, 0),
	FIX("unknown fields", "foo: bar\ndata: x\n\nfoo\n\ndatadatadata: y\n\n", MAX_EVENT,
	    "T=message|D=x|I=-|S=0|R=-1;", 0, 0),
	FIX("colons in values", "data: {\"a\":1}\n\nevent: e:f\ndata: b: c\n\n", MAX_EVENT,
	    "T=message|D={\"a\":1}|I=-|S=0|R=-1;T=e:f|D=b: c|I=-|S=0|R=-1;", 0, 0),
	FIX("nul in data", "data: a\0b\n\n", MAX_EVENT,
	    "T=message|D=a\\x00b|I=-|S=0|R=-1;", 0, 0),
	FIX("unterminated event dropped", "data: kept\n\ndata: lost\n", MAX_EVENT,
	    "T=message|D=kept|I=-|S=0|R=-1;", 0, 0),
	FIX("max_event", "data: 12345678\n\ndata: 123456789\n\ndata: 1234\ndata: 5678\n\n"
	    "data: 1234\ndata: 567\n\nid: 7\ndata: a\n\nid: 123456789\ndata: b\n\n"
	    "event: 123456789\ndata: c\n\ndata: d\n\n", SMALL_EVENT,
	    "T=message|D=12345678|I=-|S=0|R=-1;T=message|D=1234\\n567|I=-|S=0|R=-1;"
	    "T=message|D=a|I=7|S=1|R=-1;T=message|D=d|I=7|S=0|R=-1;", 0, 4),
};

/* Feed f cut at the given offsets (ascending), end the stream, compare with the fixture. */
static void run_cut(const struct fixture *f, const size_t *cuts, size_t ncuts)
{
	struct rec r = { .used = 0 };
	struct sse *s = sse_new(f->max, rec_event, &r);
	size_t from = 0;

	CHECK(s != NULL);
	if (!s)
		return;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : f->len;

		CHECK_EQ(sse_feed(s, (const uint8_t *)f->bytes + from, to - from), 0);
		from = to;
	}
	sse_end(s);
	r.log[r.used] = '\0';
	if (strcmp(r.log, f->want) != 0) {
		unit_fail(__FILE__, __LINE__, "%s cut at %zu,%zu: \"%s\" != \"%s\"", f->name,
			  ncuts > 0 ? cuts[0] : 0, ncuts > 1 ? cuts[1] : 0, r.log, f->want);
	}
	CHECK_EQ(sse_stats(s)->comments, f->comments);
	CHECK_EQ(sse_stats(s)->oversize, f->oversize);
	CHECK_EQ(sse_stats(s)->bytes, f->len);
	sse_free(s);
}

static void test_whole(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		run_cut(&fixtures[i], NULL, 0);
}

/* Two pieces, cut at every offset (a CR at the end of one piece, an LF at the start of the
 * next, the BOM cut in the middle, ...). */
static void test_every_split(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		for (size_t cut = 0; cut <= fixtures[i].len && !unit_failures(); cut++)
			run_cut(&fixtures[i], &cut, 1);
	}
}

static void test_three_pieces(void)
{
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];

		if (f->len > THREE_PIECES_MAX)
			continue;
		for (size_t a = 0; a <= f->len && !unit_failures(); a++) {
			for (size_t b = a; b <= f->len && !unit_failures(); b++) {
				size_t cuts[2] = { a, b };

				run_cut(f, cuts, 2);
			}
		}
	}
}

static void test_byte_at_a_time(void)
{
	size_t cuts[512];

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		size_t n = f->len < sizeof(cuts) / sizeof(cuts[0]) ? f->len : 0;

		for (size_t k = 0; k < n; k++)
			cuts[k] = k;
		if (n)
			run_cut(f, cuts, n);
	}
}

/* The end of the stream discards the open event and line; what follows starts afresh. */
static void test_end(void)
{
	struct rec r = { .used = 0 };
	struct sse *s = sse_new(MAX_EVENT, rec_event, &r);
	static const char a[] = "data: x\ndata: half";
	static const char b[] = "\n\ndata: y\n\n";

	CHECK_EQ(sse_feed(s, (const uint8_t *)a, sizeof(a) - 1), 0);
	sse_end(s);
	CHECK_EQ(sse_feed(s, (const uint8_t *)b, sizeof(b) - 1), 0);
	r.log[r.used] = '\0';
	CHECK_STR(r.log, "T=message|D=y|I=-|S=0|R=-1;");
	CHECK_EQ(sse_stats(s)->events, 1);
	sse_free(s);
}

/* A large event streams in without the line being kept whole; the buffers stay bounded. */
static void test_large_event(void)
{
	struct rec r = { .used = 0 };
	struct sse *s = sse_new(MAX_EVENT, rec_event, &r);
	static const char head[] = "data: ";
	char *big = malloc(MAX_EVENT + 2);

	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'a', MAX_EVENT + 1);
	CHECK_EQ(sse_feed(s, (const uint8_t *)head, sizeof(head) - 1), 0);
	CHECK_EQ(sse_feed(s, (const uint8_t *)big, MAX_EVENT + 1), 0);   /* one byte too many */
	CHECK_EQ(sse_feed(s, (const uint8_t *)"\n\n", 2), 0);
	CHECK_EQ(sse_stats(s)->oversize, 1);
	CHECK_EQ(sse_stats(s)->events, 0);
	CHECK_EQ(sse_feed(s, (const uint8_t *)head, sizeof(head) - 1), 0);
	CHECK_EQ(sse_feed(s, (const uint8_t *)big, MAX_EVENT), 0);       /* exactly the limit */
	CHECK_EQ(sse_feed(s, (const uint8_t *)"\r\n\r\n", 4), 0);
	CHECK_EQ(sse_stats(s)->events, 1);
	free(big);
	sse_free(s);
}

static void test_new(void)
{
	CHECK(sse_new(MAX_EVENT, NULL, NULL) == NULL);
	sse_free(NULL);
}

UNIT_MAIN(UNIT_TEST(test_whole),
	  UNIT_TEST(test_every_split),
	  UNIT_TEST(test_three_pieces),
	  UNIT_TEST(test_byte_at_a_time),
	  UNIT_TEST(test_end),
	  UNIT_TEST(test_large_event),
	  UNIT_TEST(test_new))
