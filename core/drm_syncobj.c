/*
 * drm_syncobj.c - DRM synchronisation objects: binary and timeline syncobjs,
 * their fds (opaque and sync_file), host waits, eventfds.
 *
 * Mirrors the kernel's drivers/gpu/drm/drm_syncobj.c (Linux 6.8, which has
 * SYNCOBJ_EVENTFD and timeline sync_file import/export): the same argument
 * checks in the same order, the same errnos, the same timeline arithmetic
 * (dma_fence_chain, see drm_fence.c).  Two differences in mechanism, none in
 * behaviour:
 *   - Host waits (SYNCOBJ_WAIT, TIMELINE_WAIT, TRANSFER with
 *     WAIT_FOR_SUBMIT) do not sleep: they park on fence callbacks, the
 *     syncobj's submit queue and a deadline, and run again when woken
 *     (drm_wait.h).  Their per-wait entries survive between runs, so a wait
 *     keeps the fences it found, as the kernel's on-stack entries do.
 *   - File descriptors go through the front end's struct drm_fd_ops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"
#include "core/drm_uapi_ext.h"
#include "core/drm_wait.h"

/** How long TRANSFER and sync_file export wait for a submit (DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT), ns. */
#define DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS 5000000000ull

/*
 * kmalloc_array() fails above KMALLOC_MAX_SIZE (4 MiB on x86-64 with 4 KiB
 * pages in Linux 6.1), so the kernel answers ENOMEM for handle arrays that
 * large before touching them.
 */
#define DRM_KMALLOC_MAX_SIZE (4ull << 20)

/** struct drm_syncobj - a syncobj: a pointer to a fence (or a timeline's last point), or NULL. */
struct drm_syncobj {
	uint32_t refcount;
	struct drm_device *dev;
	struct drm_fence *fence;
	struct drm_waitq submit_q;      /* waits for a fence (point) to appear: the kernel's cb_list */
	struct drm_list_head eventfds;  /* struct drm_syncobj_eventfd_entry waiting for their point */
};

/** One SYNCOBJ_EVENTFD registration (the kernel's syncobj_eventfd_entry). */
struct drm_syncobj_eventfd_entry {
	struct drm_list_head node;      /* syncobj->eventfds, then dev->syncobj_eventfds */
	struct drm_syncobj *syncobj;
	struct drm_fence *fence;
	struct drm_fence_cb fence_cb;
	struct drm_notifier *notifier;
	uint64_t point;
	uint32_t flags;
};

static bool drm_syncobj_supported(struct drm_device *dev)
{
	return drm_core_check_feature(dev, DRIVER_SYNCOBJ);
}

static bool drm_syncobj_timeline_supported(struct drm_device *dev)
{
	return drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE);
}

/* The client fds of the running call, or NULL when the front end carries none. */
static const struct drm_fd_ops *drm_file_fds(const struct drm_file *file)
{
	return file->caller ? file->caller->fds : NULL;
}

struct drm_syncobj *drm_syncobj_get(struct drm_syncobj *syncobj)
{
	syncobj->refcount++;
	return syncobj;
}

static void drm_syncobj_eventfd_entry_free(struct drm_syncobj_eventfd_entry *e)
{
	if (e->fence) {
		drm_fence_remove_callback(e->fence, &e->fence_cb);
		drm_fence_put(e->fence);
	}
	e->notifier->release(e->notifier);
	drm_list_del(&e->node);
	free(e);
}

static void drm_syncobj_replace_fence(struct drm_syncobj *syncobj, struct drm_fence *fence);

void drm_syncobj_put(struct drm_syncobj *syncobj)
{
	struct drm_syncobj_eventfd_entry *e, *tmp;

	if (!syncobj || --syncobj->refcount)
		return;
	drm_syncobj_replace_fence(syncobj, NULL);
	drm_list_for_each_safe(e, tmp, &syncobj->eventfds, struct drm_syncobj_eventfd_entry, node)
		drm_syncobj_eventfd_entry_free(e);
	syncobj->dev->num_syncobjs--;
	free(syncobj);
}

/* drm_syncobj_find(): a new reference to the syncobj of @handle in @file, or NULL. */
static struct drm_syncobj *drm_syncobj_find(struct drm_file *file, uint32_t handle)
{
	struct drm_syncobj *syncobj = drm_idr_find(&file->syncobjs, handle);

	return syncobj ? drm_syncobj_get(syncobj) : NULL;
}

/* drm_syncobj_fence_get(): a new reference to the current fence, or NULL. */
static struct drm_fence *drm_syncobj_fence_get(struct drm_syncobj *syncobj)
{
	return drm_fence_get(syncobj->fence);
}

/* ------------------------------------------------------------------ */
/* Eventfds                                                            */
/* ------------------------------------------------------------------ */

static void drm_syncobj_eventfd_fire(struct drm_syncobj_eventfd_entry *e)
{
	e->notifier->signal(e->notifier);
	drm_syncobj_eventfd_entry_free(e);
}

static void drm_syncobj_eventfd_fence_cb(struct drm_fence *f, struct drm_fence_cb *cb)
{
	(void)f;
	drm_syncobj_eventfd_fire(drm_container_of(cb, struct drm_syncobj_eventfd_entry, fence_cb));
}

/* syncobj_eventfd_entry_func(): see whether @e's point has a fence yet, and arm or fire it. */
static void drm_syncobj_eventfd_check(struct drm_syncobj *syncobj, struct drm_syncobj_eventfd_entry *e)
{
	struct drm_fence *fence = drm_syncobj_fence_get(syncobj);

	if (!fence)
		return;
	if (drm_fence_chain_find_seqno(&fence, e->point) != 0) {
		/* The point has not been submitted yet. */
		drm_fence_put(fence);
		return;
	}
	if (!fence) {
		/* The point signalled and a later one was added: it is done. */
		fence = drm_fence_create_signaled();
		if (!fence)
			return; /* out of memory: stays queued, checked again on the next change */
	}
	/* Leave the syncobj's list: from now on the device owns the entry. */
	drm_list_del(&e->node);
	drm_list_add_tail(&e->node, &syncobj->dev->syncobj_eventfds);
	e->syncobj = NULL;
	e->fence = fence;
	if (e->flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)
		drm_syncobj_eventfd_fire(e);
	else if (drm_fence_add_callback(fence, &e->fence_cb, drm_syncobj_eventfd_fence_cb) == -ENOENT)
		drm_syncobj_eventfd_fire(e);
}

/* Something changed the syncobj's fence: wake host waits and look at eventfds again. */
static void drm_syncobj_fence_changed(struct drm_syncobj *syncobj)
{
	struct drm_syncobj_eventfd_entry *e, *tmp;

	drm_waitq_wake_all(&syncobj->submit_q);
	drm_list_for_each_safe(e, tmp, &syncobj->eventfds, struct drm_syncobj_eventfd_entry, node)
		drm_syncobj_eventfd_check(syncobj, e);
}

/* ------------------------------------------------------------------ */
/* The fence of a syncobj                                               */
/* ------------------------------------------------------------------ */

/* drm_syncobj_replace_fence(): point the syncobj at @fence (NULL: reset). */
static void drm_syncobj_replace_fence(struct drm_syncobj *syncobj, struct drm_fence *fence)
{
	struct drm_fence *old = syncobj->fence;

	syncobj->fence = drm_fence_get(fence);
	if (fence != old)
		drm_syncobj_fence_changed(syncobj);
	drm_fence_put(old);
}

/* drm_syncobj_add_point(): append timeline point @point with @fence.  0 or -ENOMEM. */
static int drm_syncobj_add_point(struct drm_syncobj *syncobj, struct drm_fence *fence, uint64_t point)
{
	struct drm_fence *prev = drm_syncobj_fence_get(syncobj);
	struct drm_fence *chain = drm_fence_chain_create(prev, fence, point);
	struct drm_fence *iter;

	if (!chain) {
		drm_fence_put(prev);
		return -ENOMEM;
	}
	if (prev && prev->seqno >= point)
		drm_dbg("syncobj: an unordered point was added to a timeline");
	drm_fence_put(syncobj->fence);
	syncobj->fence = chain;
	drm_syncobj_fence_changed(syncobj);
	/* Walk the chain once to prune signalled points, as the kernel does. */
	for (iter = drm_fence_get(prev); iter; iter = drm_fence_chain_walk(iter))
		;
	drm_fence_put(prev);
	return 0;
}

/*
 * Install @fence at @point: a new timeline point, or with @point 0 the
 * syncobj's fence itself (the kernel's "point 0 means binary" rule for
 * imports and transfers).  0 or -ENOMEM.
 */
static int drm_syncobj_set_fence_at(struct drm_syncobj *syncobj, struct drm_fence *fence, uint64_t point)
{
	if (point)
		return drm_syncobj_add_point(syncobj, fence, point);
	drm_syncobj_replace_fence(syncobj, fence);
	return 0;
}

/* drm_syncobj_assign_null_handle(): signal by installing an already signalled fence. */
static int drm_syncobj_assign_null_handle(struct drm_syncobj *syncobj)
{
	struct drm_fence *fence = drm_fence_create_signaled();

	if (!fence)
		return -ENOMEM;
	drm_syncobj_replace_fence(syncobj, fence);
	drm_fence_put(fence);
	return 0;
}

/*
 * The fence for point @point of @syncobj (0: the syncobj's fence), as a new
 * reference in *@fence: the first half of drm_syncobj_find_fence() and of
 * the wait entry set-up.  Returns 0 (a signalled, pruned point gives a new
 * signalled fence), -EINVAL when there is none yet, or -ENOMEM.
 */
static int drm_syncobj_point_fence(struct drm_syncobj *syncobj, uint64_t point, struct drm_fence **fence)
{
	*fence = drm_syncobj_fence_get(syncobj);
	if (!*fence)
		return -EINVAL;
	if (drm_fence_chain_find_seqno(fence, point)) {
		drm_fence_put(*fence);
		*fence = NULL;
		return -EINVAL;
	}
	if (!*fence) {
		*fence = drm_fence_create_signaled();
		if (!*fence)
			return -ENOMEM;
	}
	return 0;
}

/* State of a find_fence that waits for a submit: its deadline. */
struct drm_syncobj_submit_wait {
	uint64_t deadline_ns;
};

static void drm_syncobj_submit_wait_free(void *priv)
{
	free(priv);
}

/*
 * drm_syncobj_find_fence(): the fence of @handle at @point.  With
 * DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT in @flags, waits up to 5 s for it
 * to be submitted (parking the ioctl; -ETIME after that).  Returns 0,
 * -EINVAL (bad flags, or no fence), -ENOENT, -ETIME, -ENOMEM or
 * -DRM_EPENDING.
 */
static int drm_syncobj_find_fence(struct drm_file *file, uint32_t handle, uint64_t point,
				  uint64_t flags, struct drm_fence **fence)
{
	struct drm_syncobj *syncobj;
	struct drm_syncobj_submit_wait *sw;
	uint64_t now;
	int ret;

	if (flags & ~(uint64_t)DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, handle);
	if (!syncobj)
		return -ENOENT;
	ret = drm_syncobj_point_fence(syncobj, point, fence);
	if (ret != -EINVAL || !(flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT))
		goto out;

	/* Wait for the submit, up to DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT from the first run. */
	now = drm_platform_time_ns();
	sw = drm_wait_priv(file);
	if (!sw) {
		sw = calloc(1, sizeof(*sw));
		if (!sw) {
			ret = -ENOMEM;
			goto out;
		}
		sw->deadline_ns = now + DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS;
		ret = drm_wait_set_priv(file, sw, drm_syncobj_submit_wait_free);
		if (ret)
			goto out;
	}
	if (now >= sw->deadline_ns) {
		ret = -ETIME;
		goto out;
	}
	ret = drm_wait_on_queue(file, &syncobj->submit_q);
	if (!ret)
		ret = drm_wait_until(file, sw->deadline_ns);
	if (!ret)
		ret = -DRM_EPENDING;
out:
	drm_syncobj_put(syncobj);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Creation, handles and fds                                            */
/* ------------------------------------------------------------------ */

/* drm_syncobj_create(): a new syncobj with one reference; signalled with DRM_SYNCOBJ_CREATE_SIGNALED. */
static int drm_syncobj_create(struct drm_device *dev, uint32_t flags, struct drm_syncobj **out)
{
	struct drm_syncobj *syncobj = calloc(1, sizeof(*syncobj));
	int ret;

	if (!syncobj)
		return -ENOMEM;
	syncobj->refcount = 1;
	syncobj->dev = dev;
	drm_waitq_init(&syncobj->submit_q);
	drm_list_init(&syncobj->eventfds);
	dev->num_syncobjs++;
	if (flags & DRM_SYNCOBJ_CREATE_SIGNALED) {
		ret = drm_syncobj_assign_null_handle(syncobj);
		if (ret) {
			drm_syncobj_put(syncobj);
			return ret;
		}
	}
	*out = syncobj;
	return 0;
}

/* drm_syncobj_get_handle(): a new handle of @file for @syncobj (taking a reference). */
static int drm_syncobj_get_handle(struct drm_file *file, struct drm_syncobj *syncobj, uint32_t *handle)
{
	uint32_t id = drm_idr_alloc(&file->syncobjs, syncobj);

	if (!id)
		return -ENOMEM;
	drm_syncobj_get(syncobj);
	*handle = id;
	return 0;
}

/** drm_syncobj_create_ioctl() - DRM_IOCTL_SYNCOBJ_CREATE. */
int drm_syncobj_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_create *args = data;
	struct drm_syncobj *syncobj;
	int ret;

	if (!drm_syncobj_supported(dev))
		return -EOPNOTSUPP;
	/* no valid flags yet */
	if (args->flags & ~DRM_SYNCOBJ_CREATE_SIGNALED)
		return -EINVAL;
	ret = drm_syncobj_create(dev, args->flags, &syncobj);
	if (ret)
		return ret;
	ret = drm_syncobj_get_handle(file, syncobj, &args->handle);
	drm_syncobj_put(syncobj);
	return ret;
}

/** drm_syncobj_destroy_ioctl() - DRM_IOCTL_SYNCOBJ_DESTROY. */
int drm_syncobj_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_destroy *args = data;
	struct drm_syncobj *syncobj;

	if (!drm_syncobj_supported(dev))
		return -EOPNOTSUPP;
	/* make sure padding is empty */
	if (args->pad)
		return -EINVAL;
	syncobj = drm_idr_remove(&file->syncobjs, args->handle);
	if (!syncobj)
		return -EINVAL;
	drm_syncobj_put(syncobj);
	return 0;
}

/* drm_syncobj_export_sync_file(): a sync_file fd of the fence at @point. */
static int drm_syncobj_export_sync_file(struct drm_file *file, uint32_t handle, uint64_t point,
					int32_t *fd)
{
	const struct drm_fd_ops *fds = drm_file_fds(file);
	struct drm_fence *fence;
	int ret;

	ret = drm_syncobj_find_fence(file, handle, point, 0, &fence);
	if (ret)
		return ret;
	if (!fds || !fds->fence_to_sync_file)
		ret = -EOPNOTSUPP;
	else
		ret = fds->fence_to_sync_file(fds->ctx, fence, fd);
	drm_fence_put(fence);
	return ret;
}

/*
 * The checks HANDLE_TO_FD and FD_TO_HANDLE share, in the kernel's order:
 * the feature, pad, flags; *@point is args->point with the TIMELINE flag,
 * else 0.  (Both directions use bit 0 for sync_file and bit 1 for timeline.)
 */
_Static_assert(DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE == DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE &&
	       DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE == DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
	       "syncobj handle flags");
static int drm_syncobj_handle_check(struct drm_device *dev, const struct drm_syncobj_handle_v2 *args,
				    uint64_t *point)
{
	uint32_t valid_flags = DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE |
			       DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE;

	if (!drm_syncobj_supported(dev))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	if (args->flags & ~valid_flags)
		return -EINVAL;
	*point = (args->flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE) ? args->point : 0;
	return 0;
}

/** drm_syncobj_handle_to_fd_ioctl() - DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD. */
int drm_syncobj_handle_to_fd_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_handle_v2 *args = data;
	const struct drm_fd_ops *fds = drm_file_fds(file);
	struct drm_syncobj *syncobj;
	uint64_t point;
	int ret;

	ret = drm_syncobj_handle_check(dev, args, &point);
	if (ret)
		return ret;
	if (args->flags & DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
		return drm_syncobj_export_sync_file(file, args->handle, point, &args->fd);
	if (point)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, args->handle);
	if (!syncobj)
		return -EINVAL;
	if (!fds || !fds->syncobj_to_fd)
		ret = -EOPNOTSUPP;
	else
		ret = fds->syncobj_to_fd(fds->ctx, syncobj, &args->fd);
	drm_syncobj_put(syncobj);
	return ret;
}

/* drm_syncobj_import_sync_file_fence(): the sync_file's fence becomes @handle's (at @point). */
static int drm_syncobj_import_sync_file_fence(struct drm_file *file, int32_t fd, uint32_t handle,
					      uint64_t point)
{
	const struct drm_fd_ops *fds = drm_file_fds(file);
	struct drm_syncobj *syncobj;
	struct drm_fence *fence = NULL;
	int ret;

	if (!fds || !fds->sync_file_to_fence)
		return -EOPNOTSUPP;
	/* sync_file_get_fence() fails for anything that is not a sync_file: EINVAL. */
	if (fds->sync_file_to_fence(fds->ctx, fd, &fence) < 0)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, handle);
	if (!syncobj) {
		drm_fence_put(fence);
		return -ENOENT;
	}
	ret = drm_syncobj_set_fence_at(syncobj, fence, point);
	drm_fence_put(fence);
	drm_syncobj_put(syncobj);
	return ret;
}

/** drm_syncobj_fd_to_handle_ioctl() - DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE. */
int drm_syncobj_fd_to_handle_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_handle_v2 *args = data;
	const struct drm_fd_ops *fds = drm_file_fds(file);
	struct drm_syncobj *syncobj;
	uint64_t point;
	int ret;

	ret = drm_syncobj_handle_check(dev, args, &point);
	if (ret)
		return ret;
	if (args->flags & DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
		return drm_syncobj_import_sync_file_fence(file, args->fd, args->handle, point);
	if (point)
		return -EINVAL;
	if (!fds || !fds->fd_to_syncobj)
		return -EOPNOTSUPP;
	/* Not a syncobj fd (or no fd at all): EINVAL, as drm_syncobj_fd_to_handle(). */
	if (fds->fd_to_syncobj(fds->ctx, args->fd, &syncobj) < 0)
		return -EINVAL;
	ret = drm_syncobj_get_handle(file, syncobj, &args->handle);
	drm_syncobj_put(syncobj);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Handle arrays                                                        */
/* ------------------------------------------------------------------ */

/*
 * drm_syncobj_array_find(): read @count handles at @uhandles and look them
 * up.  Returns 0 with *@out holding @count references, or -ENOMEM, -EFAULT,
 * -ENOENT or -DRM_ERETRY.
 */
static int drm_syncobj_array_find(struct drm_file *file, uint64_t uhandles, uint32_t count,
				  struct drm_syncobj ***out)
{
	struct drm_syncobj **syncobjs;
	uint32_t *handles;
	uint32_t i;
	int ret;

	if ((uint64_t)count * sizeof(*handles) > DRM_KMALLOC_MAX_SIZE)
		return -ENOMEM;
	handles = malloc((size_t)count * sizeof(*handles));
	if (!handles)
		return -ENOMEM;
	ret = drm_copy_from_user(file, handles, uhandles, (size_t)count * sizeof(*handles));
	if (ret) {
		free(handles);
		return ret;
	}
	if ((uint64_t)count * sizeof(*syncobjs) > DRM_KMALLOC_MAX_SIZE ||
	    !(syncobjs = malloc((size_t)count * sizeof(*syncobjs)))) {
		free(handles);
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		syncobjs[i] = drm_syncobj_find(file, handles[i]);
		if (!syncobjs[i]) {
			while (i-- > 0)
				drm_syncobj_put(syncobjs[i]);
			free(syncobjs);
			free(handles);
			return -ENOENT;
		}
	}
	free(handles);
	*out = syncobjs;
	return 0;
}

static void drm_syncobj_array_free(struct drm_syncobj **syncobjs, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		drm_syncobj_put(syncobjs[i]);
	free(syncobjs);
}

/* Read @count timeline points at @upoints (0: all zero) into a new array. */
static int drm_syncobj_read_points(struct drm_file *file, uint64_t upoints, uint32_t count,
				   uint64_t **out)
{
	uint64_t *points;
	int ret;

	if ((uint64_t)count * sizeof(*points) > DRM_KMALLOC_MAX_SIZE)
		return -ENOMEM;
	points = calloc(count ? count : 1, sizeof(*points));
	if (!points)
		return -ENOMEM;
	if (upoints) {
		ret = drm_copy_from_user(file, points, upoints, (size_t)count * sizeof(*points));
		if (ret) {
			free(points);
			return ret;
		}
	}
	*out = points;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Host waits                                                           */
/* ------------------------------------------------------------------ */

/** The kernel's syncobj_wait_entry array, kept between runs of a parked wait. */
struct drm_syncobj_wait_state {
	uint32_t count;
	struct drm_syncobj **syncobjs;
	uint64_t *points;
	struct drm_fence **fences;   /* entry i's fence once found, else NULL */
	uint32_t first_idx;          /* first index signalled at the first run, ~0 if none */
};

static void drm_syncobj_wait_state_free(void *priv)
{
	struct drm_syncobj_wait_state *st = priv;

	for (uint32_t i = 0; i < st->count; i++)
		drm_fence_put(st->fences[i]);
	drm_syncobj_array_free(st->syncobjs, st->count);
	free(st->points);
	free(st->fences);
	free(st);
}

/* drm_timeout_abs_to_jiffies(), in our terms: has absolute @timeout_nsec passed (0 = poll)? */
static bool drm_timeout_expired(int64_t timeout_nsec, uint64_t now)
{
	return timeout_nsec <= 0 || (uint64_t)timeout_nsec <= now;
}

/*
 * The first run of a wait: the kernel's entry set-up in
 * drm_syncobj_array_wait_timeout().  Returns 0 with *@out, or an errno.
 */
static int drm_syncobj_wait_setup(struct drm_file *file, uint64_t uhandles, uint64_t upoints,
				  uint32_t count, uint32_t flags,
				  struct drm_syncobj_wait_state **out)
{
	struct drm_syncobj_wait_state *st = calloc(1, sizeof(*st));
	bool may_wait_submit = flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
					DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE);
	int ret;

	if (!st)
		return -ENOMEM;
	ret = drm_syncobj_array_find(file, uhandles, count, &st->syncobjs);
	if (ret) {
		free(st);
		return ret;
	}
	st->count = count;
	ret = drm_syncobj_read_points(file, upoints, count, &st->points);
	if (!ret) {
		st->fences = calloc(count, sizeof(*st->fences));
		if (!st->fences)
			ret = -ENOMEM;
	}
	if (ret) {
		drm_syncobj_array_free(st->syncobjs, count);
		free(st->points);
		free(st);
		return ret;
	}
	st->first_idx = ~0u;
	for (uint32_t i = 0; i < count; i++) {
		ret = drm_syncobj_point_fence(st->syncobjs[i], st->points[i], &st->fences[i]);
		if (ret == -EINVAL && may_wait_submit)
			continue;
		if (ret) {
			drm_syncobj_wait_state_free(st);
			return ret;
		}
		if (((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) ||
		     drm_fence_is_signaled(st->fences[i])) && st->first_idx == ~0u)
			st->first_idx = i;
	}
	*out = st;
	return 0;
}

/*
 * drm_syncobj_array_wait_timeout(), one pass: count what has signalled,
 * and either finish (0, *@idx set), time out (-ETIME) or park
 * (-DRM_EPENDING).
 */
static int drm_syncobj_array_wait(struct drm_file *file, uint64_t uhandles, uint64_t upoints,
				  uint32_t count, uint32_t flags, int64_t timeout_nsec,
				  uint32_t *idx)
{
	struct drm_syncobj_wait_state *st = drm_wait_priv(file);
	bool wait_all = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
	bool available = flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
	bool parkable = drm_wait_possible(file);
	uint32_t signaled = 0, i;
	int ret;

	/*
	 * A rerun continues the entries of the first run: the kernel copied the
	 * arguments once, so a client that rewrote its struct meanwhile (another
	 * thread) changes nothing; its count_handles must not index past them.
	 */
	if (st)
		count = st->count;
	if (!st) {
		ret = drm_syncobj_wait_setup(file, uhandles, upoints, count, flags, &st);
		if (ret)
			return ret;
		/* Everything there already: done without ever parking. */
		for (i = 0; i < count; i++)
			if (st->fences[i] && (available || drm_fence_is_signaled(st->fences[i])))
				signaled++;
		if (signaled == count || (signaled > 0 && !wait_all)) {
			*idx = st->first_idx;
			drm_syncobj_wait_state_free(st);
			return 0;
		}
		/* From here on the parked wait owns the entries (freed when it ends). */
		if (parkable) {
			ret = drm_wait_set_priv(file, st, drm_syncobj_wait_state_free);
			if (ret)
				return ret;
		}
	}

	/* Entries still without a fence: has their point been submitted? (syncobj_wait_syncobj_func) */
	for (i = 0; i < count; i++) {
		if (st->fences[i])
			continue;
		ret = drm_syncobj_point_fence(st->syncobjs[i], st->points[i], &st->fences[i]);
		if (ret && ret != -EINVAL)
			goto fail;
	}
	signaled = 0;
	for (i = 0; i < count; i++) {
		struct drm_fence *fence = st->fences[i];

		if (!fence || !(available || drm_fence_is_signaled(fence)))
			continue;
		if (wait_all) {
			signaled++;
		} else {
			*idx = i;
			ret = 0;
			goto done;
		}
	}
	if (signaled == count) {
		*idx = st->first_idx;
		ret = 0;
		goto done;
	}
	if (drm_timeout_expired(timeout_nsec, drm_platform_time_ns())) {
		ret = -ETIME;
		goto done;
	}
	if (!parkable) {
		ret = -EAGAIN;
		goto fail;
	}
	/* Park: on every fence not yet signalled, and on submits where allowed. */
	for (i = 0; i < count; i++) {
		if (st->fences[i]) {
			ret = drm_wait_on_fence(file, st->fences[i]);
			if (ret == -ENOENT)
				ret = 0;
		} else {
			ret = drm_wait_on_queue(file, &st->syncobjs[i]->submit_q);
		}
		if (ret)
			goto fail;
	}
	ret = drm_wait_until(file, (uint64_t)timeout_nsec);
	if (ret)
		goto fail;
	return -DRM_EPENDING;
done:
fail:
	/* A parked wait's entries are freed by drm_wait_end_run(); without one, here. */
	if (!parkable)
		drm_syncobj_wait_state_free(st);
	return ret;
}

/** drm_syncobj_wait_ioctl() - DRM_IOCTL_SYNCOBJ_WAIT. */
int drm_syncobj_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_wait_v2 *args = data;
	uint32_t possible_flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
	uint32_t first = ~0u;
	int ret;

	if (!drm_syncobj_supported(dev))
		return -EOPNOTSUPP;
	if (args->flags & ~possible_flags)
		return -EINVAL;
	if (args->count_handles == 0)
		return 0;
	/* WAIT_DEADLINE is a hint for the fence signaller; no fence here uses one. */
	ret = drm_syncobj_array_wait(file, args->handles, 0, args->count_handles, args->flags,
				     args->timeout_nsec, &first);
	if (ret)
		return ret;
	args->first_signaled = first;
	return 0;
}

/** drm_syncobj_timeline_wait_ioctl() - DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT. */
int drm_syncobj_timeline_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_timeline_wait_v2 *args = data;
	uint32_t possible_flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE |
				  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE;
	uint32_t first = ~0u;
	int ret;

	if (!drm_syncobj_timeline_supported(dev))
		return -EOPNOTSUPP;
	if (args->flags & ~possible_flags)
		return -EINVAL;
	if (args->count_handles == 0)
		return 0;
	ret = drm_syncobj_array_wait(file, args->handles, args->points, args->count_handles,
				     args->flags, args->timeout_nsec, &first);
	if (ret)
		return ret;
	args->first_signaled = first;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reset, signal, timelines                                             */
/* ------------------------------------------------------------------ */

/* RESET and SIGNAL: the feature, pad, a count of at least one, then the handles. */
static int drm_syncobj_array_args(struct drm_device *dev, struct drm_file *file,
				  const struct drm_syncobj_array *args, struct drm_syncobj ***syncobjs)
{
	if (!drm_syncobj_supported(dev))
		return -EOPNOTSUPP;
	if (args->pad != 0)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	return drm_syncobj_array_find(file, args->handles, args->count_handles, syncobjs);
}

/** drm_syncobj_reset_ioctl() - DRM_IOCTL_SYNCOBJ_RESET. */
int drm_syncobj_reset_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_array *args = data;
	struct drm_syncobj **syncobjs;
	int ret;

	ret = drm_syncobj_array_args(dev, file, args, &syncobjs);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < args->count_handles; i++)
		drm_syncobj_replace_fence(syncobjs[i], NULL);
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return 0;
}

/** drm_syncobj_signal_ioctl() - DRM_IOCTL_SYNCOBJ_SIGNAL. */
int drm_syncobj_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_array *args = data;
	struct drm_syncobj **syncobjs;
	int ret;

	ret = drm_syncobj_array_args(dev, file, args, &syncobjs);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < args->count_handles; i++) {
		ret = drm_syncobj_assign_null_handle(syncobjs[i]);
		if (ret < 0)
			break;
	}
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

/** drm_syncobj_timeline_signal_ioctl() - DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL. */
int drm_syncobj_timeline_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_timeline_array *args = data;
	struct drm_syncobj **syncobjs;
	uint64_t *points;
	int ret;

	if (!drm_syncobj_timeline_supported(dev))
		return -EOPNOTSUPP;
	if (args->flags != 0)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = drm_syncobj_array_find(file, args->handles, args->count_handles, &syncobjs);
	if (ret < 0)
		return ret;
	ret = drm_syncobj_read_points(file, args->points, args->count_handles, &points);
	if (ret)
		goto out;
	/* (The kernel allocates every node first; out of memory here may leave some points added.) */
	for (uint32_t i = 0; i < args->count_handles && !ret; i++) {
		struct drm_fence *fence = drm_fence_create_signaled();

		if (!fence) {
			ret = -ENOMEM;
			break;
		}
		ret = drm_syncobj_add_point(syncobjs[i], fence, points[i]);
		drm_fence_put(fence);
	}
	free(points);
out:
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

/* The last signalled point of a timeline syncobj's fence, as drm_syncobj_query_ioctl(). */
static uint64_t drm_syncobj_query_point(struct drm_fence *fence, bool last_submitted)
{
	struct drm_fence *iter, *last_signaled;
	uint64_t point;

	if (!to_drm_fence_chain(fence))
		return 0;
	if (last_submitted)
		return fence->seqno;
	last_signaled = drm_fence_get(fence);
	for (iter = drm_fence_get(fence); iter; iter = drm_fence_chain_walk(iter)) {
		if (iter->context != fence->context) {
			/* Most likely the timeline has unordered points. */
			drm_fence_put(iter);
			break;
		}
		drm_fence_put(last_signaled);
		last_signaled = drm_fence_get(iter);
	}
	if (drm_fence_is_signaled(last_signaled))
		point = last_signaled->seqno;
	else
		point = to_drm_fence_chain(last_signaled)->prev_seqno;
	drm_fence_put(last_signaled);
	return point;
}

/** drm_syncobj_query_ioctl() - DRM_IOCTL_SYNCOBJ_QUERY. */
int drm_syncobj_query_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_timeline_array *args = data;
	struct drm_syncobj **syncobjs;
	int ret;

	if (!drm_syncobj_timeline_supported(dev))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED)
		return -EINVAL;
	if (args->count_handles == 0)
		return -EINVAL;
	ret = drm_syncobj_array_find(file, args->handles, args->count_handles, &syncobjs);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < args->count_handles; i++) {
		struct drm_fence *fence = drm_syncobj_fence_get(syncobjs[i]);
		uint64_t point = drm_syncobj_query_point(fence,
			args->flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED);

		drm_fence_put(fence);
		ret = drm_copy_to_user(file, args->points + (uint64_t)i * sizeof(point), &point,
				       sizeof(point));
		if (ret)
			break;
	}
	drm_syncobj_array_free(syncobjs, args->count_handles);
	return ret;
}

/** drm_syncobj_transfer_ioctl() - DRM_IOCTL_SYNCOBJ_TRANSFER. */
int drm_syncobj_transfer_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_transfer *args = data;
	struct drm_syncobj *dst;
	struct drm_fence *fence;
	int ret;

	if (!drm_syncobj_timeline_supported(dev))
		return -EOPNOTSUPP;
	if (args->pad)
		return -EINVAL;
	dst = drm_syncobj_find(file, args->dst_handle);
	if (!dst)
		return -ENOENT;
	ret = drm_syncobj_find_fence(file, args->src_handle, args->src_point, args->flags, &fence);
	if (ret)
		goto out;
	ret = drm_syncobj_set_fence_at(dst, fence, args->dst_point);
	drm_fence_put(fence);
out:
	drm_syncobj_put(dst);
	return ret;
}

/** drm_syncobj_eventfd_ioctl() - DRM_IOCTL_SYNCOBJ_EVENTFD (Linux 6.6). */
int drm_syncobj_eventfd_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_syncobj_eventfd *args = data;
	const struct drm_fd_ops *fds = drm_file_fds(file);
	struct drm_syncobj_eventfd_entry *e;
	struct drm_syncobj *syncobj;
	struct drm_notifier *notifier;
	int ret;

	if (!drm_syncobj_timeline_supported(dev))
		return -EOPNOTSUPP;
	if (args->flags & ~DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)
		return -EINVAL;
	if (args->pad)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, args->handle);
	if (!syncobj)
		return -ENOENT;
	if (!fds || !fds->eventfd_get) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	ret = fds->eventfd_get(fds->ctx, args->fd, &notifier);
	if (ret)
		goto out;
	e = calloc(1, sizeof(*e));
	if (!e) {
		notifier->release(notifier);
		ret = -ENOMEM;
		goto out;
	}
	e->syncobj = syncobj;
	e->notifier = notifier;
	e->point = args->point;
	e->flags = args->flags;
	drm_list_add_tail(&e->node, &syncobj->eventfds);
	drm_syncobj_eventfd_check(syncobj, e);
out:
	drm_syncobj_put(syncobj);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Files and devices                                                    */
/* ------------------------------------------------------------------ */

/** drm_syncobj_open() - a new file's syncobj handle table. */
void drm_syncobj_open(struct drm_file *file)
{
	drm_idr_init(&file->syncobjs, 1);
}

/** drm_syncobj_release() - the file is closing: drop every handle's reference. */
void drm_syncobj_release(struct drm_file *file)
{
	void *ptr;

	for (uint32_t id = drm_idr_next(&file->syncobjs, 1, &ptr); id;
	     id = drm_idr_next(&file->syncobjs, id + 1, &ptr))
		drm_syncobj_put(ptr);
	drm_idr_destroy(&file->syncobjs);
}

/** drm_syncobj_device_fini() - free eventfd registrations still waiting on fences. */
void drm_syncobj_device_fini(struct drm_device *dev)
{
	while (!drm_list_empty(&dev->syncobj_eventfds))
		drm_syncobj_eventfd_entry_free(drm_container_of(dev->syncobj_eventfds.next,
				struct drm_syncobj_eventfd_entry, node));
}
