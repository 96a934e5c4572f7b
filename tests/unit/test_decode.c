// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/decode.c: the whole pipeline from chunks to correlated messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"
#include "mcpwarden/limits.h"
#include "unit.h"

#define SEC 1000000000ull

/* What the decoder reported, in order, as text; plus details of the last events. */
struct rec {
	char log[1 << 15];
	size_t used;
	unsigned msgs, skipped, truncated, gaps, joined;
	struct decode_note last_gap, last_trunc;
	int last_reason;
	char last_preview[MW_PREVIEW_MAX + 8];
	size_t big_text_len;    /* longest result.content[0].text seen */
	bool big_text_ok;       /* and it held only 'a's */
	struct session *last_session;
	struct decode_msg last_msg;
	bool log_full;
};

static void rec_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rec_printf(struct rec *r, const char *fmt, ...)
{
	size_t room = sizeof(r->log) - r->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->log + r->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		r->log_full = true;
	else
		r->used += n;
}

static const char *kind_name(enum jr_kind k)
{
	switch (k) {
	case JR_REQUEST: return "req";
	case JR_NOTIFICATION: return "note";
	case JR_RESULT: return "res";
	case JR_ERROR: return "err";
	default: return "invalid";
	}
}

static void rec_message(void *ctx, const struct decode_msg *dm)
{
	struct rec *r = ctx;
	json_t *elem = jsonrpc_tree(&dm->m->elem);
	char *dump = json_dumps(elem, JSON_COMPACT | JSON_SORT_KEYS);
	json_t *text;
	char key[64];

	r->msgs++;
	r->last_session = dm->session;
	r->last_msg = *dm;
	r->last_msg.m = NULL;
	if (jsonrpc_id_key(&dm->m->id, key, sizeof(key)) < 0)
		strcpy(key, "-");
	rec_printf(r, "M%d:%s:%s:%s@%llu+%zu", dm->dir, kind_name(dm->m->kind),
		   dm->m->method ? dm->m->method : "-", key, (unsigned long long)dm->offset,
		   dm->size);
	if (dm->batch_size)
		rec_printf(r, "[%d/%d]", dm->batch_index, dm->batch_size);
	if (dm->corr.matched)
		rec_printf(r, "=%s", dm->corr.method);
	if (dm->m->is_error)
		rec_printf(r, "!");
	if (dump && strlen(dump) < 200)
		rec_printf(r, " %s", dump);
	rec_printf(r, "|");
	free(dump);
	text = json_object_get(json_array_get(json_object_get(json_object_get(elem,
		"result"), "content"), 0), "text");
	if (json_is_string(text) && json_string_length(text) > r->big_text_len) {
		const char *t = json_string_value(text);
		size_t n = json_string_length(text);

		r->big_text_len = n;
		r->big_text_ok = true;
		for (size_t i = 0; i < n; i++)
			if (t[i] != 'a')
				r->big_text_ok = false;
	}
	json_decref(elem);
}

static void rec_skipped(void *ctx, const struct decode_note *n)
{
	struct rec *r = ctx;

	r->skipped++;
	r->last_reason = n->reason;
	snprintf(r->last_preview, sizeof(r->last_preview), "%s", n->preview);
	rec_printf(r, "S%d@%llu+%llu:%s|", n->reason, (unsigned long long)n->offset,
		   (unsigned long long)n->size, n->preview);
}

static void rec_truncated(void *ctx, const struct decode_note *n)
{
	struct rec *r = ctx;

	r->truncated++;
	r->last_trunc = *n;
	rec_printf(r, "T@%llu|", (unsigned long long)n->offset);
}

static void rec_gap(void *ctx, const struct decode_note *n)
{
	struct rec *r = ctx;

	r->gaps++;
	r->last_gap = *n;
	rec_printf(r, "G@%llu+%llu|", (unsigned long long)n->offset, (unsigned long long)n->size);
}

static void rec_joined(void *ctx, const struct decode_note *n)
{
	struct rec *r = ctx;

	r->joined++;
	rec_printf(r, "J%d@%llu+%llu:%s|", n->dir, (unsigned long long)n->offset,
		   (unsigned long long)n->size, n->preview);
}

static const struct decode_sink rec_sink = {
	.message = rec_message,
	.truncated = rec_truncated,
	.skipped = rec_skipped,
	.gap = rec_gap,
	.joined = rec_joined,
};

static struct decoder *dec_new(struct rec *r, size_t cap)
{
	struct decode_opts o = { .message_cap = cap, .reorder_wait_ns = SEC };

	memset(r, 0, sizeof(*r));
	return decoder_new(&o, &rec_sink, r);
}

static int feed(struct decoder *d, uint64_t chan, enum mw_dir dir, uint64_t off, const void *p,
		size_t n, uint64_t ts)
{
	struct decode_chunk c = {
		.chan = chan, .offset = off, .data = p, .len = n, .ts_ns = ts, .dir = dir,
		.session_key = 1, .tgid = 100, .start_ns = 5,
	};

	return decoder_feed(d, &c);
}

static int join(struct decoder *d, uint64_t chan, enum mw_dir dir, uint64_t off)
{
	struct decode_chunk c = {
		.chan = chan, .dir = dir, .session_key = 1, .tgid = 100, .start_ns = 5,
	};

	return decoder_join(d, &c, off);
}

/* One client-to-server channel with most of what a stdio stream can carry. */
static const char c2s_stream[] =
	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
	"\"protocolVersion\":\"2025-06-18\",\"clientInfo\":{\"name\":\"c\"}}}\n"
	"{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}\r\n"
	"\n"
	"Debugger listening on ws://127.0.0.1:9229\n"
	"{\"params\":{\"name\":\"echo\",\"arguments\":{\"s\":\"caf\xc3\xa9 \xe2\x9c\x93\"}},"
	"\"method\":\"tools/call\",\"id\":1,\"jsonrpc\":\"2.0\"}\n"
	"{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\n"
	"[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"},"
	"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\"}]\n";

static const char c2s_log[] =
	"M0:req:initialize:n:0@0+114 {\"id\":0,\"jsonrpc\":\"2.0\",\"method\":\"initialize\","
	"\"params\":{\"clientInfo\":{\"name\":\"c\"},\"protocolVersion\":\"2025-06-18\"}}|"
	"M0:note:notifications/initialized:-@115+54 {\"jsonrpc\":\"2.0\","
	"\"method\":\"notifications/initialized\"}|"
	"S1@172+41:Debugger listening on ws://127.0.0.1:9229|"
	"M0:req:tools/call:n:1@214+101 {\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"tools/call\","
	"\"params\":{\"arguments\":{\"s\":\"caf\xc3\xa9 \xe2\x9c\x93\"},\"name\":\"echo\"}}|"
	"S2@316+36:{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":|"
	"M0:req:ping:n:2@353+95[0/2] {\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"ping\"}|"
	"M0:note:notifications/cancelled:-@353+95[1/2] {\"jsonrpc\":\"2.0\","
	"\"method\":\"notifications/cancelled\"}|";

static void test_whole_stream(void)
{
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;

	CHECK_EQ(feed(d, 1, MW_DIR_C2S, 0, c2s_stream, sizeof(c2s_stream) - 1, 10), 0);
	CHECK_STR(r.log, c2s_log);
	decoder_stats(d, &st);
	CHECK_EQ(st.chunks, 1);
	CHECK_EQ(st.bytes, sizeof(c2s_stream) - 1);
	CHECK_EQ(st.messages, 5);
	CHECK_EQ(st.lines_not_json, 1);
	CHECK_EQ(st.lines_bad_json, 1);
	CHECK_EQ(st.lines_not_jsonrpc, 0);
	CHECK_EQ(st.gaps, 0);
	CHECK(r.last_session != NULL);
	CHECK_STR(r.last_session->protocol_version, "2025-06-18");
	CHECK(r.last_session->initialized);
	CHECK_EQ(r.last_session->pending_count, 3);
	CHECK_EQ(r.last_msg.tgid, 100);
	CHECK_EQ(r.last_msg.start_ns, 5);
	CHECK_EQ(r.last_msg.ts_ns, 10);
	decoder_free(d);
}

static void test_split_everywhere(void)
{
	size_t n = sizeof(c2s_stream) - 1;

	for (size_t cut = 1; cut < n; cut++) {
		struct rec r;
		struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

		feed(d, 1, MW_DIR_C2S, 0, c2s_stream, cut, 1);
		feed(d, 1, MW_DIR_C2S, cut, c2s_stream + cut, n - cut, 2);
		CHECK_STR(r.log, c2s_log);
		decoder_free(d);
		if (unit_failures()) {
			printf("    split at %zu\n", cut);
			break;
		}
	}
}

static void test_byte_by_byte(void)
{
	size_t n = sizeof(c2s_stream) - 1;
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;

	for (size_t i = 0; i < n; i++)
		feed(d, 1, MW_DIR_C2S, i, c2s_stream + i, 1, i);
	CHECK_STR(r.log, c2s_log);
	decoder_stats(d, &st);
	CHECK_EQ(st.chunks, n);
	CHECK_EQ(st.messages, 5);
	decoder_free(d);
}

static void test_utf8_split(void)
{
	static const char line[] =
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\","
		"\"params\":{\"data\":\"\xe2\x9c\x93 done\"}}\n";
	const char *mark = strstr(line, "\xe2\x9c\x93");
	size_t n = sizeof(line) - 1;

	for (size_t k = 1; k <= 2; k++) {       /* cut after the 1st, then the 2nd byte */
		size_t cut = (size_t)(mark - line) + k;
		struct rec r;
		struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

		feed(d, 1, MW_DIR_S2C, 0, line, cut, 1);
		CHECK_EQ(r.msgs, 0);
		feed(d, 1, MW_DIR_S2C, cut, line + cut, n - cut, 2);
		CHECK_EQ(r.msgs, 1);
		CHECK(strstr(r.log, "\"data\":\"\xe2\x9c\x93 done\"") != NULL);
		decoder_free(d);
	}
}

static void test_many_in_one_chunk(void)
{
	enum { N = 500 };
	char *buf = malloc(N * 64), *p = buf;
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;

	for (int i = 0; i < N; i++)
		p += sprintf(p, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}\n", i);
	feed(d, 1, MW_DIR_C2S, 0, buf, p - buf, 1);
	CHECK_EQ(r.msgs, N);
	CHECK_EQ(r.last_session->pending_count, N);
	p = buf;
	for (int i = N - 1; i >= 0; i--)        /* answered in reverse, also one chunk */
		p += sprintf(p, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{}}\n", i);
	feed(d, 2, MW_DIR_S2C, 0, buf, p - buf, 2);
	CHECK_EQ(r.msgs, 2 * N);
	CHECK(r.last_msg.corr.matched);
	CHECK_STR(r.last_msg.corr.method, "ping");
	CHECK_EQ(r.last_msg.corr.latency_ns, 1);
	CHECK_EQ(r.last_session->pending_count, 0);
	decoder_stats(d, &st);
	CHECK_EQ(st.messages, 2 * N);
	decoder_free(d);
	free(buf);
}

/* A tools/call answered by an ~11 MB line, then a notification, fed in 64 KiB chunks. */
static void run_huge(size_t cap, struct rec *r, size_t *line_len)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"content\":"
				   "[{\"type\":\"text\",\"text\":\"";
	static const char tail[] = "\"}],\"isError\":false}}\n"
				   "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n";
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\","
				  "\"params\":{\"uri\":\"file:///big\"}}\n";
	size_t text = 11u << 20, total = sizeof(head) - 1 + text + sizeof(tail) - 1;
	char *buf = malloc(total);
	struct decoder *d = dec_new(r, cap);

	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'a', text);
	memcpy(buf + sizeof(head) - 1 + text, tail, sizeof(tail) - 1);
	*line_len = strchr(buf + sizeof(head) - 1 + text, '\n') - buf;
	feed(d, 1, MW_DIR_C2S, 0, req, sizeof(req) - 1, 100);
	for (size_t at = 0; at < total; at += 65536)
		feed(d, 2, MW_DIR_S2C, at, buf + at, at + 65536 > total ? total - at : 65536,
		     200 + at);
	decoder_free(d);
	free(buf);
}

static void test_huge_message(void)
{
	struct rec r;
	size_t len;

	run_huge(MW_MESSAGE_CAP_DEFAULT, &r, &len);
	CHECK_EQ(r.truncated, 0);
	CHECK_EQ(r.msgs, 3);
	CHECK(strstr(r.log, "M1:res:-:n:5@0+") != NULL);
	CHECK(strstr(r.log, "=resources/read") != NULL);
	CHECK_EQ(r.last_msg.offset, len + 1);   /* the notification after it */
	CHECK_EQ(r.big_text_len, 11u << 20);
	CHECK(r.big_text_ok);
	{
		char want[64];

		snprintf(want, sizeof(want), "M1:res:-:n:5@0+%zu=resources/read|", len);
		CHECK(strstr(r.log, want) != NULL);
	}
}

static void test_huge_truncated(void)
{
	struct rec r;
	size_t len;

	run_huge(4u << 20, &r, &len);
	CHECK_EQ(r.truncated, 1);
	CHECK_EQ(r.last_trunc.offset, 0);
	CHECK(r.last_trunc.size > (4u << 20));
	CHECK_EQ(r.last_trunc.chan, 2);
	CHECK_EQ(r.last_trunc.dir, MW_DIR_S2C);
	CHECK_EQ(r.msgs, 2);                    /* the request, then the resynced notification */
	CHECK_EQ(r.last_msg.offset, len + 1);
	CHECK_EQ(r.big_text_len, 0);
	CHECK_STR(strstr(r.log, "T@0|"), "T@0|M1:note:notifications/message:-@11534426+50 "
		  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}|");
}

static void test_skips_and_previews(void)
{
	static const char in[] =
		"hello\tworld\x01 \x7f\n"
		"{\"foo\":1}\n"
		"[]\n"
		"[1,{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}]\n"
		"{\"jsonrpc\":\"2.0\",\"id\":1}\n"
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;

	feed(d, 1, MW_DIR_C2S, 0, in, sizeof(in) - 1, 1);
	CHECK_STR(r.log,
		  "S1@0+14:hello.world. .|"
		  "S3@15+9:{\"foo\":1}|"
		  "S3@25+2:[]|"
		  "S3@28+55:[1,{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}]|"
		  "M0:note:notifications/progress:-@28+55[1/2] {\"jsonrpc\":\"2.0\","
		  "\"method\":\"notifications/progress\"}|"
		  "S3@84+24:{\"jsonrpc\":\"2.0\",\"id\":1}|"
		  "M0:req:ping:n:1@109+40 {\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"ping\"}|");
	decoder_stats(d, &st);
	CHECK_EQ(st.lines_not_json, 1);
	CHECK_EQ(st.lines_not_jsonrpc, 4);
	CHECK_EQ(st.messages, 2);
	decoder_free(d);
}

static void test_preview_limits(void)
{
	char line[300];
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	memset(line, 'x', 200);
	line[200] = '\n';
	feed(d, 1, MW_DIR_C2S, 0, line, 201, 1);
	CHECK_EQ(strlen(r.last_preview), MW_PREVIEW_MAX);
	/* a multi-byte character across the limit is left out whole */
	memset(line, 'y', MW_PREVIEW_MAX - 1);
	memcpy(line + MW_PREVIEW_MAX - 1, "\xe2\x9c\x93 tail\n", 9);
	feed(d, 1, MW_DIR_C2S, 201, line, MW_PREVIEW_MAX - 1 + 9, 2);
	CHECK_EQ(strlen(r.last_preview), MW_PREVIEW_MAX - 1);
	CHECK_EQ(r.last_reason, DECODE_SKIP_NOT_JSON);
	/* one that fits ends the preview */
	memset(line, 'z', MW_PREVIEW_MAX - 3);
	memcpy(line + MW_PREVIEW_MAX - 3, "\xe2\x9c\x93 tail\n", 9);
	feed(d, 1, MW_DIR_C2S, 201 + MW_PREVIEW_MAX + 8, line, MW_PREVIEW_MAX - 3 + 9, 3);
	CHECK_EQ(strlen(r.last_preview), MW_PREVIEW_MAX);
	CHECK(strstr(r.last_preview, "\xe2\x9c\x93") != NULL);
	CHECK_EQ(r.skipped, 3);
	decoder_free(d);
}

static const char msg_a[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n";
static const char msg_b[] = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
			    "\"params\":{\"name\":\"lost\"}}\n";
static const char msg_c[] = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/list\"}\n";

static void test_duplicates_and_reorder(void)
{
	char all[512];
	size_t na = strlen(msg_a), nb = strlen(msg_b), nc = strlen(msg_c), n = na + nb + nc;
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;

	snprintf(all, sizeof(all), "%s%s%s", msg_a, msg_b, msg_c);
	/* out of order: the end first, then the start, overlapping */
	feed(d, 1, MW_DIR_C2S, na + 5, all + na + 5, n - na - 5, 1);
	CHECK_EQ(r.msgs, 0);
	feed(d, 1, MW_DIR_C2S, 0, all, na + 10, 2);
	CHECK_EQ(r.msgs, 3);
	/* the same bytes again (seen by the writer and the reader) */
	feed(d, 1, MW_DIR_C2S, 0, all, n, 3);
	CHECK_EQ(r.msgs, 3);
	CHECK(strstr(r.log, "M0:req:tools/list:n:1@0+") == r.log);
	CHECK(strstr(r.log, "M0:req:prompts/list:n:3@") != NULL);
	decoder_stats(d, &st);
	CHECK_EQ(st.duplicate_bytes, 5 + n);
	CHECK_EQ(st.gaps, 0);
	CHECK_EQ(st.messages, 3);
	decoder_free(d);
}

/* a, the first 10 bytes of b, [hole of 10 bytes], the rest of b, c */
static void feed_with_hole(struct decoder *d, uint64_t ts)
{
	char all[512];
	size_t na = strlen(msg_a), nb = strlen(msg_b), nc = strlen(msg_c), n = na + nb + nc;

	snprintf(all, sizeof(all), "%s%s%s", msg_a, msg_b, msg_c);
	feed(d, 1, MW_DIR_C2S, 0, all, na + 10, ts);
	feed(d, 1, MW_DIR_C2S, na + 20, all + na + 20, n - na - 20, ts);
}

static void check_hole(struct decoder *d, struct rec *r)
{
	size_t na = strlen(msg_a), nb = strlen(msg_b);
	struct decode_stats st;

	CHECK_EQ(r->gaps, 1);
	CHECK_EQ(r->last_gap.offset, na + 10);
	CHECK_EQ(r->last_gap.size, 10);
	CHECK_EQ(r->last_gap.chan, 1);
	CHECK_EQ(r->msgs, 2);
	CHECK(strstr(r->log, "tools/call") == NULL);
	CHECK(strstr(r->log, "M0:req:prompts/list:n:3@") != NULL);
	decoder_stats(d, &st);
	CHECK_EQ(st.gaps, 1);
	CHECK_EQ(st.gap_bytes, 10);
	CHECK_EQ(st.lost_bytes, 10 + (nb - 1 - 20));   /* both sides of the hole, not the '\n' */
}

static void test_hole_expired(void)
{
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	feed_with_hole(d, 10 * SEC);
	CHECK_EQ(r.msgs, 1);
	decoder_expire(d, 10 * SEC + SEC / 2);  /* not waited long enough */
	CHECK_EQ(r.gaps, 0);
	CHECK_EQ(r.msgs, 1);
	decoder_expire(d, 12 * SEC);
	check_hole(d, &r);
	decoder_free(d);
}

static void test_hole_flushed(void)
{
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	feed_with_hole(d, 10 * SEC);
	decoder_flush(d);
	check_hole(d, &r);
	decoder_free(d);
}

static void test_both_id_spaces(void)
{
	static const char c2s[] =
		"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}\n";
	static const char s2c_req[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"roots/list\"}\n";
	static const char c2s_res[] = "{\"id\":0,\"result\":{\"roots\":[]},\"jsonrpc\":\"2.0\"}\n";
	static const char s2c_res[] = "{\"result\":{\"protocolVersion\":\"2025-06-18\","
				      "\"serverInfo\":{\"name\":\"s\"}},\"jsonrpc\":\"2.0\",\"id\":0}\n";
	size_t o1 = strlen(c2s), o2 = strlen(s2c_req);
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	feed(d, 1, MW_DIR_C2S, 0, c2s, o1, 1000);
	feed(d, 2, MW_DIR_S2C, 0, s2c_req, o2, 2000);
	feed(d, 1, MW_DIR_C2S, o1, c2s_res, strlen(c2s_res), 2500);
	CHECK(r.last_msg.corr.matched);
	CHECK_STR(r.last_msg.corr.method, "roots/list");
	CHECK_EQ(r.last_msg.corr.latency_ns, 500);
	feed(d, 2, MW_DIR_S2C, o2, s2c_res, strlen(s2c_res), 4000);
	CHECK(r.last_msg.corr.matched);
	CHECK_STR(r.last_msg.corr.method, "initialize");
	CHECK_EQ(r.last_msg.corr.latency_ns, 3000);
	CHECK_STR(r.last_session->protocol_version, "2025-06-18");
	CHECK_EQ(r.last_session->pending_count, 0);
	decoder_free(d);
}

static void test_batches(void)
{
	static const char reqs[] =
		"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"},"
		"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"},"
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}]\n";
	static const char resps[] =
		"[{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"isError\":true}},"
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}]\n";
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	feed(d, 1, MW_DIR_C2S, 0, reqs, strlen(reqs), 1);
	feed(d, 2, MW_DIR_S2C, 0, resps, strlen(resps), 9);
	CHECK_EQ(r.msgs, 5);
	CHECK(strstr(r.log, "M0:req:tools/list:n:1@0+172[0/3] ") != NULL);
	CHECK(strstr(r.log, "M0:note:notifications/initialized:-@0+172[1/3] ") != NULL);
	CHECK(strstr(r.log, "M0:req:tools/call:n:2@0+172[2/3] ") != NULL);
	CHECK(strstr(r.log, "M1:res:-:n:2@0+99[0/2]=tools/call! ") != NULL);
	CHECK(strstr(r.log, "M1:res:-:n:1@0+99[1/2]=tools/list ") != NULL);
	CHECK_EQ(r.last_msg.batch_index, 1);
	CHECK_EQ(r.last_msg.batch_size, 2);
	CHECK(r.last_session->initialized);
	decoder_free(d);
}

static void test_error_null_id(void)
{
	static const char in[] = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
				 "\"message\":\"Bad Request\"}}\n";
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	feed(d, 2, MW_DIR_S2C, 0, in, strlen(in), 1);
	CHECK_EQ(r.msgs, 1);
	CHECK(!r.last_msg.corr.matched);
	CHECK(strstr(r.log, "M1:err:-:-@0+") == r.log);
	CHECK(strstr(r.log, "! ") != NULL);
	CHECK_EQ(r.last_msg.batch_index, -1);
	CHECK_EQ(r.last_msg.batch_size, 0);
	decoder_free(d);
}

static void test_channel_identity(void)
{
	static const char a[] = "{\"jsonrpc\":\"2.0\",";
	static const char b[] = "\"id\":1,\"method\":\"ping\"}\n";
	struct decode_chunk c = { .chan = 7, .data = (const uint8_t *)a, .len = strlen(a),
				  .ts_ns = 1, .dir = MW_DIR_S2C, .session_key = 42, .tgid = 10,
				  .start_ns = 11 };
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	decoder_feed(d, &c);
	c.offset = c.len;
	c.data = (const uint8_t *)b;
	c.len = strlen(b);
	c.ts_ns = 2;
	c.dir = MW_DIR_C2S;                     /* ignored: the first chunk decided */
	c.session_key = 43;
	c.tgid = 20;                            /* taken: the process that moved these bytes */
	c.start_ns = 21;
	decoder_feed(d, &c);
	CHECK_EQ(r.msgs, 1);
	CHECK_EQ(r.last_msg.chan, 7);
	CHECK_EQ(r.last_msg.dir, MW_DIR_S2C);
	CHECK_EQ(r.last_msg.session->key, 42);
	CHECK_EQ(r.last_msg.tgid, 20);
	CHECK_EQ(r.last_msg.start_ns, 21);
	CHECK_EQ(r.last_msg.ts_ns, 2);
	decoder_free(d);
}

static void test_end_session(void)
{
	static const char ping[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
	size_t n = strlen(ping);
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	uint64_t first;

	feed(d, 1, MW_DIR_C2S, 0, ping, n, SEC);
	first = r.last_session->id;
	decoder_end_session(d, 1);
	/* the channel stays: it goes on from where it was, in a new session */
	feed(d, 1, MW_DIR_C2S, n, ping, n, SEC);
	CHECK_EQ(r.msgs, 2);
	CHECK(r.last_session->id != first);
	CHECK_EQ(r.last_msg.offset, n);
	/* once idle past the reorder wait, an ended channel is dropped */
	decoder_end_session(d, 1);
	decoder_expire(d, 3 * SEC);
	feed(d, 1, MW_DIR_S2C, 0, ping, n, 4 * SEC);   /* a new channel: new direction */
	CHECK_EQ(r.msgs, 3);
	CHECK_EQ(r.last_msg.dir, MW_DIR_S2C);
	decoder_free(d);
}

static void test_crlf_blank_lines(void)
{
	static const char in[] = "\r\n\n  \n{\"jsonrpc\":\"2.0\",\"method\":\"a\"}\r\n\r\n"
				 "{\"jsonrpc\":\"2.0\",\"method\":\"b\"}\n";
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	feed(d, 1, MW_DIR_C2S, 0, in, strlen(in), 1);
	CHECK_STR(r.log, "M0:note:a:-@6+30 {\"jsonrpc\":\"2.0\",\"method\":\"a\"}|"
		  "M0:note:b:-@40+30 {\"jsonrpc\":\"2.0\",\"method\":\"b\"}|");
	CHECK_EQ(r.skipped, 0);
	decoder_free(d);
}

/* ---- channels joined mid-stream (a restarted collector) ---- */

static const char ping_line[] = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}\n";

/* The tail of a message written across the restart: one note, no bad JSON, then messages. */
static void test_join_skips_partial_line(void)
{
	char in[256];
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;
	size_t n = (size_t)snprintf(in, sizeof(in), "ams\":{}}\n%s", ping_line);

	CHECK_EQ(join(d, 1, MW_DIR_C2S, 1000), 0);
	CHECK_EQ(feed(d, 1, MW_DIR_C2S, 1000, in, 5, 1), 0);   /* the tail split in two */
	CHECK_EQ(feed(d, 1, MW_DIR_C2S, 1005, in + 5, n - 5, 2), 0);
	decoder_flush(d);
	CHECK_STR(r.log, "J0@1000+8:ams\":{}}|M0:req:ping:n:7@1009+40 "
		  "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"ping\"}|");
	decoder_stats(d, &st);
	CHECK_EQ(st.joined, 1);
	CHECK_EQ(st.joined_bytes, 8);
	CHECK_EQ(st.lines_bad_json + st.lines_not_json + st.gaps + st.lost_bytes, 0);
	decoder_free(d);
}

/* Joined right at a line boundary: the first line is a message on its own and is kept. */
static void test_join_keeps_whole_line(void)
{
	static const char batch[] = "[{\"jsonrpc\":\"2.0\",\"method\":\"a\"}]\n";
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	size_t n = strlen(ping_line);

	CHECK_EQ(join(d, 1, MW_DIR_S2C, 500), 0);
	CHECK_EQ(feed(d, 1, MW_DIR_S2C, 500, ping_line, n, 1), 0);
	CHECK_EQ(r.msgs, 1);
	CHECK_EQ(r.last_msg.offset, 500);
	CHECK_EQ(r.joined, 0);
	CHECK_EQ(join(d, 2, MW_DIR_S2C, 70), 0);
	CHECK_EQ(feed(d, 2, MW_DIR_S2C, 70, batch, strlen(batch), 2), 0);
	CHECK_EQ(r.msgs, 2);
	CHECK_EQ(r.joined, 0);
	decoder_free(d);
}

/* Only the line at the join offset is in doubt: a blank line first makes the next one
 * certain, and later bad lines are bad JSON as ever. */
static void test_join_only_first_line(void)
{
	char in[256];
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	size_t n = (size_t)snprintf(in, sizeof(in), "\nlog line\n{\"x\":\n");

	CHECK_EQ(join(d, 1, MW_DIR_S2C, 10), 0);
	CHECK_EQ(feed(d, 1, MW_DIR_S2C, 10, in, n, 1), 0);
	CHECK_STR(r.log, "S1@11+8:log line|S2@20+5:{\"x\":|");
	CHECK_EQ(r.joined, 0);
	decoder_free(d);
}

/* A line that is not a message at the join offset is reported as joined, whatever it is;
 * one that parses but is not JSON-RPC too. */
static void test_join_first_line_not_message(void)
{
	static const char in[] = "{\"not\":\"rpc\"}\nstarted\n";
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);

	CHECK_EQ(join(d, 1, MW_DIR_S2C, 0), 0);
	CHECK_EQ(feed(d, 1, MW_DIR_S2C, 0, in, strlen(in), 1), 0);
	CHECK_STR(r.log, "J1@0+13:{\"not\":\"rpc\"}|S1@14+7:started|");
	decoder_free(d);
}

/* Bytes lost after the join point are a gap as ever; the line they cut is lost, not joined. */
static void test_join_then_hole(void)
{
	char in[256];
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;
	size_t n = (size_t)snprintf(in, sizeof(in), "ams\":{}}\n%s", ping_line);

	CHECK_EQ(join(d, 1, MW_DIR_C2S, 100), 0);
	CHECK_EQ(feed(d, 1, MW_DIR_C2S, 110, in, n, 1), 0);
	decoder_flush(d);
	CHECK_STR(r.log, "G@100+10|M0:req:ping:n:7@119+40 "
		  "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"ping\"}|");
	decoder_stats(d, &st);
	CHECK_EQ(st.gaps, 1);
	CHECK_EQ(st.lost_bytes, 8);
	CHECK_EQ(st.joined_bytes, 0);
	decoder_free(d);
}

static void test_join_too_late(void)
{
	struct rec r;
	struct decoder *d = dec_new(&r, MW_MESSAGE_CAP_DEFAULT);
	struct decode_stats st;

	CHECK_EQ(feed(d, 1, MW_DIR_C2S, 0, ping_line, strlen(ping_line), 1), 0);
	CHECK_EQ(join(d, 1, MW_DIR_C2S, 4096), -EALREADY);
	CHECK_EQ(feed(d, 1, MW_DIR_C2S, strlen(ping_line), ping_line, strlen(ping_line), 2), 0);
	CHECK_EQ(r.msgs, 2);
	decoder_stats(d, &st);
	CHECK_EQ(st.joined, 0);
	decoder_free(d);
}

UNIT_MAIN(UNIT_TEST(test_whole_stream),
	  UNIT_TEST(test_split_everywhere),
	  UNIT_TEST(test_byte_by_byte),
	  UNIT_TEST(test_utf8_split),
	  UNIT_TEST(test_many_in_one_chunk),
	  UNIT_TEST(test_huge_message),
	  UNIT_TEST(test_huge_truncated),
	  UNIT_TEST(test_skips_and_previews),
	  UNIT_TEST(test_preview_limits),
	  UNIT_TEST(test_duplicates_and_reorder),
	  UNIT_TEST(test_hole_expired),
	  UNIT_TEST(test_hole_flushed),
	  UNIT_TEST(test_both_id_spaces),
	  UNIT_TEST(test_batches),
	  UNIT_TEST(test_error_null_id),
	  UNIT_TEST(test_channel_identity),
	  UNIT_TEST(test_end_session),
	  UNIT_TEST(test_crlf_blank_lines),
	  UNIT_TEST(test_join_skips_partial_line),
	  UNIT_TEST(test_join_keeps_whole_line),
	  UNIT_TEST(test_join_only_first_line),
	  UNIT_TEST(test_join_first_line_not_message),
	  UNIT_TEST(test_join_then_hole),
	  UNIT_TEST(test_join_too_late))
