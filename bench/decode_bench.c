// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * decode_bench: how fast the collector turns captured stdio bytes into correlated MCP messages,
 * on one core, without the kernel in the way.
 *
 * It builds the traffic of one stdio session (initialize, notifications/initialized, then
 * PAIRS tools/call requests and their results of ~150-400 bytes each, as the official SDK
 * writes them), cuts each direction into chunks, and replays it PASSES times through a fresh
 * decoder (user/decode.h) whose sink counts messages. With --jsonl the sink also formats every
 * message as mcpwarden's JSON line (user/output.c) and writes it to /dev/null.
 *
 *   decode_bench [--pairs N] [--passes N] [--chunk BYTES|message] [--jsonl] [--short]
 *
 * --chunk BYTES cuts each direction into BYTES-sized chunks (messages straddle chunk
 * boundaries); --chunk message feeds one chunk per message, the way one write(2) per message
 * reaches the ring buffer. --short makes the decoder cut long strings from each line before
 * checking it (jsonshort_text), as the collector does in its default payload mode (the
 * traffic holds no string long enough to cut: this is the cost of looking). Prints one JSON
 * object; exits 1 if the decoder lost, skipped or mismatched anything (the numbers would not
 * mean what they say).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "decode.h"
#include "mcpwarden/limits.h"
#include "output.h"

#define PAIRS_DEFAULT   25000u
#define PASSES_DEFAULT  8u
#define CHUNK_DEFAULT   (64u << 10)
#define CHUNK_PER_MSG   0u              /* --chunk message */
#define TEXT_MIN        40u             /* echoed text: request ~150..400 bytes */
#define TEXT_SPAN       240u
#define NSEC_PER_SEC    1000000000ull
#define CHUNK_GAP_NS    20000ull        /* fake time between chunks */
#define SERVER_TGID     4242u
#define CLIENT_TGID     4241u
#define SERVER_START_NS 1000ull
#define CHAN_C2S        101u            /* channel ids: one per direction */
#define CHAN_S2C        102u
#define MSG_LEN_MAX     1024u

/* One direction of the session: its bytes and where each message ends. */
struct dirbuf {
	char *p;
	size_t len, alloc;
	size_t *ends;           /* offset just past message i (its '\n') */
	size_t nmsg, nalloc;
};

struct traffic {
	struct dirbuf d[2];     /* indexed by enum mw_dir */
	uint64_t messages;      /* both directions */
	uint64_t results;       /* responses that must be matched to a request */
};

struct counts {
	uint64_t messages, matched, notes;
	struct output *out;     /* --jsonl: format every message, else NULL */
	struct output_chan oc;
};

struct config {
	unsigned int pairs, passes;
	size_t chunk;           /* CHUNK_PER_MSG: one chunk per message */
	bool jsonl;
	bool shorten;           /* --short: the decoder shortens as the collector does */
};

/* ---- traffic ---- */

static int dir_append(struct dirbuf *b, const char *line, size_t n)
{
	if (b->len + n > b->alloc) {
		size_t alloc = b->alloc ? b->alloc * 2 : (1u << 20);
		char *p;

		while (alloc < b->len + n)
			alloc *= 2;
		p = realloc(b->p, alloc);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->alloc = alloc;
	}
	if (b->nmsg == b->nalloc) {
		size_t nalloc = b->nalloc ? b->nalloc * 2 : 1024;
		size_t *e = realloc(b->ends, nalloc * sizeof(*e));

		if (!e)
			return -ENOMEM;
		b->ends = e;
		b->nalloc = nalloc;
	}
	memcpy(b->p + b->len, line, n);
	b->len += n;
	b->ends[b->nmsg++] = b->len;
	return 0;
}

static int add(struct traffic *t, enum mw_dir dir, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int add(struct traffic *t, enum mw_dir dir, const char *fmt, ...)
{
	char line[MSG_LEN_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -EOVERFLOW;
	line[n++] = '\n';
	t->messages++;
	return dir_append(&t->d[dir], line, (size_t)n);
}

/* Printable text with the odd JSON escape and non-ASCII character, len bytes or a few more. */
static void make_text(char *out, size_t len, uint32_t *seed)
{
	static const char *const words[] = {
		"the", "quick", "model", "context", "protocol", "server", "tool", "call",
		"result", "caf\\u00e9", "line\\n", "\\\"quoted\\\"", "r\xc3\xa9sum\xc3\xa9", "42",
	};
	size_t n = 0;

	while (n < len) {
		const char *w;

		*seed = *seed * 1103515245u + 12345u;
		w = words[(*seed >> 16) % (sizeof(words) / sizeof(words[0]))];
		n += (size_t)sprintf(out + n, "%s%s", n ? " " : "", w);
	}
}

static int add_initialize(struct traffic *t)
{
	int rc = add(t, MW_DIR_C2S, "{\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
		     "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"bench-client\","
		     "\"version\":\"1.0.0\"}},\"jsonrpc\":\"2.0\",\"id\":0}");

	if (!rc)
		rc = add(t, MW_DIR_S2C, "{\"result\":{\"protocolVersion\":\"2025-06-18\","
			 "\"capabilities\":{\"tools\":{\"listChanged\":true},\"resources\":"
			 "{\"subscribe\":true,\"listChanged\":true},\"prompts\":{\"listChanged\":true},"
			 "\"logging\":{},\"completions\":{}},\"serverInfo\":{\"name\":"
			 "\"example-servers/everything\",\"version\":\"1.0.0\"},\"instructions\":"
			 "\"Testing and demonstration server for MCP protocol features.\"},"
			 "\"jsonrpc\":\"2.0\",\"id\":0}");
	if (!rc)
		rc = add(t, MW_DIR_C2S, "{\"method\":\"notifications/initialized\",\"jsonrpc\":\"2.0\"}");
	return rc;
}

/* One tools/call and its result, alternating the echo and get-sum tools as the SDK sends them. */
static int add_call(struct traffic *t, unsigned int id, uint32_t *seed)
{
	char text[MSG_LEN_MAX / 2];
	int rc;

	if (id % 4 == 3) {
		rc = add(t, MW_DIR_C2S, "{\"method\":\"tools/call\",\"params\":{\"name\":\"get-sum\","
			 "\"arguments\":{\"a\":%u,\"b\":%u},\"_meta\":{\"progressToken\":%u}},"
			 "\"jsonrpc\":\"2.0\",\"id\":%u}", id, id * 7, id, id);
		if (!rc)
			rc = add(t, MW_DIR_S2C, "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
				 "\"The sum of %u and %u is %u.\"}]},\"jsonrpc\":\"2.0\",\"id\":%u}",
				 id, id * 7, id * 8, id);
		return rc;
	}
	*seed = *seed * 1103515245u + 12345u;
	make_text(text, TEXT_MIN + (*seed >> 16) % TEXT_SPAN, seed);
	rc = add(t, MW_DIR_C2S, "{\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
		 "\"arguments\":{\"message\":\"%s\"},\"_meta\":{\"progressToken\":%u}},"
		 "\"jsonrpc\":\"2.0\",\"id\":%u}", text, id, id);
	if (!rc)
		rc = add(t, MW_DIR_S2C, "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
			 "\"Echo: %s\"}]},\"jsonrpc\":\"2.0\",\"id\":%u}", text, id);
	return rc;
}

static int traffic_build(struct traffic *t, unsigned int pairs)
{
	uint32_t seed = 1;
	int rc = add_initialize(t);

	t->results = 1;
	for (unsigned int id = 1; !rc && id <= pairs; id++) {
		rc = add_call(t, id, &seed);
		t->results++;
	}
	return rc;
}

static void traffic_free(struct traffic *t)
{
	for (int i = 0; i < 2; i++) {
		free(t->d[i].p);
		free(t->d[i].ends);
	}
}

/* ---- replay ---- */

static void on_message(void *ctx, const struct decode_msg *dm)
{
	struct counts *c = ctx;

	c->messages++;
	c->matched += dm->corr.matched;
	if (c->out)
		output_message(c->out, dm, &c->oc);
}

static void on_note(void *ctx, const struct decode_note *n)
{
	struct counts *c = ctx;

	c->notes++;
}

static int feed(struct decoder *d, enum mw_dir dir, const struct dirbuf *b, size_t from,
		size_t to, uint64_t *ts)
{
	struct decode_chunk c = {
		.chan = dir == MW_DIR_C2S ? CHAN_C2S : CHAN_S2C, .offset = from,
		.data = (const uint8_t *)b->p + from, .len = to - from, .ts_ns = *ts += CHUNK_GAP_NS,
		.dir = dir, .session_key = SERVER_TGID, .tgid = SERVER_TGID,
		.start_ns = SERVER_START_NS,
	};

	return decoder_feed(d, &c);
}

/*
 * One chunk per message (one write(2) each), in conversation order: initialize, its result,
 * notifications/initialized, then each request followed by its response.
 */
static int replay_messages(struct decoder *d, const struct traffic *t)
{
	const struct dirbuf *c2s = &t->d[MW_DIR_C2S], *s2c = &t->d[MW_DIR_S2C];
	uint64_t ts = 0;
	int rc;

	rc = feed(d, MW_DIR_C2S, c2s, 0, c2s->ends[0], &ts);
	if (!rc)
		rc = feed(d, MW_DIR_S2C, s2c, 0, s2c->ends[0], &ts);
	if (!rc)
		rc = feed(d, MW_DIR_C2S, c2s, c2s->ends[0], c2s->ends[1], &ts);
	/* response k answers request message k + 1 (message 1 is the notification) */
	for (size_t k = 1; !rc && k < s2c->nmsg; k++) {
		rc = feed(d, MW_DIR_C2S, c2s, c2s->ends[k], c2s->ends[k + 1], &ts);
		if (!rc)
			rc = feed(d, MW_DIR_S2C, s2c, s2c->ends[k - 1], s2c->ends[k], &ts);
	}
	return rc;
}

/*
 * Fixed-size chunks. Before each server-to-client chunk, enough client-to-server chunks are fed
 * that every response completed by it finds its request already seen.
 */
static int replay_chunks(struct decoder *d, const struct traffic *t, size_t chunk)
{
	const struct dirbuf *c2s = &t->d[MW_DIR_C2S], *s2c = &t->d[MW_DIR_S2C];
	size_t in = 0, out = 0, resp = 0;
	uint64_t ts = 0;
	int rc = 0;

	while (!rc && (in < c2s->len || out < s2c->len)) {
		size_t end = out + chunk < s2c->len ? out + chunk : s2c->len;
		size_t need;

		while (resp < s2c->nmsg && s2c->ends[resp] <= end)
			resp++;
		/* response k answers request message k+1 (message 1 is the notification) */
		need = resp == 0 ? 0 : resp == 1 ? c2s->ends[0] : c2s->ends[resp];
		if (out == s2c->len)
			need = c2s->len;
		while (!rc && in < need) {
			size_t to = in + chunk < c2s->len ? in + chunk : c2s->len;

			rc = feed(d, MW_DIR_C2S, c2s, in, to, &ts);
			in = to;
		}
		if (!rc && out < end)
			rc = feed(d, MW_DIR_S2C, s2c, out, end, &ts);
		out = end;
	}
	return rc;
}

static int replay(const struct config *cfg, const struct traffic *t, struct counts *c,
		  struct decode_stats *st)
{
	struct decode_opts o = {
		.message_cap = MW_MESSAGE_CAP_DEFAULT, .reorder_wait_ns = NSEC_PER_SEC,
		.shorten_over = cfg->shorten ? MW_SHORTEN_OVER : 0,
		.shorten_keep = cfg->shorten ? MW_SHORTEN_KEEP : 0,
	};
	struct decode_sink sink = {
		.message = on_message, .truncated = on_note, .skipped = on_note, .gap = on_note,
	};
	struct decoder *d = decoder_new(&o, &sink, c);
	int rc;

	if (!d)
		return -ENOMEM;
	rc = cfg->chunk == CHUNK_PER_MSG ? replay_messages(d, t) : replay_chunks(d, t, cfg->chunk);
	decoder_flush(d);
	decoder_stats(d, st);
	decoder_free(d);
	return rc;
}

/* ---- main ---- */

static int parse_args(int argc, char **argv, struct config *cfg)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (!strcmp(a, "--jsonl")) {
			cfg->jsonl = true;
			continue;
		}
		if (!strcmp(a, "--short")) {
			cfg->shorten = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (!strcmp(a, "--pairs"))
			cfg->pairs = (unsigned int)strtoul(v, &end, 10);
		else if (!strcmp(a, "--passes"))
			cfg->passes = (unsigned int)strtoul(v, &end, 10);
		else if (!strcmp(a, "--chunk") && !strcmp(v, "message"))
			cfg->chunk = CHUNK_PER_MSG;
		else if (!strcmp(a, "--chunk"))
			cfg->chunk = strtoul(v, &end, 10);
		else
			return -1;
		if (end && (*end || end == v))
			return -1;
	}
	return cfg->pairs && cfg->passes ? 0 : -1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static int open_jsonl(struct counts *c)
{
	static struct proc_info server = {
		.tgid = SERVER_TGID, .start_ns = SERVER_START_NS, .ppid = CLIENT_TGID, .root = SERVER_TGID,
		.comm = "node", .cmdline = "node server-everything/dist/index.js stdio",
		.exe = "/usr/bin/node",
	};
	static struct proc_info client = {
		.tgid = CLIENT_TGID, .start_ns = SERVER_START_NS - 1, .ppid = 1, .comm = "node",
		.cmdline = "node bench-client.mjs", .exe = "/usr/bin/node",
	};
	struct output_opts oo = { .jsonl_path = "/dev/null", .payload = PAYLOAD_SHORT };
	struct mw_error err;

	c->oc = (struct output_chan){ .transport = "stdio", .name = "unix:[12345]",
				      .server = &server, .client = &client };
	c->out = output_open(&oo, &err);
	if (!c->out)
		fprintf(stderr, "decode_bench: %s\n", err.msg);
	return c->out ? 0 : -EIO;
}

static int check(const struct traffic *t, const struct counts *c, const struct decode_stats *st,
		 unsigned int passes)
{
	if (c->messages == t->messages * passes && c->matched == t->results * passes && !c->notes &&
	    !st->gaps && !st->lost_bytes && !st->truncated)
		return 0;
	fprintf(stderr, "decode_bench: decoded %llu messages (%llu matched, %llu notes, %llu gaps), "
		"expected %llu (%llu matched)\n", (unsigned long long)c->messages,
		(unsigned long long)c->matched, (unsigned long long)c->notes,
		(unsigned long long)st->gaps, (unsigned long long)(t->messages * passes),
		(unsigned long long)(t->results * passes));
	return -1;
}

static void report(const struct config *cfg, const struct traffic *t, const struct counts *c,
		   uint64_t wall_ns, uint64_t cpu_ns)
{
	struct rusage ru;
	uint64_t bytes = (uint64_t)(t->d[0].len + t->d[1].len) * cfg->passes;
	char chunk[32];

	getrusage(RUSAGE_SELF, &ru);
	if (cfg->chunk == CHUNK_PER_MSG)
		snprintf(chunk, sizeof(chunk), "\"message\"");
	else
		snprintf(chunk, sizeof(chunk), "%zu", cfg->chunk);
	printf("{\"chunk\":%s,\"jsonl\":%s,\"short\":%s,\"messages\":%llu,\"bytes\":%llu,"
	       "\"avg_msg_bytes\":%.1f,\"wall_ns\":%llu,\"cpu_ns\":%llu,\"msgs_per_s\":%.1f,"
	       "\"mb_per_s\":%.2f,\"traffic_bytes\":%zu,\"max_rss_kb\":%ld}\n", chunk,
	       cfg->jsonl ? "true" : "false", cfg->shorten ? "true" : "false",
	       (unsigned long long)c->messages, (unsigned long long)bytes,
	       (double)bytes / (double)c->messages, (unsigned long long)wall_ns,
	       (unsigned long long)cpu_ns, (double)c->messages * NSEC_PER_SEC / (double)cpu_ns,
	       (double)bytes * NSEC_PER_SEC / (double)cpu_ns / (1u << 20),
	       t->d[0].len + t->d[1].len, ru.ru_maxrss);
}

int main(int argc, char **argv)
{
	struct config cfg = { .pairs = PAIRS_DEFAULT, .passes = PASSES_DEFAULT, .chunk = CHUNK_DEFAULT };
	struct traffic t = { 0 };
	struct counts c = { 0 };
	struct decode_stats st;
	uint64_t wall, cpu;
	int rc = 0;

	if (parse_args(argc, argv, &cfg)) {
		fprintf(stderr, "usage: decode_bench [--pairs N] [--passes N] "
			"[--chunk BYTES|message] [--jsonl] [--short]\n");
		return 2;
	}
	if (traffic_build(&t, cfg.pairs) || (cfg.jsonl && open_jsonl(&c))) {
		fprintf(stderr, "decode_bench: cannot build the traffic\n");
		return 1;
	}
	wall = clock_ns(CLOCK_MONOTONIC);
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned int p = 0; !rc && p < cfg.passes; p++)
		rc = replay(&cfg, &t, &c, &st);
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	wall = clock_ns(CLOCK_MONOTONIC) - wall;
	if (rc)
		fprintf(stderr, "decode_bench: decoder_feed failed: %s\n", strerror(-rc));
	if (c.out && output_close(c.out))
		fprintf(stderr, "decode_bench: writing JSON lines to /dev/null failed\n");
	if (!rc && !check(&t, &c, &st, cfg.passes))
		report(&cfg, &t, &c, wall, cpu);
	else
		rc = -1;
	traffic_free(&t);
	return rc ? 1 : 0;
}
