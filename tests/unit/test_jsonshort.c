// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/jsonshort.c: shortening on the text gives what shortening the parsed
 * tree gives; what the text scanner cannot vouch for is left to the parser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonshort.h"
#include "unit.h"

#define OVER 20u
#define KEEP 8u

/* jsonshort_text(text) parsed must equal jsonshort_tree(parsed text), stats included.
 * Returns the text result. */
static enum jsonshort_result same(const char *text)
{
	struct jsonshort_stats ts = { 0 }, xs = { 0 };
	json_t *tree = json_loadb(text, strlen(text), JSON_ALLOW_NUL, NULL);
	json_t *want = tree ? jsonshort_tree(tree, OVER, KEEP, &ts) : NULL;
	enum jsonshort_result r;
	json_t *got;
	char *out;
	size_t n;

	r = jsonshort_text(text, strlen(text), OVER, KEEP, &out, &n, &xs);
	if (r == JSONSHORT_DONE) {
		got = json_loadb(out, n, JSON_ALLOW_NUL, NULL);
		CHECK(!got == !want);
		CHECK(!want || json_equal(got, want));
		CHECK_EQ(xs.strings, want ? ts.strings : xs.strings);
		CHECK_EQ(xs.bytes, want ? ts.bytes : xs.bytes);
		json_decref(got);
		free(out);
	} else if (r == JSONSHORT_NONE) {
		CHECK(!out);
		CHECK(!tree || !json_is_object(tree) || !ts.strings);
	}
	json_decref(want);
	json_decref(tree);
	return r;
}

static void test_short_messages_untouched(void)
{
	CHECK_EQ(same("{\"a\":\"short\"}"), JSONSHORT_NONE);
	CHECK_EQ(same("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"x\":\"0123456789\"}}"),
		 JSONSHORT_NONE);
	/* long, but a key: keys are never cut */
	CHECK_EQ(same("{\"a_key_that_is_longer_than_twenty_bytes\":1}"), JSONSHORT_NONE);
	/* not an object: left to the parser */
	CHECK_EQ(same("[\"a string longer than twenty bytes for sure\"]"), JSONSHORT_NONE);
}

static void test_ascii_and_counts(void)
{
	CHECK_EQ(same("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\","
		      "\"text\":\"abcdefghijklmnopqrstuvwxyz\"},{\"type\":\"image\",\"data\":"
		      "\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\"}]}}"), JSONSHORT_DONE);
	/* exactly OVER is kept whole; OVER + 1 is cut */
	CHECK_EQ(same("{\"a\":\"01234567890123456789\"}"), JSONSHORT_NONE);
	CHECK_EQ(same("{\"a\":\"012345678901234567890\"}"), JSONSHORT_DONE);
}

static void test_escapes_across_the_cut(void)
{
	/* simple escapes, \u escapes of 1, 2 and 3 bytes, a surrogate pair, NUL */
	CHECK_EQ(same("{\"a\":\"\\n\\t\\\"\\\\\\/abcdefghijklmnopqrstuvwxyz\"}"), JSONSHORT_DONE);
	CHECK_EQ(same("{\"a\":\"abcdef\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		      "\\u00e9\\u00e9\"}"), JSONSHORT_DONE);
	CHECK_EQ(same("{\"a\":\"abcdefg\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\\u20ac\"}"),
		 JSONSHORT_DONE);
	CHECK_EQ(same("{\"a\":\"abcde\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"
		      "\\ud83d\\ude00\"}"), JSONSHORT_DONE);
	CHECK_EQ(same("{\"a\":\"abc\\u0000defghijklmnopqrstuvwxyz\"}"), JSONSHORT_DONE);
}

static void test_utf8_across_the_cut(void)
{
	/* raw 2-, 3- and 4-byte characters straddling byte 8 */
	CHECK_EQ(same("{\"a\":\"abcdefg\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}"),
		 JSONSHORT_DONE);
	CHECK_EQ(same("{\"a\":\"abcdef\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		      "\xe2\x82\xac\"}"), JSONSHORT_DONE);
	CHECK_EQ(same("{\"a\":\"abcde\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98"
		      "\x80\xf0\x9f\x98\x80\"}"), JSONSHORT_DONE);
}

static void test_nested_and_many(void)
{
	CHECK_EQ(same("{\"a\":[\"012345678901234567890\",{\"k\":\"012345678901234567890xx\","
		      "\"012345678901234567890_key\":[[\"012345678901234567890yyy\"]]}],"
		      "\"b\":{\"c\":{\"d\":\"012345678901234567890zzzz\"}}, \"e\" : true , "
		      "\"f\":null,\"g\":-1.5e3}"), JSONSHORT_DONE);
}

/* The scanner takes plain ASCII a word at a time: every kind of special byte (quote, escape,
 * UTF-8, DEL which is plain, a control character which is invalid) at every offset of strings
 * around the word size, OVER and KEEP, so that words, cuts and specials meet at every
 * alignment. */
static void test_word_runs(void)
{
	static const char *const special[] = { "\\\"", "\\\\", "\\u00e9", "\xc3\xa9",
						"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x7f", "\x01" };
	char text[128], body[64];

	for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++)
		for (size_t len = 0; len < 40; len++)
			for (size_t at = 0; at <= len; at++) {
				memset(body, 'a', len);
				body[len] = '\0';
				snprintf(text, sizeof(text), "{\"a\":\"%.*s%s%s\"}", (int)at, body,
					 special[k], body + at);
				same(text);
				if (unit_failures())
					return;
			}
}

static void test_unsure_goes_to_the_parser(void)
{
	/* invalid UTF-8, a lone surrogate, a raw control character, a bad escape, an
	 * unterminated string, trailing bytes, unbalanced brackets */
	CHECK_EQ(same("{\"a\":\"abcdefghij\xff" "klmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghij\xc0\xaf" "klmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghij\xed\xa0\x80" "klmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghij\\ud800klmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghij\\ude00klmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghij\x01klmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghij\\qklmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghijklmnopqrstuvwxyz"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":\"abcdefghijklmnopqrstuvwxyz\"} x"), JSONSHORT_UNSURE);
	CHECK_EQ(same("{\"a\":[\"abcdefghijklmnopqrstuvwxyz\"}"), JSONSHORT_UNSURE);
}

/* Inputs fuzz_jsonshort found (tests/fuzz): each broke an early version. */
static void test_fuzz_regressions(void)
{
	struct jsonshort_stats st = { 0 };
	json_t *a, *b;
	char *out;
	size_t n;

	/* a high surrogate followed by a byte that is not a backslash, then "ude00" */
	CHECK_EQ(same("{\"a\":\"]ab\\u00e9\\ud83d\xdfude00cdXn\\\"xyzxyzxyz\"}"),
		 JSONSHORT_UNSURE);
	/* a missing comma: the scanner may shorten, the result must still fail to parse */
	same("{\"jsonrpc\":\"2.0\"content\":[{\"type\":\"text\",\"text\":\"abdcf.gexijk\"},"
	     "\"abcdefghijklmpqrsthvwxyz\"]}");
	/* a repeated key: the same message, though the text had one more long string */
	CHECK_EQ(jsonshort_text("{\"k\":\"abcdefghijklmnopqrstuvwxyz\",\"k\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ\"}",
				67, OVER, KEEP, &out, &n, &st), JSONSHORT_DONE);
	a = json_loadb(out, n, 0, NULL);
	b = json_pack("{s:s}", "k", "ABCDEFGH...[26 bytes]");
	CHECK(a && json_equal(a, b));
	CHECK_EQ(st.strings, 2);
	json_decref(a);
	json_decref(b);
	free(out);
	/* small limits: each cut string's suffix is longer than what it replaced, so the text
	 * grows (an early version wrote past its buffer) */
	{
		char text[1024], *p = text;
		struct jsonshort_stats g = { 0 };

		p += sprintf(p, "{\"a\":[");
		for (int i = 0; i < 40; i++)
			p += sprintf(p, "%s\"abcdefghijklm\"", i ? "," : "");
		p += sprintf(p, "]}");
		CHECK_EQ(jsonshort_text(text, (size_t)(p - text), 12, 5, &out, &n, &g), JSONSHORT_DONE);
		CHECK(n > (size_t)(p - text));
		CHECK_EQ(g.strings, 40);
		a = json_loadb(out, n, 0, NULL);
		CHECK(a && json_array_size(json_object_get(a, "a")) == 40);
		CHECK_STR(json_string_value(json_array_get(json_object_get(a, "a"), 39)),
			  "abcde...[13 bytes]");
		json_decref(a);
		free(out);
	}
}

UNIT_MAIN(UNIT_TEST(test_short_messages_untouched),
	  UNIT_TEST(test_ascii_and_counts),
	  UNIT_TEST(test_escapes_across_the_cut),
	  UNIT_TEST(test_utf8_across_the_cut),
	  UNIT_TEST(test_nested_and_many),
	  UNIT_TEST(test_word_runs),
	  UNIT_TEST(test_unsure_goes_to_the_parser),
	  UNIT_TEST(test_fuzz_regressions))
