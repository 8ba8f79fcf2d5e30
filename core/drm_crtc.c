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

/** drm_mode_convert_umode() - range, aspect-ratio and timing checks of a client mode (drm_modes.c). */
int drm_mode_convert_umode(struct drm_crtc *crtc, struct drm_mode_modeinfo *out,
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
	bool have_mode = false, done;
	uint32_t i;
	int ret;

	ret = drm_atomic_resume(dev, file, &done);
	if (done)
		return ret;
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
		if (!drm_plane_has_format(crtc->primary, fb->format->format))
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
	return drm_atomic_helper_set_config(crtc, have_mode ? fb : NULL, req->x, req->y, have_mode ? &mode : NULL,
					    connector_set, req->count_connectors, file);
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
	if (pf->flags & DRM_MODE_PAGE_FLIP_EVENT) {
		e = drm_event_reserve(file, DRM_EVENT_FLIP_COMPLETE, sizeof(struct drm_event_vblank));
		if (!e)
			return -ENOMEM;
		e->ev.vbl.user_data = pf->user_data;
		e->ev.vbl.crtc_id = crtc->base.id;
	}
	return drm_atomic_helper_page_flip(crtc, fb, e, file);
}

struct drm_crtc *drm_crtc_find(struct drm_device *dev, uint32_t id)
{
	struct drm_mode_object *obj = drm_mode_object_find(dev, id, DRM_MODE_OBJECT_CRTC);

	return obj ? drm_container_of(obj, struct drm_crtc, base) : NULL;
}

void drm_crtc_handle_vblank(struct drm_crtc *crtc, uint64_t timestamp_ns, uint64_t count)
{
	struct drm_device *dev = crtc->dev;

	drm_platform_mutex_lock(dev->lock);
	if (crtc->state.active) {
		crtc->vblank_count += count;
		crtc->vblank_time_ns = timestamp_ns;
		if (crtc->flip_pending)
			drm_crtc_complete_flip(crtc);
		drm_vblank_handle(crtc);
	}
	drm_platform_mutex_unlock(dev->lock);
}

/** drm_crtc_disable_for_fb() - turn off every plane scanning @fb out; a primary takes its CRTC along. */
void drm_crtc_disable_for_fb(struct drm_device *dev, struct drm_framebuffer *fb)
{
	drm_atomic_remove_fb(dev, fb);
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
	drm_atomic_release_file(file);
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
