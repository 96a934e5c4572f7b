// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evfmt.h"
#include "fpath.h"

#define PROC_LINK_LEN 64u

const char *fpath_by_name(enum fpath_by by)
{
	switch (by) {
	case FPATH_KERNEL:
		return "kernel";
	case FPATH_COLLECTOR:
		return "collector";
	default:
		return "lexical";
	}
}

/* req looked up from dir (NULL: not known): normalised into one->path, raw into one->raw. */
static void lexical(const char *dir, const char *req, struct fpath_one *one)
{
	one->by = FPATH_LEXICAL;
	one->raw[0] = '\0';
	if (evfmt_join(dir, req, one->path, sizeof(one->path)) < 0)
		snprintf(one->path, sizeof(one->path), "%s", req);
	if (req[0] == '/')
		snprintf(one->raw, sizeof(one->raw), "%s", req);
	else if (dir && dir[0] == '/' &&
		 (size_t)snprintf(one->raw, sizeof(one->raw), "%s/%s", dir, req) >= sizeof(one->raw))
		one->raw[0] = '\0';
}

void fpath_lexical(const struct mw_file *e, struct fpath *fp)
{
	bool two = e->op == MW_FILE_RENAME || e->op == MW_FILE_LINK || e->op == MW_FILE_SYMLINK;
	bool rdir = e->h.flags & MW_F_RESOLVED_DIR;
	char req[MW_FPATH_MAX + 1], dir[MW_RPATH_MAX + 1];

	fp->src.path[0] = fp->src.raw[0] = '\0';
	fp->src.by = FPATH_LEXICAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)MW_RPATH_MAX, e->resolved);
	if (!rdir && dir[0]) {
		snprintf(fp->dst.path, sizeof(fp->dst.path), "%s", dir);
		fp->dst.raw[0] = '\0';
		fp->dst.by = FPATH_KERNEL;
	} else {
		snprintf(req, sizeof(req), "%.*s", (int)MW_FPATH_MAX, two ? e->path2 : e->path);
		lexical(rdir ? dir : NULL, req, &fp->dst);
	}
	if (e->op != MW_FILE_RENAME && e->op != MW_FILE_LINK)
		return;
	/* the source: from its own directory (renameat's or linkat's olddirfd), not the
	 * destination's */
	rdir = e->h.flags & MW_F_RESOLVED_OLD_DIR;
	snprintf(req, sizeof(req), "%.*s", (int)MW_FPATH_MAX, e->path);
	snprintf(dir, sizeof(dir), "%.*s", (int)MW_RPATH_MAX, e->resolved_old);
	if (req[0] == '/' || (rdir && dir[0] == '/'))
		lexical(rdir ? dir : NULL, req, &fp->src);
}

/* The path of an open fd as our /proc shows it. 0 or -errno. */
static int fd_path(int fd, char *out, size_t size)
{
	char link[PROC_LINK_LEN];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/* real (a path in our view) as seen from top (the root's path in our view). */
static const char *inside(const char *real, const char *top)
{
	size_t n = strlen(top);

	if (!strcmp(top, "/"))
		return real;
	if (strncmp(real, top, n) || (real[n] != '/' && real[n] != '\0'))
		return NULL;
	return real[n] ? real + n : "/";
}

/* Open path (absolute) within rootfd, as the kernel would for a process with that root. */
static int open_in_root(int rootfd, const char *path, bool dir)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Split raw (absolute, shorter than size) at its last component, trailing slashes dropped:
 * false when the last component cannot be kept apart ("", ".", ".."). */
static bool split_last(const char *raw, char *parent, char *last, size_t size)
{
	size_t n = strlen(raw);
	char *slash;

	while (n > 1 && raw[n - 1] == '/')
		n--;
	memcpy(parent, raw, n);
	parent[n] = '\0';
	slash = strrchr(parent, '/');
	if (!slash || !slash[1] || !strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return false;
	snprintf(last, size, "%s", slash + 1);
	parent[slash == parent ? 1 : (size_t)(slash - parent)] = '\0';
	return true;
}

int fpath_resolve_in(int rootfd, const char *raw, bool follow_last, char *out, size_t size)
{
	char parent[FPATH_LEN], last[FPATH_LEN], real[FPATH_LEN], top[FPATH_LEN];
	const char *view;
	struct stat st;
	int fd, rc;
	bool split;

	if (raw[0] != '/' || strlen(raw) >= FPATH_LEN)
		return raw[0] != '/' ? -EINVAL : -ENAMETOOLONG;
	split = !follow_last && split_last(raw, parent, last, sizeof(last));
	if (!split)
		snprintf(parent, sizeof(parent), "%s", raw);
	fd = open_in_root(rootfd, parent, split);
	if (fd < 0)
		return fd;
	rc = fstat(fd, &st) ? -errno : st.st_nlink == 0 ? -ENOENT : fd_path(fd, real, sizeof(real));
	close(fd);
	if (!rc)
		rc = fd_path(rootfd, top, sizeof(top));
	if (rc)
		return rc;
	view = inside(real, top);
	if (!view)
		return -EXDEV;
	if (!split)
		rc = snprintf(out, size, "%s", view);
	else
		rc = snprintf(out, size, "%s%s%s", view, strcmp(view, "/") ? "/" : "", last);
	return rc < 0 || (size_t)rc >= size ? -ENAMETOOLONG : 0;
}

/* O_PATH fd of the root directory of process pid, or -errno. */
static int view_open(uint32_t pid)
{
	char link[PROC_LINK_LEN];
	int fd;

	if (!pid)
		return -ESRCH;
	snprintf(link, sizeof(link), "/proc/%u/root", pid);
	fd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A lexical path with an absolute request: what the collector can resolve. */
static bool resolvable(const struct fpath_one *one)
{
	return one->by == FPATH_LEXICAL && one->raw[0] == '/';
}

static void resolve_one(int rootfd, struct fpath_one *one, bool follow_last)
{
	char real[FPATH_LEN];

	if (!resolvable(one))
		return;
	if (fpath_resolve_in(rootfd, one->raw, follow_last, real, sizeof(real)))
		return;
	snprintf(one->path, sizeof(one->path), "%s", real);
	one->by = FPATH_COLLECTOR;
}

void fpath_resolve(const struct mw_file *e, struct fpath *fp)
{
	int rootfd;

	/* most paths were walked in the kernel: no /proc lookup for them */
	if (e->ret < 0 || (!resolvable(&fp->dst) && !resolvable(&fp->src)))
		return;
	rootfd = view_open(e->h.tgid);
	if (rootfd < 0)         /* exited: its server sees the same tree, as a rule */
		rootfd = view_open(e->h.root);
	if (rootfd < 0)
		return;
	/* truncate(2) and open (without O_NOFOLLOW, when the kernel could not name the file)
	 * follow a symlink in the last component; the others act on the name itself */
	resolve_one(rootfd, &fp->dst, e->op == MW_FILE_TRUNCATE ||
		    (e->op == MW_FILE_OPEN && !(e->flags & O_NOFOLLOW)));
	resolve_one(rootfd, &fp->src, false);
	close(rootfd);
}
