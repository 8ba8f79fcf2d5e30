/*
 * vkms_formats.c - pixel formats of the composer (kernel: vkms_formats.c,
 * vkms_plane.c's and vkms_writeback.c's format lists).
 *
 * Every format here is little endian as drm_fourcc.h defines them, so the
 * readers and writers go byte by byte and work on any host.  Channels widen
 * to 16 bits as vkms does: an 8-bit v becomes v * 257 (0xff -> 0xffff), 5, 6
 * and 10-bit ones scale to 0xffff with rounding, the 2-bit alpha times 0x5555.
 * Narrowing rounds to nearest: v / 257 for 8 bits, as vkms's writers'
 * DIV_ROUND_CLOSEST().
 */
#include <drm_fourcc.h>

#include "drivers/vkms/vkms.h"
#include "drivers/vkms/vkms_formats.h"

/* ------------------------------------------------------------------ */
/* Format lists                                                         */
/* ------------------------------------------------------------------ */

#define FORMATS_RGB                                                           \
	DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888, DRM_FORMAT_XBGR8888,        \
	DRM_FORMAT_ABGR8888, DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010,       \
	DRM_FORMAT_ARGB2101010, DRM_FORMAT_XRGB16161616, DRM_FORMAT_ARGB16161616

/*
 * The primary plane takes the opaque formats only, as 6.1's vkms_formats
 * (XRGB8888, XRGB16161616, RGB565) for its primary: it is the bottom plane,
 * over black, so alpha would mean nothing.  Overlays and the cursor also
 * take the alpha formats (6.1's vkms_plane_formats).
 */
const uint32_t vkms_plane_formats[] = {
	DRM_FORMAT_XRGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010,
	DRM_FORMAT_XRGB16161616,
};
const unsigned int vkms_plane_format_count = sizeof(vkms_plane_formats) / sizeof(vkms_plane_formats[0]);

const uint32_t vkms_overlay_formats[] = { FORMATS_RGB, DRM_FORMAT_NV12 };
const unsigned int vkms_overlay_format_count = sizeof(vkms_overlay_formats) / sizeof(vkms_overlay_formats[0]);

/* The legacy cursor ioctls make ARGB8888 framebuffers: that one first. */
const uint32_t vkms_cursor_formats[] = {
	DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888, DRM_FORMAT_XBGR8888, DRM_FORMAT_ABGR8888,
	DRM_FORMAT_RGB565, DRM_FORMAT_XRGB2101010, DRM_FORMAT_ARGB2101010,
	DRM_FORMAT_XRGB16161616, DRM_FORMAT_ARGB16161616,
};
const unsigned int vkms_cursor_format_count = sizeof(vkms_cursor_formats) / sizeof(vkms_cursor_formats[0]);

/* vkms_writeback.c: vkms_wb_formats. */
const uint32_t vkms_writeback_formats[] = {
	DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888, DRM_FORMAT_XRGB16161616,
	DRM_FORMAT_ARGB16161616, DRM_FORMAT_RGB565,
};
const unsigned int vkms_writeback_format_count =
	sizeof(vkms_writeback_formats) / sizeof(vkms_writeback_formats[0]);

/* ------------------------------------------------------------------ */
/* Channel widths                                                       */
/* ------------------------------------------------------------------ */

static inline uint16_t from5(uint32_t v) { return (uint16_t)((v * 65535u + 15u) / 31u); }
static inline uint16_t from6(uint32_t v) { return (uint16_t)((v * 65535u + 31u) / 63u); }
static inline uint16_t from8(uint32_t v) { return (uint16_t)(v * 257u); }
static inline uint16_t from10(uint32_t v) { return (uint16_t)((v * 65535u + 511u) / 1023u); }

static inline uint8_t to8(uint16_t v) { return (uint8_t)((v + 128u) / 257u); }
static inline uint32_t to5(uint16_t v) { return (v * 31u + 32767u) / 65535u; }
static inline uint32_t to6(uint16_t v) { return (v * 63u + 32767u) / 65535u; }

static inline uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* ------------------------------------------------------------------ */
/* Readers                                                              */
/* ------------------------------------------------------------------ */

/*
 * A packed format's reader: @body turns the pixel at byte offset `o` of
 * plane 0 (`b`) into out[0..3] (A, R, G, B).  Offsets are integers so a run
 * read backwards never forms a pointer before the buffer.
 */
#define PACKED_READER(name, cpp, body)                                                     \
	static void name(const struct vkms_fb_src *s, int32_t x, int32_t y, int32_t dx,    \
			 int32_t dy, uint32_t n, uint16_t *out)                            \
	{                                                                                  \
		const uint8_t *b = s->plane[0];                                            \
		ptrdiff_t o = (ptrdiff_t)y * s->pitch[0] + (ptrdiff_t)x * (cpp);           \
		ptrdiff_t step = (ptrdiff_t)dy * s->pitch[0] + (ptrdiff_t)dx * (cpp);      \
                                                                                           \
		for (uint32_t i = 0; i < n; i++, o += step, out += 4) {                    \
			body                                                               \
		}                                                                          \
	}

PACKED_READER(read_XRGB8888, 4,
	out[0] = 0xffff; out[1] = from8(b[o + 2]); out[2] = from8(b[o + 1]); out[3] = from8(b[o]);)
PACKED_READER(read_ARGB8888, 4,
	out[0] = from8(b[o + 3]); out[1] = from8(b[o + 2]); out[2] = from8(b[o + 1]); out[3] = from8(b[o]);)
PACKED_READER(read_XBGR8888, 4,
	out[0] = 0xffff; out[1] = from8(b[o]); out[2] = from8(b[o + 1]); out[3] = from8(b[o + 2]);)
PACKED_READER(read_ABGR8888, 4,
	out[0] = from8(b[o + 3]); out[1] = from8(b[o]); out[2] = from8(b[o + 1]); out[3] = from8(b[o + 2]);)
PACKED_READER(read_RGB565, 2,
	uint32_t v = le16(b + o);
	out[0] = 0xffff; out[1] = from5(v >> 11); out[2] = from6((v >> 5) & 0x3f); out[3] = from5(v & 0x1f);)
PACKED_READER(read_XRGB2101010, 4,
	uint32_t v = le32(b + o);
	out[0] = 0xffff; out[1] = from10((v >> 20) & 0x3ff); out[2] = from10((v >> 10) & 0x3ff);
	out[3] = from10(v & 0x3ff);)
PACKED_READER(read_ARGB2101010, 4,
	uint32_t v = le32(b + o);
	out[0] = (uint16_t)((v >> 30) * 0x5555u); out[1] = from10((v >> 20) & 0x3ff);
	out[2] = from10((v >> 10) & 0x3ff); out[3] = from10(v & 0x3ff);)
PACKED_READER(read_XRGB16161616, 8,
	out[0] = 0xffff; out[1] = (uint16_t)le16(b + o + 4); out[2] = (uint16_t)le16(b + o + 2);
	out[3] = (uint16_t)le16(b + o);)
PACKED_READER(read_ARGB16161616, 8,
	out[0] = (uint16_t)le16(b + o + 6); out[1] = (uint16_t)le16(b + o + 4);
	out[2] = (uint16_t)le16(b + o + 2); out[3] = (uint16_t)le16(b + o);)

/* One 16-bit channel from a matrix row sum (2^16 scaled): rounded, clamped. */
static inline uint16_t yuv_channel(int64_t v)
{
	v += 1 << 15;
	if (v <= 0)
		return 0;
	v >>= 16;
	return v > 0xffff ? 0xffff : (uint16_t)v;
}

/*
 * NV12: plane 0 holds Y', one byte a pixel; plane 1 holds Cb, Cr byte pairs
 * for each 2x2 block (drm_fourcc.h: "2x2 subsampled Cr:Cb plane", Cb first
 * in memory).  A pixel takes its block's chroma sample, as vkms does (no
 * chroma interpolation).
 */
static void read_NV12(const struct vkms_fb_src *s, int32_t x, int32_t y, int32_t dx, int32_t dy,
		      uint32_t n, uint16_t *out)
{
	const struct vkms_yuv_matrix *m = s->yuv;

	for (uint32_t i = 0; i < n; i++, x += dx, y += dy, out += 4) {
		int64_t luma = s->plane[0][(size_t)y * s->pitch[0] + (size_t)x];
		const uint8_t *c = s->plane[1] + (size_t)(y / 2) * s->pitch[1] + (size_t)(x / 2) * 2;
		int64_t cb = (int64_t)c[0] - 128, cr = (int64_t)c[1] - 128;
		int64_t yy = m->y * (luma - m->y_offset);

		out[0] = 0xffff;
		out[1] = yuv_channel(yy + m->rv * cr);
		out[2] = yuv_channel(yy - m->gu * cb - m->gv * cr);
		out[3] = yuv_channel(yy + m->bu * cb);
	}
}

/*
 * BT.601: E'Y = Kr R + (1 - Kr - Kb) G + Kb B, with Kr = 0.299, Kb = 0.114.
 * Limited range puts Y' on 219 steps above 16 and Cb, Cr on 224 steps around
 * 128, so R16 = 65535/219 (Y' - 16) + 65535/224 * 2(1 - Kr) (Cr - 128),
 * G16 = ... - 65535/224 * (2(1 - Kb) Kb / Kg (Cb - 128) + 2(1 - Kr) Kr / Kg (Cr - 128)),
 * B16 = ... + 65535/224 * 2(1 - Kb) (Cb - 128).  Coefficients scaled by 2^16.
 */
#define BT601_KR 0.299
#define BT601_KB 0.114
#define BT601_KG (1.0 - BT601_KR - BT601_KB)
#define COEF(v) ((int64_t)((v) * 65536.0 + 0.5))
const struct vkms_yuv_matrix vkms_yuv_bt601_limited = {
	.y_offset = 16,
	.y = COEF(65535.0 / 219.0),
	.rv = COEF(65535.0 / 224.0 * 2.0 * (1.0 - BT601_KR)),
	.gu = COEF(65535.0 / 224.0 * 2.0 * (1.0 - BT601_KB) * BT601_KB / BT601_KG),
	.gv = COEF(65535.0 / 224.0 * 2.0 * (1.0 - BT601_KR) * BT601_KR / BT601_KG),
	.bu = COEF(65535.0 / 224.0 * 2.0 * (1.0 - BT601_KB)),
};

vkms_read_row_t vkms_format_reader(uint32_t format, bool *opaque)
{
	*opaque = true;
	switch (format) {
	case DRM_FORMAT_XRGB8888:
		return read_XRGB8888;
	case DRM_FORMAT_XBGR8888:
		return read_XBGR8888;
	case DRM_FORMAT_RGB565:
		return read_RGB565;
	case DRM_FORMAT_XRGB2101010:
		return read_XRGB2101010;
	case DRM_FORMAT_XRGB16161616:
		return read_XRGB16161616;
	case DRM_FORMAT_NV12:
		return read_NV12;
	}
	*opaque = false;
	switch (format) {
	case DRM_FORMAT_ARGB8888:
		return read_ARGB8888;
	case DRM_FORMAT_ABGR8888:
		return read_ABGR8888;
	case DRM_FORMAT_ARGB2101010:
		return read_ARGB2101010;
	case DRM_FORMAT_ARGB16161616:
		return read_ARGB16161616;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Writers (writeback)                                                  */
/* ------------------------------------------------------------------ */

static void write_ARGB8888(uint8_t *d, const uint16_t *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, d += 4, in += 4) {
		d[0] = to8(in[3]);
		d[1] = to8(in[2]);
		d[2] = to8(in[1]);
		d[3] = to8(in[0]);
	}
}

static void write_XRGB8888(uint8_t *d, const uint16_t *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, d += 4, in += 4) {
		d[0] = to8(in[3]);
		d[1] = to8(in[2]);
		d[2] = to8(in[1]);
		d[3] = 0xff;
	}
}

static void write_ARGB16161616(uint8_t *d, const uint16_t *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, d += 8, in += 4) {
		put16(d, in[3]);
		put16(d + 2, in[2]);
		put16(d + 4, in[1]);
		put16(d + 6, in[0]);
	}
}

static void write_XRGB16161616(uint8_t *d, const uint16_t *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, d += 8, in += 4) {
		put16(d, in[3]);
		put16(d + 2, in[2]);
		put16(d + 4, in[1]);
		put16(d + 6, 0xffff);
	}
}

static void write_RGB565(uint8_t *d, const uint16_t *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++, d += 2, in += 4)
		put16(d, to5(in[1]) << 11 | to6(in[2]) << 5 | to5(in[3]));
}

vkms_write_row_t vkms_format_writer(uint32_t format)
{
	switch (format) {
	case DRM_FORMAT_ARGB8888:
		return write_ARGB8888;
	case DRM_FORMAT_XRGB8888:
		return write_XRGB8888;
	case DRM_FORMAT_ARGB16161616:
		return write_ARGB16161616;
	case DRM_FORMAT_XRGB16161616:
		return write_XRGB16161616;
	case DRM_FORMAT_RGB565:
		return write_RGB565;
	}
	return NULL;
}
