/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* monitor: what monitor.c (life cycle, tracking, losses), monitor_records.c (the kernel's
 * records) and monitor_sinks.c (decoded messages) share. Not for other modules. */
#ifndef MW_MONITOR_INT_H
#define MW_MONITOR_INT_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "attrib.h"
#include "chans.h"
#include "decode.h"
#include "enforce.h"
#include "evfmt.h"
#include "guard.h"
#include "httpmcp.h"
#include "joins.h"
#include "socks.h"
#include "monitor.h"
#include "output.h"
#include "polfile.h"
#include "proc.h"
#include "reader.h"


#define GLOBS_MAX        (MW_MATCH_MAX + 8u)
#define REORDER_WAIT_NS  (200ull * 1000 * 1000)
#define NSEC_PER_SEC_U   1000000000ull
#define NSEC_PER_MSEC_U  1000000ull
#define LINE_LEN         (MW_RPATH_MAX + MW_FPATH_MAX + 64)
#define CALLS_TXT_LEN    256


#define ORPHANS_MAX 64
#define HTTP_SWEEP_NS (5ull * NSEC_PER_SEC_U)

/* A process an earlier run held and never settled (user/monitor_pinned.c). */
struct orphan_hold {
	uint32_t tgid;
	uint64_t start_ns;
	int rc;                 /* of the SIGKILL: 0, or -ESRCH when it was gone */
	json_t *proc;           /* its process object, NULL when gone */
};

struct monitor {
	struct mw_config cfg;
	const char *globs[GLOBS_MAX];
	unsigned int nglobs;
	struct loader *loader;
	struct reader *reader;
	struct output *out;
	struct proc_table *procs;
	struct decoder *dec;
	struct attrib *attrib;
	struct chans *chans;
	struct policy *policy;
	struct guard *guard;
	struct enforce *enforce;        /* mode: enforce only */
	struct mw_drop drops[MW_DROP__COUNT];   /* last reported */
	uint64_t started_ns, stop_at_ns;
	uint64_t drops_read_ns;         /* when report_drops last ran */
	uint64_t tracked_total;
	struct httpmcp *http;
	struct socks *socks;            /* TCP endpoints by socket inode */
	struct joins *joins;            /* where each pinned channel's capture stood */
	uint64_t pinned_kept, pinned_dropped;   /* tracked-map entries an earlier run left */
	uint64_t next_sweep_ns;         /* of idle HTTP connections (mon_sweep_http) */
	struct orphan_hold orphans[ORPHANS_MAX];        /* held by an earlier run: reported */
	unsigned int norphans;
	uint64_t orphans_unreported;    /* more than ORPHANS_MAX: killed, only counted */
};

static inline uint64_t now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC_U + (uint64_t)ts.tv_nsec;
}

static inline int64_t boot_to_real(void)
{
	struct timespec b, r;

	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - b.tv_sec) * (int64_t)NSEC_PER_SEC_U + (r.tv_nsec - b.tv_nsec);
}

static inline uint64_t session_key(uint32_t tgid, uint64_t start_ns)
{
	return ((uint64_t)tgid << 40) ^ (start_ns / MW_NS_PER_TICK);
}


/* monitor_sinks.c: what the decoder and the HTTP transports hand on */
void mon_on_message(void *ctx, const struct decode_msg *dm);
void mon_on_truncated(void *ctx, const struct decode_note *n);
void mon_on_skipped(void *ctx, const struct decode_note *n);
void mon_on_gap(void *ctx, const struct decode_note *n);
void mon_on_joined(void *ctx, const struct decode_note *n);
void mon_on_http_message(void *ctx, const struct httpmcp_msg *hm);
void mon_on_http_mismatch(void *ctx, const struct httpmcp_mismatch *x);
void mon_on_http_session_end(void *ctx, uint64_t session_key, uint32_t tgid);
/* Every HTTP_SWEEP_NS: free the idle HTTP connections their processes have closed. */
void mon_sweep_http(struct monitor *m, uint64_t now_ns);
void mon_on_http_abandoned(void *ctx, uint64_t conn, uint32_t tgid, const char *why);
void mon_on_sock(void *ctx, const struct mw_sock *e);

/* monitor_records.c: the kernel's records */
void mon_on_payload(void *ctx, const struct mw_payload *p, const uint8_t *data);
void mon_on_file(void *ctx, const struct mw_file *e);
void mon_on_net(void *ctx, const struct mw_net *e);
void mon_on_exec(void *ctx, const struct mw_exec *e);
void mon_on_fork(void *ctx, const struct mw_fork *e);
void mon_on_exit_rec(void *ctx, const struct mw_exit *e);
void mon_on_track(void *ctx, const struct mw_track *e);

/* monitor.c: tracking */
void mon_report_tracked(struct monitor *m, struct proc_info *p, uint64_t ts);
int mon_track(struct monitor *m, struct proc_info *p, uint32_t root, uint32_t reason,
	      uint64_t ts, bool report);
bool mon_is_self_or_ancestor(struct monitor *m, uint32_t tgid);

/* monitor_pinned.c: what a restarted collector takes over from the pinned maps */
int mon_inherit_pinned(struct monitor *m, struct mw_error *err);
json_t *mon_pin_json(const struct monitor *m);
/* After "ready": the processes an earlier run left held, killed at load (records). */
void mon_report_orphan_holds(struct monitor *m);
/* A held process's verdict is being carried out: it is no longer the kernel's to remember. */
void mon_hold_settled(struct monitor *m, const struct mw_event_hdr *h);

#endif
