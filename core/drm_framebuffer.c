/*
 * drm_framebuffer.c - pixel formats and framebuffers: MODE_ADDFB, ADDFB2,
 * RMFB, GETFB, GETFB2 and DIRTYFB.
 *
 * Mirrors drm_fourcc.c (format table), drm_framebuffer.c
 * (drm_mode_addfb/addfb2, framebuffer_check, drm_mode_rmfb, drm_mode_getfb,
 * drm_mode_getfb2_ioctl, drm_mode_dirtyfb_ioctl, drm_fb_release) and
 * drm_gem_framebuffer_helper.c (the GEM object size check) of Linux 6.1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"

static const struct drm_format_info formats[] = {
	/* format, depth, planes, cpp, hsub, vsub, alpha, yuv */
	{ DRM_FORMAT_C8, 8, 1, { 1 }, 1, 1, false, false },
	{ DRM_FORMAT_RGB565, 16, 1, { 2 }, 1, 1, false, false },
	{ DRM_FORMAT_BGR565, 0, 1, { 2 }, 1, 1, false, false },
	{ DRM_FORMAT_XRGB1555, 15, 1, { 2 }, 1, 1, false, false },
	{ DRM_FORMAT_ARGB1555, 15, 1, { 2 }, 1, 1, true, false },
	{ DRM_FORMAT_RGB888, 24, 1, { 3 }, 1, 1, false, false },
	{ DRM_FORMAT_BGR888, 24, 1, { 3 }, 1, 1, false, false },
	{ DRM_FORMAT_XRGB8888, 24, 1, { 4 }, 1, 1, false, false },
	{ DRM_FORMAT_XBGR8888, 24, 1, { 4 }, 1, 1, false, false },
	{ DRM_FORMAT_RGBX8888, 24, 1, { 4 }, 1, 1, false, false },
	{ DRM_FORMAT_BGRX8888, 24, 1, { 4 }, 1, 1, false, false },
	{ DRM_FORMAT_ARGB8888, 32, 1, { 4 }, 1, 1, true, false },
	{ DRM_FORMAT_ABGR8888, 32, 1, { 4 }, 1, 1, true, false },
	{ DRM_FORMAT_RGBA8888, 32, 1, { 4 }, 1, 1, true, false },
	{ DRM_FORMAT_BGRA8888, 32, 1, { 4 }, 1, 1, true, false },
	{ DRM_FORMAT_XRGB2101010, 30, 1, { 4 }, 1, 1, false, false },
	{ DRM_FORMAT_XBGR2101010, 30, 1, { 4 }, 1, 1, false, false },
	{ DRM_FORMAT_ARGB2101010, 30, 1, { 4 }, 1, 1, true, false },
	{ DRM_FORMAT_ABGR2101010, 30, 1, { 4 }, 1, 1, true, false },
	{ DRM_FORMAT_XRGB16161616, 0, 1, { 8 }, 1, 1, false, false },
	{ DRM_FORMAT_ARGB16161616, 0, 1, { 8 }, 1, 1, true, false },
	{ DRM_FORMAT_YUYV, 0, 1, { 2 }, 2, 1, false, true },
	{ DRM_FORMAT_UYVY, 0, 1, { 2 }, 2, 1, false, true },
	{ DRM_FORMAT_NV12, 0, 2, { 1, 2 }, 2, 2, false, true },
	{ DRM_FORMAT_NV21, 0, 2, { 1, 2 }, 2, 2, false, true },
	{ DRM_FORMAT_NV16, 0, 2, { 1, 2 }, 2, 1, false, true },
	{ DRM_FORMAT_YUV420, 0, 3, { 1, 1, 1 }, 2, 2, false, true },
};

const struct drm_format_info *drm_format_info(uint32_t format)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].format == format)
			return &formats[i];
	return NULL;
}

const char *drm_format_name(uint32_t format, char buf[5])
{
	int i;

	for (i = 0; i < 4; i++) {
		char c = (char)((format >> (8 * i)) & 0xff);

		buf[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

/* drm_mode_legacy_fb_format(): the fourcc for ADDFB's bpp and depth. */
static uint32_t drm_mode_legacy_fb_format(uint32_t bpp, uint32_t depth)
{
	switch (bpp) {
	case 8:
		return depth == 8 ? DRM_FORMAT_C8 : DRM_FORMAT_INVALID;
	case 16:
		return depth == 15 ? DRM_FORMAT_XRGB1555 : depth == 16 ? DRM_FORMAT_RGB565 : DRM_FORMAT_INVALID;
	case 24:
		return depth == 24 ? DRM_FORMAT_RGB888 : DRM_FORMAT_INVALID;
	case 32:
		switch (depth) {
		case 24:
			return DRM_FORMAT_XRGB8888;
		case 30:
			return DRM_FORMAT_XRGB2101010;
		case 32:
			return DRM_FORMAT_ARGB8888;
		}
	}
	return DRM_FORMAT_INVALID;
}

static uint32_t fb_plane_width(uint32_t width, const struct drm_format_info *info, int plane)
{
	return plane ? (width + info->hsub - 1) / info->hsub : width;
}

static uint32_t fb_plane_height(uint32_t height, const struct drm_format_info *info, int plane)
{
	return plane ? (height + info->vsub - 1) / info->vsub : height;
}

/* framebuffer_check(): the format, size, handle, pitch and modifier rules. */
static int framebuffer_check(const struct drm_mode_fb_cmd2 *r, const struct drm_format_info *info)
{
	int i;

	if (!info)
		return -EINVAL;
	if (r->width == 0 || r->height == 0)
		return -EINVAL;
	for (i = 0; i < info->num_planes; i++) {
		uint32_t width = fb_plane_width(r->width, info, i);
		uint32_t height = fb_plane_height(r->height, info, i);
		uint64_t min_pitch = (uint64_t)width * info->cpp[i];

		if (!r->handles[i])
			return -EINVAL;
		if (min_pitch > UINT32_MAX)
			return -ERANGE;
		if ((uint64_t)height * r->pitches[i] + r->offsets[i] > UINT32_MAX)
			return -ERANGE;
		if (r->pitches[i] < min_pitch)
			return -EINVAL;
		if (r->modifier[i] && !(r->flags & DRM_MODE_FB_MODIFIERS))
			return -EINVAL;
		if ((r->flags & DRM_MODE_FB_MODIFIERS) && r->modifier[i] != r->modifier[0])
			return -EINVAL;
	}
	for (i = info->num_planes; i < 4; i++) {
		if (r->modifier[i])
			return -EINVAL;
		/* Pre-FB_MODIFIERS userspace didn't clear the structs properly. */
		if (!(r->flags & DRM_MODE_FB_MODIFIERS))
			continue;
		if (r->handles[i] || r->pitches[i] || r->offsets[i])
			return -EINVAL;
	}
	return 0;
}

static bool drm_any_plane_has_format(struct drm_device *dev, uint32_t format)
{
	for (unsigned int i = 0; i < dev->num_planes; i++)
		if (drm_plane_has_format(dev->planes[i], format))
			return true;
	return false;
}

/*
 * drm_internal_framebuffer_create(): check @r, look up its GEM objects in
 * @file and create the framebuffer, with one reference for the caller and
 * no owner (the legacy cursor's fbs are such).
 */
int drm_internal_framebuffer_create(struct drm_device *dev, const struct drm_mode_fb_cmd2 *r,
				    struct drm_file *file, struct drm_framebuffer **out)
{
	const struct drm_mode_config *mc = &dev->mode_config;
	const struct drm_format_info *info;
	struct drm_framebuffer *fb;
	int i, ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (r->flags & ~(DRM_MODE_FB_INTERLACED | DRM_MODE_FB_MODIFIERS))
		return -EINVAL;
	if (mc->min_width > r->width || r->width > mc->max_width)
		return -EINVAL;
	if (mc->min_height > r->height || r->height > mc->max_height)
		return -EINVAL;
	if ((r->flags & DRM_MODE_FB_MODIFIERS) && mc->fb_modifiers_not_supported)
		return -EINVAL;
	info = drm_format_info(r->pixel_format);
	ret = framebuffer_check(r, info);
	if (ret)
		return ret;
	/* Only linear buffers exist here. */
	if ((r->flags & DRM_MODE_FB_MODIFIERS) && r->modifier[0] != DRM_FORMAT_MOD_LINEAR)
		return -EINVAL;
	/* drm_gem_fb_init_with_funcs(): atomic drivers only take formats some plane scans out. */
	if (!drm_any_plane_has_format(dev, r->pixel_format))
		return -EINVAL;

	fb = calloc(1, sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	for (i = 0; i < info->num_planes; i++) {
		uint32_t width = fb_plane_width(r->width, info, i);
		uint32_t height = fb_plane_height(r->height, info, i);
		struct drm_gem_object *obj = drm_gem_object_lookup(file, r->handles[i]);
		uint64_t min_size;

		if (!obj) {
			ret = -ENOENT;
			goto fail;
		}
		min_size = (uint64_t)(height - 1) * r->pitches[i] + (uint64_t)width * info->cpp[i] +
			   r->offsets[i];
		if (obj->size < min_size) {
			ret = -EINVAL;
			goto fail;
		}
		drm_gem_object_get(obj);
		fb->obj[i] = obj;
		fb->pitches[i] = r->pitches[i];
		fb->offsets[i] = r->offsets[i];
	}
	if (drm_mode_object_add(dev, &fb->base, DRM_MODE_OBJECT_FB)) {
		ret = -ENOMEM;
		goto fail;
	}
	fb->dev = dev;
	fb->refcount = 1;
	fb->format = info;
	fb->width = r->width;
	fb->height = r->height;
	fb->modifier = (r->flags & DRM_MODE_FB_MODIFIERS) ? r->modifier[0] : DRM_FORMAT_MOD_LINEAR;
	fb->flags = r->flags;
	drm_list_add_tail(&fb->dev_head, &dev->fbs);
	drm_list_init(&fb->file_head);
	*out = fb;
	return 0;
fail:
	for (i = 0; i < 4; i++)
		drm_gem_object_put(fb->obj[i]);
	free(fb);
	return ret;
}

/* drm_mode_addfb2(): create the framebuffer and hand it to the file, which owns it. */
static int drm_mode_addfb2(struct drm_device *dev, struct drm_mode_fb_cmd2 *r, struct drm_file *file)
{
	struct drm_framebuffer *fb;
	int ret = drm_internal_framebuffer_create(dev, r, file, &fb);

	if (ret)
		return ret;
	fb->owner = file;
	drm_list_add_tail(&fb->file_head, &file->fbs);
	r->fb_id = fb->base.id;
	return 0;
}

/** drm_mode_addfb_ioctl() - DRM_IOCTL_MODE_ADDFB: legacy bpp/depth converted to a fourcc. */
int drm_mode_addfb_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_fb_cmd *or = data;
	struct drm_mode_fb_cmd2 r;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	memset(&r, 0, sizeof(r));
	r.pixel_format = drm_mode_legacy_fb_format(or->bpp, or->depth);
	if (r.pixel_format == DRM_FORMAT_INVALID)
		return -EINVAL;
	r.fb_id = or->fb_id;
	r.width = or->width;
	r.height = or->height;
	r.pitches[0] = or->pitch;
	r.handles[0] = or->handle;
	ret = drm_mode_addfb2(dev, &r, file);
	if (ret)
		return ret;
	or->fb_id = r.fb_id;
	return 0;
}

/** drm_mode_addfb2_ioctl() - DRM_IOCTL_MODE_ADDFB2. */
int drm_mode_addfb2_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	return drm_mode_addfb2(dev, data, file);
}

struct drm_framebuffer *drm_framebuffer_lookup(struct drm_device *dev, uint32_t id)
{
	struct drm_mode_object *obj = drm_mode_object_find(dev, id, DRM_MODE_OBJECT_FB);

	return obj ? drm_container_of(obj, struct drm_framebuffer, base) : NULL;
}

void drm_framebuffer_get(struct drm_framebuffer *fb)
{
	fb->refcount++;
}

void drm_framebuffer_put(struct drm_framebuffer *fb)
{
	int i;

	if (!fb || --fb->refcount)
		return;
	drm_mode_object_remove(fb->dev, &fb->base);
	drm_list_del(&fb->dev_head);
	for (i = 0; i < 4; i++)
		drm_gem_object_put(fb->obj[i]);
	free(fb);
}

/**
 * drm_framebuffer_remove() - the owner lets go of @fb: planes scanning it out
 * are turned off (a primary plane takes its CRTC down), then the owner's
 * reference is dropped.  As drm_framebuffer_remove() / atomic_remove_fb().
 */
void drm_framebuffer_remove(struct drm_framebuffer *fb)
{
	drm_list_del(&fb->file_head);
	fb->owner = NULL;
	if (fb->refcount > 1)
		drm_crtc_disable_for_fb(fb->dev, fb);
	drm_framebuffer_put(fb);
}

/** drm_fb_release() - at close, remove every framebuffer the file owns. */
void drm_fb_release(struct drm_file *file)
{
	struct drm_framebuffer *fb, *tmp;

	drm_list_for_each_safe(fb, tmp, &file->fbs, struct drm_framebuffer, file_head)
		drm_framebuffer_remove(fb);
}

/** drm_mode_rmfb_ioctl() - DRM_IOCTL_MODE_RMFB: only the owner may remove (-ENOENT otherwise). */
int drm_mode_rmfb_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	uint32_t *fb_id = data;
	struct drm_framebuffer *fb;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	fb = drm_framebuffer_lookup(dev, *fb_id);
	if (!fb || fb->owner != file)
		return -ENOENT;
	drm_framebuffer_remove(fb);
	return 0;
}

/** drm_mode_getfb() - DRM_IOCTL_MODE_GETFB: a new handle only for the master or root. */
int drm_mode_getfb(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_fb_cmd *r = data;
	struct drm_framebuffer *fb;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	fb = drm_framebuffer_lookup(dev, r->fb_id);
	if (!fb)
		return -ENOENT;
	/* Multi-planar framebuffers need getfb2. */
	if (fb->format->num_planes > 1)
		return -EINVAL;
	r->height = fb->height;
	r->width = fb->width;
	r->depth = fb->format->depth;
	r->bpp = fb->format->cpp[0] * 8u;
	r->pitch = fb->pitches[0];
	if (!drm_is_current_master(file) && !drm_file_privileged(file)) {
		r->handle = 0;
		return 0;
	}
	return drm_gem_handle_create(file, fb->obj[0], &r->handle);
}

/** drm_mode_getfb2_ioctl() - DRM_IOCTL_MODE_GETFB2: format, pitches, offsets, modifiers, handles. */
int drm_mode_getfb2_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_fb_cmd2 *r = data;
	struct drm_framebuffer *fb;
	int i, j, ret = 0;

	/* EINVAL, not EOPNOTSUPP, without KMS: 6.1's drm_mode_getfb2_ioctl(), checked on vgem. */
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EINVAL;
	fb = drm_framebuffer_lookup(dev, r->fb_id);
	if (!fb)
		return -ENOENT;
	r->height = fb->height;
	r->width = fb->width;
	r->pixel_format = fb->format->format;
	r->flags = 0;
	if (!dev->mode_config.fb_modifiers_not_supported)
		r->flags |= DRM_MODE_FB_MODIFIERS;
	for (i = 0; i < 4; i++) {
		r->handles[i] = 0;
		r->pitches[i] = 0;
		r->offsets[i] = 0;
		r->modifier[i] = 0;
	}
	for (i = 0; i < fb->format->num_planes; i++) {
		r->pitches[i] = fb->pitches[i];
		r->offsets[i] = fb->offsets[i];
		if (!dev->mode_config.fb_modifiers_not_supported)
			r->modifier[i] = fb->modifier;
	}
	if (!drm_is_current_master(file) && !drm_file_privileged(file))
		return 0;
	for (i = 0; i < fb->format->num_planes; i++) {
		/* If we reuse the same object for multiple planes, also return the same handle. */
		for (j = 0; j < i; j++) {
			if (fb->obj[i] == fb->obj[j]) {
				r->handles[i] = r->handles[j];
				break;
			}
		}
		if (r->handles[i])
			continue;
		ret = drm_gem_handle_create(file, fb->obj[i], &r->handles[i]);
		if (ret)
			break;
	}
	if (ret) {
		for (i = 0; i < 4; i++) {
			if (r->handles[i])
				drm_gem_handle_delete(file, r->handles[i]);
			for (j = i + 1; j < 4; j++)
				if (r->handles[j] == r->handles[i])
					r->handles[j] = 0;
			r->handles[i] = 0;
		}
	}
	return ret;
}

/** drm_mode_dirtyfb_ioctl() - DRM_IOCTL_MODE_DIRTYFB: validate clips; -ENOSYS without a dirty hook, as vkms. */
int drm_mode_dirtyfb_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_fb_dirty_cmd *r = data;
	struct drm_framebuffer *fb;
	uint32_t flags;
	struct drm_clip_rect *clips = NULL;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	fb = drm_framebuffer_lookup(dev, r->fb_id);
	if (!fb)
		return -ENOENT;
	if (!r->num_clips != !r->clips_ptr)
		return -EINVAL;
	flags = DRM_MODE_FB_DIRTY_FLAGS & r->flags;
	/* If userspace annotates copy, clips must come in pairs. */
	if ((flags & DRM_MODE_FB_DIRTY_ANNOTATE_COPY) && (r->num_clips % 2))
		return -EINVAL;
	if (r->num_clips && r->clips_ptr) {
		if (r->num_clips > DRM_MODE_FB_DIRTY_MAX_CLIPS)
			return -EINVAL;
		clips = calloc(r->num_clips, sizeof(*clips));
		if (!clips)
			return -ENOMEM;
		ret = drm_copy_from_user(file, clips, r->clips_ptr, r->num_clips * sizeof(*clips));
		if (ret) {
			free(clips);
			return ret;
		}
	}
	if (!dev->driver->dirtyfb) {
		free(clips);
		return -ENOSYS; /* as the kernel for drivers without fb->funcs->dirty (vkms) */
	}
	ret = dev->driver->dirtyfb(fb, file, flags, r->color, clips, clips ? r->num_clips : 0);
	free(clips);
	return ret;
}
