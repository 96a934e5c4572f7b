/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * guard: the policy at work in the collector. Learns each MCP server's facts (from /proc:
 * resolved script, directories among its arguments, its user's home), hands every action of a
 * tracked process to detect, and raises what fires as "alert" records (one per distinct cause
 * per window, then an "alert.repeat" count).
 */
#ifndef MW_GUARD_H
#define MW_GUARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "attrib.h"
#include "fpath.h"
#include "mcpwarden/events.h"
#include "output.h"
#include "policy.h"
#include "proc.h"

#define GUARD_CALLS_MAX 16u             /* calls in flight examined per action */

struct guard;
struct enforce;

/* Kill every process of server root's tree (scope: server), mcpwarden and pid 1 excepted. */
typedef void (*guard_kill_tree_fn)(void *ctx, uint32_t root);

struct guard *guard_new(const struct policy *p, struct output *out);
/* mode: enforce: keep the kernel's per-server state in step, and kill from user space what
 * the kernel cannot judge (best effort). */
void guard_set_enforce(struct guard *g, struct enforce *e, guard_kill_tree_fn kill_tree,
		       void *ctx);
void guard_free(struct guard *g);

/* A server root became tracked (or was found running at start-up: already_running). */
void guard_server(struct guard *g, struct proc_info *root, bool already_running);
/* The server's handshake named it (serverInfo.name): selectors may pick another entry. */
void guard_server_name(struct guard *g, struct proc_info *root, const char *name);
/* A message travelled on one of its sessions: start-up is over. */
void guard_spoke(struct guard *g, uint32_t root);
/* The client answered the server's roots/list with result. */
void guard_client_roots(struct guard *g, uint32_t root, const json_t *result);
void guard_forget(struct guard *g, uint32_t root);

/* An action of tracked process p (its record rec, borrowed; calls from attrib). */
struct guard_action {
	const struct mw_event_hdr *h;
	struct proc_info *p;
	const char *event;              /* "file.open", ... */
	json_t *rec;
	const struct attrib_call *calls;
	unsigned int ncalls;
	const char *calls_txt;
};

void guard_file(struct guard *g, const struct guard_action *a, const struct mw_file *e,
		const struct fpath *fp);
void guard_net(struct guard *g, const struct guard_action *a, const struct mw_net *e);
void guard_exec(struct guard *g, const struct guard_action *a, const struct mw_exec *e);
/*
 * After guard_file/guard_exec, or instead of them when the record reached no policy: a
 * process the kernel held (MW_F_HELD in h) gets its verdict: it stays dead when a hit killed
 * it, else it is sent SIGCONT. Every held record must pass here.
 */
void guard_settle(struct guard *g, const struct mw_event_hdr *h);
/* Holds settled: {killed, released, errors}. */
json_t *guard_hold_stats(const struct guard *g);

/* An alert no policy rule raises (e.g. http.header_mismatch), with its evidence (stolen). */
void guard_raw_alert(struct guard *g, const char *rule, const char *severity, uint32_t root,
		     struct proc_info *p, json_t *evidence, const char *summary, uint64_t ts_ns);
/* Close alert windows that ended (UINT64_MAX: all, at exit). */
void guard_tick(struct guard *g, uint64_t now_ns);
/* Counts per rule for the stats record. */
json_t *guard_stats(const struct guard *g);
/* Alerts raised so far (repeats not counted). */
uint64_t guard_alert_count(const struct guard *g);

#endif
