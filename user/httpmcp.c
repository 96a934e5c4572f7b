// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * httpmcp: connections (two streams and an HTTP parser each) in a hash table by socket inode,
 * which side carries requests, sessions and SSE replays. The exchanges and the messages in
 * them are in httpmcp_msg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpmcp_int.h"

/* ---- sessions and replays ---- */

uint64_t hm_session_key(const struct hx *x)
{
	uint64_t h = fnv(FNV_OFFSET, "http", 4);

	if (x->legacy_key)
		return x->legacy_key;
	h = fnv(h, &x->c->tgid, sizeof(x->c->tgid));
	if (x->sid)
		return fnv(h, x->sid, strlen(x->sid)) | 1;
	h = fnv(h, &x->epoch, sizeof(x->epoch));
	return fnv(h, &x->c->conn, sizeof(x->c->conn)) | 1;
}
/* True the first time (session, id) is seen. */
bool hm_first_sighting(struct httpmcp *h, uint64_t session, const char *id)
{
	uint64_t k = fnv(fnv(FNV_OFFSET, &session, sizeof(session)), id, strlen(id)) | 1;
	size_t i = k & (SEEN_CAP - 1);

	if (!h->seen && !(h->seen = calloc(SEEN_CAP, sizeof(*h->seen))))
		return true;
	for (; h->seen[i]; i = (i + 1) & (SEEN_CAP - 1))
		if (h->seen[i] == k)
			return false;
	if (h->nseen >= SEEN_FULL) {    /* bounded: forget everything, start over */
		memset(h->seen, 0, SEEN_CAP * sizeof(*h->seen));
		h->nseen = 0;
		i = k & (SEEN_CAP - 1);
	}
	h->seen[i] = k;
	h->nseen++;
	return true;
}

/* The value of query parameter param= in path ("abc" of "/m?x=1&param=abc"), malloc'd; NULL
 * when absent or empty. */
static char *query_param(const char *path, const char *param)
{
	const char *q = path ? strchr(path, '?') : NULL, *p;
	size_t n;

	if (!q)
		return NULL;
	for (p = q + 1; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, param, strlen(param)))
			continue;
		p += strlen(param);
		n = strcspn(p, "&#");
		return n ? strndup(p, n) : NULL;
	}
	return NULL;
}

/* "/message?sessionId=abc" (TypeScript SDK) or "/messages/?session_id=abc" (Python SDK) ->
 * "abc" (malloc'd), NULL when absent. */
char *hm_query_session(const char *path)
{
	char *sid = query_param(path, SID_PARAM_TS);

	return sid ? sid : query_param(path, SID_PARAM_PY);
}

static struct endpoint *find_endpoint(const struct httpmcp *h, uint32_t tgid, const char *target)
{
	for (unsigned int i = 0; i < h->nendpoints; i++)
		if (h->endpoints[i].tgid == tgid && !strcmp(h->endpoints[i].target, target))
			return (struct endpoint *)&h->endpoints[i];
	return NULL;
}

/* The session whose endpoint event named exactly this request target; 0 when none did. */
uint64_t hm_endpoint_session(const struct httpmcp *h, uint32_t tgid, const char *target)
{
	const struct endpoint *e = target ? find_endpoint(h, tgid, target) : NULL;

	return e ? e->session_key : 0;
}

/* An endpoint event's URL (absolute, or a path with its query) is where the POSTs of the
 * stream's session go. Targets too long to keep are not learned: their POSTs are told by their
 * query alone (hm_query_session). */
void hm_learn_endpoint(struct httpmcp *h, uint32_t tgid, const char *url, uint64_t session_key)
{
	const char *p = strstr(url, "://");
	struct endpoint *e;

	if (p)                          /* an absolute URL: keep its path and query */
		p = strchr(p + 3, '/');
	else
		p = url;
	if (!p || strlen(p) >= PATH_KEY_MAX)
		return;
	e = find_endpoint(h, tgid, p);
	if (!e) {                       /* a new one replaces the oldest when full */
		e = &h->endpoints[h->next_endpoint++ % ENDPOINTS_MAX];
		if (h->nendpoints < ENDPOINTS_MAX)
			h->nendpoints++;
		e->tgid = tgid;
		snprintf(e->target, sizeof(e->target), "%s", p);
	}
	e->session_key = session_key;
}

/* ---- connections ---- */

static void abandon(struct hconn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	if (c->h->sink.abandoned)
		c->h->sink.abandoned(c->h->ctx, c->conn, c->tgid, why);
}

static bool is_token_char(uint8_t b)
{
	return b >= 'A' && b <= 'Z';
}

enum first_bytes { FB_MORE = 0, FB_REQUEST, FB_STATUS, FB_OTHER };

/* What a side's first bytes are: a request line "METHOD ", a status line "HTTP/", not yet
 * known (a prefix of either), or something else. */
static enum first_bytes classify(const uint8_t *p, size_t n)
{
	size_t i = 0, k = n < strlen(STATUS_LINE) ? n : strlen(STATUS_LINE);

	if (!memcmp(p, STATUS_LINE, k) && n >= strlen(STATUS_LINE))
		return FB_STATUS;
	while (i < n && i < TOKEN_MAX && is_token_char(p[i]))
		i++;
	if (i == n)
		return n < TOKEN_MAX ? FB_MORE : FB_OTHER;
	return i && p[i] == ' ' ? FB_REQUEST : FB_OTHER;
}

static void feed_http(struct hconn *c, int op, const uint8_t *p, size_t n, uint64_t ts_ns)
{
	if (c->dead || !n)
		return;
	if (http_conn_feed(c->http, op == c->req_op ? HTTP_REQUEST : HTTP_RESPONSE, p, n, ts_ns)) {
		c->h->st.parse_errors++;
		abandon(c, "HTTP parse error");
	}
}

static int other_op(int op)
{
	return op == MW_OP_READ ? MW_OP_WRITE : MW_OP_READ;
}

/* Text, as a request's body or headers are (a TLS record or a binary protocol is not). */
static bool looks_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') || p[i] == 0x7f)
			return false;
	return true;
}

/* The roles are known (first_op's bytes told them). A request joined mid-way gets a stand-in
 * exchange first, so the answer it is owed pairs with it and not with the next request; then
 * both sides' waiting bytes go to the parser, first_op's first. */
static void set_roles(struct hconn *c, int req_op, int first_op, uint64_t ts)
{
	c->req_op = req_op;
	if (c->resync_op && c->resync_op != req_op) {
		c->h->st.not_http++;    /* the side joined mid-way carries answers */
		abandon(c, "joined mid-response");
		return;
	}
	if (c->resync_op) {
		c->rs_unseen = true;
		feed_http(c, req_op, (const uint8_t *)UNSEEN_REQUEST, strlen(UNSEEN_REQUEST), ts);
		c->rs_unseen = false;
	}
	for (int i = 0; i < 2; i++) {
		int s = i ? !side_index(first_op) : side_index(first_op);

		feed_http(c, s ? MW_OP_WRITE : MW_OP_READ, c->pend[s], c->pend_len[s], ts);
		c->pend_len[s] = 0;
	}
}

/* Bytes of the side joined mid-request: skipped to its next request line, which goes to the
 * parser. Returns how many of p[0..n) were consumed (the rest follow the line). */
static size_t resync(struct hconn *c, const uint8_t *p, size_t n, uint64_t ts)
{
	const uint8_t *line;
	size_t len = 0, took = hm_resync_scan(c, p, n, &line, &len);

	if (!line) {
		if (c->rs_seen > MW_HTTP_RESYNC_MAX) {
			hm_resync_end(c, 0);
			c->h->st.not_http++;
			abandon(c, "no request line after joining mid-request");
		}
		return took;
	}
	if (!c->req_op)
		set_roles(c, c->resync_op, c->resync_op, ts);
	c->h->st.resynced++;
	if (!c->dead)
		feed_http(c, c->resync_op, line, len, ts);
	hm_resync_end(c, len);
	return took;
}

/* A side's first bytes are not an HTTP message's start: a request joined mid-way, when they
 * are text and the other side is not in the same case; else not HTTP. */
static void start_resync(struct hconn *c, int op, uint64_t ts)
{
	int si = side_index(op);
	uint8_t first[TOKEN_MAX];
	size_t n = c->pend_len[si], took;

	if (c->resync_op || !looks_text(c->pend[si], n) || !hm_resync_start(c, op)) {
		c->h->st.not_http++;
		abandon(c, "not HTTP/1.x");
		return;
	}
	memcpy(first, c->pend[si], n);
	c->pend_len[si] = 0;
	took = resync(c, first, n, ts);
	if (took < n && c->req_op)
		feed_http(c, op, first + took, n - took, ts);
}

/* Until the roles are known, a side's first bytes wait (a few bytes, for a request line or a
 * status line split across pieces). Returns how many of p[0..n) it took; the roles may be
 * known afterwards, the side may be resynchronising, or the connection abandoned. */
static size_t learn_sides(struct hconn *c, int op, const uint8_t *p, size_t n, uint64_t ts)
{
	int si = side_index(op);
	size_t take = n < TOKEN_MAX - c->pend_len[si] ? n : TOKEN_MAX - c->pend_len[si];
	enum first_bytes fb;

	memcpy(c->pend[si] + c->pend_len[si], p, take);
	c->pend_len[si] += take;
	fb = classify(c->pend[si], c->pend_len[si]);
	if (fb == FB_MORE)
		return take;
	if (fb == FB_OTHER)
		start_resync(c, op, ts);
	else
		set_roles(c, fb == FB_REQUEST ? op : other_op(op), op, ts);
	return c->dead ? n : take;
}

static void on_bytes(void *ctx, uint64_t off, const uint8_t *p, size_t n, uint64_t ts_ns)
{
	struct hside *s = ctx;
	struct hconn *c = s->c;
	size_t took = 0;

	if (c->dead || !n)
		return;
	c->last_ts = ts_ns;
	if (c->adopted) {
		c->adopted->res_ts = ts_ns;
		hm_dechunk(c, p, n);
		return;
	}
	if (!c->req_op && !c->resync_op && !c->pend_len[0] && !c->pend_len[1] &&
	    classify(p, n) == FB_OTHER && hm_adopt(c, s->op, p, n)) {
		hm_dechunk(c, p, n);
		return;
	}
	if (!c->req_op && c->resync_op != s->op)
		took = learn_sides(c, s->op, p, n, ts_ns);
	if (c->resync_op == s->op && !c->dead)
		took += resync(c, p + took, n - took, ts_ns);
	if (c->req_op && c->resync_op != s->op)
		feed_http(c, s->op, p + took, n - took, ts_ns);
}

static void on_gap(void *ctx, uint64_t off, uint64_t n)
{
	struct hside *s = ctx;

	if (s->c->dead)
		return;
	s->c->h->st.gaps++;
	if (s->c->req_op)
		http_conn_gap(s->c->http, s->op == s->c->req_op ? HTTP_REQUEST : HTTP_RESPONSE);
	abandon(s->c, "bytes lost");
}

static const struct stream_sink stream_sink = { .bytes = on_bytes, .gap = on_gap };

#define SWEEP_INITIAL 64        /* idle connections gathered before the array grows */

static void conn_free(struct hconn *c)
{
	c->h->st.connections_open--;
	hm_free_adopted(c);
	hm_resync_end(c, 0);
	for (int i = 0; i < 2; i++)
		stream_free(c->st[i]);
	http_conn_free(c->http);        /* finishes open exchanges */
	free(c);
}

static struct hconn *conn_get(struct httpmcp *h, const struct httpmcp_chunk *k)
{
	struct hconn **pp = &h->bucket[k->conn % CONN_BUCKETS], *c;

	for (c = *pp; c; c = c->next)
		if (c->conn == k->conn)
			return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->h = h;
	h->st.connections_open++;       /* conn_free takes it back, on every path */
	c->conn = k->conn;
	c->tgid = k->tgid;
	c->start_ns = k->start_ns;
	for (int i = 0; i < 2; i++) {
		c->side[i] = (struct hside){ .c = c, .op = i ? MW_OP_WRITE : MW_OP_READ };
		c->st[i] = stream_new(&stream_sink, &c->side[i]);
	}
	c->http = http_conn_new(&httpmcp_http_sink, c);
	if (!c->st[0] || !c->st[1] || !c->http) {
		conn_free(c);
		return NULL;
	}
	c->next = *pp;
	*pp = c;
	h->st.connections++;
	return c;
}

int httpmcp_feed(struct httpmcp *h, const struct httpmcp_chunk *k)
{
	struct hconn *c = conn_get(h, k);

	if (!c)
		return -ENOMEM;
	if (c->dead)
		return 0;
	if (c->last_ts && k->ts_ns > c->last_ts + HTTPMCP_STATELESS_IDLE_NS)
		c->epoch++;
	c->last_ts = k->ts_ns;
	return stream_feed(c->st[side_index(k->op)], k->offset, k->data, k->len, k->ts_ns);
}

int httpmcp_join(struct httpmcp *h, const struct httpmcp_chunk *k, uint64_t off)
{
	struct hconn *c = conn_get(h, k);
	int err;

	if (!c)
		return -ENOMEM;
	err = stream_start_at(c->st[side_index(k->op)], off);
	if (!err)
		h->st.joined++;
	return err;
}

void httpmcp_expire(struct httpmcp *h, uint64_t now_ns)
{
	for (unsigned int b = 0; b < CONN_BUCKETS; b++)
		for (struct hconn *c = h->bucket[b]; c; c = c->next)
			for (int i = 0; i < 2 && !c->dead; i++)
				stream_expire(c->st[i], now_ns, h->wait_ns);
}

/* Unlink and free every connection for which drop() says so; returns how many. */
static unsigned int conns_drop(struct httpmcp *h, bool (*drop)(const struct hconn *c,
			       const void *arg), const void *arg)
{
	unsigned int n = 0;

	for (unsigned int b = 0; b < CONN_BUCKETS; b++) {
		struct hconn **pp = &h->bucket[b], *c;

		while ((c = *pp)) {
			if (!drop(c, arg)) {
				pp = &c->next;
				continue;
			}
			*pp = c->next;
			for (int i = 0; i < 2 && !c->dead; i++)
				stream_flush(c->st[i]);
			conn_free(c);
			n++;
		}
	}
	return n;
}

static bool of_process(const struct hconn *c, const void *arg)
{
	return c->tgid == *(const uint32_t *)arg;
}

void httpmcp_end_process(struct httpmcp *h, uint32_t tgid)
{
	conns_drop(h, of_process, &tgid);
}

static bool is_closing(const struct hconn *c, const void *arg)
{
	(void)arg;
	return c->closing;
}

static int by_process(const void *a, const void *b)
{
	const struct hconn *x = *(struct hconn *const *)a, *y = *(struct hconn *const *)b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/* The connections idle since before cutoff, sorted by process. */
static struct hconn **idle_conns(struct httpmcp *h, uint64_t cutoff, size_t *n)
{
	struct hconn **v = NULL, **bigger;
	size_t cap = 0;

	*n = 0;
	for (unsigned int b = 0; b < CONN_BUCKETS; b++) {
		for (struct hconn *c = h->bucket[b]; c; c = c->next) {
			if (c->last_ts >= cutoff)
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : SWEEP_INITIAL;
				bigger = realloc(v, cap * sizeof(*v));
				if (!bigger)
					break;  /* ask about those gathered so far */
				v = bigger;
			}
			v[(*n)++] = c;
		}
	}
	if (*n)
		qsort(v, *n, sizeof(*v), by_process);
	return v;
}

unsigned int httpmcp_sweep(struct httpmcp *h, uint64_t now_ns, const struct httpmcp_sweeper *w)
{
	uint64_t cutoff = now_ns > HTTPMCP_IDLE_NS ? now_ns - HTTPMCP_IDLE_NS : 0;
	size_t n = 0;
	struct hconn **idle = idle_conns(h, cutoff, &n);
	unsigned int freed;

	for (size_t i = 0; i < n; i++) {
		idle[i]->closing = !w->is_open(w->ctx, idle[i]->tgid, idle[i]->conn);
		if (idle[i]->closing)
			w->closed(w->ctx, idle[i]->tgid, idle[i]->conn);
	}
	free(idle);
	freed = conns_drop(h, is_closing, NULL);
	h->st.connections_closed += freed;
	return freed;
}

struct httpmcp *httpmcp_new(const struct httpmcp_sink *sink, void *ctx, size_t body_cap,
			    uint64_t reorder_wait_ns)
{
	struct httpmcp *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->sink = *sink;
	h->ctx = ctx;
	h->body_cap = body_cap;
	h->wait_ns = reorder_wait_ns;
	return h;
}

void httpmcp_free(struct httpmcp *h)
{
	if (!h)
		return;
	for (unsigned int b = 0; b < CONN_BUCKETS; b++) {
		struct hconn *c, *n;

		for (c = h->bucket[b]; c; c = n) {
			n = c->next;
			conn_free(c);
		}
	}
	free(h->seen);
	free(h);
}

const struct httpmcp_stats *httpmcp_stats(const struct httpmcp *h)
{
	return &h->st;
}
