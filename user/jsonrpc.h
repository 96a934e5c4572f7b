/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * jsonrpc: parse one framed line and classify JSON-RPC 2.0 messages the way MCP uses them.
 * Key order is not assumed; ids may be strings or integers (0 included) and are kept as
 * json_t; unknown methods are kept. Pure: no I/O, no globals.
 */
#ifndef MW_JSONRPC_H
#define MW_JSONRPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	JR_PARSE_BAD_JSON,      /* starts like JSON but does not parse */
};

struct jr_msg {
	enum jr_kind kind;
	json_t *elem;           /* the message object (borrowed from the parsed root) */
	const char *method;     /* requests and notifications, else NULL */
	json_t *id;             /* borrowed; NULL when absent */
	/* tools/call and prompts/get: params.name; resources/read: params.uri; else NULL */
	const char *target;
	bool is_error;          /* JR_ERROR, or JR_RESULT with result.isError == true */
	int64_t error_code;     /* JR_ERROR: error.code (0 if absent) */
	const char *error_message;
	/* 2026-07-28: params._meta["io.modelcontextprotocol/protocolVersion"], else NULL */
	const char *meta_version;
	/* 2026-07-28: params._meta["io.modelcontextprotocol/clientInfo"] (borrowed), else NULL */
	json_t *meta_client;
	/* params.arguments when an object (tools/call, prompts/get), borrowed, else NULL */
	json_t *arguments;
	size_t line_size;       /* bytes of the line it came from (the caller sets it), 0 if unknown */
};

/*
 * Parse a line. On JR_PARSE_OK *root holds the parsed value (caller json_decref()s it).
 * err (may be NULL) receives jansson's message on JR_PARSE_BAD_JSON.
 */
enum jr_parse jsonrpc_parse(const char *p, size_t n, json_t **root, json_error_t *err);
/* Classify one message object (a batch element, or the root when it is an object). */
void jsonrpc_classify(json_t *elem, struct jr_msg *m);
/* Canonical key of an id for correlation: "n:<int>" or "s:<string>"; ids 1 and "1" differ.
 * Returns the length written (truncated to size-1), or -1 for a missing/null/other id. */
int jsonrpc_id_key(const json_t *id, char *buf, size_t size);
/* True when a request starts or identifies an MCP session: initialize, server/discover, or
 * any request carrying params._meta["io.modelcontextprotocol/protocolVersion"]. */
bool jsonrpc_is_mcp_opener(const struct jr_msg *m);
/* Name of a well-known error code ("parse error", "method not found", ...) or NULL. */
const char *jsonrpc_error_name(int64_t code);

#endif
