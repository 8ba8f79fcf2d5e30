/* vkms.h - the virtual display driver's state (kernel: drivers/gpu/drm/vkms/vkms_drv.h). */
#ifndef CUSE_DRM_VKMS_H
#define CUSE_DRM_VKMS_H

#include "core/drm_driver.h"

/* Mode limits and default, in pixels, as the kernel's vkms_drv.h. */
#define VKMS_XRES_MIN 20
#define VKMS_YRES_MIN 20
#define VKMS_XRES_DEF 1024
#define VKMS_YRES_DEF 768
#define VKMS_XRES_MAX 8192
#define VKMS_YRES_MAX 8192

/** struct vkms_output - one CRTC with its connector and the vblank timer (period in ns). */
struct vkms_output {
	struct drm_device *dev;
	struct drm_crtc *crtc;
	struct drm_connector *connector;
	struct drm_timer *vblank_timer;
	uint64_t period_ns;
};

/* The kernel's limits: 4 outputs (VKMS_MAX_OUTPUTS in later vkms), 8 overlays (NUM_OVERLAY_PLANES). */
#define VKMS_MAX_OUTPUTS 4
#define VKMS_MAX_OVERLAYS 8

/**
 * struct vkms_config - what the driver options chose: CRTC count (each with
 * its connector and encoder), cursor plane, overlay planes per CRTC,
 * writeback connector, and the connectors' preferred mode in pixels.
 */
struct vkms_config {
	unsigned int num_crtcs;
	bool enable_cursor;
	unsigned int num_overlays;
	bool enable_writeback;
	uint32_t xres, yres;
};

/** struct vkms_device - driver state: the configuration and one vkms_output per CRTC. */
struct vkms_device {
	struct drm_device *dev;
	struct vkms_config config;
	struct vkms_output output[VKMS_MAX_OUTPUTS];
};

/**
 * vkms_compose_crtc() - the CRTC's output as XRGB8888, @w x @h pixels: the
 * primary plane's framebuffer region blended over black, as vkms_composer.c
 * does with premultiplied alpha (an ARGB8888 primary over black shows its
 * colour channels).  Returns 0 or -EINVAL for a format it cannot read.
 */
int vkms_compose_crtc(struct drm_crtc *crtc, uint32_t *pixels, uint32_t w, uint32_t h);

extern const struct drm_driver vkms_driver;

#endif
