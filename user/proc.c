// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "evfmt.h"
#include "proc.h"

#define PROC_BUCKETS    4096u
#define PROC_STAT_MAX   1024u
#define PROC_DEPTH_MAX  64u     /* ancestry walk bound */
#define CGROUP2_ROOT    "/sys/fs/cgroup"

struct proc_table {
	struct proc_info *bucket[PROC_BUCKETS];
};

struct proc_table *proc_table_new(void)
{
	return calloc(1, sizeof(struct proc_table));
}

static void proc_info_free(struct proc_info *p)
{
	json_decref(p->json);
	free(p->json_text);
	free(p->cmdline);
	free(p->exe);
	free(p);
}

void proc_table_free(struct proc_table *t)
{
	if (!t)
		return;
	for (unsigned int i = 0; i < PROC_BUCKETS; i++) {
		struct proc_info *p = t->bucket[i], *n;

		for (; p; p = n) {
			n = p->next;
			proc_info_free(p);
		}
	}
	free(t);
}

struct proc_info *proc_find(struct proc_table *t, uint32_t tgid)
{
	struct proc_info *p = t->bucket[tgid % PROC_BUCKETS];

	while (p && p->tgid != tgid)
		p = p->next;
	return p;
}

void proc_forget(struct proc_table *t, uint32_t tgid)
{
	struct proc_info **pp = &t->bucket[tgid % PROC_BUCKETS];

	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->tgid == tgid) {
			struct proc_info *p = *pp;

			*pp = p->next;
			proc_info_free(p);
			return;
		}
	}
}

static bool same_start(uint64_t a, uint64_t b)
{
	return a / MW_NS_PER_TICK == b / MW_NS_PER_TICK;
}

static struct proc_info *proc_insert(struct proc_table *t, uint32_t tgid, uint64_t start_ns)
{
	struct proc_info *p = proc_find(t, tgid);

	if (p && same_start(p->start_ns, start_ns))
		return p;
	if (p)
		proc_forget(t, tgid);   /* pid reused */
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgid = tgid;
	p->start_ns = start_ns;
	p->next = t->bucket[tgid % PROC_BUCKETS];
	t->bucket[tgid % PROC_BUCKETS] = p;
	return p;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

void proc_join_args(const char *args, size_t len, char *out, size_t size)
{
	size_t n = len < size - 1 ? len : size - 1;

	while (n && args[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		out[i] = args[i] ? args[i] : ' ';
	out[n] = '\0';
}

/* Parse /proc/PID/stat: comm (inside the last parentheses), ppid, start time in ticks. */
static int parse_stat(const char *buf, struct proc_info *p, uint64_t *start_tick)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	unsigned long long start = 0;
	unsigned int ppid = 0;
	size_t n;

	if (!open || !close || close < open)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= MW_COMM_LEN)
		n = MW_COMM_LEN - 1;
	memcpy(p->comm, open + 1, n);
	p->comm[n] = '\0';
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
	 * stime cutime cstime priority nice threads itrealvalue starttime */
	if (sscanf(close + 2, "%*c %u %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
		   "%*d %*d %*d %llu", &ppid, &start) != 2)
		return -EINVAL;
	p->ppid = ppid;
	*start_tick = start;
	return 0;
}

int proc_signal(uint32_t tgid, uint64_t start_ns, int sig)
{
	struct proc_info p = { .tgid = tgid };
	char path[64], buf[PROC_STAT_MAX];
	uint64_t tick;
	int fd, rc = 0;

	fd = (int)syscall(SYS_pidfd_open, (pid_t)tgid, 0);
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
	if (read_file(path, buf, sizeof(buf)) < 0 || parse_stat(buf, &p, &tick) ||
	    tick != start_ns / MW_NS_PER_TICK)
		rc = -ESRCH;
	else if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0))
		rc = -errno;
	close(fd);
	return rc;
}

/* The cgroup v2 id of a "0::/path" line: the inode of its directory under CGROUP2_ROOT. */
static uint64_t cgroup2_id(const char *cgroup)
{
	const char *l = strstr(cgroup, "0::/");
	char path[PATH_MAX];
	struct stat st;
	size_t n;

	if (!l || (l != cgroup && l[-1] != '\n'))
		return 0;
	l += 3;
	n = strcspn(l, "\n");
	if (snprintf(path, sizeof(path), CGROUP2_ROOT "%.*s", (int)n, l) >= (int)sizeof(path) ||
	    stat(path, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

/* The container the process runs in, from its cgroup path, and its cgroup v2 id when the
 * exec record did not give it (best effort). */
static void load_container(uint32_t tgid, struct proc_info *p)
{
	char path[64], buf[PROC_STAT_MAX * 4];

	snprintf(path, sizeof(path), "/proc/%u/cgroup", tgid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	evfmt_container_id(buf, p->container, sizeof(p->container));
	if (!p->cgroup_id)
		p->cgroup_id = cgroup2_id(buf);
}

/* Read what /proc says of tgid into p; -ESRCH when it is gone or is another process. */
static int proc_load(uint32_t tgid, uint64_t want_start_ns, struct proc_info *p)
{
	char path[64], buf[MW_CMDLINE_MAX + 1], exe[PATH_MAX];
	uint64_t tick;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
	if (read_file(path, buf, PROC_STAT_MAX) < 0 || parse_stat(buf, p, &tick))
		return -ESRCH;
	if (want_start_ns != UINT64_MAX && tick != want_start_ns / MW_NS_PER_TICK)
		return -ESRCH;
	if (want_start_ns == UINT64_MAX)
		p->start_ns = tick * MW_NS_PER_TICK;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", tgid);
	n = read_file(path, buf, sizeof(buf));
	if (n > 0) {
		char joined[MW_CMDLINE_MAX + 1];

		proc_join_args(buf, (size_t)n, joined, sizeof(joined));
		free(p->cmdline);
		p->cmdline = strdup(joined);
	}
	load_container(tgid, p);
	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		free(p->exe);
		p->exe = strdup(exe);
	}
	return 0;
}

struct proc_info *proc_get(struct proc_table *t, uint32_t tgid, uint64_t start_ns)
{
	struct proc_info *p = proc_find(t, tgid);

	if (p && same_start(p->start_ns, start_ns))
		return p;
	p = proc_insert(t, tgid, start_ns);
	if (p)
		proc_load(tgid, start_ns, p);
	return p;
}

struct proc_info *proc_on_exec(struct proc_table *t, const struct mw_exec *e)
{
	struct proc_info *p = proc_insert(t, e->h.tgid, e->h.start_ns);
	char joined[MW_CMDLINE_MAX + 1];
	char path[MW_RPATH_MAX + 1];
	size_t n = e->args_len < MW_ARGS_MAX ? e->args_len : MW_ARGS_MAX;

	if (!p)
		return NULL;
	json_decref(p->json);           /* a new image: a new identity to show */
	p->json = NULL;
	free(p->json_text);
	p->json_text = NULL;
	p->ppid = e->ppid;
	p->uid = e->uid;
	p->cgroup_id = e->cgroup_id;
	load_container(e->h.tgid, p);
	memcpy(p->comm, e->comm, MW_COMM_LEN);
	p->comm[MW_COMM_LEN - 1] = '\0';
	proc_join_args(e->args, n, joined, sizeof(joined));
	free(p->cmdline);
	p->cmdline = strdup(joined);
	snprintf(path, sizeof(path), "%.*s", (int)MW_PATH_MAX, e->resolved[0] ? e->resolved : e->path);
	free(p->exe);
	p->exe = strdup(path);
	return p;
}

struct proc_info *proc_on_fork(struct proc_table *t, const struct mw_fork *e)
{
	struct proc_info *parent = proc_find(t, e->ptgid);
	struct proc_info *p = proc_insert(t, e->h.tgid, e->h.start_ns);

	if (!p)
		return NULL;
	p->ppid = e->ptgid;
	p->root = e->root_tgid;
	p->reason = MW_TRACK_INHERIT;
	if (parent) {           /* a fork runs the parent's image until it execs */
		memcpy(p->comm, parent->comm, MW_COMM_LEN);
		memcpy(p->container, parent->container, sizeof(p->container));
		p->cgroup_id = parent->cgroup_id;
		p->uid = parent->uid;
		if (parent->cmdline && !p->cmdline)
			p->cmdline = strdup(parent->cmdline);
		if (parent->exe && !p->exe)
			p->exe = strdup(parent->exe);
	}
	return p;
}

struct proc_info *proc_find_or_load(struct proc_table *t, uint32_t tgid)
{
	struct proc_info tmp = { 0 }, *p = proc_find(t, tgid);

	if (p)
		return p;
	if (proc_load(tgid, UINT64_MAX, &tmp) || !(p = proc_insert(t, tgid, tmp.start_ns))) {
		free(tmp.cmdline);
		free(tmp.exe);
		return NULL;
	}
	tmp.tgid = tgid;
	tmp.next = p->next;
	*p = tmp;
	return p;
}

int proc_scan(struct proc_table *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long tgid = strtoul(de->d_name, &end, 10);
		if (*end || !tgid || tgid > UINT32_MAX)
			continue;
		if (proc_find_or_load(t, (uint32_t)tgid))
			n++;
	}
	closedir(d);
	return n;
}

void proc_for_each(struct proc_table *t, void (*fn)(void *ctx, struct proc_info *p), void *ctx)
{
	for (unsigned int i = 0; i < PROC_BUCKETS; i++)
		for (struct proc_info *p = t->bucket[i]; p; p = p->next)
			fn(ctx, p);
}

bool proc_descends(struct proc_table *t, const struct proc_info *p, uint32_t a)
{
	for (unsigned int depth = 0; p && depth < PROC_DEPTH_MAX; depth++) {
		if (p->tgid == a)
			return true;
		if (!p->ppid || p->ppid == p->tgid)
			return false;
		p = proc_find_or_load(t, p->ppid);
	}
	return false;
}

bool proc_match(const char *cmdline, const char *const *globs, unsigned int n)
{
	if (!cmdline)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (fnmatch(globs[i], cmdline, 0) == 0)
			return true;
	return false;
}

/* Is fd (in the /proc/PID/fdinfo directory dirfd) open for writing? */
static bool fd_writes(int dirfd, const char *fd, bool *writes)
{
	char buf[256];
	unsigned int flags;
	const char *f;
	int fdf = openat(dirfd, fd, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fdf < 0)
		return false;
	n = read(fdf, buf, sizeof(buf) - 1);
	close(fdf);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	f = strstr(buf, "flags:");
	if (!f || sscanf(f + 6, "%o", &flags) != 1)
		return false;
	*writes = (flags & O_ACCMODE) != O_RDONLY;
	return true;
}

/* Each numbered fd of the process, at most max of them, with its link text ("pipe:[N]",
 * "socket:[N]", a path): fn returns true to stop the walk. -errno when /proc/PID/fd cannot be
 * opened. */
static int fd_links_each(uint32_t tgid, unsigned int max,
			 bool (*fn)(void *ctx, const char *fd, const char *link), void *ctx)
{
	char path[64], link[64];
	unsigned int seen = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%u/fd", tgid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && seen < max) {
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		seen++;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (fn(ctx, de->d_name, link))
			break;
	}
	closedir(d);
	return 0;
}

struct holds_ctx {
	const char *want;
	bool is_pipe, writer, found;
	int info;                       /* /proc/PID/fdinfo, -1 if it could not be opened */
};

static bool holds_one(void *ctx, const char *fd, const char *link)
{
	struct holds_ctx *h = ctx;
	bool w;

	if (strcmp(link, h->want))
		return false;
	h->found = !h->is_pipe || (h->info >= 0 && fd_writes(h->info, fd, &w) && w == h->writer);
	return h->found;
}

/* Does process tgid hold an fd whose link reads exactly want (for a pipe: open for writing
 * when writer, for reading otherwise)? */
static bool holds(uint32_t tgid, const char *want, bool is_pipe, bool writer)
{
	struct holds_ctx h = { .want = want, .is_pipe = is_pipe, .writer = writer };
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/fdinfo", tgid);
	h.info = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd_links_each(tgid, MW_PEER_SCAN_FDS_MAX, holds_one, &h);
	if (h.info >= 0)
		close(h.info);
	return h.found;
}

#define SOCKETS_INITIAL 64

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct inode_list {
	uint64_t *v;
	size_t n, cap, max;
	bool oom, over;
};

static bool add_socket(void *ctx, const char *fd, const char *link)
{
	struct inode_list *l = ctx;
	unsigned long long ino;
	uint64_t *bigger;

	(void)fd;
	if (sscanf(link, "socket:[%llu]", &ino) != 1)
		return false;
	if (l->n == l->max) {
		l->over = true;
		return true;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : SOCKETS_INITIAL;
		bigger = realloc(l->v, l->cap * sizeof(*l->v));
		if (!bigger) {
			l->oom = true;
			return true;
		}
		l->v = bigger;
	}
	l->v[l->n++] = ino;
	return false;
}

int proc_socket_inodes(uint32_t tgid, size_t max, uint64_t **out, size_t *n)
{
	struct inode_list l = { .max = max };
	int rc = fd_links_each(tgid, UINT_MAX, add_socket, &l);

	*out = NULL;
	*n = 0;
	if (!rc && l.oom)
		rc = -ENOMEM;
	if (!rc && l.over)
		rc = -E2BIG;
	if (rc) {
		free(l.v);
		return rc;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_u64);
	*out = l.v;
	*n = l.n;
	return 0;
}

bool proc_inode_in(const uint64_t *inos, size_t n, uint64_t ino)
{
	return n && bsearch(&ino, inos, n, sizeof(*inos), cmp_u64) != NULL;
}

/* Is p outside the server's own tree (the server, and what it or its launcher chain spawned)? */
static bool outside_server(const struct proc_info *p, uint32_t tgid,
			   const struct proc_info *server)
{
	if (tgid == server->tgid)
		return false;
	return !p || !server->root || (p->root != server->root && p->tgid != server->root);
}

/* The server's ancestors first: a stdio server's client is, as a rule, the process that
 * spawned it (or spawned its launcher chain), and looking there costs a few /proc/PID/fd
 * reads instead of one per process of the host. Those looked at go into seen[]. */
static uint32_t holder_among_ancestors(struct proc_table *t, const char *want, bool is_pipe,
				       bool writer, const struct proc_info *server,
				       uint32_t *seen, unsigned int *n_seen)
{
	const struct proc_info *p = server;

	for (unsigned int depth = 0; depth < PROC_DEPTH_MAX; depth++) {
		if (!p->ppid || p->ppid == p->tgid)
			return 0;
		p = proc_find_or_load(t, p->ppid);
		if (!p)
			return 0;
		if (!outside_server(p, p->tgid, server))
			continue;       /* a launcher (npx, sh) of the server's own tree */
		seen[(*n_seen)++] = p->tgid;
		if (holds(p->tgid, want, is_pipe, writer))
			return p->tgid;
	}
	return 0;
}

static bool was_seen(const uint32_t *seen, unsigned int n, uint32_t tgid)
{
	for (unsigned int i = 0; i < n; i++)
		if (seen[i] == tgid)
			return true;
	return false;
}

uint32_t proc_find_holder(struct proc_table *t, bool is_pipe, bool writer, uint64_t ino,
			  const struct proc_info *server)
{
	uint32_t seen[PROC_DEPTH_MAX];
	unsigned int n_seen = 0;
	char want[64];
	struct dirent *de;
	uint32_t found;
	DIR *d;

	snprintf(want, sizeof(want), "%s:[%llu]", is_pipe ? "pipe" : "socket",
		 (unsigned long long)ino);
	found = holder_among_ancestors(t, want, is_pipe, writer, server, seen, &n_seen);
	if (found || !(d = opendir("/proc")))
		return found;
	while (!found && (de = readdir(d))) {
		char *end;
		unsigned long tgid = strtoul(de->d_name, &end, 10);

		if (*end || !tgid || tgid > UINT32_MAX || was_seen(seen, n_seen, (uint32_t)tgid) ||
		    !outside_server(proc_find(t, (uint32_t)tgid), (uint32_t)tgid, server))
			continue;
		if (holds((uint32_t)tgid, want, is_pipe, writer))
			found = (uint32_t)tgid;
	}
	closedir(d);
	return found;
}
