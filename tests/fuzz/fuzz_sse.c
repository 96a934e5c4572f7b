// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_sse: the text/event-stream parser on pieces cut as fuzz_split.h says (sides do not
 * matter here), then the end of the stream. Every event's strings are read to their ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "sse.h"

#define FUZZ_MAX_EVENT      256u    /* small, so that long events are dropped */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(void *ctx, const struct sse_event *e)
{
	size_t sum = strlen(e->type);

	if (e->data[e->data_len] != '\0')       /* sse.h: the data is NUL-terminated */
		abort();
	for (size_t i = 0; i < e->data_len; i++)
		sum += (uint8_t)e->data[i];
	if (e->id)
		sum += strlen(e->id);
	*(size_t *)ctx += sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_split s;
	struct fuzz_piece p;
	struct sse *sse;
	size_t touched = 0;

	sse = sse_new(FUZZ_MAX_EVENT, on_event, &touched);
	if (!sse)
		return 0;
	fuzz_split_init(&s, data, size);
	while (fuzz_split_next(&s, &p))
		sse_feed(sse, p.data, p.len);
	sse_end(sse);
	sse_free(sse);
	return 0;
}
