// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * jscan: validation, one pass over the bytes with an explicit stack of the open containers
 * (one bit per level: object or array), so nesting costs no recursion. Reading the validated
 * text is jscan_get.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "jscan_int.h"
#include "mcpwarden/limits.h"

#define BITS_PER_WORD   64u
#define INT64_DIGITS    19u             /* digits of INT64_MAX and of -INT64_MIN */
#define REAL_KEEP       400u            /* significant digits kept to judge overflow: more than
					 * the 309 of the exact halfway point above DBL_MAX */
#define REAL_EXP_EDGE   309             /* 0.d * 10^E: E < 309 fits a double, E > 309 overflows */
#define REAL_EXP_SAT    1000000L        /* exponents saturate here */

enum {
	CC_PLAIN = 0,   /* needs no attention inside a string */
	CC_QUOTE,
	CC_ESCAPE,
	CC_CTRL,        /* U+0000..U+001F: not allowed raw */
	CC_UTF8,        /* lead (or stray) byte of a multi-byte sequence */
};

static const unsigned char str_class[256] = {
	[0x00 ... 0x1f] = CC_CTRL, ['"'] = CC_QUOTE, ['\\'] = CC_ESCAPE,
	[0x80 ... 0xff] = CC_UTF8,
};

struct scan {
	const unsigned char *p, *end;
	unsigned int nest;      /* containers open */
	uint64_t is_obj[MW_JSON_DEPTH_MAX / BITS_PER_WORD];
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && is_ws(*s->p))
		s->p++;
}

/* ---- validation ---- */

/* One UTF-8 sequence at s->p (its lead byte is >= 0x80). */
static bool utf8_ok(struct scan *s)
{
	const unsigned char *p = s->p;
	unsigned char c = p[0];
	size_t need = c < U8_LEAD3_MIN ? 2 : c < U8_LEAD4_MIN ? 3 : 4;
	uint32_t cp;

	if (c < U8_LEAD2_MIN || c > U8_LEAD4_MAX || (size_t)(s->end - p) < need)
		return false;
	for (size_t i = 1; i < need; i++)
		if ((p[i] & U8_CONT_MASK) != U8_CONT)
			return false;
	if (need == 3) {
		cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(p[1] & U8_CONT_BITS) << 6 |
		     (p[2] & U8_CONT_BITS);
		if (cp < U8_MIN3 || (cp >= SURR_HI && cp <= SURR_LO_END))
			return false;
	} else if (need == 4) {
		cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(p[1] & U8_CONT_BITS) << 12 |
		     (uint32_t)(p[2] & U8_CONT_BITS) << 6 | (p[3] & U8_CONT_BITS);
		if (cp < U8_MIN4 || cp > U_MAX)
			return false;
	}
	s->p += need;
	return true;
}

/* One escape at s->p ('\\'); a \u escape of a high surrogate takes its low one along. */
static bool escape_ok(struct scan *s, bool key)
{
	const unsigned char *p = s->p;
	int v, lo;

	if (s->end - p < 2)
		return false;
	if (p[1] && strchr("\"\\/bfnrt", p[1])) {
		s->p += 2;
		return true;
	}
	if (p[1] != 'u' || s->end - p < 6 || (v = hex4(p + 2)) < 0)
		return false;
	s->p += 6;
	if (v >= SURR_LO && v <= SURR_LO_END)
		return false;
	if (v >= SURR_HI && v <= SURR_HI_END) {
		p = s->p;
		if (s->end - p < 6 || p[0] != '\\' || p[1] != 'u')
			return false;
		lo = hex4(p + 2);
		if (lo < SURR_LO || lo > SURR_LO_END)
			return false;
		s->p += 6;
	}
	return !(key && v == 0);        /* jansson refuses a NUL in a key */
}

/* A string at s->p (its opening quote); s->p ends past its closing quote. */
static bool scan_string(struct scan *s, bool key)
{
	s->p++;
	for (;;) {
		while (s->p < s->end && !str_class[*s->p])
			s->p++;
		if (s->p >= s->end)
			return false;
		switch (str_class[*s->p]) {
		case CC_QUOTE:
			s->p++;
			return true;
		case CC_ESCAPE:
			if (!escape_ok(s, key))
				return false;
			break;
		case CC_UTF8:
			if (!utf8_ok(s))
				return false;
			break;
		default:
			return false;   /* a raw control character */
		}
	}
}

static bool int_fits(const unsigned char *p, size_t n)
{
	bool neg = *p == '-';
	size_t nd = n - neg;

	if (nd != INT64_DIGITS)
		return nd < INT64_DIGITS;
	return memcmp(p + neg, neg ? "9223372036854775808" : "9223372036854775807",
		      INT64_DIGITS) <= 0;
}

static long read_exponent(const unsigned char *p, const unsigned char *end)
{
	bool neg = false;
	long e = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (; p < end; p++)
		if (e < REAL_EXP_SAT)
			e = e * 10 + (*p - '0');
	return neg ? -e : e;
}

/* Would strtod() overflow on this real (as jansson asks it to)? Its significant digits are
 * written as 0.DIGITS e E, a sticky 1 standing for the ones beyond REAL_KEEP. */
static bool real_overflows(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;
	char buf[REAL_KEEP + 32];
	size_t nd = 0;
	long point = 0;         /* value = 0.DIGITS * 10^(point + exponent) */
	bool frac = false, any = false, sticky = false;

	if (*p == '-')
		p++;
	for (; p < end && (is_digit(*p) || *p == '.'); p++) {
		if (*p == '.') {
			frac = true;
			continue;
		}
		if (!any && *p == '0') {
			point -= frac;
			continue;
		}
		any = true;
		point += !frac;
		if (nd < REAL_KEEP)
			buf[2 + nd++] = (char)*p;
		else if (*p != '0')
			sticky = true;
	}
	if (!any)
		return false;
	point += p < end ? read_exponent(p + 1, end) : 0;
	if (point != REAL_EXP_EDGE)
		return point > REAL_EXP_EDGE;
	buf[0] = '0';
	buf[1] = '.';
	if (sticky)
		buf[2 + nd++] = '1';
	memcpy(buf + 2 + nd, "e309", sizeof("e309"));
	return isinf(strtod(buf, NULL));
}

static bool scan_number(struct scan *s)
{
	const unsigned char *p = s->p, *start = p, *end = s->end;
	bool real = false;

	if (*p == '-')
		p++;
	if (p >= end || !is_digit(*p))
		return false;
	if (*p++ != '0')
		while (p < end && is_digit(*p))
			p++;
	else if (p < end && is_digit(*p))
		return false;           /* a leading zero */
	if (p < end && *p == '.') {
		if (++p >= end || !is_digit(*p))
			return false;
		while (p < end && is_digit(*p))
			p++;
		real = true;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			return false;
		while (p < end && is_digit(*p))
			p++;
		real = true;
	}
	s->p = p;
	return real ? !real_overflows(start, (size_t)(p - start)) : int_fits(start,
									   (size_t)(p - start));
}

static bool scan_literal(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n))
		return false;
	s->p += n;
	return true;
}

static void push(struct scan *s, bool obj)
{
	uint64_t bit = 1ull << (s->nest % BITS_PER_WORD);

	if (obj)
		s->is_obj[s->nest / BITS_PER_WORD] |= bit;
	else
		s->is_obj[s->nest / BITS_PER_WORD] &= ~bit;
	s->nest++;
}

static bool top_is_obj(const struct scan *s)
{
	unsigned int i = s->nest - 1;

	return s->is_obj[i / BITS_PER_WORD] >> (i % BITS_PER_WORD) & 1;
}

/* A scalar value at s->p. */
static bool scan_scalar(struct scan *s)
{
	switch (*s->p) {
	case '"':
		return scan_string(s, false);
	case 't':
		return scan_literal(s, "true", 4);
	case 'f':
		return scan_literal(s, "false", 5);
	case 'n':
		return scan_literal(s, "null", 4);
	default:
		return scan_number(s);
	}
}

/* The container at s->p and everything in it; s->p ends past its closing bracket. */
static bool scan_container(struct scan *s)
{
value:
	if (s->nest + 1 > MW_JSON_DEPTH_MAX || s->p >= s->end)
		return false;
	if (*s->p == '{' || *s->p == '[') {
		push(s, *s->p == '{');
		s->p++;
		skip_ws(s);
		if (s->p < s->end && *s->p == (top_is_obj(s) ? '}' : ']')) {
			s->p++;
			s->nest--;
			goto after;
		}
		if (top_is_obj(s))
			goto key;
		goto value;
	}
	if (!scan_scalar(s))
		return false;
	goto after;
key:
	if (s->p >= s->end || *s->p != '"' || !scan_string(s, true))
		return false;
	skip_ws(s);
	if (s->p >= s->end || *s->p != ':')
		return false;
	s->p++;
	skip_ws(s);
	goto value;
after:
	if (!s->nest)
		return true;
	skip_ws(s);
	if (s->p >= s->end)
		return false;
	if (*s->p == ',') {
		s->p++;
		skip_ws(s);
		if (top_is_obj(s))
			goto key;
		goto value;
	}
	if (*s->p != (top_is_obj(s) ? '}' : ']'))
		return false;
	s->p++;
	s->nest--;
	goto after;
}

int jscan_validate(const char *p, size_t n, struct jscan_val *root)
{
	struct scan s;
	const unsigned char *start;

	s.p = (const unsigned char *)p;
	s.end = s.p + n;
	s.nest = 0;
	skip_ws(&s);
	if (s.p == s.end || (*s.p != '{' && *s.p != '['))
		return -EINVAL;
	start = s.p;
	if (!scan_container(&s))
		return -EINVAL;
	root->type = *start == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
	root->p = (const char *)start;
	root->n = (size_t)(s.p - start);
	skip_ws(&s);
	return s.p == s.end ? 0 : -EINVAL;
}
