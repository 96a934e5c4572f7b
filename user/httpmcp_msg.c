// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * httpmcp_msg: exchanges carry their bodies until the MCP messages in them can be handed on.
 * A request's messages wait for the answer's headers (or the end of the exchange), so the
 * session id the initialize answer assigns covers the initialize request too. Also the event
 * streams joined mid-way (opened before the server was tracked).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpmcp_int.h"

/* ---- handing messages on ---- */

static const char *header(const struct hx *x, enum http_side side, const char *name)
{
	return x->adopted ? NULL : http_tx_header(x->tx, side, name);
}

static void fill_env(const struct hx *x, struct httpmcp_envelope *env, const char *ctype)
{
	memset(env, 0, sizeof(*env));
	env->transport = x->legacy ? HTTPMCP_TRANSPORT_SSE : HTTPMCP_TRANSPORT_STREAMABLE;
	env->method = x->adopted ? "GET" : x->unseen ? NULL : x->tx->method;
	env->path = x->adopted || x->unseen ? "" : x->tx->path;
	env->status = x->adopted ? 0 : x->tx->status;
	env->host = header(x, HTTP_REQUEST, "host");
	env->origin = header(x, HTTP_REQUEST, "origin");
	env->authorization = header(x, HTTP_REQUEST, "authorization") != NULL;
	env->session_id = x->sid;
	env->event_id = x->event_id;
	env->content_type = ctype;
	env->conn = x->c->conn;
	env->exchange = x->adopted ? 0 : x->tx->index;
	env->client_side = x->c->req_op == MW_OP_WRITE;
}

static void emit(struct hx *x, enum mw_dir dir, const char *text, size_t len, uint64_t ts,
		 const char *ctype)
{
	struct httpmcp *h = x->c->h;
	struct httpmcp_envelope env;
	struct httpmcp_msg m = {
		.text = text, .len = len, .dir = dir, .ts_ns = ts, .session_key = hm_session_key(x),
		.tgid = x->c->tgid, .start_ns = x->c->start_ns, .env = &env,
	};

	fill_env(x, &env, ctype);
	h->st.messages++;
	if (h->sink.message)
		h->sink.message(h->ctx, &m);
}

/* The session of the exchange: the request's header, else the answer's, else legacy's query. */
static void settle_sid(struct hx *x)
{
	const char *s = header(x, HTTP_REQUEST, "mcp-session-id");

	if (x->sid)
		return;
	if (!s && x->tx->status)
		s = header(x, HTTP_RESPONSE, "mcp-session-id");
	x->sid = s ? strdup(s) : hm_query_session(x->tx->path);
}

/* The request body's messages, once the session is known (answer headers or the end). */
static void send_request(struct hx *x)
{
	struct httpmcp_envelope env;
	struct httpmcp_msg m;
	const char *ctype;

	if (x->req_sent || !x->req_done)
		return;
	x->req_sent = true;
	settle_sid(x);
	if (!x->req_len || x->req_over || (x->req[0] != '{' && x->req[0] != '['))
		return;
	ctype = header(x, HTTP_REQUEST, "content-type");
	fill_env(x, &env, ctype);
	m = (struct httpmcp_msg){ .text = x->req, .len = x->req_len, .dir = MW_DIR_C2S,
		.ts_ns = x->req_ts, .session_key = hm_session_key(x), .tgid = x->c->tgid,
		.start_ns = x->c->start_ns, .env = &env };
	hm_check_headers(x, &m);
	emit(x, MW_DIR_C2S, x->req, x->req_len, x->req_ts, ctype);
}

/* ---- SSE on an answer ---- */

static void on_event(void *ctx, const struct sse_event *e)
{
	struct hx *x = ctx;
	struct httpmcp *h = x->c->h;
	uint64_t key;

	if (!strcmp(e->type, EVENT_ENDPOINT) && e->data_len) {
		x->legacy = true;
		if (!x->sid)
			x->sid = hm_query_session(e->data);
		x->legacy_key = hm_session_key(x);
		hm_learn_endpoint(h, x->c->tgid, e->data, x->legacy_key);
		return;
	}
	key = hm_session_key(x);        /* every event id, priming events' too, is remembered */
	if (e->id_set && e->id && e->id[0] && !hm_first_sighting(h, key, e->id)) {
		h->st.replays_dropped++;
		return;
	}
	if (!e->data_len || strcmp(e->type, EVENT_MESSAGE))
		return;                 /* priming events, other event types */
	x->event_id = e->id_set ? (char *)e->id : NULL;
	emit(x, MW_DIR_S2C, e->data, e->data_len, x->res_ts, CT_SSE);
	x->event_id = NULL;
}

/* A POST to no learned endpoint naming its session in the query (sessionId=, session_id=),
 * not in Mcp-Session-Id: the legacy transport whose endpoint event was not seen (its stream
 * opened before the server was tracked). */
static bool legacy_post(const struct http_tx *tx)
{
	char *sid;

	if (strcmp(tx->method, "POST") || http_tx_header(tx, HTTP_REQUEST, "mcp-session-id"))
		return false;
	sid = hm_query_session(tx->path);
	free(sid);
	return sid != NULL;
}

/* ---- event streams joined mid-way ---- */

/* A legacy POST names its session: remember it until a GET stream claims it. */
static void note_orphan(struct httpmcp *h, uint32_t tgid, const struct http_tx *tx)
{
	char *sid = strcmp(tx->method, "POST") ? NULL : hm_query_session(tx->path);
	struct orphan *o;

	if (!sid)
		return;
	for (unsigned int i = 0; i < h->norphans; i++) {
		if (h->orphans[i].tgid == tgid && !strcmp(h->orphans[i].sid, sid)) {
			free(sid);
			return;
		}
	}
	o = &h->orphans[h->norphans < ORPHANS_MAX ? h->norphans++ : ORPHANS_MAX - 1];
	o->tgid = tgid;
	o->linked = false;
	snprintf(o->sid, sizeof(o->sid), "%s", sid);
	free(sid);
}

/* The one legacy session of tgid no stream has claimed, or NULL when none or several. */
static char *claim_orphan(struct httpmcp *h, uint32_t tgid)
{
	struct orphan *found = NULL;

	for (unsigned int i = 0; i < h->norphans; i++) {
		struct orphan *o = &h->orphans[i];

		if (o->tgid != tgid || o->linked)
			continue;
		if (found)
			return NULL;    /* ambiguous: the stream keeps a session of its own */
		found = o;
	}
	if (!found)
		return NULL;
	found->linked = true;
	return strdup(found->sid);
}

static bool is_hex(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
}

static int hex_val(uint8_t b)
{
	return b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}

/* Chunked framing of a stream joined at a chunk boundary; DC_PLAIN when it is not chunked. */
void hm_dechunk(struct hconn *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (c->dc) {
		case DC_PLAIN:
			sse_feed(c->adopted->sse, p + i, n - i);
			return;
		case DC_SIZE:
			if (is_hex(p[i]))
				c->dc_left = c->dc_left * 16 + (uint64_t)hex_val(p[i]);
			else
				c->dc = p[i] == '\r' ? DC_SIZE_LF : DC_SIZE;
			break;
		case DC_SIZE_LF:
			c->dc = c->dc_left ? DC_DATA : DC_DATA_CR;
			break;
		case DC_DATA: {
			size_t k = n - i < c->dc_left ? n - i : (size_t)c->dc_left;

			sse_feed(c->adopted->sse, p + i, k);
			c->dc_left -= k;
			i += k - 1;
			if (!c->dc_left)
				c->dc = DC_DATA_CR;
			break;
		}
		case DC_DATA_CR:
			c->dc = DC_DATA_LF;
			break;
		case DC_DATA_LF:
			c->dc = DC_SIZE;
			break;
		}
	}
}

/* The response side starts mid-way (the process was tracked after this connection opened,
 * as legacy SSE GET streams are): take it as an event stream, chunked or not. */
bool hm_adopt(struct hconn *c, int op, const uint8_t *p, size_t n)
{
	struct hx *x;
	size_t i = 0;

	while (i < n && is_hex(p[i]))
		i++;
	if (op != MW_OP_WRITE || !n)    /* a server's event stream: what it writes */
		return false;
	x = calloc(1, sizeof(*x));
	if (!x)
		return false;
	x->c = c;
	x->adopted = x->legacy = true;
	x->res_ts = c->last_ts;
	x->epoch = c->epoch;
	x->sid = claim_orphan(c->h, c->tgid);
	x->sse = sse_new(c->h->body_cap, on_event, x);
	if (!x->sse) {
		free(x);
		return false;
	}
	c->adopted = x;
	c->dc = i && i + 1 < n && p[i] == '\r' ? DC_SIZE : DC_PLAIN;
	c->h->st.adopted++;
	return true;
}

void hm_free_adopted(struct hconn *c)
{
	if (!c->adopted)
		return;
	sse_end(c->adopted->sse);
	sse_free(c->adopted->sse);
	free(c->adopted->sid);
	free(c->adopted);
	c->adopted = NULL;
}

/* ---- the HTTP parser's sink ---- */

/* Append to a body kept whole; past cap the body is dropped (counted once). */
static void append(struct httpmcp *h, char **buf, size_t *len, bool *over, const uint8_t *p,
		   size_t n)
{
	char *b;

	if (*over)
		return;
	b = *len + n <= h->body_cap ? realloc(*buf, *len + n + 1) : NULL;
	if (!b) {
		*over = true;
		h->st.oversize_bodies++;
		return;
	}
	memcpy(b + *len, p, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
}

static void on_req_headers(void *ctx, struct http_tx *tx)
{
	struct hconn *c = ctx;
	struct hx *x = calloc(1, sizeof(*x));

	tx->user = x;
	if (!x)
		return;
	x->c = c;
	x->tx = tx;
	x->epoch = c->epoch;
	x->req_ts = c->last_ts;
	x->unseen = c->rs_unseen;
	x->legacy_key = strcmp(tx->method, "POST") ? 0 :
			hm_endpoint_session(c->h, c->tgid, tx->path);
	x->legacy = x->legacy_key || legacy_post(tx);
	c->h->st.exchanges++;
	note_orphan(c->h, c->tgid, tx);
}

static void on_req_body(void *ctx, struct http_tx *tx, const uint8_t *p, size_t n)
{
	struct hconn *c = ctx;
	struct hx *x = tx->user;

	if (!x)
		return;
	x->req_ts = c->last_ts;
	append(c->h, &x->req, &x->req_len, &x->req_over, p, n);
}

static void on_req_done(void *ctx, struct http_tx *tx)
{
	struct hx *x = tx->user;

	if (!x)
		return;
	x->req_done = true;
	if (x->tx->status)              /* the answer's headers came first */
		send_request(x);
}

static bool is_ctype(const char *v, const char *want)
{
	return v && !strncasecmp(v, want, strlen(want));
}

/* A DELETE of a named session, answered 2xx: the server ended it. */
static void end_session(struct hx *x)
{
	struct httpmcp *h = x->c->h;

	if (strcmp(x->tx->method, "DELETE") || x->tx->status < HTTP_OK_MIN ||
	    x->tx->status > HTTP_OK_MAX)
		return;
	settle_sid(x);
	if (!x->sid)
		return;
	h->st.sessions_ended++;
	if (h->sink.session_end)
		h->sink.session_end(h->ctx, hm_session_key(x), x->c->tgid);
}

static void on_res_headers(void *ctx, struct http_tx *tx)
{
	struct hconn *c = ctx;
	struct hx *x = tx->user;

	if (!x)
		return;
	x->res_ts = c->last_ts;
	send_request(x);
	end_session(x);
	if (is_ctype(header(x, HTTP_RESPONSE, "content-type"), CT_SSE))
		x->sse = sse_new(c->h->body_cap, on_event, x);
}

static void on_res_body(void *ctx, struct http_tx *tx, const uint8_t *p, size_t n)
{
	struct hconn *c = ctx;
	struct hx *x = tx->user;

	if (!x)
		return;
	x->res_ts = c->last_ts;
	if (x->sse)
		sse_feed(x->sse, p, n);
	else if (is_ctype(header(x, HTTP_RESPONSE, "content-type"), CT_JSON))
		append(c->h, &x->res, &x->res_len, &x->res_over, p, n);
}

static void on_done(void *ctx, struct http_tx *tx, bool complete)
{
	struct hx *x = tx->user;

	if (!x)
		return;
	x->req_done = true;
	send_request(x);
	if (x->sse)
		sse_end(x->sse);
	else if (x->res_len && !x->res_over)
		emit(x, MW_DIR_S2C, x->res, x->res_len, x->res_ts, CT_JSON);
	sse_free(x->sse);
	free(x->req);
	free(x->res);
	free(x->sid);
	free(x);
	tx->user = NULL;
}

const struct http_sink httpmcp_http_sink = {
	.request_headers = on_req_headers, .request_body = on_req_body,
	.request_done = on_req_done, .response_headers = on_res_headers,
	.response_body = on_res_body, .done = on_done,
};

