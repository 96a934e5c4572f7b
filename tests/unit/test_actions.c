// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/actions.c: kernel event records as JSON and console lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

#include "actions.h"
#include "unit.h"

#define LINE_LEN 512

/* Members of JSON objects (NULL-safe, as jansson is). */
static json_t *get(json_t *o, const char *k)
{
	return json_object_get(o, k);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(get(o, k));
}

static json_int_t num(json_t *o, const char *k)
{
	return json_integer_value(get(o, k));
}

static struct mw_file file_ev(uint32_t op, const char *path, const char *path2,
			      const char *resolved, int64_t ret)
{
	struct mw_file e;

	memset(&e, 0, sizeof(e));
	e.h.type = MW_EV_FILE;
	e.op = op;
	e.ret = ret;
	e.dirfd = -100;
	snprintf(e.path, sizeof(e.path), "%s", path);
	snprintf(e.path2, sizeof(e.path2), "%s", path2 ? path2 : "");
	snprintf(e.resolved, sizeof(e.resolved), "%s", resolved ? resolved : "");
	return e;
}

/* ---- files ---- */

/* The record of e with its paths as the kernel gave them (no collector pass). */
static json_t *file_rec(const struct mw_file *e, char *line)
{
	struct fpath fp;

	fpath_lexical(e, &fp);
	return actions_file(e, &fp, line, LINE_LEN);
}

static void test_event_names(void)
{
	CHECK_STR(actions_file_event(MW_FILE_OPEN), "file.open");
	CHECK_STR(actions_file_event(MW_FILE_RENAME), "file.rename");
	CHECK_STR(actions_file_event(MW_FILE_SYMLINK), "file.symlink");
	CHECK_STR(actions_file_event(MW_FILE_TRUNCATE), "file.truncate");
	CHECK_STR(actions_file_event(0), "file.unknown");
	CHECK_STR(actions_file_event(1000), "file.unknown");
	CHECK_STR(actions_net_event(MW_NET_CONNECT), "net.connect");
	CHECK_STR(actions_net_event(MW_NET_ACCEPT), "net.accept");
	CHECK_STR(actions_net_event(0), "net.unknown");
	CHECK_STR(actions_net_event(77), "net.unknown");
}

static void test_open_resolved(void)
{
	struct mw_file e = file_ev(MW_FILE_OPEN, "../data/./notes.txt", NULL,
				   "/srv/data/notes.txt", 5);
	char line[LINE_LEN];
	json_t *rec, *res;

	e.flags = O_RDONLY | O_CLOEXEC;
	e.ino = 131077;
	rec = file_rec(&e, line);
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "requested"), "../data/./notes.txt");
	CHECK_STR(str(rec, "resolved"), "/srv/data/notes.txt");
	CHECK_STR(str(rec, "path"), "/srv/data/notes.txt");
	CHECK_STR(str(rec, "resolved_by"), "kernel");
	CHECK_STR(str(rec, "access"), "read");
	CHECK_EQ(num(rec, "flags"), O_RDONLY | O_CLOEXEC);
	CHECK_EQ(num(rec, "ino"), 131077);
	res = get(rec, "result");
	CHECK(json_is_true(get(res, "ok")));
	CHECK_EQ(num(res, "fd"), 5);
	CHECK(get(res, "errno") == NULL);
	CHECK(get(rec, "resolved_dir") == NULL);
	CHECK(get(rec, "requested_new") == NULL);
	CHECK(get(rec, "deleted") == NULL);
	CHECK(get(rec, "truncated") == NULL);
	CHECK_STR(line, "open /srv/data/notes.txt (read)");
	json_decref(rec);
}

static void test_open_through_symlink(void)
{
	struct mw_file e = file_ev(MW_FILE_OPEN, "/tmp/innocent", NULL, "/etc/shadow", 3);
	char line[LINE_LEN];
	json_t *rec;

	e.flags = O_RDWR | O_APPEND;
	rec = file_rec(&e, line);
	CHECK_STR(str(rec, "requested"), "/tmp/innocent");
	CHECK_STR(str(rec, "path"), "/etc/shadow");      /* what was really opened */
	CHECK_STR(str(rec, "access"), "read,write");
	CHECK(get(rec, "ino") == NULL);                 /* no inode given */
	CHECK_STR(line, "open /etc/shadow (read,write)");
	json_decref(rec);
}

static void test_open_failed(void)
{
	struct mw_file e = file_ev(MW_FILE_OPEN, "/nope//x/../y", NULL, NULL, -ENOENT);
	char line[LINE_LEN];
	json_t *rec, *res;

	e.flags = O_WRONLY | O_CREAT | O_TRUNC;
	e.mode = 0644;
	rec = file_rec(&e, line);
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "path"), "/nope/y");           /* normalised request */
	CHECK(get(rec, "resolved") == NULL);
	CHECK_STR(str(rec, "access"), "write,create,truncate");
	CHECK_EQ(num(rec, "mode"), 0644);
	res = get(rec, "result");
	CHECK(json_is_false(get(res, "ok")));
	CHECK_EQ(num(res, "errno"), 2);
	CHECK_STR(str(res, "error"), "ENOENT");
	CHECK(get(res, "fd") == NULL);
	CHECK_STR(line, "open /nope/y (write,create,truncate) ENOENT");
	json_decref(rec);
}

static void test_open_failed_relative(void)
{
	struct mw_file e = file_ev(MW_FILE_OPEN, "cfg/../secret.json", NULL, "/home/u", -EACCES);
	char line[LINE_LEN];
	json_t *rec;

	e.h.flags = MW_F_RESOLVED_DIR;
	rec = file_rec(&e, line);
	CHECK_STR(str(rec, "path"), "/home/u/secret.json");
	CHECK_STR(str(rec, "resolved_dir"), "/home/u");
	CHECK(get(rec, "resolved") == NULL);
	CHECK_STR(str(get(rec, "result"), "error"), "EACCES");
	CHECK_STR(line, "open /home/u/secret.json (read) EACCES");
	json_decref(rec);
}

static void test_rename_relative(void)
{
	struct mw_file e = file_ev(MW_FILE_RENAME, "draft.txt", "out/../final.txt", "/work/proj", 0);
	char line[LINE_LEN];
	json_t *rec, *res;

	e.h.flags = MW_F_RESOLVED_DIR | MW_F_RESOLVED_OLD_DIR;
	snprintf(e.resolved_old, sizeof(e.resolved_old), "/work/drafts");
	rec = file_rec(&e, line);
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "requested"), "draft.txt");
	CHECK_STR(str(rec, "resolved_dir_old"), "/work/drafts");
	CHECK_STR(str(rec, "requested_new"), "out/../final.txt");
	CHECK_STR(str(rec, "resolved_dir"), "/work/proj");
	CHECK_STR(str(rec, "path"), "/work/proj/final.txt");
	CHECK_STR(str(rec, "resolved_by"), "lexical");  /* no collector pass here */
	CHECK_STR(str(rec, "source"), "/work/drafts/draft.txt");   /* from its own dirfd */
	CHECK_STR(str(rec, "source_resolved_by"), "lexical");
	CHECK(get(rec, "resolved") == NULL);
	CHECK(get(rec, "link") == NULL);
	CHECK_STR(str(rec, "access"), "create");
	res = get(rec, "result");
	CHECK(json_is_true(get(res, "ok")));
	CHECK(get(res, "fd") == NULL);                  /* only opens return an fd */
	CHECK_STR(line, "rename draft.txt -> /work/proj/final.txt (create)");
	json_decref(rec);
}

static void test_symlink(void)
{
	struct mw_file e = file_ev(MW_FILE_SYMLINK, "/etc/passwd", "/tmp/pw", NULL, -EEXIST);
	char line[LINE_LEN];
	json_t *rec;

	rec = file_rec(&e, line);
	CHECK_STR(str(rec, "requested"), "/etc/passwd");  /* the target */
	CHECK_STR(str(rec, "link"), "/tmp/pw");
	CHECK(get(rec, "requested_new") == NULL);
	CHECK_STR(str(rec, "path"), "/tmp/pw");
	CHECK_STR(str(get(rec, "result"), "error"), "EEXIST");
	CHECK_STR(line, "symlink /etc/passwd -> /tmp/pw (create) EEXIST");
	json_decref(rec);
}

static void test_unlink_truncate_flags(void)
{
	struct mw_file e = file_ev(MW_FILE_UNLINK, "/tmp/a.lock", NULL, NULL, 0);
	char line[LINE_LEN];
	json_t *rec;

	rec = file_rec(&e, line);
	CHECK_STR(str(rec, "access"), "write");
	CHECK_STR(line, "unlink /tmp/a.lock (write)");
	json_decref(rec);
	e = file_ev(MW_FILE_TRUNCATE, "", NULL, "/var/log/app.log", 0);
	e.ino = 99;
	e.h.flags = MW_F_DELETED | MW_F_RESOLVED_TRUNC;
	rec = file_rec(&e, line);
	CHECK_STR(str(rec, "access"), "truncate");
	CHECK_STR(str(rec, "path"), "/var/log/app.log");
	CHECK(json_is_true(get(rec, "deleted")));
	CHECK(json_is_true(get(rec, "truncated")));
	CHECK_EQ(num(rec, "ino"), 99);
	json_decref(rec);
}

static void test_non_utf8_path(void)
{
	struct mw_file e = file_ev(MW_FILE_OPEN, "/tmp/caf\xc3\xa9_\xff\xfe", NULL,
				   "/tmp/caf\xc3\xa9_\xff\xfe", 4);
	char line[LINE_LEN];
	json_t *rec;

	rec = file_rec(&e, line);
	CHECK(rec != NULL);
	/* each byte that is not UTF-8 is U+FFFD; the valid e-acute around them stays */
	CHECK_STR(str(rec, "requested"), "/tmp/caf\xc3\xa9_\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(str(rec, "resolved"), "/tmp/caf\xc3\xa9_\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_STR(str(rec, "path"), "/tmp/caf\xc3\xa9_\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(rec);
	/* valid UTF-8 passes through untouched */
	e = file_ev(MW_FILE_MKDIR, "/tmp/\xe2\x9c\x93", NULL, NULL, 0);
	rec = file_rec(&e, line);
	CHECK_STR(str(rec, "path"), "/tmp/\xe2\x9c\x93");
	json_decref(rec);
}

static void test_full_length_paths(void)
{
	struct mw_file e;
	char line[LINE_LEN];
	json_t *rec;

	/* a path string filled to its last byte (no NUL) is read within its bound; the
	 * kernel always terminates resolved[] (path.bpf.h), here at its last byte */
	memset(&e, 0, sizeof(e));
	e.op = MW_FILE_RENAME;
	e.h.flags = MW_F_RESOLVED_DIR | MW_F_PATH2_TRUNC;
	memset(e.path2, 'b', sizeof(e.path2));
	e.path[0] = 'a';
	e.resolved[0] = '/';
	memset(e.resolved + 1, 'r', sizeof(e.resolved) - 2);
	rec = file_rec(&e, line);
	CHECK(rec != NULL);
	CHECK_EQ(json_string_length(get(rec, "requested_new")), MW_FPATH_MAX);
	CHECK_EQ(json_string_length(get(rec, "resolved_dir")), MW_RPATH_MAX - 1);
	CHECK_EQ(json_string_length(get(rec, "path")), MW_RPATH_MAX + MW_FPATH_MAX);
	CHECK(json_is_true(get(rec, "truncated")));
	CHECK_EQ(strlen(line), sizeof(line) - 1);       /* console line cut, terminated */
	json_decref(rec);
}

/* ---- network ---- */

static struct mw_net net_ev(uint32_t op, uint16_t family, int64_t ret)
{
	struct mw_net e;

	memset(&e, 0, sizeof(e));
	e.h.type = MW_EV_NET;
	e.op = op;
	e.family = family;
	e.type = SOCK_STREAM;
	e.fd = 7;
	e.ret = ret;
	return e;
}

static void test_connect_ipv4_in_progress(void)
{
	struct mw_net e = net_ev(MW_NET_CONNECT, AF_INET, -EINPROGRESS);
	char line[LINE_LEN];
	json_t *rec, *res;

	inet_pton(AF_INET, "10.0.0.5", e.laddr);
	inet_pton(AF_INET, "93.184.216.34", e.raddr);
	e.lport = 40000;
	e.rport = 443;
	rec = actions_net(&e, line, sizeof(line));
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "family"), "inet");
	CHECK_STR(str(rec, "type"), "stream");
	CHECK_EQ(num(rec, "fd"), 7);
	CHECK(json_is_true(get(rec, "in_progress")));
	CHECK_STR(str(get(rec, "remote"), "addr"), "93.184.216.34");
	CHECK_EQ(num(get(rec, "remote"), "port"), 443);
	CHECK_STR(str(get(rec, "local"), "addr"), "10.0.0.5");
	CHECK_EQ(num(get(rec, "local"), "port"), 40000);
	res = get(rec, "result");
	CHECK(json_is_false(get(res, "ok")));
	CHECK_EQ(num(res, "errno"), EINPROGRESS);
	CHECK_STR(str(res, "error"), "EINPROGRESS");
	CHECK(get(rec, "unix_path") == NULL);
	CHECK_STR(line, "connect inet 93.184.216.34:443 from 10.0.0.5:40000");
	json_decref(rec);
}

static void test_connect_refused(void)
{
	struct mw_net e = net_ev(MW_NET_CONNECT, AF_INET, -ECONNREFUSED);
	char line[LINE_LEN];
	json_t *rec;

	inet_pton(AF_INET, "127.0.0.1", e.raddr);
	e.rport = 9;
	e.type = SOCK_DGRAM;
	rec = actions_net(&e, line, sizeof(line));
	CHECK(get(rec, "in_progress") == NULL);
	CHECK_STR(str(rec, "type"), "dgram");
	CHECK_STR(str(get(rec, "result"), "error"), "ECONNREFUSED");
	CHECK_STR(line, "connect inet 127.0.0.1:9 from 0.0.0.0:0 ECONNREFUSED");
	json_decref(rec);
}

static void test_accept_ipv6(void)
{
	struct mw_net e = net_ev(MW_NET_ACCEPT, AF_INET6, 9);
	char line[LINE_LEN];
	json_t *rec, *res;

	inet_pton(AF_INET6, "::1", e.laddr);
	inet_pton(AF_INET6, "::1", e.raddr);
	e.lport = 8080;
	e.rport = 51000;
	e.fd = 3;
	rec = actions_net(&e, line, sizeof(line));
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "family"), "inet6");
	CHECK_EQ(num(rec, "fd"), 3);                    /* the listening socket */
	res = get(rec, "result");
	CHECK(json_is_true(get(res, "ok")));
	CHECK_EQ(num(res, "fd"), 9);                    /* the accepted one */
	CHECK_STR(str(get(rec, "local"), "addr"), "::1");
	CHECK_EQ(num(get(rec, "local"), "port"), 8080);
	CHECK_STR(str(get(rec, "remote"), "addr"), "::1");
	CHECK_EQ(num(get(rec, "remote"), "port"), 51000);
	CHECK(get(rec, "in_progress") == NULL);
	CHECK_STR(line, "accept inet6 [::1]:51000 from [::1]:8080");
	json_decref(rec);
}

static void test_accept_v4_mapped(void)
{
	struct mw_net e = net_ev(MW_NET_ACCEPT, AF_INET6, 10);
	char line[LINE_LEN];
	json_t *rec;

	inet_pton(AF_INET6, "::", e.laddr);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", e.raddr);
	e.lport = 3000;
	e.rport = 40404;
	rec = actions_net(&e, line, sizeof(line));
	CHECK_STR(str(get(rec, "remote"), "addr"), "127.0.0.1");
	CHECK_STR(str(get(rec, "local"), "addr"), "::");
	CHECK_STR(line, "accept inet6 127.0.0.1:40404 from [::]:3000");
	json_decref(rec);
}

static void test_bind_listen(void)
{
	struct mw_net e = net_ev(MW_NET_BIND, AF_INET, -EADDRINUSE);
	char line[LINE_LEN];
	json_t *rec;

	inet_pton(AF_INET, "0.0.0.0", e.laddr);
	e.lport = 8080;
	rec = actions_net(&e, line, sizeof(line));
	CHECK(get(rec, "remote") == NULL);
	CHECK_EQ(num(get(rec, "local"), "port"), 8080);
	CHECK_STR(str(get(rec, "result"), "error"), "EADDRINUSE");
	CHECK_STR(line, "bind inet 0.0.0.0:8080 EADDRINUSE");
	json_decref(rec);
	e = net_ev(MW_NET_LISTEN, AF_INET6, 0);
	e.lport = 443;
	rec = actions_net(&e, line, sizeof(line));
	CHECK(json_is_true(get(get(rec, "result"), "ok")));
	CHECK(get(get(rec, "result"), "fd") == NULL);
	CHECK_STR(line, "listen inet6 [::]:443");
	json_decref(rec);
}

static void test_unix_connect(void)
{
	struct mw_net e = net_ev(MW_NET_CONNECT, AF_UNIX, 0);
	char line[LINE_LEN];
	json_t *rec;

	snprintf(e.unix_path, sizeof(e.unix_path), "/run/app/ctl.sock");
	rec = actions_net(&e, line, sizeof(line));
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "family"), "unix");
	CHECK_STR(str(rec, "unix_path"), "/run/app/ctl.sock");
	CHECK(get(rec, "local") == NULL);
	CHECK(get(rec, "remote") == NULL);
	CHECK(json_is_true(get(get(rec, "result"), "ok")));
	CHECK_STR(line, "connect unix /run/app/ctl.sock");
	json_decref(rec);
	e = net_ev(MW_NET_ACCEPT, AF_UNIX, 8);          /* the listener's path */
	snprintf(e.unix_path, sizeof(e.unix_path), "/run/app/ctl.sock");
	rec = actions_net(&e, line, sizeof(line));
	CHECK_EQ(num(get(rec, "result"), "fd"), 8);
	CHECK_STR(line, "accept unix /run/app/ctl.sock");
	json_decref(rec);
}

static void test_unix_bind_abstract(void)
{
	struct mw_net e = net_ev(MW_NET_BIND, AF_UNIX, 0);
	char line[LINE_LEN];
	json_t *rec;

	e.type = SOCK_SEQPACKET;
	snprintf(e.unix_path, sizeof(e.unix_path), "@mcp-bus");
	rec = actions_net(&e, line, sizeof(line));
	CHECK_STR(str(rec, "unix_path"), "@mcp-bus");
	CHECK_STR(str(rec, "type"), "seqpacket");
	CHECK_STR(line, "bind unix @mcp-bus");
	json_decref(rec);
	/* a full 108-byte path without NUL stays within the field */
	memset(e.unix_path, 'p', sizeof(e.unix_path));
	rec = actions_net(&e, line, sizeof(line));
	CHECK_EQ(json_string_length(get(rec, "unix_path")), MW_UNIX_PATH_MAX);
	json_decref(rec);
}

/* ---- processes ---- */

static struct mw_exec exec_ev(const char *resolved, const void *args, size_t args_len)
{
	struct mw_exec e;

	memset(&e, 0, sizeof(e));
	e.h.type = MW_EV_EXEC;
	e.uid = 1000;
	e.gid = 100;
	e.cgroup_id = 4242;
	snprintf(e.path, sizeof(e.path), "node");
	snprintf(e.resolved, sizeof(e.resolved), "%s", resolved);
	snprintf(e.cwd, sizeof(e.cwd), "/srv");
	memcpy(e.args, args, args_len);
	e.args_len = (uint32_t)args_len;
	return e;
}

static void test_exec_argv(void)
{
	static const char args[] = "node\0server.js\0--root\0\0/srv/data"; /* one empty arg */
	struct mw_exec e = exec_ev("/usr/bin/node", args, sizeof(args));
	char line[LINE_LEN];
	json_t *rec, *argv;

	rec = actions_exec(&e, line, sizeof(line));
	CHECK(rec != NULL);
	CHECK_STR(str(rec, "filename"), "node");
	CHECK_STR(str(rec, "exe"), "/usr/bin/node");
	CHECK_STR(str(rec, "cwd"), "/srv");
	CHECK_EQ(num(rec, "uid"), 1000);
	CHECK_EQ(num(rec, "gid"), 100);
	CHECK_EQ(num(rec, "cgroup_id"), 4242);
	CHECK(json_is_false(get(rec, "args_truncated")));
	argv = get(rec, "argv");
	CHECK_EQ(json_array_size(argv), 5);
	CHECK_STR(json_string_value(json_array_get(argv, 0)), "node");
	CHECK_STR(json_string_value(json_array_get(argv, 2)), "--root");
	CHECK_STR(json_string_value(json_array_get(argv, 3)), "");
	CHECK_STR(json_string_value(json_array_get(argv, 4)), "/srv/data");
	CHECK_STR(line, "exec /usr/bin/node: node server.js --root  /srv/data");
	json_decref(rec);
}

static void test_exec_args_truncated(void)
{
	char args[MW_ARGS_MAX];
	struct mw_exec e;
	char line[LINE_LEN + MW_ARGS_MAX];
	json_t *rec, *argv;

	memset(args, 'x', sizeof(args));
	memcpy(args, "python3\0-c\0", 11);               /* then one argument cut short */
	e = exec_ev("/usr/bin/python3.12", args, sizeof(args));
	e.h.flags = MW_F_ARGS_TRUNC;
	rec = actions_exec(&e, line, sizeof(line));
	CHECK(json_is_true(get(rec, "args_truncated")));
	argv = get(rec, "argv");
	CHECK_EQ(json_array_size(argv), 3);
	CHECK_STR(json_string_value(json_array_get(argv, 1)), "-c");
	CHECK_EQ(json_string_length(json_array_get(argv, 2)), MW_ARGS_MAX - 11);
	json_decref(rec);
	/* a length past the buffer is bounded by it */
	e.args_len = 4 * MW_ARGS_MAX;
	rec = actions_exec(&e, line, sizeof(line));
	CHECK_EQ(json_array_size(get(rec, "argv")), 3);
	json_decref(rec);
}

static void test_exec_no_args(void)
{
	struct mw_exec e = exec_ev("/bin/true", "", 0);
	char line[LINE_LEN];
	json_t *rec;

	rec = actions_exec(&e, line, sizeof(line));
	CHECK_EQ(json_array_size(get(rec, "argv")), 0);
	CHECK_STR(line, "exec /bin/true: ");
	json_decref(rec);
}

static void test_exec_non_utf8(void)
{
	static const char args[] = "cat\0/tmp/\xff\xfe.txt";
	struct mw_exec e = exec_ev("/usr/bin/cat", args, sizeof(args));
	char line[LINE_LEN];
	json_t *rec;

	snprintf(e.cwd, sizeof(e.cwd), "/home/\xc0\xaf");
	rec = actions_exec(&e, line, sizeof(line));
	CHECK(rec != NULL);
	CHECK_STR(json_string_value(json_array_get(get(rec, "argv"), 1)),
		  "/tmp/\xef\xbf\xbd\xef\xbf\xbd.txt");
	CHECK_STR(str(rec, "cwd"), "/home/\xef\xbf\xbd\xef\xbf\xbd");      /* overlong '/' */
	json_decref(rec);
}

static void test_exit_code(void)
{
	struct mw_exit e = { .h.type = MW_EV_EXIT, .exit_code = 3 << 8 };
	char line[LINE_LEN];
	json_t *rec;

	rec = actions_exit(&e, line, sizeof(line));
	CHECK_EQ(num(rec, "exit_code"), 3);
	CHECK(get(rec, "signal") == NULL);
	CHECK_STR(line, "exit: code 3");
	json_decref(rec);
	e.exit_code = 0;
	rec = actions_exit(&e, line, sizeof(line));
	CHECK(json_is_integer(get(rec, "exit_code")));
	CHECK_EQ(num(rec, "exit_code"), 0);
	CHECK_STR(line, "exit: code 0");
	json_decref(rec);
}

static void test_exit_signal(void)
{
	struct mw_exit e = { .h.type = MW_EV_EXIT, .exit_code = SIGKILL };
	char line[LINE_LEN];
	json_t *rec;

	rec = actions_exit(&e, line, sizeof(line));
	CHECK_EQ(num(rec, "signal"), 9);
	CHECK_STR(str(rec, "signal_name"), "KILL");
	CHECK(json_is_false(get(rec, "core_dumped")));
	CHECK(get(rec, "exit_code") == NULL);
	CHECK_STR(line, "exit: signal 9");
	json_decref(rec);
	e.exit_code = SIGSEGV | 0x80;                   /* core dumped */
	rec = actions_exit(&e, line, sizeof(line));
	CHECK_STR(str(rec, "signal_name"), "SEGV");
	CHECK(json_is_true(get(rec, "core_dumped")));
	CHECK_STR(line, "exit: signal 11 (core dumped)");
	json_decref(rec);
}

UNIT_MAIN(UNIT_TEST(test_event_names),
	  UNIT_TEST(test_open_resolved),
	  UNIT_TEST(test_open_through_symlink),
	  UNIT_TEST(test_open_failed),
	  UNIT_TEST(test_open_failed_relative),
	  UNIT_TEST(test_rename_relative),
	  UNIT_TEST(test_symlink),
	  UNIT_TEST(test_unlink_truncate_flags),
	  UNIT_TEST(test_non_utf8_path),
	  UNIT_TEST(test_full_length_paths),
	  UNIT_TEST(test_connect_ipv4_in_progress),
	  UNIT_TEST(test_connect_refused),
	  UNIT_TEST(test_accept_ipv6),
	  UNIT_TEST(test_accept_v4_mapped),
	  UNIT_TEST(test_bind_listen),
	  UNIT_TEST(test_unix_connect),
	  UNIT_TEST(test_unix_bind_abstract),
	  UNIT_TEST(test_exec_argv),
	  UNIT_TEST(test_exec_args_truncated),
	  UNIT_TEST(test_exec_no_args),
	  UNIT_TEST(test_exec_non_utf8),
	  UNIT_TEST(test_exit_code),
	  UNIT_TEST(test_exit_signal))
