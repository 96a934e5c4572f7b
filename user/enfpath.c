// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdbool.h>
#include <string.h>

#include "enfpath.h"

#define TREE_SUFFIX     "/**"
#define ANY_PREFIX      "**/"
#define GLOB_CHARS      "*?[]\\"

static bool plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(GLOB_CHARS, s[i]))
			return false;
	return true;
}

static bool set_name(char *dst, const char *s, size_t n)
{
	if (!n || n >= MW_ENF_NAME_LEN || memchr(s, '/', n) || !plain(s, n))
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* "** /rest" forms: one name, or parent/name, with or without a trailing "/ **". */
static enum enfpath_shape name_shape(const char *rest, struct enfpath *c)
{
	size_t n = strlen(rest);
	bool any = n > strlen(TREE_SUFFIX) && !strcmp(rest + n - strlen(TREE_SUFFIX), TREE_SUFFIX);
	const char *slash;

	if (any)
		n -= strlen(TREE_SUFFIX);
	slash = memchr(rest, '/', n);
	if (!slash)
		return set_name(c->name, rest, n) ? (any ? ENFPATH_NAME_ANY : ENFPATH_NAME_LEAF)
						   : ENFPATH_OTHER;
	if (!set_name(c->parent, rest, (size_t)(slash - rest)) ||
	    !set_name(c->name, slash + 1, n - (size_t)(slash - rest) - 1))
		return ENFPATH_OTHER;
	return any ? ENFPATH_PAIR_ANY : ENFPATH_PAIR_LEAF;
}

enum enfpath_shape enfpath_compile(const char *glob, struct enfpath *c)
{
	size_t n = strlen(glob);

	memset(c, 0, sizeof(*c));
	if (!strncmp(glob, ANY_PREFIX, strlen(ANY_PREFIX)))
		return c->shape = name_shape(glob + strlen(ANY_PREFIX), c);
	if (glob[0] != '/' || n >= sizeof(c->path))
		return ENFPATH_OTHER;
	if (n > strlen(TREE_SUFFIX) && !strcmp(glob + n - strlen(TREE_SUFFIX), TREE_SUFFIX) &&
	    plain(glob, n - strlen(TREE_SUFFIX))) {
		memcpy(c->path, glob, n - strlen(TREE_SUFFIX));
		if (!c->path[0])
			strcpy(c->path, "/");
		return c->shape = ENFPATH_TREE;
	}
	if (!strcmp(glob, "/**")) {
		strcpy(c->path, "/");
		return c->shape = ENFPATH_TREE;
	}
	if (!plain(glob, n))
		return ENFPATH_OTHER;
	memcpy(c->path, glob, n + 1);
	return c->shape = ENFPATH_EXACT;
}
