// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polfile.h"

#define STDIN_NAME "<stdin>"

/* The whole stream, at most POLICY_TEXT_MAX bytes (one more is read to notice a larger one). */
static char *slurp(FILE *f, size_t *len, int *rc)
{
	char *buf = malloc(POLICY_TEXT_MAX + 2);
	size_t n;

	*rc = 0;
	if (!buf) {
		*rc = -ENOMEM;
		return NULL;
	}
	errno = 0;
	n = fread(buf, 1, POLICY_TEXT_MAX + 1, f);
	if (ferror(f))
		*rc = errno ? -errno : -EIO;    /* e.g. EISDIR: a directory opens, reads fail */
	else if (n > POLICY_TEXT_MAX)
		*rc = -EFBIG;
	if (*rc) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

struct policy *polfile_load(const char *path, struct policy_error *err)
{
	bool use_stdin = path && !strcmp(path, "-");
	struct policy *p;
	size_t len = 0;
	char *text;
	FILE *f;
	int rc;

	if (!path)
		return policy_default(err);
	f = use_stdin ? stdin : fopen(path, "re");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "cannot open policy '%s': %s", path,
			 strerror(errno));
		return NULL;
	}
	text = slurp(f, &len, &rc);
	if (!use_stdin)
		fclose(f);
	if (!text) {
		if (rc == -EFBIG)
			snprintf(err->msg, sizeof(err->msg), "cannot read policy '%s': larger than "
				 "%u bytes", use_stdin ? STDIN_NAME : path, POLICY_TEXT_MAX);
		else
			snprintf(err->msg, sizeof(err->msg), "cannot read policy '%s': %s",
				 use_stdin ? STDIN_NAME : path, strerror(-rc));
		return NULL;
	}
	p = policy_parse(text, len, use_stdin ? STDIN_NAME : path, err);
	free(text);
	return p;
}
