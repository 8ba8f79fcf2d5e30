/*
 * vkms_composer.c - the CRTC's output image (kernel: vkms_composer.c).
 *
 * Black background, then the primary plane's framebuffer region
 * (src_* in 16.16) placed at its CRTC rectangle.  XRGB8888 and ARGB8888 are
 * read as premultiplied, so over black the colour channels show as they are.
 */
#include <errno.h>
#include <string.h>

#include "drivers/vkms/vkms.h"

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
	return 0;
}
