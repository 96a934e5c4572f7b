/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* detect: what detect.c and detect_rules.c share. Not for other modules. */
#ifndef MW_DETECT_INT_H
#define MW_DETECT_INT_H

#include <stddef.h>

#define DETECT_PATH_MAX 4096u

/* A policy path with its leading variable ($HOME, $SERVER_PACKAGE, $RUNTIME_PREFIX) expanded
 * into buf; the glob itself when it has none; NULL when the variable is unknown here. */
const char *detect_expand(const char *glob, const char *home, const char *package,
			  const char *prefix, char *buf, size_t size);

#endif
