/* SPDX-License-Identifier: MIT */
/*
 * DRM sync objects: SYNCOBJ_CREATE, SYNCOBJ_DESTROY, SYNCOBJ_HANDLE_TO_FD, SYNCOBJ_FD_TO_HANDLE.
 *
 * In the spirit of IGT's tests/syncobj_basic.c, held to drivers/gpu/drm/drm_syncobj.c (a
 * current kernel; these paths are unchanged since 6.1):
 *   - every syncobj ioctl is EOPNOTSUPP on a driver without DRIVER_SYNCOBJ (the kernel's vgem
 *     up to at least 6.1: DRM_CAP_SYNCOBJ is 0 there, and only "unsupported" runs);
 *   - CREATE knows one flag, SIGNALED (EINVAL otherwise); handles come from a per-file idr,
 *     lowest free number from 1; DESTROY checks pad (EINVAL), an unknown handle is EINVAL;
 *   - HANDLE_TO_FD / FD_TO_HANDLE check pad, then flags (EINVAL).  The opaque fd is an
 *     anon-inode file holding the syncobj (O_CLOEXEC); exporting an unknown handle is EINVAL,
 *     importing anything but such a file is EINVAL, and each import makes a new handle to the
 *     same syncobj.  EXPORT_SYNC_FILE wraps the current fence: an unknown handle is ENOENT and
 *     a syncobj without fence EINVAL (drm_syncobj_find_fence); IMPORT_SYNC_FILE takes the
 *     fence of a sync_file (anything else: EINVAL, checked before the handle: ENOENT) and
 *     replaces the syncobj's fence with it.
 * A syncobj with no fence makes a plain SYNCOBJ_WAIT fail with EINVAL; a signaled one makes
 * it return 0; an unsignaled one times out with ETIME.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static int open_syncobj(void)
{
	int fd = drm_open_primary();
	igt_require_syncobj(fd);
	return fd;
}

/* SYNCOBJ_WAIT with a 0 (poll) timeout on one syncobj: 0, -EINVAL (no fence) or -ETIME. */
static int poll_syncobj(int fd, uint32_t handle)
{
	return __syncobj_wait(fd, &handle, 1, 0, 0, NULL);
}

static bool sync_file_signaled(int sync_file)
{
	return igt_poll_fd(sync_file, POLLIN, 0) & POLLIN;
}

/*
 * DRIVER_SYNCOBJ missing: drm_syncobj_*_ioctl all start with drm_core_check_feature and
 * return -EOPNOTSUPP, before looking at their arguments.  (EVENTFD is left out: 6.1 does not
 * know its number at all.)
 */
static void unsupported(void)
{
	int fd = drm_open_primary();
	igt_require(!igt_get_cap(fd, DRM_CAP_SYNCOBJ));
	igt_assert_eq_u64(igt_get_cap(fd, DRM_CAP_SYNCOBJ_TIMELINE), 0);

	struct drm_syncobj_create create = { .flags = 0 };
	struct drm_syncobj_destroy destroy = { .handle = 1 };
	struct drm_syncobj_handle handle = { .handle = 1, .fd = -1 };
	struct drm_syncobj_wait wait;
	struct drm_syncobj_array array;
	struct drm_syncobj_timeline_wait twait;
	struct drm_syncobj_timeline_array tarray;
	struct drm_syncobj_transfer transfer;
	uint32_t h = 1;
	uint64_t point = 1;

	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create, EOPNOTSUPP);
	create.flags = DRM_SYNCOBJ_CREATE_SIGNALED;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create, EOPNOTSUPP);
	/* Even with bad flags: the feature check comes first. */
	create.flags = 0xdeadbeef;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_CREATE, &create, EOPNOTSUPP);
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &destroy, EOPNOTSUPP);
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &handle, EOPNOTSUPP);
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &handle, EOPNOTSUPP);

	memset(&wait, 0, sizeof(wait));
	wait.handles = (uintptr_t)&h;
	wait.count_handles = 1;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_WAIT, &wait, EOPNOTSUPP);
	memset(&array, 0, sizeof(array));
	array.handles = (uintptr_t)&h;
	array.count_handles = 1;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_RESET, &array, EOPNOTSUPP);
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_SIGNAL, &array, EOPNOTSUPP);

	memset(&twait, 0, sizeof(twait));
	twait.handles = (uintptr_t)&h;
	twait.points = (uintptr_t)&point;
	twait.count_handles = 1;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &twait, EOPNOTSUPP);
	memset(&tarray, 0, sizeof(tarray));
	tarray.handles = (uintptr_t)&h;
	tarray.points = (uintptr_t)&point;
	tarray.count_handles = 1;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_QUERY, &tarray, EOPNOTSUPP);
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &tarray, EOPNOTSUPP);
	memset(&transfer, 0, sizeof(transfer));
	transfer.src_handle = 1;
	transfer.dst_handle = 1;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, &transfer, EOPNOTSUPP);
}

/* drm_syncobj_create_ioctl: only DRM_SYNCOBJ_CREATE_SIGNALED. */
static void bad_create_flags(void)
{
	int fd = open_syncobj();
	uint32_t h = 0;

	igt_assert_eq(__syncobj_create(fd, 0xdeadbeef, &h), -EINVAL);
	igt_assert_eq(__syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED << 1, &h), -EINVAL);
	igt_assert_eq(__syncobj_create(fd, 0x80000000 | DRM_SYNCOBJ_CREATE_SIGNALED, &h), -EINVAL);
}

static void create_destroy(void)
{
	int fd = open_syncobj();
	uint32_t a = syncobj_create(fd, 0);
	uint32_t b = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	igt_assert_neq(a, b);
	syncobj_destroy(fd, a);
	/* drm_syncobj_destroy: idr_remove found nothing -> EINVAL. */
	igt_assert_eq(__syncobj_destroy(fd, a), -EINVAL);
	igt_assert_eq(poll_syncobj(fd, b), 0);
	syncobj_destroy(fd, b);
	igt_assert_eq(__syncobj_destroy(fd, b), -EINVAL);
	/* A destroyed handle is unknown to the other ioctls too (drm_syncobj_array_find). */
	igt_assert_eq(poll_syncobj(fd, b), -ENOENT);
}

/* idr_alloc(&file_private->syncobj_idr, syncobj, 1, 0, ...): the lowest free number from 1. */
static void handle_numbering(void)
{
	int fd = open_syncobj();

	igt_assert_eq(syncobj_create(fd, 0), 1);
	igt_assert_eq(syncobj_create(fd, 0), 2);
	igt_assert_eq(syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED), 3);
	syncobj_destroy(fd, 2);
	igt_assert_eq(syncobj_create(fd, 0), 2);
	igt_assert_eq(syncobj_create(fd, 0), 4);
	syncobj_destroy(fd, 1);
	/* Imports take numbers from the same idr. */
	int sfd = syncobj_handle_to_fd(fd, 3, 0);
	igt_assert_eq(syncobj_fd_to_handle(fd, sfd), 1);
	igt_assert_eq(syncobj_fd_to_handle(fd, sfd), 5);
}

/* Handles belong to the file: another file numbers its own, from 1. */
static void handles_per_file(void)
{
	int a = open_syncobj();
	int b = drm_open_primary();
	uint32_t ha = syncobj_create(a, DRM_SYNCOBJ_CREATE_SIGNALED);

	igt_assert_eq(poll_syncobj(b, ha), -ENOENT);
	igt_assert_eq(__syncobj_destroy(b, ha), -EINVAL);
	uint32_t hb = syncobj_create(b, 0);
	igt_assert_eq(hb, ha);
	/* Same number, other syncobj. */
	igt_assert_eq(poll_syncobj(b, hb), -EINVAL);
	igt_assert_eq(poll_syncobj(a, ha), 0);
	syncobj_destroy(b, hb);
	igt_assert_eq(poll_syncobj(a, ha), 0);
}

/* Handles belong to the open file: another process sharing the file uses them. */
static void handles_follow_file(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);

	igt_fork() {
		igt_assert_eq(poll_syncobj(fd, h), -EINVAL);
		syncobj_signal(fd, &h, 1);
		igt_assert_eq(syncobj_create(fd, 0), h + 1);
	}
	igt_waitchildren();
	igt_assert_eq(poll_syncobj(fd, h), 0);
	syncobj_destroy(fd, h + 1);
}

static void bad_destroy(void)
{
	int fd = open_syncobj();

	igt_assert_eq(__syncobj_destroy(fd, 0xdeadbeef), -EINVAL);
	igt_assert_eq(__syncobj_destroy(fd, 0), -EINVAL);
	igt_assert_eq(__syncobj_destroy(fd, 1), -EINVAL);
}

/* drm_syncobj_destroy_ioctl: pad first; the syncobj survives. */
static void bad_destroy_pad(void)
{
	int fd = open_syncobj();
	struct drm_syncobj_destroy d = { .handle = syncobj_create(fd, 0), .pad = 0xdeadbeef };

	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d, EINVAL);
	d.pad = 1;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d, EINVAL);
	/* Even for an unknown handle: EINVAL either way, but the pad is checked first. */
	d.handle = 0xdeadbeef;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d, EINVAL);
	syncobj_destroy(fd, 1);
}

/* drm_syncobj_assign_null_handle: a signaled stub fence. */
static void create_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	igt_assert_eq(poll_syncobj(fd, h), 0);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, igt_nsec_now() + 1000000000, 0, NULL), 0);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, INT64_MAX, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL),
		      0);
	int sf = syncobj_export_sync_file(fd, h);
	igt_assert(sync_file_signaled(sf));
}

/* A new syncobj has no fence: wait without WAIT_FOR_SUBMIT is EINVAL, with it ETIME. */
static void create_unsignaled(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);

	igt_assert_eq(poll_syncobj(fd, h), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, INT64_MAX, 0, NULL), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
		      -ETIME);
}

static void bad_handle_to_fd(void)
{
	int fd = open_syncobj();
	int out = -2;

	/* drm_syncobj_handle_to_fd: drm_syncobj_find failed -> EINVAL. */
	igt_assert_eq(__syncobj_handle_to_fd(fd, 0xdeadbeef, 0, &out), -EINVAL);
	igt_assert_eq(__syncobj_handle_to_fd(fd, 0, 0, &out), -EINVAL);
	/* drm_syncobj_export_sync_file -> drm_syncobj_find_fence: -ENOENT for the same thing. */
	igt_assert_eq(__syncobj_handle_to_fd(fd, 0xdeadbeef,
					     DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE, &out),
		      -ENOENT);
}

static void bad_fd_to_handle(void)
{
	int fd = open_syncobj();
	uint32_t h = 0;

	/* drm_syncobj_fd_to_handle: fdget failed -> EINVAL (not EBADF). */
	igt_assert_eq(__syncobj_fd_to_handle(fd, -1, 0, &h), -EINVAL);
	int closed = dup(fd);
	close(closed);
	igt_assert_eq(__syncobj_fd_to_handle(fd, closed, 0, &h), -EINVAL);
	igt_assert_eq(__syncobj_fd_to_handle(fd, 0x7fffffff, 0, &h), -EINVAL);

	/* drm_syncobj_import_sync_file_fence: no sync_file -> EINVAL. */
	h = syncobj_create(fd, 0);
	igt_assert_eq(__syncobj_fd_to_handle(fd, -1, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
					     &h),
		      -EINVAL);
	igt_assert_eq(__syncobj_fd_to_handle(fd, closed,
					     DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE, &h),
		      -EINVAL);
}

/* An open fd that is not a syncobj file: f_op != &drm_syncobj_file_fops -> EINVAL. */
static void illegal_fd_to_handle(void)
{
	int fd = open_syncobj();
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC);
	uint32_t sig = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int sync_file = syncobj_export_sync_file(fd, sig);
	int opaque = syncobj_handle_to_fd(fd, sig, 0);
	const int fds[] = { fd, devnull, efd, sync_file };
	uint32_t h;

	igt_assert(devnull >= 0 && efd >= 0);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		h = 0;
		igt_assert_eq(__syncobj_fd_to_handle(fd, fds[i], 0, &h), -EINVAL);
	}

	/* And the other way round: IMPORT_SYNC_FILE of what is not a sync_file. */
	uint32_t target = syncobj_create(fd, 0);
	const int not_sync_files[] = { fd, devnull, efd, opaque };
	for (size_t i = 0; i < sizeof(not_sync_files) / sizeof(not_sync_files[0]); i++) {
		h = target;
		igt_assert_eq(__syncobj_fd_to_handle(fd, not_sync_files[i],
						     DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
						     &h),
			      -EINVAL);
	}
	/* Nothing was imported. */
	igt_assert_eq(poll_syncobj(fd, target), -EINVAL);
}

static void bad_flags_handle_to_fd(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int out = -2;

	igt_assert_eq(__syncobj_handle_to_fd(fd, h, 0xdeadbeef, &out), -EINVAL);
	igt_assert_eq(__syncobj_handle_to_fd(fd, h, 1u << 2, &out), -EINVAL);
	igt_assert_eq(__syncobj_handle_to_fd(fd, h, 0x80000000u, &out), -EINVAL);
	/* Flags come before the handle. */
	igt_assert_eq(__syncobj_handle_to_fd(fd, 0xdeadbeef, 0xdeadbeef, &out), -EINVAL);
}

static void bad_flags_fd_to_handle(void)
{
	int fd = open_syncobj();
	uint32_t s = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int sfd = syncobj_handle_to_fd(fd, s, 0);
	uint32_t h = 0;

	igt_assert_eq(__syncobj_fd_to_handle(fd, sfd, 0xdeadbeef, &h), -EINVAL);
	h = 0;
	igt_assert_eq(__syncobj_fd_to_handle(fd, sfd, 1u << 2, &h), -EINVAL);
	h = 0;
	igt_assert_eq(__syncobj_fd_to_handle(fd, sfd, 0x80000000u, &h), -EINVAL);
}

static void bad_pad_handle_to_fd(void)
{
	int fd = open_syncobj();
	struct drm_syncobj_handle arg = {
		.handle = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED),
		.fd = -1,
		.pad = 0xdeadbeef,
	};

	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &arg, EINVAL);
	arg.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &arg, EINVAL);
	/* Pad before handle: EINVAL, not ENOENT. */
	arg.handle = 0xdeadbeef;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &arg, EINVAL);
}

static void bad_pad_fd_to_handle(void)
{
	int fd = open_syncobj();
	uint32_t s = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	struct drm_syncobj_handle arg = {
		.fd = syncobj_handle_to_fd(fd, s, 0),
		.pad = 0xdeadbeef,
	};

	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &arg, EINVAL);
	arg.fd = syncobj_export_sync_file(fd, s);
	arg.handle = s;
	arg.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &arg, EINVAL);
}

/*
 * IGT's test-valid-cycle: export, import into the same file.  No de-duplication: a new handle,
 * to the same syncobj.
 */
static void test_valid_cycle(void)
{
	int fd = open_syncobj();
	uint32_t first = syncobj_create(fd, 0);
	int sfd = syncobj_handle_to_fd(fd, first, 0);

	/* drm_syncobj_get_fd: get_unused_fd_flags(O_CLOEXEC). */
	igt_assert(fcntl(sfd, F_GETFD) & FD_CLOEXEC);
	uint32_t second = syncobj_fd_to_handle(fd, sfd);
	uint32_t third = syncobj_fd_to_handle(fd, sfd);
	close(sfd);
	igt_assert_neq(first, second);
	igt_assert_neq(second, third);

	syncobj_signal(fd, &second, 1);
	igt_assert_eq(poll_syncobj(fd, first), 0);
	igt_assert_eq(poll_syncobj(fd, third), 0);
	syncobj_reset(fd, &third, 1);
	igt_assert_eq(poll_syncobj(fd, first), -EINVAL);

	/* Destroying one handle leaves the others. */
	syncobj_destroy(fd, first);
	syncobj_signal(fd, &third, 1);
	igt_assert_eq(poll_syncobj(fd, second), 0);
	syncobj_destroy(fd, second);
	syncobj_destroy(fd, third);
}

static void export_import_other_file(void)
{
	int a = open_syncobj();
	int b = drm_open_primary();
	uint32_t ha = syncobj_create(a, 0);
	int sfd = syncobj_handle_to_fd(a, ha, 0);
	uint32_t hb = syncobj_fd_to_handle(b, sfd);
	close(sfd);

	igt_assert_eq(poll_syncobj(b, hb), -EINVAL);
	syncobj_signal(b, &hb, 1);
	igt_assert_eq(poll_syncobj(a, ha), 0);
	syncobj_reset(a, &ha, 1);
	igt_assert_eq(poll_syncobj(b, hb), -EINVAL);
}

/* The fd holds a reference: the syncobj outlives its handles and its file. */
static void fd_keeps_syncobj(void)
{
	int a = open_syncobj();
	int b = drm_open_primary();
	uint32_t ha = syncobj_create(a, 0);
	int sfd = syncobj_handle_to_fd(a, ha, 0);

	syncobj_signal(a, &ha, 1);
	syncobj_destroy(a, ha);
	close(a);

	uint32_t hb = syncobj_fd_to_handle(b, sfd);
	igt_assert_eq(poll_syncobj(b, hb), 0);
	syncobj_reset(b, &hb, 1);
	syncobj_destroy(b, hb);

	/* Still there through the fd alone: a new import sees the reset. */
	hb = syncobj_fd_to_handle(b, sfd);
	igt_assert_eq(poll_syncobj(b, hb), -EINVAL);
	close(sfd);
	/* And the handle outlives the fd. */
	syncobj_signal(b, &hb, 1);
	igt_assert_eq(poll_syncobj(b, hb), 0);
}

/* The opaque fd is a real fd: dup'ed copies import the same syncobj. */
static void fd_dup(void)
{
	int a = open_syncobj();
	int b = drm_open_primary();
	uint32_t ha = syncobj_create(a, 0);
	int sfd = syncobj_handle_to_fd(a, ha, 0);
	int d1 = dup(sfd);
	int d2 = fcntl(sfd, F_DUPFD_CLOEXEC, 100);

	igt_assert(d1 >= 0 && d2 >= 100);
	close(sfd);
	uint32_t h1 = syncobj_fd_to_handle(b, d1);
	close(d1);
	uint32_t h2 = syncobj_fd_to_handle(b, d2);
	close(d2);
	igt_assert_neq(h1, h2);
	syncobj_signal(b, &h1, 1);
	igt_assert_eq(poll_syncobj(b, h2), 0);
	igt_assert_eq(poll_syncobj(a, ha), 0);
}

/* Sent over a unix socket to another process, which imports it into its own file. */
static void fd_over_socket(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int sv[2];

	igt_socketpair(sv);
	igt_fork() {
		close(sv[0]);
		int sfd = igt_recv_fd(sv[1]);
		int own = drm_open_primary();
		uint32_t mine = syncobj_fd_to_handle(own, sfd);
		close(sfd);
		igt_assert_eq(poll_syncobj(own, mine), -EINVAL);
		syncobj_signal(own, &mine, 1);
		igt_assert_eq(poll_syncobj(own, mine), 0);
	}
	close(sv[1]);
	int sfd = syncobj_handle_to_fd(fd, h, 0);
	igt_send_fd(sv[0], sfd);
	close(sfd);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, igt_nsec_now() + 10000000000ll,
				     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL),
		      0);
	igt_waitchildren();
	igt_assert_eq(poll_syncobj(fd, h), 0);
}

/* drm_syncobj_export_sync_file -> drm_syncobj_find_fence: no fence is EINVAL. */
static void sync_file_export_no_fence(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int out = -2;

	igt_assert_eq(__syncobj_handle_to_fd(fd, h, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
					     &out),
		      -EINVAL);
	syncobj_signal(fd, &h, 1);
	syncobj_reset(fd, &h, 1);
	igt_assert_eq(__syncobj_handle_to_fd(fd, h, DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
					     &out),
		      -EINVAL);
}

/* Export the fence as a sync_file, import it into another syncobj (of another file). */
static void sync_file_round_trip(void)
{
	int a = open_syncobj();
	int b = drm_open_primary();
	uint32_t ha = syncobj_create(a, 0);

	syncobj_signal(a, &ha, 1);
	int sf = syncobj_export_sync_file(a, ha);
	igt_assert(fcntl(sf, F_GETFD) & FD_CLOEXEC);
	igt_assert(sync_file_signaled(sf));

	uint32_t hb = syncobj_create(b, 0);
	syncobj_import_sync_file(b, hb, sf);
	igt_assert_eq(poll_syncobj(b, hb), 0);
	/* Importing does not consume the sync_file. */
	uint32_t hc = syncobj_create(a, 0);
	syncobj_import_sync_file(a, hc, sf);
	igt_assert_eq(poll_syncobj(a, hc), 0);
	close(sf);
	/* The fence, not the syncobj, was shared: resetting one leaves the others. */
	syncobj_reset(a, &ha, 1);
	igt_assert_eq(poll_syncobj(b, hb), 0);
	igt_assert_eq(poll_syncobj(a, hc), 0);
}

static void sync_file_import_bad_handle(void)
{
	int fd = open_syncobj();
	uint32_t s = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int sf = syncobj_export_sync_file(fd, s);
	uint32_t h;

	/* drm_syncobj_import_sync_file_fence: a sync_file but no syncobj -> ENOENT. */
	h = 0xdeadbeef;
	igt_assert_eq(__syncobj_fd_to_handle(fd, sf, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
					     &h),
		      -ENOENT);
	h = 0;
	igt_assert_eq(__syncobj_fd_to_handle(fd, sf, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
					     &h),
		      -ENOENT);
	/* The fd is looked at first: neither sync_file nor syncobj -> EINVAL. */
	h = 0xdeadbeef;
	igt_assert_eq(__syncobj_fd_to_handle(fd, -1, DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
					     &h),
		      -EINVAL);
}

/*
 * A sync_file wraps the fence of the moment: resetting or signaling the syncobj later does not
 * change it, and importing replaces the syncobj's fence.
 */
static void sync_file_snapshot(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int sf = syncobj_export_sync_file(fd, h);

	syncobj_reset(fd, &h, 1);
	igt_assert_eq(poll_syncobj(fd, h), -EINVAL);
	igt_assert(sync_file_signaled(sf));
	syncobj_import_sync_file(fd, h, sf);
	igt_assert_eq(poll_syncobj(fd, h), 0);
}

/* An unsignaled fence (vgem's) through a sync_file: the syncobj waits for it. */
static void sync_file_unsignaled(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	uint32_t fence;
	int sf = igt_vgem_unsignaled_sync_file(fd, &fence);

	igt_assert(!sync_file_signaled(sf));
	/* The import replaces the signaled fence. */
	syncobj_import_sync_file(fd, h, sf);
	igt_assert_eq(poll_syncobj(fd, h), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, igt_nsec_now() + 20000000, 0, NULL), -ETIME);

	/* Exported back: a sync_file of the same, unsignaled, fence. */
	int back = syncobj_export_sync_file(fd, h);
	igt_assert(!sync_file_signaled(back));

	vgem_fence_signal(fd, fence);
	igt_assert_eq(poll_syncobj(fd, h), 0);
	igt_assert(sync_file_signaled(sf));
	igt_assert(sync_file_signaled(back));
}

static const struct igt_subtest tests[] = {
	{ "unsupported", unsupported },
	{ "bad-create-flags", bad_create_flags },
	{ "create-destroy", create_destroy },
	{ "handle-numbering", handle_numbering },
	{ "handles-per-file", handles_per_file },
	{ "handles-follow-file", handles_follow_file },
	{ "bad-destroy", bad_destroy },
	{ "bad-destroy-pad", bad_destroy_pad },
	{ "create-signaled", create_signaled },
	{ "create-unsignaled", create_unsignaled },
	{ "bad-handle-to-fd", bad_handle_to_fd },
	{ "bad-fd-to-handle", bad_fd_to_handle },
	{ "illegal-fd-to-handle", illegal_fd_to_handle },
	{ "bad-flags-handle-to-fd", bad_flags_handle_to_fd },
	{ "bad-flags-fd-to-handle", bad_flags_fd_to_handle },
	{ "bad-pad-handle-to-fd", bad_pad_handle_to_fd },
	{ "bad-pad-fd-to-handle", bad_pad_fd_to_handle },
	{ "test-valid-cycle", test_valid_cycle },
	{ "export-import-other-file", export_import_other_file },
	{ "fd-keeps-syncobj", fd_keeps_syncobj },
	{ "fd-dup", fd_dup },
	{ "fd-over-socket", fd_over_socket },
	{ "sync-file-export-no-fence", sync_file_export_no_fence },
	{ "sync-file-round-trip", sync_file_round_trip },
	{ "sync-file-import-bad-handle", sync_file_import_bad_handle },
	{ "sync-file-snapshot", sync_file_snapshot },
	{ "sync-file-unsignaled", sync_file_unsignaled },
};

IGT_MAIN(tests)
