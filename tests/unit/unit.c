// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* unit: the harness behind unit.h. */
#include <stdarg.h>
#include <stdio.h>

#include "unit.h"

/* failed checks in the running test; a harness may keep state, library code may not */
static unsigned current_failures;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failures++;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

unsigned unit_failures(void)
{
	return current_failures;
}

int unit_run(const char *prog, const struct unit_test *tests, size_t n)
{
	unsigned passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		current_failures = 0;
		tests[i].fn();
		if (current_failures) {
			printf("  FAIL %s (%u failed checks)\n", tests[i].name, current_failures);
			failed++;
		} else {
			printf("  ok   %s\n", tests[i].name);
			passed++;
		}
		fflush(stdout);
	}
	printf("%s: %u passed, %u failed\n", prog, passed, failed);
	printf("# unit: passed=%u failed=%u\n", passed, failed);
	return failed ? 1 : 0;
}
