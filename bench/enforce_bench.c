// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * enforce_bench: the cost and the speed of enforcement (issue 5), run by bench/enforce.sh with
 * mcpwarden tracking this process (--pid) under a policy whose only root is ROOT.
 *
 *   enforce_bench latency COUNT FORBIDDEN HOLD
 *       COUNT times: fork a child that stamps the time and opens FORBIDDEN (outside the
 *       root); the parent reaps it. Reports the time from the stamp to the reap (the child
 *       must die by SIGKILL: otherwise the run fails).
 *   enforce_bench opens COUNT FILE HOLD
 *       COUNT openat()+close() of FILE (inside the root): a tracked server's normal work,
 *       judged by the kernel at every open under enforcement.
 *
 * Both first wait for the file HOLD to exist (mcpwarden attaches meanwhile). Prints one JSON
 * object.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC    1000000000ull
#define HOLD_POLL_US    10000
#define HOLD_TIMEOUT_S  60
#define NSEC_PER_USEC   1000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int wait_hold(const char *hold)
{
	uint64_t deadline = now_ns() + HOLD_TIMEOUT_S * NSEC_PER_SEC;

	while (access(hold, F_OK)) {
		if (now_ns() > deadline) {
			fprintf(stderr, "enforce_bench: %s did not appear\n", hold);
			return -1;
		}
		usleep(HOLD_POLL_US);
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One violation: the child stamps *stamp and opens the forbidden file; ns from stamp to reap. */
static int one_kill(const char *forbidden, volatile uint64_t *stamp, uint64_t *ns, uint64_t i)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		*stamp = now_ns();
		if (open(forbidden, O_RDONLY) >= 0)
			_exit(2);       /* reached user space: enforcement failed */
		_exit(3);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	*ns = now_ns() - *stamp;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		fprintf(stderr, "enforce_bench: child %llu (pid %d) was not killed (status 0x%x)\n",
			(unsigned long long)i, (int)pid, status);
		return -1;
	}
	return 0;
}

static int run_latency(uint64_t count, const char *forbidden)
{
	volatile uint64_t *stamp = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t *lat = calloc(count, sizeof(*lat));

	if (stamp == MAP_FAILED || !lat)
		return 1;
	for (uint64_t i = 0; i < count; i++)
		if (one_kill(forbidden, stamp, &lat[i], i))
			return 1;
	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("{\"mode\":\"latency\",\"kills\":%llu,\"p50_us\":%.1f,\"p90_us\":%.1f,"
	       "\"p99_us\":%.1f,\"max_us\":%.1f}\n", (unsigned long long)count,
	       lat[count / 2] / (double)NSEC_PER_USEC, lat[count * 9 / 10] / (double)NSEC_PER_USEC,
	       lat[count * 99 / 100] / (double)NSEC_PER_USEC, lat[count - 1] / (double)NSEC_PER_USEC);
	free(lat);
	return 0;
}

static int run_opens(uint64_t count, const char *file)
{
	uint64_t t0 = now_ns(), ns;

	for (uint64_t i = 0; i < count; i++) {
		int fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "enforce_bench: open %s: %s\n", file, strerror(errno));
			return 1;
		}
		close(fd);
	}
	ns = now_ns() - t0;
	printf("{\"mode\":\"opens\",\"opens\":%llu,\"seconds\":%.6f,\"per_s\":%.0f}\n",
	       (unsigned long long)count, ns / (double)NSEC_PER_SEC,
	       count / (ns / (double)NSEC_PER_SEC));
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t count;

	if (argc != 5) {
		fprintf(stderr, "usage: enforce_bench latency|opens COUNT PATH HOLD\n");
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);
	if (!count || wait_hold(argv[4]))
		return 2;
	if (!strcmp(argv[1], "latency"))
		return run_latency(count, argv[3]);
	if (!strcmp(argv[1], "opens"))
		return run_opens(count, argv[3]);
	fprintf(stderr, "enforce_bench: unknown mode %s\n", argv[1]);
	return 2;
}
