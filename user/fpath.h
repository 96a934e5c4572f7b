/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fpath: the path a file record acted on, as it is reported and judged.
 *
 * Opened files (and ftruncate) carry the path the kernel walked from the file itself. The
 * other operations (rename, link, symlink, unlink, rmdir, mkdir, truncate by name) carry the
 * strings the process passed and, for a relative one, the kernel-resolved directory it was
 * looked up from: joined and normalised, that is only lexical, and a symlink inside the path
 * (root/lnk/x with lnk -> /elsewhere) would hide where the operation went. So the collector
 * resolves the parent directory again in user space, in the view of the process (its
 * /proc/PID/root, with absolute symlinks kept inside that root), and appends the last
 * component. That happens after the syscall returned: best effort and racy by design (the
 * link may have changed, the directory gone). When it cannot, the lexical path stands.
 */
#ifndef MW_FPATH_H
#define MW_FPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mcpwarden/events.h"

#define FPATH_LEN PATH_MAX

enum fpath_by {
	FPATH_KERNEL = 0,       /* walked in the kernel from the opened file */
	FPATH_COLLECTOR,        /* parent directory resolved by the collector after the syscall */
	FPATH_LEXICAL,          /* the request (joined onto the kernel's directory), normalised */
};

struct fpath_one {
	char path[FPATH_LEN];   /* absolute and normalised; "" when unknown */
	char raw[FPATH_LEN];    /* the same before normalisation: what the collector resolves
				 * ("" when there is nothing to resolve) */
	enum fpath_by by;
};

struct fpath {
	struct fpath_one dst;   /* the path acted on (rename and link: the new name) */
	struct fpath_one src;   /* rename: its source (path "" for other operations) */
};

/* "kernel", "collector", "lexical" */
const char *fpath_by_name(enum fpath_by by);

/* Pure: the paths of record e as the kernel gave them, joined and normalised. */
void fpath_lexical(const struct mw_file *e, struct fpath *fp);

/*
 * The collector's pass: each lexical path of a successful operation is resolved in the view
 * of the process that acted (or of its server when that process has exited).
 */
void fpath_resolve(const struct mw_file *e, struct fpath *fp);

/*
 * raw (absolute) resolved inside the root directory rootfd as a process with that root sees
 * it: symlinks followed (absolute ones from rootfd, ".." never above it), except the last
 * component unless follow_last. Writes the path as seen from rootfd. 0 or -errno.
 */
int fpath_resolve_in(int rootfd, const char *raw, bool follow_last, char *out, size_t size);

#endif
