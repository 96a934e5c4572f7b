/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* polfile: read a policy file (or the built-in default) and parse it. */
#ifndef MW_POLFILE_H
#define MW_POLFILE_H

#include "policy.h"

/* path NULL: the built-in default; "-": standard input. NULL with err set on any error
 * (unreadable, too large, invalid: "FILE:LINE:COL: ..."). */
struct policy *polfile_load(const char *path, struct policy_error *err);

#endif
