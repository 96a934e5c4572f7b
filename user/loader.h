/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * loader: the BPF side's life, split by phase: open, configure (rodata, map sizes), load,
 * attach; then access to the maps user space writes (tracked processes) and reads (drops).
 * Errors come back as -errno plus one line in struct mw_error naming what failed on what.
 */
#ifndef MW_LOADER_H
#define MW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mcpwarden/events.h"

struct mw_error {
	char msg[512];
};

struct loader_opts {
	uint32_t self_tgid;
	bool exec_all;
	bool detect;
	bool enforce;                   /* mode: enforce (the kernel kills and denies) */
	bool attach_cgroup;             /* attach the cgroup connect/bind programs (enforce, check) */
	bool probe_reads;               /* read kernel structures with bpf_probe_read_kernel()
					 * even where the kernel has bpf_rdonly_cast (tests) */
	unsigned int ringbuf_mb;
	const char *pin_dir;            /* pin the tracked and channels maps there (bpffs), reusing
					 * an earlier run's; NULL: neither use nor create pins */
};

struct loader;
struct pin_map;

/* The one-line error: err->msg from fmt; returns -rc (rc may be given as errno or -errno). */
int loader_fail(struct mw_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Check privileges and kernel BTF, mount tracefs if needed, open the skeleton. */
int loader_open(struct loader **out, struct mw_error *err);
/* rodata and map sizes; with o->pin_dir, lock it and take the maps pinned there (pin.h). */
int loader_configure(struct loader *l, const struct loader_opts *o, struct mw_error *err);
/* Load; with a pin directory, pin the maps that were not reused. */
int loader_load(struct loader *l, struct mw_error *err);
int loader_attach(struct loader *l, struct mw_error *err);
void loader_close(struct loader *l);

/* Under enforcement, is a child that the full tracked map cannot hold killed at fork (the
 * kernel has bpf_send_signal_task), rather than left unjudged? */
bool loader_fork_kill(const struct loader *l);
/* Do the programs load kernel structures' fields directly (cfg_btf_walk: the kernel has
 * bpf_rdonly_cast and o->probe_reads was not set), rather than by bpf_probe_read_kernel()? */
bool loader_btf_walk(const struct loader *l);
unsigned int loader_program_count(const struct loader *l);
unsigned int loader_attached_count(const struct loader *l);
/* Name and section of program i, for reports. */
const char *loader_program_name(const struct loader *l, unsigned int i);
const char *loader_program_section(const struct loader *l, unsigned int i);
bool loader_program_attached(const struct loader *l, unsigned int i);

int loader_events_fd(const struct loader *l);
/* Start tracking a process (tgid, start time in ns since boot). */
int loader_track(struct loader *l, uint32_t tgid, uint64_t start_ns, uint32_t root,
		 enum mw_track_reason reason);
/* Is this writing end (a pipe's or a socket's inode) marked in the writers map as written by a
 * tracked process (struct mw_writer)? */
bool loader_writer_marked(const struct loader *l, uint64_t end);
bool loader_is_tracked(const struct loader *l, uint32_t tgid);
/* The process's bit in the kernel's tracked-process bitmap (set for every tracked process;
 * cleared by the kernel when the process exits). */
bool loader_tracked_bit(const struct loader *l, uint32_t tgid);
int loader_untrack(struct loader *l, uint32_t tgid);
/* Every entry of the tracked map, and of the channels map (what a pinned map carried over). */
int loader_tracked_each(struct loader *l, void (*fn)(void *ctx, uint32_t tgid,
			const struct mw_tracked *t), void *ctx);
int loader_channels_each(struct loader *l, void (*fn)(void *ctx, uint64_t chan,
			 const struct mw_channel *c), void *ctx);
/* Processes the kernel held (stopped) for a verdict not carried out yet: each entry, and the
 * removal of one once its verdict is (before SIGCONT: the process cannot be held again until
 * then). */
int loader_held_each(struct loader *l, void (*fn)(void *ctx, uint32_t tgid, uint64_t start_ns),
		     void *ctx);
void loader_held_settled(struct loader *l, uint32_t tgid);
/* The pinned maps and what became of each (n = 0 when not pinning). */
const struct pin_map *loader_pins(const struct loader *l, unsigned int *n);
/* A map by name (enforcement tables), -ENOENT when there is none. */
int loader_map_fd(const struct loader *l, const char *name);
/* Sum the per-CPU drop counters; prog_missed is at most a second old unless fresh. */
int loader_read_drops(struct loader *l, struct mw_drop out[MW_DROP__COUNT], bool fresh);

#endif
