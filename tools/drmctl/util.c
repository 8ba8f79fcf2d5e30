// SPDX-License-Identifier: MIT
/*
 * drmctl: formatting of DRM values, and GEM handle cleanup.
 */
#include <ctype.h>
#include <stdio.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "drmctl.h"

const char *drmctl_fourcc_str(uint32_t format, char *buf)
{
	uint32_t code = format & ~DRM_FORMAT_BIG_ENDIAN;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned char c = (code >> (8 * i)) & 0xff;

		buf[i] = isprint(c) ? (char)c : '?';
	}
	buf[4] = '\0';
	if (format & DRM_FORMAT_BIG_ENDIAN)
		snprintf(buf + 4, DRMCTL_FOURCC_LEN - 4, "-BE");
	return buf;
}

const char *drmctl_format_name(uint32_t format)
{
	static const struct {
		uint32_t format;
		const char *name;
	} names[] = {
		{ DRM_FORMAT_C8, "C8" },
		{ DRM_FORMAT_XRGB1555, "XRGB1555" },
		{ DRM_FORMAT_ARGB1555, "ARGB1555" },
		{ DRM_FORMAT_RGB565, "RGB565" },
		{ DRM_FORMAT_BGR565, "BGR565" },
		{ DRM_FORMAT_RGB888, "RGB888" },
		{ DRM_FORMAT_BGR888, "BGR888" },
		{ DRM_FORMAT_XRGB8888, "XRGB8888" },
		{ DRM_FORMAT_ARGB8888, "ARGB8888" },
		{ DRM_FORMAT_XBGR8888, "XBGR8888" },
		{ DRM_FORMAT_ABGR8888, "ABGR8888" },
		{ DRM_FORMAT_RGBX8888, "RGBX8888" },
		{ DRM_FORMAT_RGBA8888, "RGBA8888" },
		{ DRM_FORMAT_BGRX8888, "BGRX8888" },
		{ DRM_FORMAT_BGRA8888, "BGRA8888" },
		{ DRM_FORMAT_XRGB2101010, "XRGB2101010" },
		{ DRM_FORMAT_ARGB2101010, "ARGB2101010" },
		{ DRM_FORMAT_XBGR2101010, "XBGR2101010" },
		{ DRM_FORMAT_ABGR2101010, "ABGR2101010" },
		{ DRM_FORMAT_XRGB16161616F, "XRGB16161616F" },
		{ DRM_FORMAT_ABGR16161616F, "ABGR16161616F" },
		{ DRM_FORMAT_YUYV, "YUYV" },
		{ DRM_FORMAT_UYVY, "UYVY" },
		{ DRM_FORMAT_NV12, "NV12" },
		{ DRM_FORMAT_NV21, "NV21" },
		{ DRM_FORMAT_P010, "P010" },
		{ DRM_FORMAT_YUV420, "YUV420" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].format == format)
			return names[i].name;
	return NULL;
}

double drmctl_mode_refresh(const drmModeModeInfo *mode)
{
	double r;

	if (!mode->htotal || !mode->vtotal)
		return mode->vrefresh;
	r = mode->clock * 1000.0 / ((double)mode->htotal * mode->vtotal);
	if (mode->flags & DRM_MODE_FLAG_INTERLACE)
		r *= 2;
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN)
		r /= 2;
	if (mode->vscan > 1)
		r /= mode->vscan;
	return r;
}

const char *drmctl_mode_str(const drmModeModeInfo *mode, char *buf,
			    size_t size)
{
	snprintf(buf, size, "%ux%u%s@%.2f", mode->hdisplay, mode->vdisplay,
		 (mode->flags & DRM_MODE_FLAG_INTERLACE) ? "i" : "",
		 drmctl_mode_refresh(mode));
	return buf;
}

const char *drmctl_encoder_type_name(uint32_t type)
{
	static const char *const names[] = {
		[DRM_MODE_ENCODER_NONE] = "None",
		[DRM_MODE_ENCODER_DAC] = "DAC",
		[DRM_MODE_ENCODER_TMDS] = "TMDS",
		[DRM_MODE_ENCODER_LVDS] = "LVDS",
		[DRM_MODE_ENCODER_TVDAC] = "TVDAC",
		[DRM_MODE_ENCODER_VIRTUAL] = "Virtual",
		[DRM_MODE_ENCODER_DSI] = "DSI",
		[DRM_MODE_ENCODER_DPMST] = "DPMST",
		[DRM_MODE_ENCODER_DPI] = "DPI",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *drmctl_connection_name(drmModeConnection connection)
{
	switch (connection) {
	case DRM_MODE_CONNECTED:
		return "connected";
	case DRM_MODE_DISCONNECTED:
		return "disconnected";
	case DRM_MODE_UNKNOWNCONNECTION:
		break;
	}
	return "unknown";
}

void drmctl_gem_close(int fd, const uint32_t *handles, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct drm_gem_close req = { .handle = handles[i] };
		size_t j;

		if (!handles[i])
			continue;
		for (j = 0; j < i; j++)
			if (handles[j] == handles[i])
				break;
		if (j < i)
			continue;
		if (drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &req) != 0)
			drmctl_err("GEM_CLOSE of handle %u failed: %m",
				   handles[i]);
	}
}
