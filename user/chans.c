// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "chans.h"

#define CHAN_BUCKETS     1024u
#define CHAN_NAME_LEN    48

struct chan_info {
	uint64_t chan;
	uint64_t peer_ino;      /* unix: the other end; pipe: the pipe */
	uint32_t tgid;          /* the process that moved its last bytes */
	uint8_t kind;
	uint8_t op;             /* the server side's enum mw_op on this channel */
	bool client_looked_up;
	uint32_t client_tgid;
	uint64_t client_start;
	char name[CHAN_NAME_LEN];
	struct chan_info *next;
};

struct chans {
	struct chan_info *bucket[CHAN_BUCKETS];
};

struct chans *chans_new(void)
{
	return calloc(1, sizeof(struct chans));
}

void chans_free(struct chans *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < CHAN_BUCKETS; i++) {
		struct chan_info *ci = c->bucket[i], *n;

		for (; ci; ci = n) {
			n = ci->next;
			free(ci);
		}
	}
	free(c);
}

static struct chan_info *chan_find(struct chans *c, uint64_t chan)
{
	struct chan_info *ci = c->bucket[chan % CHAN_BUCKETS];

	while (ci && ci->chan != chan)
		ci = ci->next;
	return ci;
}

int chans_note(struct chans *c, const struct mw_payload *p)
{
	struct chan_info **head = &c->bucket[p->chan % CHAN_BUCKETS];
	struct chan_info *ci = chan_find(c, p->chan);

	if (ci) {
		ci->tgid = p->h.tgid;
		return 0;
	}
	ci = calloc(1, sizeof(*ci));
	if (!ci)
		return -ENOMEM;
	ci->chan = p->chan;
	ci->kind = p->kind;
	ci->op = p->op;
	ci->tgid = p->h.tgid;
	ci->peer_ino = p->peer_ino;
	snprintf(ci->name, sizeof(ci->name), "%s:[%llu]", p->kind == MW_CHAN_PIPE ? "pipe" : "unix",
		 (unsigned long long)p->chan);
	ci->next = *head;
	*head = ci;
	return 0;
}

void chans_forget(struct chans *c, uint32_t tgid)
{
	for (unsigned int i = 0; i < CHAN_BUCKETS; i++) {
		struct chan_info **pp = &c->bucket[i];

		while (*pp) {
			struct chan_info *ci = *pp;

			if (ci->tgid == tgid) {
				*pp = ci->next;
				free(ci);
			} else {
				pp = &ci->next;
			}
		}
	}
}

/* The other side of a channel, found once by its inode in /proc/PID/fd. */
static struct proc_info *chan_client(struct chan_info *ci, struct proc_table *procs,
				     const struct proc_info *server)
{
	struct proc_info *p;

	if (!ci->client_looked_up && server && ci->peer_ino) {
		ci->client_looked_up = true;
		ci->client_tgid = proc_find_holder(procs, ci->kind == MW_CHAN_PIPE,
						   ci->op == MW_OP_READ, ci->peer_ino, server);
		p = ci->client_tgid ? proc_find_or_load(procs, ci->client_tgid) : NULL;
		ci->client_start = p ? p->start_ns : 0;
	}
	if (!ci->client_tgid)
		return NULL;
	p = proc_find(procs, ci->client_tgid);
	return p && p->start_ns == ci->client_start ? p : NULL;
}

void chans_describe(struct chans *c, struct proc_table *procs, uint64_t chan, uint32_t tgid,
		    uint64_t start_ns, struct output_chan *oc)
{
	struct chan_info *ci = chan_find(c, chan);

	oc->transport = "stdio";
	oc->http = NULL;
	oc->name = ci ? ci->name : "?";
	oc->server = proc_get(procs, tgid, start_ns);
	oc->client = ci ? chan_client(ci, procs, oc->server) : NULL;
}
