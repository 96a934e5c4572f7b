/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * http_rec: what the HTTP unit tests share: a sink that records every callback of user/http.c
 * as one text, and scripts of request and response pieces to feed, whole or cut anywhere.
 *
 * The text: "Q<i> <method> <path>|" request headers, "q<i>|" request done, "R<i> <status>|"
 * response headers, "D<i><+|-> <request body>/<response body>|" done (complete or not; bodies
 * escaped, long ones as "<N bytes>").
 */
#ifndef MW_HTTP_REC_H
#define MW_HTTP_REC_H

#include <errno.h>

#include "http.h"

#define REC_LOG_LEN     (1u << 14)

struct rec_body {
	uint8_t *p;
	size_t len, cap;
};

struct rec {
	char log[REC_LOG_LEN];
	size_t used;
	unsigned open;                  /* exchanges given a user, not done yet */
	uint64_t res_bytes;             /* response body bytes handed on, all exchanges */
	struct rec_body last_req, last_res;     /* the bodies of the last exchange done */
};

struct step {
	enum http_side side;
	const void *p;
	size_t len;
};

#define Q(s) { HTTP_REQUEST, s, sizeof(s) - 1 }
#define R(s) { HTTP_RESPONSE, s, sizeof(s) - 1 }
#define NO_CUT ((size_t)-1)

extern const struct http_sink rec_sink;

void rec_init(struct rec *r);
void rec_release(struct rec *r);
/* Feed one piece; returns what http_conn_feed returned. */
int rec_feed(struct http_conn *c, enum http_side side, const void *p, size_t len);
/* Feed the steps on a new connection, step `at` in two pieces cut at `cut` (NO_CUT: whole),
 * free the connection; r->log then holds everything. Returns the first non-zero feed result. */
int rec_script(struct rec *r, const struct step *steps, size_t n, size_t at, size_t cut);
/* The same, every step one byte at a time. */
int rec_script_bytes(struct rec *r, const struct step *steps, size_t n);
/* Check the script gives want whole, cut at every offset of every step, and byte by byte. */
void rec_check_splits(const char *name, const struct step *steps, size_t n, const char *want);

#endif
