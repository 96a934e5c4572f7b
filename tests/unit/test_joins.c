// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/joins.c: where each pinned channel's capture stood, taken once. */
#include <errno.h>
#include <stdlib.h>

#include "joins.h"
#include "mcpwarden/events.h"
#include "mcpwarden/limits.h"
#include "unit.h"

static void test_take_once(void)
{
	struct joins *j = joins_new();
	uint64_t off = 0;

	CHECK(!joins_take(j, 5, &off));                 /* empty, nothing allocated */
	CHECK_EQ(joins_add(j, 5, 1234), 0);
	CHECK_EQ(joins_add(j, MW_CHAN_TCP_ID(5, MW_OP_WRITE), 99), 0);
	CHECK_EQ(joins_add(j, 5, 4321), 0);             /* a key again: the last offset */
	CHECK_EQ(joins_count(j), 2);
	CHECK(joins_take(j, 5, &off));
	CHECK_EQ(off, 4321);
	CHECK(!joins_take(j, 5, &off));
	CHECK(!joins_take(j, MW_CHAN_TCP_ID(5, MW_OP_READ), &off));
	CHECK(joins_take(j, MW_CHAN_TCP_ID(5, MW_OP_WRITE), &off));
	CHECK_EQ(off, 99);
	CHECK_EQ(joins_count(j), 0);
	joins_free(j);
}

/* A full channels map's worth, every one found past the others' collisions and removals. */
static void test_full_map(void)
{
	struct joins *j = joins_new();
	uint64_t off;

	for (uint64_t c = 1; c <= MW_CHANNELS_MAX; c++)
		CHECK_EQ(joins_add(j, c * 4096, c), 0);
	CHECK_EQ(joins_add(j, 7, 7), -ENOSPC);
	CHECK_EQ(joins_count(j), MW_CHANNELS_MAX);
	for (uint64_t c = 1; c <= MW_CHANNELS_MAX && !unit_failures(); c += 2) {
		CHECK(joins_take(j, c * 4096, &off));
		CHECK_EQ(off, c);
	}
	for (uint64_t c = 2; c <= MW_CHANNELS_MAX && !unit_failures(); c += 2) {
		CHECK(joins_take(j, c * 4096, &off));
		CHECK_EQ(off, c);
		CHECK(!joins_take(j, c * 4096 - 4096, &off));
	}
	CHECK_EQ(joins_count(j), 0);
	joins_free(j);
}

UNIT_MAIN(UNIT_TEST(test_take_once),
	  UNIT_TEST(test_full_map))
