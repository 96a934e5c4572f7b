// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * pair_loop: a tracked stdio call path without Node. A client and a server (this program,
 * re-executed as "pair_loop mcp-server-pair-loop", which the default patterns of mcpwarden
 * track) talk over a unix socketpair, as Node's child_process does: the client writes one
 * JSON-RPC tools/call request line, the server reads it and writes a result line with the same
 * id, the client reads that. Each call is two writes and two reads of about 150 bytes, the
 * syscalls of an MCP call and nothing else, so the cost mcpwarden adds to them shows without
 * the JIT warm-up and run-to-run drift of Node (bench/tools_call_bench.mjs).
 *
 *   pair_loop --calls N --warmup W --pairs P --on CMD --off CMD
 *
 * After W calls, P pairs of blocks of N calls: one block with the monitor off and one with it
 * on, the order alternating from pair to pair. CMD is run by /bin/bash -c before ("on") and
 * after ("off") each "on" block, with {pid} (the server's pid) and {calls} (N) filled in; a
 * failing CMD fails the run. Prints one JSON object in the shape tools_call_bench.mjs --pairs
 * prints (bench/report.py summarize_pairs reads both). Exit status 1, with a line naming what
 * failed, on any failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SERVER_ARG      "mcp-server-pair-loop"
#define LINE_MAX_LEN    4096u           /* a request or result line, newline included */
#define CMD_MAX_LEN     4096u           /* an --on or --off command after substitution */
#define CALLS_MAX       100000000L
#define PAIRS_MAX       10000L
#define NS_PER_S        1000000000.0
#define NS_PER_US       1000.0
#define USEC_PER_TICK   10000.0         /* /proc/PID/stat counts CPU time in 1/100 s */
#define MESSAGE         "hello from bench/pair_loop, the tracked path without node"

struct opts {
	long calls, warmup, pairs;
	const char *on, *off;
};

struct block {
	long calls;
	double ns, p50_us, p99_us;
	double client_user_us, client_sys_us, server_user_us, server_sys_us;
};

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pair_loop: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * NS_PER_S + t.tv_nsec;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The id of a request line (the first "id": in it); -1 when there is none. */
static long request_id(const char *line)
{
	const char *p = strstr(line, "\"id\":");

	return p ? strtol(p + 5, NULL, 10) : -1;
}

/* The server: one result line per request line, with the request's id, until end of input.
 * Lines may arrive split across reads or several per read. */
static int serve(void)
{
	char buf[LINE_MAX_LEN], out[LINE_MAX_LEN];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + have, sizeof(buf) - 1 - have);
		char *start = buf, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : 1;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			int len;

			*nl = '\0';
			len = snprintf(out, sizeof(out), "{\"result\":{\"content\":[{\"type\":\"text\","
				       "\"text\":\"Echo: " MESSAGE "\"}]},\"jsonrpc\":\"2.0\",\"id\":%ld}\n",
				       request_id(start));
			if (write_all(STDOUT_FILENO, out, (size_t)len))
				return 1;
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1)
			return 1;       /* a line longer than LINE_MAX_LEN: not from our client */
	}
}

/* One call: the request out, the whole result line back. */
static void call(int fd, long id)
{
	char req[LINE_MAX_LEN], buf[LINE_MAX_LEN];
	int len = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\","
			   "\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"" MESSAGE
			   "\"}}}\n", id);
	size_t have = 0;

	if (write_all(fd, req, (size_t)len))
		die("cannot write a request to the server: %s", strerror(errno));
	do {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("the server closed or failed (%s)", n ? strerror(errno) : "end of file");
		have += (size_t)n;
	} while (buf[have - 1] != '\n' && have < sizeof(buf));
}

/* User and system CPU time of a process so far, in microseconds, from /proc/PID/stat. */
static void proc_cpu_us(pid_t pid, double *user, double *sys)
{
	char path[64], stat[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(stat, sizeof(stat), f))
		die("cannot read %s", path);
	fclose(f);
	p = strrchr(stat, ')');
	/* after ") ": state (field 3) ... utime is field 14, stime 15 */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		die("cannot parse %s", path);
	*user = ut * USEC_PER_TICK;
	*sys = st * USEC_PER_TICK;
}

static double tv_us(struct timeval t)
{
	return t.tv_sec * 1e6 + t.tv_usec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* calls sequential calls, timed: wall time, latency percentiles, CPU per call. */
static struct block timed_block(int fd, pid_t server, long calls, long *next_id, double *lat)
{
	struct block b = { .calls = calls };
	struct rusage r0, r1;
	double su0, ss0, su1, ss1, t0;

	proc_cpu_us(server, &su0, &ss0);
	getrusage(RUSAGE_SELF, &r0);
	t0 = now_ns();
	for (long i = 0; i < calls; i++) {
		double s = now_ns();

		call(fd, (*next_id)++);
		lat[i] = (now_ns() - s) / NS_PER_US;
	}
	b.ns = now_ns() - t0;
	getrusage(RUSAGE_SELF, &r1);
	proc_cpu_us(server, &su1, &ss1);
	qsort(lat, (size_t)calls, sizeof(*lat), cmp_double);
	b.p50_us = lat[calls / 2];
	b.p99_us = lat[calls * 99 / 100];
	b.client_user_us = (tv_us(r1.ru_utime) - tv_us(r0.ru_utime)) / calls;
	b.client_sys_us = (tv_us(r1.ru_stime) - tv_us(r0.ru_stime)) / calls;
	b.server_user_us = (su1 - su0) / calls;
	b.server_sys_us = (ss1 - ss0) / calls;
	return b;
}

/* Run an --on or --off command with {pid} and {calls} filled in; its failure ends the run. */
static void run_hook(const char *name, const char *cmd, pid_t pid, long calls)
{
	char line[CMD_MAX_LEN], val[32];
	size_t n = 0;
	int st;

	for (const char *p = cmd; *p; ) {
		const char *v = NULL;
		size_t skip = 1, len;

		if (!strncmp(p, "{pid}", 5)) {
			snprintf(val, sizeof(val), "%d", (int)pid);
			v = val, skip = 5;
		} else if (!strncmp(p, "{calls}", 7)) {
			snprintf(val, sizeof(val), "%ld", calls);
			v = val, skip = 7;
		}
		len = v ? strlen(v) : 1;
		if (n + len >= sizeof(line))
			die("--%s command longer than %u bytes", name, CMD_MAX_LEN);
		memcpy(line + n, v ? v : p, len);
		n += len;
		p += skip;
	}
	line[n] = '\0';
	fflush(stdout);
	st = system(line);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		die("--%s command failed: %s", name, line);
}

static void print_block(const char *state, const struct block *b)
{
	printf("\"%s\":{\"calls\":%ld,\"ns\":%.0f,\"calls_per_s\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,"
	       "\"client_user_us\":%.3f,\"client_sys_us\":%.3f,\"server_user_us\":%.3f,"
	       "\"server_sys_us\":%.3f}", state, b->calls, b->ns, b->calls * NS_PER_S / b->ns,
	       b->p50_us, b->p99_us, b->client_user_us, b->client_sys_us, b->server_user_us,
	       b->server_sys_us);
}

static long num_arg(const char *name, const char *v, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0 || n > max)
		die("bad value for --%s (want an integer up to the limit)", name);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: pair_loop --calls N --warmup W --pairs P --on CMD --off CMD\n");
	exit(1);
}

static struct opts parse_args(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "calls", required_argument, NULL, 'c' }, { "warmup", required_argument, NULL, 'w' },
		{ "pairs", required_argument, NULL, 'p' }, { "on", required_argument, NULL, 'n' },
		{ "off", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 },
	};
	struct opts o = { .calls = 100000, .warmup = 20000, .pairs = 10 };
	int c;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o.calls = num_arg("calls", optarg, CALLS_MAX); break;
		case 'w': o.warmup = num_arg("warmup", optarg, CALLS_MAX); break;
		case 'p': o.pairs = num_arg("pairs", optarg, PAIRS_MAX); break;
		case 'n': o.on = optarg; break;
		case 'f': o.off = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !o.on || !o.off || o.calls < 1 || o.pairs < 1)
		usage();
	return o;
}

static pid_t start_server(int *client_fd)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		if (dup2(sv[1], STDIN_FILENO) < 0 || dup2(sv[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(sv[0]);
		close(sv[1]);
		execl("/proc/self/exe", "pair_loop", SERVER_ARG, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*client_fd = sv[0];
	return pid;
}

int main(int argc, char **argv)
{
	struct opts o;
	long next_id = 1;
	double *lat;
	pid_t server;
	int fd, st;

	if (argc == 2 && !strcmp(argv[1], SERVER_ARG))
		return serve();
	o = parse_args(argc, argv);
	lat = malloc(sizeof(*lat) * (size_t)o.calls);        /* one block's latencies */
	if (!lat)
		die("out of memory for %ld latencies", o.calls);
	signal(SIGPIPE, SIG_IGN);
	server = start_server(&fd);
	for (long i = 0; i < o.warmup; i++)
		call(fd, next_id++);
	printf("{\"server\":\"pair_loop\",\"tool\":\"echo\",\"server_pid\":%d,\"warmup\":%ld,"
	       "\"calls\":%ld,\"pairs\":[", (int)server, o.warmup, o.calls);
	for (long p = 0; p < o.pairs; p++) {
		struct block off, on;

		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (p % 2 == 0)) {
				off = timed_block(fd, server, o.calls, &next_id, lat);
				continue;
			}
			run_hook("on", o.on, server, o.calls);
			on = timed_block(fd, server, o.calls, &next_id, lat);
			run_hook("off", o.off, server, o.calls);
		}
		printf("%s{", p ? "," : "");
		print_block("off", &off);
		putchar(',');
		print_block("on", &on);
		putchar('}');
	}
	printf("]}\n");
	close(fd);
	if (waitpid(server, &st, 0) != server || !WIFEXITED(st) || WEXITSTATUS(st))
		die("the server (pid %d) did not exit cleanly", (int)server);
	return 0;
}
