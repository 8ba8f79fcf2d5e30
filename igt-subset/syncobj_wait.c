/* SPDX-License-Identifier: MIT */
/*
 * DRM sync objects: SYNCOBJ_WAIT, SYNCOBJ_RESET and SYNCOBJ_SIGNAL.
 *
 * In the spirit of IGT's tests/syncobj_wait.c, held to drivers/gpu/drm/drm_syncobj.c of a
 * current kernel:
 *   - drm_syncobj_wait_ioctl checks flags (WAIT_ALL, WAIT_FOR_SUBMIT, WAIT_DEADLINE; anything
 *     else, WAIT_AVAILABLE included, is EINVAL), then returns 0 for count_handles == 0 (6.1
 *     said EINVAL there), then drm_syncobj_array_find: kmalloc_array(count, 4) (ENOMEM when
 *     that cannot be had), copy_from_user (EFAULT), each handle looked up (ENOENT);
 *   - drm_syncobj_array_wait_timeout first walks every syncobj: one without a fence is EINVAL
 *     unless WAIT_FOR_SUBMIT; if enough fences are already signaled (all with WAIT_ALL, one
 *     without) it returns at once, first_signaled being the index of the first signaled one;
 *     else it sleeps until then or the timeout: ETIME.  The timeout is an absolute
 *     CLOCK_MONOTONIC time; 0 and any time not after now (negative ones too, such as the
 *     (s64)UINT64_MAX = -1 IGT passes) mean "just look" (drm_timeout_abs_to_jiffies);
 *   - RESET and SIGNAL check pad (EINVAL), count 0 (EINVAL), then look every handle up before
 *     touching any (ENOENT, nothing changed).  RESET drops the fence, SIGNAL installs a
 *     signaled stub; a waiter keeps the fence it already took.
 * Unsignaled fences come from vgem (the tests that need one skip elsewhere); other waits are
 * released by a child process, which signals after a short sleep through the same file.
 */
#include "igt.h"

#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SUBMIT DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT
#define ALL DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL
#define MSEC 1000000ll

static int open_syncobj(void)
{
	int fd = drm_open_primary();
	igt_require_syncobj(fd);
	return fd;
}

static int poll_one(int fd, uint32_t handle, uint32_t flags)
{
	return __syncobj_wait(fd, &handle, 1, 0, flags, NULL);
}

/* An absolute timeout @ms from now. */
static int64_t in_ms(int64_t ms)
{
	return igt_nsec_now() + ms * MSEC;
}

/*
 * A child that, after @delay_ms, writes a byte to @p and then SYNCOBJ_SIGNALs @handles
 * through the inherited file.  After the parent's wait returns, the byte must be there:
 * the wait did not return before the signal.
 */
static void signal_later(struct igt_pipe *p, int fd, const uint32_t *handles, uint32_t count,
			 unsigned int delay_ms)
{
	igt_pipe_init(p);
	igt_fork() {
		igt_sleep_ms(delay_ms);
		igt_pipe_send(p, 'S');
		syncobj_signal(fd, handles, count);
	}
}

static void vgem_signal_later(struct igt_pipe *p, int fd, uint32_t fence, unsigned int delay_ms)
{
	igt_pipe_init(p);
	igt_fork() {
		igt_sleep_ms(delay_ms);
		igt_pipe_send(p, 'S');
		vgem_fence_signal(fd, fence);
	}
}

static void assert_signaled_first(struct igt_pipe *p)
{
	igt_assert_f(igt_poll_fd(p->fd[0], POLLIN, 0) & POLLIN,
		     "the wait returned before the other process signaled\n");
	igt_waitchildren();
}

static void invalid_wait_bad_flags(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	static const uint32_t bad[] = { 0xdeadbeef, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 1u << 4,
					0x80000000u, ALL | SUBMIT | (1u << 4) };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, bad[i], NULL), -EINVAL);
		/* Flags come before the count. */
		igt_assert_eq(__syncobj_wait(fd, &h, 0, 0, bad[i], NULL), -EINVAL);
	}
}

/* Current drm_syncobj_wait_ioctl: nothing to wait for is success (Linux 6.1: EINVAL). */
static void wait_zero_handles(void)
{
	int fd = open_syncobj();
	struct drm_syncobj_wait w = {
		.timeout_nsec = INT64_MAX,
		.flags = ALL | SUBMIT,
		.first_signaled = 0x1234,
	};

	igt_assert_eq(__syncobj_wait(fd, NULL, 0, 0, 0, NULL), 0);
	do_ioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	/* Nothing was looked at, first_signaled is left alone. */
	igt_assert_eq_u32(w.first_signaled, 0x1234);
}

static void invalid_wait_illegal_handle(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { 0, 0, 0 };

	igt_assert_eq(__syncobj_wait(fd, h, 1, 0, 0, NULL), -ENOENT);
	h[0] = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	h[1] = 0xdeadbeef;
	h[2] = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, 0, NULL), -ENOENT);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL | SUBMIT, NULL), -ENOENT);
	/* An unknown handle wins over a missing fence. */
	h[0] = syncobj_create(fd, 0);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, 0, NULL), -ENOENT);
}

/* drm_syncobj_array_find: copy_from_user of the handle array -> EFAULT. */
static void invalid_wait_efault(void)
{
	int fd = open_syncobj();
	void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	igt_assert(gone != MAP_FAILED);
	munmap(gone, 4096);
	igt_assert_eq(__syncobj_wait(fd, NULL, 1, 0, 0, NULL), -EFAULT);
	igt_assert_eq(__syncobj_wait(fd, gone, 1, 0, 0, NULL), -EFAULT);
	igt_assert_eq(__syncobj_wait(fd, gone, 3, INT64_MAX, ALL | SUBMIT, NULL), -EFAULT);
	igt_assert_eq(__syncobj_reset(fd, NULL, 1), -EFAULT);
	igt_assert_eq(__syncobj_signal(fd, gone, 2), -EFAULT);
}

/*
 * count_handles = 0xffffffff: drm_syncobj_array_find's kmalloc_array(count, sizeof(u32))
 * asks for 16 GiB of kernel memory before anything is copied, and fails: ENOMEM.
 */
static void invalid_wait_huge_count(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);

	igt_assert_eq(__syncobj_wait(fd, &h, 0xffffffff, 0, 0, NULL), -ENOMEM);
	igt_assert_eq(__syncobj_reset(fd, &h, 0xffffffff), -ENOMEM);
	igt_assert_eq(__syncobj_signal(fd, &h, 0xffffffff), -ENOMEM);
	igt_assert_eq(poll_one(fd, h, 0), 0);
}

static void invalid_single_wait_unsubmitted(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	static const uint32_t flags[] = { 0, ALL };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, flags[i], NULL), -EINVAL);
		igt_assert_eq(__syncobj_wait(fd, &h, 1, in_ms(20), flags[i], NULL), -EINVAL);
		igt_assert_eq(__syncobj_wait(fd, &h, 1, INT64_MAX, flags[i], NULL), -EINVAL);
	}
}

/* One syncobj without a fence fails the whole wait, however many others are signaled. */
static void invalid_multi_wait_unsubmitted_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED), syncobj_create(fd, 0),
			  syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED) };

	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, 0, NULL), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, h, 3, INT64_MAX, 0, NULL), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL, NULL), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, h, 3, INT64_MAX, ALL, NULL), -EINVAL);
	/* With WAIT_FOR_SUBMIT, "any" is satisfied by the first signaled one. */
	uint32_t first = 0xdeadbeef;
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, SUBMIT, &first), 0);
	igt_assert_eq_u32(first, 0);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL | SUBMIT, NULL), -ETIME);
}

static void invalid_multi_wait_unsubmitted_submitted(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h[2] = { syncobj_create(fd, 0), syncobj_create(fd, 0) };
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h[1], 0);

	igt_assert_eq(__syncobj_wait(fd, h, 2, 0, 0, NULL), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, h, 2, 0, ALL, NULL), -EINVAL);
	igt_assert_eq(__syncobj_wait(fd, h, 2, 0, SUBMIT, NULL), -ETIME);
	vgem_fence_signal(fd, fence);
	igt_assert_eq(__syncobj_wait(fd, h, 2, INT64_MAX, 0, NULL), -EINVAL);
	uint32_t first = 0xdeadbeef;
	igt_assert_eq(__syncobj_wait(fd, h, 2, 0, SUBMIT, &first), 0);
	igt_assert_eq_u32(first, 1);
}

static void single_wait_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	const int64_t timeouts[] = { 0, -1, in_ms(100), INT64_MAX };
	static const uint32_t flags[] = { 0, ALL, SUBMIT, ALL | SUBMIT };

	for (size_t t = 0; t < sizeof(timeouts) / sizeof(timeouts[0]); t++)
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			uint32_t first = 0xdeadbeef;
			igt_assert_eq(__syncobj_wait(fd, &h, 1, timeouts[t], flags[f], &first), 0);
			igt_assert_eq_u32(first, 0);
		}
}

static void single_wait_for_submit_unsubmitted(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);

	igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, SUBMIT, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, in_ms(20), SUBMIT, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, ALL | SUBMIT, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, in_ms(20), ALL | SUBMIT, NULL), -ETIME);
}

/* A fence that is there but not signaled (vgem's): ETIME, until it signals. */
static void single_wait_submitted(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 0);
	static const uint32_t flags[] = { 0, ALL, SUBMIT, ALL | SUBMIT };

	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, flags[f], NULL), -ETIME);
		igt_assert_eq(__syncobj_wait(fd, &h, 1, in_ms(20), flags[f], NULL), -ETIME);
	}
	vgem_fence_signal(fd, fence);
	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
		igt_assert_eq(__syncobj_wait(fd, &h, 1, 0, flags[f], NULL), 0);
}

/*
 * drm_timeout_abs_to_jiffies: a deadline that is not after now is a 0 timeout, whatever its
 * sign.  A child signals after 3 s: an implementation that slept on instead would see it and
 * return 0 here.
 */
static void wait_timeout_past(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	struct igt_pipe p;
	const int64_t timeouts[] = { 1, -1, INT64_MIN, igt_nsec_now() - 1000 * MSEC,
				     igt_nsec_now() };

	signal_later(&p, fd, &h, 1, 3000);
	for (size_t t = 0; t < sizeof(timeouts) / sizeof(timeouts[0]); t++)
		igt_assert_f(__syncobj_wait(fd, &h, 1, timeouts[t], SUBMIT, NULL) == -ETIME,
			     "timeout %lld\n", (long long)timeouts[t]);
	igt_assert_eq(igt_poll_fd(p.fd[0], POLLIN, 0), 0);
}

/* The fence is there, unsignaled; another process signals it; INT64_MAX waits for that. */
static void wait_delayed_signal(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 0);
	struct igt_pipe p;

	vgem_signal_later(&p, fd, fence, 100);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, INT64_MAX, 0, NULL), 0);
	assert_signaled_first(&p);
}

/* No fence yet: WAIT_FOR_SUBMIT waits for one to be installed (and signaled). */
static void wait_for_submit_delayed_submit(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	struct igt_pipe p;

	signal_later(&p, fd, &h, 1, 100);
	igt_assert_eq(__syncobj_wait(fd, &h, 1, INT64_MAX, SUBMIT, NULL), 0);
	assert_signaled_first(&p);
}

static void wait_all_for_submit_delayed_submit(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED), syncobj_create(fd, 0),
			  syncobj_create(fd, 0) };
	uint32_t first = 0xdeadbeef;
	struct igt_pipe p;

	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL | SUBMIT, NULL), -ETIME);
	signal_later(&p, fd, &h[1], 2, 100);
	igt_assert_eq(__syncobj_wait(fd, h, 3, in_ms(10000), ALL | SUBMIT, &first), 0);
	assert_signaled_first(&p);
	/* WAIT_ALL: the index of the first syncobj found signaled before sleeping. */
	igt_assert_eq_u32(first, 0);
}

/* "Any": returns with the index of the one that was signaled. */
static void wait_any_for_submit_delayed_submit(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, 0), syncobj_create(fd, 0), syncobj_create(fd, 0) };
	uint32_t first = 0xdeadbeef;
	struct igt_pipe p;

	signal_later(&p, fd, &h[2], 1, 100);
	igt_assert_eq(__syncobj_wait(fd, h, 3, in_ms(10000), SUBMIT, &first), 0);
	assert_signaled_first(&p);
	igt_assert_eq_u32(first, 2);
}

static void wait_all_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h[3];
	uint32_t first = 0xdeadbeef;

	for (int i = 0; i < 3; i++)
		h[i] = syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL, &first), 0);
	igt_assert_eq_u32(first, 0);
	first = 0xdeadbeef;
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, 0, &first), 0);
	igt_assert_eq_u32(first, 0);
	/* The same syncobj twice is fine. */
	h[1] = h[0];
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL, NULL), 0);
}

/* "Any" with WAIT_FOR_SUBMIT over [none, none, signaled]: index 2, at once. */
static void wait_any_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, 0), syncobj_create(fd, 0),
			  syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED) };
	uint32_t first = 0xdeadbeef;

	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, SUBMIT, &first), 0);
	igt_assert_eq_u32(first, 2);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL | SUBMIT, NULL), -ETIME);
	syncobj_signal(fd, &h[1], 1);
	first = 0xdeadbeef;
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, SUBMIT, &first), 0);
	igt_assert_eq_u32(first, 1);
}

/* [unsignaled, signaled, signaled]: "any" picks 1; "all" times out until 0 signals. */
static void wait_any_submitted(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h[3] = { syncobj_create(fd, 0), syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED),
			  syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED) };
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h[0], 0);
	uint32_t first = 0xdeadbeef;

	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, 0, &first), 0);
	igt_assert_eq_u32(first, 1);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, h, 3, in_ms(20), ALL, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, h, 1, 0, 0, NULL), -ETIME);

	vgem_fence_signal(fd, fence);
	first = 0xdeadbeef;
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL, &first), 0);
	igt_assert_eq_u32(first, 0);
}

static void multi_wait_for_submit_unsubmitted(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, 0), syncobj_create(fd, 0), syncobj_create(fd, 0) };

	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, SUBMIT, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, h, 3, in_ms(20), SUBMIT, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL | SUBMIT, NULL), -ETIME);
	igt_assert_eq(__syncobj_wait(fd, h, 3, in_ms(20), ALL | SUBMIT, NULL), -ETIME);
}

static void reset_unsignaled(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);

	igt_assert_eq(poll_one(fd, h, 0), -EINVAL);
	syncobj_reset(fd, &h, 1);
	igt_assert_eq(poll_one(fd, h, 0), -EINVAL);
}

static void reset_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);

	syncobj_signal(fd, &h, 1);
	igt_assert_eq(poll_one(fd, h, 0), 0);
	syncobj_reset(fd, &h, 1);
	igt_assert_eq(poll_one(fd, h, 0), -EINVAL);
	igt_assert_eq(poll_one(fd, h, SUBMIT), -ETIME);
}

static void reset_multiple_signaled(void)
{
	int fd = open_syncobj();
	uint32_t h[3];

	for (int i = 0; i < 3; i++) {
		h[i] = syncobj_create(fd, 0);
		syncobj_signal(fd, &h[i], 1);
	}
	igt_assert_eq(__syncobj_wait(fd, h, 3, 0, ALL, NULL), 0);
	syncobj_reset(fd, h, 3);
	for (int i = 0; i < 3; i++)
		igt_assert_eq(poll_one(fd, h[i], 0), -EINVAL);
}

/* A reset while waiting for submission changes nothing: the later signal still wakes it. */
static void reset_during_wait_for_submit(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	struct igt_pipe p;

	igt_pipe_init(&p);
	igt_fork() {
		igt_sleep_ms(100);
		syncobj_reset(fd, &h, 1);
		igt_sleep_ms(50);
		igt_pipe_send(&p, 'S');
		syncobj_signal(fd, &h, 1);
	}
	igt_assert_eq(__syncobj_wait(fd, &h, 1, in_ms(10000), SUBMIT, NULL), 0);
	assert_signaled_first(&p);
}

/*
 * A waiter holds the fence it found: resetting the syncobj neither wakes it nor takes the
 * fence away; the fence signaling does.
 */
static void wait_snapshot(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 0);
	struct igt_pipe p;

	igt_pipe_init(&p);
	igt_fork() {
		igt_sleep_ms(100);
		syncobj_reset(fd, &h, 1);
		igt_sleep_ms(50);
		igt_pipe_send(&p, 'S');
		vgem_fence_signal(fd, fence);
	}
	igt_assert_eq(__syncobj_wait(fd, &h, 1, in_ms(10000), 0, NULL), 0);
	assert_signaled_first(&p);
	igt_assert_eq(poll_one(fd, h, 0), -EINVAL);
}

static void test_signal(void)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);

	igt_assert_eq(poll_one(fd, h, 0), -EINVAL);
	igt_assert_eq(poll_one(fd, h, SUBMIT), -ETIME);
	syncobj_signal(fd, &h, 1);
	igt_assert_eq(poll_one(fd, h, 0), 0);
	igt_assert_eq(poll_one(fd, h, SUBMIT), 0);
	/* Signaling a signaled syncobj again is fine. */
	syncobj_signal(fd, &h, 1);
	igt_assert_eq(poll_one(fd, h, 0), 0);
}

/* SIGNAL replaces whatever fence there was with a signaled one (drm_syncobj_replace_fence). */
static void signal_replaces_unsignaled(void)
{
	int fd = open_syncobj();
	igt_require_vgem(fd);
	uint32_t h = syncobj_create(fd, 0);
	uint32_t fence = igt_vgem_unsignaled_syncobj_fence(fd, h, 0);

	igt_assert_eq(poll_one(fd, h, 0), -ETIME);
	syncobj_signal(fd, &h, 1);
	igt_assert_eq(poll_one(fd, h, 0), 0);
	vgem_fence_signal(fd, fence);
}

static void invalid_array_zero_handles(unsigned long request)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	struct drm_syncobj_array a = { .handles = (uintptr_t)&h, .count_handles = 0 };

	do_ioctl_err(fd, request, &a, EINVAL);
	a.handles = 0;
	do_ioctl_err(fd, request, &a, EINVAL);
}

static void invalid_array_illegal_handle(unsigned long request)
{
	int fd = open_syncobj();
	uint32_t h = 0;
	struct drm_syncobj_array a = { .handles = (uintptr_t)&h, .count_handles = 1 };

	do_ioctl_err(fd, request, &a, ENOENT);
	h = 0xdeadbeef;
	do_ioctl_err(fd, request, &a, ENOENT);
}

static void invalid_array_bad_pad(unsigned long request)
{
	int fd = open_syncobj();
	uint32_t h = syncobj_create(fd, 0);
	struct drm_syncobj_array a = { .handles = (uintptr_t)&h, .count_handles = 1, .pad = 1 };

	do_ioctl_err(fd, request, &a, EINVAL);
	/* The pad comes before the count and the handles. */
	a.count_handles = 0;
	do_ioctl_err(fd, request, &a, EINVAL);
	h = 0;
	a.count_handles = 1;
	do_ioctl_err(fd, request, &a, EINVAL);
}

static void invalid_reset_zero_handles(void)
{
	invalid_array_zero_handles(DRM_IOCTL_SYNCOBJ_RESET);
}

static void invalid_reset_illegal_handle(void)
{
	invalid_array_illegal_handle(DRM_IOCTL_SYNCOBJ_RESET);
}

static void invalid_reset_bad_pad(void)
{
	invalid_array_bad_pad(DRM_IOCTL_SYNCOBJ_RESET);
}

static void invalid_signal_zero_handles(void)
{
	invalid_array_zero_handles(DRM_IOCTL_SYNCOBJ_SIGNAL);
}

static void invalid_signal_illegal_handle(void)
{
	invalid_array_illegal_handle(DRM_IOCTL_SYNCOBJ_SIGNAL);
}

static void invalid_signal_bad_pad(void)
{
	invalid_array_bad_pad(DRM_IOCTL_SYNCOBJ_SIGNAL);
}

/* All handles are looked up before any is touched. */
static void invalid_reset_one_illegal_handle(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED), 0,
			  syncobj_create(fd, DRM_SYNCOBJ_CREATE_SIGNALED) };

	igt_assert_eq(__syncobj_reset(fd, h, 3), -ENOENT);
	igt_assert_eq(poll_one(fd, h[0], 0), 0);
	igt_assert_eq(poll_one(fd, h[2], 0), 0);
}

static void invalid_signal_one_illegal_handle(void)
{
	int fd = open_syncobj();
	uint32_t h[3] = { syncobj_create(fd, 0), 0, syncobj_create(fd, 0) };

	igt_assert_eq(__syncobj_signal(fd, h, 3), -ENOENT);
	igt_assert_eq(poll_one(fd, h[0], 0), -EINVAL);
	igt_assert_eq(poll_one(fd, h[2], 0), -EINVAL);
}

static const struct igt_subtest tests[] = {
	{ "invalid-wait-bad-flags", invalid_wait_bad_flags },
	{ "wait-zero-handles", wait_zero_handles },
	{ "invalid-wait-illegal-handle", invalid_wait_illegal_handle },
	{ "invalid-wait-efault", invalid_wait_efault },
	{ "invalid-wait-huge-count", invalid_wait_huge_count },
	{ "invalid-single-wait-unsubmitted", invalid_single_wait_unsubmitted },
	{ "invalid-multi-wait-unsubmitted-signaled", invalid_multi_wait_unsubmitted_signaled },
	{ "invalid-multi-wait-unsubmitted-submitted", invalid_multi_wait_unsubmitted_submitted },
	{ "single-wait-signaled", single_wait_signaled },
	{ "single-wait-for-submit-unsubmitted", single_wait_for_submit_unsubmitted },
	{ "single-wait-submitted", single_wait_submitted },
	{ "wait-timeout-past", wait_timeout_past },
	{ "wait-delayed-signal", wait_delayed_signal },
	{ "wait-for-submit-delayed-submit", wait_for_submit_delayed_submit },
	{ "wait-all-for-submit-delayed-submit", wait_all_for_submit_delayed_submit },
	{ "wait-any-for-submit-delayed-submit", wait_any_for_submit_delayed_submit },
	{ "wait-all-signaled", wait_all_signaled },
	{ "wait-any-signaled", wait_any_signaled },
	{ "wait-any-submitted", wait_any_submitted },
	{ "multi-wait-for-submit-unsubmitted", multi_wait_for_submit_unsubmitted },
	{ "reset-unsignaled", reset_unsignaled },
	{ "reset-signaled", reset_signaled },
	{ "reset-multiple-signaled", reset_multiple_signaled },
	{ "reset-during-wait-for-submit", reset_during_wait_for_submit },
	{ "wait-snapshot", wait_snapshot },
	{ "signal", test_signal },
	{ "signal-replaces-unsignaled", signal_replaces_unsignaled },
	{ "invalid-reset-zero-handles", invalid_reset_zero_handles },
	{ "invalid-reset-illegal-handle", invalid_reset_illegal_handle },
	{ "invalid-reset-one-illegal-handle", invalid_reset_one_illegal_handle },
	{ "invalid-reset-bad-pad", invalid_reset_bad_pad },
	{ "invalid-signal-zero-handles", invalid_signal_zero_handles },
	{ "invalid-signal-illegal-handle", invalid_signal_illegal_handle },
	{ "invalid-signal-one-illegal-handle", invalid_signal_one_illegal_handle },
	{ "invalid-signal-bad-pad", invalid_signal_bad_pad },
};

IGT_MAIN(tests)
