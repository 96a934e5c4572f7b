// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * action_loop: a process mcpwarden does not track, doing the actions its timeline records
 * (exec, open, connect) as fast as it can. bench/run.sh times it with no monitor, with
 * mcpwarden, and with libbpf-tools' execsnoop and opensnoop, to compare the cost each adds to
 * processes it does not report on (issue 3).
 *
 *   action_loop MODE COUNT
 *
 *   exec        COUNT fork()s, each child execve()ing /bin/true, each reaped with waitpid()
 *   open        COUNT openat()s of /etc/passwd (an existing regular file), each closed
 *   connect     COUNT TCP connect()s to a listener on 127.0.0.1 in the same process, each
 *               socket closed
 *
 * connect: the loopback handshake completes inside connect(), so no other thread or process
 * is waited for. The timed batches hold up to BATCH connections; between batches the pending
 * connections are accept()ed and closed without timing (the listener is non-blocking).
 * Loopback connections whose client closes first would leave TIME_WAIT sockets; the kernel
 * reuses them for loopback (net.ipv4.tcp_tw_reuse = 2, the default), so ports do not run out.
 *
 * Prints one JSON object: mode, actions, the time spent in the timed batches, actions/s.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC    1000000000ull
#define BATCH           1000u           /* connections pending at most (somaxconn is larger) */
#define OPEN_PATH       "/etc/passwd"
#define EXEC_PATH       "/bin/true"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int run_exec(uint64_t count, uint64_t *ns)
{
	static char *const argv[] = { (char *)EXEC_PATH, NULL };
	static char *const envp[] = { NULL };
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < count; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "action_loop: fork: %s\n", strerror(errno));
			return -1;
		}
		if (!pid) {
			execve(EXEC_PATH, argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "action_loop: %s did not run\n", EXEC_PATH);
			return -1;
		}
	}
	*ns = now_ns() - t0;
	return 0;
}

static int run_open(uint64_t count, uint64_t *ns)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < count; i++) {
		int fd = openat(AT_FDCWD, OPEN_PATH, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "action_loop: cannot open '%s': %s\n", OPEN_PATH,
				strerror(errno));
			return -1;
		}
		close(fd);
	}
	*ns = now_ns() - t0;
	return 0;
}

/* Untimed: accept and close every pending connection. */
static void drain_accepts(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(fd);
}

static int run_connect(uint64_t count, uint64_t *ns)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rc = -1;

	*ns = 0;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, (int)BATCH * 2) || getsockname(lfd, (struct sockaddr *)&sa, &len)) {
		fprintf(stderr, "action_loop: cannot listen on 127.0.0.1: %s\n", strerror(errno));
		goto out;
	}
	for (uint64_t left = count; left; ) {
		uint64_t n = left < BATCH ? left : BATCH, t0 = now_ns();

		for (uint64_t i = 0; i < n; i++) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

			if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
				fprintf(stderr, "action_loop: connect to 127.0.0.1:%u: %s\n",
					ntohs(sa.sin_port), strerror(errno));
				if (fd >= 0)
					close(fd);
				goto out;
			}
			close(fd);
		}
		*ns += now_ns() - t0;
		drain_accepts(lfd);
		left -= n;
	}
	rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long long count = 0;
	uint64_t ns = 0;
	char *end = NULL;
	int rc;

	if (argc == 3)
		count = strtoull(argv[2], &end, 10);
	if (argc != 3 || *end || !count ||
	    (strcmp(argv[1], "exec") && strcmp(argv[1], "open") && strcmp(argv[1], "connect"))) {
		fprintf(stderr, "usage: action_loop exec|open|connect COUNT\n");
		return 2;
	}
	rc = !strcmp(argv[1], "exec") ? run_exec(count, &ns) :
	     !strcmp(argv[1], "open") ? run_open(count, &ns) : run_connect(count, &ns);
	if (rc)
		return 1;
	printf("{\"mode\":\"%s\",\"actions\":%llu,\"ns\":%llu,\"ops_per_s\":%.1f}\n", argv[1],
	       count, (unsigned long long)ns, (double)count * NSEC_PER_SEC / (double)(ns ? ns : 1));
	return 0;
}
