// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mcpwarden/events.h"

#define MW_VERSION "0.1.0"

const char *const cli_default_match[] = {
	"*@modelcontextprotocol/server-*",
	"*mcp-server-*",
	"*mcp_server_*",
};
const size_t cli_default_match_count = sizeof(cli_default_match) / sizeof(cli_default_match[0]);

enum {
	OPT_PAYLOAD = 0x100,
	OPT_COLOR,
	OPT_NO_DETECT,
	OPT_NO_DEFAULT_MATCH,
	OPT_RINGBUF_MB,
	OPT_MAX_MESSAGE,
	OPT_DURATION,
	OPT_NO_PIN,
	OPT_PIN_DIR,
};

static const struct option long_opts[] = {
	{ "jsonl", required_argument, NULL, 'j' },
	{ "match", required_argument, NULL, 'm' },
	{ "pid", required_argument, NULL, 'p' },
	{ "policy", required_argument, NULL, 'P' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "payload", required_argument, NULL, OPT_PAYLOAD },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "no-detect", no_argument, NULL, OPT_NO_DETECT },
	{ "no-default-match", no_argument, NULL, OPT_NO_DEFAULT_MATCH },
	{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF_MB },
	{ "max-message", required_argument, NULL, OPT_MAX_MESSAGE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "no-pin", no_argument, NULL, OPT_NO_PIN },
	{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f, const struct cli_command *cmds, size_t ncmds)
{
	fprintf(f,
		"usage: mcpwarden [COMMAND] [OPTIONS]\n"
		"\n"
		"Watch MCP (Model Context Protocol) servers from inside the kernel: every JSON-RPC\n"
		"message they read and write on stdio or HTTP, tied to its session and request, what\n"
		"their processes exec, open and connect to, and alerts (or, in mode: enforce, kills)\n"
		"where the policy is broken.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < ncmds; i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s%s%s", cmds[i].name, cmds[i].args_usage ? " " : "",
			 cmds[i].args_usage ? cmds[i].args_usage : "");
		fprintf(f, "  %-24s %s\n", head, cmds[i].summary);
	}
	fprintf(f,
		"\n"
		"options:\n"
		"  -j, --jsonl PATH        write JSON lines to PATH ('-' for stdout)\n"
		"      --payload MODE      'short' (default: long strings shortened) or 'full'\n"
		"  -m, --match GLOB        track processes whose command line matches GLOB\n"
		"                          (repeatable; e.g. '*mcp-server*')\n"
		"      --no-default-match  do not add the built-in patterns:");
	for (size_t i = 0; i < cli_default_match_count; i++)
		fprintf(f, " '%s'", cli_default_match[i]);
	fprintf(f,
		"\n"
		"  -p, --pid PID           track PID and its descendants (repeatable)\n"
		"  -P, --policy FILE       the policy (YAML; docs/policy.md); default: built in\n"
		"      --no-detect         do not track processes that read an MCP initialize\n"
		"  -q, --quiet             no console lines\n"
		"      --color WHEN        auto (default), always or never\n"
		"      --ringbuf-mb N      ring buffer size in MiB (default %u, %u..%u, power of 2)\n"
		"      --max-message SIZE  longest message decoded, bytes (default %u; K/M suffix)\n"
		"      --duration SECS     stop after SECS seconds\n"
		"      --pin-dir DIR       keep the tracked-process and channel maps pinned in DIR\n"
		"                          (on bpffs; default %s), so that a restarted\n"
		"                          mcpwarden finds the servers this one tracked\n"
		"      --no-pin            neither use nor create pinned maps\n"
		"  -v, --verbose           show libbpf debug output\n"
		"  -h, --help              this text\n"
		"  -V, --version           print the version\n"
		"\n"
		"Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; and\n"
		"CAP_SYS_ADMIN if tracefs or bpffs is not mounted yet). Stops on SIGINT or SIGTERM.\n",
		MW_RINGBUF_DEFAULT_MB, MW_RINGBUF_MIN_MB, MW_RINGBUF_MAX_MB, MW_MESSAGE_CAP_DEFAULT,
		MW_PIN_DIR_DEFAULT);
}

static int parse_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
		       bool suffix, unsigned long *out)
{
	char *end;
	unsigned long v, mult = 1;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (suffix && (*end == 'K' || *end == 'k'))
		mult = 1024, end++;
	else if (suffix && (*end == 'M' || *end == 'm'))
		mult = 1024 * 1024, end++;
	if (errno || end == s || *end || *s == '-' || v > ULONG_MAX / mult ||
	    v * mult < min || v * mult > max) {
		fprintf(stderr, "mcpwarden: invalid value '%s' for --%s (expected %lu..%lu)\n",
			s, opt, min, max);
		return -EINVAL;
	}
	*out = v * mult;
	return 0;
}

static int add_pid(struct mw_config *cfg, const char *s)
{
	unsigned long v;

	if (cfg->n_pids == MW_PIDS_MAX) {
		fprintf(stderr, "mcpwarden: too many --pid (at most %u)\n", MW_PIDS_MAX);
		return -EINVAL;
	}
	if (parse_ulong("pid", s, 1, INT_MAX, false, &v))
		return -EINVAL;
	cfg->pids[cfg->n_pids++] = (pid_t)v;
	return 0;
}

static int add_match(struct mw_config *cfg, const char *s)
{
	if (cfg->n_match == MW_MATCH_MAX) {
		fprintf(stderr, "mcpwarden: too many --match (at most %u)\n", MW_MATCH_MAX);
		return -EINVAL;
	}
	if (!*s) {
		fprintf(stderr, "mcpwarden: --match needs a non-empty pattern\n");
		return -EINVAL;
	}
	cfg->match[cfg->n_match++] = s;
	return 0;
}

static int parse_enum(const char *opt, const char *s, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	}
	fprintf(stderr, "mcpwarden: invalid value '%s' for --%s\n", s, opt);
	return -EINVAL;
}

static int parse_value_opt(int c, const char *arg, struct mw_config *cfg)
{
	static const char *const payload_names[] = { "short", "full" };
	static const char *const color_names[] = { "auto", "always", "never" };
	unsigned long v;
	int e = 0, r = 0;

	switch (c) {
	case OPT_PAYLOAD:
		r = parse_enum("payload", arg, payload_names, 2, &e);
		cfg->payload = (enum payload_mode)e;
		return r;
	case OPT_COLOR:
		r = parse_enum("color", arg, color_names, 3, &e);
		cfg->color = (enum color_mode)e;
		return r;
	case OPT_RINGBUF_MB:
		if (parse_ulong("ringbuf-mb", arg, MW_RINGBUF_MIN_MB, MW_RINGBUF_MAX_MB, false, &v))
			return -EINVAL;
		if (v & (v - 1)) {
			fprintf(stderr, "mcpwarden: --ringbuf-mb must be a power of 2, not %lu\n", v);
			return -EINVAL;
		}
		cfg->ringbuf_mb = (unsigned int)v;
		return 0;
	case OPT_MAX_MESSAGE:
		r = parse_ulong("max-message", arg, MW_MESSAGE_CAP_MIN, MW_MESSAGE_CAP_MAX, true, &v);
		cfg->message_cap = v;
		return r;
	case OPT_DURATION:
		r = parse_ulong("duration", arg, 1, UINT_MAX, false, &v);
		cfg->duration_s = (unsigned int)v;
		return r;
	}
	return -EINVAL;
}

static int parse_opt(int c, const char *arg, struct mw_config *cfg)
{
	switch (c) {
	case 'j':
		cfg->jsonl_path = arg;
		return 0;
	case 'm':
		return add_match(cfg, arg);
	case 'p':
		return add_pid(cfg, arg);
	case 'P':
		if (!*arg) {
			fprintf(stderr, "mcpwarden: --policy needs a file name\n");
			return -EINVAL;
		}
		cfg->policy_path = arg;
		return 0;
	case 'q':
		cfg->quiet = true;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case OPT_NO_DETECT:
		cfg->detect = false;
		return 0;
	case OPT_NO_DEFAULT_MATCH:
		cfg->default_match = false;
		return 0;
	case OPT_NO_PIN:
		cfg->no_pin = true;
		return 0;
	case OPT_PIN_DIR:
		if (arg[0] != '/') {
			fprintf(stderr, "mcpwarden: --pin-dir needs an absolute path, not '%s'\n", arg);
			return -EINVAL;
		}
		cfg->pin_dir = arg;
		return 0;
	default:
		return parse_value_opt(c, arg, cfg);
	}
}

static void config_defaults(struct mw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->detect = true;
	cfg->default_match = true;
	cfg->ringbuf_mb = MW_RINGBUF_DEFAULT_MB;
	cfg->message_cap = MW_MESSAGE_CAP_DEFAULT;
}

static int pick_command(int argc, char **argv, const struct cli_command *cmds, size_t ncmds,
			const struct cli_command **cmd, struct mw_config *cfg)
{
	*cmd = &cmds[0];
	if (optind < argc) {
		for (size_t i = 0; i < ncmds; i++) {
			if (!strcmp(argv[optind], cmds[i].name)) {
				*cmd = &cmds[i];
				optind++;
				break;
			}
		}
	}
	while (optind < argc && cfg->n_args < (*cmd)->max_args)
		cfg->args[cfg->n_args++] = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "mcpwarden: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->n_args < (*cmd)->min_args) {
		fprintf(stderr, "mcpwarden: '%s' needs %s (see --help)\n", (*cmd)->name,
			(*cmd)->args_usage);
		return -EINVAL;
	}
	return 0;
}

int cli_parse(int argc, char **argv, const struct cli_command *cmds, size_t ncmds,
	      const struct cli_command **cmd, struct mw_config *cfg)
{
	int c;

	config_defaults(cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:m:p:P:qvhV", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout, cmds, ncmds);
			return 1;
		}
		if (c == 'V') {
			printf("mcpwarden %s (event ABI %u)\n", MW_VERSION, MW_ABI_VERSION);
			return 1;
		}
		if (c == '?') {
			fprintf(stderr, "mcpwarden: see --help\n");
			return -EINVAL;
		}
		if (parse_opt(c, optarg, cfg))
			return -EINVAL;
	}
	if (cfg->no_pin && cfg->pin_dir) {
		fprintf(stderr, "mcpwarden: --no-pin and --pin-dir exclude each other\n");
		return -EINVAL;
	}
	if (!cfg->no_pin && !cfg->pin_dir)
		cfg->pin_dir = MW_PIN_DIR_DEFAULT;
	return pick_command(argc, argv, cmds, ncmds, cmd, cfg);
}
