/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * http: the two byte streams of one TCP connection, as captured (any split, requests and
 * responses each in order, the two sides interleaved as they happened), parsed into HTTP/1.1
 * exchanges with Suricata's libhtp, which is built for passive traffic: keep-alive and many
 * requests per connection, pipelining, Content-Length and chunked bodies (chunk sizes glued to
 * the header bytes included), gzip and deflate response bodies inflated incrementally (event
 * streams too). Bodies come out de-chunked and decoded, in pieces, as the bytes arrive.
 * Pure: no I/O, no globals (libhtp allocates).
 */
#ifndef MW_HTTP_H
#define MW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_side {
	HTTP_REQUEST = 0,       /* bytes the client sent (requests) */
	HTTP_RESPONSE = 1,      /* bytes the server sent (responses) */
};

/* One exchange. Strings are NUL-terminated and stay valid until the exchange is done
 * (response_done) or the connection is freed. */
struct http_tx {
	uint64_t index;         /* 0, 1, ... in the order of the requests on the connection */
	const char *method;     /* "POST", "GET", "DELETE", ... */
	const char *path;       /* the request target as sent ("/mcp?x=1") */
	int status;             /* response status, 0 until the status line is parsed */
	void *user;             /* the caller's */
};

/* A header of the request or of the response, by name (case-insensitive); NULL when absent.
 * A header given twice is joined with ", " as HTTP allows. */
const char *http_tx_header(const struct http_tx *tx, enum http_side side, const char *name);

struct http_sink {
	void (*request_headers)(void *ctx, struct http_tx *tx);
	void (*request_body)(void *ctx, struct http_tx *tx, const uint8_t *data, size_t len);
	void (*request_done)(void *ctx, struct http_tx *tx);
	void (*response_headers)(void *ctx, struct http_tx *tx);
	/* de-chunked and, for Content-Encoding gzip or deflate, inflated */
	void (*response_body)(void *ctx, struct http_tx *tx, const uint8_t *data, size_t len);
	/* the exchange is over (also called, with complete false, for exchanges cut short by the
	 * end of the connection or by a parse error); tx->user must be released here */
	void (*done)(void *ctx, struct http_tx *tx, bool complete);
};

struct http_stats {
	uint64_t transactions;  /* exchanges (requests whose headers were parsed) */
	uint64_t parse_errors;  /* the connection was abandoned at a parse error */
	uint64_t bytes[2];      /* fed, per side */
};

struct http_conn;

struct http_conn *http_conn_new(const struct http_sink *sink, void *ctx);
/* Ends every open exchange (done(..., false)) and frees the connection. */
void http_conn_free(struct http_conn *c);
/* Feed bytes of one side. Returns 0, or -EPROTO once the connection cannot be parsed any more
 * (later feeds are ignored and counted). Responses may be fed before the request they answer
 * is complete: they are held until it is (bounded; past the bound the connection fails).
 * Parse errors: what is not HTTP/1.0 or 1.1 (a line that is neither a request nor a status
 * line, a Content-Length that is not one number, bytes past the end of a body, a bad chunk
 * size), a body in a Content-Encoding other than gzip or deflate, a body that does not
 * inflate. The connection also stops, without a parse error, where it leaves HTTP: after
 * 101 Switching Protocols (that exchange completes) and at a CONNECT (not followed: it ends
 * with complete false). -ENOMEM: out of memory, the connection is abandoned as well. */
int http_conn_feed(struct http_conn *c, enum http_side side, const uint8_t *data, size_t len,
		   uint64_t ts_ns);
/* Bytes of a side were lost: the parser cannot resynchronise on HTTP/1.1, so the connection
 * is abandoned (its exchanges end with complete false). */
void http_conn_gap(struct http_conn *c, enum http_side side);
const struct http_stats *http_conn_stats(const struct http_conn *c);

#endif
