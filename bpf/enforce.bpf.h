/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Enforcement (mode: enforce): the policy compiled by user space into maps, and the decisions
 * made from them in the kernel: a forbidden exec is killed at sched_process_exec, a forbidden
 * open at the syscall's exit, a forbidden connect or bind refused by the cgroup programs.
 * Files and executables are judged by (device, inode) of the file and of every directory above
 * it (so a root contains what lies under it on component boundaries, whatever path led there)
 * and by sensitive component names. A process is never killed unless it is tracked; the
 * tracked map never holds mcpwarden itself, and pid 1 is skipped.
 */
#ifndef MW_ENFORCE_BPF_H
#define MW_ENFORCE_BPF_H

#include "common.bpf.h"

#define MW_SIGKILL 9
#define MW_SIGSTOP 19
#define MW_PROC_SUPER_MAGIC 0x9fa0      /* /proc/self is per process: no inode to compile */

const volatile bool cfg_enforce __weak = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_TRACKED_MAX);
	__type(key, __u32);
	__type(value, struct mw_enf_server);
} enf_servers SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_ENF_POLICIES_MAX * MW_ENF_RULES);
	__type(key, __u32);
	__type(value, __u32);
} enf_rules SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_ENF_INODES_MAX);
	__type(key, struct mw_enf_ino_key);
	__type(value, struct mw_enf_ino_val);
} enf_inodes SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_ENF_NAMES_MAX);
	__type(key, struct mw_enf_name_key);
	__type(value, __u32);
} enf_names SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_ENF_RULES);
	__type(key, __u32);
	__type(value, struct mw_enf_count);
} enf_counts SEC(".maps") __weak;

/* Processes stopped by enf_hold whose verdict user space has not carried out yet: tgid ->
 * start time. Pinned with the tracked map, so that a collector started after one that died
 * during a hold finds the process it left stopped (user/monitor_pinned.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_TRACKED_MAX);
	__type(key, __u32);
	__type(value, __u64);
} enf_held SEC(".maps") __weak;

/* Verdicts of the cgroup programs, for the syscall's exit tracepoint (net.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_TRACKED_MAX);
	__type(key, __u32);                     /* thread id */
	__type(value, __u32);                   /* rule | action << 16 */
} enf_denied SEC(".maps") __weak;

/* The server a tracked root runs under. Missing state (user space writes the entry before it
 * tracks a root; a full map or a failed write leaves none) is judged fail-closed: the defaults
 * entry, past its startup grace, pending, so what a kill rule forbids with no roots known is
 * held for user space, which knows the server, to kill or release. */
static __always_inline struct mw_enf_server enf_server_of(__u32 root)
{
	struct mw_enf_server *s = bpf_map_lookup_elem(&enf_servers, &root);
	struct mw_enf_server fallback = { .pidx = 0, .flags = MW_ENF_SPOKE | MW_ENF_PENDING };

	if (s)
		return *s;
	count_drop(MW_DROP_ENFORCE_STATE, 0);
	return fallback;
}

/* A server found by its traffic has spoken: past its grace, under the defaults entry and
 * pending until user space writes its own state (its roots, its policy entry). Meanwhile
 * what the defaults would kill is held (enf_hold); user space registers the servers it finds
 * itself before tracking them. */
static __always_inline void enf_new_server(__u32 root)
{
	struct mw_enf_server s = { .pidx = 0, .flags = MW_ENF_SPOKE | MW_ENF_PENDING };

	if (!cfg_enforce)
		return;
	if (bpf_map_update_elem(&enf_servers, &root, &s, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&enf_servers, &root))
		count_drop(MW_DROP_ENFORCE_STATE, 0);
}

/* enf_rules value (action | MW_ENF_SCOPE_SERVER) of rule under policy entry pidx. */
static __always_inline __u32 enf_rule(__u32 pidx, __u32 rule)
{
	__u32 key = pidx * MW_ENF_RULES + rule;
	__u32 *v = bpf_map_lookup_elem(&enf_rules, &key);

	return v ? *v : MW_ENF_ALERT;
}

enum mw_enf_outcome { MW_ENF_O_DENIAL, MW_ENF_O_KILL, MW_ENF_O_HOLD };

static __always_inline void enf_count(__u32 rule, enum mw_enf_outcome o)
{
	struct mw_enf_count *c = bpf_map_lookup_elem(&enf_counts, &rule);

	if (!c)
		return;
	if (o == MW_ENF_O_KILL)
		c->kills++;
	else if (o == MW_ENF_O_HOLD)
		c->holds++;
	else
		c->denials++;
}

/* Signal the current process (counted as o); false when it must not be touched. */
static __always_inline bool enf_signal(__u32 rule, __u32 sig, enum mw_enf_outcome o)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid <= 1 || tgid == cfg_self_tgid)
		return false;
	if (bpf_send_signal(sig)) {
		count_drop(MW_DROP_SIGNAL, 0);
		return false;
	}
	enf_count(rule, o);
	return true;
}

/* SIGKILL the current process; false when it must not be killed. */
static __always_inline bool enf_kill(__u32 rule)
{
	return enf_signal(rule, MW_SIGKILL, MW_ENF_O_KILL);
}

/*
 * SIGSTOP the current process instead of killing it: its server is pending, so the kernel
 * judged under the defaults entry and without the server's roots. The stop lands before the
 * syscall returns to user space; user space judges the record (which must carry MW_F_HELD,
 * so only call this with a record reserved) and sends SIGKILL or SIGCONT.
 */
static __always_inline bool enf_hold(__u32 rule)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 start = task_start_ns(bpf_get_current_task_btf());

	if (!enf_signal(rule, MW_SIGSTOP, MW_ENF_O_HOLD))
		return false;
	if (bpf_map_update_elem(&enf_held, &tgid, &start, BPF_ANY))
		count_drop(MW_DROP_ENFORCE_STATE, 0);   /* held, but unknown to a later run */
	return true;
}

/* A record of enforcement wakes the collector at once: a held process waits on user space
 * for its verdict, and a kill or a denial may have more to carry out there (a server killed
 * with its child under scope: server) and its alert is due now, not at the next poll. */
static __always_inline __u64 enf_wakeup(__u16 flags, __u64 size)
{
	return (flags & (MW_F_HELD | MW_F_KILLED | MW_F_DENIED)) ? BPF_RB_FORCE_WAKEUP :
	       wakeup_flags(size, true);
}

/* Kill, or hold for user space's verdict while the server is pending and a record will carry
 * the hold to user space. With no record (the ring buffer is full) nobody would settle a
 * hold: killed, fail closed, and counted. Returns MW_F_KILLED, MW_F_HELD or 0. */
static __always_inline __u32 enf_kill_or_hold(__u32 rule, __u32 server_flags, bool record)
{
	if (!(server_flags & MW_ENF_PENDING))
		return enf_kill(rule) ? MW_F_KILLED : 0;
	if (record)
		return enf_hold(rule) ? MW_F_HELD : 0;
	count_drop(MW_DROP_ENFORCE_STATE, 0);
	return enf_kill(rule) ? MW_F_KILLED : 0;
}

/* What one walk of a path found (in struct mw_walk). */
enum mw_enf_mode {
	MW_ENF_MODE_NONE = 0,
	MW_ENF_MODE_FILE,       /* sensitive, roots, runtime */
	MW_ENF_MODE_EXEC,       /* exec allow */
};

struct mw_enf_walk {
	__u32 mode;
	__u32 root;             /* tracked root tgid */
	__u32 pidx;
	__u32 depth;            /* components visited; 0 at the leaf */
	__u32 sensitive;
	__u32 in_root;
	__u32 runtime;          /* MW_ENF_READ | MW_ENF_WRITE allowed by runtime entries */
	__u32 exec_ok;
	__u32 pseudo;           /* the file lives on procfs: out of scope is not judged here */
	struct mw_enf_ino_key ik;
	struct mw_enf_name_key nk;
	char child[MW_ENF_NAME_LEN];    /* the component visited before (below) this one */
};

static __always_inline struct mw_enf_ino_val *enf_ino(struct mw_enf_walk *x, __u32 kind,
						       __u32 scope)
{
	x->ik.kind = kind;
	x->ik.scope = scope;
	return bpf_map_lookup_elem(&enf_inodes, &x->ik);
}

/* Does an entry found at this depth cover the leaf? Trees do; exact entries only at 0. */
static __always_inline bool enf_covers(const struct mw_enf_walk *x, struct mw_enf_ino_val *v)
{
	return v && ((v->flags & MW_ENF_TREE) || x->depth == 0);
}

static __always_inline void enf_visit_inode(struct mw_enf_walk *x, struct dentry *d)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);
	struct mw_enf_ino_val *v;

	if (!inode)
		return;
	x->ik.ino = BPF_CORE_READ(inode, i_ino);
	x->ik.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	if (x->depth == 0 && BPF_CORE_READ(inode, i_sb, s_magic) == MW_PROC_SUPER_MAGIC)
		x->pseudo = 1;
	x->ik._pad = 0;
	if (x->mode == MW_ENF_MODE_EXEC) {
		if (enf_covers(x, enf_ino(x, MW_ENF_K_EXEC, x->pidx)))
			x->exec_ok = 1;
		return;
	}
	if (enf_covers(x, enf_ino(x, MW_ENF_K_SENSITIVE, 0)))
		x->sensitive = 1;
	if (enf_ino(x, MW_ENF_K_ROOT, x->root))
		x->in_root = 1;
	v = enf_ino(x, MW_ENF_K_RUNTIME, 0);
	if (enf_covers(x, v))
		x->runtime |= v->access;
	v = enf_ino(x, MW_ENF_K_RUNTIME, x->root);
	if (enf_covers(x, v))
		x->runtime |= v->access;
}

static __always_inline void enf_check_name(struct mw_enf_walk *x)
{
	__u32 *f = bpf_map_lookup_elem(&enf_names, &x->nk);

	if (!f)
		return;
	if ((*f & MW_ENF_ANY) || ((*f & MW_ENF_LEAF) && x->depth == 0))
		x->sensitive = 1;
	x->runtime |= (*f >> MW_ENF_RT_SHIFT) & (MW_ENF_READ | MW_ENF_WRITE);
}

/* Sensitive names: this component alone, and (the component below, this one as its parent). */
static __always_inline void enf_visit_name(struct mw_enf_walk *x, struct dentry *d)
{
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 len = BPF_CORE_READ(d, d_name.len);

	__builtin_memset(&x->nk, 0, sizeof(x->nk));
	if (len < MW_ENF_NAME_LEN)
		bpf_probe_read_kernel(x->nk.name, len & (MW_ENF_NAME_LEN - 1), name);
	else
		x->nk.name[0] = '/';    /* too long for any rule: matches nothing */
	enf_check_name(x);
	if (x->child[0]) {
		__builtin_memcpy(x->nk.parent, x->nk.name, MW_ENF_NAME_LEN);
		__builtin_memcpy(x->nk.name, x->child, MW_ENF_NAME_LEN);
		x->depth--;             /* the pair is judged as the child's */
		enf_check_name(x);
		x->depth++;
		__builtin_memcpy(x->child, x->nk.parent, MW_ENF_NAME_LEN);
	} else {
		__builtin_memcpy(x->child, x->nk.name, MW_ENF_NAME_LEN);
	}
}

#endif /* MW_ENFORCE_BPF_H */
