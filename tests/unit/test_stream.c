// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/stream.c: ordering, duplicates, holes. */
#include <errno.h>
#include <stdlib.h>

#include "mcpwarden/limits.h"
#include "stream.h"
#include "unit.h"

#define MAX_GAPS 16

struct rec {
	uint8_t *buf;           /* bytes delivered, at their offsets */
	size_t size;
	uint64_t next;          /* where the next delivery must start */
	unsigned calls;
	bool order_broken;      /* a delivery did not start where the last one ended */
	uint64_t last_ts;
	unsigned ngaps;
	uint64_t gap_off[MAX_GAPS], gap_len[MAX_GAPS];
};

static void rec_bytes(void *ctx, uint64_t off, const uint8_t *p, size_t n, uint64_t ts_ns)
{
	struct rec *r = ctx;

	if (off != r->next || off + n > r->size)
		r->order_broken = true;
	else
		memcpy(r->buf + off, p, n);
	r->next = off + n;
	r->calls++;
	r->last_ts = ts_ns;
}

static void rec_gap(void *ctx, uint64_t off, uint64_t n)
{
	struct rec *r = ctx;

	if (off != r->next)
		r->order_broken = true;
	if (r->ngaps < MAX_GAPS) {
		r->gap_off[r->ngaps] = off;
		r->gap_len[r->ngaps] = n;
	}
	r->ngaps++;
	r->next = off + n;
}

static const struct stream_sink rec_sink = { .bytes = rec_bytes, .gap = rec_gap };

static struct stream *rec_new(struct rec *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->buf = calloc(1, size);
	r->size = size;
	return stream_new(&rec_sink, r);
}

static void rec_free(struct rec *r, struct stream *s)
{
	stream_free(s);
	free(r->buf);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static void test_in_order(void)
{
	uint8_t src[30];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	CHECK_EQ(stream_feed(s, 0, src, 10, 1), 0);
	CHECK_EQ(stream_feed(s, 10, src + 10, 5, 2), 0);
	CHECK_EQ(stream_feed(s, 15, src + 15, 0, 3), 0);
	CHECK_EQ(stream_feed(s, 15, src + 15, 15, 4), 0);
	CHECK(!r.order_broken);
	CHECK_MEM(r.buf, r.next, src, sizeof(src));
	CHECK_EQ(r.calls, 3);
	CHECK_EQ(r.last_ts, 4);
	CHECK_EQ(stream_next_offset(s), 30);
	CHECK_EQ(stream_stats(s)->delivered, 30);
	CHECK_EQ(stream_stats(s)->duplicate, 0);
	CHECK_EQ(r.ngaps, 0);
	rec_free(&r, s);
}

static void test_duplicates_trimmed(void)
{
	uint8_t src[20];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	stream_feed(s, 0, src, 10, 1);
	stream_feed(s, 5, src + 5, 10, 2);      /* 5 old, 5 new */
	stream_feed(s, 0, src, 15, 3);          /* all old */
	stream_feed(s, 14, src + 14, 6, 4);     /* 1 old, 5 new */
	CHECK(!r.order_broken);
	CHECK_MEM(r.buf, r.next, src, sizeof(src));
	CHECK_EQ(stream_stats(s)->delivered, 20);
	CHECK_EQ(stream_stats(s)->duplicate, 5 + 15 + 1);
	rec_free(&r, s);
}

static void test_out_of_order(void)
{
	uint8_t src[30];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	stream_feed(s, 20, src + 20, 10, 5);
	stream_feed(s, 10, src + 10, 10, 6);
	CHECK_EQ(r.calls, 0);
	CHECK_EQ(stream_next_offset(s), 0);
	stream_feed(s, 0, src, 10, 7);
	CHECK(!r.order_broken);
	CHECK_MEM(r.buf, r.next, src, sizeof(src));
	CHECK_EQ(r.calls, 3);
	CHECK_EQ(r.last_ts, 5);                 /* held data keeps its own time */
	CHECK_EQ(stream_stats(s)->duplicate, 0);
	CHECK_EQ(r.ngaps, 0);
	rec_free(&r, s);
}

static void test_overlapping_held(void)
{
	uint8_t src[25];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	stream_feed(s, 10, src + 10, 10, 1);
	stream_feed(s, 5, src + 5, 20, 2);      /* covers the held piece: 10 bytes old */
	CHECK_EQ(stream_stats(s)->duplicate, 10);
	stream_feed(s, 0, src, 8, 3);           /* 3 bytes of [5,10) now old */
	CHECK(!r.order_broken);
	CHECK_MEM(r.buf, r.next, src, sizeof(src));
	CHECK_EQ(stream_stats(s)->duplicate, 13);
	CHECK_EQ(stream_stats(s)->delivered, 25);
	rec_free(&r, s);
}

static void test_expire_declares_hole(void)
{
	uint8_t src[60];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	stream_feed(s, 10, src + 10, 10, 100);
	stream_expire(s, 150, 100);
	CHECK_EQ(r.ngaps, 0);
	stream_expire(s, 50, 100);              /* now < wait: nothing */
	CHECK_EQ(r.ngaps, 0);
	stream_expire(s, 201, 100);
	CHECK_EQ(r.ngaps, 1);
	CHECK_EQ(r.gap_off[0], 0);
	CHECK_EQ(r.gap_len[0], 10);
	CHECK_EQ(stream_next_offset(s), 20);
	CHECK_MEM(r.buf + 10, 10, src + 10, 10);
	/* a recent piece behind an old one: both holes in front of the old piece go */
	stream_feed(s, 30, src + 30, 10, 500);
	stream_feed(s, 50, src + 50, 10, 100);
	stream_expire(s, 300, 100);
	CHECK_EQ(r.ngaps, 3);
	CHECK_EQ(r.gap_off[1], 20);
	CHECK_EQ(r.gap_len[1], 10);
	CHECK_EQ(r.gap_off[2], 40);
	CHECK_EQ(r.gap_len[2], 10);
	CHECK_EQ(stream_next_offset(s), 60);
	CHECK(!r.order_broken);
	CHECK_EQ(stream_stats(s)->gaps, 3);
	CHECK_EQ(stream_stats(s)->gap_bytes, 30);
	/* the late chunk of a declared hole is a duplicate, not a delivery */
	stream_feed(s, 0, src, 10, 600);
	CHECK_EQ(stream_stats(s)->duplicate, 10);
	CHECK_EQ(stream_stats(s)->delivered, 30);
	rec_free(&r, s);
}

static void test_expire_keeps_recent(void)
{
	uint8_t src[40];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	stream_feed(s, 10, src + 10, 10, 100);
	stream_feed(s, 30, src + 30, 10, 1000);
	stream_expire(s, 500, 100);             /* only the first hole is old */
	CHECK_EQ(r.ngaps, 1);
	CHECK_EQ(stream_next_offset(s), 20);
	stream_feed(s, 20, src + 20, 10, 1001);
	CHECK_EQ(r.ngaps, 1);
	CHECK_EQ(stream_next_offset(s), 40);
	CHECK_MEM(r.buf + 10, 30, src + 10, 30);
	rec_free(&r, s);
}

static void test_flush(void)
{
	uint8_t src[40];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	stream_feed(s, 0, src, 5, 1);
	stream_feed(s, 30, src + 30, 10, 2);
	stream_feed(s, 10, src + 10, 10, 3);
	stream_flush(s);
	CHECK_EQ(r.ngaps, 2);
	CHECK_EQ(r.gap_off[0], 5);
	CHECK_EQ(r.gap_len[0], 5);
	CHECK_EQ(r.gap_off[1], 20);
	CHECK_EQ(r.gap_len[1], 10);
	CHECK_EQ(stream_next_offset(s), 40);
	CHECK(!r.order_broken);
	CHECK_MEM(r.buf + 30, 10, src + 30, 10);
	stream_flush(s);
	CHECK_EQ(r.ngaps, 2);
	rec_free(&r, s);
}

/* A stream joined mid-way starts where the capture joined it: no hole before, bytes before it
 * are duplicates, a hole after it is still one. */
static void test_start_at(void)
{
	uint8_t src[40];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	r.next = 10;
	CHECK_EQ(stream_start_at(s, 10), 0);
	CHECK_EQ(stream_next_offset(s), 10);
	CHECK_EQ(stream_feed(s, 10, src + 10, 5, 1), 0);
	CHECK_EQ(stream_feed(s, 5, src + 5, 12, 2), 0);         /* 5..15 seen, 15..17 new */
	CHECK_EQ(stream_feed(s, 20, src + 20, 5, 3), 0);
	stream_flush(s);
	CHECK_EQ(r.ngaps, 1);
	CHECK_EQ(r.gap_off[0], 17);
	CHECK_EQ(r.gap_len[0], 3);
	CHECK_EQ(stream_stats(s)->duplicate, 10);
	CHECK_EQ(stream_stats(s)->delivered, 12);
	CHECK_MEM(r.buf + 10, 7, src + 10, 7);
	CHECK(!r.order_broken);
	CHECK_EQ(stream_start_at(s, 100), -EALREADY);          /* too late: it has begun */
	CHECK_EQ(stream_next_offset(s), 25);
	rec_free(&r, s);
}

static void test_start_at_after_held(void)
{
	uint8_t src[8];
	struct rec r;
	struct stream *s = rec_new(&r, sizeof(src));

	fill(src, sizeof(src));
	CHECK_EQ(stream_feed(s, 4, src + 4, 4, 1), 0);          /* held behind a hole */
	CHECK_EQ(stream_start_at(s, 4), -EALREADY);
	stream_flush(s);
	CHECK_EQ(r.ngaps, 1);
	rec_free(&r, s);
}

static void test_held_overflow(void)
{
	size_t half = MW_STREAM_REORDER_MAX / 2 + 1;
	size_t size = 1 + 2 * half;
	uint8_t *src = malloc(size);
	struct rec r;
	struct stream *s = rec_new(&r, size);

	fill(src, size);
	stream_feed(s, 1, src + 1, half, 1);
	CHECK_EQ(r.ngaps, 0);
	stream_feed(s, 1 + half, src + 1 + half, half, 2);  /* contiguous, but > max held */
	CHECK_EQ(r.ngaps, 1);
	CHECK_EQ(r.gap_off[0], 0);
	CHECK_EQ(r.gap_len[0], 1);
	CHECK_EQ(stream_stats(s)->held_overflow, 1);
	CHECK_EQ(stream_next_offset(s), size);
	CHECK_MEM(r.buf + 1, size - 1, src + 1, size - 1);
	rec_free(&r, s);
	free(src);
}

/* xorshift64: fixed seed, reproducible shuffles */
static uint64_t rnd(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static void test_random_reassembly(void)
{
	enum { SIZE = 5000, CHUNKS = 200 };
	uint64_t seed = 0x9e3779b97f4a7c15ull, off[CHUNKS], len[CHUNKS];
	uint8_t src[SIZE];

	fill(src, sizeof(src));
	for (int round = 0; round < 20; round++) {
		struct rec r;
		struct stream *s = rec_new(&r, SIZE);
		uint64_t at = 0;
		int n = 0;

		/* chunks covering everything, some overlapping their neighbours */
		while (at < SIZE && n < CHUNKS) {
			uint64_t l = 1 + rnd(&seed) % 80, back = rnd(&seed) % 4 ? 0 : rnd(&seed) % 20;

			off[n] = at > back ? at - back : 0;
			len[n] = (at + l > SIZE ? SIZE - at : l) + (at - off[n]);
			at = off[n] + len[n];
			n++;
		}
		if (at < SIZE) {
			len[n - 1] = SIZE - off[n - 1];
		}
		for (int i = n - 1; i > 0; i--) {      /* local shuffle, within the hold limit */
			int j = i - (int)(rnd(&seed) % 5);
			uint64_t t;

			if (j < 0)
				j = 0;
			t = off[i], off[i] = off[j], off[j] = t;
			t = len[i], len[i] = len[j], len[j] = t;
		}
		for (int i = 0; i < n; i++)
			stream_feed(s, off[i], src + off[i], len[i], i);
		CHECK(!r.order_broken);
		CHECK_EQ(r.ngaps, 0);
		CHECK_EQ(stream_next_offset(s), SIZE);
		CHECK_MEM(r.buf, r.next, src, sizeof(src));
		rec_free(&r, s);
		if (unit_failures())
			break;
	}
}

UNIT_MAIN(UNIT_TEST(test_in_order),
	  UNIT_TEST(test_duplicates_trimmed),
	  UNIT_TEST(test_out_of_order),
	  UNIT_TEST(test_overlapping_held),
	  UNIT_TEST(test_expire_declares_hole),
	  UNIT_TEST(test_expire_keeps_recent),
	  UNIT_TEST(test_flush),
	  UNIT_TEST(test_start_at),
	  UNIT_TEST(test_start_at_after_held),
	  UNIT_TEST(test_held_overflow),
	  UNIT_TEST(test_random_reassembly))
