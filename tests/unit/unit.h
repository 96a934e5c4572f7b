/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * unit: a tiny test harness. Each test is a void function; checks record failures with
 * file:line and let the test go on. A test binary lists its tests with UNIT_MAIN() and prints
 * its counts; tests/unit/run.sh adds them up.
 */
#ifndef MW_UNIT_H
#define MW_UNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

void unit_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Runs every test, prints one line per test and the totals; returns the exit status. */
int unit_run(const char *prog, const struct unit_test *tests, size_t n);
/* Failed checks so far in the running test (to stop a loop after the first failure). */
unsigned unit_failures(void);

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond))                                                              \
			unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                \
	} while (0)

/* Integers of any width and sign: compared as 64-bit patterns. */
#define CHECK_EQ(a, b)                                                                    \
	do {                                                                              \
		unsigned long long a_ = (unsigned long long)(a);                          \
		unsigned long long b_ = (unsigned long long)(b);                          \
		if (a_ != b_)                                                             \
			unit_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,   \
				  (long long)a_, (long long)b_);                          \
	} while (0)

/* C strings; NULL equals only NULL. */
#define CHECK_STR(a, b)                                                                   \
	do {                                                                              \
		const char *a_ = (a), *b_ = (b);                                          \
		if ((!a_ || !b_) ? a_ != b_ : strcmp(a_, b_) != 0)                        \
			unit_fail(__FILE__, __LINE__, "%s == %s: \"%.200s\" != \"%.200s\"", \
				  #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");        \
	} while (0)

/* Byte ranges. */
#define CHECK_MEM(a, an, b, bn)                                                           \
	do {                                                                              \
		size_t an_ = (an), bn_ = (bn);                                            \
		if (an_ != bn_ || memcmp((a), (b), an_) != 0)                             \
			unit_fail(__FILE__, __LINE__, "%s[%zu] == %s[%zu]: bytes differ", \
				  #a, an_, #b, bn_);                                      \
	} while (0)

#define UNIT_TEST(fn) { #fn, fn }

#define UNIT_MAIN(...)                                                                    \
	int main(void)                                                                    \
	{                                                                                 \
		static const struct unit_test tests_[] = { __VA_ARGS__ };                 \
		return unit_run(__FILE__, tests_, sizeof(tests_) / sizeof(tests_[0]));    \
	}

#endif
