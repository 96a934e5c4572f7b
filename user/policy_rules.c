// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "policy_rules.h"
#include "policy_value.h"

#define LIST_LEN         POLICY_ERR_LEN
#define BUILTIN_ENABLED  true
#define BUILTIN_SEVERITY POLICY_SEV_MEDIUM
#define BUILTIN_SCOPE    POLICY_SCOPE_PROCESS
#define MONITOR_ACTION   POLICY_ACTION_ALERT    /* mode monitor, no layer gives the action */
/* No layer has given the action yet: copied from layer to layer like a value, replaced by
 * policy_rules_resolve(). No enum policy_action is 0. */
#define ACTION_NOT_GIVEN ((enum policy_action)0)

enum { R_ENABLED, R_SEVERITY, R_ACTION, R_SCOPE, R__COUNT };
static const char *const rule_keys[R__COUNT] = { "enabled", "severity", "action", "scope" };

void policy_rules_init(struct policy_rule_cfg *rules)
{
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		rules[r] = (struct policy_rule_cfg){ .enabled = BUILTIN_ENABLED,
			.severity = BUILTIN_SEVERITY, .action = ACTION_NOT_GIVEN,
			.scope = BUILTIN_SCOPE };
}

void policy_rules_resolve(struct policy_rule_cfg *rules, enum policy_mode mode)
{
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
		if (rules[r].action != ACTION_NOT_GIVEN)
			continue;
		rules[r].action = mode == POLICY_MODE_ENFORCE ? policy_enforcing_action(r)
							      : MONITOR_ACTION;
	}
}

static int parse_rule_cfg(struct policy_yaml *y, yaml_node_t *n, enum policy_rule rule,
			  struct policy_rule_cfg *cfg)
{
	yaml_node_t *v[R__COUNT];
	int ret = policy_yaml_map(y, n, rule_keys, R__COUNT, v, NULL);
	size_t saved;

	if (!ret && v[R_ENABLED])
		ret = policy_value_bool_at(y, "enabled", v[R_ENABLED], &cfg->enabled);
	if (!ret && v[R_SEVERITY]) {
		saved = policy_yaml_push_key(y, "severity");
		ret = policy_value_severity(y, v[R_SEVERITY], &cfg->severity);
		policy_yaml_pop(y, saved);
	}
	if (!ret && v[R_ACTION]) {
		saved = policy_yaml_push_key(y, "action");
		ret = policy_value_action(y, v[R_ACTION], rule, &cfg->action);
		policy_yaml_pop(y, saved);
	}
	if (!ret && v[R_SCOPE]) {
		saved = policy_yaml_push_key(y, "scope");
		ret = policy_value_scope(y, v[R_SCOPE], &cfg->scope);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

int policy_rules_apply(struct policy_yaml *y, yaml_node_t *n, struct policy_rule_cfg *rules)
{
	char list[LIST_LEN];
	yaml_node_pair_t *pairs;
	size_t count, saved;
	unsigned int seen = 0;
	int ret = policy_yaml_pairs(y, n, &pairs, &count);

	for (size_t i = 0; !ret && i < count; i++) {
		yaml_node_t *k = policy_yaml_node(y, pairs[i].key);
		const char *name;
		int r;

		ret = policy_yaml_key(y, k, &name);
		if (ret)
			break;
		r = policy_rule_from_name(name);
		if (r >= 0 && (seen & (1u << r)))
			return policy_yaml_fail(y, k, "duplicate key '%s'", name);
		saved = policy_yaml_push_key(y, policy_yaml_q(y, name));
		if (r < 0) {
			policy_value_rule_list(list, sizeof(list));
			ret = policy_yaml_fail(y, k, "unknown rule (known: %s)", list);
		} else {
			seen |= 1u << r;
			ret = parse_rule_cfg(y, policy_yaml_node(y, pairs[i].value),
					     (enum policy_rule)r, &rules[r]);
		}
		policy_yaml_pop(y, saved);
	}
	return ret;
}
