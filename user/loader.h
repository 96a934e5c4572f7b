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
	unsigned int ringbuf_mb;
};

struct loader;

/* Check privileges and kernel BTF, mount tracefs if needed, open the skeleton. */
int loader_open(struct loader **out, struct mw_error *err);
int loader_configure(struct loader *l, const struct loader_opts *o, struct mw_error *err);
int loader_load(struct loader *l, struct mw_error *err);
int loader_attach(struct loader *l, struct mw_error *err);
void loader_close(struct loader *l);

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
bool loader_is_tracked(const struct loader *l, uint32_t tgid);
/* A map by name (enforcement tables), -ENOENT when there is none. */
int loader_map_fd(const struct loader *l, const char *name);
/* Sum the per-CPU drop counters. */
int loader_read_drops(const struct loader *l, struct mw_drop out[MW_DROP__COUNT]);

#endif
