/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Maps, configuration and small helpers shared by every mcpwarden BPF program. */
#ifndef MW_COMMON_BPF_H
#define MW_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "mcpwarden/events.h"

#define MW_S_IFMT   0170000
#define MW_S_IFIFO  0010000
#define MW_S_IFSOCK 0140000
#define MW_AF_UNIX  1

/*
 * Every .bpf.c includes this header, so maps and configuration are weak definitions: the BPF
 * static linker (bpftool gen object) merges them into one of each.
 */

/* Set by the loader through the skeleton's rodata before load. */
const volatile __u32 mw_abi_version __weak = MW_ABI_VERSION;
const volatile __u32 cfg_self_tgid __weak = 0;      /* never track mcpwarden itself */
const volatile bool cfg_exec_all __weak = false;    /* exec events for untracked processes too */
const volatile bool cfg_detect __weak = true;       /* track processes that read MCP requests */
const volatile bool cfg_btf_walk __weak = false;    /* direct loads (walk.bpf.h) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MW_TRACKED_MAX);
	__type(key, __u32);
	__type(value, struct mw_tracked);
} tracked SEC(".maps") __weak;

/*
 * One bit per tgid, set for every process that may have an entry in tracked: the first test of
 * every hooked syscall, so that a process that is not tracked (nearly every syscall on a host)
 * costs an array load instead of a hash lookup. Set before an entry is added (here and by user
 * space, through the same memory: the map is mmapped), cleared only when the process exits, so
 * a clear bit always means "not tracked"; a set bit without an entry costs one hash lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MW_TRACKED_BITS_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} tracked_bits SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_CHANNELS_MAX);
	__type(key, __u64);
	__type(value, struct mw_channel);
} channels SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MW_WRITERS_MAX);
	__type(key, __u64);
	__type(value, struct mw_writer);
} writers SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MW_RINGBUF_DEFAULT_MB << 20);
} events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MW_DROP__COUNT);
	__type(key, __u32);
	__type(value, struct mw_drop);
} drops SEC(".maps") __weak;

/*
 * Progress through the bytes of one syscall. It lives in the per-CPU map, not on the stack:
 * the verifier then treats it as unknown at every bpf_loop iteration and the loop converges.
 */
struct mw_emit_state {
	__u64 iov;              /* user iovec array, 0 for a single buffer */
	__u64 base;             /* user address of the current segment */
	__u64 seg_left;         /* bytes left in the current segment */
	__u64 remaining;        /* bytes of the syscall not yet emitted */
	__u32 iovcnt;
	__u32 iov_i;
	__u32 fault;
	__u32 _pad;
};

/* Per-CPU staging area: the emit state, then one payload record (header plus one chunk).
 * Programs using it run with preemption disabled and are not re-entered on the same CPU. */
struct mw_scratch {
	struct mw_emit_state st;
	struct mw_payload p;
	__u8 data[MW_CHUNK_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mw_scratch);
} scratch SEC(".maps") __weak;

static __always_inline void count_drop(__u32 reason, __u64 bytes)
{
	struct mw_drop *d = bpf_map_lookup_elem(&drops, &reason);

	if (d) {
		d->count++;
		d->bytes += bytes;
	}
}

/* Wake the collector when this record (size bytes) takes what is waiting across a multiple
 * of MW_WAKEUP_BYTES: while the collector lags, once per MW_WAKEUP_BYTES, not at every record
 * (a wake-up is an irq_work, an interrupt on the writing CPU, paid inside the traced syscall).
 * queued: the ring buffer counts the record already (reserved), or not yet (before
 * bpf_ringbuf_output). A crossing raced by another CPU's record can go unseen; the records
 * then wait for the next crossing or the collector's poll timeout (MW_POLL_TIMEOUT_MS). */
static __always_inline __u64 wakeup_flags(__u64 size, bool queued)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 before = queued ? (avail > size ? avail - size : 0) : avail;
	__u64 after = queued ? avail : avail + size;

	return before / MW_WAKEUP_BYTES != after / MW_WAKEUP_BYTES ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* The process's start time. task: a BTF pointer (bpf_get_current_task_btf(), a tp_btf
 * argument), whose fields the program loads directly on every kernel it runs on (no helper
 * call; this runs two or three times in every tracked syscall). */
static __always_inline __u64 task_start_ns(struct task_struct *task)
{
	return task->group_leader->start_boottime;
}

/* The same for a plain kernel address (one read by BPF_CORE_READ). */
static __always_inline __u64 task_start_ns_at(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

static __always_inline void fill_hdr(struct mw_event_hdr *h, __u16 type,
				     struct task_struct *task)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->flags = 0;
	h->tgid = id >> 32;
	h->tid = (__u32)id;
	h->root = 0;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->start_ns = task_start_ns(task);
}

/* The word of tracked_bits that holds tgid's bit; NULL past MW_PID_LIMIT. */
static __always_inline __u64 *tracked_word(__u32 tgid)
{
	__u32 word = tgid / 64;

	return bpf_map_lookup_elem(&tracked_bits, &word);
}

/* Could tgid be tracked? False only when it certainly is not (see tracked_bits). */
static __always_inline bool maybe_tracked(__u32 tgid)
{
	__u64 *w = tracked_word(tgid);

	return !w || (*w >> (tgid % 64)) & 1;
}

static __always_inline void tracked_bit_set(__u32 tgid)
{
	__u64 *w = tracked_word(tgid);

	if (w)
		__sync_fetch_and_or(w, 1ull << (tgid % 64));
}

/* Clear tgid's bit when it is set (an exit of a process never tracked writes nothing). */
static __always_inline void tracked_bit_clear(__u32 tgid)
{
	__u64 *w = tracked_word(tgid);
	__u64 bit = 1ull << (tgid % 64);

	if (w && (*w & bit))
		__sync_fetch_and_and(w, ~bit);
}

/*
 * The tracked entry of the current process, or NULL. An entry whose start time differs from the
 * process's is left over from an earlier process with the same pid: it is removed.
 */
static __always_inline struct mw_tracked *current_tracked(struct task_struct *task, __u32 tgid)
{
	struct mw_tracked *t;

	if (!maybe_tracked(tgid))
		return NULL;
	t = bpf_map_lookup_elem(&tracked, &tgid);
	if (!t)
		return NULL;
	if (t->start_tick != task_start_ns(task) / MW_NS_PER_TICK) {
		bpf_map_delete_elem(&tracked, &tgid);
		return NULL;
	}
	return t;
}

static __always_inline int track(__u32 tgid, __u64 start_ns, __u32 root, __u32 reason)
{
	struct mw_tracked t = {
		.start_tick = start_ns / MW_NS_PER_TICK,
		.root_tgid = root,
		.reason = reason,
	};

	if (tgid == cfg_self_tgid)
		return 0;
	tracked_bit_set(tgid);          /* first: a reader of the entry finds the bit set */
	if (bpf_map_update_elem(&tracked, &tgid, &t, BPF_ANY)) {
		count_drop(MW_DROP_TRACKED_FULL, 0);
		return -1;
	}
	return 0;
}

#endif /* MW_COMMON_BPF_H */
