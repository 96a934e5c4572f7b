/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Channels: which pipe or unix socket an fd refers to, named by inode numbers (the numbers
 * /proc/PID/fd shows as pipe:[N] and socket:[N]). A channel is one direction of bytes, named by
 * the end the bytes travel to, so the writer and the reader of the same bytes agree on it.
 */
#ifndef MW_CHANNEL_BPF_H
#define MW_CHANNEL_BPF_H

#include "common.bpf.h"
#include "walk.bpf.h"

struct mw_chan_ref {
	__u64 chan;             /* receiving end */
	__u64 local_ino;        /* the calling process's end */
	__u64 peer_ino;         /* the other end */
	__u8 kind;              /* enum mw_chan_kind, 0 when not a pipe or unix socket */
	struct sock *sk;        /* TCP: the kernel socket (for its endpoints) */
};

/* The open file of task's fd, as MW_CAST gives it (NULL when none). task: a BTF pointer. */
static __always_inline struct file *fd_to_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = MW_RD(MW_RD(task, files), fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || (__u32)fd >= MW_FD_MAX || (__u32)fd >= MW_RD(fdt, max_fds))
		return NULL;
	arr = MW_RD(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f ? MW_CAST(f, struct file) : NULL;
}

static __always_inline __u64 sock_ino(struct sock *sk)
{
	return MW_RD(MW_RD(MW_RD(MW_RD(sk, sk_socket), file), f_inode), i_ino);
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
	ino = MW_RD(f, f_inode);
	mode = MW_RD(ino, i_mode) & MW_S_IFMT;
	ref->local_ino = MW_RD(ino, i_ino);
	if (mode == MW_S_IFIFO) {
		ref->kind = MW_CHAN_PIPE;
		ref->chan = ref->peer_ino = ref->local_ino;
		return true;
	}
	if (mode != MW_S_IFSOCK)
		return false;
	sock = MW_CAST(MW_RD(f, private_data), struct socket);
	sk = MW_RD(sock, sk);
	if (!sk)
		return false;
	family = MW_RD(sk, __sk_common.skc_family);
	if ((family == MW_AF_INET_CH || family == MW_AF_INET6_CH) &&
	    MW_RD(sk, sk_type) == MW_SOCK_STREAM_CH &&
	    MW_RD(sk, sk_protocol) == MW_IPPROTO_TCP_CH) {
		ref->kind = MW_CHAN_TCP;
		ref->peer_ino = 0;
		ref->chan = MW_CHAN_TCP_ID(ref->local_ino, op);
		ref->sk = sk;
		return true;
	}
	if (family != MW_AF_UNIX)
		return false;
	peer = MW_RD(MW_CAST(sk, struct unix_sock), peer);
	ref->kind = MW_CHAN_UNIX;
	ref->peer_ino = peer ? sock_ino(peer) : 0;
	/* bytes written travel to the peer; bytes read arrived at our end */
	ref->chan = (op == MW_OP_WRITE && ref->peer_ino) ? ref->peer_ino : ref->local_ino;
	return true;
}

#endif /* MW_CHANNEL_BPF_H */
