// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mini_server: the smallest stdio MCP server the load benchmarks need (bench/load.py), so
 * that 1000 of them fit in memory and one of them is never the bottleneck.
 *
 * One JSON-RPC message per line on stdin. Requests are answered by id (integer ids only):
 *   initialize       -> a result with serverInfo {name: "mini"}
 *   tools/call burst -> arguments {"count": N, "size": S, "rate": R}: N notifications/message
 *                       of about S bytes each, then the result; without R (or 0) in large
 *                       writes as fast as the pipe takes them, else one write per
 *                       notification, paced to R MiB/s
 *   anything else    -> {"content": [{"type": "text", "text": "ok"}]}
 * Notifications (no id) are not answered. Exits at end of input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN   (1u << 20)
#define OUT_BUF_LEN    (4u << 20)
#define BURST_SIZE_MAX (16u << 20)

static char out[OUT_BUF_LEN];
static size_t out_len;

static void flush_out(void)
{
	size_t off = 0;

	while (off < out_len) {
		ssize_t n = write(STDOUT_FILENO, out + off, out_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			exit(1);
		off += (size_t)n;
	}
	out_len = 0;
}

static void put(const char *s, size_t n)
{
	while (n) {
		size_t room = OUT_BUF_LEN - out_len, k = n < room ? n : room;

		memcpy(out + out_len, s, k);
		out_len += k;
		s += k;
		n -= k;
		if (out_len == OUT_BUF_LEN)
			flush_out();
	}
}

/* The integer after "key": in line, or -1. */
static long long field(const char *line, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return *p >= '0' && *p <= '9' ? strtoll(p, NULL, 10) : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Paced bursts: flush what is buffered, then sleep until t0 + done bytes at rate MiB/s. */
static void pace(double t0, double done, long long rate)
{
	double wait;
	struct timespec ts;

	flush_out();
	wait = t0 + done / ((double)rate * (1 << 20)) - now_s();
	if (wait <= 0)
		return;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void burst(long long count, long long size, long long rate)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
				   "\"params\":{\"level\":\"info\",\"data\":\"";
	static const char tail[] = "\"}}\n";
	static char pad[BURST_SIZE_MAX];

	if (size > (long long)BURST_SIZE_MAX)
		size = BURST_SIZE_MAX;
	double t0 = now_s();

	memset(pad, 'x', (size_t)size);
	for (long long i = 0; i < count; i++) {
		put(head, sizeof(head) - 1);
		put(pad, (size_t)size);
		put(tail, sizeof(tail) - 1);
		if (rate > 0)
			pace(t0, (double)(i + 1) * (double)size, rate);
	}
}

static void answer(const char *line)
{
	char buf[512];
	long long id = field(line, "id");
	int n;

	if (id < 0 || !strstr(line, "\"method\""))
		return;
	if (strstr(line, "\"initialize\""))
		n = snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{"
			     "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
			     "\"serverInfo\":{\"name\":\"mini\",\"version\":\"1\"}}}\n", id);
	else
		n = snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{"
			     "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}\n", id);
	if (strstr(line, "\"burst\""))
		burst(field(line, "count"), field(line, "size"), field(line, "rate"));
	put(buf, (size_t)n);
}

/* Answer every complete line in buf[0..*len); keep the incomplete rest. */
static void lines(char *buf, size_t *len)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
		*nl = '\0';
		answer(start);
		start = nl + 1;
	}
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
}

int main(void)
{
	static char in[LINE_MAX_LEN + 1];
	size_t len = 0;
	ssize_t n;

	/* one flush per read: answers to requests that arrived together leave together */
	while ((n = read(STDIN_FILENO, in + len, LINE_MAX_LEN - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		len += (size_t)n;
		in[len] = '\0';
		lines(in, &len);
		if (len == LINE_MAX_LEN)
			len = 0;        /* a line longer than the buffer: dropped */
		flush_out();
	}
	return 0;
}
