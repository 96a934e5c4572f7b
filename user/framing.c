// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * framing: newline framing of a reassembled byte stream. A line found whole inside a feed while
 * nothing is buffered is handed on in place; only lines spanning feeds are copied.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "mcpwarden/limits.h"

enum framer_discard {
	FRAMER_KEEP = 0,
	FRAMER_DISCARD_TRUNCATED,       /* the rest of a line over the cap */
	FRAMER_DISCARD_LOST,            /* a fragment cut from its message by a gap or OOM */
};

void framer_init(struct framer *f, size_t cap, const struct framer_sink *sink, void *ctx)
{
	memset(f, 0, sizeof(*f));
	f->sink = *sink;
	f->ctx = ctx;
	f->cap = cap;
}

void framer_free(struct framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->alloc = 0;
}

static bool is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\f' && p[i] != '\v')
			return false;
	return true;
}

static void report_lost(struct framer *f, uint64_t off, uint64_t n)
{
	if (n && f->sink.lost)
		f->sink.lost(f->ctx, off, n);
}

static void report_truncated(struct framer *f, uint64_t off, uint64_t n, uint64_t ts_ns)
{
	if (f->sink.truncated)
		f->sink.truncated(f->ctx, off, n, ts_ns);
}

/* A complete raw line (without its '\n'). */
static void emit(struct framer *f, const char *p, size_t n, uint64_t off, uint64_t ts_ns)
{
	if (n && p[n - 1] == '\r')
		n--;
	if (n > f->cap)
		report_truncated(f, off, n, ts_ns);
	else if (!is_blank(p, n) && f->sink.line)
		f->sink.line(f->ctx, p, n, off, ts_ns);
}

/* The partial line is done with: keep a small buffer for the next one, drop a big one. */
static void reset_partial(struct framer *f)
{
	f->len = 0;
	if (f->alloc > MW_FRAMER_BUF_KEEP)
		framer_free(f);
}

static int grow(struct framer *f, size_t need)
{
	size_t alloc = f->alloc ? f->alloc : MW_FRAMER_BUF_MIN;
	char *buf;

	if (need <= f->alloc)
		return 0;
	while (alloc < need)
		alloc *= 2;
	if (alloc > f->cap + 1)
		alloc = f->cap + 1 > need ? f->cap + 1 : need;
	buf = realloc(f->buf, alloc);
	if (!buf)
		return -ENOMEM;
	f->buf = buf;
	f->alloc = alloc;
	return 0;
}

/* Drop bytes up to the next '\n' (ended: this segment reached it). */
static void discard(struct framer *f, uint64_t off, size_t seg, bool ended)
{
	if (f->discarding == FRAMER_DISCARD_LOST && !f->discarded)
		f->line_off = off;
	f->discarded += seg;
	if (!ended)
		return;
	if (f->discarding == FRAMER_DISCARD_LOST)
		report_lost(f, f->line_off, f->discarded);
	f->discarding = FRAMER_KEEP;
	f->discarded = 0;
}

static void start_discard(struct framer *f, int why, uint64_t seen, bool ended)
{
	reset_partial(f);
	f->discarding = why;
	f->discarded = seen;
	if (ended)
		discard(f, f->line_off, 0, true);
}

/* Add a segment to the partial line (ended: it completes the line). */
static int buffer(struct framer *f, uint64_t off, const uint8_t *p, size_t seg, bool ended,
		  uint64_t ts_ns)
{
	size_t need = f->len + seg;

	if (!f->len)
		f->line_off = off;
	/* one byte over the cap may still be a '\r' that emit() strips */
	if (need > f->cap + 1) {
		report_truncated(f, f->line_off, need, ts_ns);
		start_discard(f, FRAMER_DISCARD_TRUNCATED, need, ended);
		return 0;
	}
	if (grow(f, need)) {
		start_discard(f, FRAMER_DISCARD_LOST, need, ended);
		return -ENOMEM;
	}
	memcpy(f->buf + f->len, p, seg);
	f->len = need;
	if (ended) {
		emit(f, f->buf, f->len, f->line_off, ts_ns);
		reset_partial(f);
	}
	return 0;
}

int framer_feed(struct framer *f, uint64_t off, const uint8_t *p, size_t n, uint64_t ts_ns)
{
	size_t pos = 0, seg;
	const uint8_t *nl;
	int err = 0;

	while (pos < n) {
		nl = memchr(p + pos, '\n', n - pos);
		seg = nl ? (size_t)(nl - (p + pos)) : n - pos;
		if (f->discarding)
			discard(f, off + pos, seg, nl != NULL);
		else if (nl && !f->len)
			emit(f, (const char *)p + pos, seg, off + pos, ts_ns);
		else if (buffer(f, off + pos, p + pos, seg, nl != NULL, ts_ns))
			err = -ENOMEM;
		pos += seg + (nl ? 1 : 0);
	}
	return err;
}

void framer_gap(struct framer *f)
{
	switch (f->discarding) {
	case FRAMER_DISCARD_TRUNCATED:
		/* the rest of the long line is dropped anyway */
		return;
	case FRAMER_DISCARD_LOST:
		report_lost(f, f->line_off, f->discarded);
		break;
	default:
		report_lost(f, f->line_off, f->len);
		reset_partial(f);
		break;
	}
	f->discarding = FRAMER_DISCARD_LOST;
	f->discarded = 0;
}
