/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* detect: what detect.c and detect_rules.c share. Not for other modules. */
#ifndef MW_DETECT_INT_H
#define MW_DETECT_INT_H

#include <stddef.h>

#define DETECT_PATH_MAX 4096u


#endif
