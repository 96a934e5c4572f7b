/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fuzz_split: how the fuzz targets cut one input into pieces. The input starts with a header:
 * one byte n (taken modulo FUZZ_CUTS_MAX + 1), then n cuts of two bytes each; the rest is the
 * payload. A cut's first byte holds two flags (FUZZ_CUT_SIDE: the other direction,
 * FUZZ_CUT_ALT: a target-defined variation) and the high bits of the piece's length, its second
 * byte the low bits. The pieces are taken from the payload in order; what is left after the
 * last cut is one more piece, on the side opposite to the last cut's (side 0 when there are no
 * cuts). A cut longer than what is left takes what is left.
 */
#ifndef MW_FUZZ_SPLIT_H
#define MW_FUZZ_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FUZZ_CUTS_MAX   16u
#define FUZZ_CUT_BYTES  2u
#define FUZZ_CUT_SIDE   0x80u
#define FUZZ_CUT_ALT    0x40u
#define FUZZ_CUT_HIGH   0x3fu

struct fuzz_piece {
	const uint8_t *data;
	size_t len;
	int side;               /* 0 or 1 */
	bool alt;
};

struct fuzz_split {
	const uint8_t *cuts;    /* FUZZ_CUT_BYTES per cut */
	unsigned int ncuts, next;
	const uint8_t *rest;
	size_t left;
	int last_side;
	bool done;
};

static inline void fuzz_split_init(struct fuzz_split *s, const uint8_t *in, size_t len)
{
	unsigned int n = len ? in[0] % (FUZZ_CUTS_MAX + 1) : 0;
	size_t head = 1 + (size_t)n * FUZZ_CUT_BYTES;

	*s = (struct fuzz_split){ .last_side = 1 };
	if (len < head) {       /* too short for its header: all payload, no cuts */
		s->rest = in;
		s->left = len;
		return;
	}
	s->cuts = in + 1;
	s->ncuts = n;
	s->rest = in + head;
	s->left = len - head;
}

/* The next piece; false when the input is used up. */
static inline bool fuzz_split_next(struct fuzz_split *s, struct fuzz_piece *p)
{
	const uint8_t *c;
	size_t want;

	if (s->done)
		return false;
	if (s->next == s->ncuts) {
		s->done = true;
		*p = (struct fuzz_piece){ .data = s->rest, .len = s->left, .side = !s->last_side };
		return s->left > 0;
	}
	c = s->cuts + (size_t)s->next++ * FUZZ_CUT_BYTES;
	want = ((size_t)(c[0] & FUZZ_CUT_HIGH) << 8) | c[1];
	*p = (struct fuzz_piece){
		.data = s->rest, .len = want < s->left ? want : s->left,
		.side = !!(c[0] & FUZZ_CUT_SIDE), .alt = !!(c[0] & FUZZ_CUT_ALT),
	};
	s->last_side = p->side;
	s->rest += p->len;
	s->left -= p->len;
	return true;
}

#endif
