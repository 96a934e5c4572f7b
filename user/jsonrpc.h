/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * jsonrpc: check one framed line and classify JSON-RPC 2.0 messages the way MCP uses them,
 * without building a tree: the line is validated by jscan and the envelope (jsonrpc, id,
 * method, params.name, _meta, result.isError, error) read from its text. Parts the caller
 * needs as a tree (initialize params, a result, arguments kept for the policy) are parsed on
 * demand from their span (jsonrpc_tree). Key order is not assumed; ids may be strings or
 * integers (0 included); unknown methods are kept. Pure: no I/O, no globals.
 */
#ifndef MW_JSONRPC_H
#define MW_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jscan.h"
#include "mcpwarden/limits.h"

enum jr_kind {
	JR_REQUEST = 1,         /* method and id */
	JR_NOTIFICATION,        /* method, no id */
	JR_RESULT,              /* id and result */
	JR_ERROR,               /* error (id may be absent or null) */
	JR_INVALID,             /* a JSON value that is not a JSON-RPC message */
};

enum jr_parse {
	JR_PARSE_OK = 0,
	JR_PARSE_NOT_JSON,      /* does not start like a JSON object or array (a stray log line) */
	JR_PARSE_BAD_JSON,      /* starts like JSON but is not valid JSON (jscan.h) */
};

enum jr_id_type {
	JR_ID_NONE = 0,         /* absent */
	JR_ID_NULL,             /* null (errors only) */
	JR_ID_INT,
	JR_ID_STRING,
	JR_ID_OTHER,            /* a real, a boolean, an object or an array: never valid */
};

struct jr_id {
	enum jr_id_type type;
	int64_t num;            /* JR_ID_INT */
	struct jscan_val v;     /* its text (a string's with its quotes) */
};

#define JR_HEAP_STRS 4u         /* method, target, error_message, meta_version */

struct jr_msg {
	enum jr_kind kind;
	struct jscan_val elem;  /* the message object's text */
	const char *method;     /* requests and notifications, else NULL */
	struct jr_id id;        /* JR_ID_NONE when absent (and for JR_INVALID) */
	/* tools/call and prompts/get: params.name; resources/read: params.uri; else NULL */
	const char *target;
	bool is_error;          /* JR_ERROR, or JR_RESULT with result.isError == true */
	int64_t error_code;     /* JR_ERROR: error.code (0 if absent) */
	const char *error_message;
	/* 2026-07-28: params._meta["io.modelcontextprotocol/protocolVersion"], else NULL */
	const char *meta_version;
	/* 2026-07-28: params._meta["io.modelcontextprotocol/clientInfo"] unless null */
	struct jscan_val meta_client;
	struct jscan_val params;        /* requests and notifications: params */
	struct jscan_val result;        /* JR_RESULT: result */
	/* JR_RESULT: result._meta["io.modelcontextprotocol/serverInfo"] */
	struct jscan_val meta_server;
	/* params.arguments when an object (tools/call, prompts/get) */
	struct jscan_val arguments;
	size_t line_size;       /* bytes of the line it came from (the caller sets it), 0 if unknown */
	/* private: the unescaped strings above, and those too long for strs */
	char *heap[JR_HEAP_STRS];
	size_t strs_used;
	char strs[MW_JR_STRS_INLINE];
};

/* Check a line: JR_PARSE_OK with *root (an object or array span of p) when it is valid JSON. */
enum jr_parse jsonrpc_parse(const char *p, size_t n, struct jscan_val *root);
/* Classify one message (a batch element, or the root when it is an object). The strings of m
 * point into m and into nothing else; jsonrpc_release() frees what they hold. */
void jsonrpc_classify(const struct jscan_val *elem, struct jr_msg *m);
void jsonrpc_release(struct jr_msg *m);
/* A span parsed into a tree: a new reference, NULL when v is absent (or on allocation failure). */
json_t *jsonrpc_tree(const struct jscan_val *v);
/* An id as a JSON value: a new reference, NULL when absent. */
json_t *jsonrpc_id_json(const struct jr_id *id);
/* Canonical key of an id for correlation: "n:<int>" or "s:<string>"; ids 1 and "1" differ.
 * Returns the length written (truncated to size-1), or -1 for a missing/null id. */
int jsonrpc_id_key(const struct jr_id *id, char *buf, size_t size);
/* True when a request starts or identifies an MCP session: initialize, server/discover, or
 * any request carrying params._meta["io.modelcontextprotocol/protocolVersion"]. */
bool jsonrpc_is_mcp_opener(const struct jr_msg *m);
/* Name of a well-known error code ("parse error", "method not found", ...) or NULL. */
const char *jsonrpc_error_name(int64_t code);

#endif
