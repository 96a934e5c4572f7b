// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "actions.h"
#include "evfmt.h"
#include "jline.h"

#define ADDR_LEN     64
#define ACCESS_LEN   48
#define WAIT_SIGMASK 0x7f
#define WAIT_CORE    0x80

/* Text from the kernel (at most max bytes, NUL-terminated when shorter) as a JSON string: bytes
 * that are not UTF-8 become U+FFFD, as in process objects (jline_lossy). NULL: out of memory. */
static json_t *jtext(const char *s, size_t max)
{
	return jline_lossy(s, strnlen(s, max));
}

static json_t *result_json(int64_t ret, const char *ok_key)
{
	const char *name;

	if (ret >= 0)
		return ok_key ? json_pack("{s:b, s:I}", "ok", 1, ok_key, (json_int_t)ret)
			      : json_pack("{s:b}", "ok", 1);
	name = strerrorname_np((int)-ret);
	return json_pack("{s:b, s:I, s:s}", "ok", 0, "errno", (json_int_t)-ret, "error",
			 name ? name : "?");
}

/* ---- files ---- */

const char *actions_file_event(uint32_t op)
{
	static const char *const names[] = {
		[MW_FILE_OPEN] = "file.open", [MW_FILE_RENAME] = "file.rename",
		[MW_FILE_LINK] = "file.link", [MW_FILE_SYMLINK] = "file.symlink",
		[MW_FILE_UNLINK] = "file.unlink", [MW_FILE_RMDIR] = "file.rmdir",
		[MW_FILE_MKDIR] = "file.mkdir", [MW_FILE_TRUNCATE] = "file.truncate",
	};

	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "file.unknown";
}

static unsigned int file_access(const struct mw_file *e)
{
	switch (e->op) {
	case MW_FILE_OPEN:
		return evfmt_open_access(e->flags);
	case MW_FILE_TRUNCATE:
		return EVFMT_ACCESS_TRUNCATE;
	case MW_FILE_UNLINK:
	case MW_FILE_RMDIR:
		return EVFMT_ACCESS_WRITE;
	default:
		return EVFMT_ACCESS_CREATE;
	}
}

json_t *actions_file(const struct mw_file *e, const struct fpath *fp, char *line, size_t size)
{
	const char *path = fp->dst.path;
	char access[ACCESS_LEN];
	bool two = e->op == MW_FILE_RENAME || e->op == MW_FILE_LINK || e->op == MW_FILE_SYMLINK;
	json_t *rec;

	evfmt_access_str(file_access(e), access, sizeof(access));
	rec = json_pack("{s:o, s:o, s:s, s:I, s:I, s:o}", "requested", jtext(e->path, MW_FPATH_MAX),
			"path", jtext(path, sizeof(fp->dst.path)), "access", access, "flags",
			(json_int_t)e->flags, "mode", (json_int_t)e->mode, "result",
			result_json(e->ret, e->op == MW_FILE_OPEN ? "fd" : NULL));
	if (!rec)
		return NULL;
	json_object_set_new(rec, "resolved_by", json_string(fpath_by_name(fp->dst.by)));
	if (two)
		json_object_set_new(rec, e->op == MW_FILE_SYMLINK ? "link" : "requested_new",
				    jtext(e->path2, MW_FPATH_MAX));
	if (fp->src.path[0]) {
		json_object_set_new(rec, "source", jtext(fp->src.path, sizeof(fp->src.path)));
		json_object_set_new(rec, "source_resolved_by",
				    json_string(fpath_by_name(fp->src.by)));
	}
	if (e->resolved[0])
		json_object_set_new(rec, (e->h.flags & MW_F_RESOLVED_DIR) ? "resolved_dir" :
				    "resolved", jtext(e->resolved, MW_RPATH_MAX));
	if ((e->h.flags & MW_F_RESOLVED_OLD_DIR) && e->resolved_old[0])
		json_object_set_new(rec, "resolved_dir_old", jtext(e->resolved_old, MW_RPATH_MAX));
	if (e->ino)
		json_object_set_new(rec, "ino", json_integer((json_int_t)e->ino));
	if (e->h.flags & MW_F_DELETED)
		json_object_set_new(rec, "deleted", json_true());
	if (e->h.flags & MW_F_HELD)
		json_object_set_new(rec, "held", json_true());
	if (e->h.flags & (MW_F_RESOLVED_TRUNC | MW_F_PATH_TRUNC | MW_F_PATH2_TRUNC))
		json_object_set_new(rec, "truncated", json_true());
	snprintf(line, size, "%s %s%s%s (%s)%s%s", actions_file_event(e->op) + 5,
		 two ? e->path : "", two ? " -> " : "", path, access, e->ret < 0 ? " " : "",
		 e->ret < 0 ? strerrorname_np((int)-e->ret) ?: "?" : "");
	return rec;
}

/* ---- network ---- */

const char *actions_net_event(uint32_t op)
{
	static const char *const names[] = {
		[MW_NET_CONNECT] = "net.connect", [MW_NET_BIND] = "net.bind",
		[MW_NET_LISTEN] = "net.listen", [MW_NET_ACCEPT] = "net.accept",
	};

	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op] : "net.unknown";
}

static const char *family_name(uint16_t f)
{
	return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : f == AF_UNIX ? "unix" : "other";
}

static const char *type_name(uint16_t t)
{
	return t == SOCK_STREAM ? "stream" : t == SOCK_DGRAM ? "dgram" :
	       t == SOCK_SEQPACKET ? "seqpacket" : t == SOCK_RAW ? "raw" : "other";
}

static json_t *endpoint(const struct mw_net *e, const uint8_t *addr, uint16_t port, char *txt,
			size_t size)
{
	char a[ADDR_LEN];

	evfmt_addr(e->family, addr, a, sizeof(a));
	evfmt_endpoint(e->family, addr, port, txt, size);
	return json_pack("{s:s, s:i}", "addr", a, "port", port);
}

json_t *actions_net(const struct mw_net *e, char *line, size_t size)
{
	char l[ADDR_LEN + 8] = "", r[ADDR_LEN + 8] = "";
	bool remote = e->op == MW_NET_CONNECT || e->op == MW_NET_ACCEPT;
	json_t *rec = json_pack("{s:s, s:s, s:i, s:o}", "family", family_name(e->family), "type",
				type_name(e->type), "fd", e->fd, "result",
				result_json(e->ret, e->op == MW_NET_ACCEPT ? "fd" : NULL));

	if (!rec)
		return NULL;
	if (e->family == AF_INET || e->family == AF_INET6) {
		json_object_set_new(rec, "local", endpoint(e, e->laddr, e->lport, l, sizeof(l)));
		if (remote)
			json_object_set_new(rec, "remote", endpoint(e, e->raddr, e->rport, r,
								    sizeof(r)));
	} else if (e->family == AF_UNIX) {
		snprintf(remote ? r : l, sizeof(l), "%.*s", (int)sizeof(l) - 1, e->unix_path);
		json_object_set_new(rec, "unix_path", jtext(e->unix_path, MW_UNIX_PATH_MAX));
	}
	if (e->op == MW_NET_CONNECT && e->ret == -EINPROGRESS)
		json_object_set_new(rec, "in_progress", json_true());
	snprintf(line, size, "%s %s %s%s%s%s%s", actions_net_event(e->op) + 4,
		 family_name(e->family), remote ? r : l, remote && l[0] ? " from " : "",
		 remote ? l : "", e->ret < 0 && e->ret != -EINPROGRESS ? " " : "",
		 e->ret < 0 && e->ret != -EINPROGRESS ? strerrorname_np((int)-e->ret) ?: "?" : "");
	return rec;
}

/* ---- processes ---- */

static json_t *argv_json(const struct mw_exec *e)
{
	json_t *a = json_array();
	size_t n = e->args_len < MW_ARGS_MAX ? e->args_len : MW_ARGS_MAX;

	for (size_t i = 0; i < n;) {
		size_t len = strnlen(e->args + i, n - i);
		char buf[MW_ARGS_MAX + 1];

		memcpy(buf, e->args + i, len);
		buf[len] = '\0';
		json_array_append_new(a, jtext(buf, len));
		i += len + 1;
	}
	return a;
}

json_t *actions_exec(const struct mw_exec *e, char *line, size_t size)
{
	json_t *rec = json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:b}", "filename",
		jtext(e->path, MW_PATH_MAX), "exe", jtext(e->resolved, MW_RPATH_MAX), "cwd",
		jtext(e->cwd, MW_RPATH_MAX), "argv", argv_json(e), "uid", (json_int_t)e->uid,
		"gid", (json_int_t)e->gid, "cgroup_id", (json_int_t)e->cgroup_id,
		"args_truncated", (e->h.flags & MW_F_ARGS_TRUNC) != 0);
	char args[MW_ARGS_MAX + 1];

	if (rec && (e->h.flags & MW_F_HELD))
		json_object_set_new(rec, "held", json_true());
	size_t n = e->args_len < MW_ARGS_MAX ? e->args_len : MW_ARGS_MAX;

	for (size_t i = 0; i < n; i++)
		args[i] = e->args[i] ? e->args[i] : ' ';
	while (n && args[n - 1] == ' ')
		n--;
	args[n] = '\0';
	snprintf(line, size, "exec %.*s: %s", (int)MW_RPATH_MAX, e->resolved, args);
	return rec;
}

json_t *actions_exit(const struct mw_exit *e, char *line, size_t size)
{
	int sig = e->exit_code & WAIT_SIGMASK;
	int code = (e->exit_code >> 8) & 0xff;

	if (sig) {
		snprintf(line, size, "exit: signal %d%s", sig,
			 (e->exit_code & WAIT_CORE) ? " (core dumped)" : "");
		return json_pack("{s:i, s:s?, s:b}", "signal", sig, "signal_name",
				 sigabbrev_np(sig), "core_dumped", (e->exit_code & WAIT_CORE) != 0);
	}
	snprintf(line, size, "exit: code %d", code);
	return json_pack("{s:i}", "exit_code", code);
}
