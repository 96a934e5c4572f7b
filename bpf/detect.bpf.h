/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Traffic detection: a process that is not tracked yet becomes an MCP server when it reads,
 * from a pipe, a unix socket or a TCP socket, a JSON value that names an MCP opening request: a
 * "method" of "initialize" or "server/discover" (compact or with Python's ": " separator), or
 * the 2026-07-28 per-request _meta key "io.modelcontextprotocol/protocolVersion".
 * Only reads of at least MW_DETECT_MIN bytes whose first bytes open a JSON object or array, or
 * an HTTP "POST ", are looked at further (one user read of the first MW_DETECT_SCAN bytes
 * decides, and holds what a JSON read's scan needs). JSON is scanned from its first byte; a POST from the end of its headers (found within its first MW_DETECT_HEAD bytes,
 * so a long Authorization header does not push the body out of reach). At most MW_DETECT_SCAN
 * bytes are scanned. A POST read whose headers do not end within it or within MW_DETECT_HEAD
 * bytes is counted (MW_DROP_DETECT_UNSCANNED): its body is not looked at.
 */
#ifndef MW_DETECT_BPF_H
#define MW_DETECT_BPF_H

#include "common.bpf.h"

#define MW_SCAN_MASK (MW_DETECT_SCAN * 2 - 1)
#define MW_NEEDLE_MAX 40

_Static_assert(MW_SCAN_MASK + MW_NEEDLE_MAX < MW_CHUNK_MAX, "scan fits the scratch area");

#define MW_WORD 8                 /* bytes of a 64-bit word */
#define MW_SCAN_WORDS 4           /* words looked at per bpf_loop iteration */
#define MW_SCAN_STEP (MW_SCAN_WORDS * MW_WORD)

_Static_assert(MW_SCAN_MASK + 2 * MW_WORD <= MW_CHUNK_MAX, "word loads stay in the scratch area");
_Static_assert(sizeof("{\"method\":\"initialize\"") - 1 == MW_DETECT_MIN,
	       "MW_DETECT_MIN is '{' and the shortest needle of opener_at");

struct scan_ctx {
	const char *buf;        /* the per-CPU scratch copy of the bytes read */
	__u32 len;
	bool found;
};

/* Does the needle (a string constant) start at offset i of the len scanned bytes? */
#define NEEDLE_AT(p, i, len, needle)                                            \
	((i) + sizeof(needle) - 1 <= (len) && !bpf_strncmp((p), sizeof(needle) - 1, (needle)))

/* An opener at offset i (a quote followed by 'm' or 'i': scan_step's candidates)? */
static __always_inline bool opener_at(const char *buf, __u32 i, __u32 len)
{
	const char *p = &buf[i & MW_SCAN_MASK];

	return NEEDLE_AT(p, i, len, "\"method\":\"initialize\"") ||
	       NEEDLE_AT(p, i, len, "\"method\": \"initialize\"") ||
	       NEEDLE_AT(p, i, len, "\"method\":\"server/discover\"") ||
	       NEEDLE_AT(p, i, len, "\"method\": \"server/discover\"") ||
	       NEEDLE_AT(p, i, len, "\"io.modelcontextprotocol/protocolVersion\"");
}

#define MW_ONES  0x0101010101010101ull
#define MW_LOWS  0x7f7f7f7f7f7f7f7full
#define MW_HIGHS 0x8080808080808080ull

/* The high bit of each byte of w that equals c, and no other bit (exact: no borrow between
 * bytes). */
static __always_inline __u64 bytes_equal(__u64 w, __u8 c)
{
	__u64 x = w ^ (MW_ONES * c);

	return ~(((x & MW_LOWS) + MW_LOWS) | x) & MW_HIGHS;
}

/* Eight bytes at a time: the positions where a quote is followed by 'm' ("method") or 'i'
 * ("io.model...") are found with word operations (x86 and arm64 are little-endian: byte j of
 * a word is bits 8j..8j+7), and only those are compared with the needles. Key-heavy JSON has a
 * quote every few bytes, but such a pair is rare. Bytes past len are stale: opener_at's bound
 * rejects a candidate there. */
static long scan_step(__u32 step, void *data)
{
	struct scan_ctx *c = data;

	for (__u32 k = 0; k < MW_SCAN_WORDS; k++) {
		__u32 i = (step * MW_SCAN_WORDS + k) * MW_WORD;
		__u64 w, next, cand;

		if (i >= c->len)
			return 1;
		w = *(const __u64 *)&c->buf[i & MW_SCAN_MASK];
		next = *(const __u64 *)&c->buf[(i + MW_WORD) & MW_SCAN_MASK];
		next = (w >> 8) | (next << 56);         /* byte j: the byte after byte j of w */
		cand = bytes_equal(w, '"') & (bytes_equal(next, 'm') | bytes_equal(next, 'i'));
		if (!cand)
			continue;
		for (__u32 j = 0; j < MW_WORD; j++) {
			if ((cand >> (j * 8 + 7)) & 1 && opener_at(c->buf, i + j, c->len)) {
				c->found = true;
				return 1;
			}
		}
	}
	return 0;
}

#define MW_POST_LEN 5                   /* "POST " */

enum mw_opener {
	MW_OPENER_NONE = 0,
	MW_OPENER_JSON,                 /* '{' or '[' */
	MW_OPENER_POST,                 /* "POST " */
};

/*
 * The first test, one user read: the first min(len, MW_DETECT_SCAN) bytes of the read are
 * copied to the per-CPU scratch area, and their first bytes tell whether they start a JSON
 * object or array, or an HTTP POST (Streamable HTTP and legacy SSE requests). A JSON read is
 * then scanned where it lies (scan_copied), without reading the user's memory again: on this
 * kernel each user read costs about 100-150 ns whatever its size (docs/performance.md), and
 * copying up to 1 KiB more costs less than that. *n: the bytes copied.
 */
static __always_inline enum mw_opener peek_opener(struct mw_scratch *s, const void *ubuf,
						  __u64 len, __u32 *n)
{
	const __u8 *b = s->data;

	*n = len > MW_DETECT_SCAN ? MW_DETECT_SCAN : (__u32)len;
	barrier_var(*n);
	if (*n > MW_DETECT_SCAN || bpf_probe_read_user(s->data, *n, ubuf))
		return MW_OPENER_NONE;
	if (b[0] == '{' || b[0] == '[')
		return MW_OPENER_JSON;
	if (*n >= MW_POST_LEN && b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T' &&
	    b[4] == ' ')
		return MW_OPENER_POST;
	return MW_OPENER_NONE;
}

#define MW_HEAD_MASK (MW_DETECT_HEAD - 1)
#define MW_HEAD_WORDS 8                 /* words looked at per bpf_loop iteration */
#define MW_HEAD_STEP (MW_HEAD_WORDS * MW_WORD)

_Static_assert((MW_DETECT_HEAD & MW_HEAD_MASK) == 0, "MW_DETECT_HEAD is a power of two");
_Static_assert(MW_HEAD_MASK + MW_WORD <= MW_CHUNK_MAX, "head fits the scratch area");

struct head_ctx {
	const char *buf;        /* the per-CPU scratch copy of the head of the request */
	__u32 len;
	__u32 body;             /* offset of the body, 0 until the end of the headers is found */
};

/* The lowest byte of a word whose high bit is set in mask (mask != 0). */
static __always_inline __u32 first_marked_byte(__u64 mask)
{
	__u32 j = 0;

	for (; j < MW_WORD - 1; j++)
		if ((mask >> (j * 8 + 7)) & 1)
			break;
	return j;
}

/*
 * Eight bytes at a time: the bytes that end "\r\n\r\n" are found with word operations (byte j
 * of w is the candidate last byte; the same word shifted by 1, 2 and 3 bytes, with the end of the
 * previous word shifted in, gives the three bytes before it). Header lines end in CRLF every few
 * dozen bytes, but a blank line only once. Bytes past len are stale: a match ending there is
 * not taken (and any match within len would come first).
 */
static long head_step(__u32 step, void *data)
{
	struct head_ctx *c = data;

	for (__u32 k = 0; k < MW_HEAD_WORDS; k++) {
		__u32 i = (step * MW_HEAD_WORDS + k) * MW_WORD, end;
		__u64 w, prev = 0, hits;

		if (i >= c->len)
			return 1;
		w = *(const __u64 *)&c->buf[i & MW_HEAD_MASK];
		hits = bytes_equal(w, '\n');
		if (!hits)
			continue;       /* most words of a header hold no line end */
		if (i)
			prev = *(const __u64 *)&c->buf[(i - MW_WORD) & MW_HEAD_MASK];
		hits &= bytes_equal((w << 8) | (prev >> 56), '\r') &
		       bytes_equal((w << 16) | (prev >> 48), '\n') &
		       bytes_equal((w << 24) | (prev >> 40), '\r');
		if (!hits)
			continue;
		end = i + first_marked_byte(hits) + 1;
		if (end <= c->len)
			c->body = end;
		return 1;
	}
	return 0;
}

/* A read starting with "POST ": the offset of its body in the len bytes at ubuf, or 0 when
 * its headers do not end within them (nor within MW_DETECT_HEAD bytes). s: the per-CPU
 * scratch area, which the head is copied to. */
static __always_inline __u32 post_body(struct mw_scratch *s, const void *ubuf, __u64 len)
{
	__u32 n = len > MW_DETECT_HEAD ? MW_DETECT_HEAD : (__u32)len;
	struct head_ctx c = {};

	barrier_var(n);
	if (n > MW_DETECT_HEAD)         /* restated for the verifier */
		return 0;
	if (bpf_probe_read_user(s->data, n, ubuf))
		return 0;
	c.buf = (const char *)s->data;
	c.len = n;
	bpf_loop(MW_DETECT_HEAD / MW_HEAD_STEP, head_step, &c, 0);
	return c.body;
}

/* True when the first len bytes of the scratch area (len <= MW_DETECT_SCAN) hold an MCP
 * opener. */
static __always_inline bool scan_copied(struct mw_scratch *s, __u32 len)
{
	struct scan_ctx c = { .buf = (const char *)s->data, .len = len };

	s->data[len & MW_SCAN_MASK] = '\0';    /* no stale byte after the data */
	bpf_loop(MW_DETECT_SCAN / MW_SCAN_STEP, scan_step, &c, 0);
	return c.found;
}

/* True when the len bytes at ubuf (already read by the process) hold an MCP opener: a POST's
 * body, which lies past the bytes peek_opener copied. */
static __always_inline bool scan_for_mcp(struct mw_scratch *s, const void *ubuf, __u64 len)
{
	__u32 n = len > MW_DETECT_SCAN ? MW_DETECT_SCAN : (__u32)len;

	if (bpf_probe_read_user(s->data, n & MW_SCAN_MASK, ubuf))
		return false;
	return scan_copied(s, n);
}

#endif /* MW_DETECT_BPF_H */
