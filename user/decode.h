/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * decode: the per-channel pipeline stream -> framing -> jsonrpc -> session.
 * The caller feeds payload chunks; decoded messages, truncations and skipped lines come back
 * through a sink. Pure: no I/O, no globals.
 */
#ifndef MW_DECODE_H
#define MW_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "jsonrpc.h"
#include "jsonshort.h"
#include "session.h"

struct decode_chunk {
	uint64_t chan;          /* channel id: one direction of one pipe or socket */
	uint64_t offset;        /* channel byte offset of data[0] */
	const uint8_t *data;
	size_t len;
	uint64_t ts_ns;
	enum mw_dir dir;
	uint64_t session_key;
	uint32_t tgid;          /* process that moved the bytes */
	uint64_t start_ns;
};

struct decode_msg {
	uint64_t chan;
	uint64_t offset;        /* offset of the line's first byte */
	size_t size;            /* bytes of the line */
	uint64_t ts_ns;         /* time of the chunk that completed the line */
	enum mw_dir dir;
	uint32_t tgid;          /* process that moved the last chunk of the line */
	uint64_t start_ns;
	struct session *session;
	const struct jr_msg *m;
	int batch_index;        /* position in a batch, -1 when not in a batch */
	int batch_size;         /* elements of the batch, 0 when not in a batch */
	struct session_corr corr;
	const void *envelope;   /* decoder_text()'s envelope (HTTP), NULL for stdio */
	struct jsonshort_stats shortened;  /* long strings cut before parsing (shorten_over) */
	bool shorten_checked;   /* the decoder cut long strings (shorten_over is MW_SHORTEN_OVER):
				 * none is left in the message text */
};

enum decode_skip_reason {
	DECODE_SKIP_NOT_JSON = 1,   /* e.g. a stray console.log line */
	DECODE_SKIP_BAD_JSON,       /* starts like JSON but does not parse */
	DECODE_SKIP_NOT_JSONRPC,    /* parses, but is not a JSON-RPC message */
};

struct decode_note {            /* a line that did not become a message, or a loss */
	uint64_t chan;
	uint64_t offset;
	uint64_t size;
	uint64_t ts_ns;
	enum mw_dir dir;
	uint32_t tgid;
	uint64_t start_ns;
	struct session *session;
	int reason;             /* enum decode_skip_reason for .skipped, 0 otherwise */
	const char *preview;    /* first bytes of a skipped line (NUL-terminated), else NULL */
};

struct decode_sink {
	void (*message)(void *ctx, const struct decode_msg *dm);
	void (*truncated)(void *ctx, const struct decode_note *n);  /* line over the cap */
	void (*skipped)(void *ctx, const struct decode_note *n);
	void (*gap)(void *ctx, const struct decode_note *n);        /* bytes that never came */
	/* the first line of a channel joined mid-stream (decoder_join) was not a JSON-RPC
	 * message on its own: the tail of one, skipped (size bytes, preview) */
	void (*joined)(void *ctx, const struct decode_note *n);
};

struct decode_opts {
	size_t message_cap;     /* longest line decoded (MW_MESSAGE_CAP_DEFAULT) */
	size_t shorten_over;    /* when not 0, string values longer than this are cut to */
	size_t shorten_keep;    /* this many bytes before parsing (jsonshort_text) */
	uint64_t reorder_wait_ns;  /* how long a hole may wait for late chunks */
};

struct decode_stats {
	uint64_t chunks, bytes;
	uint64_t messages;          /* JSON-RPC messages (batch elements count one each) */
	uint64_t lines_not_json, lines_bad_json, lines_not_jsonrpc;
	uint64_t truncated;         /* lines over the cap */
	uint64_t gaps, gap_bytes;   /* holes in streams */
	uint64_t lost_bytes;        /* bytes discarded around holes (partial messages) */
	uint64_t unterminated_bytes; /* a channel's last line, never ended by '\n' before its
				      * process exited (e.g. libuv's 1-byte wake-up pipes) */
	uint64_t duplicate_bytes;   /* bytes seen twice and dropped */
	uint64_t joined;            /* channels joined mid-stream (decoder_join) */
	uint64_t joined_bytes;      /* bytes of their first lines skipped as a message's tail */
	uint64_t held_overflow;     /* holes declared early because too much was held back */
	uint64_t pending_evicted;
	uint64_t oom;               /* allocation failures */
};

struct decoder;

struct decoder *decoder_new(const struct decode_opts *o, const struct decode_sink *sink, void *ctx);
void decoder_free(struct decoder *d);
int decoder_feed(struct decoder *d, const struct decode_chunk *c);
/*
 * The capture joins c's channel mid-stream at off (a restarted collector: the channel's bytes
 * before off were captured by the run before it, those after by this one). Nothing before off
 * is missing; the line starting at off may be the tail of a message written across the
 * restart: it is decoded when it is a JSON-RPC message on its own, else skipped and reported
 * through .joined. Call before the channel's first chunk; -EALREADY after it.
 */
int decoder_join(struct decoder *d, const struct decode_chunk *c, uint64_t off);
/* Declare lost the holes that waited longer than reorder_wait_ns. */
void decoder_expire(struct decoder *d, uint64_t now_ns);
/* End of capture: declare every hole and hand on what is complete. */
void decoder_flush(struct decoder *d);
/* One whole message text (an object or a batch), e.g. an HTTP body or an SSE event's data. */
struct decode_text {
	uint64_t chan;
	uint64_t offset;        /* where it starts in the channel's bytes (for notes) */
	const char *text;
	size_t len;
	uint64_t ts_ns;
	enum mw_dir dir;
	uint64_t session_key;
	uint32_t tgid;
	uint64_t start_ns;
	const void *envelope;   /* handed to the sink in decode_msg.envelope */
};

void decoder_text(struct decoder *d, const struct decode_text *t);

/* A session's process ended: forget the session (its channels stay until flushed). */
void decoder_end_session(struct decoder *d, uint64_t session_key);
void decoder_stats(const struct decoder *d, struct decode_stats *out);
/* The session under key, NULL when there is none (yet, or any more). */
struct session *decoder_session(struct decoder *d, uint64_t session_key);

#endif
