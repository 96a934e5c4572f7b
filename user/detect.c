// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * detect: the server table and the facts rules are judged with. The rules themselves are in
 * detect_rules.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "detect_int.h"

#define SERVER_BUCKETS 256u
#define FILE_URI       "file://"

struct detect {
	const struct policy *policy;
	struct detect_server *bucket[SERVER_BUCKETS];
};

struct detect *detect_new(const struct policy *p)
{
	struct detect *d = calloc(1, sizeof(*d));

	if (d)
		d->policy = p;
	return d;
}

const struct policy *detect_policy(const struct detect *d)
{
	return d->policy;
}

static void clear_roots(struct detect_server *s, enum detect_root_origin o)
{
	for (unsigned int i = 0; i < s->nroots[o]; i++)
		free(s->roots[o][i]);
	s->nroots[o] = 0;
}

static void server_free(struct detect_server *s)
{
	for (unsigned int o = 0; o < DETECT_ROOT__COUNT; o++)
		clear_roots(s, o);
	free(s->exe);
	free(s->cmdline);
	free(s->container);
	free(s->name);
	free(s->package);
	free(s);
}

void detect_free(struct detect *d)
{
	struct detect_server *s, *n;

	if (!d)
		return;
	for (unsigned int i = 0; i < SERVER_BUCKETS; i++)
		for (s = d->bucket[i]; s; s = n) {
			n = s->next;
			server_free(s);
		}
	free(d);
}

struct detect_server *detect_server(struct detect *d, uint32_t root, bool create)
{
	struct detect_server **pp = &d->bucket[root % SERVER_BUCKETS], *s;

	for (s = *pp; s; s = s->next)
		if (s->root == root)
			return s;
	if (!create)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->root = root;
	s->ps = &d->policy->defaults;
	s->next = *pp;
	*pp = s;
	return s;
}

void detect_forget(struct detect *d, uint32_t root)
{
	struct detect_server **pp = &d->bucket[root % SERVER_BUCKETS], *s;

	for (; (s = *pp); pp = &s->next) {
		if (s->root == root) {
			*pp = s->next;
			server_free(s);
			return;
		}
	}
}

static int set_str(char **dst, const char *v)
{
	char *c;

	if (!v)
		return 0;
	c = strdup(v);
	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int detect_server_roots(struct detect_server *s, enum detect_root_origin o,
			const char *const *paths, unsigned int n)
{
	clear_roots(s, o);
	for (unsigned int i = 0; i < n && s->nroots[o] < DETECT_ROOTS_MAX; i++) {
		char *c = strdup(paths[i]);

		if (!c)
			return -ENOMEM;
		s->roots[o][s->nroots[o]++] = c;
	}
	return 0;
}

/* The selected entry's roots, "$HOME/..." expanded (dropped when the home is unknown). */
static int load_policy_roots(struct detect_server *s, const char *home)
{
	char buf[DETECT_PATH_MAX];

	clear_roots(s, DETECT_ROOT_POLICY);
	for (unsigned int i = 0; i < s->ps->nroots && s->nroots[DETECT_ROOT_POLICY] <
	     DETECT_ROOTS_MAX; i++) {
		const char *e = detect_expand(s->ps->roots[i].glob, home, NULL, NULL, buf,
					      sizeof(buf));
		char *c;

		if (!e)
			continue;
		c = strdup(e);
		if (!c)
			return -ENOMEM;
		s->roots[DETECT_ROOT_POLICY][s->nroots[DETECT_ROOT_POLICY]++] = c;
	}
	return 0;
}

int detect_server_facts(struct detect_server *s, const struct policy *p, const char *exe,
			const char *cmdline, const char *container, const char *name,
			const char *home)
{
	struct policy_server_facts f;

	if (set_str(&s->exe, exe) || set_str(&s->cmdline, cmdline) ||
	    set_str(&s->container, container) || set_str(&s->name, name))
		return -ENOMEM;
	f.exe = s->exe ? s->exe : "";
	f.cmdline = s->cmdline ? s->cmdline : "";
	f.container = s->container ? s->container : "";
	f.name = s->name;
	s->ps = policy_select(p, &f);
	return load_policy_roots(s, home);
}

int detect_server_package(struct detect_server *s, const char *package)
{
	return set_str(&s->package, package);
}

/* ---- facts from paths and command lines ---- */

int detect_package_dir(const char *script, char *out, size_t size)
{
	const char *nm = NULL, *p = script, *end;
	size_t n;

	while ((p = strstr(p, "/node_modules/"))) {
		nm = p;
		p++;
	}
	if (nm) {       /* the innermost node_modules: its package, scoped or not */
		end = nm + strlen("/node_modules/");
		if (*end == '@' && strchr(end, '/'))
			end = strchr(end, '/') + 1;
		end = strchrnul(end, '/');
	} else {
		end = strrchr(script, '/');
		if (!end)
			return -1;
		if (end == script)
			end++;
	}
	n = (size_t)(end - script);
	if (n + 1 > size)
		return -1;
	memcpy(out, script, n);
	out[n] = '\0';
	return 0;
}

int detect_runtime_prefix(const char *exe, char *out, size_t size)
{
	const char *slash = strrchr(exe, '/');
	size_t n;

	if (!slash || slash == exe || exe[0] != '/')
		return -1;
	n = (size_t)(slash - exe);                      /* its directory */
	if ((n >= 4 && !strncmp(slash - 4, "/bin", 4)) || (n >= 5 && !strncmp(slash - 5, "/sbin", 5)))
		n = (size_t)((char *)memrchr(exe, '/', n) - exe);
	if (n == 0 || n + 1 > size)
		return -1;
	memcpy(out, exe, n);
	out[n] = '\0';
	return 0;
}

const char *detect_script_arg(int argc, const char *const *argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-m") || !strcmp(a, "-c") || !strcmp(a, "-e") || !strcmp(a, "-p") ||
		    !strcmp(a, "--eval") || !strcmp(a, "--print"))
			return NULL;
		if (a[0] != '-')
			return a;
	}
	return NULL;
}

/* "file:///a%20b" -> "/a b"; NULL for other schemes, hosts or bad escapes. */
static char *file_uri_path(const char *uri)
{
	size_t n = strlen(FILE_URI);
	const char *p;
	char *out, *o;

	if (strncmp(uri, FILE_URI, n) || uri[n] != '/')
		return NULL;
	out = malloc(strlen(uri + n) + 1);
	if (!out)
		return NULL;
	for (p = uri + n, o = out; *p; p++) {
		if (*p == '%' && p[1] && p[2] && strchr("0123456789abcdefABCDEF", p[1]) &&
		    strchr("0123456789abcdefABCDEF", p[2])) {
			char hex[3] = { p[1], p[2], '\0' };

			*o++ = (char)strtol(hex, NULL, 16);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	if (strlen(out) != (size_t)(o - out) || !out[0]) {      /* %00 or empty */
		free(out);
		return NULL;
	}
	return out;
}

unsigned int detect_client_roots(const json_t *result, char **out, unsigned int max)
{
	const json_t *roots = json_object_get(result, "roots"), *r;
	unsigned int n = 0;
	size_t i;

	json_array_foreach(roots, i, r) {
		char *path;

		if (n == max)
			break;
		path = file_uri_path(json_string_value(json_object_get(r, "uri")) ?: "");
		if (path)
			out[n++] = path;
	}
	return n;
}

/* ---- expansion shared with the rules ---- */

const char *detect_expand(const char *glob, const char *home, const char *package,
			  const char *prefix, char *buf, size_t size)
{
	static const struct { const char *name; int idx; } vars[] = {
		{ "$HOME", 0 }, { "$SERVER_PACKAGE", 1 }, { "$RUNTIME_PREFIX", 2 },
	};
	const char *vals[] = { home, package, prefix };

	if (glob[0] != '$')
		return glob;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		size_t n = strlen(vars[i].name);
		const char *v = vals[vars[i].idx];

		if (strncmp(glob, vars[i].name, n) || (glob[n] && glob[n] != '/'))
			continue;
		if (!v || !v[0] || (size_t)snprintf(buf, size, "%s%s", v, glob + n) >= size)
			return NULL;
		return buf;
	}
	return NULL;
}
