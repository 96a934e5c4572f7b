// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>

#include "pin.h"

#define BPFFS_PATH      "/sys/fs/bpf"
#define BPFFS_OPTS      "mode=0700"
#define PIN_DIR_MODE    0700
#define LAYOUT_TXT_MAX  112
#define USEC_PER_MSEC   1000u

struct layout {
	__u32 type, key_size, value_size, max_entries, flags;
};

static bool on_bpffs(const char *path)
{
	struct statfs s;

	return !statfs(path, &s) && s.f_type == BPF_FS_MAGIC;
}

static bool under_bpffs_path(const char *dir)
{
	size_t n = strlen(BPFFS_PATH);

	return !strncmp(dir, BPFFS_PATH, n) && (dir[n] == '/' || dir[n] == '\0');
}

/* mkdir -p, each new directory PIN_DIR_MODE. */
static int make_dirs(const char *dir)
{
	char path[PIN_PATH_MAX];
	size_t n = strlen(dir);
	char *p;

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, PIN_DIR_MODE) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, PIN_DIR_MODE) && errno != EEXIST ? -errno : 0;
}

/* bpffs on /sys/fs/bpf when dir lies there and nothing is mounted yet; dir created on bpffs. */
static int ensure_dir(const char *dir, struct mw_error *err)
{
	int rc;

	if (dir[0] != '/')
		return loader_fail(err, EINVAL, "pin directory '%s' is not an absolute path", dir);
	if (under_bpffs_path(dir) && !on_bpffs(BPFFS_PATH) &&
	    mount("bpf", BPFFS_PATH, "bpf", 0, BPFFS_OPTS))
		return loader_fail(err, errno, "cannot mount bpffs on %s: %s (or use --no-pin)",
				   BPFFS_PATH, strerror(errno));
	rc = make_dirs(dir);
	if (rc)
		return loader_fail(err, rc, "cannot create pin directory %s: %s", dir,
				   strerror(-rc));
	if (!on_bpffs(dir))
		return loader_fail(err, ENOTSUP, "pin directory %s is not on bpffs (mount one "
				   "there, or pick one under %s)", dir, BPFFS_PATH);
	return 0;
}

/* Wait for the collector that holds the lock (it may still be draining) to exit. */
static int lock_dir(int fd, const char *dir, struct mw_error *err)
{
	unsigned int waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return loader_fail(err, errno, "cannot lock pin directory %s: %s", dir,
					   strerror(errno));
		if (waited >= MW_PIN_LOCK_WAIT_MS)
			return loader_fail(err, EBUSY, "pin directory %s is in use by another "
					   "mcpwarden, still after %u ms (use another --pin-dir, "
					   "or --no-pin)", dir, MW_PIN_LOCK_WAIT_MS);
		usleep(MW_PIN_LOCK_POLL_MS * USEC_PER_MSEC);
		waited += MW_PIN_LOCK_POLL_MS;
	}
	return 0;
}

int pin_dir_open(const char *dir, struct mw_error *err)
{
	int fd, rc = ensure_dir(dir, err);

	if (rc)
		return rc;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return loader_fail(err, errno, "cannot open pin directory %s: %s", dir,
				   strerror(errno));
	rc = lock_dir(fd, dir, err);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

static void layout_of_map(const struct bpf_map *m, struct layout *l)
{
	*l = (struct layout){
		.type = bpf_map__type(m), .key_size = bpf_map__key_size(m),
		.value_size = bpf_map__value_size(m), .max_entries = bpf_map__max_entries(m),
		.flags = bpf_map__map_flags(m),
	};
}

static int layout_of_fd(int fd, struct layout *l)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*l = (struct layout){
		.type = info.type, .key_size = info.key_size, .value_size = info.value_size,
		.max_entries = info.max_entries, .flags = info.map_flags,
	};
	return 0;
}

static void layout_text(const struct layout *l, char *out, size_t size)
{
	snprintf(out, size, "type %u, key %u B, value %u B, %u entries, flags %#x", l->type,
		 l->key_size, l->value_size, l->max_entries, l->flags);
}

/* Its layout differs from this build's: say how. */
static void note_layouts(struct pin_map *p, const struct layout *have, const struct layout *want)
{
	char h[LAYOUT_TXT_MAX], w[LAYOUT_TXT_MAX];

	layout_text(have, h, sizeof(h));
	layout_text(want, w, sizeof(w));
	snprintf(p->note, sizeof(p->note), "it holds %s; this build needs %s", h, w);
}

int pin_map_open(struct pin_map *p, struct bpf_map *map, const char *dir, struct mw_error *err)
{
	struct layout have, want;
	int rc;

	*p = (struct pin_map){ .map = map, .fd = -1, .state = PIN_CREATED };
	snprintf(p->name, sizeof(p->name), "%s", bpf_map__name(map));
	if (snprintf(p->path, sizeof(p->path), "%s/%s", dir, p->name) >= (int)sizeof(p->path))
		return loader_fail(err, ENAMETOOLONG, "pin directory name too long: %s", dir);
	p->fd = bpf_obj_get(p->path);
	if (p->fd < 0 && errno == ENOENT)
		return 0;
	if (p->fd < 0)
		return loader_fail(err, errno, "cannot open the pinned map %s: %s", p->path,
				   strerror(errno));
	rc = layout_of_fd(p->fd, &have);
	if (rc)
		return loader_fail(err, rc, "cannot read the pinned map %s: %s", p->path,
				   strerror(-rc));
	layout_of_map(map, &want);
	p->fits = !memcmp(&have, &want, sizeof(have));
	if (!p->fits)
		note_layouts(p, &have, &want);
	return 0;
}

static int reuse(struct pin_map *p, struct mw_error *err)
{
	int rc = bpf_map__reuse_fd(p->map, p->fd);

	if (rc)
		return loader_fail(err, rc, "cannot reuse the pinned map %s: %s", p->path,
				   strerror(-rc));
	p->state = PIN_REUSED;
	return 0;
}

/* Not reused (bad is the map that is missing or does not fit): the pin goes, if any. */
static int drop(struct pin_map *p, const struct pin_map *bad, struct mw_error *err)
{
	if (p->fd < 0)
		return 0;
	if (p->fits)
		snprintf(p->note, sizeof(p->note), "it goes with the pinned %s, which %s",
			 bad->name, bad->fd < 0 ? "is missing" : "has another layout");
	if (unlink(p->path))
		return loader_fail(err, errno, "cannot remove the pinned map %s: %s", p->path,
				   strerror(errno));
	p->state = PIN_REPLACED;
	return 0;
}

int pin_maps_decide(struct pin_map *pins, unsigned int n, struct mw_error *err)
{
	const struct pin_map *bad = NULL;
	int rc = 0;

	for (unsigned int i = 0; i < n && !bad; i++)
		if (pins[i].fd < 0 || !pins[i].fits)
			bad = &pins[i];
	for (unsigned int i = 0; i < n && !rc; i++)
		rc = bad ? drop(&pins[i], bad, err) : reuse(&pins[i], err);
	pin_maps_close(pins, n);
	return rc;
}

void pin_maps_close(struct pin_map *pins, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (pins[i].fd >= 0)
			close(pins[i].fd);
		pins[i].fd = -1;
	}
}

int pin_map_commit(struct pin_map *p, struct mw_error *err)
{
	int rc;

	if (p->state == PIN_OFF || p->state == PIN_REUSED)
		return 0;
	rc = bpf_map__pin(p->map, p->path);
	if (rc)
		return loader_fail(err, rc, "cannot pin map '%s' at %s: %s", bpf_map__name(p->map),
				   p->path, strerror(-rc));
	return 0;
}

const char *pin_state_name(enum pin_state s)
{
	static const char *const names[] = {
		[PIN_OFF] = "off", [PIN_CREATED] = "created", [PIN_REUSED] = "reused",
		[PIN_REPLACED] = "replaced",
	};

	return s <= PIN_REPLACED ? names[s] : "?";
}
