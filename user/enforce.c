// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforce.h"
#include "enfpath.h"

#define HOMES_MAX       256u
#define PATHBUF_LEN     4096u
#define PORT_ANY_HI     65535u
#define KDEV_MINOR_BITS 20u

struct enforce {
	const struct policy *p;
	int fd_servers, fd_rules, fd_inodes, fd_names, fd_net, fd_counts;
	json_t *limits;
	char *homes[HOMES_MAX];
	unsigned int nhomes;
};

uint32_t enforce_pidx(const struct policy *p, const struct policy_server *ps)
{
	return ps == &p->defaults ? 0 : (uint32_t)(ps - p->servers) + 1;
}

static uint32_t kdev(dev_t d)
{
	return (major(d) << KDEV_MINOR_BITS) | minor(d);
}

/* ---- writing maps ---- */

/* The inode of path (a missing path names nothing to protect: 0). */
static int put_inode(struct enforce *e, const char *path, uint32_t kind, uint32_t scope,
		     uint32_t access, bool tree)
{
	struct mw_enf_ino_key k = { .kind = kind, .scope = scope };
	struct mw_enf_ino_val v = { .access = access };
	struct stat st;

	if (stat(path, &st))
		return 0;
	k.ino = st.st_ino;
	k.dev = kdev(st.st_dev);
	v.flags = tree && S_ISDIR(st.st_mode) ? MW_ENF_TREE : 0;
	return bpf_map_update_elem(e->fd_inodes, &k, &v, BPF_ANY) ? -errno : 0;
}

/* Merge flags into a name entry. */
static int put_name(struct enforce *e, const struct enfpath *c, uint32_t flags)
{
	struct mw_enf_name_key k;
	uint32_t v = 0;

	memset(&k, 0, sizeof(k));
	memcpy(k.name, c->name, sizeof(k.name));
	memcpy(k.parent, c->parent, sizeof(k.parent));
	bpf_map_lookup_elem(e->fd_names, &k, &v);
	v |= flags;
	return bpf_map_update_elem(e->fd_names, &k, &v, BPF_ANY) ? -errno : 0;
}

static void limit(struct enforce *e, const char *what, const char *glob)
{
	char buf[PATHBUF_LEN];

	snprintf(buf, sizeof(buf), "%s %s", what, glob);
	json_array_append_new(e->limits, json_string(buf));
}

static uint32_t enf_access(unsigned int a)
{
	return ((a & POLICY_ACCESS_READ) ? MW_ENF_READ : 0) |
	       ((a & POLICY_ACCESS_WRITE) ? MW_ENF_WRITE : 0);
}

/* One sensitive or runtime glob (variables expanded) into inodes or names. */
static int put_glob(struct enforce *e, const char *what, const char *glob, uint32_t kind,
		    uint32_t scope, uint32_t access)
{
	struct enfpath c;
	bool sens = kind == MW_ENF_K_SENSITIVE;

	switch (enfpath_compile(glob, &c)) {
	case ENFPATH_EXACT:
		return put_inode(e, c.path, kind, scope, access, false);
	case ENFPATH_TREE:
		return put_inode(e, c.path, kind, scope, access, true);
	case ENFPATH_NAME_ANY:
	case ENFPATH_PAIR_ANY:
		if (sens || !scope)
			return put_name(e, &c, sens ? MW_ENF_ANY : access << MW_ENF_RT_SHIFT);
		break;
	case ENFPATH_NAME_LEAF:
	case ENFPATH_PAIR_LEAF:
		if (sens)
			return put_name(e, &c, MW_ENF_LEAF);
		break;
	default:
		break;
	}
	limit(e, what, glob);
	return 0;
}

static void load_homes(struct enforce *e)
{
	struct passwd *pw;

	setpwent();
	while ((pw = getpwent()) && e->nhomes < HOMES_MAX) {
		bool seen = false;

		if (!pw->pw_dir || pw->pw_dir[0] != '/' || !strcmp(pw->pw_dir, "/"))
			continue;
		for (unsigned int i = 0; i < e->nhomes && !seen; i++)
			seen = !strcmp(e->homes[i], pw->pw_dir);
		if (!seen && (e->homes[e->nhomes] = strdup(pw->pw_dir)))
			e->nhomes++;
	}
	endpwent();
}

/* A global glob; "$HOME" expands to every home directory of the host. */
static int put_global(struct enforce *e, const char *what, const char *glob, uint32_t kind,
		      uint32_t access)
{
	char buf[PATHBUF_LEN];
	int rc = 0;

	if (!strncmp(glob, "/proc/self", strlen("/proc/self")))
		return 0;       /* procfs files are not judged out of scope in the kernel */
	if (glob[0] != '$')
		return put_glob(e, what, glob, kind, 0, access);
	if (strncmp(glob, "$HOME", strlen("$HOME")))
		return 0;       /* per server: see enforce_server() */
	for (unsigned int i = 0; !rc && i < e->nhomes; i++)
		if (detect_expand(glob, e->homes[i], NULL, NULL, buf, sizeof(buf)))
			rc = put_glob(e, what, buf, kind, 0, access);
	return rc;
}

/* ---- rules, exec allow lists, networks ---- */

static const struct policy_server *entry(const struct policy *p, uint32_t pidx)
{
	return pidx ? &p->servers[pidx - 1] : &p->defaults;
}

/* The kernel's rule ids are the policy's (enum mw_enf_rule mirrors enum policy_rule). */
_Static_assert(MW_ENF_EXEC_SPAWN == (int)POLICY_EXEC_SPAWN &&
	       MW_ENF_FILE_OUT_OF_SCOPE == (int)POLICY_FILE_OUT_OF_SCOPE &&
	       MW_ENF_FILE_SENSITIVE == (int)POLICY_FILE_SENSITIVE &&
	       MW_ENF_RULES >= (int)POLICY_RULE__COUNT, "rule ids of kernel and policy");

static uint32_t rule_value(const struct policy *p, const struct policy_rule_cfg *c)
{
	uint32_t v;

	if (!c->enabled || !policy_enforces(p, c))
		return MW_ENF_ALERT;
	v = c->action == POLICY_ACTION_KILL ? MW_ENF_KILL : MW_ENF_DENY;
	return v | (c->scope == POLICY_SCOPE_SERVER ? MW_ENF_SCOPE_SERVER : 0);
}

static int put_rules(struct enforce *e, uint32_t pidx)
{
	const struct policy_server *ps = entry(e->p, pidx);

	for (uint32_t r = 0; r < POLICY_RULE__COUNT; r++) {
		uint32_t k = pidx * MW_ENF_RULES + r, v = rule_value(e->p, &ps->rules[r]);

		if (bpf_map_update_elem(e->fd_rules, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int put_exec_allow(struct enforce *e, uint32_t pidx)
{
	const struct policy_server *ps = entry(e->p, pidx);
	int rc = 0;

	for (unsigned int i = 0; !rc && i < ps->nexec_allow; i++) {
		const char *g = ps->exec_allow[i].glob;
		struct enfpath c;

		if (enfpath_compile(g, &c) == ENFPATH_EXACT || c.shape == ENFPATH_TREE)
			rc = put_inode(e, c.path, MW_ENF_K_EXEC, pidx, 0, c.shape == ENFPATH_TREE);
		else
			limit(e, "exec.allow", g);
	}
	return rc;
}

static bool cidr_within(const struct match_cidr *inner, const struct match_cidr *outer)
{
	return inner->prefix >= outer->prefix && match_cidr_contains(outer, inner->addr);
}

/* One LPM entry per CIDR of pidx, holding the ports of every entry that contains it (the
 * trie answers with the longest match only). */
static int put_egress(struct enforce *e, uint32_t pidx)
{
	const struct policy_server *ps = entry(e->p, pidx);

	for (unsigned int i = 0; i < ps->negress; i++) {
		struct mw_enf_net_key k = { .prefixlen = 32 + ps->egress[i].cidr.prefix,
					    .pidx = htonl(pidx) };
		struct mw_enf_ports v = { 0 };

		memcpy(k.addr, ps->egress[i].cidr.addr, sizeof(k.addr));
		for (unsigned int j = 0; j < ps->negress; j++) {
			if (!cidr_within(&ps->egress[i].cidr, &ps->egress[j].cidr))
				continue;
			if (v.n == MW_ENF_PORTS_MAX) {
				limit(e, "egress ports of", "an entry with more than 16 ranges");
				break;
			}
			v.r[v.n].lo = ps->egress[j].ports.lo;
			v.r[v.n++].hi = ps->egress[j].ports.hi;
		}
		if (bpf_map_update_elem(e->fd_net, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int put_metadata(struct enforce *e)
{
	for (unsigned int i = 0; i < e->p->nmetadata; i++) {
		struct mw_enf_net_key k = { .prefixlen = 32 + e->p->metadata[i].prefix,
					    .pidx = htonl(MW_ENF_PIDX_META) };
		struct mw_enf_ports v = { .n = 1, .r = { { 0, PORT_ANY_HI } } };

		memcpy(k.addr, e->p->metadata[i].addr, sizeof(k.addr));
		if (bpf_map_update_elem(e->fd_net, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int put_paths(struct enforce *e)
{
	const struct policy *p = e->p;
	int rc = 0;

	for (unsigned int i = 0; !rc && i < p->nsensitive; i++)
		rc = put_global(e, "sensitive", p->sensitive[i].glob, MW_ENF_K_SENSITIVE, 0);
	for (unsigned int i = 0; !rc && i < p->nruntime; i++)
		rc = put_global(e, "runtime", p->runtime[i].glob, MW_ENF_K_RUNTIME,
				enf_access(p->runtime[i].access));
	return rc;
}

static int open_maps(struct enforce *e, struct loader *l)
{
	e->fd_servers = loader_map_fd(l, "enf_servers");
	e->fd_rules = loader_map_fd(l, "enf_rules");
	e->fd_inodes = loader_map_fd(l, "enf_inodes");
	e->fd_names = loader_map_fd(l, "enf_names");
	e->fd_net = loader_map_fd(l, "enf_net");
	e->fd_counts = loader_map_fd(l, "enf_counts");
	return e->fd_servers < 0 || e->fd_rules < 0 || e->fd_inodes < 0 || e->fd_names < 0 ||
	       e->fd_net < 0 || e->fd_counts < 0 ? -ENOENT : 0;
}

struct enforce *enforce_new(const struct policy *p, struct loader *l, struct mw_error *err)
{
	struct enforce *e = calloc(1, sizeof(*e));
	int rc;

	if (!e || !(e->limits = json_array())) {
		free(e);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	e->p = p;
	rc = open_maps(e, l);
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "the BPF object has no enforcement maps");
		enforce_free(e);
		return NULL;
	}
	if (p->nservers + 1 > MW_ENF_POLICIES_MAX) {
		snprintf(err->msg, sizeof(err->msg), "policy %s: more than %u server entries "
			 "cannot be enforced", p->source, MW_ENF_POLICIES_MAX - 1);
		enforce_free(e);
		return NULL;
	}
	load_homes(e);
	for (uint32_t i = 0; !rc && i <= p->nservers; i++) {
		rc = put_rules(e, i);
		if (!rc)
			rc = put_exec_allow(e, i);
		if (!rc)
			rc = put_egress(e, i);
	}
	if (!rc)
		rc = put_metadata(e);
	if (!rc)
		rc = put_paths(e);
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "cannot write the enforcement maps: %s",
			 strerror(-rc));
		enforce_free(e);
		return NULL;
	}
	return e;
}

void enforce_free(struct enforce *e)
{
	if (!e)
		return;
	for (unsigned int i = 0; i < e->nhomes; i++)
		free(e->homes[i]);
	json_decref(e->limits);
	free(e);
}

/* ---- servers ---- */

/* Runtime entries that name the server's own package or its interpreter's prefix. */
static int put_server_runtime(struct enforce *e, const struct detect_server *s)
{
	char prefix[PATHBUF_LEN], buf[PATHBUF_LEN];
	const char *x;
	int rc = 0;

	if (!s->exe || detect_runtime_prefix(s->exe, prefix, sizeof(prefix)))
		prefix[0] = '\0';
	for (unsigned int i = 0; !rc && i < e->p->nruntime; i++) {
		const char *g = e->p->runtime[i].glob;

		if (strncmp(g, "$SERVER_PACKAGE", 15) && strncmp(g, "$RUNTIME_PREFIX", 15))
			continue;
		x = detect_expand(g, NULL, s->package, prefix[0] ? prefix : NULL, buf, sizeof(buf));
		if (x)
			rc = put_glob(e, "runtime", x, MW_ENF_K_RUNTIME, s->root,
				      enf_access(e->p->runtime[i].access));
	}
	return rc;
}

/* Is (dev, ino) one of the server's current roots? */
static bool is_current_root(const struct detect_server *s, const struct mw_enf_ino_key *k)
{
	struct stat st;

	for (unsigned int o = 0; o < DETECT_ROOT__COUNT; o++)
		for (unsigned int i = 0; i < s->nroots[o]; i++)
			if (!stat(s->roots[o][i], &st) && st.st_ino == k->ino &&
			    kdev(st.st_dev) == k->dev)
				return true;
	return false;
}

typedef bool (*stale_fn)(const struct detect_server *s, uint32_t root,
			 const struct mw_enf_ino_key *k);

/* Delete the inode entries stale() picks: collected first, since deleting while walking a
 * hash map restarts the walk. */
static void delete_stale(struct enforce *e, const struct detect_server *s, uint32_t root,
			 stale_fn stale)
{
	struct mw_enf_ino_key k, next, *prev = NULL, *del = NULL, *grown;
	size_t n = 0, cap = 0;

	while (!bpf_map_get_next_key(e->fd_inodes, prev, &next)) {
		k = next;
		prev = &k;
		if (!stale(s, root, &next))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(del, cap * sizeof(*del));
			if (!grown)
				break;
			del = grown;
		}
		del[n++] = next;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(e->fd_inodes, &del[i]);
	free(del);
}

static bool stale_root(const struct detect_server *s, uint32_t root,
		       const struct mw_enf_ino_key *k)
{
	return k->scope == root && k->kind == MW_ENF_K_ROOT && !is_current_root(s, k);
}

static bool scoped_to(const struct detect_server *s, uint32_t root,
		      const struct mw_enf_ino_key *k)
{
	return k->scope == root && (k->kind == MW_ENF_K_ROOT || k->kind == MW_ENF_K_RUNTIME);
}

/* Roots the server no longer has (a new roots/list answer) leave the map, after the new ones
 * are in: there is no moment with neither. */
static void prune_roots(struct enforce *e, const struct detect_server *s)
{
	delete_stale(e, s, s->root, stale_root);
}

int enforce_server(struct enforce *e, const struct detect_server *s)
{
	struct mw_enf_server v = { .pidx = enforce_pidx(e->p, s->ps),
				   .flags = s->spoke ? MW_ENF_SPOKE : 0 };
	int rc = 0, r;

	/* Fail closed: the server's entry is written whatever else failed, so a root or runtime
	 * path missing from a full map means kills, not a server judged as if it had no roots. */
	for (unsigned int o = 0; o < DETECT_ROOT__COUNT; o++) {
		for (unsigned int i = 0; i < s->nroots[o]; i++) {
			v.flags |= MW_ENF_HAS_ROOTS;
			r = put_inode(e, s->roots[o][i], MW_ENF_K_ROOT, s->root, 0, true);
			rc = rc ? rc : r;
		}
	}
	r = put_server_runtime(e, s);
	rc = rc ? rc : r;
	if (bpf_map_update_elem(e->fd_servers, &s->root, &v, BPF_ANY))
		rc = -errno;
	else if (!rc)
		prune_roots(e, s);
	return rc;
}

/* Forget a server: its entry and every inode scoped to it. */
void enforce_forget(struct enforce *e, uint32_t root)
{
	bpf_map_delete_elem(e->fd_servers, &root);
	delete_stale(e, NULL, root, scoped_to);
}

json_t *enforce_limits(const struct enforce *e)
{
	return json_incref(e->limits);
}

json_t *enforce_stats(const struct enforce *e)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mw_enf_count *per = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*per)) : NULL;
	json_t *o = json_object();

	for (uint32_t r = 0; per && r < POLICY_RULE__COUNT; r++) {
		uint64_t kills = 0, denials = 0, holds = 0;

		if (bpf_map_lookup_elem(e->fd_counts, &r, per))
			continue;
		for (int c = 0; c < ncpu; c++) {
			kills += per[c].kills;
			denials += per[c].denials;
			holds += per[c].holds;
		}
		json_object_set_new(o, policy_rule_name(r), json_pack("{s:I, s:I, s:I}", "kills",
				    (json_int_t)kills, "denials", (json_int_t)denials, "holds",
				    (json_int_t)holds));
	}
	free(per);
	return o;
}
