/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_rules: the `rules` mappings (rule id -> settings) of the top level, the defaults
 * section and server entries, each read over the layer before it, field by field. Whether a
 * layer gave a rule's action is tracked until every layer is read: under mode enforce, a rule
 * whose action no layer gives gets policy_enforcing_action(), under mode monitor alert.
 * Pure: no I/O, no globals.
 */
#ifndef MW_POLICY_RULES_H
#define MW_POLICY_RULES_H

#include "policy.h"
#include "policy_yaml.h"

/* The built-ins every rule starts from before the top-level layer: enabled, medium, scope
 * process, the action not given (not a valid action until policy_rules_resolve()). */
void policy_rules_init(struct policy_rule_cfg *rules);
/* Override in rules[POLICY_RULE__COUNT] the fields given under n (rule id -> {enabled,
 * severity, action, scope}); a layer copied from the one before keeps "not given". */
int policy_rules_apply(struct policy_yaml *y, yaml_node_t *n, struct policy_rule_cfg *rules);
/* Once the last layer of rules is applied: the actions no layer gave, for mode. */
void policy_rules_resolve(struct policy_rule_cfg *rules, enum policy_mode mode);

#endif
