// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* monitor_records: the kernel's records (payload, exec, fork, exit, tracking, files,
 * network) into the decoder, the timeline and the policy. */
#include "monitor_int.h"

/* ---- kernel records ---- */

/* TCP payload: the HTTP transports (joined at *join when an earlier run captured some). */
static void http_feed(struct monitor *m, const struct mw_payload *p, const uint8_t *data,
		      const uint64_t *join)
{
	struct httpmcp_chunk c = {
		.conn = p->local_ino, .op = p->op, .offset = p->offset, .data = data,
		.len = p->len, .ts_ns = p->h.ts_ns, .tgid = p->h.tgid, .start_ns = p->h.start_ns,
	};

	if (join)
		httpmcp_join(m->http, &c, *join);
	httpmcp_feed(m->http, &c);
}

void mon_on_payload(void *ctx, const struct mw_payload *p, const uint8_t *data)
{
	struct monitor *m = ctx;
	uint64_t join;
	bool joined = joins_take(m->joins, p->chan, &join);
	struct decode_chunk c = {
		.chan = p->chan, .offset = p->offset, .data = data, .len = p->len,
		.ts_ns = p->h.ts_ns, .dir = p->op == MW_OP_WRITE ? MW_DIR_S2C : MW_DIR_C2S,
		.session_key = session_key(p->h.tgid, p->h.start_ns), .tgid = p->h.tgid,
		.start_ns = p->h.start_ns,
	};

	attrib_note(m->attrib, p->h.root ? p->h.root : p->h.tgid, c.session_key);
	if (p->kind == MW_CHAN_TCP) {
		http_feed(m, p, data, joined ? &join : NULL);
		return;
	}
	chans_note(m->chans, p);
	if (joined)
		decoder_join(m->dec, &c, join);
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

void mon_on_file(void *ctx, const struct mw_file *e)
{
	struct monitor *m = ctx;
	char line[LINE_LEN];
	struct fpath fp;
	json_t *rec;
	struct action a;

	fpath_lexical(e, &fp);
	fpath_resolve(e, &fp);
	rec = actions_file(e, &fp, line, sizeof(line));
	if (report_action(m, actions_file_event(e->op), &e->h, rec, line, e->op == MW_FILE_OPEN &&
			  evfmt_open_access(e->flags) == EVFMT_ACCESS_READ, &a)) {
		guard_file(m->guard, &a.ga, e, &fp);
		action_done(&a);
	}
	mon_hold_settled(m, &e->h);
	guard_settle(m->guard, &e->h);
}

void mon_on_net(void *ctx, const struct mw_net *e)
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

void mon_on_exec(void *ctx, const struct mw_exec *e)
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
		if (report_action(m, "process.exec", &e->h, actions_exec(e, line, sizeof(line)),
				  line, false, &a)) {
			guard_exec(m->guard, &a.ga, e);
			action_done(&a);
		}
		mon_hold_settled(m, &e->h);
		guard_settle(m->guard, &e->h);
		return;
	}
	if (!mon_is_self_or_ancestor(m, p->tgid) && proc_match(p->cmdline, m->globs, m->nglobs))
		mon_track(m, p, p->tgid, MW_TRACK_MATCH, e->h.ts_ns, true);
	else
		proc_forget(m->procs, p->tgid); /* every exec on the host is seen: keep none */
}

void mon_on_fork(void *ctx, const struct mw_fork *e)
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

struct root_probe {
	uint32_t root;
	bool found;
};

static void probe_root(void *ctx, struct proc_info *p)
{
	struct root_probe *r = ctx;

	if (p->root == r->root)
		r->found = true;
}

/* Does a process of root's tree live on? A server's state (its facts, calls, roots and its
 * kernel enforcement entry) outlives the server while a descendant runs: an orphan is judged
 * under its server's policy entry, not under the defaults. */
static bool root_has_members(struct monitor *m, uint32_t root)
{
	struct root_probe r = { .root = root };

	proc_for_each(m->procs, probe_root, &r);
	return r.found;
}

void mon_on_exit_rec(void *ctx, const struct mw_exit *e)
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
	if (p)
		proc_forget(m->procs, e->h.tgid);
	if (e->h.root && !root_has_members(m, e->h.root)) {
		attrib_forget(m->attrib, e->h.root);
		guard_forget(m->guard, e->h.root);
	}
}

void mon_on_track(void *ctx, const struct mw_track *e)
{
	struct monitor *m = ctx;
	struct proc_info *p = proc_get(m->procs, e->h.tgid, e->h.start_ns);

	if (!p)
		return;
	p->root = e->h.tgid;
	p->reason = e->reason;
	guard_server(m->guard, p, e->reason == MW_TRACK_TRAFFIC);
	mon_report_tracked(m, p, e->h.ts_ns);
}

