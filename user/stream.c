// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * stream: reassembly of one channel. In-order chunks are handed on without copying; chunks past
 * a hole are copied into a list sorted by offset whose pieces never overlap, and drained as soon
 * as the hole fills or is declared lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcpwarden/limits.h"
#include "stream.h"

struct held {
	struct held *next;
	uint64_t off;
	size_t len;
	uint64_t ts_ns;         /* arrival of the chunk this piece came from */
	uint8_t data[];
};

struct stream {
	struct stream_sink sink;
	void *ctx;
	uint64_t next;          /* offset of the next byte to deliver */
	struct held *head, *tail;
	uint64_t held_bytes;
	struct stream_stats st;
};

static uint64_t held_end(const struct held *h)
{
	return h->off + h->len;
}

struct stream *stream_new(const struct stream_sink *sink, void *ctx)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sink = *sink;
	s->ctx = ctx;
	return s;
}

void stream_free(struct stream *s)
{
	struct held *h, *next;

	if (!s)
		return;
	for (h = s->head; h; h = next) {
		next = h->next;
		free(h);
	}
	free(s);
}

static void deliver(struct stream *s, const uint8_t *p, size_t n, uint64_t ts_ns)
{
	uint64_t off = s->next;

	s->next += n;
	s->st.delivered += n;
	if (s->sink.bytes)
		s->sink.bytes(s->ctx, off, p, n, ts_ns);
}

/* Hand on every held piece that now touches the delivered prefix. */
static void drain(struct stream *s)
{
	struct held *h;

	while ((h = s->head) && h->off <= s->next) {
		s->head = h->next;
		if (!s->head)
			s->tail = NULL;
		s->held_bytes -= h->len;
		if (held_end(h) > s->next) {
			size_t skip = s->next - h->off;

			s->st.duplicate += skip;
			deliver(s, h->data + skip, h->len - skip, h->ts_ns);
		} else {
			s->st.duplicate += h->len;
		}
		free(h);
	}
}

/* The hole in front of the first held piece will never fill. */
static void declare_first_hole(struct stream *s)
{
	uint64_t off = s->next, n = s->head->off - s->next;

	s->st.gaps++;
	s->st.gap_bytes += n;
	s->next = s->head->off;
	if (s->sink.gap)
		s->sink.gap(s->ctx, off, n);
	drain(s);
}

static int insert_piece(struct stream *s, struct held **pp, uint64_t off, const uint8_t *p,
			size_t n, uint64_t ts_ns)
{
	struct held *h = malloc(sizeof(*h) + n);

	if (!h)
		return -ENOMEM;
	h->off = off;
	h->len = n;
	h->ts_ns = ts_ns;
	memcpy(h->data, p, n);
	h->next = *pp;
	*pp = h;
	if (!h->next)
		s->tail = h;
	s->held_bytes += n;
	return 0;
}

/* Copy the parts of [off, off+len) that are not held yet into the sorted list. */
static int hold(struct stream *s, uint64_t off, const uint8_t *p, size_t len, uint64_t ts_ns)
{
	struct held **pp = &s->head, *h;
	uint64_t cur = off, end = off + len;
	int err;

	if (s->tail && held_end(s->tail) <= off)
		pp = &s->tail->next;
	while (cur < end) {
		h = *pp;
		if (!h || h->off >= end)
			return insert_piece(s, pp, cur, p + (cur - off), end - cur, ts_ns);
		if (held_end(h) <= cur) {
			pp = &h->next;
			continue;
		}
		if (h->off > cur) {
			err = insert_piece(s, pp, cur, p + (cur - off), h->off - cur, ts_ns);
			if (err)
				return err;
			cur = h->off;
			pp = &(*pp)->next;
		}
		s->st.duplicate += (end < held_end(h) ? end : held_end(h)) - cur;
		cur = held_end(h);
		pp = &h->next;
	}
	return 0;
}

int stream_start_at(struct stream *s, uint64_t off)
{
	if (s->next || s->head || s->st.delivered || s->st.duplicate)
		return -EALREADY;
	s->next = off;
	return 0;
}

int stream_feed(struct stream *s, uint64_t off, const void *data, size_t len, uint64_t ts_ns)
{
	const uint8_t *p = data;
	int err;

	if (!len)
		return 0;
	if (off + len <= s->next) {
		s->st.duplicate += len;
		return 0;
	}
	if (off <= s->next) {
		size_t skip = s->next - off;

		s->st.duplicate += skip;
		deliver(s, p + skip, len - skip, ts_ns);
		drain(s);
		return 0;
	}
	err = hold(s, off, p, len, ts_ns);
	while (s->held_bytes > MW_STREAM_REORDER_MAX) {
		s->st.held_overflow++;
		declare_first_hole(s);
	}
	return err;
}

void stream_expire(struct stream *s, uint64_t now_ns, uint64_t wait_ns)
{
	uint64_t cutoff, upto = 0;
	const struct held *h;

	if (!s->head || now_ns < wait_ns)
		return;
	cutoff = now_ns - wait_ns;
	/* every hole in front of a piece that waited too long is lost */
	for (h = s->head; h; h = h->next)
		if (h->ts_ns < cutoff)
			upto = held_end(h);
	while (s->head && s->head->off < upto)
		declare_first_hole(s);
}

void stream_flush(struct stream *s)
{
	while (s->head)
		declare_first_hole(s);
}

uint64_t stream_next_offset(const struct stream *s)
{
	return s->next;
}

const struct stream_stats *stream_stats(const struct stream *s)
{
	return &s->st;
}
