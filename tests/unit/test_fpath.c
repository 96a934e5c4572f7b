// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/fpath.c: the paths of file records, lexical and resolved again in a
 * root directory (a temporary tree; no root needed). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fpath.h"
#include "unit.h"

/* A temporary tree: base/a/lnk -> base/b (absolute), base/a/rel -> ../b, base/a/flink ->
 * base/b/f, base/b/f; base/r is a root of its own: r/etc, r/lnk -> /etc, r/up -> ../../.. */
#define BASE_LEN 256         /* mkdtemp under /tmp: short */

struct tree {
	char base[BASE_LEN];
};

static void mk(const struct tree *t, const char *fmt_path, bool dir)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", t->base, fmt_path);
	if (dir) {
		CHECK(!mkdir(p, 0755));
		return;
	}
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	close(fd);
}

static void ln(const struct tree *t, const char *target, const char *at)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", t->base, at);
	CHECK(!symlink(target, p));
}

static void tree_make(struct tree *t)
{
	char tmpl[] = "/tmp/mw-fpath-XXXXXX", b[PATH_MAX], *real;

	CHECK(mkdtemp(tmpl) != NULL);
	real = realpath(tmpl, NULL);
	CHECK(real && strlen(real) < sizeof(t->base));
	snprintf(t->base, sizeof(t->base), "%s", real ? real : tmpl);
	free(real);
	mk(t, "a", true);
	mk(t, "b", true);
	mk(t, "b/f", false);
	mk(t, "r", true);
	mk(t, "r/etc", true);
	snprintf(b, sizeof(b), "%s/b", t->base);
	ln(t, b, "a/lnk");
	ln(t, "../b", "a/rel");
	snprintf(b, sizeof(b), "%s/b/f", t->base);
	ln(t, b, "a/flink");
	ln(t, "/etc", "r/lnk");
	ln(t, "../../..", "r/up");
}

static void tree_free(const struct tree *t)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
	CHECK(system(cmd) == 0);
}

/* Resolve base-relative path rel (from "/"), expecting base-relative want (NULL: error e). */
static void in_host(const struct tree *t, const char *rel, bool follow, const char *want, int e)
{
	char raw[PATH_MAX], exp[PATH_MAX], out[FPATH_LEN];
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	snprintf(raw, sizeof(raw), "%s/%s", t->base, rel);
	snprintf(exp, sizeof(exp), "%s%s%s", t->base, want && want[0] ? "/" : "", want ? want : "");
	CHECK_EQ(fpath_resolve_in(root, raw, follow, out, sizeof(out)), want ? 0 : -e);
	if (want)
		CHECK_STR(out, exp);
	close(root);
}

static void test_resolve_parent_symlinks(void)
{
	struct tree t;

	tree_make(&t);
	in_host(&t, "a/lnk/x", false, "b/x", 0);           /* the audit's unlink root/lnk/x */
	in_host(&t, "a/rel/x", false, "b/x", 0);
	in_host(&t, "a/lnk/../y", false, "y", 0);           /* ".." after the link, not before */
	in_host(&t, "a/lnk/d/", false, "b/d", 0);           /* rmdir "d/" */
	in_host(&t, "a//lnk/./z", false, "b/z", 0);
	in_host(&t, "a/flink", false, "a/flink", 0);        /* the name itself: not followed */
	in_host(&t, "a/flink", true, "b/f", 0);             /* truncate(2) follows it */
	in_host(&t, "a/lnk/..", false, "", 0);              /* no last name: all resolved */
	in_host(&t, "a/gone/x", false, NULL, ENOENT);       /* parent missing: caller keeps lexical */
	in_host(&t, "b/f/x", false, NULL, ENOTDIR);
	tree_free(&t);
}

static void in_root(int rootfd, const char *raw, const char *want)
{
	char out[FPATH_LEN];

	CHECK_EQ(fpath_resolve_in(rootfd, raw, false, out, sizeof(out)), 0);
	CHECK_STR(out, want);
}

static void test_resolve_inside_other_root(void)
{
	struct tree t;
	char r[BASE_LEN + 8], out[FPATH_LEN];
	int fd;

	tree_make(&t);
	snprintf(r, sizeof(r), "%s/r", t.base);
	fd = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	in_root(fd, "/lnk/x", "/etc/x");            /* the absolute link stays in the root */
	in_root(fd, "/up/x", "/x");                 /* ".." stops at the root */
	in_root(fd, "/x", "/x");
	in_root(fd, "/etc/../../x", "/x");
	CHECK_EQ(fpath_resolve_in(fd, "relative/x", false, out, sizeof(out)), -EINVAL);
	close(fd);
	tree_free(&t);
}

static struct mw_file file_ev(uint32_t op, const char *path, const char *path2,
			      const char *resolved, uint16_t flags)
{
	struct mw_file e;

	memset(&e, 0, sizeof(e));
	e.h.type = MW_EV_FILE;
	e.h.flags = flags;
	e.op = op;
	e.dirfd = -100;
	snprintf(e.path, sizeof(e.path), "%s", path);
	snprintf(e.path2, sizeof(e.path2), "%s", path2 ? path2 : "");
	snprintf(e.resolved, sizeof(e.resolved), "%s", resolved ? resolved : "");
	return e;
}

static void test_lexical(void)
{
	struct mw_file e = file_ev(MW_FILE_UNLINK, "lnk/../x", NULL, "/srv/root",
				   MW_F_RESOLVED_DIR);
	struct fpath fp;

	fpath_lexical(&e, &fp);
	CHECK_STR(fp.dst.path, "/srv/root/x");
	CHECK_STR(fp.dst.raw, "/srv/root/lnk/../x");        /* resolved as written */
	CHECK_EQ(fp.dst.by, FPATH_LEXICAL);
	CHECK_STR(fp.src.path, "");
	e = file_ev(MW_FILE_OPEN, "/tmp/innocent", NULL, "/etc/shadow", 0);
	fpath_lexical(&e, &fp);
	CHECK_STR(fp.dst.path, "/etc/shadow");
	CHECK_EQ(fp.dst.by, FPATH_KERNEL);
	CHECK_STR(fp.dst.raw, "");
	CHECK_STR(fpath_by_name(FPATH_KERNEL), "kernel");
	CHECK_STR(fpath_by_name(FPATH_COLLECTOR), "collector");
	CHECK_STR(fpath_by_name(FPATH_LEXICAL), "lexical");
}

/* renameat(olddirfd, "a", newdirfd, "b"): each name from its own directory. */
static void test_rename_source(void)
{
	struct mw_file e = file_ev(MW_FILE_RENAME, "in.txt", "../out.txt", "/root/sub",
				   MW_F_RESOLVED_DIR | MW_F_RESOLVED_OLD_DIR);
	struct fpath fp;

	snprintf(e.resolved_old, sizeof(e.resolved_old), "/elsewhere");
	fpath_lexical(&e, &fp);
	CHECK_STR(fp.dst.path, "/root/out.txt");
	CHECK_STR(fp.src.path, "/elsewhere/in.txt");
	CHECK_STR(fp.src.raw, "/elsewhere/in.txt");
	/* a relative source with an absolute destination: still judged */
	e = file_ev(MW_FILE_RENAME, "in.txt", "/root/in.txt", NULL, MW_F_RESOLVED_OLD_DIR);
	snprintf(e.resolved_old, sizeof(e.resolved_old), "/elsewhere");
	fpath_lexical(&e, &fp);
	CHECK_STR(fp.dst.path, "/root/in.txt");
	CHECK_STR(fp.src.path, "/elsewhere/in.txt");
	/* the directory unknown: no source rather than a guess */
	e = file_ev(MW_FILE_RENAME, "in.txt", "/root/in.txt", "/root", MW_F_RESOLVED_DIR);
	fpath_lexical(&e, &fp);
	CHECK_STR(fp.src.path, "");
	/* link: its source gets a new name, judged like a rename's */
	e = file_ev(MW_FILE_LINK, "/a", "/b", NULL, 0);
	fpath_lexical(&e, &fp);
	CHECK_STR(fp.dst.path, "/b");
	CHECK_STR(fp.src.path, "/a");
}

UNIT_MAIN(UNIT_TEST(test_rename_source),
	  UNIT_TEST(test_resolve_parent_symlinks),
	  UNIT_TEST(test_resolve_inside_other_root),
	  UNIT_TEST(test_lexical))
