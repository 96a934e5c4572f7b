/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* http: what http.c (the connection) and http_tx.c (its exchanges, libhtp's hooks) share. */
#ifndef MW_HTTP_INT_H
#define MW_HTTP_INT_H

#include <htp/htp.h>

#include "http.h"
#include "http_inflate.h"

/* A string an exchange handed out (method, path, header values); kept until it is done. */
struct http_str {
	struct http_str *next;
	size_t len;
	char s[];
};

struct http_exchange {
	struct http_tx tx;              /* the caller's view */
	struct http_conn *conn;
	htp_tx_t *htx;
	struct http_exchange *prev, *next;      /* open exchanges, oldest first */
	struct http_str *strs;
	uint64_t req_body, res_body;    /* body bytes as sent (chunked: de-chunked) */
	enum http_coding coding;        /* of the response body */
	struct http_inflate *inflate;
	enum http_coding req_coding;    /* of the request body (a POST may be compressed too) */
	struct http_inflate *req_inflate;
	bool req_done, req_trailer;     /* request complete; its chunked body ended */
	bool res_headers, res_chunked, res_trailer, res_done;
};

/* Why the connection stopped being parsed. */
enum http_end {
	HTTP_END_PARSE = 0,     /* libhtp or a hook found an error; held bytes overflowed */
	HTTP_END_NOMEM,
	HTTP_END_GAP,
	HTTP_END_TUNNEL,        /* no longer HTTP: 101 Switching Protocols, or CONNECT */
};

/* Bytes of one side libhtp could not take yet. */
struct http_held {
	uint8_t *buf;
	size_t len, cap;
};

struct http_conn {
	struct http_sink sink;
	void *ctx;
	htp_cfg_t *cfg;
	htp_connp_t *connp;
	htp_time_t now;                 /* of the piece being fed */
	struct http_exchange *head, *tail;
	struct http_held held[2];
	uint64_t next_index;
	uint64_t req_done, res_done;    /* requests and responses complete, in libhtp's order */
	enum http_end stop;             /* why a hook stopped libhtp */
	bool dead;
	struct http_stats st;
};

/* Register the hooks of http_tx.c on a connection's configuration. */
void http_tx_hooks(htp_cfg_t *cfg);
/* The exchange is over: unlink it, call done(complete), free it. */
void http_tx_end(struct http_exchange *ex, bool complete);

#endif
