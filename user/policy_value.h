/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_value: the policy's leaf values read from YAML nodes and checked: rule ids,
 * severities, actions, scopes, access modes, path globs with their variables, roots, CIDRs,
 * ports. Errors go through policy_yaml_fail() at the node, under the key path pushed by the
 * caller. Pure: no I/O, no globals.
 */
#ifndef MW_POLICY_VALUE_H
#define MW_POLICY_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "policy_yaml.h"

#define POLICY_VALUE_REASON_LEN 128u    /* a matcher's reason for refusing a value */

/* policy_yaml_bool() with key pushed on the path for the message. */
int policy_value_bool_at(struct policy_yaml *y, const char *key, yaml_node_t *n, bool *out);
/* "exec.spawn, exec.shell_injection, ..." */
void policy_value_rule_list(char *out, size_t size);
int policy_value_rule(struct policy_yaml *y, yaml_node_t *n, enum policy_rule *out);
int policy_value_severity(struct policy_yaml *y, yaml_node_t *n, enum policy_severity *out);
/* "alert", "deny" or "kill", for rule: an action policy_action_valid() refuses is an error. */
int policy_value_action(struct policy_yaml *y, yaml_node_t *n, enum policy_rule rule,
			enum policy_action *out);
/* "process" or "server". */
int policy_value_scope(struct policy_yaml *y, yaml_node_t *n, enum policy_scope *out);
/* read, write, any: enum policy_access bits. */
int policy_value_access(struct policy_yaml *y, yaml_node_t *n, unsigned int *out);

/* s, the text of n, is a well-formed glob for mode. */
int policy_value_glob(struct policy_yaml *y, yaml_node_t *n, const char *s,
		      enum match_glob_mode mode);
/* s is a path glob: absolute, "** /...", or $HOME, $SERVER_PACKAGE, $RUNTIME_PREFIX alone or
 * before '/'; and a well-formed MATCH_GLOB_PATH glob. */
int policy_value_path_glob(struct policy_yaml *y, yaml_node_t *n, const char *s);
/* s is a root: absolute or $HOME, $HOME/..., without glob characters. */
int policy_value_root(struct policy_yaml *y, yaml_node_t *n, const char *s);

int policy_value_cidr(struct policy_yaml *y, yaml_node_t *n, struct match_cidr *out);
/* 443 or "8000-8100"; *text is the scalar's text. */
int policy_value_port(struct policy_yaml *y, yaml_node_t *n, struct match_ports *out,
		      const char **text);

#endif
