/*
 * drm_crtc.c - mode setting and page flips: MODE_SETCRTC and
 * MODE_PAGE_FLIP, vblank counting and flip completion, and scanout capture.
 *
 * Mirrors drm_crtc.c (drm_mode_setcrtc, drm_crtc_check_viewport),
 * drm_modes.c (drm_mode_convert_umode, drm_mode_validate_basic),
 * drm_plane.c (drm_mode_page_flip_ioctl) and the atomic helpers' legacy
 * paths (drm_atomic_helper_set_config, drm_atomic_helper_page_flip) of
 * Linux 6.1: a flip replaces the primary plane's fb at once and its event
 * is delivered at the next vblank, with that vblank's count and timestamp.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"

/* drm_mode_status values used here (include/drm/drm_modes.h). */
#define MODE_OK 0
#define MODE_BAD (-3)

uint64_t drm_mode_frame_duration_ns(const struct drm_mode_modeinfo *mode)
{
	if (!mode->clock)
		return 0;
	return (uint64_t)mode->htotal * mode->vtotal * 1000000ull / mode->clock;
}

/** drm_mode_validate_basic() - MODE_OK (0) or a negative reason, as the kernel's. */
int drm_mode_validate_basic(const struct drm_mode_modeinfo *m)
{
	if (m->type & ~DRM_MODE_TYPE_ALL)
		return MODE_BAD;
	if (m->flags & ~DRM_MODE_FLAG_ALL)
		return MODE_BAD;
	if ((m->flags & DRM_MODE_FLAG_3D_MASK) > DRM_MODE_FLAG_3D_FRAME_PACKING * 8)
		return MODE_BAD;
	if (m->clock == 0)
		return -1; /* MODE_CLOCK_LOW */
	if (m->hdisplay == 0 || m->hsync_start < m->hdisplay || m->hsync_end < m->hsync_start ||
	    m->htotal < m->hsync_end)
		return -2; /* MODE_H_ILLEGAL */
	if (m->vdisplay == 0 || m->vsync_start < m->vdisplay || m->vsync_end < m->vsync_start ||
	    m->vtotal < m->vsync_end)
		return -2; /* MODE_V_ILLEGAL */
	return MODE_OK;
}

/* drm_mode_convert_umode(): range, aspect-ratio and timing checks of a client mode. */
static int drm_mode_convert_umode(struct drm_crtc *crtc, struct drm_mode_modeinfo *out,
				  const struct drm_mode_modeinfo *in)
{
	if (in->clock > INT32_MAX || in->vrefresh > INT32_MAX)
		return -ERANGE;
	*out = *in;
	switch (in->flags & DRM_MODE_FLAG_PIC_AR_MASK) {
	case DRM_MODE_FLAG_PIC_AR_NONE:
	case DRM_MODE_FLAG_PIC_AR_4_3:
	case DRM_MODE_FLAG_PIC_AR_16_9:
	case DRM_MODE_FLAG_PIC_AR_64_27:
	case DRM_MODE_FLAG_PIC_AR_256_135:
		break;
	default:
		return -EINVAL;
	}
	out->flags &= ~DRM_MODE_FLAG_PIC_AR_MASK;
	if (drm_mode_validate_basic(out) != MODE_OK)
		return -EINVAL;
	if (out->hdisplay > crtc->dev->mode_config.max_width ||
	    out->vdisplay > crtc->dev->mode_config.max_height)
		return -EINVAL;
	if (crtc->funcs && crtc->funcs->mode_valid && crtc->funcs->mode_valid(crtc, out) != MODE_OK)
		return -EINVAL;
	out->name[DRM_DISPLAY_MODE_LEN - 1] = '\0';
	return 0;
}

int drm_framebuffer_check_src_coords(uint32_t src_x, uint32_t src_y, uint32_t src_w,
				     uint32_t src_h, const struct drm_framebuffer *fb)
{
	uint64_t fb_width = (uint64_t)fb->width << 16;
	uint64_t fb_height = (uint64_t)fb->height << 16;

	if (src_w > fb_width || src_x > fb_width - src_w || src_h > fb_height ||
	    src_y > fb_height - src_h)
		return -ENOSPC;
	return 0;
}

static bool plane_has_format(const struct drm_plane *p, uint32_t format)
{
	uint32_t i;

	for (i = 0; i < p->format_count; i++)
		if (p->formats[i] == format)
			return true;
	return false;
}

/* Set the primary plane of @crtc to scan out @fb (may be NULL), taking a reference. */
static void primary_plane_set(struct drm_crtc *crtc, struct drm_framebuffer *fb, uint32_t x,
			      uint32_t y, const struct drm_mode_modeinfo *mode)
{
	struct drm_plane_state *ps = &crtc->primary->state;

	if (fb)
		drm_framebuffer_get(fb);
	if (ps->fb)
		drm_framebuffer_put(ps->fb);
	ps->fb = fb;
	if (!fb) {
		drm_plane_state_reset(crtc->primary, ps);
		return;
	}
	ps->crtc = crtc;
	ps->visible = true;
	ps->src_x = x << 16;
	ps->src_y = y << 16;
	ps->src_w = (uint32_t)mode->hdisplay << 16;
	ps->src_h = (uint32_t)mode->vdisplay << 16;
	ps->crtc_x = 0;
	ps->crtc_y = 0;
	ps->crtc_w = mode->hdisplay;
	ps->crtc_h = mode->vdisplay;
}

/* A pending flip's event goes out now (used when the CRTC stops). */
static void crtc_complete_flip(struct drm_crtc *crtc)
{
	struct drm_pending_event *e = crtc->flip_event;

	crtc->flip_pending = false;
	crtc->flip_event = NULL;
	if (e) {
		uint64_t ns = crtc->vblank_time_ns ? crtc->vblank_time_ns : drm_platform_time_ns();

		e->ev.vbl.sequence = (uint32_t)crtc->vblank_count;
		e->ev.vbl.tv_sec = (uint32_t)(ns / 1000000000ull);
		e->ev.vbl.tv_usec = (uint32_t)(ns % 1000000000ull / 1000);
		drm_event_send(e);
	}
}

/* Turn @crtc off: planes, connectors and encoders let go of it. */
static void crtc_disable(struct drm_crtc *crtc)
{
	struct drm_device *dev = crtc->dev;
	unsigned int i;

	if (crtc->state.enable && crtc->funcs && crtc->funcs->disable)
		crtc->funcs->disable(crtc);
	crtc_complete_flip(crtc);
	/* drm_crtc_vblank_off(): queued vblank events go out now, waiters wake. */
	crtc->state.active = false;
	drm_vblank_off(crtc);
	primary_plane_set(crtc, NULL, 0, 0, NULL);
	crtc->state.enable = false;
	crtc->state.active = false;
	memset(&crtc->state.mode, 0, sizeof(crtc->state.mode));
	drm_property_blob_put(dev, crtc->state.mode_blob);
	crtc->state.mode_blob = NULL;
	for (i = 0; i < dev->num_connectors; i++) {
		struct drm_connector *c = dev->connectors[i];

		if (c->crtc == crtc) {
			c->crtc = NULL;
			c->encoder->crtc = NULL;
			c->dpms = DRM_MODE_DPMS_OFF;
		}
	}
}

/* Light @crtc with @mode and @fb on @connectors (drm_atomic_helper_set_config()). */
static int crtc_set_config(struct drm_crtc *crtc, struct drm_framebuffer *fb, uint32_t x, uint32_t y,
			   const struct drm_mode_modeinfo *mode, struct drm_connector **connectors,
			   uint32_t count)
{
	struct drm_device *dev = crtc->dev;
	struct drm_property_blob *blob;
	bool modeset;
	unsigned int i, j;

	/* Every connector must be able to route to this CRTC. */
	for (i = 0; i < count; i++)
		if (!(connectors[i]->encoder->possible_crtcs & (1u << crtc->index)))
			return -EINVAL;
	modeset = !crtc->state.enable || memcmp(&crtc->state.mode, mode, sizeof(*mode)) != 0;
	blob = drm_property_create_blob(dev, mode, sizeof(*mode));
	if (!blob)
		return -ENOMEM;

	/* Connectors routed here and not in the new set let go; stolen ones leave their CRTC. */
	for (i = 0; i < dev->num_connectors; i++) {
		struct drm_connector *c = dev->connectors[i];
		bool in_set = false;

		for (j = 0; j < count; j++)
			in_set |= connectors[j] == c;
		if (c->crtc == crtc && !in_set) {
			c->crtc = NULL;
			c->encoder->crtc = NULL;
			c->dpms = DRM_MODE_DPMS_OFF;
		}
		if (in_set && c->crtc && c->crtc != crtc) {
			struct drm_crtc *old = c->crtc;
			bool left = false;

			c->crtc = NULL;
			for (j = 0; j < dev->num_connectors; j++)
				left |= dev->connectors[j]->crtc == old;
			if (!left)
				crtc_disable(old);
		}
	}
	if (modeset && crtc->state.enable && crtc->funcs && crtc->funcs->disable)
		crtc->funcs->disable(crtc);
	primary_plane_set(crtc, fb, x, y, mode);
	crtc->state.mode = *mode;
	drm_property_blob_put(dev, crtc->state.mode_blob);
	crtc->state.mode_blob = blob;
	crtc->state.enable = true;
	crtc->state.active = true;
	for (i = 0; i < count; i++) {
		connectors[i]->crtc = crtc;
		connectors[i]->encoder->crtc = crtc;
		connectors[i]->dpms = DRM_MODE_DPMS_ON;
	}
	if (modeset) {
		if (crtc->funcs && crtc->funcs->enable)
			crtc->funcs->enable(crtc);
	} else if (crtc->funcs && crtc->funcs->flush) {
		crtc->funcs->flush(crtc);
	}
	return 0;
}

/** drm_mode_setcrtc() - DRM_IOCTL_MODE_SETCRTC, with drm_mode_setcrtc()'s checks in its order. */
int drm_mode_setcrtc(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc *req = data;
	struct drm_connector *connector_set[DRM_MAX_CONNECTORS];
	uint32_t connector_ids[DRM_MAX_CONNECTORS];
	struct drm_mode_modeinfo mode;
	struct drm_mode_object *obj;
	struct drm_framebuffer *fb = NULL;
	struct drm_crtc *crtc;
	bool have_mode = false;
	uint32_t i;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	/* Universal plane src offsets are only 16.16. */
	if ((req->x & 0xffff0000u) || (req->y & 0xffff0000u))
		return -ERANGE;
	obj = drm_mode_object_find(dev, req->crtc_id, DRM_MODE_OBJECT_CRTC);
	if (!obj)
		return -ENOENT;
	crtc = drm_container_of(obj, struct drm_crtc, base);

	if (req->mode_valid) {
		/* If we pass -1, set the mode with the currently bound fb. */
		if (req->fb_id == (uint32_t)-1) {
			fb = crtc->primary->state.fb;
			if (!fb)
				return -EINVAL;
		} else {
			fb = drm_framebuffer_lookup(dev, req->fb_id);
			if (!fb)
				return -ENOENT;
		}
		if (!file->aspect_ratio_allowed &&
		    (req->mode.flags & DRM_MODE_FLAG_PIC_AR_MASK) != DRM_MODE_FLAG_PIC_AR_NONE)
			return -EINVAL;
		ret = drm_mode_convert_umode(crtc, &mode, &req->mode);
		if (ret)
			return ret;
		if (!plane_has_format(crtc->primary, fb->format->format))
			return -EINVAL;
		ret = drm_framebuffer_check_src_coords(req->x << 16, req->y << 16,
						       (uint32_t)mode.hdisplay << 16,
						       (uint32_t)mode.vdisplay << 16, fb);
		if (ret)
			return ret;
		have_mode = true;
	}
	if (req->count_connectors == 0 && have_mode)
		return -EINVAL;
	if (req->count_connectors > 0 && (!have_mode || !fb))
		return -EINVAL;
	if (req->count_connectors > dev->num_connectors)
		return -EINVAL;
	/* One copy for the whole array: each separate client range costs CUSE a RETRY round. */
	ret = drm_copy_from_user(file, connector_ids, req->set_connectors_ptr,
				 req->count_connectors * sizeof(uint32_t));
	if (ret)
		return ret;
	for (i = 0; i < req->count_connectors; i++) {
		obj = drm_mode_object_find(dev, connector_ids[i], DRM_MODE_OBJECT_CONNECTOR);
		if (!obj)
			return -ENOENT;
		connector_set[i] = drm_container_of(obj, struct drm_connector, base);
	}
	if (!have_mode) {
		crtc_disable(crtc);
		return 0;
	}
	return crtc_set_config(crtc, fb, req->x, req->y, &mode, connector_set, req->count_connectors);
}

/** drm_mode_page_flip_ioctl() - DRM_IOCTL_MODE_PAGE_FLIP: new primary fb now, event at the next vblank. */
int drm_mode_page_flip_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc_page_flip_target *pf = data;
	struct drm_mode_object *obj;
	struct drm_crtc *crtc;
	struct drm_framebuffer *fb, *old_fb;
	struct drm_plane_state *ps;
	struct drm_pending_event *e = NULL;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (pf->flags & ~DRM_MODE_PAGE_FLIP_FLAGS)
		return -EINVAL;
	if ((pf->flags & DRM_MODE_PAGE_FLIP_ASYNC) && !dev->mode_config.async_page_flip)
		return -EINVAL;
	if ((pf->flags & DRM_MODE_PAGE_FLIP_TARGET) == DRM_MODE_PAGE_FLIP_TARGET)
		return -EINVAL;
	obj = drm_mode_object_find(dev, pf->crtc_id, DRM_MODE_OBJECT_CRTC);
	if (!obj)
		return -ENOENT;
	crtc = drm_container_of(obj, struct drm_crtc, base);
	/* No page_flip_target hook: targeted flips are refused, as for such drivers. */
	if (pf->flags & DRM_MODE_PAGE_FLIP_TARGET)
		return -EINVAL;
	ps = &crtc->primary->state;
	old_fb = ps->fb;
	if (!old_fb)
		return -EBUSY;
	fb = drm_framebuffer_lookup(dev, pf->fb_id);
	if (!fb)
		return -ENOENT;
	ret = drm_framebuffer_check_src_coords(ps->src_x, ps->src_y, ps->src_w, ps->src_h, fb);
	if (ret)
		return ret;
	if (old_fb->format != fb->format)
		return -EINVAL;
	/* drm_atomic_crtc_check(): no event on a CRTC that is off. */
	if (!crtc->state.active)
		return -EINVAL;
	/* A nonblocking commit on a CRTC with a flip still pending stalls: -EBUSY. */
	if (crtc->flip_pending)
		return -EBUSY;
	if (pf->flags & DRM_MODE_PAGE_FLIP_EVENT) {
		e = drm_event_reserve(file, DRM_EVENT_FLIP_COMPLETE, sizeof(struct drm_event_vblank));
		if (!e)
			return -ENOMEM;
		e->ev.vbl.user_data = pf->user_data;
		e->ev.vbl.crtc_id = crtc->base.id;
	}
	drm_framebuffer_get(fb);
	drm_framebuffer_put(ps->fb);
	ps->fb = fb;
	crtc->flip_pending = true;
	crtc->flip_event = e;
	if (crtc->funcs && crtc->funcs->flush)
		crtc->funcs->flush(crtc);
	return 0;
}

/** drm_mode_gamma_get_ioctl() - DRM_IOCTL_MODE_GETGAMMA: the legacy LUT; its size must match. */
int drm_mode_gamma_get_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc_lut *lut = data;
	struct drm_mode_object *obj;
	struct drm_crtc *crtc;

	(void)file;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, lut->crtc_id, DRM_MODE_OBJECT_CRTC);
	if (!obj)
		return -ENOENT;
	crtc = drm_container_of(obj, struct drm_crtc, base);
	/* No CRTC here has a gamma table yet (gamma_size 0), so only a size of 0 matches. */
	if (lut->gamma_size != crtc->gamma_size)
		return -EINVAL;
	return 0;
}

/** drm_mode_gamma_set_ioctl() - DRM_IOCTL_MODE_SETGAMMA: -ENOSYS without a gamma hook, as vkms. */
int drm_mode_gamma_set_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc_lut *lut = data;

	(void)file;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (!drm_mode_object_find(dev, lut->crtc_id, DRM_MODE_OBJECT_CRTC))
		return -ENOENT;
	return -ENOSYS;
}

void drm_crtc_handle_vblank(struct drm_crtc *crtc, uint64_t timestamp_ns, uint64_t count)
{
	struct drm_device *dev = crtc->dev;

	drm_platform_mutex_lock(dev->lock);
	if (crtc->state.active) {
		crtc->vblank_count += count;
		crtc->vblank_time_ns = timestamp_ns;
		if (crtc->flip_pending)
			crtc_complete_flip(crtc);
		drm_vblank_handle(crtc);
	}
	drm_platform_mutex_unlock(dev->lock);
}

/** drm_crtc_disable_for_fb() - turn off every plane scanning @fb out; a primary takes its CRTC along. */
void drm_crtc_disable_for_fb(struct drm_device *dev, struct drm_framebuffer *fb)
{
	unsigned int i;

	for (i = 0; i < dev->num_crtcs; i++)
		if (dev->crtcs[i]->primary->state.fb == fb)
			crtc_disable(dev->crtcs[i]);
}

/** drm_crtc_release_events() - a closing file's in-flight flip events are dropped, flips go on. */
void drm_crtc_release_events(struct drm_file *file)
{
	struct drm_device *dev = file->dev;
	unsigned int i;

	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_pending_event *e = dev->crtcs[i]->flip_event;

		if (e && e->file == file) {
			drm_event_cancel(e);
			dev->crtcs[i]->flip_event = NULL;
		}
	}
}

int drm_crtc_capture(struct drm_device *dev, unsigned int crtc_index, uint32_t *pixels,
		     uint32_t width, uint32_t height)
{
	struct drm_crtc *crtc;
	int ret;

	drm_platform_mutex_lock(dev->lock);
	crtc = drm_crtc_from_index(dev, crtc_index);
	if (!crtc)
		ret = -ENOENT;
	else if (!crtc->state.active || !crtc->primary->state.fb)
		ret = -ENODATA;
	else if (width != crtc->state.mode.hdisplay || height != crtc->state.mode.vdisplay)
		ret = -EINVAL;
	else if (!crtc->funcs || !crtc->funcs->capture)
		ret = -EOPNOTSUPP;
	else
		ret = crtc->funcs->capture(crtc, pixels, width, height);
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}
