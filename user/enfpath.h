/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * enfpath: which policy path globs the kernel's enforcement maps can hold, and in what form:
 * a plain path (one inode), a tree "DIR/ **" (a directory's inode, covering what is under it),
 * or sensitive and runtime names "** /NAME/ **", "** /NAME", "** /PARENT/NAME[/ **]" (names
 * up to MW_ENF_NAME_LEN - 1 bytes, no glob characters). Anything else stays in user space.
 * Pure: no I/O, no allocation, no globals.
 */
#ifndef MW_ENFPATH_H
#define MW_ENFPATH_H

#include "mcpwarden/events.h"

#define ENFPATH_LEN 4096u

enum enfpath_shape {
	ENFPATH_OTHER = 0,      /* not compilable */
	ENFPATH_EXACT,          /* /a/b */
	ENFPATH_TREE,           /* /a/b/ ** */
	ENFPATH_NAME_ANY,       /* ** /n/ ** */
	ENFPATH_NAME_LEAF,      /* ** /n */
	ENFPATH_PAIR_ANY,       /* ** /p/n/ ** */
	ENFPATH_PAIR_LEAF,      /* ** /p/n */
};

struct enfpath {
	enum enfpath_shape shape;
	char path[ENFPATH_LEN]; /* EXACT, TREE: the path ("/" for "/ **") */
	char name[MW_ENF_NAME_LEN], parent[MW_ENF_NAME_LEN];   /* names ("" parent: any) */
};

/* The shape of glob (variables already expanded); also in c->shape. */
enum enfpath_shape enfpath_compile(const char *glob, struct enfpath *c);

#endif
