/*
 * vkms_composer.c - the CRTC's output image (kernel: vkms_composer.c).
 *
 * Black background, then the primary plane's framebuffer region
 * (src_* in 16.16) placed at its CRTC rectangle, then the cursor plane
 * blended over it.  ARGB8888 is premultiplied alpha, as vkms's
 * pre_mul_alpha_blend() takes it: out = src + dst * (1 - src_alpha); the
 * primary plane's alpha is ignored (over black it shows as it is).
 */
#include <errno.h>
#include <string.h>

#include "drivers/vkms/vkms.h"

/* One 8-bit channel of premultiplied "over": src + dst * (255 - a) / 255, rounded. */
static uint32_t blend_channel(uint32_t src, uint32_t dst, uint32_t a)
{
	uint32_t v = src + (dst * (255 - a) + 127) / 255;

	return v > 255 ? 255 : v;
}

/* Blend the cursor plane's framebuffer over @pixels. */
static void vkms_compose_cursor(const struct drm_plane_state *ps, uint32_t *pixels, uint32_t w, uint32_t h)
{
	const struct drm_framebuffer *fb = ps->fb;
	const uint8_t *base = (const uint8_t *)drm_gem_object_vaddr(fb->obj[0]) + fb->offsets[0];

	for (uint32_t y = 0; y < ps->crtc_h && y < fb->height; y++) {
		int64_t dy = (int64_t)ps->crtc_y + y;
		const uint32_t *row = (const uint32_t *)(const void *)(base + (size_t)y * fb->pitches[0]);

		if (dy < 0 || dy >= h)
			continue;
		for (uint32_t x = 0; x < ps->crtc_w && x < fb->width; x++) {
			int64_t dx = (int64_t)ps->crtc_x + x;
			uint32_t s, d, a, out = 0xff000000u;

			if (dx < 0 || dx >= w)
				continue;
			s = row[x];
			d = pixels[(size_t)dy * w + (size_t)dx];
			a = s >> 24;
			for (int shift = 0; shift < 24; shift += 8)
				out |= blend_channel((s >> shift) & 0xff, (d >> shift) & 0xff, a) << shift;
			pixels[(size_t)dy * w + (size_t)dx] = out;
		}
	}
}

int vkms_compose_crtc(struct drm_crtc *crtc, uint32_t *pixels, uint32_t w, uint32_t h)
{
	const struct drm_plane_state *ps = &crtc->primary->state;
	const struct drm_framebuffer *fb = ps->fb;
	const uint8_t *base;
	uint32_t sx, sy, x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			pixels[(size_t)y * w + x] = 0xff000000u;
	if (!fb)
		return 0;
	if (fb->format->format != DRM_FORMAT_XRGB8888 && fb->format->format != DRM_FORMAT_ARGB8888)
		return -EINVAL;
	base = (const uint8_t *)drm_gem_object_vaddr(fb->obj[0]) + fb->offsets[0];
	sx = ps->src_x >> 16;
	sy = ps->src_y >> 16;
	for (y = 0; y < ps->crtc_h; y++) {
		int64_t dy = (int64_t)ps->crtc_y + y;
		const uint32_t *row;

		if (dy < 0 || dy >= h || sy + y >= fb->height)
			continue;
		row = (const uint32_t *)(const void *)(base + (size_t)(sy + y) * fb->pitches[0]);
		for (x = 0; x < ps->crtc_w; x++) {
			int64_t dx = (int64_t)ps->crtc_x + x;

			if (dx < 0 || dx >= w || sx + x >= fb->width)
				continue;
			pixels[(size_t)dy * w + (size_t)dx] = 0xff000000u | (row[sx + x] & 0x00ffffffu);
		}
	}
	if (crtc->cursor && crtc->cursor->state.fb && crtc->cursor->state.crtc == crtc)
		vkms_compose_cursor(&crtc->cursor->state, pixels, w, h);
	return 0;
}
