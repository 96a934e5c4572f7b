// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/attrib.c: requests in flight per server root, fed through a real decoder. */
#include <stdio.h>

#include "attrib.h"
#include "decode.h"
#include "unit.h"

#define ROOT     4242u
#define KEYS_MAX 16u
#define TXT_LEN  256

/* A decoder (no sink: only its sessions matter here) and the attribution under test. */
struct fix {
	struct decoder *d;
	struct attrib *a;
	uint64_t off[KEYS_MAX][2];      /* next byte offset per (session key, direction) */
	uint64_t ts;
	char txt[TXT_LEN];
};

static const struct decode_sink no_sink;

static void fix_init(struct fix *f)
{
	struct decode_opts o = { .reorder_wait_ns = 1000000000ull };

	memset(f, 0, sizeof(*f));
	f->d = decoder_new(&o, &no_sink, NULL);
	f->a = attrib_new();
	CHECK(f->d != NULL);
	CHECK(f->a != NULL);
}

static void fix_free(struct fix *f)
{
	attrib_free(f->a);
	decoder_free(f->d);
}

/* NDJSON bytes on the channel of one direction of session key (< KEYS_MAX). */
static void feed(struct fix *f, uint64_t key, enum mw_dir dir, const char *ndjson)
{
	struct decode_chunk c = {
		.chan = key * 2 + dir, .offset = f->off[key][dir], .data = (const uint8_t *)ndjson,
		.len = strlen(ndjson), .ts_ns = ++f->ts, .dir = dir, .session_key = key,
		.tgid = (uint32_t)(1000 + key), .start_ns = 7,
	};

	CHECK_EQ(decoder_feed(f->d, &c), 0);
	f->off[key][dir] += c.len;
}

static void c2s(struct fix *f, uint64_t key, const char *ndjson)
{
	feed(f, key, MW_DIR_C2S, ndjson);
}

static void s2c(struct fix *f, uint64_t key, const char *ndjson)
{
	feed(f, key, MW_DIR_S2C, ndjson);
}

/* The MCP opening: initialize, its result, notifications/initialized. */
static void handshake(struct fix *f, uint64_t key)
{
	c2s(f, key, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
		"\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
		"\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}\n");
	s2c(f, key, "{\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{"
		"\"tools\":{}},\"serverInfo\":{\"name\":\"srv\",\"version\":\"1\"}},"
		"\"jsonrpc\":\"2.0\",\"id\":0}\n");
	c2s(f, key, "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}\n");
}

static void call_tool(struct fix *f, uint64_t key, const char *id_json, const char *tool)
{
	char line[512];

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"tools/call\","
		 "\"params\":{\"name\":\"%s\",\"arguments\":{\"path\":\"/tmp/x\"}}}\n", id_json,
		 tool);
	c2s(f, key, line);
}

static void answer(struct fix *f, uint64_t key, const char *id_json)
{
	char line[256];

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":"
		 "[{\"type\":\"text\",\"text\":\"done\"}]}}\n", id_json);
	s2c(f, key, line);
}

static json_t *calls(struct fix *f, uint32_t root)
{
	json_t *arr = attrib_calls(f->a, f->d, root, f->txt, sizeof(f->txt));

	CHECK(json_is_array(arr));
	return arr;
}

static uint64_t session_id(struct fix *f, uint64_t key)
{
	struct session *s = decoder_session(f->d, key);

	CHECK(s != NULL);
	return s ? s->id : 0;
}

static const char *str_at(json_t *arr, size_t i, const char *k)
{
	return json_string_value(json_object_get(json_array_get(arr, i), k));
}

static json_int_t int_at(json_t *arr, size_t i, const char *k)
{
	return json_integer_value(json_object_get(json_array_get(arr, i), k));
}

static void test_one_call(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	call_tool(&f, 1, "2", "read_file");
	CHECK_EQ(attrib_note(f.a, ROOT, 1), 0);
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	CHECK_EQ(int_at(arr, 0, "session"), session_id(&f, 1));
	CHECK(json_is_integer(json_object_get(json_array_get(arr, 0), "id")));
	CHECK_EQ(int_at(arr, 0, "id"), 2);
	CHECK_STR(str_at(arr, 0, "method"), "tools/call");
	CHECK_STR(str_at(arr, 0, "tool"), "read_file");
	CHECK_STR(f.txt, "tools/call read_file id=2");
	json_decref(arr);
	fix_free(&f);
}

static void test_string_ids(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	call_tool(&f, 1, "\"call-7\"", "echo");
	call_tool(&f, 1, "\"8\"", "echo");              /* a string that looks like a number */
	attrib_note(f.a, ROOT, 1);
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 2);
	CHECK_STR(str_at(arr, 0, "id"), "call-7");
	CHECK(json_is_string(json_object_get(json_array_get(arr, 1), "id")));
	CHECK_STR(str_at(arr, 1, "id"), "8");
	CHECK_STR(f.txt, "tools/call echo id=call-7 (+1 more)");
	json_decref(arr);
	fix_free(&f);
}

static void test_two_concurrent(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	attrib_note(f.a, ROOT, 1);
	call_tool(&f, 1, "5", "search_files");
	call_tool(&f, 1, "3", "write_file");            /* ids need not grow */
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 2);
	CHECK_EQ(int_at(arr, 0, "id"), 5);              /* oldest first */
	CHECK_STR(str_at(arr, 0, "tool"), "search_files");
	CHECK_EQ(int_at(arr, 1, "id"), 3);
	CHECK_STR(str_at(arr, 1, "tool"), "write_file");
	CHECK_STR(f.txt, "tools/call search_files id=5 (+1 more)");
	json_decref(arr);
	fix_free(&f);
}

static void test_answered_not_listed(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	attrib_note(f.a, ROOT, 1);
	call_tool(&f, 1, "5", "a");
	call_tool(&f, 1, "6", "b");
	answer(&f, 1, "5");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	CHECK_EQ(int_at(arr, 0, "id"), 6);
	CHECK_STR(f.txt, "tools/call b id=6");
	json_decref(arr);
	s2c(&f, 1, "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":-32602,"
		"\"message\":\"Unknown tool: b\"}}\n");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);
	CHECK_STR(f.txt, "");
	json_decref(arr);
	fix_free(&f);
}

static void test_none_in_flight(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	c2s(&f, 1, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
		"\"params\":{\"requestId\":9}}\n");
	attrib_note(f.a, ROOT, 1);
	memcpy(f.txt, "stale", 6);
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);
	CHECK_STR(f.txt, "");
	json_decref(arr);
	fix_free(&f);
}

static void test_partial_line_not_listed(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	attrib_note(f.a, ROOT, 1);
	c2s(&f, 1, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);              /* not read whole yet */
	json_decref(arr);
	c2s(&f, 1, "\"params\":{\"name\":\"slow\"}}\n");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	CHECK_STR(str_at(arr, 0, "tool"), "slow");
	json_decref(arr);
	fix_free(&f);
}

static void test_server_requests_not_listed(void)
{
	struct fix f;
	json_t *arr, *tool;

	fix_init(&f);
	handshake(&f, 1);
	attrib_note(f.a, ROOT, 1);
	s2c(&f, 1, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"roots/list\"}\n");
	s2c(&f, 1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sampling/createMessage\","
		"\"params\":{\"messages\":[],\"maxTokens\":10}}\n");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);
	CHECK_STR(f.txt, "");
	json_decref(arr);
	c2s(&f, 1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);              /* same id, other direction */
	CHECK_STR(str_at(arr, 0, "method"), "ping");
	tool = json_object_get(json_array_get(arr, 0), "tool");
	CHECK(!tool || json_is_null(tool));
	CHECK_STR(f.txt, "ping id=1");
	json_decref(arr);
	fix_free(&f);
}

static void test_forget(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	call_tool(&f, 1, "1", "t");
	attrib_note(f.a, ROOT, 1);
	attrib_forget(f.a, ROOT);
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);
	CHECK_STR(f.txt, "");
	json_decref(arr);
	attrib_forget(f.a, ROOT);                       /* twice is harmless */
	attrib_forget(f.a, ROOT + 1);                   /* never noted */
	CHECK_EQ(attrib_note(f.a, ROOT, 1), 0);         /* noted again: a new entry */
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	json_decref(arr);
	fix_free(&f);
}

static void test_unknown_root(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	call_tool(&f, 1, "1", "t");
	attrib_note(f.a, ROOT, 1);
	arr = calls(&f, ROOT + 256);                    /* same hash bucket, other root */
	CHECK_EQ(json_array_size(arr), 0);
	CHECK_STR(f.txt, "");
	json_decref(arr);
	arr = calls(&f, 0);
	CHECK_EQ(json_array_size(arr), 0);
	json_decref(arr);
	fix_free(&f);
}

static void test_roots_apart(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	handshake(&f, 2);
	call_tool(&f, 1, "1", "one");
	call_tool(&f, 2, "1", "two");
	attrib_note(f.a, ROOT, 1);
	attrib_note(f.a, ROOT + 256, 2);                /* shares the bucket */
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	CHECK_STR(str_at(arr, 0, "tool"), "one");
	json_decref(arr);
	arr = calls(&f, ROOT + 256);
	CHECK_EQ(json_array_size(arr), 1);
	CHECK_STR(str_at(arr, 0, "tool"), "two");
	CHECK_EQ(int_at(arr, 0, "session"), session_id(&f, 2));
	json_decref(arr);
	attrib_forget(f.a, ROOT);                       /* the other stays */
	arr = calls(&f, ROOT + 256);
	CHECK_EQ(json_array_size(arr), 1);
	json_decref(arr);
	fix_free(&f);
}

static void test_session_noted_twice(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	call_tool(&f, 1, "1", "t");
	for (int i = 0; i < 5; i++)                     /* once per payload chunk */
		CHECK_EQ(attrib_note(f.a, ROOT, 1), 0);
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);              /* listed once */
	CHECK_STR(f.txt, "tools/call t id=1");
	json_decref(arr);
	fix_free(&f);
}

static void test_ended_or_unknown_session(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	attrib_note(f.a, ROOT, 3);                      /* no bytes from it yet */
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);
	json_decref(arr);
	handshake(&f, 3);
	call_tool(&f, 3, "1", "t");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	json_decref(arr);
	decoder_end_session(f.d, 3);                    /* its process ended */
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 0);
	CHECK_STR(f.txt, "");
	json_decref(arr);
	fix_free(&f);
}

static void test_many_sessions_keeps_newest(void)
{
	struct fix f;
	json_t *arr;
	char tool[16];

	fix_init(&f);
	for (uint64_t k = 1; k <= 9; k++) {
		handshake(&f, k);
		snprintf(tool, sizeof(tool), "t%u", (unsigned)k);
		call_tool(&f, k, "1", tool);
		CHECK_EQ(attrib_note(f.a, ROOT, k), 0);
	}
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 8);
	CHECK_STR(str_at(arr, 0, "tool"), "t2");        /* key 1, the oldest, went */
	CHECK_STR(str_at(arr, 7, "tool"), "t9");
	for (size_t i = 0; i < json_array_size(arr); i++)
		CHECK_EQ(int_at(arr, i, "session"), session_id(&f, i + 2));
	CHECK_STR(f.txt, "tools/call t2 id=1 (+7 more)");
	json_decref(arr);
	fix_free(&f);
}

/* Calls of two sessions of one server come out oldest first, whatever the session order. */
static void test_oldest_first_across_sessions(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	handshake(&f, 2);
	attrib_note(f.a, ROOT, 1);
	attrib_note(f.a, ROOT, 2);
	call_tool(&f, 2, "1", "older");
	call_tool(&f, 1, "1", "newer");
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 2);
	CHECK_STR(str_at(arr, 0, "tool"), "older");
	CHECK_STR(str_at(arr, 1, "tool"), "newer");
	CHECK_STR(f.txt, "tools/call older id=1 (+1 more)");
	json_decref(arr);
	fix_free(&f);
}

/* A session that keeps talking is not pushed out by eight newer ones. */
static void test_active_session_kept(void)
{
	struct fix f;
	json_t *arr;

	fix_init(&f);
	handshake(&f, 1);
	call_tool(&f, 1, "1", "long_running");
	for (uint64_t k = 2; k <= 12; k++) {
		attrib_note(f.a, ROOT, 1);
		handshake(&f, k);
		attrib_note(f.a, ROOT, k);
	}
	arr = calls(&f, ROOT);
	CHECK_EQ(json_array_size(arr), 1);
	CHECK_STR(str_at(arr, 0, "tool"), "long_running");
	json_decref(arr);
	fix_free(&f);
}

static void test_short_txt(void)
{
	struct fix f;
	json_t *arr;
	char txt[12];

	fix_init(&f);
	handshake(&f, 1);
	attrib_note(f.a, ROOT, 1);
	call_tool(&f, 1, "\"a-very-long-request-id\"", "tool_with_a_long_name");
	call_tool(&f, 1, "2", "b");
	arr = attrib_calls(f.a, f.d, ROOT, txt, sizeof(txt));
	CHECK_EQ(json_array_size(arr), 2);
	CHECK_STR(txt, "tools/call ");                  /* truncated, terminated */
	json_decref(arr);
	fix_free(&f);
}

UNIT_MAIN(UNIT_TEST(test_one_call),
	  UNIT_TEST(test_string_ids),
	  UNIT_TEST(test_two_concurrent),
	  UNIT_TEST(test_answered_not_listed),
	  UNIT_TEST(test_none_in_flight),
	  UNIT_TEST(test_partial_line_not_listed),
	  UNIT_TEST(test_server_requests_not_listed),
	  UNIT_TEST(test_forget),
	  UNIT_TEST(test_unknown_root),
	  UNIT_TEST(test_roots_apart),
	  UNIT_TEST(test_session_noted_twice),
	  UNIT_TEST(test_ended_or_unknown_session),
	  UNIT_TEST(test_many_sessions_keeps_newest),
	  UNIT_TEST(test_oldest_first_across_sessions),
	  UNIT_TEST(test_active_session_kept),
	  UNIT_TEST(test_short_txt))
