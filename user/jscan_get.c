// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * jscan_get: reading a text jscan_validate() accepted: members, elements and values are found
 * by skipping values without checking them again.
 */
#include <errno.h>
#include <string.h>

#include "jscan.h"
#include "jscan_int.h"

#define KEY_MAX         128u            /* unescaped key bytes compared by jscan_members */

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
