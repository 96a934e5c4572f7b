// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

#define TS_LEN          64
#define SIZE_LEN        24
#define JSON_LINE_STACK 8192    /* lines shorter than this are built on the stack */
#define JSON_PRECISION  9       /* significant digits of reals (latencies) */
#define NSEC_PER_SEC    1000000000LL
#define NSEC_PER_MSEC   1000000.0

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
	uint64_t write_errors;
};

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
	} else if (o->jsonl_path) {
		out->jsonl = fopen(o->jsonl_path, "we");
		if (!out->jsonl) {
			snprintf(err->msg, sizeof(err->msg), "cannot open '%s' for JSON lines: %s",
				 o->jsonl_path, strerror(errno));
			free(out);
			return NULL;
		}
		out->own_jsonl = true;
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

static void format_ts(const struct output *o, uint64_t boot_ns, char *buf, size_t size)
{
	int64_t real = (int64_t)boot_ns + o->o.boot_to_real_ns;
	time_t sec = (time_t)(real / NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(real % NSEC_PER_SEC) / 1000);
}

/* A JSON text embedded as it is in a line (a message, validated by jscan). */
struct raw_member {
	const char *key;        /* a plain key: no character to escape */
	const char *text;
	size_t n;
};

/* The members every line starts with: "event":EVENT,"ts":TS, (events are plain names). */
static size_t line_head(const struct output *o, const char *event, uint64_t ts_ns, char *buf,
			size_t size)
{
	char ts[TS_LEN];
	int n;

	format_ts(o, ts_ns, ts, sizeof(ts));
	n = snprintf(buf, size, "\"event\":\"%s\",\"ts\":\"%s\",", event, ts);
	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

/* One JSON line: head (members ending in ',') in place of v's '{', then v's members, then raw
 * (may be NULL) as the last member, its text copied as it is. Built in memory, written with one
 * fwrite (jansson's stream dump writes token by token). Reals keep JSON_PRECISION significant
 * digits. */
static int write_line(FILE *f, const char *head, size_t hlen, const json_t *v,
		      const struct raw_member *raw)
{
	size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(JSON_PRECISION);
	size_t extra = raw ? strlen(raw->key) + raw->n + sizeof(",\"\":}") : 0;
	char small[JSON_LINE_STACK];
	size_t n = json_dumpb(v, small + hlen, sizeof(small) - hlen, flags);
	char *buf = small;
	int rc = 0;

	if (n < 2)
		return -EINVAL;
	if (hlen + n + extra >= sizeof(small)) {
		buf = malloc(hlen + n + extra + 1);
		if (!buf || json_dumpb(v, buf + hlen, n, flags) != n) {
			free(buf);
			return -ENOMEM;
		}
	}
	buf[0] = '{';
	memcpy(buf + 1, head, hlen);    /* its ',' lands on v's '{' */
	n += hlen;
	if (n == hlen + 2)              /* v was {}: no member after the head's ',' */
		buf[--n - 1] = '}';
	if (raw) {      /* ...} becomes ...,"key":TEXT} */
		n--;
		n += (size_t)sprintf(buf + n, ",\"%s\":", raw->key);
		memcpy(buf + n, raw->text, raw->n);
		n += raw->n;
		buf[n++] = '}';
	}
	buf[n] = '\n';
	if (fwrite(buf, 1, n + 1, f) != n + 1)
		rc = -EIO;
	if (buf != small)
		free(buf);
	return rc;
}

static void record_raw(struct output *o, const char *event, uint64_t ts_ns, json_t *rec,
		       const struct raw_member *raw)
{
	char head[TS_LEN + 64];
	size_t hlen;

	if (!o->jsonl || !rec) {
		json_decref(rec);
		return;
	}
	hlen = line_head(o, event, ts_ns, head, sizeof(head));
	if (!hlen || write_line(o->jsonl, head, hlen, rec, raw))
		o->write_errors++;
	json_decref(rec);
}

void output_record(struct output *o, const char *event, uint64_t ts_ns, json_t *rec)
{
	record_raw(o, event, ts_ns, rec, NULL);
}

json_t *output_proc(struct proc_info *p)
{
	json_t *j;

	if (!p)
		return json_null();
	if (p->json && p->json_root == p->root)
		return json_incref(p->json);    /* built once per identity, shared by records */
	j = json_pack("{s:I, s:I, s:I, s:s, s:s?, s:s?, s:I}", "pid", (json_int_t)p->tgid,
		      "ppid", (json_int_t)p->ppid, "start_ns", (json_int_t)p->start_ns,
		      "comm", p->comm, "cmdline", p->cmdline, "exe", p->exe,
		      "server_pid", (json_int_t)p->root);
	if (j && p->cgroup_id)
		json_object_set_new(j, "cgroup_id", json_integer((json_int_t)p->cgroup_id));
	if (j && p->container[0])
		json_object_set_new(j, "container_id", json_string(p->container));
	json_decref(p->json);
	p->json = json_incref(j);
	p->json_root = p->root;
	return j;
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

static void add_session(json_t *rec, const struct session *s)
{
	if (!s)
		return;
	json_object_set_new(rec, "session", json_integer((json_int_t)s->id));
	if (s->protocol_version)
		json_object_set_new(rec, "protocol_version", json_string(s->protocol_version));
}

static void add_correlation(json_t *rec, const struct decode_msg *dm)
{
	const struct jr_msg *m = dm->m;

	if (m->method)
		json_object_set_new(rec, "method", json_string(m->method));
	if (m->target)
		json_object_set_new(rec, "tool", json_string(m->target));
	if (dm->corr.matched) {
		json_object_set_new(rec, "request_method", json_string(dm->corr.method));
		if (dm->corr.target)
			json_object_set_new(rec, "tool", json_string(dm->corr.target));
		json_object_set_new(rec, "latency_ms",
				    json_real((double)dm->corr.latency_ns / NSEC_PER_MSEC));
	}
	if (m->kind == JR_RESULT || m->kind == JR_ERROR)
		json_object_set_new(rec, "is_error", json_boolean(m->is_error));
	if (m->kind == JR_ERROR) {
		const char *name = jsonrpc_error_name(m->error_code);

		json_object_set_new(rec, "error", json_pack("{s:I, s:s?, s:s?}", "code",
			(json_int_t)m->error_code, "name", name, "message", m->error_message));
	}
	if (dm->corr.duplicate_id)
		json_object_set_new(rec, "duplicate_id", json_true());
}

static void add_shortened(json_t *rec, const struct jsonshort_stats *s)
{
	json_object_set_new(rec, "shortened", json_pack("{s:I, s:I, s:I}", "strings",
		(json_int_t)s->strings, "bytes_removed", (json_int_t)s->bytes, "over",
		(json_int_t)MW_SHORTEN_OVER));
}

/* The message text as it came (validated by the decoder), its long strings shortened in the
 * default payload mode: by the decoder before parsing (cut), else here. *text is set to a
 * buffer to free when the text had to be shortened here or lose its line breaks. Returns
 * false when the text could not be judged: rec then holds "msg" as a tree. */
static bool msg_text(struct output *o, json_t *rec, const struct decode_msg *dm,
		     struct raw_member *raw, char **text)
{
	const struct jscan_val *elem = &dm->m->elem;
	struct jsonshort_stats s = dm->shortened;
	enum jsonshort_result r = JSONSHORT_NONE;
	json_t *tree;
	char *out;
	size_t n;

	*raw = (struct raw_member){ .key = "msg", .text = elem->p, .n = elem->n };
	*text = NULL;
	if (o->o.payload != PAYLOAD_FULL && !s.strings && !dm->shorten_checked)
		r = jsonshort_text(elem->p, elem->n, MW_SHORTEN_OVER, MW_SHORTEN_KEEP, text, &n,
				   &s);
	if (r == JSONSHORT_UNSURE) {    /* not expected of a validated message: do as before */
		tree = jsonrpc_tree(elem);
		json_object_set_new(rec, "msg", jsonshort_tree(tree, MW_SHORTEN_OVER,
							       MW_SHORTEN_KEEP, &s));
		json_decref(tree);
		add_shortened(rec, &s);
		return false;
	}
	if (r == JSONSHORT_DONE) {
		raw->text = *text;
		raw->n = n;
	}
	if (s.strings)
		add_shortened(rec, &s);
	if (!memchr(raw->text, '\n', raw->n) && !memchr(raw->text, '\r', raw->n))
		return true;
	out = malloc(raw->n);   /* whitespace between tokens: a JSON line holds no line break */
	if (!out) {
		raw->n = 0;
		return false;
	}
	n = jscan_compact(raw->text, raw->n, out);
	free(*text);
	*text = out;
	raw->text = out;
	raw->n = n;
	return true;
}

/* The process a console line names: the one whose capture it is (the server, or a tracked
 * client when the server is elsewhere). */
static const struct proc_info *capturer(const struct output_chan *c)
{
	return c->server ? c->server : c->client;
}

static json_t *chan_record(const struct output_chan *c, enum mw_dir dir, uint64_t chan,
			   uint64_t off, uint64_t size)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "dir", dir_name(dir),
			 "transport", c->transport, "channel", c->name, "stream", (json_int_t)chan,
			 "offset", (json_int_t)off, "size", (json_int_t)size,
			 "server", output_proc(c->server), "client", output_proc(c->client));
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

void output_message(struct output *o, const struct decode_msg *dm, const struct output_chan *c)
{
	struct raw_member raw;
	json_t *rec, *id;
	char *text;

	if (o->console)
		console_message(o, dm, c);
	if (!o->jsonl)
		return;
	rec = chan_record(c, dm->dir, dm->chan, dm->offset, dm->size);
	if (!rec)
		return;
	add_session(rec, dm->session);
	json_object_set_new(rec, "kind", json_string(kind_name(dm->m->kind)));
	id = jsonrpc_id_json(&dm->m->id);
	if (id)
		json_object_set_new(rec, "id", id);
	add_correlation(rec, dm);
	if (dm->m->meta_version)
		json_object_set_new(rec, "meta_protocol_version", json_string(dm->m->meta_version));
	if (dm->batch_size)
		json_object_set_new(rec, "batch", json_pack("{s:i, s:i}", "index", dm->batch_index,
							    "size", dm->batch_size));
	if (c->http)
		json_object_set(rec, "http", c->http);
	if (msg_text(o, rec, dm, &raw, &text))
		record_raw(o, "mcp.message", dm->ts_ns, rec, &raw);
	else
		output_record(o, "mcp.message", dm->ts_ns, rec);
	free(text);
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
	json_t *rec;

	if (o->console)
		output_console(o, n->ts_ns, "%s%s%s %s[%u] offset %llu, %llu bytes%s%s",
			       o->color ? C_NOTE : "", event, o->color ? C_RESET : "",
			       capturer(c) ? capturer(c)->comm : "?", capturer(c) ? capturer(c)->tgid : 0,
			       (unsigned long long)n->offset, (unsigned long long)n->size,
			       n->preview ? ": " : "", n->preview ? n->preview : "");
	if (!o->jsonl)
		return;
	rec = chan_record(c, n->dir, n->chan, n->offset, n->size);
	if (!rec)
		return;
	add_session(rec, n->session);
	if (n->reason > 0 && n->reason < 4)
		json_object_set_new(rec, "reason", json_string(reasons[n->reason]));
	if (n->preview)
		json_object_set_new(rec, "preview", json_string(n->preview));
	output_record(o, event, n->ts_ns, rec);
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
