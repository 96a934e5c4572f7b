// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Network enforcement: cgroup/connect4, connect6, bind4, bind6 on the cgroup v2 root (every
 * socket of the host passes them). For a tracked process under a policy that denies or kills,
 * a connect to a metadata address or outside the server's egress allowlist, or a bind on
 * 0.0.0.0 / :: (stream sockets; datagram ones unless port 0), fails with EPERM before any
 * packet leaves. The decision is left
 * in enf_denied for the syscall's exit (net.bpf.c), which reports it and kills when the rule
 * says kill. Attached only in mode: enforce.
 */
#include "common.bpf.h"
#include "enforce.bpf.h"
#include <bpf/bpf_endian.h>

#define MW_SOCK_ALLOW 1
#define MW_SOCK_DENY  0
#define MW_SOCK_STREAM 1
#define MW_V4_MAPPED_PREFIX 12          /* bytes of ::ffff: before an IPv4 address */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MW_ENF_NETS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mw_enf_net_key);
	__type(value, struct mw_enf_ports);
} enf_net SEC(".maps") __weak;

static __always_inline bool ports_allow(const struct mw_enf_ports *p, __u16 port)
{
	for (__u32 i = 0; i < MW_ENF_PORTS_MAX; i++) {
		if (i >= p->n)
			break;
		if (port >= p->r[i].lo && port <= p->r[i].hi)
			return true;
	}
	return false;
}

static __always_inline struct mw_enf_ports *net_lookup(__u32 pidx, const __u8 *addr)
{
	struct mw_enf_net_key k = { .prefixlen = 32 + 128, .pidx = bpf_htonl(pidx) };

	__builtin_memcpy(k.addr, addr, sizeof(k.addr));
	return bpf_map_lookup_elem(&enf_net, &k);
}

/* Refuse (and leave the verdict for the syscall's exit) when the rule denies or kills. */
static __always_inline int verdict(__u32 pidx, __u32 rule)
{
	__u32 act = enf_rule(pidx, rule) & 0xff;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 v = rule | act << 16;

	if (act == MW_ENF_ALERT)
		return MW_SOCK_ALLOW;
	if (bpf_map_update_elem(&enf_denied, &tid, &v, BPF_ANY))
		count_drop(MW_DROP_ENFORCE_STATE, 0);
	enf_count(rule, MW_ENF_O_DENIAL);
	return MW_SOCK_DENY;
}

/* The tracked root of the current process, 0 when untracked (or enforcement is off). */
static __always_inline __u32 tracked_root(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mw_tracked *t;

	if (!cfg_enforce || !maybe_tracked(tgid))
		return 0;
	t = bpf_map_lookup_elem(&tracked, &tgid);
	return t ? t->root_tgid : 0;
}

static __always_inline int judge_connect(const __u8 *addr, __u16 port)
{
	__u32 root = tracked_root();
	struct mw_enf_server s;
	struct mw_enf_ports *p;

	if (!root)
		return MW_SOCK_ALLOW;
	s = enf_server_of(root);
	if (net_lookup(MW_ENF_PIDX_META, addr))
		return verdict(s.pidx, MW_ENF_NET_METADATA);
	if (!(s.flags & MW_ENF_SPOKE))
		return MW_SOCK_ALLOW;
	p = net_lookup(s.pidx, addr);
	if (p && ports_allow(p, port))
		return MW_SOCK_ALLOW;
	return verdict(s.pidx, MW_ENF_NET_EGRESS);
}

/* :: or ::ffff:0.0.0.0 */
static __always_inline bool is_wildcard(const __u8 *a)
{
	__u8 other = 0;

	for (int i = 0; i < 16; i++)
		if (i != 10 && i != 11)
			other |= a[i];
	return !other && a[10] == a[11] && (a[10] == 0 || a[10] == 0xff);
}

/* A stream socket bound to every interface listens there whatever its port (0 picks one); a
 * datagram socket bound to port 0 is a client's. */
static __always_inline int judge_bind(const __u8 *addr, __u16 port, __u32 type)
{
	__u32 root = tracked_root();

	if (!root || (!port && type != MW_SOCK_STREAM) || !is_wildcard(addr))
		return MW_SOCK_ALLOW;
	return verdict(enf_server_of(root).pidx, MW_ENF_NET_LISTEN_WILDCARD);
}

static __always_inline void v4_mapped(__u32 ip4, __u8 *out)
{
	__builtin_memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	__builtin_memcpy(out + MW_V4_MAPPED_PREFIX, &ip4, 4);
}

static __always_inline void v6_copy(const struct bpf_sock_addr *ctx, __u8 *out)
{
	__u32 w[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	__builtin_memcpy(out, w, 16);
}

SEC("cgroup/connect4")
int mw_connect4(struct bpf_sock_addr *ctx)
{
	__u8 a[16];

	v4_mapped(ctx->user_ip4, a);
	return judge_connect(a, bpf_ntohs((__u16)ctx->user_port));
}

SEC("cgroup/connect6")
int mw_connect6(struct bpf_sock_addr *ctx)
{
	__u8 a[16];

	v6_copy(ctx, a);
	return judge_connect(a, bpf_ntohs((__u16)ctx->user_port));
}

SEC("cgroup/bind4")
int mw_bind4(struct bpf_sock_addr *ctx)
{
	__u8 a[16];

	v4_mapped(ctx->user_ip4, a);
	return judge_bind(a, bpf_ntohs((__u16)ctx->user_port), ctx->type);
}

SEC("cgroup/bind6")
int mw_bind6(struct bpf_sock_addr *ctx)
{
	__u8 a[16];

	v6_copy(ctx, a);
	return judge_bind(a, bpf_ntohs((__u16)ctx->user_port), ctx->type);
}

/*
 * A verdict left by the cgroup programs is taken at the syscall's exit (net.bpf.c). A connect
 * that has no such exit (a TCP fast open through sendto/sendmsg, an io_uring connect) would
 * leave it for the thread's next connect or bind: cleared as each of those starts. Attached
 * with the cgroup programs, when enforcing.
 */
static __always_inline int clear_verdict(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (cfg_enforce)
		bpf_map_delete_elem(&enf_denied, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int mw_enf_connect_enter(void *ctx)
{
	return clear_verdict();
}

SEC("tp/syscalls/sys_enter_bind")
int mw_enf_bind_enter(void *ctx)
{
	return clear_verdict();
}
