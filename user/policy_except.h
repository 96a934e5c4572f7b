/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_except: exception lists (name, rule, fields, rows of values), read from YAML with
 * every value checked by its field's type, and copied for server entries that inherit the
 * defaults section's list. Pure: no I/O, no globals.
 */
#ifndef MW_POLICY_EXCEPT_H
#define MW_POLICY_EXCEPT_H

#include "policy.h"
#include "policy_yaml.h"

/* The list at n into *out, *count (set as soon as allocated: policy_free() cleans up a
 * failed parse). */
int policy_except_parse(struct policy_yaml *y, yaml_node_t *n, struct policy_exception **out,
			unsigned int *count);
/* Deep copy of src[0..n). */
int policy_except_dup(const struct policy_exception *src, unsigned int n,
		      struct policy_exception **out, unsigned int *count);

#endif
