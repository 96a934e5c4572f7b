/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* jscan's own: what validation (jscan.c) and reading (jscan_get.c) share. */
#ifndef MW_JSCAN_INT_H
#define MW_JSCAN_INT_H

#include <stdbool.h>
#include <stdint.h>

/* UTF-8 lead bytes and code point limits */
enum {
	U8_LEAD2_MIN = 0xc2, U8_LEAD3_MIN = 0xe0, U8_LEAD4_MIN = 0xf0, U8_LEAD4_MAX = 0xf4,
	U8_CONT_MASK = 0xc0, U8_CONT = 0x80, U8_CONT_BITS = 0x3f,
	U8_MIN3 = 0x800, U8_MIN4 = 0x10000, U_MAX = 0x10ffff,
	SURR_HI = 0xd800, SURR_HI_END = 0xdbff, SURR_LO = 0xdc00, SURR_LO_END = 0xdfff,
	U8_MAX1 = 0x7f, U8_MAX2 = 0x7ff, U8_MAX3 = 0xffff,
};

static inline bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int hex_digit(unsigned char c)
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
static inline int hex4(const unsigned char *p)
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

#endif /* MW_JSCAN_INT_H */
