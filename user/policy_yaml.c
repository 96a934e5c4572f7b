// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_yaml.h"

#define UTF8_CONT_MASK 0xc0u
#define UTF8_CONT      0x80u
#define ASCII_DEL      0x7f
#define INT_DIGITS_MAX 18u       /* longer plain integers are out of every range we accept */

struct pos {
	size_t line, col;        /* 1-based */
};

/* Line and column (in characters) of byte off, as libyaml counts them. */
static struct pos pos_of(const char *text, size_t off)
{
	struct pos p = { 1, 1 };

	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= off || text[i + 1] != '\n'))) {
			p.line++;
			p.col = 1;
		} else if (((unsigned char)text[i] & UTF8_CONT_MASK) != UTF8_CONT &&
			   text[i] != '\r') {
			p.col++;
		}
	}
	return p;
}

static struct pos pos_mark(yaml_mark_t m)
{
	return (struct pos){ m.line + 1, m.column + 1 };
}

static int fail_vat(struct policy_yaml *y, struct pos at, const char *fmt, va_list ap)
{
	char *msg = y->err->msg;
	int n = snprintf(msg, POLICY_ERR_LEN, "%s:%zu:%zu: ", y->source, at.line, at.col);

	if (n >= 0 && (size_t)n < POLICY_ERR_LEN && y->pathlen)
		n += snprintf(msg + n, POLICY_ERR_LEN - n, "%s: ", y->path);
	if (n >= 0 && (size_t)n < POLICY_ERR_LEN)
		vsnprintf(msg + n, POLICY_ERR_LEN - n, fmt, ap);
	return -EINVAL;
}

static int fail_at(struct policy_yaml *y, struct pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct policy_yaml *y, struct pos at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_vat(y, at, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int policy_yaml_fail(struct policy_yaml *y, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_vat(y, pos_mark(at->start_mark), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *policy_yaml_q(struct policy_yaml *y, const char *s)
{
	size_t n = strnlen(s, POLICY_YAML_QUOTE_MAX + 1);
	size_t keep = n > POLICY_YAML_QUOTE_MAX ? POLICY_YAML_QUOTE_MAX : n;

	/* do not cut a UTF-8 sequence in two */
	while (keep < n && keep && ((unsigned char)s[keep] & UTF8_CONT_MASK) == UTF8_CONT)
		keep--;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];

		y->quoted[i] = c < ' ' || c == ASCII_DEL ? '?' : (char)c;
	}
	strcpy(y->quoted + keep, keep < n ? "..." : "");
	return y->quoted;
}

/* ---- key path ---- */

static size_t push(struct policy_yaml *y, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t push(struct policy_yaml *y, const char *fmt, ...)
{
	size_t saved = y->pathlen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(y->path + saved, sizeof(y->path) - saved, fmt, ap);
	va_end(ap);
	if (n > 0)
		y->pathlen = strnlen(y->path, sizeof(y->path) - 1);
	return saved;
}

size_t policy_yaml_push_key(struct policy_yaml *y, const char *key)
{
	return push(y, y->pathlen ? ".%s" : "%s", key);
}

size_t policy_yaml_push_index(struct policy_yaml *y, size_t i)
{
	return push(y, "[%zu]", i);
}

void policy_yaml_pop(struct policy_yaml *y, size_t saved)
{
	y->pathlen = saved;
	y->path[saved] = '\0';
}

/* ---- loading ---- */

static int parser_fail(struct policy_yaml *y, const yaml_parser_t *ps, const char *text)
{
	if (ps->error == YAML_MEMORY_ERROR) {
		fail_at(y, (struct pos){ 1, 1 }, "out of memory");
		return -ENOMEM;
	}
	if (ps->error == YAML_READER_ERROR)
		return fail_at(y, pos_of(text, ps->problem_offset), "%s", ps->problem);
	if (ps->context)
		return fail_at(y, pos_mark(ps->problem_mark), "%s (%s at %zu:%zu)", ps->problem,
			       ps->context, ps->context_mark.line + 1,
			       ps->context_mark.column + 1);
	return fail_at(y, pos_mark(ps->problem_mark), "%s",
		       ps->problem ? ps->problem : "cannot parse");
}

/* What the policy format leaves out of YAML. */
static int check_event(struct policy_yaml *y, const yaml_event_t *ev, unsigned int *docs)
{
	const yaml_char_t *tag = NULL;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return fail_at(y, pos_mark(ev->start_mark),
				       "multiple documents are not supported");
		return 0;
	case YAML_ALIAS_EVENT:
		return fail_at(y, pos_mark(ev->start_mark), "aliases are not supported");
	case YAML_SCALAR_EVENT:
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return 0;
	}
	if (tag)
		return fail_at(y, pos_mark(ev->start_mark), "tags are not supported");
	return 0;
}

static void parser_init(yaml_parser_t *ps, const char *text, size_t len)
{
	yaml_parser_set_encoding(ps, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(ps, (const unsigned char *)text, len);
}

static int scan_events(struct policy_yaml *y, const char *text, size_t len)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	unsigned int docs = 0;
	bool end = false;
	int ret = 0;

	if (!yaml_parser_initialize(&ps))
		return -ENOMEM;
	parser_init(&ps, text, len);
	while (!ret && !end) {
		if (!yaml_parser_parse(&ps, &ev)) {
			ret = parser_fail(y, &ps, text);
			break;
		}
		ret = check_event(y, &ev, &docs);
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	if (!ret && !docs)
		ret = fail_at(y, (struct pos){ 1, 1 }, "empty document");
	return ret;
}

static int load(struct policy_yaml *y, const char *text, size_t len)
{
	yaml_parser_t ps;
	int ret = 0;

	if (!yaml_parser_initialize(&ps))
		return -ENOMEM;
	parser_init(&ps, text, len);
	if (yaml_parser_load(&ps, &y->doc))
		y->loaded = true;
	else
		ret = parser_fail(y, &ps, text);
	yaml_parser_delete(&ps);
	return ret;
}

static int check_root(struct policy_yaml *y)
{
	yaml_node_t *root = policy_yaml_root(y);

	if (!root || policy_yaml_is_null(root))
		return fail_at(y, root ? pos_mark(root->start_mark) : (struct pos){ 1, 1 },
			       "empty document");
	if (root->type != YAML_MAPPING_NODE)
		return policy_yaml_fail(y, root, "expected a mapping at the top");
	return 0;
}

int policy_yaml_open(struct policy_yaml *y, const char *text, size_t len, const char *source,
		     struct policy_error *err)
{
	const char *nul;
	int ret;

	memset(y, 0, sizeof(*y));
	y->source = source;
	y->err = err;
	if (len > POLICY_TEXT_MAX)
		return fail_at(y, pos_of(text, POLICY_TEXT_MAX),
			       "the policy is longer than %u bytes", POLICY_TEXT_MAX);
	nul = memchr(text, '\0', len);
	if (nul)
		return fail_at(y, pos_of(text, (size_t)(nul - text)), "NUL bytes are not allowed");
	ret = scan_events(y, text, len);
	if (!ret)
		ret = load(y, text, len);
	if (!ret)
		ret = check_root(y);
	if (ret == -ENOMEM && !err->msg[0])
		fail_at(y, (struct pos){ 1, 1 }, "out of memory");
	return ret;
}

void policy_yaml_close(struct policy_yaml *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	y->loaded = false;
}

yaml_node_t *policy_yaml_root(struct policy_yaml *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *policy_yaml_node(struct policy_yaml *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

/* ---- scalars ---- */

static bool plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool policy_yaml_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return plain(n) && (!*v || !strcmp(v, "~") || !strcmp(v, "null") ||
			    !strcmp(v, "Null") || !strcmp(v, "NULL"));
}

bool policy_yaml_is_int(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return plain(n) && *v && strspn(v, "0123456789") == n->data.scalar.length;
}

/* "a list", "a mapping", "null" or the quoted text: what was found instead. */
static const char *what(struct policy_yaml *y, const yaml_node_t *n)
{
	static const char *const kinds[] = {
		[YAML_SEQUENCE_NODE] = "a list", [YAML_MAPPING_NODE] = "a mapping",
	};
	size_t len;

	if (n->type != YAML_SCALAR_NODE)
		return kinds[n->type];
	if (policy_yaml_is_null(n))
		return "null";
	policy_yaml_q(y, (const char *)n->data.scalar.value);
	len = strlen(y->quoted);        /* the buffer has room for the quotes */
	memmove(y->quoted + 1, y->quoted, len);
	y->quoted[0] = '\'';
	y->quoted[len + 1] = '\'';
	y->quoted[len + 2] = '\0';
	return y->quoted;
}

static int expected(struct policy_yaml *y, const yaml_node_t *n, const char *want)
{
	return policy_yaml_fail(y, n, "expected %s, got %s", want, what(y, n));
}

static int text_of(struct policy_yaml *y, yaml_node_t *n, const char *want, const char **out)
{
	if (n->type != YAML_SCALAR_NODE || policy_yaml_is_null(n))
		return expected(y, n, want);
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return policy_yaml_fail(y, n, "NUL characters are not allowed");
	*out = (const char *)n->data.scalar.value;
	return 0;
}

int policy_yaml_str(struct policy_yaml *y, yaml_node_t *n, const char **out)
{
	return text_of(y, n, "a string", out);
}

int policy_yaml_strdup(struct policy_yaml *y, yaml_node_t *n, char **out)
{
	const char *s;
	int ret = policy_yaml_str(y, n, &s);

	if (ret)
		return ret;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

int policy_yaml_uint(struct policy_yaml *y, yaml_node_t *n, unsigned long lo, unsigned long hi,
		     unsigned long *out)
{
	char want[64];

	snprintf(want, sizeof(want), "an integer from %lu to %lu", lo, hi);
	if (!policy_yaml_is_int(n) || n->data.scalar.length > INT_DIGITS_MAX)
		return expected(y, n, want);
	*out = strtoul((const char *)n->data.scalar.value, NULL, 10);
	if (*out < lo || *out > hi)
		return expected(y, n, want);
	return 0;
}

int policy_yaml_bool(struct policy_yaml *y, yaml_node_t *n, bool *out)
{
	const char *v = (const char *)n->data.scalar.value;

	if (!plain(n) || (strcmp(v, "true") && strcmp(v, "false")))
		return expected(y, n, "true or false");
	*out = !strcmp(v, "true");
	return 0;
}

/* ---- collections ---- */

int policy_yaml_seq(struct policy_yaml *y, yaml_node_t *n, yaml_node_item_t **items,
		    size_t *count)
{
	*items = NULL;
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return expected(y, n, "a list");
	*items = n->data.sequence.items.start;
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

int policy_yaml_key(struct policy_yaml *y, yaml_node_t *k, const char **out)
{
	return text_of(y, k, "a string key", out);
}

int policy_yaml_pairs(struct policy_yaml *y, yaml_node_t *n, yaml_node_pair_t **pairs,
		      size_t *count)
{
	*pairs = NULL;
	*count = 0;
	if (n->type != YAML_MAPPING_NODE)
		return expected(y, n, "a mapping");
	*pairs = n->data.mapping.pairs.start;
	*count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	return 0;
}

void policy_yaml_join(const char *const *names, size_t n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(out + len, size - len, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int find(const char *const *keys, size_t nkeys, const char *name)
{
	for (size_t i = 0; i < nkeys; i++)
		if (!strcmp(keys[i], name))
			return (int)i;
	return -1;
}

int policy_yaml_map(struct policy_yaml *y, yaml_node_t *n, const char *const *keys,
		    size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes)
{
	char list[POLICY_ERR_LEN];
	yaml_node_pair_t *pairs;
	size_t count;
	int ret = policy_yaml_pairs(y, n, &pairs, &count);

	memset(vals, 0, nkeys * sizeof(*vals));
	for (size_t i = 0; !ret && i < count; i++) {
		yaml_node_t *k = policy_yaml_node(y, pairs[i].key);
		const char *name;
		int at;

		ret = policy_yaml_key(y, k, &name);
		if (ret)
			break;
		at = find(keys, nkeys, name);
		if (at < 0) {
			policy_yaml_join(keys, nkeys, list, sizeof(list));
			return policy_yaml_fail(y, k, "unknown key '%s' (expected one of: %s)",
						policy_yaml_q(y, name), list);
		}
		if (vals[at])
			return policy_yaml_fail(y, k, "duplicate key '%s'", name);
		vals[at] = policy_yaml_node(y, pairs[i].value);
		if (knodes)
			knodes[at] = k;
	}
	return ret;
}

int policy_yaml_need(struct policy_yaml *y, yaml_node_t *n, const yaml_node_t *v,
		     const char *name)
{
	return v ? 0 : policy_yaml_fail(y, n, "missing key '%s'", name);
}
