// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * decode: channels (stream + framer each) in a chained hash table keyed by channel id, and the
 * per-line path framer -> jsonrpc -> session -> sink.
 *
 * A channel takes its direction and session key from its first chunk. Channels of an ended
 * session are flushed and freed by decoder_expire() once idle for reorder_wait_ns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "framing.h"
#include "mcpwarden/limits.h"
#include "stream.h"

struct channel {
	struct channel *hnext;
	struct decoder *d;
	uint64_t chan;
	uint64_t session_key;
	enum mw_dir dir;
	uint32_t tgid;
	uint64_t start_ns;
	uint64_t last_ns;       /* time of the last chunk */
	bool ended;             /* its session ended: free once idle */
	bool joined;            /* joined mid-stream at join_off (decoder_join) */
	uint64_t join_off;
	const void *envelope;   /* decoder_text(): the caller's, handed to the sink */
	struct stream *stream;
	struct framer fr;
};

struct decoder {
	struct decode_opts o;
	struct decode_sink sink;
	void *ctx;
	struct channel **buckets;
	size_t nbuckets, count;
	struct session_table *sessions;
	struct decode_stats st;
	uint64_t freed_duplicate, freed_overflow;  /* stream stats of freed channels */
};

/* A framed line on its way through the decoder. */
struct line {
	const char *p;
	size_t n;
	uint64_t off, ts_ns;
};

/* A line checked, its long strings cut first in the short payload mode. */
struct parsed {
	enum jr_parse rc;
	struct jscan_val root;
	char *text;                     /* the shortened text root points into, or NULL */
	struct jsonshort_stats cut;
	bool checked;                   /* no string over MW_SHORTEN_OVER is left in it */
};

static uint64_t hash_chan(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;   /* splitmix64 finalizer */
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* ---- notes and messages ---- */

enum {
	UTF8_CONT_MASK = 0xc0,
	UTF8_CONT = 0x80,
	UTF8_LEAD2 = 0xc0,
	UTF8_LEAD3 = 0xe0,
	UTF8_LEAD4 = 0xf0,
	ASCII_PRINT_FIRST = 0x20,
	ASCII_DEL = 0x7f,
};

/* Cut k before an incomplete UTF-8 sequence at its end. */
static size_t utf8_cut(const uint8_t *p, size_t k)
{
	size_t i = k, need;

	while (i > 0 && k - i < 3 && (p[i - 1] & UTF8_CONT_MASK) == UTF8_CONT)
		i--;
	if (i == 0 || p[i - 1] < UTF8_LEAD2)
		return k;
	need = p[i - 1] >= UTF8_LEAD4 ? 4 : p[i - 1] >= UTF8_LEAD3 ? 3 : 2;
	return k - (i - 1) < need ? i - 1 : k;
}

/* The first bytes of a line, NUL-terminated, control bytes shown as '.'. */
static void make_preview(char out[MW_PREVIEW_MAX + 1], const char *p, size_t n)
{
	size_t k = n < MW_PREVIEW_MAX ? n : MW_PREVIEW_MAX;

	if (k < n)
		k = utf8_cut((const uint8_t *)p, k);
	for (size_t i = 0; i < k; i++) {
		unsigned char c = p[i];

		out[i] = c < ASCII_PRINT_FIRST || c == ASCII_DEL ? '.' : (char)c;
	}
	out[k] = '\0';
}

static void note_init(struct decode_note *nt, const struct channel *ch, uint64_t off,
		      uint64_t size, uint64_t ts_ns)
{
	memset(nt, 0, sizeof(*nt));
	nt->chan = ch->chan;
	nt->offset = off;
	nt->size = size;
	nt->ts_ns = ts_ns;
	nt->dir = ch->dir;
	nt->tgid = ch->tgid;
	nt->start_ns = ch->start_ns;
	nt->session = session_get(ch->d->sessions, ch->session_key, false);
}

static void skip_line(struct channel *ch, const struct line *l, int reason)
{
	struct decoder *d = ch->d;
	char preview[MW_PREVIEW_MAX + 1];
	struct decode_note nt;

	if (reason == DECODE_SKIP_NOT_JSON)
		d->st.lines_not_json++;
	else if (reason == DECODE_SKIP_BAD_JSON)
		d->st.lines_bad_json++;
	else
		d->st.lines_not_jsonrpc++;
	if (!d->sink.skipped)
		return;
	note_init(&nt, ch, l->off, l->n, l->ts_ns);
	nt.reason = reason;
	make_preview(preview, l->p, l->n);
	nt.preview = preview;
	d->sink.skipped(d->ctx, &nt);
}

/* One JSON-RPC message: a whole line, or element index of a batch of size. */
static void decode_elem(struct channel *ch, const struct line *l, const struct jscan_val *elem,
			int index, int size, const struct parsed *ps)
{
	struct decoder *d = ch->d;
	struct decode_msg dm;
	struct jr_msg m;
	uint64_t evicted;

	jsonrpc_classify(elem, &m);
	m.line_size = l->n;
	if (m.kind == JR_INVALID) {
		jsonrpc_release(&m);
		skip_line(ch, l, DECODE_SKIP_NOT_JSONRPC);
		return;
	}
	memset(&dm, 0, sizeof(dm));
	dm.chan = ch->chan;
	dm.offset = l->off;
	dm.size = l->n;
	dm.ts_ns = l->ts_ns;
	dm.dir = ch->dir;
	dm.tgid = ch->tgid;
	dm.start_ns = ch->start_ns;
	dm.m = &m;
	dm.batch_index = index;
	dm.batch_size = size;
	dm.envelope = ch->envelope;
	if (ps) {
		dm.shortened = ps->cut;
		dm.shorten_checked = ps->checked;
	}
	dm.session = session_get(d->sessions, ch->session_key, true);
	if (dm.session) {
		evicted = dm.session->pending_evicted;
		session_observe(dm.session, ch->dir, &m, l->ts_ns, &dm.corr);
		d->st.pending_evicted += dm.session->pending_evicted - evicted;
	} else {
		d->st.oom++;
	}
	d->st.messages++;
	if (d->sink.message)
		d->sink.message(d->ctx, &dm);
	jsonrpc_release(&m);
}

static void decode_batch(struct channel *ch, const struct line *l, const struct jscan_val *arr)
{
	size_t n = jscan_count(arr), pos = 0;
	struct jscan_val e;

	if (!n) {
		skip_line(ch, l, DECODE_SKIP_NOT_JSONRPC);
		return;
	}
	for (int i = 0; jscan_next(arr, &pos, &e); i++)
		decode_elem(ch, l, &e, i, (int)n, NULL);
}

static bool is_message(const struct jscan_val *v)
{
	struct jr_msg m;

	jsonrpc_classify(v, &m);
	jsonrpc_release(&m);
	return m.kind != JR_INVALID;
}

/* A checked line that is a JSON-RPC message, or a non-empty batch of them. */
static bool is_jsonrpc(const struct jscan_val *root)
{
	struct jscan_val e;
	size_t pos = 0, n = 0;

	if (root->type != JSCAN_ARRAY)
		return is_message(root);
	for (; jscan_next(root, &pos, &e); n++)
		if (!is_message(&e))
			return false;
	return n > 0;
}

/* The first line of a channel joined mid-stream, unless it is a whole message: the tail of a
 * message whose start was written before the capture began. Reported once, not as bad JSON. */
static bool skip_joined_tail(struct channel *ch, const struct line *l, enum jr_parse rc,
			     const struct jscan_val *root)
{
	struct decoder *d = ch->d;
	char preview[MW_PREVIEW_MAX + 1];
	struct decode_note nt;

	if (!ch->joined || l->off != ch->join_off)
		return false;
	ch->joined = false;
	if (rc == JR_PARSE_OK && is_jsonrpc(root))
		return false;
	d->st.joined_bytes += l->n;
	if (!d->sink.joined)
		return true;
	note_init(&nt, ch, l->off, l->n, l->ts_ns);
	make_preview(preview, l->p, l->n);
	nt.preview = preview;
	d->sink.joined(d->ctx, &nt);
	return true;
}

/* ---- framer and stream callbacks ---- */

static void parse_line(struct decoder *d, const struct line *l, struct parsed *ps)
{
	enum jsonshort_result r = JSONSHORT_UNSURE;
	size_t n;

	memset(ps, 0, sizeof(*ps));
	if (d->o.shorten_over)
		r = jsonshort_text(l->p, l->n, d->o.shorten_over, d->o.shorten_keep, &ps->text, &n,
				   &ps->cut);
	if (r == JSONSHORT_DONE)
		ps->rc = jsonrpc_parse(ps->text, n, &ps->root);
	else
		ps->rc = jsonrpc_parse(l->p, l->n, &ps->root);
	/* jsonshort_text leaves arrays alone */
	ps->checked = d->o.shorten_over == MW_SHORTEN_OVER && r != JSONSHORT_UNSURE &&
		      ps->root.type == JSCAN_OBJECT;
}

static void decode_line(struct channel *ch, const struct line *l, const struct parsed *ps)
{
	enum jr_parse rc = ps->rc;
	const struct jscan_val *root = &ps->root;

	if (skip_joined_tail(ch, l, rc, root))
		return;
	switch (rc) {
	case JR_PARSE_NOT_JSON:
		skip_line(ch, l, DECODE_SKIP_NOT_JSON);
		return;
	case JR_PARSE_BAD_JSON:
		skip_line(ch, l, DECODE_SKIP_BAD_JSON);
		return;
	case JR_PARSE_OK:
		break;
	}
	if (root->type == JSCAN_ARRAY)
		decode_batch(ch, l, root);
	else
		decode_elem(ch, l, root, -1, 0, ps);
}

static void on_line(void *ctx, const char *p, size_t n, uint64_t off, uint64_t ts_ns)
{
	struct line l = { .p = p, .n = n, .off = off, .ts_ns = ts_ns };
	struct channel *ch = ctx;
	struct parsed ps;

	parse_line(ch->d, &l, &ps);
	decode_line(ch, &l, &ps);
	free(ps.text);
}

static void on_truncated(void *ctx, uint64_t off, uint64_t n, uint64_t ts_ns)
{
	struct channel *ch = ctx;
	struct decoder *d = ch->d;
	struct decode_note nt;

	d->st.truncated++;
	if (!d->sink.truncated)
		return;
	note_init(&nt, ch, off, n, ts_ns);
	d->sink.truncated(d->ctx, &nt);
}

static void on_lost(void *ctx, uint64_t off, uint64_t n)
{
	struct channel *ch = ctx;

	ch->d->st.lost_bytes += n;
}

static void on_bytes(void *ctx, uint64_t off, const uint8_t *p, size_t n, uint64_t ts_ns)
{
	struct channel *ch = ctx;

	if (framer_feed(&ch->fr, off, p, n, ts_ns))
		ch->d->st.oom++;
}

static void on_gap(void *ctx, uint64_t off, uint64_t n)
{
	struct channel *ch = ctx;
	struct decoder *d = ch->d;
	struct decode_note nt;

	d->st.gaps++;
	d->st.gap_bytes += n;
	framer_gap(&ch->fr);
	if (!d->sink.gap)
		return;
	note_init(&nt, ch, off, n, ch->last_ns);
	d->sink.gap(d->ctx, &nt);
}

static const struct stream_sink channel_stream_sink = {
	.bytes = on_bytes,
	.gap = on_gap,
};

static const struct framer_sink channel_framer_sink = {
	.line = on_line,
	.truncated = on_truncated,
	.lost = on_lost,
};

/* ---- channels ---- */

static struct channel *channel_new(struct decoder *d, const struct decode_chunk *c)
{
	struct channel *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	ch->stream = stream_new(&channel_stream_sink, ch);
	if (!ch->stream) {
		free(ch);
		return NULL;
	}
	framer_init(&ch->fr, d->o.message_cap, &channel_framer_sink, ch);
	ch->d = d;
	ch->chan = c->chan;
	ch->dir = c->dir;
	ch->session_key = c->session_key;
	return ch;
}

static void channel_free(struct decoder *d, struct channel *ch)
{
	const struct stream_stats *ss = stream_stats(ch->stream);

	d->freed_duplicate += ss->duplicate;
	d->freed_overflow += ss->held_overflow;
	stream_free(ch->stream);
	framer_free(&ch->fr);
	free(ch);
}

static void channels_grow(struct decoder *d)
{
	size_t nb = d->nbuckets * 2;
	struct channel **b = calloc(nb, sizeof(*b)), *ch, *next;

	if (!b)
		return;
	for (size_t i = 0; i < d->nbuckets; i++)
		for (ch = d->buckets[i]; ch; ch = next) {
			next = ch->hnext;
			ch->hnext = b[hash_chan(ch->chan) & (nb - 1)];
			b[hash_chan(ch->chan) & (nb - 1)] = ch;
		}
	free(d->buckets);
	d->buckets = b;
	d->nbuckets = nb;
}

static struct channel *channel_get(struct decoder *d, const struct decode_chunk *c)
{
	struct channel **pp = &d->buckets[hash_chan(c->chan) & (d->nbuckets - 1)], *ch;

	for (ch = *pp; ch; ch = ch->hnext)
		if (ch->chan == c->chan)
			return ch;
	ch = channel_new(d, c);
	if (!ch)
		return NULL;
	if (d->count >= d->nbuckets) {
		channels_grow(d);
		pp = &d->buckets[hash_chan(c->chan) & (d->nbuckets - 1)];
	}
	ch->hnext = *pp;
	*pp = ch;
	d->count++;
	return ch;
}

/* ---- the decoder ---- */

struct decoder *decoder_new(const struct decode_opts *o, const struct decode_sink *sink, void *ctx)
{
	struct decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->o = *o;
	if (!d->o.message_cap)
		d->o.message_cap = MW_MESSAGE_CAP_DEFAULT;
	d->sink = *sink;
	d->ctx = ctx;
	d->buckets = calloc(MW_HASH_BUCKETS_MIN, sizeof(*d->buckets));
	d->sessions = session_table_new();
	if (!d->buckets || !d->sessions) {
		decoder_free(d);
		return NULL;
	}
	d->nbuckets = MW_HASH_BUCKETS_MIN;
	return d;
}

void decoder_free(struct decoder *d)
{
	struct channel *ch, *next;

	if (!d)
		return;
	for (size_t i = 0; i < d->nbuckets; i++)
		for (ch = d->buckets[i]; ch; ch = next) {
			next = ch->hnext;
			channel_free(d, ch);
		}
	free(d->buckets);
	session_table_free(d->sessions);
	free(d);
}

int decoder_feed(struct decoder *d, const struct decode_chunk *c)
{
	struct channel *ch;
	int err;

	d->st.chunks++;
	d->st.bytes += c->len;
	ch = channel_get(d, c);
	if (!ch) {
		d->st.oom++;
		return -ENOMEM;
	}
	ch->tgid = c->tgid;
	ch->start_ns = c->start_ns;
	ch->last_ns = c->ts_ns;
	err = stream_feed(ch->stream, c->offset, c->data, c->len, c->ts_ns);
	if (err)
		d->st.oom++;
	return err;
}

int decoder_join(struct decoder *d, const struct decode_chunk *c, uint64_t off)
{
	struct channel *ch = channel_get(d, c);
	int err;

	if (!ch) {
		d->st.oom++;
		return -ENOMEM;
	}
	err = stream_start_at(ch->stream, off);
	if (err)
		return err;
	ch->joined = true;
	ch->join_off = off;
	d->st.joined++;
	return 0;
}

/* Its session ended and no chunk came for the reorder wait. */
static bool channel_done(const struct decoder *d, const struct channel *ch, uint64_t now_ns)
{
	return ch->ended && now_ns >= d->o.reorder_wait_ns &&
	       ch->last_ns < now_ns - d->o.reorder_wait_ns;
}

/* Flush a finished channel, count its unfinished line, free it. */
static void channel_reclaim(struct decoder *d, struct channel *ch)
{
	stream_flush(ch->stream);
	d->st.unterminated_bytes += ch->fr.len;
	channel_free(d, ch);
}

void decoder_expire(struct decoder *d, uint64_t now_ns)
{
	struct channel **pp, *ch;

	for (size_t i = 0; i < d->nbuckets; i++)
		for (pp = &d->buckets[i]; (ch = *pp);) {
			stream_expire(ch->stream, now_ns, d->o.reorder_wait_ns);
			if (!channel_done(d, ch, now_ns)) {
				pp = &ch->hnext;
				continue;
			}
			*pp = ch->hnext;
			d->count--;
			channel_reclaim(d, ch);
		}
}

void decoder_flush(struct decoder *d)
{
	struct channel *ch;

	for (size_t i = 0; i < d->nbuckets; i++)
		for (ch = d->buckets[i]; ch; ch = ch->hnext)
			stream_flush(ch->stream);
}

void decoder_end_session(struct decoder *d, uint64_t session_key)
{
	struct channel *ch;

	session_end(d->sessions, session_key);
	for (size_t i = 0; i < d->nbuckets; i++)
		for (ch = d->buckets[i]; ch; ch = ch->hnext)
			if (ch->session_key == session_key)
				ch->ended = true;
}

void decoder_stats(const struct decoder *d, struct decode_stats *out)
{
	const struct stream_stats *ss;
	const struct channel *ch;

	*out = d->st;
	out->duplicate_bytes = d->freed_duplicate;
	out->held_overflow = d->freed_overflow;
	for (size_t i = 0; i < d->nbuckets; i++)
		for (ch = d->buckets[i]; ch; ch = ch->hnext) {
			ss = stream_stats(ch->stream);
			out->duplicate_bytes += ss->duplicate;
			out->held_overflow += ss->held_overflow;
		}
}

struct session *decoder_session(struct decoder *d, uint64_t session_key)
{
	return session_get(d->sessions, session_key, false);
}

/* One whole message text that arrived by other means (an HTTP body, an SSE event): the same
 * path as a framed line, on a channel that exists for this call only. */
void decoder_text(struct decoder *d, const struct decode_text *t)
{
	struct channel ch = {
		.d = d, .chan = t->chan, .session_key = t->session_key, .dir = t->dir,
		.tgid = t->tgid, .start_ns = t->start_ns, .last_ns = t->ts_ns,
		.envelope = t->envelope,
	};

	d->st.bytes += t->len;
	on_line(&ch, t->text, t->len, t->offset, t->ts_ns);
}
