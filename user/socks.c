// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "evfmt.h"
#include "socks.h"

#define SOCK_BUCKETS 1024u
#define NAME_LEN     160u
#define ENDPOINT_LEN 72u

struct sock_entry {
	struct sock_entry *next;
	uint64_t ino;
	uint32_t tgid;
	char name[NAME_LEN];
};

struct socks {
	struct sock_entry *bucket[SOCK_BUCKETS];
	char unknown[NAME_LEN];
};

struct socks *socks_new(void)
{
	return calloc(1, sizeof(struct socks));
}

void socks_free(struct socks *s)
{
	if (!s)
		return;
	for (unsigned int b = 0; b < SOCK_BUCKETS; b++) {
		struct sock_entry *e, *n;

		for (e = s->bucket[b]; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(s);
}

static struct sock_entry **slot(struct socks *s, uint64_t ino)
{
	struct sock_entry **pp = &s->bucket[ino % SOCK_BUCKETS];

	while (*pp && (*pp)->ino != ino)
		pp = &(*pp)->next;
	return pp;
}

int socks_note(struct socks *s, const struct mw_sock *e)
{
	struct sock_entry **pp = slot(s, e->sock_ino), *x = *pp;
	char l[ENDPOINT_LEN], r[ENDPOINT_LEN];

	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		x->ino = e->sock_ino;
		*pp = x;
	}
	x->tgid = e->h.tgid;
	evfmt_endpoint(e->family, e->laddr, e->lport, l, sizeof(l));
	evfmt_endpoint(e->family, e->raddr, e->rport, r, sizeof(r));
	snprintf(x->name, sizeof(x->name), "tcp:%s->%s", l, r);
	return 0;
}

const char *socks_name(struct socks *s, uint64_t sock_ino)
{
	struct sock_entry *x = *slot(s, sock_ino);

	if (x)
		return x->name;
	snprintf(s->unknown, sizeof(s->unknown), "tcp:[%llu]", (unsigned long long)sock_ino);
	return s->unknown;
}

void socks_forget(struct socks *s, uint32_t tgid)
{
	for (unsigned int b = 0; b < SOCK_BUCKETS; b++) {
		struct sock_entry **pp = &s->bucket[b], *x;

		while ((x = *pp)) {
			if (x->tgid == tgid) {
				*pp = x->next;
				free(x);
			} else {
				pp = &x->next;
			}
		}
	}
}

void socks_forget_one(struct socks *s, uint64_t sock_ino)
{
	struct sock_entry **pp = slot(s, sock_ino), *x = *pp;

	if (x) {
		*pp = x->next;
		free(x);
	}
}
