/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pin: BPF maps pinned in bpffs so that they outlive a run, for the loader. The directory is on
 * bpffs (mounted on /sys/fs/bpf when nothing is there yet) and locked (flock) by the collector
 * using it, so two collectors never share the maps. The pinned maps are reused only when each
 * one's layout (type, key and value sizes, entries, flags) matches this build's; otherwise
 * they are removed and the new maps pinned in their place. Errors: -errno plus one line.
 */
#ifndef MW_PIN_H
#define MW_PIN_H

#include <bpf/libbpf.h>

#include "loader.h"

#define PIN_PATH_MAX 512
#define PIN_NOTE_MAX 256
#define PIN_NAME_MAX 16         /* BPF_OBJ_NAME_LEN */

enum pin_state {
	PIN_OFF = 0,            /* not pinned (--no-pin) */
	PIN_CREATED,            /* there was no pin: a new map, pinned after load */
	PIN_REUSED,             /* the map an earlier run pinned */
	PIN_REPLACED,           /* the pin had another layout: removed; a new map pinned */
};

struct pin_map {
	struct bpf_map *map;
	char name[PIN_NAME_MAX];        /* the map's name, also its file name in the directory */
	char path[PIN_PATH_MAX];
	int fd;                         /* the pinned map until decided on, -1 when none */
	bool fits;                      /* its layout is this build's */
	enum pin_state state;
	char note[PIN_NOTE_MAX];        /* PIN_REPLACED: why */
};

/* Mount bpffs if needed, create dir (and its parents), lock it; the locked directory's fd (the
 * lock lasts until it is closed), waiting up to MW_PIN_LOCK_WAIT_MS for another collector. */
int pin_dir_open(const char *dir, struct mw_error *err);
/* Before load, each map: what is pinned as dir/NAME, and whether its layout fits. */
int pin_map_open(struct pin_map *p, struct bpf_map *map, const char *dir, struct mw_error *err);
/* Then all of them at once: the maps refer to each other (a writing end's mark to a tracked
 * process), so they are reused together when every one is pinned and fits, else every
 * pin there is removed (PIN_REPLACED, with a note) and the maps are created anew. */
int pin_maps_decide(struct pin_map *pins, unsigned int n, struct mw_error *err);
/* Close what pin_map_open opened (pin_maps_decide does; for its callers' error paths). */
void pin_maps_close(struct pin_map *pins, unsigned int n);
/* After load: pin the map unless it was reused. */
int pin_map_commit(struct pin_map *p, struct mw_error *err);
/* "created", "reused", "replaced" ("off" for PIN_OFF). */
const char *pin_state_name(enum pin_state s);

#endif
