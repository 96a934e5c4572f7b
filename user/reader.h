/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* reader: consume the ring buffer, check each record's size, dispatch by type. */
#ifndef MW_READER_H
#define MW_READER_H

#include <stdint.h>

#include "mcpwarden/events.h"

struct reader_handlers {
	void (*payload)(void *ctx, const struct mw_payload *p, const uint8_t *data);
	void (*exec)(void *ctx, const struct mw_exec *e);
	void (*fork)(void *ctx, const struct mw_fork *e);
	void (*exit)(void *ctx, const struct mw_exit *e);
	void (*track)(void *ctx, const struct mw_track *e);
	void (*file)(void *ctx, const struct mw_file *e);
	void (*net)(void *ctx, const struct mw_net *e);
	void (*sock)(void *ctx, const struct mw_sock *e);      /* may be NULL */
};

struct reader_stats {
	uint64_t records;
	uint64_t malformed;     /* wrong size or unknown type: skipped */
};

struct reader;

/* NULL with errno set on failure. */
struct reader *reader_new(int ringbuf_fd, const struct reader_handlers *h, void *ctx);
void reader_free(struct reader *r);
/* Wait up to timeout_ms and consume what is there: records consumed, or -errno. */
int reader_poll(struct reader *r, int timeout_ms);
/* Consume everything available without waiting. */
int reader_drain(struct reader *r);
const struct reader_stats *reader_stats(const struct reader *r);

#endif
