// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/jline.c: JSON lines built as text, checked by parsing them with jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "jline.h"
#include "unit.h"

#define RANDOM_ROUNDS 20000
#define RANDOM_MAX    64
#define LONG_VALUE    (3 * JLINE_SMALL)

/* The finished line parsed back (NULL when it is not one JSON object followed by '\n'). */
static json_t *finish(struct jline *l)
{
	size_t n = 0;
	const char *t = jline_end(l, &n);

	if (!t || n < 2 || t[n - 1] != '\n' || memchr(t, '\n', n - 1))
		return NULL;
	return json_loadb(t, n - 1, JSON_ALLOW_NUL, NULL);
}

static void test_members(void)
{
	struct jline l;
	json_t *j, *o;

	jline_init(&l);
	jline_str(&l, "event", "mcp.message");
	jline_str(&l, "absent", NULL);
	jline_int(&l, "neg", -42);
	jline_int(&l, "zero", 0);
	jline_int(&l, "min", INT64_MIN);
	jline_int(&l, "max", INT64_MAX);
	jline_uint(&l, "big", 1ull << 62);
	jline_bool(&l, "t", true);
	jline_bool(&l, "f", false);
	jline_raw(&l, "msg", "{\"jsonrpc\":\"2.0\",\"id\":\"a\\u0041\"}", 32);
	jline_open(&l, "error");
	jline_int(&l, "code", -32601);
	jline_open(&l, "inner");
	jline_close(&l);
	jline_close(&l);
	jline_json(&l, "none", NULL);
	o = json_pack("{s:s, s:[i, i]}", "k", "v", "a", 1, 2);
	jline_json(&l, "tree", o);
	json_decref(o);
	jline_str(&l, "last", "x");
	j = finish(&l);
	CHECK(j != NULL);
	if (!j)
		goto out;
	CHECK_STR(json_string_value(json_object_get(j, "event")), "mcp.message");
	CHECK(!json_object_get(j, "absent"));
	CHECK_EQ(json_integer_value(json_object_get(j, "neg")), -42);
	CHECK_EQ(json_integer_value(json_object_get(j, "zero")), 0);
	CHECK_EQ(json_integer_value(json_object_get(j, "min")), INT64_MIN);
	CHECK_EQ(json_integer_value(json_object_get(j, "max")), INT64_MAX);
	CHECK_EQ(json_integer_value(json_object_get(j, "big")), 1ull << 62);
	CHECK(json_is_true(json_object_get(j, "t")));
	CHECK(json_is_false(json_object_get(j, "f")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "msg"), "id")), "aA");
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(j, "error"), "code")), -32601);
	CHECK(json_is_object(json_object_get(json_object_get(j, "error"), "inner")));
	CHECK(json_is_null(json_object_get(j, "none")));
	CHECK_EQ(json_array_size(json_object_get(json_object_get(j, "tree"), "a")), 2);
	CHECK_STR(json_string_value(json_object_get(j, "last")), "x");
	CHECK_EQ(json_object_size(j), 13);
	json_decref(j);
out:
	jline_release(&l);
}

static void test_empty_object(void)
{
	struct jline l;
	size_t n = 0;
	const char *t;

	jline_init(&l);
	t = jline_end(&l, &n);
	CHECK_MEM(t, n, "{}\n", 3);
	jline_release(&l);
}

/* A string member written and read back. */
static void check_str(const char *in, size_t in_n, const char *want, size_t want_n, int line)
{
	struct jline l;
	json_t *j, *v;

	jline_init(&l);
	jline_strn(&l, "s", in, in_n);
	j = finish(&l);
	v = json_object_get(j, "s");
	if (!j || !json_is_string(v) || json_string_length(v) != want_n ||
	    memcmp(json_string_value(v), want, want_n))
		unit_fail(__FILE__, line, "string of %zu bytes not read back as expected", in_n);
	json_decref(j);
	jline_release(&l);
}

#define STR(in, want) check_str(in, sizeof(in) - 1, want, sizeof(want) - 1, __LINE__)
#define FFFD "\xef\xbf\xbd"

static void test_escapes(void)
{
	STR("plain", "plain");
	STR("", "");
	STR("q\"b\\s/", "q\"b\\s/");
	STR("\n\r\t\b\f", "\n\r\t\b\f");
	STR("\x01\x1f\x7f", "\x01\x1f\x7f");
	STR("nul\0inside", "nul\0inside");
	STR("caf\xc3\xa9 \xe6\x9c\x8d \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe6\x9c\x8d \xf0\x9f\x98\x80");
	STR("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");                 /* U+10FFFF */
}

static void test_not_utf8(void)
{
	STR("arg-\xff\xe9-end", "arg-" FFFD FFFD "-end");
	STR("\x80", FFFD);                              /* a lone continuation byte */
	STR("\xc0\x80", FFFD FFFD);                     /* overlong NUL */
	STR("\xe0\x80\x80", FFFD FFFD FFFD);            /* overlong */
	STR("\xed\xa0\x80", FFFD FFFD FFFD);            /* a UTF-16 surrogate */
	STR("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);   /* past U+10FFFF */
	STR("\xf5", FFFD);
	STR("cut \xe6\x9c", "cut " FFFD FFFD);           /* comm cut by the kernel mid-character */
	STR("\xc3\xa9\xc3", "\xc3\xa9" FFFD);
}

static void test_lossy(void)
{
	json_t *a = jline_lossy("ok \xc3\xa9", 5), *b = jline_lossy("x\xffy", 3);

	CHECK_STR(json_string_value(a), "ok \xc3\xa9");
	CHECK_STR(json_string_value(b), "x" FFFD "y");
	json_decref(a);
	json_decref(b);
	CHECK_EQ(jline_utf8_valid("ab\xc3\xa9\xff", 5), 4);
	CHECK_EQ(jline_utf8_valid("ab\xe6\x9c", 4), 2);
	CHECK_EQ(jline_utf8_valid("", 0), 0);
}

/* Reals as the jansson-built records write them (JSON_REAL_PRECISION(9)). */
static void check_real(double v, int line)
{
	size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(JLINE_PRECISION);
	json_t *want = json_pack("{s:f}", "r", v);
	char *w = json_dumps(want, flags);
	struct jline l;
	size_t n = 0;
	const char *t;

	jline_init(&l);
	jline_real(&l, "r", v);
	t = jline_end(&l, &n);
	if (!t || !w || n != strlen(w) + 1 || memcmp(t, w, n - 1))
		unit_fail(__FILE__, line, "real %g: \"%.*s\", jansson \"%s\"", v, (int)n, t ? t : "",
			  w ? w : "");
	free(w);
	json_decref(want);
	jline_release(&l);
}

static void test_reals(void)
{
	const double vs[] = { 0.0, 1.5, 2.0, 0.000012, 123456.789012, 1e21, 0.123456789123,
			      -3.25, 250.0, 1e-300, 5e300 };

	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++)
		check_real(vs[i], __LINE__);
}

/* Durations in ms from ns: exact, the value a parser reads back is ns / 1e6. */
static void test_ms(void)
{
	const struct { uint64_t ns; const char *text; } cases[] = {
		{ 0, "0.0" }, { 1, "0.000001" }, { 999999, "0.999999" }, { 1000000, "1.0" },
		{ 12199308, "12.199308" }, { 3500000, "3.5" }, { 250000000, "250.0" },
		{ 1234567891234ull, "1234567.891234" }, { UINT64_MAX, "18446744073709.551615" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];
		struct jline l;
		const char *t;
		size_t n = 0;
		json_t *back;

		jline_init(&l);
		jline_ms(&l, "ms", cases[i].ns);
		t = jline_end(&l, &n);
		snprintf(want, sizeof(want), "{\"ms\":%s}\n", cases[i].text);
		CHECK(t != NULL);
		if (t) {
			CHECK_MEM(t, n, want, strlen(want));
			back = json_loadb(t, n, 0, NULL);
			CHECK(back && json_is_real(json_object_get(back, "ms")));
			if (back && cases[i].ns < (1ull << 40))
				CHECK(fabs(json_real_value(json_object_get(back, "ms")) * 1e6 -
					   (double)cases[i].ns) < 0.5);
			json_decref(back);
		}
		jline_release(&l);
	}
}

static void test_long_line(void)
{
	char *big = malloc(LONG_VALUE);
	struct jline l;
	json_t *j, *tree;

	if (!big)
		return;
	for (size_t i = 0; i < LONG_VALUE; i++)
		big[i] = (char)('a' + i % 26);
	jline_init(&l);
	jline_str(&l, "first", "x");
	jline_strn(&l, "big", big, LONG_VALUE);
	tree = json_pack("{s:s%}", "t", big, (size_t)LONG_VALUE);
	jline_json(&l, "tree", tree);          /* does not fit in the room left: dumped again */
	jline_raw(&l, "raw", "[1,2]", 5);
	j = finish(&l);
	CHECK(j != NULL);
	CHECK_EQ(json_string_length(json_object_get(j, "big")), LONG_VALUE);
	CHECK(!memcmp(json_string_value(json_object_get(j, "big")), big, LONG_VALUE));
	CHECK_EQ(json_string_length(json_object_get(json_object_get(j, "tree"), "t")), LONG_VALUE);
	CHECK_EQ(json_array_size(json_object_get(j, "raw")), 2);
	json_decref(tree);
	json_decref(j);
	jline_release(&l);
	free(big);
}

/* Random bytes always make a valid line; when they are UTF-8, they come back unchanged. */
static void test_random_bytes(void)
{
	unsigned int seed = 7;
	char in[RANDOM_MAX];

	for (int r = 0; r < RANDOM_ROUNDS && !unit_failures(); r++) {
		size_t n = (size_t)rand_r(&seed) % RANDOM_MAX;
		struct jline l;
		json_t *j, *v;

		for (size_t i = 0; i < n; i++)
			in[i] = (char)(r % 2 ? rand_r(&seed) : rand_r(&seed) % 0x80);
		jline_init(&l);
		jline_strn(&l, "s", in, n);
		j = finish(&l);
		v = json_object_get(j, "s");
		CHECK(json_is_string(v));
		if (json_is_string(v) && jline_utf8_valid(in, n) == n)
			CHECK_MEM(json_string_value(v), json_string_length(v), in, n);
		json_decref(j);
		jline_release(&l);
	}
}

UNIT_MAIN(UNIT_TEST(test_members),
	  UNIT_TEST(test_empty_object),
	  UNIT_TEST(test_escapes),
	  UNIT_TEST(test_not_utf8),
	  UNIT_TEST(test_lossy),
	  UNIT_TEST(test_reals),
		UNIT_TEST(test_ms),
	  UNIT_TEST(test_long_line),
	  UNIT_TEST(test_random_bytes))
