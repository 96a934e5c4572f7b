// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "match.h"

/* No '*' seen yet (a glob backtrack point). */
#define NO_STAR         SIZE_MAX
/* Bytes of an address and of its IPv4 part; bits of the 128-bit form. */
#define ADDR_LEN        16
#define V4_LEN          4
#define V4_OFFSET       (ADDR_LEN - V4_LEN)
#define V6_BITS         128u
#define V4_BITS         32u
#define V4_PREFIX_BASE  (V6_BITS - V4_BITS)
/* Digits of a prefix length ("/128") and of a port ("65535"). */
#define PREFIX_DIGITS   3
#define PORT_DIGITS     5
#define PORT_MAX        65535u
#define LOOPBACK_V4_NET 127

static void set_err(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!err || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* ---- paths ---- */

/* Length of s without its trailing slashes ("/" and "/a/" become "" and "/a"). */
static size_t trim_slashes(const char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '/')
		n--;
	return n;
}

bool match_path_within(const char *path, const char *root)
{
	size_t pn, rn;

	if (!path || !root || path[0] != '/' || root[0] != '/')
		return false;
	pn = trim_slashes(path);
	rn = trim_slashes(root);
	/* root "/" trims to "": every absolute path is within it */
	return pn >= rn && !memcmp(path, root, rn) && (pn == rn || path[rn] == '/');
}

/* ---- globs: one span of pattern against one span of text ---- */

/* Index of the ']' closing the class opened at p[i], or n when there is none. A ']' right
 * after "[" or "[!" is a member; '\' escapes the next byte. */
static size_t class_end(const char *p, size_t n, size_t i)
{
	size_t j = i + 1;

	if (j < n && p[j] == '!')
		j++;
	if (j < n && p[j] == ']')
		j++;
	while (j < n && p[j] != ']')
		j += p[j] == '\\' ? 2 : 1;
	return j < n ? j : n;
}

/* Class members body[0..n) ("!a-z]x" without the brackets) against c. */
static bool class_match(const char *body, size_t n, unsigned char c)
{
	bool neg = n && body[0] == '!';
	size_t k = neg;

	while (k < n) {
		unsigned char lo, hi;

		k += body[k] == '\\';
		lo = hi = (unsigned char)body[k++];
		if (k + 1 < n && body[k] == '-') {
			k += body[k + 1] == '\\' ? 2 : 1;
			hi = (unsigned char)body[k++];
		}
		if (c >= lo && c <= hi)
			return !neg;
	}
	return neg;
}

/* Bytes of the pattern element at p[i] (well formed: checked first). */
static size_t elem_len(const char *p, size_t n, size_t i)
{
	if (p[i] == '\\')
		return 2;
	if (p[i] == '[')
		return class_end(p, n, i) - i + 1;
	return 1;
}

static bool elem_match(const char *p, size_t len, char c)
{
	switch (p[0]) {
	case '?':
		return true;
	case '\\':
		return p[1] == c;
	case '[':
		return class_match(p + 1, len - 2, (unsigned char)c);
	default:
		return p[0] == c;
	}
}

/*
 * Iterative matching with one backtrack point: on a mismatch only the last '*' grows by one
 * byte (an earlier '*' growing can only lead to matches the last one also reaches), so the
 * cost is O(pn * tn) at worst, never exponential.
 */
static bool span_match(const char *p, size_t pn, const char *t, size_t tn)
{
	size_t pi = 0, ti = 0, star_p = NO_STAR, star_t = 0;

	while (ti < tn) {
		if (pi < pn && p[pi] == '*') {
			star_p = ++pi;
			star_t = ti;
			continue;
		}
		if (pi < pn && elem_match(p + pi, elem_len(p, pn, pi), t[ti])) {
			pi += elem_len(p, pn, pi);
			ti++;
			continue;
		}
		if (star_p == NO_STAR)
			return false;
		pi = star_p;
		ti = ++star_t;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* ---- globs: path components ---- */

/* End of the component starting at s[i]: the next '/' (unescaped in a pattern) or n. */
static size_t comp_end(const char *s, size_t n, size_t i, bool pattern)
{
	while (i < n && s[i] != '/')
		i += pattern && s[i] == '\\' ? 2 : 1;
	return i < n ? i : n;
}

static bool is_dstar(const char *p, size_t i, size_t end)
{
	return end - i == 2 && p[i] == '*' && p[i + 1] == '*';
}

/* The components after pattern position pi (pi > pn: none) are all "**". */
static bool rest_dstars(const char *p, size_t pn, size_t pi)
{
	while (pi <= pn) {
		size_t pe = comp_end(p, pn, pi, true);

		if (!is_dstar(p, pi, pe))
			return false;
		pi = pe + 1;
	}
	return true;
}

/*
 * The span algorithm again, one level up: components are the units and "**" the star. A path
 * of n slashes has n + 1 components (an absolute path starts with an empty one, which lets a
 * leading "**" match it). Positions past the end (> n) mean "no components left".
 */
static bool path_match(const char *p, size_t pn, const char *t, size_t tn)
{
	size_t pi = 0, ti = 0, star_p = NO_STAR, star_t = 0;

	while (ti <= tn) {
		size_t pe = pi <= pn ? comp_end(p, pn, pi, true) : 0;
		size_t te = comp_end(t, tn, ti, false);

		if (pi <= pn && is_dstar(p, pi, pe)) {
			star_p = pi = pe + 1;
			star_t = ti;
			continue;
		}
		if (pi <= pn && span_match(p + pi, pe - pi, t + ti, te - ti)) {
			pi = pe + 1;
			ti = te + 1;
			continue;
		}
		if (star_p == NO_STAR)
			return false;
		pi = star_p;
		ti = star_t = comp_end(t, tn, star_t, false) + 1;
	}
	return rest_dstars(p, pn, pi);
}

/* ---- globs: checking and entry points ---- */

/* NULL when p[0..n) is well formed, else the reason. In path mode p is one component. */
static const char *span_check(const char *p, size_t n, enum match_glob_mode mode)
{
	size_t i = 0;

	while (i < n) {
		if (p[i] == '\\' && i + 1 >= n)
			return "trailing '\\'";
		if (p[i] == '[' && class_end(p, n, i) >= n)
			return "unterminated '['";
		if (mode == MATCH_GLOB_PATH && p[i] == '*' && i + 1 < n && p[i + 1] == '*' &&
		    n != 2)
			return "'**' must be a whole path component";
		i += elem_len(p, n, i);
	}
	return NULL;
}

static const char *glob_check(const char *pattern, enum match_glob_mode mode)
{
	size_t pn = strlen(pattern);

	if (mode == MATCH_GLOB_TEXT)
		return span_check(pattern, pn, mode);
	if (mode != MATCH_GLOB_PATH)
		return "unknown glob mode";
	for (size_t pi = 0; pi <= pn;) {
		size_t pe = comp_end(pattern, pn, pi, true);
		const char *why = span_check(pattern + pi, pe - pi, mode);

		if (why)
			return why;
		pi = pe + 1;
	}
	return NULL;
}

int match_glob_check(const char *pattern, enum match_glob_mode mode, char *err, size_t size)
{
	const char *why = pattern ? glob_check(pattern, mode) : "no pattern";

	if (!why)
		return 0;
	set_err(err, size, "%s", why);
	return -EINVAL;
}

/* The longest run of plain bytes in pattern p (no '*', '?', class or escape; in path mode no
 * '/' either, a run stays inside one component): every text p matches holds it verbatim.
 * *len 0: there is none. */
static void longest_literal(const char *p, size_t pn, enum match_glob_mode mode, size_t *off,
			    size_t *len)
{
	size_t i = 0;

	*off = *len = 0;
	while (i < pn) {
		size_t s = i;

		while (i < pn && p[i] != '*' && p[i] != '?' && p[i] != '[' && p[i] != '\\' &&
		       !(mode == MATCH_GLOB_PATH && p[i] == '/'))
			i++;
		if (i - s > *len) {
			*off = s;
			*len = i - s;
		}
		if (i < pn)
			i += p[i] == '[' || p[i] == '\\' ? elem_len(p, pn, i) : 1;
	}
}

bool match_glob(const char *pattern, const char *text, enum match_glob_mode mode)
{
	size_t pn, tn, off, len;

	if (!pattern || !text)
		return false;
	pn = strlen(pattern);
	tn = strlen(text);
	/* most texts lack a pattern's longest plain run (the ".ssh" of the sensitive pattern for ssh
	 * keys): a memmem settles them before the pattern is checked and matched by components */
	longest_literal(pattern, pn, mode, &off, &len);
	if (len && !memmem(text, tn, pattern + off, len))
		return false;
	if (glob_check(pattern, mode))
		return false;
	if (mode == MATCH_GLOB_TEXT)
		return span_match(pattern, pn, text, tn);
	return path_match(pattern, pn, text, tn);
}

/* ---- addresses ---- */

static const uint8_t v4_mapped[V4_OFFSET] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void match_addr_from_v4(const uint8_t v4[4], uint8_t out[16])
{
	memcpy(out, v4_mapped, V4_OFFSET);
	memcpy(out + V4_OFFSET, v4, V4_LEN);
}

void match_addr_from_net(uint16_t family, const uint8_t addr[16], uint8_t out[16])
{
	if (family == AF_INET)
		match_addr_from_v4(addr, out);
	else if (family == AF_INET6)
		memcpy(out, addr, ADDR_LEN);
	else
		memset(out, 0, ADDR_LEN);
}

bool match_addr_is_v4(const uint8_t a[16])
{
	return !memcmp(a, v4_mapped, V4_OFFSET);
}

bool match_addr_loopback(const uint8_t a[16])
{
	static const uint8_t v6_loopback[ADDR_LEN] = { [ADDR_LEN - 1] = 1 };

	if (match_addr_is_v4(a))
		return a[V4_OFFSET] == LOOPBACK_V4_NET;
	return !memcmp(a, v6_loopback, ADDR_LEN);
}

bool match_addr_wildcard(const uint8_t a[16])
{
	static const uint8_t zero[ADDR_LEN];

	if (match_addr_is_v4(a))
		return !memcmp(a + V4_OFFSET, zero, V4_LEN);
	return !memcmp(a, zero, ADDR_LEN);
}

void match_addr_format(const uint8_t a[16], char *out, size_t size)
{
	const char *ok;

	if (!size)
		return;
	if (match_addr_is_v4(a))
		ok = inet_ntop(AF_INET, a + V4_OFFSET, out, (socklen_t)size);
	else
		ok = inet_ntop(AF_INET6, a, out, (socklen_t)size);
	if (!ok)
		out[0] = '\0';
}

/* ---- CIDRs ---- */

/* Mask of the bits of byte i that lie inside a prefix of the given length. */
static uint8_t prefix_mask(unsigned int prefix, size_t i)
{
	unsigned int bits = prefix > i * 8 ? prefix - (unsigned int)i * 8 : 0;

	return bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
}

/* Decimal digits s[0..n) into *v, at most max_digits of them; false on anything else. */
static bool parse_decimal(const char *s, size_t n, size_t max_digits, unsigned int *v)
{
	if (n == 0 || n > max_digits)
		return false;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned int)(s[i] - '0');
	}
	return true;
}

/* The address part s[0..n) into the 128-bit form; *bits is 32 for IPv4, 128 for IPv6. */
static bool parse_addr(const char *s, size_t n, uint8_t out[16], unsigned int *bits)
{
	char text[INET6_ADDRSTRLEN];
	uint8_t v4[V4_LEN];

	if (n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, v4) == 1) {
		match_addr_from_v4(v4, out);
		*bits = V4_BITS;
		return true;
	}
	*bits = V6_BITS;
	return inet_pton(AF_INET6, text, out) == 1;
}

/* *out is written only on success. */
int match_cidr_parse(const char *s, struct match_cidr *out, char *err, size_t size)
{
	struct match_cidr c;
	const char *slash;
	size_t an;
	unsigned int bits, prefix;

	if (!s || !*s) {
		set_err(err, size, "empty address");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	an = slash ? (size_t)(slash - s) : strlen(s);
	if (!parse_addr(s, an, c.addr, &bits)) {
		set_err(err, size, "bad address in '%s'", s);
		return -EINVAL;
	}
	prefix = bits;
	if (slash && (!parse_decimal(slash + 1, strlen(slash + 1), PREFIX_DIGITS, &prefix) ||
		      prefix > bits)) {
		set_err(err, size, "bad prefix length in '%s'", s);
		return -EINVAL;
	}
	c.prefix = (uint8_t)(prefix + V6_BITS - bits);
	for (size_t i = 0; i < ADDR_LEN; i++) {
		if (c.addr[i] & ~prefix_mask(c.prefix, i)) {
			set_err(err, size, "'%s' has host bits set", s);
			return -EINVAL;
		}
	}
	*out = c;
	return 0;
}

bool match_cidr_contains(const struct match_cidr *c, const uint8_t a[16])
{
	for (size_t i = 0; i < ADDR_LEN; i++) {
		if ((a[i] & prefix_mask(c->prefix, i)) != c->addr[i])
			return false;
	}
	return true;
}

void match_cidr_format(const struct match_cidr *c, char *out, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned int prefix = c->prefix;

	if (match_addr_is_v4(c->addr) && prefix >= V4_PREFIX_BASE)
		prefix -= V4_PREFIX_BASE;
	match_addr_format(c->addr, addr, sizeof(addr));
	if (size)
		snprintf(out, size, "%s/%u", addr, prefix);
}

/* ---- ports ---- */

static bool parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned int v;

	if (!parse_decimal(s, n, PORT_DIGITS, &v) || v > PORT_MAX)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* *out is written only on success. */
int match_ports_parse(const char *s, struct match_ports *out, char *err, size_t size)
{
	struct match_ports p;
	const char *dash;
	size_t n;

	if (!s || !*s) {
		set_err(err, size, "empty port range");
		return -EINVAL;
	}
	n = strlen(s);
	dash = strchr(s, '-');
	if (!parse_port(s, dash ? (size_t)(dash - s) : n, &p.lo) ||
	    !parse_port(dash ? dash + 1 : s, dash ? strlen(dash + 1) : n, &p.hi)) {
		set_err(err, size, "bad port range '%s' (want 0..65535 or lo-hi)", s);
		return -EINVAL;
	}
	if (p.hi < p.lo) {
		set_err(err, size, "reversed port range '%s'", s);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

bool match_ports_contains(const struct match_ports *p, uint16_t port)
{
	return port >= p->lo && port <= p->hi;
}

/* ---- shells ---- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return true;
	return false;
}

bool match_is_shell(const char *exe)
{
	static const char *const shells[] = {
		"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish", NULL,
	};

	return exe && name_in(base_name(exe), shells);
}

/* Arguments taken by the option group a ("-o", "+eo", "-O", "--rcfile", ...). */
static int option_values(const char *a)
{
	static const char *const long_with_value[] = { "--rcfile", "--init-file", NULL };
	int n = 0;

	if (a[1] == '-')
		return name_in(a, long_with_value);
	for (a++; *a; a++)
		n += *a == 'o' || *a == 'O';
	return n;
}

/* Index of the first argument after the shell's name: 2 for "busybox sh ...". */
static int first_option(int argc, const char *const *argv)
{
	static const char *const applets[] = { "sh", "ash", "hush", "bash", NULL };

	if (argc > 1 && argv[0] && argv[1] && !strcmp(base_name(argv[0]), "busybox") &&
	    name_in(argv[1], applets))
		return 2;
	return 1;
}

const char *match_shell_command(int argc, const char *const *argv)
{
	bool dash_c = false;
	int i;

	if (argc < 1 || !argv)
		return NULL;
	for (i = first_option(argc, argv); i < argc && argv[i]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--") || !strcmp(a, "-")) {
			i++;
			break;
		}
		if ((a[0] != '-' && a[0] != '+') || !a[1])
			break;
		if (a[0] == '-' && a[1] != '-' && strchr(a, 'c'))
			dash_c = true;
		i += option_values(a);
	}
	return dash_c && i < argc ? argv[i] : NULL;
}

const char *match_shell_metachar(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case ';': case '|': case '&': case '$': case '`':
		case '<': case '>': case '(': case ')': case '\n': case '\r':
			return s + i;
		}
	}
	return NULL;
}
