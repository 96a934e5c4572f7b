/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* httpmcp: what httpmcp.c (connections, sessions) and httpmcp_msg.c (exchanges, messages,
 * event streams) share. Not for other modules. */
#ifndef MW_HTTPMCP_INT_H
#define MW_HTTPMCP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "httpmcp.h"
#include "mcpwarden/events.h"
#include "sse.h"
#include "stream.h"

#define CONN_BUCKETS     1024u
#define SEEN_CAP         65536u          /* (session, event id) pairs remembered */
#define SEEN_FULL        (SEEN_CAP / 4 * 3)
#define ENDPOINTS_MAX    256u            /* legacy endpoints remembered (oldest replaced) */
#define ORPHANS_MAX      64u             /* legacy sessions of POSTs no stream claimed yet */
#define PATH_KEY_MAX     512u
#define SID_PARAM_TS     "sessionId="    /* the legacy session in a POST's query: TypeScript */
#define SID_PARAM_PY     "session_id="   /* and Python SDKs */
#define FNV_OFFSET       0xcbf29ce484222325ull
#define FNV_PRIME        0x100000001b3ull
#define CT_JSON          "application/json"
#define CT_SSE           "text/event-stream"
#define EVENT_ENDPOINT   "endpoint"
#define EVENT_MESSAGE    "message"
#define STATUS_LINE      "HTTP/"
#define HTTP_OK_MIN      200             /* 2xx: a DELETE that ended its session */
#define HTTP_OK_MAX      299
#define HDR_METHOD       "Mcp-Method"
#define HDR_NAME         "Mcp-Name"
#define TOKEN_MAX        16u
/* What the parser is given for a request joined mid-way, so that its answer pairs with it. */
#define UNSEEN_REQUEST   "POST * HTTP/1.1\r\nContent-Length: 0\r\n\r\n"

struct hconn;

/* De-chunking of an adopted stream (its headers, and whether it is chunked, were missed). */
enum dechunk_state { DC_SIZE = 0, DC_SIZE_LF, DC_DATA, DC_DATA_CR, DC_DATA_LF, DC_PLAIN };

struct hside {
	struct hconn *c;
	int op;
};

struct hconn {
	struct hconn *next;
	struct httpmcp *h;
	uint64_t conn;
	uint32_t tgid;
	uint64_t start_ns;
	int req_op;                     /* the op whose bytes are requests; 0 until known */
	bool dead;
	bool closing;                   /* httpmcp_sweep: its process closed it; freed next */
	uint64_t last_ts;
	uint32_t epoch;                 /* stateless sessions: bumped after an idle spell */
	struct hside side[2];           /* [0] read, [1] write */
	uint8_t pend[2][TOKEN_MAX];     /* first bytes of each side until the roles are known */
	size_t pend_len[2];
	struct stream *st[2];
	struct http_conn *http;
	struct hx *adopted;             /* a GET event stream joined after its start */
	int resync_op;                  /* the request side, joined mid-request, until its next
					 * request line (httpmcp_resync.c); 0 otherwise */
	uint8_t *rs_line;               /* the tail of its current line */
	size_t rs_len;
	uint64_t rs_seen;               /* its bytes consumed so far */
	bool rs_unseen;                 /* the stand-in exchange of that request is being fed */
	enum dechunk_state dc;
	uint64_t dc_left;
};

/* A legacy endpoint event: the POST target (path and query) of one GET stream's session. */
struct endpoint {
	uint32_t tgid;
	uint64_t session_key;           /* of the GET stream that announced it */
	char target[PATH_KEY_MAX];
};

/* A legacy session seen in POST paths (sessionId=, session_id=), for linking a GET stream
 * whose start was not captured. */
struct orphan {
	uint32_t tgid;
	bool linked;
	char sid[PATH_KEY_MAX];
};

struct httpmcp {
	struct httpmcp_sink sink;
	void *ctx;
	size_t body_cap;
	uint64_t wait_ns;
	struct hconn *bucket[CONN_BUCKETS];
	uint64_t *seen;                 /* open addressing; 0 is empty */
	size_t nseen;
	struct endpoint endpoints[ENDPOINTS_MAX];
	unsigned int nendpoints, next_endpoint;
	struct orphan orphans[ORPHANS_MAX];
	unsigned int norphans;
	struct httpmcp_stats st;
};

/* One exchange (http_tx.user). */
struct hx {
	struct hconn *c;
	struct http_tx *tx;
	char *req, *res;
	size_t req_len, res_len;
	bool req_over, res_over, req_done, req_sent, legacy;
	uint64_t req_ts;
	struct sse *sse;
	char *sid;                      /* session id of the exchange, when known */
	char *event_id;                 /* id of the SSE event being handed on */
	uint64_t res_ts;
	bool adopted;                   /* no exchange: an event stream joined mid-way */
	bool unseen;                    /* stands in for a request joined mid-way: the answer is
					 * real, the request line and headers were not seen */
	uint32_t epoch;                 /* the connection's epoch when the exchange began */
	uint64_t legacy_key;            /* the session its legacy endpoint names, 0 when none */
};

static inline uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * FNV_PRIME;
	return h;
}

static inline int side_index(int op)
{
	return op == MW_OP_WRITE;
}

/* httpmcp.c: sessions, replays, legacy endpoints */
uint64_t hm_session_key(const struct hx *x);
bool hm_first_sighting(struct httpmcp *h, uint64_t session, const char *id);
char *hm_query_session(const char *path);
uint64_t hm_endpoint_session(const struct httpmcp *h, uint32_t tgid, const char *target);
void hm_learn_endpoint(struct httpmcp *h, uint32_t tgid, const char *url, uint64_t session_key);

/* httpmcp_hdr.c: the 2026-07-28 headers against the body */
const char *hm_header_decode(const char *v, char **buf);
void hm_check_headers(struct hx *x, const struct httpmcp_msg *m);

/* httpmcp_resync.c: a request side joined mid-request, skipped to its next request line */
/* A request line in line[0..n) (no newline; a CR before it is allowed), maybe glued to the end
 * of a body: *start is where its method begins. */
bool hm_request_line(const uint8_t *line, size_t n, size_t *start);
bool hm_resync_start(struct hconn *c, int op);
/* Scan bytes of the side: how many it consumed. When a request line ended in them, *line and
 * *line_len are that line with its newline (valid until hm_resync_end), else *line is NULL. */
size_t hm_resync_scan(struct hconn *c, const uint8_t *p, size_t n, const uint8_t **line,
		      size_t *line_len);
/* Resynchronised (refed: the bytes of the line handed on), or given up (0): counts what was
 * skipped and frees. */
void hm_resync_end(struct hconn *c, size_t refed);

/* httpmcp_msg.c: the HTTP parser's sink, and event streams joined mid-way */
extern const struct http_sink httpmcp_http_sink;
bool hm_adopt(struct hconn *c, int op, const uint8_t *p, size_t n);
void hm_dechunk(struct hconn *c, const uint8_t *p, size_t n);
void hm_free_adopted(struct hconn *c);

#endif
