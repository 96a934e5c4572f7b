// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
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
#include "socks.h"
#include "monitor.h"
#include "output.h"
#include "polfile.h"
#include "proc.h"
#include "reader.h"

#define GLOBS_MAX        (MW_MATCH_MAX + 8u)
#define REORDER_WAIT_NS  (200ull * 1000 * 1000)
#define NSEC_PER_SEC_U   1000000000ull
#define LINE_LEN         (MW_RPATH_MAX + MW_FPATH_MAX + 64)
#define CALLS_TXT_LEN    256

static const char *const drop_names[MW_DROP__COUNT] = {
	[MW_DROP_RINGBUF_FULL] = "ringbuf_full",
	[MW_DROP_READ_FAULT] = "read_fault",
	[MW_DROP_SYSCALL_LIMIT] = "syscall_limit",
	[MW_DROP_TRACKED_FULL] = "tracked_full",
	[MW_DROP_CHANNEL_FULL] = "channel_full",
	[MW_DROP_ENFORCE_STATE] = "enforce_state",
};

static const char *const reason_names[] = {
	[MW_TRACK_NONE] = "none", [MW_TRACK_TRAFFIC] = "traffic", [MW_TRACK_MATCH] = "match",
	[MW_TRACK_PID] = "pid", [MW_TRACK_INHERIT] = "inherit",
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
	uint64_t tracked_total;
	struct httpmcp *http;
	struct socks *socks;            /* TCP endpoints by socket inode */
};

static uint64_t now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC_U + (uint64_t)ts.tv_nsec;
}

static int64_t boot_to_real(void)
{
	struct timespec b, r;

	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_REALTIME, &r);
	return ((int64_t)r.tv_sec - b.tv_sec) * (int64_t)NSEC_PER_SEC_U + (r.tv_nsec - b.tv_nsec);
}

static uint64_t session_key(uint32_t tgid, uint64_t start_ns)
{
	return ((uint64_t)tgid << 40) ^ (start_ns / MW_NS_PER_TICK);
}

/* ---- decoder sink ---- */

/* What the policy learns from traffic: the server spoke, its name, its client's roots. */
static void learn_from_message(struct monitor *m, const struct decode_msg *dm)
{
	struct proc_info *p = proc_find(m->procs, dm->tgid);
	struct proc_info *root = p && p->root ? proc_find(m->procs, p->root) : NULL;
	const char *name;

	if (!p || !p->root)
		return;
	guard_spoke(m->guard, p->root);
	name = dm->session ? json_string_value(json_object_get(dm->session->server_info, "name"))
			   : NULL;
	if (name && root)
		guard_server_name(m->guard, root, name);
	if (dm->dir == MW_DIR_C2S && dm->corr.matched && dm->m->kind == JR_RESULT &&
	    !strcmp(dm->corr.method, "roots/list"))
		guard_client_roots(m->guard, p->root, json_object_get(dm->m->elem, "result"));
}

/* Where an HTTP message travelled: the connection's endpoints and the HTTP envelope. */
static json_t *describe_http(struct monitor *m, const struct decode_msg *dm,
			     struct output_chan *oc)
{
	const struct httpmcp_envelope *env = dm->envelope;
	json_t *http = json_pack("{s:s, s:s, s:i, s:s?, s:s?, s:b, s:s?, s:s?, s:s?, s:I}",
		"method", env->method ? env->method : "?", "path", env->path ? env->path : "",
		"status", env->status, "host", env->host, "origin", env->origin,
		"authorization", env->authorization, "session_id", env->session_id,
		"event_id", env->event_id, "content_type", env->content_type,
		"exchange", (json_int_t)env->exchange);

	oc->transport = env->transport;
	oc->name = socks_name(m->socks, env->conn);
	oc->server = proc_get(m->procs, dm->tgid, dm->start_ns);
	oc->client = NULL;
	oc->http = http;
	return http;
}

static void on_message(void *ctx, const struct decode_msg *dm)
{
	struct monitor *m = ctx;
	struct output_chan oc;
	json_t *http = NULL;

	if (dm->envelope)
		http = describe_http(m, dm, &oc);
	else
		chans_describe(m->chans, m->procs, dm->chan, dm->tgid, dm->start_ns, &oc);
	output_message(m->out, dm, &oc);
	if (dm->session && !dm->session->announced && dm->session->protocol_version &&
	    (dm->m->meta_version || (dm->corr.matched && !strcmp(dm->corr.method, "initialize")))) {
		dm->session->announced = true;
		output_session(m->out, dm->session, dm->ts_ns, &oc);
	}
	learn_from_message(m, dm);
	json_decref(http);
}

/* ---- the HTTP transports' sink ---- */

static uint32_t root_of(struct monitor *m, uint32_t tgid)
{
	struct proc_info *p = proc_find(m->procs, tgid);

	return p && p->root ? p->root : tgid;
}

static void on_http_message(void *ctx, const struct httpmcp_msg *hm)
{
	struct monitor *m = ctx;
	struct decode_text t = {
		.chan = hm->env->conn, .text = hm->text, .len = hm->len, .ts_ns = hm->ts_ns,
		.dir = hm->dir, .session_key = hm->session_key, .tgid = hm->tgid,
		.start_ns = hm->start_ns, .envelope = hm->env,
	};

	attrib_note(m->attrib, root_of(m, hm->tgid), hm->session_key);
	decoder_text(m->dec, &t);
}

static void on_http_mismatch(void *ctx, const struct httpmcp_mismatch *x)
{
	struct monitor *m = ctx;
	const struct httpmcp_msg *hm = x->msg;
	char what[MW_CMDLINE_MAX];

	snprintf(what, sizeof(what), "%s: %s, body: %s", x->header, x->header_value,
		 x->body_value ? x->body_value : "(none)");
	guard_raw_alert(m->guard, "http.header_mismatch", "high", root_of(m, hm->tgid),
			proc_get(m->procs, hm->tgid, hm->start_ns),
			json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?}", "header", x->header,
				  "header_value", x->header_value, "body_value", x->body_value,
				  "http_method", hm->env->method, "path", hm->env->path,
				  "session_id", hm->env->session_id), what, hm->ts_ns);
}

static void on_http_abandoned(void *ctx, uint64_t conn, uint32_t tgid, const char *why)
{
	struct monitor *m = ctx;

	output_record(m->out, "http.abandoned", now_boot_ns(), json_pack("{s:s, s:s, s:I}",
		      "connection", socks_name(m->socks, conn), "reason", why, "pid",
		      (json_int_t)tgid));
}

static void on_sock(void *ctx, const struct mw_sock *e)
{
	struct monitor *m = ctx;

	socks_note(m->socks, e);
}

static void note(struct monitor *m, const char *event, const struct decode_note *n)
{
	struct output_chan oc;

	chans_describe(m->chans, m->procs, n->chan, n->tgid, n->start_ns, &oc);
	output_note(m->out, event, n, &oc);
}

static void on_truncated(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.truncated", n);
}

static void on_skipped(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.skipped", n);
}

static void on_gap(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.gap", n);
}

/* ---- tracking ---- */

/* A server root: tracking reported. */
static void report_tracked(struct monitor *m, struct proc_info *p, uint64_t ts)
{
	json_t *rec;

	rec = json_pack("{s:s, s:o}", "reason", reason_names[p->reason], "process", output_proc(p));

	m->tracked_total++;
	output_console(m->out, ts, "tracking %s[%u] (%s): %s", p->comm, p->tgid,
		       reason_names[p->reason], p->cmdline ? p->cmdline : "");
	output_record(m->out, "process.tracked", ts, rec);
}

/*
 * Track a process. A new root gets its policy entry first (the kernel's enforcement state is
 * written before the tracked map, so its first action is judged under the right entry); a
 * root found at start-up (report false) is past its start-up grace.
 */
static int track(struct monitor *m, struct proc_info *p, uint32_t root, uint32_t reason,
		 uint64_t ts, bool report)
{
	int rc;

	p->root = root;
	p->reason = reason;
	if (reason != MW_TRACK_INHERIT)
		guard_server(m->guard, p, !report);
	rc = loader_track(m->loader, p->tgid, p->start_ns, root, reason);
	if (rc)
		return rc;
	if (report && reason != MW_TRACK_INHERIT)
		report_tracked(m, p, ts);
	return 0;
}

/* mcpwarden itself and the processes that started it match their own command lines. */
static bool is_self_or_ancestor(struct monitor *m, uint32_t tgid)
{
	struct proc_info *self = proc_find(m->procs, (uint32_t)getpid());

	return tgid == (uint32_t)getpid() || (self && proc_descends(m->procs, self, tgid));
}

static bool named_pid(const struct monitor *m, uint32_t tgid)
{
	for (unsigned int i = 0; i < m->cfg.n_pids; i++)
		if ((uint32_t)m->cfg.pids[i] == tgid)
			return true;
	return false;
}

struct scan_ctx {
	struct monitor *m;
	int pass;
	int rc;
};

/* Pass 0 marks the roots (--pid, --match); pass 1 their descendants; pass 2 writes the map;
 * pass 3 (after "ready") reports the roots. */
static void scan_visit(void *ctx, struct proc_info *p)
{
	struct scan_ctx *s = ctx;
	struct monitor *m = s->m;
	struct proc_info *a;

	if (s->pass == 0 && !is_self_or_ancestor(m, p->tgid)) {
		if (named_pid(m, p->tgid))
			p->root = p->tgid, p->reason = MW_TRACK_PID;
		else if (proc_match(p->cmdline, m->globs, m->nglobs))
			p->root = p->tgid, p->reason = MW_TRACK_MATCH;
	} else if (s->pass == 1 && !p->reason) {
		for (a = proc_find(m->procs, p->ppid); a && a != p; a = proc_find(m->procs, a->ppid)) {
			if (a->reason == MW_TRACK_PID || a->reason == MW_TRACK_MATCH) {
				p->root = a->tgid, p->reason = MW_TRACK_INHERIT;
				break;
			}
			if (!a->ppid || a->ppid == a->tgid)
				break;
		}
	} else if (s->pass == 2 && p->reason && p->tgid != (uint32_t)getpid()) {
		uint32_t reason = p->reason;
		int rc;

		p->reason = MW_TRACK_NONE;
		rc = track(m, p, p->root, reason, 0, false);
		if (rc && !s->rc)
			s->rc = rc;
	} else if (s->pass == 3 && (p->reason == MW_TRACK_PID || p->reason == MW_TRACK_MATCH)) {
		report_tracked(m, p, now_boot_ns());
	}
}

static void report_initial(struct monitor *m)
{
	struct scan_ctx s = { .m = m, .pass = 3 };

	proc_for_each(m->procs, scan_visit, &s);
}

static int initial_scan(struct monitor *m, struct mw_error *err)
{
	struct scan_ctx s = { .m = m };
	int n = proc_scan(m->procs);

	if (n < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot scan /proc: %s", strerror(-n));
		return n;
	}
	for (unsigned int i = 0; i < m->cfg.n_pids; i++) {
		if (!proc_find(m->procs, (uint32_t)m->cfg.pids[i])) {
			snprintf(err->msg, sizeof(err->msg), "no process with pid %d (--pid)",
				 m->cfg.pids[i]);
			return -ESRCH;
		}
	}
	for (s.pass = 0; s.pass < 3; s.pass++)
		proc_for_each(m->procs, scan_visit, &s);
	if (s.rc)
		snprintf(err->msg, sizeof(err->msg), "cannot write the tracked-process map: %s",
			 strerror(-s.rc));
	return s.rc;
}

/* ---- kernel records ---- */

/* TCP payload: the HTTP transports. */
static void http_feed(struct monitor *m, const struct mw_payload *p, const uint8_t *data)
{
	struct httpmcp_chunk c = {
		.conn = p->local_ino, .op = p->op, .offset = p->offset, .data = data,
		.len = p->len, .ts_ns = p->h.ts_ns, .tgid = p->h.tgid, .start_ns = p->h.start_ns,
	};

	httpmcp_feed(m->http, &c);
}

static void on_payload(void *ctx, const struct mw_payload *p, const uint8_t *data)
{
	struct monitor *m = ctx;
	struct decode_chunk c = {
		.chan = p->chan, .offset = p->offset, .data = data, .len = p->len,
		.ts_ns = p->h.ts_ns, .dir = p->op == MW_OP_WRITE ? MW_DIR_S2C : MW_DIR_C2S,
		.session_key = session_key(p->h.tgid, p->h.start_ns), .tgid = p->h.tgid,
		.start_ns = p->h.start_ns,
	};

	attrib_note(m->attrib, p->h.root ? p->h.root : p->h.tgid, c.session_key);
	if (p->kind == MW_CHAN_TCP) {
		http_feed(m, p, data);
		return;
	}
	chans_note(m->chans, p);
	decoder_feed(m->dec, &c);
}

/* One action of a tracked process. */
struct action {
	struct guard_action ga;
	struct attrib_call calls[GUARD_CALLS_MAX];
	char calls_txt[CALLS_TXT_LEN];
};

/* Write its record, with the process and the calls in flight; false when there is none. The
 * record stays readable in a->ga.rec (for the policy) until action_done(). */
static bool report_action(struct monitor *m, const char *event, const struct mw_event_hdr *h,
			  json_t *rec, const char *line, bool routine, struct action *a)
{
	struct proc_info *p = proc_get(m->procs, h->tgid, h->start_ns);
	unsigned int n = 0;
	json_t *calls = attrib_calls_detail(m->attrib, m->dec, h->root, a->calls_txt,
					    sizeof(a->calls_txt), a->calls, GUARD_CALLS_MAX, &n);

	if (!rec) {
		json_decref(calls);
		return false;
	}
	json_object_set_new(rec, "process", output_proc(p));
	json_object_set_new(rec, "server_pid", json_integer(h->root));
	json_object_set_new(rec, "calls", calls ? calls : json_array());
	if (a->calls_txt[0] || !routine)   /* the console skips routine reads outside calls */
		output_action(m->out, h->ts_ns, p, line, a->calls_txt);
	a->ga = (struct guard_action){ .h = h, .p = p, .event = event, .rec = json_incref(rec),
		.calls = a->calls, .ncalls = calls ? n : 0, .calls_txt = a->calls_txt };
	output_record(m->out, event, h->ts_ns, rec);
	return true;
}

static void action_done(struct action *a)
{
	json_decref(a->ga.rec);
}

static void on_file(void *ctx, const struct mw_file *e)
{
	struct monitor *m = ctx;
	char line[LINE_LEN];
	json_t *rec = actions_file(e, line, sizeof(line));
	struct action a;

	if (!report_action(m, actions_file_event(e->op), &e->h, rec, line, e->op == MW_FILE_OPEN &&
			   evfmt_open_access(e->flags) == EVFMT_ACCESS_READ, &a))
		return;
	guard_file(m->guard, &a.ga, e);
	action_done(&a);
}

static void on_net(void *ctx, const struct mw_net *e)
{
	struct monitor *m = ctx;
	char line[LINE_LEN];
	json_t *rec = actions_net(e, line, sizeof(line));
	struct action a;

	if (!report_action(m, actions_net_event(e->op), &e->h, rec, line, false, &a))
		return;
	guard_net(m->guard, &a.ga, e);
	action_done(&a);
}

static void on_exec(void *ctx, const struct mw_exec *e)
{
	struct monitor *m = ctx;
	struct proc_info *p = proc_on_exec(m->procs, e);

	if (!p)
		return;
	if (e->tracked) {
		char line[LINE_LEN];
		struct action a;

		p->reason = e->tracked;
		p->root = e->h.root;
		if (!report_action(m, "process.exec", &e->h, actions_exec(e, line, sizeof(line)), line,
				   false, &a))
			return;
		guard_exec(m->guard, &a.ga, e);
		action_done(&a);
		return;
	}
	if (!is_self_or_ancestor(m, p->tgid) && proc_match(p->cmdline, m->globs, m->nglobs))
		track(m, p, p->tgid, MW_TRACK_MATCH, e->h.ts_ns, true);
	else
		proc_forget(m->procs, p->tgid); /* every exec on the host is seen: keep none */
}

static void on_fork(void *ctx, const struct mw_fork *e)
{
	struct monitor *m = ctx;
	char line[LINE_LEN];

	proc_on_fork(m->procs, e);
	struct action a;

	snprintf(line, sizeof(line), "fork from %u", e->ptgid);
	if (report_action(m, "process.fork", &e->h, json_pack("{s:I}", "parent_pid",
			  (json_int_t)e->ptgid), line, false, &a))
		action_done(&a);
}

static void on_exit_rec(void *ctx, const struct mw_exit *e)
{
	struct monitor *m = ctx;
	struct proc_info *p = proc_find(m->procs, e->h.tgid);
	char line[LINE_LEN];
	struct action a;

	if (report_action(m, "process.exit", &e->h, actions_exit(e, line, sizeof(line)), line,
			  false, &a))
		action_done(&a);
	decoder_end_session(m->dec, session_key(e->h.tgid, e->h.start_ns));
	chans_forget(m->chans, e->h.tgid);
	httpmcp_end_process(m->http, e->h.tgid);
	socks_forget(m->socks, e->h.tgid);
	if (e->h.tgid == e->h.root) {
		attrib_forget(m->attrib, e->h.root);
		guard_forget(m->guard, e->h.root);
	}
	if (p)
		proc_forget(m->procs, e->h.tgid);
}

static void on_track(void *ctx, const struct mw_track *e)
{
	struct monitor *m = ctx;
	struct proc_info *p = proc_get(m->procs, e->h.tgid, e->h.start_ns);

	if (!p)
		return;
	p->root = e->h.tgid;
	p->reason = e->reason;
	guard_server(m->guard, p, e->reason == MW_TRACK_TRAFFIC);
	report_tracked(m, p, e->h.ts_ns);
}

/* ---- losses ---- */

static void report_drops(struct monitor *m)
{
	struct mw_drop now[MW_DROP__COUNT];

	if (loader_read_drops(m->loader, now))
		return;
	for (unsigned int r = 0; r < MW_DROP__COUNT; r++) {
		uint64_t dc = now[r].count - m->drops[r].count;
		uint64_t db = now[r].bytes - m->drops[r].bytes;

		if (!dc)
			continue;
		output_console(m->out, now_boot_ns(), "LOSS %s: %llu records, %llu bytes",
			       drop_names[r], (unsigned long long)dc, (unsigned long long)db);
		output_record(m->out, "loss", now_boot_ns(), json_pack("{s:s, s:s, s:I, s:I}",
			      "source", "kernel", "reason", drop_names[r], "count", (json_int_t)dc,
			      "bytes", (json_int_t)db));
		m->drops[r] = now[r];
	}
}

static json_t *drops_json(const struct mw_drop *d)
{
	json_t *o = json_object();

	for (unsigned int r = 0; r < MW_DROP__COUNT; r++)
		json_object_set_new(o, drop_names[r], json_pack("{s:I, s:I}", "count",
				    (json_int_t)d[r].count, "bytes", (json_int_t)d[r].bytes));
	return o;
}

static json_t *decoder_json(const struct decode_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"chunks", (json_int_t)s->chunks, "bytes", (json_int_t)s->bytes,
		"messages", (json_int_t)s->messages, "lines_not_json", (json_int_t)s->lines_not_json,
		"lines_bad_json", (json_int_t)s->lines_bad_json,
		"lines_not_jsonrpc", (json_int_t)s->lines_not_jsonrpc,
		"truncated", (json_int_t)s->truncated, "gaps", (json_int_t)s->gaps,
		"gap_bytes", (json_int_t)s->gap_bytes, "lost_bytes", (json_int_t)s->lost_bytes,
		"unterminated_bytes", (json_int_t)s->unterminated_bytes,
		"duplicate_bytes", (json_int_t)s->duplicate_bytes,
		"backlog", (json_int_t)s->held_overflow,
		"pending_evicted", (json_int_t)s->pending_evicted, "oom", (json_int_t)s->oom);
}

static json_t *http_json(const struct httpmcp_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "adopted",
		(json_int_t)s->adopted,
		"connections", (json_int_t)s->connections, "exchanges", (json_int_t)s->exchanges,
		"messages", (json_int_t)s->messages, "replays_dropped", (json_int_t)s->replays_dropped,
		"not_http", (json_int_t)s->not_http, "parse_errors", (json_int_t)s->parse_errors,
		"gaps", (json_int_t)s->gaps, "oversize_bodies", (json_int_t)s->oversize_bodies);
}

/* Final statistics: a "stats" record and a summary on stderr. */
static void report_stats(struct monitor *m)
{
	struct mw_drop d[MW_DROP__COUNT] = { 0 };
	struct decode_stats ds;
	const struct reader_stats *rs = reader_stats(m->reader);
	uint64_t kernel_lost = 0;
	json_t *rec;

	loader_read_drops(m->loader, d);
	decoder_stats(m->dec, &ds);
	for (unsigned int r = 0; r < MW_DROP__COUNT; r++)
		kernel_lost += d[r].count;
	rec = json_pack("{s:o, s:o, s:o, s:{s:I, s:I}, s:I, s:I}",
		"kernel_drops", drops_json(d), "decoder", decoder_json(&ds),
		"alerts", guard_stats(m->guard), "reader", "records",
		(json_int_t)rs->records, "malformed", (json_int_t)rs->malformed,
		"tracked_processes", (json_int_t)m->tracked_total,
		"output_write_errors", (json_int_t)output_write_errors(m->out));
	if (rec && m->enforce)
		json_object_set_new(rec, "enforcement", enforce_stats(m->enforce));
	if (rec)
		json_object_set_new(rec, "http", http_json(httpmcp_stats(m->http)));
	output_record(m->out, "stats", now_boot_ns(), rec);
	fprintf(stderr, "mcpwarden: %llu messages, %llu alerts, %llu kernel losses, %llu gaps "
		"(%llu bytes), %llu truncated, %llu backlog, %llu non-JSON lines, %llu malformed "
		"records\n", (unsigned long long)ds.messages,
		(unsigned long long)guard_alert_count(m->guard), (unsigned long long)kernel_lost,
		(unsigned long long)ds.gaps, (unsigned long long)ds.gap_bytes,
		(unsigned long long)ds.truncated, (unsigned long long)ds.held_overflow,
		(unsigned long long)(ds.lines_not_json + ds.lines_bad_json),
		(unsigned long long)rs->malformed);
}

static void set_globs(struct monitor *m)
{
	for (unsigned int i = 0; i < m->cfg.n_match; i++)
		m->globs[m->nglobs++] = m->cfg.match[i];
	for (size_t i = 0; m->cfg.default_match && i < cli_default_match_count; i++)
		m->globs[m->nglobs++] = cli_default_match[i];
}

static int open_sinks(struct monitor *m, struct mw_error *err)
{
	struct output_opts oo = {
		.jsonl_path = m->cfg.jsonl_path, .payload = m->cfg.payload, .color = m->cfg.color,
		.console = !m->cfg.quiet, .boot_to_real_ns = boot_to_real(),
	};
	struct decode_opts dopt = {
		.message_cap = m->cfg.message_cap, .reorder_wait_ns = REORDER_WAIT_NS,
	};
	struct decode_sink sink = {
		.message = on_message, .truncated = on_truncated, .skipped = on_skipped,
		.gap = on_gap,
	};
	struct httpmcp_sink http_sink = {
		.message = on_http_message, .mismatch = on_http_mismatch,
		.abandoned = on_http_abandoned,
	};

	struct policy_error perr = { "" };

	m->policy = polfile_load(m->cfg.policy_path, &perr);
	if (!m->policy) {
		snprintf(err->msg, sizeof(err->msg), "%s", perr.msg);
		return -EINVAL;
	}
	m->out = output_open(&oo, err);
	if (!m->out)
		return -EIO;
	m->guard = guard_new(m->policy, m->out);
	m->procs = proc_table_new();
	m->dec = decoder_new(&dopt, &sink, m);
	m->attrib = attrib_new();
	m->chans = chans_new();
	m->http = httpmcp_new(&http_sink, m, m->cfg.message_cap, REORDER_WAIT_NS);
	m->socks = socks_new();
	if (!m->procs || !m->dec || !m->attrib || !m->chans || !m->guard || !m->http || !m->socks) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	return 0;
}

struct kill_ctx {
	uint32_t root, self;
};

static void kill_visit(void *ctx, struct proc_info *p)
{
	const struct kill_ctx *k = ctx;

	if (p->root == k->root && p->tgid > 1 && p->tgid != k->self)
		kill((pid_t)p->tgid, SIGKILL);
}

/* scope: server: every known process of the tree (never mcpwarden, never pid 1). */
static void kill_tree(void *ctx, uint32_t root)
{
	struct monitor *m = ctx;
	struct kill_ctx k = { root, (uint32_t)getpid() };

	proc_for_each(m->procs, kill_visit, &k);
}

/* The policy into the kernel's maps, before anything is attached or tracked. */
static int start_enforcing(struct monitor *m, struct mw_error *err)
{
	m->enforce = enforce_new(m->policy, m->loader, err);
	if (!m->enforce)
		return -EINVAL;
	guard_set_enforce(m->guard, m->enforce, kill_tree, m);
	return 0;
}

static int open_bpf(struct monitor *m, struct mw_error *err)
{
	bool enforce = m->policy->mode == POLICY_MODE_ENFORCE;
	struct loader_opts lo = {
		.self_tgid = (uint32_t)getpid(), .exec_all = m->nglobs > 0,
		.detect = m->cfg.detect, .ringbuf_mb = m->cfg.ringbuf_mb,
		.enforce = enforce, .attach_cgroup = enforce || m->cfg.attach_all,
	};
	struct reader_handlers h = {
		.payload = on_payload, .exec = on_exec, .fork = on_fork, .exit = on_exit_rec,
		.track = on_track, .file = on_file, .net = on_net, .sock = on_sock,
	};
	int rc;

	rc = loader_open(&m->loader, err);
	if (!rc)
		rc = loader_configure(m->loader, &lo, err);
	if (!rc)
		rc = loader_load(m->loader, err);
	if (!rc && enforce)
		rc = start_enforcing(m, err);
	if (!rc)
		rc = loader_attach(m->loader, err);
	if (rc)
		return rc;
	m->reader = reader_new(loader_events_fd(m->loader), &h, m);
	if (!m->reader) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open the ring buffer: %s",
			 strerror(-rc));
	}
	return rc;
}

static void report_ready(struct monitor *m)
{
	json_t *progs = json_array(), *globs = json_array();

	for (unsigned int i = 0; i < loader_program_count(m->loader); i++)
		json_array_append_new(progs, json_string(loader_program_section(m->loader, i)));
	for (unsigned int i = 0; i < m->nglobs; i++)
		json_array_append_new(globs, json_string(m->globs[i]));
	output_record(m->out, "ready", now_boot_ns(), json_pack("{s:i, s:i, s:o, s:o, s:b, s:s, s:I, "
		"s:{s:s, s:s}}", "abi", MW_ABI_VERSION, "pid", (int)getpid(), "programs", progs,
		"match", globs, "detect", m->cfg.detect,
		"payload", m->cfg.payload == PAYLOAD_FULL ? "full" : "short",
		"message_cap", (json_int_t)m->cfg.message_cap,
		"policy", "source", m->policy->source, "mode",
		m->policy->mode == POLICY_MODE_ENFORCE ? "enforce" : "monitor"));
	if (m->enforce)
		output_record(m->out, "enforce.limits", now_boot_ns(), json_pack("{s:o}",
			      "user_space_only", enforce_limits(m->enforce)));
	output_console(m->out, now_boot_ns(), "mcpwarden ready: %u programs attached, %llu "
		       "processes tracked, watching for MCP traffic", loader_attached_count(m->loader),
		       (unsigned long long)m->tracked_total);
}

static void monitor_free(struct monitor *m)
{
	reader_free(m->reader);
	httpmcp_free(m->http);          /* may still hand messages to the decoder */
	loader_close(m->loader);
	decoder_free(m->dec);
	attrib_free(m->attrib);
	proc_table_free(m->procs);
	chans_free(m->chans);
	socks_free(m->socks);
	guard_free(m->guard);
	enforce_free(m->enforce);
	output_close(m->out);
	policy_free(m->policy);
	free(m);
}

int monitor_start(struct monitor **out, const struct mw_config *cfg, struct mw_error *err)
{
	struct monitor *m = calloc(1, sizeof(*m));
	int rc;

	if (!m) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	m->cfg = *cfg;
	set_globs(m);
	rc = open_sinks(m, err);
	if (!rc)
		rc = open_bpf(m, err);
	if (!rc)
		rc = initial_scan(m, err);
	if (rc) {
		monitor_free(m);
		return rc;
	}
	m->started_ns = now_boot_ns();
	if (cfg->duration_s)
		m->stop_at_ns = m->started_ns + (uint64_t)cfg->duration_s * NSEC_PER_SEC_U;
	report_ready(m);
	report_initial(m);
	output_flush(m->out);
	*out = m;
	return 0;
}

int monitor_poll(struct monitor *m)
{
	int rc = reader_poll(m->reader, MW_POLL_TIMEOUT_MS);
	uint64_t now = now_boot_ns();

	if (rc < 0)
		return rc;
	decoder_expire(m->dec, now);
	httpmcp_expire(m->http, now);
	guard_tick(m->guard, now);
	report_drops(m);
	output_flush(m->out);
	if (m->stop_at_ns && now >= m->stop_at_ns)
		return 1;
	return 0;
}

int monitor_stop(struct monitor *m)
{
	uint64_t errors;

	reader_drain(m->reader);
	decoder_flush(m->dec);
	guard_tick(m->guard, UINT64_MAX);
	report_drops(m);
	report_stats(m);
	errors = output_write_errors(m->out);
	monitor_free(m);
	return errors ? -EIO : 0;
}

void monitor_report(const struct monitor *m)
{
	for (unsigned int i = 0; i < loader_program_count(m->loader); i++)
		printf("%-22s %-36s %s\n", loader_program_name(m->loader, i),
		       loader_program_section(m->loader, i),
		       loader_program_attached(m->loader, i) ? "attached" : "NOT ATTACHED");
	printf("%u of %u programs attached\n", loader_attached_count(m->loader),
	       loader_program_count(m->loader));
}
