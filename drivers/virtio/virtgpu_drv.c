/*
 * virtgpu_drv.c - the virtio-gpu driver core (2D): the struct drm_driver
 * named "virtio_gpu" as the kernel's, selected by PCI ID 1af4:1050, its
 * load/unload, and the virtgpu uAPI (virtgpu_drm.h) as the kernel's
 * drivers/gpu/drm/virtio/virtgpu_ioctl.c (Linux 6.1) answers it; the 3D
 * ioctls live in virtgpu_3d.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtgpu_uapi.h"
#include "drivers/virtio/virtgpu_drv.h"
#include "core/drm_wait.h"

/** How long VIRTGPU_WAIT waits at most (virtio_gpu_wait_ioctl(): 15 s), ns. */
#define VIRTGPU_WAIT_TIMEOUT_NS 15000000000ull

/*
 * The driver options ("key=value,..."; cuse-drm --driver-options):
 *   cmd_timeout_ms=1..600000   how long a command may go unanswered (default 5000)
 * -EINVAL (logged) for anything else.
 */
static int virtgpu_options_parse(struct virtgpu_device *vg, const char *opts)
{
	const char *p = opts ? opts : "";

	vg->cmd_timeout_ns = VIRTGPU_CMD_TIMEOUT_NS;
	while (*p) {
		const char *key = "cmd_timeout_ms=";
		size_t klen = strlen(key);
		char *end;
		unsigned long ms;

		if (strncmp(p, key, klen) != 0)
			goto bad;
		ms = strtoul(p + klen, &end, 10);
		if (end == p + klen || (*end && *end != ',') || ms < 1 || ms > 600000)
			goto bad;
		vg->cmd_timeout_ns = (uint64_t)ms * 1000000ull;
		p = *end ? end + 1 : end;
	}
	return 0;
bad:
	drm_err("virtio_gpu: bad option near '%s' (options: cmd_timeout_ms=1..600000)", p);
	return -EINVAL;
}

static int virtgpu_load(struct drm_device *dev)
{
	struct virtgpu_device *vg = calloc(1, sizeof(*vg));
	int ret;

	if (!vg)
		return -ENOMEM;
	drm_dev_set_private(dev, vg);
	vg->ddev = dev;
	vg->pdev = drm_dev_pci(dev);
	vg->next_resource_id = 1;
	drm_list_init(&vg->fences);
	drm_list_init(&vg->objects);
	drm_list_init(&vg->deferred_unmaps);
	drm_list_init(&vg->capset_cache);
	ret = virtgpu_options_parse(vg, drm_dev_options(dev));
	if (ret)
		return ret;
	if (!vg->pdev) {
		drm_err("virtio_gpu: no PCI device (start the daemon with --device BDF)");
		return -ENODEV;
	}
	vg->fence_work = drm_platform_timer_create(virtgpu_fence_work, vg);
	vg->config_work = drm_platform_timer_create(virtgpu_config_work, vg);
	if (!vg->fence_work || !vg->config_work)
		return -ENOMEM;
	ret = virtio_pci_init(vg);
	if (ret)
		return ret;
	ret = virtgpu_3d_init(vg);
	if (ret)
		return ret;
	vg->num_scanouts = virtio_pci_device_cfg_read32(vg, VIRTIO_GPU_CFG_NUM_SCANOUTS);
	if (vg->num_scanouts == 0) {
		drm_err("virtio_gpu: the device has no scanouts");
		return -ENODEV;
	}
	if (vg->num_scanouts > DRM_MAX_CRTCS) {
		drm_warn("virtio_gpu: %u scanouts, using the first %d", vg->num_scanouts, DRM_MAX_CRTCS);
		vg->num_scanouts = DRM_MAX_CRTCS;
	}
	ret = virtgpu_modeset_init(vg);
	if (ret)
		return ret;
	/* A display event that came before we listened is in events_read: clear it, we probe now. */
	virtio_pci_device_cfg_write32(vg, VIRTIO_GPU_CFG_EVENTS_CLEAR,
				      virtio_pci_device_cfg_read32(vg, VIRTIO_GPU_CFG_EVENTS_READ));
	drm_dev_lock(dev);
	ret = virtgpu_update_displays(vg);
	drm_dev_unlock(dev);
	if (ret)
		return ret;
	drm_info("virtio_gpu: %s: %u scanout(s)%s%s%s%s", drm_platform_pci_name(vg->pdev), vg->num_scanouts,
		 vg->has_edid ? ", EDID" : "", vg->has_virgl_3d ? ", virgl 3d acceleration enabled" : "",
		 vg->has_resource_blob ? ", blobs" : "", vg->has_context_init ? ", context init" : "");
	return 0;
}

static void virtgpu_unload(struct drm_device *dev)
{
	struct virtgpu_device *vg = drm_dev_private(dev);

	if (!vg)
		return;
	if (vg->pdev)
		virtio_pci_fini(vg);   /* device reset: no DMA, no interrupts after this */
	drm_platform_timer_destroy(vg->config_work);
	drm_platform_timer_destroy(vg->fence_work);
	drm_dev_lock(dev);
	virtgpu_fences_fini(vg);
	if (vg->pdev)
		virtgpu_deferred_unmaps_run(vg);
	/*
	 * Objects can outlive the driver: a framebuffer no file owns (a legacy
	 * cursor's) is freed by drm_mode_config_cleanup() after this.  Unlink them
	 * so their free hook, which then finds no device, touches nothing of @vg.
	 */
	{
		struct virtgpu_object *bo, *tmp;

		drm_list_for_each_safe(bo, tmp, &vg->objects, struct virtgpu_object, link) {
			drm_list_del(&bo->link);
			bo->listed = false;
		}
	}
	virtgpu_3d_fini(vg);
	drm_dev_unlock(dev);
	drm_dev_set_private(dev, NULL);
	free(vg);
}

/* ------------------------------------------------------------------ */
/* virtgpu uAPI (virtgpu_ioctl.c)                                       */
/* ------------------------------------------------------------------ */

/** virtio_gpu_resource_info_ioctl() - VIRTGPU_RESOURCE_INFO: host resource id and size of a handle. */
static int virtio_gpu_resource_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_virtgpu_resource_info *ri = data;
	struct drm_gem_object *obj = drm_gem_object_lookup(file, ri->bo_handle);
	struct virtgpu_object *bo;

	(void)dev;
	if (!obj)
		return -ENOENT;
	bo = obj->driver_private;
	ri->size = (uint32_t)obj->size;
	ri->res_handle = bo ? bo->resource_id : 0;
	return 0;
}

/** virtio_gpu_map_ioctl() - VIRTGPU_MAP: the fake mmap offset (virtio_gpu_mode_dumb_mmap()). */
static int virtio_gpu_map_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_virtgpu_map *map = data;

	(void)dev;
	return drm_gem_dumb_map_offset(file, map->handle, &map->offset);
}

/**
 * virtio_gpu_wait_ioctl() - VIRTGPU_WAIT: until the device is done with
 * the object (its flush fences); NOWAIT answers -EBUSY while busy, a wait
 * gives up after 15 s with -EBUSY.  A blocking wait parks the ioctl
 * (DESIGN.md decision 4); each rerun starts the 15 s again.
 */
static int virtio_gpu_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_virtgpu_3d_wait *args = data;
	struct drm_gem_object *obj;
	struct drm_fence *f = NULL;
	int ret;

	(void)dev;
	/* Linux 6.1 ignores unknown flags (the -EINVAL check came later): a bad handle is -ENOENT. */
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	if (drm_gem_resv_test_signaled(obj, DRM_RESV_USAGE_READ))
		return 0;
	if ((args->flags & VIRTGPU_WAIT_NOWAIT) || !drm_wait_possible(file))
		return -EBUSY;
	ret = drm_gem_resv_get_singleton(obj, DRM_RESV_USAGE_READ, &f);
	if (ret || !f)
		return ret;
	ret = drm_wait_on_fence(file, f);
	drm_fence_put(f);
	if (!ret)
		ret = drm_wait_until(file, drm_platform_time_ns() + VIRTGPU_WAIT_TIMEOUT_NS);
	return ret ? ret : -DRM_EPENDING;
}

#define VIRTGPU_IOCTL(ioctl, _func, _flags) \
	[DRM_##ioctl] = { .cmd = DRM_IOCTL_##ioctl, .func = _func, .flags = _flags, .name = #ioctl }

static const struct drm_ioctl_desc virtio_gpu_ioctls[] = {
	VIRTGPU_IOCTL(VIRTGPU_MAP, virtio_gpu_map_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_EXECBUFFER, virtio_gpu_execbuffer_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_GETPARAM, virtio_gpu_getparam_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_RESOURCE_CREATE, virtio_gpu_resource_create_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_RESOURCE_INFO, virtio_gpu_resource_info_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_TRANSFER_FROM_HOST, virtio_gpu_transfer_from_host_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_TRANSFER_TO_HOST, virtio_gpu_transfer_to_host_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_WAIT, virtio_gpu_wait_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_GET_CAPS, virtio_gpu_get_caps_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_RESOURCE_CREATE_BLOB, virtio_gpu_resource_create_blob_ioctl, DRM_RENDER_ALLOW),
	VIRTGPU_IOCTL(VIRTGPU_CONTEXT_INIT, virtio_gpu_context_init_ioctl, DRM_RENDER_ALLOW),
};

static const struct drm_pci_device_id virtio_gpu_pci_ids[] = {
	{ 0x1af4, 0x1050 }, /* virtio 1.x GPU (PCI_DEVICE_ID_VIRTIO_GPU) */
	{ 0, 0 },
};

/** virtio_gpu_driver - name "virtio_gpu", as the kernel's, with a render node. */
const struct drm_driver virtio_gpu_driver = {
	.name = "virtio_gpu",
	.desc = "virtio GPU",
	.date = "0",
	.major = 0,
	.minor = 1,
	.patchlevel = 0,
	.driver_features = DRIVER_MODESET | DRIVER_GEM | DRIVER_RENDER | DRIVER_ATOMIC,
	.load = virtgpu_load,
	.unload = virtgpu_unload,
	.open = virtgpu_driver_open,
	.postclose = virtgpu_driver_postclose,
	.dumb_create = virtgpu_dumb_create,
	.gem_free_object = virtgpu_gem_free_object,
	.gem_open_object = virtgpu_gem_open_object,
	.gem_close_object = virtgpu_gem_close_object,
	.dirtyfb = virtgpu_dirtyfb,
	.pci_ids = virtio_gpu_pci_ids,
	.ioctls = virtio_gpu_ioctls,
	.num_ioctls = sizeof(virtio_gpu_ioctls) / sizeof(virtio_gpu_ioctls[0]),
};
