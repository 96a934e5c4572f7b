// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * session: the session table and per-session pending requests.
 *
 * Both are chained hash tables that double when they hold more entries than buckets. A pending
 * request is one allocation holding its key, method, target and arguments' text; pending requests also sit on a
 * list in arrival order so that the oldest can be evicted past MW_PENDING_MAX. The request a
 * response answered is kept ("retired") until the next message on the session, because
 * session_corr points into it (last_method and last_target alias its strings).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mcpwarden/limits.h"
#include "session.h"

struct pnode {
	struct pnode *hnext;            /* bucket chain */
	struct pnode *older, *newer;    /* arrival order */
	uint64_t hash;
	uint64_t ts_ns;
	const char *method, *target;    /* in data[], target may be NULL */
	const char *args_text;          /* params.arguments' text in data[], or NULL */
	size_t args_len;
	json_t *args;                   /* args_text parsed, once something asks for it */
	size_t args_cost;               /* line bytes charged to the session's budget */
	size_t klen;
	int dir;                        /* the direction the request travelled */
	char data[];                    /* key (klen bytes), method, target, arguments' text */
};

struct session_pending {
	struct pnode **buckets;
	size_t nbuckets, count;
	struct pnode *oldest, *newest;
	struct pnode *retired;
};

struct snode {
	struct snode *hnext;
	struct session s;
};

struct session_table {
	struct snode **buckets;
	size_t nbuckets, count;
	uint64_t next_id;
};

/* FNV-1a constants */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t hash_key(int dir, const char *k, size_t n)
{
	uint64_t h = FNV_OFFSET ^ (uint64_t)dir;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)k[i]) * FNV_PRIME;
	return h;
}

/* splitmix64 finalizer */
static uint64_t hash_u64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ---- pending requests ---- */

static int pending_init(struct session_pending *p)
{
	p->buckets = calloc(MW_HASH_BUCKETS_MIN, sizeof(*p->buckets));
	if (!p->buckets)
		return -ENOMEM;
	p->nbuckets = MW_HASH_BUCKETS_MIN;
	return 0;
}

static void pnode_free(struct pnode *n)
{
	if (n)
		json_decref(n->args);
	free(n);
}

static void pending_destroy(struct session_pending *p)
{
	struct pnode *n, *older;

	for (n = p->newest; n; n = older) {
		older = n->older;
		pnode_free(n);
	}
	pnode_free(p->retired);
	free(p->buckets);
}

static struct pnode **pending_slot(struct session_pending *p, int dir, const char *k, size_t n,
				   uint64_t h)
{
	struct pnode **pp = &p->buckets[h & (p->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->dir == dir && (*pp)->klen == n &&
		    !memcmp((*pp)->data, k, n))
			break;
	return pp;
}

/* Take a node out of its chain (pp points at it) and out of the order list. */
static void pending_unlink(struct session_pending *p, struct pnode **pp)
{
	struct pnode *n = *pp;

	*pp = n->hnext;
	if (n->older)
		n->older->newer = n->newer;
	else
		p->oldest = n->newer;
	if (n->newer)
		n->newer->older = n->older;
	else
		p->newest = n->older;
	p->count--;
}

static void pending_grow(struct session_pending *p)
{
	size_t nb = p->nbuckets * 2;
	struct pnode **b = calloc(nb, sizeof(*b));
	struct pnode *n;

	if (!b)
		return;         /* chains just get longer */
	for (n = p->oldest; n; n = n->newer) {
		n->hnext = b[n->hash & (nb - 1)];
		b[n->hash & (nb - 1)] = n;
	}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = nb;
}

static void pending_evict_oldest(struct session *s)
{
	struct session_pending *p = s->pending;
	struct pnode *n = p->oldest;
	struct pnode **pp = &p->buckets[n->hash & (p->nbuckets - 1)];

	while (*pp != n)
		pp = &(*pp)->hnext;
	pending_unlink(p, pp);
	s->args_bytes -= n->args_cost;
	pnode_free(n);
	s->pending_evicted++;
}

/* Keep a request's arguments while it is in flight, within the line and session budgets? */
static bool args_fit(struct session *s, const struct jr_msg *m)
{
	if (m->arguments.type == JSCAN_NONE)
		return false;
	if (!m->line_size || m->line_size > MW_CALL_ARGS_LINE_MAX ||
	    s->args_bytes + m->line_size > MW_CALL_ARGS_BUDGET) {
		s->args_dropped++;
		return false;
	}
	return true;
}

/* One allocation: the node, its key, method, target and (when keep_args) arguments' text. */
static struct pnode *pnode_new(struct session *s, int dir, const char *k, size_t klen,
			       uint64_t h, const struct jr_msg *m, uint64_t ts_ns)
{
	size_t mlen = strlen(m->method) + 1, tlen = m->target ? strlen(m->target) + 1 : 0;
	bool keep_args = args_fit(s, m);
	size_t alen = keep_args ? m->arguments.n : 0;
	struct pnode *n = malloc(sizeof(*n) + klen + mlen + tlen + alen);

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->hash = h;
	n->dir = dir;
	n->ts_ns = ts_ns;
	n->klen = klen;
	memcpy(n->data, k, klen);
	memcpy(n->data + klen, m->method, mlen);
	n->method = n->data + klen;
	if (tlen) {
		memcpy(n->data + klen + mlen, m->target, tlen);
		n->target = n->data + klen + mlen;
	}
	if (keep_args) {
		memcpy(n->data + klen + mlen + tlen, m->arguments.p, alen);
		n->args_text = n->data + klen + mlen + tlen;
		n->args_len = alen;
		n->args_cost = m->line_size;
		s->args_bytes += m->line_size;
	}
	return n;
}

/* Remember a request under (dir, key); an older one with the same key is replaced. */
static void pending_add(struct session *s, int dir, const char *k, size_t klen,
			const struct jr_msg *m, uint64_t ts_ns, struct session_corr *out)
{
	struct session_pending *p = s->pending;
	uint64_t h = hash_key(dir, k, klen);
	struct pnode **pp = pending_slot(p, dir, k, klen, h), *n;

	if (*pp) {
		n = *pp;
		pending_unlink(p, pp);
		s->args_bytes -= n->args_cost;
		pnode_free(n);
		out->duplicate_id = true;
	}
	n = pnode_new(s, dir, k, klen, h, m, ts_ns);
	if (!n)
		return;
	if (p->count >= MW_PENDING_MAX)
		pending_evict_oldest(s);
	if (p->count >= p->nbuckets)
		pending_grow(p);
	pp = &p->buckets[h & (p->nbuckets - 1)];
	n->hnext = *pp;
	*pp = n;
	n->older = p->newest;
	if (p->newest)
		p->newest->newer = n;
	else
		p->oldest = n;
	p->newest = n;
	p->count++;
}

/* Find and retire the request (dir, key) a response answers. */
static struct pnode *pending_take(struct session *s, int dir, const char *k, size_t klen)
{
	struct session_pending *p = s->pending;
	struct pnode **pp = pending_slot(p, dir, k, klen, hash_key(dir, k, klen)), *n = *pp;

	if (!n)
		return NULL;
	pending_unlink(p, pp);
	s->args_bytes -= n->args_cost;
	p->retired = n;
	s->last_method = (char *)n->method;
	s->last_target = (char *)n->target;
	return n;
}

void session_pending_foreach(const struct session *s, enum mw_dir dir,
			     void (*fn)(void *ctx, const struct session_call *c), void *ctx)
{
	for (struct pnode *n = s->pending->oldest; n; n = n->newer) {
		struct session_call c = {
			.id_key = n->data, .id_len = n->klen, .method = n->method,
			.target = n->target, .ts_ns = n->ts_ns,
		};

		if (n->dir != (int)dir)
			continue;
		if (n->args_text && !n->args)   /* parsed once, when first asked for */
			n->args = json_loadb(n->args_text, n->args_len, JSON_ALLOW_NUL, NULL);
		c.arguments = n->args;
		fn(ctx, &c);
	}
}

/* ---- learning session identity ---- */

static void set_version(struct session *s, const char *v)
{
	char *copy;

	if (!v || (s->protocol_version && !strcmp(s->protocol_version, v)))
		return;
	copy = strdup(v);
	if (!copy)
		return;
	free(s->protocol_version);
	s->protocol_version = copy;
}

static void set_json(json_t **slot, json_t *v)
{
	if (!v || *slot == v)
		return;
	json_decref(*slot);
	*slot = json_incref(v);
}

/* A value parsed from its span into slot, unless it is absent. */
static void set_span(json_t **slot, const struct jscan_val *v)
{
	json_t *j;

	if (v->type == JSCAN_NONE)
		return;
	j = jsonrpc_tree(v);
	set_json(slot, j);
	json_decref(j);
}

static void learn_request(struct session *s, const struct jr_msg *m)
{
	json_t *params;

	if (m->kind == JR_NOTIFICATION && !strcmp(m->method, "notifications/initialized"))
		s->initialized = true;
	if (m->kind == JR_REQUEST && !strcmp(m->method, "initialize")) {
		params = jsonrpc_tree(&m->params);      /* once a session: a tree is fine */
		if (!s->server_info)    /* the result's version wins */
			set_version(s, json_string_value(json_object_get(params, "protocolVersion")));
		set_json(&s->client_info, json_object_get(params, "clientInfo"));
		set_json(&s->client_caps, json_object_get(params, "capabilities"));
		json_decref(params);
	}
	set_version(s, m->meta_version);
	set_span(&s->client_info, &m->meta_client);
}

/* A result: of initialize or server/discover (method), and 2026 result._meta serverInfo. */
static void learn_result(struct session *s, const struct jr_msg *m, const char *method)
{
	json_t *result;

	set_span(&s->server_info, &m->meta_server);
	if (!method || (strcmp(method, "initialize") && strcmp(method, "server/discover")))
		return;
	result = jsonrpc_tree(&m->result);      /* once a session: a tree is fine */
	if (!strcmp(method, "initialize")) {
		set_version(s, json_string_value(json_object_get(result, "protocolVersion")));
		set_json(&s->server_info, json_object_get(result, "serverInfo"));
	}
	set_json(&s->server_caps, json_object_get(result, "capabilities"));
	json_decref(result);
}

/* ---- correlation ---- */

/* The key of an id: in inl, or allocated for a long string id (free it when *k != inl). */
static int make_key(const struct jr_id *id, char *inl, char **k)
{
	int n = jsonrpc_id_key(id, inl, MW_ID_KEY_INLINE);
	size_t size;

	*k = inl;
	if (n < 0 || (size_t)n < MW_ID_KEY_INLINE - 1 || id->type != JR_ID_STRING)
		return n;
	size = id->v.n + sizeof("s:");          /* the text is no shorter than its value */
	*k = malloc(size);
	if (!*k) {
		*k = inl;
		return -1;
	}
	return jsonrpc_id_key(id, *k, size);
}

static void observe_request(struct session *s, int dir, const struct jr_msg *m, uint64_t ts_ns,
			    struct session_corr *out)
{
	char inl[MW_ID_KEY_INLINE], *k;
	int n = make_key(&m->id, inl, &k);

	if (n >= 0)
		pending_add(s, dir, k, n, m, ts_ns, out);
	if (k != inl)
		free(k);
}

static void observe_response(struct session *s, int dir, const struct jr_msg *m,
			     uint64_t ts_ns, struct session_corr *out)
{
	char inl[MW_ID_KEY_INLINE], *k;
	int n = make_key(&m->id, inl, &k);
	struct pnode *req = NULL;

	if (n >= 0)
		req = pending_take(s, !dir, k, n);
	if (k != inl)
		free(k);
	if (m->kind == JR_RESULT)
		learn_result(s, m, req ? req->method : NULL);
	if (!req)
		return;
	out->matched = true;
	out->method = req->method;
	out->target = req->target;
	out->latency_ns = ts_ns > req->ts_ns ? ts_ns - req->ts_ns : 0;
}

void session_observe(struct session *s, enum mw_dir dir, const struct jr_msg *m,
		     uint64_t ts_ns, struct session_corr *out)
{
	int d = dir == MW_DIR_S2C ? MW_DIR_S2C : MW_DIR_C2S;

	memset(out, 0, sizeof(*out));
	pnode_free(s->pending->retired);
	s->pending->retired = NULL;
	s->last_method = s->last_target = NULL;
	s->messages[d]++;
	switch (m->kind) {
	case JR_REQUEST:
	case JR_NOTIFICATION:
		learn_request(s, m);
		if (m->kind == JR_REQUEST)
			observe_request(s, d, m, ts_ns, out);
		break;
	case JR_RESULT:
	case JR_ERROR:
		observe_response(s, d, m, ts_ns, out);
		break;
	default:
		break;
	}
	s->pending_count = s->pending->count;
}

/* ---- the session table ---- */

struct session_table *session_table_new(void)
{
	struct session_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->buckets = calloc(MW_HASH_BUCKETS_MIN, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->nbuckets = MW_HASH_BUCKETS_MIN;
	return t;
}

static void session_destroy(struct snode *n)
{
	struct session *s = &n->s;

	pending_destroy(s->pending);
	free(s->pending);
	free(s->protocol_version);
	json_decref(s->client_info);
	json_decref(s->server_info);
	json_decref(s->client_caps);
	json_decref(s->server_caps);
	free(n);
}

void session_table_free(struct session_table *t)
{
	struct snode *n, *next;

	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (n = t->buckets[i]; n; n = next) {
			next = n->hnext;
			session_destroy(n);
		}
	free(t->buckets);
	free(t);
}

static struct snode **table_slot(struct session_table *t, uint64_t key)
{
	struct snode **pp = &t->buckets[hash_u64(key) & (t->nbuckets - 1)];

	while (*pp && (*pp)->s.key != key)
		pp = &(*pp)->hnext;
	return pp;
}

static void table_grow(struct session_table *t)
{
	size_t nb = t->nbuckets * 2;
	struct snode **b = calloc(nb, sizeof(*b)), *n, *next;

	if (!b)
		return;
	for (size_t i = 0; i < t->nbuckets; i++)
		for (n = t->buckets[i]; n; n = next) {
			next = n->hnext;
			n->hnext = b[hash_u64(n->s.key) & (nb - 1)];
			b[hash_u64(n->s.key) & (nb - 1)] = n;
		}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

static struct snode *snode_new(uint64_t key, uint64_t id)
{
	struct snode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->s.pending = calloc(1, sizeof(*n->s.pending));
	if (!n->s.pending || pending_init(n->s.pending)) {
		free(n->s.pending);
		free(n);
		return NULL;
	}
	n->s.key = key;
	n->s.id = id;
	return n;
}

struct session *session_get(struct session_table *t, uint64_t key, bool create)
{
	struct snode **pp = table_slot(t, key), *n;

	if (*pp || !create)
		return *pp ? &(*pp)->s : NULL;
	n = snode_new(key, t->next_id + 1);
	if (!n)
		return NULL;
	t->next_id++;
	if (t->count >= t->nbuckets) {
		table_grow(t);
		pp = table_slot(t, key);
	}
	*pp = n;
	t->count++;
	return &n->s;
}

void session_end(struct session_table *t, uint64_t key)
{
	struct snode **pp = table_slot(t, key), *n = *pp;

	if (!n)
		return;
	*pp = n->hnext;
	t->count--;
	session_destroy(n);
}
