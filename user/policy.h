/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy: the YAML policy (apiVersion mcpwarden.dev/v1, kind Policy) parsed with libyaml into
 * plain structs, validated with errors naming file, line and column, written back as YAML,
 * and the selection of a server's settings by executable, command line, serverInfo.name and
 * container. docs/policy.md is the reference; docs/policy.schema.json the JSON Schema;
 * policies/default.yaml the built-in default (compiled in).
 * Pure: no I/O (the caller reads the file), no globals.
 */
#ifndef MW_POLICY_H
#define MW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "match.h"

#define POLICY_API_VERSION   "mcpwarden.dev/v1"
#define POLICY_KIND          "Policy"
#define POLICY_ERR_LEN       512u
#define POLICY_FIELDS_MAX    4u          /* fields in one exception tuple */
#define POLICY_WINDOW_DEFAULT_S 60u      /* alertWindow when absent */
#define POLICY_WINDOW_MAX_S  86400u
#define POLICY_TEXT_MAX      (1u << 20)  /* longest policy file accepted */

enum policy_rule {
	POLICY_EXEC_SPAWN = 0,
	POLICY_EXEC_SHELL_INJECTION,
	POLICY_FILE_OUT_OF_SCOPE,
	POLICY_FILE_SENSITIVE,
	POLICY_NET_EGRESS,
	POLICY_NET_METADATA,
	POLICY_NET_LISTEN_WILDCARD,
	POLICY_NET_REMOTE_PEER,
	POLICY_RULE__COUNT
};

enum policy_severity {
	POLICY_SEV_LOW = 1,
	POLICY_SEV_MEDIUM,
	POLICY_SEV_HIGH,
	POLICY_SEV_CRITICAL,
};

enum policy_action {
	POLICY_ACTION_ALERT = 1,        /* an alert record, nothing else */
	POLICY_ACTION_DENY,             /* net.egress, net.metadata, net.listen_wildcard only: the
					 * connect or bind fails with EPERM, the process lives */
	POLICY_ACTION_KILL,             /* SIGKILL (net rules: denied first, then killed) */
};

enum policy_mode {
	POLICY_MODE_MONITOR = 1,        /* alerts only, whatever the actions say */
	POLICY_MODE_ENFORCE,            /* actions are carried out; rules that set no action
					 * anywhere get policy_enforcing_action() */
};

enum policy_scope {
	POLICY_SCOPE_PROCESS = 1,       /* kill the violating process */
	POLICY_SCOPE_SERVER,            /* kill every process of the server's tree */
};

struct policy_rule_cfg {
	bool enabled;
	enum policy_severity severity;
	enum policy_action action;
	enum policy_scope scope;
};

/* What a runtime path entry allows without file.out_of_scope (bit mask). */
enum policy_access {
	POLICY_ACCESS_READ = 1u << 0,   /* open for reading */
	POLICY_ACCESS_WRITE = 1u << 1,  /* open for writing, create, truncate, rename, link,
					 * symlink, unlink, rmdir, mkdir */
	POLICY_ACCESS_ANY = POLICY_ACCESS_READ | POLICY_ACCESS_WRITE,
};

/*
 * Paths (roots, runtime, sensitive, exec allow) are absolute path globs (MATCH_GLOB_PATH), or
 * start with "** /" (any leading components), or with a variable the detector expands per
 * event: $HOME (home of the acting process's user), $SERVER_PACKAGE (the package directory of
 * the server's script), $RUNTIME_PREFIX (the install prefix of the acting process's
 * executable, e.g. /usr or ~/.pyenv/versions/3.11.9). "/proc/self" stands for the acting
 * process's own /proc entry. Roots are plain directories (no glob characters).
 */
struct policy_path {
	char *glob;
	unsigned int access;            /* enum policy_access; roots and sensitive: ANY */
};

struct policy_net {
	struct match_cidr cidr;
	struct match_ports ports;       /* 0..65535 when the entry names no ports */
};

/* Fields an exception tuple can name. */
enum policy_field {
	POLICY_F_PROC_EXE = 1,          /* kernel-resolved executable (path glob) */
	POLICY_F_PROC_COMM,             /* text glob */
	POLICY_F_PROC_CMDLINE,          /* argv joined by spaces (text glob) */
	POLICY_F_FILE_PATH,             /* judged path (path glob) */
	POLICY_F_NET_ADDR,              /* remote or local address judged (CIDR) */
	POLICY_F_NET_PORT,              /* port or "lo-hi" */
	POLICY_F_TOOL_NAME,             /* name of an attributed tools/call (text glob) */
	POLICY_F_SERVER_NAME,           /* serverInfo.name (text glob) */
	POLICY_F__COUNT
};

/* Falco-style exception: the event is excepted when, for one row of values, every field
 * matches its value. */
struct policy_exception {
	char *name;
	enum policy_rule rule;
	unsigned int nfields;
	enum policy_field fields[POLICY_FIELDS_MAX];
	unsigned int nrows;
	char **values;                  /* nrows * nfields strings, row-major */
};

/* Globs (NULL: any). All given must match. */
struct policy_selector {
	char *exe;                      /* path glob on the root's kernel-resolved executable */
	char *argv;                     /* text glob on the root's argv joined by spaces */
	char *name;                     /* text glob on serverInfo.name */
	char *container;                /* text glob on the container id ("" on the host) */
};

struct policy_server {
	char *name;                     /* "defaults" for the defaults section */
	int line;                       /* where it was declared (0 for defaults when absent) */
	struct policy_selector match;
	struct policy_path *roots;      /* absolute directories */
	unsigned int nroots;
	bool roots_from_args;           /* directories among the server's argv are roots */
	bool roots_from_client;         /* the roots/list answer of the client adds roots */
	bool startup_grace;             /* exec.spawn, net.egress and file.out_of_scope are not
					 * judged before the server tree's first MCP message */
	struct policy_path *exec_allow; /* executables it may exec (path globs) */
	unsigned int nexec_allow;
	struct policy_net *egress;      /* destinations it may connect to */
	unsigned int negress;
	struct policy_rule_cfg rules[POLICY_RULE__COUNT];   /* global rules, then its overrides */
	struct policy_exception *exceptions;    /* its own; the global ones apply too */
	unsigned int nexceptions;
};

struct policy {
	char *source;                   /* file name, or "<built-in>" */
	enum policy_mode mode;
	unsigned int window_s;          /* alertWindow */
	struct policy_rule_cfg rules[POLICY_RULE__COUNT];
	struct policy_path *runtime;    /* never out of scope, for the access given */
	unsigned int nruntime;
	struct policy_path *sensitive;  /* file.sensitive globs */
	unsigned int nsensitive;
	struct match_cidr *metadata;    /* net.metadata destinations */
	unsigned int nmetadata;
	struct policy_server defaults;  /* servers no entry selects; absent fields of entries
					 * are taken from here */
	struct policy_server *servers;  /* first match wins */
	unsigned int nservers;
	struct policy_exception *exceptions;    /* global: each names its rule */
	unsigned int nexceptions;
};

struct policy_error {
	char msg[POLICY_ERR_LEN];       /* "FILE:LINE:COL: what is wrong" (1-based) */
};

/* Parse and validate text[0..len) read from source (a file name used in errors). NULL with
 * err set on any error: unknown keys, wrong types, bad globs/CIDRs/ports, unknown rules,
 * severities, actions ("deny" on a rule it cannot apply to), scopes, fields, duplicate keys. */
struct policy *policy_parse(const char *text, size_t len, const char *source,
			    struct policy_error *err);
/* The built-in default (policies/default.yaml compiled in). */
struct policy *policy_default(struct policy_error *err);
extern const char policy_default_yaml[];
extern const size_t policy_default_yaml_len;
void policy_free(struct policy *p);

/* The effective policy as YAML that policy_parse() accepts and that parses to the same
 * policy. Returns 0 or -errno from the stream. */
int policy_write(const struct policy *p, FILE *f);

/* What selectors are matched against. */
struct policy_server_facts {
	const char *exe;
	const char *cmdline;
	const char *name;               /* serverInfo.name, NULL while unknown */
	const char *container;          /* "" on the host */
};

/* The first entry whose selector matches, else &p->defaults. A selector naming `name` does
 * not match while the name is unknown. */
const struct policy_server *policy_select(const struct policy *p,
					  const struct policy_server_facts *f);

const char *policy_rule_name(enum policy_rule r);          /* "exec.spawn", ... */
int policy_rule_from_name(const char *s);                  /* -1 when unknown */
const char *policy_severity_name(enum policy_severity s);  /* "low", ... */
const char *policy_action_name(enum policy_action a);      /* "alert", "deny", "kill" */
const char *policy_scope_name(enum policy_scope s);        /* "process", "server" */
/* What a rule does under mode: enforce when no layer of the policy sets its action: kill for
 * exec.*, file.* and net.remote_peer, deny for net.egress, net.metadata, net.listen_wildcard. */
enum policy_action policy_enforcing_action(enum policy_rule r);
/* Whether the action can apply to the rule ("deny" only to the three net rules above). */
bool policy_action_valid(enum policy_rule r, enum policy_action a);
/* True when the policy's mode carries actions out and the rule's action is not alert. */
bool policy_enforces(const struct policy *p, const struct policy_rule_cfg *c);
const char *policy_field_name(enum policy_field f);        /* "proc.exe", ... */

#endif
