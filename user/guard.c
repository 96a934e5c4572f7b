// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "alerts.h"
#include "detect.h"
#include "enforce.h"
#include "evfmt.h"
#include "guard.h"

#define NSEC_PER_SEC_U    1000000000ull
#define HOME_CACHE        64u
#define PWBUF_LEN         4096u
#define PROC_PATH_LEN     64u
#define ARGV_MAX          256u           /* argv entries read from /proc or exec records */
#define CMDLINE_READ_MAX  (64u << 10)
#define ALERT_TEXT_MAX    1024u          /* bytes of an argument string quoted in an alert */
#define ALERT_ARGS_DEPTH  8u
#define ALERT_WHAT_LEN    (PATH_MAX + 256)
#define ID_TXT_LEN        128u

struct home_entry {
	uint32_t uid;
	bool known;
	char *home;                     /* NULL when the user has none */
};

struct guard {
	const struct policy *policy;
	struct output *out;
	struct detect *det;
	struct alerts *alerts;
	struct home_entry homes[HOME_CACHE];
	unsigned int nhomes;
	struct enforce *enforce;        /* NULL in monitor mode */
	guard_kill_tree_fn kill_tree;
	void *kill_ctx;
	uint64_t user_kills[POLICY_RULE__COUNT];        /* kills carried out from user space */
	bool held_killed;       /* the held process of the action being judged was killed */
	uint64_t held_kills, held_releases, held_errors;
};

void guard_set_enforce(struct guard *g, struct enforce *e, guard_kill_tree_fn kill_tree,
		       void *ctx)
{
	g->enforce = e;
	g->kill_tree = kill_tree;
	g->kill_ctx = ctx;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC_U + (uint64_t)ts.tv_nsec;
}

/* The kernel's view of the server follows every change of ours; a failure is reported (the
 * kernel then judges fail-closed: see enforce_server). */
static void sync_enforce(struct guard *g, const struct detect_server *s)
{
	int rc;

	if (!g->enforce || !s)
		return;
	rc = enforce_server(g->enforce, s);
	if (!rc)
		return;
	output_console(g->out, boot_ns(), "ENFORCEMENT: cannot write the kernel state of server %u: %s",
		       s->root, strerror(-rc));
	output_record(g->out, "enforce.error", boot_ns(), json_pack("{s:I, s:s}", "server_pid",
		      (json_int_t)s->root, "error", strerror(-rc)));
}

static void on_repeat(void *ctx, const struct alerts_repeat *r);

struct guard *guard_new(const struct policy *p, struct output *out)
{
	struct guard *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->policy = p;
	g->out = out;
	g->det = detect_new(p);
	g->alerts = alerts_new((uint64_t)p->window_s * NSEC_PER_SEC_U, on_repeat, g);
	if (!g->det || !g->alerts) {
		guard_free(g);
		return NULL;
	}
	return g;
}

void guard_free(struct guard *g)
{
	if (!g)
		return;
	detect_free(g->det);
	alerts_free(g->alerts);
	for (unsigned int i = 0; i < g->nhomes; i++)
		free(g->homes[i].home);
	free(g);
}

/* ---- facts from the system ---- */

static const char *home_of(struct guard *g, uint32_t uid)
{
	char buf[PWBUF_LEN];
	struct passwd pw, *res = NULL;
	struct home_entry *h;

	for (unsigned int i = 0; i < g->nhomes; i++)
		if (g->homes[i].uid == uid)
			return g->homes[i].home;
	if (g->nhomes == HOME_CACHE) {          /* rare: start over */
		for (unsigned int i = 0; i < g->nhomes; i++)
			free(g->homes[i].home);
		g->nhomes = 0;
	}
	h = &g->homes[g->nhomes++];
	h->uid = uid;
	h->home = NULL;
	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res && pw.pw_dir && pw.pw_dir[0] == '/')
		h->home = strdup(pw.pw_dir);
	return h->home;
}

/* argv of a live process, NUL separated, split into v (pointers into buf). */
static int read_argv(uint32_t pid, char *buf, size_t size, const char **v, unsigned int max)
{
	char path[PROC_PATH_LEN];
	ssize_t n;
	int fd, argc = 0;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n && (unsigned int)argc < max; i += (ssize_t)strlen(buf + i) + 1)
		v[argc++] = buf + i;
	return argc;
}

/*
 * A path as process pid sees it, resolved: joined onto its cwd when relative, symlinks
 * resolved when the process shares our root (else normalised lexically). 0 or -errno.
 */
static int resolve_for(uint32_t pid, const char *arg, char *out, size_t size)
{
	char link[PROC_PATH_LEN], cwd[PATH_MAX], joined[PATH_MAX], real[PATH_MAX];
	ssize_t n;
	bool same_root;

	snprintf(link, sizeof(link), "/proc/%u/root", pid);
	n = readlink(link, real, sizeof(real) - 1);
	same_root = n == 1 && real[0] == '/';
	snprintf(link, sizeof(link), "/proc/%u/cwd", pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n < 0)
		return -errno;
	cwd[n] = '\0';
	if (evfmt_join(cwd, arg, joined, sizeof(joined)) < 0)
		return -ENAMETOOLONG;
	if (!same_root) {
		snprintf(out, size, "%s", joined);
		return 0;
	}
	if (!realpath(joined, real))
		return -errno;
	snprintf(out, size, "%s", real);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Directories among argv[1..] (not options, not the script) as roots of origin ARGS. */
static void learn_arg_roots(struct detect_server *s, uint32_t pid, int argc, const char **argv,
			    const char *script)
{
	char *found[DETECT_ROOTS_MAX];
	unsigned int n = 0;

	for (int i = 1; i < argc && n < DETECT_ROOTS_MAX; i++) {
		char real[PATH_MAX];

		if (argv[i][0] == '-' || argv[i] == script || resolve_for(pid, argv[i], real,
									   sizeof(real)))
			continue;
		if (is_dir(real) && strcmp(real, "/") && (found[n] = strdup(real)))
			n++;
	}
	detect_server_roots(s, DETECT_ROOT_ARGS, (const char *const *)found, n);
	for (unsigned int i = 0; i < n; i++)
		free(found[i]);
}

/* The package of the script it runs, and (when its entry says so) its argument roots. */
static void learn_from_argv(struct detect_server *s, uint32_t pid)
{
	const char *argv[ARGV_MAX], *script;
	char real[PATH_MAX], pkg[PATH_MAX];
	char *buf = malloc(CMDLINE_READ_MAX);
	int argc = buf ? read_argv(pid, buf, CMDLINE_READ_MAX, argv, ARGV_MAX) : -ENOMEM;

	if (argc <= 0) {
		free(buf);
		return;
	}
	script = detect_script_arg(argc, argv);
	if (script && !resolve_for(pid, script, real, sizeof(real)) &&
	    !detect_package_dir(real, pkg, sizeof(pkg)))
		detect_server_package(s, pkg);
	if (s->ps->roots_from_args)
		learn_arg_roots(s, pid, argc, argv, script);
	else
		detect_server_roots(s, DETECT_ROOT_ARGS, NULL, 0);
	free(buf);
}

/* ---- servers ---- */

void guard_server(struct guard *g, struct proc_info *root, bool already_running)
{
	struct detect_server *s = detect_server(g->det, root->tgid, true);

	if (!s)
		return;
	detect_server_facts(s, g->policy, root->exe ? root->exe : "", root->cmdline ?: "",
			    root->container, NULL, home_of(g, root->uid));
	s->spoke = already_running;
	learn_from_argv(s, root->tgid);
	sync_enforce(g, s);
}

void guard_server_name(struct guard *g, struct proc_info *root, const char *name)
{
	struct detect_server *s = detect_server(g->det, root->tgid, false);
	const struct policy_server *was;

	if (!s || (s->name && !strcmp(s->name, name)))
		return;
	was = s->ps;
	detect_server_facts(s, g->policy, NULL, NULL, NULL, name, home_of(g, root->uid));
	if (s->ps != was)
		learn_from_argv(s, root->tgid);
	sync_enforce(g, s);
}

void guard_spoke(struct guard *g, uint32_t root)
{
	struct detect_server *s = detect_server(g->det, root, false);

	if (s && !s->spoke) {
		s->spoke = true;
		sync_enforce(g, s);
	}
}

void guard_client_roots(struct guard *g, uint32_t root, const json_t *result)
{
	struct detect_server *s = detect_server(g->det, root, false);
	char *paths[DETECT_ROOTS_MAX];
	unsigned int n;

	if (!s || !s->ps->roots_from_client)
		return;
	n = detect_client_roots(result, paths, DETECT_ROOTS_MAX);
	for (unsigned int i = 0; i < n; i++) {         /* symlinks resolved, as the kernel's are */
		char *real = realpath(paths[i], NULL);

		if (real) {
			free(paths[i]);
			paths[i] = real;
		}
	}
	detect_server_roots(s, DETECT_ROOT_CLIENT, (const char *const *)paths, n);
	for (unsigned int i = 0; i < n; i++)
		free(paths[i]);
	sync_enforce(g, s);
}

void guard_forget(struct guard *g, uint32_t root)
{
	detect_forget(g->det, root);
	if (g->enforce)
		enforce_forget(g->enforce, root);
}

/* ---- alerts ---- */

/* A copy of a call's arguments for an alert: strings cut at ALERT_TEXT_MAX, depth bounded. */
static json_t *args_copy(const json_t *v, unsigned int depth)
{
	const char *k;
	json_t *x, *c;
	size_t i;

	if (depth > ALERT_ARGS_DEPTH)
		return json_string("...");
	if (json_is_string(v))
		return json_stringn(json_string_value(v), json_string_length(v) > ALERT_TEXT_MAX ?
				    ALERT_TEXT_MAX : json_string_length(v));
	if (json_is_object(v)) {
		c = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(c, k, args_copy(x, depth + 1));
		return c;
	}
	if (json_is_array(v)) {
		c = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(c, args_copy(x, depth + 1));
		return c;
	}
	return json_copy((json_t *)v);
}

static json_t *call_json(const struct attrib_call *c)
{
	json_t *j = c->json ? json_copy(c->json) : json_object();

	if (j && c->arguments)
		json_object_set_new(j, "arguments", args_copy(c->arguments, 0));
	return j;
}

/* The calls an alert names: the one that caused it, else every call in flight. */
static json_t *calls_json(const struct guard_action *a, int which)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < a->ncalls; i++)
		if (which < 0 || (unsigned int)which == i)
			json_array_append_new(arr, call_json(&a->calls[i]));
	return arr;
}

/* The action record that triggered it, without what the alert already carries. */
static json_t *trigger_json(const struct guard_action *a)
{
	json_t *t = json_copy(a->rec);

	if (!t)
		return json_null();
	json_object_del(t, "process");
	json_object_del(t, "calls");
	json_object_set_new(t, "event", json_string(a->event));
	return t;
}

/* "tools/call NAME id=ID" for the console. */
static void call_txt(const struct attrib_call *c, char *out, size_t size)
{
	json_t *id = json_object_get(c->json, "id");
	char idbuf[ID_TXT_LEN];

	if (json_is_integer(id))
		snprintf(idbuf, sizeof(idbuf), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else
		snprintf(idbuf, sizeof(idbuf), "%s", json_string_value(id) ?: "?");
	snprintf(out, size, "%s%s%s id=%s",
		 json_string_value(json_object_get(c->json, "method")) ?: "?", c->tool ? " " : "",
		 c->tool ? c->tool : "", idbuf);
}

/*
 * What was done about a hit: the kernel's verdict (flags of the triggering record), else a
 * kill from user space when the policy enforces a kill the kernel could not judge. Returns the
 * alert's "action" and sets *by.
 */
static const char *carry_out(struct guard *g, const struct guard_action *a,
			     const struct detect_hit *h, uint32_t root, const char **by)
{
	uint32_t tgid = a->h->tgid;
	bool held = a->h->flags & MW_F_HELD;

	*by = NULL;
	if (!g->enforce || !policy_enforces(g->policy, h->cfg))
		return "alert";
	*by = "kernel";
	if (a->h->flags & MW_F_KILLED)
		return "killed";
	if (a->h->flags & MW_F_DENIED)
		return "denied";
	if (h->cfg->action != POLICY_ACTION_KILL || tgid <= 1 || tgid == (uint32_t)getpid())
		return "alert";
	/* held: stopped by the kernel at the syscall's exit, so this kill is as early as the
	 * kernel's own; else best effort, the syscall has returned */
	*by = held ? "kernel hold" : "user space";
	if (held && g->held_killed)
		return "killed";
	if (proc_signal(tgid, a->h->start_ns, SIGKILL))
		return "alert";
	if (held)
		g->held_killed = true;
	else
		g->user_kills[h->rule]++;
	return "killed";
}

void guard_settle(struct guard *g, const struct mw_event_hdr *h)
{
	bool killed = g->held_killed;
	int rc;

	g->held_killed = false;
	if (!(h->flags & MW_F_HELD))
		return;
	if (killed) {
		g->held_kills++;
		return;
	}
	rc = proc_signal(h->tgid, h->start_ns, SIGCONT);
	if (rc && rc != -ESRCH) {
		g->held_errors++;
		output_console(g->out, h->ts_ns, "ENFORCEMENT: cannot release held process %u: %s",
			       h->tgid, strerror(-rc));
		return;
	}
	g->held_releases++;
}

json_t *guard_hold_stats(const struct guard *g)
{
	return json_pack("{s:I, s:I, s:I}", "killed", (json_int_t)g->held_kills, "released",
			 (json_int_t)g->held_releases, "errors", (json_int_t)g->held_errors);
}

/* scope: server takes the rest of the tree with it. */
static void kill_scope(struct guard *g, const struct detect_hit *h, const char *action,
		       uint32_t root)
{
	if (!strcmp(action, "killed") && h->cfg->scope == POLICY_SCOPE_SERVER && g->kill_tree)
		g->kill_tree(g->kill_ctx, root);
}

struct hit_ctx {
	struct guard *g;
	const struct guard_action *a;
	struct detect_server *s;
	unsigned int hits;
};

static void on_hit(void *ctx, struct detect_hit *h)
{
	struct hit_ctx *x = ctx;
	const struct guard_action *a = x->a;
	char calls[ALERT_WHAT_LEN];
	const char *action, *by;
	char what[ALERT_WHAT_LEN];
	uint64_t id;
	json_t *rec;

	x->hits++;
	action = carry_out(x->g, a, h, x->s->root, &by);
	kill_scope(x->g, h, action, x->s->root);
	if (!alerts_note(x->g->alerts, x->s->root, h->rule, h->cause, a->h->ts_ns, &id)) {
		json_decref(h->detail);
		return;
	}
	if (h->call >= 0)
		call_txt(&a->calls[h->call], calls, sizeof(calls));
	else
		snprintf(calls, sizeof(calls), "%s", a->calls_txt);
	rec = json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:s?, s:s}, s:o, s:o, s:o, s:o}",
		"id", (json_int_t)id, "rule", policy_rule_name(h->rule),
		"severity", policy_severity_name(h->cfg->severity),
		"action", action,
		"server", "pid", (json_int_t)x->s->root, "name", x->s->name,
		"policy", x->s->ps->name,
		"process", output_proc(a->p), "calls", calls_json(a, h->call),
		"evidence", h->detail ? h->detail : json_object(), "trigger", trigger_json(a));
	if (by)
		json_object_set_new(rec, "enforcement", json_pack("{s:s, s:s, s:s}", "by", by,
				    "policy_action", policy_action_name(h->cfg->action), "scope",
				    policy_scope_name(h->cfg->scope)));
	snprintf(what, sizeof(what), "%s%s%s", strcmp(action, "alert") ? action : "",
		 strcmp(action, "alert") ? ": " : "", h->summary);
	output_alert(x->g->out, a->h->ts_ns, policy_severity_name(h->cfg->severity),
		     policy_rule_name(h->rule), a->p, what, calls);
	output_record(x->g->out, "alert", a->h->ts_ns, rec);
}

static void on_repeat(void *ctx, const struct alerts_repeat *r)
{
	struct guard *g = ctx;

	output_console(g->out, r->last_ns, "!! ALERT %llu (%s) repeated %llu more times",
		       (unsigned long long)r->id, policy_rule_name(r->rule),
		       (unsigned long long)r->repeats);
	output_record(g->out, "alert.repeat", r->last_ns, json_pack("{s:I, s:s, s:I, s:I, s:s}",
		      "alert", (json_int_t)r->id, "rule", policy_rule_name(r->rule), "server_pid",
		      (json_int_t)r->root, "repeats", (json_int_t)r->repeats, "cause", r->cause));
}

/* Set up the context detect needs; false when the action's server is unknown. */
static bool begin(struct guard *g, const struct guard_action *a, struct hit_ctx *x,
		  struct detect_ctx *c, struct detect_proc *pr, struct detect_call *calls)
{
	x->g = g;
	x->a = a;
	x->hits = 0;
	x->s = detect_server(g->det, a->h->root, false);
	if (!x->s)
		return false;
	*pr = (struct detect_proc){ .tgid = a->h->tgid, .tid = a->h->tid,
		.exe = a->p && a->p->exe ? a->p->exe : "", .comm = a->p ? a->p->comm : "",
		.cmdline = a->p ? a->p->cmdline : NULL,
		.home = a->p ? home_of(g, a->p->uid) : NULL };
	for (unsigned int i = 0; i < a->ncalls; i++)
		calls[i] = (struct detect_call){ .tool = a->calls[i].tool,
			.arguments = a->calls[i].arguments, .json = a->calls[i].json };
	*c = (struct detect_ctx){ .policy = g->policy, .server = x->s, .proc = pr,
		.calls = calls, .ncalls = a->ncalls };
	return true;
}

static unsigned int file_access(const struct mw_file *e)
{
	unsigned int a;

	if (e->op != MW_FILE_OPEN)
		return POLICY_ACCESS_WRITE;
	a = evfmt_open_access(e->flags);
	return ((a & EVFMT_ACCESS_READ) ? POLICY_ACCESS_READ : 0) |
	       ((a & ~EVFMT_ACCESS_READ) ? POLICY_ACCESS_WRITE : 0);
}

/*
 * The kernel killed for a record user space found nothing wrong with: it judged what user
 * space cannot, a path too long to report in full or too deep to walk whole (fail closed).
 * Every kill is an alert: raised for rule (for a file, the one its record names: the kernel's
 * verdict) with what the record shows.
 */
static void kernel_only_hit(struct hit_ctx *x, enum policy_rule rule, const char *path)
{
	struct detect_hit h = { .rule = rule, .cfg = &x->s->ps->rules[rule], .call = -1 };
	char summary[ALERT_WHAT_LEN];

	if (!(x->a->h->flags & MW_F_KILLED) || x->hits)
		return;
	snprintf(h.cause, sizeof(h.cause), "kernel:%s", path);
	snprintf(summary, sizeof(summary), "%s (judged in the kernel%s)", path,
		 (x->a->h->flags & MW_F_RESOLVED_TRUNC) ? ", path too long or too deep" : "");
	h.summary = summary;
	h.detail = json_pack("{s:s, s:s, s:b}", "path", path, "judged_by", "kernel", "truncated",
			     (x->a->h->flags & MW_F_RESOLVED_TRUNC) != 0);
	on_hit(x, &h);
}

/* The rule a file record says the kernel judged broken (out of scope when it names none). */
static enum policy_rule kernel_file_rule(const struct mw_file *e)
{
	return e->enf_rule && e->enf_rule <= POLICY_RULE__COUNT ?
	       (enum policy_rule)(e->enf_rule - 1) : POLICY_FILE_OUT_OF_SCOPE;
}

void guard_file(struct guard *g, const struct guard_action *a, const struct mw_file *e,
		const struct fpath *fp)
{
	struct detect_call calls[GUARD_CALLS_MAX];
	struct detect_proc pr;
	struct detect_ctx c;
	struct hit_ctx x;
	struct detect_file f = {
		.op = a->event + strlen("file."), .access = file_access(e), .ok = e->ret >= 0,
		.path = fp->dst.path,
	};

	if (!begin(g, a, &x, &c, &pr, calls))
		return;
	detect_file(&c, &f, on_hit, &x);
	kernel_only_hit(&x, kernel_file_rule(e), f.path ? f.path : "");
	if ((e->op != MW_FILE_RENAME && e->op != MW_FILE_LINK) || !fp->src.path[0])
		return;
	/* a rename also removes its source; a hard link gives its source a new name */
	f.path = fp->src.path;
	detect_file(&c, &f, on_hit, &x);
}

void guard_net(struct guard *g, const struct guard_action *a, const struct mw_net *e)
{
	struct detect_call calls[GUARD_CALLS_MAX];
	struct detect_proc pr;
	struct detect_ctx c;
	struct hit_ctx x;
	bool remote = e->op == MW_NET_CONNECT || e->op == MW_NET_ACCEPT;
	struct detect_net n = {
		.op = actions_net_event(e->op) + strlen("net."),
		.inet = e->family == AF_INET || e->family == AF_INET6,
		.port = remote ? e->rport : e->lport, .stream = e->type == SOCK_STREAM,
		.refused = (e->h.flags & MW_F_DENIED) != 0,
	};

	if (!n.inet || !begin(g, a, &x, &c, &pr, calls))
		return;
	match_addr_from_net(e->family, remote ? e->raddr : e->laddr, n.addr);
	detect_net(&c, &n, on_hit, &x);
}

void guard_exec(struct guard *g, const struct guard_action *a, const struct mw_exec *e)
{
	struct detect_call calls[GUARD_CALLS_MAX];
	struct detect_proc pr;
	struct detect_ctx c;
	struct hit_ctx x;
	char args[MW_ARGS_MAX + 1], exe[MW_RPATH_MAX + 1];
	const char *argv[MW_ARGS_MAX / 2 + 1];
	size_t len = e->args_len < MW_ARGS_MAX ? e->args_len : MW_ARGS_MAX;
	struct detect_exec d = { .exe = exe, .argv = argv };

	if (!begin(g, a, &x, &c, &pr, calls))
		return;
	memcpy(args, e->args, len);
	args[len] = '\0';
	for (size_t i = 0; i < len && d.argc < (int)(sizeof(argv) / sizeof(argv[0])); i +=
	     strlen(args + i) + 1)
		argv[d.argc++] = args + i;
	snprintf(exe, sizeof(exe), "%.*s", (int)MW_RPATH_MAX, e->resolved);
	pr.exe = exe;
	detect_exec(&c, &d, on_hit, &x);
	kernel_only_hit(&x, POLICY_EXEC_SPAWN, exe);
}

void guard_raw_alert(struct guard *g, const char *rule, const char *severity, uint32_t root,
		     struct proc_info *p, json_t *evidence, const char *summary, uint64_t ts_ns)
{
	struct detect_server *s = detect_server(g->det, root, false);
	json_t *rec = json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:s?, s:s?}, s:o, s:o, s:o}",
		"id", (json_int_t)alerts_take_id(g->alerts), "rule", rule, "severity", severity,
		"action", "alert", "server", "pid", (json_int_t)root, "name", s ? s->name : NULL,
		"policy", s ? s->ps->name : NULL, "process", output_proc(p), "calls", json_array(),
		"evidence", evidence ? evidence : json_object());

	output_alert(g->out, ts_ns, severity, rule, p, summary, "");
	output_record(g->out, "alert", ts_ns, rec);
}

void guard_tick(struct guard *g, uint64_t now_ns)
{
	alerts_expire(g->alerts, now_ns);
}

uint64_t guard_alert_count(const struct guard *g)
{
	const struct alerts_stats *st = alerts_stats(g->alerts);
	uint64_t n = 0;

	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		n += st->raised[r];
	return n;
}

json_t *guard_stats(const struct guard *g)
{
	const struct alerts_stats *st = alerts_stats(g->alerts);
	json_t *o = json_object();

	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		json_object_set_new(o, policy_rule_name(r), json_pack("{s:I, s:I, s:I}", "alerts",
				    (json_int_t)st->raised[r], "repeats", (json_int_t)st->repeats[r],
				    "user_space_kills", (json_int_t)g->user_kills[r]));
	return o;
}
