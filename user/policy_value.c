// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_value.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LIST_LEN     POLICY_ERR_LEN
#define GLOB_CHARS   "*?[]\\"
#define HOME_VAR     "$HOME"

static const char *const path_vars[] = { HOME_VAR, "$SERVER_PACKAGE", "$RUNTIME_PREFIX" };
static const char *const access_names[] = { "read", "write", "any" };
static const unsigned int access_bits[] = {
	POLICY_ACCESS_READ, POLICY_ACCESS_WRITE, POLICY_ACCESS_ANY,
};

int policy_value_bool_at(struct policy_yaml *y, const char *key, yaml_node_t *n, bool *out)
{
	size_t saved = policy_yaml_push_key(y, key);
	int ret = policy_yaml_bool(y, n, out);

	policy_yaml_pop(y, saved);
	return ret;
}

void policy_value_rule_list(char *out, size_t size)
{
	const char *names[POLICY_RULE__COUNT];

	for (unsigned int i = 0; i < POLICY_RULE__COUNT; i++)
		names[i] = policy_rule_name(i);
	policy_yaml_join(names, POLICY_RULE__COUNT, out, size);
}

int policy_value_rule(struct policy_yaml *y, yaml_node_t *n, enum policy_rule *out)
{
	char list[LIST_LEN];
	const char *s;
	int ret = policy_yaml_str(y, n, &s);
	int r;

	if (ret)
		return ret;
	r = policy_rule_from_name(s);
	if (r >= 0) {
		*out = (enum policy_rule)r;
		return 0;
	}
	policy_value_rule_list(list, sizeof(list));
	return policy_yaml_fail(y, n, "unknown rule '%s' (known: %s)", policy_yaml_q(y, s), list);
}

static bool var_prefix(const char *s, const char *var)
{
	size_t n = strlen(var);

	return !strncmp(s, var, n) && (s[n] == '\0' || s[n] == '/');
}

static bool path_anchored(const char *s)
{
	if (s[0] == '/' || !strncmp(s, "**/", 3))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(path_vars); i++)
		if (var_prefix(s, path_vars[i]))
			return true;
	return false;
}

int policy_value_glob(struct policy_yaml *y, yaml_node_t *n, const char *s,
		      enum match_glob_mode mode)
{
	char why[POLICY_VALUE_REASON_LEN];

	if (match_glob_check(s, mode, why, sizeof(why)))
		return policy_yaml_fail(y, n, "'%s': %s", policy_yaml_q(y, s), why);
	return 0;
}

int policy_value_path_glob(struct policy_yaml *y, yaml_node_t *n, const char *s)
{
	if (!path_anchored(s))
		return policy_yaml_fail(y, n, "'%s' must be absolute or start with '**/', "
					"'$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'",
					policy_yaml_q(y, s));
	return policy_value_glob(y, n, s, MATCH_GLOB_PATH);
}

int policy_value_root(struct policy_yaml *y, yaml_node_t *n, const char *s)
{
	if (s[0] != '/' && !var_prefix(s, HOME_VAR))
		return policy_yaml_fail(y, n, "'%s' must be an absolute directory or start with "
					"'$HOME'", policy_yaml_q(y, s));
	if (strpbrk(s, GLOB_CHARS))
		return policy_yaml_fail(y, n, "'%s': a root is a directory, not a glob",
					policy_yaml_q(y, s));
	return 0;
}

int policy_value_cidr(struct policy_yaml *y, yaml_node_t *n, struct match_cidr *out)
{
	char why[POLICY_VALUE_REASON_LEN];
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	if (!ret && match_cidr_parse(s, out, why, sizeof(why)))
		ret = policy_yaml_fail(y, n, "'%s': %s", policy_yaml_q(y, s), why);
	return ret;
}

int policy_value_port(struct policy_yaml *y, yaml_node_t *n, struct match_ports *out,
		      const char **text)
{
	char why[POLICY_VALUE_REASON_LEN];

	if (n->type != YAML_SCALAR_NODE || policy_yaml_is_null(n))
		return policy_yaml_fail(y, n, "expected a port or a range of ports");
	if (policy_yaml_str(y, n, text))
		return -EINVAL;
	if (match_ports_parse(*text, out, why, sizeof(why)))
		return policy_yaml_fail(y, n, "'%s': %s", policy_yaml_q(y, *text), why);
	return 0;
}

int policy_value_severity(struct policy_yaml *y, yaml_node_t *n, enum policy_severity *out)
{
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	for (enum policy_severity v = POLICY_SEV_LOW; v <= POLICY_SEV_CRITICAL; v++) {
		if (!strcmp(s, policy_severity_name(v))) {
			*out = v;
			return 0;
		}
	}
	return policy_yaml_fail(y, n, "unknown severity '%s' (expected one of: low, medium, "
				"high, critical)", policy_yaml_q(y, s));
}

/* "a, b and c": the rules action a applies to. */
static void rules_for(enum policy_action a, char *out, size_t size)
{
	const char *names[POLICY_RULE__COUNT];
	size_t n = 0, len;

	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		if (policy_action_valid(r, a))
			names[n++] = policy_rule_name(r);
	policy_yaml_join(names, n ? n - 1 : 0, out, size);
	len = strlen(out);
	if (n)
		snprintf(out + len, size - len, "%s%s", n > 1 ? " and " : "", names[n - 1]);
}

/* Index of s among names[first..last]; else 0 (no enum value this is used for is 0) with
 * those names joined into list. */
static unsigned int name_of(const char *const *names, unsigned int first, unsigned int last,
			    const char *s, char *list, size_t size)
{
	for (unsigned int i = first; i <= last; i++)
		if (!strcmp(s, names[i]))
			return i;
	policy_yaml_join(names + first, last - first + 1, list, size);
	return 0;
}

int policy_value_action(struct policy_yaml *y, yaml_node_t *n, enum policy_rule rule,
			enum policy_action *out)
{
	const char *names[POLICY_ACTION_KILL + 1];
	char list[LIST_LEN];
	const char *s;
	unsigned int a;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	for (a = POLICY_ACTION_ALERT; a <= POLICY_ACTION_KILL; a++)
		names[a] = policy_action_name(a);
	a = name_of(names, POLICY_ACTION_ALERT, POLICY_ACTION_KILL, s, list, sizeof(list));
	if (!a)
		return policy_yaml_fail(y, n, "unknown action '%s' (expected one of: %s)",
					policy_yaml_q(y, s), list);
	if (!policy_action_valid(rule, a)) {
		rules_for(a, list, sizeof(list));
		return policy_yaml_fail(y, n, "'%s' applies only to %s", s, list);
	}
	*out = (enum policy_action)a;
	return 0;
}

int policy_value_scope(struct policy_yaml *y, yaml_node_t *n, enum policy_scope *out)
{
	const char *names[POLICY_SCOPE_SERVER + 1];
	char list[LIST_LEN];
	const char *s;
	unsigned int v;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	for (v = POLICY_SCOPE_PROCESS; v <= POLICY_SCOPE_SERVER; v++)
		names[v] = policy_scope_name(v);
	v = name_of(names, POLICY_SCOPE_PROCESS, POLICY_SCOPE_SERVER, s, list, sizeof(list));
	if (!v)
		return policy_yaml_fail(y, n, "unknown scope '%s' (expected one of: %s)",
					policy_yaml_q(y, s), list);
	*out = (enum policy_scope)v;
	return 0;
}

int policy_value_access(struct policy_yaml *y, yaml_node_t *n, unsigned int *out)
{
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	for (size_t i = 0; i < ARRAY_LEN(access_names); i++) {
		if (!strcmp(s, access_names[i])) {
			*out = access_bits[i];
			return 0;
		}
	}
	return policy_yaml_fail(y, n, "unknown access '%s' (expected one of: read, write, any)",
				policy_yaml_q(y, s));
}

