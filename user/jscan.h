/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * jscan: a strict, allocation-free JSON scanner. It validates one JSON text (RFC 8259) and
 * then finds members and elements in it as spans of the text, without building a tree.
 *
 * It accepts exactly what jansson's json_loadb(JSON_ALLOW_NUL) accepts, so that a message
 * decoded through it means what it meant when it was parsed into a tree (tests/fuzz/fuzz_jscan.c
 * checks this differentially): an object or an array at the top with whitespace (space, tab,
 * CR, LF) around it; strict UTF-8 (no overlong forms, no encoded surrogates, nothing past
 * U+10FFFF); no raw control characters in strings; escapes \" \\ \/ \b \f \n \r \t \uXXXX with
 * surrogates only in high-low pairs; \u0000 in string values but not in object keys; integers
 * that fit int64_t; reals that do not overflow a double; values nested at most
 * MW_JSON_DEPTH_MAX deep. Duplicate keys are allowed and the last one wins, as in jansson.
 * One deliberate difference: a raw NUL byte is refused everywhere, where jansson skips one
 * right after a number or a literal ("[1\0]": its lexer reads the byte ahead and loses it
 * when putting it back); a line accepted here is always valid JSON to embed as it is.
 * Validation is jscan.c, reading the validated text jscan_get.c. Pure: no I/O, no globals, no
 * allocation.
 */
#ifndef MW_JSCAN_H
#define MW_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jscan_type {
	JSCAN_NONE = 0,         /* absent */
	JSCAN_OBJECT,
	JSCAN_ARRAY,
	JSCAN_STRING,
	JSCAN_INTEGER,
	JSCAN_REAL,
	JSCAN_TRUE,
	JSCAN_FALSE,
	JSCAN_NULL,
};

/* A value: a span of a validated text. */
struct jscan_val {
	enum jscan_type type;
	const char *p;          /* its first byte ('{', '[', '"', ...) */
	size_t n;               /* its bytes, quotes and brackets included */
};

/* Validate p[0..n): 0 and *root set when it is one JSON object or array (whitespace around
 * it allowed), -EINVAL when it is not. */
int jscan_validate(const char *p, size_t n, struct jscan_val *root);

/* The members of a validated object named keys[0..k), in one pass: out[i] is the value of
 * the last member named keys[i] (keys compared after unescaping), type JSCAN_NONE when there
 * is none or obj is not an object. */
void jscan_members(const struct jscan_val *obj, const char *const *keys, size_t k,
		   struct jscan_val *out);

/* Iterate a validated array: *pos starts at 0; false when there is no further element. */
bool jscan_next(const struct jscan_val *arr, size_t *pos, struct jscan_val *elem);

/* Elements of a validated array (0 when it is not an array). */
size_t jscan_count(const struct jscan_val *arr);

/* A string value unescaped into buf (NUL-terminated, its first size-1 bytes when longer):
 * returns its full unescaped length (it may hold NUL bytes). size must not be 0. */
size_t jscan_string(const struct jscan_val *s, char *buf, size_t size);

/* An integer value: 0 and *out, or -EINVAL when v is not an integer. */
int jscan_integer(const struct jscan_val *v, int64_t *out);

/* Copy a validated text without its insignificant whitespace into out (room for n bytes):
 * returns the bytes written. */
size_t jscan_compact(const char *p, size_t n, char *out);

#endif /* MW_JSCAN_H */
