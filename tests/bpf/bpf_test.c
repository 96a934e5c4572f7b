// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * BPF layer: load and attach every program of the real object, then drive real processes
 * (forked children doing real syscalls) and check the records the kernel side emits.
 * Needs root; fails, never skips, when BPF cannot be loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "loader.h"
#include "output.h"
#include "pin.h"
#include "proc.h"
#include "reader.h"
#include "unit.h"

/* Built twice: as bpf_test, and with -DPROBE_READS=1 as bpf_test_probe_reads, which loads
 * the programs with direct loads of kernel structures turned off (loader_opts.probe_reads)
 * and runs the tests that go through channel resolution again on the fallback reads. */
#ifndef PROBE_READS
#define PROBE_READS 0
#endif

#define EVENTS_MAX      4096
#define PUMP_MS         300
#define BIG_WRITE       40000
#define DETECT_LINE_MAX 128
#define DETECT_READ_BIG (4 * MW_DETECT_SCAN)    /* one read holds the whole scan window */

struct rec {
	struct mw_event_hdr h;
	union {
		struct mw_payload p;
		struct mw_exec e;
		struct mw_fork f;
		struct mw_exit x;
		struct mw_track t;
		struct mw_file fl;
		struct mw_net n;
		struct mw_sock s;
	} u;
	uint8_t *data;          /* payload bytes (copy) */
};

struct ctx {
	struct loader *l;
	struct reader *r;
	struct rec ev[EVENTS_MAX];
	size_t n;
	uint64_t go_ino;        /* the start signal's pipe: its 1-byte read is not under test */
};

static struct ctx T;

static struct rec *push(const struct mw_event_hdr *h, const void *e, size_t size)
{
	struct rec *r;

	if (T.n == EVENTS_MAX)
		return NULL;
	r = &T.ev[T.n++];
	memset(r, 0, sizeof(*r));
	r->h = *h;
	memcpy(&r->u, e, size);
	return r;
}

static void on_payload(void *c, const struct mw_payload *p, const uint8_t *data)
{
	struct rec *r = push(&p->h, p, sizeof(*p));

	if (r) {
		r->data = malloc(p->len ? p->len : 1);
		memcpy(r->data, data, p->len);
	}
}

static void on_exec(void *c, const struct mw_exec *e) { push(&e->h, e, sizeof(*e)); }
static void on_fork(void *c, const struct mw_fork *e) { push(&e->h, e, sizeof(*e)); }
static void on_exit_ev(void *c, const struct mw_exit *e) { push(&e->h, e, sizeof(*e)); }
static void on_track(void *c, const struct mw_track *e) { push(&e->h, e, sizeof(*e)); }
static void on_file(void *c, const struct mw_file *e) { push(&e->h, e, sizeof(*e)); }
static void on_net(void *c, const struct mw_net *e) { push(&e->h, e, sizeof(*e)); }
static void on_sock(void *c, const struct mw_sock *e) { push(&e->h, e, sizeof(*e)); }

static void pump(void)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		reader_poll(T.r, 50);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < PUMP_MS);
}

static void reset(void)
{
	pump();
	for (size_t i = 0; i < T.n; i++)
		free(T.ev[i].data);
	T.n = 0;
}

static bool is(const struct rec *r, uint16_t type, uint32_t tgid)
{
	return r->h.type == type && r->h.tgid == tgid &&
	       !(type == MW_EV_PAYLOAD && r->u.p.chan == T.go_ino);
}

static size_t count(uint16_t type, uint32_t tgid)
{
	size_t n = 0;

	for (size_t i = 0; i < T.n; i++)
		n += is(&T.ev[i], type, tgid);
	return n;
}

static struct rec *find(uint16_t type, uint32_t tgid, size_t nth)
{
	for (size_t i = 0; i < T.n; i++)
		if (is(&T.ev[i], type, tgid) && nth-- == 0)
			return &T.ev[i];
	return NULL;
}

static uint64_t start_ns_of(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	FILE *f;
	char *close;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	close = strrchr(buf, ')');
	sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
	       "%*d %*d %llu", &start);
	return start * MW_NS_PER_TICK;
}

/* A child that waits for a byte on `go`, then runs fn(arg) and exits 0. */
static pid_t spawn(int go[2], void (*fn)(void *), void *arg)
{
	struct stat st;
	pid_t pid;
	char c;

	if (pipe(go) || fstat(go[0], &st))
		return -1;
	T.go_ino = st.st_ino;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		fn(arg);
		_exit(0);
	}
	close(go[0]);
	return pid;
}

static int release_and_wait(int go[2], pid_t pid)
{
	int st = 0;

	if (write(go[1], "g", 1) != 1)
		return -1;
	close(go[1]);
	waitpid(pid, &st, 0);
	pump();
	return st;
}

static void track_pid(pid_t pid)
{
	CHECK_EQ(loader_track(T.l, (uint32_t)pid, start_ns_of(pid), (uint32_t)pid, MW_TRACK_PID), 0);
}

static uint64_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* ---- children ---- */

struct fds {
	int rd, wr;
};

static void child_write_line(void *arg)
{
	struct fds *f = arg;

	if (write(f->wr, "hello world\n", 12) != 12)
		_exit(4);
}

static void child_writev_big(void *arg)
{
	struct fds *f = arg;
	static char a[10000], b[20000], c[10000];
	struct iovec iov[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	size_t done = 0;

	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (char)('0' + i % 10);
	memset(c, 'c', sizeof(c));
	while (done < BIG_WRITE) {
		ssize_t n = writev(f->wr, iov, 3);

		if (n <= 0)
			_exit(4);
		done += (size_t)n;
		if (done < BIG_WRITE)   /* partial writes are not expected on a fresh socketpair */
			_exit(5);
	}
}

static void child_write_big(void *arg)
{
	struct fds *f = arg;
	static char a[BIG_WRITE];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (char)('A' + i % 26);
	if (write(f->wr, a, sizeof(a)) != (ssize_t)sizeof(a))
		_exit(4);           /* partial writes are not expected on a fresh socketpair */
}

static void child_fork_pipe(void *arg)
{
	int p[2];
	char buf[8];
	pid_t g;

	if (pipe(p))
		_exit(4);
	g = fork();
	if (g == 0) {
		if (write(p[1], "abc\n", 4) != 4)
			_exit(4);
		_exit(0);
	}
	if (read(p[0], buf, sizeof(buf)) != 4)
		_exit(5);
	waitpid(g, NULL, 0);
}

/* Makes a pipe (the pipe syscall), a pipe (pipe2) and a unix socketpair, and reports the inodes
 * of their ends on f->wr; writes nothing through them. */
static void child_make_ends(void *arg)
{
	struct fds *f = arg;
	int p[2], p2[2], s[2];
	uint64_t ino[4];

	if (syscall(SYS_pipe, p) || pipe2(p2, O_CLOEXEC) || socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		_exit(4);
	ino[0] = ino_of(p[1]);
	ino[1] = ino_of(p2[1]);
	ino[2] = ino_of(s[0]);
	ino[3] = ino_of(s[1]);
	if (write(f->wr, ino, sizeof(ino)) != sizeof(ino))
		_exit(5);
}

/* Forks a grandchild that waits to be killed and reports its pid on f->wr. */
static void child_fork_report(void *arg)
{
	struct fds *f = arg;
	pid_t g = fork();

	if (g == 0) {
		pause();
		_exit(0);
	}
	if (g < 0 || write(f->wr, &g, sizeof(g)) != sizeof(g))
		_exit(4);
	waitpid(g, NULL, 0);
}

static void child_read_all(void *arg)
{
	struct fds *f = arg;
	char buf[256];

	close(f->wr);           /* inherited: EOF needs every write end closed */
	while (read(f->rd, buf, sizeof(buf)) > 0)
		;
}

/* One read takes the whole line (written before the child reads): the scan window is seen. */
static void child_read_big(void *arg)
{
	struct fds *f = arg;
	char buf[DETECT_READ_BIG];

	close(f->wr);
	while (read(f->rd, buf, sizeof(buf)) > 0)
		;
}

static void child_recvmsg(void *arg)
{
	struct fds *f = arg;
	char a[4], b[64];
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	if (recvmsg(f->rd, &mh, 0) <= 0)
		_exit(4);
}

/* Reads one line from f->rd, then writes one on the same socket (f->rd). */
static void child_ping_pong(void *arg)
{
	struct fds *f = arg;
	char buf[16];

	if (read(f->rd, buf, sizeof(buf)) != 5)
		_exit(4);
	if (write(f->rd, "pong\n", 5) != 5)
		_exit(5);
}

static void child_exec_true(void *arg)
{
	execl("/bin/true", "true", "--mcpwarden-test", (char *)NULL);
	_exit(4);
}

/* ---- tests ---- */

static void test_every_program_attached(void)
{
	unsigned int n = loader_program_count(T.l);
	bool write_exit = false, fork_seen = false, connect4 = false;

	CHECK(n >= 15);
	CHECK_EQ(loader_attached_count(T.l), n);
	for (unsigned int i = 0; i < n; i++) {
		const char *sec = loader_program_section(T.l, i);

		CHECK(loader_program_attached(T.l, i));
		write_exit |= !strcmp(sec, "tp/syscalls/sys_exit_write");
		fork_seen |= !strcmp(sec, "tp_btf/sched_process_fork");
		connect4 |= !strcmp(sec, "cgroup/connect4");
	}
	CHECK(write_exit && fork_seen && connect4);
}

static void test_tracked_pipe_write(void)
{
	int go[2], p[2];
	struct fds f;
	struct stat st;
	char buf[64];
	struct rec *r;
	pid_t pid;

	reset();
	CHECK_EQ(pipe(p), 0);
	f.wr = p[1];
	pid = spawn(go, child_write_line, &f);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 12);
	fstat(p[0], &st);
	pump();
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 1);
	r = find(MW_EV_PAYLOAD, (uint32_t)pid, 0);
	if (!r)
		return;
	CHECK_EQ(r->u.p.op, MW_OP_WRITE);
	CHECK_EQ(r->u.p.kind, MW_CHAN_PIPE);
	CHECK_EQ(r->u.p.chan, st.st_ino);
	CHECK_EQ(r->u.p.offset, 0);
	CHECK_EQ(r->u.p.fd, p[1]);
	CHECK_EQ(r->u.p.h.flags & (MW_F_FIRST_CHUNK | MW_F_LAST_CHUNK),
		 MW_F_FIRST_CHUNK | MW_F_LAST_CHUNK);
	CHECK_MEM(r->data, r->u.p.len, "hello world\n", 12);
	CHECK_EQ(count(MW_EV_EXIT, (uint32_t)pid), 1);
	CHECK(!loader_is_tracked(T.l, (uint32_t)pid));
	CHECK(loader_writer_marked(T.l, st.st_ino));    /* its write marked the end */
	close(p[0]);
	close(p[1]);
}

/* Does the running kernel have the kfunc the loader probes for direct loads (bpf_rdonly_cast)?
 * Looked up here apart from the loader's own probe. */
static bool kernel_has_rdonly_cast(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool has = vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) >= 0;

	btf__free(vmlinux);
	return has;
}

/* The programs read kernel structures by direct loads where the kernel allows them, and by
 * bpf_probe_read_kernel() when told to (this binary's probe-reads build) or when it does not. */
static void test_btf_walk_mode(void)
{
	CHECK_EQ(loader_btf_walk(T.l), !PROBE_READS && kernel_has_rdonly_cast());
}

/* A tracked process on one end of a unix socketpair reads what an untracked one wrote, and
 * answers: both records name the right ends (every field channel resolution reads). */
static void test_unix_channel_ends(void)
{
	int go[2], sp[2];
	struct fds f;
	struct rec *r;
	uint64_t mine, theirs;
	char buf[16];
	pid_t pid;

	reset();
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	mine = ino_of(sp[1]);
	theirs = ino_of(sp[0]);
	f.rd = f.wr = sp[1];
	pid = spawn(go, child_ping_pong, &f);
	track_pid(pid);
	CHECK_EQ(write(sp[0], "ping\n", 5), 5);
	CHECK_EQ(release_and_wait(go, pid), 0);
	CHECK_EQ(read(sp[0], buf, sizeof(buf)), 5);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 2);
	for (size_t i = 0; (r = find(MW_EV_PAYLOAD, (uint32_t)pid, i)); i++) {
		bool wr = r->u.p.op == MW_OP_WRITE;

		CHECK_EQ(r->u.p.kind, MW_CHAN_UNIX);
		CHECK_EQ(r->u.p.local_ino, mine);
		CHECK_EQ(r->u.p.peer_ino, theirs);
		CHECK_EQ(r->u.p.chan, wr ? theirs : mine);     /* named by the receiving end */
		CHECK_EQ(r->u.p.fd, sp[1]);
		CHECK_MEM(r->data, r->u.p.len, wr ? "pong\n" : "ping\n", 5);
	}
	CHECK(loader_writer_marked(T.l, mine));
	CHECK(!loader_writer_marked(T.l, theirs));
	close(sp[0]);
	close(sp[1]);
}

static void test_untracked_not_captured(void)
{
	int go[2], p[2];
	struct fds f;
	char buf[64];
	pid_t pid;

	reset();
	CHECK_EQ(pipe(p), 0);
	f.wr = p[1];
	pid = spawn(go, child_write_line, &f);
	CHECK_EQ(release_and_wait(go, pid), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 12);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 0);
	CHECK_EQ(count(MW_EV_EXIT, (uint32_t)pid), 0);
	CHECK(!loader_writer_marked(T.l, ino_of(p[1])));
	close(p[0]);
	close(p[1]);
}

/* The ends a process makes: marked as written by a tracked process when it is tracked (before
 * a byte goes through them: its tracked children's bytes are captured once, by the writer),
 * not otherwise. */
static void made_ends(bool tracked)
{
	int go[2], p[2];
	struct fds f;
	uint64_t ino[4];
	pid_t pid;

	reset();
	CHECK_EQ(pipe(p), 0);
	f.wr = p[1];
	pid = spawn(go, child_make_ends, &f);
	if (tracked)
		track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	CHECK_EQ(read(p[0], ino, sizeof(ino)), (ssize_t)sizeof(ino));
	for (unsigned int i = 0; i < 4; i++) {
		CHECK(ino[i] != 0);
		CHECK_EQ(loader_writer_marked(T.l, ino[i]), tracked);
	}
	close(p[0]);
	close(p[1]);
}

static void test_made_ends_marked(void)
{
	made_ends(true);
}

static void test_made_ends_untracked_not_marked(void)
{
	made_ends(false);
}

/* The sockets a process holds, from /proc: all of them, sorted; past the cap, refused. */
static void test_socket_inodes_capped(void)
{
	int sv[3][2];
	uint64_t *inos = NULL;
	size_t n = 0;

	for (unsigned int i = 0; i < 3; i++)
		CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
	CHECK_EQ(proc_socket_inodes((uint32_t)getpid(), SIZE_MAX, &inos, &n), 0);
	CHECK(n >= 6);
	for (unsigned int i = 0; i < 3; i++)
		for (unsigned int j = 0; j < 2; j++)
			CHECK(proc_inode_in(inos, n, ino_of(sv[i][j])));
	for (size_t i = 1; i < n; i++)
		CHECK(inos[i - 1] < inos[i]);
	free(inos);
	inos = NULL;
	CHECK_EQ(proc_socket_inodes((uint32_t)getpid(), n - 1, &inos, &n), -E2BIG);
	CHECK(inos == NULL && n == 0);
	for (unsigned int i = 0; i < 3; i++) {
		close(sv[i][0]);
		close(sv[i][1]);
	}
}

/* A process that holds its fds until a byte or EOF on hold[0]; a launcher
 * forks a server first, which does the same, and reports the server's pid on report. */
static pid_t hold_fds(int hold[2], int report, bool launcher, int drop_fd)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	close(hold[1]);
	if (drop_fd >= 0)
		close(drop_fd);
	if (launcher) {
		pid_t srv = fork();

		if (srv == 0) {
			if (read(hold[0], &c, 1) < 0)
				_exit(3);
			_exit(0);
		}
		if (write(report, &srv, sizeof(srv)) != sizeof(srv))
			_exit(4);
		waitpid(srv, NULL, 0);
		_exit(0);
	}
	if (read(hold[0], &c, 1) < 0)
		_exit(3);
	_exit(0);
}

/* The server's client is looked for among its ancestors first: here both the test process and
 * the server's launcher (its parent, whose pid is higher) hold the client end; a scan of /proc
 * in pid order would name the test process, the launcher spawned the server. A launcher that
 * is part of the server's own tree (npx, sh) is passed over. */
static void test_holder_ancestor_first(void)
{
	struct proc_table *t = proc_table_new();
	int sv[2], hold[2], rep[2];
	struct proc_info *srv_info, *l_info;
	pid_t launcher, srv = 0;

	CHECK(t != NULL);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(pipe(hold), 0);
	CHECK_EQ(pipe(rep), 0);
	launcher = hold_fds(hold, rep[1], true, -1);
	CHECK_EQ(read(rep[0], &srv, sizeof(srv)), (ssize_t)sizeof(srv));
	CHECK(launcher < srv);
	srv_info = proc_find_or_load(t, (uint32_t)srv);
	CHECK(srv_info != NULL);
	if (srv_info) {
		CHECK_EQ(srv_info->ppid, (uint32_t)launcher);
		CHECK_EQ(proc_find_holder(t, false, false, ino_of(sv[1]), srv_info),
			 (uint32_t)launcher);
		/* the launcher belongs to the server's tree: the next ancestor holds it too */
		l_info = proc_find_or_load(t, (uint32_t)launcher);
		CHECK(l_info != NULL);
		if (l_info) {
			srv_info->root = l_info->tgid;
			l_info->root = l_info->tgid;
			CHECK_EQ(proc_find_holder(t, false, false, ino_of(sv[1]), srv_info),
				 (uint32_t)getpid());
		}
		/* nobody holds a closed socket's inode */
		CHECK_EQ(proc_find_holder(t, false, false, 1, srv_info), 0);
	}
	close(hold[1]);
	waitpid(launcher, NULL, 0);
	close(hold[0]);
	close(rep[0]);
	close(rep[1]);
	close(sv[0]);
	close(sv[1]);
	proc_table_free(t);
}

/* No ancestor holds the client end: a sibling that does is found by the scan of /proc. */
static void test_holder_found_by_scan(void)
{
	struct proc_table *t = proc_table_new();
	int sv[2], hold[2];
	struct proc_info *srv_info;
	uint64_t client_end;
	pid_t srv, client;

	CHECK(t != NULL);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(pipe(hold), 0);
	client_end = ino_of(sv[1]);
	srv = hold_fds(hold, -1, false, sv[1]);
	client = hold_fds(hold, -1, false, sv[0]);
	close(sv[0]);
	close(sv[1]);
	srv_info = proc_find_or_load(t, (uint32_t)srv);
	CHECK(srv_info != NULL);
	if (srv_info)
		CHECK_EQ(proc_find_holder(t, false, false, client_end, srv_info),
			 (uint32_t)client);
	close(hold[1]);
	waitpid(srv, NULL, 0);
	waitpid(client, NULL, 0);
	close(hold[0]);
	proc_table_free(t);
}

/* The first line of file path, into buf; its length (0: none). */
static size_t first_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fgets(buf, (int)size, f) ? strlen(buf) : 0;
	fclose(f);
	return n;
}

static struct output *output_to(const char *path)
{
	struct output_opts oo = { .jsonl_path = path };
	struct mw_error err = { "" };
	struct output *o = output_open(&oo, &err);

	CHECK(o != NULL);
	return o;
}

/* A record with a process member: written as jansson dumps it, the process copied from the
 * text cached for it when that member is the cached object itself (and only then). */
static void test_record_process_text(void)
{
	char pa[] = "/tmp/mw-out-a-XXXXXX", pb[] = "/tmp/mw-out-b-XXXXXX", la[8192], lb[8192];
	char want[8192], *dump;
	struct proc_table *t = proc_table_new();
	struct proc_info *p = t ? proc_find_or_load(t, (uint32_t)getpid()) : NULL;
	struct output *a, *b;
	json_t *rec, *copy;
	const char *ts;
	int fa = mkstemp(pa), fb = mkstemp(pb);

	CHECK(p != NULL && fa >= 0 && fb >= 0);
	if (!p || fa < 0 || fb < 0)
		return;
	close(fa);
	close(fb);
	a = output_to(pa);
	b = output_to(pb);
	output_use_procs(a, t);
	rec = json_pack("{s:s, s:o, s:I, s:f, s:[s]}", "path", "/x\"y\u00e9", "process",
			output_proc(p), "server_pid", (json_int_t)7, "r", 1.5, "calls", "c");
	output_record(a, "t.one", 123, json_incref(rec));
	output_record(b, "t.one", 123, json_incref(rec));
	/* a stand-in text shows where the cached text is used */
	free(p->json_text);
	p->json_text = strdup("{\"pid\":0,\"spliced\":true}");
	p->json_text_n = strlen(p->json_text);
	copy = json_deep_copy(p->json);
	output_record(a, "t.two", 123, json_pack("{s:o, s:o}", "process", output_proc(p),
						  "other", copy));
	CHECK_EQ(output_close(a), 0);
	CHECK_EQ(output_close(b), 0);
	CHECK(first_line(pa, la, sizeof(la)) > 0 && first_line(pb, lb, sizeof(lb)) > 0);
	CHECK_STR(la, lb);
	dump = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(9));
	ts = strstr(lb, "\"ts\":\"");
	CHECK(dump != NULL && ts != NULL);
	if (dump && ts) {
		snprintf(want, sizeof(want), "{\"event\":\"t.one\",\"ts\":\"%.27s\",%s\n",
			 ts + 6, dump + 1);
		CHECK_STR(lb, want);
	}
	free(dump);
	{
		FILE *f = fopen(pa, "r");
		char second[8192] = "";

		if (f) {
			if (!fgets(second, sizeof(second), f) || !fgets(second, sizeof(second), f))
				second[0] = '\0';
			fclose(f);
		}
		CHECK(strstr(second, "\"process\":{\"pid\":0,\"spliced\":true}") != NULL);
		CHECK(strstr(second, "\"other\":{\"pid\":") != NULL);
		CHECK(strstr(second, "\"other\":{\"pid\":0") == NULL);
	}
	json_decref(rec);
	unlink(pa);
	unlink(pb);
	proc_table_free(t);
}

#define WAKE_WRITE      4096                            /* bytes per write */
#define WAKE_WRITES     1024                            /* 4 MiB: 16 times MW_WAKEUP_BYTES */
#define WAKE_DELAY_US   300000                          /* the writer starts after this */
#define WAKE_WAIT_MS    10000                           /* far past any wake-up */

/* Interrupts of irq_work (each forced ring buffer wake-up raises one), all CPUs. */
static uint64_t irq_work_count(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	uint64_t sum = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, "IWI:", 4))
			continue;
		for (p += 4;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}

static void child_write_many(void *arg)
{
	static char buf[WAKE_WRITE];
	int p[2];

	(void)arg;
	memset(buf, 'w', sizeof(buf));
	if (pipe(p))
		_exit(4);
	usleep(WAKE_DELAY_US);
	for (unsigned int i = 0; i < WAKE_WRITES; i++)
		if (write(p[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    read(p[0], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			_exit(5);
}

/* While the collector lags, the kernel wakes it once per MW_WAKEUP_BYTES of records, not at
 * every record past the first MW_WAKEUP_BYTES (each wake-up is an interrupt on the writer's
 * CPU); and a collector asleep in epoll is still woken, long before its timeout. */
static void test_wakeup_once_per_threshold(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC), go[2], n, st = 0;
	struct timespec t0, t1;
	uint64_t iwi0, iwi;
	long waited_ms;
	pid_t pid;

	reset();
	CHECK(ep >= 0);
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, loader_events_fd(T.l), &ev), 0);
	pid = spawn(go, child_write_many, NULL);
	track_pid(pid);
	iwi0 = irq_work_count();
	CHECK_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	usleep(WAKE_DELAY_US / 3);
	reader_drain(T.r);              /* the start byte's record: the ring buffer is empty */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = epoll_wait(ep, &ev, 1, WAKE_WAIT_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_EQ(n, 1);
	CHECK(waited_ms < WAKE_WAIT_MS / 2);
	waitpid(pid, &st, 0);
	CHECK_EQ(st, 0);
	iwi = irq_work_count() - iwi0;
	pump();
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), WAKE_WRITES);
	/* 16 crossings; per record it would be ~WAKE_WRITES - 64 */
	if (iwi >= WAKE_WRITES / 8)
		unit_fail(__FILE__, __LINE__, "%llu irq_work interrupts for %u records",
			  (unsigned long long)iwi, WAKE_WRITES);
	close(ep);
}

static void test_fork_inherits_and_bytes_once(void)
{
	int go[2];
	struct rec *fk, *r;
	pid_t pid;

	reset();
	pid = spawn(go, child_fork_pipe, NULL);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	fk = NULL;
	for (size_t i = 0; i < T.n; i++)
		if (T.ev[i].h.type == MW_EV_FORK && T.ev[i].u.f.ptgid == (uint32_t)pid)
			fk = &T.ev[i];
	CHECK(fk != NULL);
	if (!fk)
		return;
	CHECK_EQ(fk->u.f.root_tgid, pid);
	/* the grandchild (tracked by inheritance) wrote; the child read the same bytes */
	CHECK_EQ(count(MW_EV_PAYLOAD, fk->h.tgid), 1);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 0);
	r = find(MW_EV_PAYLOAD, fk->h.tgid, 0);
	if (r)
		CHECK_MEM(r->data, r->u.p.len, "abc\n", 4);
	CHECK_EQ(count(MW_EV_EXIT, fk->h.tgid), 1);
}

/* The bitmap the programs test before the tracked map: set by user space and by the kernel
 * (fork) for every tracked process, clear once it has exited. */
static void test_tracked_bits_follow_the_set(void)
{
	int go[2], p[2];
	struct fds f;
	pid_t pid, g = 0;

	reset();
	CHECK_EQ(pipe(p), 0);
	f.wr = p[1];
	pid = spawn(go, child_fork_report, &f);
	CHECK(!loader_tracked_bit(T.l, (uint32_t)pid));
	track_pid(pid);
	CHECK(loader_tracked_bit(T.l, (uint32_t)pid));
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(read(p[0], &g, sizeof(g)), (ssize_t)sizeof(g));
	CHECK(g > 0 && loader_is_tracked(T.l, (uint32_t)g));
	CHECK(g > 0 && loader_tracked_bit(T.l, (uint32_t)g));
	if (g > 0)
		kill(g, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[1]);
	pump();
	CHECK(!loader_tracked_bit(T.l, (uint32_t)g));
	CHECK(!loader_tracked_bit(T.l, (uint32_t)pid));
	CHECK(!loader_is_tracked(T.l, (uint32_t)pid));
	close(p[0]);
	close(p[1]);
}

/* A tracked child writes BIG_WRITE bytes to a unix socket in one syscall (sys): the records
 * are chunks of at most MW_CHUNK_MAX, in order, byte for byte what was read at the other end. */
static void big_write_case(void (*child)(void *), uint8_t sys)
{
	int go[2], sp[2];
	struct fds f;
	struct stat st;
	uint64_t next = 0, got = 0;
	char *buf = malloc(BIG_WRITE);
	size_t have = 0;
	pid_t pid;

	reset();
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	f.wr = sp[1];
	pid = spawn(go, child, &f);
	track_pid(pid);
	if (write(go[1], "g", 1) != 1) {
		free(buf);
		return;
	}
	while (have < BIG_WRITE) {
		ssize_t n = read(sp[0], buf + have, BIG_WRITE - have);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(go[1]);
	waitpid(pid, NULL, 0);
	pump();
	fstat(sp[0], &st);
	CHECK_EQ(have, BIG_WRITE);
	for (size_t i = 0; i < T.n; i++) {
		struct rec *r = &T.ev[i];

		if (!is(r, MW_EV_PAYLOAD, (uint32_t)pid))
			continue;
		CHECK_EQ(r->u.p.chan, st.st_ino);       /* named by the receiving end */
		CHECK_EQ(r->u.p.kind, MW_CHAN_UNIX);
		CHECK_EQ(r->u.p.syscall, sys);
		CHECK_EQ(r->u.p.offset, next);
		CHECK(r->u.p.len <= MW_CHUNK_MAX);
		if (r->u.p.offset + r->u.p.len <= BIG_WRITE)
			CHECK_MEM(r->data, r->u.p.len, buf + r->u.p.offset, r->u.p.len);
		next += r->u.p.len;
		got += r->u.p.len;
	}
	CHECK_EQ(got, BIG_WRITE);
	CHECK(count(MW_EV_PAYLOAD, (uint32_t)pid) >= BIG_WRITE / MW_CHUNK_MAX + 1);
	free(buf);
	close(sp[0]);
	close(sp[1]);
}

static void test_writev_chunks_on_unix_socket(void)
{
	big_write_case(child_writev_big, MW_SYS_WRITEV);
}

/* One buffer longer than a chunk: the loop, not the one-chunk shortcut of capture(). */
static void test_write_chunks_on_unix_socket(void)
{
	big_write_case(child_write_big, MW_SYS_WRITE);
}

static void detect_case_by(const char *line, bool expect, void (*child)(void *))
{
	int go[2], p[2];
	struct fds f;
	struct rec *r;
	pid_t pid;

	reset();
	CHECK_EQ(pipe(p), 0);
	f.rd = p[0];
	f.wr = p[1];
	pid = spawn(go, child, &f);
	close(p[0]);
	CHECK_EQ(write(p[1], line, strlen(line)), (ssize_t)strlen(line));
	close(p[1]);
	CHECK_EQ(release_and_wait(go, pid), 0);
	CHECK_EQ(count(MW_EV_TRACK, (uint32_t)pid), expect);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), expect);
	r = find(MW_EV_PAYLOAD, (uint32_t)pid, 0);
	if (expect && r) {
		CHECK_EQ(r->u.p.op, MW_OP_READ);
		CHECK_EQ(find(MW_EV_TRACK, (uint32_t)pid, 0)->u.t.reason, MW_TRACK_TRAFFIC);
		CHECK_MEM(r->data, r->u.p.len, line, strlen(line));
	}
}

static void detect_case(const char *line, bool expect)
{
	detect_case_by(line, expect, child_read_all);
}

static void test_detect_initialize_read(void)
{
	detect_case("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}\n", true);
}

static void test_detect_python_separators(void)
{
	detect_case("{\"jsonrpc\": \"2.0\", \"id\": 0, \"method\": \"initialize\"}\n", true);
}

static void test_detect_2026_meta(void)
{
	detect_case("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"_meta\":"
		    "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}\n", true);
}

/* The shortest read detection matches (MW_DETECT_MIN bytes), and one byte less: not peeked. */
static void test_detect_shortest_read(void)
{
	detect_case("{\"method\":\"initialize\"", true);
	detect_case("{\"method\":\"initialize", false);
}

static void test_detect_ignores_other_json(void)
{
	detect_case("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"echo\":\"initialize\"}}\n", false);
	detect_case("method initialize\n", false);
}

/* The scan looks at 8 bytes at a time: an opener is found at every position in a word, and
 * when its quote is the last byte of one word and its 'm' the first of the next. */
static void test_detect_every_alignment(void)
{
	char line[DETECT_LINE_MAX];

	for (int pad = 0; pad < 2 * 8 && !unit_failures(); pad++) {
		snprintf(line, sizeof(line), "{\"p\":\"%.*s\",\"method\":\"initialize\"}\n", pad,
			 "xxxxxxxxxxxxxxxxxxxxxxxx");
		detect_case(line, true);
	}
}

/* An opener that ends on the last scanned byte (MW_DETECT_SCAN) is found; one byte later,
 * cut by the end of the window, it is not. */
static void test_detect_scan_window_edge(void)
{
	static const char needle[] = "\"method\":\"initialize\"";
	static char line[DETECT_READ_BIG];

	for (int over = 0; over <= 1; over++) {
		size_t start = MW_DETECT_SCAN - (sizeof(needle) - 1) + (size_t)over;

		/* {"p":"xxx...", then the needle at offset start */
		memcpy(line, "{\"p\":\"", 6);
		memset(line + 6, 'x', start - 8);
		memcpy(line + start - 2, "\",", 2);
		snprintf(line + start, sizeof(line) - start, "%s,\"q\":\"%s\"}\n", needle,
			 "tail text past the window");
		detect_case_by(line, !over, child_read_big);
	}
}

static void test_recvmsg_read_captured(void)
{
	int go[2], sp[2];
	struct fds f;
	struct rec *r;
	pid_t pid;

	reset();
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	f.rd = sp[1];
	pid = spawn(go, child_recvmsg, &f);
	track_pid(pid);
	CHECK_EQ(write(sp[0], "{\"x\":12345}\n", 12), 12);
	CHECK_EQ(release_and_wait(go, pid), 0);
	/* one chunk per iovec segment: 4 bytes, then 8 */
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 2);
	for (size_t i = 0; (r = find(MW_EV_PAYLOAD, (uint32_t)pid, i)); i++) {
		CHECK_EQ(r->u.p.syscall, MW_SYS_RECVMSG);
		CHECK_EQ(r->u.p.op, MW_OP_READ);
		CHECK_EQ(r->u.p.total, 12);
		CHECK(r->u.p.offset + r->u.p.len <= 12);
		if (r->u.p.offset + r->u.p.len <= 12)
			CHECK_MEM(r->data, r->u.p.len, "{\"x\":12345}\n" + r->u.p.offset, r->u.p.len);
	}
	close(sp[0]);
	close(sp[1]);
}

static void test_exec_of_tracked_process(void)
{
	int go[2];
	struct rec *r;
	pid_t pid;

	reset();
	pid = spawn(go, child_exec_true, NULL);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	r = find(MW_EV_EXEC, (uint32_t)pid, 0);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_STR(r->u.e.path, "/bin/true");
	{
		char real[PATH_MAX], cwd[PATH_MAX];

		CHECK(realpath("/bin/true", real) != NULL);
		CHECK_STR(r->u.e.resolved, real);       /* /usr/bin/true on merged-/usr */
		CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
		CHECK_STR(r->u.e.cwd, cwd);
	}
	CHECK_MEM(r->u.e.args, r->u.e.args_len, "true\0--mcpwarden-test\0", 22);
	CHECK_EQ(r->u.e.tracked, MW_TRACK_PID);
	CHECK_EQ(r->u.e.ppid, getpid());
}

/* ---- files and network ---- */

static char workdir[PATH_MAX];

static void touch_or_exit(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		_exit(9);
	close(fd);
}

/* Renames whose source is relative to another directory than the destination: renameat with
 * two dirfds, and a relative source with an absolute destination. */
static void child_rename_sources(void)
{
	char abs[PATH_MAX + 16];
	int sub;

	if (mkdir("sub", 0700))
		_exit(10);
	touch_or_exit("sub/b.tmp");
	touch_or_exit("c.tmp");
	sub = open("sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(abs, sizeof(abs), "%s/c.txt", workdir);
	if (sub < 0 || renameat(sub, "b.tmp", AT_FDCWD, "b.txt") || rename("c.tmp", abs))
		_exit(11);
	close(sub);
}

static void child_file_ops(void *arg)
{
	int fd;

	if (chdir(workdir))
		_exit(4);
	fd = openat(AT_FDCWD, "link", O_RDONLY);        /* a symlink out of workdir */
	if (fd < 0)
		_exit(5);
	close(fd);
	fd = open("a.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "x", 1) != 1)
		_exit(6);
	close(fd);
	if (rename("a.tmp", "a.txt") || mkdirat(AT_FDCWD, "d", 0700) ||
	    unlinkat(AT_FDCWD, "d", AT_REMOVEDIR) || unlink("a.txt"))
		_exit(7);
	if (open("/nonexistent/mcpwarden", O_RDONLY) >= 0)
		_exit(8);
	child_rename_sources();
}

static struct rec *find_file(pid_t pid, uint32_t op, size_t nth)
{
	for (size_t i = 0; i < T.n; i++)
		if (is(&T.ev[i], MW_EV_FILE, (uint32_t)pid) && T.ev[i].u.fl.op == op && nth-- == 0)
			return &T.ev[i];
	return NULL;
}

static struct rec *find_file_op_path(pid_t pid, uint32_t op, const char *path)
{
	for (size_t i = 0; i < T.n; i++)
		if (is(&T.ev[i], MW_EV_FILE, (uint32_t)pid) && !strcmp(T.ev[i].u.fl.path, path) &&
		    (!op || T.ev[i].u.fl.op == op))
			return &T.ev[i];
	return NULL;
}

static struct rec *find_file_path(pid_t pid, const char *path)
{
	return find_file_op_path(pid, 0, path);
}

/* Each name of a rename is looked up from its own directory, and both are resolved. */
static void check_rename_sources(pid_t pid, const char *real)
{
	char sub[PATH_MAX + 8], p[PATH_MAX + 16];
	struct rec *r;

	snprintf(sub, sizeof(sub), "%s/sub", real);
	r = find_file_op_path(pid, MW_FILE_RENAME, "b.tmp");
	CHECK(r != NULL);
	if (r) {        /* renameat(sub, "b.tmp", AT_FDCWD, "b.txt") */
		CHECK_EQ(r->u.fl.op, MW_FILE_RENAME);
		CHECK(r->u.fl.dirfd_old >= 0);
		CHECK_EQ(r->u.fl.dirfd, -100);
		CHECK(r->h.flags & MW_F_RESOLVED_DIR);
		CHECK_STR(r->u.fl.resolved, real);
		CHECK(r->h.flags & MW_F_RESOLVED_OLD_DIR);
		CHECK_STR(r->u.fl.resolved_old, sub);
	}
	r = find_file_op_path(pid, MW_FILE_RENAME, "c.tmp");
	CHECK(r != NULL);
	if (r) {        /* rename("c.tmp", "/abs/c.txt"): only the source is relative */
		CHECK(!(r->h.flags & MW_F_RESOLVED_DIR));
		CHECK_STR(r->u.fl.resolved, "");
		CHECK(r->h.flags & MW_F_RESOLVED_OLD_DIR);
		CHECK_STR(r->u.fl.resolved_old, real);
	}
	snprintf(p, sizeof(p), "%s/b.txt", real);
	unlink(p);
	snprintf(p, sizeof(p), "%s/c.txt", real);
	unlink(p);
	rmdir(sub);
}

static void test_file_paths_resolved_in_kernel(void)
{
	char real[PATH_MAX], link[PATH_MAX + 8];
	struct stat host;
	struct rec *r;
	int go[2];
	pid_t pid;

	reset();
	snprintf(workdir, sizeof(workdir), "/tmp/mcpwarden-bpf-XXXXXX");
	CHECK(mkdtemp(workdir) != NULL);
	CHECK(realpath(workdir, real) != NULL);
	snprintf(link, sizeof(link), "%s/link", workdir);
	CHECK_EQ(symlink("/etc/hostname", link), 0);
	CHECK_EQ(stat("/etc/hostname", &host), 0);
	pid = spawn(go, child_file_ops, NULL);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);

	r = find_file_path(pid, "link");
	CHECK(r != NULL);
	if (r) {        /* the symlink shows where the access really went */
		CHECK_EQ(r->u.fl.op, MW_FILE_OPEN);
		CHECK(r->u.fl.ret >= 0);
		CHECK_STR(r->u.fl.resolved, "/etc/hostname");
		CHECK_EQ(r->u.fl.ino, host.st_ino);
		CHECK(!(r->h.flags & MW_F_RESOLVED_DIR));
	}
	r = find_file(pid, MW_FILE_RENAME, 0);
	CHECK(r != NULL);
	if (r) {
		CHECK_STR(r->u.fl.path, "a.tmp");
		CHECK_STR(r->u.fl.path2, "a.txt");
		CHECK(r->h.flags & MW_F_RESOLVED_DIR);
		CHECK_STR(r->u.fl.resolved, real);
		CHECK_EQ(r->u.fl.ret, 0);
	}
	CHECK(find_file(pid, MW_FILE_MKDIR, 0) != NULL);
	CHECK(find_file(pid, MW_FILE_RMDIR, 0) != NULL);
	CHECK(find_file(pid, MW_FILE_UNLINK, 0) != NULL);
	r = find_file_path(pid, "/nonexistent/mcpwarden");
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ(r->u.fl.ret, -ENOENT);
		CHECK_STR(r->u.fl.resolved, "");
	}
	check_rename_sources(pid, real);
	unlink(link);
	rmdir(workdir);
}

static void child_connect(void *arg)
{
	struct sockaddr_in *sa = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)sa, sizeof(*sa)))
		_exit(4);
	close(fd);
}

static void test_connect_recorded(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM, 0), go[2];
	char want[4] = { 127, 0, 0, 1 };
	struct rec *r;
	pid_t pid;

	reset();
	CHECK_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(lfd, 4), 0);
	CHECK_EQ(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	pid = spawn(go, child_connect, &sa);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	r = find(MW_EV_NET, (uint32_t)pid, 0);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ(r->u.n.op, MW_NET_CONNECT);
		CHECK_EQ(r->u.n.family, AF_INET);
		CHECK_EQ(r->u.n.type, SOCK_STREAM);
		CHECK_EQ(r->u.n.ret, 0);
		CHECK_MEM(r->u.n.raddr, 4, want, 4);
		CHECK_EQ(r->u.n.rport, ntohs(sa.sin_port));
		CHECK(r->u.n.lport != 0);
	}
	close(lfd);
}

static void child_udp_v4mapped(void *arg)
{
	uint16_t port = *(uint16_t *)arg;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	inet_pton(AF_INET6, "::ffff:127.0.0.1", &to.sin6_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)))
		_exit(4);
	close(fd);
}

static void test_udp_connect_v4_mapped(void)
{
	uint16_t port = 9;      /* nothing needs to listen: a UDP connect only sets the peer */
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
	struct rec *r;
	int go[2];
	pid_t pid;

	reset();
	pid = spawn(go, child_udp_v4mapped, &port);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	r = find(MW_EV_NET, (uint32_t)pid, 0);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ(r->u.n.op, MW_NET_CONNECT);
	CHECK_EQ(r->u.n.type, SOCK_DGRAM);
	CHECK_EQ(r->u.n.family, AF_INET6);
	CHECK_MEM(r->u.n.raddr, 16, mapped, 16);
	CHECK_EQ(r->u.n.rport, port);
	CHECK_EQ(r->u.n.ret, 0);
}

static void child_serve_v6(void *arg)
{
	int *port_pipe = arg;
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_STREAM, 0), c;
	uint16_t port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		_exit(4);
	port = ntohs(sa.sin6_port);
	if (write(port_pipe[1], &port, sizeof(port)) != sizeof(port))
		_exit(5);
	c = accept(fd, NULL, NULL);     /* no address buffer: the peer comes from the socket */
	if (c < 0)
		_exit(6);
	close(c);
	close(fd);
}

static void test_wildcard_listen_and_accept(void)
{
	int go[2], pp[2], c;
	uint16_t port = 0;
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	static const uint8_t any[16], loop6[16] = { [15] = 1 };
	struct rec *b, *l, *a;
	pid_t pid;

	reset();
	CHECK_EQ(pipe(pp), 0);
	pid = spawn(go, child_serve_v6, pp);
	track_pid(pid);
	CHECK_EQ(write(go[1], "g", 1), 1);
	CHECK_EQ(read(pp[0], &port, sizeof(port)), (ssize_t)sizeof(port));
	to.sin6_port = htons(port);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_EQ(connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
	close(go[1]);
	waitpid(pid, NULL, 0);
	close(c);
	pump();
	b = l = a = NULL;
	for (size_t i = 0; i < T.n; i++) {
		struct rec *r = &T.ev[i];

		if (!is(r, MW_EV_NET, (uint32_t)pid))
			continue;
		b = r->u.n.op == MW_NET_BIND ? r : b;
		l = r->u.n.op == MW_NET_LISTEN ? r : l;
		a = r->u.n.op == MW_NET_ACCEPT ? r : a;
	}
	CHECK(b && l && a);
	if (!b || !l || !a)
		return;
	CHECK_EQ(b->u.n.family, AF_INET6);
	CHECK_MEM(b->u.n.laddr, 16, any, 16);   /* "::": the wildcard */
	CHECK_EQ(l->u.n.lport, port);
	CHECK_MEM(l->u.n.laddr, 16, any, 16);
	CHECK_MEM(a->u.n.raddr, 16, loop6, 16);
	CHECK_MEM(a->u.n.laddr, 16, loop6, 16); /* the accepted socket's own end */
	CHECK_EQ(a->u.n.lport, port);
	CHECK(a->u.n.rport != 0);
	CHECK(a->u.n.ret >= 0);
	close(pp[0]);
	close(pp[1]);
}

static void child_unix_connect(void *arg)
{
	struct sockaddr_un *sa = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)sa, sizeof(*sa)))
		_exit(4);
	close(fd);
}

static void test_unix_connect_path(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0), go[2];
	struct rec *r;
	pid_t pid;

	reset();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/mcpwarden-bpf-%d.sock", getpid());
	unlink(sa.sun_path);
	CHECK_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(lfd, 4), 0);
	pid = spawn(go, child_unix_connect, &sa);
	track_pid(pid);
	CHECK_EQ(release_and_wait(go, pid), 0);
	r = find(MW_EV_NET, (uint32_t)pid, 0);
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ(r->u.n.op, MW_NET_CONNECT);
		CHECK_EQ(r->u.n.family, AF_UNIX);
		CHECK_STR(r->u.n.unix_path, sa.sun_path);
	}
	close(lfd);
	unlink(sa.sun_path);
}

/* ---- TCP channels (HTTP transports) ---- */

#define TCP_REQ "GET /mcpwarden HTTP/1.1\r\nHost: bpf-test\r\n\r\n"
#define TCP_RES "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"

struct tcp_client {
	struct sockaddr_storage srv;
	socklen_t len;
	int report;             /* write end of a pipe: the client's socket inode goes there */
};

/* One write of the request, one read of the response. */
static void child_tcp_client(void *arg)
{
	struct tcp_client *k = arg;
	int fd = socket(k->srv.ss_family, SOCK_STREAM, 0);
	char buf[128];
	struct stat st;
	uint64_t ino;

	if (fd < 0 || connect(fd, (struct sockaddr *)&k->srv, k->len) || fstat(fd, &st))
		_exit(4);
	ino = st.st_ino;
	if (write(k->report, &ino, sizeof(ino)) != (ssize_t)sizeof(ino))
		_exit(5);
	if (write(fd, TCP_REQ, strlen(TCP_REQ)) != (ssize_t)strlen(TCP_REQ))
		_exit(6);
	if (read(fd, buf, sizeof(buf)) != (ssize_t)strlen(TCP_RES))
		_exit(7);
	close(fd);
}

static bool read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = read(fd, (char *)buf + done, n - done);

		if (k <= 0)
			return false;
		done += (size_t)k;
	}
	return true;
}

/* A loopback address of family, port 0. */
static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

/* The address and port of a socket address, as a sock record holds them. */
static void endpoint_of(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port)
{
	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		*port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else {
		memcpy(addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		*port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
}

/* The 4-tuple the tracked client's socket really has: what the server's accepted socket
 * sees, the other way round. */
struct tuple {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
};

static void check_sock(const struct rec *s, int family, uint64_t ino, uint8_t op,
		       const struct tuple *t)
{
	CHECK_EQ(s->u.s.chan, MW_CHAN_TCP_ID(ino, op));
	CHECK_EQ(s->u.s.sock_ino, ino);
	CHECK_EQ(s->u.s.op, op);
	CHECK_EQ(s->u.s.family, family);
	CHECK_MEM(s->u.s.laddr, 16, t->laddr, 16);
	CHECK_MEM(s->u.s.raddr, 16, t->raddr, 16);
	CHECK_EQ(s->u.s.lport, t->lport);
	CHECK_EQ(s->u.s.rport, t->rport);
}

static void check_tcp_payload(const struct rec *r, uint64_t ino, uint8_t op, uint8_t sys,
			      const char *bytes)
{
	CHECK_EQ(r->u.p.kind, MW_CHAN_TCP);
	CHECK_EQ(r->u.p.chan, MW_CHAN_TCP_ID(ino, op));
	CHECK_EQ(r->u.p.local_ino, ino);
	CHECK_EQ(r->u.p.peer_ino, 0);
	CHECK_EQ(r->u.p.syscall, sys);
	CHECK_EQ(r->u.p.offset, 0);
	CHECK_EQ(r->u.p.total, strlen(bytes));
	CHECK_EQ(r->u.p.h.flags & (MW_F_FIRST_CHUNK | MW_F_LAST_CHUNK),
		 MW_F_FIRST_CHUNK | MW_F_LAST_CHUNK);
	CHECK_MEM(r->data, r->u.p.len, bytes, strlen(bytes));
}

/* A tracked client writes a request and reads the answer over TCP on the loopback of family:
 * one payload record per direction, on two channels of its socket, and a sock record for
 * each with the socket's real endpoints. */
static void tcp_case(int family)
{
	struct tcp_client k;
	struct sockaddr_storage mine, theirs;
	socklen_t ml = sizeof(mine), tl = sizeof(theirs);
	int lfd = socket(family, SOCK_STREAM, 0), go[2], rp[2], c, st = -1;
	struct rec *w = NULL, *r = NULL, *sw = NULL, *sr = NULL;
	size_t npay = 0, nsock = 0;
	char req[sizeof(TCP_REQ)] = "";
	struct tuple t;
	uint64_t ino = 0;
	pid_t pid;

	reset();
	k.len = loopback(family, &k.srv);
	CHECK_EQ(bind(lfd, (struct sockaddr *)&k.srv, k.len), 0);
	CHECK_EQ(listen(lfd, 4), 0);
	CHECK_EQ(getsockname(lfd, (struct sockaddr *)&k.srv, &k.len), 0);
	CHECK_EQ(pipe(rp), 0);
	k.report = rp[1];
	pid = spawn(go, child_tcp_client, &k);
	track_pid(pid);
	CHECK_EQ(write(go[1], "g", 1), 1);
	c = accept(lfd, NULL, NULL);
	CHECK(c >= 0);
	CHECK(read_full(c, req, strlen(TCP_REQ)));
	CHECK_MEM(req, strlen(req), TCP_REQ, strlen(TCP_REQ));
	CHECK_EQ(write(c, TCP_RES, strlen(TCP_RES)), (ssize_t)strlen(TCP_RES));
	CHECK(read_full(rp[0], &ino, sizeof(ino)));
	/* the client's end is the accepted socket's peer, and the other way round */
	CHECK_EQ(getpeername(c, (struct sockaddr *)&theirs, &tl), 0);
	CHECK_EQ(getsockname(c, (struct sockaddr *)&mine, &ml), 0);
	endpoint_of(&theirs, t.laddr, &t.lport);
	endpoint_of(&mine, t.raddr, &t.rport);
	close(go[1]);
	waitpid(pid, &st, 0);
	CHECK_EQ(st, 0);
	pump();
	for (size_t i = 0; i < T.n; i++) {
		struct rec *e = &T.ev[i];

		if (is(e, MW_EV_PAYLOAD, (uint32_t)pid) && e->u.p.kind == MW_CHAN_TCP) {
			npay++;
			w = e->u.p.op == MW_OP_WRITE ? e : w;
			r = e->u.p.op == MW_OP_READ ? e : r;
		} else if (is(e, MW_EV_SOCK, (uint32_t)pid)) {
			nsock++;
			sw = e->u.s.op == MW_OP_WRITE ? e : sw;
			sr = e->u.s.op == MW_OP_READ ? e : sr;
		}
	}
	CHECK_EQ(npay, 2);
	CHECK_EQ(nsock, 2);
	CHECK(w && r && sw && sr);
	if (w && r && sw && sr) {
		CHECK(w->u.p.chan != r->u.p.chan);      /* one channel per direction */
		check_tcp_payload(w, ino, MW_OP_WRITE, MW_SYS_WRITE, TCP_REQ);
		check_tcp_payload(r, ino, MW_OP_READ, MW_SYS_READ, TCP_RES);
		CHECK_EQ(w->h.root, pid);
		check_sock(sw, family, ino, MW_OP_WRITE, &t);
		check_sock(sr, family, ino, MW_OP_READ, &t);
		CHECK_EQ(sw->h.root, pid);
	}
	close(c);
	close(lfd);
	close(rp[0]);
	close(rp[1]);
}

static void test_tcp_ipv4_captured(void)
{
	tcp_case(AF_INET);
}

static void test_tcp_ipv6_captured(void)
{
	tcp_case(AF_INET6);
}

/* ---- detection of HTTP MCP servers ---- */

#define INIT_BODY "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":" \
		  "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}," \
		  "\"clientInfo\":{\"name\":\"bpf-test\",\"version\":\"1\"}}}"
#define OTHER_BODY "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"tools/list\",\"params\":{}}"
#define JWT_LEN         1536    /* a realistic Bearer token: longer than MW_DETECT_SCAN */
#define POST_MAX        (MW_DETECT_HEAD * 2)

/* An untracked server's side: one connection, read in two parts (the second may be empty);
 * between them it tells the client to go on. */
struct tcp_server {
	int lfd;
	int ack[2];
	size_t first, total;
};

static void child_tcp_server(void *arg)
{
	struct tcp_server *k = arg;
	static char buf[POST_MAX];
	int c = accept(k->lfd, NULL, NULL);

	if (c < 0 || !read_full(c, buf, k->first))
		_exit(4);
	if (k->total > k->first && (write(k->ack[1], "a", 1) != 1 ||
				    !read_full(c, buf, k->total - k->first)))
		_exit(5);
	close(c);
}

/* "POST /mcp" with an Authorization header of auth_len bytes and body. */
static size_t make_post(char *out, size_t cap, size_t auth_len, const char *body)
{
	size_t n = (size_t)snprintf(out, cap, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Authorization: Bearer ");

	memset(out + n, 'J', auth_len);
	n += auth_len;
	n += (size_t)snprintf(out + n, cap - n, "\r\nContent-Type: application/json\r\n"
			      "Accept: application/json, text/event-stream\r\n"
			      "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	return n;
}

/* The client sends req[0..first), waits until the server read it, then the rest. Returns
 * the untracked server's pid (it has exited). */
static pid_t http_detect_case(const char *req, size_t first, size_t total)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET, &ss);
	struct tcp_server k = { .lfd = socket(AF_INET, SOCK_STREAM, 0), .first = first,
				.total = total };
	int go[2], c = socket(AF_INET, SOCK_STREAM, 0), st = -1;
	char a;
	pid_t pid;

	reset();
	CHECK_EQ(bind(k.lfd, (struct sockaddr *)&ss, len), 0);
	CHECK_EQ(listen(k.lfd, 4), 0);
	CHECK_EQ(getsockname(k.lfd, (struct sockaddr *)&ss, &len), 0);
	CHECK_EQ(pipe(k.ack), 0);
	pid = spawn(go, child_tcp_server, &k);
	CHECK_EQ(connect(c, (struct sockaddr *)&ss, len), 0);
	CHECK_EQ(write(c, req, first), (ssize_t)first);
	CHECK_EQ(write(go[1], "g", 1), 1);
	if (total > first) {
		CHECK_EQ(read(k.ack[0], &a, 1), 1);
		CHECK_EQ(write(c, req + first, total - first), (ssize_t)(total - first));
	}
	close(go[1]);
	waitpid(pid, &st, 0);
	CHECK_EQ(st, 0);
	pump();
	close(c);
	close(k.lfd);
	close(k.ack[0]);
	close(k.ack[1]);
	return pid;
}

/* The one TCP payload record of pid holds exactly bytes (the read that got it tracked). */
static void check_detected(pid_t pid, const char *bytes, size_t n)
{
	struct rec *r = find(MW_EV_PAYLOAD, (uint32_t)pid, 0);

	CHECK_EQ(count(MW_EV_TRACK, (uint32_t)pid), 1);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 1);
	if (!r || !find(MW_EV_TRACK, (uint32_t)pid, 0))
		return;
	CHECK_EQ(find(MW_EV_TRACK, (uint32_t)pid, 0)->u.t.reason, MW_TRACK_TRAFFIC);
	CHECK_EQ(r->u.p.kind, MW_CHAN_TCP);
	CHECK_EQ(r->u.p.op, MW_OP_READ);
	CHECK_MEM(r->data, r->u.p.len, bytes, n);
}

/* An initialize POST whose Authorization header pushes the body past MW_DETECT_SCAN; the end
 * of the headers at each offset modulo 4 (the search looks at blocks of 4). */
#define POST_ALIGNMENTS 8               /* the words of the kernel's header search */

static void test_detect_post_long_headers(void)
{
	static char req[POST_MAX];

	for (size_t extra = 0; extra < POST_ALIGNMENTS; extra++) {   /* the end at each byte of a word */
		size_t n = make_post(req, sizeof(req), JWT_LEN + extra, INIT_BODY);
		pid_t pid;

		CHECK((size_t)(strstr(req, "\r\n\r\n") - req) > MW_DETECT_SCAN);
		pid = http_detect_case(req, n, n);
		check_detected(pid, req, n);
		CHECK(!loader_is_tracked(T.l, (uint32_t)pid));  /* it exited */
	}
}

/* The same POST, other than initialize: not an MCP opener. */
static void test_detect_post_long_headers_other(void)
{
	static char req[POST_MAX];
	size_t n = make_post(req, sizeof(req), JWT_LEN, OTHER_BODY);
	pid_t pid = http_detect_case(req, n, n);

	CHECK_EQ(count(MW_EV_TRACK, (uint32_t)pid), 0);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 0);
}

/* Headers in one read, the body in the next: the body's read gets the server tracked. */
static void test_detect_post_body_read_apart(void)
{
	static char req[POST_MAX];
	size_t n = make_post(req, sizeof(req), JWT_LEN, INIT_BODY);
	size_t head = (size_t)(strstr(req, "\r\n\r\n") - req) + 4;
	pid_t pid = http_detect_case(req, head, n);

	check_detected(pid, req + head, n - head);
}

/* Headers longer than MW_DETECT_HEAD: the body is not scanned, and that is counted. Runs after
 * test_no_kernel_losses (it grows a loss counter on purpose). */
static void test_detect_post_headers_past_limit_counted(void)
{
	static char req[POST_MAX];
	size_t n = make_post(req, sizeof(req), MW_DETECT_HEAD, INIT_BODY);
	struct mw_drop before[MW_DROP__COUNT], after[MW_DROP__COUNT];
	pid_t pid;

	CHECK_EQ(loader_read_drops(T.l, before, true), 0);
	pid = http_detect_case(req, n, n);
	CHECK_EQ(loader_read_drops(T.l, after, true), 0);
	CHECK_EQ(count(MW_EV_TRACK, (uint32_t)pid), 0);
	CHECK(after[MW_DROP_DETECT_UNSCANNED].count > before[MW_DROP_DETECT_UNSCANNED].count);
	CHECK(after[MW_DROP_DETECT_UNSCANNED].bytes > before[MW_DROP_DETECT_UNSCANNED].bytes);
}

/* A tracked entry left by an earlier process with the same pid (its exit was missed): the
 * new process is not confused with it, and the stale entry is dropped. */
static void test_pid_reuse_not_confused(void)
{
	int go[2], p[2];
	struct fds f;
	char buf[64];
	pid_t pid;

	reset();
	CHECK_EQ(pipe(p), 0);
	f.wr = p[1];
	pid = spawn(go, child_write_line, &f);
	CHECK_EQ(loader_track(T.l, (uint32_t)pid, start_ns_of(pid) - 5 * MW_NS_PER_TICK,
			      (uint32_t)pid, MW_TRACK_PID), 0);
	CHECK(loader_is_tracked(T.l, (uint32_t)pid));
	CHECK_EQ(release_and_wait(go, pid), 0);
	CHECK_EQ(read(p[0], buf, sizeof(buf)), 12);
	CHECK_EQ(count(MW_EV_PAYLOAD, (uint32_t)pid), 0);
	CHECK_EQ(count(MW_EV_EXIT, (uint32_t)pid), 0);
	CHECK(!loader_is_tracked(T.l, (uint32_t)pid));
	close(p[0]);
	close(p[1]);
}

static void test_no_kernel_losses(void)
{
	struct mw_drop d[MW_DROP__COUNT];

	CHECK_EQ(loader_read_drops(T.l, d, true), 0);
	for (unsigned int i = 0; i < MW_DROP__COUNT; i++) {
		CHECK_EQ(d[i].count, 0);
		CHECK_EQ(d[i].bytes, 0);
	}
}

/* ---- enforcement without the server's state ---- */

static void child_open_outside(void *arg)
{
	int fd = open("/etc/hostname", O_RDONLY);

	(void)arg;
	_exit(fd >= 0 ? 0 : 4);
}

/* A loader with enforcement on, beside T's (which keeps it off); NULL on failure. */
static struct loader *enforcing_loader(struct reader **r)
{
	struct mw_error err = { "" };
	struct loader_opts o = {
		.self_tgid = (uint32_t)getpid(), .detect = false, .ringbuf_mb = 1, .enforce = true,
	};
	struct reader_handlers h = {
		.payload = on_payload, .exec = on_exec, .fork = on_fork, .exit = on_exit_ev,
		.track = on_track, .file = on_file, .net = on_net,
	};
	struct loader *l = NULL;
	int rc = loader_open(&l, &err);

	if (!rc)
		rc = loader_configure(l, &o, &err);
	if (!rc)
		rc = loader_load(l, &err);
	if (!rc)
		rc = loader_attach(l, &err);
	if (rc) {
		fprintf(stderr, "bpf_test: enforcing loader: %s\n", err.msg);
		loader_close(l);
		return NULL;
	}
	*r = reader_new(loader_events_fd(l), &h, NULL);
	return l;
}

#define LINK_IDS_MAX 4096

/* The IDs of every BPF link on the host, ascending; their number (at most max). */
static unsigned int link_ids(__u32 *ids, unsigned int max)
{
	unsigned int n = 0;
	__u32 id = 0;

	while (n < max && !bpf_link_get_next_id(id, &id))
		ids[n++] = id;
	return n;
}

static bool id_in(__u32 id, const __u32 *ids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* loader_close() destroys the links from several threads (detach_all): afterwards, not one
 * of the links the loader made is left, and the host has the links it had before. */
static void test_close_detaches_every_link(void)
{
	static __u32 before[LINK_IDS_MAX], during[LINK_IDS_MAX], after[LINK_IDS_MAX];
	unsigned int nb = link_ids(before, LINK_IDS_MAX), nd, na, made = 0;
	struct reader *r = NULL;
	struct loader *l = enforcing_loader(&r);

	CHECK(l != NULL);
	if (!l)
		return;
	nd = link_ids(during, LINK_IDS_MAX);
	for (unsigned int i = 0; i < nd; i++)
		made += !id_in(during[i], before, nb);
	CHECK_EQ(made, loader_attached_count(l));
	CHECK(made > 30);
	reader_free(r);
	loader_close(l);
	na = link_ids(after, LINK_IDS_MAX);
	for (unsigned int i = 0; i < na; i++)
		CHECK(id_in(after[i], before, nb));     /* no link of the closed loader is left */
	CHECK_EQ(na, nb);                               /* nor did T's lose any */
}

/*
 * A kill in the kernel wakes the collector at once (its alert is due now, and a server killed
 * with its child under scope: server is killed from user space): an epoll asleep on the ring
 * buffer returns though the killed open's record is far from MW_WAKEUP_BYTES.
 */
static void test_enforce_kill_wakes(void)
{
	__u32 key = 0 * MW_ENF_RULES + MW_ENF_FILE_OUT_OF_SCOPE, kill_action = MW_ENF_KILL;
	struct mw_enf_server srv = { .pidx = 0, .flags = MW_ENF_SPOKE | MW_ENF_HAS_ROOTS };
	struct epoll_event ev = { .events = EPOLLIN };
	struct reader *r = NULL;
	struct loader *l = enforcing_loader(&r);
	int ep = epoll_create1(EPOLL_CLOEXEC), go[2], st = 0, n;
	uint32_t tgid;
	pid_t pid;

	CHECK(l && r && ep >= 0);
	if (!l || !r || ep < 0)
		goto out;
	reset();
	CHECK_EQ(bpf_map_update_elem(loader_map_fd(l, "enf_rules"), &key, &kill_action, BPF_ANY), 0);
	pid = spawn(go, child_open_outside, NULL);
	tgid = (uint32_t)pid;
	CHECK_EQ(bpf_map_update_elem(loader_map_fd(l, "enf_servers"), &tgid, &srv, BPF_ANY), 0);
	CHECK_EQ(loader_track(l, tgid, start_ns_of(pid), tgid, MW_TRACK_PID), 0);
	reader_drain(r);                /* empty: the epoll below starts asleep */
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, loader_events_fd(l), &ev), 0);
	CHECK_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	n = epoll_wait(ep, &ev, 1, WAKE_WAIT_MS);
	CHECK_EQ(n, 1);                 /* 0: nothing woke it (the records waited for a poll) */
	for (int i = 0; i < PUMP_MS / 50; i++)
		reader_poll(r, 50);
	CHECK(find(MW_EV_FILE, tgid, 0) && (find(MW_EV_FILE, tgid, 0)->h.flags & MW_F_KILLED));
out:
	if (ep >= 0)
		close(ep);
	reader_free(r);
	loader_close(l);
	reset();
}

/*
 * A tracked process whose server has no entry in the kernel's enforcement state (a full map,
 * a failed write) under a defaults entry that kills file.out_of_scope: the open of a file
 * outside any root is held (SIGSTOP at the syscall's exit) for user space to judge, not let
 * through because no roots are known, and the missing state is counted.
 */
static void test_enforce_missing_state_holds(void)
{
	__u32 key = 0 * MW_ENF_RULES + MW_ENF_FILE_OUT_OF_SCOPE, kill_action = MW_ENF_KILL;
	struct mw_drop d0[MW_DROP__COUNT], d1[MW_DROP__COUNT];
	struct reader *r = NULL;
	struct loader *l = enforcing_loader(&r);
	struct rec *e = NULL;
	int go[2], st = 0;
	pid_t pid;

	CHECK(l && r);
	if (!l || !r)
		return;
	reset();
	CHECK_EQ(bpf_map_update_elem(loader_map_fd(l, "enf_rules"), &key, &kill_action, BPF_ANY), 0);
	CHECK_EQ(loader_read_drops(l, d0, true), 0);
	pid = spawn(go, child_open_outside, NULL);
	CHECK_EQ(loader_track(l, (uint32_t)pid, start_ns_of(pid), (uint32_t)pid, MW_TRACK_PID), 0);
	CHECK_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	for (int i = 0; i < PUMP_MS / 50; i++)
		reader_poll(r, 50);
	for (size_t n = 0; (e = find(MW_EV_FILE, (uint32_t)pid, n)); n++)
		if (e->u.fl.op == MW_FILE_OPEN && strstr(e->u.fl.path, "/etc/hostname"))
			break;
	CHECK(e && (e->h.flags & MW_F_HELD) && !(e->h.flags & MW_F_KILLED));
	CHECK(e && e->u.fl.enf_rule == MW_ENF_FILE_OUT_OF_SCOPE + 1);   /* the rule held for */
	CHECK_EQ(loader_read_drops(l, d1, true), 0);
	CHECK(d1[MW_DROP_ENFORCE_STATE].count > d0[MW_DROP_ENFORCE_STATE].count);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	reader_free(r);
	loader_close(l);
	reset();
}

#define FAKE_TGID_BASE  0x40000000u     /* above any pid (PID_MAX_LIMIT is 4194304) */
#define CHILD_KILLED    42              /* exit status: the forked child died by SIGKILL */

/* Fill l's tracked map with made-up processes; returns how many it took. */
static unsigned int fill_tracked(struct loader *l)
{
	unsigned int n = 0;

	while (n < MW_TRACKED_MAX &&
	       !loader_track(l, FAKE_TGID_BASE + n, 0, FAKE_TGID_BASE + n, MW_TRACK_PID))
		n++;
	return n;
}

static void unfill_tracked(struct loader *l, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		loader_untrack(l, FAKE_TGID_BASE + i);
}

/* Fork a child that exits at once; exit CHILD_KILLED if it died by SIGKILL instead. */
static void child_fork_one(void *arg)
{
	int st = 0;
	pid_t pid = fork();

	(void)arg;
	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0);
	_exit(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? CHILD_KILLED : 0);
}

/* A tracked process forks while the tracked map is full: the child cannot be tracked. Under
 * enforcement (where the kernel has bpf_send_signal_task) it is killed before it runs, fail
 * closed; when monitoring it runs on. Either way tracked_full counts it. Runs after
 * test_no_kernel_losses (it grows a loss counter on purpose). */
static void fork_when_full(struct loader *l, bool want_killed)
{
	struct mw_drop d0[MW_DROP__COUNT], d1[MW_DROP__COUNT];
	unsigned int filled;
	int go[2], st;
	pid_t pid;

	CHECK_EQ(loader_read_drops(l, d0, true), 0);
	pid = spawn(go, child_fork_one, NULL);
	CHECK_EQ(loader_track(l, (uint32_t)pid, start_ns_of(pid), (uint32_t)pid, MW_TRACK_PID), 0);
	filled = fill_tracked(l);
	CHECK(filled > 0 && filled < MW_TRACKED_MAX);   /* stopped by the full map */
	st = release_and_wait(go, pid);
	unfill_tracked(l, filled);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), want_killed ? CHILD_KILLED : 0);
	CHECK_EQ(loader_read_drops(l, d1, true), 0);
	CHECK(d1[MW_DROP_TRACKED_FULL].count > d0[MW_DROP_TRACKED_FULL].count);
}

#define SIGNAL_TASK_MAJOR 6             /* bpf_send_signal_task: Linux 6.13 */
#define SIGNAL_TASK_MINOR 13

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static void test_fork_over_tracked_limit(void)
{
	struct reader *r = NULL;
	struct loader *l = enforcing_loader(&r);

	CHECK(l && r);
	if (!l || !r)
		return;
	reset();
	if (kernel_at_least(SIGNAL_TASK_MAJOR, SIGNAL_TASK_MINOR))
		CHECK(loader_fork_kill(l));     /* bpf_send_signal_task is there: it must be used */
	else
		printf("    (kernel before %d.%d: a child over the limit runs unjudged)\n",
		       SIGNAL_TASK_MAJOR, SIGNAL_TASK_MINOR);
	fork_when_full(l, loader_fork_kill(l));
	reader_free(r);
	loader_close(l);
	reset();
	fork_when_full(T.l, false);     /* monitor mode: counted, not killed */
	reset();
}

/* User-space kills name (pid, start): a process with another start time is not signalled. */
static void test_proc_signal_exact(void)
{
	pid_t pid = fork();
	uint64_t start;
	int st = 0;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	start = start_ns_of(pid);
	CHECK(start > 0);
	CHECK_EQ(proc_signal((uint32_t)pid, start + 3 * MW_NS_PER_TICK, SIGKILL), -ESRCH);
	CHECK_EQ(kill(pid, 0), 0);
	CHECK_EQ(proc_signal((uint32_t)pid, start, SIGKILL), 0);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK_EQ(proc_signal((uint32_t)pid, start, SIGKILL), -ESRCH);
}

/* ---- pinned maps (a restarted collector) ---- */

#define PIN_TEST_TGID   424242u
#define PIN_TEST_TICK   7u
#define PIN_TEST_END_INO 0x7fffffff0001ull     /* no real inode: a mark only this test makes */

/* A second loader over the same object, loaded with pins in dir but not attached. */
static struct loader *pinned_loader(const char *dir, unsigned int *npins,
				    const struct pin_map **pins)
{
	struct mw_error err = { "" };
	struct loader_opts o = {
		.self_tgid = (uint32_t)getpid(), .ringbuf_mb = MW_RINGBUF_MIN_MB, .pin_dir = dir,
	};
	struct loader *l;
	int rc = loader_open(&l, &err);

	if (!rc)
		rc = loader_configure(l, &o, &err);
	if (!rc)
		rc = loader_load(l, &err);
	if (rc) {
		unit_fail(__FILE__, __LINE__, "pinned loader: %s", err.msg);
		loader_close(l);
		return NULL;
	}
	*pins = loader_pins(l, npins);
	return l;
}

/* The tracked map's state, and the state of the maps pinned with it (channels, writers,
 * enf_held). */
static void pins_are(const struct pin_map *pins, unsigned int n, enum pin_state tracked,
		     enum pin_state others)
{
	CHECK_EQ(n, 4);
	for (unsigned int i = 0; i < n; i++)
		CHECK_EQ(pins[i].state, !strcmp(pins[i].name, "tracked") ? tracked : others);
}

struct seen_held {
	uint32_t tgid;
	uint64_t start_ns;
	unsigned int n;
};

static void on_held(void *ctx, uint32_t tgid, uint64_t start_ns)
{
	struct seen_held *s = ctx;

	s->tgid = tgid;
	s->start_ns = start_ns;
	s->n++;
}

struct seen_tracked {
	bool found;
	struct mw_tracked t;
};

static void on_tracked(void *ctx, uint32_t tgid, const struct mw_tracked *t)
{
	struct seen_tracked *s = ctx;

	if (tgid == PIN_TEST_TGID) {
		s->found = true;
		s->t = *t;
	}
}

/* What one loader writes in the pinned tracked and held maps, the next one finds; a pin of
 * another layout is replaced, not reused, and so are the pins that go with it. */
static void test_pins_outlive_the_loader(void)
{
	char dir[64], path[96];
	const struct pin_map *pins;
	struct seen_tracked seen = { 0 };
	struct seen_held held = { 0 };
	uint32_t held_tgid = PIN_TEST_TGID;
	uint64_t held_start = PIN_TEST_TICK * MW_NS_PER_TICK + 1;
	uint64_t end = PIN_TEST_END_INO;
	struct mw_writer mark = { .tgid = PIN_TEST_TGID };
	struct loader *l;
	unsigned int n = 0;
	int fd;

	snprintf(dir, sizeof(dir), "/sys/fs/bpf/mcpwarden-bpf-test-%d", (int)getpid());
	l = pinned_loader(dir, &n, &pins);
	if (!l)
		return;
	pins_are(pins, n, PIN_CREATED, PIN_CREATED);
	CHECK_EQ(loader_track(l, PIN_TEST_TGID, PIN_TEST_TICK * MW_NS_PER_TICK, 1, MW_TRACK_TRAFFIC),
		 0);
	CHECK_EQ(bpf_map_update_elem(loader_map_fd(l, "enf_held"), &held_tgid, &held_start, BPF_ANY),
		 0);
	CHECK_EQ(bpf_map_update_elem(loader_map_fd(l, "writers"), &end, &mark, BPF_ANY), 0);
	loader_close(l);
	l = pinned_loader(dir, &n, &pins);
	if (!l)
		return;
	pins_are(pins, n, PIN_REUSED, PIN_REUSED);
	CHECK_EQ(loader_held_each(l, on_held, &held), 0);      /* a hold the earlier run left */
	CHECK(held.n == 1 && held.tgid == held_tgid && held.start_ns == held_start);
	loader_held_settled(l, held_tgid);
	held.n = 0;
	CHECK_EQ(loader_held_each(l, on_held, &held), 0);
	CHECK_EQ(held.n, 0);
	CHECK_EQ(loader_tracked_each(l, on_tracked, &seen), 0);
	CHECK(seen.found);
	CHECK(loader_tracked_bit(l, PIN_TEST_TGID));    /* set from the inherited entry */
	CHECK(!loader_tracked_bit(l, PIN_TEST_TGID + 1));
	CHECK_EQ(seen.t.start_tick, PIN_TEST_TICK);
	CHECK_EQ(seen.t.root_tgid, 1);
	CHECK_EQ(seen.t.reason, MW_TRACK_TRAFFIC);
	CHECK(loader_writer_marked(l, end));            /* a writing end the earlier run marked */
	CHECK(!loader_writer_marked(l, end + 1));
	loader_close(l);
	snprintf(path, sizeof(path), "%s/tracked", dir);
	CHECK_EQ(unlink(path), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tracked", sizeof(uint32_t), sizeof(uint64_t), 16,
			    NULL);
	CHECK(fd >= 0 && bpf_obj_pin(fd, path) == 0);
	close(fd);
	l = pinned_loader(dir, &n, &pins);
	if (!l)
		return;
	pins_are(pins, n, PIN_REPLACED, PIN_REPLACED);   /* the channels go with it */
	CHECK(strstr(pins[0].note, "value 8 B") || strstr(pins[1].note, "value 8 B"));
	CHECK(strstr(pins[0].note, "goes with") || strstr(pins[1].note, "goes with"));
	loader_close(l);
	CHECK_EQ(unlink(path), 0);                      /* one missing: none is reused */
	l = pinned_loader(dir, &n, &pins);
	if (l) {
		pins_are(pins, n, PIN_CREATED, PIN_REPLACED);
		loader_close(l);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/channels", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/writers", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/enf_held", dir);
	unlink(path);
	CHECK_EQ(rmdir(dir), 0);
}

static int setup(void)
{
	struct mw_error err = { "" };
	struct loader_opts o = {
		.self_tgid = (uint32_t)getpid(), .exec_all = false, .detect = true,
		.ringbuf_mb = MW_RINGBUF_DEFAULT_MB, .attach_cgroup = true,  /* enforce stays off */
		.probe_reads = PROBE_READS,
	};
	struct reader_handlers h = {
		.payload = on_payload, .exec = on_exec, .fork = on_fork, .exit = on_exit_ev,
		.track = on_track, .file = on_file, .net = on_net, .sock = on_sock,
	};
	int rc = loader_open(&T.l, &err);

	if (!rc)
		rc = loader_configure(T.l, &o, &err);
	if (!rc)
		rc = loader_load(T.l, &err);
	if (!rc)
		rc = loader_attach(T.l, &err);
	if (rc) {
		fprintf(stderr, "bpf_test: %s\n", err.msg);
		return rc;
	}
	T.r = reader_new(loader_events_fd(T.l), &h, NULL);
	return T.r ? 0 : -errno;
}

/* The tests that go through channel resolution: run again by the probe-reads build. */
#define CHANNEL_TESTS                                                                     \
	UNIT_TEST(test_btf_walk_mode),                                                    \
	UNIT_TEST(test_unix_channel_ends),                                                \
	UNIT_TEST(test_tracked_pipe_write),                                               \
	UNIT_TEST(test_untracked_not_captured),                                           \
	UNIT_TEST(test_fork_inherits_and_bytes_once),                                     \
	UNIT_TEST(test_made_ends_marked),                                                 \
	UNIT_TEST(test_made_ends_untracked_not_marked),                                   \
	UNIT_TEST(test_writev_chunks_on_unix_socket),                                     \
	UNIT_TEST(test_write_chunks_on_unix_socket),                                      \
	UNIT_TEST(test_recvmsg_read_captured),                                            \
	UNIT_TEST(test_detect_initialize_read),                                           \
	UNIT_TEST(test_detect_ignores_other_json),                                        \
	UNIT_TEST(test_tcp_ipv4_captured),                                                \
	UNIT_TEST(test_tcp_ipv6_captured)

int main(void)
{
	static const struct unit_test tests[] = {
		UNIT_TEST(test_every_program_attached),
		CHANNEL_TESTS,
		UNIT_TEST(test_socket_inodes_capped),
		UNIT_TEST(test_holder_ancestor_first),
		UNIT_TEST(test_holder_found_by_scan),
		UNIT_TEST(test_wakeup_once_per_threshold),
		UNIT_TEST(test_record_process_text),
		UNIT_TEST(test_tracked_bits_follow_the_set),
		UNIT_TEST(test_detect_python_separators),
		UNIT_TEST(test_detect_2026_meta),
		UNIT_TEST(test_detect_shortest_read),
		UNIT_TEST(test_detect_every_alignment),
		UNIT_TEST(test_detect_scan_window_edge),
		UNIT_TEST(test_exec_of_tracked_process),
		UNIT_TEST(test_file_paths_resolved_in_kernel),
		UNIT_TEST(test_connect_recorded),
		UNIT_TEST(test_wildcard_listen_and_accept),
		UNIT_TEST(test_udp_connect_v4_mapped),
		UNIT_TEST(test_unix_connect_path),
		UNIT_TEST(test_detect_post_long_headers),
		UNIT_TEST(test_detect_post_long_headers_other),
		UNIT_TEST(test_detect_post_body_read_apart),
		UNIT_TEST(test_pid_reuse_not_confused),
		UNIT_TEST(test_enforce_missing_state_holds),
		UNIT_TEST(test_enforce_kill_wakes),
		UNIT_TEST(test_proc_signal_exact),
		UNIT_TEST(test_no_kernel_losses),
		UNIT_TEST(test_detect_post_headers_past_limit_counted),
		UNIT_TEST(test_fork_over_tracked_limit),
		UNIT_TEST(test_pins_outlive_the_loader),
		UNIT_TEST(test_close_detaches_every_link),
	};
	static const struct unit_test probe_reads[] = {
		CHANNEL_TESTS,
		UNIT_TEST(test_no_kernel_losses),
	};
	int rc;

	if (setup()) {
		printf("# unit: passed=0 failed=1\n");
		return 1;
	}
	if (PROBE_READS)
		rc = unit_run(__FILE__ " (probe reads)", probe_reads,
			      sizeof(probe_reads) / sizeof(probe_reads[0]));
	else
		rc = unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
	reset();
	reader_free(T.r);
	loader_close(T.l);
	return rc;
}
