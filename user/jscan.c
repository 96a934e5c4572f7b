// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * jscan: validation is one pass over the bytes with an explicit stack of the open containers
 * (one bit per level: object or array), so nesting costs no recursion. Lookups then walk the
 * validated text and skip values without checking them again.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "mcpwarden/limits.h"

#define BITS_PER_WORD   64u
#define INT64_DIGITS    19u             /* digits of INT64_MAX and of -INT64_MIN */
#define REAL_KEEP       400u            /* significant digits kept to judge overflow: more than
					 * the 309 of the exact halfway point above DBL_MAX */
#define REAL_EXP_EDGE   309             /* 0.d * 10^E: E < 309 fits a double, E > 309 overflows */
#define REAL_EXP_SAT    1000000L        /* exponents saturate here */
#define KEY_MAX         128u            /* unescaped key bytes compared by jscan_members */

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

/* UTF-8 lead bytes and code point limits */
enum {
	U8_LEAD2_MIN = 0xc2, U8_LEAD3_MIN = 0xe0, U8_LEAD4_MIN = 0xf0, U8_LEAD4_MAX = 0xf4,
	U8_CONT_MASK = 0xc0, U8_CONT = 0x80, U8_CONT_BITS = 0x3f,
	U8_MIN3 = 0x800, U8_MIN4 = 0x10000, U_MAX = 0x10ffff,
	SURR_HI = 0xd800, SURR_HI_END = 0xdbff, SURR_LO = 0xdc00, SURR_LO_END = 0xdfff,
	U8_MAX1 = 0x7f, U8_MAX2 = 0x7ff, U8_MAX3 = 0xffff,
};

struct scan {
	const unsigned char *p, *end;
	unsigned int nest;      /* containers open */
	uint64_t is_obj[MW_JSON_DEPTH_MAX / BITS_PER_WORD];
};

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && is_ws(*s->p))
		s->p++;
}

static int hex_digit(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p, or -1. */
static int hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
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

/* ---- lookups in validated text ---- */

static const char *ws_after(const char *p, const char *end)
{
	while (p < end && is_ws((unsigned char)*p))
		p++;
	return p;
}

/* Past the string whose opening quote is at p: the first quote not escaped, i.e. not after an
 * odd run of backslashes. */
static const char *skip_string(const char *p, const char *end)
{
	const char *start = p + 1, *q = start, *b;

	while ((q = memchr(q, '"', (size_t)(end - q)))) {
		for (b = q; b > start && b[-1] == '\\'; b--)
			;
		if (!((q - b) & 1))
			return q + 1;
		q++;
	}
	return end;
}

/* Bytes that end a number or a literal, and bytes that matter when skipping a container. */
enum { SK_NONE = 0, SK_END, SK_QUOTE, SK_OPEN, SK_CLOSE };

static const unsigned char skip_class[256] = {
	[','] = SK_END, [' '] = SK_END, ['\t'] = SK_END, ['\r'] = SK_END, ['\n'] = SK_END,
	['"'] = SK_QUOTE, ['{'] = SK_OPEN, ['['] = SK_OPEN, ['}'] = SK_CLOSE, [']'] = SK_CLOSE,
};

static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		while (p < end && skip_class[(unsigned char)*p] == SK_NONE)
			p++;
		return p;
	}
	do {
		switch (skip_class[(unsigned char)*p]) {
		case SK_QUOTE:
			p = skip_string(p, end);
			continue;
		case SK_OPEN:
			depth++;
			break;
		case SK_CLOSE:
			depth--;
			break;
		default:
			break;
		}
		p++;
	} while (depth && p < end);
	return p;
}

static void set_val(struct jscan_val *v, const char *p, const char *end)
{
	v->p = p;
	v->n = (size_t)(end - p);
	switch (*p) {
	case '{': v->type = JSCAN_OBJECT; break;
	case '[': v->type = JSCAN_ARRAY; break;
	case '"': v->type = JSCAN_STRING; break;
	case 't': v->type = JSCAN_TRUE; break;
	case 'f': v->type = JSCAN_FALSE; break;
	case 'n': v->type = JSCAN_NULL; break;
	default:
		v->type = memchr(p, '.', v->n) || memchr(p, 'e', v->n) || memchr(p, 'E', v->n) ?
			  JSCAN_REAL : JSCAN_INTEGER;
	}
}

/* Which of keys[] the key whose raw text (between its quotes) is p[0..n) names, or -1. */
static int key_index(const char *p, size_t n, const char *const *keys, size_t k)
{
	char buf[KEY_MAX];
	struct jscan_val v = { JSCAN_STRING, p - 1, n + 2 };

	if (memchr(p, '\\', n)) {
		n = jscan_string(&v, buf, sizeof(buf));
		if (n >= sizeof(buf))
			return -1;
		p = buf;
	}
	for (size_t i = 0; i < k; i++) {
		if (n && keys[i][0] != *p)     /* most keys differ at once */
			continue;
		if (!strncmp(keys[i], p, n) && !keys[i][n])
			return (int)i;
	}
	return -1;
}

void jscan_members(const struct jscan_val *obj, const char *const *keys, size_t k,
		   struct jscan_val *out)
{
	const char *p, *end, *key, *v;
	int i;

	memset(out, 0, k * sizeof(*out));
	if (obj->type != JSCAN_OBJECT)
		return;
	end = obj->p + obj->n;
	p = ws_after(obj->p + 1, end);
	while (p < end && *p == '"') {
		key = p;
		p = skip_string(p, end);
		i = key_index(key + 1, (size_t)(p - key - 2), keys, k);
		p = ws_after(p, end);
		v = ws_after(p + 1, end);       /* past the ':' */
		p = skip_value(v, end);
		if (i >= 0)
			set_val(&out[i], v, p);
		p = ws_after(p, end);
		if (p >= end || *p != ',')
			break;
		p = ws_after(p + 1, end);
	}
}

bool jscan_next(const struct jscan_val *arr, size_t *pos, struct jscan_val *elem)
{
	const char *end, *p, *q;

	if (arr->type != JSCAN_ARRAY)
		return false;
	end = arr->p + arr->n;
	if (!*pos) {
		p = ws_after(arr->p + 1, end);
	} else {
		p = ws_after(arr->p + *pos, end);
		if (p >= end || *p != ',')
			return false;
		p = ws_after(p + 1, end);
	}
	if (p >= end || *p == ']')
		return false;
	q = skip_value(p, end);
	set_val(elem, p, q);
	*pos = (size_t)(q - arr->p);
	return true;
}

size_t jscan_count(const struct jscan_val *arr)
{
	struct jscan_val e;
	size_t pos = 0, n = 0;

	while (jscan_next(arr, &pos, &e))
		n++;
	return n;
}

/* ---- values ---- */

static size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp <= U8_MAX1) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp <= U8_MAX2) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(U8_CONT | (cp & U8_CONT_BITS));
		return 2;
	}
	if (cp <= U8_MAX3) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(U8_CONT | (cp >> 6 & U8_CONT_BITS));
		out[2] = (char)(U8_CONT | (cp & U8_CONT_BITS));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(U8_CONT | (cp >> 12 & U8_CONT_BITS));
	out[2] = (char)(U8_CONT | (cp >> 6 & U8_CONT_BITS));
	out[3] = (char)(U8_CONT | (cp & U8_CONT_BITS));
	return 4;
}

/* The escape at p ('\\'): its bytes in out, *p moved past it. */
static size_t unescape(const unsigned char **p, char out[4])
{
	const unsigned char *q = *p;
	uint32_t cp;

	*p += 2;
	switch (q[1]) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = (char)q[1]; return 1;
	}
	cp = (uint32_t)hex4(q + 2);
	*p += 4;
	if (cp >= SURR_HI && cp <= SURR_HI_END) {
		cp = U8_MIN4 + ((cp - SURR_HI) << 10) + ((uint32_t)hex4(q + 8) - SURR_LO);
		*p += 6;
	}
	return utf8_encode(cp, out);
}

static void put(char *buf, size_t size, size_t *len, const char *src, size_t n)
{
	if (*len < size - 1)
		memcpy(buf + *len, src, n < size - 1 - *len ? n : size - 1 - *len);
	*len += n;
}

size_t jscan_string(const struct jscan_val *s, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)s->p + 1;
	const unsigned char *end = (const unsigned char *)s->p + s->n - 1, *esc;
	size_t len = 0;
	char u[4];

	while (p < end) {
		esc = memchr(p, '\\', (size_t)(end - p));
		if (!esc)
			esc = end;
		put(buf, size, &len, (const char *)p, (size_t)(esc - p));
		p = esc;
		if (p < end)
			put(buf, size, &len, u, unescape(&p, u));
	}
	buf[len < size - 1 ? len : size - 1] = '\0';
	return len;
}

int jscan_integer(const struct jscan_val *v, int64_t *out)
{
	const char *p = v->p, *end;
	bool neg;
	uint64_t u = 0;

	if (v->type != JSCAN_INTEGER)
		return -EINVAL;
	end = p + v->n;
	neg = *p == '-';
	for (p += neg; p < end; p++)
		u = u * 10 + (uint64_t)(*p - '0');
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

size_t jscan_compact(const char *p, size_t n, char *out)
{
	bool in = false;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (in) {
			out[o++] = c;
			if (c == '\\' && i + 1 < n)
				out[o++] = p[++i];
			else if (c == '"')
				in = false;
		} else if (!is_ws((unsigned char)c)) {
			in = c == '"';
			out[o++] = c;
		}
	}
	return o;
}
