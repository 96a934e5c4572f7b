// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/jscan.c: every accept/reject edge, checked against jansson too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jscan.h"
#include "mcpwarden/limits.h"
#include "unit.h"

/* jscan's verdict on text (n bytes), which must be jansson's. */
static bool accepts(const char *text, size_t n)
{
	json_t *t = json_loadb(text, n, JSON_ALLOW_NUL, NULL);
	struct jscan_val root;
	bool ok = jscan_validate(text, n, &root) == 0;

	if (ok != (t != NULL))
		printf("    jscan %s, jansson %s: %.*s\n", ok ? "accepts" : "refuses",
		       t ? "accepts" : "refuses", (int)(n < 80 ? n : 80), text);
	CHECK_EQ(ok, t != NULL);
	json_decref(t);
	return ok;
}

#define ACCEPT(s) CHECK(accepts(s, sizeof(s) - 1))
#define REJECT(s) CHECK(!accepts(s, sizeof(s) - 1))

static void test_structure(void)
{
	ACCEPT("{}");
	ACCEPT("[]");
	ACCEPT(" \t\r\n{ \"a\" : [ 1 , { } , [ ] ] }\r\n ");
	ACCEPT("{\"a\":1,\"a\":2}");               /* duplicates: allowed, last wins */
	REJECT("");
	REJECT("   ");
	REJECT("1");                               /* a scalar at the top */
	REJECT("\"s\"");
	REJECT("null");
	REJECT("{");
	REJECT("{\"a\"}");
	REJECT("{\"a\":}");
	REJECT("{\"a\" 1}");
	REJECT("{\"a\":1,}");
	REJECT("[1,]");
	REJECT("[,1]");
	REJECT("[1 2]");
	REJECT("{1:2}");
	REJECT("{'a':1}");
	REJECT("{}{}");
	REJECT("{} x");
	REJECT("[1]]");
	REJECT("{\"a\":1]");
	REJECT("[1}");
	REJECT("\xef\xbb\xbf{}");                  /* a byte order mark */
	REJECT("{}\v");                            /* only space, tab, CR and LF are whitespace */
	REJECT("{}\f");
	CHECK(!accepts("{}\0", 3));                /* a NUL after the text */
	CHECK(!accepts("[\0]", 3));
}

/* A raw NUL right after a number or a literal: jansson skips it, jscan refuses it. */
static void test_nul_after_token(void)
{
	static const struct { const char *s; size_t n; } cases[] = {
		{ "[1\0]", 4 }, { "[true\0]", 7 }, { "{\"a\":null\0}", 11 }, { "[-1.5e3\0,2]", 11 },
	};
	struct jscan_val root;
	json_t *t;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = json_loadb(cases[i].s, cases[i].n, JSON_ALLOW_NUL, NULL);
		CHECK(t != NULL);       /* the jansson quirk this documents */
		json_decref(t);
		CHECK_EQ(jscan_validate(cases[i].s, cases[i].n, &root), -EINVAL);
	}
}

static void test_literals_and_numbers(void)
{
	ACCEPT("[true,false,null]");
	REJECT("[tru]");
	REJECT("[True]");
	REJECT("[nulll]");
	REJECT("[truefalse]");
	ACCEPT("[0,-0,1,-1,10,0.5,-0.5,1e5,1E5,1e+5,1e-5,1.5e-5,0e0]");
	REJECT("[01]");
	REJECT("[-01]");
	REJECT("[+1]");
	REJECT("[.5]");
	REJECT("[1.]");
	REJECT("[1.e5]");
	REJECT("[1e]");
	REJECT("[1e+]");
	REJECT("[-]");
	REJECT("[--1]");
	REJECT("[0x10]");
	REJECT("[1.5.3]");
	REJECT("[NaN]");
	REJECT("[Infinity]");
	/* integers: int64_t */
	ACCEPT("[9223372036854775807,-9223372036854775808]");
	REJECT("[9223372036854775808]");
	REJECT("[-9223372036854775809]");
	REJECT("[12345678901234567890]");
	/* reals: overflow refused, underflow accepted (as strtod reports them) */
	ACCEPT("[1.7976931348623157e308,1.7976931348623158e308]");
	REJECT("[1.7976931348623159e308]");
	REJECT("[1e309]");
	REJECT("[-1e400]");
	REJECT("[1e99999999999999999999]");
	ACCEPT("[1e-400,0e99999999999,0.0000e400]");
	ACCEPT("[179769313486231570000000000000000000000000000000000000000000000000000000000000"
	       "000000000000000000000000000000000000000000000000000000000000000000000000000000"
	       "000000000000000000000000000000000000000000000000000000000000000000000000000000"
	       "000000000000000000000000000000000000000000000000000000000000000000000000000.0]");
	ACCEPT("[0.00000000000000000000000000000000000000000000000000001797693134862315e361]");
	REJECT("[0.00000000000000000000000000000000000000000000000000001797693134862316e361]");
}

/* The halfway point between DBL_MAX and 2^1024 (exactly 309 digits) rounds up: it overflows,
 * and anything below it does not, however many digits say so. */
static void test_real_halfway(void)
{
	static const char half[] =
		"179769313486231580793728971405303415079934132710037826936173778980444968292764"
		"750946649017977587207096330286416692887910946555547851940402630657488671505820"
		"681908902000708383676273854845817711531764475730270069855571366959622842914819"
		"860834936475292719074168444365510704342711559699508093042880177904174497792"
		".0";
	char buf[sizeof(half) + 1024];
	int digits = (int)strlen(half) - 2;     /* without ".0" */

	snprintf(buf, sizeof(buf), "[%s]", half);
	CHECK(!accepts(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "[%.*s1.99999]", digits - 1, half);   /* a hair below */
	CHECK(accepts(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "[%.*s.00001]", digits, half);        /* a hair above */
	CHECK(!accepts(buf, strlen(buf)));
	/* above by a digit far past the 400 kept: the sticky digit still counts */
	snprintf(buf, sizeof(buf), "[%.*s.%0600d]", digits, half, 1);
	CHECK(!accepts(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "[%.*s1.%0600d]", digits - 1, half, 9);
	CHECK(accepts(buf, strlen(buf)));
}

static void test_strings(void)
{
	ACCEPT("[\"\",\"a\",\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
	ACCEPT("[\"\\u0041\\u00e9\\u20AC\\uFFFF\"]");
	ACCEPT("[\"\\ud83d\\ude00\"]");            /* a surrogate pair */
	ACCEPT("[\"\\u0000\"]");                   /* NUL in a value */
	ACCEPT("{\"a\":\"\\u0000\"}");
	REJECT("{\"\\u0000\":1}");                 /* but not in a key */
	REJECT("{\"a\\u0000b\":1}");
	REJECT("[\"\\ud83d\"]");                   /* a lone high surrogate */
	REJECT("[\"\\ud83dx\"]");
	REJECT("[\"\\ud83d\\n\"]");
	REJECT("[\"\\ud83d\\u0041\"]");            /* high then not low */
	REJECT("[\"\\ud83d\\ud83d\"]");
	REJECT("[\"\\ude00\"]");                   /* a lone low surrogate */
	REJECT("[\"\\ude00\\ud83d\"]");
	REJECT("[\"\\u12\"]");
	REJECT("[\"\\u12g4\"]");
	REJECT("[\"\\x41\"]");
	REJECT("[\"\\a\"]");
	REJECT("[\"\\U0041\"]");
	REJECT("[\"\\\"]");
	REJECT("[\"abc]");
	REJECT("[\"a\nb\"]");                      /* raw control characters */
	REJECT("[\"a\rb\"]");
	REJECT("[\"a\tb\"]");
	REJECT("[\"\x1f\"]");
	CHECK(!accepts("[\"\0\"]", 5));
	ACCEPT("[\"\x7f\"]");                      /* DEL is not a control character in JSON */
}

static void test_utf8(void)
{
	ACCEPT("[\"\xc2\x80\xdf\xbf\"]");                  /* 2 bytes, both ends */
	ACCEPT("[\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"]");
	ACCEPT("[\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"]");  /* U+10000, U+10FFFF */
	REJECT("[\"\x80\"]");                              /* a stray continuation */
	REJECT("[\"\xbf\"]");
	REJECT("[\"\xc0\x80\"]");                          /* overlong NUL */
	REJECT("[\"\xc1\xbf\"]");
	REJECT("[\"\xe0\x9f\xbf\"]");                      /* overlong 3 bytes */
	REJECT("[\"\xf0\x8f\xbf\xbf\"]");                  /* overlong 4 bytes */
	REJECT("[\"\xed\xa0\x80\"]");                      /* an encoded surrogate */
	REJECT("[\"\xed\xbf\xbf\"]");
	REJECT("[\"\xf4\x90\x80\x80\"]");                  /* past U+10FFFF */
	REJECT("[\"\xf5\x80\x80\x80\"]");
	REJECT("[\"\xff\"]");
	REJECT("[\"\xc3\"]");                              /* cut short */
	REJECT("[\"\xe2\x82\"]");
	REJECT("[\"\xc3\x28\"]");
	REJECT("[\xc3\xa9]");                              /* valid UTF-8 outside a string */
	CHECK(!accepts("[\"\xc3", 3));                     /* cut at the end of input */
}

static char *nested(unsigned int arrays, const char *inner)
{
	size_t n = 2 * arrays + strlen(inner) + 1;
	char *s = malloc(n);

	memset(s, '[', arrays);
	strcpy(s + arrays, inner);
	memset(s + arrays + strlen(inner), ']', arrays);
	s[n - 1] = '\0';
	return s;
}

/* A scalar counts one level, as in jansson: 2048 containers, or 2047 and a scalar. */
static void test_depth(void)
{
	char *s;

	s = nested(MW_JSON_DEPTH_MAX, "");
	CHECK(accepts(s, strlen(s)));
	free(s);
	s = nested(MW_JSON_DEPTH_MAX + 1, "");
	CHECK(!accepts(s, strlen(s)));
	free(s);
	s = nested(MW_JSON_DEPTH_MAX - 1, "1");
	CHECK(accepts(s, strlen(s)));
	free(s);
	s = nested(MW_JSON_DEPTH_MAX, "1");
	CHECK(!accepts(s, strlen(s)));
	free(s);
	s = nested(MW_JSON_DEPTH_MAX - 1, "{}");
	CHECK(accepts(s, strlen(s)));
	free(s);
	s = nested(MW_JSON_DEPTH_MAX - 1, "{\"a\":1}");
	CHECK(!accepts(s, strlen(s)));
	free(s);
}

static void test_members(void)
{
	static const char text[] = "{ \"id\" : 7 , \"m\\u0065thod\":\"tools\\/call\", \"x\":[1,{\"id\":2}],"
				   "\"params\":{\"name\":\"e\\\"cho\"},\"id\":-8,\"r\":1.5e3,\"n\":null}";
	static const char *const keys[] = { "id", "method", "params", "missing", "r", "n", "x" };
	struct jscan_val root, v[7], name;
	const char *name_key[] = { "name" };
	char buf[32];
	int64_t i;

	CHECK_EQ(jscan_validate(text, sizeof(text) - 1, &root), 0);
	jscan_members(&root, keys, 7, v);
	CHECK_EQ(v[0].type, JSCAN_INTEGER);         /* the last "id" */
	CHECK_EQ(jscan_integer(&v[0], &i), 0);
	CHECK_EQ(i, -8);
	CHECK_EQ(v[1].type, JSCAN_STRING);          /* an escaped key matches */
	CHECK_EQ(jscan_string(&v[1], buf, sizeof(buf)), 10);
	CHECK_STR(buf, "tools/call");
	CHECK_EQ(v[2].type, JSCAN_OBJECT);
	jscan_members(&v[2], name_key, 1, &name);
	jscan_string(&name, buf, sizeof(buf));
	CHECK_STR(buf, "e\"cho");
	CHECK_EQ(v[3].type, JSCAN_NONE);
	CHECK_EQ(v[4].type, JSCAN_REAL);
	CHECK_EQ(jscan_integer(&v[4], &i), -EINVAL);
	CHECK_EQ(v[5].type, JSCAN_NULL);
	CHECK_EQ(v[6].type, JSCAN_ARRAY);
	CHECK_EQ(jscan_count(&v[6]), 2);
	CHECK_MEM(v[6].p, v[6].n, "[1,{\"id\":2}]", 12);
	/* the empty key */
	{
		static const char empty[] = "{\"\" :1,\"e\":2}";
		const char *ek[] = { "", "e" };

		CHECK_EQ(jscan_validate(empty, sizeof(empty) - 1, &root), 0);
		jscan_members(&root, ek, 2, v);
		CHECK_EQ(v[0].type, JSCAN_INTEGER);
		CHECK_MEM(v[0].p, v[0].n, "1", 1);
		CHECK_MEM(v[1].p, v[1].n, "2", 1);
	}
	CHECK_EQ(jscan_validate(text, sizeof(text) - 1, &root), 0);
	jscan_members(&root, keys, 7, v);
	/* not an object: nothing found */
	jscan_members(&v[6], keys, 1, v);
	CHECK_EQ(v[0].type, JSCAN_NONE);
}

static void test_arrays_and_strings(void)
{
	static const char text[] = "[ \"a\\u00e9\\ud83d\\ude00\\n\" , 1 ,{\"k\":[]}, [ ] ,\"x\\u0000y\"]";
	struct jscan_val root, e;
	size_t pos = 0;
	char buf[16], tiny[4];

	CHECK_EQ(jscan_validate(text, sizeof(text) - 1, &root), 0);
	CHECK_EQ(jscan_count(&root), 5);
	CHECK(jscan_next(&root, &pos, &e));
	CHECK_EQ(jscan_string(&e, buf, sizeof(buf)), 8);
	CHECK_STR(buf, "a\xc3\xa9\xf0\x9f\x98\x80\n");
	CHECK_EQ(jscan_string(&e, tiny, sizeof(tiny)), 8);     /* cut, length still full */
	CHECK_MEM(tiny, 4, "a\xc3\xa9", 4);
	CHECK(jscan_next(&root, &pos, &e));
	CHECK_EQ(e.type, JSCAN_INTEGER);
	CHECK(jscan_next(&root, &pos, &e));
	CHECK_EQ(e.type, JSCAN_OBJECT);
	CHECK(jscan_next(&root, &pos, &e));
	CHECK_EQ(e.type, JSCAN_ARRAY);
	CHECK_EQ(jscan_count(&e), 0);
	CHECK(jscan_next(&root, &pos, &e));
	CHECK_EQ(jscan_string(&e, buf, sizeof(buf)), 3);
	CHECK_MEM(buf, 4, "x\0y", 4);
	CHECK(!jscan_next(&root, &pos, &e));
}

static void test_compact(void)
{
	static const char text[] = " {\r\n \"a b\" :\t[ 1 , \"x \\\" \\\\\" ]\n}\r\n";
	char out[sizeof(text)];
	struct jscan_val root;
	size_t n;

	CHECK_EQ(jscan_validate(text, sizeof(text) - 1, &root), 0);
	n = jscan_compact(text, sizeof(text) - 1, out);
	CHECK_MEM(out, n, "{\"a b\":[1,\"x \\\" \\\\\"]}", 21);
}

UNIT_MAIN(UNIT_TEST(test_structure),
	  UNIT_TEST(test_nul_after_token),
	  UNIT_TEST(test_literals_and_numbers),
	  UNIT_TEST(test_real_halfway),
	  UNIT_TEST(test_strings),
	  UNIT_TEST(test_utf8),
	  UNIT_TEST(test_depth),
	  UNIT_TEST(test_members),
	  UNIT_TEST(test_arrays_and_strings),
	  UNIT_TEST(test_compact))
