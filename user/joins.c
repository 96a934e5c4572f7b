// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * joins: an open-addressing table (linear probing) sized once for MW_CHANNELS_MAX channels at
 * half load, allocated at the first add. Removed entries leave tombstones: nothing is added
 * after start-up, so the table never fills with them.
 */
#include <errno.h>
#include <stdlib.h>

#include "joins.h"
#include "mcpwarden/limits.h"

#define JOINS_SLOTS (2u * MW_CHANNELS_MAX)      /* a power of two */

_Static_assert((JOINS_SLOTS & (JOINS_SLOTS - 1)) == 0, "JOINS_SLOTS is a power of two");

enum slot_state { SLOT_EMPTY = 0, SLOT_FULL, SLOT_REMOVED };

struct join_slot {
	uint64_t chan;
	uint64_t off;
	enum slot_state state;
};

struct joins {
	struct join_slot *slot;         /* JOINS_SLOTS, NULL until the first add */
	size_t count;                   /* full slots */
	size_t used;                    /* full or removed slots */
};

static size_t hash(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;   /* splitmix64 finalizer */
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (size_t)(x ^ (x >> 31)) & (JOINS_SLOTS - 1);
}

struct joins *joins_new(void)
{
	return calloc(1, sizeof(struct joins));
}

void joins_free(struct joins *j)
{
	if (!j)
		return;
	free(j->slot);
	free(j);
}

/* The slot holding chan, or NULL. */
static struct join_slot *find(const struct joins *j, uint64_t chan)
{
	size_t i = hash(chan);

	for (size_t n = 0; j->slot && n < JOINS_SLOTS; n++, i = (i + 1) & (JOINS_SLOTS - 1)) {
		if (j->slot[i].state == SLOT_EMPTY)
			return NULL;
		if (j->slot[i].state == SLOT_FULL && j->slot[i].chan == chan)
			return &j->slot[i];
	}
	return NULL;
}

int joins_add(struct joins *j, uint64_t chan, uint64_t off)
{
	struct join_slot *s = find(j, chan);
	size_t i;

	if (s) {
		s->off = off;
		return 0;
	}
	if (j->used >= MW_CHANNELS_MAX)
		return -ENOSPC;
	if (!j->slot && !(j->slot = calloc(JOINS_SLOTS, sizeof(*j->slot))))
		return -ENOMEM;
	for (i = hash(chan); j->slot[i].state == SLOT_FULL; i = (i + 1) & (JOINS_SLOTS - 1))
		;
	if (j->slot[i].state == SLOT_EMPTY)
		j->used++;
	j->slot[i] = (struct join_slot){ .chan = chan, .off = off, .state = SLOT_FULL };
	j->count++;
	return 0;
}

bool joins_take(struct joins *j, uint64_t chan, uint64_t *off)
{
	struct join_slot *s;

	if (!j->count || !(s = find(j, chan)))
		return false;
	*off = s->off;
	s->state = SLOT_REMOVED;
	j->count--;
	return true;
}

size_t joins_count(const struct joins *j)
{
	return j->count;
}
