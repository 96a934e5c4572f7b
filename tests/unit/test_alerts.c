// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/alerts.c: one alert per distinct cause per window, repeats counted. */
#include <stdio.h>
#include <stdlib.h>

#include "alerts.h"
#include "unit.h"

#define WINDOW 1000u

struct seen {
	unsigned int calls;
	struct alerts_repeat last;
	char cause[64];
};

static void on_repeat(void *ctx, const struct alerts_repeat *r)
{
	struct seen *s = ctx;

	s->calls++;
	s->last = *r;
	snprintf(s->cause, sizeof(s->cause), "%s", r->cause);
}

static void test_dedup_window(void)
{
	struct seen s = { 0 };
	struct alerts *a = alerts_new(WINDOW, on_repeat, &s);
	uint64_t id;

	CHECK(alerts_note(a, 10, POLICY_FILE_SENSITIVE, "/etc/shadow", 100, &id));
	CHECK_EQ(id, 1);
	CHECK(!alerts_note(a, 10, POLICY_FILE_SENSITIVE, "/etc/shadow", 200, &id));
	CHECK_EQ(id, 1);
	CHECK(!alerts_note(a, 10, POLICY_FILE_SENSITIVE, "/etc/shadow", 300, &id));
	/* another cause, another rule, another server: new alerts */
	CHECK(alerts_note(a, 10, POLICY_FILE_SENSITIVE, "/etc/gshadow", 300, &id));
	CHECK_EQ(id, 2);
	CHECK(alerts_note(a, 10, POLICY_FILE_OUT_OF_SCOPE, "/etc/shadow", 300, &id));
	CHECK_EQ(id, 3);
	CHECK(alerts_note(a, 11, POLICY_FILE_SENSITIVE, "/etc/shadow", 300, &id));
	CHECK_EQ(id, 4);
	alerts_expire(a, 100 + WINDOW - 1);
	CHECK_EQ(s.calls, 0);
	alerts_expire(a, 100 + WINDOW);         /* the first window closes: its count comes back */
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(s.last.id, 1);
	CHECK_EQ(s.last.repeats, 2);
	CHECK_EQ(s.last.first_ns, 100);
	CHECK_EQ(s.last.last_ns, 300);
	CHECK_EQ(s.last.rule, POLICY_FILE_SENSITIVE);
	CHECK_EQ(s.last.root, 10);
	CHECK_STR(s.cause, "/etc/shadow");
	/* after the window the same cause is a new alert */
	CHECK(alerts_note(a, 10, POLICY_FILE_SENSITIVE, "/etc/shadow", 100 + WINDOW + 1, &id));
	CHECK_EQ(id, 5);
	/* windows without repeats close silently */
	alerts_expire(a, UINT64_MAX);
	CHECK_EQ(s.calls, 1);
	CHECK_EQ(alerts_stats(a)->raised[POLICY_FILE_SENSITIVE], 4);
	CHECK_EQ(alerts_stats(a)->repeats[POLICY_FILE_SENSITIVE], 2);
	CHECK_EQ(alerts_stats(a)->raised[POLICY_FILE_OUT_OF_SCOPE], 1);
	alerts_free(a);
}

/* An event stamped before the window's start (CPUs disagree a little) is still a repeat. */
static void test_out_of_order_time(void)
{
	struct seen s = { 0 };
	struct alerts *a = alerts_new(WINDOW, on_repeat, &s);
	uint64_t id;

	CHECK(alerts_note(a, 1, POLICY_NET_EGRESS, "connect 1.2.3.4:80", 5000, &id));
	CHECK(!alerts_note(a, 1, POLICY_NET_EGRESS, "connect 1.2.3.4:80", 4990, &id));
	CHECK_EQ(id, 1);
	alerts_free(a);                 /* open windows are freed without reports */
	CHECK_EQ(s.calls, 0);
}

/* Past ALERTS_OPEN_MAX open windows the oldest closes early, reporting its repeats. */
static void test_open_limit(void)
{
	struct seen s = { 0 };
	struct alerts *a = alerts_new(WINDOW, on_repeat, &s);
	char cause[32];
	uint64_t id;

	CHECK(alerts_note(a, 1, POLICY_EXEC_SPAWN, "c0", 1, &id));
	CHECK(!alerts_note(a, 1, POLICY_EXEC_SPAWN, "c0", 2, &id));
	for (unsigned int i = 1; i < ALERTS_OPEN_MAX; i++) {
		snprintf(cause, sizeof(cause), "c%u", i);
		CHECK(alerts_note(a, 1, POLICY_EXEC_SPAWN, cause, 3, &id));
	}
	CHECK_EQ(s.calls, 0);
	CHECK(alerts_note(a, 1, POLICY_EXEC_SPAWN, "one more", 4, &id));
	CHECK_EQ(s.calls, 1);
	CHECK_STR(s.cause, "c0");
	CHECK_EQ(alerts_stats(a)->closed_early, 1);
	CHECK(alerts_note(a, 1, POLICY_EXEC_SPAWN, "c0", 5, &id));    /* new again */
	alerts_free(a);
}

UNIT_MAIN(UNIT_TEST(test_dedup_window),
	  UNIT_TEST(test_out_of_order_time),
	  UNIT_TEST(test_open_limit))
