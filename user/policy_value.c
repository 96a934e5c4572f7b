// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
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

int policy_value_action(struct policy_yaml *y, yaml_node_t *n, enum policy_action *out)
{
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	if (!strcmp(s, policy_action_name(POLICY_ACTION_ALERT))) {
		*out = POLICY_ACTION_ALERT;
		return 0;
	}
	if (!strcmp(s, "kill"))
		return policy_yaml_fail(y, n, "'kill' " POLICY_VALUE_NO_ENFORCEMENT);
	return policy_yaml_fail(y, n, "unknown action '%s' (expected alert)",
				policy_yaml_q(y, s));
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

