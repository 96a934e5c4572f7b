// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_policy: the policy parser (libyaml, then validation) on the input as a policy file.
 * When it parses, policy_write() must give YAML that parses again (policy.h): abort otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy.h"

#define FUZZ_SOURCE     "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write p out and parse that again; abort when it does not parse. */
static void check_round_trip(const struct policy *p)
{
	struct policy_error err;
	struct policy *again;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&buf, &len);
	if (!f)
		return;
	rc = policy_write(p, f);
	if (fclose(f) != 0 || rc < 0) {
		free(buf);
		return;
	}
	again = policy_parse(buf, len, FUZZ_SOURCE, &err);
	if (!again) {
		fprintf(stderr, "policy_write output does not parse: %s\n---\n%s\n---\n", err.msg, buf);
		abort();
	}
	policy_free(again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_error err;
	struct policy *p;

	if (size > POLICY_TEXT_MAX)
		return 0;
	p = policy_parse((const char *)data, size, FUZZ_SOURCE, &err);
	if (!p)
		return 0;
	check_round_trip(p);
	policy_free(p);
	return 0;
}
