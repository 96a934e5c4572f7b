// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* http_inflate: zlib's inflate with an output buffer handed on every time it holds anything. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http_inflate.h"

#define OUT_CHUNK       (16u << 10)     /* inflated bytes handed on at a time, at most */
#define IN_SLICE        (1u << 30)      /* compressed bytes given to zlib at a time (a uInt) */
#define WBITS_ZLIB      15
#define WBITS_RAW       (-15)
#define WBITS_AUTO      (15 + 32)       /* gzip or zlib header, found by zlib */
#define ZLIB_HEAD_LEN   2u              /* RFC 1950: CMF, FLG */
#define ZLIB_CM_MASK    0x0fu           /* CMF: compression method (8, deflate) ... */
#define ZLIB_CINFO_SHIFT 4              /* ... and window size, log2 minus 8 (at most 7) */
#define ZLIB_CINFO_MAX  7u
#define ZLIB_CHECK_MOD  31u             /* CMF * 256 + FLG is a multiple of 31 */

struct http_inflate {
	z_stream zs;
	enum http_coding coding;
	bool ready;                     /* inflateInit2() done */
	bool ended;                     /* a stream ended: more bytes start the next one */
	uint8_t head[ZLIB_HEAD_LEN];    /* deflate: the first bytes, zlib header or raw */
	size_t nhead;
	uint8_t out[OUT_CHUNK];
};

static enum http_coding coding_token(const char *t, size_t n)
{
	static const struct {
		const char *name;
		enum http_coding coding;
	} names[] = {
		{ "gzip", HTTP_CODING_GZIP }, { "x-gzip", HTTP_CODING_GZIP },
		{ "deflate", HTTP_CODING_DEFLATE }, { "x-deflate", HTTP_CODING_DEFLATE },
		{ "identity", HTTP_CODING_IDENTITY },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && strncasecmp(names[i].name, t, n) == 0)
			return names[i].coding;
	return HTTP_CODING_OTHER;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

enum http_coding http_inflate_coding(const char *value, size_t len)
{
	enum http_coding found = HTTP_CODING_IDENTITY, c;
	size_t i = 0, start, end;

	while (i < len) {
		while (i < len && (is_ows(value[i]) || value[i] == ','))
			i++;
		start = i;
		while (i < len && value[i] != ',')
			i++;
		end = i;
		while (end > start && is_ows(value[end - 1]))
			end--;
		if (end == start)
			continue;
		c = coding_token(value + start, end - start);
		if (c == HTTP_CODING_IDENTITY)
			continue;
		if (found != HTTP_CODING_IDENTITY)
			return HTTP_CODING_OTHER;       /* codings stacked */
		found = c;
	}
	return found;
}

static int start(struct http_inflate *z, int wbits)
{
	int rc = inflateInit2(&z->zs, wbits);

	if (rc != Z_OK)
		return rc == Z_MEM_ERROR ? -ENOMEM : -EPROTO;
	z->ready = true;
	return 0;
}

struct http_inflate *http_inflate_new(enum http_coding coding)
{
	struct http_inflate *z;

	if (coding != HTTP_CODING_GZIP && coding != HTTP_CODING_DEFLATE)
		return NULL;
	z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->coding = coding;
	if (coding == HTTP_CODING_GZIP && start(z, WBITS_AUTO)) {
		free(z);
		return NULL;
	}
	return z;
}

void http_inflate_free(struct http_inflate *z)
{
	if (!z)
		return;
	if (z->ready)
		inflateEnd(&z->zs);
	free(z);
}

static bool zlib_header(const uint8_t *h)
{
	unsigned int cmf = h[0], flg = h[1];

	return (cmf & ZLIB_CM_MASK) == Z_DEFLATED && cmf >> ZLIB_CINFO_SHIFT <= ZLIB_CINFO_MAX &&
	       (cmf << CHAR_BIT | flg) % ZLIB_CHECK_MOD == 0;
}

/* Inflate n bytes (n <= IN_SLICE), handing on the output as it comes. */
static int run(struct http_inflate *z, const uint8_t *p, size_t n, http_inflate_fn fn, void *ctx)
{
	z_stream *s = &z->zs;
	size_t made;
	int rc;

	if (z->ended) {
		if (inflateReset(s) != Z_OK)
			return -EPROTO;
		z->ended = false;
	}
	s->next_in = (Bytef *)p;
	s->avail_in = (uInt)n;
	for (;;) {
		s->next_out = z->out;
		s->avail_out = sizeof(z->out);
		rc = inflate(s, Z_SYNC_FLUSH);
		made = sizeof(z->out) - s->avail_out;
		if (made)
			fn(ctx, z->out, made);
		if (rc == Z_STREAM_END) {
			if (!s->avail_in) {
				z->ended = true;
				return 0;
			}
			if (inflateReset(s) != Z_OK)    /* another gzip member follows */
				return -EPROTO;
			continue;
		}
		if (rc == Z_MEM_ERROR)
			return -ENOMEM;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return -EPROTO;
		if (!s->avail_in && s->avail_out)
			return 0;
		if (rc == Z_BUF_ERROR && !made)
			return -EPROTO;                 /* no progress: never spin */
	}
}

/* deflate: the first two bytes say zlib header or raw deflate. */
static int start_deflate(struct http_inflate *z, const uint8_t **p, size_t *n,
			 http_inflate_fn fn, void *ctx)
{
	int rc;

	while (*n && z->nhead < ZLIB_HEAD_LEN) {
		z->head[z->nhead++] = **p;
		(*p)++;
		(*n)--;
	}
	if (z->nhead < ZLIB_HEAD_LEN)
		return 0;
	rc = start(z, zlib_header(z->head) ? WBITS_ZLIB : WBITS_RAW);
	return rc ? rc : run(z, z->head, ZLIB_HEAD_LEN, fn, ctx);
}

int http_inflate_feed(struct http_inflate *z, const uint8_t *p, size_t n, http_inflate_fn fn,
		      void *ctx)
{
	size_t slice;
	int rc;

	if (!z->ready && (rc = start_deflate(z, &p, &n, fn, ctx)))
		return rc;
	while (n && z->ready) {
		slice = n < IN_SLICE ? n : IN_SLICE;
		if ((rc = run(z, p, slice, fn, ctx)))
			return rc;
		p += slice;
		n -= slice;
	}
	return 0;
}
