/* SPDX-License-Identifier: MIT */
/*
 * DRM_IOCTL_SET_MASTER and DRM_IOCTL_DROP_MASTER.
 *
 * The kernel's rules (drm_auth.c, Linux 6.1):
 *   - both ioctls first check drm_master_check_perm(): allowed for CAP_SYS_ADMIN, or for a
 *     file that was master once when the caller is the process that opened it; else EACCES;
 *   - SET_MASTER on the current master is a no-op; with another master present, EBUSY;
 *   - DROP_MASTER by a file that is not the current master is EINVAL;
 *   - closing the master's file (or its process dying) leaves the device without master; the
 *     next file opened then becomes master, and any file may SET_MASTER.
 * Master status belongs to the open file, not to the process.
 */
#include "igt.h"

#include <string.h>
#include <unistd.h>

static int __set_master(int fd)
{
	int ret = igt_ioctl(fd, DRM_IOCTL_SET_MASTER, NULL) ? -errno : 0;
	errno = 0;
	return ret;
}

static int __drop_master(int fd)
{
	int ret = igt_ioctl(fd, DRM_IOCTL_DROP_MASTER, NULL) ? -errno : 0;
	errno = 0;
	return ret;
}

static void setmaster_busy(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_assert_eq(__set_master(b), -EBUSY);
	igt_assert(!igt_is_master(b));
	igt_assert(igt_is_master(a));
}

static void setmaster_self(void)
{
	int a = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_assert_eq(__set_master(a), 0);
	igt_assert_eq(__set_master(a), 0);
	igt_assert(igt_is_master(a));
}

static void dropmaster_non_master(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_assert_eq(__drop_master(b), -EINVAL);
	igt_assert(igt_is_master(a));
}

static void drop_then_other(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_assert_eq(__drop_master(a), 0);
	igt_assert(!igt_is_master(a));
	igt_assert_eq(__drop_master(a), -EINVAL);

	igt_assert_eq(__set_master(b), 0);
	igt_assert(igt_is_master(b));
	igt_assert_eq(__set_master(a), -EBUSY);
	igt_assert(!igt_is_master(a));

	/* And back. */
	igt_assert_eq(__drop_master(b), 0);
	igt_assert_eq(__set_master(a), 0);
	igt_assert(igt_is_master(a));
	igt_assert(!igt_is_master(b));
}

static void drop_then_new_opener(void)
{
	int a = drm_open_primary();

	igt_assert_eq(__drop_master(a), 0);
	int c = drm_open_primary();
	igt_assert_f(igt_is_master(c), "no master, yet a new file did not become master\n");
	igt_assert_eq(__set_master(a), -EBUSY);
}

static void close_releases_master(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_assert_eq(__set_master(b), -EBUSY);
	close(a);
	igt_assert(!igt_is_master(b));
	igt_assert_eq(__set_master(b), 0);
	igt_assert(igt_is_master(b));
}

static void close_then_new_opener(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	close(a);
	int c = drm_open_primary();
	igt_assert(igt_is_master(c));
	igt_assert(!igt_is_master(b));
	igt_assert_eq(__set_master(b), -EBUSY);
}

/* The master's process dies while another file is open: that file can take master. */
static void dying_master(void)
{
	struct igt_pipe up, down;

	igt_pipe_init(&up);
	igt_pipe_init(&down);
	igt_fork() {
		int a = drm_open_primary();
		igt_assert(igt_is_master(a));
		igt_pipe_send(&up, 'm');
		igt_pipe_recv(&down);
		/* exit without closing */
	}
	igt_pipe_recv(&up);
	int b = drm_open_primary();
	igt_assert(!igt_is_master(b));
	igt_assert_eq(__set_master(b), -EBUSY);
	igt_pipe_send(&down, 'x');
	igt_waitchildren();
	igt_assert_eq(__set_master(b), 0);
	igt_assert(igt_is_master(b));
}

static void dying_master_new_opener(void)
{
	igt_fork() {
		int a = drm_open_primary();
		igt_assert(igt_is_master(a));
	}
	igt_waitchildren();
	int b = drm_open_primary();
	igt_assert_f(igt_is_master(b), "master not released by the dead process\n");
}

/* Master status belongs to the file: a forked child using the same file is master. */
static void master_follows_file(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();

	igt_fork() {
		igt_assert(igt_is_master(a));
		igt_assert(!igt_is_master(b));
		igt_assert_eq(__set_master(b), -EBUSY);
		igt_assert_eq(__drop_master(a), 0);
		igt_assert_eq(__set_master(b), 0);
	}
	igt_waitchildren();
	igt_assert(!igt_is_master(a));
	igt_assert(igt_is_master(b));
}

/* Without CAP_SYS_ADMIN, a file that never was master can neither set nor drop. */
static void unprivileged_setmaster(void)
{
	struct igt_pipe up, down;
	int a = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_pipe_init(&up);
	igt_pipe_init(&down);
	igt_fork() {
		int b = drm_open_primary();
		igt_drop_root();
		igt_assert_eq(__set_master(b), -EACCES);
		igt_assert_eq(__drop_master(b), -EACCES);
		igt_pipe_send(&up, '1');
		igt_pipe_recv(&down);
		/* No master at all now: still EACCES. */
		igt_assert_eq(__set_master(b), -EACCES);
		igt_assert(!igt_is_master(b));
	}
	igt_pipe_recv(&up);
	igt_assert_eq(__drop_master(a), 0);
	igt_pipe_send(&down, '2');
	igt_waitchildren();
	igt_assert_eq(__set_master(a), 0);
}

/* A file that was master may drop and regain master in its opener without privileges. */
static void unprivileged_was_master(void)
{
	igt_fork() {
		int a = drm_open_primary();
		igt_assert(igt_is_master(a));
		igt_drop_root();
		igt_assert_eq(__drop_master(a), 0);
		igt_assert(!igt_is_master(a));
		igt_assert_eq(__set_master(a), 0);
		igt_assert(igt_is_master(a));
	}
	igt_waitchildren();
}

/* ... but not from another process (the opener's pid is what counts). */
static void unprivileged_was_master_other_process(void)
{
	int a = drm_open_primary();

	igt_assert(igt_is_master(a));
	igt_fork() {
		igt_drop_root();
		igt_assert_eq(__drop_master(a), -EACCES);
		igt_assert(igt_is_master(a));
	}
	igt_waitchildren();
	igt_assert_eq(__drop_master(a), 0);
	igt_fork() {
		igt_drop_root();
		igt_assert_eq(__set_master(a), -EACCES);
	}
	igt_waitchildren();
	igt_assert(!igt_is_master(a));
}

static const struct igt_subtest tests[] = {
	{ "setmaster-busy", setmaster_busy },
	{ "setmaster-self", setmaster_self },
	{ "dropmaster-non-master", dropmaster_non_master },
	{ "drop-then-other", drop_then_other },
	{ "drop-then-new-opener", drop_then_new_opener },
	{ "close-releases-master", close_releases_master },
	{ "close-then-new-opener", close_then_new_opener },
	{ "dying-master", dying_master },
	{ "dying-master-new-opener", dying_master_new_opener },
	{ "master-follows-file", master_follows_file },
	{ "unprivileged-setmaster", unprivileged_setmaster },
	{ "unprivileged-was-master", unprivileged_was_master },
	{ "unprivileged-was-master-other-process", unprivileged_was_master_other_process },
};

IGT_MAIN(tests)
