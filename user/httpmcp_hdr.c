// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * httpmcp_hdr: the 2026-07-28 headers Mcp-Method and Mcp-Name against the body of the same
 * POST. A value that cannot ride in a header as plain ASCII is sent as =?base64?<standard
 * Base64 of its UTF-8>?= (lowercase markers); it is decoded before the comparison. A value
 * wearing both markers that does not decode to UTF-8 text stands for nothing: a mismatch.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "httpmcp_int.h"

#define B64_PREFIX "=?base64?"
#define B64_SUFFIX "?="

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard Base64 of n characters (padding optional) into out (room for n * 3 / 4 + 1);
 * the decoded length, or -1 when it is not Base64. */
static long b64_decode(const char *in, size_t n, char *out)
{
	unsigned int acc = 0, bits = 0;
	long len = 0;
	size_t pad = 0;

	while (pad < 2 && pad < n && in[n - 1 - pad] == '=')
		pad++;
	if (pad && n % 4)
		return -1;
	n -= pad;
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[len] = '\0';
	return len;
}

/* Text that is UTF-8 and holds no NUL. */
static bool is_text(const char *p, size_t n)
{
	json_t *j;

	if (strlen(p) != n)
		return false;
	j = json_stringn(p, n);
	json_decref(j);
	return j != NULL;
}

/* The value a header stands for: v itself, or the decoded sentinel form (malloc'd in *buf).
 * NULL when v wears the markers and does not decode. */
const char *hm_header_decode(const char *v, char **buf)
{
	size_t n = strlen(v), pre = strlen(B64_PREFIX), suf = strlen(B64_SUFFIX);
	long len;

	*buf = NULL;
	if (n < pre + suf || strncmp(v, B64_PREFIX, pre) || strcmp(v + n - suf, B64_SUFFIX))
		return v;               /* plain (a lone prefix is literal text too) */
	*buf = malloc((n - pre - suf) / 4 * 3 + 4);
	if (!*buf)
		return NULL;
	len = b64_decode(v + pre, n - pre - suf, *buf);
	if (len < 0 || !is_text(*buf, (size_t)len)) {
		free(*buf);
		*buf = NULL;
		return NULL;
	}
	return *buf;
}

static void report(struct hx *x, const char *hdr, const char *raw, const char *value,
		   const char *body, const struct httpmcp_msg *m)
{
	struct httpmcp *h = x->c->h;
	struct httpmcp_mismatch mm = {
		.header = hdr, .header_value = value ? value : raw, .body_value = body,
		.header_raw = value && value != raw ? raw : NULL, .msg = m,
	};

	h->st.header_mismatches++;
	if (h->sink.mismatch)
		h->sink.mismatch(h->ctx, &mm);
}

/* One header against what the body says (body NULL when the body has no such value). */
static void check_one(struct hx *x, const char *hdr, const char *raw, const char *body,
		      const struct httpmcp_msg *m)
{
	char *buf;
	const char *value;

	if (!raw)
		return;
	value = hm_header_decode(raw, &buf);
	if (!value || !body || strcmp(value, body))
		report(x, hdr, raw, value, body, m);
	free(buf);
}

/* The value Mcp-Name stands for: params.name (tools/call, prompts/get), else params.uri
 * (resources/read). */
static const char *body_name(json_t *params)
{
	const char *v = json_string_value(json_object_get(params, "name"));

	return v ? v : json_string_value(json_object_get(params, "uri"));
}

void hm_check_headers(struct hx *x, const struct httpmcp_msg *m)
{
	const char *hm = http_tx_header(x->tx, HTTP_REQUEST, "mcp-method");
	const char *hn = http_tx_header(x->tx, HTTP_REQUEST, "mcp-name");
	json_t *root;

	if (!hm && !hn)
		return;
	root = json_loadb(m->text, m->len, 0, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	check_one(x, HDR_METHOD, hm, json_string_value(json_object_get(root, "method")), m);
	check_one(x, HDR_NAME, hn, body_name(json_object_get(root, "params")), m);
	json_decref(root);
}
