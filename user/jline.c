// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jline.h"

#define REPLACEMENT     "\xef\xbf\xbd"  /* U+FFFD */
#define REPLACEMENT_LEN 3
#define NUM_LEN         32              /* any int64, uint64 or %.9g real */
#define ASCII_CONTROL   0x20
#define UTF8_CONT_MASK  0xc0
#define UTF8_CONT       0x80

static bool cont(unsigned char c)
{
	return (c & UTF8_CONT_MASK) == UTF8_CONT;
}

/* Bytes in the UTF-8 sequence at s (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF), or 0 when the bytes there are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (!cont(s[i]))
			return 0;
	return len;
}

size_t jline_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n && (len = utf8_seq(u + i, n - i)))
		i += len;
	return i;
}

json_t *jline_lossy(const char *s, size_t n)
{
	size_t ok = jline_utf8_valid(s, n), o;
	json_t *j;
	char *buf;

	if (ok == n)
		return json_stringn(s, n);
	buf = malloc(n * REPLACEMENT_LEN + 1);  /* at worst every byte is replaced */
	if (!buf)
		return NULL;
	memcpy(buf, s, ok);
	o = ok;
	for (size_t i = ok, len; i < n; i += len) {
		len = utf8_seq((const unsigned char *)s + i, n - i);
		if (len) {
			memcpy(buf + o, s + i, len);
			o += len;
		} else {
			memcpy(buf + o, REPLACEMENT, REPLACEMENT_LEN);
			o += REPLACEMENT_LEN;
			len = 1;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

/* Room for more bytes; false (and oom set) when there is none to be had. */
static bool reserve(struct jline *j, size_t more)
{
	size_t cap = j->cap;
	char *p;

	if (j->oom)
		return false;
	if (j->n + more <= j->cap)
		return true;
	while (cap < j->n + more)
		cap *= 2;
	p = j->p == j->small ? malloc(cap) : realloc(j->p, cap);
	if (!p) {
		j->oom = true;
		return false;
	}
	if (j->p == j->small)
		memcpy(p, j->small, j->n);
	j->p = p;
	j->cap = cap;
	return true;
}

static void put(struct jline *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->p + j->n, s, n);
	j->n += n;
}

static void putc_(struct jline *j, char c)
{
	put(j, &c, 1);
}

void jline_init(struct jline *j)
{
	j->p = j->small;
	j->n = 0;
	j->cap = sizeof(j->small);
	j->oom = false;
	j->comma = false;
	putc_(j, '{');
}

void jline_release(struct jline *j)
{
	if (j->p != j->small)
		free(j->p);
	j->p = j->small;
	j->n = 0;
	j->cap = sizeof(j->small);
}

static void key(struct jline *j, const char *k)
{
	if (j->comma)
		putc_(j, ',');
	j->comma = true;
	putc_(j, '"');
	put(j, k, strlen(k));
	put(j, "\":", 2);
}

/* The escape of one byte below 0x20, or of '"' and '\\'. */
static void escape(struct jline *j, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[] = "\\u00XX";

	switch (c) {
	case '"': put(j, "\\\"", 2); return;
	case '\\': put(j, "\\\\", 2); return;
	case '\b': put(j, "\\b", 2); return;
	case '\f': put(j, "\\f", 2); return;
	case '\n': put(j, "\\n", 2); return;
	case '\r': put(j, "\\r", 2); return;
	case '\t': put(j, "\\t", 2); return;
	default:
		u[4] = hex[c >> 4];
		u[5] = hex[c & 0xf];
		put(j, u, sizeof(u) - 1);
	}
}

static bool plain(unsigned char c)
{
	return c >= ASCII_CONTROL && c < 0x80 && c != '"' && c != '\\';
}

/* s as a JSON string: runs of plain ASCII copied at once. */
static void string(struct jline *j, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run, len;

	putc_(j, '"');
	while (i < n) {
		for (run = i; run < n && plain(u[run]); run++)
			;
		put(j, s + i, run - i);
		i = run;
		if (i >= n)
			break;
		if (u[i] < 0x80) {
			escape(j, u[i++]);
			continue;
		}
		len = utf8_seq(u + i, n - i);
		if (len)
			put(j, s + i, len);
		else
			put(j, REPLACEMENT, REPLACEMENT_LEN);
		i += len ? len : 1;
	}
	putc_(j, '"');
}

void jline_strn(struct jline *j, const char *k, const char *s, size_t n)
{
	if (!s)
		return;
	key(j, k);
	string(j, s, n);
}

void jline_str(struct jline *j, const char *k, const char *s)
{
	if (s)
		jline_strn(j, k, s, strlen(s));
}

/* v in decimal, written backwards from end; returns where it starts. */
static char *decimal(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void jline_uint(struct jline *j, const char *k, uint64_t v)
{
	char buf[NUM_LEN], *p = decimal(v, buf + sizeof(buf));

	key(j, k);
	put(j, p, (size_t)(buf + sizeof(buf) - p));
}

void jline_int(struct jline *j, const char *k, int64_t v)
{
	char buf[NUM_LEN], *p;

	if (v >= 0) {
		jline_uint(j, k, (uint64_t)v);
		return;
	}
	p = decimal(-(uint64_t)v, buf + sizeof(buf));
	*--p = '-';
	key(j, k);
	put(j, p, (size_t)(buf + sizeof(buf) - p));
}

/* printf's exponent "e-05" or "e+21" written as jansson writes it: "e-5", "e21". */
static size_t exponent_as_jansson(char *buf, size_t n)
{
	char *e = strchr(buf, 'e'), *d;

	if (!e)
		return n;
	d = e + 1;
	if (*d == '+')
		memmove(d, d + 1, strlen(d));
	else if (*d == '-')
		d++;
	while (d[0] == '0' && d[1])
		memmove(d, d + 1, strlen(d));
	return strlen(buf);
}

void jline_real(struct jline *j, const char *k, double v)
{
	char buf[NUM_LEN];
	int n;

	if (!isfinite(v))
		v = 0;                  /* JSON has no inf or nan; callers pass latencies */
	n = snprintf(buf, sizeof(buf), "%.*g", JLINE_PRECISION, v);
	key(j, k);
	put(j, buf, (size_t)exponent_as_jansson(buf, (size_t)n));
	if (!strpbrk(buf, ".e"))
		put(j, ".0", 2);        /* a real stays a real, as jansson writes it */
}

void jline_ms(struct jline *j, const char *k, uint64_t ns)
{
	char buf[NUM_LEN], *end = buf + sizeof(buf), *p = end;
	uint64_t frac = ns % JLINE_NS_PER_MS;
	unsigned int digits = JLINE_MS_DECIMALS;

	while (digits > 1 && frac % 10 == 0) {  /* trailing zeros go, one decimal stays */
		frac /= 10;
		digits--;
	}
	for (unsigned int i = 0; i < digits; i++, frac /= 10)
		*--p = (char)('0' + frac % 10);
	*--p = '.';
	p = decimal(ns / JLINE_NS_PER_MS, p);
	key(j, k);
	put(j, p, (size_t)(end - p));
}

void jline_bool(struct jline *j, const char *k, bool v)
{
	key(j, k);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void jline_raw(struct jline *j, const char *k, const char *text, size_t n)
{
	key(j, k);
	put(j, text, n);
}

void jline_json(struct jline *j, const char *k, const json_t *v)
{
	size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(JLINE_PRECISION) | JSON_ENCODE_ANY;
	size_t n;

	key(j, k);
	if (!v) {
		put(j, "null", 4);
		return;
	}
	if (j->oom)
		return;
	n = json_dumpb(v, j->p + j->n, j->cap - j->n, flags);      /* into the room left */
	if (n && n > j->cap - j->n && reserve(j, n))
		n = json_dumpb(v, j->p + j->n, n, flags);
	if (!n || j->oom) {
		j->oom = true;          /* a value jansson cannot dump: the line would be wrong */
		return;
	}
	j->n += n;
}

void jline_open(struct jline *j, const char *k)
{
	key(j, k);
	putc_(j, '{');
	j->comma = false;
}

void jline_close(struct jline *j)
{
	putc_(j, '}');
	j->comma = true;
}

const char *jline_end(struct jline *j, size_t *n)
{
	put(j, "}\n", 2);
	if (j->oom)
		return NULL;
	*n = j->n;
	return j->p;
}
