// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * http: one TCP connection through libhtp's connection parser. The two sides go in as they
 * were captured; what libhtp cannot take yet is held here and fed again, in order, whenever
 * the other side moved:
 *  - a response waits until the request it answers is complete (libhtp would parse it against
 *    a request still in its headers, or make up a request for it when there is none yet);
 *  - libhtp's HTP_STREAM_DATA_OTHER: a side stopped in the middle of a piece until the other
 *    one moves (http_tx.c stops the response side at the end of a response whose next request
 *    is not complete).
 * A connection that left HTTP/1.x (a parse error, a lost byte, a CONNECT, 101 Switching
 * Protocols) is abandoned: its open exchanges end, later bytes are only counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "mcpwarden/limits.h"

#define HELD_MIN                4096u
#define NSEC_PER_SEC_U          1000000000ull
#define NSEC_PER_USEC_U         1000ull
#define STATUS_SWITCHING        101

static void config(htp_cfg_t *cfg)
{
	htp_config_set_server_personality(cfg, HTP_SERVER_GENERIC);
	/* libhtp keeps every log message for the life of the connection */
	htp_config_set_log_level(cfg, HTP_LOG_NONE);
	htp_config_set_tx_auto_destroy(cfg, 1);
	htp_config_set_response_decompression(cfg, 0);  /* http_tx.c inflates, as bytes come */
	htp_config_set_parse_request_cookies(cfg, 0);
	htp_config_set_parse_request_auth(cfg, 0);
	htp_config_set_field_limits(cfg, MW_HTTP_FIELD_MAX, MW_HTTP_FIELD_MAX);
	http_tx_hooks(cfg);
}

struct http_conn *http_conn_new(const struct http_sink *sink, void *ctx)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->sink = *sink;
	c->ctx = ctx;
	c->cfg = htp_config_create();
	if (!c->cfg)
		goto free_conn;
	config(c->cfg);
	c->connp = htp_connp_create(c->cfg);
	if (!c->connp)
		goto free_cfg;
	htp_connp_set_user_data(c->connp, c);
	htp_connp_open(c->connp, NULL, 0, NULL, 0, NULL);
	return c;

free_cfg:
	htp_config_destroy(c->cfg);
free_conn:
	free(c);
	return NULL;
}

static void held_free(struct http_held *h)
{
	free(h->buf);
	h->buf = NULL;
	h->len = h->cap = 0;
}

/* After 101 Switching Protocols, the exchange that asked for it is complete. */
static bool tunnel_complete(const struct http_exchange *ex)
{
	return ex->res_headers && ex->tx.status == STATUS_SWITCHING;
}

static void end_all(struct http_conn *c, bool tunnel)
{
	while (c->head)
		http_tx_end(c->head, tunnel && tunnel_complete(c->head));
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	end_all(c, false);
	htp_connp_destroy_all(c->connp);
	htp_config_destroy(c->cfg);
	held_free(&c->held[HTTP_REQUEST]);
	held_free(&c->held[HTTP_RESPONSE]);
	free(c);
}

const struct http_stats *http_conn_stats(const struct http_conn *c)
{
	return &c->st;
}

static int abandon(struct http_conn *c, enum http_end why)
{
	c->dead = true;
	if (why == HTTP_END_PARSE)
		c->st.parse_errors++;
	end_all(c, why == HTTP_END_TUNNEL);
	held_free(&c->held[HTTP_REQUEST]);
	held_free(&c->held[HTTP_RESPONSE]);
	return why == HTTP_END_NOMEM ? -ENOMEM : -EPROTO;
}

void http_conn_gap(struct http_conn *c, enum http_side side)
{
	if (!c->dead)
		abandon(c, HTTP_END_GAP);
}

/* May response bytes go to libhtp now? Only once the request they answer is complete. */
static bool response_due(const struct http_conn *c)
{
	return c->req_done > c->res_done;
}

/* Give libhtp n bytes of a side; *used: how many it took (the rest must come again). */
static int run(struct http_conn *c, enum http_side side, const uint8_t *p, size_t n,
	       size_t *used)
{
	int rc;

	*used = 0;
	if (side == HTTP_REQUEST) {
		rc = htp_connp_req_data(c->connp, &c->now, p, n);
	} else {
		if (!response_due(c))
			return 0;
		rc = htp_connp_res_data(c->connp, &c->now, p, n);
	}
	switch (rc) {
	case HTP_STREAM_DATA:
		*used = n;
		return 0;
	case HTP_STREAM_DATA_OTHER:
		*used = side == HTTP_REQUEST ? htp_connp_req_data_consumed(c->connp)
					     : htp_connp_res_data_consumed(c->connp);
		return 0;
	case HTP_STREAM_TUNNEL:
		return abandon(c, HTTP_END_TUNNEL);
	default:                /* HTP_STREAM_ERROR, or HTP_STREAM_STOP from a hook */
		return abandon(c, c->stop);
	}
}

static int hold(struct http_conn *c, enum http_side side, const uint8_t *p, size_t n)
{
	struct http_held *h = &c->held[side];
	size_t cap;
	uint8_t *nb;

	if (n > MW_HTTP_HELD_MAX - h->len)
		return abandon(c, HTTP_END_PARSE);
	if (h->len + n > h->cap) {
		cap = h->cap ? h->cap : HELD_MIN;
		while (cap < h->len + n)
			cap *= 2;
		if (cap > MW_HTTP_HELD_MAX)
			cap = MW_HTTP_HELD_MAX;
		nb = realloc(h->buf, cap);
		if (!nb)
			return abandon(c, HTTP_END_NOMEM);
		h->buf = nb;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, p, n);
	h->len += n;
	return 0;
}

static void held_drop(struct http_held *h, size_t n)
{
	h->len -= n;
	if (h->len)
		memmove(h->buf, h->buf + n, h->len);
	else
		held_free(h);
}

/* Feed held bytes again until neither side moves. */
static int pump(struct http_conn *c)
{
	struct http_held *h;
	bool moved;
	size_t used;
	int rc;

	do {
		moved = false;
		for (int side = HTTP_REQUEST; side <= HTTP_RESPONSE; side++) {
			h = &c->held[side];
			if (!h->len)
				continue;
			rc = run(c, (enum http_side)side, h->buf, h->len, &used);
			if (rc)
				return rc;
			if (used) {
				held_drop(h, used);
				moved = true;
			}
		}
	} while (moved);
	return 0;
}

int http_conn_feed(struct http_conn *c, enum http_side side, const uint8_t *data, size_t len,
		   uint64_t ts_ns)
{
	size_t used = 0;
	int rc;

	if (side != HTTP_REQUEST && side != HTTP_RESPONSE)
		return -EINVAL;
	c->st.bytes[side] += len;
	if (c->dead)
		return -EPROTO;
	if (!len)
		return 0;
	c->now.tv_sec = (time_t)(ts_ns / NSEC_PER_SEC_U);
	c->now.tv_usec = (suseconds_t)(ts_ns % NSEC_PER_SEC_U / NSEC_PER_USEC_U);
	if (!c->held[side].len && (rc = run(c, side, data, len, &used)))
		return rc;
	if (used < len && (rc = hold(c, side, data + used, len - used)))
		return rc;
	return pump(c);
}
