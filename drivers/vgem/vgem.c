/*
 * vgem.c - the virtual GEM provider, after the kernel's drivers/gpu/drm/vgem
 * (vgem_drv.c, vgem_fence.c in Linux 6.1).
 *
 * GEM objects come from dumb buffers (shmem, mmap'able through the shim).  A
 * file may attach fences to an object (VGEM_FENCE_ATTACH) and signal them
 * (VGEM_FENCE_SIGNAL); the kernel's EBUSY on a conflicting unsignalled fence
 * and its 10 s timeout are kept.  One platform timer per device serves every
 * fence's timeout, so pending fences cost no threads.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/drm_driver.h"
#include "core/drm_fence.h"
#include "core/drm_idr.h"
#include "drivers/vgem/vgem.h"
#include "drivers/vgem/vgem_drm.h"

/* VGEM_FENCE_TIMEOUT in vgem_fence.c: 10 * HZ. */
#define VGEM_FENCE_TIMEOUT_NS (10ull * 1000000000ull)

/** struct vgem_fence - a fence with its timeout deadline (ns, CLOCK_MONOTONIC). */
struct vgem_fence {
	struct drm_fence *fence;
	uint64_t deadline_ns;
	struct drm_list_head link; /* in vgem_device.pending while unsignalled */
};

/** struct vgem_device - per-device state: fences waiting for signal or timeout, and their timer. */
struct vgem_device {
	struct drm_device *dev;
	struct drm_timer *timeout;
	struct drm_list_head pending;
};

/** struct vgem_file - per-file state: the file's fences by id (vgem_file.fence_idr). */
struct vgem_file {
	struct drm_idr fences; /* id -> struct vgem_fence */
};

/* Arm the timer for the earliest pending deadline.  Device lock held. */
static void vgem_rearm(struct vgem_device *vg)
{
	struct vgem_fence *vf;
	uint64_t first = 0;

	drm_list_for_each(vf, &vg->pending, struct vgem_fence, link)
		if (!first || vf->deadline_ns < first)
			first = vf->deadline_ns;
	if (first)
		drm_platform_timer_start(vg->timeout, first, 0);
	else
		drm_platform_timer_stop(vg->timeout);
}

/* Signal @vf (with @error) and take it off the pending list.  Device lock held. */
static void vgem_fence_complete(struct vgem_fence *vf, int error)
{
	drm_fence_signal(vf->fence, error);
	if (!drm_list_empty(&vf->link))
		drm_list_del(&vf->link);
}

/* vgem_fence_timeout(): an unsignalled fence signals itself after 10 s. */
static void vgem_timeout(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct vgem_device *vg = arg;
	struct vgem_fence *vf, *tmp;
	uint64_t now = drm_platform_time_ns();

	(void)expires_ns;
	(void)overrun;
	drm_dev_lock(vg->dev);
	drm_list_for_each_safe(vf, tmp, &vg->pending, struct vgem_fence, link)
		if (vf->deadline_ns <= now)
			vgem_fence_complete(vf, -ETIMEDOUT);
	vgem_rearm(vg);
	drm_dev_unlock(vg->dev);
}

static void vgem_fence_free(struct vgem_fence *vf)
{
	vgem_fence_complete(vf, 0);
	drm_fence_put(vf->fence);
	free(vf);
}

/** vgem_fence_attach_ioctl() - DRM_IOCTL_VGEM_FENCE_ATTACH: EINVAL for flags/pad, ENOENT, EBUSY on conflict. */
static int vgem_fence_attach_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vgem_fence_attach *arg = data;
	struct vgem_device *vg = drm_dev_private(dev);
	struct vgem_file *vfile = drm_file_driver_priv(file);
	bool write = arg->flags & VGEM_FENCE_WRITE;
	struct drm_gem_object *obj;
	struct vgem_fence *vf;
	uint32_t id;
	int ret;

	if (arg->flags & ~VGEM_FENCE_WRITE)
		return -EINVAL;
	if (arg->pad)
		return -EINVAL;
	obj = drm_gem_object_lookup(file, arg->handle);
	if (!obj)
		return -ENOENT;
	/* A writer conflicts with any unsignalled fence, a reader with an unsignalled writer. */
	if (!drm_gem_resv_test_signaled(obj, write ? DRM_RESV_USAGE_READ : DRM_RESV_USAGE_WRITE))
		return -EBUSY;
	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	vf->fence = drm_fence_create();
	if (!vf->fence) {
		free(vf);
		return -ENOMEM;
	}
	drm_list_init(&vf->link);
	ret = drm_gem_resv_add_fence(obj, vf->fence, write ? DRM_RESV_USAGE_WRITE : DRM_RESV_USAGE_READ);
	id = ret ? 0 : drm_idr_alloc(&vfile->fences, vf);
	if (!id) {
		vgem_fence_free(vf);
		return -ENOMEM;
	}
	vf->deadline_ns = drm_platform_time_ns() + VGEM_FENCE_TIMEOUT_NS;
	drm_list_add_tail(&vf->link, &vg->pending);
	vgem_rearm(vg);
	arg->out_fence = id;
	return 0;
}

/*
 * A signalled fence's id stays taken, as the kernel's idr_replace(NULL)
 * leaves it: ids are never reused within a file, and a second signal of the
 * same id is ENOENT.  This marker holds the place.
 */
static char vgem_fence_retired;
#define VGEM_FENCE_RETIRED ((void *)&vgem_fence_retired)

/** vgem_fence_signal_ioctl() - DRM_IOCTL_VGEM_FENCE_SIGNAL: ENOENT for unknown ids, ETIMEDOUT when already timed out. */
static int vgem_fence_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_vgem_fence_signal *arg = data;
	struct vgem_device *vg = drm_dev_private(dev);
	struct vgem_file *vfile = drm_file_driver_priv(file);
	struct vgem_fence *vf;
	int ret = 0;

	if (arg->flags)
		return -EINVAL;
	vf = drm_idr_find(&vfile->fences, arg->fence);
	if (!vf || vf == VGEM_FENCE_RETIRED)
		return -ENOENT;
	drm_idr_replace(&vfile->fences, arg->fence, VGEM_FENCE_RETIRED);
	if (vf->fence->signaled)
		ret = -ETIMEDOUT;
	vgem_fence_free(vf);
	vgem_rearm(vg);
	return ret;
}

static int vgem_open(struct drm_device *dev, struct drm_file *file)
{
	struct vgem_file *vfile = calloc(1, sizeof(*vfile));

	(void)dev;
	if (!vfile)
		return -ENOMEM;
	drm_idr_init(&vfile->fences, 1);
	drm_file_set_driver_priv(file, vfile);
	return 0;
}

/* vgem_postclose(): the file's unsignalled fences are signalled and dropped. */
static void vgem_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vgem_device *vg = drm_dev_private(dev);
	struct vgem_file *vfile = drm_file_driver_priv(file);
	uint32_t id = 0;
	void *p;

	while ((id = drm_idr_next(&vfile->fences, id, &p)) != 0) {
		drm_idr_remove(&vfile->fences, id);
		if (p != VGEM_FENCE_RETIRED)
			vgem_fence_free(p);
	}
	drm_idr_destroy(&vfile->fences);
	free(vfile);
	drm_file_set_driver_priv(file, NULL);
	vgem_rearm(vg);
}

static int vgem_load(struct drm_device *dev)
{
	struct vgem_device *vg = calloc(1, sizeof(*vg));

	if (!vg)
		return -ENOMEM;
	vg->dev = dev;
	drm_list_init(&vg->pending);
	drm_dev_set_private(dev, vg);
	vg->timeout = drm_platform_timer_create(vgem_timeout, vg);
	return vg->timeout ? 0 : -ENOMEM;
}

static void vgem_unload(struct drm_device *dev)
{
	struct vgem_device *vg = drm_dev_private(dev);

	if (!vg)
		return;
	drm_platform_timer_destroy(vg->timeout);
	free(vg);
	drm_dev_set_private(dev, NULL);
}

#define VGEM_IOCTL(ioctl, _func, _flags) \
	[DRM_##ioctl] = { .cmd = DRM_IOCTL_##ioctl, .func = _func, .flags = _flags, .name = #ioctl }

static const struct drm_ioctl_desc vgem_ioctls[] = {
	VGEM_IOCTL(VGEM_FENCE_ATTACH, vgem_fence_attach_ioctl, DRM_RENDER_ALLOW),
	VGEM_IOCTL(VGEM_FENCE_SIGNAL, vgem_fence_signal_ioctl, DRM_RENDER_ALLOW),
};

/** vgem_driver - name "vgem", as the kernel's, with a render node. */
const struct drm_driver vgem_driver = {
	.name = "vgem",
	.desc = "Virtual GEM provider",
	.date = "20120112",
	.major = 1,
	.minor = 0,
	.patchlevel = 0,
	.driver_features = DRIVER_GEM | DRIVER_RENDER,
	.load = vgem_load,
	.unload = vgem_unload,
	.open = vgem_open,
	.postclose = vgem_postclose,
	.ioctls = vgem_ioctls,
	.num_ioctls = sizeof(vgem_ioctls) / sizeof(vgem_ioctls[0]),
};
