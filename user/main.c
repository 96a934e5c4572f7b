// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* mcpwarden: parse, init, run, clean up. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "monitor.h"
#include "polfile.h"

static volatile sig_atomic_t stop_requested;
static bool libbpf_verbose;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int setup(const struct mw_config *cfg)
{
	struct sigaction sa = { .sa_handler = on_signal };

	libbpf_verbose = cfg->verbose;
	libbpf_set_print(libbpf_print);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL)) {
		fprintf(stderr, "mcpwarden: cannot install signal handlers: %s\n", strerror(errno));
		return -errno;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int start(const struct mw_config *cfg, struct monitor **m)
{
	struct mw_error err = { "" };
	int rc = setup(cfg);

	if (rc)
		return rc;
	rc = monitor_start(m, cfg, &err);
	if (rc)
		fprintf(stderr, "mcpwarden: %s\n", err.msg[0] ? err.msg : strerror(-rc));
	return rc;
}

static int do_watch(const struct mw_config *cfg)
{
	struct monitor *m;
	int rc = start(cfg, &m);

	if (rc)
		return 1;
	while (!stop_requested && (rc = monitor_poll(m)) == 0)
		;
	if (rc < 0)
		fprintf(stderr, "mcpwarden: reading the ring buffer failed: %s\n", strerror(-rc));
	if (monitor_stop(m)) {
		fprintf(stderr, "mcpwarden: writing output failed: records were lost\n");
		return 1;
	}
	return rc < 0 ? 1 : 0;
}

static int do_check(const struct mw_config *cfg)
{
	struct mw_config quiet = *cfg;
	struct monitor *m;

	quiet.quiet = true;
	quiet.attach_all = true;
	quiet.pin_dir = NULL;           /* a check leaves the pins of a running watch alone */
	if (start(&quiet, &m))
		return 1;
	monitor_report(m);
	return monitor_stop(m) ? 1 : 0;
}

/* policy check FILE: validate (exit 1 on any error); policy show [FILE]: the effective
 * policy (FILE, else --policy, else the built-in default) as YAML. */
static int do_policy(const struct mw_config *cfg)
{
	const char *sub = cfg->args[0];
	const char *path = cfg->n_args > 1 ? cfg->args[1] : cfg->policy_path;
	struct policy_error err = { "" };
	struct policy *p;
	int rc = 0;

	if (strcmp(sub, "check") && strcmp(sub, "show")) {
		fprintf(stderr, "mcpwarden: unknown policy command '%s' (check or show)\n", sub);
		return 2;
	}
	if (!strcmp(sub, "check") && !path) {
		fprintf(stderr, "mcpwarden: 'policy check' needs a FILE\n");
		return 2;
	}
	p = polfile_load(path, &err);
	if (!p) {
		fprintf(stderr, "mcpwarden: %s\n", err.msg);
		return 1;
	}
	if (!strcmp(sub, "show"))
		rc = policy_write(p, stdout) || fflush(stdout) ? 1 : 0;
	else
		printf("%s: ok (%u servers, %u exceptions)\n", p->source, p->nservers,
		       p->nexceptions);
	policy_free(p);
	return rc;
}

static const struct cli_command commands[] = {
	{ "watch", "load, attach and show MCP traffic live (default)", do_watch, 0, 0, NULL },
	{ "check", "load and attach every program, list them, exit", do_check, 0, 0, NULL },
	{ "policy", "validate a policy file, or print the effective policy", do_policy, 1, 2,
	  "check|show [FILE]" },
};

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct mw_config cfg;
	int rc = cli_parse(argc, argv, commands, sizeof(commands) / sizeof(commands[0]), &cmd,
			   &cfg);

	if (rc)
		return rc > 0 ? 0 : 2;
	return cmd->run(&cfg);
}
