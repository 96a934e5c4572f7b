/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * jsonshort: long JSON string values shortened (the default payload mode). A string value
 * whose decoded length exceeds `over` bytes becomes its first `keep` decoded bytes (cut on a
 * character boundary) followed by "...[LEN bytes]", LEN being its full decoded length. Object
 * keys are never shortened.
 *
 * Two ways to the same result: on a parsed tree (jsonshort_tree), and on the JSON text before
 * it is parsed (jsonshort_text), which spares the parser the long strings: a 1 MiB base64
 * image in a tool result is scanned at memory speed instead of being decoded into a tree only
 * to be cut. Parsing jsonshort_text's output gives what jsonshort_tree gives on the parsed
 * input (and fails where parsing the input fails); only the counts differ when an object
 * repeats a key, since the parser keeps the last value and the text had both.
 */
#ifndef MW_JSONSHORT_H
#define MW_JSONSHORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jsonshort_stats {
	uint64_t strings;       /* strings shortened */
	uint64_t bytes;         /* decoded bytes removed */
};

/* Does v hold a string value longer than over? */
bool jsonshort_needed(const json_t *v, size_t over);

/* A copy of v with its long strings shortened (new reference; NULL on allocation failure). */
json_t *jsonshort_tree(const json_t *v, size_t over, size_t keep, struct jsonshort_stats *st);

enum jsonshort_result {
	JSONSHORT_NONE = 0,     /* nothing to shorten: use the input as it is */
	JSONSHORT_DONE,         /* *out (malloc'd, *out_n bytes) holds the shortened text */
	JSONSHORT_UNSURE,       /* not scanned to the end (malformed, invalid UTF-8, too deep,
				 * out of memory): parse the input as it is */
};

/* The text in[0..n) with its long string values shortened, for a JSON object (a single
 * message; arrays and scalars are left alone: JSONSHORT_NONE). */
enum jsonshort_result jsonshort_text(const char *in, size_t n, size_t over, size_t keep,
				     char **out, size_t *out_n, struct jsonshort_stats *st);

#endif /* MW_JSONSHORT_H */
