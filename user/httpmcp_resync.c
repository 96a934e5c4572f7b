// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * httpmcp_resync: a request side whose capture began inside a request (the server was tracked
 * at the read of a body whose headers it had read before, or a collector joined a connection
 * mid-request). Its bytes are skipped, and counted, up to the next request line: a line that
 * ends with "HTTP/1.x" after a method token, a space, a target and a space. The line may follow
 * the skipped body directly ("...}POST /mcp HTTP/1.1"): a Content-Length body ends with no
 * newline, so the method is found backwards from the end of the line. Only the tail of the
 * line being read is kept (MW_HTTP_RESYNC_LINE bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "httpmcp_int.h"
#include "mcpwarden/limits.h"

#define VERSION_PREFIX  " HTTP/1."
#define VERSION_LEN     (sizeof(VERSION_PREFIX) - 1 + 1)        /* and one digit */

/* Methods recognised when the token does not start the line (it follows a body's last byte). */
static const char *const methods[] = {
	"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT",
};

static bool is_upper(uint8_t b)
{
	return b >= 'A' && b <= 'Z';
}

/* The method token ending at line[end) (exclusive): where it starts, or -1. A token that
 * starts the line is taken whole; one glued to earlier bytes only as a known method. */
static long method_start(const uint8_t *line, size_t end)
{
	size_t b = end, best = end;

	while (b > 0 && end - b < TOKEN_MAX && is_upper(line[b - 1]))
		b--;
	if (b == end)
		return -1;
	if (b == 0)
		return 0;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t k = strlen(methods[i]);

		if (k <= end - b && !memcmp(line + end - k, methods[i], k) && end - k < best)
			best = end - k;
	}
	return best == end ? -1 : (long)best;
}

bool hm_request_line(const uint8_t *line, size_t n, size_t *start)
{
	size_t t;
	long m;

	if (n && line[n - 1] == '\r')
		n--;
	if (n < VERSION_LEN || memcmp(line + n - VERSION_LEN, VERSION_PREFIX, VERSION_LEN - 1) ||
	    line[n - 1] < '0' || line[n - 1] > '9')
		return false;
	t = n - VERSION_LEN;            /* the target ends here */
	while (t > 0 && line[t - 1] != ' ')
		t--;
	if (t < 2 || t == n - VERSION_LEN)
		return false;           /* no space before the target, or no target */
	m = method_start(line, t - 1);
	if (m < 0)
		return false;
	*start = (size_t)m;
	return true;
}

bool hm_resync_start(struct hconn *c, int op)
{
	c->rs_line = malloc(MW_HTTP_RESYNC_LINE + 1);   /* and the newline */
	if (!c->rs_line)
		return false;
	c->resync_op = op;
	c->rs_len = 0;
	c->rs_seen = 0;
	return true;
}

void hm_resync_end(struct hconn *c, size_t refed)
{
	if (!c->resync_op)
		return;
	c->h->st.resync_bytes += c->rs_seen - refed;
	free(c->rs_line);
	c->rs_line = NULL;
	c->resync_op = 0;
}

/* Keep the last MW_HTTP_RESYNC_LINE bytes of the line. */
static void tail_append(struct hconn *c, const uint8_t *p, size_t n)
{
	size_t cap = MW_HTTP_RESYNC_LINE, drop;

	if (n >= cap) {
		memcpy(c->rs_line, p + n - cap, cap);
		c->rs_len = cap;
		return;
	}
	if (c->rs_len + n > cap) {
		drop = c->rs_len + n - cap;
		memmove(c->rs_line, c->rs_line + drop, c->rs_len - drop);
		c->rs_len -= drop;
	}
	memcpy(c->rs_line + c->rs_len, p, n);
	c->rs_len += n;
}

size_t hm_resync_scan(struct hconn *c, const uint8_t *p, size_t n, const uint8_t **line,
		      size_t *line_len)
{
	size_t i = 0, start;

	*line = NULL;
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t seg = nl ? (size_t)(nl - (p + i)) : n - i;

		tail_append(c, p + i, seg);
		i += seg;
		if (!nl)
			break;
		i++;
		if (hm_request_line(c->rs_line, c->rs_len, &start)) {
			c->rs_line[c->rs_len] = '\n';
			*line = c->rs_line + start;
			*line_len = c->rs_len + 1 - start;
			c->rs_seen += i;
			return i;
		}
		c->rs_len = 0;
	}
	c->rs_seen += i;
	return i;
}
