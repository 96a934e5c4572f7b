// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of the policy modules: the built-in default, merging of server entries with the
 * defaults section, selection, writing and reading back, and every error message. What
 * actions, scopes and mode enforce resolve to is in test_policy_enforce.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy.h"
#include "unit.h"

#define SRC       "p.yaml"
#define HDR       "apiVersion: mcpwarden.dev/v1\nkind: Policy\n"
#define REASON    128
#define WANT_LEN  (POLICY_ERR_LEN + REASON)
#define CIDR_LEN  64
#define X10       "xxxxxxxxxx"
#define X79       X10 X10 X10 X10 X10 X10 X10 "xxxxxxxxx"
#define X80       X79 "x"

static struct policy *parse(const char *text)
{
	struct policy_error err;
	struct policy *p = policy_parse(text, strlen(text), SRC, &err);

	if (!p)
		unit_fail(__FILE__, __LINE__, "parse failed: %s", err.msg);
	return p;
}

static int rule(const char *name)
{
	return policy_rule_from_name(name);
}

static const char *cidr_str(const struct match_cidr *c, char *buf)
{
	match_cidr_format(c, buf, CIDR_LEN);
	return buf;
}

static const struct policy_server *server(const struct policy *p, const char *name)
{
	for (unsigned int i = 0; i < p->nservers; i++)
		if (!strcmp(p->servers[i].name, name))
			return &p->servers[i];
	unit_fail(__FILE__, __LINE__, "no server entry '%s'", name);
	return NULL;
}

/* Field by field: the structs have padding. */
static bool same_rules(const struct policy_rule_cfg *a, const struct policy_rule_cfg *b)
{
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		if (a[r].enabled != b[r].enabled || a[r].severity != b[r].severity ||
		    a[r].action != b[r].action || a[r].scope != b[r].scope)
			return false;
	return true;
}

static bool same_nets(const struct policy_net *a, const struct policy_net *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (memcmp(&a[i].cidr, &b[i].cidr, sizeof(a[i].cidr)) ||
		    a[i].ports.lo != b[i].ports.lo || a[i].ports.hi != b[i].ports.hi)
			return false;
	return true;
}

/* ---- names ---- */

static void test_names(void)
{
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		CHECK_EQ(policy_rule_from_name(policy_rule_name(r)), r);
	CHECK_STR(policy_rule_name(POLICY_EXEC_SHELL_INJECTION), "exec.shell_injection");
	CHECK_STR(policy_rule_name(POLICY_NET_REMOTE_PEER), "net.remote_peer");
	CHECK_STR(policy_rule_name(POLICY_RULE__COUNT), NULL);
	CHECK_EQ(policy_rule_from_name("exec"), -1);
	CHECK_EQ(policy_rule_from_name(""), -1);
	CHECK_STR(policy_severity_name(POLICY_SEV_LOW), "low");
	CHECK_STR(policy_severity_name(POLICY_SEV_CRITICAL), "critical");
	CHECK_STR(policy_severity_name(0), NULL);
	CHECK_STR(policy_action_name(POLICY_ACTION_ALERT), "alert");
	CHECK_STR(policy_action_name(POLICY_ACTION_DENY), "deny");
	CHECK_STR(policy_action_name(POLICY_ACTION_KILL), "kill");
	CHECK_STR(policy_action_name(0), NULL);
	CHECK_STR(policy_action_name(POLICY_ACTION_KILL + 1), NULL);
	CHECK_STR(policy_scope_name(POLICY_SCOPE_PROCESS), "process");
	CHECK_STR(policy_scope_name(POLICY_SCOPE_SERVER), "server");
	CHECK_STR(policy_scope_name(0), NULL);
	CHECK_STR(policy_scope_name(POLICY_SCOPE_SERVER + 1), NULL);
	CHECK_STR(policy_field_name(POLICY_F_PROC_EXE), "proc.exe");
	CHECK_STR(policy_field_name(POLICY_F_SERVER_NAME), "server.name");
	CHECK_STR(policy_field_name(0), NULL);
	CHECK_STR(policy_field_name(POLICY_F__COUNT), NULL);
}

/* ---- the built-in default ---- */

static void test_default_embedded(void)
{
	CHECK(policy_default_yaml_len > 0);
	CHECK_EQ(strlen(policy_default_yaml), policy_default_yaml_len);
	CHECK(!strncmp(policy_default_yaml, "# mcpwarden built-in default policy", 35));
	CHECK_EQ(policy_default_yaml[policy_default_yaml_len - 1], '\n');
}

static void test_default_top(void)
{
	struct policy_error err;
	struct policy *p = policy_default(&err);
	char buf[CIDR_LEN];

	CHECK(p);
	if (!p)
		return;
	CHECK_STR(p->source, "<built-in>");
	CHECK_EQ(p->mode, POLICY_MODE_MONITOR);
	CHECK_EQ(p->window_s, 60);
	CHECK_EQ(p->nruntime, 44);
	CHECK_STR(p->runtime[0].glob, "/usr/**");
	CHECK_EQ(p->runtime[0].access, POLICY_ACCESS_READ);
	CHECK_STR(p->runtime[9].glob, "/etc/locale.alias");
	CHECK_STR(p->runtime[25].glob, "/dev/null");
	CHECK_EQ(p->runtime[25].access, POLICY_ACCESS_ANY);
	CHECK_STR(p->runtime[31].glob, "$RUNTIME_PREFIX/**");
	CHECK_STR(p->runtime[32].glob, "$SERVER_PACKAGE/**");
	CHECK_EQ(p->runtime[32].access, POLICY_ACCESS_ANY);
	CHECK_EQ(p->nsensitive, 27);
	CHECK_STR(p->sensitive[0].glob, "**/.ssh/**");
	CHECK_EQ(p->sensitive[0].access, POLICY_ACCESS_ANY);
	CHECK_STR(p->sensitive[11].glob, "/etc/shadow");
	CHECK_EQ(p->nmetadata, 2);
	if (p->nmetadata == 2) {
		CHECK_STR(cidr_str(&p->metadata[0], buf), "169.254.0.0/16");
		CHECK_STR(cidr_str(&p->metadata[1], buf), "fd00:ec2::254/128");
	}
	CHECK_EQ(p->nexceptions, 0);
	policy_free(p);
}

static void test_default_rules(void)
{
	static const struct {
		const char *rule;
		enum policy_severity sev;
	} want[] = {
		{ "exec.spawn", POLICY_SEV_MEDIUM },
		{ "exec.shell_injection", POLICY_SEV_CRITICAL },
		{ "file.out_of_scope", POLICY_SEV_HIGH },
		{ "file.sensitive", POLICY_SEV_CRITICAL },
		{ "net.egress", POLICY_SEV_MEDIUM },
		{ "net.metadata", POLICY_SEV_CRITICAL },
		{ "net.listen_wildcard", POLICY_SEV_HIGH },
		{ "net.remote_peer", POLICY_SEV_HIGH },
	};
	struct policy_error err;
	struct policy *p = policy_default(&err);

	CHECK(p);
	if (!p)
		return;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct policy_rule_cfg *c = &p->rules[rule(want[i].rule)];

		CHECK(c->enabled);
		CHECK_EQ(c->severity, want[i].sev);
		CHECK_EQ(c->action, POLICY_ACTION_ALERT);
		CHECK_EQ(c->scope, POLICY_SCOPE_PROCESS);
		CHECK(!policy_enforces(p, c));
		CHECK_EQ(p->defaults.rules[rule(want[i].rule)].severity, want[i].sev);
	}
	policy_free(p);
}

static void test_default_servers(void)
{
	struct policy_error err;
	struct policy *p = policy_default(&err);
	const struct policy_server *d, *fs;
	char buf[CIDR_LEN];

	CHECK(p);
	if (!p)
		return;
	d = &p->defaults;
	CHECK_STR(d->name, "defaults");
	CHECK(d->line > 0);
	CHECK(!d->roots_from_args);
	CHECK(d->roots_from_client);
	CHECK(d->startup_grace);
	CHECK_EQ(d->nroots, 0);
	CHECK_EQ(d->nexec_allow, 0);
	CHECK_EQ(d->negress, 2);
	CHECK_STR(cidr_str(&d->egress[0].cidr, buf), "0.0.0.0/0");
	CHECK_STR(cidr_str(&d->egress[1].cidr, buf), "::/0");
	CHECK_EQ(d->egress[1].ports.lo, 53);
	CHECK_EQ(d->egress[1].ports.hi, 53);
	CHECK_EQ(p->nservers, 1);
	fs = server(p, "filesystem");
	if (fs) {
		CHECK_STR(fs->match.argv, "*server-filesystem*");
		CHECK_STR(fs->match.exe, NULL);
		CHECK(fs->roots_from_args);
		CHECK(fs->roots_from_client);   /* inherited */
		CHECK(fs->startup_grace);       /* inherited */
		CHECK_EQ(fs->negress, 2);       /* inherited */
		CHECK(fs->negress == 2 && same_nets(fs->egress, d->egress, 2));
		CHECK(same_rules(fs->rules, p->rules));
		CHECK(fs->line > d->line);      /* servers come after defaults in the file */
	}
	policy_free(p);
}

/* ---- built-ins and merging ---- */

static void test_minimal(void)
{
	struct policy *p = parse(HDR);

	if (!p)
		return;
	CHECK_STR(p->source, SRC);
	CHECK_EQ(p->mode, POLICY_MODE_MONITOR);
	CHECK_EQ(p->window_s, POLICY_WINDOW_DEFAULT_S);
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++) {
		CHECK(p->rules[r].enabled);
		CHECK_EQ(p->rules[r].severity, POLICY_SEV_MEDIUM);
		CHECK_EQ(p->rules[r].action, POLICY_ACTION_ALERT);
		CHECK_EQ(p->rules[r].scope, POLICY_SCOPE_PROCESS);
	}
	CHECK_EQ(p->nruntime + p->nsensitive + p->nmetadata + p->nservers + p->nexceptions, 0);
	CHECK_STR(p->defaults.name, "defaults");
	CHECK_EQ(p->defaults.line, 0);
	CHECK(!p->defaults.roots_from_args);
	CHECK(p->defaults.roots_from_client);
	CHECK(p->defaults.startup_grace);
	CHECK_EQ(p->defaults.nroots + p->defaults.nexec_allow + p->defaults.negress, 0);
	CHECK_EQ(p->defaults.nexceptions, 0);
	CHECK(same_rules(p->defaults.rules, p->rules));
	policy_free(p);
}

/* Keys in any order, defaults after servers, strings that need escapes when written; mode
 * enforce, with actions given in some layers and left to the enforcing defaults in others. */
static const char rich[] =
	"# a policy that uses every field\n"
	"servers:\n"
	"  - name: \"web \\\"fetch\\\" \\u00e9\\t\\\\ \\U0001F600\"\n"
	"    match: { exe: \"**/node\", argv: \"*mcp-server-fetch*\" }\n"
	"    egress:\n"
	"      - { cidr: 0.0.0.0/0, ports: [443, \"8000-8100\"] }\n"
	"      - { cidr: \"2001:db8::/32\" }\n"
	"    rules:\n"
	"      net.egress: { severity: high, action: deny }\n"
	"      exec.spawn: { scope: process }\n"
	"  - name: github\n"
	"    match: { name: \"github*\", container: \"\" }\n"
	"    rules:\n"
	"      file.sensitive: { action: kill }\n"
	"    roots: []\n"
	"    exec: { allow: [] }\n"
	"    rootsFromClient: false\n"
	"    exceptions: []\n"
	"  - name: py\n"
	"    match: { exe: \"/usr/bin/python3*\", argv: \"* -m *\" }\n"
	"    startupGrace: false\n"
	"    exec: {}\n"
	"defaults:\n"
	"  rootsFromArgs: true\n"
	"  roots: [/srv/data, \"$HOME/projects\", $HOME]\n"
	"  exec:\n"
	"    allow: [/usr/bin/git, \"$RUNTIME_PREFIX/bin/*\"]\n"
	"  egress:\n"
	"    - { cidr: 10.0.0.0/8 }\n"
	"    - { cidr: \"::1\", ports: [53] }\n"
	"  rules:\n"
	"    exec.spawn: { enabled: false }\n"
	"    file.out_of_scope: { severity: low }\n"
	"    file.sensitive: { action: alert, scope: server }\n"
	"    net.egress: { action: alert }\n"
	"  exceptions:\n"
	"    - name: git over ssh\n"
	"      rule: exec.spawn\n"
	"      fields: [proc.exe, proc.cmdline]\n"
	"      values:\n"
	"        - [/usr/bin/ssh, \"ssh -o * git@github.com *\"]\n"
	"apiVersion: mcpwarden.dev/v1\n"
	"kind: Policy\n"
	"alertWindow: 300\n"
	"mode: enforce\n"
	"rules:\n"
	"  exec.spawn: { severity: high, scope: server }\n"
	"  net.remote_peer: { enabled: false, severity: low, action: alert }\n"
	"  net.metadata: { action: kill }\n"
	"runtime:\n"
	"  - { path: \"/tmp/**\", access: write }\n"
	"  - { path: \"$SERVER_PACKAGE/**\", access: any }\n"
	"  - { path: \"**/.cache/**\" }\n"
	"  - path: $HOME\n"
	"sensitive: [\"**/.ssh/**\", /etc/shadow]\n"
	"metadata: [169.254.169.254, \"fd00:ec2::254\", 100.100.100.200/32,\n"
	"           \"::ffff:10.0.0.0/104\"]\n"
	"exceptions:\n"
	"  - name: local dns\n"
	"    rule: net.egress\n"
	"    fields: [net.addr, net.port, server.name]\n"
	"    values:\n"
	"      - [127.0.0.53, 53, \"*\"]\n"
	"      - [\"::1/128\", \"53-54\", \"dns*\"]\n"
	"  - name: \"\"\n"
	"    rule: file.sensitive\n"
	"    fields: [tool.name, file.path, proc.comm, proc.exe]\n"
	"    values: []\n";

#define WEB_NAME "web \"fetch\" \xc3\xa9\t\\ \xf0\x9f\x98\x80"

static void test_merge_top(void)
{
	struct policy *p = parse(rich);
	char buf[CIDR_LEN];

	if (!p)
		return;
	CHECK_EQ(p->window_s, 300);
	CHECK_EQ(p->mode, POLICY_MODE_ENFORCE);
	CHECK_EQ(p->rules[POLICY_EXEC_SPAWN].severity, POLICY_SEV_HIGH);
	CHECK(p->rules[POLICY_EXEC_SPAWN].enabled);
	CHECK_EQ(p->rules[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_SERVER);
	CHECK_EQ(p->rules[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);  /* enforcing default */
	CHECK_EQ(p->rules[POLICY_NET_EGRESS].action, POLICY_ACTION_DENY);  /* enforcing default */
	CHECK_EQ(p->rules[POLICY_NET_METADATA].action, POLICY_ACTION_KILL);        /* given */
	CHECK(!p->rules[POLICY_NET_REMOTE_PEER].enabled);
	CHECK_EQ(p->rules[POLICY_NET_REMOTE_PEER].severity, POLICY_SEV_LOW);
	CHECK_EQ(p->rules[POLICY_NET_REMOTE_PEER].action, POLICY_ACTION_ALERT);    /* given */
	CHECK_EQ(p->rules[POLICY_NET_REMOTE_PEER].scope, POLICY_SCOPE_PROCESS);
	CHECK_EQ(p->nruntime, 4);
	CHECK_EQ(p->runtime[0].access, POLICY_ACCESS_WRITE);
	CHECK_EQ(p->runtime[1].access, POLICY_ACCESS_ANY);
	CHECK_EQ(p->runtime[2].access, POLICY_ACCESS_READ);        /* access left out */
	CHECK_STR(p->runtime[3].glob, "$HOME");
	CHECK_EQ(p->nmetadata, 4);
	CHECK_STR(cidr_str(&p->metadata[0], buf), "169.254.169.254/32");
	CHECK_STR(cidr_str(&p->metadata[3], buf), "10.0.0.0/8");
	CHECK_EQ(p->nexceptions, 2);
	if (p->nexceptions == 2) {
		const struct policy_exception *e = &p->exceptions[0];

		CHECK_STR(e->name, "local dns");
		CHECK_EQ(e->rule, POLICY_NET_EGRESS);
		CHECK_EQ(e->nfields, 3);
		CHECK_EQ(e->fields[1], POLICY_F_NET_PORT);
		CHECK_EQ(e->nrows, 2);
		CHECK_STR(e->values[1], "53");          /* an integer, kept as text */
		CHECK_STR(e->values[4], "53-54");
		CHECK_STR(e->values[5], "dns*");
		CHECK_STR(p->exceptions[1].name, "");
		CHECK_EQ(p->exceptions[1].nrows, 0);
		CHECK_EQ(p->exceptions[1].nfields, 4);
	}
	policy_free(p);
}

static void test_merge_defaults(void)
{
	struct policy *p = parse(rich);
	const struct policy_server *d;

	if (!p)
		return;
	d = &p->defaults;
	CHECK(d->roots_from_args);
	CHECK(d->roots_from_client);
	CHECK_EQ(d->nroots, 3);
	CHECK_STR(d->roots[2].glob, "$HOME");
	CHECK_EQ(d->nexec_allow, 2);
	CHECK_EQ(d->negress, 2);
	CHECK_EQ(d->egress[0].ports.lo, 0);     /* no ports: every port */
	CHECK_EQ(d->egress[0].ports.hi, 65535);
	/* global, then the defaults' overrides, field by field */
	CHECK(!d->rules[POLICY_EXEC_SPAWN].enabled);
	CHECK_EQ(d->rules[POLICY_EXEC_SPAWN].severity, POLICY_SEV_HIGH);
	CHECK_EQ(d->rules[POLICY_FILE_OUT_OF_SCOPE].severity, POLICY_SEV_LOW);
	CHECK(!d->rules[POLICY_NET_REMOTE_PEER].enabled);
	CHECK_EQ(d->rules[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);
	CHECK_EQ(d->rules[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_SERVER);
	CHECK_EQ(d->rules[POLICY_FILE_SENSITIVE].action, POLICY_ACTION_ALERT);
	CHECK_EQ(d->rules[POLICY_FILE_SENSITIVE].scope, POLICY_SCOPE_SERVER);
	CHECK_EQ(d->rules[POLICY_NET_EGRESS].action, POLICY_ACTION_ALERT);
	CHECK_EQ(d->rules[POLICY_NET_METADATA].action, POLICY_ACTION_KILL);
	CHECK_EQ(d->rules[POLICY_NET_LISTEN_WILDCARD].action, POLICY_ACTION_DENY);
	CHECK_EQ(d->nexceptions, 1);
	CHECK_EQ(d->line, 23);
	policy_free(p);
}

static void test_merge_entries(void)
{
	struct policy *p = parse(rich);
	const struct policy_server *web, *gh, *py;

	if (!p)
		return;
	web = server(p, WEB_NAME);
	gh = server(p, "github");
	py = server(p, "py");
	if (web) {
		CHECK_EQ(web->line, 3);
		CHECK(web->roots_from_args);                    /* inherited */
		CHECK_EQ(web->nroots, 3);
		CHECK_STR(web->roots[1].glob, "$HOME/projects");
		CHECK_EQ(web->nexec_allow, 2);
		CHECK_EQ(web->negress, 3);                      /* one per port or range */
		CHECK_EQ(web->egress[0].ports.lo, 443);
		CHECK_EQ(web->egress[1].ports.lo, 8000);
		CHECK_EQ(web->egress[1].ports.hi, 8100);
		CHECK_EQ(web->egress[2].ports.hi, 65535);
		CHECK(!web->rules[POLICY_EXEC_SPAWN].enabled);  /* defaults' override */
		CHECK_EQ(web->rules[POLICY_EXEC_SPAWN].severity, POLICY_SEV_HIGH);  /* global */
		CHECK_EQ(web->rules[POLICY_NET_EGRESS].severity, POLICY_SEV_HIGH);  /* its own */
		CHECK_EQ(web->rules[POLICY_FILE_OUT_OF_SCOPE].severity, POLICY_SEV_LOW);
		CHECK_EQ(web->rules[POLICY_NET_EGRESS].action, POLICY_ACTION_DENY);    /* its own */
		CHECK_EQ(web->rules[POLICY_EXEC_SPAWN].scope, POLICY_SCOPE_PROCESS);   /* its own */
		CHECK_EQ(web->rules[POLICY_EXEC_SPAWN].action, POLICY_ACTION_KILL);
		CHECK_EQ(web->rules[POLICY_FILE_SENSITIVE].action, POLICY_ACTION_ALERT);
		CHECK_EQ(web->rules[POLICY_FILE_SENSITIVE].scope, POLICY_SCOPE_SERVER);
		CHECK_EQ(web->nexceptions, 1);
		if (web->nexceptions)
			CHECK_STR(web->exceptions[0].values[1], "ssh -o * git@github.com *");
	}
	if (gh) {
		CHECK_EQ(gh->nroots + gh->nexec_allow + gh->nexceptions, 0);  /* [] replaces */
		CHECK(!gh->roots_from_client);
		CHECK_EQ(gh->negress, 2);
		CHECK_STR(gh->match.container, "");
		CHECK_STR(gh->match.exe, NULL);
		CHECK_EQ(gh->rules[POLICY_FILE_SENSITIVE].action, POLICY_ACTION_KILL);
		CHECK_EQ(gh->rules[POLICY_FILE_SENSITIVE].scope, POLICY_SCOPE_SERVER);
		CHECK_EQ(gh->rules[POLICY_NET_EGRESS].action, POLICY_ACTION_ALERT);
	}
	if (py) {
		CHECK(!py->startup_grace);
		CHECK_EQ(py->nexec_allow, 2);                   /* exec: {} keeps the allow list */
		CHECK(same_rules(py->rules, p->defaults.rules));
	}
	policy_free(p);
}

/* ---- selection ---- */

static const char selecting[] = HDR
	"servers:\n"
	"  - { name: py, match: { exe: \"/usr/bin/python3*\" } }\n"
	"  - { name: gh, match: { exe: \"**/node\", argv: \"*server-github*\" } }\n"
	"  - { name: named, match: { name: \"github*\" } }\n"
	"  - { name: boxed, match: { container: \"?*\" } }\n"
	"  - { name: host-fs, match: { argv: \"*server-filesystem*\", container: \"\" } }\n";

static const char *selected(const struct policy *p, const char *exe, const char *cmdline,
			    const char *name, const char *container)
{
	struct policy_server_facts f = { exe, cmdline, name, container };

	return policy_select(p, &f)->name;
}

static void test_select(void)
{
	struct policy *p = parse(selecting);

	if (!p)
		return;
	CHECK_STR(selected(p, "/usr/bin/python3.11", "python3 -m srv", NULL, ""), "py");
	CHECK_STR(selected(p, "/usr/bin/python2", "python2 srv", NULL, ""), "defaults");
	CHECK_STR(selected(p, "/usr/bin/node", "node /x/server-github/index.js", NULL, ""), "gh");
	/* every selector given must match */
	CHECK_STR(selected(p, "/usr/bin/deno", "deno /x/server-github", NULL, ""), "defaults");
	/* a name selector does not match while the name is unknown */
	CHECK_STR(selected(p, "/usr/bin/deno", "deno x", NULL, ""), "defaults");
	CHECK_STR(selected(p, "/usr/bin/deno", "deno x", "github-mcp", ""), "named");
	/* first match wins */
	CHECK_STR(selected(p, "/usr/bin/node", "node server-github", "github", "abc"), "gh");
	CHECK_STR(selected(p, "/usr/bin/node", "node s", "other", "4f2a9c"), "boxed");
	CHECK_STR(selected(p, "/usr/bin/node", "npx server-filesystem /d", NULL, ""), "host-fs");
	CHECK_STR(selected(p, "/usr/bin/node", "npx server-filesystem /d", NULL, "4f2a9c"),
		  "boxed");
	/* unknown facts match no selector that needs them */
	CHECK_STR(selected(p, NULL, NULL, NULL, NULL), "defaults");
	CHECK(policy_select(p, &(struct policy_server_facts){ NULL, NULL, NULL, NULL }) ==
	      &p->defaults);
	policy_free(p);
}

static void test_select_none(void)
{
	struct policy *p = parse(HDR);
	struct policy_server_facts f = { "/usr/bin/node", "node x", "x", "" };

	if (!p)
		return;
	CHECK(policy_select(p, &f) == &p->defaults);
	policy_free(p);
}

/* ---- writing ---- */

/* policy_write() into a string (free() it); NULL on failure. */
static char *written(const struct policy *p, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	if (policy_write(p, f)) {
		unit_fail(__FILE__, __LINE__, "policy_write failed");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static void check_same_paths(const struct policy_path *a, unsigned int na,
			     const struct policy_path *b, unsigned int nb)
{
	CHECK_EQ(na, nb);
	for (unsigned int i = 0; i < na && i < nb; i++) {
		CHECK_STR(a[i].glob, b[i].glob);
		CHECK_EQ(a[i].access, b[i].access);
	}
}

static void check_same_exceptions(const struct policy_exception *a, unsigned int na,
				  const struct policy_exception *b, unsigned int nb)
{
	CHECK_EQ(na, nb);
	for (unsigned int i = 0; i < na && i < nb; i++) {
		CHECK_STR(a[i].name, b[i].name);
		CHECK_EQ(a[i].rule, b[i].rule);
		CHECK_EQ(a[i].nfields, b[i].nfields);
		CHECK_EQ(a[i].nrows, b[i].nrows);
		CHECK(!memcmp(a[i].fields, b[i].fields, sizeof(a[i].fields)));
		if (a[i].nfields != b[i].nfields || a[i].nrows != b[i].nrows)
			continue;
		for (unsigned int j = 0; j < a[i].nrows * a[i].nfields; j++)
			CHECK_STR(a[i].values[j], b[i].values[j]);
	}
}

/* Field by field; source and line say where, not what, and are left out. */
static void check_same_server(const struct policy_server *a, const struct policy_server *b)
{
	CHECK_STR(a->name, b->name);
	CHECK_STR(a->match.exe, b->match.exe);
	CHECK_STR(a->match.argv, b->match.argv);
	CHECK_STR(a->match.name, b->match.name);
	CHECK_STR(a->match.container, b->match.container);
	check_same_paths(a->roots, a->nroots, b->roots, b->nroots);
	CHECK_EQ(a->roots_from_args, b->roots_from_args);
	CHECK_EQ(a->roots_from_client, b->roots_from_client);
	CHECK_EQ(a->startup_grace, b->startup_grace);
	check_same_paths(a->exec_allow, a->nexec_allow, b->exec_allow, b->nexec_allow);
	CHECK_EQ(a->negress, b->negress);
	if (a->negress == b->negress)
		CHECK(same_nets(a->egress, b->egress, a->negress));
	CHECK(same_rules(a->rules, b->rules));
	check_same_exceptions(a->exceptions, a->nexceptions, b->exceptions, b->nexceptions);
}

static void check_same_policy(const struct policy *a, const struct policy *b)
{
	CHECK_EQ(a->mode, b->mode);
	CHECK_EQ(a->window_s, b->window_s);
	CHECK(same_rules(a->rules, b->rules));
	check_same_paths(a->runtime, a->nruntime, b->runtime, b->nruntime);
	check_same_paths(a->sensitive, a->nsensitive, b->sensitive, b->nsensitive);
	CHECK_EQ(a->nmetadata, b->nmetadata);
	if (a->nmetadata == b->nmetadata)
		CHECK(!a->nmetadata ||
		      !memcmp(a->metadata, b->metadata, a->nmetadata * sizeof(*a->metadata)));
	check_same_server(&a->defaults, &b->defaults);
	CHECK_EQ(a->nservers, b->nservers);
	for (unsigned int i = 0; i < a->nservers && i < b->nservers; i++)
		check_same_server(&a->servers[i], &b->servers[i]);
	check_same_exceptions(a->exceptions, a->nexceptions, b->exceptions, b->nexceptions);
}

/* Parse, write, parse the output, write again: same policy, same bytes. */
static void check_round_trip(struct policy *p)
{
	struct policy_error err;
	struct policy *q = NULL;
	size_t n1 = 0, n2 = 0;
	char *one = written(p, &n1), *two = NULL;

	if (one) {
		q = policy_parse(one, n1, "written.yaml", &err);
		if (!q)
			unit_fail(__FILE__, __LINE__, "written policy does not parse: %s\n%s",
				  err.msg, one);
	}
	if (q) {
		check_same_policy(p, q);
		two = written(q, &n2);
		if (two)
			CHECK_MEM(one, n1, two, n2);
	}
	free(one);
	free(two);
	policy_free(q);
}

static void test_round_trip_default(void)
{
	struct policy_error err;
	struct policy *p = policy_default(&err);

	CHECK(p);
	if (p)
		check_round_trip(p);
	policy_free(p);
}

static void test_round_trip_rich(void)
{
	struct policy *p = parse(rich);

	if (p)
		check_round_trip(p);
	policy_free(p);
}

static void test_round_trip_minimal(void)
{
	struct policy *p = parse(HDR);

	if (p)
		check_round_trip(p);
	policy_free(p);
}

/* Mode, action and scope of every rule are written: mode monitor keeps kill and deny as given,
 * mode enforce writes the actions it resolved. */
static void test_write_actions(void)
{
	struct policy *mon = parse(HDR "rules:\n  exec.spawn: { action: kill, scope: server }\n"
				   "defaults:\n  rules:\n    net.egress: { action: deny }\n");
	struct policy *enf = parse(rich);
	size_t n;
	char *out = mon ? written(mon, &n) : NULL;

	if (out) {
		CHECK(strstr(out, "\nmode: monitor\n"));
		CHECK(strstr(out, "\n  exec.spawn:           { enabled: true, severity: medium, "
			      "action: kill, scope: server }\n"));
		CHECK(strstr(out, "\n    net.egress:           { enabled: true, severity: medium, "
			      "action: deny, scope: process }\n"));
		check_round_trip(mon);
	}
	free(out);
	out = enf ? written(enf, &n) : NULL;
	if (out) {
		CHECK(strstr(out, "\nmode: enforce\n"));
		CHECK(strstr(out, "\n  net.listen_wildcard:  { enabled: true, severity: medium, "
			      "action: deny, scope: process }\n"));
		CHECK(strstr(out, "\n  exec.spawn:           { enabled: true, severity: high, "
			      "action: kill, scope: server }\n"));
	}
	free(out);
	policy_free(mon);
	policy_free(enf);
}

/* Strings a plain scalar would change: quoted. */
static void test_write_quoting(void)
{
	struct policy *p = parse(HDR
		"servers:\n"
		"  - { name: \"true\", match: { argv: \"#x: y, [z]\" } }\n"
		"  - { name: \"123\", match: { argv: \"a\\x01\\x7f\\n\\r\" } }\n"
		"  - { name: plain-name_1.2/x, match: { argv: \"\\u2028\\u0085\\ufeff\" } }\n");
	size_t n;
	char *out = p ? written(p, &n) : NULL;

	if (out) {
		CHECK(strstr(out, "- name: \"true\"\n"));
		CHECK(strstr(out, "- name: \"123\"\n"));
		CHECK(strstr(out, "- name: plain-name_1.2/x\n"));
		CHECK(strstr(out, "match: { argv: \"#x: y, [z]\" }\n"));
		CHECK(strstr(out, "match: { argv: \"a\\x01\\x7f\\n\\x0d\" }\n"));
		CHECK(strstr(out, "match: { argv: \"\\u2028\\u0085\\ufeff\" }\n"));
		check_round_trip(p);
	}
	free(out);
	policy_free(p);
}

static void test_write_error(void)
{
	struct policy_error err;
	struct policy *p = policy_default(&err);
	FILE *f = fopen("/dev/full", "w");

	if (!f || !p) {
		printf("    (no /dev/full: skipped)\n");
	} else {
		setvbuf(f, NULL, _IONBF, 0);
		CHECK_EQ(policy_write(p, f), -ENOSPC);
	}
	if (f)
		fclose(f);
	policy_free(p);
}

/* ---- errors ---- */

/* Where the reason part of a message comes from: the matchers word their own. */
enum reason {
	NONE,
	CIDR,           /* match_cidr_parse(arg) */
	PORTS,          /* match_ports_parse(arg) */
	GLOB_PATH,      /* match_glob_check(arg, MATCH_GLOB_PATH) */
	GLOB_TEXT,      /* match_glob_check(arg, MATCH_GLOB_TEXT) */
};

struct err_case {
	int line;
	const char *text;
	size_t len;
	const char *want;       /* a format with one %s when reason is not NONE */
	enum reason reason;
	const char *arg;
};

#define E(text, want)            { __LINE__, text, sizeof(text) - 1, want, NONE, NULL }
#define ER(text, want, why, arg) { __LINE__, text, sizeof(text) - 1, want, why, arg }

static void reason_of(const struct err_case *c, char *why)
{
	struct match_cidr cidr;
	struct match_ports ports;
	int ret = 0;

	why[0] = '\0';
	if (c->reason == CIDR)
		ret = match_cidr_parse(c->arg, &cidr, why, REASON);
	else if (c->reason == PORTS)
		ret = match_ports_parse(c->arg, &ports, why, REASON);
	else if (c->reason == GLOB_PATH)
		ret = match_glob_check(c->arg, MATCH_GLOB_PATH, why, REASON);
	else if (c->reason == GLOB_TEXT)
		ret = match_glob_check(c->arg, MATCH_GLOB_TEXT, why, REASON);
	if (c->reason != NONE && !ret)
		unit_fail(__FILE__, c->line, "the matcher accepts '%s'", c->arg);
}

static void check_errors(const struct err_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct err_case *c = &cases[i];
		struct policy_error err;
		char why[REASON], want[WANT_LEN];
		struct policy *p = policy_parse(c->text, c->len, SRC, &err);

		reason_of(c, why);
		snprintf(want, sizeof(want), c->want, why);
		if (p)
			unit_fail(__FILE__, c->line, "parsed, want \"%s\"", want);
		else if (strcmp(err.msg, want))
			unit_fail(__FILE__, c->line, "\"%s\" != \"%s\"", err.msg, want);
		policy_free(p);
	}
}

#define CHECK_ERRORS(cases) check_errors(cases, sizeof(cases) / sizeof(cases[0]))

static void test_errors_yaml(void)
{
	static const struct err_case cases[] = {
		E("", SRC ":1:1: empty document"),
		E("# only a comment\n", SRC ":1:1: empty document"),
		E("---\n", SRC ":2:1: empty document"),
		E("~\n", SRC ":1:1: empty document"),
		E("- a\n", SRC ":1:1: expected a mapping at the top"),
		E("apiVersion: mcpwarden.dev/v1\n---\nkind: Policy\n",
		  SRC ":2:1: multiple documents are not supported"),
		E("apiVersion: &v mcpwarden.dev/v1\nkind: *v\n",
		  SRC ":2:7: aliases are not supported"),
		E("apiVersion: !!str mcpwarden.dev/v1\nkind: Policy\n",
		  SRC ":1:13: tags are not supported"),
		E("apiVersion: mcpwarden.dev/v1\nkind: Pol\0icy\n",
		  SRC ":2:10: NUL bytes are not allowed"),
		E("apiVersion: mcpwarden.dev/v1\nkind: \"Pol\\0icy\"\n",
		  SRC ":2:7: kind: NUL characters are not allowed"),
		E("apiVersion: mcpwarden.dev/v1\nkind: \xff\n",
		  SRC ":2:7: invalid leading UTF-8 octet"),
		E("apiVersion: mcpwarden.dev/v1\nkind: Pol\x01icy\n",
		  SRC ":2:10: control characters are not allowed"),
		E("apiVersion: mcpwarden.dev/v1\nkind: 'Policy\n",
		  SRC ":3:1: found unexpected end of stream "
		      "(while scanning a quoted scalar at 2:7)"),
		E("apiVersion: mcpwarden.dev/v1\n kind: Policy\n",
		  SRC ":2:6: mapping values are not allowed in this context"),
		E(HDR "- x\n",
		  SRC ":3:1: did not find expected key (while parsing a block mapping at 1:1)"),
		E(HDR "servers: [ {name: a, match: {exe: /x}\n",
		  SRC ":4:1: did not find expected ',' or '}' "
		      "(while parsing a flow mapping at 3:12)"),
		E(HDR "? [a]\n: b\n", SRC ":3:3: expected a string key, got a list"),
		E("apiVersion: mcpwarden.dev/v1\r\nkind: Policy\r\nmdoe: x\r\n",
		  SRC ":3:1: unknown key 'mdoe' (expected one of: apiVersion, kind, mode, "
		      "alertWindow, rules, runtime, sensitive, metadata, defaults, servers, "
		      "exceptions)"),
	};

	CHECK_ERRORS(cases);
}

static void test_errors_top(void)
{
	static const struct err_case cases[] = {
		E(HDR "mdoe: monitor\n",
		  SRC ":3:1: unknown key 'mdoe' (expected one of: apiVersion, kind, mode, "
		      "alertWindow, rules, runtime, sensitive, metadata, defaults, servers, "
		      "exceptions)"),
		E(HDR "kind: Policy\n", SRC ":3:1: duplicate key 'kind'"),
		E("kind: Policy\n", SRC ":1:1: missing key 'apiVersion'"),
		E("# x\napiVersion: mcpwarden.dev/v1\n", SRC ":2:1: missing key 'kind'"),
		E("apiVersion: mcpwarden.dev/v2\nkind: Policy\n",
		  SRC ":1:13: apiVersion: expected 'mcpwarden.dev/v1', got 'mcpwarden.dev/v2'"),
		E("apiVersion: mcpwarden.dev/v1\nkind: Polcy\n",
		  SRC ":2:7: kind: expected 'Policy', got 'Polcy'"),
		E("apiVersion: mcpwarden.dev/v1\nkind: [Policy]\n",
		  SRC ":2:7: kind: expected a string, got a list"),
		E("apiVersion:\nkind: Policy\n",
		  SRC ":1:12: apiVersion: expected a string, got null"),
		E(HDR "mode: watch\n",
		  SRC ":3:7: mode: unknown mode 'watch' (expected one of: monitor, enforce)"),
		E(HDR "mode: Enforce\n",
		  SRC ":3:7: mode: unknown mode 'Enforce' (expected one of: monitor, enforce)"),
		E(HDR "mode: [enforce]\n", SRC ":3:7: mode: expected a string, got a list"),
		E(HDR "mode:\n", SRC ":3:6: mode: expected a string, got null"),
		E(HDR "mode: \"a\\tb\"\n",
		  SRC ":3:7: mode: unknown mode 'a?b' (expected one of: monitor, enforce)"),
		E(HDR "mode: " X80 X10 "\n",
		  SRC ":3:7: mode: unknown mode '" X80 "...' (expected one of: monitor, enforce)"),
		/* cut before a UTF-8 sequence, not inside it */
		E(HDR "mode: " X79 "\xc3\xa9yyy\n",
		  SRC ":3:7: mode: unknown mode '" X79 "...' (expected one of: monitor, enforce)"),
		E(HDR "alertWindow: " X80 X10 "\n",
		  SRC ":3:14: alertWindow: expected an integer from 1 to 86400, got '" X80 "...'"),
		E(HDR "alertWindow: 0\n",
		  SRC ":3:14: alertWindow: expected an integer from 1 to 86400, got '0'"),
		E(HDR "alertWindow: 86401\n",
		  SRC ":3:14: alertWindow: expected an integer from 1 to 86400, got '86401'"),
		E(HDR "alertWindow: \"60\"\n",
		  SRC ":3:14: alertWindow: expected an integer from 1 to 86400, got '60'"),
		E(HDR "alertWindow: 99999999999999999999999999\n",
		  SRC ":3:14: alertWindow: expected an integer from 1 to 86400, got "
		  "'99999999999999999999999999'"),
		E(HDR "alertWindow: {}\n",
		  SRC ":3:14: alertWindow: expected an integer from 1 to 86400, got a mapping"),
		E(HDR "runtime: {}\n", SRC ":3:10: runtime: expected a list, got a mapping"),
		E(HDR "sensitive: /etc/shadow\n",
		  SRC ":3:12: sensitive: expected a list, got '/etc/shadow'"),
		E(HDR "metadata:\n", SRC ":3:10: metadata: expected a list, got null"),
		E(HDR "servers: {}\n", SRC ":3:10: servers: expected a list, got a mapping"),
		E(HDR "exceptions: 1\n", SRC ":3:13: exceptions: expected a list, got '1'"),
		E(HDR "defaults: []\n", SRC ":3:11: defaults: expected a mapping, got a list"),
	};

	CHECK_ERRORS(cases);
}

static void test_errors_rules(void)
{
	static const struct err_case cases[] = {
		E(HDR "rules:\n  exec.spwn: {}\n",
		  SRC ":4:3: rules.exec.spwn: unknown rule (known: exec.spawn, "
		      "exec.shell_injection, file.out_of_scope, file.sensitive, net.egress, "
		      "net.metadata, net.listen_wildcard, net.remote_peer)"),
		E(HDR "rules:\n  exec.spawn: {}\n  exec.spawn: {}\n",
		  SRC ":5:3: rules: duplicate key 'exec.spawn'"),
		E(HDR "rules:\n  exec.spawn:\n",
		  SRC ":4:14: rules.exec.spawn: expected a mapping, got null"),
		E(HDR "rules: []\n", SRC ":3:8: rules: expected a mapping, got a list"),
		E(HDR "rules:\n  exec.spawn: { enabled: yes }\n",
		  SRC ":4:26: rules.exec.spawn.enabled: expected true or false, got 'yes'"),
		E(HDR "rules:\n  exec.spawn: { enabled: \"true\" }\n",
		  SRC ":4:26: rules.exec.spawn.enabled: expected true or false, got 'true'"),
		E(HDR "rules:\n  exec.spawn: { severity: urgent }\n",
		  SRC ":4:27: rules.exec.spawn.severity: unknown severity 'urgent' "
		      "(expected one of: low, medium, high, critical)"),
		E(HDR "rules:\n  exec.spawn: { action: log }\n",
		  SRC ":4:25: rules.exec.spawn.action: unknown action 'log' "
		      "(expected one of: alert, deny, kill)"),
		E(HDR "rules:\n  net.egress: { action: Deny }\n",
		  SRC ":4:25: rules.net.egress.action: unknown action 'Deny' "
		      "(expected one of: alert, deny, kill)"),
		E(HDR "rules:\n  net.egress: { action: [deny] }\n",
		  SRC ":4:25: rules.net.egress.action: expected a string, got a list"),
		E(HDR "rules:\n  exec.spawn: { scope: tree }\n",
		  SRC ":4:24: rules.exec.spawn.scope: unknown scope 'tree' "
		      "(expected one of: process, server)"),
		E(HDR "rules:\n  exec.spawn: { scope: }\n",
		  SRC ":4:24: rules.exec.spawn.scope: expected a string, got null"),
		E(HDR "defaults:\n  rules:\n    file.sensitive: { scope: {} }\n",
		  SRC ":5:30: defaults.rules.file.sensitive.scope: expected a string, got a mapping"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n    rules:\n"
		  "      net.remote_peer: { action: kill, scope: all }\n",
		  SRC ":7:47: servers[0].rules.net.remote_peer.scope: unknown scope 'all' "
		      "(expected one of: process, server)"),
		E(HDR "rules:\n  exec.spawn: { severity: [high] }\n",
		  SRC ":4:27: rules.exec.spawn.severity: expected a string, got a list"),
		E(HDR "rules:\n  exec.spawn: { action: }\n",
		  SRC ":4:25: rules.exec.spawn.action: expected a string, got null"),
		E(HDR "rules:\n  [exec.spawn]: {}\n",
		  SRC ":4:3: rules: expected a string key, got a list"),
		E(HDR "rules:\n  exec.spawn: { sev: high }\n",
		  SRC ":4:17: rules.exec.spawn: unknown key 'sev' (expected one of: enabled, "
		  "severity, action, scope)"),
		E(HDR "defaults:\n  rules:\n    net.egres: {}\n",
		  SRC ":5:5: defaults.rules.net.egres: unknown rule (known: exec.spawn, "
		  "exec.shell_injection, file.out_of_scope, file.sensitive, net.egress, "
		  "net.metadata, net.listen_wildcard, net.remote_peer)"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n    rules:\n"
		  "      net.egress: { severity: none }\n",
		  SRC ":7:31: servers[0].rules.net.egress.severity: unknown severity 'none' "
		  "(expected one of: low, medium, high, critical)"),
	};

	CHECK_ERRORS(cases);
}

#define DENY_ONLY "'deny' applies only to net.egress, net.metadata and net.listen_wildcard"

/* deny on a rule that cannot refuse its event, in each layer. */
static void test_errors_deny(void)
{
	static const struct err_case cases[] = {
		E(HDR "rules:\n  exec.spawn: { action: deny }\n",
		  SRC ":4:25: rules.exec.spawn.action: " DENY_ONLY),
		E(HDR "rules:\n  exec.shell_injection: { severity: high, action: deny }\n",
		  SRC ":4:51: rules.exec.shell_injection.action: " DENY_ONLY),
		E(HDR "rules:\n  file.out_of_scope:\n    action: deny\n",
		  SRC ":5:13: rules.file.out_of_scope.action: " DENY_ONLY),
		E(HDR "mode: enforce\ndefaults:\n  rules:\n    file.sensitive: { action: deny }\n",
		  SRC ":6:31: defaults.rules.file.sensitive.action: " DENY_ONLY),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n    rules:\n"
		  "      net.egress: { action: deny }\n"
		  "      net.remote_peer: { action: deny }\n",
		  SRC ":8:34: servers[0].rules.net.remote_peer.action: " DENY_ONLY),
	};

	CHECK_ERRORS(cases);
}

static void test_errors_paths(void)
{
	static const struct err_case cases[] = {
		E(HDR "runtime:\n  - { access: read }\n",
		  SRC ":4:5: runtime[0]: missing key 'path'"),
		E(HDR "runtime:\n  - { path: /x, access: exec }\n",
		  SRC ":4:25: runtime[0].access: unknown access 'exec' (expected one of: read, "
		  "write, any)"),
		E(HDR "runtime:\n  - { path: /x, access: {} }\n",
		  SRC ":4:25: runtime[0].access: expected a string, got a mapping"),
		E(HDR "runtime:\n  - /usr/**\n",
		  SRC ":4:5: runtime[0]: expected a mapping, got '/usr/**'"),
		E(HDR "runtime:\n  - { path: usr/** }\n",
		  SRC ":4:13: runtime[0].path: 'usr/**' must be absolute or start with '**/', "
		  "'$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
		E(HDR "sensitive:\n  - relative/x\n",
		  SRC ":4:5: sensitive[0]: 'relative/x' must be absolute or start with '**/', "
		  "'$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
		E(HDR "sensitive:\n  - $HOMEDIR/x\n",
		  SRC ":4:5: sensitive[0]: '$HOMEDIR/x' must be absolute or start with '**/', "
		  "'$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
		E(HDR "sensitive:\n  - \"**\"\n",
		  SRC ":4:5: sensitive[0]: '**' must be absolute or start with '**/', "
		  "'$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
		E(HDR "sensitive:\n  -\n", SRC ":4:4: sensitive[0]: expected a string, got null"),
		ER(HDR "sensitive:\n  - \"/a/[b\"\n", SRC ":4:5: sensitive[0]: '/a/[b': %s",
		   GLOB_PATH, "/a/[b"),
		ER(HDR "sensitive:\n  - \"/a/**b\"\n", SRC ":4:5: sensitive[0]: '/a/**b': %s",
		   GLOB_PATH, "/a/**b"),
		E(HDR "defaults:\n  roots: [relative]\n",
		  SRC ":4:11: defaults.roots[0]: 'relative' must be an absolute directory or start "
		  "with '$HOME'"),
		E(HDR "defaults:\n  roots: [$SERVER_PACKAGE/x]\n",
		  SRC ":4:11: defaults.roots[0]: '$SERVER_PACKAGE/x' must be an absolute directory "
		  "or start with '$HOME'"),
		E(HDR "defaults:\n  roots: [\"/srv/*\"]\n",
		  SRC ":4:11: defaults.roots[0]: '/srv/*': a root is a directory, not a glob"),
		E(HDR "defaults:\n  exec: { deny: [] }\n",
		  SRC ":4:11: defaults.exec: unknown key 'deny' (expected one of: allow)"),
		E(HDR "defaults:\n  exec: []\n",
		  SRC ":4:9: defaults.exec: expected a mapping, got a list"),
		E(HDR "defaults:\n  exec: { allow: [git] }\n",
		  SRC ":4:19: defaults.exec.allow[0]: 'git' must be absolute or start with '**/', "
		  "'$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
	};

	CHECK_ERRORS(cases);
}

static void test_errors_net(void)
{
	static const struct err_case cases[] = {
		ER(HDR "metadata: [10.0.0.1/8]\n", SRC ":3:12: metadata[0]: '10.0.0.1/8': %s", CIDR,
		   "10.0.0.1/8"),
		ER(HDR "metadata: [metadata.google.internal]\n",
		   SRC ":3:12: metadata[0]: 'metadata.google.internal': %s", CIDR,
		   "metadata.google.internal"),
		E(HDR "metadata: [[1]]\n", SRC ":3:12: metadata[0]: expected a string, got a list"),
		E(HDR "defaults:\n  egress:\n    - { ports: [53] }\n",
		  SRC ":5:7: defaults.egress[0]: missing key 'cidr'"),
		E(HDR "defaults:\n  egress:\n    - 0.0.0.0/0\n",
		  SRC ":5:7: defaults.egress[0]: expected a mapping, got '0.0.0.0/0'"),
		ER(HDR "defaults:\n  egress:\n    - { cidr: \"::1/200\" }\n",
		   SRC ":5:15: defaults.egress[0].cidr: '::1/200': %s", CIDR, "::1/200"),
		E(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: [] }\n",
		  SRC ":5:33: defaults.egress[0].ports: expected at least one port "
		      "(leave 'ports' out for every port)"),
		E(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: 53 }\n",
		  SRC ":5:33: defaults.egress[0].ports: expected a list, got '53'"),
		ER(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: [70000] }\n",
		   SRC ":5:34: defaults.egress[0].ports[0]: '70000': %s", PORTS, "70000"),
		ER(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: [\"90-80\"] }\n",
		   SRC ":5:34: defaults.egress[0].ports[0]: '90-80': %s", PORTS, "90-80"),
		ER(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: [https] }\n",
		   SRC ":5:34: defaults.egress[0].ports[0]: 'https': %s", PORTS, "https"),
		E(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: [\"1\\0\"] }\n",
		  SRC ":5:34: defaults.egress[0].ports[0]: NUL characters are not allowed"),
		E(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, ports: [[1]] }\n",
		  SRC ":5:34: defaults.egress[0].ports[0]: expected a port or a range of ports"),
		E(HDR "defaults:\n  egress:\n    - { cidr: 0.0.0.0/0, port: 1 }\n",
		  SRC ":5:26: defaults.egress[0]: unknown key 'port' "
		      "(expected one of: cidr, ports)"),
	};

	CHECK_ERRORS(cases);
}

static void test_errors_servers(void)
{
	static const struct err_case cases[] = {
		E(HDR "defaults:\n  name: x\n",
		  SRC ":4:3: defaults: unknown key 'name' (expected one of: rootsFromArgs, "
		  "rootsFromClient, startupGrace, roots, exec, egress, rules, exceptions)"),
		E(HDR "defaults:\n  startupGrace: 1\n",
		  SRC ":4:17: defaults.startupGrace: expected true or false, got '1'"),
		E(HDR "servers:\n  - match: { exe: /x }\n",
		  SRC ":4:5: servers[0]: missing key 'name'"),
		E(HDR "servers:\n  - name: a\n", SRC ":4:5: servers[0]: missing key 'match'"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n    mach: {}\n",
		  SRC ":6:5: servers[0]: unknown key 'mach' (expected one of: name, match, "
		  "rootsFromArgs, rootsFromClient, startupGrace, roots, exec, egress, rules, "
		  "exceptions)"),
		E(HDR "servers:\n  - a\n", SRC ":4:5: servers[0]: expected a mapping, got 'a'"),
		E(HDR "servers:\n  - name: [a]\n    match: { exe: /x }\n",
		  SRC ":4:11: servers[0].name: expected a string, got a list"),
		E(HDR "servers:\n  - name: defaults\n    match: { exe: /x }\n",
		  SRC ":4:11: servers[0].name: 'defaults' names the defaults section"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n  - name: a\n"
		  "    match: { exe: /y }\n",
		  SRC ":6:11: servers[1].name: duplicate server name 'a' (first at line 4)"),
		E(HDR "servers:\n  - name: a\n    match: {}\n",
		  SRC ":5:12: servers[0].match: expected at least one of: "
		      "exe, argv, name, container"),
		E(HDR "servers:\n  - name: a\n    match: /x\n",
		  SRC ":5:12: servers[0].match: expected a mapping, got '/x'"),
		E(HDR "servers:\n  - name: a\n    match: { pid: 1 }\n",
		  SRC ":5:14: servers[0].match: unknown key 'pid' "
		      "(expected one of: exe, argv, name, container)"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x, exe: /y }\n",
		  SRC ":5:23: servers[0].match: duplicate key 'exe'"),
		ER(HDR "servers:\n  - name: a\n    match: { exe: \"/a/**b\" }\n",
		   SRC ":5:19: servers[0].match.exe: '/a/**b': %s", GLOB_PATH, "/a/**b"),
		ER(HDR "servers:\n  - name: a\n    match: { argv: \"x\\\\\" }\n",
		   SRC ":5:20: servers[0].match.argv: 'x\\': %s", GLOB_TEXT, "x\\"),
		ER(HDR "servers:\n  - name: a\n    match: { name: \"[gh\" }\n",
		   SRC ":5:20: servers[0].match.name: '[gh': %s", GLOB_TEXT, "[gh"),
		E(HDR "servers:\n  - name: a\n    match: { container: }\n",
		  SRC ":5:25: servers[0].match.container: expected a string, got null"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n    roots: [\"a\"]\n",
		  SRC ":6:13: servers[0].roots[0]: 'a' must be an absolute directory or start with "
		  "'$HOME'"),
	};

	CHECK_ERRORS(cases);
}

#define EXC(body) HDR "exceptions:\n  - { name: x, " body " }\n"

static void test_errors_exceptions(void)
{
	static const struct err_case cases[] = {
		E(HDR "exceptions: [{}]\n", SRC ":3:14: exceptions[0]: missing key 'name'"),
		E(EXC("rule: exec.spawn, fields: [proc.comm]"),
		  SRC ":4:5: exceptions[0]: missing key 'values'"),
		E(EXC("fields: [proc.comm], values: []"),
		  SRC ":4:5: exceptions[0]: missing key 'rule'"),
		E(EXC("rule: exec.spawn, values: []"),
		  SRC ":4:5: exceptions[0]: missing key 'fields'"),
		E(EXC("rule: exec.spawn, fields: [proc.comm], values: [], note: y"),
		  SRC ":4:67: exceptions[0]: unknown key 'note' (expected one of: name, rule, "
		  "fields, values)"),
		E(HDR "exceptions:\n"
		  "  - { name: x, rule: exec.spawn, fields: [proc.comm], values: [] }\n"
		  "  - { name: x, rule: exec.spawn, fields: [proc.comm], values: [] }\n",
		  SRC ":5:13: exceptions[1].name: duplicate exception name 'x'"),
		E(EXC("rule: exec.spwn, fields: [proc.exe], values: []"),
		  SRC ":4:22: exceptions[0].rule: unknown rule 'exec.spwn' (known: exec.spawn, "
		  "exec.shell_injection, file.out_of_scope, file.sensitive, net.egress, "
		  "net.metadata, net.listen_wildcard, net.remote_peer)"),
		E(EXC("rule: [exec.spawn], fields: [proc.exe], values: []"),
		  SRC ":4:22: exceptions[0].rule: expected a string, got a list"),
		E(EXC("rule: exec.spawn, fields: [], values: []"),
		  SRC ":4:42: exceptions[0].fields: expected 1 to 4 fields, got 0"),
		E(EXC("rule: exec.spawn, fields: [proc.exe, proc.comm, proc.cmdline, tool.name, "
		      "server.name], values: []"),
		  SRC ":4:42: exceptions[0].fields: expected 1 to 4 fields, got 5"),
		E(EXC("rule: exec.spawn, fields: proc.exe, values: []"),
		  SRC ":4:42: exceptions[0].fields: expected a list, got 'proc.exe'"),
		E(EXC("rule: exec.spawn, fields: [proc.exec], values: []"),
		  SRC ":4:43: exceptions[0].fields[0]: unknown field 'proc.exec' (known: "
		      "proc.exe, proc.comm, proc.cmdline, file.path, net.addr, net.port, "
		      "tool.name, server.name)"),
		E(EXC("rule: exec.spawn, fields: [proc.exe, proc.exe], values: []"),
		  SRC ":4:53: exceptions[0].fields[1]: field 'proc.exe' is listed twice"),
		E(EXC("rule: exec.spawn, fields: [proc.comm], values: {}"),
		  SRC ":4:63: exceptions[0].values: expected a list, got a mapping"),
		E(EXC("rule: exec.spawn, fields: [proc.exe], values: [/usr/bin/git]"),
		  SRC ":4:63: exceptions[0].values[0]: expected a list, got '/usr/bin/git'"),
		E(EXC("rule: exec.spawn, fields: [proc.exe, proc.comm], values: [[/usr/bin/git]]"),
		  SRC ":4:74: exceptions[0].values[0]: expected 2 values (one per field), got 1"),
		E(EXC("rule: exec.spawn, fields: [proc.exe], values: [[git]]"),
		  SRC ":4:64: exceptions[0].values[0][0]: 'git' must be absolute or start with "
		      "'**/', '$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
		E(EXC("rule: exec.spawn, fields: [file.path], values: [[etc/x]]"),
		  SRC ":4:65: exceptions[0].values[0][0]: 'etc/x' must be absolute or start with "
		  "'**/', '$HOME', '$SERVER_PACKAGE' or '$RUNTIME_PREFIX'"),
		ER(EXC("rule: exec.spawn, fields: [proc.exe], values: [[\"/a**\"]]"),
		   SRC ":4:64: exceptions[0].values[0][0]: '/a**': %s", GLOB_PATH, "/a**"),
		ER(EXC("rule: net.egress, fields: [net.addr], values: [[10.0.0.1/8]]"),
		   SRC ":4:64: exceptions[0].values[0][0]: '10.0.0.1/8': %s", CIDR, "10.0.0.1/8"),
		E(EXC("rule: net.egress, fields: [net.addr], values: [[[10.0.0.0/8]]]"),
		  SRC ":4:64: exceptions[0].values[0][0]: expected a string, got a list"),
		ER(EXC("rule: net.egress, fields: [net.port], values: [[http]]"),
		   SRC ":4:64: exceptions[0].values[0][0]: 'http': %s", PORTS, "http"),
		E(EXC("rule: net.egress, fields: [net.port], values: [[{}]]"),
		  SRC ":4:64: exceptions[0].values[0][0]: expected a port or a range of ports"),
		ER(EXC("rule: exec.spawn, fields: [tool.name], values: [[\"[a\"]]"),
		   SRC ":4:65: exceptions[0].values[0][0]: '[a': %s", GLOB_TEXT, "[a"),
		E(EXC("rule: exec.spawn, fields: [proc.comm], values: [[[a]]]"),
		  SRC ":4:65: exceptions[0].values[0][0]: expected a string, got a list"),
		E(HDR "servers:\n  - name: a\n    match: { exe: /x }\n    exceptions:\n"
		  "      - { name: x, rule: exec.spawn, fields: [proc.comm], values: [[1, 2]] }\n",
		  SRC ":7:68: servers[0].exceptions[0].values[0]: "
		      "expected 1 value (one per field), got 2"),
		ER(HDR "defaults:\n  exceptions:\n"
		   "    - { name: x, rule: net.egress, fields: [net.port], values: [[\"1-\"]] }\n",
		   SRC ":5:66: defaults.exceptions[0].values[0][0]: '1-': %s", PORTS, "1-"),
	};

	CHECK_ERRORS(cases);
}

static void test_error_too_long(void)
{
	size_t len = POLICY_TEXT_MAX + 1;
	char *text = malloc(len);
	struct policy_error err;
	char want[WANT_LEN];

	if (!text)
		return;
	memset(text, '\n', len);
	memcpy(text, HDR, strlen(HDR));
	CHECK(!policy_parse(text, len, SRC, &err));
	snprintf(want, sizeof(want), SRC ":%u:1: the policy is longer than %u bytes",
		 POLICY_TEXT_MAX - (unsigned int)strlen(HDR) + 3, POLICY_TEXT_MAX);
	CHECK_STR(err.msg, want);
	/* exactly the limit is fine */
	len--;
	{
		struct policy *p = policy_parse(text, len, SRC, &err);

		CHECK(p);
		policy_free(p);
	}
	free(text);
}

/* The source named in messages is the caller's. */
static void test_error_source(void)
{
	struct policy_error err;

	CHECK(!policy_parse("kind: x\n", 8, "/etc/mcpwarden/policy.yaml", &err));
	CHECK_STR(err.msg, "/etc/mcpwarden/policy.yaml:1:1: missing key 'apiVersion'");
	CHECK(!policy_parse("", 0, "", &err));
	CHECK_STR(err.msg, ":1:1: empty document");
}

UNIT_MAIN(UNIT_TEST(test_names), UNIT_TEST(test_default_embedded), UNIT_TEST(test_default_top),
	  UNIT_TEST(test_default_rules), UNIT_TEST(test_default_servers),
	  UNIT_TEST(test_minimal), UNIT_TEST(test_merge_top), UNIT_TEST(test_merge_defaults),
	  UNIT_TEST(test_merge_entries), UNIT_TEST(test_select), UNIT_TEST(test_select_none),
	  UNIT_TEST(test_round_trip_default), UNIT_TEST(test_round_trip_rich),
	  UNIT_TEST(test_round_trip_minimal), UNIT_TEST(test_write_actions),
	  UNIT_TEST(test_write_quoting), UNIT_TEST(test_write_error), UNIT_TEST(test_errors_yaml),
	  UNIT_TEST(test_errors_top), UNIT_TEST(test_errors_rules), UNIT_TEST(test_errors_deny),
	  UNIT_TEST(test_errors_paths), UNIT_TEST(test_errors_net), UNIT_TEST(test_errors_servers),
	  UNIT_TEST(test_errors_exceptions), UNIT_TEST(test_error_too_long),
	  UNIT_TEST(test_error_source))
