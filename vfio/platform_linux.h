/*
 * platform_linux.h - Linux-only extras of the platform layer (vfio/platform_linux.c).
 *
 * core/platform.h is the OS-neutral contract; these functions are for the
 * Linux front end (cuse-drm/) only, never for core/ or drivers/.
 */
#ifndef CUSE_DRM_PLATFORM_LINUX_H
#define CUSE_DRM_PLATFORM_LINUX_H

#include "platform.h"

/**
 * drm_platform_linux_set_log_level() - set the log threshold.
 * @level: an enum drm_log_level value (3 = ERR .. 7 = DEBUG); lines with a
 *     numerically greater level are dropped, as with the kernel's loglevel.
 *     The default is DRM_LOG_INFO; `cuse-drm --debug` sets DRM_LOG_DEBUG.
 * Thread-safe; takes effect for the next line logged.
 */
void drm_platform_linux_set_log_level(int level);

/** drm_platform_linux_get_log_level() - the current threshold (see above). */
int drm_platform_linux_get_log_level(void);

/**
 * drm_platform_linux_shmem_fd() - the sealed memfd behind @shmem.
 *
 * Not dup'd: the descriptor belongs to @shmem and stays valid while the
 * caller holds a reference.  The side channel passes it to a client with
 * SCM_RIGHTS (which duplicates it into the receiver), and VFIO DMA-maps its
 * pages.  The memfd is sealed with F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL, so
 * a client can neither truncate nor grow it under the daemon's mapping.
 */
int drm_platform_linux_shmem_fd(const struct drm_shmem *shmem);

/**
 * drm_platform_linux_shmem_import() - the shmem behind a client's dma-buf fd
 * (PRIME_FD_TO_HANDLE).
 * @fd: the received descriptor; the caller still owns (and closes) it.
 * @out: on success, a new reference.
 *
 * If @fd is the memfd of a live shmem of this process (same st_dev and
 * st_ino), that shmem comes back, so the core recognises its own buffers.
 * Otherwise only a memfd sealed with at least F_SEAL_SHRINK|F_SEAL_GROW is
 * accepted: it is dup'd and mapped, its size taken from fstat.
 * Returns 0, -EBADF for a bad fd, -EINVAL for an fd that is no such memfd
 * (as dma_buf_get() answers for a file that is not a dma-buf), or -errno.
 */
int drm_platform_linux_shmem_import(int fd, struct drm_shmem **out);

/**
 * drm_platform_linux_shmem_lookup() - the live shmem of this process whose
 * memfd @fd is (same st_dev and st_ino), with a new reference; NULL when @fd
 * is anything else.  Unlike drm_platform_linux_shmem_import() it never
 * adopts a foreign memfd.
 */
struct drm_shmem *drm_platform_linux_shmem_lookup(int fd);

#endif
