// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "reader.h"

struct reader {
	struct ring_buffer *rb;
	struct reader_handlers h;
	void *ctx;
	struct reader_stats stats;
};

static bool payload_ok(const struct mw_payload *p, size_t size)
{
	return size >= sizeof(*p) && p->len <= MW_CHUNK_MAX && size >= sizeof(*p) + p->len;
}

static int dispatch(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	const struct mw_event_hdr *h = data;

	r->stats.records++;
	if (size < sizeof(*h))
		goto bad;
	switch (h->type) {
	case MW_EV_PAYLOAD:
		if (!payload_ok(data, size))
			goto bad;
		r->h.payload(r->ctx, data, (const uint8_t *)data + sizeof(struct mw_payload));
		return 0;
	case MW_EV_EXEC:
		if (size < sizeof(struct mw_exec))
			goto bad;
		r->h.exec(r->ctx, data);
		return 0;
	case MW_EV_FORK:
		if (size < sizeof(struct mw_fork))
			goto bad;
		r->h.fork(r->ctx, data);
		return 0;
	case MW_EV_EXIT:
		if (size < sizeof(struct mw_exit))
			goto bad;
		r->h.exit(r->ctx, data);
		return 0;
	case MW_EV_TRACK:
		if (size < sizeof(struct mw_track))
			goto bad;
		r->h.track(r->ctx, data);
		return 0;
	case MW_EV_FILE:
		if (size < sizeof(struct mw_file))
			goto bad;
		r->h.file(r->ctx, data);
		return 0;
	case MW_EV_NET:
		if (size < sizeof(struct mw_net))
			goto bad;
		r->h.net(r->ctx, data);
		return 0;
	case MW_EV_SOCK:
		if (size < sizeof(struct mw_sock))
			goto bad;
		if (r->h.sock)
			r->h.sock(r->ctx, data);
		return 0;
	}
bad:
	r->stats.malformed++;
	return 0;
}

struct reader *reader_new(int ringbuf_fd, const struct reader_handlers *h, void *ctx)
{
	struct reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->h = *h;
	r->ctx = ctx;
	r->rb = ring_buffer__new(ringbuf_fd, dispatch, r, NULL);
	if (!r->rb) {
		int e = errno;

		free(r);
		errno = e;
		return NULL;
	}
	return r;
}

void reader_free(struct reader *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	free(r);
}

int reader_poll(struct reader *r, int timeout_ms)
{
	int n = ring_buffer__poll(r->rb, timeout_ms);
	int more;

	if (n < 0 && n != -EINTR)
		return n;
	/* the kernel wakes us only past MW_WAKEUP_BYTES: take what is there either way */
	more = ring_buffer__consume(r->rb);
	if (more < 0)
		return more;
	return (n > 0 ? n : 0) + more;
}

int reader_drain(struct reader *r)
{
	return ring_buffer__consume(r->rb);
}

const struct reader_stats *reader_stats(const struct reader *r)
{
	return &r->stats;
}
