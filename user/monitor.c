// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* monitor: life cycle (start, poll, stop), tracking, losses and statistics. */
#include "monitor_int.h"

static const char *const drop_names[MW_DROP__COUNT] = {
	[MW_DROP_RINGBUF_FULL] = "ringbuf_full",
	[MW_DROP_READ_FAULT] = "read_fault",
	[MW_DROP_SYSCALL_LIMIT] = "syscall_limit",
	[MW_DROP_TRACKED_FULL] = "tracked_full",
	[MW_DROP_CHANNEL_FULL] = "channel_full",
	[MW_DROP_ENFORCE_STATE] = "enforce_state",
	[MW_DROP_SIGNAL] = "signal_failed",
	[MW_DROP_PROG_MISSED] = "prog_missed",
	[MW_DROP_DETECT_UNSCANNED] = "detect_unscanned",
};

static const char *reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[MW_TRACK_NONE] = "none", [MW_TRACK_TRAFFIC] = "traffic",
		[MW_TRACK_MATCH] = "match", [MW_TRACK_PID] = "pid", [MW_TRACK_INHERIT] = "inherit",
		[MW_TRACK_PINNED] = "pinned",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown";
}

/* ---- tracking ---- */

/* A server root: tracking reported (a pinned one with the reason the earlier run had). */
void mon_report_tracked(struct monitor *m, struct proc_info *p, uint64_t ts)
{
	json_t *rec;

	rec = json_pack("{s:s, s:o}", "reason", reason_name(p->reason), "process", output_proc(p));
	if (rec && p->reason == MW_TRACK_PINNED)
		json_object_set_new(rec, "pinned_reason",
				    json_string(reason_name(p->pinned_reason)));
	m->tracked_total++;
	output_console(m->out, ts, "tracking %s[%u] (%s): %s", p->comm, p->tgid,
		       reason_name(p->reason), p->cmdline ? p->cmdline : "");
	output_record(m->out, "process.tracked", ts, rec);
}

/*
 * Track a process. A new root gets its policy entry first (the kernel's enforcement state is
 * written before the tracked map, so its first action is judged under the right entry); a
 * root found at start-up (report false) is past its start-up grace.
 */
int mon_track(struct monitor *m, struct proc_info *p, uint32_t root, uint32_t reason,
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
		mon_report_tracked(m, p, ts);
	return 0;
}

/* mcpwarden itself and the processes that started it match their own command lines. */
bool mon_is_self_or_ancestor(struct monitor *m, uint32_t tgid)
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

static bool reported_root(uint32_t reason)
{
	return reason == MW_TRACK_PID || reason == MW_TRACK_MATCH || reason == MW_TRACK_PINNED;
}

/* Pass 0 marks the roots (--pid, --match); pass 1 the descendants of every tracked process
 * (those of a pinned server forked while no collector ran included); pass 2 writes the map
 * (pinned servers are in it and registered already); pass 3 (after "ready") reports the
 * roots. */
static void scan_visit(void *ctx, struct proc_info *p)
{
	struct scan_ctx *s = ctx;
	struct monitor *m = s->m;
	struct proc_info *a;

	if (s->pass == 0 && !mon_is_self_or_ancestor(m, p->tgid)) {
		if (named_pid(m, p->tgid))
			p->root = p->tgid, p->reason = MW_TRACK_PID;
		else if (proc_match(p->cmdline, m->globs, m->nglobs))
			p->root = p->tgid, p->reason = MW_TRACK_MATCH;
	} else if (s->pass == 1 && !p->reason) {
		for (a = proc_find(m->procs, p->ppid); a && a != p; a = proc_find(m->procs, a->ppid)) {
			if (a->reason && a->root) {
				p->root = a->root, p->reason = MW_TRACK_INHERIT;
				break;
			}
			if (!a->ppid || a->ppid == a->tgid)
				break;
		}
	} else if (s->pass == 2 && p->reason && p->reason != MW_TRACK_PINNED &&
		   p->tgid != (uint32_t)getpid()) {
		uint32_t reason = p->reason;
		int rc;

		p->reason = MW_TRACK_NONE;
		rc = mon_track(m, p, p->root, reason, 0, false);
		if (rc && !s->rc)
			s->rc = rc;
	} else if (s->pass == 3 && reported_root(p->reason)) {
		mon_report_tracked(m, p, now_boot_ns());
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

/* ---- losses ---- */

static void report_drops(struct monitor *m)
{
	struct mw_drop now[MW_DROP__COUNT];

	if (loader_read_drops(m->loader, now, false))
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
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I, s:I}",
		"chunks", (json_int_t)s->chunks, "bytes", (json_int_t)s->bytes,
		"messages", (json_int_t)s->messages, "lines_not_json", (json_int_t)s->lines_not_json,
		"lines_bad_json", (json_int_t)s->lines_bad_json,
		"lines_not_jsonrpc", (json_int_t)s->lines_not_jsonrpc,
		"truncated", (json_int_t)s->truncated, "gaps", (json_int_t)s->gaps,
		"gap_bytes", (json_int_t)s->gap_bytes, "lost_bytes", (json_int_t)s->lost_bytes,
		"unterminated_bytes", (json_int_t)s->unterminated_bytes,
		"duplicate_bytes", (json_int_t)s->duplicate_bytes,
		"joined", (json_int_t)s->joined, "joined_bytes", (json_int_t)s->joined_bytes,
		"backlog", (json_int_t)s->held_overflow,
		"pending_evicted", (json_int_t)s->pending_evicted, "oom", (json_int_t)s->oom);
}

static json_t *http_json(const struct httpmcp_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I}",
		"connections_closed", (json_int_t)s->connections_closed,
		"connections_open", (json_int_t)s->connections_open,
		"adopted",
		(json_int_t)s->adopted, "joined", (json_int_t)s->joined,
		"resynced", (json_int_t)s->resynced, "resync_bytes", (json_int_t)s->resync_bytes,
		"connections", (json_int_t)s->connections, "exchanges", (json_int_t)s->exchanges,
		"messages", (json_int_t)s->messages, "replays_dropped", (json_int_t)s->replays_dropped,
		"not_http", (json_int_t)s->not_http, "parse_errors", (json_int_t)s->parse_errors,
		"gaps", (json_int_t)s->gaps, "oversize_bodies", (json_int_t)s->oversize_bodies,
		"header_mismatches", (json_int_t)s->header_mismatches,
		"sessions_ended", (json_int_t)s->sessions_ended);
}

/* Final statistics: a "stats" record and a summary on stderr. */
static void report_stats(struct monitor *m)
{
	struct mw_drop d[MW_DROP__COUNT] = { 0 };
	struct decode_stats ds;
	const struct reader_stats *rs = reader_stats(m->reader);
	uint64_t kernel_lost = 0;
	json_t *rec;

	loader_read_drops(m->loader, d, true);
	decoder_stats(m->dec, &ds);
	for (unsigned int r = 0; r < MW_DROP__COUNT; r++)
		kernel_lost += d[r].count;
	rec = json_pack("{s:o, s:o, s:o, s:{s:I, s:I}, s:I, s:I}",
		"kernel_drops", drops_json(d), "decoder", decoder_json(&ds),
		"alerts", guard_stats(m->guard), "reader", "records",
		(json_int_t)rs->records, "malformed", (json_int_t)rs->malformed,
		"tracked_processes", (json_int_t)m->tracked_total,
		"output_write_errors", (json_int_t)output_write_errors(m->out));
	if (rec && m->enforce) {
		json_object_set_new(rec, "enforcement", enforce_stats(m->enforce));
		json_object_set_new(rec, "holds", guard_hold_stats(m->guard));
	}
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
		.shorten_over = m->cfg.payload == PAYLOAD_FULL ? 0 : MW_SHORTEN_OVER,
		.shorten_keep = MW_SHORTEN_KEEP,
	};
	struct decode_sink sink = {
		.message = mon_on_message, .truncated = mon_on_truncated,
		.skipped = mon_on_skipped, .gap = mon_on_gap, .joined = mon_on_joined,
	};
	struct httpmcp_sink http_sink = {
		.message = mon_on_http_message, .mismatch = mon_on_http_mismatch,
		.session_end = mon_on_http_session_end,
		.abandoned = mon_on_http_abandoned,
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
	if (m->procs)
		output_use_procs(m->out, m->procs);
	m->dec = decoder_new(&dopt, &sink, m);
	m->attrib = attrib_new();
	m->chans = chans_new();
	m->http = httpmcp_new(&http_sink, m, m->cfg.message_cap, REORDER_WAIT_NS);
	m->socks = socks_new();
	m->joins = joins_new();
	if (!m->procs || !m->dec || !m->attrib || !m->chans || !m->guard || !m->http || !m->socks ||
	    !m->joins) {
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
		proc_signal(p->tgid, p->start_ns, SIGKILL);
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
		.pin_dir = m->cfg.pin_dir,
	};
	struct reader_handlers h = {
		.payload = mon_on_payload, .exec = mon_on_exec, .fork = mon_on_fork,
		.exit = mon_on_exit_rec, .track = mon_on_track, .file = mon_on_file,
		.net = mon_on_net, .sock = mon_on_sock,
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
		rc = mon_inherit_pinned(m, err);
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
	json_t *progs = json_array(), *globs = json_array(), *rec;

	for (unsigned int i = 0; i < loader_program_count(m->loader); i++)
		json_array_append_new(progs, json_string(loader_program_section(m->loader, i)));
	for (unsigned int i = 0; i < m->nglobs; i++)
		json_array_append_new(globs, json_string(m->globs[i]));
	rec = json_pack("{s:i, s:i, s:o, s:s, s:o, s:b, s:s, s:I, s:{s:s, s:s}, s:o}", "abi",
		MW_ABI_VERSION, "pid", (int)getpid(), "programs", progs,
		"kernel_reads", loader_btf_walk(m->loader) ? "direct" : "helper", "match", globs,
		"detect", m->cfg.detect,
		"payload", m->cfg.payload == PAYLOAD_FULL ? "full" : "short",
		"message_cap", (json_int_t)m->cfg.message_cap,
		"policy", "source", m->policy->source,
		"mode", m->policy->mode == POLICY_MODE_ENFORCE ? "enforce" : "monitor",
		"pin", mon_pin_json(m));
	output_record(m->out, "ready", now_boot_ns(), rec);
	if (m->enforce)
		output_record(m->out, "enforce.limits", now_boot_ns(), json_pack("{s:o, s:s}",
			      "user_space_only", enforce_limits(m->enforce),
			      "child_over_tracked_limit",
			      loader_fork_kill(m->loader) ? "killed" : "unjudged"));
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
	joins_free(m->joins);
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
	mon_report_orphan_holds(m);
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
	mon_sweep_http(m, now);
	guard_tick(m->guard, now);
	if (now - m->drops_read_ns >= MW_DROPS_PERIOD_MS * NSEC_PER_MSEC_U) {
		report_drops(m);
		m->drops_read_ns = now;
	}
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
	printf("kernel structures read %s\n", loader_btf_walk(m->loader) ?
	       "by direct loads (the kernel has bpf_rdonly_cast)" :
	       "by bpf_probe_read_kernel() (the kernel has no bpf_rdonly_cast)");
	printf("%u of %u programs attached\n", loader_attached_count(m->loader),
	       loader_program_count(m->loader));
}
