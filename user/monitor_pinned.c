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
