/*
 * test_syncobj.c - syncobjs in the core: argument checks, binary and
 * timeline semantics, parked waits (woken by signals, submits and
 * deadlines, a thousand at once without threads), fds and eventfds through
 * a fake struct drm_fd_ops.  Expected values follow the kernel's
 * drm_syncobj.c and dma-fence-chain.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "core/drm_fence.h"
#include "core/drm_uapi_ext.h"

/* --- a fake front end: parked ioctls and client fds ------------------------------------ */

struct test_wait {
	struct drm_wait w;
	atomic_int woken;
};

static void test_wake(struct drm_wait *w)
{
	struct test_wait *tw = (struct test_wait *)w;

	atomic_fetch_add(&tw->woken, 1);
}

static void test_wait_init(struct test_wait *tw)
{
	memset(tw, 0, sizeof(*tw));
	tw->w.wake = test_wake;
}

/* A client fd table of 16 slots, standing for what the shim carries. */
struct fake_fds {
	struct drm_syncobj *syncobjs[16];
	struct drm_fence *fences[16];
	int signaled, released;
	struct drm_notifier notifier;
	int32_t next;
};

static struct fake_fds fake;

static int fake_syncobj_to_fd(void *ctx, struct drm_syncobj *s, int32_t *fd)
{
	(void)ctx;
	fake.syncobjs[fake.next] = drm_syncobj_get(s);
	*fd = fake.next++;
	return 0;
}

static int fake_fd_to_syncobj(void *ctx, int32_t fd, struct drm_syncobj **s)
{
	(void)ctx;
	if (fd < 0 || fd >= 16)
		return -EBADF;
	if (!fake.syncobjs[fd])
		return -EINVAL;
	*s = drm_syncobj_get(fake.syncobjs[fd]);
	return 0;
}

static int fake_fence_to_sync_file(void *ctx, struct drm_fence *f, int32_t *fd)
{
	(void)ctx;
	fake.fences[fake.next] = drm_fence_get(f);
	*fd = fake.next++;
	return 0;
}

static int fake_sync_file_to_fence(void *ctx, int32_t fd, struct drm_fence **f)
{
	(void)ctx;
	if (fd < 0 || fd >= 16)
		return -EBADF;
	if (!fake.fences[fd])
		return -EINVAL;
	*f = drm_fence_get(fake.fences[fd]);
	return 0;
}

static void fake_notifier_signal(struct drm_notifier *n)
{
	(void)n;
	fake.signaled++;
}

static void fake_notifier_release(struct drm_notifier *n)
{
	(void)n;
	fake.released++;
}

static int fake_eventfd_get(void *ctx, int32_t fd, struct drm_notifier **n)
{
	(void)ctx;
	if (fd != 7)
		return fd < 0 ? -EBADF : -EINVAL;
	fake.notifier.signal = fake_notifier_signal;
	fake.notifier.release = fake_notifier_release;
	*n = &fake.notifier;
	return 0;
}

static const struct drm_fd_ops fake_ops = {
	.syncobj_to_fd = fake_syncobj_to_fd,
	.fd_to_syncobj = fake_fd_to_syncobj,
	.fence_to_sync_file = fake_fence_to_sync_file,
	.sync_file_to_fence = fake_sync_file_to_fence,
	.eventfd_get = fake_eventfd_get,
};

static const struct drm_caller with_fds = { .pid = 100, .privileged = true, .fds = &fake_ops };

/* Drop what the fake fd table holds (as the front end does when the client closes them). */
static void fake_close_all(struct drm_device *dev)
{
	drm_device_lock(dev);
	for (int i = 0; i < 16; i++) {
		drm_syncobj_put(fake.syncobjs[i]);
		drm_fence_put(fake.fences[i]);
	}
	drm_device_unlock(dev);
	memset(&fake, 0, sizeof(fake));
}

/* --- helpers ---------------------------------------------------------------------------- */

static int setup(void **state)
{
	struct test_dev *t = calloc(1, sizeof(*t));

	if (!t || drm_device_create(drm_driver_find("vgem"), &t->dev))
		return -1;
	drm_device_enable_syncobj(t->dev);
	t->master = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	memset(&fake, 0, sizeof(fake));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct test_dev *t = *state;

	fake_close_all(t->dev);
	if (test_dev_teardown(state))
		return -1;
	/* Every fence is gone with its device. */
	return drm_fence_live_count() == 0 ? 0 : -1;
}

static uint32_t syncobj_create(struct drm_file *f, uint32_t flags)
{
	struct drm_syncobj_create c = { .flags = flags };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
	assert_true(c.handle != 0);
	return c.handle;
}

static int wait_one(struct drm_file *f, uint32_t h, uint32_t flags, int64_t timeout, struct test_wait *tw)
{
	struct drm_syncobj_wait w = { .handles = test_ptr(&h), .count_handles = 1, .flags = flags,
				      .timeout_nsec = timeout };

	return test_ioctl_async(f, DRM_IOCTL_SYNCOBJ_WAIT, &w, NULL, tw ? &tw->w : NULL);
}

static int timeline_signal(struct drm_file *f, uint32_t h, uint64_t point)
{
	struct drm_syncobj_timeline_array a = { .handles = test_ptr(&h), .points = test_ptr(&point),
						.count_handles = 1 };

	return test_ioctl(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

static uint64_t query(struct drm_file *f, uint32_t h, uint32_t flags)
{
	uint64_t point = ~0ull;
	struct drm_syncobj_timeline_array a = { .handles = test_ptr(&h), .points = test_ptr(&point),
						.count_handles = 1, .flags = flags };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_SYNCOBJ_QUERY, &a), 0);
	return point;
}

static int timeline_wait(struct drm_file *f, uint32_t h, uint64_t point, uint32_t flags,
			 int64_t timeout, struct test_wait *tw)
{
	struct drm_syncobj_timeline_wait w = { .handles = test_ptr(&h), .points = test_ptr(&point),
					       .count_handles = 1, .flags = flags, .timeout_nsec = timeout };

	return test_ioctl_async(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w, NULL, tw ? &tw->w : NULL);
}

static int64_t now_plus_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec + (int64_t)ms * 1000000ll;
}

static struct drm_device_stats stats(struct drm_device *dev)
{
	struct drm_device_stats s;

	drm_device_get_stats(dev, &s);
	return s;
}

/* Import an unsignalled fence of our own into @h (at @point) as a sync_file. */
static struct drm_fence *import_unsignaled(struct test_dev *t, uint32_t h, uint64_t point)
{
	struct drm_syncobj_handle_v2 args = { .handle = h, .flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE };
	struct drm_fence *f;

	drm_device_lock(t->dev);
	f = drm_fence_create();
	args.fd = fake.next;
	fake.fences[fake.next++] = drm_fence_get(f);
	drm_device_unlock(t->dev);
	if (point) {
		args.flags |= DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE;
		args.point = point;
	}
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, &args, &with_fds), 0);
	return f;
}

static void fence_signal(struct test_dev *t, struct drm_fence *f)
{
	drm_device_lock(t->dev);
	drm_fence_signal(f, 0);
	drm_fence_put(f);
	drm_device_unlock(t->dev);
}

/* --- tests ------------------------------------------------------------------------------- */

static void test_caps_and_unsupported(void **state)
{
	struct test_dev *t = *state;
	struct drm_device *plain;
	struct drm_file *f;
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };
	struct drm_syncobj_create c = { 0 };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(cap.value, 1);
	cap.capability = DRM_CAP_SYNCOBJ_TIMELINE;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(cap.value, 1);

	/* Without --syncobj, vgem is the kernel's: no syncobjs (drm_syncobj_create_ioctl). */
	assert_int_equal(drm_device_create(drm_driver_find("vgem"), &plain), 0);
	f = test_open(plain, DRM_MINOR_RENDER, true);
	cap.capability = DRM_CAP_SYNCOBJ;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_GET_CAP, &cap), 0);
	assert_int_equal(cap.value, 0);
	assert_int_equal(test_ioctl(f, DRM_IOCTL_SYNCOBJ_CREATE, &c), -EOPNOTSUPP);
	drm_file_release(f);
	drm_device_destroy(plain);
}

static void test_create_destroy(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *r = test_open(t->dev, DRM_MINOR_RENDER, true);
	struct drm_syncobj_create c = { .flags = 2 };
	struct drm_syncobj_destroy d = { 0 };
	uint32_t h;

	assert_int_equal(test_ioctl(r, DRM_IOCTL_SYNCOBJ_CREATE, &c), -EINVAL);
	h = syncobj_create(r, 0);
	assert_int_equal(stats(t->dev).syncobjs, 1);
	d.handle = h + 1;
	assert_int_equal(test_ioctl(r, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	d.handle = h;
	d.pad = 1;
	assert_int_equal(test_ioctl(r, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	d.pad = 0;
	/* A handle of one file is unknown in another. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	assert_int_equal(test_ioctl(r, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	assert_int_equal(test_ioctl(r, DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
	/* A dying file frees its syncobjs. */
	syncobj_create(r, DRM_SYNCOBJ_CREATE_SIGNALED);
	drm_file_release(r);
	assert_int_equal(stats(t->dev).syncobjs, 0);
}

static void test_wait_immediate(void **state)
{
	struct test_dev *t = *state;
	uint32_t empty = syncobj_create(t->master, 0);
	uint32_t done = syncobj_create(t->master, DRM_SYNCOBJ_CREATE_SIGNALED);
	uint32_t both[2] = { empty, done };
	struct drm_syncobj_wait w = { .handles = test_ptr(both), .count_handles = 2 };
	struct drm_syncobj_array a = { .handles = test_ptr(&empty), .count_handles = 1 };

	assert_int_equal(wait_one(t->master, done, 0, 0, NULL), 0);
	/* No fence and no WAIT_FOR_SUBMIT: EINVAL, whatever the timeout. */
	assert_int_equal(wait_one(t->master, empty, 0, INT64_MAX, NULL), -EINVAL);
	/* WAIT_FOR_SUBMIT with a timeout already past: ETIME. */
	assert_int_equal(wait_one(t->master, empty, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, 0, NULL), -ETIME);
	assert_int_equal(wait_one(t->master, empty, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, -1, NULL), -ETIME);
	assert_int_equal(wait_one(t->master, done, 0xff, 0, NULL), -EINVAL);
	assert_int_equal(wait_one(t->master, 99, 0, 0, NULL), -ENOENT);
	/* Any of two, one signalled: first_signaled is its index. */
	w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
	assert_int_equal(w.first_signaled, 1);
	w.flags |= DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ETIME);
	/* Counts and pointers: 0 is a no-op, huge is ENOMEM, NULL is EFAULT. */
	w.count_handles = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w), 0);
	w.count_handles = UINT32_MAX;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w), -ENOMEM);
	w.count_handles = 1;
	w.handles = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w), -EFAULT);
	/* SIGNAL then RESET. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_SIGNAL, &a), 0);
	assert_int_equal(wait_one(t->master, empty, 0, 0, NULL), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_RESET, &a), 0);
	assert_int_equal(wait_one(t->master, empty, 0, 0, NULL), -EINVAL);
	a.count_handles = 0;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_RESET, &a), -EINVAL);
	a.count_handles = 1;
	a.pad = 1;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_SIGNAL, &a), -EINVAL);
	/* Without a struct drm_wait, an ioctl that would have to wait says EAGAIN. */
	assert_int_equal(wait_one(t->master, empty, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, INT64_MAX, NULL),
			 -EAGAIN);
}

static void test_wait_parks_until_submit(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *other = test_open(t->dev, DRM_MINOR_RENDER, true);
	uint32_t h = syncobj_create(t->master, 0);
	struct drm_syncobj_handle_v2 exp = { .handle = h };
	struct drm_syncobj_handle_v2 imp = { 0 };
	struct drm_syncobj_array a = { .count_handles = 1 };
	struct test_wait tw;

	/* Share it with another file through an opaque syncobj fd. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp), -EOPNOTSUPP);
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp, &with_fds), 0);
	imp.fd = exp.fd;
	assert_int_equal(test_ioctl_as(other, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, &imp, &with_fds), 0);
	imp.fd = 15; /* not a syncobj fd */
	assert_int_equal(test_ioctl_as(other, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, &imp, &with_fds), -EINVAL);

	test_wait_init(&tw);
	assert_int_equal(wait_one(t->master, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, INT64_MAX, &tw),
			 -DRM_EPENDING);
	assert_int_equal(stats(t->dev).parked_ioctls, 1);
	assert_int_equal(atomic_load(&tw.woken), 0);
	/* Running it again without a change parks it again. */
	assert_int_equal(wait_one(t->master, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, INT64_MAX, &tw),
			 -DRM_EPENDING);
	/* The other file signals its handle of the same syncobj: the wait wakes and completes. */
	a.handles = test_ptr(&imp.handle);
	assert_int_equal(test_ioctl(other, DRM_IOCTL_SYNCOBJ_SIGNAL, &a), 0);
	assert_int_equal(atomic_load(&tw.woken), 1);
	assert_int_equal(wait_one(t->master, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, INT64_MAX, &tw), 0);
	assert_null(tw.w.state);
	assert_int_equal(stats(t->dev).parked_ioctls, 0);
	drm_file_release(other);
}

/*
 * Found by make fuzz: a parked wait rerun after the client rewrote its
 * struct (another thread; cuse-drm replays one copy, other front ends may
 * read again) indexed its entries with the new count_handles, past the
 * array of the first run (ASan: heap-buffer-overflow in
 * drm_syncobj_array_wait).  The kernel copied the struct once, so the
 * wait goes on with the handles it started with.
 */
static void test_wait_rerun_with_rewritten_args(void **state)
{
	struct test_dev *t = *state;
	uint32_t h[4] = { syncobj_create(t->master, 0), syncobj_create(t->master, 0) };
	struct drm_syncobj_wait w = { .handles = test_ptr(h), .count_handles = 1,
				      .flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, .timeout_nsec = INT64_MAX };
	struct drm_syncobj_array a = { .handles = test_ptr(h), .count_handles = 1 };
	struct test_wait tw;

	test_wait_init(&tw);
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w, NULL, &tw.w), -DRM_EPENDING);
	w.count_handles = 4;
	w.flags |= DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w, NULL, &tw.w), -DRM_EPENDING);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_SIGNAL, &a), 0);
	assert_int_equal(atomic_load(&tw.woken), 1);
	/* Its one entry signalled: the wait of the first run is complete. */
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_SYNCOBJ_WAIT, &w, NULL, &tw.w), 0);
	assert_null(tw.w.state);
	assert_int_equal(stats(t->dev).parked_ioctls, 0);
}

static void test_wait_deadline(void **state)
{
	struct test_dev *t = *state;
	uint32_t h = syncobj_create(t->master, 0);
	struct drm_fence *f = import_unsignaled(t, h, 0);
	int64_t deadline = now_plus_ms(30);
	struct test_wait tw;
	int spins = 0;

	test_wait_init(&tw);
	assert_int_equal(wait_one(t->master, h, 0, deadline, &tw), -DRM_EPENDING);
	/* The device's one timer wakes it at the deadline. */
	while (!atomic_load(&tw.woken) && spins++ < 2000) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(atomic_load(&tw.woken), 1);
	assert_true(now_plus_ms(0) >= deadline);
	assert_int_equal(wait_one(t->master, h, 0, deadline, &tw), -ETIME);
	/* A parked wait can be cancelled (the client was interrupted). */
	test_wait_init(&tw);
	assert_int_equal(wait_one(t->master, h, 0, INT64_MAX, &tw), -DRM_EPENDING);
	drm_wait_cancel(t->dev, &tw.w);
	assert_null(tw.w.state);
	assert_int_equal(stats(t->dev).parked_ioctls, 0);
	fence_signal(t, f);
	assert_int_equal(atomic_load(&tw.woken), 0);
	assert_int_equal(wait_one(t->master, h, 0, 0, NULL), 0);
}

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

#define MANY 1000

static void test_thousand_waiters_no_threads(void **state)
{
	struct test_dev *t = *state;
	uint32_t h = syncobj_create(t->master, 0);
	struct drm_syncobj_array a = { .handles = test_ptr(&h), .count_handles = 1 };
	struct test_wait *tw = calloc(MANY, sizeof(*tw));
	int threads;

	assert_non_null(tw);
	test_wait_init(&tw[0]);
	assert_int_equal(wait_one(t->master, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, now_plus_ms(60000),
				  &tw[0]), -DRM_EPENDING);
	threads = count_threads();
	for (int i = 1; i < MANY; i++) {
		test_wait_init(&tw[i]);
		assert_int_equal(wait_one(t->master, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
					  now_plus_ms(60000 + i), &tw[i]), -DRM_EPENDING);
	}
	assert_int_equal(stats(t->dev).parked_ioctls, MANY);
	assert_int_equal(count_threads(), threads);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_SIGNAL, &a), 0);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(atomic_load(&tw[i].woken), 1);
		assert_int_equal(wait_one(t->master, h, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
					  now_plus_ms(60000), &tw[i]), 0);
	}
	assert_int_equal(stats(t->dev).parked_ioctls, 0);
	free(tw);
}

static void test_timeline(void **state)
{
	struct test_dev *t = *state;
	uint32_t h = syncobj_create(t->master, 0);
	struct test_wait tw;
	struct drm_fence *f;

	assert_int_equal(query(t->master, h, 0), 0);
	assert_int_equal(timeline_signal(t->master, h, 1), 0);
	assert_int_equal(timeline_signal(t->master, h, 2), 0);
	assert_int_equal(timeline_signal(t->master, h, 5), 0);
	assert_int_equal(query(t->master, h, 0), 5);
	assert_int_equal(query(t->master, h, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 5);
	/* A point inside the timeline is signalled; one past it is not there yet. */
	assert_int_equal(timeline_wait(t->master, h, 3, 0, 0, NULL), 0);
	assert_int_equal(timeline_wait(t->master, h, 6, 0, 0, NULL), -EINVAL);
	/* Point 7 with an unsignalled fence: the query stays at 5 until it signals. */
	f = import_unsignaled(t, h, 7);
	assert_int_equal(query(t->master, h, 0), 5);
	assert_int_equal(query(t->master, h, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 7);
	assert_int_equal(timeline_wait(t->master, h, 7, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0, NULL), 0);
	assert_int_equal(timeline_wait(t->master, h, 7, 0, 0, NULL), -ETIME);
	/* Point 8 signalled on top of the unsignalled 7: still 5. */
	assert_int_equal(timeline_signal(t->master, h, 8), 0);
	assert_int_equal(query(t->master, h, 0), 5);
	test_wait_init(&tw);
	assert_int_equal(timeline_wait(t->master, h, 8, 0, INT64_MAX, &tw), -DRM_EPENDING);
	fence_signal(t, f);
	assert_int_equal(atomic_load(&tw.woken), 1);
	assert_int_equal(timeline_wait(t->master, h, 8, 0, INT64_MAX, &tw), 0);
	assert_int_equal(query(t->master, h, 0), 8);
	/* WAIT_AVAILABLE on a future point parks until that point is submitted. */
	test_wait_init(&tw);
	assert_int_equal(timeline_wait(t->master, h, 10, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, INT64_MAX, &tw),
			 -DRM_EPENDING);
	assert_int_equal(timeline_signal(t->master, h, 9), 0);
	assert_int_equal(atomic_load(&tw.woken), 1);
	assert_int_equal(timeline_wait(t->master, h, 10, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, INT64_MAX, &tw),
			 -DRM_EPENDING);
	assert_int_equal(timeline_signal(t->master, h, 10), 0);
	assert_int_equal(timeline_wait(t->master, h, 10, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, INT64_MAX, &tw),
			 0);
	/* An unordered point starts a new context: QUERY then reports it (dma_fence_chain_init). */
	assert_int_equal(timeline_signal(t->master, h, 4), 0);
	assert_int_equal(query(t->master, h, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 10);
	assert_int_equal(query(t->master, h, 0), 10);
}

static void test_transfer_and_sync_file(void **state)
{
	struct test_dev *t = *state;
	uint32_t tl = syncobj_create(t->master, 0);
	uint32_t bin = syncobj_create(t->master, 0);
	struct drm_syncobj_transfer x = { .src_handle = bin, .dst_handle = tl, .dst_point = 3 };
	struct drm_syncobj_handle_v2 exp = { .handle = bin, .flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE };
	struct drm_syncobj_handle_v2 imp = { .handle = tl,
		.flags = DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE | DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE,
		.point = 4 };
	struct drm_fence *f;
	struct test_wait tw;

	/* Binary with no fence: transfer and sync_file export fail with EINVAL. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_TRANSFER, &x), -EINVAL);
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp, &with_fds), -EINVAL);
	/* Transfer with WAIT_FOR_SUBMIT parks until the source gets a fence. */
	x.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
	test_wait_init(&tw);
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_SYNCOBJ_TRANSFER, &x, NULL, &tw.w), -DRM_EPENDING);
	f = import_unsignaled(t, bin, 0);
	assert_int_equal(atomic_load(&tw.woken), 1);
	assert_int_equal(test_ioctl_async(t->master, DRM_IOCTL_SYNCOBJ_TRANSFER, &x, NULL, &tw.w), 0);
	x.flags = 0xff;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_TRANSFER, &x), -EINVAL);
	assert_int_equal(query(t->master, tl, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 3);
	assert_int_equal(query(t->master, tl, 0), 0);
	/* Export the binary syncobj's fence as a sync_file and import it as point 4. */
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp, &with_fds), 0);
	imp.fd = exp.fd;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, &imp, &with_fds), 0);
	imp.point = 5;
	imp.fd = 14; /* nothing there: not a sync_file */
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2, &imp, &with_fds), -EINVAL);
	/* Point with the non-timeline flag set, bad flags, pad: EINVAL. */
	exp.flags = 0;
	exp.point = 1;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp, &with_fds), 0);
	exp.flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp, &with_fds), -EINVAL);
	exp.flags = 4;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2, &exp, &with_fds), -EINVAL);
	fence_signal(t, f);
	assert_int_equal(query(t->master, tl, 0), 4);
	assert_int_equal(timeline_wait(t->master, tl, 4, 0, 0, NULL), 0);
}

static void test_eventfd(void **state)
{
	struct test_dev *t = *state;
	uint32_t h = syncobj_create(t->master, 0);
	struct drm_syncobj_eventfd ev = { .handle = h, .point = 2, .fd = 7 };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev), -EOPNOTSUPP);
	ev.flags = 8;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, &with_fds), -EINVAL);
	ev.flags = 0;
	ev.pad = 1;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, &with_fds), -EINVAL);
	ev.pad = 0;
	ev.handle = 99;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, &with_fds), -ENOENT);
	ev.handle = h;
	ev.fd = 3;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, &with_fds), -EINVAL);
	ev.fd = 7;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, &with_fds), 0);
	assert_int_equal(timeline_signal(t->master, h, 1), 0);
	assert_int_equal(fake.signaled, 0);
	assert_int_equal(timeline_signal(t->master, h, 2), 0);
	assert_int_equal(fake.signaled, 1);
	assert_int_equal(fake.released, 1);
	/* One left pending when its syncobj dies is released without a signal. */
	ev.point = 9;
	assert_int_equal(test_ioctl_as(t->master, DRM_IOCTL_SYNCOBJ_EVENTFD, &ev, &with_fds), 0);
	{
		struct drm_syncobj_destroy d = { .handle = h };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
	}
	assert_int_equal(fake.signaled, 1);
	assert_int_equal(fake.released, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_caps_and_unsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_immediate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_parks_until_submit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_rerun_with_rewritten_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thousand_waiters_no_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfer_and_sync_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eventfd, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
