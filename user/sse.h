/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sse: server-sent events (text/event-stream) as the WHATWG spec parses them: lines end with
 * "\n", "\r\n" or "\r" (a "\r" at the end of a piece may be followed by "\n" in the next);
 * "data:" lines join with "\n"; one space after the colon is dropped; comments (":...") are
 * counted and skipped; "event:", "id:" (not containing NUL), "retry:" (digits only); an empty
 * line dispatches the event (an event with empty data is a priming event and is handed on
 * with data_len 0 so the caller can note its id). Pieces may split anywhere, several events may
 * come in one piece. A leading UTF-8 BOM is skipped. Pure: no I/O, no globals.
 */
#ifndef MW_SSE_H
#define MW_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sse_event {
	const char *type;       /* "message" when no event: field was given */
	const char *data;       /* data lines joined with "\n" (NUL-terminated) */
	size_t data_len;
	const char *id;         /* the last event id seen on the stream (it persists), or NULL */
	bool id_set;            /* this event carried an id: field */
	long retry_ms;          /* the last retry: value, -1 when none */
};

struct sse_stats {
	uint64_t events, comments, oversize, bytes;
};

typedef void (*sse_event_fn)(void *ctx, const struct sse_event *e);

struct sse;

/* max_event: longest event data kept (bytes); a longer event is dropped and counted. */
struct sse *sse_new(size_t max_event, sse_event_fn fn, void *ctx);
void sse_free(struct sse *s);
int sse_feed(struct sse *s, const uint8_t *data, size_t len);
/* The stream ended: an event not closed by an empty line is discarded (per spec). */
void sse_end(struct sse *s);
const struct sse_stats *sse_stats(const struct sse *s);

#endif
