// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * File operations of tracked processes: opens (with the opened file's path resolved in the
 * kernel from its dentry and mount at syscall exit, before the fd reaches user space), and the
 * path operations a server uses to write and remove files: rename, link, symlink, unlink,
 * rmdir, mkdir, truncate. Path operations carry the strings the process passed and, for a
 * relative path, the resolved directory it was looked up from (rename and link: for each of
 * their two names, from its own dirfd). User space resolves the rest (user/fpath.h).
 */
#include "common.bpf.h"
#include "channel.bpf.h"
#include "path.bpf.h"

#define MW_AT_FDCWD       -100
#define MW_AT_REMOVEDIR   0x200
#define MW_O_CREAT_TRUNC  (01 | 0100 | 01000)  /* creat(2): O_WRONLY | O_CREAT | O_TRUNC */

enum file_sys {
	FS_OPEN, FS_OPENAT, FS_OPENAT2, FS_CREAT, FS_RENAME, FS_RENAMEAT, FS_RENAMEAT2,
	FS_LINK, FS_LINKAT, FS_SYMLINK, FS_SYMLINKAT, FS_UNLINK, FS_UNLINKAT, FS_RMDIR,
	FS_MKDIR, FS_MKDIRAT, FS_TRUNCATE, FS_FTRUNCATE,
};

struct file_args {
	__u32 op;
	__s32 dirfd;            /* the directory path (or path2 when present) is relative to */
	__u64 path, path2;      /* user strings */
	__u32 flags, mode;
	__s32 fd;               /* ftruncate: the file */
	__s32 olddirfd;         /* rename, link: the directory path is relative to */
};

struct fregs {
	__u64 a[5];
};

static __always_inline void read_regs(struct task_struct *task, struct fregs *r)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	r->a[0] = PT_REGS_PARM1_SYSCALL(regs);
	r->a[1] = PT_REGS_PARM2_SYSCALL(regs);
	r->a[2] = PT_REGS_PARM3_SYSCALL(regs);
	r->a[3] = PT_REGS_PARM4_SYSCALL(regs);
	r->a[4] = PT_REGS_PARM5_SYSCALL(regs);
}

static __always_inline void set(struct file_args *f, __u32 op, __s32 dirfd, __u64 p, __u64 p2,
				__u32 flags, __u32 mode)
{
	f->op = op;
	f->dirfd = dirfd;
	f->olddirfd = MW_AT_FDCWD;
	f->path = p;
	f->path2 = p2;
	f->flags = flags;
	f->mode = mode;
	f->fd = -1;
}

static __always_inline void map_open(__u8 sys, const struct fregs *r, struct file_args *f)
{
	struct open_how *how;

	switch (sys) {
	case FS_OPEN:
		set(f, MW_FILE_OPEN, MW_AT_FDCWD, r->a[0], 0, r->a[1], r->a[2]);
		break;
	case FS_OPENAT:
		set(f, MW_FILE_OPEN, (__s32)r->a[0], r->a[1], 0, r->a[2], r->a[3]);
		break;
	case FS_OPENAT2:
		how = (struct open_how *)r->a[2];
		set(f, MW_FILE_OPEN, (__s32)r->a[0], r->a[1], 0,
		    (__u32)BPF_CORE_READ_USER(how, flags), (__u32)BPF_CORE_READ_USER(how, mode));
		break;
	default:        /* FS_CREAT */
		set(f, MW_FILE_OPEN, MW_AT_FDCWD, r->a[0], 0, MW_O_CREAT_TRUNC, r->a[1]);
	}
}

static __always_inline void map_args(__u8 sys, const struct fregs *r, struct file_args *f)
{
	switch (sys) {
	case FS_OPEN: case FS_OPENAT: case FS_OPENAT2: case FS_CREAT:
		map_open(sys, r, f);
		return;
	case FS_RENAME:
		set(f, MW_FILE_RENAME, MW_AT_FDCWD, r->a[0], r->a[1], 0, 0);
		return;
	case FS_RENAMEAT:
		set(f, MW_FILE_RENAME, (__s32)r->a[2], r->a[1], r->a[3], 0, 0);
		f->olddirfd = (__s32)r->a[0];
		return;
	case FS_RENAMEAT2:
		set(f, MW_FILE_RENAME, (__s32)r->a[2], r->a[1], r->a[3], r->a[4], 0);
		f->olddirfd = (__s32)r->a[0];
		return;
	case FS_LINK:
		set(f, MW_FILE_LINK, MW_AT_FDCWD, r->a[0], r->a[1], 0, 0);
		return;
	case FS_LINKAT:
		set(f, MW_FILE_LINK, (__s32)r->a[2], r->a[1], r->a[3], r->a[4], 0);
		f->olddirfd = (__s32)r->a[0];
		return;
	case FS_SYMLINK:
		set(f, MW_FILE_SYMLINK, MW_AT_FDCWD, r->a[0], r->a[1], 0, 0);
		return;
	case FS_SYMLINKAT:
		set(f, MW_FILE_SYMLINK, (__s32)r->a[1], r->a[0], r->a[2], 0, 0);
		return;
	case FS_UNLINK:
		set(f, MW_FILE_UNLINK, MW_AT_FDCWD, r->a[0], 0, 0, 0);
		return;
	case FS_UNLINKAT:
		set(f, (r->a[2] & MW_AT_REMOVEDIR) ? MW_FILE_RMDIR : MW_FILE_UNLINK,
			   (__s32)r->a[0], r->a[1], 0, r->a[2], 0);
		return;
	case FS_RMDIR:
		set(f, MW_FILE_RMDIR, MW_AT_FDCWD, r->a[0], 0, 0, 0);
		return;
	case FS_MKDIR:
		set(f, MW_FILE_MKDIR, MW_AT_FDCWD, r->a[0], 0, 0, r->a[1]);
		return;
	case FS_MKDIRAT:
		set(f, MW_FILE_MKDIR, (__s32)r->a[0], r->a[1], 0, 0, r->a[2]);
		return;
	case FS_TRUNCATE:
		set(f, MW_FILE_TRUNCATE, MW_AT_FDCWD, r->a[0], 0, 0, 0);
		return;
	default:        /* FS_FTRUNCATE */
		set(f, MW_FILE_TRUNCATE, MW_AT_FDCWD, 0, 0, 0, 0);
		f->fd = (__s32)r->a[0];
	}
}

/* fd 'fd' of task: resolved path and inode (judged for enforcement when enf is given). */
static __always_inline void resolve_fd(struct task_struct *task, int fd, struct mw_file *e,
				       const struct mw_enf_walk *enf)
{
	struct file *f = fd_to_file(task, fd);
	struct inode *ino;

	if (!f)
		return;
	ino = BPF_CORE_READ(f, f_inode);
	e->ino = BPF_CORE_READ(ino, i_ino);
	if (BPF_CORE_READ(ino, __i_nlink) == 0)
		e->h.flags |= MW_F_DELETED;
	e->h.flags |= file_path_enf(task, f, e->resolved, enf);
}

/* ---- enforcement of opens ---- */

#define MW_O_ACCMODE 03
#define MW_O_WRONLY  01
#define MW_O_RDWR    02
#define MW_O_CREAT   0100
#define MW_O_TRUNC   01000

static __always_inline __u32 open_access(__u32 flags)
{
	__u32 acc = (flags & MW_O_ACCMODE) == MW_O_WRONLY ? MW_ENF_WRITE :
		    (flags & MW_O_ACCMODE) == MW_O_RDWR ? MW_ENF_READ | MW_ENF_WRITE : MW_ENF_READ;

	return acc | ((flags & (MW_O_CREAT | MW_O_TRUNC)) ? MW_ENF_WRITE : 0);
}

struct open_judge {
	struct mw_enf_walk want;
	__u32 server_flags;     /* MW_ENF_PENDING: hold instead of kill */
	bool sensitive;         /* file.sensitive kills */
	bool scope;             /* file.out_of_scope kills */
};

/* Does file.sensitive kill under this server's entry? */
static __always_inline bool sensitive_kills(struct mw_enf_server s)
{
	return (enf_rule(s.pidx, MW_ENF_FILE_SENSITIVE) & 0xff) == MW_ENF_KILL;
}

/* Does file.out_of_scope kill: past its grace, with roots known (or pending: held)? */
static __always_inline bool scope_kills(struct mw_enf_server s)
{
	return (enf_rule(s.pidx, MW_ENF_FILE_OUT_OF_SCOPE) & 0xff) == MW_ENF_KILL &&
	       (s.flags & MW_ENF_SPOKE) && (s.flags & (MW_ENF_HAS_ROOTS | MW_ENF_PENDING));
}

/* Should this successful open be judged in the kernel? */
static __always_inline bool open_judged(const struct mw_tracked *t, const struct file_args *a,
					long ret, struct open_judge *j)
{
	struct mw_enf_server s;

	if (!cfg_enforce || a->op != MW_FILE_OPEN || ret < 0)
		return false;
	s = enf_server_of(t->root_tgid);
	j->sensitive = sensitive_kills(s);
	j->scope = scope_kills(s);
	j->server_flags = s.flags;
	j->want.mode = MW_ENF_MODE_FILE;
	j->want.root = t->root_tgid;
	j->want.pidx = s.pidx;
	return j->sensitive || j->scope;
}

/* The rule an open breaks, if it breaks one that kills; -1 when none. */
static __always_inline int open_broken(const struct open_judge *j, const struct mw_walk *w,
				       __u32 flags)
{
	__u32 acc = open_access(flags);

	if (j->sensitive && w->enf.sensitive)
		return MW_ENF_FILE_SENSITIVE;
	/* A walk that stopped short of the root (deeper than MW_PATH_DEPTH components or
	 * MW_PATHBUF bytes) found no root or runtime entry in the part it saw: judged outside,
	 * fail closed. A path only too long to report in full was judged whole. */
	if (!j->scope || w->enf.in_root || w->enf.pseudo || (w->enf.runtime & acc) == acc)
		return -1;
	return MW_ENF_FILE_OUT_OF_SCOPE;
}

/* After the walk: kill (or hold, while the server is pending) when a rule that kills is broken.
 * record: a record will carry MW_F_HELD to user space. Returns MW_F_KILLED, MW_F_HELD or 0;
 * *rule: the rule + 1 when it is not 0. */
static __always_inline __u32 open_verdict(const struct open_judge *j, __u32 flags,
					  bool record, __u32 *rule)
{
	struct mw_walk *w = walk_get();
	__u32 verdict;
	int broken;

	if (!w)
		return 0;
	broken = open_broken(j, w, flags);
	if (broken < 0)
		return 0;
	verdict = enf_kill_or_hold((__u32)broken, j->server_flags, record);
	if (verdict)
		*rule = (__u32)broken + 1;
	return verdict;
}

/*
 * A rename or hard link that succeeded, under enforcement: the kernel has no dentry for the
 * new name here (a tracepoint sees only the strings), so it cannot judge the paths itself. It
 * stops the process (SIGSTOP) before the syscall returns, and user space, resolving both
 * paths, kills it or lets it go on (the hold of enf_hold). The rule held for, or -1 when the
 * operation is not judged.
 */
static __always_inline int moved_rule(const struct mw_tracked *t, const struct file_args *a,
				      long ret)
{
	struct mw_enf_server s;

	if (!cfg_enforce || ret != 0 || (a->op != MW_FILE_RENAME && a->op != MW_FILE_LINK))
		return -1;
	s = enf_server_of(t->root_tgid);
	if (scope_kills(s))
		return MW_ENF_FILE_OUT_OF_SCOPE;
	if (sensitive_kills(s))
		return MW_ENF_FILE_SENSITIVE;
	return -1;
}

/* No record could be reserved: judge the open all the same, walking into the spare buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_file);
} file_spare SEC(".maps");

/* A relative path: the directory it was looked up from, into out[MW_RPATH_MAX]. */
static __always_inline __u32 resolve_dir(struct task_struct *task, __s32 dirfd, char *out)
{
	struct file *f;

	if (dirfd == MW_AT_FDCWD)
		return cwd_path(task, out);
	f = fd_to_file(task, dirfd);
	return f ? file_path(task, f, out) : 0;
}

/* By name: the directories relative paths were looked up from (rename, link: both names). */
static __always_inline void resolve_dirs(struct task_struct *task, const struct file_args *a,
					 struct mw_file *e)
{
	const char *rel = a->path2 ? e->path2 : e->path;

	if (rel[0] && rel[0] != '/')
		e->h.flags |= MW_F_RESOLVED_DIR | resolve_dir(task, a->dirfd, e->resolved);
	if ((a->op == MW_FILE_RENAME || a->op == MW_FILE_LINK) && e->path[0] && e->path[0] != '/')
		e->h.flags |= MW_F_RESOLVED_OLD_DIR | resolve_dir(task, a->olddirfd,
								  e->resolved_old);
}

static __always_inline void copy_paths(const struct file_args *a, struct mw_file *e)
{
	long n;

	e->path[0] = e->path2[0] = '\0';
	if (a->path && bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)a->path) ==
	    sizeof(e->path))
		e->h.flags |= MW_F_PATH_TRUNC;
	if (a->path2) {
		n = bpf_probe_read_user_str(e->path2, sizeof(e->path2), (void *)a->path2);
		if (n == sizeof(e->path2))
			e->h.flags |= MW_F_PATH2_TRUNC;
	}
}

static __always_inline int on_file_exit(long ret, __u8 sys)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct file_args a;
	struct fregs r;
	struct mw_file *e;
	struct mw_tracked *t = current_tracked(task, tgid);
	struct open_judge j = {};
	__u32 zero = 0;
	bool judged;
	int moved;

	if (!t)
		return 0;
	read_regs(task, &r);
	map_args(sys, &r, &a);
	judged = open_judged(t, &a, ret, &j);
	moved = moved_rule(t, &a, ret);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		if (moved >= 0)         /* no record to carry a hold: fail closed */
			enf_kill_or_hold((__u32)moved, MW_ENF_PENDING, false);
		e = judged ? bpf_map_lookup_elem(&file_spare, &zero) : NULL;
		if (e) {
			e->h.flags = 0;
			resolve_fd(task, (int)ret, e, &j.want);
			open_verdict(&j, a.flags, false, &e->enf_rule);
		}
		return 0;
	}
	fill_hdr(&e->h, MW_EV_FILE, task);
	e->h.root = t->root_tgid;
	e->ret = ret;
	e->op = a.op;
	e->flags = a.flags;
	e->mode = a.mode;
	e->dirfd = a.dirfd;
	e->dirfd_old = a.olddirfd;
	e->enf_rule = 0;
	e->ino = 0;
	e->resolved[0] = e->resolved_old[0] = '\0';
	copy_paths(&a, e);
	if (a.op == MW_FILE_OPEN && ret >= 0) {
		resolve_fd(task, (int)ret, e, judged ? &j.want : NULL);
		if (judged)
			e->h.flags |= open_verdict(&j, a.flags, true, &e->enf_rule);
	} else if (a.fd >= 0) {
		resolve_fd(task, a.fd, e, NULL);
	} else {
		resolve_dirs(task, &a, e);
	}
	if (moved >= 0) {
		__u32 verdict = enf_kill_or_hold((__u32)moved, MW_ENF_PENDING, true);

		e->h.flags |= verdict;
		if (verdict)
			e->enf_rule = (__u32)moved + 1;
	}
	bpf_ringbuf_submit(e, enf_wakeup(e->h.flags, sizeof(*e)));
	return 0;
}

#define MW_FILE_EXIT(name, sys)                                                 \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int mw_file_##name(struct trace_event_raw_sys_exit *ctx)                \
	{                                                                       \
		return on_file_exit(ctx->ret, sys);                             \
	}

MW_FILE_EXIT(open, FS_OPEN)
MW_FILE_EXIT(openat, FS_OPENAT)
MW_FILE_EXIT(openat2, FS_OPENAT2)
MW_FILE_EXIT(creat, FS_CREAT)
MW_FILE_EXIT(rename, FS_RENAME)
MW_FILE_EXIT(renameat, FS_RENAMEAT)
MW_FILE_EXIT(renameat2, FS_RENAMEAT2)
MW_FILE_EXIT(link, FS_LINK)
MW_FILE_EXIT(linkat, FS_LINKAT)
MW_FILE_EXIT(symlink, FS_SYMLINK)
MW_FILE_EXIT(symlinkat, FS_SYMLINKAT)
MW_FILE_EXIT(unlink, FS_UNLINK)
MW_FILE_EXIT(unlinkat, FS_UNLINKAT)
MW_FILE_EXIT(rmdir, FS_RMDIR)
MW_FILE_EXIT(mkdir, FS_MKDIR)
MW_FILE_EXIT(mkdirat, FS_MKDIRAT)
MW_FILE_EXIT(truncate, FS_TRUNCATE)
MW_FILE_EXIT(ftruncate, FS_FTRUNCATE)
