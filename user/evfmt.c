// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "evfmt.h"

#define CONTAINER_ID_LEN 64

/* Append one component, or pop one for "..". */
static int push_component(char *out, size_t size, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 1 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 1)
			(*len)--;       /* the slash before the popped component */
		out[*len] = '\0';
		return 0;
	}
	if (*len + (*len > 1) + n + 1 > size)
		return -1;
	if (*len > 1)
		out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	out[*len] = '\0';
	return 0;
}

static int push_path(char *out, size_t size, size_t *len, const char *p)
{
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (push_component(out, size, len, p, n))
			return -1;
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

int evfmt_join(const char *dir, const char *rel, char *out, size_t size)
{
	size_t len = 1;

	if (size < 2) {
		if (size)
			out[0] = '\0';
		return -1;
	}
	out[0] = '/';
	out[1] = '\0';
	if (rel[0] != '/' && dir && push_path(out, size, &len, dir))
		return -1;
	if (push_path(out, size, &len, rel))
		return -1;
	return (int)len;
}

unsigned int evfmt_open_access(uint32_t flags)
{
	unsigned int a = 0;

	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		a |= EVFMT_ACCESS_READ;
		break;
	case O_WRONLY:
		a |= EVFMT_ACCESS_WRITE;
		break;
	default:
		a |= EVFMT_ACCESS_READ | EVFMT_ACCESS_WRITE;
	}
	if (flags & O_CREAT)
		a |= EVFMT_ACCESS_CREATE;
	if (flags & O_TRUNC)
		a |= EVFMT_ACCESS_TRUNCATE;
	return a;
}

void evfmt_access_str(unsigned int access, char *out, size_t size)
{
	static const char *const names[] = { "read", "write", "create", "truncate" };
	size_t len = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < 4; i++) {
		if (!(access & (1u << i)))
			continue;
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					len ? "," : "", names[i]);
	}
}

void evfmt_addr(uint16_t family, const uint8_t addr[16], char *out, size_t size)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	out[0] = '\0';
	if (family == AF_INET)
		inet_ntop(AF_INET, addr, out, (socklen_t)size);
	else if (family == AF_INET6 && !memcmp(addr, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, addr + 12, out, (socklen_t)size);
	else if (family == AF_INET6)
		inet_ntop(AF_INET6, addr, out, (socklen_t)size);
}

void evfmt_endpoint(uint16_t family, const uint8_t addr[16], uint16_t port, char *out,
		    size_t size)
{
	char a[INET6_ADDRSTRLEN];

	evfmt_addr(family, addr, a, sizeof(a));
	snprintf(out, size, strchr(a, ':') ? "[%s]:%u" : "%s:%u", a, port);
}

/* A run of exactly 64 hex digits starting at p? */
static bool hex64_at(const char *p)
{
	for (int i = 0; i < CONTAINER_ID_LEN; i++)
		if (!isxdigit((unsigned char)p[i]) || isupper((unsigned char)p[i]))
			return false;
	return !isxdigit((unsigned char)p[CONTAINER_ID_LEN]);
}

bool evfmt_container_id(const char *cgroup, char *out, size_t size)
{
	for (const char *p = cgroup; *p; p++) {
		if (p != cgroup && isxdigit((unsigned char)p[-1]))
			continue;       /* only runs that start on a boundary */
		if (strlen(p) >= CONTAINER_ID_LEN && hex64_at(p)) {
			snprintf(out, size, "%.*s", CONTAINER_ID_LEN, p);
			return true;
		}
	}
	return false;
}
