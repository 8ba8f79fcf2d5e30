/*
 * vgem_drm.h - the vgem driver's uAPI.  libdrm does not ship this header; the
 * definitions follow the kernel's include/uapi/drm/vgem_drm.h (Linux 6.1),
 * ioctl for ioctl and field for field.
 */
#ifndef CUSE_DRM_VGEM_DRM_H
#define CUSE_DRM_VGEM_DRM_H

#include <drm.h>

/* Please note that modifications to all structs defined here are subject to backwards-compatibility
 * constraints: these are the kernel's numbers and layouts. */
#define DRM_VGEM_FENCE_ATTACH 0x1
#define DRM_VGEM_FENCE_SIGNAL 0x2

#define DRM_IOCTL_VGEM_FENCE_ATTACH DRM_IOWR(DRM_COMMAND_BASE + DRM_VGEM_FENCE_ATTACH, struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL DRM_IOW(DRM_COMMAND_BASE + DRM_VGEM_FENCE_SIGNAL, struct drm_vgem_fence_signal)

/** struct drm_vgem_fence_attach - attach a new fence to GEM object @handle; @out_fence is its id. */
struct drm_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
#define VGEM_FENCE_WRITE 0x1
	__u32 out_fence;
	__u32 pad;
};

/** struct drm_vgem_fence_signal - signal fence @fence of this file; @flags must be 0. */
struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#endif
