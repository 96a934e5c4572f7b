/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * joins: where the capture of each channel stood when this run began (a restarted collector
 * reads it from the pinned channels map), taken once, at the channel's first chunk, so the
 * decoder joins the channel there instead of seeing a hole. Filled once at start, then only
 * emptied; at most MW_CHANNELS_MAX channels. Pure: no I/O, no globals.
 */
#ifndef MW_JOINS_H
#define MW_JOINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct joins;

struct joins *joins_new(void);
void joins_free(struct joins *j);
/* Channel chan's capture stood at off. -ENOSPC past MW_CHANNELS_MAX channels, -ENOMEM. */
int joins_add(struct joins *j, uint64_t chan, uint64_t off);
/* The offset noted for chan, removed from the table; false when there is none. */
bool joins_take(struct joins *j, uint64_t chan, uint64_t *off);
size_t joins_count(const struct joins *j);

#endif
