// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/session.c: identity, correlation, pending limits, the table. */
#include <stdio.h>
#include <stdlib.h>

#include "mcpwarden/limits.h"
#include "session.h"
#include "unit.h"

/* Feed one message (JSON text) to a session. */
static void observe(struct session *s, enum mw_dir dir, const char *text, uint64_t ts,
		    struct session_corr *c)
{
	struct jscan_val root;
	struct jr_msg m;

	CHECK_EQ(jsonrpc_parse(text, strlen(text), &root), JR_PARSE_OK);
	jsonrpc_classify(&root, &m);
	m.line_size = strlen(text);
	CHECK(m.kind != JR_INVALID);
	session_observe(s, dir, &m, ts, c);
	jsonrpc_release(&m);
}

static const char init_req[] =
	"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
	"\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"roots\":{\"listChanged\":true}},"
	"\"clientInfo\":{\"name\":\"harness\",\"version\":\"1.0\"}}}";
static const char init_res[] =
	"{\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{\"tools\":{}},"
	"\"serverInfo\":{\"name\":\"secure-filesystem-server\",\"version\":\"0.2.0\"},"
	"\"instructions\":\"hi\"},\"jsonrpc\":\"2.0\",\"id\":0}";

static void test_table(void)
{
	struct session_table *t = session_table_new();
	struct session *a, *b;

	CHECK(session_get(t, 7, false) == NULL);
	a = session_get(t, 7, true);
	CHECK(a != NULL);
	CHECK_EQ(a->id, 1);
	CHECK_EQ(a->key, 7);
	b = session_get(t, 8, true);
	CHECK_EQ(b->id, 2);
	CHECK(session_get(t, 7, true) == a);
	CHECK(session_get(t, 7, false) == a);
	/* enough sessions to grow the table; all stay reachable */
	for (uint64_t k = 100; k < 1100; k++)
		CHECK(session_get(t, k << 32, true) != NULL);
	for (uint64_t k = 100; k < 1100; k++)
		CHECK_EQ(session_get(t, k << 32, false)->key, k << 32);
	CHECK(session_get(t, 7, false) == a);
	session_end(t, 7);
	CHECK(session_get(t, 7, false) == NULL);
	CHECK(session_get(t, 8, false) == b);
	session_end(t, 7);                      /* twice is harmless */
	a = session_get(t, 7, true);
	CHECK_EQ(a->id, 1003);                  /* a new session */
	CHECK(a->protocol_version == NULL);
	session_table_free(t);
}

static void test_initialize(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_C2S, init_req, 1000, &c);
	CHECK(!c.matched);
	CHECK_STR(s->protocol_version, "2025-11-25");
	CHECK_STR(json_string_value(json_object_get(s->client_info, "name")), "harness");
	CHECK(json_is_object(json_object_get(s->client_caps, "roots")));
	CHECK_EQ(s->pending_count, 1);
	observe(s, MW_DIR_S2C, init_res, 3500, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "initialize");
	CHECK(c.target == NULL);
	CHECK_EQ(c.latency_ns, 2500);
	CHECK_STR(s->protocol_version, "2025-06-18");     /* the result's wins */
	CHECK_STR(json_string_value(json_object_get(s->server_info, "name")),
		  "secure-filesystem-server");
	CHECK(json_is_object(json_object_get(s->server_caps, "tools")));
	CHECK(!s->initialized);
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
		4000, &c);
	CHECK(s->initialized);
	CHECK(!c.matched);
	CHECK_EQ(s->messages[MW_DIR_C2S], 2);
	CHECK_EQ(s->messages[MW_DIR_S2C], 1);
	CHECK_EQ(s->pending_count, 0);
	session_table_free(t);
}

static void test_two_id_spaces(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_C2S, init_req, 100, &c);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"roots/list\"}", 200,
		&c);
	CHECK(!c.duplicate_id);                 /* same id, other direction */
	CHECK_EQ(s->pending_count, 2);
	/* the client answers the server's roots/list id 0 */
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"roots\":[]}}", 250,
		&c);
	CHECK(c.matched);
	CHECK_STR(c.method, "roots/list");
	CHECK_EQ(c.latency_ns, 50);
	CHECK(s->server_info == NULL);          /* not mistaken for the initialize result */
	/* the server answers the client's initialize id 0 */
	observe(s, MW_DIR_S2C, init_res, 400, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "initialize");
	CHECK_EQ(c.latency_ns, 300);
	CHECK(s->server_info != NULL);
	CHECK_EQ(s->pending_count, 0);
	/* a response in the request's own direction answers nothing */
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}", 500, &c);
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", 600, &c);
	CHECK(!c.matched);
	CHECK_EQ(s->pending_count, 1);
	session_table_free(t);
}

static void test_string_vs_integer(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 10, &c);
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"method\":\"tools/call\","
		"\"params\":{\"name\":\"echo\"}}", 20, &c);
	CHECK(!c.duplicate_id);
	CHECK_EQ(s->pending_count, 2);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{}}", 50, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "tools/call");
	CHECK_STR(c.target, "echo");
	CHECK_EQ(c.latency_ns, 30);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[]}}", 60, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "tools/list");
	CHECK(c.target == NULL);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", 70, &c);
	CHECK(!c.matched);                      /* answered already */
	session_table_free(t);
}

static void test_long_string_ids(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	char a[400], b[400], prefix[301];
	struct session_corr c;

	memset(prefix, 'p', 300);
	prefix[300] = '\0';
	snprintf(a, sizeof(a), "{\"jsonrpc\":\"2.0\",\"id\":\"%sA\",\"method\":\"m/a\"}", prefix);
	snprintf(b, sizeof(b), "{\"jsonrpc\":\"2.0\",\"id\":\"%sB\",\"method\":\"m/b\"}", prefix);
	observe(s, MW_DIR_C2S, a, 1, &c);
	observe(s, MW_DIR_C2S, b, 2, &c);
	CHECK(!c.duplicate_id);                 /* ids share a long prefix only */
	CHECK_EQ(s->pending_count, 2);
	snprintf(b, sizeof(b), "{\"jsonrpc\":\"2.0\",\"id\":\"%sB\",\"result\":{}}", prefix);
	observe(s, MW_DIR_S2C, b, 3, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "m/b");
	snprintf(a, sizeof(a), "{\"jsonrpc\":\"2.0\",\"id\":\"%sA\",\"result\":{}}", prefix);
	observe(s, MW_DIR_S2C, a, 4, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "m/a");
	session_table_free(t);
}

static void test_errors_and_null_id(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\","
		"\"params\":{\"uri\":\"file:///nope\"}}", 100, &c);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		"\"message\":\"Parse error\"}}", 110, &c);
	CHECK(!c.matched);
	CHECK_EQ(s->pending_count, 1);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600}}", 115, &c);
	CHECK(!c.matched);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32002,"
		"\"message\":\"Resource not found\"}}", 120, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "resources/read");
	CHECK_STR(c.target, "file:///nope");
	CHECK_EQ(c.latency_ns, 20);
	CHECK_EQ(s->pending_count, 0);
	session_table_free(t);
}

static void test_duplicate_id(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
		"\"params\":{\"name\":\"old\"}}", 100, &c);
	CHECK(!c.duplicate_id);
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
		"\"params\":{\"name\":\"new\"}}", 200, &c);
	CHECK(c.duplicate_id);
	CHECK_EQ(s->pending_count, 1);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"isError\":true}}",
		260, &c);
	CHECK(c.matched);
	CHECK_STR(c.target, "new");
	CHECK_EQ(c.latency_ns, 60);
	CHECK_EQ(s->pending_evicted, 0);
	session_table_free(t);
}

static void test_pending_eviction(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;
	char buf[128];

	for (uint32_t i = 0; i <= MW_PENDING_MAX; i++) {
		snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"ping\"}", i);
		observe(s, MW_DIR_C2S, buf, 1000 + i, &c);
		if (unit_failures())
			break;
	}
	CHECK_EQ(s->pending_count, MW_PENDING_MAX);
	CHECK_EQ(s->pending_evicted, 1);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}", 1 << 20, &c);
	CHECK(!c.matched);                      /* the oldest went */
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", 1 << 20, &c);
	CHECK(c.matched);
	CHECK_EQ(c.latency_ns, (1 << 20) - 1001);
	snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%u,\"result\":{}}", MW_PENDING_MAX);
	observe(s, MW_DIR_S2C, buf, 1 << 21, &c);
	CHECK(c.matched);
	CHECK_EQ(s->pending_count, MW_PENDING_MAX - 2);
	session_table_free(t);
}

static void test_no_expiry_by_time(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;
	uint64_t hour = 3600ull * 1000000000ull;

	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\","
		"\"params\":{\"name\":\"slow\"}}", 5, &c);
	for (int i = 0; i < 100; i++)
		observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}",
			5 + i * hour, &c);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{}}", 5 + 100 * hour, &c);
	CHECK(c.matched);
	CHECK_EQ(c.latency_ns, 100 * hour);
	session_table_free(t);
}

static void test_meta_2026(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\","
		"\"method\":\"server/discover\",\"params\":{\"_meta\":{"
		"\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
		"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"v2\",\"version\":\"2.4.0\"}}}}",
		10, &c);
	CHECK_STR(s->protocol_version, "2026-07-28");
	CHECK_STR(json_string_value(json_object_get(s->client_info, "name")), "v2");
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\","
		"\"result\":{\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":{\"tools\":{}},"
		"\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"srv\"}},"
		"\"resultType\":\"complete\"}}", 30, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "server/discover");
	CHECK_STR(json_string_value(json_object_get(s->server_info, "name")), "srv");
	CHECK(json_is_object(json_object_get(s->server_caps, "tools")));
	/* a later request with another identity updates the session */
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\","
		"\"params\":{\"name\":\"echo\",\"_meta\":{"
		"\"io.modelcontextprotocol/protocolVersion\":\"2026-07-29\","
		"\"io.modelcontextprotocol/clientInfo\":{\"name\":\"other\"}}}}", 40, &c);
	CHECK_STR(s->protocol_version, "2026-07-29");
	CHECK_STR(json_string_value(json_object_get(s->client_info, "name")), "other");
	session_table_free(t);
}

static void test_unknown_method(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;

	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"vendor/secret\"}",
		1, &c);
	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601}}",
		2, &c);
	CHECK(c.matched);
	CHECK_STR(c.method, "vendor/secret");
	CHECK_EQ(s->messages[MW_DIR_S2C], 1);
	CHECK_EQ(s->messages[MW_DIR_C2S], 1);
	session_table_free(t);
}

static void first_args(void *ctx, const struct session_call *c)
{
	const json_t **out = ctx;

	if (!*out)
		*out = c->arguments ? c->arguments : json_null();
}

/* Arguments of a call in flight stay readable after its line was freed, go with the answer,
 * and are not kept past the per-session budget. */
static void test_call_arguments(void)
{
	struct session_table *t = session_table_new();
	struct session *s = session_get(t, 1, true);
	struct session_corr c;
	const json_t *args = NULL;
	char line[MW_CALL_ARGS_LINE_MAX + 128];
	unsigned int kept;

	observe(s, MW_DIR_C2S, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\","
		"\"params\":{\"name\":\"run\",\"arguments\":{\"cmd\":\"ls; id\"}}}", 1, &c);
	session_pending_foreach(s, MW_DIR_C2S, first_args, &args);
	CHECK(json_is_object(args));
	CHECK_STR(json_string_value(json_object_get(args, "cmd")), "ls; id");
	CHECK(s->args_bytes > 0);
	observe(s, MW_DIR_S2C, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}", 2, &c);
	CHECK(c.matched);
	CHECK_EQ(s->args_bytes, 0);
	/* a line over MW_CALL_ARGS_LINE_MAX keeps no arguments */
	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\","
		 "\"params\":{\"name\":\"w\",\"arguments\":{\"d\":\"%0*d\"}}}",
		 (int)MW_CALL_ARGS_LINE_MAX, 0);
	observe(s, MW_DIR_C2S, line, 3, &c);
	args = NULL;
	session_pending_foreach(s, MW_DIR_C2S, first_args, &args);
	CHECK(json_is_null(args));
	CHECK_EQ(s->args_dropped, 1);
	/* the budget: lines of ~64 KiB kept until MW_CALL_ARGS_BUDGET is spent */
	for (unsigned int i = 0; i < MW_CALL_ARGS_BUDGET / MW_CALL_ARGS_LINE_MAX + 2; i++) {
		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":"
			 "\"tools/call\",\"params\":{\"name\":\"w\",\"arguments\":{\"d\":"
			 "\"%0*d\"}}}", 100 + i, (int)MW_CALL_ARGS_LINE_MAX - 100, 0);
		observe(s, MW_DIR_C2S, line, 4 + i, &c);
	}
	kept = (unsigned int)(s->args_bytes / (MW_CALL_ARGS_LINE_MAX - 100));
	CHECK(s->args_bytes <= MW_CALL_ARGS_BUDGET);
	CHECK(kept >= MW_CALL_ARGS_BUDGET / MW_CALL_ARGS_LINE_MAX - 1);
	CHECK(s->args_dropped >= 2);
	session_table_free(t);
}

UNIT_MAIN(UNIT_TEST(test_table),
	  UNIT_TEST(test_call_arguments),
	  UNIT_TEST(test_initialize),
	  UNIT_TEST(test_two_id_spaces),
	  UNIT_TEST(test_string_vs_integer),
	  UNIT_TEST(test_long_string_ids),
	  UNIT_TEST(test_errors_and_null_id),
	  UNIT_TEST(test_duplicate_id),
	  UNIT_TEST(test_pending_eviction),
	  UNIT_TEST(test_no_expiry_by_time),
	  UNIT_TEST(test_meta_2026),
	  UNIT_TEST(test_unknown_method))
