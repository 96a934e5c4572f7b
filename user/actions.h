/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * actions: what tracked processes did in the kernel (exec, fork, exit, file and network
 * operations) as JSON records and one-line console summaries. The caller adds "process",
 * "server_pid" and "calls". Pure apart from jansson allocations: no I/O, no globals.
 */
#ifndef MW_ACTIONS_H
#define MW_ACTIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fpath.h"
#include "mcpwarden/events.h"

/* Record name: "file.open", "file.rename", ...; "net.connect", ... */
const char *actions_file_event(uint32_t op);
const char *actions_net_event(uint32_t op);

/* Each returns a new record (NULL on allocation failure) and writes a console summary.
 * Files: fp holds the paths acted on (see fpath.h). */
json_t *actions_file(const struct mw_file *e, const struct fpath *fp, char *line, size_t size);
json_t *actions_net(const struct mw_net *e, char *line, size_t size);
json_t *actions_exec(const struct mw_exec *e, char *line, size_t size);
json_t *actions_exit(const struct mw_exit *e, char *line, size_t size);

#endif
