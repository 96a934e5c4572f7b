// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of the policy's actions: the enforcing action of each rule, which actions apply
 * to which rule, when a rule's action is carried out. */
#include "policy.h"
#include "unit.h"

/* ---- what each rule can do ---- */

static void test_enforcing_action(void)
{
	static const struct {
		enum policy_rule rule;
		enum policy_action want;
	} cases[] = {
		{ POLICY_EXEC_SPAWN, POLICY_ACTION_KILL },
		{ POLICY_EXEC_SHELL_INJECTION, POLICY_ACTION_KILL },
		{ POLICY_FILE_OUT_OF_SCOPE, POLICY_ACTION_KILL },
		{ POLICY_FILE_SENSITIVE, POLICY_ACTION_KILL },
		{ POLICY_NET_EGRESS, POLICY_ACTION_DENY },
		{ POLICY_NET_METADATA, POLICY_ACTION_DENY },
		{ POLICY_NET_LISTEN_WILDCARD, POLICY_ACTION_DENY },
		{ POLICY_NET_REMOTE_PEER, POLICY_ACTION_KILL },
	};

	CHECK_EQ(sizeof(cases) / sizeof(cases[0]), POLICY_RULE__COUNT);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(policy_enforcing_action(cases[i].rule), cases[i].want);
		/* the enforcing action is always one the rule can take */
		CHECK(policy_action_valid(cases[i].rule, cases[i].want));
	}
}

static void test_action_valid(void)
{
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
		bool net_refusable = r == POLICY_NET_EGRESS || r == POLICY_NET_METADATA ||
				     r == POLICY_NET_LISTEN_WILDCARD;

		CHECK(policy_action_valid(r, POLICY_ACTION_ALERT));
		CHECK(policy_action_valid(r, POLICY_ACTION_KILL));
		CHECK_EQ(policy_action_valid(r, POLICY_ACTION_DENY), net_refusable);
		CHECK(!policy_action_valid(r, 0));
		CHECK(!policy_action_valid(r, POLICY_ACTION_KILL + 1));
	}
	CHECK(!policy_action_valid(POLICY_RULE__COUNT, POLICY_ACTION_ALERT));
}

static void test_enforces(void)
{
	struct policy p = { .mode = POLICY_MODE_ENFORCE };
	struct policy_rule_cfg c = { .enabled = true, .severity = POLICY_SEV_LOW,
				     .action = POLICY_ACTION_KILL, .scope = POLICY_SCOPE_PROCESS };

	CHECK(policy_enforces(&p, &c));
	c.action = POLICY_ACTION_DENY;
	CHECK(policy_enforces(&p, &c));
	c.action = POLICY_ACTION_ALERT;
	CHECK(!policy_enforces(&p, &c));
	p.mode = POLICY_MODE_MONITOR;
	CHECK(!policy_enforces(&p, &c));
	c.action = POLICY_ACTION_KILL;
	CHECK(!policy_enforces(&p, &c));
	c.action = POLICY_ACTION_DENY;
	CHECK(!policy_enforces(&p, &c));
}

UNIT_MAIN(UNIT_TEST(test_enforcing_action), UNIT_TEST(test_action_valid),
	  UNIT_TEST(test_enforces))
