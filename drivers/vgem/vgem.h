/* vgem.h - the virtual GEM provider driver (kernel: drivers/gpu/drm/vgem). */
#ifndef CUSE_DRM_VGEM_H
#define CUSE_DRM_VGEM_H

#include "core/drm_driver.h"

extern const struct drm_driver vgem_driver;

#endif
