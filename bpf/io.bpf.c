// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Payload capture: the bytes tracked processes read and write on pipes, unix sockets and TCP
 * sockets (HTTP transports).
 *
 * At syscall exit the arguments are taken from the task's saved user registers, the fd is
 * resolved to a channel, and the bytes the syscall moved (its return value) are copied in chunks
 * of at most MW_CHUNK_MAX, each tagged with the channel and its byte offset. The channel offset
 * advances by the full return value even when chunks are lost, so user space sees every hole.
 * Each byte is captured once: bytes that come through a writing end marked in the writers map
 * (struct mw_writer) are left by a tracked reader to their tracked writer. The ends tracked
 * processes make (pipe, pipe2, socketpair) are marked as they are made, before a byte can go
 * through them; any other end at the exit of each write of a tracked process. So a write runs
 * one program, at its exit. What a tracked reader takes from an end not marked yet (a channel
 * made before both of its ends were tracked, at the writer's first write since, when the reader
 * runs first) can be captured at both ends.
 */
#define MW_WALK_DIRECT          /* walk.bpf.h: direct loads where the kernel allows them */
#include "common.bpf.h"
#include "enforce.bpf.h"
#include "channel.bpf.h"
#include "detect.bpf.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct io_args {
	int fd;
	__u64 buf;              /* single buffer (read, write, recvfrom, sendto) */
	__u64 iov;              /* iovec array (readv, writev, and msghdr.msg_iov) */
	__u32 iovcnt;
};

static struct mw_scratch *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

static long next_segment(struct mw_emit_state *st)
{
	struct iovec v;

	if (!st->iov || st->iov_i >= st->iovcnt || st->iov_i >= MW_IOV_MAX)
		return 1;
	if (bpf_probe_read_user(&v, sizeof(v), (void *)(st->iov + st->iov_i * sizeof(v)))) {
		st->fault = 1;
		return 1;
	}
	st->iov_i++;
	st->base = (__u64)v.iov_base;
	st->seg_left = v.iov_len < st->remaining ? v.iov_len : st->remaining;
	return 0;
}

static long emit_chunk(struct mw_scratch *s)
{
	struct mw_emit_state *st = &s->st;
	__u32 n = st->seg_left > MW_CHUNK_MAX ? MW_CHUNK_MAX : st->seg_left;

	barrier_var(n);
	if (n > MW_CHUNK_MAX)           /* restated for the verifier */
		return 1;
	s->p.len = n;
	if (st->remaining == n)
		s->p.h.flags |= MW_F_LAST_CHUNK;
	if (bpf_probe_read_user(s->data, n, (void *)st->base))
		count_drop(MW_DROP_READ_FAULT, n);
	else if (bpf_ringbuf_output(&events, &s->p, sizeof(s->p) + n,
				     wakeup_flags(sizeof(s->p) + n, false)))
		count_drop(MW_DROP_RINGBUF_FULL, n);
	s->p.h.flags &= ~(MW_F_FIRST_CHUNK | MW_F_LAST_CHUNK);
	s->p.offset += n;
	st->base += n;
	st->seg_left -= n;
	st->remaining -= n;
	return 0;
}

static long emit_step(__u32 i, void *data)
{
	struct mw_scratch *s = scratch_get();

	if (!s || !s->st.remaining)
		return 1;
	if (!s->st.seg_left)
		return next_segment(&s->st);
	return emit_chunk(s);
}

/* Arguments of the syscall being exited, from the saved user registers. bpf_task_pt_regs()
 * returns a BTF pointer: where the architecture allows (x86), PT_REGS_PARMn_SYSCALL loads the
 * registers directly instead of calling bpf_probe_read_kernel() for each; every read of every
 * process on the host comes through here. */
static __always_inline void read_args(struct task_struct *task, __u8 sys, struct io_args *a)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	__u64 arg2 = PT_REGS_PARM2_SYSCALL(regs);
	struct user_msghdr *mh;

	a->fd = (int)PT_REGS_PARM1_SYSCALL(regs);
	a->buf = a->iov = 0;
	a->iovcnt = 0;
	switch (sys) {
	case MW_SYS_READV:
	case MW_SYS_WRITEV:
		a->iov = arg2;
		a->iovcnt = (__u32)PT_REGS_PARM3_SYSCALL(regs);
		break;
	case MW_SYS_RECVMSG:
	case MW_SYS_SENDMSG:
		mh = (struct user_msghdr *)arg2;
		a->iov = (__u64)BPF_CORE_READ_USER(mh, msg_iov);
		a->iovcnt = (__u32)BPF_CORE_READ_USER(mh, msg_iovlen);
		break;
	default:
		a->buf = arg2;
	}
}

/* Where the first bytes moved by the syscall are, and how many of them there are. */
static __always_inline __u64 first_segment(const struct io_args *a, __u64 ret, __u64 *len)
{
	struct iovec v = {};

	if (a->buf) {
		*len = ret;
		return a->buf;
	}
	if (!a->iovcnt || bpf_probe_read_user(&v, sizeof(v), (void *)a->iov))
		return 0;
	*len = v.iov_len < ret ? v.iov_len : ret;
	return (__u64)v.iov_base;
}

static __always_inline void emit_track(struct task_struct *task, __u32 reason)
{
	struct mw_track *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		return;
	}
	fill_hdr(&e->h, MW_EV_TRACK, task);
	e->h.root = e->h.tgid;
	e->reason = reason;
	e->_pad = 0;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);    /* enforcement waits on its state */
}

/* A read starting with "POST ": does its body, found after its headers, hold an MCP opener?
 * False when there is nothing to scan (headers only: the body's own read starts with '{'),
 * or when the body is out of reach (counted). */
static __always_inline bool post_has_opener(struct mw_scratch *s, __u64 ubuf, __u64 len)
{
	__u32 body = post_body(s, (void *)ubuf, len);

	if (!body) {
		count_drop(MW_DROP_DETECT_UNSCANNED, len);
		return false;
	}
	return body < len && scan_for_mcp(s, (void *)(ubuf + body), len - body);
}

/* An untracked reader: start tracking it if it just read an MCP opening request. */
static __always_inline bool detect(struct task_struct *task, __u32 tgid, const struct io_args *a,
				   __u64 ret, struct mw_chan_ref *ref)
{
	struct mw_scratch *s = scratch_get();
	__u64 len = 0;
	__u64 ubuf = first_segment(a, ret, &len);
	enum mw_opener kind;
	__u32 n = 0;

	if (!s || !ubuf || !len)
		return false;
	kind = peek_opener(s, (void *)ubuf, len, &n);
	if (kind == MW_OPENER_NONE || !resolve_channel(task, a->fd, MW_OP_READ, ref))
		return false;
	if (kind == MW_OPENER_JSON ? !scan_copied(s, n) : !post_has_opener(s, ubuf, len))
		return false;
	if (track(tgid, task_start_ns(task), tgid, MW_TRACK_TRAFFIC))
		return false;
	enf_new_server(tgid);
	emit_track(task, MW_TRACK_TRAFFIC);
	return true;
}

/* The channel's state, created on first use (*created set); NULL when the map refuses it. */
static __always_inline struct mw_channel *channel_get(__u64 chan, bool *created)
{
	struct mw_channel fresh = {};
	struct mw_channel *c = bpf_map_lookup_elem(&channels, &chan);

	if (c)
		return c;
	*created = !bpf_map_update_elem(&channels, &chan, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&channels, &chan);
}

/* The end the bytes of a pipe or unix socket syscall leave by: the pipe, or for a socket the
 * caller's own end when it writes and its peer's when it reads (0: a socket without a peer). */
static __always_inline __u64 writing_end(const struct mw_chan_ref *ref, __u8 op)
{
	if (ref->kind == MW_CHAN_PIPE)
		return ref->chan;
	return op == MW_OP_WRITE ? ref->local_ino : ref->peer_ino;
}

static __always_inline void mark_writer(__u64 end, __u32 tgid)
{
	struct mw_writer w = { .tgid = tgid };

	if (end && !bpf_map_lookup_elem(&writers, &end))
		bpf_map_update_elem(&writers, &end, &w, BPF_ANY);
}

/* Does this side capture the bytes? A tracked writer does, and marks its end so that a
 * tracked reader does not; a reader does unless the end they left by is marked. TCP: each side
 * captures its own socket. */
static __always_inline bool captures_here(const struct mw_chan_ref *ref, __u8 op)
{
	__u64 end;

	if (ref->kind == MW_CHAN_TCP)
		return true;
	end = writing_end(ref, op);
	if (op == MW_OP_WRITE) {
		mark_writer(end, bpf_get_current_pid_tgid() >> 32);
		return true;
	}
	return !end || !bpf_map_lookup_elem(&writers, &end);
}

/* A TCP channel seen for the first time: its endpoints, from the kernel socket. */
static __always_inline void emit_sock(struct task_struct *task, const struct mw_chan_ref *ref,
				      __u8 op, __u32 root)
{
	struct mw_sock *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	struct sock *sk = ref->sk;

	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		return;
	}
	__builtin_memset((void *)e + sizeof(e->h), 0, sizeof(*e) - sizeof(e->h));
	fill_hdr(&e->h, MW_EV_SOCK, task);
	e->h.root = root;
	e->chan = ref->chan;
	e->sock_ino = ref->local_ino;
	e->op = op;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == MW_AF_INET_CH) {
		BPF_CORE_READ_INTO((__u32 *)e->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->raddr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)e->raddr, sk, __sk_common.skc_v6_daddr);
	}
	bpf_ringbuf_submit(e, wakeup_flags(sizeof(*e), true));
}

static __always_inline void capture(struct task_struct *task, const struct io_args *a,
				    const struct mw_chan_ref *ref, __u8 sys, __u8 op, __u64 ret,
				    __u32 root)
{
	struct mw_scratch *s;
	struct mw_channel *ch;
	bool created = false;

	if (!captures_here(ref, op))
		return;                 /* the tracked writer captured these bytes */
	ch = channel_get(ref->chan, &created);
	if (!ch) {
		count_drop(MW_DROP_CHANNEL_FULL, ret);
		return;
	}
	if (created && ref->kind == MW_CHAN_TCP)
		emit_sock(task, ref, op, root);
	s = scratch_get();
	if (!s)
		return;                 /* a per-CPU array lookup of index 0 does not fail */
	fill_hdr(&s->p.h, MW_EV_PAYLOAD, task);
	s->p.h.flags = MW_F_FIRST_CHUNK;
	s->p.h.root = root;
	s->p.chan = ref->chan;
	s->p.local_ino = ref->local_ino;
	s->p.peer_ino = ref->peer_ino;
	s->p.offset = __sync_fetch_and_add(&ch->next_off, ret);
	s->p.total = ret > 0xffffffffull ? 0xffffffffu : (__u32)ret;
	s->p.fd = a->fd;
	s->p.op = op;
	s->p.kind = ref->kind;
	s->p.syscall = sys;
	s->p._pad = 0;
	s->st.remaining = ret;
	s->st.iov = a->buf ? 0 : a->iov;
	s->st.iovcnt = a->buf ? 0 : a->iovcnt;
	s->st.iov_i = 0;
	s->st.base = a->buf;
	s->st.seg_left = a->buf ? ret : 0;
	s->st.fault = 0;
	if (a->buf && ret <= MW_CHUNK_MAX)
		emit_chunk(s);          /* one buffer, one chunk: the common case, no loop */
	else
		bpf_loop(MW_CHUNKS_PER_SYSCALL + MW_IOV_MAX, emit_step, NULL, 0);
	if (s->st.remaining)
		count_drop(s->st.fault ? MW_DROP_READ_FAULT : MW_DROP_SYSCALL_LIMIT,
			   s->st.remaining);
}

/* The one worker behind every sys_exit_* program. For a process that is not tracked, a write
 * costs one bit test; a read of at least MW_DETECT_MIN bytes adds the argument fetch and one
 * user read of its first MW_DETECT_SCAN bytes (detection: only reads starting with '{', '[' or
 * "POST " are looked at further). */
static __always_inline int on_exit(long ret, __u8 sys, __u8 op)
{
	struct task_struct *task;
	struct io_args a;
	struct mw_chan_ref ref = {};
	struct mw_tracked *t;
	__u32 tgid, root;

	if (ret <= 0)
		return 0;
	task = bpf_get_current_task_btf();
	tgid = bpf_get_current_pid_tgid() >> 32;
	t = current_tracked(task, tgid);
	if (!t && (op != MW_OP_READ || !cfg_detect || ret < MW_DETECT_MIN))
		return 0;
	root = t ? t->root_tgid : tgid;
	read_args(task, sys, &a);
	if (t) {
		if (!resolve_channel(task, a.fd, op, &ref))
			return 0;
	} else if (!detect(task, tgid, &a, ret, &ref)) {
		return 0;
	}
	capture(task, &a, &ref, sys, op, (__u64)ret, root);
	return 0;
}

/* pipe, pipe2 or socketpair made by a tracked process: it and its children (tracked too) hold
 * both ends, so both are marked as written by tracked processes before a byte goes through. */
static __always_inline int on_made(long ret, bool socketpair)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mw_chan_ref ref;
	struct pt_regs *regs;
	int fds[2];

	if (ret || !current_tracked(task, tgid))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (bpf_probe_read_user(fds, sizeof(fds), (void *)(socketpair ?
				PT_REGS_PARM4_SYSCALL(regs) : PT_REGS_PARM1_SYSCALL(regs)))) {
		count_drop(MW_DROP_READ_FAULT, 0);
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		__builtin_memset(&ref, 0, sizeof(ref));
		if (resolve_channel(task, fds[i], MW_OP_WRITE, &ref) && ref.kind != MW_CHAN_TCP)
			mark_writer(ref.local_ino, tgid);
	}
	return 0;
}

#define MW_EXIT(name, sys, op)                                                  \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int mw_exit_##name(struct trace_event_raw_sys_exit *ctx)                \
	{                                                                       \
		return on_exit(ctx->ret, sys, op);                              \
	}

#define MW_MADE(name, socketpair)                                               \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int mw_made_##name(struct trace_event_raw_sys_exit *ctx)                \
	{                                                                       \
		return on_made(ctx->ret, socketpair);                           \
	}

MW_EXIT(read, MW_SYS_READ, MW_OP_READ)
MW_EXIT(readv, MW_SYS_READV, MW_OP_READ)
MW_EXIT(recvfrom, MW_SYS_RECVFROM, MW_OP_READ)
MW_EXIT(recvmsg, MW_SYS_RECVMSG, MW_OP_READ)
MW_EXIT(write, MW_SYS_WRITE, MW_OP_WRITE)
MW_EXIT(writev, MW_SYS_WRITEV, MW_OP_WRITE)
MW_EXIT(sendto, MW_SYS_SENDTO, MW_OP_WRITE)
MW_EXIT(sendmsg, MW_SYS_SENDMSG, MW_OP_WRITE)

MW_MADE(pipe, false)
MW_MADE(pipe2, false)
MW_MADE(socketpair, true)
