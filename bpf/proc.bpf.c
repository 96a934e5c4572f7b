// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Process lifecycle: children of tracked processes are tracked at fork (no user-space round
 * trip), successful execs are reported (all of them when --match needs to see every command
 * line), and a tracked process leaves the map when its whole thread group has exited.
 */
#include "common.bpf.h"
#include "path.bpf.h"

static __always_inline void copy_args(struct task_struct *task, struct mw_exec *e)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u64 start = BPF_CORE_READ(mm, arg_start);
	__u64 end = BPF_CORE_READ(mm, arg_end);
	__u32 len = end > start ? (end - start > MW_ARGS_MAX + 1 ? MW_ARGS_MAX + 1 : end - start) : 0;

	if (len > MW_ARGS_MAX) {
		len = MW_ARGS_MAX;
		e->h.flags |= MW_F_ARGS_TRUNC;
	}
	e->args_len = 0;
	if (len && !bpf_probe_read_user(e->args, len, (void *)start))
		e->args_len = len;
}

/*
 * exec.spawn under enforcement: should this exec of a tracked process die before its first
 * instruction? Fills want for the path walk; false when the rule does not kill here.
 */
static __always_inline bool exec_judged(const struct mw_tracked *t, struct mw_enf_walk *want,
				       __u32 *server_flags)
{
	struct mw_enf_server s;

	if (!t || !cfg_enforce)
		return false;
	s = enf_server_of(t->root_tgid);
	if ((enf_rule(s.pidx, MW_ENF_EXEC_SPAWN) & 0xff) != MW_ENF_KILL || !(s.flags & MW_ENF_SPOKE))
		return false;
	want->mode = MW_ENF_MODE_EXEC;
	want->root = t->root_tgid;
	want->pidx = s.pidx;
	*server_flags = s.flags;
	return true;
}

/* Walk the new executable (into buf), killing the process (holding it, while its server is
 * pending and a record carries the hold) when no exec.allow entry covers it. Returns the
 * MW_F_* flags. */
static __always_inline __u32 exec_path(struct task_struct *task, struct linux_binprm *bprm,
				       const struct mw_tracked *t, char *buf, bool record)
{
	struct mw_enf_walk want = {};
	__u32 server_flags = 0;
	bool judged = exec_judged(t, &want, &server_flags);
	__u32 flags = file_path_enf(task, BPF_CORE_READ(bprm, file), buf, judged ? &want : NULL);
	struct mw_walk *w = walk_get();

	if (!judged || !w)
		return flags;
	/* Judged on the inodes walked: a walk that stopped short of the root found no exec.allow
	 * entry in the part it saw, and is killed (fail closed) like any other. */
	if (!w->enf.exec_ok)
		flags |= enf_kill_or_hold(MW_ENF_EXEC_SPAWN, server_flags, record);
	return flags;
}

/* Per-CPU room for the executable's path when no record could be reserved: enforcement does
 * not depend on the ring buffer. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[MW_RPATH_MAX]);
} exec_spare SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(mw_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mw_tracked *t = current_tracked(task, tgid);
	struct task_struct *parent;
	struct mw_exec *e;
	__u32 zero = 0;
	char *spare;
	long n;

	if (!t && !cfg_exec_all)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		spare = bpf_map_lookup_elem(&exec_spare, &zero);
		if (spare)
			exec_path(task, bprm, t, spare, false);
		return 0;
	}
	fill_hdr(&e->h, MW_EV_EXEC, task);
	e->h.root = t ? t->root_tgid : 0;
	parent = BPF_CORE_READ(task, real_parent);
	e->ppid = BPF_CORE_READ(parent, tgid);
	e->parent_start_ns = task_start_ns_at(parent);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->gid = (__u32)(bpf_get_current_uid_gid() >> 32);
	e->_pad = 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->tracked = t ? t->reason : MW_TRACK_NONE;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), BPF_CORE_READ(bprm, filename));
	if (n == sizeof(e->path))
		e->h.flags |= MW_F_PATH_TRUNC;
	e->h.flags |= exec_path(task, bprm, t, e->resolved, true);
	e->h.flags |= cwd_path(task, e->cwd);
	copy_args(task, e);
	bpf_ringbuf_submit(e, enf_wakeup(e->h.flags, sizeof(*e)));
	return 0;
}

/* bpf_send_signal_task (a kfunc since Linux 6.13) signals a task other than the current one:
 * here, a child not yet running. Weak: only mw_fork_kill calls it, and the loader loads that
 * program instead of mw_fork only when the kernel has it. */
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				__u64 value) __ksym __weak;

/* A tracked process forked: its child is tracked too (same server). When the tracked map is
 * full the child cannot be; under enforcement it would then run unjudged, so with kill_full
 * it is killed before its first instruction (fail closed), else only counted (tracked_full). */
static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child,
				   bool kill_full)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u64 cstart = BPF_CORE_READ(child, start_boottime);
	struct mw_tracked *t;
	struct mw_fork *e;
	__u32 root;

	if (ctgid == ptgid)             /* a new thread, attributed to its process */
		return 0;
	t = current_tracked(parent, ptgid);
	if (!t)
		return 0;
	root = t->root_tgid;
	if (track(ctgid, cstart, root, MW_TRACK_INHERIT)) {
		if (kill_full && cfg_enforce &&
		    bpf_send_signal_task(child, MW_SIGKILL, PIDTYPE_TGID, 0))
			count_drop(MW_DROP_SIGNAL, 0);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		return 0;
	}
	fill_hdr(&e->h, MW_EV_FORK, parent);
	e->h.root = root;
	e->h.tgid = ctgid;
	e->h.tid = BPF_CORE_READ(child, pid);
	e->h.start_ns = cstart;
	e->ptgid = ptgid;
	e->root_tgid = root;
	e->pstart_ns = task_start_ns(parent);
	bpf_ringbuf_submit(e, wakeup_flags(sizeof(*e), true));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(mw_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child, false);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(mw_fork_kill, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child, true);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(mw_exit, struct task_struct *task)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mw_tracked *t;
	struct mw_exit *e;
	__u32 root;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;               /* other threads of the process are still running */
	t = current_tracked(task, tgid);
	if (!t) {
		tracked_bit_clear(tgid);        /* a bit without an entry */
		return 0;
	}
	root = t->root_tgid;
	bpf_map_delete_elem(&tracked, &tgid);
	tracked_bit_clear(tgid);        /* after the entry: the bit never hides one */
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		return 0;
	}
	fill_hdr(&e->h, MW_EV_EXIT, task);
	e->h.root = root;
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->_pad = 0;
	bpf_ringbuf_submit(e, wakeup_flags(sizeof(*e), true));
	return 0;
}
