/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * attrib: tie what a server's process tree does to the requests in flight. Each MCP server
 * (tracked root) maps to the sessions its processes carry; an action of any process of that
 * tree is attributed to every client request those sessions have read and not yet answered.
 * Pure: no I/O, no globals.
 */
#ifndef MW_ATTRIB_H
#define MW_ATTRIB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct attrib;

struct attrib *attrib_new(void);
void attrib_free(struct attrib *a);
/* Sessions carried by processes of server root `root` (called for every payload chunk); the
 * eight most recently active are kept per root. */
int attrib_note(struct attrib *a, uint32_t root, uint64_t session_key);
/* The server root ended. */
void attrib_forget(struct attrib *a, uint32_t root);
/*
 * The requests in flight for server root `root`: a JSON array of {session, id, method, tool}
 * (empty when none), oldest first. txt receives a console summary ("" when none).
 */
struct attrib_call {
	const char *tool;               /* tools/call name, NULL for other methods */
	const json_t *arguments;        /* kept arguments, NULL when none */
	json_t *json;                   /* its element of the returned array (borrowed) */
};

json_t *attrib_calls(struct attrib *a, struct decoder *d, uint32_t root, char *txt, size_t size);
/* The same, and the first `max` calls in `out` (*n of them) for the policy to look into;
 * strings stay valid until the decoder is fed again. */
json_t *attrib_calls_detail(struct attrib *a, struct decoder *d, uint32_t root, char *txt,
			    size_t size, struct attrib_call *out, unsigned int max,
			    unsigned int *n);

#endif
