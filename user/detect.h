/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * detect: judge what tracked processes do against the policy. Keeps what is known of each MCP
 * server (tracked root): the policy entry that selects it, its roots (policy, arguments,
 * client), its package, whether it has spoken MCP yet; then turns exec, file and network
 * actions into hits (rule, cause, evidence) for the caller to raise as alerts.
 * Pure: no I/O (the caller resolves paths and reads /proc), no globals.
 */
#ifndef MW_DETECT_H
#define MW_DETECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define DETECT_CAUSE_MAX        640u    /* dedup key of one hit */
#define DETECT_ROOTS_MAX        64u     /* roots per origin per server */
#define DETECT_INJECT_MIN_TEXT  3u      /* shortest argument text that counts as taken */
#define DETECT_ARG_LEAVES_MAX   256u    /* string leaves of a call's arguments examined */
#define DETECT_ARG_DEPTH_MAX    8u

enum detect_root_origin {
	DETECT_ROOT_POLICY = 0,
	DETECT_ROOT_ARGS,
	DETECT_ROOT_CLIENT,
	DETECT_ROOT__COUNT
};

struct detect;

/* What is known of one server (a tracked root). Fields are owned by detect. */
struct detect_server {
	uint32_t root;
	const struct policy_server *ps;         /* the selected entry */
	char *exe, *cmdline, *container, *name, *package;
	char *roots[DETECT_ROOT__COUNT][DETECT_ROOTS_MAX];
	unsigned int nroots[DETECT_ROOT__COUNT];
	bool spoke;                             /* startup is over: it has spoken MCP */
	struct detect_server *next;             /* private */
};

struct detect *detect_new(const struct policy *p);
void detect_free(struct detect *d);
const struct policy *detect_policy(const struct detect *d);

/* The server of tracked root `root`, created (with no facts yet) when absent and create is
 * true; NULL when absent or out of memory. */
struct detect_server *detect_server(struct detect *d, uint32_t root, bool create);
/* Facts used to select its policy entry (any may be NULL: unchanged). Re-selects. The policy
 * roots are (re)loaded from the selected entry, with $HOME expanded from home. */
int detect_server_facts(struct detect_server *s, const struct policy *p, const char *exe,
			const char *cmdline, const char *container, const char *name,
			const char *home);
/* Replace the roots of one origin (args: directories found among argv; client: roots/list). */
int detect_server_roots(struct detect_server *s, enum detect_root_origin o,
			const char *const *paths, unsigned int n);
int detect_server_package(struct detect_server *s, const char *package);
void detect_forget(struct detect *d, uint32_t root);

/* The package directory of a server script (already made absolute and resolved): for a path
 * under node_modules, node_modules/NAME or node_modules/@SCOPE/NAME; else its directory.
 * Returns 0, or -1 when there is none (no '/'). */
int detect_package_dir(const char *script, char *out, size_t size);
/* The install prefix of an executable: the parent of its bin/ or sbin/ directory, else its
 * directory; -1 when that would be "/". */
int detect_runtime_prefix(const char *exe, char *out, size_t size);
/* The script a command line runs: the first argument after argv[0] that is not an option
 * ("-x", "--x=y"); NULL for "-m"/"-c"/"-e" style invocations and for none. */
const char *detect_script_arg(int argc, const char *const *argv);
/* file:// URIs of a roots/list result ({"roots":[{"uri":...}]}) decoded into paths; returns
 * how many were written to out (each malloc'd; the caller frees). */
unsigned int detect_client_roots(const json_t *result, char **out, unsigned int max);

/* A policy path with its leading variable ($HOME, $SERVER_PACKAGE, $RUNTIME_PREFIX) expanded
 * into buf; the glob itself when it has none; NULL when the variable is unknown here. */
const char *detect_expand(const char *glob, const char *home, const char *package,
			  const char *prefix, char *buf, size_t size);

/* The acting process. */
struct detect_proc {
	uint32_t tgid, tid;
	const char *exe;        /* kernel-resolved, "" when unknown */
	const char *comm;
	const char *cmdline;
	const char *home;       /* its user's home directory, NULL when unknown */
};

/* One request in flight attributed to the action. */
struct detect_call {
	const char *tool;       /* tools/call name, NULL for other methods */
	const json_t *arguments;        /* NULL when not kept */
	json_t *json;           /* the caller's JSON of the call (not used by detect) */
};

struct detect_ctx {
	const struct policy *policy;
	struct detect_server *server;
	const struct detect_proc *proc;
	const struct detect_call *calls;
	unsigned int ncalls;
};

/* One rule that fired. */
struct detect_hit {
	enum policy_rule rule;
	const struct policy_rule_cfg *cfg;
	char cause[DETECT_CAUSE_MAX];   /* what makes two hits the same ("path:/etc/shadow") */
	json_t *detail;                 /* rule-specific evidence (owned by the hit's receiver) */
	const char *summary;            /* one line for the console (valid during the call) */
	int call;                       /* index of the call that caused it, -1 for all */
};

typedef void (*detect_emit_fn)(void *ctx, struct detect_hit *h);

enum detect_file_op {
	DETECT_FILE_READ = 1,           /* access bits, as enum policy_access */
	DETECT_FILE_WRITE = 2,
};

struct detect_file {
	const char *op;                 /* "open", "rename", ... (evidence) */
	unsigned int access;            /* enum policy_access bits */
	const char *path;               /* absolute, judged path */
	bool ok;                        /* the operation succeeded */
};

struct detect_net {
	const char *op;                 /* "connect", "bind", "listen", "accept" */
	bool inet;                      /* AF_INET or AF_INET6 */
	uint8_t addr[16];               /* 128-bit form: remote for connect/accept, local else */
	uint16_t port;
	bool stream;                    /* SOCK_STREAM: a bind to port 0 still listens */
	bool refused;                   /* the kernel refused it (no listen will follow) */
};

struct detect_exec {
	const char *exe;                /* kernel-resolved */
	int argc;
	const char *const *argv;
};

void detect_file(const struct detect_ctx *c, const struct detect_file *f, detect_emit_fn emit,
		 void *ctx);
void detect_net(const struct detect_ctx *c, const struct detect_net *n, detect_emit_fn emit,
		void *ctx);
void detect_exec(const struct detect_ctx *c, const struct detect_exec *x, detect_emit_fn emit,
		 void *ctx);

#endif
