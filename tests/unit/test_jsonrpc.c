// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/jsonrpc.c: parsing, classification, id keys, error names. */
#include <stdio.h>

#include "jsonrpc.h"
#include "unit.h"

/* Parse text (must be JSON) and classify the root into m; returns the root to json_decref(). */
static json_t *classify(const char *text, struct jr_msg *m)
{
	json_t *root = NULL;

	CHECK_EQ(jsonrpc_parse(text, strlen(text), &root, NULL), JR_PARSE_OK);
	jsonrpc_classify(root, m);
	return root;
}

static void test_parse(void)
{
	json_error_t err;
	json_t *root;

	CHECK_EQ(jsonrpc_parse("hello world", 11, &root, NULL), JR_PARSE_NOT_JSON);
	CHECK(root == NULL);
	CHECK_EQ(jsonrpc_parse("", 0, &root, NULL), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse(" \t ", 3, &root, NULL), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse("42", 2, &root, NULL), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse("\"s\"", 3, &root, NULL), JR_PARSE_NOT_JSON);
	CHECK_EQ(jsonrpc_parse("{oops", 5, &root, &err), JR_PARSE_BAD_JSON);
	CHECK(root == NULL);
	CHECK(err.text[0] != '\0');
	CHECK_EQ(jsonrpc_parse("{} x", 4, &root, NULL), JR_PARSE_BAD_JSON);
	CHECK_EQ(jsonrpc_parse("[1,", 3, &root, NULL), JR_PARSE_BAD_JSON);
	/* only the given length is read */
	CHECK_EQ(jsonrpc_parse("{\"a\":1}garbage", 7, &root, NULL), JR_PARSE_OK);
	CHECK(json_is_object(root));
	json_decref(root);
	CHECK_EQ(jsonrpc_parse("  [1,2]", 7, &root, NULL), JR_PARSE_OK);
	CHECK_EQ(json_array_size(root), 2);
	json_decref(root);
	/* U+0000 escapes are allowed */
	CHECK_EQ(jsonrpc_parse("{\"a\":\"x\\u0000y\"}", 16, &root, NULL), JR_PARSE_OK);
	CHECK_EQ(json_string_length(json_object_get(root, "a")), 3);
	json_decref(root);
}

static void test_request(void)
{
	struct jr_msg m;
	json_t *r = classify("{\"params\":{\"name\":\"read_file\",\"arguments\":{}},"
			     "\"method\":\"tools/call\",\"id\":0,\"jsonrpc\":\"2.0\"}", &m);

	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.method, "tools/call");
	CHECK_STR(m.target, "read_file");
	CHECK(json_is_integer(m.id));
	CHECK_EQ(json_integer_value(m.id), 0);
	CHECK(m.elem == r);
	CHECK(!m.is_error);
	CHECK(m.meta_version == NULL);
	CHECK(!jsonrpc_is_mcp_opener(&m));
	json_decref(r);
}

static void test_targets(void)
{
	struct jr_msg m;
	json_t *r;

	r = classify("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"prompts/get\","
		     "\"params\":{\"name\":\"greet\"}}", &m);
	CHECK_STR(m.target, "greet");
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\","
		     "\"params\":{\"uri\":\"file:///etc/hosts\",\"name\":\"x\"}}", &m);
	CHECK_STR(m.target, "file:///etc/hosts");
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\","
		     "\"params\":{\"name\":\"x\"}}", &m);
	CHECK(m.target == NULL);
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":[1]}", &m);
	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK(m.target == NULL);
	json_decref(r);
}

static void test_notification_and_unknown(void)
{
	struct jr_msg m;
	json_t *r;

	r = classify("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m);
	CHECK_EQ(m.kind, JR_NOTIFICATION);
	CHECK(m.id == NULL);
	CHECK_STR(m.method, "notifications/initialized");
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":\"v-1\",\"method\":\"acme/frobnicate\"}", &m);
	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.method, "acme/frobnicate");
	CHECK_STR(json_string_value(m.id), "v-1");
	json_decref(r);
}

static void test_results(void)
{
	struct jr_msg m;
	json_t *r;

	r = classify("{\"result\":{\"content\":[]},\"id\":7,\"jsonrpc\":\"2.0\"}", &m);
	CHECK_EQ(m.kind, JR_RESULT);
	CHECK(!m.is_error);
	CHECK_EQ(json_integer_value(m.id), 7);
	CHECK(m.method == NULL);
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{\"content\":[],\"isError\":true}}",
		     &m);
	CHECK_EQ(m.kind, JR_RESULT);
	CHECK(m.is_error);
	CHECK_EQ(m.error_code, 0);
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"isError\":false}}", &m);
	CHECK(!m.is_error);
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"isError\":\"yes\"}}", &m);
	CHECK(!m.is_error);
	json_decref(r);
}

static void test_errors(void)
{
	struct jr_msg m;
	json_t *r;

	r = classify("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32000,"
		     "\"message\":\"Bad Request: No valid session ID provided\"}}", &m);
	CHECK_EQ(m.kind, JR_ERROR);
	CHECK(m.is_error);
	CHECK_EQ(m.error_code, -32000);
	CHECK_STR(m.error_message, "Bad Request: No valid session ID provided");
	CHECK(json_is_null(m.id));
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32700,\"message\":\"x\"}}", &m);
	CHECK_EQ(m.kind, JR_ERROR);
	CHECK(m.id == NULL);
	json_decref(r);
	r = classify("{\"error\":{\"message\":\"no code\"},\"id\":\"a\",\"jsonrpc\":\"2.0\"}", &m);
	CHECK_EQ(m.kind, JR_ERROR);
	CHECK_EQ(m.error_code, 0);
	CHECK_STR(json_string_value(m.id), "a");
	json_decref(r);
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
		json_t *r = classify(bad[i], &m);

		CHECK_EQ(m.kind, JR_INVALID);
		CHECK(m.method == NULL);
		CHECK(m.id == NULL);
		if (unit_failures()) {
			printf("    input: %s\n", bad[i]);
			json_decref(r);
			break;
		}
		json_decref(r);
	}
	{
		struct jr_msg m;

		jsonrpc_classify(NULL, &m);
		CHECK_EQ(m.kind, JR_INVALID);
	}
}

static void test_meta_2026(void)
{
	struct jr_msg m;
	json_t *r = classify(
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
		"\"name\":\"echo\",\"_meta\":{"
		"\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
		"\"io.modelcontextprotocol/clientCapabilities\":{},"
		"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"cli\",\"version\":\"2.4.0\"}}}}",
		&m);

	CHECK_EQ(m.kind, JR_REQUEST);
	CHECK_STR(m.meta_version, "2026-07-28");
	CHECK(json_is_object(m.meta_client));
	CHECK_STR(json_string_value(json_object_get(m.meta_client, "name")), "cli");
	CHECK_STR(m.target, "echo");
	CHECK(jsonrpc_is_mcp_opener(&m));
	json_decref(r);
}

static void test_openers(void)
{
	struct jr_msg m;
	json_t *r;

	r = classify("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}", &m);
	CHECK(jsonrpc_is_mcp_opener(&m));
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\","
		     "\"method\":\"server/discover\"}", &m);
	CHECK(jsonrpc_is_mcp_opener(&m));
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"method\":\"initialize\"}", &m);
	CHECK(!jsonrpc_is_mcp_opener(&m));      /* a notification opens nothing */
	json_decref(r);
	r = classify("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}", &m);
	CHECK(!jsonrpc_is_mcp_opener(&m));
	json_decref(r);
}

static void test_id_keys(void)
{
	char buf[32], small[6];
	json_t *v;

	v = json_integer(0);
	CHECK_EQ(jsonrpc_id_key(v, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "n:0");
	json_decref(v);
	v = json_integer(-42);
	CHECK_EQ(jsonrpc_id_key(v, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "n:-42");
	json_decref(v);
	v = json_string("0");
	CHECK_EQ(jsonrpc_id_key(v, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "s:0");                  /* differs from the integer 0 */
	json_decref(v);
	v = json_string("listen:0");
	CHECK_EQ(jsonrpc_id_key(v, small, sizeof(small)), 5);
	CHECK_STR(small, "s:lis");
	json_decref(v);
	v = json_integer(1234567);
	CHECK_EQ(jsonrpc_id_key(v, small, sizeof(small)), 5);
	CHECK_STR(small, "n:123");
	json_decref(v);
	v = json_stringn("a\0b", 3);
	CHECK_EQ(jsonrpc_id_key(v, buf, sizeof(buf)), 5);
	CHECK_MEM(buf, 6, "s:a\0b", 6);
	json_decref(v);
	CHECK_EQ(jsonrpc_id_key(NULL, buf, sizeof(buf)), -1);
	v = json_null();
	CHECK_EQ(jsonrpc_id_key(v, buf, sizeof(buf)), -1);
	v = json_real(1.0);
	CHECK_EQ(jsonrpc_id_key(v, buf, sizeof(buf)), -1);
	json_decref(v);
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
	  UNIT_TEST(test_error_names))
