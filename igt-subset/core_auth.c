/* SPDX-License-Identifier: MIT */
/*
 * Master and authentication: GET_MAGIC, AUTH_MAGIC, GET_CLIENT, GET_STATS.
 *
 * The kernel's rules (drm_auth.c, drm_file.c, drm_ioctl.c, Linux 6.1):
 *   - the first file opened on a primary node with no master becomes master;
 *   - a file is authenticated at open when its opener has CAP_SYS_ADMIN, and when a master
 *     passes its magic to AUTH_MAGIC; DRM_AUTH ioctls (GEM_FLINK, GEM_OPEN, ...) need it;
 *   - GET_MAGIC gives a file one magic for its life; AUTH_MAGIC (DRM_MASTER) consumes it;
 *   - GET_CLIENT is hollowed out: idx 0 describes the caller, anything else is EINVAL;
 *     GET_STATS returns zeros.
 * Each subtest runs in a fresh process, so it is the only opener of the device.
 */
#include "igt.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint32_t get_magic(int fd)
{
	struct drm_auth a = { .magic = 0 };
	do_ioctl(fd, DRM_IOCTL_GET_MAGIC, &a);
	igt_assert_neq(a.magic, 0);
	return a.magic;
}

static int __auth_magic(int fd, uint32_t magic)
{
	struct drm_auth a = { .magic = magic };
	int ret = igt_ioctl(fd, DRM_IOCTL_AUTH_MAGIC, &a) ? -errno : 0;
	errno = 0;
	return ret;
}

static void get_client(int fd, int idx, struct drm_client *c)
{
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	do_ioctl(fd, DRM_IOCTL_GET_CLIENT, c);
}

static bool is_authenticated(int fd)
{
	struct drm_client c;
	get_client(fd, 0, &c);
	igt_assert_f(c.auth == 0 || c.auth == 1, "auth = %d\n", c.auth);
	return c.auth;
}

/* GEM_OPEN is DRM_AUTH: EACCES before authentication, ENOENT for an unknown name after. */
static int probe_gem_open(int fd)
{
	struct drm_gem_open o;
	memset(&o, 0, sizeof(o));
	o.name = 0x7ffffff0;
	int ret = igt_ioctl(fd, DRM_IOCTL_GEM_OPEN, &o) ? -errno : 0;
	errno = 0;
	return ret;
}

static void master_first_opener(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_assert_f(igt_is_master(a), "the first opener is not master\n");
	igt_assert_f(!igt_is_master(b), "the second opener is master too\n");
}

static void getmagic_stable(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	uint32_t ma = get_magic(a), mb = get_magic(b);

	igt_assert_eq_u32(get_magic(a), ma);
	igt_assert_eq_u32(get_magic(b), mb);
	igt_assert_neq(ma, mb);
}

static void auth_magic_once(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	uint32_t mb = get_magic(b);

	igt_assert_eq(__auth_magic(a, mb), 0);
	/* The magic is consumed, but the file keeps it. */
	igt_assert_eq(__auth_magic(a, mb), -EINVAL);
	igt_assert_eq_u32(get_magic(b), mb);
	igt_assert_eq(__auth_magic(a, mb), -EINVAL);
}

static void auth_magic_unknown(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	uint32_t mb = get_magic(b);

	igt_assert_eq(__auth_magic(a, 0), -EINVAL);
	igt_assert_eq(__auth_magic(a, 0x7ffffff0), -EINVAL);
	igt_assert_eq(__auth_magic(a, mb + 1000), -EINVAL);
	igt_assert_eq(__auth_magic(a, 0xffffffff), -EINVAL);
}

static void auth_magic_non_master(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	uint32_t mb = get_magic(b);

	igt_assert_eq(__auth_magic(b, mb), -EACCES);
	igt_assert_eq(__auth_magic(b, 0), -EACCES);
	/* The refused attempt did not consume the magic. */
	igt_assert_eq(__auth_magic(a, mb), 0);
}

/* An opener with CAP_SYS_ADMIN is authenticated from the start, master or not. */
static void root_is_authenticated(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_assert(is_authenticated(a));
	igt_assert(is_authenticated(b));
	igt_assert_eq(probe_gem_open(b), -ENOENT);
}

/* A client without CAP_SYS_ADMIN needs the master's AUTH_MAGIC for DRM_AUTH ioctls. */
static void auth_grants_access(void)
{
	struct igt_pipe to_parent, to_child;
	int a = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_pipe_init(&to_parent);
	igt_pipe_init(&to_child);
	igt_fork() {
		igt_drop_sys_admin();
		int b = drm_open_primary();
		igt_assert(!igt_is_master(b));
		igt_assert(!is_authenticated(b));
		igt_assert_eq(probe_gem_open(b), -EACCES);
		igt_pipe_send_u32(&to_parent, get_magic(b));
		igt_pipe_recv(&to_child);
		igt_assert(is_authenticated(b));
		igt_assert_eq(probe_gem_open(b), -ENOENT);
		igt_assert(!igt_is_master(b));
	}
	uint32_t magic = igt_pipe_recv_u32(&to_parent);
	igt_assert_eq(__auth_magic(a, magic), 0);
	igt_pipe_send(&to_child, 'a');
	igt_waitchildren();
}

/* A master opened without CAP_SYS_ADMIN is authenticated by becoming master. */
static void master_is_authenticated(void)
{
	igt_fork() {
		igt_drop_sys_admin();
		int a = drm_open_primary();
		int b = drm_open_primary();
		igt_assert(igt_is_master(a));
		igt_assert(is_authenticated(a));
		igt_assert(!is_authenticated(b));
		igt_assert_eq(probe_gem_open(a), -ENOENT);
		igt_assert_eq(probe_gem_open(b), -EACCES);
	}
	igt_waitchildren();
}

static unsigned long overflowuid(void)
{
	unsigned long uid = 65534;
	FILE *f = fopen("/proc/sys/kernel/overflowuid", "r");
	if (f) {
		if (fscanf(f, "%lu", &uid) != 1)
			uid = 65534;
		fclose(f);
	}
	return uid;
}

static void getclient(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	struct drm_client c;

	get_client(b, 0, &c);
	igt_assert_eq(c.idx, 0);
	igt_assert_eq(c.auth, 1);
	igt_assert_eq_u64(c.pid, (unsigned long)getpid());
	igt_assert_eq_u64(c.uid, overflowuid());
	igt_assert_eq_u64(c.magic, 0);
	igt_assert_eq_u64(c.iocs, 0);
	get_client(a, 0, &c);
	igt_assert_eq(c.auth, 1);
	igt_assert_eq_u64(c.pid, (unsigned long)getpid());

	/* Only the caller itself is described. */
	int bad[] = { 1, 2, -1, 0x7fffffff };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.idx = bad[i];
		do_ioctl_err(b, DRM_IOCTL_GET_CLIENT, &c, EINVAL);
	}
}

/* The pid is the caller's, whichever process opened the file. */
static void getclient_pid(void)
{
	int a = drm_open_primary();
	igt_fork() {
		struct drm_client c;
		get_client(a, 0, &c);
		igt_assert_eq_u64(c.pid, (unsigned long)getpid());
	}
	igt_waitchildren();
}

static void getstats(void)
{
	int a = drm_open_primary();
	struct drm_stats s;

	memset(&s, 0xa5, sizeof(s));
	do_ioctl(a, DRM_IOCTL_GET_STATS, &s);
	igt_assert_eq_u64(s.count, 0);
	for (size_t i = 0; i < sizeof(s.data) / sizeof(s.data[0]); i++) {
		igt_assert_eq_u64(s.data[i].value, 0);
		igt_assert_eq(s.data[i].type, 0);
	}
}

static const struct igt_subtest tests[] = {
	{ "master-first-opener", master_first_opener },
	{ "getmagic-stable", getmagic_stable },
	{ "auth-magic-once", auth_magic_once },
	{ "auth-magic-unknown", auth_magic_unknown },
	{ "auth-magic-non-master", auth_magic_non_master },
	{ "root-is-authenticated", root_is_authenticated },
	{ "auth-grants-access", auth_grants_access },
	{ "master-is-authenticated", master_is_authenticated },
	{ "getclient", getclient },
	{ "getclient-pid", getclient_pid },
	{ "getstats", getstats },
};

IGT_MAIN(tests)
