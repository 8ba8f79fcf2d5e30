/*
 * virtgpu_kms.c - KMS and dumb buffers of the virtio-gpu driver core, after
 * the kernel's drivers/gpu/drm/virtio/virtgpu_display.c, virtgpu_plane.c
 * and virtgpu_gem.c (Linux 6.1).
 *
 * One output per scanout: a primary plane (XRGB8888, full-screen, no
 * scaling), a 64x64 ARGB8888 cursor plane, a CRTC, a Virtual encoder and a
 * Virtual connector whose modes come from the device's EDID (GET_EDID) and
 * whose status is GET_DISPLAY_INFO's "enabled".  There is no vblank: flip
 * events go out when a commit is done (mode_config.no_vblank).
 *
 * A commit becomes, per output, what virtio_gpu_primary_plane_update() and
 * virtio_gpu_cursor_plane_update() send: SET_SCANOUT when the resource or
 * source rectangle changed (resource 0 turns the scanout off), then
 * TRANSFER_TO_HOST_2D and a fenced RESOURCE_FLUSH of the plane; the cursor
 * is TRANSFER_TO_HOST_2D + UPDATE_CURSOR for a new image and MOVE_CURSOR
 * otherwise, on the cursorq.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtgpu_drv.h"

#define XRES_MIN 32
#define YRES_MIN 32
#define XRES_DEF 1024
#define YRES_DEF 768
#define XRES_MAX 8192
#define YRES_MAX 8192

static const uint32_t virtgpu_primary_formats[] = { DRM_FORMAT_XRGB8888 };
static const uint32_t virtgpu_cursor_formats[] = { DRM_FORMAT_ARGB8888 };

static struct virtgpu_device *to_vg(struct drm_device *dev)
{
	return drm_dev_private(dev);
}

/* ------------------------------------------------------------------ */
/* Resources (virtgpu_object.c, virtgpu_gem.c)                          */
/* ------------------------------------------------------------------ */

/* RESOURCE_CREATE_2D of @bo's id, format and size. */
static int virtgpu_resource_create(struct virtgpu_device *vg, const struct virtgpu_object *bo)
{
	struct virtio_gpu_resource_create_2d create;

	virtgpu_hdr_init(&create.hdr, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, 0);
	create.resource_id = bo->resource_id;
	create.format = bo->format;
	create.width = bo->width;
	create.height = bo->height;
	return virtgpu_cmd_nodata(vg, &create, sizeof(create));
}

/* RESOURCE_ATTACH_BACKING: @size bytes at @bo's IOVA, contiguous in IOVA space, as one entry. */
int virtgpu_attach_backing(struct virtgpu_device *vg, const struct virtgpu_object *bo, uint64_t size)
{
	struct {
		struct virtio_gpu_resource_attach_backing hdr;
		struct virtio_gpu_mem_entry ent;
	} attach;

	memset(&attach, 0, sizeof(attach));
	virtgpu_hdr_init(&attach.hdr.hdr, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, 0);
	attach.hdr.resource_id = bo->resource_id;
	attach.hdr.nr_entries = 1;
	attach.ent.addr = bo->iova;
	attach.ent.length = (uint32_t)size;
	return virtgpu_cmd_nodata(vg, &attach, sizeof(attach));
}

/**
 * virtgpu_dumb_create() - DRM_IOCTL_MODE_CREATE_DUMB as
 * virtio_gpu_mode_dumb_create(): 32 bpp only (-EINVAL otherwise), pitch
 * width * 4; the core's shmem object, DMA-mapped, becomes the backing of a
 * new B8G8R8X8 host resource (RESOURCE_CREATE_2D + ATTACH_BACKING with the
 * object's IOVA range, contiguous in IOVA space, as one entry).
 */
int virtgpu_dumb_create(struct drm_file *file, struct drm_device *dev, struct drm_mode_create_dumb *args)
{
	struct virtgpu_device *vg = to_vg(dev);
	struct drm_gem_object *obj;
	struct virtgpu_object *bo;
	int ret;

	if (args->bpp != 32)
		return -EINVAL;
	if (args->width > XRES_MAX || args->height > YRES_MAX)
		return -EINVAL;
	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	ret = drm_gem_shmem_dumb_create(file, dev, args, &obj);
	if (ret) {
		free(bo);
		return ret;
	}
	obj->driver_private = bo;
	bo->size = obj->size;
	bo->width = args->width;
	bo->height = args->height;
	bo->format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM; /* DRM_FORMAT_HOST_XRGB8888 */
	bo->dumb = true;
	bo->resource_id = vg->next_resource_id++;
	ret = virtgpu_resource_create(vg, bo);
	if (ret) {
		bo->resource_id = 0;
		goto fail;
	}
	ret = drm_platform_pci_dma_map_shmem(vg->pdev, obj->shmem, DRM_PCI_DMA_TO_DEVICE, &bo->iova);
	if (ret) {
		bo->iova = 0;
		goto fail;
	}
	ret = virtgpu_attach_backing(vg, bo, obj->size);
	if (ret)
		goto fail;
	drm_list_add_tail(&bo->link, &vg->objects);
	bo->listed = true;
	/* The handle came before the resource: attach it to the file's 3D context now (no-op without VIRGL). */
	virtgpu_gem_open_object(obj, file);
	return 0;
fail:
	/* Dropping the handle frees the object, and virtgpu_gem_free_object() what it got. */
	drm_gem_handle_delete(file, args->handle);
	args->handle = 0;
	return ret;
}

/**
 * virtgpu_gem_free_object() - the object's last reference went: RESOURCE_UNREF
 * (the device detaches the backing with it, virtio_gpu_cleanup_object()),
 * then the DMA mapping goes.
 */
void virtgpu_gem_free_object(struct drm_gem_object *obj)
{
	struct virtgpu_object *bo = obj->driver_private;
	struct virtgpu_device *vg = to_vg(obj->dev);

	if (!bo)
		return;
	obj->driver_private = NULL;
	if (bo->listed)
		drm_list_del(&bo->link);
	if (vg && bo->resource_id) {
		struct virtio_gpu_resource_unref unref;
		int ret;

		virtgpu_hdr_init(&unref.hdr, VIRTIO_GPU_CMD_RESOURCE_UNREF, 0);
		unref.resource_id = bo->resource_id;
		unref.padding = 0;
		ret = virtgpu_cmd_nodata(vg, &unref, sizeof(unref));
		/* Unanswered: the device may still read the pages until its reset, which unmaps them. */
		if ((ret == -ETIMEDOUT || ret == -EIO || ret == -EBUSY) && bo->iova) {
			struct virtgpu_deferred_unmap *d = calloc(1, sizeof(*d));

			if (d) {
				d->iova = bo->iova;
				drm_list_add_tail(&d->link, &vg->deferred_unmaps);
			}
			bo->iova = 0;
		}
	}
	if (vg && bo->iova)
		drm_platform_pci_dma_unmap(vg->pdev, bo->iova);
	free(bo);
}

/* ------------------------------------------------------------------ */
/* Scanout and cursor (virtgpu_plane.c)                                 */
/* ------------------------------------------------------------------ */

static struct virtgpu_object *fb_bo(const struct drm_framebuffer *fb)
{
	return fb && fb->obj[0] ? fb->obj[0]->driver_private : NULL;
}

static int virtgpu_set_scanout(struct virtgpu_device *vg, struct virtgpu_output *out, uint32_t resource_id,
			       const struct virtio_gpu_rect *r)
{
	struct virtio_gpu_set_scanout cmd;
	int ret;

	virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_SET_SCANOUT, 0);
	cmd.r = *r;
	cmd.scanout_id = out->index;
	cmd.resource_id = resource_id;
	ret = virtgpu_cmd_nodata(vg, &cmd, sizeof(cmd));
	if (!ret) {
		out->scanout_resource = resource_id;
		out->scanout_rect = *r;
	}
	return ret;
}

static int virtgpu_transfer_to_host_2d(struct virtgpu_device *vg, const struct drm_framebuffer *fb,
				       const struct virtio_gpu_rect *r)
{
	struct virtio_gpu_transfer_to_host_2d cmd;

	virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 0);
	cmd.r = *r;
	/* virtio_gpu_update_dumb_bo(): the first byte of the rectangle in the backing. */
	cmd.offset = (uint64_t)r->x * fb->format->cpp[0] + (uint64_t)r->y * fb->pitches[0];
	cmd.resource_id = fb_bo(fb)->resource_id;
	cmd.padding = 0;
	return virtgpu_cmd_nodata(vg, &cmd, sizeof(cmd));
}

/* RESOURCE_FLUSH, fenced: its fence joins the object's reservation (VIRTGPU_WAIT waits for it). */
static int virtgpu_resource_flush(struct virtgpu_device *vg, const struct drm_framebuffer *fb,
				  const struct virtio_gpu_rect *r)
{
	struct virtio_gpu_resource_flush cmd;
	struct drm_fence *fence = NULL;
	int ret;

	virtgpu_hdr_init(&cmd.hdr, VIRTIO_GPU_CMD_RESOURCE_FLUSH, 0);
	cmd.r = *r;
	cmd.resource_id = fb_bo(fb)->resource_id;
	cmd.padding = 0;
	ret = virtgpu_cmd(&vg->ctrlq, &cmd, sizeof(cmd), NULL, 0, VIRTIO_GPU_RESP_OK_NODATA, &fence);
	if (ret)
		return ret;
	ret = drm_gem_resv_add_fence(fb->obj[0], fence, DRM_RESV_USAGE_READ);
	drm_fence_put(fence);
	return ret;
}

/*
 * Show @r (fb coordinates) of @fb on the host: transfer, then flush.  Only
 * a dumb buffer is uploaded (virtio_gpu_primary_plane_update()'s bo->dumb):
 * the host holds the pixels of any other resource, which a 3D one got from
 * rendering and an upload of its guest backing would overwrite.
 */
static int virtgpu_update_rect(struct virtgpu_device *vg, const struct drm_framebuffer *fb,
			       const struct virtio_gpu_rect *r)
{
	int ret = fb_bo(fb)->dumb ? virtgpu_transfer_to_host_2d(vg, fb, r) : 0;

	return ret ? ret : virtgpu_resource_flush(vg, fb, r);
}

static void virtgpu_primary_update(struct virtgpu_device *vg, struct virtgpu_output *out)
{
	struct drm_crtc *crtc = out->crtc;
	const struct drm_plane_state *ps = &crtc->primary->state;
	struct virtgpu_object *bo = fb_bo(ps->fb);
	struct virtio_gpu_rect r = { 0, 0, 0, 0 };

	if (!crtc->state.active || !ps->fb || !ps->visible || !bo) {
		if (ps->fb && !bo)
			drm_warn("virtio_gpu: framebuffer %u has no host resource (not a dumb buffer); scanout off",
				 ps->fb->base.id);
		if (out->scanout_resource)
			virtgpu_set_scanout(vg, out, 0, &r);
		return;
	}
	r.x = ps->src_x >> 16;
	r.y = ps->src_y >> 16;
	r.width = ps->src_w >> 16;
	r.height = ps->src_h >> 16;
	if (out->scanout_resource != bo->resource_id || memcmp(&out->scanout_rect, &r, sizeof(r)))
		if (virtgpu_set_scanout(vg, out, bo->resource_id, &r))
			return;
	virtgpu_update_rect(vg, ps->fb, &r);
}

static void virtgpu_cursor_send(struct virtgpu_device *vg, struct virtgpu_output *out, uint32_t type,
				uint32_t resource_id, uint32_t hot_x, uint32_t hot_y)
{
	struct virtio_gpu_update_cursor cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.hdr.type = type;
	cmd.pos.scanout_id = out->index;
	cmd.pos.x = (uint32_t)out->cursor_x;
	cmd.pos.y = (uint32_t)out->cursor_y;
	cmd.resource_id = resource_id;
	cmd.hot_x = hot_x;
	cmd.hot_y = hot_y;
	/* Like virtio_gpu_cursor_ping(): no response, nobody waits. */
	virtgpu_cmd(&vg->cursorq, &cmd, sizeof(cmd), NULL, 0, 0, NULL);
}

static void virtgpu_cursor_update(struct virtgpu_device *vg, struct virtgpu_output *out)
{
	struct drm_plane *plane = out->crtc->cursor;
	const struct drm_plane_state *ps;
	const struct drm_framebuffer *fb;
	struct virtgpu_object *bo;

	if (!plane)
		return;
	ps = &plane->state;
	fb = out->crtc->state.active && ps->crtc ? ps->fb : NULL;
	bo = fb_bo(fb);
	if (fb && !bo)
		fb = NULL;
	if (fb == out->cursor_fb && (!fb || (ps->crtc_x == out->cursor_x && ps->crtc_y == out->cursor_y)))
		return;
	if (fb) {
		out->cursor_x = ps->crtc_x;
		out->cursor_y = ps->crtc_y;
	}
	if (fb != out->cursor_fb) {
		if (fb) {
			/* New image: upload it, and only then point the cursor at it. */
			struct virtio_gpu_rect r = { 0, 0, ps->crtc_w, ps->crtc_h };

			if (bo->dumb && virtgpu_transfer_to_host_2d(vg, fb, &r)) {
				/*
				 * The device did not take the image: hide the cursor and forget the old
				 * framebuffer, whose pointer would outlive it (a later framebuffer at the
				 * same address would pass for "unchanged" and get only MOVE_CURSOR).
				 */
				if (out->cursor_fb)
					virtgpu_cursor_send(vg, out, VIRTIO_GPU_CMD_UPDATE_CURSOR, 0, 0, 0);
				out->cursor_fb = NULL;
				out->cursor_resource = 0;
				return;
			}
		}
		virtgpu_cursor_send(vg, out, VIRTIO_GPU_CMD_UPDATE_CURSOR, bo ? bo->resource_id : 0,
				    fb ? (uint32_t)fb->hot_x : 0, fb ? (uint32_t)fb->hot_y : 0);
		out->cursor_fb = fb;
		out->cursor_resource = bo ? bo->resource_id : 0;
	} else {
		/* As virtio_gpu_cursor_plane_update(), whose output->cursor keeps the last update's
		 * resource and hotspot: QEMU shows the cursor after a move only if it names a
		 * resource (dpy_mouse_set(..., resource_id ? 1 : 0)). */
		virtgpu_cursor_send(vg, out, VIRTIO_GPU_CMD_MOVE_CURSOR, out->cursor_resource,
				    (uint32_t)fb->hot_x, (uint32_t)fb->hot_y);
	}
}

static void virtgpu_crtc_update(struct drm_crtc *crtc)
{
	struct virtgpu_device *vg = to_vg(crtc->dev);
	struct virtgpu_output *out = crtc->driver_private;

	virtgpu_primary_update(vg, out);
	virtgpu_cursor_update(vg, out);
}

static void virtgpu_crtc_disable(struct drm_crtc *crtc)
{
	struct virtgpu_device *vg = to_vg(crtc->dev);
	struct virtgpu_output *out = crtc->driver_private;
	struct virtio_gpu_rect r = { 0, 0, 0, 0 };

	/* virtio_gpu_crtc_atomic_disable(): scanout off. */
	virtgpu_set_scanout(vg, out, 0, &r);
	if (out->cursor_fb) {
		virtgpu_cursor_send(vg, out, VIRTIO_GPU_CMD_UPDATE_CURSOR, 0, 0, 0);
		out->cursor_fb = NULL;
		out->cursor_resource = 0;
	}
}

/* What the CRTC shows: the primary plane's source rectangle, from the guest copy of its buffer. */
static int virtgpu_crtc_capture(struct drm_crtc *crtc, uint32_t *pixels, uint32_t w, uint32_t h)
{
	const struct drm_plane_state *ps = &crtc->primary->state;
	const struct drm_framebuffer *fb = ps->fb;
	const uint8_t *base;
	uint32_t sx = ps->src_x >> 16, sy = ps->src_y >> 16;

	if (!fb || !ps->visible)
		return -ENODATA;
	base = drm_gem_object_vaddr(fb->obj[0]);
	for (uint32_t y = 0; y < h; y++) {
		const uint8_t *row = base + fb->offsets[0] + (uint64_t)(sy + y) * fb->pitches[0] + (uint64_t)sx * 4;

		if (sy + y >= fb->height || sx + w > fb->width) {
			memset(pixels + (uint64_t)y * w, 0, (size_t)w * 4);
			continue;
		}
		memcpy(pixels + (uint64_t)y * w, row, (size_t)w * 4);
	}
	return 0;
}

static const struct drm_crtc_funcs virtgpu_crtc_funcs = {
	.enable = virtgpu_crtc_update,
	.flush = virtgpu_crtc_update,
	.disable = virtgpu_crtc_disable,
	.capture = virtgpu_crtc_capture,
};

/* virtio_gpu_plane_atomic_check(): no scaling; the primary covers the CRTC, the cursor goes anywhere. */
static int virtgpu_plane_atomic_check(struct drm_plane *plane, struct drm_plane_state *ps,
				      const struct drm_crtc_state *cs)
{
	bool is_cursor = plane->type == DRM_PLANE_TYPE_CURSOR;

	if (!ps->fb || !ps->crtc) {
		ps->visible = false;
		return 0;
	}
	return drm_atomic_helper_check_plane_state(ps, cs, DRM_PLANE_NO_SCALING, DRM_PLANE_NO_SCALING, is_cursor,
						   true);
}

static const struct drm_plane_funcs virtgpu_plane_funcs = {
	.atomic_check = virtgpu_plane_atomic_check,
};

/**
 * virtgpu_dirtyfb() - DIRTYFB (drm_atomic_helper_dirtyfb() with the
 * primary plane's update): on every output scanning @fb out, transfer and
 * flush only the damaged clips, clipped to the fb; none means all of it.
 */
int virtgpu_dirtyfb(struct drm_framebuffer *fb, struct drm_file *file, uint32_t flags, uint32_t color,
		    const struct drm_clip_rect *clips, uint32_t num_clips)
{
	struct virtgpu_device *vg = to_vg(fb->dev);
	struct drm_clip_rect all = { 0, 0, (unsigned short)fb->width, (unsigned short)fb->height };
	uint32_t step = (flags & DRM_MODE_FB_DIRTY_ANNOTATE_COPY) ? 2 : 1;
	int ret = 0;

	(void)file;
	(void)color;
	if (!fb_bo(fb))
		return 0;
	if (!num_clips) {
		clips = &all;
		num_clips = 1;
		step = 1;
	}
	for (uint32_t i = 0; i < vg->num_scanouts; i++) {
		struct virtgpu_output *out = &vg->outputs[i];

		if (!out->crtc || out->crtc->primary->state.fb != fb || out->scanout_resource != fb_bo(fb)->resource_id)
			continue;
		for (uint32_t c = (step == 2 ? 1 : 0); c < num_clips && !ret; c += step) {
			uint32_t x1 = clips[c].x1, y1 = clips[c].y1;
			uint32_t x2 = clips[c].x2 < fb->width ? clips[c].x2 : fb->width;
			uint32_t y2 = clips[c].y2 < fb->height ? clips[c].y2 : fb->height;
			struct virtio_gpu_rect r;

			if (x1 >= x2 || y1 >= y2)
				continue;
			r = (struct virtio_gpu_rect){ x1, y1, x2 - x1, y2 - y1 };
			ret = virtgpu_update_rect(vg, fb, &r);
		}
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Displays (virtgpu_display.c, virtgpu_vq.c's display info and EDID)    */
/* ------------------------------------------------------------------ */

/* A connector's EDID when the device gives none: a monitor preferring the scanout's size. */
static int virtgpu_connector_fake_edid(struct virtgpu_output *out, bool connected)
{
	uint32_t w = out->info.r.width ? out->info.r.width : XRES_DEF;
	uint32_t h = out->info.r.height ? out->info.r.height : YRES_DEF;
	const struct drm_mode_modeinfo *pref = drm_mode_dmt(w, h, 60);
	uint8_t edid[128];
	struct drm_edid_params p = {
		.vendor = "CDR", .product = 0x1050, .serial = 1 + out->index, .monitor_name = "virtio-gpu",
		.width_mm = (w * 254 + 480) / 960, .height_mm = (h * 254 + 480) / 960,
		.preferred = pref ? pref : drm_mode_dmt(XRES_DEF, YRES_DEF, 60),
	};
	int ret = drm_edid_build(&p, edid);

	return ret ? ret : drm_connector_update_edid(out->connector, edid, sizeof(edid), connected);
}

/**
 * virtgpu_update_displays() - GET_DISPLAY_INFO, and GET_EDID per scanout
 * when VIRTIO_GPU_F_EDID was negotiated; the connectors take the status
 * ("enabled") and the EDID's modes (virtio_gpu_conn_get_modes()).  Device
 * lock held.  0 or -errno.
 */
int virtgpu_update_displays(struct virtgpu_device *vg)
{
	struct virtio_gpu_ctrl_hdr cmd;
	struct virtio_gpu_resp_display_info *info = calloc(1, sizeof(*info));
	struct virtio_gpu_resp_edid *edid = calloc(1, sizeof(*edid));
	int ret;

	if (!info || !edid) {
		ret = -ENOMEM;
		goto out;
	}
	virtgpu_hdr_init(&cmd, VIRTIO_GPU_CMD_GET_DISPLAY_INFO, 0);
	ret = virtgpu_cmd(&vg->ctrlq, &cmd, sizeof(cmd), info, sizeof(*info), VIRTIO_GPU_RESP_OK_DISPLAY_INFO, NULL);
	if (ret)
		goto out;
	for (uint32_t i = 0; i < vg->num_scanouts; i++) {
		struct virtgpu_output *out = &vg->outputs[i];
		bool connected;
		int r = -ENODATA;

		out->info = info->pmodes[i];
		connected = out->info.enabled != 0;
		drm_dbg("virtio_gpu: scanout %u: %ux%u+%u+%u enabled %u", i, out->info.r.width, out->info.r.height,
			out->info.r.x, out->info.r.y, out->info.enabled);
		if (vg->has_edid) {
			struct virtio_gpu_get_edid get = { .scanout = i };

			virtgpu_hdr_init(&get.hdr, VIRTIO_GPU_CMD_GET_EDID, 0);
			r = virtgpu_cmd(&vg->ctrlq, &get, sizeof(get), edid, sizeof(*edid), VIRTIO_GPU_RESP_OK_EDID, NULL);
			if (!r && (edid->size < 128 || edid->size > sizeof(edid->edid)))
				r = -EIO;
			if (!r)
				r = drm_connector_update_edid(out->connector, edid->edid, edid->size, connected);
			if (r)
				drm_warn("virtio_gpu: scanout %u: no usable EDID (%d); modes from the display size", i, r);
		}
		if (r)
			r = virtgpu_connector_fake_edid(out, connected);
		if (r && !ret)
			ret = r;
	}
out:
	free(info);
	free(edid);
	return ret;
}

/**
 * virtgpu_deferred_unmaps_run() - unmap the mappings whose RESOURCE_UNREF
 * went unanswered, and free the command buffers of commands that went
 * unanswered, once the device is reset (or at unload) and can no longer
 * read them.
 */
void virtgpu_deferred_unmaps_run(struct virtgpu_device *vg)
{
	while (!drm_list_empty(&vg->deferred_unmaps)) {
		struct virtgpu_deferred_unmap *d =
			drm_container_of(vg->deferred_unmaps.next, struct virtgpu_deferred_unmap, link);

		drm_list_del(&d->link);
		if (d->dma)
			virtgpu_dma_free(vg, d->dma);
		else
			drm_platform_pci_dma_unmap(vg->pdev, d->iova);
		free(d);
	}
}

/**
 * virtgpu_device_recover() - a device that needed a reset (2.1.2) or let a
 * command time out: reset it, bring it up again (virtio_pci_restart()),
 * fail the fences of commands that will never complete (-EIO), then give
 * it back what it lost: every live resource (RESOURCE_CREATE_2D and
 * ATTACH_BACKING of the same, still mapped, memory), every lit scanout and
 * cursor (the CRTC's current state resent), and the display information.
 * Device lock held.  0, or -EIO when the device did not come back
 * (vg->broken: every later command fails with -EIO).
 */
int virtgpu_device_recover(struct virtgpu_device *vg)
{
	struct virtgpu_object *bo;
	int ret;

	atomic_store(&vg->needs_reset, false);
	vg->recovering = true;
	vg->resets++;
	drm_err("virtio_gpu: %s: resetting the device (reset #%llu)", drm_platform_pci_name(vg->pdev),
		(unsigned long long)vg->resets);
	ret = virtio_pci_restart(vg);
	virtgpu_fences_fail(vg, -EIO);
	if (ret) {
		drm_err("virtio_gpu: the device did not come back after its reset (%d); commands fail with EIO",
			ret);
		vg->broken = true;
		vg->recovering = false;
		return -EIO;
	}
	drm_list_for_each(bo, &vg->objects, struct virtgpu_object, link) {
		if (bo->is_3d) {
			/* Host contexts and 3D resources are not rebuilt (yet): their clients see errors. */
			drm_err("virtio_gpu: 3D resource %u lost in the reset", bo->resource_id);
			continue;
		}
		ret = virtgpu_resource_create(vg, bo);
		if (!ret)
			ret = virtgpu_attach_backing(vg, bo, (uint64_t)bo->size);
		if (ret)
			drm_err("virtio_gpu: resource %u not restored after the reset (%d)", bo->resource_id, ret);
	}
	for (uint32_t i = 0; i < vg->num_scanouts; i++) {
		struct virtgpu_output *out = &vg->outputs[i];

		out->scanout_resource = 0;
		memset(&out->scanout_rect, 0, sizeof(out->scanout_rect));
		out->cursor_fb = NULL;
		out->cursor_resource = 0;
		if (out->crtc && out->crtc->state.active)
			virtgpu_crtc_update(out->crtc);
	}
	virtgpu_update_displays(vg);
	vg->recovering = false;
	drm_info("virtio_gpu: %s: the device is back after its reset", drm_platform_pci_name(vg->pdev));
	return 0;
}

/**
 * virtgpu_config_work() - the config-change interrupt's work item
 * (virtio_gpu_config_changed_work_func()): a device that needs a reset is
 * recovered (virtgpu_device_recover()); on VIRTIO_GPU_EVENT_DISPLAY,
 * acknowledge it and re-detect the displays, as a hotplug.
 */
void virtgpu_config_work(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct virtgpu_device *vg = arg;
	uint32_t events;

	(void)expires_ns;
	(void)overrun;
	bool config = atomic_exchange(&vg->config_pending, false);

	drm_dev_lock(vg->ddev);
	if (atomic_load(&vg->needs_reset) && !vg->broken) {
		drm_err("virtio_gpu: the device needs a reset");
		virtgpu_device_recover(vg);
	}
	if (!config || vg->broken) {
		drm_dev_unlock(vg->ddev);
		return;
	}
	events = virtio_pci_device_cfg_read32(vg, VIRTIO_GPU_CFG_EVENTS_READ);
	if (events & VIRTIO_GPU_EVENT_DISPLAY) {
		virtio_pci_device_cfg_write32(vg, VIRTIO_GPU_CFG_EVENTS_CLEAR, VIRTIO_GPU_EVENT_DISPLAY);
		drm_info("virtio_gpu: display configuration changed; re-detecting");
		virtgpu_update_displays(vg);
	}
	drm_dev_unlock(vg->ddev);
	/* drm_helper_hpd_irq_event() -> drm_kms_helper_hotplug_event(): tell userspace. */
	if (events & VIRTIO_GPU_EVENT_DISPLAY)
		drm_kms_helper_hotplug_event(vg->ddev);
}

/** virtgpu_modeset_init() - the KMS objects, one output per scanout (vgdev_output_init()). */
int virtgpu_modeset_init(struct virtgpu_device *vg)
{
	struct drm_mode_config *mc = drm_dev_mode_config(vg->ddev);

	mc->min_width = XRES_MIN;
	mc->min_height = YRES_MIN;
	mc->max_width = XRES_MAX;
	mc->max_height = YRES_MAX;
	mc->cursor_width = 64;
	mc->cursor_height = 64;
	mc->no_vblank = true;
	for (uint32_t i = 0; i < vg->num_scanouts; i++) {
		struct virtgpu_output *out = &vg->outputs[i];
		struct drm_plane *primary, *cursor;
		struct drm_encoder *enc;

		out->index = i;
		primary = drm_plane_create(vg->ddev, 1u << i, DRM_PLANE_TYPE_PRIMARY, virtgpu_primary_formats, 1);
		cursor = drm_plane_create(vg->ddev, 1u << i, DRM_PLANE_TYPE_CURSOR, virtgpu_cursor_formats, 1);
		if (!primary || !cursor)
			return -ENOMEM;
		primary->funcs = &virtgpu_plane_funcs;
		cursor->funcs = &virtgpu_plane_funcs;
		out->crtc = drm_crtc_create(vg->ddev, primary, cursor, &virtgpu_crtc_funcs);
		if (!out->crtc)
			return -ENOMEM;
		out->crtc->driver_private = out;
		enc = drm_encoder_create(vg->ddev, DRM_MODE_ENCODER_VIRTUAL, 1u << i);
		if (!enc)
			return -ENOMEM;
		out->connector = drm_connector_create(vg->ddev, DRM_MODE_CONNECTOR_VIRTUAL, enc);
		if (!out->connector)
			return -ENOMEM;
	}
	return 0;
}
