/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * monitor: the collector. Owns the loader, the reader, the process table, the decoder and the
 * sinks, decides which processes are tracked, and turns kernel records into output.
 */
#ifndef MW_MONITOR_H
#define MW_MONITOR_H

#include "cli.h"
#include "loader.h"

struct monitor;

/* Load and attach everything, find the MCP servers already running, write "ready". */
int monitor_start(struct monitor **out, const struct mw_config *cfg, struct mw_error *err);
/* Poll once (at most MW_POLL_TIMEOUT_MS); -errno on a fatal error. */
int monitor_poll(struct monitor *m);
/* Drain, flush the decoder, write the final statistics; then free. Returns 0, or -EIO when
 * output was lost. */
int monitor_stop(struct monitor *m);
/* Print what was loaded and attached (the check command). */
void monitor_report(const struct monitor *m);

#endif
