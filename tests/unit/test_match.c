// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/match.c: paths, globs, addresses, CIDRs, ports and shell command lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "match.h"
#include "unit.h"

#define ERR_LEN         128
#define TEXT_LEN        64
#define LONG_TEXT       4096
/* CPU seconds the pathological globs may take together (a backtracking matcher takes hours). */
#define SLOW_SECONDS    2.0
/* Differential test: cases, generated pattern tokens or components, text components. */
#define DIFF_CASES      100000
#define DIFF_TOKENS     7
#define DIFF_COMPS      5
#define DIFF_BUF        64

#define PATH_YES(p, t)  CHECK(match_glob(p, t, MATCH_GLOB_PATH))
#define PATH_NO(p, t)   CHECK(!match_glob(p, t, MATCH_GLOB_PATH))
#define TEXT_YES(p, t)  CHECK(match_glob(p, t, MATCH_GLOB_TEXT))
#define TEXT_NO(p, t)   CHECK(!match_glob(p, t, MATCH_GLOB_TEXT))

/* ---- paths ---- */

static void test_path_within_boundaries(void)
{
	CHECK(match_path_within("/a/b", "/a"));
	CHECK(match_path_within("/a/b", "/a/b"));
	CHECK(match_path_within("/a/b/c/d", "/a/b"));
	CHECK(!match_path_within("/a/bc", "/a/b"));
	CHECK(!match_path_within("/a/b", "/a/bc"));
	CHECK(!match_path_within("/a", "/a/b"));
	CHECK(!match_path_within("/ab", "/a"));
	CHECK(!match_path_within("/b/a", "/a"));
	CHECK(match_path_within("/home/u/.ssh/id_rsa", "/home/u/.ssh"));
	CHECK(!match_path_within("/home/u/.sshx/id_rsa", "/home/u/.ssh"));
}

static void test_path_within_root_and_slashes(void)
{
	CHECK(match_path_within("/", "/"));
	CHECK(match_path_within("/etc/passwd", "/"));
	CHECK(match_path_within("/x", "//"));
	CHECK(match_path_within("/a/b/", "/a/b"));
	CHECK(match_path_within("/a/b", "/a/b/"));
	CHECK(match_path_within("/a/b/", "/a/b/"));
	CHECK(match_path_within("/a/b/c", "/a/"));
	CHECK(!match_path_within("/", "/a"));
	CHECK(!match_path_within("/a/", "/a/b"));
	CHECK(!match_path_within("/a/bc/", "/a/b/"));
}

static void test_path_within_relative(void)
{
	CHECK(!match_path_within("a/b", "a"));
	CHECK(!match_path_within("a/b", "/"));
	CHECK(!match_path_within("/a/b", "a"));
	CHECK(!match_path_within("", "/"));
	CHECK(!match_path_within("/a", ""));
	CHECK(!match_path_within(NULL, "/"));
	CHECK(!match_path_within("/a", NULL));
}

/* ---- globs ---- */

static void test_glob_text(void)
{
	TEXT_YES("", "");
	TEXT_NO("", "a");
	TEXT_NO("a", "");
	TEXT_YES("*", "");
	TEXT_YES("*", "/usr/bin/curl http://x/y");
	TEXT_YES("curl *", "curl http://evil/x");
	TEXT_NO("curl *", "wget http://evil/x");
	TEXT_YES("*/bin/*", "/usr/bin/env");
	TEXT_YES("a?c", "abc");
	TEXT_YES("a?c", "a/c");                 /* '?' matches '/' in text mode */
	TEXT_NO("a?c", "ac");
	TEXT_NO("a?c", "abbc");
	TEXT_YES("**", "a/b/c");
	TEXT_YES("*.py", "x/y/z.py");
	TEXT_NO("*.py", "z.pyc");
	TEXT_YES("*a*b*c", "xxaxxbxxc");
	TEXT_NO("*a*b*c", "xxaxxcxxb");
	TEXT_NO("ABC", "abc");                  /* case-sensitive */
}

static void test_glob_classes(void)
{
	TEXT_YES("[abc]", "b");
	TEXT_NO("[abc]", "d");
	TEXT_YES("[a-z]x", "qx");
	TEXT_NO("[a-z]x", "Qx");
	TEXT_YES("[!a-z]", "Q");
	TEXT_NO("[!a-z]", "q");
	TEXT_YES("[]]", "]");                   /* ']' first is a member */
	TEXT_NO("[]]", "a");
	TEXT_YES("[!]]", "a");
	TEXT_NO("[!]]", "]");
	TEXT_YES("[-a]", "-");                  /* '-' first or last is a member */
	TEXT_YES("[a-]", "-");
	TEXT_NO("[a-]", "b");
	TEXT_YES("[\\]x]", "]");                /* escapes inside a class */
	TEXT_YES("[\\]x]", "x");
	TEXT_YES("[a\\-z]", "-");
	TEXT_NO("[a\\-z]", "m");
	TEXT_YES("[0-9a-f][0-9a-f]", "7e");
	TEXT_NO("[z-a]", "m");                  /* a reversed range matches nothing */
	TEXT_YES("[\x80-\xff]", "\xc3");        /* bytes compare unsigned */
	TEXT_NO("[a-\x7f]", "\xc3");
	TEXT_YES("*[.]env", "/srv/.env");
	TEXT_YES("[*?[]", "[");
	TEXT_NO("[*?[]", "x");
}

static void test_glob_escapes(void)
{
	TEXT_YES("\\*", "*");
	TEXT_NO("\\*", "x");
	TEXT_YES("a\\?", "a?");
	TEXT_NO("a\\?", "ab");
	TEXT_YES("\\[x]", "[x]");
	TEXT_YES("\\\\", "\\");
	TEXT_YES("\\a", "a");
	PATH_YES("/a/\\*\\*/b", "/a/**/b");     /* escaped stars are literal, not "**" */
	PATH_NO("/a/\\*\\*/b", "/a/x/b");
	PATH_YES("/x/\\*", "/x/*");
	PATH_NO("/x/\\*", "/x/y");
	PATH_NO("/a\\/b", "/a/b");              /* an escaped '/' is a byte no component holds */
}

static void test_glob_path_single(void)
{
	PATH_YES("/etc/passwd", "/etc/passwd");
	PATH_NO("/etc/passwd", "/etc/passwd2");
	PATH_NO("/etc/passwd", "etc/passwd");
	PATH_YES("/etc/*", "/etc/shadow");
	PATH_NO("/etc/*", "/etc/ssl/cert.pem");  /* '*' stays in its component */
	PATH_NO("/*", "/a/b");
	PATH_YES("/home/*/.ssh/*", "/home/u/.ssh/id_rsa");
	PATH_NO("/home/*/.ssh/*", "/home/u/x/.ssh/id_rsa");
	PATH_YES("/a?c", "/abc");
	PATH_NO("/a?c", "/a/c");                /* '?' never matches '/' */
	PATH_NO("/a[\\/]c", "/a/c");            /* nor does a class */
	PATH_YES("/a[!x]c", "/abc");
	PATH_NO("/a[!x]c", "/a/c");
	PATH_YES("*.env*", ".env.local");
	PATH_NO("*.env*", "/x/.env.local");
	PATH_YES("/", "/");
	PATH_NO("/", "");
	PATH_NO("/", "/a");
	PATH_YES("", "");
	PATH_NO("", "/");
}

static void test_glob_path_dstar_trailing(void)
{
	PATH_YES("/a/**", "/a");                /* the directory itself */
	PATH_YES("/a/**", "/a/");
	PATH_YES("/a/**", "/a/b");
	PATH_YES("/a/**", "/a/b/c/d");
	PATH_NO("/a/**", "/ab");
	PATH_NO("/a/**", "/ab/c");
	PATH_NO("/a/**", "/b/a");
	PATH_NO("/a/**", "a/b");
	PATH_YES("/**", "/");
	PATH_YES("/**", "/anything/at/all");
	PATH_NO("/**", "relative");
	PATH_YES("**", "/x");
	PATH_YES("**", "x/y");
	PATH_YES("**", "");
	PATH_YES("/usr/**", "/usr/lib/x86_64-linux-gnu/libc.so.6");
	PATH_NO("/usr/**", "/usrlocal/bin");
}

static void test_glob_path_dstar_leading(void)
{
	PATH_YES("**/x", "x");
	PATH_YES("**/x", "/x");
	PATH_YES("**/x", "/a/b/x");
	PATH_YES("**/x", "a/b/x");
	PATH_NO("**/x", "/a/b/xy");
	PATH_NO("**/x", "/a/x/b");
	PATH_NO("**/x", "/ax");
	PATH_YES("**/.ssh/**", "/home/u/.ssh/id_ed25519");
	PATH_YES("**/.ssh/**", "/root/.ssh");
	PATH_YES("**/.ssh/**", ".ssh/config");
	PATH_NO("**/.ssh/**", "/home/u/.sshd/x");
	PATH_YES("**/.env", "/srv/app/.env");
	PATH_NO("**/.env", "/srv/app/.env.local");
	PATH_YES("**/.env.*", "/srv/app/.env.local");
	PATH_NO("**/.env.*", "/srv/app/.env");
	PATH_YES("**/.config/gcloud/**", "/home/u/.config/gcloud/credentials.db");
	PATH_NO("**/.config/gcloud/**", "/home/u/.config/gcloudx/credentials.db");
	PATH_YES("**/.docker/config.json", "/root/.docker/config.json");
	PATH_NO("**/.docker/config.json", "/root/.docker/config.json.bak");
	PATH_YES("**/node_modules/**", "/app/node_modules/a/node_modules/b/index.js");
}

static void test_glob_path_dstar_middle(void)
{
	PATH_YES("/a/**/b", "/a/b");
	PATH_YES("/a/**/b", "/a/x/b");
	PATH_YES("/a/**/b", "/a/x/y/b");
	PATH_YES("/a/**/b", "/a/b/b");
	PATH_YES("/a/**/b", "/a/b/x/b");        /* needs the "**" to grow past a first "b" */
	PATH_NO("/a/**/b", "/a/b/x");
	PATH_NO("/a/**/b", "/a/xb");
	PATH_NO("/a/**/b", "/ab");
	PATH_NO("/a/**/b", "/x/a/b");
	PATH_YES("/a/**/b/**/c", "/a/b/c");
	PATH_YES("/a/**/b/**/c", "/a/1/b/2/3/c");
	PATH_NO("/a/**/b/**/c", "/a/1/c/2/b");
	PATH_YES("/a/**/**/b", "/a/b");
	PATH_YES("/a/**/*.py", "/a/x/y/z.py");
	PATH_YES("/a/**/*.py", "/a/z.py");
	PATH_NO("/a/**/*.py", "/a/x/z.pyc");
	PATH_YES("/a/**/x*/y", "/a/b/xz/y");
	PATH_NO("/a/**/x*/y", "/a/b/xz/q/y");
}

static void check_glob_err(const char *pattern, enum match_glob_mode mode, const char *want,
			   int line)
{
	char err[ERR_LEN] = "untouched";
	int rc = match_glob_check(pattern, mode, err, sizeof(err));

	if (!want && rc != 0)
		unit_fail(__FILE__, line, "check(\"%s\") = %d \"%s\", want 0", pattern, rc, err);
	if (want && (rc != -EINVAL || strcmp(err, want)))
		unit_fail(__FILE__, line, "check(\"%s\") = %d \"%s\", want \"%s\"", pattern, rc,
			  err, want);
	if (want && match_glob(pattern, pattern, mode))
		unit_fail(__FILE__, line, "malformed \"%s\" matched itself", pattern);
}

#define GLOB_OK(p, mode)        check_glob_err(p, mode, NULL, __LINE__)
#define GLOB_BAD(p, mode, why)  check_glob_err(p, mode, why, __LINE__)

static void test_glob_check(void)
{
	const char *bracket = "unterminated '['", *slash = "trailing '\\'";
	const char *dstar = "'**' must be a whole path component";
	char err[ERR_LEN] = "untouched";

	GLOB_OK("/a/**/b", MATCH_GLOB_PATH);
	GLOB_OK("**", MATCH_GLOB_PATH);
	GLOB_OK("[]]", MATCH_GLOB_TEXT);
	GLOB_OK("a\\[", MATCH_GLOB_TEXT);
	GLOB_OK("a**b", MATCH_GLOB_TEXT);       /* text mode: just two stars */
	GLOB_OK("/a/\\**", MATCH_GLOB_PATH);    /* an escaped star then a single one */
	GLOB_BAD("[abc", MATCH_GLOB_TEXT, bracket);
	GLOB_BAD("a[", MATCH_GLOB_TEXT, bracket);
	GLOB_BAD("[]", MATCH_GLOB_TEXT, bracket);
	GLOB_BAD("[!]", MATCH_GLOB_TEXT, bracket);
	GLOB_BAD("[a\\]", MATCH_GLOB_TEXT, bracket);
	GLOB_BAD("/a[b/c]", MATCH_GLOB_PATH, bracket);  /* a class cannot span components */
	GLOB_BAD("abc\\", MATCH_GLOB_TEXT, slash);
	GLOB_BAD("/a/b\\", MATCH_GLOB_PATH, slash);
	GLOB_BAD("/a**", MATCH_GLOB_PATH, dstar);
	GLOB_BAD("/a/**b", MATCH_GLOB_PATH, dstar);
	GLOB_BAD("**.env", MATCH_GLOB_PATH, dstar);
	GLOB_BAD("/a/***/b", MATCH_GLOB_PATH, dstar);
	GLOB_BAD("/x/\\***", MATCH_GLOB_PATH, dstar);
	CHECK_EQ(match_glob_check("x", (enum match_glob_mode)0, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "unknown glob mode");
	CHECK(!match_glob("x", "x", (enum match_glob_mode)0));
	CHECK_EQ(match_glob_check("[", MATCH_GLOB_TEXT, NULL, 0), -EINVAL);   /* no err buffer */
	CHECK(!match_glob("[a", "[a", MATCH_GLOB_TEXT));
	CHECK(!match_glob(NULL, "x", MATCH_GLOB_TEXT));
	CHECK(!match_glob("x", NULL, MATCH_GLOB_TEXT));
}

static double cpu_seconds(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

/* "a*a*...*b"-style patterns against 4 KiB of 'a's: exponential for a naive backtracker. */
static void test_glob_pathological(void)
{
	static char text[LONG_TEXT + 1], path[LONG_TEXT + 1], pat[LONG_TEXT + 1];
	double start = cpu_seconds();

	memset(text, 'a', LONG_TEXT);
	TEXT_NO("a*a*a*a*a*a*b", text);
	TEXT_YES("a*a*a*a*a*a*", text);
	TEXT_NO("*a*a*a*a*a*a*a*a*a*a*a*a*[!a]*", text);
	PATH_NO("*a*a*a*a*a*a*b", text);
	text[LONG_TEXT - 1] = 'b';
	TEXT_YES("a*a*a*a*a*a*b", text);
	PATH_YES("a*a*a*a*a*a*b", text);
	/* "/a/a/.../a": 2048 components against many "**" */
	for (size_t i = 0; i < LONG_TEXT; i += 2)
		memcpy(path + i, "/a", 2);
	PATH_NO("/**/a/**/a/**/a/**/a/**/a/**/b", path);
	PATH_YES("/**/a/**/a/**/a/**/a/**/a/**/a", path);
	PATH_NO("**/*a*a*a*a*/**/*a*a*a*/**/b", path);
	/* a pattern as long as the text */
	memcpy(pat, text, LONG_TEXT);
	pat[0] = '*';
	pat[LONG_TEXT / 2] = '*';
	TEXT_YES(pat, text);
	pat[LONG_TEXT - 1] = 'c';
	TEXT_NO(pat, text);
	if (cpu_seconds() - start > SLOW_SECONDS)
		unit_fail(__FILE__, __LINE__, "pathological globs took %.2f s",
			  cpu_seconds() - start);
}

/* The plain-run prefilter: runs end at metacharacters, escapes and classes (and at '/' in
 * path mode), so what a text must hold is never more than the pattern asks. */
static void test_glob_literal_runs(void)
{
	TEXT_YES("ab\\*cd", "ab*cd");          /* the escaped '*' is not part of a run */
	TEXT_NO("ab\\*cd", "abxcd");
	TEXT_YES("x[.]ssh*", "x.sshd");
	TEXT_NO("x[.]ssh*", "x-sshd");
	TEXT_YES("*/etc/*", "a/etc/b");          /* text mode: a run may hold '/' */
	TEXT_NO("*/etc/*", "a/etcb");
	PATH_YES("**/.ssh/**", "/root/.ssh");    /* "/.ssh/" is not required, ".ssh" is */
	PATH_YES("/a/**/b", "/a/b");
	PATH_YES("/srv/**/conf?.d/*.json", "/srv/x/conf1.d/a.json");
	PATH_NO("/srv/**/conf?.d/*.json", "/srv/x/conf1.e/a.json");
	PATH_NO("**/[.]ssh/**", "/home/u/.sshx/k");
	PATH_NO("**/abc[", "/x/abc[");           /* malformed: never matches */
	TEXT_NO("abc\\", "abc\\");
}

/* ---- differential test against plain recursive matchers on small random cases ---- */

static bool ref_elem(const char **p, char c)
{
	const char *e;
	bool neg, hit = false;

	if (**p != '[') {
		bool ok = **p == '?' || **p == c;

		(*p)++;
		return ok;
	}
	neg = (*p)[1] == '!';
	e = strchr(*p + 1 + neg, ']');
	for (const char *q = *p + 1 + neg; q < e; q++)
		hit |= *q == c;
	*p = e + 1;
	return hit != neg;
}

/* Text mode over p[0..pn) and t[0..tn) (tokens: a b / * ? [ab] [!a]). */
static bool ref_text(const char *p, size_t pn, const char *t, size_t tn)
{
	const char *q = p;

	if (pn == 0)
		return tn == 0;
	if (*p == '*')
		return ref_text(p + 1, pn - 1, t, tn) || (tn && ref_text(p, pn, t + 1, tn - 1));
	if (tn == 0 || !ref_elem(&q, *t))
		return false;
	return ref_text(q, pn - (size_t)(q - p), t + 1, tn - 1);
}

struct comps {
	const char *s[DIFF_BUF];
	size_t n[DIFF_BUF];
	size_t count;
};

static void split(const char *s, struct comps *c)
{
	c->count = 0;
	for (;;) {
		const char *e = strchrnul(s, '/');

		c->s[c->count] = s;
		c->n[c->count++] = (size_t)(e - s);
		if (!*e)
			return;
		s = e + 1;
	}
}

static bool ref_path(const struct comps *p, size_t pi, const struct comps *t, size_t ti)
{
	if (pi == p->count)
		return ti == t->count;
	if (p->n[pi] == 2 && !memcmp(p->s[pi], "**", 2))
		return ref_path(p, pi + 1, t, ti) || (ti < t->count && ref_path(p, pi, t, ti + 1));
	return ti < t->count && ref_text(p->s[pi], p->n[pi], t->s[ti], t->n[ti]) &&
	       ref_path(p, pi + 1, t, ti + 1);
}

static uint32_t rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* A random text pattern, or a path pattern of components ("**" only as a whole one). */
static void gen_pattern(uint32_t *st, bool path, char *out)
{
	static const char *const tok[] = { "a", "b", "*", "?", "[ab]", "[!a]", "/" };
	size_t ntok = path ? 6 : 7, n = rnd(st) % DIFF_TOKENS;

	out[0] = '\0';
	if (path && rnd(st) % 2)
		strcat(out, "/");
	for (size_t i = 0; i < n; i++) {
		const char *t = tok[rnd(st) % ntok];

		if (path && rnd(st) % 3 == 0)
			t = rnd(st) % 2 ? "/**/" : "/";
		if (*t == '*' && *out && out[strlen(out) - 1] == '*')
			continue;       /* no "**" inside a path component */
		strcat(out, t);
	}
}

static void gen_text(uint32_t *st, char *out)
{
	static const char *const tok[] = { "a", "b", "/" };
	size_t n = rnd(st) % (DIFF_TOKENS + 3);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(out, tok[rnd(st) % 3]);
}

static void test_glob_differential(void)
{
	char pat[DIFF_BUF], text[DIFF_BUF];
	struct comps pc, tc;
	uint32_t st = 0x9e3779b9u;

	for (int i = 0; i < DIFF_CASES && !unit_failures(); i++) {
		bool path = i % 2, want, got;

		gen_pattern(&st, path, pat);
		gen_text(&st, text);
		if (path) {
			split(pat, &pc);
			split(text, &tc);
			want = ref_path(&pc, 0, &tc, 0);
		} else {
			want = ref_text(pat, strlen(pat), text, strlen(text));
		}
		got = match_glob(pat, text, path ? MATCH_GLOB_PATH : MATCH_GLOB_TEXT);
		if (got != want)
			unit_fail(__FILE__, __LINE__, "%s glob \"%s\" on \"%s\": %d, want %d",
				  path ? "path" : "text", pat, text, got, want);
	}
}

/* ---- addresses ---- */

static void addr(const char *s, uint8_t out[16])
{
	uint8_t v4[4];

	memset(out, 0xee, 16);
	if (inet_pton(AF_INET, s, v4) == 1)
		match_addr_from_v4(v4, out);
	else if (inet_pton(AF_INET6, s, out) != 1)
		unit_fail(__FILE__, __LINE__, "bad test address '%s'", s);
}

static void test_addr_from(void)
{
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 1, 2, 3 };
	uint8_t net[16], out[16];

	memset(net, 0xaa, sizeof(net));
	memcpy(net, (uint8_t[]){ 10, 1, 2, 3 }, 4);
	match_addr_from_v4(net, out);
	CHECK_MEM(out, 16, mapped, 16);
	memset(out, 0x55, sizeof(out));
	match_addr_from_net(AF_INET, net, out);         /* only the first 4 bytes count */
	CHECK_MEM(out, 16, mapped, 16);
	match_addr_from_net(AF_INET6, net, out);
	CHECK_MEM(out, 16, net, 16);
	match_addr_from_net(AF_UNIX, net, out);
	CHECK(match_addr_wildcard(out));
	CHECK(!match_addr_is_v4(out));
}

static void test_addr_kinds(void)
{
	uint8_t a[16];

	addr("10.0.0.1", a);
	CHECK(match_addr_is_v4(a));
	addr("::ffff:10.0.0.1", a);
	CHECK(match_addr_is_v4(a));
	addr("::10.0.0.1", a);                  /* v4-compatible, not mapped */
	CHECK(!match_addr_is_v4(a));
	addr("fd00:ec2::254", a);
	CHECK(!match_addr_is_v4(a));

	addr("127.0.0.1", a);
	CHECK(match_addr_loopback(a));
	addr("127.255.3.4", a);
	CHECK(match_addr_loopback(a));
	addr("::ffff:127.0.0.53", a);
	CHECK(match_addr_loopback(a));
	addr("::1", a);
	CHECK(match_addr_loopback(a));
	addr("128.0.0.1", a);
	CHECK(!match_addr_loopback(a));
	addr("::2", a);
	CHECK(!match_addr_loopback(a));
	addr("::ffff:0.0.0.1", a);
	CHECK(!match_addr_loopback(a));
	addr("::127.0.0.1", a);
	CHECK(!match_addr_loopback(a));

	addr("0.0.0.0", a);
	CHECK(match_addr_wildcard(a));
	addr("::", a);
	CHECK(match_addr_wildcard(a));
	addr("::ffff:0.0.0.0", a);
	CHECK(match_addr_wildcard(a));
	addr("0.0.0.1", a);
	CHECK(!match_addr_wildcard(a));
	addr("::1", a);
	CHECK(!match_addr_wildcard(a));
	addr("1::", a);
	CHECK(!match_addr_wildcard(a));
}

static void check_addr_format(const char *in, const char *want, int line)
{
	uint8_t a[16];
	char out[TEXT_LEN];

	addr(in, a);
	memset(out, 'x', sizeof(out));
	match_addr_format(a, out, sizeof(out));
	if (strcmp(out, want))
		unit_fail(__FILE__, line, "format(%s) = \"%s\", want \"%s\"", in, out, want);
}

#define ADDR_FMT(in, want) check_addr_format(in, want, __LINE__)

static void test_addr_format(void)
{
	uint8_t a[16];
	char small[4];

	ADDR_FMT("10.1.2.3", "10.1.2.3");
	ADDR_FMT("::ffff:10.1.2.3", "10.1.2.3");
	ADDR_FMT("fd00:ec2::254", "fd00:ec2::254");
	ADDR_FMT("::1", "::1");
	ADDR_FMT("::", "::");
	ADDR_FMT("0.0.0.0", "0.0.0.0");
	ADDR_FMT("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	addr("10.1.2.3", a);
	memset(small, 'x', sizeof(small));
	match_addr_format(a, small, sizeof(small));     /* too small: empty, terminated */
	CHECK_STR(small, "");
}

/* ---- CIDRs ---- */

static void check_cidr(const char *s, const char *addr_want, unsigned prefix, int line)
{
	struct match_cidr c = { { 0 }, 0 };
	uint8_t a[16];
	char err[ERR_LEN] = "";
	int rc = match_cidr_parse(s, &c, err, sizeof(err));

	addr(addr_want, a);
	if (rc || c.prefix != prefix || memcmp(c.addr, a, 16))
		unit_fail(__FILE__, line, "parse(%s) = %d \"%s\" /%u, want %s /%u", s, rc, err,
			  c.prefix, addr_want, prefix);
}

static void check_cidr_err(const char *s, const char *want, int line)
{
	struct match_cidr c, untouched;
	char err[ERR_LEN] = "";
	int rc;

	memset(&c, 0x5a, sizeof(c));
	untouched = c;
	rc = match_cidr_parse(s, &c, err, sizeof(err));
	if (memcmp(&c, &untouched, sizeof(c)))
		unit_fail(__FILE__, line, "parse(%s) wrote its output on error", s ? s : "(null)");
	if (rc != -EINVAL || strcmp(err, want))
		unit_fail(__FILE__, line, "parse(%s) = %d \"%s\", want \"%s\"", s ? s : "(null)",
			  rc, err, want);
}

#define CIDR(s, a, prefix)      check_cidr(s, a, prefix, __LINE__)
#define CIDR_BAD(s, why)        check_cidr_err(s, why, __LINE__)

static void test_cidr_parse(void)
{
	CIDR("10.0.0.0/8", "10.0.0.0", 104);
	CIDR("169.254.0.0/16", "169.254.0.0", 112);
	CIDR("169.254.169.254", "169.254.169.254", 128);
	CIDR("169.254.169.254/32", "169.254.169.254", 128);
	CIDR("0.0.0.0/0", "0.0.0.0", 96);
	CIDR("::/0", "::", 0);
	CIDR("::1", "::1", 128);
	CIDR("fd00:ec2::254", "fd00:ec2::254", 128);
	CIDR("fd00:ec2::254/128", "fd00:ec2::254", 128);
	CIDR("fd00::/8", "fd00::", 8);
	CIDR("::ffff:10.0.0.0/104", "10.0.0.0", 104);
	CIDR("::ffff:0:0/96", "0.0.0.0", 96);
	CIDR("2001:db8::/32", "2001:db8::", 32);
}

static void test_cidr_errors(void)
{
	CIDR_BAD("10.0.0.1/8", "'10.0.0.1/8' has host bits set");
	CIDR_BAD("11.0.0.0/7", "'11.0.0.0/7' has host bits set");
	CIDR_BAD("fd00::1/64", "'fd00::1/64' has host bits set");
	CIDR_BAD("::ffff:10.0.0.0/95", "'::ffff:10.0.0.0/95' has host bits set");
	CIDR_BAD("10.0.0.0/33", "bad prefix length in '10.0.0.0/33'");
	CIDR_BAD("::/129", "bad prefix length in '::/129'");
	CIDR_BAD("10.0.0.0/", "bad prefix length in '10.0.0.0/'");
	CIDR_BAD("10.0.0.0/-8", "bad prefix length in '10.0.0.0/-8'");
	CIDR_BAD("10.0.0.0/8x", "bad prefix length in '10.0.0.0/8x'");
	CIDR_BAD("10.0.0.0/ 8", "bad prefix length in '10.0.0.0/ 8'");
	CIDR_BAD("10.0.0.0/0008", "bad prefix length in '10.0.0.0/0008'");
	CIDR_BAD("10.0.0.0/8/8", "bad prefix length in '10.0.0.0/8/8'");
	CIDR_BAD("10.0.0.256", "bad address in '10.0.0.256'");
	CIDR_BAD("10.0.0", "bad address in '10.0.0'");
	CIDR_BAD(" 10.0.0.0/8", "bad address in ' 10.0.0.0/8'");
	CIDR_BAD("localhost", "bad address in 'localhost'");
	CIDR_BAD("/8", "bad address in '/8'");
	CIDR_BAD("1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18/8",
		 "bad address in '1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18/8'");
	CIDR_BAD("0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/8",
		 "bad address in '0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/8'");
	CIDR_BAD("", "empty address");
	CIDR_BAD(NULL, "empty address");
}

static bool in_cidr(const char *cidr, const char *a)
{
	struct match_cidr c;
	uint8_t x[16];

	if (match_cidr_parse(cidr, &c, NULL, 0)) {
		unit_fail(__FILE__, __LINE__, "bad test cidr '%s'", cidr);
		return false;
	}
	addr(a, x);
	return match_cidr_contains(&c, x);
}

static void test_cidr_contains(void)
{
	CHECK(in_cidr("10.0.0.0/8", "10.255.1.2"));
	CHECK(!in_cidr("10.0.0.0/8", "11.0.0.0"));
	CHECK(!in_cidr("10.0.0.0/8", "9.255.255.255"));
	CHECK(in_cidr("10.0.0.0/8", "::ffff:10.9.9.9"));        /* v4-mapped v6 */
	CHECK(!in_cidr("10.0.0.0/8", "::10.9.9.9"));
	CHECK(!in_cidr("10.0.0.0/8", "a00::1"));
	CHECK(in_cidr("169.254.0.0/16", "169.254.169.254"));
	CHECK(!in_cidr("169.254.0.0/16", "169.253.169.254"));
	CHECK(in_cidr("169.254.169.254/32", "169.254.169.254"));
	CHECK(!in_cidr("169.254.169.254/32", "169.254.169.253"));
	CHECK(in_cidr("172.16.0.0/12", "172.31.255.255"));      /* prefix not on a byte */
	CHECK(!in_cidr("172.16.0.0/12", "172.32.0.0"));
	CHECK(in_cidr("0.0.0.0/0", "203.0.113.9"));
	CHECK(!in_cidr("0.0.0.0/0", "2001:db8::1"));            /* v4 "any" is v4 only */
	CHECK(in_cidr("::/0", "2001:db8::1"));
	CHECK(in_cidr("::/0", "203.0.113.9"));
	CHECK(in_cidr("fd00:ec2::254/128", "fd00:ec2::254"));
	CHECK(!in_cidr("fd00:ec2::254/128", "fd00:ec2::255"));
	CHECK(in_cidr("fd00::/8", "fdff:1::1"));
	CHECK(!in_cidr("fd00::/8", "fe80::1"));
	CHECK(in_cidr("fe80::/10", "febf::1"));
	CHECK(!in_cidr("fe80::/10", "fec0::1"));
	CHECK(in_cidr("::1", "::1"));
	CHECK(!in_cidr("::1", "127.0.0.1"));
}

static void check_cidr_format(const char *in, const char *want, int line)
{
	struct match_cidr c, back;
	char out[TEXT_LEN] = "", err[ERR_LEN] = "";

	if (match_cidr_parse(in, &c, err, sizeof(err))) {
		unit_fail(__FILE__, line, "parse(%s): %s", in, err);
		return;
	}
	match_cidr_format(&c, out, sizeof(out));
	if (strcmp(out, want))
		unit_fail(__FILE__, line, "format(%s) = \"%s\", want \"%s\"", in, out, want);
	if (match_cidr_parse(out, &back, err, sizeof(err)) || back.prefix != c.prefix ||
	    memcmp(back.addr, c.addr, 16))
		unit_fail(__FILE__, line, "\"%s\" does not parse back to %s", out, in);
}

#define CIDR_FMT(in, want) check_cidr_format(in, want, __LINE__)

static void test_cidr_format(void)
{
	struct match_cidr c;
	char small[6];

	CIDR_FMT("10.0.0.0/8", "10.0.0.0/8");
	CIDR_FMT("169.254.169.254", "169.254.169.254/32");
	CIDR_FMT("0.0.0.0/0", "0.0.0.0/0");
	CIDR_FMT("::ffff:10.0.0.0/104", "10.0.0.0/8");
	CIDR_FMT("::/0", "::/0");
	CIDR_FMT("fd00::/8", "fd00::/8");
	CIDR_FMT("fd00:ec2::254", "fd00:ec2::254/128");
	CIDR_FMT("::1", "::1/128");
	CIDR_FMT("172.16.0.0/12", "172.16.0.0/12");
	CHECK_EQ(match_cidr_parse("10.0.0.0/8", &c, NULL, 0), 0);
	memset(small, 'x', sizeof(small));
	match_cidr_format(&c, small, sizeof(small));    /* truncated, terminated */
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
}

/* ---- ports ---- */

static void check_ports(const char *s, unsigned lo, unsigned hi, int line)
{
	struct match_ports p = { 1, 1 };
	char err[ERR_LEN] = "";
	int rc = match_ports_parse(s, &p, err, sizeof(err));

	if (rc || p.lo != lo || p.hi != hi)
		unit_fail(__FILE__, line, "ports(%s) = %d \"%s\" %u-%u, want %u-%u", s, rc, err,
			  p.lo, p.hi, lo, hi);
}

static void check_ports_err(const char *s, const char *want, int line)
{
	struct match_ports p = { 7, 9 };
	char err[ERR_LEN] = "";
	int rc = match_ports_parse(s, &p, err, sizeof(err));

	if (p.lo != 7 || p.hi != 9)
		unit_fail(__FILE__, line, "ports(%s) wrote its output on error", s ? s : "(null)");
	if (rc != -EINVAL || strcmp(err, want))
		unit_fail(__FILE__, line, "ports(%s) = %d \"%s\", want \"%s\"", s ? s : "(null)",
			  rc, err, want);
}

#define PORTS(s, lo, hi)        check_ports(s, lo, hi, __LINE__)
#define PORTS_BAD(s)            check_ports_err(s, "bad port range '" s \
						"' (want 0..65535 or lo-hi)", __LINE__)

static void test_ports(void)
{
	struct match_ports p = { 8000, 8100 };

	PORTS("443", 443, 443);
	PORTS("8000-8100", 8000, 8100);
	PORTS("0-65535", 0, 65535);
	PORTS("65535", 65535, 65535);
	PORTS("53-53", 53, 53);
	PORTS("00080", 80, 80);
	PORTS_BAD("65536");
	PORTS_BAD("1-65536");
	PORTS_BAD("99999999999");
	PORTS_BAD("0-");
	PORTS_BAD("-80");
	PORTS_BAD("80-90-100");
	PORTS_BAD(" 80");
	PORTS_BAD("80 ");
	PORTS_BAD("8o");
	PORTS_BAD("+80");
	PORTS_BAD("000080");
	check_ports_err("8100-8000", "reversed port range '8100-8000'", __LINE__);
	check_ports_err("", "empty port range", __LINE__);
	check_ports_err(NULL, "empty port range", __LINE__);
	CHECK(match_ports_contains(&p, 8000));
	CHECK(match_ports_contains(&p, 8050));
	CHECK(match_ports_contains(&p, 8100));
	CHECK(!match_ports_contains(&p, 7999));
	CHECK(!match_ports_contains(&p, 8101));
	p = (struct match_ports){ 0, 65535 };
	CHECK(match_ports_contains(&p, 0));
	CHECK(match_ports_contains(&p, 65535));
}

/* ---- shells ---- */

static void test_is_shell(void)
{
	static const char *const yes[] = {
		"sh", "/bin/sh", "/usr/bin/bash", "/bin/dash", "/usr/bin/zsh", "/bin/ksh",
		"/bin/mksh", "/bin/ash", "/bin/busybox", "/usr/bin/fish",
	};
	static const char *const no[] = {
		"", "/", "/bin/", "/usr/bin/bash5", "/usr/bin/shx", "/usr/bin/node",
		"/usr/bin/python3", "/bin/csh", "/sh/node", "bash ", "/usr/bin/ssh",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!match_is_shell(yes[i]))
			unit_fail(__FILE__, __LINE__, "'%s' is a shell", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (match_is_shell(no[i]))
			unit_fail(__FILE__, __LINE__, "'%s' is not a shell", no[i]);
	CHECK(!match_is_shell(NULL));
}

#define ARGV(...)       ((const char *const[]){ __VA_ARGS__ })
#define ARGC(...)       ((int)(sizeof(ARGV(__VA_ARGS__)) / sizeof(char *)))
#define SHELL_CMD(want, ...) CHECK_STR(match_shell_command(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__)), \
				       want)

static void test_shell_command(void)
{
	const char *argv[] = { "sh", "-c", "x", NULL };

	SHELL_CMD("ls; id", "sh", "-c", "ls; id");
	SHELL_CMD("x", "bash", "-lc", "x");
	SHELL_CMD("x", "bash", "--login", "-c", "x");
	SHELL_CMD("x", "sh", "-e", "-c", "x");
	SHELL_CMD("x", "sh", "-c", "-e", "x");          /* options may follow -c */
	SHELL_CMD("x", "sh", "-ec", "x", "arg0", "arg1");
	SHELL_CMD("x", "sh", "-o", "pipefail", "-c", "x");
	SHELL_CMD("x", "sh", "+o", "posix", "-c", "x");
	SHELL_CMD("x", "sh", "-eo", "pipefail", "-c", "x");
	SHELL_CMD("x", "bash", "-O", "extglob", "-c", "x");
	SHELL_CMD("x", "bash", "--norc", "--noprofile", "-c", "x");
	SHELL_CMD("x", "bash", "--rcfile", "/tmp/rc", "-c", "x");
	SHELL_CMD("x", "sh", "-c", "--", "x");
	SHELL_CMD("x", "sh", "-c", "-", "x");          /* "-" ends options like "--" */
	SHELL_CMD("x", "busybox", "sh", "-c", "x");
	SHELL_CMD("x", "/bin/busybox", "ash", "-c", "x");
	SHELL_CMD(NULL, "sh", "-c", "-c");
	SHELL_CMD(NULL, "busybox", "wget", "-c", "x");  /* -c of an applet that is no shell */
	SHELL_CMD(NULL, "sh", "script.sh");
	SHELL_CMD(NULL, "sh", "script.sh", "-c", "x");  /* -c after the first operand */
	SHELL_CMD(NULL, "sh", "-c");
	SHELL_CMD(NULL, "sh", "--", "-c");
	SHELL_CMD(NULL, "sh", "-", "-c", "x");
	SHELL_CMD(NULL, "sh", "-o", "-c", "x");         /* "-c" is the value of -o */
	SHELL_CMD(NULL, "sh", "+c", "x");
	SHELL_CMD(NULL, "sh", "--command", "x");
	SHELL_CMD(NULL, "sh", "-e", "-x");
	SHELL_CMD(NULL, "sh");
	CHECK_STR(match_shell_command(0, argv), NULL);
	CHECK_STR(match_shell_command(2, argv), NULL);
	CHECK_STR(match_shell_command(3, argv), "x");
	CHECK_STR(match_shell_command(4, argv), "x");
	argv[2] = NULL;                                 /* argc counting a NULL */
	CHECK_STR(match_shell_command(4, argv), NULL);
	CHECK_STR(match_shell_command(1, NULL), NULL);
}

static void test_shell_metachar(void)
{
	static const char meta[] = ";|&$`<>()\n\r";
	static const char plain[] = "ls -la *.txt ?x [ab] ~/d {a,b} 'q' \"q\" \\ # ! = % ^";
	const char *s = "echo hi; id";
	char one[2] = { 0 };

	CHECK(match_shell_metachar(s, strlen(s)) == s + 7);
	CHECK(match_shell_metachar(s, 7) == NULL);      /* only s[0..n) */
	CHECK(match_shell_metachar(plain, strlen(plain)) == NULL);
	CHECK(match_shell_metachar("", 0) == NULL);
	CHECK(match_shell_metachar("a\0;", 3) != NULL); /* a NUL does not end the scan */
	for (size_t i = 0; i < sizeof(meta) - 1; i++) {
		one[0] = meta[i];
		if (match_shell_metachar(one, 1) != one)
			unit_fail(__FILE__, __LINE__, "0x%02x is a metacharacter",
				  (unsigned char)meta[i]);
	}
	s = "cat a && curl x | sh";
	CHECK(match_shell_metachar(s, strlen(s)) == s + 6);
	s = "echo $(id)";
	CHECK(match_shell_metachar(s, strlen(s)) == s + 5);
}

UNIT_MAIN(
	UNIT_TEST(test_path_within_boundaries),
	UNIT_TEST(test_path_within_root_and_slashes),
	UNIT_TEST(test_path_within_relative),
	UNIT_TEST(test_glob_text),
	UNIT_TEST(test_glob_classes),
	UNIT_TEST(test_glob_escapes),
	UNIT_TEST(test_glob_path_single),
	UNIT_TEST(test_glob_path_dstar_trailing),
	UNIT_TEST(test_glob_path_dstar_leading),
	UNIT_TEST(test_glob_path_dstar_middle),
	UNIT_TEST(test_glob_check),
	UNIT_TEST(test_glob_pathological),
	UNIT_TEST(test_glob_literal_runs),
	UNIT_TEST(test_glob_differential),
	UNIT_TEST(test_addr_from),
	UNIT_TEST(test_addr_kinds),
	UNIT_TEST(test_addr_format),
	UNIT_TEST(test_cidr_parse),
	UNIT_TEST(test_cidr_errors),
	UNIT_TEST(test_cidr_contains),
	UNIT_TEST(test_cidr_format),
	UNIT_TEST(test_ports),
	UNIT_TEST(test_is_shell),
	UNIT_TEST(test_shell_command),
	UNIT_TEST(test_shell_metachar),
)
