/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * session: MCP sessions and request/response correlation.
 *
 * A session is keyed by the caller (stdio: the server process). The two directions number their
 * requests independently, so a request is remembered under (the direction it travelled, id) and
 * a response travelling in direction d answers the request that travelled in the other one.
 * Pending requests never expire by time (tool calls run for minutes); past MW_PENDING_MAX the
 * oldest is evicted and counted. Pure: no I/O, no globals.
 */
#ifndef MW_SESSION_H
#define MW_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "jsonrpc.h"

enum mw_dir {
	MW_DIR_C2S = 0,         /* client to server */
	MW_DIR_S2C = 1,         /* server to client */
};

struct session_pending;

struct session {
	uint64_t id;            /* 1, 2, ... in order of creation */
	uint64_t key;
	char *protocol_version; /* initialize result (else request) or 2026 params._meta */
	json_t *client_info;    /* initialize params.clientInfo or 2026 _meta clientInfo (owned) */
	json_t *server_info;    /* initialize result.serverInfo (owned) */
	json_t *client_caps;    /* initialize params.capabilities (owned) */
	json_t *server_caps;    /* initialize result.capabilities (owned) */
	bool initialized;       /* notifications/initialized seen */
	bool announced;         /* not used by this module: the caller's mark */
	uint64_t messages[2];   /* per enum mw_dir */
	uint64_t pending_count;
	uint64_t pending_evicted;
	uint64_t args_bytes;     /* line bytes of the arguments kept (MW_CALL_ARGS_BUDGET) */
	uint64_t args_dropped;   /* requests whose arguments were not kept */
	struct session_pending *pending;  /* private */
	char *last_method, *last_target;  /* private: storage behind session_corr */
};

/* What a message answered. Strings stay valid until the next session_observe() on the
 * same session. */
struct session_corr {
	bool matched;           /* a response whose request was seen */
	const char *method;     /* that request's method */
	const char *target;     /* that request's jr_msg.target */
	uint64_t latency_ns;    /* response time minus request time */
	bool duplicate_id;      /* a request reused an id still in flight (the older is replaced) */
};

/* A request still waiting for its answer. */
struct session_call {
	const char *id_key;     /* jsonrpc_id_key() form: "n:7" or "s:abc" (not terminated) */
	size_t id_len;
	const char *method;
	const char *target;     /* tools/call and prompts/get name, resources/read uri, or NULL */
	uint64_t ts_ns;         /* when it was seen */
	/* params.arguments (kept within MW_CALL_ARGS_*, as text, parsed on the first visit),
	 * else NULL */
	const json_t *arguments;
};

struct session_table;

struct session_table *session_table_new(void);
void session_table_free(struct session_table *t);
/* NULL when absent (create false) or out of memory. */
struct session *session_get(struct session_table *t, uint64_t key, bool create);
/* Forget a session (its process ended). */
void session_end(struct session_table *t, uint64_t key);
/* Visit the requests that travelled in dir and are not answered yet, oldest first. */
void session_pending_foreach(const struct session *s, enum mw_dir dir,
			     void (*fn)(void *ctx, const struct session_call *c), void *ctx);
/* Learn from one message (initialize, results of initialize, 2026 _meta) and correlate it. */
void session_observe(struct session *s, enum mw_dir dir, const struct jr_msg *m,
		     uint64_t ts_ns, struct session_corr *out);

#endif
