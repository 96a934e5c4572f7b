// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* http_rec: the recording sink and script runner of the HTTP unit tests. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "http_rec.h"
#include "unit.h"

#define BODY_SHOWN      120u    /* longer bodies are logged by their length */

struct rec_user {
	struct rec_body req, res;
};

static void rec_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rec_printf(struct rec *r, const char *fmt, ...)
{
	size_t room = sizeof(r->log) - r->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->log + r->used, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->used += (size_t)n < room ? (size_t)n : room - 1;
}

static void body_add(struct rec_body *b, const uint8_t *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void body_log(struct rec *r, const struct rec_body *b)
{
	if (b->len > BODY_SHOWN) {
		rec_printf(r, "<%zu bytes>", b->len);
		return;
	}
	for (size_t i = 0; i < b->len; i++) {
		if (b->p[i] >= 0x20 && b->p[i] < 0x7f && b->p[i] != '|')
			rec_printf(r, "%c", b->p[i]);
		else
			rec_printf(r, "\\x%02x", b->p[i]);
	}
}

static unsigned long long idx(const struct http_tx *tx)
{
	return (unsigned long long)tx->index;
}

static void on_request_headers(void *ctx, struct http_tx *tx)
{
	struct rec *r = ctx;

	tx->user = calloc(1, sizeof(struct rec_user));
	if (!tx->user)
		abort();
	r->open++;
	rec_printf(r, "Q%llu %s %s|", idx(tx), tx->method, tx->path);
}

static void on_request_body(void *ctx, struct http_tx *tx, const uint8_t *p, size_t n)
{
	struct rec_user *u = tx->user;

	body_add(&u->req, p, n);
}

static void on_request_done(void *ctx, struct http_tx *tx)
{
	rec_printf(ctx, "q%llu|", idx(tx));
}

static void on_response_headers(void *ctx, struct http_tx *tx)
{
	rec_printf(ctx, "R%llu %d|", idx(tx), tx->status);
}

static void on_response_body(void *ctx, struct http_tx *tx, const uint8_t *p, size_t n)
{
	struct rec *r = ctx;
	struct rec_user *u = tx->user;

	body_add(&u->res, p, n);
	r->res_bytes += n;
}

static void on_done(void *ctx, struct http_tx *tx, bool complete)
{
	struct rec *r = ctx;
	struct rec_user *u = tx->user;

	rec_printf(r, "D%llu%c ", idx(tx), complete ? '+' : '-');
	body_log(r, &u->req);
	rec_printf(r, "/");
	body_log(r, &u->res);
	rec_printf(r, "|");
	free(r->last_req.p);
	free(r->last_res.p);
	r->last_req = u->req;
	r->last_res = u->res;
	free(u);
	tx->user = NULL;
	r->open--;
}

const struct http_sink rec_sink = {
	.request_headers = on_request_headers,
	.request_body = on_request_body,
	.request_done = on_request_done,
	.response_headers = on_response_headers,
	.response_body = on_response_body,
	.done = on_done,
};

void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
}

void rec_release(struct rec *r)
{
	free(r->last_req.p);
	free(r->last_res.p);
	r->last_req = (struct rec_body){ 0 };
	r->last_res = (struct rec_body){ 0 };
}

int rec_feed(struct http_conn *c, enum http_side side, const void *p, size_t len)
{
	return http_conn_feed(c, side, p, len, 0);
}

static int first_error(int have, int rc)
{
	return have ? have : rc;
}

int rec_script(struct rec *r, const struct step *steps, size_t n, size_t at, size_t cut)
{
	struct http_conn *c = http_conn_new(&rec_sink, r);
	int rc = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = steps[i].p;
		size_t k = i == at && cut <= steps[i].len ? cut : steps[i].len;

		rc = first_error(rc, rec_feed(c, steps[i].side, p, k));
		rc = first_error(rc, rec_feed(c, steps[i].side, p + k, steps[i].len - k));
	}
	http_conn_free(c);
	r->log[r->used] = '\0';
	return rc;
}

int rec_script_bytes(struct rec *r, const struct step *steps, size_t n)
{
	struct http_conn *c = http_conn_new(&rec_sink, r);
	int rc = 0;

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < steps[i].len; k++)
			rc = first_error(rc, rec_feed(c, steps[i].side,
						      (const uint8_t *)steps[i].p + k, 1));
	http_conn_free(c);
	r->log[r->used] = '\0';
	return rc;
}

static void check_log(const char *name, struct rec *r, int rc, const char *want, size_t at,
		      size_t cut)
{
	if (rc != 0)
		unit_fail(__FILE__, __LINE__, "%s (step %zu cut %zu): feed returned %d", name,
			  at, cut, rc);
	if (strcmp(r->log, want) != 0)
		unit_fail(__FILE__, __LINE__,
			  "%s (step %zu cut %zu):\n      got  %s\n      want %s", name, at, cut,
			  r->log, want);
	if (r->open)
		unit_fail(__FILE__, __LINE__, "%s: %u exchanges never done", name, r->open);
	rec_release(r);
}

void rec_check_splits(const char *name, const struct step *steps, size_t n, const char *want)
{
	struct rec r;
	int rc;

	rec_init(&r);
	rc = rec_script(&r, steps, n, NO_CUT, 0);
	check_log(name, &r, rc, want, NO_CUT, 0);
	for (size_t at = 0; at < n; at++) {
		for (size_t cut = 0; cut <= steps[at].len && !unit_failures(); cut++) {
			rec_init(&r);
			rc = rec_script(&r, steps, n, at, cut);
			check_log(name, &r, rc, want, at, cut);
		}
	}
	rec_init(&r);
	rc = rec_script_bytes(&r, steps, n);
	check_log(name, &r, rc, want, NO_CUT, 1);
}
