// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * detect_rules: the eight rules of the policy, judged on one action, with the exceptions
 * (field tuples) applied before a hit is handed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect.h"
#include "detect_int.h"
#include "evfmt.h"

#define PROC_SELF      "/proc/self"
#define SUMMARY_LEN    (DETECT_PATH_MAX + 128)
#define ARG_PATH_LEN   256u
#define ADDR_TXT_LEN   64u
#define CIDR_ERR_LEN   128u
#define EVIDENCE_TEXT_MAX 1024u   /* bytes of an argument value quoted as evidence */

/* One event being judged: what the exceptions can look at. */
struct judge {
	const struct detect_ctx *c;
	const char *path;               /* file rules */
	const char *self_path;          /* path with /proc/<own pid> written as /proc/self */
	char prefix[DETECT_PATH_MAX];   /* $RUNTIME_PREFIX of the acting process, "" if none */
	const uint8_t *addr;            /* net rules */
	int port;                       /* -1 when none */
	detect_emit_fn emit;
	void *ctx;
};

static void judge_init(struct judge *j, const struct detect_ctx *c, detect_emit_fn emit,
		       void *ctx)
{
	memset(j, 0, sizeof(*j));
	j->c = c;
	j->port = -1;
	j->emit = emit;
	j->ctx = ctx;
	if (!c->proc->exe || detect_runtime_prefix(c->proc->exe, j->prefix, sizeof(j->prefix)))
		j->prefix[0] = '\0';
}

/* ---- matching policy paths ---- */

/* "/proc/<tgid or tid>[/...]" as "/proc/self[/...]" in buf, else NULL. */
static const char *proc_self_form(const struct detect_proc *p, const char *path, char *buf,
				  size_t size)
{
	const char *rest;
	unsigned long n;
	char *end;

	if (strncmp(path, "/proc/", 6) || path[6] < '0' || path[6] > '9')
		return NULL;
	n = strtoul(path + 6, &end, 10);
	rest = end;
	if ((*rest && *rest != '/') || (n != p->tgid && n != p->tid))
		return NULL;
	if ((size_t)snprintf(buf, size, PROC_SELF "%s", rest) >= size)
		return NULL;
	return buf;
}

static bool path_glob(const struct judge *j, const char *glob, const char *path)
{
	char buf[DETECT_PATH_MAX];
	const struct detect_ctx *c = j->c;
	const char *g = detect_expand(glob, c->proc->home, c->server->package,
				      j->prefix[0] ? j->prefix : NULL, buf, sizeof(buf));

	if (!g || !path)
		return false;
	if (!strncmp(g, PROC_SELF, strlen(PROC_SELF)))
		return j->self_path && match_glob(g, j->self_path, MATCH_GLOB_PATH);
	return match_glob(g, path, MATCH_GLOB_PATH);
}

/* ---- exceptions ---- */

static bool field_matches(const struct judge *j, enum policy_field f, const char *v)
{
	const struct detect_ctx *c = j->c;
	char err[CIDR_ERR_LEN];
	struct match_cidr cidr;
	struct match_ports ports;

	switch (f) {
	case POLICY_F_PROC_EXE:
		return path_glob(j, v, c->proc->exe);
	case POLICY_F_PROC_COMM:
		return c->proc->comm && match_glob(v, c->proc->comm, MATCH_GLOB_TEXT);
	case POLICY_F_PROC_CMDLINE:
		return c->proc->cmdline && match_glob(v, c->proc->cmdline, MATCH_GLOB_TEXT);
	case POLICY_F_FILE_PATH:
		return j->path && path_glob(j, v, j->path);
	case POLICY_F_NET_ADDR:
		return j->addr && !match_cidr_parse(v, &cidr, err, sizeof(err)) &&
		       match_cidr_contains(&cidr, j->addr);
	case POLICY_F_NET_PORT:
		return j->port >= 0 && !match_ports_parse(v, &ports, err, sizeof(err)) &&
		       match_ports_contains(&ports, (uint16_t)j->port);
	case POLICY_F_TOOL_NAME:
		for (unsigned int i = 0; i < c->ncalls; i++)
			if (c->calls[i].tool && match_glob(v, c->calls[i].tool, MATCH_GLOB_TEXT))
				return true;
		return false;
	case POLICY_F_SERVER_NAME:
		return c->server->name && match_glob(v, c->server->name, MATCH_GLOB_TEXT);
	default:
		return false;
	}
}

static bool exception_applies(const struct judge *j, const struct policy_exception *e)
{
	for (unsigned int r = 0; r < e->nrows; r++) {
		unsigned int f;

		for (f = 0; f < e->nfields; f++)
			if (!field_matches(j, e->fields[f], e->values[r * e->nfields + f]))
				break;
		if (f == e->nfields)
			return true;
	}
	return false;
}

static bool excepted(const struct judge *j, enum policy_rule rule)
{
	const struct policy *p = j->c->policy;
	const struct policy_server *ps = j->c->server->ps;

	for (unsigned int i = 0; i < p->nexceptions; i++)
		if (p->exceptions[i].rule == rule && exception_applies(j, &p->exceptions[i]))
			return true;
	for (unsigned int i = 0; i < ps->nexceptions; i++)
		if (ps->exceptions[i].rule == rule && exception_applies(j, &ps->exceptions[i]))
			return true;
	return false;
}

/* ---- handing hits on ---- */

static const struct policy_rule_cfg *rule_on(const struct judge *j, enum policy_rule r)
{
	const struct policy_rule_cfg *cfg = &j->c->server->ps->rules[r];

	return cfg->enabled ? cfg : NULL;
}

/* Rules that startup grace holds back (launchers fetch, spawn and write caches). */
static bool past_startup(const struct judge *j)
{
	return j->c->server->spoke || !j->c->server->ps->startup_grace;
}

static void fire(const struct judge *j, enum policy_rule r, const char *cause, json_t *detail,
		 const char *summary, int call)
{
	struct detect_hit h = { .rule = r, .detail = detail, .summary = summary, .call = call };

	h.cfg = rule_on(j, r);
	if (!h.cfg || excepted(j, r)) {
		json_decref(detail);
		return;
	}
	snprintf(h.cause, sizeof(h.cause), "%s", cause);
	j->emit(j->ctx, &h);
}

/* ---- files ---- */

static bool within_roots(const struct detect_server *s, const char *path, bool *any)
{
	*any = false;
	for (unsigned int o = 0; o < DETECT_ROOT__COUNT; o++) {
		for (unsigned int i = 0; i < s->nroots[o]; i++) {
			*any = true;
			if (match_path_within(path, s->roots[o][i]))
				return true;
		}
	}
	return false;
}

static unsigned int runtime_access(const struct judge *j, const char *path)
{
	const struct policy *p = j->c->policy;
	unsigned int allowed = 0;

	for (unsigned int i = 0; i < p->nruntime; i++)
		if ((p->runtime[i].access & ~allowed) && path_glob(j, p->runtime[i].glob, path))
			allowed |= p->runtime[i].access;
	return allowed;
}

static const char *access_name(unsigned int a)
{
	return a == POLICY_ACCESS_READ ? "read" : a == POLICY_ACCESS_WRITE ? "write" : "read,write";
}

static json_t *roots_json(const struct detect_server *s)
{
	static const char *const origin[] = { "policy", "args", "client" };
	json_t *arr = json_array();

	for (unsigned int o = 0; o < DETECT_ROOT__COUNT; o++)
		for (unsigned int i = 0; i < s->nroots[o]; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "path", s->roots[o][i],
							     "from", origin[o]));
	return arr;
}

static void judge_sensitive(const struct judge *j, const struct detect_file *f)
{
	const struct policy *p = j->c->policy;
	char cause[DETECT_CAUSE_MAX], summary[SUMMARY_LEN];

	for (unsigned int i = 0; i < p->nsensitive; i++) {
		if (!path_glob(j, p->sensitive[i].glob, f->path))
			continue;
		snprintf(cause, sizeof(cause), "%s", f->path);
		snprintf(summary, sizeof(summary), "%s %s (sensitive: %s)", f->op, f->path,
			 p->sensitive[i].glob);
		fire(j, POLICY_FILE_SENSITIVE, cause, json_pack("{s:s, s:s, s:s}", "path", f->path,
		     "access", access_name(f->access), "pattern", p->sensitive[i].glob), summary,
		     -1);
		return;
	}
}

static void judge_scope(const struct judge *j, const struct detect_file *f)
{
	const struct detect_server *s = j->c->server;
	char cause[DETECT_CAUSE_MAX], summary[SUMMARY_LEN];
	bool any;

	if (!past_startup(j) || within_roots(s, f->path, &any) || !any)
		return;
	if ((runtime_access(j, f->path) & f->access) == f->access)
		return;
	snprintf(cause, sizeof(cause), "%s %s", access_name(f->access), f->path);
	snprintf(summary, sizeof(summary), "%s %s (%s) outside the server's roots", f->op,
		 f->path, access_name(f->access));
	fire(j, POLICY_FILE_OUT_OF_SCOPE, cause, json_pack("{s:s, s:s, s:o}", "path", f->path,
	     "access", access_name(f->access), "roots", roots_json(s)), summary, -1);
}

void detect_file(const struct detect_ctx *c, const struct detect_file *f, detect_emit_fn emit,
		 void *ctx)
{
	struct judge j;
	char self[DETECT_PATH_MAX];

	if (!f->ok || !f->path || f->path[0] != '/')
		return;
	judge_init(&j, c, emit, ctx);
	j.path = f->path;
	j.self_path = proc_self_form(c->proc, f->path, self, sizeof(self));
	judge_sensitive(&j, f);
	judge_scope(&j, f);
}

/* ---- network ---- */

static bool egress_allowed(const struct policy_server *ps, const uint8_t *addr, uint16_t port)
{
	for (unsigned int i = 0; i < ps->negress; i++)
		if (match_cidr_contains(&ps->egress[i].cidr, addr) &&
		    match_ports_contains(&ps->egress[i].ports, port))
			return true;
	return false;
}

static bool is_metadata(const struct policy *p, const uint8_t *addr)
{
	for (unsigned int i = 0; i < p->nmetadata; i++)
		if (match_cidr_contains(&p->metadata[i], addr))
			return true;
	return false;
}

/* The cause names the endpoint (with_port) or only the address; with_op adds the operation
 * (a bind and the listen after it on the same endpoint are one cause). */
static void net_fire(const struct judge *j, enum policy_rule r, const struct detect_net *n,
		     const char *what, bool with_port, bool with_op)
{
	char a[ADDR_TXT_LEN], ep[ADDR_TXT_LEN + 8], cause[DETECT_CAUSE_MAX], summary[SUMMARY_LEN];

	match_addr_format(n->addr, a, sizeof(a));
	evfmt_endpoint(AF_INET6, n->addr, n->port, ep, sizeof(ep));   /* the 128-bit form */
	snprintf(cause, sizeof(cause), "%s%s%s", with_op ? n->op : "", with_op ? " " : "",
		 with_port ? ep : a);
	snprintf(summary, sizeof(summary), "%s %s (%s)", n->op, ep, what);
	fire(j, r, cause, json_pack("{s:s, s:s, s:i}", "op", n->op, "addr", a, "port", n->port),
	     summary, -1);
}

void detect_net(const struct detect_ctx *c, const struct detect_net *n, detect_emit_fn emit,
		void *ctx)
{
	struct judge j;

	if (!n->inet)
		return;
	judge_init(&j, c, emit, ctx);
	j.addr = n->addr;
	j.port = n->port;
	if (!strcmp(n->op, "connect")) {
		if (is_metadata(c->policy, n->addr))
			net_fire(&j, POLICY_NET_METADATA, n, "cloud metadata address", true, true);
		else if (past_startup(&j) && !egress_allowed(c->server->ps, n->addr, n->port))
			net_fire(&j, POLICY_NET_EGRESS, n, "not in the egress allowlist", true,
				 true);
	} else if (!strcmp(n->op, "bind") || !strcmp(n->op, "listen")) {
		/* a stream bind to port 0 is judged at its listen (with the port), unless the
		 * kernel refused the bind and no listen follows */
		if (match_addr_wildcard(n->addr) && (n->port || (n->stream && n->refused) ||
						     !strcmp(n->op, "listen")))
			net_fire(&j, POLICY_NET_LISTEN_WILDCARD, n, "every interface", true,
				 false);
	} else if (!strcmp(n->op, "accept")) {
		if (!match_addr_loopback(n->addr))
			net_fire(&j, POLICY_NET_REMOTE_PEER, n, "peer not on this host", false,
				 true);
	}
}

/* ---- exec ---- */

struct taken {
	const char *cmd;
	char path[ARG_PATH_LEN];        /* where in the arguments the text was found */
	const char *value;
};

/* Depth-first over the string leaves of v; true when one (long enough) occurs in the
 * command. *budget bounds the leaves examined. */
static bool find_taken(const json_t *v, struct taken *t, size_t plen, unsigned int depth,
		       unsigned int *budget)
{
	const char *key;
	const json_t *x;
	size_t i;

	if (depth > DETECT_ARG_DEPTH_MAX || !*budget)
		return false;
	if (json_is_string(v)) {
		(*budget)--;
		if (json_string_length(v) < DETECT_INJECT_MIN_TEXT ||
		    !strstr(t->cmd, json_string_value(v)))
			return false;
		t->value = json_string_value(v);
		return true;
	}
	json_object_foreach((json_t *)v, key, x) {
		snprintf(t->path + plen, sizeof(t->path) - plen, ".%s", key);
		if (find_taken(x, t, strlen(t->path), depth + 1, budget))
			return true;
	}
	json_array_foreach(v, i, x) {
		snprintf(t->path + plen, sizeof(t->path) - plen, "[%zu]", i);
		if (find_taken(x, t, strlen(t->path), depth + 1, budget))
			return true;
	}
	t->path[plen] = '\0';
	return false;
}

static void judge_injection(const struct judge *j, const struct detect_exec *x)
{
	const struct detect_ctx *c = j->c;
	const char *cmd = match_shell_command(x->argc, x->argv), *meta;
	char cause[DETECT_CAUSE_MAX], summary[SUMMARY_LEN], m[2] = "";
	struct taken t = { .cmd = cmd };

	if (!cmd || !match_is_shell(x->exe) || !(meta = match_shell_metachar(cmd, strlen(cmd))))
		return;
	for (unsigned int i = 0; i < c->ncalls; i++) {
		unsigned int budget = DETECT_ARG_LEAVES_MAX;
		const char *vm;

		snprintf(t.path, sizeof(t.path), "arguments");
		if (!c->calls[i].arguments || !find_taken(c->calls[i].arguments, &t,
							  strlen(t.path), 0, &budget))
			continue;
		vm = match_shell_metachar(t.value, strlen(t.value));
		m[0] = *(vm ? vm : meta);
		snprintf(cause, sizeof(cause), "%s", cmd);
		snprintf(summary, sizeof(summary), "shell -c '%.*s' with %s of %s", 200, cmd, t.path,
			 c->calls[i].tool ? c->calls[i].tool : "a call");
		fire(j, POLICY_EXEC_SHELL_INJECTION, cause, json_pack("{s:s, s:s, s:s%, s:s, s:b}",
		     "command", cmd, "argument", t.path, "value", t.value,
		     strnlen(t.value, EVIDENCE_TEXT_MAX), "metachar", m,
		     "metachar_in_argument", vm != NULL), summary, (int)i);
		return;
	}
}

static bool exec_allowed(const struct judge *j, const char *exe)
{
	const struct policy_server *ps = j->c->server->ps;

	for (unsigned int i = 0; i < ps->nexec_allow; i++)
		if (path_glob(j, ps->exec_allow[i].glob, exe))
			return true;
	return false;
}

void detect_exec(const struct detect_ctx *c, const struct detect_exec *x, detect_emit_fn emit,
		 void *ctx)
{
	struct judge j;
	char summary[SUMMARY_LEN];

	judge_init(&j, c, emit, ctx);
	judge_injection(&j, x);
	if (!past_startup(&j) || !x->exe[0] || exec_allowed(&j, x->exe))
		return;
	snprintf(summary, sizeof(summary), "exec %s (not in exec.allow)", x->exe);
	fire(&j, POLICY_EXEC_SPAWN, x->exe, json_pack("{s:s}", "exe", x->exe), summary, -1);
}
