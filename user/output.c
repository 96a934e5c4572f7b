// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jline.h"
#include "output.h"

#define TS_LEN          64
#define SIZE_LEN        24
#define JSONL_BUF       (256u << 10)
#define NSEC_PER_SEC    1000000000LL
#define NSEC_PER_MSEC   1000000.0
#define NSEC_PER_USEC   1000
#define USEC_DIGITS     6

#define C_RESET "\033[0m"
#define C_DIM   "\033[2m"
#define C_REQ   "\033[36m"
#define C_OK    "\033[32m"
#define C_ERR   "\033[31m"
#define C_NOTE  "\033[33m"
#define C_ALERT "\033[1;31m"

struct output {
	struct output_opts o;
	FILE *jsonl;
	FILE *console;
	bool color;
	bool own_jsonl;
	char *jsonl_buf;        /* the stdio buffer of an own JSONL file */
	uint64_t write_errors;
	struct proc_table *procs; /* whose cached process texts records reuse (NULL: none) */
	time_t ts_sec;          /* the second ts_prefix shows */
	char ts_prefix[TS_LEN]; /* "YYYY-MM-DDTHH:MM:SS" of ts_sec, "" before the first record */
};

/* JSON lines are written when this buffer fills, and at every poll (output_flush): a few
 * write(2)s per poll instead of one per 4 KiB. */
static char stdout_buf[JSONL_BUF];

struct output *output_open(const struct output_opts *o, struct mw_error *err)
{
	struct output *out = calloc(1, sizeof(*out));

	if (!out) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	out->o = *o;
	if (o->jsonl_path && !strcmp(o->jsonl_path, "-")) {
		out->jsonl = stdout;
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	} else if (o->jsonl_path) {
		out->jsonl = fopen(o->jsonl_path, "we");
		if (!out->jsonl) {
			snprintf(err->msg, sizeof(err->msg), "cannot open '%s' for JSON lines: %s",
				 o->jsonl_path, strerror(errno));
			free(out);
			return NULL;
		}
		out->own_jsonl = true;
		out->jsonl_buf = malloc(JSONL_BUF);
		if (out->jsonl_buf)
			setvbuf(out->jsonl, out->jsonl_buf, _IOFBF, JSONL_BUF);
	}
	if (o->console)
		out->console = out->jsonl == stdout ? stderr : stdout;
	if (out->console)
		out->color = o->color == COLOR_ALWAYS ||
			     (o->color == COLOR_AUTO && isatty(fileno(out->console)));
	return out;
}

int output_close(struct output *o)
{
	int rc = 0;

	if (!o)
		return 0;
	if (o->jsonl && fflush(o->jsonl))
		o->write_errors++;
	if (o->own_jsonl && fclose(o->jsonl))
		o->write_errors++;
	if (o->console)
		fflush(o->console);
	if (o->write_errors)
		rc = -EIO;
	free(o->jsonl_buf);     /* after fclose: the stream used it until then */
	free(o);
	return rc;
}

void output_flush(struct output *o)
{
	if (o->jsonl && fflush(o->jsonl))
		o->write_errors++;
	if (o->console)
		fflush(o->console);
}

uint64_t output_write_errors(const struct output *o)
{
	return o->write_errors;
}

/* "2026-11-26T13:09:02.216084Z"; the date and time up to the second are formatted once per
 * second and reused (one record per message: gmtime and printf showed in profiles). */
static void format_ts(struct output *o, uint64_t boot_ns, char *buf, size_t size)
{
	int64_t real = (int64_t)boot_ns + o->o.boot_to_real_ns;
	time_t sec = (time_t)(real / NSEC_PER_SEC);
	long usec = (long)((real % NSEC_PER_SEC) / NSEC_PER_USEC);
	struct tm tm;

	if (sec != o->ts_sec || !o->ts_prefix[0]) {
		gmtime_r(&sec, &tm);
		snprintf(o->ts_prefix, sizeof(o->ts_prefix), "%04d-%02d-%02dT%02d:%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		o->ts_sec = sec;
	}
	if (size < TS_LEN)
		return;
	strcpy(buf, o->ts_prefix);
	buf += strlen(o->ts_prefix);
	*buf++ = '.';
	for (int i = USEC_DIGITS - 1; i >= 0; i--, usec /= 10)
		buf[i] = (char)('0' + usec % 10);
	strcpy(buf + USEC_DIGITS, "Z");
}

/* The text of p's cached object (dumped once per identity); NULL when out of memory. */
static const char *proc_text(struct proc_info *p, size_t *n)
{
	if (!p->json_text && p->json) {
		p->json_text = json_dumps(p->json, JSON_COMPACT);
		p->json_text_n = p->json_text ? strlen(p->json_text) : 0;
	}
	*n = p->json_text_n;
	return p->json_text;
}

/* The process whose cached object (output_proc's, shared by reference) v is, or NULL. */
static struct proc_info *proc_of(const struct output *o, const json_t *v)
{
	json_t *pid = json_is_object(v) ? json_object_get(v, "pid") : NULL;
	json_int_t id = json_is_integer(pid) ? json_integer_value(pid) : 0;
	struct proc_info *p;

	if (!o->procs || id <= 0 || id > UINT32_MAX)
		return NULL;
	p = proc_find(o->procs, (uint32_t)id);
	return p && p->json == v ? p : NULL;
}

/* A string member of a process: bytes the kernel cut mid-character become U+FFFD. */
static json_t *lossy_or_null(const char *s)
{
	return s ? jline_lossy(s, strlen(s)) : json_null();
}

json_t *output_proc(struct proc_info *p)
{
	json_t *j;

	if (!p)
		return json_null();
	if (p->json && p->json_root == p->root)
		return json_incref(p->json);    /* built once per identity, shared by records */
	j = json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:I}", "pid", (json_int_t)p->tgid,
		      "ppid", (json_int_t)p->ppid, "start_ns", (json_int_t)p->start_ns,
		      "comm", lossy_or_null(p->comm), "cmdline", lossy_or_null(p->cmdline),
		      "exe", lossy_or_null(p->exe), "server_pid", (json_int_t)p->root);
	if (j && p->cgroup_id)
		json_object_set_new(j, "cgroup_id", json_integer((json_int_t)p->cgroup_id));
	if (j && p->container[0])
		json_object_set_new(j, "container_id", json_string(p->container));
	json_decref(p->json);
	free(p->json_text);
	p->json_text = NULL;
	p->json = json_incref(j);
	p->json_root = p->root;
	return j;
}

/* A process as a member of a line built as text: output_proc's object, dumped once per
 * identity. */
static void proc_member(struct jline *l, const char *key, struct proc_info *p)
{
	json_t *j = output_proc(p);
	const char *text;
	size_t n;

	if (!p || !j) {
		jline_json(l, key, j);
		json_decref(j);
		return;
	}
	text = proc_text(p, &n);
	if (text)
		jline_raw(l, key, text, n);
	else
		jline_json(l, key, j);
	json_decref(j);
}

void output_action(struct output *o, uint64_t ts_ns, const struct proc_info *p,
		   const char *line, const char *calls)
{
	if (o->console)
		output_console(o, ts_ns, "    %s| %s[%u] %s%s%s%s%s", o->color ? C_NOTE : "",
			       p ? p->comm : "?", p ? p->tgid : 0, line, o->color ? C_RESET : "",
			       calls[0] ? "  <- " : "", calls, calls[0] ? "" : "  (no call in flight)");
}

void output_alert(struct output *o, uint64_t ts_ns, const char *severity, const char *rule,
		  const struct proc_info *p, const char *what, const char *calls)
{
	if (o->console)
		output_console(o, ts_ns, "%s!! ALERT %s [%s] %s[%u]: %s%s%s%s", o->color ? C_ALERT : "",
			       rule, severity, p ? p->comm : "?", p ? p->tgid : 0, what,
			       calls[0] ? "  <- " : "  (no call in flight)", calls,
			       o->color ? C_RESET : "");
}

/* ---- mcp.message ---- */

static const char *kind_name(enum jr_kind k)
{
	switch (k) {
	case JR_REQUEST: return "request";
	case JR_NOTIFICATION: return "notification";
	case JR_RESULT: return "result";
	case JR_ERROR: return "error";
	default: return "invalid";
	}
}

static const char *dir_name(enum mw_dir d)
{
	return d == MW_DIR_C2S ? "c2s" : "s2c";
}

static void session_members(struct jline *l, const struct session *s)
{
	if (!s)
		return;
	jline_uint(l, "session", s->id);
	jline_str(l, "protocol_version", s->protocol_version);
}

/* An id as it came: a string keeps its text (validated JSON), other kinds have no "id". */
static void id_member(struct jline *l, const struct jr_id *id)
{
	switch (id->type) {
	case JR_ID_NULL:
		jline_raw(l, "id", "null", 4);
		break;
	case JR_ID_INT:
		jline_int(l, "id", id->num);
		break;
	case JR_ID_STRING:
		jline_raw(l, "id", id->v.p, id->v.n);
		break;
	default:
		break;
	}
}

static void correlation_members(struct jline *l, const struct decode_msg *dm)
{
	const struct jr_msg *m = dm->m;
	const char *tool = dm->corr.matched && dm->corr.target ? dm->corr.target : m->target;

	jline_str(l, "method", m->method);
	jline_str(l, "tool", tool);
	if (dm->corr.matched) {
		jline_str(l, "request_method", dm->corr.method);
		jline_ms(l, "latency_ms", dm->corr.latency_ns);
	}
	if (m->kind == JR_RESULT || m->kind == JR_ERROR)
		jline_bool(l, "is_error", m->is_error);
	if (m->kind == JR_ERROR) {
		jline_open(l, "error");
		jline_int(l, "code", m->error_code);
		jline_str(l, "name", jsonrpc_error_name(m->error_code));
		jline_str(l, "message", m->error_message);
		jline_close(l);
	}
	if (dm->corr.duplicate_id)
		jline_bool(l, "duplicate_id", true);
}

static void shortened_member(struct jline *l, const struct jsonshort_stats *s)
{
	jline_open(l, "shortened");
	jline_uint(l, "strings", s->strings);
	jline_uint(l, "bytes_removed", s->bytes);
	jline_uint(l, "over", MW_SHORTEN_OVER);
	jline_close(l);
}

/* "msg": the message text as it came (validated by the decoder), its long strings shortened
 * in the default payload mode (by the decoder before parsing, else here), its line breaks
 * between tokens removed (a JSON line holds none). */
static void msg_member(struct output *o, struct jline *l, const struct decode_msg *dm)
{
	const struct jscan_val *elem = &dm->m->elem;
	struct jsonshort_stats s = dm->shortened;
	enum jsonshort_result r = JSONSHORT_NONE;
	const char *text = elem->p;
	size_t n = elem->n, cut_n = 0;
	char *cut = NULL, *flat = NULL;
	json_t *tree, *short_tree;

	if (o->o.payload != PAYLOAD_FULL && !s.strings && !dm->shorten_checked)
		r = jsonshort_text(elem->p, elem->n, MW_SHORTEN_OVER, MW_SHORTEN_KEEP, &cut,
				   &cut_n, &s);
	if (r == JSONSHORT_UNSURE) {    /* not expected of a validated message: via a tree */
		tree = jsonrpc_tree(elem);
		short_tree = jsonshort_tree(tree, MW_SHORTEN_OVER, MW_SHORTEN_KEEP, &s);
		shortened_member(l, &s);
		jline_json(l, "msg", short_tree);
		json_decref(short_tree);
		json_decref(tree);
		free(cut);
		return;
	}
	if (r == JSONSHORT_DONE) {
		text = cut;
		n = cut_n;
	}
	if (s.strings)
		shortened_member(l, &s);
	if (memchr(text, '\n', n) || memchr(text, '\r', n)) {
		flat = malloc(n);
		if (flat)
			n = jscan_compact(text, n, flat);
		else
			l->oom = true;
		text = flat;
	}
	if (text)
		jline_raw(l, "msg", text, n);
	free(cut);
	free(flat);
}

/* The process a console line names: the one whose capture it is (the server, or a tracked
 * client when the server is elsewhere). */
static const struct proc_info *capturer(const struct output_chan *c)
{
	return c->server ? c->server : c->client;
}

static void chan_members(struct jline *l, const struct output_chan *c, enum mw_dir dir,
			 uint64_t chan, uint64_t off, uint64_t size)
{
	jline_str(l, "dir", dir_name(dir));
	jline_str(l, "transport", c->transport);
	jline_str(l, "channel", c->name);
	jline_uint(l, "stream", chan);
	jline_uint(l, "offset", off);
	jline_uint(l, "size", size);
	proc_member(l, "server", c->server);
	proc_member(l, "client", c->client);
}

static void human_size(uint64_t n, char *buf, size_t size)
{
	if (n >= (1u << 20))
		snprintf(buf, size, "%.1f MB", (double)n / (1u << 20));
	else if (n >= (1u << 10))
		snprintf(buf, size, "%.1f KB", (double)n / (1u << 10));
	else
		snprintf(buf, size, "%llu B", (unsigned long long)n);
}

static void console_message(struct output *o, const struct decode_msg *dm,
			    const struct output_chan *c)
{
	const struct jr_msg *m = dm->m;
	const char *color = m->is_error ? C_ERR : m->kind == JR_REQUEST ? C_REQ :
			    m->kind == JR_RESULT ? C_OK : C_DIM;
	const char *what = m->method ? m->method : dm->corr.matched ? dm->corr.method : "?";
	const char *target = m->target ? m->target : dm->corr.matched ? dm->corr.target : NULL;
	char ts[TS_LEN], id[64] = "", size[SIZE_LEN], lat[32] = "";

	format_ts(o, dm->ts_ns, ts, sizeof(ts));
	if (jsonrpc_id_key(&m->id, id, sizeof(id)) < 0)
		id[0] = '\0';
	human_size(dm->size, size, sizeof(size));
	if (dm->corr.matched)
		snprintf(lat, sizeof(lat), " %.1f ms", (double)dm->corr.latency_ns / NSEC_PER_MSEC);
	fprintf(o->console, "%s%.12s%s %s[%u] %s %s%-12s %s%s%s%s%s%s %s%s%s\n",
		o->color ? C_DIM : "", ts + 11, o->color ? C_RESET : "",
		capturer(c) ? capturer(c)->comm : "?", capturer(c) ? capturer(c)->tgid : 0,
		dm->dir == MW_DIR_C2S ? "->" : "<-", o->color ? color : "", kind_name(m->kind),
		what, target ? " " : "", target ? target : "", id[0] ? " id=" : "",
		id[0] ? id + 2 : "", lat, size, m->is_error ? " ERROR" : "",
		o->color ? C_RESET : "");
}

/* The first members of a line built as text: "event" and "ts". */
static void line_start(struct output *o, struct jline *l, const char *event,
		       uint64_t ts_ns)
{
	char ts[TS_LEN];

	format_ts(o, ts_ns, ts, sizeof(ts));
	jline_str(l, "event", event);
	jline_str(l, "ts", ts);
}

static void line_write(struct output *o, struct jline *l)
{
	size_t n = 0;
	const char *text = jline_end(l, &n);

	if (!text || fwrite(text, 1, n, o->jsonl) != n)
		o->write_errors++;
}

/* Write a record built by the caller (adds "event" and "ts"); steals rec. Its members are
 * written in order, as jansson would dump them, except that a process object is copied from
 * its cached text instead of being dumped again (about 450 bytes in every record). */
void output_record(struct output *o, const char *event, uint64_t ts_ns, json_t *rec)
{
	const char *key, *text;
	struct proc_info *p;
	struct jline l;
	json_t *v;
	size_t n;

	if (!o->jsonl)
		goto out;
	if (!json_is_object(rec)) {     /* the caller's json_pack failed: a record lost, counted */
		o->write_errors++;
		goto out;
	}
	jline_init(&l);
	line_start(o, &l, event, ts_ns);
	json_object_foreach(rec, key, v) {
		p = proc_of(o, v);
		text = p ? proc_text(p, &n) : NULL;
		if (text)
			jline_raw(&l, key, text, n);
		else
			jline_json(&l, key, v);
	}
	line_write(o, &l);
	jline_release(&l);
out:
	json_decref(rec);
}

void output_use_procs(struct output *o, struct proc_table *procs)
{
	o->procs = procs;
}

/* mcp.message, built as text: the hot path of the collector makes no jansson tree. */
void output_message(struct output *o, const struct decode_msg *dm, const struct output_chan *c)
{
	struct jline l;

	if (o->console)
		console_message(o, dm, c);
	if (!o->jsonl)
		return;
	jline_init(&l);
	line_start(o, &l, "mcp.message", dm->ts_ns);
	chan_members(&l, c, dm->dir, dm->chan, dm->offset, dm->size);
	session_members(&l, dm->session);
	jline_str(&l, "kind", kind_name(dm->m->kind));
	id_member(&l, &dm->m->id);
	correlation_members(&l, dm);
	jline_str(&l, "meta_protocol_version", dm->m->meta_version);
	if (dm->batch_size) {
		jline_open(&l, "batch");
		jline_int(&l, "index", dm->batch_index);
		jline_int(&l, "size", dm->batch_size);
		jline_close(&l);
	}
	if (c->http)
		jline_json(&l, "http", c->http);
	msg_member(o, &l, dm);
	line_write(o, &l);
	jline_release(&l);
}

static json_t *or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

void output_session(struct output *o, const struct session *s, uint64_t ts_ns,
		    const struct output_chan *c)
{
	const char *name = json_string_value(json_object_get(s->server_info, "name"));

	if (o->console)
		output_console(o, ts_ns, "session %llu: %s[%u] %s %s, protocol %s",
			       (unsigned long long)s->id, capturer(c) ? capturer(c)->comm : "?",
			       capturer(c) ? capturer(c)->tgid : 0, c->server ? "is" : "is a client of",
			       name ? name : "an MCP server",
			       s->protocol_version ? s->protocol_version : "?");
	if (!o->jsonl)
		return;
	output_record(o, "mcp.session", ts_ns, json_pack("{s:I, s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:o}",
		"session", (json_int_t)s->id, "transport", c->transport, "protocol_version",
		s->protocol_version, "client_info", or_null(s->client_info), "server_info",
		or_null(s->server_info), "client_capabilities", or_null(s->client_caps),
		"server_capabilities", or_null(s->server_caps), "server", output_proc(c->server),
		"client", output_proc(c->client)));
}

void output_note(struct output *o, const char *event, const struct decode_note *n,
		 const struct output_chan *c)
{
	static const char *const reasons[] = { "", "not_json", "bad_json", "not_jsonrpc" };
	struct jline l;

	if (o->console)
		output_console(o, n->ts_ns, "%s%s%s %s[%u] offset %llu, %llu bytes%s%s",
			       o->color ? C_NOTE : "", event, o->color ? C_RESET : "",
			       capturer(c) ? capturer(c)->comm : "?", capturer(c) ? capturer(c)->tgid : 0,
			       (unsigned long long)n->offset, (unsigned long long)n->size,
			       n->preview ? ": " : "", n->preview ? n->preview : "");
	if (!o->jsonl)
		return;
	jline_init(&l);
	line_start(o, &l, event, n->ts_ns);
	chan_members(&l, c, n->dir, n->chan, n->offset, n->size);
	session_members(&l, n->session);
	if (n->reason > 0 && n->reason < 4)
		jline_str(&l, "reason", reasons[n->reason]);
	jline_str(&l, "preview", n->preview);
	line_write(o, &l);
	jline_release(&l);
}

void output_console(struct output *o, uint64_t ts_ns, const char *fmt, ...)
{
	char ts[TS_LEN];
	va_list ap;

	if (!o->console)
		return;
	format_ts(o, ts_ns, ts, sizeof(ts));
	fprintf(o->console, "%s%.12s%s ", o->color ? C_DIM : "", ts + 11, o->color ? C_RESET : "");
	va_start(ap, fmt);
	vfprintf(o->console, fmt, ap);
	va_end(ap);
	fputc('\n', o->console);
}
