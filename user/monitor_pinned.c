// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * monitor_pinned: what a restarted collector takes over from the run before it through the
 * pinned maps (user/pin.c): the processes it tracked, still running, registered with the
 * policy before any program is attached and reported after "ready"; and where the capture of
 * each channel stood, so that the decoder joins those channels there (user/joins.c).
 */
#include "monitor_int.h"
#include "pin.h"

/* One entry of the tracked map an earlier run left: the same process still (same start
 * tick), or one that exited while no collector ran (or whose pid was reused): removed. */
static void inherit_tracked(void *ctx, uint32_t tgid, const struct mw_tracked *t)
{
	struct monitor *m = ctx;
	struct proc_info *p = tgid == (uint32_t)getpid() ? NULL : proc_find_or_load(m->procs, tgid);

	if (!p || p->start_ns / MW_NS_PER_TICK != t->start_tick) {
		loader_untrack(m->loader, tgid);
		m->pinned_dropped++;
		return;
	}
	m->pinned_kept++;
	p->root = t->root_tgid;
	if (t->root_tgid != tgid) {
		p->reason = MW_TRACK_INHERIT;
		return;
	}
	p->reason = MW_TRACK_PINNED;
	p->pinned_reason = t->reason;
	guard_server(m->guard, p, true);       /* it has been running: past its grace */
}

/* A process an earlier run held (stopped) for a verdict it never carried out: that run ended
 * between the kernel's SIGSTOP and its own SIGKILL or SIGCONT. The record that would have
 * decided went with it, so the process is killed, fail closed, as a hold without a record is
 * (docs/enforcement.md). Reported after "ready". */
static void settle_orphan_hold(void *ctx, uint32_t tgid, uint64_t start_ns)
{
	struct monitor *m = ctx;
	struct proc_info *p = proc_find_or_load(m->procs, tgid);
	struct orphan_hold *o;
	int rc;

	loader_held_settled(m->loader, tgid);
	rc = proc_signal(tgid, start_ns, SIGKILL);
	if (m->norphans >= ORPHANS_MAX) {
		m->orphans_unreported++;
		return;
	}
	o = &m->orphans[m->norphans++];
	o->tgid = tgid;
	o->start_ns = start_ns;
	o->rc = rc;
	o->proc = !rc && p && p->start_ns / MW_NS_PER_TICK == start_ns / MW_NS_PER_TICK ?
		  output_proc(p) : NULL;
}

void mon_report_orphan_holds(struct monitor *m)
{
	for (unsigned int i = 0; i < m->norphans; i++) {
		struct orphan_hold *o = &m->orphans[i];
		const char *action = o->rc ? "gone" : "killed";

		output_console(m->out, now_boot_ns(), "ENFORCEMENT: process %u was held by an "
			       "earlier run that ended before its verdict: %s%s", o->tgid, action,
			       o->rc ? "" : " (fail closed)");
		output_record(m->out, "enforce.orphan_hold", now_boot_ns(),
			      json_pack("{s:I, s:I, s:s, s:o}", "pid", (json_int_t)o->tgid,
					"start_ns", (json_int_t)o->start_ns, "action", action,
					"process", o->proc ? o->proc : json_null()));
		o->proc = NULL;
	}
	if (m->orphans_unreported)
		output_console(m->out, now_boot_ns(), "ENFORCEMENT: %llu more processes held by an "
			       "earlier run were killed", (unsigned long long)m->orphans_unreported);
}

void mon_hold_settled(struct monitor *m, const struct mw_event_hdr *h)
{
	if (h->flags & MW_F_HELD)
		loader_held_settled(m->loader, h->tgid);
}

struct join_ctx {
	struct joins *joins;
	int rc;                 /* the first failure */
};

static void join_channel(void *ctx, uint64_t chan, const struct mw_channel *c)
{
	struct join_ctx *j = ctx;
	int rc = joins_add(j->joins, chan, c->next_off);

	if (rc && !j->rc)
		j->rc = rc;
}

static void say_replaced(const struct monitor *m)
{
	unsigned int n;
	const struct pin_map *pins = loader_pins(m->loader, &n);

	for (unsigned int i = 0; i < n; i++)
		if (pins[i].state == PIN_REPLACED)
			fprintf(stderr, "mcpwarden: replaced the pinned map %s (%s): what it "
				"carried over from the earlier run is lost\n", pins[i].path,
				pins[i].note);
}

/* After load, before attach: nothing of this run runs yet, so the maps hold exactly what the
 * earlier run left (both are empty when they were created now). */
int mon_inherit_pinned(struct monitor *m, struct mw_error *err)
{
	struct join_ctx j = { .joins = m->joins };
	int rc;

	say_replaced(m);
	rc = loader_tracked_each(m->loader, inherit_tracked, m);
	if (!rc)
		rc = loader_held_each(m->loader, settle_orphan_hold, m);
	if (!rc)
		rc = loader_channels_each(m->loader, join_channel, &j);
	if (!rc)
		rc = j.rc;
	if (rc)
		snprintf(err->msg, sizeof(err->msg), "cannot read the pinned maps: %s",
			 strerror(-rc));
	return rc;
}

/* The "pin" member of "ready": null without pins. */
json_t *mon_pin_json(const struct monitor *m)
{
	unsigned int n;
	const struct pin_map *pins = loader_pins(m->loader, &n);
	json_t *maps = json_object();

	if (!n) {
		json_decref(maps);
		return json_null();
	}
	for (unsigned int i = 0; i < n; i++)
		json_object_set_new(maps, pins[i].name, json_string(pin_state_name(pins[i].state)));
	return json_pack("{s:s, s:o, s:I, s:I, s:I}", "dir", m->cfg.pin_dir, "maps", maps,
			 "processes", (json_int_t)m->pinned_kept,
			 "processes_gone", (json_int_t)m->pinned_dropped,
			 "channels", (json_int_t)joins_count(m->joins));
}
