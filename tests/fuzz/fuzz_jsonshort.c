// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_jsonshort: a differential target. Whatever the input, shortening its text
 * (jsonshort_text) and parsing the result must give what parsing it and shortening the tree
 * (jsonshort_tree) gives, with the same counts, and must fail to parse when the input does; when the text scanner says "nothing to
 * shorten", the tree must hold nothing to shorten. Small limits (over 12, keep 5) put cuts
 * inside escapes and multi-byte characters.
 */
#include <stdint.h>
#include <stdlib.h>

#include "jsonshort.h"

#define FUZZ_OVER 12u
#define FUZZ_KEEP 5u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonshort_stats ts = { 0 }, xs = { 0 };
	json_t *tree = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
	json_t *want = tree ? jsonshort_tree(tree, FUZZ_OVER, FUZZ_KEEP, &ts) : NULL;
	json_t *strict = json_loadb((const char *)data, size, JSON_ALLOW_NUL |
				    JSON_REJECT_DUPLICATES, NULL);
	enum jsonshort_result r;
	json_t *got = NULL;
	char *out;
	size_t n;

	r = jsonshort_text((const char *)data, size, FUZZ_OVER, FUZZ_KEEP, &out, &n, &xs);
	if (r == JSONSHORT_DONE) {
		got = json_loadb(out, n, JSON_ALLOW_NUL, NULL);
		if (!want != !got)      /* one parses and the other does not */
			abort();
		if (want && !json_equal(got, want))
			abort();
		/* the counts agree unless an object repeats a key (the parser keeps the last) */
		if (strict && (xs.strings != ts.strings || xs.bytes != ts.bytes))
			abort();
		free(out);
	} else if (r == JSONSHORT_NONE && tree && json_is_object(tree) && ts.strings) {
		abort();
	}
	json_decref(strict);
	json_decref(got);
	json_decref(want);
	json_decref(tree);
	return 0;
}
