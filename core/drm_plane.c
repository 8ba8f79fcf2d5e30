/*
 * drm_plane.c - the legacy cursor ioctls on a universal cursor plane.
 *
 * Mirrors the kernel's drivers/gpu/drm/drm_plane.c (Linux 6.1):
 * drm_mode_cursor_common() and drm_mode_cursor_universal().  A cursor
 * buffer handle becomes an internal ARGB8888 framebuffer of the cursor's
 * size (drm_internal_framebuffer_create(), no owner); the cursor plane then
 * shows it at the CRTC position (x, y), unscaled, as vkms's atomic check
 * allows (positioning, no scaling, updates on a CRTC that is off).
 */
#include <errno.h>
#include <string.h>

#include "core/drm_internal.h"

/** drm_plane_state_reset() - @ps off, with the properties' defaults (__drm_atomic_helper_plane_state_reset()). */
void drm_plane_state_reset(struct drm_plane *plane, struct drm_plane_state *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->rotation = DRM_MODE_ROTATE_0;
	ps->alpha = DRM_BLEND_ALPHA_OPAQUE;
	ps->pixel_blend_mode = DRM_MODE_BLEND_PREMULTI;
	ps->zpos = plane->zpos_default;
	ps->normalized_zpos = plane->zpos_default;
}

/** drm_plane_disable() - take @plane off its CRTC and drop its framebuffer. */
void drm_plane_disable(struct drm_plane *plane)
{
	struct drm_plane_state *ps = &plane->state;

	if (ps->fb)
		drm_framebuffer_put(ps->fb);
	drm_plane_state_reset(plane, ps);
}

unsigned int drm_crtc_plane_states(struct drm_crtc *crtc, const struct drm_plane_state **out,
				   unsigned int max)
{
	struct drm_device *dev = crtc->dev;
	unsigned int i, j, n = 0;

	for (i = 0; i < dev->num_planes && n < max; i++) {
		const struct drm_plane_state *ps = &dev->planes[i]->state;

		if (ps->crtc != crtc || !ps->fb || !ps->visible)
			continue;
		/* Insertion by normalized_zpos; planes come in index order, so ties keep it. */
		for (j = n; j > 0 && out[j - 1]->normalized_zpos > ps->normalized_zpos; j--)
			out[j] = out[j - 1];
		out[j] = ps;
		n++;
	}
	return n;
}

/* drm_mode_cursor_universal(): the request on @crtc's cursor plane. */
static int drm_mode_cursor_universal(struct drm_crtc *crtc, const struct drm_mode_cursor2 *req,
				     struct drm_file *file)
{
	struct drm_device *dev = crtc->dev;
	struct drm_plane *plane = crtc->cursor;
	struct drm_framebuffer *fb = NULL;
	int32_t x, y;
	int ret;

	if (req->flags & DRM_MODE_CURSOR_BO) {
		if (req->handle) {
			struct drm_mode_fb_cmd2 r = {
				.width = req->width,
				.height = req->height,
				.pixel_format = DRM_FORMAT_ARGB8888,
				.pitches = { req->width * 4 },
				.handles = { req->handle },
			};
			ret = drm_internal_framebuffer_create(dev, &r, file, &fb);
			if (ret)
				return ret;
			fb->hot_x = req->hot_x;
			fb->hot_y = req->hot_y;
		}
	} else if (plane->state.fb) {
		fb = plane->state.fb;
		drm_framebuffer_get(fb);
	}
	if (req->flags & DRM_MODE_CURSOR_MOVE) {
		x = req->x;
		y = req->y;
	} else {
		x = crtc->cursor_x;
		y = crtc->cursor_y;
	}
	/* __setplane_atomic() with legacy_cursor_update: no wait for the vblank. */
	ret = drm_atomic_helper_legacy_cursor(crtc, plane, fb, x, y, file);
	if (fb)
		drm_framebuffer_put(fb);
	if (!ret && (req->flags & DRM_MODE_CURSOR_MOVE)) {
		crtc->cursor_x = req->x;
		crtc->cursor_y = req->y;
	}
	return ret;
}

/* drm_mode_cursor_common(): flags, the CRTC, then its cursor plane. */
static int drm_mode_cursor_common(struct drm_device *dev, struct drm_mode_cursor2 *req,
				  struct drm_file *file)
{
	struct drm_mode_object *obj;
	struct drm_crtc *crtc;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (!req->flags || (~DRM_MODE_CURSOR_FLAGS & req->flags))
		return -EINVAL;
	obj = drm_mode_object_find(dev, req->crtc_id, DRM_MODE_OBJECT_CRTC);
	if (!obj)
		return -ENOENT;
	crtc = drm_container_of(obj, struct drm_crtc, base);
	/* Without a cursor plane the kernel asks the driver's legacy hooks: vkms has none. */
	if (!crtc->cursor)
		return -ENXIO;
	return drm_mode_cursor_universal(crtc, req, file);
}

/** drm_mode_cursor_ioctl() - DRM_IOCTL_MODE_CURSOR: CURSOR2 without a hotspot. */
int drm_mode_cursor_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_cursor *req = data;
	struct drm_mode_cursor2 new_req;

	memcpy(&new_req, req, sizeof(*req));
	new_req.hot_x = new_req.hot_y = 0;
	return drm_mode_cursor_common(dev, &new_req, file);
}

/** drm_mode_cursor2_ioctl() - DRM_IOCTL_MODE_CURSOR2: with the cursor's hotspot. */
int drm_mode_cursor2_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	return drm_mode_cursor_common(dev, data, file);
}
