// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sse: the WHATWG event-stream parser. Bytes go through a small state machine (field name,
 * the optional space after the colon, value) that streams values straight into their buffers,
 * so no line is kept whole and every buffer stays under max_event.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

#define FIELD_NAME_MAX  8u              /* longer names are none the spec knows ("retry": 5) */
#define BUF_MIN         256u            /* first allocation of a growing buffer */
#define BUF_KEEP        (64u << 10)     /* a buffer grown past this is released after its event */
#define TYPE_DEFAULT    "message"

static const uint8_t utf8_bom[] = { 0xef, 0xbb, 0xbf };

#define BOM_DONE        (sizeof(utf8_bom) + 1)

enum sse_field {
	FIELD_OTHER = 0,        /* unknown names are ignored */
	FIELD_COMMENT,
	FIELD_DATA,
	FIELD_EVENT,
	FIELD_ID,
	FIELD_RETRY,
};

enum sse_phase {
	PHASE_NAME = 0,         /* before the colon */
	PHASE_SPACE,            /* just after it: one space is dropped */
	PHASE_VALUE,
};

/* A growing byte buffer, always NUL-terminated once allocated. */
struct sse_buf {
	char *p;
	size_t len, cap;
};

struct sse {
	sse_event_fn fn;
	void *ctx;
	size_t max;
	struct sse_stats st;

	/* the stream */
	size_t bom;             /* BOM bytes matched at the start, BOM_DONE once past it */
	bool cr;                /* the last byte was CR: an LF right after it ends no line */
	struct sse_buf last_id;
	bool have_id;
	long retry;

	/* the line */
	enum sse_phase phase;
	enum sse_field field;
	char name[FIELD_NAME_MAX];
	size_t name_len;
	bool name_long;
	struct sse_buf val;     /* value of an event:, id: or retry: field */
	bool val_over;

	/* the event */
	struct sse_buf data, type;
	bool pending;           /* a data: or an accepted id: field was seen */
	bool id_set;
	bool over;              /* past max_event: dropped at its empty line */
};

/* Append n bytes; -E2BIG when the content would pass max, -ENOMEM. */
static int buf_add(struct sse_buf *b, const void *p, size_t n, size_t max)
{
	size_t cap;
	char *np;

	if (n > max || b->len > max - n)
		return -E2BIG;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : BUF_MIN;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (max < SIZE_MAX && cap > max + 1)
			cap = max + 1;          /* never more than the content allowed, and a NUL */
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static void buf_clear(struct sse_buf *b)
{
	if (b->cap > BUF_KEEP) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static void buf_free(struct sse_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

struct sse *sse_new(size_t max_event, sse_event_fn fn, void *ctx)
{
	struct sse *s;

	if (!fn)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fn = fn;
	s->ctx = ctx;
	s->max = max_event;
	s->retry = -1;
	return s;
}

void sse_free(struct sse *s)
{
	if (!s)
		return;
	buf_free(&s->last_id);
	buf_free(&s->val);
	buf_free(&s->data);
	buf_free(&s->type);
	free(s);
}

const struct sse_stats *sse_stats(const struct sse *s)
{
	return &s->st;
}

static void reset_line(struct sse *s)
{
	s->phase = PHASE_NAME;
	s->field = FIELD_OTHER;
	s->name_len = 0;
	s->name_long = false;
	buf_clear(&s->val);
	s->val_over = false;
}

static void reset_event(struct sse *s)
{
	buf_clear(&s->data);
	buf_clear(&s->type);
	s->pending = false;
	s->id_set = false;
	s->over = false;
}

static void dispatch(struct sse *s)
{
	struct sse_event e = { .retry_ms = s->retry };

	if (s->over) {
		s->st.oversize++;
	} else if (s->pending) {
		/* data lines each end with "\n": the last one is not part of the data */
		if (s->data.len)
			s->data.p[--s->data.len] = '\0';
		e.type = s->type.len ? s->type.p : TYPE_DEFAULT;
		e.data = s->data.p ? s->data.p : "";
		e.data_len = s->data.len;
		e.id = s->have_id ? (s->last_id.p ? s->last_id.p : "") : NULL;
		e.id_set = s->id_set;
		s->st.events++;
		s->fn(s->ctx, &e);
	}
	reset_event(s);
}

/* The event passed max_event: keep parsing it, but drop what it holds. */
static void event_over(struct sse *s)
{
	s->over = true;
	buf_clear(&s->data);
}

static enum sse_field field_of(const struct sse *s)
{
	static const struct {
		const char *name;
		enum sse_field field;
	} known[] = {
		{ "data", FIELD_DATA }, { "event", FIELD_EVENT }, { "id", FIELD_ID },
		{ "retry", FIELD_RETRY },
	};

	if (s->name_long)
		return FIELD_OTHER;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == s->name_len &&
		    memcmp(known[i].name, s->name, s->name_len) == 0)
			return known[i].field;
	return FIELD_OTHER;
}

/* retry: only ASCII digits, base ten; anything else (or an overflow) leaves it as it was. */
static void take_retry(struct sse *s)
{
	long v = 0;

	if (!s->val.len)
		return;
	for (size_t i = 0; i < s->val.len; i++) {
		int d = s->val.p[i] - '0';

		if (d < 0 || d > 9 || v > (LONG_MAX - d) / 10)
			return;
		v = v * 10 + d;
	}
	s->retry = v;
}

static int take_id(struct sse *s)
{
	int rc;

	if (s->val.len && memchr(s->val.p, '\0', s->val.len))
		return 0;       /* an id containing NUL is ignored */
	s->last_id.len = 0;
	rc = buf_add(&s->last_id, s->val.p ? s->val.p : "", s->val.len, s->max);
	if (rc == -ENOMEM)
		return rc;
	s->have_id = true;
	s->id_set = true;
	s->pending = true;
	return 0;
}

static int take_type(struct sse *s)
{
	s->type.len = 0;
	return buf_add(&s->type, s->val.p ? s->val.p : "", s->val.len, s->max);
}

/* The line of a field ended. */
static int field_done(struct sse *s)
{
	int rc = 0;

	switch (s->field) {
	case FIELD_COMMENT:
		s->st.comments++;
		break;
	case FIELD_DATA:
		s->pending = true;
		if (!s->over && buf_add(&s->data, "\n", 1, s->max + 1) == -E2BIG)
			event_over(s);
		break;
	case FIELD_EVENT:
		if (!s->val_over)
			rc = take_type(s);
		break;
	case FIELD_ID:
		if (!s->val_over)
			rc = take_id(s);
		break;
	case FIELD_RETRY:
		if (!s->val_over)
			take_retry(s);
		break;
	case FIELD_OTHER:
		break;
	}
	return rc == -ENOMEM ? rc : 0;
}

static int end_line(struct sse *s)
{
	int rc = 0;

	if (s->phase == PHASE_NAME && !s->name_len && !s->name_long) {
		dispatch(s);
	} else {
		/* no colon: the line is the name, the value empty */
		if (s->phase == PHASE_NAME)
			s->field = field_of(s);
		rc = field_done(s);
	}
	reset_line(s);
	return rc;
}

static int value_bytes(struct sse *s, const uint8_t *p, size_t n)
{
	int rc;

	switch (s->field) {
	case FIELD_DATA:
		if (s->over)
			return 0;
		rc = buf_add(&s->data, p, n, s->max + 1);
		if (rc == -E2BIG)
			event_over(s);
		return rc == -ENOMEM ? rc : 0;
	case FIELD_EVENT:
	case FIELD_ID:
	case FIELD_RETRY:
		if (s->val_over)
			return 0;
		rc = buf_add(&s->val, p, n, s->max);
		if (rc == -E2BIG) {
			s->val_over = true;
			event_over(s);
		}
		return rc == -ENOMEM ? rc : 0;
	default:
		return 0;
	}
}

/* Bytes of the field name, up to and including its colon; returns how many were used. */
static size_t name_bytes(struct sse *s, const uint8_t *p, size_t n)
{
	const uint8_t *colon = memchr(p, ':', n);
	size_t take = colon ? (size_t)(colon - p) : n;

	if (!s->name_len && !s->name_long && colon == p) {
		s->field = FIELD_COMMENT;
		s->phase = PHASE_VALUE;
		return 1;
	}
	if (s->name_long || take > FIELD_NAME_MAX - s->name_len) {
		s->name_long = true;
	} else {
		memcpy(s->name + s->name_len, p, take);
		s->name_len += take;
	}
	if (!colon)
		return n;
	s->field = field_of(s);
	s->phase = PHASE_SPACE;
	return take + 1;
}

/* Bytes of one line, without its end. */
static int line_bytes(struct sse *s, const uint8_t *p, size_t n)
{
	size_t used;

	while (n) {
		switch (s->phase) {
		case PHASE_NAME:
			used = name_bytes(s, p, n);
			break;
		case PHASE_SPACE:
			used = *p == ' ';
			s->phase = PHASE_VALUE;
			break;
		default:
			return value_bytes(s, p, n);
		}
		p += used;
		n -= used;
	}
	return 0;
}

static size_t line_span(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '\r' && p[i] != '\n')
		i++;
	return i;
}

/* A line ends at CR, LF or CR LF; a CR LF may be split between two pieces. */
static int line_end(struct sse *s, uint8_t c)
{
	bool skip = c == '\n' && s->cr;

	s->cr = c == '\r';
	return skip ? 0 : end_line(s);
}

static int parse(struct sse *s, const uint8_t *p, size_t n)
{
	size_t span;
	int rc;

	while (n) {
		if (*p == '\r' || *p == '\n') {
			span = 1;
			rc = line_end(s, *p);
		} else {
			span = line_span(p, n);
			s->cr = false;
			rc = line_bytes(s, p, span);
		}
		if (rc)
			return rc;
		p += span;
		n -= span;
	}
	return 0;
}

/* A UTF-8 BOM at the very start is skipped, even split across pieces. */
static int skip_bom(struct sse *s, const uint8_t **p, size_t *n)
{
	size_t matched;

	while (*n && s->bom < sizeof(utf8_bom) && **p == utf8_bom[s->bom]) {
		s->bom++;
		(*p)++;
		(*n)--;
	}
	if (s->bom == sizeof(utf8_bom)) {
		s->bom = BOM_DONE;
		return 0;
	}
	if (!*n)
		return 0;       /* a prefix of the BOM so far */
	matched = s->bom;
	s->bom = BOM_DONE;
	return parse(s, utf8_bom, matched);    /* not a BOM after all: those bytes are text */
}

int sse_feed(struct sse *s, const uint8_t *data, size_t len)
{
	int rc;

	s->st.bytes += len;
	if (s->bom != BOM_DONE && (rc = skip_bom(s, &data, &len)))
		return rc;
	return parse(s, data, len);
}

void sse_end(struct sse *s)
{
	reset_line(s);
	reset_event(s);
	s->cr = false;
}
