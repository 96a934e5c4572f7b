// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_except.h"
#include "policy_value.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LIST_LEN     POLICY_ERR_LEN

enum { E_NAME, E_RULE, E_FIELDS, E_VALUES, E__COUNT };
static const char *const exception_keys[E__COUNT] = { "name", "rule", "fields", "values" };

static unsigned int field_of(const char *s)
{
	unsigned int f = POLICY_F_PROC_EXE;

	while (f < POLICY_F__COUNT && strcmp(s, policy_field_name(f)))
		f++;
	return f;
}

/* Field i of e, named at n. */
static int parse_field(struct policy_yaml *y, yaml_node_t *n, struct policy_exception *e,
		       size_t i)
{
	const char *names[POLICY_F__COUNT - POLICY_F_PROC_EXE];
	char list[LIST_LEN];
	const char *s;
	unsigned int f;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	f = field_of(s);
	if (f == POLICY_F__COUNT) {
		for (f = POLICY_F_PROC_EXE; f < POLICY_F__COUNT; f++)
			names[f - POLICY_F_PROC_EXE] = policy_field_name(f);
		policy_yaml_join(names, ARRAY_LEN(names), list, sizeof(list));
		return policy_yaml_fail(y, n, "unknown field '%s' (known: %s)",
					policy_yaml_q(y, s), list);
	}
	for (size_t j = 0; j < i; j++)
		if (e->fields[j] == f)
			return policy_yaml_fail(y, n, "field '%s' is listed twice", s);
	e->fields[i] = (enum policy_field)f;
	return 0;
}

static int parse_fields(struct policy_yaml *y, yaml_node_t *n, struct policy_exception *e)
{
	yaml_node_item_t *items;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (!ret && (!cnt || cnt > POLICY_FIELDS_MAX))
		return policy_yaml_fail(y, n, "expected 1 to %u fields, got %zu",
					POLICY_FIELDS_MAX, cnt);
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = parse_field(y, policy_yaml_node(y, items[i]), e, i);
		policy_yaml_pop(y, saved);
	}
	if (!ret)
		e->nfields = (unsigned int)cnt;
	return ret;
}

static int parse_value(struct policy_yaml *y, yaml_node_t *n, enum policy_field f, char **out)
{
	struct match_ports ports;
	struct match_cidr cidr;
	const char *s;
	int ret;

	switch (f) {
	case POLICY_F_NET_PORT:
		ret = policy_value_port(y, n, &ports, &s);
		break;
	case POLICY_F_NET_ADDR:
		ret = policy_value_cidr(y, n, &cidr);
		s = (const char *)n->data.scalar.value;
		break;
	case POLICY_F_PROC_EXE:
	case POLICY_F_FILE_PATH:
		ret = policy_yaml_str(y, n, &s);
		if (!ret)
			ret = policy_value_path_glob(y, n, s);
		break;
	default:
		ret = policy_yaml_str(y, n, &s);
		if (!ret)
			ret = policy_value_glob(y, n, s, MATCH_GLOB_TEXT);
	}
	if (!ret) {
		*out = strdup(s);
		ret = *out ? 0 : -ENOMEM;
	}
	return ret;
}

static int parse_row(struct policy_yaml *y, yaml_node_t *n, struct policy_exception *e,
		     char **row)
{
	yaml_node_item_t *items;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (!ret && cnt != e->nfields)
		return policy_yaml_fail(y, n, "expected %u value%s (one per field), got %zu",
					e->nfields, e->nfields == 1 ? "" : "s", cnt);
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = parse_value(y, policy_yaml_node(y, items[i]), e->fields[i], &row[i]);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

static int parse_rows(struct policy_yaml *y, yaml_node_t *n, struct policy_exception *e)
{
	yaml_node_item_t *items;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (ret || !cnt)
		return ret;
	e->values = calloc(cnt * e->nfields, sizeof(*e->values));
	if (!e->values)
		return -ENOMEM;
	e->nrows = (unsigned int)cnt;
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = parse_row(y, policy_yaml_node(y, items[i]), e, e->values + i * e->nfields);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

static int exception_name(struct policy_yaml *y, yaml_node_t *n, struct policy_exception *all,
			  unsigned int idx)
{
	size_t saved = policy_yaml_push_key(y, exception_keys[E_NAME]);
	int ret = policy_yaml_strdup(y, n, &all[idx].name);

	for (unsigned int i = 0; !ret && i < idx; i++)
		if (!strcmp(all[i].name, all[idx].name))
			ret = policy_yaml_fail(y, n, "duplicate exception name '%s'",
					       policy_yaml_q(y, all[idx].name));
	policy_yaml_pop(y, saved);
	return ret;
}

static int parse_exception(struct policy_yaml *y, yaml_node_t *n, struct policy_exception *all,
			   unsigned int idx)
{
	struct policy_exception *e = &all[idx];
	yaml_node_t *v[E__COUNT];
	size_t saved;
	int ret = policy_yaml_map(y, n, exception_keys, E__COUNT, v, NULL);

	for (unsigned int i = 0; !ret && i < E__COUNT; i++)
		ret = policy_yaml_need(y, n, v[i], exception_keys[i]);
	if (!ret)
		ret = exception_name(y, v[E_NAME], all, idx);
	if (!ret) {
		saved = policy_yaml_push_key(y, exception_keys[E_RULE]);
		ret = policy_value_rule(y, v[E_RULE], &e->rule);
		policy_yaml_pop(y, saved);
	}
	if (!ret) {
		saved = policy_yaml_push_key(y, exception_keys[E_FIELDS]);
		ret = parse_fields(y, v[E_FIELDS], e);
		policy_yaml_pop(y, saved);
	}
	if (!ret) {
		saved = policy_yaml_push_key(y, exception_keys[E_VALUES]);
		ret = parse_rows(y, v[E_VALUES], e);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

int policy_except_parse(struct policy_yaml *y, yaml_node_t *n,
			struct policy_exception **out, unsigned int *count)
{
	yaml_node_item_t *items;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (ret || !cnt)
		return ret;
	*out = calloc(cnt, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*count = (unsigned int)cnt;
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = parse_exception(y, policy_yaml_node(y, items[i]), *out, (unsigned int)i);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

int policy_except_dup(const struct policy_exception *src, unsigned int n,
		      struct policy_exception **out, unsigned int *count)
{
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*count = n;
	for (unsigned int i = 0; i < n; i++) {
		struct policy_exception *e = &(*out)[i];
		size_t nvals = (size_t)src[i].nrows * src[i].nfields;

		*e = src[i];
		e->nrows = 0;
		e->name = strdup(src[i].name);
		e->values = calloc(nvals ? nvals : 1, sizeof(*e->values));
		if (!e->name || !e->values)
			return -ENOMEM;
		e->nrows = src[i].nrows;
		for (size_t j = 0; j < nvals; j++)
			if (!(e->values[j] = strdup(src[i].values[j])))
				return -ENOMEM;
	}
	return 0;
}

