// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/jsonrpc.c: parsing, classification, id keys, error names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "unit.h"

/* Check text (must be JSON) and classify its root into m (m points into text). */
static void classify(const char *text, struct jr_msg *m)
{
	struct jscan_val root;

	CHECK_EQ(jsonrpc_parse(text, strlen(text), &root), JR_PARSE_OK);
	jsonrpc_classify(&root, m);
	jsonrpc_release(m);     /* short strings: nothing allocated, m stays readable */
}

/* A string id unescaped (NUL-terminated, tests keep them short). */
static const char *id_str(const struct jr_msg *m)
{
	static char buf[64];

	if (m->id.type != JR_ID_STRING)
		return NULL;
	jscan_string(&m->id.v, buf, sizeof(buf));
	return buf;
}

static void test_parse(void)
{
	struct jscan_val root;
	json_t *t;

	CHECK_EQ(jsonrpc_parse("hello world", 11, &root), JR_PARSE_NOT_JSON);
	CHECK_EQ(root.type, JSCAN_NONE);
	CHECK_EQ(jsonrpc_parse("", 0, &root), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse(" \t ", 3, &root), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse("42", 2, &root), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse("\"s\"", 3, &root), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse("{oops", 5, &root), JR_PARSE_BAD_JSON);
	CHECK_EQ(jsonrpc_parse("{} x", 4, &root), JR_PARSE_BAD_JSON);
	CHECK_EQ(jsonrpc_parse("[1,", 3, &root), JR_PARSE_BAD_JSON);
	/* only the given length is read */
	CHECK_EQ(jsonrpc_parse("{\"a\":1}garbage", 7, &root), JR_PARSE_OK);
	CHECK_EQ(root.type, JSCAN_OBJECT);
	CHECK_EQ(root.n, 7);
	CHECK_EQ(jsonrpc_parse("  [1,2]", 7, &root), JR_PARSE_OK);
	CHECK_EQ(root.type, JSCAN_ARRAY);
	CHECK_EQ(jscan_count(&root), 2);
	/* U+0000 escapes are allowed, and a span parses into the same tree */
	CHECK_EQ(jsonrpc_parse("{\"a\":\"x\\u0000y\"}", 16, &root), JR_PARSE_OK);
	t = jsonrpc_tree(&root);
	CHECK_EQ(json_string_length(json_object_get(t, "a")), 3);
	json_decref(t);
}

static void test_request(void)
{
	struct jr_msg m;
	classify("{\"params\":{\"name\":\"read_file\",\"arguments\":{}},"
			     "\"method\":\"tools/call\",\"id\":0,\"jsonrpc\":\"2.0\"}", &m);

	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.method, "tools/call");
	CHECK_STR(m.target, "read_file");
	CHECK_EQ(m.id.type, JR_ID_INT);
	CHECK_EQ(m.id.num, 0);
	CHECK_EQ(m.elem.type, JSCAN_OBJECT);
	CHECK(m.elem.p[0] == '{');
	CHECK(!m.is_error);
	CHECK(m.meta_version == NULL);
	CHECK(!jsonrpc_is_mcp_opener(&m));
}

static void test_targets(void)
{
	struct jr_msg m;

	classify("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"prompts/get\","
		     "\"params\":{\"name\":\"greet\"}}", &m);
	CHECK_STR(m.target, "greet");
	classify("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\","
		     "\"params\":{\"uri\":\"file:///etc/hosts\",\"name\":\"x\"}}", &m);
	CHECK_STR(m.target, "file:///etc/hosts");
	classify("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\","
		     "\"params\":{\"name\":\"x\"}}", &m);
	CHECK(m.target == NULL);
	classify("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":[1]}", &m);
	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK(m.target == NULL);
}

static void test_notification_and_unknown(void)
{
	struct jr_msg m;

	classify("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m);
	CHECK_EQ(m.kind, JR_NOTIFICATION);
	CHECK(m.id.type == JR_ID_NONE);
	CHECK_STR(m.method, "notifications/initialized");
	classify("{\"jsonrpc\":\"2.0\",\"id\":\"v-1\",\"method\":\"acme/frobnicate\"}", &m);
	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.method, "acme/frobnicate");
	CHECK_STR(id_str(&m), "v-1");
}

static void test_results(void)
{
	struct jr_msg m;

	classify("{\"result\":{\"content\":[]},\"id\":7,\"jsonrpc\":\"2.0\"}", &m);
	CHECK_EQ(m.kind, JR_RESULT);
	CHECK(!m.is_error);
	CHECK_EQ(m.id.num, 7);
	CHECK(m.method == NULL);
	classify("{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{\"content\":[],\"isError\":true}}",
		     &m);
	CHECK_EQ(m.kind, JR_RESULT);
	CHECK(m.is_error);
	CHECK_EQ(m.error_code, 0);
	classify("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"isError\":false}}", &m);
	CHECK(!m.is_error);
	classify("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"isError\":\"yes\"}}", &m);
	CHECK(!m.is_error);
}

static void test_errors(void)
{
	struct jr_msg m;

	classify("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
		     "\"message\":\"Bad Request: No valid session ID provided\"}}", &m);
	CHECK_EQ(m.kind, JR_ERROR);
	CHECK(m.is_error);
	CHECK_EQ(m.error_code, -32000);
	CHECK_STR(m.error_message, "Bad Request: No valid session ID provided");
	CHECK_EQ(m.id.type, JR_ID_NULL);
	classify("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32700,\"message\":\"x\"}}", &m);
	CHECK_EQ(m.kind, JR_ERROR);
	CHECK(m.id.type == JR_ID_NONE);
	classify("{\"error\":{\"message\":\"no code\"},\"id\":\"a\",\"jsonrpc\":\"2.0\"}", &m);
	CHECK_EQ(m.kind, JR_ERROR);
	CHECK_EQ(m.error_code, 0);
	CHECK_STR(id_str(&m), "a");
}

static void test_invalid(void)
{
	static const char *const bad[] = {
		"{}",
		"[]",
		"{\"method\":\"ping\",\"id\":1}",                          /* no jsonrpc */
		"{\"jsonrpc\":\"1.0\",\"method\":\"ping\",\"id\":1}",
		"{\"jsonrpc\":2.0,\"method\":\"ping\",\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1.5}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":null}",
		"{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":{}}",
		"{\"jsonrpc\":\"2.0\",\"method\":7,\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"result\":{}}",                     /* result needs an id */
		"{\"jsonrpc\":\"2.0\",\"result\":{},\"id\":null}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"result\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{}}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"boom\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":[1],\"error\":{}}",
		"{\"level\":30,\"msg\":\"listening\"}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jr_msg m;

		classify(bad[i], &m);

		CHECK_EQ(m.kind, JR_INVALID);
		CHECK(m.method == NULL);
		CHECK(m.id.type == JR_ID_NONE);
		if (unit_failures()) {
			printf("    input: %s\n", bad[i]);
			break;
		}
	}
	{
		struct jscan_val none = { 0 }, num = { JSCAN_INTEGER, "1", 1 };
		struct jr_msg m;

		jsonrpc_classify(&none, &m);
		CHECK_EQ(m.kind, JR_INVALID);
		jsonrpc_classify(&num, &m);
		CHECK_EQ(m.kind, JR_INVALID);
	}
}

static void test_meta_2026(void)
{
	struct jr_msg m;
	json_t *client;

	classify(
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
		"\"name\":\"echo\",\"_meta\":{"
		"\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
		"\"io.modelcontextprotocol/clientCapabilities\":{},"
		"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"cli\",\"version\":\"2.4.0\"}}}}",
		&m);

	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.meta_version, "2026-07-28");
	CHECK_EQ(m.meta_client.type, JSCAN_OBJECT);
	client = jsonrpc_tree(&m.meta_client);
	CHECK_STR(json_string_value(json_object_get(client, "name")), "cli");
	json_decref(client);
	CHECK_STR(m.target, "echo");
	CHECK(jsonrpc_is_mcp_opener(&m));
}

static void test_openers(void)
{
	struct jr_msg m;

	classify("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}", &m);
	CHECK(jsonrpc_is_mcp_opener(&m));
	classify("{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\","
		     "\"method\":\"server/discover\"}", &m);
	CHECK(jsonrpc_is_mcp_opener(&m));
	classify("{\"jsonrpc\":\"2.0\",\"method\":\"initialize\"}", &m);
	CHECK(!jsonrpc_is_mcp_opener(&m));      /* a notification opens nothing */
	classify("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}", &m);
	CHECK(!jsonrpc_is_mcp_opener(&m));
}

/* The id of {"id":TEXT,...}. */
static void id_of(const char *text, struct jr_id *id, char *store, size_t size)
{
	struct jr_msg m;

	snprintf(store, size, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}", text);
	classify(store, &m);
	*id = m.id;
}

static void test_id_keys(void)
{
	char buf[32], small[6], store[128];
	struct jr_id v;
	json_t *j;

	id_of("0", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "n:0");
	id_of("-42", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "n:-42");
	id_of("-9223372036854775808", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), 22);
	CHECK_STR(buf, "n:-9223372036854775808");
	id_of("\"0\"", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "s:0");                  /* differs from the integer 0 */
	id_of("\"listen:0\"", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, small, sizeof(small)), 5);
	CHECK_STR(small, "s:lis");
	id_of("1234567", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, small, sizeof(small)), 5);
	CHECK_STR(small, "n:123");
	id_of("\"a\\u0000b\"", &v, store, sizeof(store));
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), 5);
	CHECK_MEM(buf, 6, "s:a\0b", 6);
	j = jsonrpc_id_json(&v);
	CHECK_EQ(json_string_length(j), 3);
	json_decref(j);
	id_of("\"\\u00e9\\ud83d\\ude00\"", &v, store, sizeof(store));   /* escapes unescaped */
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), 8);
	CHECK_STR(buf, "s:\xc3\xa9\xf0\x9f\x98\x80");
	id_of("7", &v, store, sizeof(store));
	j = jsonrpc_id_json(&v);
	CHECK_EQ(json_integer_value(j), 7);
	json_decref(j);
	v.type = JR_ID_NONE;
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), -1);
	CHECK(jsonrpc_id_json(&v) == NULL);
	v.type = JR_ID_NULL;
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), -1);
	j = jsonrpc_id_json(&v);
	CHECK(json_is_null(j));
	v.type = JR_ID_OTHER;
	CHECK_EQ(jsonrpc_id_key(&v, buf, sizeof(buf)), -1);
}

/* Strings longer than the message's own room are allocated, and released. */
static void test_long_strings(void)
{
	size_t len = MW_JR_STRS_INLINE * 3;
	char *text = malloc(len + 200), *name = malloc(len + 1);
	struct jscan_val root;
	struct jr_msg m;

	memset(name, 'n', len);
	name[len] = '\0';
	snprintf(text, len + 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
		 "\"params\":{\"name\":\"%s\"}}", name);
	CHECK_EQ(jsonrpc_parse(text, strlen(text), &root), JR_PARSE_OK);
	jsonrpc_classify(&root, &m);
	CHECK_STR(m.target, name);
	CHECK_STR(m.method, "tools/call");
	jsonrpc_release(&m);
	free(text);
	free(name);
}

/* Duplicate keys: the last one counts (as jansson keeps it); escaped keys match. */
static void test_duplicates_and_escaped_keys(void)
{
	struct jr_msg m;

	classify("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"a\",\"method\":\"b\","
		 "\"jsonrpc\":\"2.0\"}", &m);
	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.method, "b");
	classify("{\"\\u006asonrpc\":\"2.0\",\"id\":1,\"m\\u0065thod\":\"tools\\/call\"}", &m);
	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.method, "tools/call");
	/* a NUL ends a C string: "2.0\u0000x" reads as "2.0", as it did from a tree */
	classify("{\"jsonrpc\":\"2.0\\u0000x\",\"method\":\"ping\"}", &m);
	CHECK_EQ(m.kind, JR_NOTIFICATION);
}

static void test_error_names(void)
{
	CHECK_STR(jsonrpc_error_name(-32700), "parse error");
	CHECK_STR(jsonrpc_error_name(-32600), "invalid request");
	CHECK_STR(jsonrpc_error_name(-32601), "method not found");
	CHECK_STR(jsonrpc_error_name(-32602), "invalid params");
	CHECK_STR(jsonrpc_error_name(-32603), "internal error");
	CHECK_STR(jsonrpc_error_name(-32002), "resource not found");
	CHECK_STR(jsonrpc_error_name(-32042), "url elicitation required");
	CHECK_STR(jsonrpc_error_name(-32020), "header mismatch");
	CHECK_STR(jsonrpc_error_name(-32021), "missing required client capability");
	CHECK_STR(jsonrpc_error_name(-32022), "unsupported protocol version");
	CHECK_STR(jsonrpc_error_name(-32000), "connection closed");
	CHECK_STR(jsonrpc_error_name(-32001), "request timeout");
	CHECK(jsonrpc_error_name(0) == NULL);
	CHECK(jsonrpc_error_name(-32099) == NULL);
}

UNIT_MAIN(UNIT_TEST(test_parse),
	  UNIT_TEST(test_request),
	  UNIT_TEST(test_targets),
	  UNIT_TEST(test_notification_and_unknown),
	  UNIT_TEST(test_results),
	  UNIT_TEST(test_errors),
	  UNIT_TEST(test_invalid),
	  UNIT_TEST(test_meta_2026),
	  UNIT_TEST(test_openers),
	  UNIT_TEST(test_id_keys),
	  UNIT_TEST(test_long_strings),
	  UNIT_TEST(test_duplicates_and_escaped_keys),
	  UNIT_TEST(test_error_names))
