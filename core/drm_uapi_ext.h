/*
 * drm_uapi_ext.h - DRM uAPI that is newer than the headers of libdrm 2.4.114
 * (Debian 12), defined here only where the shipped drm.h lacks it
 * (DESIGN.md decision 1).  Source: include/uapi/drm/drm.h of Linux 6.8:
 *   - DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE and drm_syncobj_wait.deadline_nsec (6.4);
 *   - DRM_IOCTL_SYNCOBJ_EVENTFD and struct drm_syncobj_eventfd (6.6);
 *   - DRM_SYNCOBJ_{FD_TO_HANDLE,HANDLE_TO_FD}_FLAGS_TIMELINE and
 *     drm_syncobj_handle.point (6.8).
 * Structs that grew keep their old prefix, so old clients (shorter structs)
 * work: the ioctl layer zero-extends what they pass, as the kernel does.
 */
#ifndef CUSE_DRM_UAPI_EXT_H
#define CUSE_DRM_UAPI_EXT_H

#include <drm.h>

#ifndef DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE
#define DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE (1 << 3) /* set fence deadline to deadline_nsec */
#endif

#ifndef DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE
#define DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_TIMELINE (1 << 1)
#endif
#ifndef DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE
#define DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE (1 << 1)
#endif

/** struct drm_syncobj_handle_v2 - struct drm_syncobj_handle with Linux 6.8's timeline @point. */
struct drm_syncobj_handle_v2 {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 pad;
	__u64 point;
};

/** struct drm_syncobj_wait_v2 - struct drm_syncobj_wait with Linux 6.4's @deadline_nsec. */
struct drm_syncobj_wait_v2 {
	__u64 handles;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
	__u64 deadline_nsec;
};

/** struct drm_syncobj_timeline_wait_v2 - struct drm_syncobj_timeline_wait with @deadline_nsec. */
struct drm_syncobj_timeline_wait_v2 {
	__u64 handles;
	__u64 points;
	__s64 timeout_nsec;
	__u32 count_handles;
	__u32 flags;
	__u32 first_signaled;
	__u32 pad;
	__u64 deadline_nsec;
};

#ifndef DRM_IOCTL_SYNCOBJ_EVENTFD
/**
 * struct drm_syncobj_eventfd - signal eventfd @fd when point @point of
 * syncobj @handle signals (or, with DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE in
 * @flags, when a fence for it is submitted).  @pad must be 0.
 */
struct drm_syncobj_eventfd {
	__u32 handle;
	__u32 flags;
	__u64 point;
	__s32 fd;
	__u32 pad;
};
#define DRM_IOCTL_SYNCOBJ_EVENTFD DRM_IOWR(0xCF, struct drm_syncobj_eventfd)
#endif

/* The table's own definitions, sized as the current kernel's. */
#define DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD_V2 DRM_IOWR(0xC1, struct drm_syncobj_handle_v2)
#define DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE_V2 DRM_IOWR(0xC2, struct drm_syncobj_handle_v2)
#define DRM_IOCTL_SYNCOBJ_WAIT_V2 DRM_IOWR(0xC3, struct drm_syncobj_wait_v2)
#define DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_V2 DRM_IOWR(0xCA, struct drm_syncobj_timeline_wait_v2)

#endif
