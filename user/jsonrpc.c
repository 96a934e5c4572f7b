// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * jsonrpc: parse and classify JSON-RPC 2.0 messages as MCP uses them. A message must carry
 * "jsonrpc":"2.0" (anywhere in the object); requests need a string or integer id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonrpc.h"

#define MCP_META_VERSION "io.modelcontextprotocol/protocolVersion"
#define MCP_META_CLIENT  "io.modelcontextprotocol/clientInfo"

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

static bool is_json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum jr_parse jsonrpc_parse(const char *p, size_t n, json_t **root, json_error_t *err)
{
	size_t i = 0;

	*root = NULL;
	while (i < n && is_json_ws(p[i]))
		i++;
	if (i == n || (p[i] != '{' && p[i] != '['))
		return JR_PARSE_NOT_JSON;
	*root = json_loadb(p, n, JSON_ALLOW_NUL, err);
	return *root ? JR_PARSE_OK : JR_PARSE_BAD_JSON;
}

static bool id_ok(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

static const char *string_member(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void classify_params(struct jr_msg *m, json_t *params)
{
	json_t *meta;

	if (!json_is_object(params))
		return;
	if (!strcmp(m->method, "tools/call") || !strcmp(m->method, "prompts/get"))
		m->target = string_member(params, "name");
	else if (!strcmp(m->method, "resources/read"))
		m->target = string_member(params, "uri");
	m->arguments = json_object_get(params, "arguments");
	if (!json_is_object(m->arguments))
		m->arguments = NULL;
	meta = json_object_get(params, "_meta");
	if (!json_is_object(meta))
		return;
	m->meta_version = string_member(meta, MCP_META_VERSION);
	m->meta_client = json_object_get(meta, MCP_META_CLIENT);
	if (json_is_null(m->meta_client))
		m->meta_client = NULL;
}

static void classify_call(struct jr_msg *m, json_t *method)
{
	if (!json_is_string(method))
		return;
	if (!m->id)
		m->kind = JR_NOTIFICATION;
	else if (id_ok(m->id))
		m->kind = JR_REQUEST;
	else
		return;
	m->method = json_string_value(method);
	classify_params(m, json_object_get(m->elem, "params"));
}

static void classify_result(struct jr_msg *m, json_t *result)
{
	if (!id_ok(m->id))
		return;
	m->kind = JR_RESULT;
	m->is_error = json_is_object(result) && json_is_true(json_object_get(result, "isError"));
}

static void classify_error(struct jr_msg *m, json_t *error)
{
	json_t *code;

	if (!json_is_object(error) || (m->id && !json_is_null(m->id) && !id_ok(m->id)))
		return;
	m->kind = JR_ERROR;
	m->is_error = true;
	code = json_object_get(error, "code");
	if (json_is_integer(code))
		m->error_code = json_integer_value(code);
	m->error_message = string_member(error, "message");
}

void jsonrpc_classify(json_t *elem, struct jr_msg *m)
{
	json_t *method, *result, *error;
	const char *version;

	memset(m, 0, sizeof(*m));
	m->kind = JR_INVALID;
	m->elem = elem;
	if (!json_is_object(elem))
		return;
	version = string_member(elem, "jsonrpc");
	if (!version || strcmp(version, "2.0"))
		return;
	m->id = json_object_get(elem, "id");
	method = json_object_get(elem, "method");
	result = json_object_get(elem, "result");
	error = json_object_get(elem, "error");
	if (method && !result && !error)
		classify_call(m, method);
	else if (result && !method && !error)
		classify_result(m, result);
	else if (error && !method && !result)
		classify_error(m, error);
	if (m->kind == JR_INVALID)
		m->id = NULL;
}

int jsonrpc_id_key(const json_t *id, char *buf, size_t size)
{
	size_t len, room;
	int n;

	if (!size)
		return -1;
	if (json_is_integer(id)) {
		n = snprintf(buf, size, "n:%" PRId64, (int64_t)json_integer_value(id));
		return n < 0 ? -1 : ((size_t)n >= size ? (int)(size - 1) : n);
	}
	if (!json_is_string(id))
		return -1;
	len = json_string_length(id);
	snprintf(buf, size, "s:");
	if (size <= 2)
		return (int)(size - 1);
	room = size - 3;
	if (len > room)
		len = room;
	memcpy(buf + 2, json_string_value(id), len);
	buf[2 + len] = '\0';
	return (int)(2 + len);
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
