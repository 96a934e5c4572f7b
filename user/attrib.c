// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"

#define ATTRIB_BUCKETS  256u
#define ROOT_SESSIONS   8u      /* sessions remembered per server root (newest kept) */

struct root_entry {
	uint32_t root;
	unsigned int n;
	uint64_t keys[ROOT_SESSIONS];
	struct root_entry *next;
};

struct attrib {
	struct root_entry *bucket[ATTRIB_BUCKETS];
};

struct attrib *attrib_new(void)
{
	return calloc(1, sizeof(struct attrib));
}

void attrib_free(struct attrib *a)
{
	if (!a)
		return;
	for (unsigned int i = 0; i < ATTRIB_BUCKETS; i++) {
		struct root_entry *e = a->bucket[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(a);
}

static struct root_entry **slot(struct attrib *a, uint32_t root)
{
	struct root_entry **pp = &a->bucket[root % ATTRIB_BUCKETS];

	while (*pp && (*pp)->root != root)
		pp = &(*pp)->next;
	return pp;
}

int attrib_note(struct attrib *a, uint32_t root, uint64_t session_key)
{
	struct root_entry **pp = slot(a, root), *e = *pp;

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->root = root;
		*pp = e;
	}
	for (unsigned int i = 0; i < e->n; i++) {
		if (e->keys[i] == session_key) {        /* most recently active goes last */
			memmove(e->keys + i, e->keys + i + 1, (e->n - i - 1) * sizeof(e->keys[0]));
			e->keys[e->n - 1] = session_key;
			return 0;
		}
	}
	if (e->n == ROOT_SESSIONS) {            /* drop the least recently active */
		memmove(e->keys, e->keys + 1, sizeof(e->keys) - sizeof(e->keys[0]));
		e->n--;
	}
	e->keys[e->n++] = session_key;
	return 0;
}

void attrib_forget(struct attrib *a, uint32_t root)
{
	struct root_entry **pp = slot(a, root), *e = *pp;

	if (e) {
		*pp = e->next;
		free(e);
	}
}

#define CALLS_MAX 256u         /* calls listed per action (the oldest) */

struct found {
	uint64_t ts_ns;
	json_t *call;
	const char *tool;
	const json_t *arguments;
	char txt[128];
};

struct collect {
	const struct session *s;
	struct found *f;
	unsigned int count, total;
};

static json_t *id_json(const struct session_call *c)
{
	char buf[32];

	if (c->id_len > 2 && c->id_key[0] == 'n' && c->id_len - 2 < sizeof(buf)) {
		memcpy(buf, c->id_key + 2, c->id_len - 2);
		buf[c->id_len - 2] = '\0';
		return json_integer(strtoll(buf, NULL, 10));
	}
	return json_stringn(c->id_key + 2, c->id_len >= 2 ? c->id_len - 2 : 0);
}

static void add_call(void *ctx, const struct session_call *c)
{
	struct collect *k = ctx;
	struct found *f;
	json_t *id;

	k->total++;
	if (k->count == CALLS_MAX)
		return;
	id = id_json(c);
	f = &k->f[k->count++];
	f->ts_ns = c->ts_ns;
	f->tool = !strcmp(c->method, "tools/call") ? c->target : NULL;
	f->arguments = c->arguments;
	f->call = json_pack("{s:I, s:o, s:s, s:s?}", "session", (json_int_t)k->s->id, "id",
			    id ? id : json_null(), "method", c->method, "tool", c->target);
	snprintf(f->txt, sizeof(f->txt), "%s%s%s id=%.*s", c->method, c->target ? " " : "",
		 c->target ? c->target : "", (int)(c->id_len > 2 ? c->id_len - 2 : 0),
		 c->id_key + 2);
}

static int older_first(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

json_t *attrib_calls(struct attrib *a, struct decoder *d, uint32_t root, char *txt, size_t size)
{
	return attrib_calls_detail(a, d, root, txt, size, NULL, 0, NULL);
}

json_t *attrib_calls_detail(struct attrib *a, struct decoder *d, uint32_t root, char *txt,
			    size_t size, struct attrib_call *out, unsigned int max,
			    unsigned int *n)
{
	struct root_entry *e = *slot(a, root);
	struct found f[CALLS_MAX];
	struct collect k = { .f = f };
	json_t *arr = json_array();

	txt[0] = '\0';
	for (unsigned int i = 0; e && arr && i < e->n; i++) {
		k.s = decoder_session(d, e->keys[i]);
		if (k.s)
			session_pending_foreach(k.s, MW_DIR_C2S, add_call, &k);
	}
	qsort(f, k.count, sizeof(f[0]), older_first);   /* sessions interleave */
	if (n)
		*n = 0;
	for (unsigned int i = 0; i < k.count; i++) {
		if (arr && out && *n < max)
			out[(*n)++] = (struct attrib_call){ .tool = f[i].tool,
				.arguments = f[i].arguments, .json = f[i].call };
		if (arr)
			json_array_append_new(arr, f[i].call);
		else
			json_decref(f[i].call);
	}
	if (k.count)
		snprintf(txt, size, "%s", f[0].txt);
	if (k.total > 1) {
		size_t len = strlen(txt);

		snprintf(txt + len, size - len, " (+%u more)", k.total - 1);
	}
	return arr;
}
