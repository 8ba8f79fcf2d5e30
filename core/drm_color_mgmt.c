/*
 * drm_color_mgmt.c - a CRTC's gamma LUT: the GAMMA_LUT and GAMMA_LUT_SIZE
 * properties and the legacy MODE_GETGAMMA / MODE_SETGAMMA ioctls.
 *
 * Mirrors the kernel's drm_color_mgmt.c as vkms uses it since Linux 6.6
 * (vkms_crtc_init(): drm_mode_crtc_set_gamma_size() and
 * drm_crtc_enable_color_mgmt(crtc, 0, false, VKMS_LUT_SIZE)): no degamma
 * LUT and no CTM.  The legacy table lives in crtc->gamma_store (16-bit
 * red, green and blue ramps); SETGAMMA copies the client's ramps there and
 * commits them as a GAMMA_LUT blob (drm_crtc_legacy_gamma_set()); GETGAMMA
 * reads the store back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"

int drm_mode_crtc_set_gamma_size(struct drm_crtc *crtc, uint32_t gamma_size)
{
	uint16_t *store;

	if (gamma_size == 0 || gamma_size > DRM_GAMMA_SIZE_MAX)
		return -EINVAL;
	store = calloc((size_t)gamma_size * 3, sizeof(*store));
	if (!store)
		return -ENOMEM;
	/* The kernel's linear default: entry i is i << 8 in each ramp. */
	for (uint32_t i = 0; i < gamma_size; i++)
		store[i] = store[gamma_size + i] = store[2 * gamma_size + i] = (uint16_t)(i << 8);
	free(crtc->gamma_store);
	crtc->gamma_store = store;
	crtc->gamma_size = gamma_size;
	return 0;
}

int drm_crtc_enable_color_mgmt(struct drm_crtc *crtc, uint32_t gamma_lut_size)
{
	struct drm_device *dev = crtc->dev;
	int ret;

	if (gamma_lut_size == 0)
		return 0;
	ret = drm_color_props_init(dev);
	if (ret)
		return ret;
	drm_object_attach_property(&crtc->props, dev->prop.gamma_lut, 0);
	drm_object_attach_property(&crtc->props, dev->prop.gamma_lut_size, gamma_lut_size);
	return 0;
}

uint32_t drm_color_lut_size(const struct drm_property_blob *blob)
{
	return blob ? blob->length / (uint32_t)sizeof(struct drm_color_lut) : 0;
}

/* drm_crtc_supports_legacy_gamma(): a gamma size and a GAMMA_LUT to carry it. */
static bool drm_crtc_supports_legacy_gamma(const struct drm_crtc *crtc)
{
	const struct drm_device *dev = crtc->dev;

	if (!crtc->gamma_size || !crtc->gamma_store || !dev->prop.gamma_lut)
		return false;
	for (uint32_t i = 0; i < crtc->props.count; i++)
		if (crtc->props.props[i] == dev->prop.gamma_lut)
			return true;
	return false;
}

int drm_mode_gamma_get_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc_lut *lut = data;
	struct drm_crtc *crtc;
	size_t size;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	crtc = drm_crtc_find(dev, lut->crtc_id);
	if (!crtc)
		return -ENOENT;
	/* The size must match (a CRTC without a table has size 0, so only 0 matches there). */
	if (lut->gamma_size != crtc->gamma_size)
		return -EINVAL;
	if (!crtc->gamma_store)
		return 0;
	size = (size_t)crtc->gamma_size * sizeof(uint16_t);
	ret = drm_copy_to_user(file, lut->red, crtc->gamma_store, size);
	if (!ret)
		ret = drm_copy_to_user(file, lut->green, crtc->gamma_store + crtc->gamma_size, size);
	if (!ret)
		ret = drm_copy_to_user(file, lut->blue, crtc->gamma_store + 2 * crtc->gamma_size, size);
	return ret;
}

int drm_mode_gamma_set_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc_lut *lut = data;
	struct drm_property_blob *blob;
	struct drm_color_lut *entries;
	struct drm_crtc *crtc;
	uint16_t *ramps;
	size_t size;
	bool done;
	int ret;

	ret = drm_atomic_resume(dev, file, &done);
	if (done)
		return ret;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	crtc = drm_crtc_find(dev, lut->crtc_id);
	if (!crtc)
		return -ENOENT;
	if (!drm_crtc_supports_legacy_gamma(crtc))
		return -ENOSYS;
	if (lut->gamma_size != crtc->gamma_size)
		return -EINVAL;
	/* Read all three ramps before anything changes: the call may be run again. */
	size = (size_t)crtc->gamma_size * sizeof(uint16_t);
	ramps = malloc(size * 3);
	if (!ramps)
		return -ENOMEM;
	ret = drm_copy_from_user(file, ramps, lut->red, size);
	if (!ret)
		ret = drm_copy_from_user(file, ramps + crtc->gamma_size, lut->green, size);
	if (!ret)
		ret = drm_copy_from_user(file, ramps + 2 * crtc->gamma_size, lut->blue, size);
	if (ret) {
		free(ramps);
		return ret;
	}
	blob = drm_property_create_blob(dev, NULL, crtc->gamma_size * (uint32_t)sizeof(*entries));
	if (!blob) {
		free(ramps);
		return -ENOMEM;
	}
	entries = (struct drm_color_lut *)(void *)blob->data;
	for (uint32_t i = 0; i < crtc->gamma_size; i++) {
		entries[i].red = ramps[i];
		entries[i].green = ramps[crtc->gamma_size + i];
		entries[i].blue = ramps[2 * crtc->gamma_size + i];
		entries[i].reserved = 0;
	}
	/* The kernel fills gamma_store before the commit, whatever the commit says. */
	memcpy(crtc->gamma_store, ramps, size * 3);
	free(ramps);
	return drm_atomic_helper_legacy_gamma_set(crtc, blob, file);
}
