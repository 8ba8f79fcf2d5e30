/* SPDX-License-Identifier: MIT */
/*
 * DRM_IOCTL_SYNCOBJ_EVENTFD (Linux 6.6): an eventfd(2) that the kernel signals when a syncobj
 * (point) signals, or with WAIT_AVAILABLE when it is submitted.
 *
 * In the spirit of IGT's tests/syncobj_eventfd.c, held to drm_syncobj_eventfd_ioctl and
 * syncobj_eventfd_entry_func (drivers/gpu/drm/drm_syncobj.c) of a current kernel:
 *   - it needs DRIVER_SYNCOBJ_TIMELINE (else EOPNOTSUPP); flags may only be WAIT_AVAILABLE,
 *     then pad must be 0 (EINVAL for either); then the handle is looked up (ENOENT); then
 *     eventfd_ctx_fdget: EBADF for an fd that is not open, EINVAL for one that is no eventfd;
 *   - the entry is checked at once and whenever the syncobj's fence changes: once the point
 *     is there (dma_fence_chain_find_seqno; point 0 = any fence), WAIT_AVAILABLE signals the
 *     eventfd, otherwise a callback signals it when that fence does.  Either way the entry
 *     is used up: the eventfd is signaled once (eventfd_signal adds 1).  Resetting the
 *     syncobj to no fence does not fire it; freeing the syncobj drops it unfired.
 *   - the entry lives on the syncobj, not on the file or the fd number it came from.
 */
#include "igt.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define AVAILABLE DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE

static int open_eventfd_syncobj(void)
{
	int fd = drm_open_primary();
	igt_require_syncobj_timeline(fd);
	/* As IGT probes: an unknown handle must be ENOENT (kernels before 6.6: EINVAL). */
	int ret = __syncobj_eventfd(fd, 0, 0, 0, -1);
	igt_require_f(ret == -ENOENT, "SYNCOBJ_EVENTFD probe: %s\n", strerror(-ret));
	return fd;
}

static int new_eventfd(void)
{
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	igt_assert_f(efd >= 0, "eventfd: %s\n", strerror(errno));
	return efd;
}

/* Not readable for a while, and nothing to read. */
static void assert_unsignaled(int efd)
{
	uint64_t v;

	igt_assert_eq(igt_poll_fd(efd, POLLIN, 20), 0);
	errno = 0;
	igt_assert_eq(read(efd, &v, sizeof(v)), -1);
	igt_assert_eq(errno, EAGAIN);
	errno = 0;
}

/* Readable (within 5 s: the signal may come from another process), with @count signals. */
static void assert_signaled(int efd, uint64_t count)
{
	uint64_t v = 0;

	igt_assert(igt_poll_fd(efd, POLLIN, 5000) & POLLIN);
	igt_assert_eq(read(efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	igt_assert_eq_u64(v, count);
}

static void signal_point(int fd, uint32_t handle, uint64_t point)
{
	syncobj_timeline_signal(fd, &handle, &point, 1);
}

static void invalid_bad_flags(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int efd = new_eventfd();
	static const uint32_t bad[] = { 0xdeadbeef, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
					DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
					DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE, AVAILABLE | (1u << 4) };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		igt_assert_eq(__syncobj_eventfd(fd, h, 0, bad[i], efd), -EINVAL);
		/* Flags come before the handle and the fd. */
		igt_assert_eq(__syncobj_eventfd(fd, 0xdeadbeef, 0, bad[i], -1), -EINVAL);
	}
	/* Nothing was registered. */
	assert_unsignaled(efd);
}

static void invalid_bad_pad(void)
{
	int fd = open_eventfd_syncobj();
	int efd = new_eventfd();
	struct drm_syncobj_eventfd args = {
		.handle = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED),
		.fd = efd,
		.pad = 0xdeadbeef,
	};

	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &args, EINVAL);
	args.pad = 1;
	args.flags = AVAILABLE;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &args, EINVAL);
	/* The pad comes before the handle. */
	args.handle = 0xdeadbeef;
	do_ioctl_err(fd, DRM_IOCTL_SYNCOBJ_EVENTFD, &args, EINVAL);
	assert_unsignaled(efd);
}

static void invalid_illegal_handle(void)
{
	int fd = open_eventfd_syncobj();
	int efd = new_eventfd();

	igt_assert_eq(__syncobj_eventfd(fd, 0, 0, 0, efd), -ENOENT);
	igt_assert_eq(__syncobj_eventfd(fd, 0xdeadbeef, 5, AVAILABLE, efd), -ENOENT);
	/* The handle comes before the fd. */
	igt_assert_eq(__syncobj_eventfd(fd, 0xdeadbeef, 0, 0, -1), -ENOENT);
	igt_assert_eq(__syncobj_eventfd(fd, 0xdeadbeef, 0, 0, fd), -ENOENT);
	/* Handles are per file. */
	int other = drm_open_primary();
	uint32_t h = syncobj_create(other, DRM_SYNCOBJ_CREATE_SIGNALED);
	igt_assert_eq(__syncobj_eventfd(fd, h, 0, 0, efd), -ENOENT);
	assert_unsignaled(efd);
}

/* eventfd_ctx_fdget: not an open fd -> EBADF; an open fd of another kind -> EINVAL. */
static void invalid_illegal_eventfd(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int pipefd[2];

	igt_assert(devnull >= 0);
	igt_assert(pipe2(pipefd, O_CLOEXEC) == 0);
	int sfd = syncobj_handle_to_fd(fd, h, 0);
	int sync_file = syncobj_export_sync_file(fd, h);
	const int not_eventfds[] = { devnull, pipefd[0], pipefd[1], fd, sfd, sync_file };

	for (size_t i = 0; i < sizeof(not_eventfds) / sizeof(not_eventfds[0]); i++) {
		igt_assert_eq(__syncobj_eventfd(fd, h, 0, 0, not_eventfds[i]), -EINVAL);
		igt_assert_eq(__syncobj_eventfd(fd, h, 0, AVAILABLE, not_eventfds[i]), -EINVAL);
	}
	int closed = dup(fd);
	igt_assert(closed >= 0);
	close(closed);
	igt_assert_eq(__syncobj_eventfd(fd, h, 0, 0, closed), -EBADF);
	igt_assert_eq(__syncobj_eventfd(fd, h, 0, 0, -1), -EBADF);
	igt_assert_eq(__syncobj_eventfd(fd, h, 0, 0, 0x7fffffff), -EBADF);
}

/* A signaled syncobj: both kinds fire at once. */
static void binary_wait_signaled(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 0, 0, wait);
	syncobj_eventfd(fd, h, 0, AVAILABLE, avail);
	assert_signaled(wait, 1);
	assert_signaled(avail, 1);
	/* Used up: nothing more. */
	syncobj_signal(fd, &h, 1);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
}

/* No fence yet: both wait for one; SIGNAL installs a signaled one, and both fire. */
static void binary_wait_before_signal(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 0, 0, wait);
	syncobj_eventfd(fd, h, 0, AVAILABLE, avail);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
	syncobj_signal(fd, &h, 1);
	assert_signaled(wait, 1);
	assert_signaled(avail, 1);
}

/* A pending fence: AVAILABLE fires at once, the wait when the fence signals. */
static void binary_wait(void)
{
	int fd = open_eventfd_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 0);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 0, 0, wait);
	syncobj_eventfd(fd, h, 0, AVAILABLE, avail);
	assert_signaled(avail, 1);
	assert_unsignaled(wait);
	vgem_fence_signal(fd, fence);
	assert_signaled(wait, 1);
	assert_unsignaled(avail);
}

/* Registered before any fence; a pending one arrives (AVAILABLE fires), then signals. */
static void binary_wait_before_submit(void)
{
	int fd = open_eventfd_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 0, 0, wait);
	syncobj_eventfd(fd, h, 0, AVAILABLE, avail);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 0);
	assert_signaled(avail, 1);
	assert_unsignaled(wait);
	vgem_fence_signal(fd, fence);
	assert_signaled(wait, 1);
}

/* Point 3 of an empty timeline: points 1 and 2 do not fire it, 3 does. */
static void timeline_wait_before_signal(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 3, 0, wait);
	syncobj_eventfd(fd, h, 3, AVAILABLE, avail);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
	signal_point(fd, h, 1);
	signal_point(fd, h, 2);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
	signal_point(fd, h, 3);
	assert_signaled(wait, 1);
	assert_signaled(avail, 1);
}

/* Points already signaled fire at once; a later one does not. */
static void timeline_wait_signaled(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int e3 = new_eventfd(), e5 = new_eventfd(), e6 = new_eventfd(), e0 = new_eventfd();

	signal_point(fd, h, 5);
	syncobj_eventfd(fd, h, 3, 0, e3);
	syncobj_eventfd(fd, h, 5, 0, e5);
	syncobj_eventfd(fd, h, 6, 0, e6);
	syncobj_eventfd(fd, h, 0, 0, e0);
	assert_signaled(e3, 1);
	assert_signaled(e5, 1);
	assert_signaled(e0, 1);
	assert_unsignaled(e6);
	signal_point(fd, h, 6);
	assert_signaled(e6, 1);
}

/* [1 signaled, 2 pending]: point 1 fires, point 2 is available but not signaled. */
static void timeline_wait(void)
{
	int fd = open_eventfd_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	int w1 = new_eventfd(), w2 = new_eventfd(), a2 = new_eventfd(), a3 = new_eventfd();

	signal_point(fd, h, 1);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 2);
	syncobj_eventfd(fd, h, 1, 0, w1);
	syncobj_eventfd(fd, h, 2, 0, w2);
	syncobj_eventfd(fd, h, 2, AVAILABLE, a2);
	syncobj_eventfd(fd, h, 3, AVAILABLE, a3);
	assert_signaled(w1, 1);
	assert_signaled(a2, 1);
	assert_unsignaled(w2);
	assert_unsignaled(a3);
	vgem_fence_signal(fd, fence);
	assert_signaled(w2, 1);
	assert_unsignaled(a3);
}

/* Each entry signals the eventfd once: two entries, one eventfd, a count of 2. */
static void eventfd_counter(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t a = syncobj_create(fd, 0);
	uint32_t b = syncobj_create(fd, 0);
	int efd = new_eventfd();

	syncobj_eventfd(fd, a, 0, 0, efd);
	syncobj_eventfd(fd, a, 0, AVAILABLE, efd);
	syncobj_eventfd(fd, b, 0, 0, efd);
	syncobj_signal(fd, &a, 1);
	assert_signaled(efd, 2);
	syncobj_signal(fd, &a, 1);
	assert_unsignaled(efd);
	syncobj_signal(fd, &b, 1);
	assert_signaled(efd, 1);
}

/* drm_syncobj_replace_fence(NULL) runs the entries, which find no fence and stay. */
static void eventfd_reset(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 0, 0, wait);
	syncobj_eventfd(fd, h, 0, AVAILABLE, avail);
	syncobj_reset(fd, &h, 1);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
	syncobj_signal(fd, &h, 1);
	assert_signaled(wait, 1);
	assert_signaled(avail, 1);
}

/* drm_syncobj_free drops pending entries without signaling them. */
static void eventfd_syncobj_destroyed(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int wait = new_eventfd(), avail = new_eventfd();

	syncobj_eventfd(fd, h, 0, 0, wait);
	syncobj_eventfd(fd, h, 5, AVAILABLE, avail);
	syncobj_destroy(fd, h);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
	/* A new syncobj, maybe with the same number, knows nothing of them. */
	uint32_t again = syncobj_create(fd, 0);
	signal_point(fd, again, 5);
	assert_unsignaled(wait);
	assert_unsignaled(avail);
}

/* The kernel holds the eventfd, not the fd number: a dup sees the signal after close. */
static void eventfd_closed(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int efd = new_eventfd();
	int keep = dup(efd);

	igt_assert(keep >= 0);
	syncobj_eventfd(fd, h, 0, 0, efd);
	close(efd);
	/* The number may be reused by something else entirely. */
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	igt_assert(devnull >= 0);
	syncobj_signal(fd, &h, 1);
	assert_signaled(keep, 1);
}

/* Entries are on the syncobj: a signal through another file, after the first closed, fires. */
static void eventfd_other_file(void)
{
	int a = open_eventfd_syncobj();
	int b = drm_open_primary();
	uint32_t ha = syncobj_create(a, 0);
	int sfd = syncobj_handle_to_fd(a, ha, 0);
	uint32_t hb = syncobj_fd_to_handle(b, sfd);
	int e1 = new_eventfd(), e2 = new_eventfd();

	syncobj_eventfd(a, ha, 2, 0, e1);
	syncobj_eventfd(a, ha, 0, 0, e2);
	signal_point(b, hb, 1);
	assert_signaled(e2, 1);
	assert_unsignaled(e1);

	/* The syncobj lives on in the fd and in b; a's entry with it. */
	close(a);
	signal_point(b, hb, 2);
	assert_signaled(e1, 1);
	close(sfd);
}

/* Another process signals through the same file. */
static void eventfd_signal_from_child(void)
{
	int fd = open_eventfd_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	int efd = new_eventfd();

	syncobj_eventfd(fd, h, 4, 0, efd);
	igt_fork() {
		igt_sleep_ms(50);
		signal_point(fd, h, 4);
	}
	assert_signaled(efd, 1);
	igt_waitchildren();
}

static const struct igt_subtest tests[] = {
	{ "invalid-bad-flags", invalid_bad_flags },
	{ "invalid-bad-pad", invalid_bad_pad },
	{ "invalid-illegal-handle", invalid_illegal_handle },
	{ "invalid-illegal-eventfd", invalid_illegal_eventfd },
	{ "binary-wait-signaled", binary_wait_signaled },
	{ "binary-wait-before-signal", binary_wait_before_signal },
	{ "binary-wait", binary_wait },
	{ "binary-wait-before-submit", binary_wait_before_submit },
	{ "timeline-wait-before-signal", timeline_wait_before_signal },
	{ "timeline-wait-signaled", timeline_wait_signaled },
	{ "timeline-wait", timeline_wait },
	{ "eventfd-counter", eventfd_counter },
	{ "eventfd-reset", eventfd_reset },
	{ "eventfd-syncobj-destroyed", eventfd_syncobj_destroyed },
	{ "eventfd-closed", eventfd_closed },
	{ "eventfd-other-file", eventfd_other_file },
	{ "eventfd-signal-from-child", eventfd_signal_from_child },
};

IGT_MAIN(tests)
