// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * http_tx: the exchanges of one connection, built from libhtp's hooks. An exchange exists from
 * its request headers until both its request and its response are complete (or the connection
 * ends first).
 *
 * libhtp is written for intrusion detection and takes almost anything: a line that is not a
 * request becomes an HTTP/0.9 request, a status line that is not one becomes response body,
 * a bad chunk size turns the rest of the connection into body, bytes after a complete body are
 * appended to it. Each of these is a parse error here (the hook returns HTP_ERROR, libhtp stops
 * with HTP_STREAM_ERROR), so that a caller never sees bytes that are not the body as body.
 *
 * libhtp's own response decompression is off: it hands on inflated bytes only by 8 KiB or at
 * the end of the body and passes the compressed bytes on when inflating fails. Bodies are
 * inflated here instead (http_inflate), as they arrive.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define STATUS_MIN      100
#define STATUS_MAX      599

static struct http_conn *conn_of(const htp_tx_t *htx)
{
	return htp_connp_get_user_data(htx->connp);
}

static struct http_exchange *exchange_of(const htp_tx_t *htx)
{
	return htp_tx_get_user_data(htx);
}

static int nomem(struct http_conn *c)
{
	c->stop = HTTP_END_NOMEM;
	return HTP_ERROR;
}

/* A NUL-terminated copy of p[0..n) that lives as long as the exchange (an equal string handed
 * out before is handed out again). */
static const char *keep(struct http_exchange *ex, const void *p, size_t n)
{
	struct http_str *s;

	for (s = ex->strs; s; s = s->next)
		if (s->len == n && memcmp(s->s, p, n) == 0)
			return s->s;
	s = malloc(sizeof(*s) + n + 1);
	if (!s)
		return NULL;
	s->len = n;
	memcpy(s->s, p, n);
	s->s[n] = '\0';
	s->next = ex->strs;
	ex->strs = s;
	return s->s;
}

static const char *keep_bstr(struct http_exchange *ex, const bstr *b)
{
	return b ? keep(ex, bstr_ptr(b), bstr_len(b)) : keep(ex, "", 0);
}

const char *http_tx_header(const struct http_tx *tx, enum http_side side, const char *name)
{
	struct http_exchange *ex;
	const htp_table_t *t;
	htp_header_t *h;

	if (!tx || !name)
		return NULL;
	ex = (struct http_exchange *)((char *)tx - offsetof(struct http_exchange, tx));
	if (!ex->htx)
		return NULL;
	t = side == HTTP_REQUEST ? ex->htx->request_headers : ex->htx->response_headers;
	h = htp_table_get_c(t, name);       /* case-insensitive; repeats joined with ", " */
	return h ? keep_bstr(ex, h->value) : NULL;
}

static void exchange_free(struct http_exchange *ex)
{
	struct http_str *s, *next;

	for (s = ex->strs; s; s = next) {
		next = s->next;
		free(s);
	}
	http_inflate_free(ex->inflate);
	http_inflate_free(ex->req_inflate);
	free(ex);
}

static void exchange_link(struct http_conn *c, struct http_exchange *ex)
{
	ex->prev = c->tail;
	if (c->tail)
		c->tail->next = ex;
	else
		c->head = ex;
	c->tail = ex;
}

void http_tx_end(struct http_exchange *ex, bool complete)
{
	struct http_conn *c = ex->conn;

	if (ex->prev)
		ex->prev->next = ex->next;
	else
		c->head = ex->next;
	if (ex->next)
		ex->next->prev = ex->prev;
	else
		c->tail = ex->prev;
	if (ex->htx)
		htp_tx_set_user_data(ex->htx, NULL);
	if (c->sink.done)
		c->sink.done(c->ctx, &ex->tx, complete);
	exchange_free(ex);
}

/* HTTP/1.0 and 1.1 only: libhtp takes any other line for an HTTP/0.9 request. */
static int on_request_line(htp_tx_t *htx)
{
	if (htx->is_protocol_0_9 || !htx->request_method || !htx->request_uri)
		return HTP_ERROR;
	if (htx->request_protocol_number != HTP_PROTOCOL_1_0 &&
	    htx->request_protocol_number != HTP_PROTOCOL_1_1)
		return HTP_ERROR;
	return HTP_OK;
}

/* Content-Length as RFC 9110 has it: once, digits only (libhtp skips what comes before the
 * digits, "-4" is 4 for it, and keeps one of two lengths), never with Transfer-Encoding. */
static bool length_valid(const htp_table_t *headers)
{
	const htp_header_t *cl = htp_table_get_c(headers, "content-length");
	const unsigned char *p;
	size_t n;

	if (!cl)
		return true;
	if ((cl->flags & HTP_FIELD_REPEATED) || htp_table_get_c(headers, "transfer-encoding"))
		return false;
	p = bstr_ptr(cl->value);
	n = bstr_len(cl->value);
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* A body's Content-Encoding (identity when absent). */
static enum http_coding body_coding(htp_table_t *headers)
{
	htp_header_t *ce = htp_table_get_c(headers, "content-encoding");

	return ce ? http_inflate_coding((const char *)bstr_ptr(ce->value), bstr_len(ce->value))
		  : HTTP_CODING_IDENTITY;
}

static int on_request_headers(htp_tx_t *htx)
{
	struct http_conn *c = conn_of(htx);
	struct http_exchange *ex;

	if (!length_valid(htx->request_headers))
		return HTP_ERROR;
	ex = calloc(1, sizeof(*ex));
	if (!ex)
		return nomem(c);
	ex->conn = c;
	ex->htx = htx;
	ex->tx.method = keep_bstr(ex, htx->request_method);
	ex->tx.path = keep_bstr(ex, htx->request_uri);
	if (!ex->tx.method || !ex->tx.path) {
		exchange_free(ex);
		return nomem(c);
	}
	ex->req_coding = body_coding(htx->request_headers);
	ex->tx.index = c->next_index++;
	exchange_link(c, ex);
	htp_tx_set_user_data(htx, ex);
	c->st.transactions++;
	if (c->sink.request_headers)
		c->sink.request_headers(c->ctx, &ex->tx);
	if (htx->request_method_number == HTP_M_CONNECT) {
		c->stop = HTTP_END_TUNNEL;      /* a tunnel is not followed (nor is its answer) */
		return HTP_STOP;
	}
	return HTP_OK;
}

static void request_inflated(void *ctx, const uint8_t *p, size_t n)
{
	struct http_exchange *ex = ctx;
	struct http_conn *c = ex->conn;

	if (c->sink.request_body)
		c->sink.request_body(c->ctx, &ex->tx, p, n);
}

/* Body bytes in coding to fn, inflated as they come (*z made on first use). */
static int body_feed(struct http_exchange *ex, enum http_coding coding, struct http_inflate **z,
		     http_inflate_fn fn, const uint8_t *p, size_t n)
{
	int rc;

	switch (coding) {
	case HTTP_CODING_IDENTITY:
		fn(ex, p, n);
		return HTP_OK;
	case HTTP_CODING_GZIP:
	case HTTP_CODING_DEFLATE:
		if (!*z && !(*z = http_inflate_new(coding)))
			return nomem(ex->conn);
		rc = http_inflate_feed(*z, p, n, fn, ex);
		if (rc == -ENOMEM)
			return nomem(ex->conn);
		return rc ? HTP_ERROR : HTP_OK;
	default:
		return HTP_ERROR;       /* a coding we cannot undo */
	}
}

/* Is the body still open? (libhtp hands bytes past its end on as more body.) */
static bool request_body_open(const struct http_exchange *ex, const htp_tx_t *htx)
{
	switch (htx->request_transfer_coding) {
	case HTP_CODING_CHUNKED:
		return !ex->req_trailer;
	case HTP_CODING_IDENTITY:
		return htx->request_content_length >= 0 &&
		       ex->req_body <= (uint64_t)htx->request_content_length;
	default:
		return false;
	}
}

static int on_request_body(htp_tx_data_t *d)
{
	struct http_exchange *ex = exchange_of(d->tx);

	if (!d->len)
		return HTP_OK;          /* libhtp's end-of-body call */
	if (!ex)
		return HTP_ERROR;
	ex->req_body += d->len;
	if (!request_body_open(ex, d->tx))
		return HTP_ERROR;
	return body_feed(ex, ex->req_coding, &ex->req_inflate, request_inflated, d->data, d->len);
}

static int on_request_trailer(htp_tx_t *htx)
{
	struct http_exchange *ex = exchange_of(htx);

	if (ex)
		ex->req_trailer = true;
	return HTP_OK;
}

static int on_request_complete(htp_tx_t *htx)
{
	struct http_exchange *ex = exchange_of(htx);
	struct http_conn *c = conn_of(htx);

	c->req_done++;
	if (!ex)
		return HTP_OK;
	ex->req_done = true;
	if (c->sink.request_done)
		c->sink.request_done(c->ctx, &ex->tx);
	if (ex->res_done)
		http_tx_end(ex, true);
	return HTP_OK;
}

static int on_response_line(htp_tx_t *htx)
{
	struct http_exchange *ex = exchange_of(htx);

	if (!ex)
		return HTP_ERROR;       /* a response to no request we saw */
	if (htx->response_protocol_number != HTP_PROTOCOL_1_0 &&
	    htx->response_protocol_number != HTP_PROTOCOL_1_1)
		return HTP_ERROR;
	if (htx->response_status_number < STATUS_MIN || htx->response_status_number > STATUS_MAX)
		return HTP_ERROR;
	ex->tx.status = htx->response_status_number;
	return HTP_OK;
}

static int on_response_headers(htp_tx_t *htx)
{
	struct http_exchange *ex = exchange_of(htx);
	struct http_conn *c = conn_of(htx);

	if (!ex || !length_valid(htx->response_headers))
		return HTP_ERROR;
	ex->res_headers = true;
	ex->res_chunked = htx->response_transfer_coding == HTP_CODING_CHUNKED;
	ex->coding = body_coding(htx->response_headers);
	if (c->sink.response_headers)
		c->sink.response_headers(c->ctx, &ex->tx);
	return HTP_OK;
}

static bool response_body_open(const struct http_exchange *ex, const htp_tx_t *htx)
{
	switch (htx->response_transfer_coding) {
	case HTP_CODING_CHUNKED:
		return !ex->res_trailer;
	case HTP_CODING_IDENTITY:
		/* chunked at first: a bad chunk size made libhtp read on to the end */
		if (ex->res_chunked)
			return false;
		return htx->response_content_length < 0 ||
		       ex->res_body <= (uint64_t)htx->response_content_length;
	default:
		return false;
	}
}

static void response_inflated(void *ctx, const uint8_t *p, size_t n)
{
	struct http_exchange *ex = ctx;
	struct http_conn *c = ex->conn;

	if (c->sink.response_body)
		c->sink.response_body(c->ctx, &ex->tx, p, n);
}


static int on_response_body(htp_tx_data_t *d)
{
	struct http_exchange *ex = exchange_of(d->tx);

	if (!d->len)
		return HTP_OK;
	if (!ex || !ex->res_headers)
		return HTP_ERROR;       /* libhtp took a bad status line for body */
	ex->res_body += d->len;
	if (!response_body_open(ex, d->tx))
		return HTP_ERROR;
	return body_feed(ex, ex->coding, &ex->inflate, response_inflated, d->data, d->len);
}

static int on_response_trailer(htp_tx_t *htx)
{
	struct http_exchange *ex = exchange_of(htx);

	if (ex)
		ex->res_trailer = true;
	return HTP_OK;
}

/*
 * Responses are fed to libhtp only once the request they answer is complete (http.c). When a
 * response ends and the next request is not complete yet, returning HTP_DATA_OTHER stops
 * libhtp right there: it returns HTP_STREAM_DATA_OTHER with the rest of the piece unread (held
 * by http.c) and resumes in the same state at the next call.
 */
static int on_response_complete(htp_tx_t *htx)
{
	struct http_exchange *ex = exchange_of(htx);
	struct http_conn *c = conn_of(htx);

	c->res_done++;
	if (ex) {
		ex->res_done = true;
		if (ex->req_done)
			http_tx_end(ex, true);
	}
	return c->req_done > c->res_done ? HTP_OK : HTP_DATA_OTHER;
}

void http_tx_hooks(htp_cfg_t *cfg)
{
	htp_config_register_request_line(cfg, on_request_line);
	htp_config_register_request_headers(cfg, on_request_headers);
	htp_config_register_request_body_data(cfg, on_request_body);
	htp_config_register_request_trailer(cfg, on_request_trailer);
	htp_config_register_request_complete(cfg, on_request_complete);
	htp_config_register_response_line(cfg, on_response_line);
	htp_config_register_response_headers(cfg, on_response_headers);
	htp_config_register_response_body_data(cfg, on_response_body);
	htp_config_register_response_trailer(cfg, on_response_trailer);
	htp_config_register_response_complete(cfg, on_response_complete);
}
