/*
 * vkms.c - a virtual display, after the kernel's drivers/gpu/drm/vkms.
 *
 * Per output (CRTC): one Virtual connector (connected, with an EDID we
 * generate that prefers the configured mode, 1024x768 by default), one
 * Virtual encoder, a primary plane, optional overlay planes and an ARGB8888
 * cursor plane.  Every plane has rotation, alpha, pixel blend mode and zpos
 * properties.  The defaults are the kernel's (enable_cursor=1, no overlays,
 * one CRTC); the driver options (cuse-drm --driver-options) are
 * crtcs=1..4, enable_cursor=0|1, overlays=0..8, enable_writeback=0|1 and
 * mode=WxH.  Planes take the formats the composer reads (vkms_formats.c;
 * overlays also NV12).  Vblank comes from a periodic platform timer at the
 * mode's frame duration, as vkms's hrtimer (vkms_crtc.c), and its expiry time
 * is the vblank timestamp.  The composer (vkms_composer.c) makes the CRTC's
 * output image for capture.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vkms/vkms.h"

static void vkms_vblank_timer(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct vkms_output *out = arg;

	drm_crtc_handle_vblank(out->crtc, expires_ns, 1 + overrun);
	/* vkms_vblank_simulate(): the composer runs after the vblank's flips completed. */
	drm_dev_lock(out->dev);
	vkms_composer_vblank(out, 1 + overrun);
	drm_dev_unlock(out->dev);
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
	.set_crc_source = vkms_set_crc_source,
	.verify_crc_source = vkms_verify_crc_source,
	.atomic_check = vkms_atomic_check_crtc,
};

/* Parse "key=value,..." into @cfg; -EINVAL (logged) for anything unknown or out of range. */
static int vkms_config_parse(const char *opts, struct vkms_config *cfg)
{
	const char *p = opts;

	cfg->num_crtcs = 1;
	cfg->enable_cursor = true;
	cfg->num_overlays = 0;
	cfg->enable_writeback = false;
	cfg->xres = VKMS_XRES_DEF;
	cfg->yres = VKMS_YRES_DEF;
	while (*p) {
		char key[32], val[32];
		size_t klen = 0, vlen = 0;
		unsigned long a = 0, b = 0;
		char *end;

		while (*p && *p != '=' && *p != ',' && klen < sizeof(key) - 1)
			key[klen++] = *p++;
		key[klen] = '\0';
		if (*p == '=')
			p++;
		while (*p && *p != ',' && vlen < sizeof(val) - 1)
			val[vlen++] = *p++;
		val[vlen] = '\0';
		if (*p && *p != ',')
			goto bad;
		if (*p == ',')
			p++;
		a = strtoul(val, &end, 10);
		if (strcmp(key, "mode") == 0) {
			if (*end != 'x')
				goto bad;
			b = strtoul(end + 1, &end, 10);
			if (*end || !drm_mode_dmt((uint32_t)a, (uint32_t)b, 60))
				goto bad;
			cfg->xres = (uint32_t)a;
			cfg->yres = (uint32_t)b;
			continue;
		}
		if (!vlen || *end)
			goto bad;
		if (strcmp(key, "crtcs") == 0 && a >= 1 && a <= VKMS_MAX_OUTPUTS)
			cfg->num_crtcs = (unsigned int)a;
		else if (strcmp(key, "enable_cursor") == 0 && a <= 1)
			cfg->enable_cursor = a;
		else if (strcmp(key, "overlays") == 0 && a <= VKMS_MAX_OVERLAYS)
			cfg->num_overlays = (unsigned int)a;
		else if (strcmp(key, "enable_writeback") == 0 && a <= 1)
			cfg->enable_writeback = a;
		else
			goto bad;
		continue;
bad:
		drm_err("vkms: bad option near '%s' (options: crtcs=1..%d, enable_cursor=0|1, overlays=0..%d, "
			"enable_writeback=0|1, mode=WxH of a 60 Hz VESA DMT mode)",
			key, VKMS_MAX_OUTPUTS, VKMS_MAX_OVERLAYS);
		return -EINVAL;
	}
	if (cfg->num_crtcs * (2 + cfg->num_overlays) > DRM_MAX_PLANES) {
		drm_err("vkms: %u CRTCs with %u overlays each need more than %d planes", cfg->num_crtcs,
			cfg->num_overlays, DRM_MAX_PLANES);
		return -EINVAL;
	}
	if (cfg->num_crtcs * (cfg->enable_writeback ? 2 : 1) > DRM_MAX_CONNECTORS) {
		drm_err("vkms: %u CRTCs with writeback need more than %d connectors", cfg->num_crtcs,
			DRM_MAX_CONNECTORS);
		return -EINVAL;
	}
	return 0;
}

/* The connector's EDID: a 96 dpi monitor named "vkms" preferring the configured mode. */
static int vkms_connector_init_edid(struct drm_connector *conn, const struct vkms_config *cfg)
{
	uint8_t edid[128];
	struct drm_edid_params p = {
		.vendor = "CDR",
		.product = 0x0001,
		.serial = 1 + conn->index,
		.monitor_name = "vkms",
		.width_mm = (cfg->xres * 254 + 480) / 960,
		.height_mm = (cfg->yres * 254 + 480) / 960,
		.preferred = drm_mode_dmt(cfg->xres, cfg->yres, 60),
	};
	int ret = drm_edid_build(&p, edid);

	if (ret)
		return ret;
	return drm_connector_update_edid(conn, edid, sizeof(edid), true);
}

/*
 * vkms_plane_atomic_check() (vkms_plane.c, Linux 6.1): no scaling, updates on
 * a disabled CRTC allowed; overlay and cursor planes may sit anywhere, but
 * "for now primary plane must be visible and full screen".
 */
static int vkms_plane_atomic_check(struct drm_plane *plane, struct drm_plane_state *ps,
				   const struct drm_crtc_state *cs)
{
	bool can_position = plane->type != DRM_PLANE_TYPE_PRIMARY;
	int ret;

	if (!ps->fb || !ps->crtc) {
		ps->visible = false;
		return 0;
	}
	ret = drm_atomic_helper_check_plane_state(ps, cs, DRM_PLANE_NO_SCALING, DRM_PLANE_NO_SCALING,
						  can_position, true);
	if (ret)
		return ret;
	if (!ps->visible && !can_position)
		return -EINVAL;
	return 0;
}

static const struct drm_plane_funcs vkms_plane_funcs = {
	.atomic_check = vkms_plane_atomic_check,
};

/*
 * vkms_plane_init(): a plane of @output's CRTC with the properties vkms
 * gives every plane: rotation (all), alpha, pixel blend mode (all three)
 * and zpos.
 */
static struct drm_plane *vkms_plane_init(struct drm_device *dev, unsigned int output, uint32_t type,
					 const uint32_t *formats, uint32_t count, uint32_t zpos, uint32_t zpos_max)
{
	struct drm_plane *plane = drm_plane_create(dev, 1u << output, type, formats, count);

	if (!plane)
		return NULL;
	plane->funcs = &vkms_plane_funcs;
	if (drm_plane_create_rotation_property(plane, DRM_MODE_ROTATE_0,
					       DRM_MODE_ROTATE_MASK | DRM_MODE_REFLECT_MASK) ||
	    drm_plane_create_alpha_property(plane) ||
	    drm_plane_create_blend_mode_property(plane, (1u << DRM_MODE_BLEND_PIXEL_NONE) |
							(1u << DRM_MODE_BLEND_PREMULTI) |
							(1u << DRM_MODE_BLEND_COVERAGE)) ||
	    drm_plane_create_zpos_property(plane, zpos, 0, zpos_max))
		return NULL;
	return plane;
}

/*
 * vkms_wb_encoder_atomic_check() (vkms_writeback.c, Linux 6.1): the
 * writeback framebuffer has the mode's size; the core checks its format.
 */
static int vkms_wb_atomic_check(struct drm_connector *conn, struct drm_framebuffer *fb,
				const struct drm_crtc_state *cs)
{
	(void)conn;
	if (fb->width != cs->mode.hdisplay || fb->height != cs->mode.vdisplay)
		return -EINVAL;
	return 0;
}

/*
 * vkms_enable_writeback_connector(): a Virtual encoder for this output's CRTC
 * and a writeback connector writing vkms_writeback_formats, with the same
 * mode list as the output's connector (the kernel's lists every mode up to
 * 8192x8192 and prefers 1024x768).
 */
static int vkms_enable_writeback_connector(struct vkms_device *vkms, unsigned int index)
{
	struct vkms_output *out = &vkms->output[index];
	struct drm_encoder *enc = drm_encoder_create(out->dev, DRM_MODE_ENCODER_VIRTUAL, 1u << index);

	if (!enc)
		return -ENOMEM;
	out->wb_connector = drm_writeback_connector_create(out->dev, enc, vkms_writeback_formats,
							   vkms_writeback_format_count, vkms_wb_atomic_check);
	if (!out->wb_connector)
		return -ENOMEM;
	return vkms_connector_init_edid(out->wb_connector, &vkms->config);
}

/* vkms_output_init(): CRTC @index with its planes, encoder and connector. */
static int vkms_output_init(struct vkms_device *vkms, unsigned int index)
{
	struct drm_device *dev = vkms->dev;
	const struct vkms_config *cfg = &vkms->config;
	struct vkms_output *out = &vkms->output[index];
	uint32_t zmax = cfg->num_overlays + (cfg->enable_cursor ? 1 : 0);
	struct drm_plane *primary, *cursor = NULL;
	struct drm_encoder *enc;
	unsigned int i;
	int ret;

	out->dev = dev;
	primary = vkms_plane_init(dev, index, DRM_PLANE_TYPE_PRIMARY, vkms_plane_formats,
				  vkms_plane_format_count, 0, zmax);
	if (!primary)
		return -ENOMEM;
	for (i = 0; i < cfg->num_overlays; i++)
		if (!vkms_plane_init(dev, index, DRM_PLANE_TYPE_OVERLAY, vkms_overlay_formats,
				     vkms_overlay_format_count, 1 + i, zmax))
			return -ENOMEM;
	if (cfg->enable_cursor) {
		cursor = vkms_plane_init(dev, index, DRM_PLANE_TYPE_CURSOR, vkms_cursor_formats,
					 vkms_cursor_format_count, zmax, zmax);
		if (!cursor)
			return -ENOMEM;
	}
	out->crtc = drm_crtc_create(dev, primary, cursor, &vkms_crtc_funcs);
	if (!out->crtc)
		return -ENOMEM;
	out->crtc->driver_private = out;
	/* vkms_crtc_init() since Linux 6.6: a 256-entry gamma LUT, no degamma, no CTM. */
	ret = drm_mode_crtc_set_gamma_size(out->crtc, VKMS_LUT_SIZE);
	if (!ret)
		ret = drm_crtc_enable_color_mgmt(out->crtc, VKMS_LUT_SIZE);
	if (ret)
		return ret;
	enc = drm_encoder_create(dev, DRM_MODE_ENCODER_VIRTUAL, 1u << index);
	if (!enc)
		return -ENOMEM;
	out->connector = drm_connector_create(dev, DRM_MODE_CONNECTOR_VIRTUAL, enc);
	if (!out->connector)
		return -ENOMEM;
	out->vblank_timer = drm_platform_timer_create(vkms_vblank_timer, out);
	if (!out->vblank_timer)
		return -ENOMEM;
	ret = vkms_connector_init_edid(out->connector, cfg);
	if (ret || !cfg->enable_writeback)
		return ret;
	return vkms_enable_writeback_connector(vkms, index);
}

static int vkms_load(struct drm_device *dev)
{
	struct drm_mode_config *mc = drm_dev_mode_config(dev);
	struct vkms_device *vkms = calloc(1, sizeof(*vkms));
	unsigned int i;
	int ret;

	if (!vkms)
		return -ENOMEM;
	drm_dev_set_private(dev, vkms);
	vkms->dev = dev;
	ret = vkms_config_parse(drm_dev_options(dev), &vkms->config);
	if (ret)
		return ret;
	mc->min_width = VKMS_XRES_MIN;
	mc->min_height = VKMS_YRES_MIN;
	mc->max_width = VKMS_XRES_MAX;
	mc->max_height = VKMS_YRES_MAX;
	mc->cursor_width = 512;
	mc->cursor_height = 512;
	mc->preferred_depth = 0;
	for (i = 0; i < vkms->config.num_crtcs; i++) {
		ret = vkms_output_init(vkms, i);
		if (ret)
			return ret;
	}
	return 0;
}

static void vkms_unload(struct drm_device *dev)
{
	struct vkms_device *vkms = drm_dev_private(dev);

	if (!vkms)
		return;
	for (unsigned int i = 0; i < VKMS_MAX_OUTPUTS; i++)
	{
		if (vkms->output[i].vblank_timer)
			drm_platform_timer_destroy(vkms->output[i].vblank_timer);
		vkms_frame_fini(&vkms->output[i].frame);
	}
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
	.driver_features = DRIVER_MODESET | DRIVER_GEM | DRIVER_ATOMIC,
	.load = vkms_load,
	.unload = vkms_unload,
};
