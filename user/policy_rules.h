/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_rules: the `rules` mappings (rule id -> settings) of the top level, the defaults
 * section and server entries, each read over the layer before it, field by field.
 * Pure: no I/O, no globals.
 */
#ifndef MW_POLICY_RULES_H
#define MW_POLICY_RULES_H

#include "policy.h"
#include "policy_yaml.h"

/* The built-ins every rule starts from before the top-level layer. */
void policy_rules_init(struct policy_rule_cfg *rules);
/* Override in rules[POLICY_RULE__COUNT] the fields given under n. */
int policy_rules_apply(struct policy_yaml *y, yaml_node_t *n, struct policy_rule_cfg *rules);

#endif
