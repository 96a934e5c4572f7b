/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * output: the sinks. The console (one line per message, coloured on a TTY) and JSON lines
 * (one object per line, every record with "event" and "ts"; schema in docs/events.md).
 */
#ifndef MW_OUTPUT_H
#define MW_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "decode.h"
#include "loader.h"
#include "proc.h"

struct output_opts {
	const char *jsonl_path;         /* NULL: none; "-": stdout */
	enum payload_mode payload;
	enum color_mode color;
	bool console;                   /* console lines (to stdout, or stderr if JSONL is stdout) */
	int64_t boot_to_real_ns;        /* CLOCK_REALTIME - CLOCK_BOOTTIME at start */
};

/* Where a message travelled. */
struct output_chan {
	const char *transport;          /* "stdio" */
	const char *name;               /* "unix:[123]" or "pipe:[123]" */
	struct proc_info *server;       /* the process that read or wrote it */
	struct proc_info *client;       /* the peer, NULL when unknown */
	json_t *http;                   /* HTTP transports: the envelope (borrowed), else NULL */
};

struct output;

struct output *output_open(const struct output_opts *o, struct mw_error *err);
/* Flush and close; -EIO if any write failed. */
int output_close(struct output *o);
/* Write a record built by the caller (adds "event" and "ts"); steals rec. */
void output_record(struct output *o, const char *event, uint64_t ts_ns, json_t *rec);
/* Records find the processes of procs by pid: a member that is the object output_proc()
 * cached for one is written from its cached text. */
void output_use_procs(struct output *o, struct proc_table *procs);
void output_message(struct output *o, const struct decode_msg *dm, const struct output_chan *c);
/* mcp.session: what the handshake (or a 2026 request's _meta) said of the session */
void output_session(struct output *o, const struct session *s, uint64_t ts_ns,
		    const struct output_chan *c);
/* mcp.truncated, mcp.skipped, mcp.gap */
void output_note(struct output *o, const char *event, const struct decode_note *n,
		 const struct output_chan *c);
/* A process (as JSON) for records; built once per process identity and cached in p. */
json_t *output_proc(struct proc_info *p);
/* The console line of a process, file or network action, with the calls it belongs to. */
void output_action(struct output *o, uint64_t ts_ns, const struct proc_info *p,
		   const char *line, const char *calls);
/* An alert on the console: bold, red on a colour terminal, set apart from actions. */
void output_alert(struct output *o, uint64_t ts_ns, const char *severity, const char *rule,
		  const struct proc_info *p, const char *what, const char *calls);
/* A line on the console only (start-up and tracking notices). */
void output_console(struct output *o, uint64_t ts_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t output_write_errors(const struct output *o);
/* Push buffered JSON lines to the file (once per poll: readers see records within
 * MW_POLL_TIMEOUT_MS). */
void output_flush(struct output *o);

#endif
