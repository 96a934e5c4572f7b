/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The ABI between bpf/ and user/: every ring-buffer record, map key and map value.
 * Fixed-width fields, explicit padding, sizes pinned by static asserts. Enums are append-only;
 * any change to a layout bumps MW_ABI_VERSION, which the loader checks against the object.
 */
#ifndef MCPWARDEN_EVENTS_H
#define MCPWARDEN_EVENTS_H

#include "limits.h"

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MW_ABI_VERSION 11u

/* Kernel start times are compared at the resolution /proc exposes them (clock ticks). */
#define MW_USER_HZ      100u
#define MW_NS_PER_TICK  (1000000000ull / MW_USER_HZ)

enum mw_event_type {            /* append-only */
	MW_EV_PAYLOAD = 1,      /* bytes read or written by a tracked process */
	MW_EV_EXEC = 2,         /* successful execve */
	MW_EV_FORK = 3,         /* a tracked process created a process */
	MW_EV_EXIT = 4,         /* a tracked process ended (whole thread group) */
	MW_EV_TRACK = 5,        /* the kernel started tracking a process on its own (traffic) */
	MW_EV_FILE = 6,         /* a tracked process opened, renamed, linked, removed... a file */
	MW_EV_NET = 7,          /* a tracked process connected, bound, listened or accepted */
	MW_EV_SOCK = 8,         /* a TCP channel was first seen: its endpoints */
};

enum mw_file_op {               /* append-only */
	MW_FILE_OPEN = 1,       /* open, openat, openat2, creat */
	MW_FILE_RENAME,         /* rename, renameat, renameat2: path -> path2 */
	MW_FILE_LINK,           /* link, linkat: path2 is the new name */
	MW_FILE_SYMLINK,        /* symlink, symlinkat: path2 is the link, path its target */
	MW_FILE_UNLINK,         /* unlink, unlinkat */
	MW_FILE_RMDIR,          /* rmdir, unlinkat(AT_REMOVEDIR) */
	MW_FILE_MKDIR,          /* mkdir, mkdirat */
	MW_FILE_TRUNCATE,       /* truncate, ftruncate */
};

enum mw_net_op {                /* append-only */
	MW_NET_CONNECT = 1,
	MW_NET_BIND,
	MW_NET_LISTEN,
	MW_NET_ACCEPT,
};

enum mw_track_reason {          /* append-only */
	MW_TRACK_NONE = 0,
	MW_TRACK_TRAFFIC = 1,   /* read an MCP request (initialize, server/discover, 2026 _meta) */
	MW_TRACK_MATCH = 2,     /* command line matched --match */
	MW_TRACK_PID = 3,       /* named with --pid */
	MW_TRACK_INHERIT = 4,   /* descendant of a tracked process */
	MW_TRACK_PINNED = 5,    /* user space only: a server an earlier run tracked, found again
				 * in the pinned tracked map (the map keeps the earlier reason) */
};

enum mw_op {
	MW_OP_READ = 1,
	MW_OP_WRITE = 2,
};

enum mw_chan_kind {
	MW_CHAN_PIPE = 1,
	MW_CHAN_UNIX = 2,
	MW_CHAN_TCP = 3,        /* IPv4 or IPv6 stream socket: one channel per direction */
};

/* TCP channel ids: the socket inode with the direction, apart from pipe and unix inodes. */
#define MW_CHAN_TCP_BIT   (1ull << 63)
#define MW_CHAN_TCP_ID(ino, op) (MW_CHAN_TCP_BIT | ((__u64)(ino) << 1) | ((op) == MW_OP_WRITE))

enum mw_syscall {               /* append-only */
	MW_SYS_READ = 1,
	MW_SYS_WRITE,
	MW_SYS_READV,
	MW_SYS_WRITEV,
	MW_SYS_RECVFROM,
	MW_SYS_SENDTO,
	MW_SYS_RECVMSG,
	MW_SYS_SENDMSG,
};

/* Per-reason loss counters kept by the kernel side (per-CPU array index). Append-only. */
enum mw_drop_reason {
	MW_DROP_RINGBUF_FULL = 0,  /* a record could not be reserved */
	MW_DROP_READ_FAULT = 1,    /* user memory could not be read */
	MW_DROP_SYSCALL_LIMIT = 2, /* bytes past MW_CHUNKS_PER_SYSCALL chunks or MW_IOV_MAX iovecs */
	MW_DROP_TRACKED_FULL = 3,  /* tracked-process map full: a process went untracked */
	MW_DROP_CHANNEL_FULL = 4,  /* channel map update failed: bytes not captured */
	MW_DROP_ENFORCE_STATE = 5, /* an enforcement map refused an entry (judged fail-closed) */
	MW_DROP_SIGNAL = 6,        /* bpf_send_signal() failed: a kill or hold did not happen */
	MW_DROP_PROG_MISSED = 7,   /* program runs the kernel skipped (bpf_prog_info
				    * recursion_misses); summed by user space, not by BPF */
	MW_DROP_DETECT_UNSCANNED = 8, /* detection: an untracked POST read whose headers do not end
				       * within it or within MW_DETECT_HEAD bytes (body not scanned) */
	MW_DROP__COUNT = 9,
};

/* Header flags. */
#define MW_F_FIRST_CHUNK   (1u << 0)   /* payload: first chunk of the syscall */
#define MW_F_LAST_CHUNK    (1u << 1)   /* payload: last chunk of the syscall */
#define MW_F_ARGS_TRUNC    (1u << 2)   /* exec: argv longer than MW_ARGS_MAX */
#define MW_F_PATH_TRUNC    (1u << 3)   /* exec: path longer than MW_PATH_MAX */
#define MW_F_GAP_BEFORE    (1u << 4)   /* payload: earlier bytes of this syscall were lost */
#define MW_F_RESOLVED_TRUNC (1u << 5)  /* file/exec: resolved path too long or too deep */
#define MW_F_DELETED       (1u << 6)   /* file: the file has no links left */
#define MW_F_PATH2_TRUNC   (1u << 7)   /* file: second path longer than MW_FPATH_MAX */
#define MW_F_RESOLVED_DIR  (1u << 8)   /* file: resolved[] is the directory a relative path
					* was looked up from (dirfd or cwd), not the file */
#define MW_F_KILLED        (1u << 9)   /* exec/file/net: enforcement sent SIGKILL */
#define MW_F_DENIED        (1u << 10)  /* net: a cgroup program refused the connect or bind */
#define MW_F_HELD          (1u << 11)  /* exec/file: enforcement sent SIGSTOP; user space owes
					* the process a verdict (SIGKILL or SIGCONT) */
#define MW_F_RESOLVED_OLD_DIR (1u << 12) /* file: resolved_old[] is the directory the relative
					   * path (rename and link: the source) was looked up
					   * from */

/* Every record starts with this. */
struct mw_event_hdr {
	__u16 type;             /* enum mw_event_type */
	__u16 flags;            /* MW_F_* */
	__u32 tgid;             /* process (thread group) */
	__u32 tid;              /* thread */
	__u32 root;             /* the MCP server (tracked root) it belongs to, 0 if untracked */
	__u64 ts_ns;            /* CLOCK_BOOTTIME */
	__u64 start_ns;         /* process start (boot time ns): identity is (tgid, start) */
};

struct mw_payload {
	struct mw_event_hdr h;
	__u64 chan;             /* channel: inode number of the end the bytes travel to */
	__u64 local_ino;        /* inode of the capturing process's own end */
	__u64 peer_ino;         /* unix socket: inode of the other end; pipe: the pipe inode */
	__u64 offset;           /* channel byte offset of data[0] */
	__u32 len;              /* bytes in data[] */
	__u32 total;            /* bytes the syscall moved (its return value) */
	__s32 fd;
	__u8 op;                /* enum mw_op */
	__u8 kind;              /* enum mw_chan_kind */
	__u8 syscall;           /* enum mw_syscall */
	__u8 _pad;
	/* followed by len bytes of payload, at most MW_CHUNK_MAX */
};

/* The endpoints of a TCP channel, read from the kernel socket when the channel is first seen
 * (local is the capturing process's end). */
struct mw_sock {
	struct mw_event_hdr h;
	__u64 chan;
	__u64 sock_ino;
	__u16 family;           /* AF_INET, AF_INET6 */
	__u16 lport;            /* host byte order */
	__u16 rport;
	__u8 op;                /* the channel's direction: enum mw_op */
	__u8 _pad;
	__u8 laddr[16];         /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
};

struct mw_exec {
	struct mw_event_hdr h;
	__u32 ppid;
	__u32 uid;
	__u64 parent_start_ns;
	__u32 args_len;         /* bytes used in args[] (NUL separated) */
	__u32 tracked;          /* enum mw_track_reason of the process, NONE when untracked */
	__u32 gid;
	__u32 _pad;
	__u64 cgroup_id;
	char comm[MW_COMM_LEN];
	char path[MW_PATH_MAX];         /* the file name execve was given */
	char resolved[MW_RPATH_MAX];    /* the executable, resolved in the kernel */
	char cwd[MW_RPATH_MAX];
	char args[MW_ARGS_MAX];
};

struct mw_file {
	struct mw_event_hdr h;
	__s64 ret;              /* fd or 0 on success, -errno on failure */
	__u32 op;               /* enum mw_file_op */
	__u32 flags;            /* open(2) flags; rename/link/unlinkat flags */
	__u32 mode;
	__s32 dirfd;            /* the *at dirfd (AT_FDCWD = -100) of path, or of path2 for
				 * rename, link and symlink: the one resolved[] belongs to */
	__u64 ino;              /* inode of the opened or truncated file */
	__s32 dirfd_old;        /* rename, link: the *at dirfd of path (the source) */
	__u32 enf_rule;         /* MW_F_KILLED or MW_F_HELD: the rule (enum mw_enf_rule) + 1 the
				 * kernel judged broken; 0 otherwise */
	char path[MW_FPATH_MAX];        /* as the process passed it */
	char path2[MW_FPATH_MAX];       /* rename/link/symlink destination */
	char resolved[MW_RPATH_MAX];    /* see MW_F_RESOLVED_DIR */
	char resolved_old[MW_RPATH_MAX]; /* see MW_F_RESOLVED_OLD_DIR */
};

struct mw_net {
	struct mw_event_hdr h;
	__s64 ret;              /* connect/bind/listen: 0 or -errno; accept: the new fd */
	__u32 op;               /* enum mw_net_op */
	__s32 fd;
	__u16 family;           /* AF_INET, AF_INET6, AF_UNIX */
	__u16 type;             /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u16 lport;            /* host byte order */
	__u16 rport;
	__u8 laddr[16];         /* IPv4 in the first 4 bytes */
	__u8 raddr[16];
	char unix_path[MW_UNIX_PATH_MAX]; /* unix: bound or peer path ('@' first: abstract) */
	__u32 _pad;
};

struct mw_fork {
	struct mw_event_hdr h;  /* the new process */
	__u32 ptgid;
	__u32 root_tgid;        /* the MCP server it descends from */
	__u64 pstart_ns;
};

struct mw_exit {
	struct mw_event_hdr h;
	__s32 exit_code;        /* as wait(2) encodes it */
	__u32 _pad;
};

struct mw_track {
	struct mw_event_hdr h;
	__u32 reason;           /* enum mw_track_reason */
	__u32 _pad;
};

/*
 * The tracked, channels and writers maps are pinned in bpffs (user/pin.c) and outlive a run: a
 * restarted collector reuses them when their type, key and value sizes, entries and flags match.
 * A change to the meaning of struct mw_tracked, struct mw_channel or struct mw_writer must
 * change one of those too.
 */

/* tracked map: key = tgid */
struct mw_tracked {
	__u64 start_tick;       /* process start in clock ticks since boot (as /proc/PID/stat) */
	__u32 root_tgid;        /* the MCP server this process belongs to */
	__u32 reason;           /* enum mw_track_reason */
};

/* channels map: key = channel (inode number of the receiving end) */
struct mw_channel {
	__u64 next_off;         /* bytes of this channel accounted for so far */
};

/*
 * writers map: key = the inode number of a writing end (a pipe's, or the writer's own unix
 * socket), present once a tracked process may write through it. A tracked reader leaves the
 * bytes that come through a marked end to their tracked writer, so each byte is captured once.
 * Marked where tracked processes make ends (pipe, pipe2, socketpair: every holder is a tracked
 * process or its child, tracked too) and at each write of a tracked process (any other end,
 * and one the LRU map evicted).
 */
struct mw_writer {
	__u32 tgid;             /* who marked it (the maker, the process tracked, or the writer) */
	__u32 _pad;
};

struct mw_drop {
	__u64 count;            /* records (or syscalls) affected */
	__u64 bytes;            /* payload bytes lost */
};

_Static_assert(sizeof(struct mw_event_hdr) == 32, "mw_event_hdr layout");
_Static_assert(sizeof(struct mw_payload) == 80, "mw_payload layout");
_Static_assert(sizeof(struct mw_channel) == 8, "mw_channel layout");
_Static_assert(sizeof(struct mw_writer) == 8, "mw_writer layout");
/* ---- enforcement (mode: enforce): the policy compiled into maps the kernel decides with ---- */

enum mw_enf_action {            /* enf_rules values, low byte; MW_ENF_SCOPE_SERVER above it */
	MW_ENF_ALERT = 0,
	MW_ENF_DENY = 1,
	MW_ENF_KILL = 2,
};
#define MW_ENF_SCOPE_SERVER  (1u << 8)

enum mw_enf_rule {              /* the rule ids of the policy, in its order */
	MW_ENF_EXEC_SPAWN = 0,
	MW_ENF_EXEC_SHELL_INJECTION,
	MW_ENF_FILE_OUT_OF_SCOPE,
	MW_ENF_FILE_SENSITIVE,
	MW_ENF_NET_EGRESS,
	MW_ENF_NET_METADATA,
	MW_ENF_NET_LISTEN_WILDCARD,
	MW_ENF_NET_REMOTE_PEER,
	MW_ENF_RULES,
};

/* enf_servers: tracked root tgid -> the policy entry it runs under. */
#define MW_ENF_SPOKE      (1u << 0)     /* past its startup grace */
#define MW_ENF_HAS_ROOTS  (1u << 1)     /* file.out_of_scope applies */
#define MW_ENF_PENDING    (1u << 2)     /* found by its traffic; user space has not written its
					 * state yet: what would be killed is held instead */
struct mw_enf_server {
	__u32 pidx;             /* policy entry: 0 = defaults, 1.. = servers[pidx - 1] */
	__u32 flags;
};

/* enf_inodes: files and directories the policy names, by (device, inode). */
enum mw_enf_kind {
	MW_ENF_K_SENSITIVE = 1, /* scope 0 */
	MW_ENF_K_RUNTIME,       /* scope 0 (global) or a root tgid ($SERVER_PACKAGE) */
	MW_ENF_K_ROOT,          /* scope: root tgid */
	MW_ENF_K_EXEC,          /* scope: pidx */
};
#define MW_ENF_TREE       (1u << 0)     /* the directory and everything under it */
struct mw_enf_ino_key {
	__u64 ino;
	__u32 dev;              /* kernel encoding: major << 20 | minor */
	__u32 scope;
	__u32 kind;
	__u32 _pad;
};
struct mw_enf_ino_val {
	__u32 access;           /* runtime: MW_ENF_READ | MW_ENF_WRITE */
	__u32 flags;            /* MW_ENF_TREE */
};
#define MW_ENF_READ   (1u << 0)
#define MW_ENF_WRITE  (1u << 1)

/* enf_names: sensitive names, for "** /NAME/ **" (a component anywhere), "** /NAME" (the last
 * component), with an optional parent name ("** /P/NAME/ **", "** /P/NAME"). */
#define MW_ENF_NAME_LEN   32u
#define MW_ENF_ANY        (1u << 0)     /* sensitive: a component anywhere (the path is under it) */
#define MW_ENF_LEAF       (1u << 1)     /* sensitive: the last component */
#define MW_ENF_RT_SHIFT   8u            /* runtime access (MW_ENF_READ/WRITE) << this: a
					 * component anywhere ("** /node_modules/ **") */
struct mw_enf_name_key {
	char name[MW_ENF_NAME_LEN];
	char parent[MW_ENF_NAME_LEN];   /* "" when any parent */
};

/* enf_net (LPM trie): (pidx, address) -> ports allowed by egress; pidx MW_ENF_PIDX_META
 * holds the metadata CIDRs. Addresses in the 128-bit form (IPv4 as ::ffff:a.b.c.d). */
#define MW_ENF_PIDX_META  0xffffffffu
#define MW_ENF_PORTS_MAX  16u
struct mw_enf_net_key {
	__u32 prefixlen;        /* 32 (pidx) + address prefix */
	__u32 pidx;             /* big-endian on the wire of the trie: see enforce.c */
	__u8 addr[16];
};
struct mw_enf_ports {
	__u32 n;
	struct { __u16 lo, hi; } r[MW_ENF_PORTS_MAX];
};

/* enf_counts: per rule, kills and denials carried out in the kernel. */
struct mw_enf_count {
	__u64 kills;
	__u64 denials;
	__u64 holds;            /* SIGSTOPs awaiting user space's verdict (MW_F_HELD) */
};

#define MW_ENF_POLICIES_MAX  256u       /* policy entries (defaults + servers) */
#define MW_ENF_INODES_MAX    65536u
#define MW_ENF_NAMES_MAX     1024u
#define MW_ENF_NETS_MAX      16384u

_Static_assert(sizeof(struct mw_exec) == 32 + 40 + MW_COMM_LEN + MW_PATH_MAX + 2 * MW_RPATH_MAX +
	       MW_ARGS_MAX, "mw_exec layout");
_Static_assert(sizeof(struct mw_file) == 32 + 40 + 2 * MW_FPATH_MAX + 2 * MW_RPATH_MAX,
	       "mw_file layout");
_Static_assert(sizeof(struct mw_net) == 32 + 16 + 8 + 32 + MW_UNIX_PATH_MAX + 4, "mw_net layout");
_Static_assert(sizeof(struct mw_fork) == 48, "mw_fork layout");
_Static_assert(sizeof(struct mw_exit) == 40, "mw_exit layout");
_Static_assert(sizeof(struct mw_track) == 40, "mw_track layout");
_Static_assert(sizeof(struct mw_tracked) == 16, "mw_tracked layout");
_Static_assert(sizeof(struct mw_sock) == 32 + 24 + 32, "mw_sock layout");
_Static_assert(sizeof(struct mw_drop) == 16, "mw_drop layout");
_Static_assert(sizeof(struct mw_enf_server) == 8, "mw_enf_server layout");
_Static_assert(sizeof(struct mw_enf_ino_key) == 24, "mw_enf_ino_key layout");
_Static_assert(sizeof(struct mw_enf_net_key) == 24, "mw_enf_net_key layout");
_Static_assert(sizeof(struct mw_enf_ports) == 68, "mw_enf_ports layout");

#endif /* MCPWARDEN_EVENTS_H */
