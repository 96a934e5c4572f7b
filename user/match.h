/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * match: the matchers the policy is made of. Paths compared on component boundaries, globs
 * (path globs with "**", text globs), CIDRs over one 128-bit address space (IPv4 as
 * ::ffff:a.b.c.d, so v4-mapped v6 matches v4 CIDRs), port ranges, and shell command lines.
 * Pure: no I/O, no allocation, no globals.
 */
#ifndef MW_MATCH_H
#define MW_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True when path is root or lies under it, on component boundaries: "/a/b" is within "/a"
 * and "/a/b", not within "/a/bc". Both must be absolute; "/" contains every absolute path;
 * trailing slashes on either side are ignored ("/a/" == "/a"). Paths are compared as given
 * (no ".." or "//" normalisation: the caller passes kernel-resolved paths).
 */
bool match_path_within(const char *path, const char *root);

enum match_glob_mode {
	/* '*' and '?' never match '/'; a component that is exactly "**" matches zero or more
	 * whole components ("/a/ ** /b" matches "/a/b" and "/a/x/y/b"; a trailing "/ **"
	 * matches the directory itself and everything under it; a leading "** /" matches any
	 * leading components, including none, of a relative or absolute path). */
	MATCH_GLOB_PATH = 1,
	/* '*' matches any run of bytes, '/' included (command lines, names). */
	MATCH_GLOB_TEXT,
};

/*
 * fnmatch-like glob: '*', '?', '[abc]', '[a-z]', '[!a]' and '\' escaping the next byte (also
 * inside a class; a ']' first in a class is a member, a '-' first or last too; a reversed range
 * such as "[z-a]" matches nothing). Bytes compare unsigned. Case-sensitive. In path mode a
 * pattern starting with '/' matches only absolute paths, a class cannot hold '/' (it would span
 * two components) and an escaped '/' matches nothing. No exponential backtracking: O(pattern *
 * text) at worst. Returns false for a malformed pattern (see match_glob_check).
 */
bool match_glob(const char *pattern, const char *text, enum match_glob_mode mode);
/* 0 when the pattern is well formed, else -EINVAL with a reason in err ("unterminated '['",
 * "'**' must be a whole path component", "trailing '\\'", "unknown glob mode"). err may be
 * NULL. */
int match_glob_check(const char *pattern, enum match_glob_mode mode, char *err, size_t size);

/* An IPv4 address (network byte order, as in struct mw_net) in the 128-bit form. */
void match_addr_from_v4(const uint8_t v4[4], uint8_t out[16]);
/* AF_INET / AF_INET6 bytes as struct mw_net carries them (IPv4 in the first 4 bytes); any
 * other family gives "::". */
void match_addr_from_net(uint16_t family, const uint8_t addr[16], uint8_t out[16]);
bool match_addr_is_v4(const uint8_t a[16]);     /* ::ffff:0:0/96 */
bool match_addr_loopback(const uint8_t a[16]);  /* 127.0.0.0/8, ::1 */
bool match_addr_wildcard(const uint8_t a[16]);  /* 0.0.0.0, ::, ::ffff:0.0.0.0 */
/* Printable form: "10.1.2.3" for v4 and v4-mapped, "fd00:ec2::254" for v6; "" when size is
 * too small. */
void match_addr_format(const uint8_t a[16], char *out, size_t size);

struct match_cidr {
	uint8_t addr[16];       /* host bits cleared */
	uint8_t prefix;         /* 0..128, over the 128-bit form (a v4 /8 is stored as /104) */
};

/* "10.0.0.0/8", "169.254.169.254" (a host), "::1", "fd00:ec2::254/128", "::ffff:10.0.0.0/104".
 * Host bits set in the address are an error ("10.0.0.1/8": -EINVAL, so a typo is caught).
 * A v4 CIDR covers v4 (and v4-mapped) addresses only: "0.0.0.0/0" is every IPv4 address,
 * "::/0" every address. No whitespace. Returns 0 or -EINVAL with the reason in err (may be
 * NULL); out is written only on success. */
int match_cidr_parse(const char *s, struct match_cidr *out, char *err, size_t size);
bool match_cidr_contains(const struct match_cidr *c, const uint8_t a[16]);
/* "10.0.0.0/8" (v4 prefixes shown as v4) or "fd00::/8". */
void match_cidr_format(const struct match_cidr *c, char *out, size_t size);

struct match_ports {
	uint16_t lo, hi;        /* inclusive; 0..65535 is "any" */
};

/* "443", "8000-8100": decimal digits only (no sign, no whitespace, at most 5 digits).
 * Returns 0 or -EINVAL with the reason in err (hi < lo, > 65535, ...; err may be NULL); out
 * is written only on success. */
int match_ports_parse(const char *s, struct match_ports *out, char *err, size_t size);
bool match_ports_contains(const struct match_ports *p, uint16_t port);

/* True when the executable's base name is a POSIX-style shell: sh, bash, dash, zsh, ksh,
 * mksh, ash, busybox, fish. */
bool match_is_shell(const char *exe);
/*
 * The command string a shell was given with -c: argv[0] is the shell ("busybox sh|ash|hush|bash"
 * counts as one); an option group holding 'c' ("-c", "-lc", "-ec", "-xc", "--login -c" ...)
 * makes the first operand the command. Each 'o' or 'O' in a group ("-o pipefail", "+o posix",
 * "-eo pipefail", "-O extglob") and "--rcfile" / "--init-file" take the next argument as their
 * value; other long options are skipped. Scanning stops at "--" or "-" (the next argument is
 * the operand) or at the first operand. NULL when the shell was not given -c or has no operand.
 */
const char *match_shell_command(int argc, const char *const *argv);
/* The first shell metacharacter in s[0..n) that chains or substitutes commands or redirects
 * (';', '|', '&', '$', '`', '<', '>', '(', ')', '\n', '\r'), or NULL. Glob characters are
 * not counted. */
const char *match_shell_metachar(const char *s, size_t n);

#endif
