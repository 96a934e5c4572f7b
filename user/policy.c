// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* policy: names, selection, the built-in default and freeing. Parsing is in policy_parse.c
 * (over policy_yaml.c), writing in policy_write.c. */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define BUILTIN_SOURCE "<built-in>"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const rule_names[POLICY_RULE__COUNT] = {
	[POLICY_EXEC_SPAWN] = "exec.spawn",
	[POLICY_EXEC_SHELL_INJECTION] = "exec.shell_injection",
	[POLICY_FILE_OUT_OF_SCOPE] = "file.out_of_scope",
	[POLICY_FILE_SENSITIVE] = "file.sensitive",
	[POLICY_NET_EGRESS] = "net.egress",
	[POLICY_NET_METADATA] = "net.metadata",
	[POLICY_NET_LISTEN_WILDCARD] = "net.listen_wildcard",
	[POLICY_NET_REMOTE_PEER] = "net.remote_peer",
};

const char *policy_rule_name(enum policy_rule r)
{
	return (unsigned int)r < POLICY_RULE__COUNT ? rule_names[r] : NULL;
}

int policy_rule_from_name(const char *s)
{
	for (unsigned int i = 0; i < POLICY_RULE__COUNT; i++)
		if (!strcmp(rule_names[i], s))
			return (int)i;
	return -1;
}

const char *policy_severity_name(enum policy_severity s)
{
	static const char *const names[] = {
		[POLICY_SEV_LOW] = "low", [POLICY_SEV_MEDIUM] = "medium",
		[POLICY_SEV_HIGH] = "high", [POLICY_SEV_CRITICAL] = "critical",
	};

	return (unsigned int)s < ARRAY_LEN(names) ? names[s] : NULL;
}

const char *policy_action_name(enum policy_action a)
{
	static const char *const names[] = {
		[POLICY_ACTION_ALERT] = "alert", [POLICY_ACTION_DENY] = "deny",
		[POLICY_ACTION_KILL] = "kill",
	};

	return (unsigned int)a < ARRAY_LEN(names) ? names[a] : NULL;
}

const char *policy_scope_name(enum policy_scope s)
{
	static const char *const names[] = {
		[POLICY_SCOPE_PROCESS] = "process", [POLICY_SCOPE_SERVER] = "server",
	};

	return (unsigned int)s < ARRAY_LEN(names) ? names[s] : NULL;
}

/* The rules whose event can be refused without killing: a connect or a bind. */
static bool deniable(enum policy_rule r)
{
	return r == POLICY_NET_EGRESS || r == POLICY_NET_METADATA ||
	       r == POLICY_NET_LISTEN_WILDCARD;
}

enum policy_action policy_enforcing_action(enum policy_rule r)
{
	if ((unsigned int)r >= POLICY_RULE__COUNT)
		return POLICY_ACTION_ALERT;
	return deniable(r) ? POLICY_ACTION_DENY : POLICY_ACTION_KILL;
}

bool policy_action_valid(enum policy_rule r, enum policy_action a)
{
	if ((unsigned int)r >= POLICY_RULE__COUNT)
		return false;
	switch (a) {
	case POLICY_ACTION_ALERT:
	case POLICY_ACTION_KILL:
		return true;
	case POLICY_ACTION_DENY:
		return deniable(r);
	default:
		return false;
	}
}

bool policy_enforces(const struct policy *p, const struct policy_rule_cfg *c)
{
	return p->mode == POLICY_MODE_ENFORCE && c->action != POLICY_ACTION_ALERT;
}

const char *policy_field_name(enum policy_field f)
{
	static const char *const names[POLICY_F__COUNT] = {
		[POLICY_F_PROC_EXE] = "proc.exe", [POLICY_F_PROC_COMM] = "proc.comm",
		[POLICY_F_PROC_CMDLINE] = "proc.cmdline", [POLICY_F_FILE_PATH] = "file.path",
		[POLICY_F_NET_ADDR] = "net.addr", [POLICY_F_NET_PORT] = "net.port",
		[POLICY_F_TOOL_NAME] = "tool.name", [POLICY_F_SERVER_NAME] = "server.name",
	};

	return (unsigned int)f < POLICY_F__COUNT ? names[f] : NULL;
}

/* ---- selection ---- */

static bool selects(const char *glob, const char *fact, enum match_glob_mode mode)
{
	return !glob || (fact && match_glob(glob, fact, mode));
}

const struct policy_server *policy_select(const struct policy *p,
					  const struct policy_server_facts *f)
{
	for (unsigned int i = 0; i < p->nservers; i++) {
		const struct policy_selector *m = &p->servers[i].match;

		if (selects(m->exe, f->exe, MATCH_GLOB_PATH) &&
		    selects(m->argv, f->cmdline, MATCH_GLOB_TEXT) &&
		    selects(m->name, f->name, MATCH_GLOB_TEXT) &&
		    selects(m->container, f->container, MATCH_GLOB_TEXT))
			return &p->servers[i];
	}
	return &p->defaults;
}

/* ---- the built-in default ---- */

struct policy *policy_default(struct policy_error *err)
{
	return policy_parse(policy_default_yaml, policy_default_yaml_len, BUILTIN_SOURCE, err);
}

/* ---- freeing ---- */

static void paths_free(struct policy_path *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		free(v[i].glob);
	free(v);
}

static void exceptions_free(struct policy_exception *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = 0; j < v[i].nrows * v[i].nfields; j++)
			free(v[i].values[j]);
		free(v[i].values);
		free(v[i].name);
	}
	free(v);
}

static void server_free(struct policy_server *s)
{
	free(s->name);
	free(s->match.exe);
	free(s->match.argv);
	free(s->match.name);
	free(s->match.container);
	paths_free(s->roots, s->nroots);
	paths_free(s->exec_allow, s->nexec_allow);
	free(s->egress);
	exceptions_free(s->exceptions, s->nexceptions);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->source);
	paths_free(p->runtime, p->nruntime);
	paths_free(p->sensitive, p->nsensitive);
	free(p->metadata);
	server_free(&p->defaults);
	for (unsigned int i = 0; i < p->nservers; i++)
		server_free(&p->servers[i]);
	free(p->servers);
	exceptions_free(p->exceptions, p->nexceptions);
	free(p);
}
