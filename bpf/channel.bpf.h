/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Channels: which pipe or unix socket an fd refers to, named by inode numbers (the numbers
 * /proc/PID/fd shows as pipe:[N] and socket:[N]). A channel is one direction of bytes, named by
 * the end the bytes travel to, so the writer and the reader of the same bytes agree on it.
 */
#ifndef MW_CHANNEL_BPF_H
#define MW_CHANNEL_BPF_H

#include "common.bpf.h"

struct mw_chan_ref {
	__u64 chan;             /* receiving end */
	__u64 local_ino;        /* the calling process's end */
	__u64 peer_ino;         /* the other end */
	__u8 kind;              /* enum mw_chan_kind, 0 when not a pipe or unix socket */
	struct sock *sk;        /* TCP: the kernel socket (for its endpoints) */
};

static __always_inline struct file *fd_to_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || (__u32)fd >= MW_FD_MAX || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

static __always_inline __u64 sock_ino(struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
}

#define MW_AF_INET_CH   2
#define MW_AF_INET6_CH  10
#define MW_SOCK_STREAM_CH 1
#define MW_IPPROTO_TCP_CH 6

/* Fill ref for fd; false when the fd is not a pipe, a unix socket or a TCP socket. */
static __always_inline bool resolve_channel(struct task_struct *task, int fd, __u8 op,
					    struct mw_chan_ref *ref)
{
	struct file *f = fd_to_file(task, fd);
	struct inode *ino;
	struct socket *sock;
	struct sock *sk, *peer;
	__u16 mode, family;

	if (!f)
		return false;
	ino = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(ino, i_mode) & MW_S_IFMT;
	ref->local_ino = BPF_CORE_READ(ino, i_ino);
	if (mode == MW_S_IFIFO) {
		ref->kind = MW_CHAN_PIPE;
		ref->chan = ref->peer_ino = ref->local_ino;
		return true;
	}
	if (mode != MW_S_IFSOCK)
		return false;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return false;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family == MW_AF_INET_CH || family == MW_AF_INET6_CH) &&
	    BPF_CORE_READ(sk, sk_type) == MW_SOCK_STREAM_CH &&
	    BPF_CORE_READ(sk, sk_protocol) == MW_IPPROTO_TCP_CH) {
		ref->kind = MW_CHAN_TCP;
		ref->peer_ino = 0;
		ref->chan = MW_CHAN_TCP_ID(ref->local_ino, op);
		ref->sk = sk;
		return true;
	}
	if (family != MW_AF_UNIX)
		return false;
	peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	ref->kind = MW_CHAN_UNIX;
	ref->peer_ino = peer ? sock_ino(peer) : 0;
	/* bytes written travel to the peer; bytes read arrived at our end */
	ref->chan = (op == MW_OP_WRITE && ref->peer_ino) ? ref->peer_ino : ref->local_ino;
	return true;
}

#endif /* MW_CHANNEL_BPF_H */
