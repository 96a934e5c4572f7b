/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * socks: the endpoints of the TCP connections captured (from the kernel's sock records), by
 * socket inode, named "tcp:LOCAL->REMOTE" for records. Pure: no I/O, no globals.
 */
#ifndef MW_SOCKS_H
#define MW_SOCKS_H

#include <stdint.h>

#include "mcpwarden/events.h"

struct socks;

struct socks *socks_new(void);
void socks_free(struct socks *s);
int socks_note(struct socks *s, const struct mw_sock *e);
/* "tcp:127.0.0.1:3001->127.0.0.1:50412" (the capturing process's end first), or
 * "tcp:[INODE]" when the endpoints are unknown. Valid until the next call. */
const char *socks_name(struct socks *s, uint64_t sock_ino);
void socks_forget(struct socks *s, uint32_t tgid);
/* A connection closed (httpmcp_sweep): its endpoints are not needed any more. */
void socks_forget_one(struct socks *s, uint64_t sock_ino);

#endif
