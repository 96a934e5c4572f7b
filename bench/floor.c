// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * floor: the lowest cost any program on mcpwarden's syscall tracepoints can have. It attaches
 * an empty BPF program (return 0) to every tracepoint that mcpwarden's BPF object hooks under
 * tp/syscalls/, the way libbpf attaches mcpwarden's own (a perf event per tracepoint, the
 * program set on it), and holds them until SIGINT or SIGTERM. bench/run.sh runs the untracked
 * loops under it as the "floor" variant: what the kernel charges a syscall for running any
 * program there, before mcpwarden does any work of its own.
 *
 *   floor MCPWARDEN_BPF_OBJECT
 *
 * Prints {"event":"ready","tracepoints":[...]} once everything is attached. Exit status 1,
 * with a line naming what failed, if anything cannot be loaded or attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define SYSCALL_SECTION "tp/syscalls/"
#define TRACEFS         "/sys/kernel/tracing"
#define MAX_TRACEPOINTS 64
#define PATH_LEN        256

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int fail(const char *what, const char *on, int err)
{
	fprintf(stderr, "floor: %s %s: %s\n", what, on, strerror(err));
	return 1;
}

/* The tracepoint's id from tracefs (mounted here when it is not). */
static long tracepoint_id(const char *name)
{
	char path[PATH_LEN];
	long id = -1;
	FILE *f;

	if (access(TRACEFS "/events", F_OK) && mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	snprintf(path, sizeof(path), TRACEFS "/events/syscalls/%s/id", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &id) != 1)
		id = -EINVAL;
	fclose(f);
	return id;
}

static int empty_program(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "floor", "GPL", insns, 2, NULL);
}

/* Attach prog to the tracepoint: 0, or -errno. */
static int attach(int prog, long id)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = (unsigned long long)id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	int pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);

	if (pfd < 0)
		return -errno;
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		return -errno;
	return 0;
}

/* The tracepoint names (after "tp/syscalls/") of the object's syscall programs. */
static int syscall_tracepoints(const char *obj_path, char names[][PATH_LEN], int max)
{
	struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
	struct bpf_program *p;
	int n = 0;

	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);

		if (strncmp(sec, SYSCALL_SECTION, strlen(SYSCALL_SECTION)) || n >= max)
			continue;
		snprintf(names[n++], PATH_LEN, "%s", sec + strlen(SYSCALL_SECTION));
	}
	bpf_object__close(obj);
	return n;
}

int main(int argc, char **argv)
{
	static char names[MAX_TRACEPOINTS][PATH_LEN];
	int n, prog, err;

	if (argc != 2) {
		fprintf(stderr, "usage: floor MCPWARDEN_BPF_OBJECT\n");
		return 2;
	}
	n = syscall_tracepoints(argv[1], names, MAX_TRACEPOINTS);
	if (n <= 0)
		return fail("no tp/syscalls/ program in", argv[1], n < 0 ? -n : ENOENT);
	prog = empty_program();
	if (prog < 0)
		return fail("cannot load", "an empty tracepoint program", errno);
	for (int i = 0; i < n; i++) {
		long id = tracepoint_id(names[i]);

		if (id < 0)
			return fail("no tracepoint id for", names[i], (int)-id);
		err = attach(prog, id);
		if (err)
			return fail("cannot attach to", names[i], -err);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("{\"event\":\"ready\",\"tracepoints\":[");
	for (int i = 0; i < n; i++)
		printf("%s\"%s\"", i ? "," : "", names[i]);
	printf("]}\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;
}
