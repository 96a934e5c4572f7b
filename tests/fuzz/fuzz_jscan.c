// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_jscan: a differential target. Whatever the input, jscan must accept exactly what
 * jansson's json_loadb(JSON_ALLOW_NUL) accepts (but for a raw NUL byte, which it must refuse
 * where jansson may skip it); when both accept, every value jscan finds
 * (types, unescaped strings, integers, reals, array elements, the last value of each object
 * key) must be the value in jansson's tree, the compacted text must parse to the same tree,
 * and jsonrpc_classify on the text must read the same envelope as the classification from a
 * tree that jsonrpc.c did before it (ref_classify below, kept here as the oracle).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "jsonrpc.h"

#define KEY_LOOKUP_MAX 120u     /* jscan_members compares keys up to 128 unescaped bytes */
#define ID_KEY_MAX     64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jscan: %s\n", what);
		abort();
	}
}

static void same(const json_t *t, const struct jscan_val *v);

static void same_string(const json_t *t, const struct jscan_val *v)
{
	size_t n = json_string_length(t);
	char *buf = malloc(n + 1);

	check(buf != NULL, "out of memory");
	check(v->type == JSCAN_STRING, "string type");
	check(jscan_string(v, buf, n + 1) == n, "string length");
	check(!memcmp(buf, json_string_value(t), n), "string bytes");
	free(buf);
}

static void same_object(const json_t *t, const struct jscan_val *v)
{
	const char *key;
	json_t *x;

	check(v->type == JSCAN_OBJECT, "object type");
	json_object_foreach((json_t *)t, key, x) {
		const char *keys[1] = { key };
		struct jscan_val got;

		if (strlen(key) > KEY_LOOKUP_MAX)
			continue;
		jscan_members(v, keys, 1, &got);
		check(got.type != JSCAN_NONE, "object key found");
		same(x, &got);
	}
}

static void same_array(const json_t *t, const struct jscan_val *v)
{
	struct jscan_val e;
	size_t pos = 0, i = 0;

	check(v->type == JSCAN_ARRAY, "array type");
	check(jscan_count(v) == json_array_size(t), "array size");
	while (jscan_next(v, &pos, &e))
		same(json_array_get(t, i++), &e);
}

static void same(const json_t *t, const struct jscan_val *v)
{
	int64_t i;
	double d;

	switch (json_typeof(t)) {
	case JSON_OBJECT:
		same_object(t, v);
		break;
	case JSON_ARRAY:
		same_array(t, v);
		break;
	case JSON_STRING:
		same_string(t, v);
		break;
	case JSON_INTEGER:
		check(jscan_integer(v, &i) == 0 && i == json_integer_value(t), "integer");
		break;
	case JSON_REAL:
		check(v->type == JSCAN_REAL, "real type");
		d = strtod(v->p, NULL);
		check(!memcmp(&d, &(double){ json_real_value(t) }, sizeof(d)), "real value");
		break;
	case JSON_TRUE:
		check(v->type == JSCAN_TRUE, "true");
		break;
	case JSON_FALSE:
		check(v->type == JSCAN_FALSE, "false");
		break;
	case JSON_NULL:
		check(v->type == JSCAN_NULL, "null");
		break;
	}
}

/* ---- the tree classification jsonrpc.c did before jscan (the oracle) ---- */

struct ref {
	enum jr_kind kind;
	const char *method, *target, *error_message, *meta_version;
	json_t *id, *meta_client, *arguments;
	bool is_error;
	int64_t error_code;
};

static const char *str_member(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool id_ok(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

static void ref_params(struct ref *r, json_t *params)
{
	json_t *meta;

	if (!json_is_object(params))
		return;
	if (!strcmp(r->method, "tools/call") || !strcmp(r->method, "prompts/get"))
		r->target = str_member(params, "name");
	else if (!strcmp(r->method, "resources/read"))
		r->target = str_member(params, "uri");
	r->arguments = json_object_get(params, "arguments");
	if (!json_is_object(r->arguments))
		r->arguments = NULL;
	meta = json_object_get(params, "_meta");
	if (!json_is_object(meta))
		return;
	r->meta_version = str_member(meta, "io.modelcontextprotocol/protocolVersion");
	r->meta_client = json_object_get(meta, "io.modelcontextprotocol/clientInfo");
	if (json_is_null(r->meta_client))
		r->meta_client = NULL;
}

static void ref_classify(json_t *e, struct ref *r)
{
	json_t *method, *result, *error, *code;
	const char *version;

	memset(r, 0, sizeof(*r));
	r->kind = JR_INVALID;
	version = str_member(e, "jsonrpc");
	if (!json_is_object(e) || !version || strcmp(version, "2.0"))
		return;
	r->id = json_object_get(e, "id");
	method = json_object_get(e, "method");
	result = json_object_get(e, "result");
	error = json_object_get(e, "error");
	if (method && !result && !error && json_is_string(method) && (!r->id || id_ok(r->id))) {
		r->kind = r->id ? JR_REQUEST : JR_NOTIFICATION;
		r->method = json_string_value(method);
		ref_params(r, json_object_get(e, "params"));
	} else if (result && !method && !error && id_ok(r->id)) {
		r->kind = JR_RESULT;
		r->is_error = json_is_object(result) && json_is_true(json_object_get(result,
											"isError"));
	} else if (error && !method && !result && json_is_object(error) &&
		   (!r->id || json_is_null(r->id) || id_ok(r->id))) {
		r->kind = JR_ERROR;
		r->is_error = true;
		code = json_object_get(error, "code");
		if (json_is_integer(code))
			r->error_code = json_integer_value(code);
		r->error_message = str_member(error, "message");
	}
	if (r->kind == JR_INVALID)
		r->id = NULL;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void same_envelope(json_t *t, const struct jscan_val *v)
{
	struct jr_msg m;
	struct ref r;
	json_t *id;

	ref_classify(t, &r);
	jsonrpc_classify(v, &m);
	check(m.kind == r.kind, "kind");
	check(same_str(m.method, r.method), "method");
	check(same_str(m.target, r.target), "target");
	check(same_str(m.error_message, r.error_message), "error message");
	check(same_str(m.meta_version, r.meta_version), "meta version");
	check(m.is_error == r.is_error && m.error_code == r.error_code, "error");
	id = jsonrpc_id_json(&m.id);
	check((!id && !r.id) || json_equal(id, r.id), "id");
	json_decref(id);
	check((m.meta_client.type != JSCAN_NONE) == !!r.meta_client, "meta client");
	if (r.meta_client)
		same(r.meta_client, &m.meta_client);
	check((m.arguments.type != JSCAN_NONE) == !!r.arguments, "arguments");
	if (r.arguments)
		same(r.arguments, &m.arguments);
	jsonrpc_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *tree = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL), *back;
	struct jscan_val root, e;
	size_t pos = 0, n;
	int rc = jscan_validate((const char *)data, size, &root);
	char *out;

	if (memchr(data, '\0', size)) {
		/* a raw NUL is never JSON; jansson loses one right after a number or a literal
		 * (its lexer reads it ahead and cannot put it back), jscan refuses it */
		check(rc != 0, "jscan accepted a raw NUL");
		json_decref(tree);
		return 0;
	}
	check(!tree == !!rc, tree ? "jscan refused what jansson accepts"
				  : "jscan accepted what jansson refuses");
	if (!tree)
		return 0;
	same(tree, &root);
	out = malloc(size ? size : 1);
	check(out != NULL, "out of memory");
	n = jscan_compact((const char *)data, size, out);
	check(!memchr(out, '\n', n) && !memchr(out, '\r', n), "compact has no line break");
	back = json_loadb(out, n, JSON_ALLOW_NUL, NULL);
	check(back && json_equal(back, tree), "compact text parses to the same tree");
	json_decref(back);
	free(out);
	if (json_is_array(tree)) {
		for (size_t i = 0; jscan_next(&root, &pos, &e); i++)
			same_envelope(json_array_get(tree, i), &e);
	} else {
		same_envelope(tree, &root);
	}
	json_decref(tree);
	return 0;
}
