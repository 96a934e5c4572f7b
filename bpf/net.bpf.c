// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Network use of tracked processes: connect (recorded whatever the result, since non-blocking
 * connects return EINPROGRESS), bind, listen and accept, for TCP, UDP and unix sockets over
 * IPv4 and IPv6. Addresses come from the sockaddr the process passed (connect, bind) and from
 * the kernel socket (the local end; accept's peer, since accept is often called without an
 * address buffer).
 */
#include "common.bpf.h"
#include "channel.bpf.h"
#include "enforce.bpf.h"
#include <bpf/bpf_endian.h>

#define MW_AF_INET   2
#define MW_AF_INET6  10

enum net_sys { NS_CONNECT, NS_BIND, NS_LISTEN, NS_ACCEPT, NS_ACCEPT4 };

#define MW_SOCKADDR_MAX 128      /* a power of two over sizeof(struct sockaddr_un) */

struct mw_sockaddr {            /* large enough for sockaddr_in, _in6 and _un */
	__u16 family;
	__u8 data[MW_SOCKADDR_MAX - sizeof(__u16)];
};

static __always_inline struct sock *fd_sock(struct task_struct *task, int fd, __u16 *type)
{
	struct file *f = fd_to_file(task, fd);
	struct socket *sock;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & MW_S_IFMT) != MW_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	*type = BPF_CORE_READ(sock, type);
	return BPF_CORE_READ(sock, sk);
}

/* The local end, and the remote end when connected, as the kernel socket has them. */
static __always_inline void from_sock(struct sock *sk, struct mw_net *e, bool remote)
{
	struct unix_address *ua;
	int len;

	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (e->family == MW_AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)e->laddr, sk, __sk_common.skc_rcv_saddr);
		if (remote)
			BPF_CORE_READ_INTO((__u32 *)e->raddr, sk, __sk_common.skc_daddr);
	} else if (e->family == MW_AF_INET6) {
		BPF_CORE_READ_INTO((struct in6_addr *)e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
		if (remote)
			BPF_CORE_READ_INTO((struct in6_addr *)e->raddr, sk,
					   __sk_common.skc_v6_daddr);
	} else if (e->family == MW_AF_UNIX) {
		ua = BPF_CORE_READ((struct unix_sock *)sk, addr);
		len = ua ? BPF_CORE_READ(ua, len) - (int)sizeof(__u16) : 0;
		if (len > 0)
			bpf_probe_read_kernel(e->unix_path, len & (MW_UNIX_PATH_MAX - 1),
					      (void *)ua + bpf_core_field_offset(struct unix_address, name) +
					      sizeof(__u16));
	}
	if (remote)
		e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* The address the process passed (connect's peer, bind's local end). */
static __always_inline void from_user(__u64 uaddr, __u32 ulen, struct mw_net *e, bool remote)
{
	struct mw_sockaddr sa = {};
	__u8 *addr = remote ? e->raddr : e->laddr;
	__u16 port;

	if (ulen > sizeof(sa) - 1)
		ulen = sizeof(sa) - 1;
	barrier_var(ulen);
	if (!uaddr || bpf_probe_read_user(&sa, ulen & (MW_SOCKADDR_MAX - 1), (void *)uaddr))
		return;
	e->family = sa.family;
	__builtin_memcpy(&port, sa.data, sizeof(port));
	if (sa.family == MW_AF_INET) {
		__builtin_memcpy(addr, sa.data + 2, 4);
	} else if (sa.family == MW_AF_INET6) {
		__builtin_memcpy(addr, sa.data + 6, 16);
	} else if (sa.family == MW_AF_UNIX) {
		__builtin_memcpy(e->unix_path, sa.data, sizeof(e->unix_path));
		if (!e->unix_path[0] && ulen > sizeof(__u16))
			e->unix_path[0] = '@';          /* abstract name */
		return;
	} else {
		return;
	}
	if (remote)
		e->rport = bpf_ntohs(port);
	else
		e->lport = bpf_ntohs(port);
}

/* A connect or bind a cgroup program refused: reported, and killed when the rule says kill.
 * Returns MW_F_* flags. */
static __always_inline __u16 net_verdict(__u8 sys)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *v;
	__u32 d;

	if (!cfg_enforce || (sys != NS_CONNECT && sys != NS_BIND))
		return 0;
	v = bpf_map_lookup_elem(&enf_denied, &tid);
	if (!v)
		return 0;
	d = *v;
	bpf_map_delete_elem(&enf_denied, &tid);
	if ((d >> 16) == MW_ENF_KILL && enf_kill(d & 0xffff))
		return MW_F_DENIED | MW_F_KILLED;
	return MW_F_DENIED;
}

static __always_inline int on_net_exit(long ret, __u8 sys)
{
	__u16 verdict;
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pt_regs *regs;
	struct mw_net *e;
	struct sock *sk;
	__u64 uaddr;
	__u32 ulen;
	int fd;
	struct mw_tracked *t = current_tracked(task, tgid);

	if (!t)
		return 0;
	if ((sys == NS_ACCEPT || sys == NS_ACCEPT4) && ret < 0)
		return 0;               /* EAGAIN from a non-blocking accept loop is not an event */
	verdict = net_verdict(sys);
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	fd = (int)PT_REGS_PARM1_SYSCALL(regs);
	uaddr = PT_REGS_PARM2_SYSCALL(regs);
	ulen = (__u32)PT_REGS_PARM3_SYSCALL(regs);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(MW_DROP_RINGBUF_FULL, 0);
		return 0;
	}
	__builtin_memset((void *)e + sizeof(e->h), 0, sizeof(*e) - sizeof(e->h));
	fill_hdr(&e->h, MW_EV_NET, task);
	e->h.flags |= verdict;
	e->h.root = t->root_tgid;
	e->ret = ret;
	e->fd = fd;
	sk = fd_sock(task, (sys == NS_ACCEPT || sys == NS_ACCEPT4) ? (int)ret : fd, &e->type);
	switch (sys) {
	case NS_CONNECT:
		e->op = MW_NET_CONNECT;
		if (sk)
			from_sock(sk, e, false);
		from_user(uaddr, ulen, e, true);
		break;
	case NS_BIND:
		e->op = MW_NET_BIND;
		from_user(uaddr, ulen, e, false);
		break;
	case NS_LISTEN:
		e->op = MW_NET_LISTEN;
		if (sk)
			from_sock(sk, e, false);
		break;
	default:
		e->op = MW_NET_ACCEPT;
		if (sk)
			from_sock(sk, e, true);
	}
	bpf_ringbuf_submit(e, enf_wakeup(e->h.flags, sizeof(*e)));
	return 0;
}

#define MW_NET_EXIT(name, sys)                                                  \
	SEC("tp/syscalls/sys_exit_" #name)                                      \
	int mw_net_##name(struct trace_event_raw_sys_exit *ctx)                 \
	{                                                                       \
		return on_net_exit(ctx->ret, sys);                              \
	}

MW_NET_EXIT(connect, NS_CONNECT)
MW_NET_EXIT(bind, NS_BIND)
MW_NET_EXIT(listen, NS_LISTEN)
MW_NET_EXIT(accept, NS_ACCEPT)
MW_NET_EXIT(accept4, NS_ACCEPT4)
