/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * proc: what user space knows of processes: identity (tgid, start time), parent, command line,
 * and which MCP server they belong to. Filled from exec/fork/exit records and from /proc
 * (start-up scan, and lazily for processes seen before their exec was).
 */
#ifndef MW_PROC_H
#define MW_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "mcpwarden/events.h"

struct proc_info {
	uint32_t tgid;
	uint64_t start_ns;      /* boot-time ns (tick resolution when read from /proc) */
	uint32_t ppid;
	uint32_t uid;
	uint32_t root;          /* tgid of the MCP server it belongs to, 0 if none known */
	uint32_t reason;        /* enum mw_track_reason, NONE when not tracked */
	uint32_t pinned_reason; /* MW_TRACK_PINNED: the reason the earlier run tracked it for */
	char comm[MW_COMM_LEN];
	char *cmdline;          /* argv joined by spaces, at most MW_CMDLINE_MAX bytes */
	char *exe;
	uint64_t cgroup_id;     /* from exec records, 0 when unknown */
	char container[72];     /* container id from /proc/PID/cgroup, "" when none */
	json_t *json;           /* the output's cached JSON of this process (NULL: none yet) */
	uint32_t json_root;     /* root it was built with */
	char *json_text;        /* json dumped, for lines built as text (NULL: not yet) */
	size_t json_text_n;
	int exit_code;          /* wait(2) status */
	struct proc_info *next; /* private: hash chain */
};

struct proc_table;

struct proc_table *proc_table_new(void);
void proc_table_free(struct proc_table *t);

/* The entry for (tgid, start); created from /proc when unknown (best effort: the process may
 * be gone, then only the identity is known). NULL only when out of memory. */
struct proc_info *proc_get(struct proc_table *t, uint32_t tgid, uint64_t start_ns);
struct proc_info *proc_find(struct proc_table *t, uint32_t tgid);
/* Known, or read from /proc now (whatever process has that pid now); NULL when gone. */
struct proc_info *proc_find_or_load(struct proc_table *t, uint32_t tgid);
/* Update from kernel records. */
struct proc_info *proc_on_exec(struct proc_table *t, const struct mw_exec *e);
struct proc_info *proc_on_fork(struct proc_table *t, const struct mw_fork *e);
void proc_forget(struct proc_table *t, uint32_t tgid);

/* Send sig to the process (tgid, start_ns) and to no other: a pidfd pins the process and its
 * start time proves it is the one meant, not a later one with the recycled pid. 0, or -errno
 * (-ESRCH: gone, or another process has the pid now). */
int proc_signal(uint32_t tgid, uint64_t start_ns, int sig);

/* The inodes of the sockets process tgid holds open, sorted (*out to free). 0, or -errno
 * (-ENOENT: the process is gone; -E2BIG: it holds more than max sockets). */
int proc_socket_inodes(uint32_t tgid, size_t max, uint64_t **out, size_t *n);
/* Is ino among proc_socket_inodes()'s sorted inos? */
bool proc_inode_in(const uint64_t *inos, size_t n, uint64_t ino);
/* Fill the table from /proc. Returns the number of processes, or -errno. */
int proc_scan(struct proc_table *t);
/* Visit every known process. */
void proc_for_each(struct proc_table *t, void (*fn)(void *ctx, struct proc_info *p), void *ctx);
/* Is a an ancestor of (or equal to) p? Walks ppid links of known processes. */
bool proc_descends(struct proc_table *t, const struct proc_info *p, uint32_t a);

/* True when cmdline matches one of the globs (fnmatch, '*' crosses '/'). */
bool proc_match(const char *cmdline, const char *const *globs, unsigned int n);
/* The peer of a server on a channel: a process outside the server's tree holding an fd on
 * socket:[ino] (a unix socket's other end), or on pipe:[ino] open for writing when writer is
 * true, for reading otherwise (launcher chains hold the server's end of the same pipe).
 * Looked for among the server's ancestors first (the client spawned it, as a rule), then by
 * scanning /proc/PID/fd of every process; 0 when none. */
uint32_t proc_find_holder(struct proc_table *t, bool is_pipe, bool writer, uint64_t ino,
			  const struct proc_info *server);

/* Join a NUL-separated argv into a space-separated string (bounded, always terminated). */
void proc_join_args(const char *args, size_t len, char *out, size_t size);

#endif
