// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>

#include "alerts.h"

#define BUCKETS        4096u            /* power of two */
#define FNV_OFFSET     0xcbf29ce484222325ull
#define FNV_PRIME      0x100000001b3ull

struct open_alert {
	struct open_alert *hnext;       /* bucket chain */
	struct open_alert *newer;       /* FIFO */
	uint64_t hash;
	struct alerts_repeat r;
	char cause[];
};

struct alerts {
	uint64_t window_ns;
	uint64_t next_id;
	alerts_repeat_fn fn;
	void *ctx;
	struct open_alert *bucket[BUCKETS];
	struct open_alert *oldest, *newest;
	unsigned int open;
	struct alerts_stats st;
};

struct alerts *alerts_new(uint64_t window_ns, alerts_repeat_fn fn, void *ctx)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->window_ns = window_ns;
	a->next_id = 1;
	a->fn = fn;
	a->ctx = ctx;
	return a;
}

static uint64_t hash_of(uint32_t root, enum policy_rule rule, const char *cause)
{
	uint64_t h = FNV_OFFSET ^ ((uint64_t)root << 8 | (uint64_t)rule);

	for (const char *p = cause; *p; p++)
		h = (h ^ (uint8_t)*p) * FNV_PRIME;
	return h;
}

static struct open_alert **slot(struct alerts *a, uint64_t h, uint32_t root,
				enum policy_rule rule, const char *cause)
{
	struct open_alert **pp = &a->bucket[h & (BUCKETS - 1)];

	for (; *pp; pp = &(*pp)->hnext)
		if ((*pp)->hash == h && (*pp)->r.root == root && (*pp)->r.rule == rule &&
		    !strcmp((*pp)->cause, cause))
			break;
	return pp;
}

/* Close the oldest window. */
static void close_oldest(struct alerts *a)
{
	struct open_alert *o = a->oldest, **pp;

	pp = slot(a, o->hash, o->r.root, o->r.rule, o->cause);
	*pp = o->hnext;
	a->oldest = o->newer;
	if (!a->oldest)
		a->newest = NULL;
	a->open--;
	if (o->r.repeats && a->fn)
		a->fn(a->ctx, &o->r);
	free(o);
}

bool alerts_note(struct alerts *a, uint32_t root, enum policy_rule rule, const char *cause,
		 uint64_t now_ns, uint64_t *id)
{
	uint64_t h = hash_of(root, rule, cause);
	struct open_alert **pp, *o;
	size_t n = strlen(cause) + 1;

	alerts_expire(a, now_ns);
	pp = slot(a, h, root, rule, cause);
	if (*pp) {
		(*pp)->r.repeats++;
		(*pp)->r.last_ns = now_ns;
		a->st.repeats[rule]++;
		*id = (*pp)->r.id;
		return false;
	}
	if (a->open >= ALERTS_OPEN_MAX) {
		close_oldest(a);
		a->st.closed_early++;
		pp = slot(a, h, root, rule, cause);
	}
	o = calloc(1, sizeof(*o) + n);
	*id = 0;
	if (!o)
		return false;
	memcpy(o->cause, cause, n);
	o->hash = h;
	o->r = (struct alerts_repeat){ .id = a->next_id++, .rule = rule, .root = root,
		.first_ns = now_ns, .last_ns = now_ns, .cause = o->cause };
	*pp = o;
	if (a->newest)
		a->newest->newer = o;
	else
		a->oldest = o;
	a->newest = o;
	a->open++;
	a->st.raised[rule]++;
	*id = o->r.id;
	return true;
}

uint64_t alerts_take_id(struct alerts *a)
{
	return a->next_id++;
}

void alerts_expire(struct alerts *a, uint64_t now_ns)
{
	while (a->oldest && (now_ns == UINT64_MAX ||
				 now_ns >= a->oldest->r.first_ns + a->window_ns))
		close_oldest(a);
}

const struct alerts_stats *alerts_stats(const struct alerts *a)
{
	return &a->st;
}

void alerts_free(struct alerts *a)
{
	struct open_alert *o, *n;

	if (!a)
		return;
	for (o = a->oldest; o; o = n) {
		n = o->newer;
		free(o);
	}
	free(a);
}
