// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* policy_parse(): the policy schema over the YAML layer (policy_yaml.c). Sections are read in
 * a fixed order (global rules, defaults, servers) whatever their order in the file, so that
 * server entries can take what they leave out from the defaults section. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_except.h"
#include "policy_rules.h"
#include "policy_value.h"
#include "policy_yaml.h"

#define ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))
#define LIST_LEN      POLICY_ERR_LEN
#define DEFAULTS_NAME "defaults"
#define PORT_MIN      0u
#define PORT_MAX      65535u

/* What a policy that leaves them out gets. */
#define BUILTIN_ROOTS_FROM_ARGS   false
#define BUILTIN_ROOTS_FROM_CLIENT true
#define BUILTIN_STARTUP_GRACE     true
#define BUILTIN_RUNTIME_ACCESS    POLICY_ACCESS_READ

enum top_key {
	T_API, T_KIND, T_MODE, T_WINDOW, T_RULES, T_RUNTIME, T_SENSITIVE, T_METADATA,
	T_DEFAULTS, T_SERVERS, T_EXCEPTIONS, T__COUNT
};

static const char *const top_keys[T__COUNT] = {
	"apiVersion", "kind", "mode", "alertWindow", "rules", "runtime", "sensitive",
	"metadata", "defaults", "servers", "exceptions",
};

/* A server entry's keys; the defaults section has all but the first two. */
enum sec_key {
	S_NAME, S_MATCH, S_ARGS, S_CLIENT, S_GRACE, S_ROOTS, S_EXEC, S_EGRESS, S_RULES,
	S_EXCEPTIONS, S__COUNT
};

static const char *const sec_keys[S__COUNT] = {
	"name", "match", "rootsFromArgs", "rootsFromClient", "startupGrace", "roots", "exec",
	"egress", "rules", "exceptions",
};

enum { M_EXE, M_ARGV, M_NAME, M_CONTAINER, M__COUNT };
static const char *const match_keys[M__COUNT] = { "exe", "argv", "name", "container" };

static const char *const runtime_keys[] = { "path", "access" };
static const char *const egress_keys[] = { "cidr", "ports" };
static const char *const exec_keys[] = { "allow" };

enum path_kind {
	PATHS_RUNTIME,          /* {path: GLOB, access: read|write|any} */
	PATHS_GLOB,             /* GLOB */
	PATHS_ROOT,             /* directory */
};

/* ---- paths ---- */

static int parse_glob_path(struct policy_yaml *y, yaml_node_t *n, enum path_kind kind,
			   struct policy_path *out)
{
	int ret = policy_yaml_strdup(y, n, &out->glob);

	out->access = POLICY_ACCESS_ANY;
	if (ret)
		return ret;
	return kind == PATHS_ROOT ? policy_value_root(y, n, out->glob)
				  : policy_value_path_glob(y, n, out->glob);
}

static int parse_runtime_path(struct policy_yaml *y, yaml_node_t *n, struct policy_path *out)
{
	yaml_node_t *v[ARRAY_LEN(runtime_keys)];
	int ret = policy_yaml_map(y, n, runtime_keys, ARRAY_LEN(runtime_keys), v, NULL);
	size_t saved;

	if (!ret)
		ret = policy_yaml_need(y, n, v[0], "path");
	if (ret)
		return ret;
	saved = policy_yaml_push_key(y, "path");
	ret = parse_glob_path(y, v[0], PATHS_GLOB, out);
	policy_yaml_pop(y, saved);
	out->access = BUILTIN_RUNTIME_ACCESS;
	if (!ret && v[1]) {
		saved = policy_yaml_push_key(y, "access");
		ret = policy_value_access(y, v[1], &out->access);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

static int parse_paths(struct policy_yaml *y, yaml_node_t *n, enum path_kind kind,
		       struct policy_path **out, unsigned int *count)
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
		yaml_node_t *it = policy_yaml_node(y, items[i]);
		size_t saved = policy_yaml_push_index(y, i);

		ret = kind == PATHS_RUNTIME ? parse_runtime_path(y, it, &(*out)[i])
					    : parse_glob_path(y, it, kind, &(*out)[i]);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

static int paths_dup(const struct policy_path *src, unsigned int n, struct policy_path **out,
		     unsigned int *count)
{
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*count = n;
	for (unsigned int i = 0; i < n; i++) {
		(*out)[i].access = src[i].access;
		(*out)[i].glob = strdup(src[i].glob);
		if (!(*out)[i].glob)
			return -ENOMEM;
	}
	return 0;
}

/* ---- addresses ---- */

static int parse_metadata(struct policy_yaml *y, yaml_node_t *n, struct policy *p)
{
	yaml_node_item_t *items;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (ret || !cnt)
		return ret;
	p->metadata = calloc(cnt, sizeof(*p->metadata));
	if (!p->metadata)
		return -ENOMEM;
	p->nmetadata = (unsigned int)cnt;
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = policy_value_cidr(y, policy_yaml_node(y, items[i]), &p->metadata[i]);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

static int net_add(struct policy_server *s, const struct match_cidr *c,
		   const struct match_ports *ports)
{
	struct policy_net *v = realloc(s->egress, (s->negress + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->egress = v;
	memset(&v[s->negress], 0, sizeof(*v));
	v[s->negress].cidr = *c;
	v[s->negress].ports = *ports;
	s->negress++;
	return 0;
}

/* One policy_net per port or range named. */
static int parse_egress_ports(struct policy_yaml *y, yaml_node_t *n, struct policy_server *s,
			      const struct match_cidr *c)
{
	yaml_node_item_t *items;
	struct match_ports ports;
	const char *text;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (!ret && !cnt)
		ret = policy_yaml_fail(y, n, "expected at least one port (leave 'ports' out for "
				       "every port)");
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = policy_value_port(y, policy_yaml_node(y, items[i]), &ports, &text);
		policy_yaml_pop(y, saved);
		if (!ret)
			ret = net_add(s, c, &ports);
	}
	return ret;
}

static int parse_egress_entry(struct policy_yaml *y, yaml_node_t *n, struct policy_server *s)
{
	static const struct match_ports any = { PORT_MIN, PORT_MAX };
	yaml_node_t *v[ARRAY_LEN(egress_keys)];
	struct match_cidr cidr;
	size_t saved;
	int ret = policy_yaml_map(y, n, egress_keys, ARRAY_LEN(egress_keys), v, NULL);

	if (!ret)
		ret = policy_yaml_need(y, n, v[0], "cidr");
	if (ret)
		return ret;
	saved = policy_yaml_push_key(y, "cidr");
	ret = policy_value_cidr(y, v[0], &cidr);
	policy_yaml_pop(y, saved);
	if (ret)
		return ret;
	if (!v[1])
		return net_add(s, &cidr, &any);
	saved = policy_yaml_push_key(y, "ports");
	ret = parse_egress_ports(y, v[1], s, &cidr);
	policy_yaml_pop(y, saved);
	return ret;
}

static int parse_egress(struct policy_yaml *y, yaml_node_t *n, struct policy_server *s)
{
	yaml_node_item_t *items;
	size_t cnt;
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t saved = policy_yaml_push_index(y, i);

		ret = parse_egress_entry(y, policy_yaml_node(y, items[i]), s);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

/* ---- server sections ---- */

static int parse_match(struct policy_yaml *y, yaml_node_t *n, struct policy_selector *m)
{
	char list[LIST_LEN];
	char **dst[M__COUNT] = { &m->exe, &m->argv, &m->name, &m->container };
	yaml_node_t *v[M__COUNT];
	int ret = policy_yaml_map(y, n, match_keys, M__COUNT, v, NULL);
	bool any = false;

	for (unsigned int i = 0; !ret && i < M__COUNT; i++) {
		size_t saved;

		if (!v[i])
			continue;
		any = true;
		saved = policy_yaml_push_key(y, match_keys[i]);
		ret = policy_yaml_strdup(y, v[i], dst[i]);
		if (!ret)
			ret = policy_value_glob(y, v[i], *dst[i],
						i == M_EXE ? MATCH_GLOB_PATH : MATCH_GLOB_TEXT);
		policy_yaml_pop(y, saved);
	}
	if (!ret && !any) {
		policy_yaml_join(match_keys, M__COUNT, list, sizeof(list));
		ret = policy_yaml_fail(y, n, "expected at least one of: %s", list);
	}
	return ret;
}

static int flags_of(struct policy_yaml *y, yaml_node_t **v, struct policy_server *s,
		    const struct policy_server *base)
{
	int ret = 0;

	s->roots_from_args = base ? base->roots_from_args : BUILTIN_ROOTS_FROM_ARGS;
	s->roots_from_client = base ? base->roots_from_client : BUILTIN_ROOTS_FROM_CLIENT;
	s->startup_grace = base ? base->startup_grace : BUILTIN_STARTUP_GRACE;
	if (!ret && v[S_ARGS])
		ret = policy_value_bool_at(y, sec_keys[S_ARGS], v[S_ARGS], &s->roots_from_args);
	if (!ret && v[S_CLIENT])
		ret = policy_value_bool_at(y, sec_keys[S_CLIENT], v[S_CLIENT],
					   &s->roots_from_client);
	if (!ret && v[S_GRACE])
		ret = policy_value_bool_at(y, sec_keys[S_GRACE], v[S_GRACE], &s->startup_grace);
	return ret;
}

static int exec_of(struct policy_yaml *y, yaml_node_t *n, struct policy_server *s,
		   const struct policy_server *base)
{
	yaml_node_t *allow = NULL;
	size_t saved = policy_yaml_push_key(y, sec_keys[S_EXEC]);
	int ret = n ? policy_yaml_map(y, n, exec_keys, ARRAY_LEN(exec_keys), &allow, NULL) : 0;

	if (!ret && allow) {
		size_t inner = policy_yaml_push_key(y, exec_keys[0]);

		ret = parse_paths(y, allow, PATHS_GLOB, &s->exec_allow, &s->nexec_allow);
		policy_yaml_pop(y, inner);
	} else if (!ret && base) {
		ret = paths_dup(base->exec_allow, base->nexec_allow, &s->exec_allow,
				&s->nexec_allow);
	}
	policy_yaml_pop(y, saved);
	return ret;
}

/* Everything but name and match; absent fields come from base, or the built-ins. */
static int section_body(struct policy_yaml *y, yaml_node_t **v, const struct policy *p,
			struct policy_server *s, const struct policy_server *base)
{
	size_t saved;
	int ret = flags_of(y, v, s, base);

	if (!ret && v[S_ROOTS]) {
		saved = policy_yaml_push_key(y, sec_keys[S_ROOTS]);
		ret = parse_paths(y, v[S_ROOTS], PATHS_ROOT, &s->roots, &s->nroots);
		policy_yaml_pop(y, saved);
	} else if (!ret && base) {
		ret = paths_dup(base->roots, base->nroots, &s->roots, &s->nroots);
	}
	if (!ret)
		ret = exec_of(y, v[S_EXEC], s, base);
	if (!ret && v[S_EGRESS]) {
		saved = policy_yaml_push_key(y, sec_keys[S_EGRESS]);
		ret = parse_egress(y, v[S_EGRESS], s);
		policy_yaml_pop(y, saved);
	} else if (!ret && base && base->negress) {
		s->egress = malloc(base->negress * sizeof(*s->egress));
		if (!s->egress)
			return -ENOMEM;
		memcpy(s->egress, base->egress, base->negress * sizeof(*s->egress));
		s->negress = base->negress;
	}
	memcpy(s->rules, base ? base->rules : p->rules, sizeof(s->rules));
	if (!ret && v[S_RULES]) {
		saved = policy_yaml_push_key(y, sec_keys[S_RULES]);
		ret = policy_rules_apply(y, v[S_RULES], s->rules);
		policy_yaml_pop(y, saved);
	}
	if (!ret && v[S_EXCEPTIONS]) {
		saved = policy_yaml_push_key(y, sec_keys[S_EXCEPTIONS]);
		ret = policy_except_parse(y, v[S_EXCEPTIONS], &s->exceptions, &s->nexceptions);
		policy_yaml_pop(y, saved);
	} else if (!ret && base) {
		ret = policy_except_dup(base->exceptions, base->nexceptions, &s->exceptions,
					&s->nexceptions);
	}
	return ret;
}

static int parse_defaults(struct policy_yaml *y, yaml_node_t *key, yaml_node_t *n,
			  struct policy *p)
{
	yaml_node_t *v[S__COUNT] = { NULL };
	size_t saved = policy_yaml_push_key(y, top_keys[T_DEFAULTS]);
	int ret = 0;

	p->defaults.name = strdup(DEFAULTS_NAME);
	if (!p->defaults.name)
		ret = -ENOMEM;
	if (!ret && n) {
		p->defaults.line = (int)key->start_mark.line + 1;
		ret = policy_yaml_map(y, n, sec_keys + S_ARGS, S__COUNT - S_ARGS, v + S_ARGS,
				      NULL);
	}
	if (!ret)
		ret = section_body(y, v, p, &p->defaults, NULL);
	policy_yaml_pop(y, saved);
	return ret;
}

static int entry_name(struct policy_yaml *y, yaml_node_t *n, const struct policy *p,
		      unsigned int idx)
{
	struct policy_server *s = &p->servers[idx];
	size_t saved = policy_yaml_push_key(y, sec_keys[S_NAME]);
	int ret = policy_yaml_strdup(y, n, &s->name);

	if (!ret && !strcmp(s->name, DEFAULTS_NAME))
		ret = policy_yaml_fail(y, n, "'" DEFAULTS_NAME "' names the defaults section");
	for (unsigned int i = 0; !ret && i < idx; i++)
		if (!strcmp(p->servers[i].name, s->name))
			ret = policy_yaml_fail(y, n,
					       "duplicate server name '%s' (first at line %d)",
					       policy_yaml_q(y, s->name), p->servers[i].line);
	policy_yaml_pop(y, saved);
	return ret;
}

static int parse_entry(struct policy_yaml *y, yaml_node_t *n, struct policy *p,
		       unsigned int idx)
{
	struct policy_server *s = &p->servers[idx];
	yaml_node_t *v[S__COUNT];
	size_t saved;
	int ret = policy_yaml_map(y, n, sec_keys, S__COUNT, v, NULL);

	s->line = (int)n->start_mark.line + 1;
	if (!ret)
		ret = policy_yaml_need(y, n, v[S_NAME], sec_keys[S_NAME]);
	if (!ret)
		ret = policy_yaml_need(y, n, v[S_MATCH], sec_keys[S_MATCH]);
	if (!ret)
		ret = entry_name(y, v[S_NAME], p, idx);
	if (!ret) {
		saved = policy_yaml_push_key(y, sec_keys[S_MATCH]);
		ret = parse_match(y, v[S_MATCH], &s->match);
		policy_yaml_pop(y, saved);
	}
	if (!ret)
		ret = section_body(y, v, p, s, &p->defaults);
	return ret;
}

static int parse_servers(struct policy_yaml *y, yaml_node_t *n, struct policy *p)
{
	yaml_node_item_t *items;
	size_t cnt;
	size_t saved = policy_yaml_push_key(y, top_keys[T_SERVERS]);
	int ret = policy_yaml_seq(y, n, &items, &cnt);

	if (!ret && cnt) {
		p->servers = calloc(cnt, sizeof(*p->servers));
		ret = p->servers ? 0 : -ENOMEM;
	}
	if (!ret)
		p->nservers = (unsigned int)cnt;
	for (size_t i = 0; !ret && i < cnt; i++) {
		size_t at = policy_yaml_push_index(y, i);

		ret = parse_entry(y, policy_yaml_node(y, items[i]), p, (unsigned int)i);
		policy_yaml_pop(y, at);
	}
	policy_yaml_pop(y, saved);
	return ret;
}

/* ---- the document ---- */

static int parse_const(struct policy_yaml *y, yaml_node_t *n, const char *key, const char *want)
{
	size_t saved = policy_yaml_push_key(y, key);
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	if (!ret && strcmp(s, want))
		ret = policy_yaml_fail(y, n, "expected '%s', got '%s'", want, policy_yaml_q(y, s));
	policy_yaml_pop(y, saved);
	return ret;
}

static int parse_mode(struct policy_yaml *y, yaml_node_t *n, struct policy *p)
{
	static const char *const names[] = {
		[POLICY_MODE_MONITOR] = "monitor", [POLICY_MODE_ENFORCE] = "enforce",
	};
	char list[LIST_LEN];
	size_t saved = policy_yaml_push_key(y, top_keys[T_MODE]);
	unsigned int m = POLICY_MODE_MONITOR;
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	while (!ret && m < ARRAY_LEN(names) && strcmp(s, names[m]))
		m++;
	if (!ret && m < ARRAY_LEN(names)) {
		p->mode = (enum policy_mode)m;
	} else if (!ret) {
		policy_yaml_join(names + POLICY_MODE_MONITOR, ARRAY_LEN(names) - POLICY_MODE_MONITOR,
				 list, sizeof(list));
		ret = policy_yaml_fail(y, n, "unknown mode '%s' (expected one of: %s)",
				       policy_yaml_q(y, s), list);
	}
	policy_yaml_pop(y, saved);
	return ret;
}

static int parse_head(struct policy_yaml *y, yaml_node_t *root, yaml_node_t **v,
		      struct policy *p)
{
	unsigned long window = POLICY_WINDOW_DEFAULT_S;
	size_t saved;
	int ret = policy_yaml_need(y, root, v[T_API], top_keys[T_API]);

	if (!ret)
		ret = policy_yaml_need(y, root, v[T_KIND], top_keys[T_KIND]);
	if (!ret)
		ret = parse_const(y, v[T_API], top_keys[T_API], POLICY_API_VERSION);
	if (!ret)
		ret = parse_const(y, v[T_KIND], top_keys[T_KIND], POLICY_KIND);
	p->mode = POLICY_MODE_MONITOR;
	if (!ret && v[T_MODE])
		ret = parse_mode(y, v[T_MODE], p);
	if (!ret && v[T_WINDOW]) {
		saved = policy_yaml_push_key(y, top_keys[T_WINDOW]);
		ret = policy_yaml_uint(y, v[T_WINDOW], 1, POLICY_WINDOW_MAX_S, &window);
		policy_yaml_pop(y, saved);
	}
	p->window_s = (unsigned int)window;
	return ret;
}

static int parse_top_lists(struct policy_yaml *y, yaml_node_t **v, struct policy *p)
{
	size_t saved;
	int ret = 0;

	if (v[T_RUNTIME]) {
		saved = policy_yaml_push_key(y, top_keys[T_RUNTIME]);
		ret = parse_paths(y, v[T_RUNTIME], PATHS_RUNTIME, &p->runtime, &p->nruntime);
		policy_yaml_pop(y, saved);
	}
	if (!ret && v[T_SENSITIVE]) {
		saved = policy_yaml_push_key(y, top_keys[T_SENSITIVE]);
		ret = parse_paths(y, v[T_SENSITIVE], PATHS_GLOB, &p->sensitive, &p->nsensitive);
		policy_yaml_pop(y, saved);
	}
	if (!ret && v[T_METADATA]) {
		saved = policy_yaml_push_key(y, top_keys[T_METADATA]);
		ret = parse_metadata(y, v[T_METADATA], p);
		policy_yaml_pop(y, saved);
	}
	if (!ret && v[T_EXCEPTIONS]) {
		saved = policy_yaml_push_key(y, top_keys[T_EXCEPTIONS]);
		ret = policy_except_parse(y, v[T_EXCEPTIONS], &p->exceptions, &p->nexceptions);
		policy_yaml_pop(y, saved);
	}
	return ret;
}

/* Every layer read: the actions no layer gave, for the mode. */
static void resolve_actions(struct policy *p)
{
	policy_rules_resolve(p->rules, p->mode);
	policy_rules_resolve(p->defaults.rules, p->mode);
	for (unsigned int i = 0; i < p->nservers; i++)
		policy_rules_resolve(p->servers[i].rules, p->mode);
}

static int parse_top(struct policy_yaml *y, yaml_node_t *root, struct policy *p)
{
	yaml_node_t *v[T__COUNT], *k[T__COUNT];
	size_t saved;
	int ret = policy_yaml_map(y, root, top_keys, T__COUNT, v, k);

	if (!ret)
		ret = parse_head(y, root, v, p);
	policy_rules_init(p->rules);
	if (!ret && v[T_RULES]) {
		saved = policy_yaml_push_key(y, top_keys[T_RULES]);
		ret = policy_rules_apply(y, v[T_RULES], p->rules);
		policy_yaml_pop(y, saved);
	}
	if (!ret)
		ret = parse_top_lists(y, v, p);
	if (!ret)
		ret = parse_defaults(y, k[T_DEFAULTS], v[T_DEFAULTS], p);
	if (!ret && v[T_SERVERS])
		ret = parse_servers(y, v[T_SERVERS], p);
	if (!ret)
		resolve_actions(p);
	return ret;
}

struct policy *policy_parse(const char *text, size_t len, const char *source,
			    struct policy_error *err)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct policy_yaml y = { .loaded = false };
	int ret = p ? 0 : -ENOMEM;

	err->msg[0] = '\0';
	if (!ret) {
		p->source = strdup(source);
		ret = p->source ? 0 : -ENOMEM;
	}
	if (!ret)
		ret = policy_yaml_open(&y, text, len, source, err);
	if (!ret)
		ret = parse_top(&y, policy_yaml_root(&y), p);
	policy_yaml_close(&y);
	if (!ret)
		return p;
	if (ret == -ENOMEM)
		snprintf(err->msg, sizeof(err->msg), "%s:1:1: out of memory", source);
	policy_free(p);
	return NULL;
}
