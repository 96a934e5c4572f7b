/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * evfmt: turn raw kernel event fields into what people read: joined and normalised paths,
 * open(2) access modes, socket addresses, container ids from cgroup paths.
 * Pure: no I/O, no globals.
 */
#ifndef MW_EVFMT_H
#define MW_EVFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVFMT_ACCESS_READ     (1u << 0)
#define EVFMT_ACCESS_WRITE    (1u << 1)
#define EVFMT_ACCESS_CREATE   (1u << 2)
#define EVFMT_ACCESS_TRUNCATE (1u << 3)

/* Join rel onto dir (ignored when rel is absolute) and normalise lexically: no "." or empty
 * components, ".." removes the previous one (never above "/"). Returns the length, or -1 when
 * out is too small (out then holds a truncated, terminated string). */
int evfmt_join(const char *dir, const char *rel, char *out, size_t size);
/* EVFMT_ACCESS_* bits of open(2) flags. */
unsigned int evfmt_open_access(uint32_t flags);
/* "read,write,create,truncate" style list of the bits (empty string for none). */
void evfmt_access_str(unsigned int access, char *out, size_t size);
/* Text form of an address: family is AF_INET or AF_INET6 (v4-mapped v6 shown as IPv4 too). */
void evfmt_addr(uint16_t family, const uint8_t addr[16], char *out, size_t size);
/* "10.1.2.3:80", or "[fd00::1]:80" for an IPv6 address (v4-mapped shown as IPv4). */
void evfmt_endpoint(uint16_t family, const uint8_t addr[16], uint16_t port, char *out,
		    size_t size);
/* The container id (64 hex digits) named in /proc/PID/cgroup text, e.g. docker-<id>.scope,
 * cri-containerd-<id>.scope, crio-<id>, libpod-<id>, /docker/<id>. False when none. */
bool evfmt_container_id(const char *cgroup, char *out, size_t size);

#endif
