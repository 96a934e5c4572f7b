// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/enfpath.c: which policy globs compile into kernel enforcement entries. */
#include "enfpath.h"
#include "unit.h"

static void shape(const char *glob, enum enfpath_shape want, const char *path, const char *name,
		  const char *parent)
{
	struct enfpath c;

	CHECK_EQ(enfpath_compile(glob, &c), want);
	CHECK_EQ(c.shape, want);
	if (path)
		CHECK_STR(c.path, path);
	if (name)
		CHECK_STR(c.name, name);
	if (parent)
		CHECK_STR(c.parent, parent);
}

static void test_paths(void)
{
	shape("/etc/shadow", ENFPATH_EXACT, "/etc/shadow", "", "");
	shape("/usr/**", ENFPATH_TREE, "/usr", NULL, NULL);
	shape("/srv/data/**", ENFPATH_TREE, "/srv/data", NULL, NULL);
	shape("/**", ENFPATH_TREE, "/", NULL, NULL);
	shape("/usr/bin/*", ENFPATH_OTHER, NULL, NULL, NULL);       /* not a whole tree */
	shape("/a/**/b", ENFPATH_OTHER, NULL, NULL, NULL);
	shape("/a/*/**", ENFPATH_OTHER, NULL, NULL, NULL);
	shape("/etc/sudoers.d/[a-z]*", ENFPATH_OTHER, NULL, NULL, NULL);
	shape("relative/x", ENFPATH_OTHER, NULL, NULL, NULL);
	shape("$HOME/.ssh/**", ENFPATH_OTHER, NULL, NULL, NULL);    /* expand variables first */
}

static void test_names(void)
{
	shape("**/.ssh/**", ENFPATH_NAME_ANY, NULL, ".ssh", "");
	shape("**/.env", ENFPATH_NAME_LEAF, NULL, ".env", "");
	shape("**/.config/gcloud/**", ENFPATH_PAIR_ANY, NULL, "gcloud", ".config");
	shape("**/.cursor/mcp.json", ENFPATH_PAIR_LEAF, NULL, "mcp.json", ".cursor");
	shape("**/.env.*", ENFPATH_OTHER, NULL, NULL, NULL);        /* a glob inside the name */
	shape("**/a/b/c", ENFPATH_OTHER, NULL, NULL, NULL);         /* three components */
	shape("**/.codeium/windsurf/mcp_config.json", ENFPATH_OTHER, NULL, NULL, NULL);
	shape("**/**", ENFPATH_OTHER, NULL, NULL, NULL);
	shape("**/", ENFPATH_OTHER, NULL, NULL, NULL);
	/* names longer than the kernel's key hold cannot match there */
	shape("**/0123456789012345678901234567890/**", ENFPATH_NAME_ANY, NULL,
	      "0123456789012345678901234567890", "");
	shape("**/01234567890123456789012345678901/**", ENFPATH_OTHER, NULL, NULL, NULL);
}

/* The built-in default's sensitive list compiles, but for two patterns. */
static void test_default_sensitive(void)
{
	static const char *const compiled[] = {
		"**/.ssh/**", "**/.aws/**", "**/.kube/**", "**/.netrc", "**/.bashrc",
		"**/.docker/config.json", "**/.claude/settings.json", "/etc/shadow",
		"/etc/sudoers.d/**",
	};
	struct enfpath c;

	for (unsigned int i = 0; i < sizeof(compiled) / sizeof(compiled[0]); i++)
		CHECK(enfpath_compile(compiled[i], &c) != ENFPATH_OTHER);
}

UNIT_MAIN(UNIT_TEST(test_paths),
	  UNIT_TEST(test_names),
	  UNIT_TEST(test_default_sensitive))
