// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* policy_write(): the effective policy as YAML, every field explicit (every rule's action as
 * resolved for the mode) and server entries already merged with the defaults, so that
 * policy_parse() reads back the same policy. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CIDR_LEN     64u
#define INDENT       2
#define PLAIN_FIRST  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/"
#define PLAIN_CHARS  PLAIN_FIRST "0123456789_.-"
#define ASCII_DEL    0x7f
#define BMP_MAX      0xffffu
#define HEADER       "# mcpwarden effective policy: every field explicit, server entries merged\n" \
		     "# with the defaults (docs/policy.md).\n"

/* Words other YAML readers take for booleans or null. */
static const char *const reserved_words[] = {
	"true", "false", "yes", "no", "on", "off", "y", "n", "null",
};

static bool plain_ok(const char *s)
{
	if (!s[0] || !strchr(PLAIN_FIRST, s[0]) || strspn(s, PLAIN_CHARS) != strlen(s))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(reserved_words); i++)
		if (!strcasecmp(s, reserved_words[i]))
			return false;
	return true;
}

/* One UTF-8 sequence at s: its length (0 when invalid) and code point. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };

	if (!n)
		return 0;
	*cp = s[0] & lead_mask[n];
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return n;
}

/* Double-quoted, ASCII only: escapes for quotes, backslashes, controls and non-ASCII. */
static void write_quoted(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		uint32_t cp;
		size_t n = utf8_next(s, &cp);

		if (!n) {
			fprintf(f, "\\x%02x", *s++);
			continue;
		}
		s += n;
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (cp < ' ' || cp == ASCII_DEL)
			fprintf(f, "\\x%02x", (unsigned int)cp);
		else if (cp < 0x80)
			fputc((int)cp, f);
		else if (cp <= BMP_MAX)
			fprintf(f, "\\u%04x", (unsigned int)cp);
		else
			fprintf(f, "\\U%08x", (unsigned int)cp);
	}
	fputc('"', f);
}

static void write_str(FILE *f, const char *s)
{
	if (plain_ok(s))
		fputs(s, f);
	else
		write_quoted(f, s);
}

static void write_cidr(FILE *f, const struct match_cidr *c)
{
	char buf[CIDR_LEN];

	match_cidr_format(c, buf, sizeof(buf));
	write_str(f, buf);
}

static const char *bool_name(bool b)
{
	return b ? "true" : "false";
}

static const char *access_name(unsigned int access)
{
	switch (access) {
	case POLICY_ACCESS_READ:
		return "read";
	case POLICY_ACCESS_WRITE:
		return "write";
	default:
		return "any";
	}
}

static const char *mode_name(enum policy_mode mode)
{
	return mode == POLICY_MODE_ENFORCE ? "enforce" : "monitor";
}

/* ---- pieces ---- */

static void write_rules(FILE *f, int ind, const struct policy_rule_cfg *rules)
{
	int width = 0;

	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		if ((int)strlen(policy_rule_name(r)) > width)
			width = (int)strlen(policy_rule_name(r));
	fprintf(f, "%*srules:\n", ind, "");
	for (unsigned int r = 0; r < POLICY_RULE__COUNT; r++)
		fprintf(f, "%*s%s:%*s { enabled: %s, severity: %s, action: %s, scope: %s }\n",
			ind + INDENT, "", policy_rule_name(r),
			width - (int)strlen(policy_rule_name(r)), "",
			bool_name(rules[r].enabled), policy_severity_name(rules[r].severity),
			policy_action_name(rules[r].action), policy_scope_name(rules[r].scope));
}

/* "key: []" or "key:" and one "- glob" per line. */
static void write_globs(FILE *f, int ind, const char *key, const struct policy_path *v,
			unsigned int n)
{
	fprintf(f, "%*s%s:%s\n", ind, "", key, n ? "" : " []");
	for (unsigned int i = 0; i < n; i++) {
		fprintf(f, "%*s- ", ind + INDENT, "");
		write_str(f, v[i].glob);
		fputc('\n', f);
	}
}

static void write_runtime(FILE *f, const struct policy *p)
{
	fprintf(f, "runtime:%s\n", p->nruntime ? "" : " []");
	for (unsigned int i = 0; i < p->nruntime; i++) {
		fprintf(f, "%*s- { path: ", INDENT, "");
		write_str(f, p->runtime[i].glob);
		fprintf(f, ", access: %s }\n", access_name(p->runtime[i].access));
	}
}

static void write_metadata(FILE *f, const struct policy *p)
{
	fprintf(f, "metadata:%s\n", p->nmetadata ? "" : " []");
	for (unsigned int i = 0; i < p->nmetadata; i++) {
		fprintf(f, "%*s- ", INDENT, "");
		write_cidr(f, &p->metadata[i]);
		fputc('\n', f);
	}
}

static void write_egress(FILE *f, int ind, const struct policy_server *s)
{
	fprintf(f, "%*segress:%s\n", ind, "", s->negress ? "" : " []");
	for (unsigned int i = 0; i < s->negress; i++) {
		const struct match_ports *pt = &s->egress[i].ports;

		fprintf(f, "%*s- { cidr: ", ind + INDENT, "");
		write_cidr(f, &s->egress[i].cidr);
		if (pt->lo == pt->hi)
			fprintf(f, ", ports: [%u] }\n", pt->lo);
		else
			fprintf(f, ", ports: [\"%u-%u\"] }\n", pt->lo, pt->hi);
	}
}

static void write_row(FILE *f, const struct policy_exception *e, unsigned int row)
{
	fputc('[', f);
	for (unsigned int i = 0; i < e->nfields; i++) {
		fputs(i ? ", " : "", f);
		write_str(f, e->values[row * e->nfields + i]);
	}
	fputs("]\n", f);
}

static void write_exceptions(FILE *f, int ind, const struct policy_exception *v, unsigned int n)
{
	fprintf(f, "%*sexceptions:%s\n", ind, "", n ? "" : " []");
	for (unsigned int i = 0; i < n; i++) {
		const struct policy_exception *e = &v[i];

		fprintf(f, "%*s- name: ", ind + INDENT, "");
		write_str(f, e->name);
		fprintf(f, "\n%*srule: %s\n", ind + 2 * INDENT, "", policy_rule_name(e->rule));
		fprintf(f, "%*sfields: [", ind + 2 * INDENT, "");
		for (unsigned int j = 0; j < e->nfields; j++)
			fprintf(f, "%s%s", j ? ", " : "", policy_field_name(e->fields[j]));
		fprintf(f, "]\n%*svalues:%s\n", ind + 2 * INDENT, "", e->nrows ? "" : " []");
		for (unsigned int r = 0; r < e->nrows; r++) {
			fprintf(f, "%*s- ", ind + 3 * INDENT, "");
			write_row(f, e, r);
		}
	}
}

static void write_match(FILE *f, int ind, const struct policy_selector *m)
{
	const char *const keys[] = { "exe", "argv", "name", "container" };
	const char *const vals[] = { m->exe, m->argv, m->name, m->container };
	bool first = true;

	fprintf(f, "%*smatch: {", ind, "");
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (!vals[i])
			continue;
		fprintf(f, "%s %s: ", first ? "" : ",", keys[i]);
		write_str(f, vals[i]);
		first = false;
	}
	fputs(" }\n", f);
}

/* The fields a server entry shares with the defaults section, at indent ind. */
static void write_section(FILE *f, int ind, const struct policy_server *s)
{
	fprintf(f, "%*srootsFromArgs: %s\n", ind, "", bool_name(s->roots_from_args));
	fprintf(f, "%*srootsFromClient: %s\n", ind, "", bool_name(s->roots_from_client));
	fprintf(f, "%*sstartupGrace: %s\n", ind, "", bool_name(s->startup_grace));
	write_globs(f, ind, "roots", s->roots, s->nroots);
	fprintf(f, "%*sexec:\n", ind, "");
	write_globs(f, ind + INDENT, "allow", s->exec_allow, s->nexec_allow);
	write_egress(f, ind, s);
	write_rules(f, ind, s->rules);
	write_exceptions(f, ind, s->exceptions, s->nexceptions);
}

static void write_servers(FILE *f, const struct policy *p)
{
	fprintf(f, "servers:%s\n", p->nservers ? "" : " []");
	for (unsigned int i = 0; i < p->nservers; i++) {
		fprintf(f, "%*s- name: ", INDENT, "");
		write_str(f, p->servers[i].name);
		fputc('\n', f);
		write_match(f, 2 * INDENT, &p->servers[i].match);
		write_section(f, 2 * INDENT, &p->servers[i]);
	}
}

int policy_write(const struct policy *p, FILE *f)
{
	errno = 0;
	fputs(HEADER, f);
	fprintf(f, "apiVersion: %s\nkind: %s\nmode: %s\nalertWindow: %u\n",
		POLICY_API_VERSION, POLICY_KIND, mode_name(p->mode), p->window_s);
	write_rules(f, 0, p->rules);
	write_runtime(f, p);
	write_globs(f, 0, "sensitive", p->sensitive, p->nsensitive);
	write_metadata(f, p);
	fputs("defaults:\n", f);
	write_section(f, INDENT, &p->defaults);
	write_servers(f, p);
	write_exceptions(f, 0, p->exceptions, p->nexceptions);
	if (fflush(f) == EOF || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
