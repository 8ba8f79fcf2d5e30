/*
 * vkms.c - a virtual display, after the kernel's drivers/gpu/drm/vkms.
 *
 * One Virtual connector (connected, with an EDID we generate that prefers
 * 1024x768), one Virtual encoder, one CRTC, one primary and one cursor
 * plane taking the formats the composer reads (vkms_formats.c; the kernel's
 * default configuration: enable_cursor=1, no overlays).  Vblank comes from a
 * periodic platform timer at the mode's frame duration, as vkms's hrtimer
 * (vkms_crtc.c), and its expiry time is the vblank timestamp.  The composer (vkms_composer.c) makes the CRTC's
 * output image for capture.
 */
#include <errno.h>
#include <stdlib.h>

#include "drivers/vkms/vkms.h"

static void vkms_vblank_timer(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct vkms_output *out = arg;

	drm_crtc_handle_vblank(out->crtc, expires_ns, 1 + overrun);
}

static void vkms_crtc_enable(struct drm_crtc *crtc)
{
	struct vkms_output *out = crtc->driver_private;
	uint64_t period = drm_mode_frame_duration_ns(&crtc->state.mode);

	out->period_ns = period;
	drm_platform_timer_start(out->vblank_timer, drm_platform_time_ns() + period, period);
}

static void vkms_crtc_disable(struct drm_crtc *crtc)
{
	struct vkms_output *out = crtc->driver_private;

	drm_platform_timer_stop(out->vblank_timer);
}

static const struct drm_crtc_funcs vkms_crtc_funcs = {
	.enable = vkms_crtc_enable,
	.disable = vkms_crtc_disable,
	.capture = vkms_compose_crtc,
};

/* The connector's EDID: a 96 dpi monitor named "vkms" preferring 1024x768@60. */
static int vkms_connector_init_edid(struct drm_connector *conn)
{
	uint8_t edid[128];
	struct drm_edid_params p = {
		.vendor = "CDR",
		.product = 0x0001,
		.serial = 1,
		.monitor_name = "vkms",
		.width_mm = 271,
		.height_mm = 203,
		.preferred = drm_mode_dmt(VKMS_XRES_DEF, VKMS_YRES_DEF, 60),
	};
	int ret = drm_edid_build(&p, edid);

	if (ret)
		return ret;
	return drm_connector_update_edid(conn, edid, sizeof(edid), true);
}

static int vkms_load(struct drm_device *dev)
{
	struct drm_mode_config *mc = drm_dev_mode_config(dev);
	struct vkms_device *vkms = calloc(1, sizeof(*vkms));
	struct vkms_output *out;
	struct drm_plane *primary, *cursor;
	struct drm_encoder *enc;

	if (!vkms)
		return -ENOMEM;
	drm_dev_set_private(dev, vkms);
	mc->min_width = VKMS_XRES_MIN;
	mc->min_height = VKMS_YRES_MIN;
	mc->max_width = VKMS_XRES_MAX;
	mc->max_height = VKMS_YRES_MAX;
	mc->cursor_width = 512;
	mc->cursor_height = 512;
	mc->preferred_depth = 0;

	out = &vkms->output;
	out->dev = dev;
	primary = drm_plane_create(dev, 1, DRM_PLANE_TYPE_PRIMARY, vkms_plane_formats,
				   vkms_plane_format_count);
	if (!primary)
		return -ENOMEM;
	/* vkms's default configuration has a cursor plane (enable_cursor). */
	cursor = drm_plane_create(dev, 1, DRM_PLANE_TYPE_CURSOR, vkms_cursor_formats,
				  vkms_cursor_format_count);
	if (!cursor)
		return -ENOMEM;
	out->crtc = drm_crtc_create(dev, primary, cursor, &vkms_crtc_funcs);
	if (!out->crtc)
		return -ENOMEM;
	out->crtc->driver_private = out;
	enc = drm_encoder_create(dev, DRM_MODE_ENCODER_VIRTUAL, 1);
	if (!enc)
		return -ENOMEM;
	out->connector = drm_connector_create(dev, DRM_MODE_CONNECTOR_VIRTUAL, enc);
	if (!out->connector)
		return -ENOMEM;
	out->vblank_timer = drm_platform_timer_create(vkms_vblank_timer, out);
	if (!out->vblank_timer)
		return -ENOMEM;
	return vkms_connector_init_edid(out->connector);
}

static void vkms_unload(struct drm_device *dev)
{
	struct vkms_device *vkms = drm_dev_private(dev);

	if (!vkms)
		return;
	drm_platform_timer_destroy(vkms->output.vblank_timer);
	free(vkms);
	drm_dev_set_private(dev, NULL);
}

/** vkms_driver - the driver: name "vkms", as the kernel's, so IGT and modetest -M treat it alike. */
const struct drm_driver vkms_driver = {
	.name = "vkms",
	.desc = "Virtual Kernel Mode Setting",
	.date = "20180514",
	.major = 1,
	.minor = 0,
	.patchlevel = 0,
	.driver_features = DRIVER_MODESET | DRIVER_GEM,
	.load = vkms_load,
	.unload = vkms_unload,
};
