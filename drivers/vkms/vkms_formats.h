/*
 * vkms_formats.h - the composer's pixel readers and writers (kernel:
 * drivers/gpu/drm/vkms/vkms_formats.h).  Private to drivers/vkms/.
 *
 * A reader converts a run of framebuffer pixels into ARGB16161616 (4 x
 * uint16_t per pixel, A R G B, as struct vkms_frame); a writer converts
 * such a run back into a framebuffer format.  Both work on whole runs, so
 * the composer makes one indirect call per row, not per pixel.
 */
#ifndef CUSE_DRM_VKMS_FORMATS_H
#define CUSE_DRM_VKMS_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct vkms_yuv_matrix - YCbCr to R'G'B' in 16-bit output units: R16 =
 * (y * (Y - y_offset) + rv * (Cr - 128)) >> 16, and so on, clamped to
 * [0, 0xffff]; each coefficient is scaled by 2^16.
 */
struct vkms_yuv_matrix {
	int32_t y_offset;
	int64_t y, rv, gu, gv, bu;
};

/**
 * struct vkms_fb_src - a framebuffer as a reader sees it: @plane[i] points at
 * plane i's first byte (the GEM object's mapping plus fb->offsets[i]),
 * @pitch[i] is its row length in bytes; @width x @height is the fb's size in
 * pixels; @yuv is the YCbCr matrix for YUV formats.
 */
struct vkms_fb_src {
	const uint8_t *plane[4];
	uint32_t pitch[4];
	uint32_t width, height;
	const struct vkms_yuv_matrix *yuv;
};

/**
 * vkms_read_row_t - read @n pixels of @s starting at pixel (@x, @y) and
 * stepping by (@dx, @dy) (each of -1, 0, 1: a row read forwards or backwards,
 * or a column read downwards or upwards, as the plane's rotation needs) into
 * @out (4 x uint16_t per pixel).  The caller keeps every pixel inside the fb.
 */
typedef void (*vkms_read_row_t)(const struct vkms_fb_src *s, int32_t x, int32_t y, int32_t dx,
				int32_t dy, uint32_t n, uint16_t *out);

/**
 * vkms_write_row_t - convert @n ARGB16161616 pixels from @in into the
 * format's bytes at @dst (packed, left to right).
 */
typedef void (*vkms_write_row_t)(uint8_t *dst, const uint16_t *in, uint32_t n);

/**
 * vkms_format_reader() - the reader for DRM fourcc @format, or NULL when the
 * composer cannot read it (get_pixel_read_line_function() in the kernel).
 * *@opaque tells whether every pixel it reads has A = 0xffff (X, RGB565 and
 * YUV formats).
 */
vkms_read_row_t vkms_format_reader(uint32_t format, bool *opaque);

/** vkms_format_writer() - the writer for a writeback format, or NULL (get_pixel_write_function()). */
vkms_write_row_t vkms_format_writer(uint32_t format);

/**
 * vkms_yuv_bt601_limited - ITU-R BT.601 (Kr 0.299, Kb 0.114), limited range:
 * Y' 16..235, Cb/Cr 16..240 centred on 128 (drm_color_mgmt.c's
 * DRM_COLOR_YCBCR_BT601 with DRM_COLOR_YCBCR_LIMITED_RANGE).
 */
extern const struct vkms_yuv_matrix vkms_yuv_bt601_limited;

#endif
