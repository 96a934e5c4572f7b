/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Paths resolved in the kernel: walk a (mount, dentry) pair up to the process's root, crossing
 * mount points, so symlinks and ".." in what the process asked for cannot hide where an access
 * really went. Bounded by MW_PATH_DEPTH components; a longer path keeps its leaf end and is
 * flagged MW_F_RESOLVED_TRUNC.
 */
#ifndef MW_PATH_BPF_H
#define MW_PATH_BPF_H

#include "common.bpf.h"
#include "enforce.bpf.h"

#define MW_PATHBUF_MASK (MW_PATHBUF - 1)

_Static_assert((MW_PATHBUF & MW_PATHBUF_MASK) == 0, "MW_PATHBUF is a power of two");
_Static_assert((MW_RPATH_MAX & (MW_RPATH_MAX - 1)) == 0, "MW_RPATH_MAX is a power of two");
_Static_assert(MW_RPATH_MAX < MW_PATHBUF && MW_NAME_MAX < MW_PATHBUF, "walk buffer");

/* Walk state, in a per-CPU map so the bpf_loop callback converges (see mw_emit_state). */
struct mw_walk {
	__u64 dentry;
	__u64 mnt;              /* struct mount * */
	__u64 root_dentry;
	__u64 root_mnt;         /* struct mount * of the process root */
	__u32 pos;              /* first used byte of buf */
	__u32 done;
	__u32 trunc;            /* the path does not fit (MW_F_RESOLVED_TRUNC) */
	__u32 partial;          /* the walk stopped short of the root: enf saw a leaf part only */
	struct mw_enf_walk enf;         /* enforcement lookups along the way (mode NONE: none) */
	char buf[MW_PATHBUF * 2];       /* filled from MW_PATHBUF - 1 down; doubled for bounds */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_walk);
} walkbuf SEC(".maps") __weak;

static __always_inline struct mount *real_mount_of(struct vfsmount *v)
{
	return (struct mount *)((void *)v - bpf_core_field_offset(struct mount, mnt));
}

static struct mw_walk *walk_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&walkbuf, &zero);
}

/* Step over a mount point: the root of a mount continues at its mountpoint in the parent. */
static long walk_mount_up(struct mw_walk *w, struct mount *mnt)
{
	struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);

	if (parent == mnt) {
		w->done = 1;    /* the root of the mount tree */
		return 1;
	}
	w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
	w->mnt = (__u64)parent;
	return 0;
}

static long walk_step(__u32 i, void *data)
{
	struct mw_walk *w = walk_get();
	struct dentry *d, *parent;
	struct mount *mnt;
	const unsigned char *name;
	__u32 len;

	if (!w || w->done)
		return 1;
	d = (struct dentry *)w->dentry;
	mnt = (struct mount *)w->mnt;
	if (w->enf.mode)
		enf_visit_inode(&w->enf, d);
	if (w->dentry == w->root_dentry && w->mnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	if (d == BPF_CORE_READ(mnt, mnt.mnt_root))
		return walk_mount_up(w, mnt);
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		w->done = 1;
		return 1;
	}
	name = BPF_CORE_READ(d, d_name.name);
	len = BPF_CORE_READ(d, d_name.len) & MW_NAME_MAX;
	if (len + 1 >= w->pos) {
		w->trunc = 1;
		w->partial = 1;
		w->done = 1;
		return 1;
	}
	w->pos -= len;
	bpf_probe_read_kernel(&w->buf[w->pos & MW_PATHBUF_MASK], len, name);
	w->pos -= 1;
	w->buf[w->pos & MW_PATHBUF_MASK] = '/';
	w->dentry = (__u64)parent;
	if (w->enf.mode == MW_ENF_MODE_FILE)
		enf_visit_name(&w->enf, d);
	w->enf.depth++;
	return 0;
}

/*
 * Write the path of (vfsmnt, dentry), as seen from task's root, into out[MW_RPATH_MAX].
 * Returns MW_F_RESOLVED_TRUNC when it did not fit, 0 otherwise. With enf (enforcement), the
 * walk also looks every component up in the enforcement maps; results in walk_get()->enf.
 */
static __always_inline __u32 path_resolve(struct task_struct *task, struct vfsmount *vfsmnt,
					  struct dentry *dentry, char *out,
					  const struct mw_enf_walk *enf)
{
	struct mw_walk *w = walk_get();
	__u32 n;

	out[0] = '\0';
	if (!w || !vfsmnt || !dentry)
		return 0;
	__builtin_memset(&w->enf, 0, sizeof(w->enf));
	if (enf) {
		w->enf.mode = enf->mode;
		w->enf.root = enf->root;
		w->enf.pidx = enf->pidx;
	}
	w->dentry = (__u64)dentry;
	w->mnt = (__u64)real_mount_of(vfsmnt);
	w->root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	w->root_mnt = (__u64)real_mount_of(BPF_CORE_READ(task, fs, root.mnt));
	w->pos = MW_PATHBUF - 1;
	w->done = w->trunc = w->partial = 0;
	w->buf[MW_PATHBUF - 1] = '\0';
	bpf_loop(MW_PATH_DEPTH, walk_step, NULL, 0);
	if (!w->done)
		w->trunc = w->partial = 1;
	if (w->pos >= MW_PATHBUF - 1) {         /* the root itself */
		out[0] = '/';
		out[1] = '\0';
		return 0;
	}
	n = MW_PATHBUF - 1 - w->pos;
	if (n > MW_RPATH_MAX - 1) {
		w->pos += n - (MW_RPATH_MAX - 1);       /* keep the leaf end */
		n = MW_RPATH_MAX - 1;
		w->trunc = 1;
	}
	barrier_var(n);                         /* keep the mask: it bounds n for the verifier */
	n &= MW_RPATH_MAX - 1;
	bpf_probe_read_kernel(out, n, &w->buf[w->pos & MW_PATHBUF_MASK]);
	out[n & (MW_RPATH_MAX - 1)] = '\0';
	return w->trunc ? MW_F_RESOLVED_TRUNC : 0;
}

static __always_inline __u32 file_path(struct task_struct *task, struct file *f, char *out)
{
	return path_resolve(task, BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry),
			    out, NULL);
}

/* The same, judging the file for enforcement on the way (see enforce.bpf.h). */
static __always_inline __u32 file_path_enf(struct task_struct *task, struct file *f, char *out,
					   const struct mw_enf_walk *enf)
{
	return path_resolve(task, BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry),
			    out, enf);
}

static __always_inline __u32 cwd_path(struct task_struct *task, char *out)
{
	return path_resolve(task, BPF_CORE_READ(task, fs, pwd.mnt),
			    BPF_CORE_READ(task, fs, pwd.dentry), out, NULL);
}

#endif /* MW_PATH_BPF_H */
