/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * chans: what user space knows of each captured channel beyond its bytes: its name
 * ("unix:[INODE]", "pipe:[INODE]"), and the client at its other end, found once by scanning
 * /proc/PID/fd for the peer's inode.
 */
#ifndef MW_CHANS_H
#define MW_CHANS_H

#include <stdint.h>

#include "mcpwarden/events.h"
#include "output.h"
#include "proc.h"

struct chans;

struct chans *chans_new(void);
void chans_free(struct chans *c);
/* A payload record: remember its channel (first sight) and the process that moved it. */
int chans_note(struct chans *c, const struct mw_payload *p);
/* Forget the channels last used by process tgid (it exited). */
void chans_forget(struct chans *c, uint32_t tgid);
/* Where a message on chan travelled: its name, the server process (tgid, start_ns) that moved
 * it, and the client at the other end (NULL when not found). */
void chans_describe(struct chans *c, struct proc_table *procs, uint64_t chan, uint32_t tgid,
		    uint64_t start_ns, struct output_chan *oc);

#endif
