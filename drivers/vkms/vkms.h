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

/**
 * struct vkms_frame - a composed frame: @width x @height pixels of
 * ARGB16161616, 4 x uint16_t per pixel in the order A, R, G, B (host
 * endian), row-major, no padding (a row is @width * 8 bytes).  This is the
 * kernel's struct pixel_argb_u16 line buffer (vkms_drv.h) for a whole frame,
 * so vkms_frame_crc32() hashes the same bytes as vkms_composer.c's blend().
 */
struct vkms_frame {
	uint32_t width, height;
	uint16_t *pixels;
};

/**
 * struct vkms_output - one CRTC with its connector and the vblank timer
 * (period in ns).  @composer_enabled: a CRC source is on (vkms_set_composer()),
 * so every vblank composes the CRTC into @frame (reused while the mode's
 * size stays) and queues the frame's CRC.
 */
struct vkms_output {
	struct drm_device *dev;
	struct drm_crtc *crtc;
	struct drm_connector *connector;
	struct drm_timer *vblank_timer;
	uint64_t period_ns;
	bool composer_enabled;
	struct vkms_frame frame;
	struct drm_connector *wb_connector; /* enable_writeback=1, else NULL */
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

/* ------------------------------------------------------------------ */
/* The composer (vkms_composer.c, vkms_formats.c)                       */
/* ------------------------------------------------------------------ */

/**
 * vkms_frame_init() - allocate @f's pixels for @width x @height (zeroed).
 * Returns 0, -EINVAL for a zero size, or -ENOMEM.  Free with vkms_frame_fini().
 */
int vkms_frame_init(struct vkms_frame *f, uint32_t width, uint32_t height);

/** vkms_frame_fini() - free @f's pixels (a zeroed or already finished frame is fine). */
void vkms_frame_fini(struct vkms_frame *f);

/**
 * vkms_compose_planes() - compose @planes[0..@n-1], bottom first, over an
 * opaque black background into @out (which has the CRTC's mode size), as
 * vkms_composer.c's blend() walks crtc_state->active_planes.
 *
 * Each plane shows its framebuffer's source region at its CRTC rectangle
 * (@crtc_x/@crtc_y may be negative, the rectangle may pass the frame's edges:
 * it is clipped), 1:1 as vkms allows (DRM_PLANE_NO_SCALING): the source
 * starts at the integer part of @src_x/@src_y (16.16) and has the CRTC
 * rectangle's size, transposed for DRM_MODE_ROTATE_90/270.  The source is
 * reflected (DRM_MODE_REFLECT_X/Y, in source axes) and then rotated counter
 * clockwise onto the CRTC rectangle, as drm_rect_rotate() maps it
 * (drm_blend.c, drm_plane_create_rotation_property()).  Pixels outside the
 * framebuffer are not read and show what is below.  Colours blend in 16 bits
 * per channel with the plane's @alpha and @pixel_blend_mode (drm_blend.c,
 * "pixel blend mode"); the output stays opaque (A = 0xffff).  Planes without
 * a framebuffer, or not @visible, are skipped.
 *
 * Readable formats: XRGB8888, ARGB8888, XBGR8888, ABGR8888, RGB565,
 * XRGB2101010, ARGB2101010, XRGB16161616, ARGB16161616 and NV12 (BT.601,
 * limited range).  Returns 0, or -EINVAL (and @out untouched) when a plane's
 * framebuffer has another format or no memory, or @out has no pixels.
 */
int vkms_compose_planes(const struct drm_plane_state *const *planes, unsigned int n,
			struct vkms_frame *out);

/**
 * vkms_crc32_le() - the kernel's crc32_le(@crc, @p, @len) (lib/crc32.c): the
 * IEEE 802.3 CRC-32 (reflected polynomial 0xedb88320) over @len bytes, seeded
 * with @crc, without the pre- and post-inversion.  So the usual CRC-32 of a
 * buffer (zlib's crc32(0, p, len)) is ~vkms_crc32_le(~0u, p, len).
 */
uint32_t vkms_crc32_le(uint32_t crc, const void *p, size_t len);

/**
 * vkms_frame_crc32() - the frame's CRC as vkms reports it to
 * drm_crtc_add_crc_entry(): crc32_le(0, ...) over the pixel bytes, rows top
 * to bottom (vkms_composer.c, blend()).
 */
uint32_t vkms_frame_crc32(const struct vkms_frame *f);

/**
 * vkms_frame_write_fb() - write @f into @fb (the writeback connector's
 * framebuffer), converting to its format as vkms_formats.c's writers do:
 * 16-bit channels round to 8 bits (v / 257) or to RGB565's 5/6 bits; X
 * channels are written all ones.  @fb must have @f's size, as
 * vkms_wb_encoder_atomic_check() requires.  Returns 0, or -EINVAL for a
 * format not in vkms_writeback_formats, another size, or no memory.
 */
int vkms_frame_write_fb(const struct vkms_frame *f, const struct drm_framebuffer *fb);

/** VKMS_LUT_SIZE - entries of a vkms CRTC's gamma LUT (vkms_drv.h, Linux 6.6). */
#define VKMS_LUT_SIZE 256u

/**
 * vkms_apply_lut() - pass every pixel of @f through the gamma LUT @lut
 * (struct drm_color_lut entries; NULL or empty: nothing), as Linux 6.6's
 * vkms_composer.c apply_lut(): each 16-bit channel value c selects the
 * fractional index c * (n - 1) / 0xffff (32.32 fixed point) and the result
 * is the linear interpolation of the two entries around it, truncated.
 * Alpha is left alone.
 */
void vkms_apply_lut(const struct drm_property_blob *lut, struct vkms_frame *f);

/**
 * vkms_atomic_check_crtc() - struct drm_crtc_funcs.atomic_check, Linux
 * 6.6's vkms_atomic_check(): a GAMMA_LUT changed in this commit may have at
 * most VKMS_LUT_SIZE entries; more is -EINVAL.
 */
int vkms_atomic_check_crtc(struct drm_crtc *crtc, const struct drm_crtc_state *state);

/**
 * vkms_compose_crtc() - the struct drm_crtc_funcs.capture hook: compose the
 * CRTC's visible planes (drm_crtc_plane_states(), bottom first) as
 * vkms_compose_planes() does and write the result as XRGB8888 into @pixels
 * (@w x @h, row-major, X = 0xff).  Returns 0, -EINVAL for a plane format the
 * composer cannot read, or -ENOMEM.  Device lock held.
 */
int vkms_compose_crtc(struct drm_crtc *crtc, uint32_t *pixels, uint32_t w, uint32_t h);

/*
 * The formats vkms.c registers (fourccs from drm_fourcc.h) and their counts.
 * vkms_plane_formats: primary planes: the opaque RGB formats the composer
 *     reads (6.1's primary takes XRGB8888, XRGB16161616 and RGB565; we add
 *     XBGR8888 and XRGB2101010); XRGB8888 first (modetest, legacy SETCRTC).
 * vkms_overlay_formats: overlays: those plus the alpha formats (ARGB8888,
 *     ABGR8888, ARGB2101010, ARGB16161616) and NV12.
 * vkms_cursor_formats: the cursor plane's (the legacy cursor ioctls make ARGB8888 fbs).
 * vkms_writeback_formats: vkms_writeback.c's vkms_wb_formats.
 */
extern const uint32_t vkms_plane_formats[];
extern const unsigned int vkms_plane_format_count;
extern const uint32_t vkms_overlay_formats[];
extern const unsigned int vkms_overlay_format_count;
extern const uint32_t vkms_cursor_formats[];
extern const unsigned int vkms_cursor_format_count;
extern const uint32_t vkms_writeback_formats[];
extern const unsigned int vkms_writeback_format_count;

/**
 * vkms_composer_vblank() - the composer worker's job at a vblank
 * (vkms_composer_worker(), Linux 6.1): when a CRC source is on or a
 * writeback job is queued, compose @out's CRTC; queue its CRC for the
 * @frames frames that ended now (more than 1 when the vblank timer ran
 * late; the vblank count is the last one's) and write it into the job's
 * framebuffer, which completes the job.  Nothing while the CRTC is off;
 * a plane that cannot be read drops the job.  Device lock held.
 */
void vkms_composer_vblank(struct vkms_output *out, uint64_t frames);

/** vkms_set_crc_source() - struct drm_crtc_funcs.set_crc_source: "auto" turns the composer on, NULL off. */
int vkms_set_crc_source(struct drm_crtc *crtc, const char *source);

/** vkms_verify_crc_source() - struct drm_crtc_funcs.verify_crc_source: NULL or "auto" (1 value), else -EINVAL. */
int vkms_verify_crc_source(struct drm_crtc *crtc, const char *source, size_t *values_cnt);

extern const struct drm_driver vkms_driver;

#endif
