/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * enforce: the policy compiled into the kernel's enforcement maps (mode: enforce). Rules per
 * policy entry, exec allow lists, sensitive and runtime paths as (device, inode) and names,
 * egress and metadata CIDRs; per server: its entry, its roots, its package. What cannot be
 * compiled (globs inside a name, $RUNTIME_PREFIX of other processes) stays with the
 * user-space judgement, and is listed by enforce_limits().
 */
#ifndef MW_ENFORCE_H
#define MW_ENFORCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "detect.h"
#include "loader.h"
#include "policy.h"

struct enforce;

/* NULL with err set when a map cannot be written. */
struct enforce *enforce_new(const struct policy *p, struct loader *l, struct mw_error *err);
void enforce_free(struct enforce *e);
/* The policy entries of the server (pidx, flags: spoke, has roots), its roots and package. */
int enforce_server(struct enforce *e, const struct detect_server *s);
void enforce_forget(struct enforce *e, uint32_t root);
/* Patterns judged only in user space (JSON array of strings) for the ready record. */
json_t *enforce_limits(const struct enforce *e);
/* Kills and denials per rule carried out in the kernel. */
json_t *enforce_stats(const struct enforce *e);
/* Index of a policy entry as the kernel knows it: 0 defaults, 1.. servers. */
uint32_t enforce_pidx(const struct policy *p, const struct policy_server *ps);

#endif
