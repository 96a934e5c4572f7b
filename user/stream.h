/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * stream: reassemble one channel's byte sequence from (offset, length, bytes) chunks.
 *
 * Chunks normally arrive in order. A chunk that overlaps bytes already delivered is trimmed
 * (each byte is delivered once). A chunk past the next expected offset is held back until the
 * hole is filled, or until the hole is declared lost: by stream_expire() once it is older than
 * the caller's wait, or at once when more than MW_STREAM_REORDER_MAX bytes are held back.
 * Pure: no I/O, no globals.
 */
#ifndef MW_STREAM_H
#define MW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stream_sink {
	/* bytes [off, off+n) in order, each byte once */
	void (*bytes)(void *ctx, uint64_t off, const uint8_t *p, size_t n, uint64_t ts_ns);
	/* bytes [off, off+n) will never come */
	void (*gap)(void *ctx, uint64_t off, uint64_t n);
};

struct stream_stats {
	uint64_t delivered;     /* bytes passed to sink.bytes */
	uint64_t duplicate;     /* bytes dropped because already delivered */
	uint64_t gap_bytes;     /* bytes declared lost */
	uint64_t gaps;          /* holes declared lost */
	uint64_t held_overflow; /* holes declared lost because too much was held back */
};

struct stream;

struct stream *stream_new(const struct stream_sink *sink, void *ctx);
void stream_free(struct stream *s);
/* The capture joined the channel at off (bytes before it were moved before capture began):
 * delivery starts there. Only before the first feed: -EALREADY afterwards. */
int stream_start_at(struct stream *s, uint64_t off);
/* -ENOMEM on allocation failure (the chunk is then counted as a gap). */
int stream_feed(struct stream *s, uint64_t off, const void *data, size_t len, uint64_t ts_ns);
/* Declare lost every hole whose held-back data arrived before now_ns - wait_ns. */
void stream_expire(struct stream *s, uint64_t now_ns, uint64_t wait_ns);
/* Declare every hole lost and deliver all held-back data (end of capture). */
void stream_flush(struct stream *s);
uint64_t stream_next_offset(const struct stream *s);
const struct stream_stats *stream_stats(const struct stream *s);

#endif
