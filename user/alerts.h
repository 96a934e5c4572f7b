/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * alerts: one alert per distinct cause. The first hit of (server, rule, cause) becomes an
 * alert with a new id; identical hits within the window after it are counted into it, and
 * when the window closes the count is handed back once so the caller can report it.
 * Every window has the same length, so windows close in the order they opened (a FIFO).
 * Pure: no I/O, no globals.
 */
#ifndef MW_ALERTS_H
#define MW_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

#define ALERTS_OPEN_MAX 65536u          /* windows open at once; the oldest closes early */

struct alerts;

struct alerts_repeat {
	uint64_t id;                    /* the alert the repeats were counted into */
	enum policy_rule rule;
	uint32_t root;
	uint64_t repeats;               /* hits after the first */
	uint64_t first_ns, last_ns;
	const char *cause;
};

struct alerts_stats {
	uint64_t raised[POLICY_RULE__COUNT];
	uint64_t repeats[POLICY_RULE__COUNT];
	uint64_t closed_early;          /* windows closed because ALERTS_OPEN_MAX were open */
};

typedef void (*alerts_repeat_fn)(void *ctx, const struct alerts_repeat *r);

struct alerts *alerts_new(uint64_t window_ns, alerts_repeat_fn fn, void *ctx);
void alerts_free(struct alerts *a);
/* A hit at now_ns. True when it is a new alert (*id: its new id); false when it was counted
 * into the open alert *id (or when out of memory: *id is 0 then). */
bool alerts_note(struct alerts *a, uint32_t root, enum policy_rule rule, const char *cause,
		 uint64_t now_ns, uint64_t *id);
/* A new alert id for an alert raised outside the policy's rules (not deduplicated). */
uint64_t alerts_take_id(struct alerts *a);
/* Close the windows that ended by now_ns (UINT64_MAX: all), reporting those with repeats. */
void alerts_expire(struct alerts *a, uint64_t now_ns);
const struct alerts_stats *alerts_stats(const struct alerts *a);

#endif
