// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/detect.c and detect_rules.c: facts, and every rule on synthetic actions
 * under a policy parsed from YAML. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect.h"
#include "unit.h"

static const char policy_yaml[] =
	"apiVersion: mcpwarden.dev/v1\n"
	"kind: Policy\n"
	"rules:\n"
	"  exec.spawn: {severity: low}\n"
	"runtime:\n"
	"  - {path: /usr/**, access: read}\n"
	"  - {path: /proc/self/**, access: read}\n"
	"  - {path: $SERVER_PACKAGE/**, access: any}\n"
	"  - {path: $RUNTIME_PREFIX/**, access: read}\n"
	"sensitive: [\"**/.ssh/**\", /etc/shadow, \"$HOME/.secret\"]\n"
	"metadata: [169.254.0.0/16, \"fd00:ec2::254\"]\n"
	"defaults:\n"
	"  roots: [/srv/data]\n"
	"  exec: {allow: [/usr/bin/git, \"/opt/tools/**\"]}\n"
	"  egress:\n"
	"    - {cidr: 10.0.0.0/8, ports: [443, \"8000-8100\"]}\n"
	"    - {cidr: \"::1\"}\n"
	"servers:\n"
	"  - name: quiet\n"
	"    match: {argv: \"*quiet-server*\"}\n"
	"    startupGrace: false\n"
	"    rules:\n"
	"      net.remote_peer: {enabled: false}\n"
	"    exceptions:\n"
	"      - name: tmp-by-tool\n"
	"        rule: file.out_of_scope\n"
	"        fields: [tool.name, file.path]\n"
	"        values: [[cleanup, /tmp/**]]\n"
	"exceptions:\n"
	"  - name: ssh-known-hosts\n"
	"    rule: file.sensitive\n"
	"    fields: [proc.comm, file.path]\n"
	"    values: [[ssh, \"**/.ssh/known_hosts\"]]\n";

struct fx {
	struct policy *p;
	struct detect *d;
	struct detect_server *s;
	struct detect_proc proc;
	struct detect_call calls[2];
	json_t *args[2];
	struct detect_ctx c;
	unsigned int hits;
	enum policy_rule rule[8];
	char cause[8][DETECT_CAUSE_MAX];
	json_t *detail[8];
	int call[8];
};

static void collect(void *ctx, struct detect_hit *h)
{
	struct fx *f = ctx;

	if (f->hits < 8) {
		f->rule[f->hits] = h->rule;
		snprintf(f->cause[f->hits], DETECT_CAUSE_MAX, "%s", h->cause);
		f->detail[f->hits] = h->detail;
		f->call[f->hits] = h->call;
	} else {
		json_decref(h->detail);
	}
	f->hits++;
}

static void reset_hits(struct fx *f)
{
	for (unsigned int i = 0; i < f->hits && i < 8; i++)
		json_decref(f->detail[i]);
	f->hits = 0;
}

static void fx_init(struct fx *f, const char *cmdline)
{
	struct policy_error err = { "" };

	memset(f, 0, sizeof(*f));
	f->p = policy_parse(policy_yaml, strlen(policy_yaml), "t.yaml", &err);
	CHECK_STR(err.msg, "");
	f->d = detect_new(f->p);
	f->s = detect_server(f->d, 100, true);
	CHECK_EQ(detect_server_facts(f->s, f->p, "/usr/bin/node", cmdline, "", NULL, "/home/u"), 0);
	detect_server_package(f->s, "/opt/app/node_modules/@x/server");
	f->s->spoke = true;
	f->proc = (struct detect_proc){ .tgid = 101, .tid = 102, .exe = "/usr/bin/node",
		.comm = "node", .cmdline = cmdline, .home = "/home/u" };
	f->c = (struct detect_ctx){ .policy = f->p, .server = f->s, .proc = &f->proc,
		.calls = f->calls };
}

static void fx_free(struct fx *f)
{
	reset_hits(f);
	for (unsigned int i = 0; i < 2; i++)
		json_decref(f->args[i]);
	detect_free(f->d);
	policy_free(f->p);
}

static void add_call(struct fx *f, const char *tool, const char *args)
{
	unsigned int i = f->c.ncalls++;

	f->args[i] = json_loads(args, 0, NULL);
	CHECK(f->args[i] != NULL);
	f->calls[i] = (struct detect_call){ .tool = tool, .arguments = f->args[i] };
}

static void file(struct fx *f, const char *path, unsigned int access, bool ok)
{
	struct detect_file e = { .op = "open", .access = access, .path = path, .ok = ok };

	reset_hits(f);
	detect_file(&f->c, &e, collect, f);
}

/* ---- facts ---- */

static void test_facts(void)
{
	char out[256];
	const char *a1[] = { "node", "--inspect", "/x/y/index.js", "/data" };
	const char *a2[] = { "python3", "-m", "mcp_server_git" };
	const char *a3[] = { "node" };
	json_t *r;
	char *roots[4];
	unsigned int n;

	CHECK_EQ(detect_package_dir("/a/node_modules/@scope/pkg/dist/index.js", out,
				    sizeof(out)), 0);
	CHECK_STR(out, "/a/node_modules/@scope/pkg");
	CHECK_EQ(detect_package_dir("/a/node_modules/x/node_modules/pkg/i.js", out, sizeof(out)), 0);
	CHECK_STR(out, "/a/node_modules/x/node_modules/pkg");
	CHECK_EQ(detect_package_dir("/srv/app/server.js", out, sizeof(out)), 0);
	CHECK_STR(out, "/srv/app");
	CHECK_EQ(detect_package_dir("/server.js", out, sizeof(out)), 0);
	CHECK_STR(out, "/");
	CHECK_EQ(detect_package_dir("server.js", out, sizeof(out)), -1);
	CHECK_EQ(detect_runtime_prefix("/usr/bin/node", out, sizeof(out)), 0);
	CHECK_STR(out, "/usr");
	CHECK_EQ(detect_runtime_prefix("/root/.pyenv/versions/3.11.9/bin/python3.11", out,
				       sizeof(out)), 0);
	CHECK_STR(out, "/root/.pyenv/versions/3.11.9");
	CHECK_EQ(detect_runtime_prefix("/opt/tool/node", out, sizeof(out)), 0);
	CHECK_STR(out, "/opt/tool");
	CHECK_EQ(detect_runtime_prefix("/bin/sh", out, sizeof(out)), -1);     /* never "/" */
	CHECK_EQ(detect_runtime_prefix("/sbin/x", out, sizeof(out)), -1);
	CHECK_EQ(detect_runtime_prefix("node", out, sizeof(out)), -1);
	CHECK_STR(detect_script_arg(4, a1), "/x/y/index.js");
	CHECK(detect_script_arg(3, a2) == NULL);
	CHECK(detect_script_arg(1, a3) == NULL);
	r = json_loads("{\"roots\":[{\"uri\":\"file:///tmp/a%20b\",\"name\":\"x\"},"
		       "{\"uri\":\"https://example.com/\"},{\"uri\":\"file://host/x\"},{\"uri\":7},"
		       "{\"uri\":\"file:///bad%00nul\"},{\"uri\":\"file:///srv\"}]}", 0, NULL);
	n = detect_client_roots(r, roots, 4);
	CHECK_EQ(n, 2);
	CHECK_STR(n > 0 ? roots[0] : NULL, "/tmp/a b");
	CHECK_STR(n > 1 ? roots[1] : NULL, "/srv");
	for (unsigned int i = 0; i < n; i++)
		free(roots[i]);
	CHECK_EQ(detect_client_roots(json_object_get(r, "nope"), roots, 4), 0);
	json_decref(r);
}

/* Selection follows the facts: a later serverInfo.name may change it; roots reload. */
static void test_selection(void)
{
	struct fx f;

	fx_init(&f, "node /opt/app/index.js");
	CHECK_STR(f.s->ps->name, "defaults");
	CHECK_EQ(f.s->nroots[DETECT_ROOT_POLICY], 1);
	CHECK_STR(f.s->roots[DETECT_ROOT_POLICY][0], "/srv/data");
	CHECK_EQ(detect_server_facts(f.s, f.p, NULL, "node quiet-server.js", NULL, NULL, NULL), 0);
	CHECK_STR(f.s->ps->name, "quiet");
	CHECK(detect_server(f.d, 100, false) == f.s);
	detect_forget(f.d, 100);
	CHECK(detect_server(f.d, 100, false) == NULL);
	f.s = NULL;
	fx_free(&f);
}

/* ---- files ---- */

static void test_out_of_scope(void)
{
	struct fx f;

	fx_init(&f, "node /opt/app/index.js");
	file(&f, "/srv/data/x.txt", POLICY_ACCESS_READ | POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/srv/data", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/srv/database/x", POLICY_ACCESS_READ, true);     /* prefix, not a component */
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_FILE_OUT_OF_SCOPE);
	CHECK_STR(f.cause[0], "read /srv/database/x");
	CHECK_STR(json_string_value(json_object_get(f.detail[0], "path")), "/srv/database/x");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(f.detail[0],
		  "roots"), 0), "from")), "policy");
	file(&f, "/srv/database/x", POLICY_ACCESS_READ, false);    /* failed: not judged */
	CHECK_EQ(f.hits, 0);
	/* runtime: /usr read-only; the package read-write; the interpreter prefix read-only */
	file(&f, "/usr/lib/x.so", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/usr/lib/x.so", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 1);
	CHECK_STR(f.cause[0], "write /usr/lib/x.so");
	file(&f, "/usr/lib/x.so", POLICY_ACCESS_READ | POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 1);
	file(&f, "/opt/app/node_modules/@x/server/data.json", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/opt/app/node_modules/@x/other/data.json", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 1);
	/* /proc/self stands for the acting process (tgid or tid), not another one */
	file(&f, "/proc/101/status", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/proc/102/task/102/stat", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/proc/1/environ", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 1);
	file(&f, "/proc/1011/status", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 1);
	/* before the server has spoken (start-up grace) nothing is out of scope */
	f.s->spoke = false;
	file(&f, "/etc/hostname", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	/* a server with no roots at all has no file scope */
	f.s->spoke = true;
	detect_server_roots(f.s, DETECT_ROOT_POLICY, NULL, 0);
	file(&f, "/etc/hostname", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	/* roots from the client's roots/list count */
	{
		const char *r[] = { "/home/u/project/" };

		detect_server_roots(f.s, DETECT_ROOT_CLIENT, r, 1);
	}
	file(&f, "/home/u/project/a.c", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/home/u/projects", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 1);
	fx_free(&f);
}

static void test_sensitive(void)
{
	struct fx f;

	fx_init(&f, "node /opt/app/index.js");
	file(&f, "/srv/data/.ssh/id_rsa", POLICY_ACCESS_READ, true);   /* inside a root */
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_FILE_SENSITIVE);
	CHECK_STR(json_string_value(json_object_get(f.detail[0], "pattern")), "**/.ssh/**");
	file(&f, "/etc/shadow", POLICY_ACCESS_READ, true);             /* and out of scope */
	CHECK_EQ(f.hits, 2);
	CHECK_EQ(f.rule[0], POLICY_FILE_SENSITIVE);
	CHECK_EQ(f.rule[1], POLICY_FILE_OUT_OF_SCOPE);
	file(&f, "/home/u/.secret", POLICY_ACCESS_READ, true);         /* $HOME expanded */
	CHECK_EQ(f.hits >= 1 && f.rule[0] == POLICY_FILE_SENSITIVE, 1);
	f.proc.home = NULL;                                              /* unknown home */
	file(&f, "/home/u/.secret", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_FILE_OUT_OF_SCOPE);
	/* the global exception: ssh reading known_hosts */
	f.proc.comm = "ssh";
	file(&f, "/srv/data/.ssh/known_hosts", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/srv/data/.ssh/id_rsa", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 1);
	f.proc.comm = "node";
	file(&f, "/srv/data/.ssh/known_hosts", POLICY_ACCESS_READ, true);
	CHECK_EQ(f.hits, 1);
	fx_free(&f);
}

/* A server entry's exception: tuple of tool name and path. */
static void test_exception_tuple(void)
{
	struct fx f;

	fx_init(&f, "node quiet-server.js");
	CHECK_STR(f.s->ps->name, "quiet");
	file(&f, "/tmp/x", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 1);                    /* no call in flight */
	add_call(&f, "cleanup", "{}");
	file(&f, "/tmp/x", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 0);
	file(&f, "/var/x", POLICY_ACCESS_WRITE, true);
	CHECK_EQ(f.hits, 1);
	fx_free(&f);
}

/* ---- network ---- */

static bool f_stream, f_refused;

static void net(struct fx *f, const char *op, const char *addr, uint16_t port)
{
	struct detect_net n = { .op = op, .inet = true, .port = port, .stream = f_stream,
				 .refused = f_refused };
	uint8_t v4[4];

	if (inet_pton(AF_INET, addr, v4) == 1)
		match_addr_from_v4(v4, n.addr);
	else
		CHECK_EQ(inet_pton(AF_INET6, addr, n.addr), 1);
	reset_hits(f);
	detect_net(&f->c, &n, collect, f);
}

static void test_net(void)
{
	struct fx f;

	fx_init(&f, "node /opt/app/index.js");
	net(&f, "connect", "10.1.2.3", 443);
	CHECK_EQ(f.hits, 0);
	net(&f, "connect", "::ffff:10.1.2.3", 8050);                   /* v4-mapped, in range */
	CHECK_EQ(f.hits, 0);
	net(&f, "connect", "::1", 9);
	CHECK_EQ(f.hits, 0);
	net(&f, "connect", "10.1.2.3", 80);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_NET_EGRESS);
	CHECK_STR(f.cause[0], "connect 10.1.2.3:80");
	net(&f, "connect", "127.0.0.1", 4444);
	CHECK_EQ(f.hits, 1);
	CHECK_STR(json_string_value(json_object_get(f.detail[0], "addr")), "127.0.0.1");
	net(&f, "connect", "169.254.169.254", 80);     /* metadata, not also egress */
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_NET_METADATA);
	net(&f, "connect", "fd00:ec2::254", 80);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_NET_METADATA);
	CHECK_STR(f.cause[0], "connect [fd00:ec2::254]:80");
	f.s->spoke = false;                             /* grace: egress waits, metadata not */
	net(&f, "connect", "10.1.2.3", 80);
	CHECK_EQ(f.hits, 0);
	net(&f, "connect", "169.254.169.254", 80);
	CHECK_EQ(f.hits, 1);
	f.s->spoke = true;
	net(&f, "bind", "0.0.0.0", 8080);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_NET_LISTEN_WILDCARD);
	net(&f, "listen", "::", 8080);
	CHECK_EQ(f.hits, 1);
	CHECK_STR(f.cause[0], "[::]:8080");            /* bind and listen: one cause */
	net(&f, "bind", "0.0.0.0", 0);                  /* a datagram client's ephemeral bind */
	CHECK_EQ(f.hits, 0);
	f_stream = true;                /* a stream socket: judged at its listen, with the port */
	net(&f, "bind", "0.0.0.0", 0);
	CHECK_EQ(f.hits, 0);
	f_refused = true;               /* unless the kernel refused the bind */
	net(&f, "bind", "0.0.0.0", 0);
	CHECK_EQ(f.hits, 1);
	f_stream = f_refused = false;
	net(&f, "bind", "127.0.0.1", 8080);
	CHECK_EQ(f.hits, 0);
	net(&f, "accept", "127.0.0.1", 50000);
	CHECK_EQ(f.hits, 0);
	net(&f, "accept", "::ffff:127.0.0.5", 50000);
	CHECK_EQ(f.hits, 0);
	net(&f, "accept", "192.168.1.7", 50000);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_NET_REMOTE_PEER);
	CHECK_STR(f.cause[0], "accept 192.168.1.7");   /* the peer, whatever its port */
	/* the quiet entry disables net.remote_peer */
	detect_server_facts(f.s, f.p, NULL, "node quiet-server.js", NULL, NULL, NULL);
	net(&f, "accept", "192.168.1.7", 50000);
	CHECK_EQ(f.hits, 0);
	fx_free(&f);
}

/* ---- exec ---- */

static void run(struct fx *f, const char *exe, int argc, const char *const *argv)
{
	struct detect_exec x = { .exe = exe, .argc = argc, .argv = argv };

	reset_hits(f);
	detect_exec(&f->c, &x, collect, f);
}

static void test_exec(void)
{
	const char *git[] = { "git", "status" };
	const char *sh_inj[] = { "sh", "-c", "ping -c1 example.com; touch /tmp/pwned" };
	const char *sh_plain[] = { "sh", "-c", "ls | head" };
	const char *sh_noargs[] = { "sh", "-c", "ping -c1 example.com" };
	struct fx f;

	fx_init(&f, "node /opt/app/index.js");
	run(&f, "/usr/bin/git", 2, git);
	CHECK_EQ(f.hits, 0);
	run(&f, "/opt/tools/x/y", 1, git);
	CHECK_EQ(f.hits, 0);
	run(&f, "/usr/local/bin/curl", 1, git);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_EXEC_SPAWN);
	CHECK_STR(f.cause[0], "/usr/local/bin/curl");
	f.s->spoke = false;
	run(&f, "/usr/local/bin/curl", 1, git);
	CHECK_EQ(f.hits, 0);
	f.s->spoke = true;
	/* a shell whose command holds an argument of a call in flight, with metacharacters */
	add_call(&f, "list", "{\"dir\":\"/srv\"}");
	add_call(&f, "ping", "{\"opts\":{\"hosts\":[\"x\",\"example.com; touch /tmp/pwned\"]}}");
	run(&f, "/usr/bin/dash", 3, sh_inj);
	CHECK_EQ(f.hits, 2);
	CHECK_EQ(f.rule[0], POLICY_EXEC_SHELL_INJECTION);
	CHECK_EQ(f.call[0], 1);
	CHECK_STR(json_string_value(json_object_get(f.detail[0], "argument")),
		  "arguments.opts.hosts[1]");
	CHECK_STR(json_string_value(json_object_get(f.detail[0], "metachar")), ";");
	CHECK(json_is_true(json_object_get(f.detail[0], "metachar_in_argument")));
	CHECK_EQ(f.rule[1], POLICY_EXEC_SPAWN);
	/* metacharacters without argument text, argument text without metacharacters */
	run(&f, "/usr/bin/dash", 3, sh_plain);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_EXEC_SPAWN);
	json_decref(f.args[1]);
	f.args[1] = json_loads("{\"host\":\"example.com\"}", 0, NULL);
	f.calls[1].arguments = f.args[1];
	run(&f, "/usr/bin/dash", 3, sh_noargs);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_EXEC_SPAWN);
	/* metacharacters in the command around the argument text still count */
	run(&f, "/usr/bin/dash", 3, sh_inj);
	CHECK_EQ(f.hits, 2);
	CHECK_EQ(f.rule[0], POLICY_EXEC_SHELL_INJECTION);
	CHECK(json_is_false(json_object_get(f.detail[0], "metachar_in_argument")));
	/* not a shell */
	run(&f, "/usr/bin/python3", 3, sh_inj);
	CHECK_EQ(f.hits, 1);
	CHECK_EQ(f.rule[0], POLICY_EXEC_SPAWN);
	fx_free(&f);
}

UNIT_MAIN(UNIT_TEST(test_facts),
	  UNIT_TEST(test_selection),
	  UNIT_TEST(test_out_of_scope),
	  UNIT_TEST(test_sensitive),
	  UNIT_TEST(test_exception_tuple),
	  UNIT_TEST(test_net),
	  UNIT_TEST(test_exec))
