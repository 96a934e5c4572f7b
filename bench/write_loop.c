// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * write_loop: a process mcpwarden does not track, doing many small I/O syscalls. bench/run.sh
 * times it with and without mcpwarden attached to measure the cost the BPF programs add to
 * every other process on the host.
 *
 *   write_loop MODE COUNT [SIZE]
 *
 *   write-null       COUNT write()s of SIZE bytes to /dev/null
 *   write-pipe       COUNT write()s of SIZE bytes to a pipe
 *   read-pipe        COUNT read()s of SIZE bytes from a pipe; the data does not start like
 *                    JSON, so only the first-byte check runs
 *   read-pipe-json   the same, but every read starts with '{' and is dense with quotes without
 *                    naming an MCP method: the worst case of traffic detection (the fd is
 *                    resolved and up to MW_DETECT_SCAN bytes are scanned on every read)
 *   read-pipe-post   the same, but every read is an HTTP POST whose headers (a long Bearer
 *                    token) end just before a small JSON-RPC body that is not an MCP opener:
 *                    the worst case of the POST detection (the end of the headers is searched
 *                    for through the whole read, up to MW_DETECT_HEAD bytes, then the body is
 *                    scanned)
 *   open-close       COUNT openat()s of /dev/null, each followed by close() (two syscalls;
 *                    SIZE is ignored): the file hooks every process passes through
 *   getppid          COUNT getppid()s (SIZE is ignored): a syscall mcpwarden has no program
 *                    on, which still takes the kernel's tracing slow path once any syscall
 *                    tracepoint is attached: what every other syscall of the host pays
 *
 * The pipe modes use one process and both ends of one big pipe: batches of small syscalls
 * are timed, and between batches the pipe is refilled or emptied with big untimed ones, so
 * no timed syscall waits for another process (two noisy cores make wake-ups dominate
 * otherwise). Prints one JSON object: mode, size, timed syscalls, short transfers, the time
 * spent in the timed batches, and syscalls/s.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIZE_DEFAULT    64u
#define SIZE_MAX_BYTES  (64u << 10)
/* The untimed refills and drains move blocks this big (a multiple of SIZE). */
#define BLOCK      (64u << 10)
/* Pipe capacity asked for (the default /proc/sys/fs/pipe-max-size). */
#define PIPE_CAPACITY   (1u << 20)
#define NSEC_PER_SEC    1000000000ull

enum mode {
	MODE_WRITE_NULL,
	MODE_WRITE_PIPE,
	MODE_READ_PIPE,
	MODE_READ_PIPE_JSON,
	MODE_OPEN_CLOSE,
	MODE_READ_PIPE_POST,
	MODE_GETPPID,
};

static const char *const mode_names[] = {
	[MODE_WRITE_NULL] = "write-null",
	[MODE_WRITE_PIPE] = "write-pipe",
	[MODE_READ_PIPE] = "read-pipe",
	[MODE_READ_PIPE_JSON] = "read-pipe-json",
	[MODE_OPEN_CLOSE] = "open-close",
	[MODE_READ_PIPE_POST] = "read-pipe-post",
	[MODE_GETPPID] = "getppid",
};

struct run {
	enum mode mode;
	uint64_t count;         /* syscalls asked for */
	size_t size;            /* bytes per syscall */
	uint64_t syscalls;      /* timed syscalls made */
	uint64_t short_io;      /* transfers that moved less than asked */
	uint64_t ns;            /* time spent in the timed batches */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#define POST_HEAD       "POST /mcp HTTP/1.1\r\nAuthorization: Bearer "
#define POST_TAIL       "\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n"
#define POST_MIN        (sizeof(POST_HEAD) - 1 + sizeof(POST_TAIL) - 1 + 1)

/*
 * One record of the traffic: SIZE bytes, the last a newline. JSON records look like
 * {"key":"value","key":"value",... : a quote every 3 or 4 bytes, much work for the scanner.
 * POST records: a request line, an Authorization header filling the record, a small body.
 */
static void fill_record(char *p, size_t size, enum mode mode)
{
	static const char unit[] = "\"key\":\"value\",";
	bool json = mode == MODE_READ_PIPE_JSON;

	if (mode == MODE_READ_PIPE_POST) {
		size_t head = sizeof(POST_HEAD) - 1, tail = sizeof(POST_TAIL) - 1;

		memcpy(p, POST_HEAD, head);
		memset(p + head, 'J', size - head - tail);
		memcpy(p + size - tail, POST_TAIL, tail);
		return;
	}
	for (size_t i = 0; i < size; i++)
		p[i] = json ? unit[i % (sizeof(unit) - 1)] : 'x';
	p[0] = json ? '{' : 'x';
	p[size - 1] = '\n';
}

/* Fill buf (BLOCK bytes) with back-to-back records. */
static void fill_block(char *buf, size_t size, enum mode mode)
{
	for (size_t off = 0; off + size <= BLOCK; off += size)
		fill_record(buf + off, size, mode);
}

/* A pipe as big as allowed; its capacity in *cap. */
static int open_pipe(int p[2], size_t *cap)
{
	int n;

	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "write_loop: cannot create a pipe: %s\n", strerror(errno));
		return -1;
	}
	fcntl(p[1], F_SETPIPE_SZ, PIPE_CAPACITY);  /* best effort: the default is 64 KiB */
	n = fcntl(p[1], F_GETPIPE_SZ);
	if (n < (int)BLOCK) {
		fprintf(stderr, "write_loop: cannot size the pipe: %s\n", strerror(errno));
		return -1;
	}
	*cap = (size_t)n / BLOCK * BLOCK;
	return 0;
}

/* Untimed: put n bytes of records into the pipe (n <= its capacity, so this never blocks). */
static int pipe_fill(int fd, const char *block, size_t n)
{
	for (size_t done = 0; done < n; done += BLOCK)
		if (write(fd, block, BLOCK) != (ssize_t)BLOCK)
			return -errno;
	return 0;
}

/* Untimed: take n bytes out of the pipe. */
static int pipe_drain(int fd, char *block, size_t n)
{
	while (n) {
		ssize_t r = read(fd, block, BLOCK);

		if (r <= 0)
			return r ? -errno : -EPIPE;
		n -= (size_t)r;
	}
	return 0;
}

/* Timed: n syscalls of r->size bytes on fd; a short transfer is counted, not retried. */
static int timed_batch(struct run *r, int fd, char *buf, uint64_t n, bool reading)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < n; i++) {
		ssize_t k = reading ? read(fd, buf, r->size) : write(fd, buf, r->size);

		if (k < 0)
			return -errno;
		r->short_io += (size_t)k != r->size;
	}
	r->ns += now_ns() - t0;
	r->syscalls += n;
	return 0;
}

/*
 * Pipe modes, one process, no scheduler in the way: the pipe is filled (reads) or emptied
 * (writes) outside the timed batches, so each timed syscall finds data or room at once.
 */
static int run_pipe(struct run *r)
{
	static char block[BLOCK], rbuf[BLOCK];
	bool reading = r->mode != MODE_WRITE_PIPE;
	size_t cap;
	int p[2], rc = 0;

	if (open_pipe(p, &cap))
		return -1;
	fill_block(block, r->size, r->mode);
	for (uint64_t left = r->count; !rc && left; ) {
		uint64_t n = cap / r->size < left ? cap / r->size : left;

		if (reading) {
			rc = pipe_fill(p[1], block, cap);
			if (!rc)
				rc = timed_batch(r, p[0], rbuf, n, true);
			if (!rc)
				rc = pipe_drain(p[0], rbuf, cap - n * r->size);
		} else {
			rc = timed_batch(r, p[1], block, n, false);
			if (!rc)
				rc = pipe_drain(p[0], rbuf, n * r->size);
		}
		left -= n;
	}
	close(p[0]);
	close(p[1]);
	if (rc)
		fprintf(stderr, "write_loop: %s failed: %s\n", mode_names[r->mode], strerror(-rc));
	return rc ? -1 : 0;
}

static int run_null(struct run *r)
{
	static char block[BLOCK];
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		fprintf(stderr, "write_loop: cannot open '/dev/null': %s\n", strerror(errno));
		return -1;
	}
	fill_record(block, r->size, MODE_WRITE_NULL);
	rc = timed_batch(r, fd, block, r->count, false);
	close(fd);
	if (rc)
		fprintf(stderr, "write_loop: write-null failed: %s\n", strerror(-rc));
	return rc ? -1 : 0;
}

static int run_open_close(struct run *r)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < r->count; i++) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "write_loop: cannot open '/dev/null': %s\n", strerror(errno));
			return -1;
		}
		close(fd);
	}
	r->ns = now_ns() - t0;
	r->syscalls = 2 * r->count;
	return 0;
}

static int run_getppid(struct run *r)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < r->count; i++)
		syscall(SYS_getppid);   /* not getppid(): the syscall itself, every time */
	r->ns = now_ns() - t0;
	r->syscalls = r->count;
	return 0;
}

static int parse_args(int argc, char **argv, struct run *r)
{
	unsigned long long count, size = SIZE_DEFAULT;
	char *end;
	size_t m;

	if (argc < 3 || argc > 4)
		return -1;
	for (m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
		if (!strcmp(argv[1], mode_names[m]))
			break;
	if (m == sizeof(mode_names) / sizeof(mode_names[0]))
		return -1;
	count = strtoull(argv[2], &end, 10);
	if (*end || !count)
		return -1;
	if (argc == 4) {
		size = strtoull(argv[3], &end, 10);
		if (*end || size < 2 || size > SIZE_MAX_BYTES || BLOCK % size)
			return -1;
	}
	if (m == MODE_READ_PIPE_POST && size < POST_MIN) {
		fprintf(stderr, "write_loop: read-pipe-post needs SIZE >= %zu\n", POST_MIN);
		return -1;
	}
	r->mode = (enum mode)m;
	r->count = count;
	r->size = (size_t)size;
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };

	if (parse_args(argc, argv, &r)) {
		fprintf(stderr, "usage: write_loop write-null|write-pipe|read-pipe|read-pipe-json|"
			"read-pipe-post|open-close|getppid COUNT [SIZE]\n  (SIZE: 2..%u bytes, a divisor of %u)\n", SIZE_MAX_BYTES,
			BLOCK);
		return 2;
	}
	if (r.mode == MODE_WRITE_NULL ? run_null(&r) :
	    r.mode == MODE_OPEN_CLOSE ? run_open_close(&r) :
	    r.mode == MODE_GETPPID ? run_getppid(&r) : run_pipe(&r))
		return 1;
	printf("{\"mode\":\"%s\",\"size\":%zu,\"syscalls\":%llu,\"short\":%llu,\"ns\":%llu,"
	       "\"ops_per_s\":%.1f}\n", mode_names[r.mode], r.size, (unsigned long long)r.syscalls,
	       (unsigned long long)r.short_io, (unsigned long long)r.ns,
	       (double)r.syscalls * NSEC_PER_SEC / (double)(r.ns ? r.ns : 1));
	return 0;
}
