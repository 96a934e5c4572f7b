/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * http_inflate: a response body in Content-Encoding gzip or deflate, inflated with zlib as it
 * arrives: each piece gives out at once all it can (an event stream cannot wait for a buffer to
 * fill). "deflate" is the zlib format (RFC 9110), but raw deflate is also sent: the first two
 * bytes tell which. Concatenated gzip members are inflated one after the other.
 * Pure: no I/O, no globals.
 */
#ifndef MW_HTTP_INFLATE_H
#define MW_HTTP_INFLATE_H

#include <stddef.h>
#include <stdint.h>

enum http_coding {
	HTTP_CODING_IDENTITY = 0,
	HTTP_CODING_GZIP,
	HTTP_CODING_DEFLATE,
	HTTP_CODING_OTHER,      /* one we cannot decode (br, zstd, several stacked, ...) */
};

/* The coding a Content-Encoding value names (case-insensitive; "identity" entries ignored). */
enum http_coding http_inflate_coding(const char *value, size_t len);

typedef void (*http_inflate_fn)(void *ctx, const uint8_t *p, size_t n);

struct http_inflate;

/* coding: HTTP_CODING_GZIP or HTTP_CODING_DEFLATE; NULL otherwise or without memory. */
struct http_inflate *http_inflate_new(enum http_coding coding);
void http_inflate_free(struct http_inflate *z);
/* Inflate the next compressed bytes, handing the output to fn in pieces. 0, -EPROTO when the
 * bytes are not valid for the coding, -ENOMEM. */
int http_inflate_feed(struct http_inflate *z, const uint8_t *p, size_t n, http_inflate_fn fn,
		      void *ctx);

#endif
