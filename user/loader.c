// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/capability.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "mcpwarden.skel.h"
#include "pin.h"

#define BTF_PATH        "/sys/kernel/btf/vmlinux"
#define TRACEFS_PATH    "/sys/kernel/tracing"
#define TRACEFS_PROBE   TRACEFS_PATH "/events/syscalls"
#define CGROUP2_OWN     "/run/mcpwarden/cgroup2"     /* where cgroup v2 is mounted if nowhere */
#define MOUNTINFO       "/proc/self/mountinfo"
#define MOUNT_LINE_MAX  4096
#define CGROUP_SECTION  "cgroup/"
#define ENFORCE_PROG_PREFIX "mw_enf_"
#define NS_PER_S            1000000000ull
#define MISSES_PERIOD_NS    NS_PER_S    /* program info (recursion_misses) read at most this often */

#define DETACH_THREADS    8   /* links destroyed at once at the end (see detach_all) */
#define SIGNAL_TASK_KFUNC "bpf_send_signal_task"
#define RDONLY_CAST_KFUNC "bpf_rdonly_cast"

/* The maps that outlive a run. */
enum { PIN_TRACKED, PIN_CHANNELS, PIN_WRITERS, PIN_HELD, PIN_MAPS };

struct loader {
	struct mcpwarden_bpf *skel;
	bool attach_cgroup;
	bool fork_kill;                 /* mw_fork_kill loaded (the kernel has SIGNAL_TASK_KFUNC) */
	bool btf_walk;                  /* cfg_btf_walk set (the kernel has RDONLY_CAST_KFUNC) */
	int cgroup_fd;                  /* the cgroup v2 root, -1 until needed */
	unsigned int nprogs;
	struct bpf_program **progs;
	struct bpf_link **links;
	int pin_fd;                     /* the locked pin directory, -1 when not pinning */
	struct pin_map pins[PIN_MAPS];
	uint64_t *tracked_bits;         /* the kernel's tracked_bits map, mmapped after load */
	uint64_t misses;                /* prog_misses() when last read, at misses_ns */
	uint64_t misses_ns;
};

int loader_fail(struct mw_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : -rc;
}

static const char *errstr(int rc)
{
	return strerror(rc < 0 ? -rc : rc);
}

/* Syscall tracepoints are attached through tracefs ids: mount it when nobody did. */
static int ensure_tracefs(struct mw_error *err)
{
	if (access(TRACEFS_PROBE, F_OK) == 0)
		return 0;
	if (access(TRACEFS_PATH, F_OK) != 0)
		return loader_fail(err, ENOENT, "cannot find %s: this kernel has no tracefs",
				   TRACEFS_PATH);
	if (mount("tracefs", TRACEFS_PATH, "tracefs", 0, NULL) != 0)
		return loader_fail(err, errno, "cannot mount tracefs on %s: %s", TRACEFS_PATH,
				   strerror(errno));
	if (access(TRACEFS_PROBE, F_OK) != 0)
		return loader_fail(err, ENOENT, "no syscall tracepoints under %s: kernel built "
				   "without CONFIG_FTRACE_SYSCALLS", TRACEFS_PROBE);
	return 0;
}

static bool has_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &hdr, data) != 0 || cap / 32 >= _LINUX_CAPABILITY_U32S_3)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

static int check_environment(struct mw_error *err)
{
	if (!has_cap(CAP_SYS_ADMIN) && !(has_cap(CAP_BPF) && has_cap(CAP_PERFMON)))
		return loader_fail(err, EPERM, "not enough privilege to load BPF programs: run as "
				   "root (or with CAP_BPF and CAP_PERFMON; effective uid is %u)",
				   (unsigned int)geteuid());
	if (access(BTF_PATH, R_OK) != 0)
		return loader_fail(err, errno, "kernel BTF not readable at %s (%s): a kernel built "
				   "with CONFIG_DEBUG_INFO_BTF=y is required", BTF_PATH,
				   strerror(errno));
	return ensure_tracefs(err);
}

/* A mount point of the cgroup v2 root, from mountinfo ("... - cgroup2 ..." with root "/"). */
static int find_cgroup2(char *out, size_t size)
{
	char line[MOUNT_LINE_MAX], root[MOUNT_LINE_MAX], mnt[MOUNT_LINE_MAX];
	FILE *f = fopen(MOUNTINFO, "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11) ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 || strcmp(root, "/"))
			continue;
		snprintf(out, size, "%s", mnt);
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* The cgroup v2 root, mounted on CGROUP2_OWN when the host has it nowhere (cgroup v1). */
static int open_cgroup2(struct mw_error *err)
{
	char path[MOUNT_LINE_MAX];
	int fd;

	if (find_cgroup2(path, sizeof(path))) {
		snprintf(path, sizeof(path), "%s", CGROUP2_OWN);
		if ((mkdir("/run/mcpwarden", 0700) && errno != EEXIST) ||
		    (mkdir(CGROUP2_OWN, 0700) && errno != EEXIST))
			return loader_fail(err, errno, "cannot create %s: %s", CGROUP2_OWN,
					   strerror(errno));
		if (mount("cgroup2", CGROUP2_OWN, "cgroup2", 0, NULL))
			return loader_fail(err, errno, "cannot mount cgroup v2 on %s: %s (network "
					   "enforcement needs it)", CGROUP2_OWN, strerror(errno));
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return loader_fail(err, errno, "cannot open the cgroup v2 root %s: %s", path,
				   strerror(errno));
	return fd;
}

int loader_open(struct loader **out, struct mw_error *err)
{
	struct loader *l;
	struct bpf_program *p;
	int rc = check_environment(err);

	if (rc)
		return rc;
	l = calloc(1, sizeof(*l));
	if (!l)
		return loader_fail(err, ENOMEM, "out of memory");
	l->cgroup_fd = -1;
	l->pin_fd = -1;
	l->skel = mcpwarden_bpf__open();
	if (!l->skel) {
		rc = -errno;
		free(l);
		return loader_fail(err, rc, "cannot open the BPF object: %s", errstr(rc));
	}
	bpf_object__for_each_program(p, l->skel->obj)
		l->nprogs++;
	l->progs = calloc(l->nprogs, sizeof(*l->progs));
	l->links = calloc(l->nprogs, sizeof(*l->links));
	if (!l->progs || !l->links) {
		loader_close(l);
		return loader_fail(err, ENOMEM, "out of memory");
	}
	l->nprogs = 0;
	bpf_object__for_each_program(p, l->skel->obj)
		l->progs[l->nprogs++] = p;
	*out = l;
	return 0;
}

/* The maps an earlier run pinned in dir, reused when their layout matches (before load). */
static int reuse_pins(struct loader *l, const char *dir, struct mw_error *err)
{
	struct bpf_map *maps[PIN_MAPS] = {
		[PIN_TRACKED] = l->skel->maps.tracked, [PIN_CHANNELS] = l->skel->maps.channels,
		[PIN_WRITERS] = l->skel->maps.writers, [PIN_HELD] = l->skel->maps.enf_held,
	};
	int rc = pin_dir_open(dir, err);

	if (rc < 0)
		return rc;
	l->pin_fd = rc;
	for (unsigned int i = 0; i < PIN_MAPS; i++) {
		rc = pin_map_open(&l->pins[i], maps[i], dir, err);
		if (rc) {
			pin_maps_close(l->pins, i + 1);
			return rc;
		}
	}
	return pin_maps_decide(l->pins, PIN_MAPS, err);
}

static int commit_pins(struct loader *l, struct mw_error *err)
{
	int rc = 0;

	for (unsigned int i = 0; l->pin_fd >= 0 && !rc && i < PIN_MAPS; i++)
		rc = pin_map_commit(&l->pins[i], err);
	return rc;
}

/* Does the kernel's BTF (vmlinux) have this kfunc? (A feature probe: no program is loaded.) */
static bool has_kfunc(const struct btf *vmlinux, const char *name)
{
	return vmlinux && btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) >= 0;
}

/* Exactly one of the two fork programs: mw_fork_kill (a child the full tracked map cannot
 * hold is killed under enforcement) where the kernel has bpf_send_signal_task, else mw_fork.
 * The other is neither loaded nor listed. */
static void choose_fork_prog(struct loader *l, const struct btf *vmlinux)
{
	unsigned int n = 0;

	l->fork_kill = has_kfunc(vmlinux, SIGNAL_TASK_KFUNC);
	bpf_program__set_autoload(l->skel->progs.mw_fork_kill, l->fork_kill);
	bpf_program__set_autoload(l->skel->progs.mw_fork, !l->fork_kill);
	for (unsigned int i = 0; i < l->nprogs; i++)
		if (bpf_program__autoload(l->progs[i]))
			l->progs[n++] = l->progs[i];
	l->nprogs = n;
}

/* The kfuncs the programs can use on this kernel (vmlinux BTF parsed once). */
static void probe_kfuncs(struct loader *l, const struct loader_opts *o)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();

	choose_fork_prog(l, vmlinux);
	l->btf_walk = !o->probe_reads && has_kfunc(vmlinux, RDONLY_CAST_KFUNC);
	l->skel->rodata->cfg_btf_walk = l->btf_walk;
	btf__free(vmlinux);
}

bool loader_btf_walk(const struct loader *l)
{
	return l->btf_walk;
}

bool loader_fork_kill(const struct loader *l)
{
	return l->fork_kill;
}

int loader_configure(struct loader *l, const struct loader_opts *o, struct mw_error *err)
{
	int rc;

	if (l->skel->rodata->mw_abi_version != MW_ABI_VERSION)
		return loader_fail(err, EPROTO, "BPF object speaks event ABI %u, this collector "
				   "ABI %u: rebuild both", l->skel->rodata->mw_abi_version,
				   MW_ABI_VERSION);
	l->skel->rodata->cfg_self_tgid = o->self_tgid;
	l->skel->rodata->cfg_exec_all = o->exec_all;
	l->skel->rodata->cfg_detect = o->detect;
	l->skel->rodata->cfg_enforce = o->enforce;
	l->attach_cgroup = o->attach_cgroup;
	probe_kfuncs(l, o);
	rc = bpf_map__set_max_entries(l->skel->maps.events, o->ringbuf_mb << 20);
	if (rc)
		return loader_fail(err, rc, "cannot size ring buffer to %u MiB: %s", o->ringbuf_mb,
				   errstr(rc));
	return o->pin_dir ? reuse_pins(l, o->pin_dir, err) : 0;
}

/* Every entry of a map: keys first (an entry fn removes does not upset the walk). */
static int map_each(const struct bpf_map *m, void (*fn)(void *ctx, const void *key,
		    const void *val), void *ctx)
{
	size_t ksz = bpf_map__key_size(m), vsz = bpf_map__value_size(m);
	unsigned char *keys = calloc(bpf_map__max_entries(m), ksz), *val = calloc(1, vsz);
	unsigned int n = 0;
	int rc = 0;

	if (!keys || !val)
		rc = -ENOMEM;
	while (!rc && n < bpf_map__max_entries(m) &&
	       !bpf_map__get_next_key(m, n ? keys + (n - 1) * ksz : NULL, keys + n * ksz, ksz))
		n++;
	for (unsigned int i = 0; !rc && i < n; i++)
		if (!bpf_map__lookup_elem(m, keys + i * ksz, ksz, val, vsz, 0))
			fn(ctx, keys + i * ksz, val);
	free(keys);
	free(val);
	return rc;
}

#define TRACKED_BITS_BYTES ((size_t)MW_TRACKED_BITS_WORDS * sizeof(uint64_t))

static void bit_set(uint64_t *bits, uint32_t tgid)
{
	if (tgid < MW_PID_LIMIT)
		__atomic_fetch_or(&bits[tgid / 64], 1ull << (tgid % 64), __ATOMIC_SEQ_CST);
}

static void inherited_bit(void *ctx, const void *key, const void *val)
{
	uint32_t tgid;

	(void)val;
	memcpy(&tgid, key, sizeof(tgid));
	bit_set(ctx, tgid);
}

/* Map the tracked-process bitmap and set the bit of every entry a pinned tracked map brought
 * from an earlier run (before any program runs: the bitmap itself is not pinned). */
static int map_tracked_bits(struct loader *l, struct mw_error *err)
{
	void *p = mmap(NULL, TRACKED_BITS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(l->skel->maps.tracked_bits), 0);
	int rc;

	if (p == MAP_FAILED)
		return loader_fail(err, errno, "cannot map the tracked-process bitmap "
				   "(tracked_bits, %zu bytes): %s", TRACKED_BITS_BYTES,
				   strerror(errno));
	l->tracked_bits = p;
	rc = map_each(l->skel->maps.tracked, inherited_bit, p);
	if (rc)
		return loader_fail(err, rc, "cannot read the pinned tracked-process map: %s",
				   errstr(rc));
	return 0;
}

int loader_load(struct loader *l, struct mw_error *err)
{
	int rc = mcpwarden_bpf__load(l->skel);

	if (!rc) {
		rc = map_tracked_bits(l, err);
		return rc ? rc : commit_pins(l, err);
	}
	if (rc == -EPERM)
		return loader_fail(err, rc, "cannot load BPF programs: operation not permitted "
				   "(needs CAP_BPF and CAP_PERFMON; locked-down kernel or memlock "
				   "limit?)");
	if (rc == -ENOMEM)
		return loader_fail(err, rc, "cannot load BPF programs: out of memory (ring buffer "
				   "too large, or RLIMIT_MEMLOCK too low)");
	return loader_fail(err, rc, "cannot load BPF programs: %s (run with -v for the verifier "
			   "log)", errstr(rc));
}

static bool is_cgroup_prog(const struct bpf_program *p)
{
	return !strncmp(bpf_program__section_name(p), CGROUP_SECTION, strlen(CGROUP_SECTION));
}

/* The cgroup programs and their helpers (named mw_enf_*): attached only to enforce or check. */
static bool is_enforce_prog(const struct bpf_program *p)
{
	return is_cgroup_prog(p) || !strncmp(bpf_program__name(p), ENFORCE_PROG_PREFIX,
					     strlen(ENFORCE_PROG_PREFIX));
}

/* A cgroup program on the cgroup v2 root; NULL (errno set) on failure. */
static struct bpf_link *attach_cgroup(struct loader *l, struct bpf_program *p,
				      struct mw_error *err)
{
	if (l->cgroup_fd < 0) {
		int fd = open_cgroup2(err);

		if (fd < 0) {
			errno = -fd;
			return NULL;
		}
		l->cgroup_fd = fd;
	}
	return bpf_program__attach_cgroup(p, l->cgroup_fd);
}

int loader_attach(struct loader *l, struct mw_error *err)
{
	for (unsigned int i = 0; i < l->nprogs; i++) {
		struct bpf_link *link;

		if (is_enforce_prog(l->progs[i]) && !l->attach_cgroup)
			continue;       /* monitor mode: no cost on every connect of the host */
		err->msg[0] = '\0';
		link = is_cgroup_prog(l->progs[i]) ? attach_cgroup(l, l->progs[i], err)
						   : bpf_program__attach(l->progs[i]);
		if (!link && err->msg[0])
			return -errno;
		if (!link) {
			int rc = -errno;

			return loader_fail(err, rc, "cannot attach '%s' (%s): %s",
					   bpf_program__name(l->progs[i]),
					   bpf_program__section_name(l->progs[i]), errstr(rc));
		}
		l->links[i] = link;
	}
	return 0;
}

struct detach_job {
	struct bpf_link **links;
	unsigned int n;
	unsigned int next;      /* the next link to destroy, taken atomically */
};

static void *detach_worker(void *arg)
{
	struct detach_job *j = arg;
	unsigned int i;

	while ((i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED)) < j->n) {
		bpf_link__destroy(j->links[i]);
		j->links[i] = NULL;
	}
	return NULL;
}

/* Destroys every link, from several threads. Closing a syscall tracepoint's perf event waits
 * in the kernel for RCU grace periods (70-90 ms each on the VMs measured, more than 3 s for
 * mcpwarden's links in a row); the kernel still runs those closes one after the other, but the
 * rest of the work overlaps them (exit 4.0-4.9 s -> 3.1-3.2 s, docs/performance.md). This
 * thread works too, and alone if no thread can be started. */
static void detach_all(struct bpf_link **links, unsigned int n)
{
	struct detach_job job = { .links = links, .n = n, .next = 0 };
	pthread_t threads[DETACH_THREADS - 1];
	unsigned int started = 0;

	while (started < DETACH_THREADS - 1 && started + 1 < n &&
	       !pthread_create(&threads[started], NULL, detach_worker, &job))
		started++;
	detach_worker(&job);
	for (unsigned int k = 0; k < started; k++)
		pthread_join(threads[k], NULL);
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	if (l->links)
		detach_all(l->links, l->nprogs);
	if (l->tracked_bits)
		munmap(l->tracked_bits, TRACKED_BITS_BYTES);
	mcpwarden_bpf__destroy(l->skel);
	if (l->cgroup_fd >= 0)
		close(l->cgroup_fd);
	if (l->pin_fd >= 0)
		close(l->pin_fd);         /* the lock goes; the pins stay for the next run */
	free(l->links);
	free(l->progs);
	free(l);
}

unsigned int loader_program_count(const struct loader *l)
{
	return l->nprogs;
}

unsigned int loader_attached_count(const struct loader *l)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->nprogs; i++)
		n += l->links[i] != NULL;
	return n;
}

const char *loader_program_name(const struct loader *l, unsigned int i)
{
	return i < l->nprogs ? bpf_program__name(l->progs[i]) : NULL;
}

const char *loader_program_section(const struct loader *l, unsigned int i)
{
	return i < l->nprogs ? bpf_program__section_name(l->progs[i]) : NULL;
}

bool loader_program_attached(const struct loader *l, unsigned int i)
{
	return i < l->nprogs && l->links[i] && bpf_program__fd(l->progs[i]) >= 0;
}

int loader_events_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

int loader_track(struct loader *l, uint32_t tgid, uint64_t start_ns, uint32_t root,
		 enum mw_track_reason reason)
{
	struct mw_tracked t = {
		.start_tick = start_ns / MW_NS_PER_TICK,
		.root_tgid = root,
		.reason = reason,
	};

	bit_set(l->tracked_bits, tgid);         /* first, as the programs do (tracked_bits) */
	return bpf_map__update_elem(l->skel->maps.tracked, &tgid, sizeof(tgid), &t, sizeof(t),
				    BPF_ANY);
}

bool loader_writer_marked(const struct loader *l, uint64_t end)
{
	struct mw_writer w;

	return !bpf_map__lookup_elem(l->skel->maps.writers, &end, sizeof(end), &w, sizeof(w), 0);
}

bool loader_tracked_bit(const struct loader *l, uint32_t tgid)
{
	return tgid >= MW_PID_LIMIT ||
	       (__atomic_load_n(&l->tracked_bits[tgid / 64], __ATOMIC_RELAXED) >> (tgid % 64)) & 1;
}

bool loader_is_tracked(const struct loader *l, uint32_t tgid)
{
	struct mw_tracked t;

	return bpf_map__lookup_elem(l->skel->maps.tracked, &tgid, sizeof(tgid), &t, sizeof(t),
				    0) == 0;
}

int loader_untrack(struct loader *l, uint32_t tgid)
{
	return bpf_map__delete_elem(l->skel->maps.tracked, &tgid, sizeof(tgid), 0);
}

struct typed_walk {
	void (*tracked)(void *ctx, uint32_t tgid, const struct mw_tracked *t);
	void (*channel)(void *ctx, uint64_t chan, const struct mw_channel *c);
	void (*held)(void *ctx, uint32_t tgid, uint64_t start_ns);
	void *ctx;
};

static void tracked_entry(void *ctx, const void *key, const void *val)
{
	const struct typed_walk *w = ctx;
	uint32_t tgid;

	memcpy(&tgid, key, sizeof(tgid));
	w->tracked(w->ctx, tgid, val);
}

static void channel_entry(void *ctx, const void *key, const void *val)
{
	const struct typed_walk *w = ctx;
	uint64_t chan;

	memcpy(&chan, key, sizeof(chan));
	w->channel(w->ctx, chan, val);
}

int loader_tracked_each(struct loader *l, void (*fn)(void *ctx, uint32_t tgid,
			const struct mw_tracked *t), void *ctx)
{
	struct typed_walk w = { .tracked = fn, .ctx = ctx };

	return map_each(l->skel->maps.tracked, tracked_entry, &w);
}

int loader_channels_each(struct loader *l, void (*fn)(void *ctx, uint64_t chan,
			 const struct mw_channel *c), void *ctx)
{
	struct typed_walk w = { .channel = fn, .ctx = ctx };

	return map_each(l->skel->maps.channels, channel_entry, &w);
}

const struct pin_map *loader_pins(const struct loader *l, unsigned int *n)
{
	*n = l->pin_fd >= 0 ? PIN_MAPS : 0;
	return l->pins;
}

static void held_entry(void *ctx, const void *key, const void *val)
{
	const struct typed_walk *w = ctx;
	uint32_t tgid;
	uint64_t start;

	memcpy(&tgid, key, sizeof(tgid));
	memcpy(&start, val, sizeof(start));
	w->held(w->ctx, tgid, start);
}

int loader_held_each(struct loader *l, void (*fn)(void *ctx, uint32_t tgid, uint64_t start_ns),
		     void *ctx)
{
	struct typed_walk w = { .held = fn, .ctx = ctx };

	return map_each(l->skel->maps.enf_held, held_entry, &w);
}

void loader_held_settled(struct loader *l, uint32_t tgid)
{
	bpf_map__delete_elem(l->skel->maps.enf_held, &tgid, sizeof(tgid), 0);
}

int loader_map_fd(const struct loader *l, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(l->skel->obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

/* Runs of our programs the kernel skipped (a program already running on that CPU). */
static uint64_t prog_misses(const struct loader *l)
{
	struct bpf_program *p;
	uint64_t n = 0;

	bpf_object__for_each_program(p, l->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

/* prog_misses() as of at most MISSES_PERIOD_NS ago (now when fresh): reading every program's
 * info is far dearer than the drops map, and the losses are read every poll. */
static uint64_t misses_of(struct loader *l, bool fresh)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	if (fresh || !l->misses_ns || now - l->misses_ns >= MISSES_PERIOD_NS) {
		l->misses = prog_misses(l);
		l->misses_ns = now;
	}
	return l->misses;
}

/* Every reason's per-CPU counters in per[reason * ncpu + cpu]: one batched lookup (this is
 * read at every poll), else one lookup per reason. */
static void read_drop_counters(struct loader *l, struct mw_drop *per, int ncpu)
{
	int fd = bpf_map__fd(l->skel->maps.drops);
	uint32_t keys[MW_DROP__COUNT], out_batch = 0, count = MW_DROP__COUNT;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	int err = bpf_map_lookup_batch(fd, NULL, &out_batch, keys, per, &count, &opts);
	bool batched = (!err || errno == ENOENT) && count == MW_DROP__COUNT;

	for (uint32_t r = 0; r < MW_DROP__COUNT; r++) {
		if (batched && keys[r] == r)
			continue;
		if (bpf_map_lookup_elem(fd, &r, per + (size_t)r * (size_t)ncpu))
			memset(per + (size_t)r * (size_t)ncpu, 0, sizeof(*per) * (size_t)ncpu);
	}
}

int loader_read_drops(struct loader *l, struct mw_drop out[MW_DROP__COUNT], bool fresh)
{
	int ncpu = libbpf_num_possible_cpus();
	struct mw_drop *per;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc((size_t)ncpu * MW_DROP__COUNT, sizeof(*per));
	if (!per)
		return -ENOMEM;
	read_drop_counters(l, per, ncpu);
	for (uint32_t r = 0; r < MW_DROP__COUNT; r++) {
		const struct mw_drop *pr = per + (size_t)r * (size_t)ncpu;

		out[r].count = out[r].bytes = 0;
		if (r == MW_DROP_PROG_MISSED) {
			out[r].count = misses_of(l, fresh);
			continue;
		}
		for (int c = 0; c < ncpu; c++) {
			out[r].count += pr[c].count;
			out[r].bytes += pr[c].bytes;
		}
	}
	free(per);
	return 0;
}
