// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* jsonshort: long JSON string values shortened, on a tree or on the text (see jsonshort.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonshort.h"

#define SUFFIX_MAX      40u     /* "...[18446744073709551615 bytes]" and a quote */
#define DEPTH_MAX       2048u   /* jansson's own limit: deeper is its error to report */

/* ---- on a tree ---- */

bool jsonshort_needed(const json_t *v, size_t over)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		return json_string_length(v) > over;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
			if (jsonshort_needed(x, over))
				return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (jsonshort_needed(x, over))
				return true;
	}
	return false;
}

static json_t *short_string(const json_t *v, size_t keep, struct jsonshort_stats *st)
{
	const char *str = json_string_value(v);
	size_t len = json_string_length(v);
	char buf[SUFFIX_MAX];
	char *s;
	json_t *out;
	int n;

	while (keep && ((unsigned char)str[keep] & 0xc0) == 0x80)
		keep--;         /* cut on a UTF-8 boundary */
	n = snprintf(buf, sizeof(buf), "...[%zu bytes]", len);
	s = malloc(keep + (size_t)n);
	if (!s)
		return NULL;
	memcpy(s, str, keep);
	memcpy(s + keep, buf, (size_t)n);
	out = json_stringn_nocheck(s, keep + (size_t)n);
	free(s);
	st->strings++;
	st->bytes += len - keep;
	return out;
}

json_t *jsonshort_tree(const json_t *v, size_t over, size_t keep, struct jsonshort_stats *st)
{
	const char *k;
	json_t *x, *out;
	size_t i;

	if (json_is_string(v) && json_string_length(v) > over)
		return short_string(v, keep, st);
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, k, x)
			json_object_set_new(out, k, jsonshort_tree(x, over, keep, st));
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, jsonshort_tree(x, over, keep, st));
		return out;
	}
	return json_incref((json_t *)v);
}

/* ---- on the text ---- */

struct scan {
	const unsigned char *p;
	size_t n, i;
	size_t over, keep;
	unsigned int depth;
	unsigned char in_object[DEPTH_MAX];
	bool expect_key;
	char *out;              /* allocated at the first long string */
	size_t out_n, out_cap;
	size_t copied;          /* input bytes [0, copied) are in out */
	struct jsonshort_stats st;
};

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The code unit of "\uXXXX" at p (the backslash), or -1. */
static long u_escape(const unsigned char *p, size_t left)
{
	long v = 0;

	if (left < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (int k = 2; k < 6; k++) {
		int h = hexval(p[k]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* One escape at s->p[s->i] (the backslash): its raw and decoded lengths; false if invalid. */
static bool escape_len(const struct scan *s, size_t *raw, size_t *dec)
{
	const unsigned char *p = s->p + s->i;
	size_t left = s->n - s->i;
	long u, lo;

	if (left < 2)
		return false;
	if (strchr("\"\\/bfnrt", p[1]) && p[1]) {
		*raw = 2;
		*dec = 1;
		return true;
	}
	u = u_escape(p, left);
	if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
		return false;
	if (u >= 0xd800 && u <= 0xdbff) {       /* a surrogate pair: one 4-byte character */
		lo = u_escape(p + 6, left - 6);
		if (lo < 0xdc00 || lo > 0xdfff)
			return false;
		*raw = 12;
		*dec = 4;
		return true;
	}
	*raw = 6;
	*dec = u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
	return true;
}

/* Length of the well-formed UTF-8 sequence at p (first byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	unsigned long cp;

	if (!n || c > 0xf4 || left < n)
		return 0;
	cp = c & (0x3f >> (n - 1));
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Append to out, growing it: a cut string usually shrinks the text, but with small limits
 * its suffix can be longer than what it replaced. */
static bool emit(struct scan *s, const void *p, size_t n)
{
	if (s->out_n + n > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : s->n + SUFFIX_MAX;
		char *grown;

		while (cap < s->out_n + n)
			cap *= 2;
		grown = realloc(s->out, cap);
		if (!grown)
			return false;
		s->out = grown;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_n, p, n);
	s->out_n += n;
	return true;
}

/* Replace the string that ends at close: its raw contents before cut are kept. */
static bool shorten_here(struct scan *s, size_t cut, size_t close, size_t dec, size_t kept)
{
	char suffix[SUFFIX_MAX];
	int k;

	k = snprintf(suffix, sizeof(suffix), "...[%zu bytes]\"", dec);
	if (!emit(s, s->p + s->copied, cut - s->copied) || !emit(s, suffix, (size_t)k))
		return false;
	s->copied = close + 1;
	s->st.strings++;
	s->st.bytes += dec - kept;
	return true;
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* A mark (its high bit) on each byte of x that a string cannot simply contain: a control
 * character (< 0x20), a quote, a backslash, or part of a UTF-8 sequence (>= 0x80). Only bytes
 * above a real one can be marked wrongly (a borrow), so the lowest mark is always real. */
static uint64_t special_marks(uint64_t x)
{
	uint64_t ctl = (x - ONES * 0x20) & ~x & HIGHS;
	uint64_t q = x ^ (ONES * '"'), bs = x ^ (ONES * '\\');

	return (x & HIGHS) | ctl | ((q - ONES) & ~q & HIGHS) | ((bs - ONES) & ~bs & HIGHS);
}

/* The index of the lowest marked byte of a word loaded from memory (marks != 0). */
static size_t first_marked(uint64_t marks)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(marks) / 8;
#else
	return (size_t)__builtin_clzll(marks) / 8;
#endif
}

/* How many bytes from p are plain ASCII string contents (one byte, one character each),
 * looked at a word at a time, the tail of fewer than 8 bytes left to the caller: the long
 * strings the scanner exists for are mostly such runs. */
static size_t plain_run(const unsigned char *p, size_t left)
{
	size_t k = 0;
	uint64_t x, marks;

	for (; k + sizeof(x) <= left; k += sizeof(x)) {
		memcpy(&x, p + k, sizeof(x));
		marks = special_marks(x);
		if (marks)
			return k + first_marked(marks);
	}
	return k;
}

/* The string at s->i (its opening quote): validated, measured, and shortened when it is a
 * long value. Leaves s->i after the closing quote. */
static bool scan_string(struct scan *s)
{
	size_t dec = 0, cut = 0, kept = 0, raw, d, run;

	s->i++;
	while (s->i < s->n) {
		unsigned char c;

		run = plain_run(s->p + s->i, s->n - s->i);
		if (run) {
			if (!cut && dec + run > s->keep) {      /* the cut falls in the run */
				cut = s->i + (s->keep - dec);
				kept = s->keep;
			}
			dec += run;
			s->i += run;
			continue;
		}
		c = s->p[s->i];

		if (c == '"')
			break;
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (!escape_len(s, &raw, &d))
				return false;
		} else if (c >= 0x80) {
			raw = d = utf8_len(s->p + s->i, s->n - s->i);
			if (!raw)
				return false;
		} else {
			raw = d = 1;
		}
		if (!cut && dec + d > s->keep) {
			cut = s->i;
			kept = dec;
		}
		dec += d;
		s->i += raw;
	}
	if (s->i >= s->n)
		return false;
	if (!s->expect_key && dec > s->over && !shorten_here(s, cut, s->i, dec, kept))
		return false;
	s->i++;
	return true;
}

/* One structural or literal byte outside strings. */
static bool scan_byte(struct scan *s)
{
	unsigned char c = s->p[s->i++];

	switch (c) {
	case '{':
	case '[':
		if (s->depth == DEPTH_MAX)
			return false;
		s->in_object[s->depth++] = c == '{';
		s->expect_key = c == '{';
		return true;
	case '}':
	case ']':
		if (!s->depth || s->in_object[s->depth - 1] != (c == '}'))
			return false;
		s->depth--;
		s->expect_key = false;
		return true;
	case ',':
		s->expect_key = s->depth && s->in_object[s->depth - 1];
		return true;
	case ':':
		s->expect_key = false;
		return true;
	default:
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
	}
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool scan_all(struct scan *s)
{
	while (s->i < s->n && is_ws(s->p[s->i]))
		s->i++;
	if (s->i == s->n || s->p[s->i] != '{')
		return false;
	do {
		if (s->p[s->i] == '"' ? !scan_string(s) : !scan_byte(s))
			return false;
	} while (s->i < s->n && s->depth);
	if (s->depth)
		return false;
	while (s->i < s->n && is_ws(s->p[s->i]))
		s->i++;
	return s->i == s->n;
}

enum jsonshort_result jsonshort_text(const char *in, size_t n, size_t over, size_t keep,
				     char **out, size_t *out_n, struct jsonshort_stats *st)
{
	struct scan scan = { .p = (const unsigned char *)in, .n = n, .over = over, .keep = keep };
	struct scan *s = &scan;
	enum jsonshort_result r;
	size_t i = 0;

	*out = NULL;
	*out_n = 0;
	while (i < n && is_ws(s->p[i]))
		i++;
	if (n <= over || i == n || in[i] != '{')
		return JSONSHORT_NONE;  /* no string in it can be that long; or not an object */
	if (!scan_all(s)) {
		r = JSONSHORT_UNSURE;
		free(s->out);
	} else if (!s->out) {
		r = JSONSHORT_NONE;
	} else {
		if (!emit(s, s->p + s->copied, n - s->copied)) {
			free(s->out);
			return JSONSHORT_UNSURE;
		}
		*out = s->out;
		*out_n = s->out_n;
		st->strings += s->st.strings;
		st->bytes += s->st.bytes;
		r = JSONSHORT_DONE;
	}
	return r;
}
