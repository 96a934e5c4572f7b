// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_httpmcp: MCP over HTTP (http with libhtp, sse, httpmcp) on the captured bytes of a
 * server's sockets, cut as fuzz_split.h says: side 0 is what the server read (requests), side 1
 * what it wrote (responses); a cut with FUZZ_CUT_ALT goes to a second connection. Pieces come
 * FUZZ_STEP_NS apart, so that sessions without an id can go stale; then the process ends.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_split.h"
#include "httpmcp.h"
#include "mcpwarden/events.h"

#define FUZZ_BODY_CAP       (64u << 10)
#define FUZZ_REORDER_NS     1000u
#define FUZZ_STEP_NS        (5ull * 1000 * 1000 * 1000)
#define FUZZ_CONNS          2u
#define FUZZ_TGID           100u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t str_len(const char *s)
{
	return s ? strlen(s) : 0;
}

static size_t env_len(const struct httpmcp_envelope *e)
{
	return str_len(e->transport) + str_len(e->method) + str_len(e->path) + str_len(e->host) +
	       str_len(e->origin) + str_len(e->session_id) + str_len(e->event_id) +
	       str_len(e->content_type);
}

static void on_message(void *ctx, const struct httpmcp_msg *m)
{
	size_t sum = 0;

	for (size_t i = 0; i < m->len; i++)
		sum += (uint8_t)m->text[i];
	*(size_t *)ctx += sum + env_len(m->env);
}

static void on_mismatch(void *ctx, const struct httpmcp_mismatch *x)
{
	*(size_t *)ctx += str_len(x->header) + str_len(x->header_value) + str_len(x->header_raw) +
			  str_len(x->body_value);
}

static void on_abandoned(void *ctx, uint64_t conn, uint32_t tgid, const char *why)
{
	*(size_t *)ctx += str_len(why);
}

static const struct httpmcp_sink sink = {
	.message = on_message, .mismatch = on_mismatch, .abandoned = on_abandoned,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t off[FUZZ_CONNS][2] = { { 0 } }, ts = 0;
	struct fuzz_split s;
	struct fuzz_piece p;
	struct httpmcp *h;
	size_t touched = 0;

	h = httpmcp_new(&sink, &touched, FUZZ_BODY_CAP, FUZZ_REORDER_NS);
	if (!h)
		return 0;
	fuzz_split_init(&s, data, size);
	while (fuzz_split_next(&s, &p)) {
		struct httpmcp_chunk c = {
			.conn = 1 + p.alt, .op = p.side ? MW_OP_WRITE : MW_OP_READ,
			.offset = off[p.alt][p.side], .data = p.data, .len = p.len,
			.ts_ns = ts += FUZZ_STEP_NS, .tgid = FUZZ_TGID, .start_ns = 1,
		};

		if (!p.len)
			continue;
		off[p.alt][p.side] += p.len;
		httpmcp_feed(h, &c);
		httpmcp_expire(h, ts);
	}
	httpmcp_end_process(h, FUZZ_TGID);
	httpmcp_free(h);
	return 0;
}
