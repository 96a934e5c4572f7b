/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* cli: the command line, parsed into a configuration. Commands are a table of do_<cmd>(). */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mcpwarden/limits.h"

#define MW_CLI_ARGS_MAX 4u
/* Where the tracked and channels maps are pinned between runs (bpffs). */
#define MW_PIN_DIR_DEFAULT "/sys/fs/bpf/mcpwarden"

enum payload_mode {
	PAYLOAD_SHORT = 0,      /* string fields over MW_SHORTEN_OVER bytes are shortened */
	PAYLOAD_FULL,           /* messages exactly as seen */
};

enum color_mode {
	COLOR_AUTO = 0,
	COLOR_ALWAYS,
	COLOR_NEVER,
};

struct mw_config {
	const char *jsonl_path;         /* NULL: no JSONL; "-": stdout */
	enum payload_mode payload;
	enum color_mode color;
	bool quiet;                     /* no console lines */
	bool detect;                    /* track processes that read MCP requests */
	bool default_match;             /* add the built-in --match patterns */
	const char *match[MW_MATCH_MAX];
	unsigned int n_match;
	pid_t pids[MW_PIDS_MAX];
	unsigned int n_pids;
	unsigned int ringbuf_mb;
	size_t message_cap;
	unsigned int duration_s;        /* 0: until SIGINT/SIGTERM */
	bool verbose;                   /* libbpf debug output */
	const char *policy_path;        /* --policy FILE; NULL: the built-in default */
	bool attach_all;                /* attach every program, cgroup ones too (check) */
	const char *pin_dir;            /* pin directory; NULL with --no-pin */
	bool no_pin;                    /* --no-pin given */
	const char *args[MW_CLI_ARGS_MAX];      /* the command's operands */
	unsigned int n_args;
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(const struct mw_config *cfg);
	unsigned int min_args, max_args;        /* operands it takes */
	const char *args_usage;                 /* "check|show [FILE]" */
};

/*
 * Parse argv. On success *cmd is the command to run (watch when none is named) and 0 is
 * returned; 1 means help or version was printed (exit 0); -EINVAL means an error was printed.
 */
int cli_parse(int argc, char **argv, const struct cli_command *cmds, size_t ncmds,
	      const struct cli_command **cmd, struct mw_config *cfg);

/* Built-in command-line patterns that mark a process as an MCP server (see docs). */
extern const char *const cli_default_match[];
extern const size_t cli_default_match_count;

#endif
