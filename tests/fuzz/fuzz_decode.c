// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_decode: the stdio pipeline (stream, framing, jsonrpc, session correlation) on two
 * channels of one session, side 0 client to server, side 1 server to client, cut as
 * fuzz_split.h says. A cut with FUZZ_CUT_ALT leaves a hole of FUZZ_GAP bytes before its piece,
 * which only decoder_expire() or decoder_flush() can declare lost.
 */
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "fuzz_split.h"

#define FUZZ_MESSAGE_CAP    1024u           /* small, so that long lines are truncated */
#define FUZZ_REORDER_NS     1000u
#define FUZZ_STEP_NS        300u            /* each piece comes this much later */
#define FUZZ_GAP            3u
#define FUZZ_SESSION        1u
#define FUZZ_TGID           100u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_message(void *ctx, const struct decode_msg *dm)
{
	char key[64];

	if (dm->m->method)
		*(size_t *)ctx += strlen(dm->m->method);
	if (dm->corr.matched && dm->corr.method)
		*(size_t *)ctx += strlen(dm->corr.method);
	if (jsonrpc_id_key(&dm->m->id, key, sizeof(key)) >= 0)
		*(size_t *)ctx += strlen(key);
}

static void on_note(void *ctx, const struct decode_note *n)
{
	if (n->preview)
		*(size_t *)ctx += strlen(n->preview);
}

static const struct decode_sink sink = {
	.message = on_message, .truncated = on_note, .skipped = on_note, .gap = on_note,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_opts o = { .message_cap = FUZZ_MESSAGE_CAP, .reorder_wait_ns = FUZZ_REORDER_NS };
	uint64_t off[2] = { 0, 0 }, ts = 0;
	struct fuzz_split s;
	struct fuzz_piece p;
	struct decoder *d;
	size_t touched = 0;

	d = decoder_new(&o, &sink, &touched);
	if (!d)
		return 0;
	fuzz_split_init(&s, data, size);
	while (fuzz_split_next(&s, &p)) {
		struct decode_chunk c = {
			.chan = 1 + p.side, .data = p.data, .len = p.len, .ts_ns = ts += FUZZ_STEP_NS,
			.dir = p.side ? MW_DIR_S2C : MW_DIR_C2S, .session_key = FUZZ_SESSION,
			.tgid = FUZZ_TGID, .start_ns = 1,
		};

		if (!p.len)
			continue;
		if (p.alt)
			off[p.side] += FUZZ_GAP;
		c.offset = off[p.side];
		off[p.side] += p.len;
		decoder_feed(d, &c);
		decoder_expire(d, ts);
	}
	decoder_flush(d);
	decoder_free(d);
	return 0;
}
