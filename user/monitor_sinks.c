// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* monitor_sinks: decoded messages (stdio and HTTP) into records, and what the policy learns
 * from them. */
#include "monitor_int.h"

/* ---- decoder sink ---- */

/* What the policy learns from traffic: the server spoke, its name, its client's roots. */
static void learn_from_message(struct monitor *m, const struct decode_msg *dm)
{
	struct proc_info *p = proc_find(m->procs, dm->tgid);
	struct proc_info *root = p && p->root ? proc_find(m->procs, p->root) : NULL;
	const struct httpmcp_envelope *env = dm->envelope;
	const char *name;
	json_t *result;

	if (!p || !p->root)
		return;
	if (env && env->client_side)
		return;                 /* a tracked client: the server is elsewhere */
	guard_spoke(m->guard, p->root);
	name = dm->session ? json_string_value(json_object_get(dm->session->server_info, "name"))
			   : NULL;
	if (name && root)
		guard_server_name(m->guard, root, name);
	if (dm->dir == MW_DIR_C2S && dm->corr.matched && dm->m->kind == JR_RESULT &&
	    !strcmp(dm->corr.method, "roots/list")) {
		result = jsonrpc_tree(&dm->m->result);  /* rare: a tree is fine */
		guard_client_roots(m->guard, p->root, result);
		json_decref(result);
	}
}

/* Where an HTTP message travelled: the connection's endpoints and the HTTP envelope. The
 * capturing process is the server, or the client when it sent the requests (client-side
 * capture: the server is its peer, named by the channel's address). */
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
	oc->server = env->client_side ? NULL : proc_get(m->procs, dm->tgid, dm->start_ns);
	oc->client = env->client_side ? proc_get(m->procs, dm->tgid, dm->start_ns) : NULL;
	oc->http = http;
	return http;
}

void mon_on_message(void *ctx, const struct decode_msg *dm)
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

void mon_on_http_message(void *ctx, const struct httpmcp_msg *hm)
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

void mon_on_http_mismatch(void *ctx, const struct httpmcp_mismatch *x)
{
	struct monitor *m = ctx;
	const struct httpmcp_msg *hm = x->msg;
	char what[MW_CMDLINE_MAX];

	snprintf(what, sizeof(what), "%s: %s, body: %s", x->header, x->header_value,
		 x->body_value ? x->body_value : "(none)");
	guard_raw_alert(m->guard, "http.header_mismatch", "high", root_of(m, hm->tgid),
			proc_get(m->procs, hm->tgid, hm->start_ns),
			json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?}", "header", x->header,
				  "header_value", x->header_value, "header_raw", x->header_raw,
				  "body_value", x->body_value,
				  "http_method", hm->env->method, "path", hm->env->path,
				  "session_id", hm->env->session_id), what, hm->ts_ns);
}

/* A DELETE ended an HTTP session: forget it like a stdio session whose process ended (its
 * pending requests with it). */
void mon_on_http_session_end(void *ctx, uint64_t session_key, uint32_t tgid)
{
	struct monitor *m = ctx;

	decoder_end_session(m->dec, session_key);
}

void mon_on_http_abandoned(void *ctx, uint64_t conn, uint32_t tgid, const char *why)
{
	struct monitor *m = ctx;

	output_record(m->out, "http.abandoned", now_boot_ns(), json_pack("{s:s, s:s, s:I}",
		      "connection", socks_name(m->socks, conn), "reason", why, "pid",
		      (json_int_t)tgid));
}

void mon_on_sock(void *ctx, const struct mw_sock *e)
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

void mon_on_truncated(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.truncated", n);
}

void mon_on_skipped(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.skipped", n);
}

void mon_on_gap(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.gap", n);
}

void mon_on_joined(void *ctx, const struct decode_note *n)
{
	note(ctx, "mcp.joined", n);
}


/* ---- closed HTTP connections ---- */

/* httpmcp_sweep's questions come grouped by process: its open sockets are read once. */
struct sweep_ctx {
	struct monitor *m;
	uint32_t tgid;
	bool read;              /* inos holds tgid's sockets */
	bool known;             /* they could be read (a process that is gone has none) */
	uint64_t *inos;
	size_t n;
};

static bool conn_open(void *ctx, uint32_t tgid, uint64_t conn)
{
	struct sweep_ctx *w = ctx;
	int rc;

	if (!w->read || w->tgid != tgid) {
		free(w->inos);
		rc = proc_socket_inodes(tgid, MW_SWEEP_SOCKETS_MAX, &w->inos, &w->n);
		w->tgid = tgid;
		w->read = true;
		w->known = !rc || rc == -ENOENT;
	}
	if (!w->known)
		return true;    /* cannot tell (EACCES, ENOMEM, E2BIG): kept */
	return proc_inode_in(w->inos, w->n, conn);
}

static void conn_closed(void *ctx, uint32_t tgid, uint64_t conn)
{
	struct sweep_ctx *w = ctx;

	(void)tgid;
	socks_forget_one(w->m->socks, conn);
}

void mon_sweep_http(struct monitor *m, uint64_t now_ns)
{
	struct sweep_ctx w = { .m = m };
	struct httpmcp_sweeper sw = { .is_open = conn_open, .closed = conn_closed, .ctx = &w };

	if (now_ns < m->next_sweep_ns)
		return;
	m->next_sweep_ns = now_ns + HTTP_SWEEP_NS;
	httpmcp_sweep(m->http, now_ns, &sw);
	free(w.inos);
}
