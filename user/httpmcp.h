/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * httpmcp: MCP over HTTP/1.1 from the captured bytes of TCP connections. Each connection's two
 * directions are reassembled (stream), told apart by their first bytes (a request line or a
 * status line; a side whose capture began inside a request is skipped to its next request
 * line, httpmcp_resync.c), parsed into exchanges (http, libhtp) and their bodies into JSON-RPC
 * texts:
 *
 *  - Streamable HTTP: a POST body (one message or a batch) is client to server; its answer is
 *    JSON, an SSE stream (events before the response included) or 202; a GET opens the
 *    standalone server-to-client stream; a DELETE answered 2xx ends the session. Sessions by Mcp-Session-Id
 *    (the initialize answer assigns it); without one (2026-07-28 stateless servers) by
 *    connection and time (a new session after HTTPMCP_STATELESS_IDLE_NS of silence). SSE
 *    replays (Last-Event-ID) are dropped by (session, event id).
 *  - Legacy HTTP+SSE: a GET stream whose first event, "endpoint", names the POST target (path
 *    and query, often with a sessionId= or session_id= parameter); POSTs to exactly that target
 *    are of the stream's session, answered 202, their responses come on the GET stream. POSTs
 *    to no learned target are legacy by their query's session parameter.
 *  - 2026-07-28 headers Mcp-Method / Mcp-Name (decoded from =?base64?...?=) that disagree with
 *    the body are reported (the body is what counts).
 *
 * Messages go to the caller as whole texts with an envelope; the caller decodes them like
 * stdio lines. Pure: no I/O, no globals.
 */
#ifndef MW_HTTPMCP_H
#define MW_HTTPMCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define HTTPMCP_TRANSPORT_STREAMABLE "streamable-http"
#define HTTPMCP_TRANSPORT_SSE        "sse"
/* Without a session id, a connection is one session until it idles this long. */
#define HTTPMCP_STATELESS_IDLE_NS    (60ull * 1000 * 1000 * 1000)

/* What the HTTP layer said about a message (strings valid during the callback). */
struct httpmcp_envelope {
	const char *transport;          /* HTTPMCP_TRANSPORT_* */
	const char *method;             /* of the exchange: "POST", "GET" */
	const char *path;
	int status;                     /* of the exchange's answer, 0 before it */
	const char *host, *origin;      /* request headers, NULL when absent */
	bool authorization;             /* an Authorization header was present (never its value) */
	const char *session_id;         /* Mcp-Session-Id, the legacy query's, or NULL */
	const char *event_id;           /* the SSE event's id, NULL */
	const char *content_type;       /* of the body the message came in */
	uint64_t conn;                  /* the socket inode */
	uint64_t exchange;              /* the exchange's index on the connection */
	bool client_side;               /* the capturing process sent the requests: it is the
					 * client, the server is its peer */
};

struct httpmcp_msg {
	const char *text;
	size_t len;
	enum mw_dir dir;
	uint64_t ts_ns;
	uint64_t session_key;           /* stable per MCP session (see above) */
	uint32_t tgid;                  /* the process whose socket it is */
	uint64_t start_ns;
	const struct httpmcp_envelope *env;
};

/* Mcp-Method / Mcp-Name headers that disagree with the body of the same POST (a value in the
 * =?base64?...?= form is compared decoded). */
struct httpmcp_mismatch {
	const char *header;             /* "Mcp-Method" or "Mcp-Name" */
	const char *header_value;       /* what it stands for (decoded), or as sent when it does
					 * not decode */
	const char *header_raw;         /* as sent, when it was decoded; else NULL */
	const char *body_value;         /* NULL when the body has none */
	const struct httpmcp_msg *msg;  /* the message, as it will be handed on */
};

struct httpmcp_sink {
	void (*message)(void *ctx, const struct httpmcp_msg *m);
	void (*mismatch)(void *ctx, const struct httpmcp_mismatch *x);
	/* a DELETE naming its session (Mcp-Session-Id) was answered 2xx: the session ended */
	void (*session_end)(void *ctx, uint64_t session_key, uint32_t tgid);
	/* a connection that is not HTTP, or whose bytes were lost, or failed to parse; it is
	 * ignored from then on */
	void (*abandoned)(void *ctx, uint64_t conn, uint32_t tgid, const char *why);
};

struct httpmcp_stats {
	uint64_t connections, exchanges, messages, replays_dropped;
	uint64_t not_http, parse_errors, gaps, oversize_bodies;
	uint64_t header_mismatches;     /* Mcp-Method / Mcp-Name headers unlike the body */
	uint64_t sessions_ended;        /* by a DELETE answered 2xx */
	uint64_t adopted;               /* event streams joined mid-way */
	uint64_t joined;                /* sides joined mid-stream (httpmcp_join) */
	uint64_t resynced;              /* request sides joined mid-request, resumed at their
					 * next request line */
	uint64_t resync_bytes;          /* bytes skipped by them (the request joined mid-way) */
	uint64_t connections_closed;    /* freed by httpmcp_sweep: the process closed them */
	uint64_t connections_open;      /* held now */
};

/* One captured piece of a TCP connection (enum mw_op: what the process did with it). */
struct httpmcp_chunk {
	uint64_t conn;                  /* socket inode */
	int op;                         /* MW_OP_READ or MW_OP_WRITE */
	uint64_t offset;                /* in that direction's bytes */
	const uint8_t *data;
	size_t len;
	uint64_t ts_ns;
	uint32_t tgid;
	uint64_t start_ns;
};

struct httpmcp;

/* A connection with no bytes for this long is asked about by httpmcp_sweep. */
#define HTTPMCP_IDLE_NS (5ull * 1000000000ull)

/* What httpmcp_sweep asks of the caller: is conn (a socket inode) still open in process
 * tgid? Candidates come grouped by process, so one read of a process's descriptors serves
 * them all. closed: each connection freed. */
struct httpmcp_sweeper {
	bool (*is_open)(void *ctx, uint32_t tgid, uint64_t conn);
	void (*closed)(void *ctx, uint32_t tgid, uint64_t conn);
	void *ctx;
};

struct httpmcp *httpmcp_new(const struct httpmcp_sink *sink, void *ctx, size_t body_cap,
			    uint64_t reorder_wait_ns);
void httpmcp_free(struct httpmcp *h);
int httpmcp_feed(struct httpmcp *h, const struct httpmcp_chunk *c);
/* The capture joins c's side of its connection mid-stream at off (a restarted collector):
 * nothing before off is missing; the side is read from off on like a connection opened before
 * its process was tracked. Call before that side's first chunk; -EALREADY after it. */
int httpmcp_join(struct httpmcp *h, const struct httpmcp_chunk *c, uint64_t off);
/* Holes older than the reorder wait are declared lost (the connection is abandoned). */
void httpmcp_expire(struct httpmcp *h, uint64_t now_ns);
/* The process ended: its connections end (open exchanges are finished as they are). */
void httpmcp_end_process(struct httpmcp *h, uint32_t tgid);
/* Free the connections idle since HTTPMCP_IDLE_NS before now that their process has closed
 * (a long-running server accepts connection after connection: without this each one's state
 * would stay until the process exits). Returns how many were freed. */
unsigned int httpmcp_sweep(struct httpmcp *h, uint64_t now_ns, const struct httpmcp_sweeper *w);
const struct httpmcp_stats *httpmcp_stats(const struct httpmcp *h);

#endif
