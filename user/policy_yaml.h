/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy_yaml: the YAML layer under policy_parse(). Loads one document with libyaml after a
 * pass over its events that rejects what the policy format leaves out (several documents,
 * aliases, tags, NUL bytes), then reads nodes with type checks. Every error becomes one
 * "FILE:LINE:COL: KEY.PATH: what is wrong" message (1-based, from the node's libyaml mark).
 * Pure: no I/O, no globals.
 */
#ifndef MW_POLICY_YAML_H
#define MW_POLICY_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "policy.h"

#define POLICY_YAML_PATH_MAX  256u  /* longest key path named in a message */
#define POLICY_YAML_QUOTE_MAX 80u   /* longest value quoted in a message, in bytes */

struct policy_yaml {
	yaml_document_t doc;
	bool loaded;
	const char *source;
	struct policy_error *err;
	char path[POLICY_YAML_PATH_MAX];            /* "servers[1].egress[0].cidr" */
	size_t pathlen;
	char quoted[POLICY_YAML_QUOTE_MAX + 6];     /* policy_yaml_q()'s last answer: the text,
						     * "...", quotes around it, NUL */
};

/* Check and load text[0..len); the root is a mapping. 0, or -EINVAL / -ENOMEM with err set.
 * policy_yaml_close() is needed either way. */
int policy_yaml_open(struct policy_yaml *y, const char *text, size_t len, const char *source,
		     struct policy_error *err);
void policy_yaml_close(struct policy_yaml *y);
yaml_node_t *policy_yaml_root(struct policy_yaml *y);

/* Set err to "SOURCE:LINE:COL: PATH: message" at node at; returns -EINVAL. */
int policy_yaml_fail(struct policy_yaml *y, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* s made fit for a message: at most POLICY_YAML_QUOTE_MAX bytes ("..." after), control
 * characters as '?'. Valid until the next call. */
const char *policy_yaml_q(struct policy_yaml *y, const char *s);

/* Key path: append ".key" (or "key" at the top) or "[i]"; both return what to pop back to. */
size_t policy_yaml_push_key(struct policy_yaml *y, const char *key);
size_t policy_yaml_push_index(struct policy_yaml *y, size_t i);
void policy_yaml_pop(struct policy_yaml *y, size_t saved);

/* A plain scalar that YAML reads as null: empty, "~", "null". */
bool policy_yaml_is_null(const yaml_node_t *n);
/* A plain scalar of decimal digits. */
bool policy_yaml_is_int(const yaml_node_t *n);
/* Scalar text (not null, no NUL inside). */
int policy_yaml_str(struct policy_yaml *y, yaml_node_t *n, const char **out);
/* The same, copied (free() it). */
int policy_yaml_strdup(struct policy_yaml *y, yaml_node_t *n, char **out);
/* A plain decimal integer in lo..hi. */
int policy_yaml_uint(struct policy_yaml *y, yaml_node_t *n, unsigned long lo, unsigned long hi,
		     unsigned long *out);
/* Plain true or false. */
int policy_yaml_bool(struct policy_yaml *y, yaml_node_t *n, bool *out);
/* A sequence: its items (node ids) and how many. */
int policy_yaml_seq(struct policy_yaml *y, yaml_node_t *n, yaml_node_item_t **items,
		    size_t *count);
yaml_node_t *policy_yaml_node(struct policy_yaml *y, int id);

/*
 * A mapping whose keys are among keys[0..nkeys): vals[i] (and knodes[i] when knodes is not
 * NULL) is the value (the key) named keys[i], NULL when absent. Unknown and duplicate keys
 * are errors.
 */
int policy_yaml_map(struct policy_yaml *y, yaml_node_t *n, const char *const *keys,
		    size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes);
/* A mapping whose keys are free: its pairs and how many (keys still checked to be text). */
int policy_yaml_pairs(struct policy_yaml *y, yaml_node_t *n, yaml_node_pair_t **pairs,
		      size_t *count);
/* Text of a mapping key. */
int policy_yaml_key(struct policy_yaml *y, yaml_node_t *k, const char **out);
/* "missing key 'name'" at the mapping n when v is NULL. */
int policy_yaml_need(struct policy_yaml *y, yaml_node_t *n, const yaml_node_t *v,
		     const char *name);
/* "a, b, c" into out (truncated to size). */
void policy_yaml_join(const char *const *names, size_t n, char *out, size_t size);

#endif
