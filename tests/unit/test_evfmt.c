// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Unit tests of user/evfmt.c: path joining, open(2) access modes, addresses, container ids. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>

#include "evfmt.h"
#include "unit.h"

#define OUT_LEN 256

/* 64 lowercase hex digits, as docker, containerd, CRI-O and podman name containers. */
#define ID64 "4f2a9c1b8e7d6053a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"

/* Join and check both the text and the returned length. */
static void check_join(const char *dir, const char *rel, const char *want, int line)
{
	char out[OUT_LEN];
	int n = evfmt_join(dir, rel, out, sizeof(out));

	if (n != (int)strlen(want) || strcmp(out, want))
		unit_fail(__FILE__, line, "join(\"%s\", \"%s\") = %d \"%s\", want \"%s\"",
			  dir ? dir : "(null)", rel, n, out, want);
}

#define JOIN(dir, rel, want) check_join(dir, rel, want, __LINE__)

static void test_join_relative(void)
{
	JOIN("/home/u", "notes.txt", "/home/u/notes.txt");
	JOIN("/home/u", "a/b/c", "/home/u/a/b/c");
	JOIN("/", "etc/passwd", "/etc/passwd");
	JOIN("/srv/data/", "x", "/srv/data/x");         /* trailing slash on dir */
	JOIN("/srv/data", "x/", "/srv/data/x");         /* trailing slash on rel */
	JOIN("/srv/data", "", "/srv/data");             /* empty rel: the dir itself */
	JOIN("/", "", "/");
}

static void test_join_absolute(void)
{
	JOIN("/home/u", "/etc/shadow", "/etc/shadow");  /* dir ignored */
	JOIN(NULL, "/etc/shadow", "/etc/shadow");
	JOIN(NULL, "rel/file", "/rel/file");            /* NULL dir: rooted at "/" */
	JOIN("", "f", "/f");
	JOIN("/a", "/", "/");
}

static void test_join_dots(void)
{
	JOIN("/a/b", ".", "/a/b");
	JOIN("/a/b", "./c/./d/.", "/a/b/c/d");
	JOIN("/a/b", "..", "/a");
	JOIN("/a/b", "../..", "/");
	JOIN("/a/b", "../c", "/a/c");
	JOIN("/a/./b/../c", "d", "/a/c/d");             /* dir normalised too */
	JOIN("/a/b", "c/../../d", "/a/d");
	JOIN("/a", "...", "/a/...");                    /* not a dot component */
	JOIN("/a", ".hidden/..x", "/a/.hidden/..x");
}

static void test_join_never_above_root(void)
{
	JOIN("/", "..", "/");
	JOIN("/a", "../../../../etc/passwd", "/etc/passwd");
	JOIN(NULL, "../x", "/x");
	JOIN("/a/b", "/../../c", "/c");
	JOIN("/..", "..", "/");
}

static void test_join_slashes(void)
{
	JOIN("//a//b//", "c//d", "/a/b/c/d");
	JOIN("/a", "//", "/");
	JOIN("///", "///x///", "/x");
}

static void test_join_component_boundaries(void)
{
	JOIN("/a/b", "../bc", "/a/bc");                 /* pops "b", not a prefix of "bc" */
	JOIN("/ab/cd", "../../a", "/a");
	JOIN("/abc", "..", "/");
	JOIN("/a/bc", "../b", "/a/b");
	JOIN("/usr/lib64", "../lib", "/usr/lib");
}

static void test_join_too_small(void)
{
	char out[9];

	memset(out, 'x', sizeof(out));
	CHECK_EQ(evfmt_join("/abc", "def", out, sizeof(out)), 8);      /* exactly fits */
	CHECK_STR(out, "/abc/def");
	memset(out, 'x', sizeof(out));
	CHECK_EQ(evfmt_join("/abc", "defg", out, sizeof(out)), -1);
	CHECK(memchr(out, '\0', sizeof(out)) != NULL);                  /* terminated */
	CHECK_STR(out, "/abc");                                         /* what fitted */
	memset(out, 'x', sizeof(out));
	CHECK_EQ(evfmt_join("/abcdefghij", "k", out, sizeof(out)), -1); /* dir overflows */
	CHECK(memchr(out, '\0', sizeof(out)) != NULL);
	memset(out, 'x', sizeof(out));
	CHECK_EQ(evfmt_join(NULL, "/", out, 2), 1);
	CHECK_STR(out, "/");
	CHECK_EQ(evfmt_join(NULL, "a", out, 2), -1);
	CHECK_STR(out, "/");
	out[0] = 'x';
	CHECK_EQ(evfmt_join("/a", "b", out, 1), -1);      /* even a 1-byte buffer is terminated */
	CHECK_EQ(out[0], '\0');
}

static void test_open_access(void)
{
	CHECK_EQ(evfmt_open_access(O_RDONLY), EVFMT_ACCESS_READ);
	CHECK_EQ(evfmt_open_access(O_RDONLY | O_CLOEXEC | O_NOFOLLOW), EVFMT_ACCESS_READ);
	CHECK_EQ(evfmt_open_access(O_WRONLY | O_CREAT | O_TRUNC),
		 EVFMT_ACCESS_WRITE | EVFMT_ACCESS_CREATE | EVFMT_ACCESS_TRUNCATE);
	CHECK_EQ(evfmt_open_access(O_RDWR), EVFMT_ACCESS_READ | EVFMT_ACCESS_WRITE);
	CHECK_EQ(evfmt_open_access(O_WRONLY | O_APPEND), EVFMT_ACCESS_WRITE);
	CHECK_EQ(evfmt_open_access(O_RDWR | O_APPEND | O_CREAT),
		 EVFMT_ACCESS_READ | EVFMT_ACCESS_WRITE | EVFMT_ACCESS_CREATE);
	CHECK_EQ(evfmt_open_access(O_ACCMODE), EVFMT_ACCESS_READ | EVFMT_ACCESS_WRITE);
}

static void test_access_str(void)
{
	char out[64], small[8];

	evfmt_access_str(0, out, sizeof(out));
	CHECK_STR(out, "");
	evfmt_access_str(EVFMT_ACCESS_READ, out, sizeof(out));
	CHECK_STR(out, "read");
	evfmt_access_str(EVFMT_ACCESS_WRITE | EVFMT_ACCESS_TRUNCATE, out, sizeof(out));
	CHECK_STR(out, "write,truncate");
	evfmt_access_str(evfmt_open_access(O_RDWR | O_CREAT | O_TRUNC), out, sizeof(out));
	CHECK_STR(out, "read,write,create,truncate");
	evfmt_access_str(EVFMT_ACCESS_CREATE, out, sizeof(out));
	CHECK_STR(out, "create");
	/* a short buffer truncates but stays terminated */
	evfmt_access_str(EVFMT_ACCESS_READ | EVFMT_ACCESS_WRITE | EVFMT_ACCESS_CREATE, small,
			 sizeof(small));
	CHECK_STR(small, "read,wr");
}

/* Format a textual address (parsed with inet_pton) through evfmt_addr. */
static void check_addr(int family, const char *in, const char *want, int line)
{
	uint8_t addr[16] = { 0 };
	char out[64];

	if (inet_pton(family, in, addr) != 1) {
		unit_fail(__FILE__, line, "inet_pton(\"%s\")", in);
		return;
	}
	evfmt_addr((uint16_t)family, addr, out, sizeof(out));
	if (strcmp(out, want))
		unit_fail(__FILE__, line, "addr(\"%s\") = \"%s\", want \"%s\"", in, out, want);
}

#define ADDR(family, in, want) check_addr(family, in, want, __LINE__)

static void test_addr(void)
{
	uint8_t zero[16] = { 0 };
	char out[64];

	ADDR(AF_INET, "127.0.0.1", "127.0.0.1");
	ADDR(AF_INET, "10.20.30.40", "10.20.30.40");
	ADDR(AF_INET, "0.0.0.0", "0.0.0.0");
	ADDR(AF_INET6, "::1", "::1");
	ADDR(AF_INET6, "::", "::");
	ADDR(AF_INET6, "2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334");
	ADDR(AF_INET6, "fe80::1", "fe80::1");
	ADDR(AF_INET6, "::ffff:127.0.0.1", "127.0.0.1");        /* v4-mapped shown as IPv4 */
	ADDR(AF_INET6, "::ffff:192.168.1.9", "192.168.1.9");
	ADDR(AF_INET6, "::ffff:0:1.2.3.4", "::ffff:0:102:304"); /* v4-translated: not mapped */
	{
		uint8_t v6[16], v4[16] = { 10, 1, 2, 3 };

		CHECK_EQ(inet_pton(AF_INET6, "fd00::1", v6), 1);
		evfmt_endpoint(AF_INET6, v6, 443, out, sizeof(out));
		CHECK_STR(out, "[fd00::1]:443");
		evfmt_endpoint(AF_INET, v4, 80, out, sizeof(out));
		CHECK_STR(out, "10.1.2.3:80");
		CHECK_EQ(inet_pton(AF_INET6, "::ffff:127.0.0.1", v6), 1);
		evfmt_endpoint(AF_INET6, v6, 8, out, sizeof(out));
		CHECK_STR(out, "127.0.0.1:8");          /* v4-mapped: no brackets */
	}
	memcpy(out, "junk", 5);
	evfmt_addr(AF_UNIX, zero, out, sizeof(out));
	CHECK_STR(out, "");                                     /* no address family of ours */
}

/* Expect id (or no id when want is NULL) in the cgroup text. */
static void check_cid(const char *cgroup, const char *want, int line)
{
	char out[80] = "";
	bool found = evfmt_container_id(cgroup, out, sizeof(out));

	if (!want && found)
		unit_fail(__FILE__, line, "unexpected id \"%s\" in \"%s\"", out, cgroup);
	else if (want && (!found || strcmp(out, want)))
		unit_fail(__FILE__, line, "id in \"%s\": got %s \"%s\"", cgroup,
			  found ? "true" : "false", out);
}

#define CID(cgroup, want) check_cid(cgroup, want, __LINE__)

static void test_container_id_runtimes(void)
{
	CID("0::/system.slice/docker-" ID64 ".scope\n", ID64);
	CID("12:memory:/docker/" ID64 "\n", ID64);
	CID("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	    "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-" ID64 ".scope\n", ID64);
	CID("0::/kubepods.slice/kubepods-burstable.slice/crio-" ID64 "\n", ID64);
	CID("0::/machine.slice/libpod-" ID64 ".scope/container\n", ID64);
	CID("12:pids:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" ID64 "\n",
	    ID64);
}

static void test_container_id_multiline(void)
{
	/* cgroup v1: many hierarchies, the id in a later line */
	CID("13:rdma:/\n"
	    "12:cpuset:/docker/" ID64 "\n"
	    "11:memory:/docker/" ID64 "\n"
	    "0::/\n", ID64);
}

static void test_container_id_none(void)
{
	CID("0::/user.slice/user-0.slice/session-1.scope\n", NULL);
	CID("0::/\n", NULL);
	CID("", NULL);
	CID("0::/init.scope\n", NULL);
	CID("0::/system.slice/docker.service\n", NULL);
}

static void test_container_id_exact_run(void)
{
	char buf[256];
	char upper[] = ID64;

	/* 63 hex digits */
	snprintf(buf, sizeof(buf), "0::/system.slice/docker-%.63s.scope\n", ID64);
	CID(buf, NULL);
	/* 65 hex digits: neither the first nor the last 64 */
	snprintf(buf, sizeof(buf), "0::/system.slice/docker-%sa.scope\n", ID64);
	CID(buf, NULL);
	snprintf(buf, sizeof(buf), "0::/system.slice/docker-a%s.scope\n", ID64);
	CID(buf, NULL);
	/* at the very end of the text, no newline */
	CID("12:memory:/docker/" ID64, ID64);
	/* uppercase hex is not what runtimes write */
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	snprintf(buf, sizeof(buf), "0::/system.slice/docker-%s.scope\n", upper);
	CID(buf, NULL);
	snprintf(buf, sizeof(buf), "0::/system.slice/docker-%.63sF.scope\n", ID64);
	CID(buf, NULL);
}

static void test_container_id_small_out(void)
{
	char out[9];

	CHECK(evfmt_container_id("0::/docker-" ID64 ".scope", out, sizeof(out)));
	CHECK_STR(out, "4f2a9c1b");                     /* truncated, terminated */
}

UNIT_MAIN(UNIT_TEST(test_join_relative),
	  UNIT_TEST(test_join_absolute),
	  UNIT_TEST(test_join_dots),
	  UNIT_TEST(test_join_never_above_root),
	  UNIT_TEST(test_join_slashes),
	  UNIT_TEST(test_join_component_boundaries),
	  UNIT_TEST(test_join_too_small),
	  UNIT_TEST(test_open_access),
	  UNIT_TEST(test_access_str),
	  UNIT_TEST(test_addr),
	  UNIT_TEST(test_container_id_runtimes),
	  UNIT_TEST(test_container_id_multiline),
	  UNIT_TEST(test_container_id_none),
	  UNIT_TEST(test_container_id_exact_run),
	  UNIT_TEST(test_container_id_small_out))
