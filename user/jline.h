/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * jline: one JSON object built as text, member by member, in the order written. Strings are
 * escaped as JSON requires, and any bytes that are not UTF-8 become U+FFFD, so a name or a
 * path cut by the kernel in the middle of a character still gives a valid line. JSON texts
 * already checked (a message validated by jscan, a cached process object) are copied as they
 * are. The hot path of the collector (one mcp.message line per message) builds no jansson
 * tree. Pure: no I/O, no globals.
 */
#ifndef MW_JLINE_H
#define MW_JLINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JLINE_SMALL 4096        /* lines up to this long need no allocation */
#define JLINE_PRECISION 9       /* significant digits of reals, as the jansson-built records */
#define JLINE_NS_PER_MS 1000000u
#define JLINE_MS_DECIMALS 6     /* digits of a millisecond down to the ns */

struct jline {
	char *p;                /* small, or a heap buffer once the line outgrew it */
	size_t n;
	size_t cap;
	bool oom;               /* an allocation failed: the line is lost (jline_end says so) */
	bool comma;             /* the next member needs a ',' before it */
	char small[JLINE_SMALL];
};

/* Start an object: the line is "{". */
void jline_init(struct jline *j);
void jline_release(struct jline *j);

/* Members. Keys are plain names (nothing in them to escape). A NULL string adds nothing. */
void jline_str(struct jline *j, const char *key, const char *s);
void jline_strn(struct jline *j, const char *key, const char *s, size_t n);
void jline_int(struct jline *j, const char *key, int64_t v);
void jline_uint(struct jline *j, const char *key, uint64_t v);
/* A finite real, as jansson writes it with JLINE_PRECISION digits ("1.5", "2.0", "1e-05"). */
void jline_real(struct jline *j, const char *key, double v);
/* A duration given in ns, written in milliseconds, exactly: "12.199308", "3.5", "250.0". */
void jline_ms(struct jline *j, const char *key, uint64_t ns);
void jline_bool(struct jline *j, const char *key, bool v);
/* A JSON text copied as it is (the caller vouches that it is one value). */
void jline_raw(struct jline *j, const char *key, const char *text, size_t n);
/* A jansson value, dumped compact (NULL: null). */
void jline_json(struct jline *j, const char *key, const json_t *v);
/* A nested object: members written until jline_close belong to it. */
void jline_open(struct jline *j, const char *key);
void jline_close(struct jline *j);

/* Close the object and end the line with '\n': the text and its length, or NULL when memory
 * ran out while building it. Valid until jline_release. */
const char *jline_end(struct jline *j, size_t *n);

/* A JSON string of s (n bytes), every byte sequence that is not UTF-8 replaced by U+FFFD:
 * jansson refuses such text, and a record built from it would be lost. NULL: out of memory. */
json_t *jline_lossy(const char *s, size_t n);
/* The length of the longest prefix of s that is valid UTF-8. */
size_t jline_utf8_valid(const char *s, size_t n);

#endif
