// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * jsonrpc: classify JSON-RPC 2.0 messages as MCP uses them, from their validated text. A
 * message must carry "jsonrpc":"2.0" (anywhere in the object); requests need a string or
 * integer id. Duplicate keys: the last one counts, as when the text was parsed into a tree.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "jsonrpc.h"

#define MCP_META_VERSION "io.modelcontextprotocol/protocolVersion"
#define MCP_META_CLIENT  "io.modelcontextprotocol/clientInfo"
#define MCP_META_SERVER  "io.modelcontextprotocol/serverInfo"

static const struct {
	int64_t code;
	const char *name;
} error_names[] = {
	{ -32700, "parse error" },
	{ -32600, "invalid request" },
	{ -32601, "method not found" },
	{ -32602, "invalid params" },
	{ -32603, "internal error" },
	{ -32002, "resource not found" },
	{ -32042, "url elicitation required" },
	{ -32020, "header mismatch" },
	{ -32021, "missing required client capability" },
	{ -32022, "unsupported protocol version" },
	{ -32000, "connection closed" },
	{ -32001, "request timeout" },
};

#define VERSION_BUF 8      /* "2.0" and room to tell a longer string from it */
#define ID_JSON_STACK 256  /* string ids unescaped on the stack below this */
#define ID_INT_TEXT   24   /* "n:" and an int64_t in decimal */

static bool is_json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum jr_parse jsonrpc_parse(const char *p, size_t n, struct jscan_val *root)
{
	size_t i = 0;

	memset(root, 0, sizeof(*root));
	while (i < n && is_json_ws(p[i]))
		i++;
	if (i == n || (p[i] != '{' && p[i] != '['))
		return JR_PARSE_NOT_JSON;
	return jscan_validate(p, n, root) ? JR_PARSE_BAD_JSON : JR_PARSE_OK;
}

/* A string value unescaped into m (a C string: it ends at its first NUL, as before). */
static const char *keep_str(struct jr_msg *m, const struct jscan_val *v)
{
	size_t room = sizeof(m->strs) - m->strs_used, need = v->n - 1;  /* >= unescaped + NUL */
	char *dst;

	if (v->type != JSCAN_STRING)
		return NULL;
	if (need <= room) {
		dst = m->strs + m->strs_used;
		m->strs_used += jscan_string(v, dst, room) + 1;
		return dst;
	}
	for (size_t i = 0; i < JR_HEAP_STRS; i++) {
		if (m->heap[i])
			continue;
		m->heap[i] = malloc(need);
		if (!m->heap[i])
			return NULL;
		jscan_string(v, m->heap[i], need);
		return m->heap[i];
	}
	return NULL;
}

static bool id_ok(const struct jr_id *id)
{
	return id->type == JR_ID_STRING || id->type == JR_ID_INT;
}

/* An id of another type (a real, an object...) is kept as present but neither null nor ok. */
static void read_id(struct jr_id *id, const struct jscan_val *v)
{
	id->v = *v;
	switch (v->type) {
	case JSCAN_NONE:
		id->type = JR_ID_NONE;
		break;
	case JSCAN_NULL:
		id->type = JR_ID_NULL;
		break;
	case JSCAN_STRING:
		id->type = JR_ID_STRING;
		break;
	case JSCAN_INTEGER:
		id->type = JR_ID_INT;
		jscan_integer(v, &id->num);
		break;
	default:
		id->type = JR_ID_OTHER;
	}
}

static void classify_meta(struct jr_msg *m, const struct jscan_val *meta)
{
	static const char *const keys[] = { MCP_META_VERSION, MCP_META_CLIENT };
	struct jscan_val v[2];

	jscan_members(meta, keys, 2, v);
	m->meta_version = keep_str(m, &v[0]);
	if (v[1].type != JSCAN_NULL)
		m->meta_client = v[1];
}

static void classify_params(struct jr_msg *m)
{
	static const char *const keys[] = { "name", "uri", "arguments", "_meta" };
	struct jscan_val v[4];

	if (m->params.type != JSCAN_OBJECT)
		return;
	jscan_members(&m->params, keys, 4, v);
	if (!strcmp(m->method, "tools/call") || !strcmp(m->method, "prompts/get"))
		m->target = keep_str(m, &v[0]);
	else if (!strcmp(m->method, "resources/read"))
		m->target = keep_str(m, &v[1]);
	if (v[2].type == JSCAN_OBJECT)
		m->arguments = v[2];
	if (v[3].type == JSCAN_OBJECT)
		classify_meta(m, &v[3]);
}

static void classify_call(struct jr_msg *m, const struct jscan_val *method,
			  const struct jscan_val *params)
{
	if (method->type != JSCAN_STRING)
		return;
	if (m->id.type == JR_ID_NONE)
		m->kind = JR_NOTIFICATION;
	else if (id_ok(&m->id))
		m->kind = JR_REQUEST;
	else
		return;
	m->method = keep_str(m, method);
	if (!m->method) {       /* out of memory for a long method name */
		m->kind = JR_INVALID;
		return;
	}
	m->params = *params;
	classify_params(m);
}

static void classify_result(struct jr_msg *m, const struct jscan_val *result)
{
	static const char *const keys[] = { "isError", "_meta" };
	static const char *const meta_keys[] = { MCP_META_SERVER };
	struct jscan_val v[2];

	if (!id_ok(&m->id))
		return;
	m->kind = JR_RESULT;
	m->result = *result;
	jscan_members(result, keys, 2, v);
	m->is_error = v[0].type == JSCAN_TRUE;
	jscan_members(&v[1], meta_keys, 1, &m->meta_server);
}

static void classify_error(struct jr_msg *m, const struct jscan_val *error)
{
	static const char *const keys[] = { "code", "message" };
	struct jscan_val v[2];

	if (error->type != JSCAN_OBJECT ||
	    (m->id.type != JR_ID_NONE && m->id.type != JR_ID_NULL && !id_ok(&m->id)))
		return;
	m->kind = JR_ERROR;
	m->is_error = true;
	jscan_members(error, keys, 2, v);
	jscan_integer(&v[0], &m->error_code);
	m->error_message = keep_str(m, &v[1]);
}

static bool version_ok(const struct jscan_val *v)
{
	char buf[VERSION_BUF];

	if (v->type != JSCAN_STRING)
		return false;
	jscan_string(v, buf, sizeof(buf));
	return !strcmp(buf, "2.0");     /* as a C string: a NUL after "2.0" ends it */
}

enum { TOP_VERSION, TOP_ID, TOP_METHOD, TOP_PARAMS, TOP_RESULT, TOP_ERROR, TOP_KEYS };

void jsonrpc_classify(const struct jscan_val *elem, struct jr_msg *m)
{
	static const char *const keys[TOP_KEYS] = {
		[TOP_VERSION] = "jsonrpc", [TOP_ID] = "id", [TOP_METHOD] = "method",
		[TOP_PARAMS] = "params", [TOP_RESULT] = "result", [TOP_ERROR] = "error",
	};
	struct jscan_val v[TOP_KEYS];
	bool method, result, error;

	memset(m, 0, offsetof(struct jr_msg, strs));
	m->kind = JR_INVALID;
	m->elem = *elem;
	if (elem->type != JSCAN_OBJECT)
		return;
	jscan_members(elem, keys, TOP_KEYS, v);
	if (!version_ok(&v[TOP_VERSION]))
		return;
	read_id(&m->id, &v[TOP_ID]);
	method = v[TOP_METHOD].type != JSCAN_NONE;
	result = v[TOP_RESULT].type != JSCAN_NONE;
	error = v[TOP_ERROR].type != JSCAN_NONE;
	if (method && !result && !error)
		classify_call(m, &v[TOP_METHOD], &v[TOP_PARAMS]);
	else if (result && !method && !error)
		classify_result(m, &v[TOP_RESULT]);
	else if (error && !method && !result)
		classify_error(m, &v[TOP_ERROR]);
	if (m->kind == JR_INVALID)
		memset(&m->id, 0, sizeof(m->id));
}

void jsonrpc_release(struct jr_msg *m)
{
	for (size_t i = 0; i < JR_HEAP_STRS; i++) {
		free(m->heap[i]);
		m->heap[i] = NULL;
	}
}

json_t *jsonrpc_tree(const struct jscan_val *v)
{
	if (v->type == JSCAN_NONE)
		return NULL;
	return json_loadb(v->p, v->n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

json_t *jsonrpc_id_json(const struct jr_id *id)
{
	char small[ID_JSON_STACK], *buf = small;
	json_t *j;
	size_t len;

	switch (id->type) {
	case JR_ID_NULL:
		return json_null();
	case JR_ID_INT:
		return json_integer((json_int_t)id->num);
	case JR_ID_STRING:
		break;
	default:
		return NULL;
	}
	if (id->v.n > sizeof(small)) {
		buf = malloc(id->v.n);
		if (!buf)
			return NULL;
	}
	len = jscan_string(&id->v, buf, buf == small ? sizeof(small) : id->v.n);
	j = json_stringn(buf, len);
	if (buf != small)
		free(buf);
	return j;
}

/* "n:" and the decimal text of v; returns its length. */
static int int_text(int64_t v, char out[ID_INT_TEXT])
{
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char rev[ID_INT_TEXT];
	int n = 0, k = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	out[k++] = 'n';
	out[k++] = ':';
	if (v < 0)
		out[k++] = '-';
	while (n)
		out[k++] = rev[--n];
	return k;
}

int jsonrpc_id_key(const struct jr_id *id, char *buf, size_t size)
{
	char txt[ID_INT_TEXT];
	size_t len;
	int n;

	if (!size)
		return -1;
	if (id->type == JR_ID_INT) {     /* as snprintf "n:%" PRId64 would, without its cost */
		n = int_text(id->num, txt);
		len = (size_t)n < size - 1 ? (size_t)n : size - 1;
		memcpy(buf, txt, len);
		buf[len] = '\0';
		return (int)len;
	}
	if (id->type != JR_ID_STRING)
		return -1;
	snprintf(buf, size, "s:");
	if (size <= 2)
		return (int)(size - 1);
	len = jscan_string(&id->v, buf + 2, size - 2);
	return (int)(2 + (len < size - 3 ? len : size - 3));
}

bool jsonrpc_is_mcp_opener(const struct jr_msg *m)
{
	if (m->kind != JR_REQUEST)
		return false;
	return m->meta_version || !strcmp(m->method, "initialize") ||
	       !strcmp(m->method, "server/discover");
}

const char *jsonrpc_error_name(int64_t code)
{
	for (size_t i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++)
		if (error_names[i].code == code)
			return error_names[i].name;
	return NULL;
}
