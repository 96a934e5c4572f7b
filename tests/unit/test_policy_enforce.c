// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of the policy's actions and scopes: the enforcing action of each rule, which
 * actions apply to which rule, mode enforce giving the enforcing action to rules whose action
 * no layer gives (top level, defaults, entry), mode monitor keeping what the layers say
 * without enforcing it, and scope merged field by field. Errors are in test_policy.c. */
#include <stdio.h>
#include <stdlib.h>

#include "policy.h"
#include "unit.h"

#define SRC     "p.yaml"
#define HDR     "apiVersion: mcpwarden.dev/v1\nkind: Policy\n"
#define ENFORCE HDR "mode: enforce\n"
#define MONITOR HDR "mode: monitor\n"
/* One server entry, after the caller's top-level keys and defaults section. */
#define ENTRY   "servers:\n  - name: a\n    match: { exe: /x }\n"

static struct policy *parse(const char *text)
{
	struct policy_error err;
	struct policy *p = policy_parse(text, strlen(text), SRC, &err);

	if (!p)
		unit_fail(__FILE__, __LINE__, "parse failed: %s", err.msg);
	return p;
}

/* The three layers a server entry's rules come from, and the entry's own. */
struct layers {
	const struct policy_rule_cfg *top, *defaults, *entry;
};

static struct layers layers_of(const struct policy *p)
{
	return (struct layers){ p->rules, p->defaults.rules,
				p->nservers ? p->servers[0].rules : NULL };
}

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

/* ---- mode enforce: the actions no layer gives ---- */

static void check_enforcing(const struct policy *p, const struct policy_rule_cfg *rules,
			    const char *layer)
{
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
		if (rules[r].action != policy_enforcing_action(r))
			unit_fail(__FILE__, __LINE__, "%s: %s: action %s", layer,
				  policy_rule_name(r), policy_action_name(rules[r].action));
		CHECK(policy_enforces(p, &rules[r]));
		CHECK_EQ(rules[r].scope, POLICY_SCOPE_PROCESS);
	}
}

static void test_enforce_defaults(void)
{
	struct policy *p = parse(ENFORCE "defaults: { rootsFromArgs: true }\n" ENTRY);
	struct layers l;

	if (!p)
		return;
	CHECK_EQ(p->mode, POLICY_MODE_ENFORCE);
	l = layers_of(p);
	check_enforcing(p, l.top, "top");
	check_enforcing(p, l.defaults, "defaults");
	if (l.entry)
		check_enforcing(p, l.entry, "entry");
	policy_free(p);
}

/* Settings other than the action leave it to the enforcing default. */
static void test_enforce_other_fields(void)
{
	struct policy *p = parse(ENFORCE
		"rules:\n  exec.spawn: { severity: high, enabled: false }\n"
		"defaults:\n  rules:\n    net.egress: { scope: server }\n"
		ENTRY "    rules:\n      file.sensitive: { severity: low }\n");
	struct layers l;

	if (!p)
		return;
	l = layers_of(p);
	CHECK_EQ(l.top[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);
	CHECK(!l.top[POLICY_EXEC_SPAWN].enabled);
	CHECK_EQ(l.defaults[POLICY_NET_EGRESS].action, POLICY_ACTION_DENY);
	CHECK_EQ(l.defaults[POLICY_NET_EGRESS].scope, POLICY_SCOPE_SERVER);
	if (l.entry) {
		CHECK_EQ(l.entry[POLICY_FILE_SENSITIVE].action, POLICY_ACTION_KILL);
		CHECK_EQ(l.entry[POLICY_FILE_SENSITIVE].severity, POLICY_SEV_LOW);
		CHECK_EQ(l.entry[POLICY_NET_EGRESS].action, POLICY_ACTION_DENY);
	}
	policy_free(p);
}

/* `action: alert` given in one layer holds in that layer and the ones read over it; the
 * layers before it get the enforcing action. */
static void test_enforce_explicit_alert(void)
{
	static const struct {
		const char *text;
		bool top, defaults, entry;      /* alert in that layer */
	} cases[] = {
		{ ENFORCE "rules:\n  exec.spawn: { action: alert }\n" ENTRY, true, true, true },
		{ ENFORCE "defaults:\n  rules:\n    exec.spawn: { action: alert }\n" ENTRY,
		  false, true, true },
		{ ENFORCE ENTRY "    rules:\n      exec.spawn: { action: alert }\n",
		  false, false, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy *p = parse(cases[i].text);
		struct layers l;

		if (!p)
			continue;
		l = layers_of(p);
		CHECK_EQ(l.top[POLICY_EXEC_SPAWN].action,
			 cases[i].top ? POLICY_ACTION_ALERT : POLICY_ACTION_KILL);
		CHECK_EQ(l.defaults[POLICY_EXEC_SPAWN].action,
			 cases[i].defaults ? POLICY_ACTION_ALERT : POLICY_ACTION_KILL);
		CHECK(l.entry && l.entry[POLICY_EXEC_SPAWN].action == POLICY_ACTION_ALERT);
		CHECK(l.entry && !policy_enforces(p, &l.entry[POLICY_EXEC_SPAWN]));
		/* the other rules are untouched */
		CHECK(l.entry && l.entry[POLICY_EXEC_SHELL_INJECTION].action == POLICY_ACTION_KILL);
		CHECK(l.entry && l.entry[POLICY_NET_EGRESS].action == POLICY_ACTION_DENY);
		policy_free(p);
	}
}

/* A later layer's action replaces an earlier one's, whichever way. */
static void test_enforce_layers_override(void)
{
	struct policy *p = parse(ENFORCE
		"rules:\n  net.egress: { action: alert }\n  net.metadata: { action: kill }\n"
		"defaults:\n  rules:\n    net.egress: { action: kill }\n"
		"    net.metadata: { action: alert }\n"
		ENTRY "    rules:\n      net.egress: { action: deny }\n"
		"  - name: b\n    match: { exe: /y }\n");
	struct layers l;

	if (!p)
		return;
	l = layers_of(p);
	CHECK_EQ(l.top[POLICY_NET_EGRESS].action, POLICY_ACTION_ALERT);
	CHECK_EQ(l.top[POLICY_NET_METADATA].action, POLICY_ACTION_KILL);
	CHECK_EQ(l.defaults[POLICY_NET_EGRESS].action, POLICY_ACTION_KILL);
	CHECK_EQ(l.defaults[POLICY_NET_METADATA].action, POLICY_ACTION_ALERT);
	CHECK(l.entry && l.entry[POLICY_NET_EGRESS].action == POLICY_ACTION_DENY);
	CHECK(l.entry && l.entry[POLICY_NET_METADATA].action == POLICY_ACTION_ALERT);
	CHECK_EQ(p->nservers, 2);
	if (p->nservers == 2) {
		/* the second entry gives nothing: the defaults' actions */
		CHECK_EQ(p->servers[1].rules[POLICY_NET_EGRESS].action, POLICY_ACTION_KILL);
		CHECK_EQ(p->servers[1].rules[POLICY_NET_METADATA].action, POLICY_ACTION_ALERT);
		CHECK_EQ(p->servers[1].rules[POLICY_NET_LISTEN_WILDCARD].action,
			 POLICY_ACTION_DENY);
	}
	policy_free(p);
}

/* The mode may come after the rules in the file. */
static void test_enforce_mode_last(void)
{
	struct policy *p = parse(HDR "rules:\n  exec.spawn: { severity: low }\nmode: enforce\n");

	if (!p)
		return;
	CHECK_EQ(p->rules[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);
	CHECK_EQ(p->defaults.rules[POLICY_NET_METADATA].action, POLICY_ACTION_DENY);
	policy_free(p);
}

/* ---- mode monitor ---- */

static void test_monitor_defaults(void)
{
	const char *const texts[] = { HDR, MONITOR ENTRY };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct policy *p = parse(texts[i]);
		struct layers l;

		if (!p)
			continue;
		CHECK_EQ(p->mode, POLICY_MODE_MONITOR);
		l = layers_of(p);
		for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
			CHECK_EQ(l.top[r].action, POLICY_ACTION_ALERT);
			CHECK_EQ(l.defaults[r].action, POLICY_ACTION_ALERT);
			CHECK(!l.entry || l.entry[r].action == POLICY_ACTION_ALERT);
		}
		policy_free(p);
	}
}

/* kill and deny are kept as given, for `policy show`, and not carried out. */
static void test_monitor_keeps_actions(void)
{
	struct policy *p = parse(MONITOR
		"rules:\n  exec.spawn: { action: kill, scope: server }\n"
		"defaults:\n  rules:\n    net.egress: { action: deny }\n"
		ENTRY "    rules:\n      file.sensitive: { action: kill }\n");
	struct layers l;

	if (!p)
		return;
	l = layers_of(p);
	CHECK_EQ(l.top[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);
	CHECK(!policy_enforces(p, &l.top[POLICY_EXEC_SPAWN]));
	CHECK_EQ(l.top[POLICY_NET_EGRESS].action, POLICY_ACTION_ALERT);
	CHECK_EQ(l.defaults[POLICY_NET_EGRESS].action, POLICY_ACTION_DENY);
	CHECK(!policy_enforces(p, &l.defaults[POLICY_NET_EGRESS]));
	CHECK_EQ(l.defaults[POLICY_FILE_SENSITIVE].action, POLICY_ACTION_ALERT);
	if (l.entry) {
		CHECK_EQ(l.entry[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);
		CHECK_EQ(l.entry[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_SERVER);
		CHECK_EQ(l.entry[POLICY_NET_EGRESS].action, POLICY_ACTION_DENY);
		CHECK_EQ(l.entry[POLICY_FILE_SENSITIVE].action, POLICY_ACTION_KILL);
		for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
			CHECK(!policy_enforces(p, &l.entry[r]));
	}
	policy_free(p);
}

/* ---- scope ---- */

static void test_scope_merge(void)
{
	struct policy *p = parse(ENFORCE
		"rules:\n  exec.spawn: { scope: server }\n  file.sensitive: { scope: server }\n"
		"defaults:\n  rules:\n    file.sensitive: { scope: process }\n"
		"    net.remote_peer: { scope: server }\n"
		ENTRY "    rules:\n      exec.spawn: { scope: process }\n"
		"      exec.shell_injection: { scope: server }\n"
		"  - name: b\n    match: { exe: /y }\n");
	struct layers l;

	if (!p)
		return;
	l = layers_of(p);
	CHECK_EQ(l.top[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_SERVER);
	CHECK_EQ(l.top[POLICY_FILE_SENSITIVE].scope, POLICY_SCOPE_SERVER);
	CHECK_EQ(l.top[POLICY_NET_REMOTE_PEER].scope, POLICY_SCOPE_PROCESS);
	CHECK_EQ(l.defaults[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_SERVER);      /* top */
	CHECK_EQ(l.defaults[POLICY_FILE_SENSITIVE].scope, POLICY_SCOPE_PROCESS); /* own */
	CHECK_EQ(l.defaults[POLICY_NET_REMOTE_PEER].scope, POLICY_SCOPE_SERVER); /* own */
	if (l.entry) {
		CHECK_EQ(l.entry[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_PROCESS);
		CHECK_EQ(l.entry[POLICY_EXEC_SHELL_INJECTION].scope, POLICY_SCOPE_SERVER);
		CHECK_EQ(l.entry[POLICY_FILE_SENSITIVE].scope, POLICY_SCOPE_PROCESS);
		CHECK_EQ(l.entry[POLICY_NET_REMOTE_PEER].scope, POLICY_SCOPE_SERVER);
		CHECK_EQ(l.entry[POLICY_FILE_OUT_OF_SCOPE].scope, POLICY_SCOPE_PROCESS);
		/* scope does not touch the action */
		CHECK_EQ(l.entry[POLICY_NET_REMOTE_PEER].action, POLICY_ACTION_KILL);
	}
	if (p->nservers == 2) {
		CHECK_EQ(p->servers[1].rules[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_SERVER);
		CHECK_EQ(p->servers[1].rules[POLICY_EXEC_SHELL_INJECTION].scope,
			 POLICY_SCOPE_PROCESS);
	}
	policy_free(p);
}

/* ---- the built-in default ---- */

static void test_default_monitor(void)
{
	struct policy_error err;
	struct policy *p = policy_default(&err);

	CHECK(p);
	if (!p)
		return;
	CHECK_EQ(p->mode, POLICY_MODE_MONITOR);
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
		CHECK_EQ(p->rules[r].action, POLICY_ACTION_ALERT);
		CHECK_EQ(p->defaults.rules[r].action, POLICY_ACTION_ALERT);
		for (unsigned int i = 0; i < p->nservers; i++)
			CHECK_EQ(p->servers[i].rules[r].action, POLICY_ACTION_ALERT);
	}
	policy_free(p);
}

/* The default gives every action: under mode enforce it would still only alert. */
static void test_default_explicit(void)
{
	static const char from[] = "\nmode: monitor\n", to[] = "\nmode: enforce\n";
	char *text = strndup(policy_default_yaml, policy_default_yaml_len);
	char *at = text ? strstr(text, from) : NULL;
	struct policy *p;

	CHECK(at);
	if (!at) {
		free(text);
		return;
	}
	memcpy(at, to, sizeof(to) - 1);
	p = parse(text);
	if (p) {
		CHECK_EQ(p->mode, POLICY_MODE_ENFORCE);
		for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
			CHECK(!policy_enforces(p, &p->rules[r]));
			CHECK(!policy_enforces(p, &p->defaults.rules[r]));
			for (unsigned int i = 0; i < p->nservers; i++)
				CHECK(!policy_enforces(p, &p->servers[i].rules[r]));
		}
	}
	policy_free(p);
	free(text);
}

UNIT_MAIN(UNIT_TEST(test_enforcing_action), UNIT_TEST(test_action_valid),
	  UNIT_TEST(test_enforces), UNIT_TEST(test_enforce_defaults),
	  UNIT_TEST(test_enforce_other_fields), UNIT_TEST(test_enforce_explicit_alert),
	  UNIT_TEST(test_enforce_layers_override), UNIT_TEST(test_enforce_mode_last),
	  UNIT_TEST(test_monitor_defaults), UNIT_TEST(test_monitor_keeps_actions),
	  UNIT_TEST(test_scope_merge), UNIT_TEST(test_default_monitor),
	  UNIT_TEST(test_default_explicit))
