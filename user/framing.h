/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * framing: cut a byte stream into newline-delimited messages (MCP stdio framing).
 *
 * A line ends at '\n'; one trailing '\r' is stripped; blank (or all-whitespace) lines are
 * skipped. Bytes are passed through untouched: UTF-8 split across feeds is fine because only
 * complete lines are handed on. A line longer than the cap is reported once through .truncated
 * with the length seen when the cap was hit, and everything up to the next '\n' is discarded.
 * After framer_gap() the partial line is discarded and so is everything up to the next '\n'
 * (a fragment of a message whose start was lost), each reported through .lost.
 * Pure: no I/O, no globals.
 */
#ifndef MW_FRAMING_H
#define MW_FRAMING_H

#include <stddef.h>
#include <stdint.h>

struct framer_sink {
	/* a complete line (without '\n' or trailing '\r'); off = stream offset of its first byte;
	 * ts_ns = time of the chunk that completed it. The buffer is valid during the call only. */
	void (*line)(void *ctx, const char *p, size_t n, uint64_t off, uint64_t ts_ns);
	/* a line that exceeded the cap: starts at off, at least n bytes long */
	void (*truncated)(void *ctx, uint64_t off, uint64_t n, uint64_t ts_ns);
	/* n bytes starting at off were discarded because a gap cut them from their message */
	void (*lost)(void *ctx, uint64_t off, uint64_t n);
};

struct framer {
	struct framer_sink sink;
	void *ctx;
	size_t cap;             /* longest line passed to .line */
	char *buf;              /* partial line */
	size_t len, alloc;
	uint64_t line_off;      /* stream offset of buf[0] (or of the discarded line) */
	int discarding;         /* 0, or why bytes up to the next '\n' are dropped */
	uint64_t discarded;     /* bytes dropped in the current discard run */
};

void framer_init(struct framer *f, size_t cap, const struct framer_sink *sink, void *ctx);
void framer_free(struct framer *f);
/* Feed bytes [off, off+n). -ENOMEM when the partial line cannot grow (it is then reported
 * through .lost and the framer resyncs at the next '\n'). */
int framer_feed(struct framer *f, uint64_t off, const uint8_t *p, size_t n, uint64_t ts_ns);
/* Bytes before the next feed are missing. */
void framer_gap(struct framer *f);

#endif
