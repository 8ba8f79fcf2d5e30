/*
 * drm_prime.c - PRIME: GEM objects as shareable buffers, the core's half.
 *
 * The exported "dma-buf" is the object's shareable memory (a sealed memfd on
 * Linux, DESIGN.md decision 5); the front end turns it into a client fd and
 * back.  Semantics follow the kernel's drm_prime.c (Linux 6.1): a file keeps
 * a cache of the buffers it exported or imported with their handles
 * (drm_prime_add_buf_handle), so importing its own export returns the
 * original handle (self-import), and a handle's cache entry goes with it.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"

/*
 * drm.h defines DRM_CLOEXEC and DRM_RDWR as O_CLOEXEC and O_RDWR from
 * <fcntl.h>, which the core may not include; these are their values in the
 * Linux x86/arm/generic ABI that clients pass.
 */
#define PRIME_FLAG_CLOEXEC 02000000u
#define PRIME_FLAG_RDWR 02u

/** struct drm_prime_member - one entry of a file's PRIME cache: buffer (by object) -> handle. */
struct drm_prime_member {
	struct drm_gem_object *obj;
	uint32_t handle;
	struct drm_list_head link;
};

static int drm_prime_add_buf_handle(struct drm_file *file, struct drm_gem_object *obj, uint32_t handle)
{
	struct drm_prime_member *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->obj = obj;
	m->handle = handle;
	drm_list_add_tail(&m->link, &file->prime);
	return 0;
}

static struct drm_prime_member *drm_prime_lookup_obj(struct drm_file *file, struct drm_gem_object *obj)
{
	struct drm_prime_member *m;

	drm_list_for_each(m, &file->prime, struct drm_prime_member, link)
		if (m->obj == obj)
			return m;
	return NULL;
}

/** drm_prime_remove_buf_handle() - a handle went away: forget its cache entry. */
void drm_prime_remove_buf_handle(struct drm_file *file, uint32_t handle)
{
	struct drm_prime_member *m, *tmp;

	drm_list_for_each_safe(m, tmp, &file->prime, struct drm_prime_member, link) {
		if (m->handle == handle) {
			drm_list_del(&m->link);
			free(m);
		}
	}
}

int drm_prime_handle_to_shmem(struct drm_file *file, uint32_t handle, uint32_t flags,
			      struct drm_shmem **shmem)
{
	struct drm_device *dev = file->dev;
	struct drm_gem_object *obj;
	int ret = 0;

	drm_platform_mutex_lock(dev->lock);
	if (!drm_core_check_feature(dev, DRIVER_GEM)) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	/* Check flags are valid. */
	if (flags & ~(PRIME_FLAG_CLOEXEC | PRIME_FLAG_RDWR)) {
		ret = -EINVAL;
		goto out;
	}
	obj = drm_gem_object_lookup(file, handle);
	if (!obj) {
		ret = -ENOENT;
		goto out;
	}
	if (!drm_prime_lookup_obj(file, obj))
		ret = drm_prime_add_buf_handle(file, obj, handle);
	if (!ret)
		*shmem = drm_platform_shmem_get(obj->shmem);
out:
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

int drm_prime_shmem_to_handle(struct drm_file *file, struct drm_shmem *shmem, uint32_t *handle)
{
	struct drm_device *dev = file->dev;
	struct drm_gem_object *obj, *found = NULL;
	struct drm_prime_member *m;
	uint64_t size = drm_platform_shmem_size(shmem);
	int ret;

	drm_platform_mutex_lock(dev->lock);
	if (!drm_core_check_feature(dev, DRIVER_GEM)) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	drm_list_for_each(obj, &dev->gem_objects, struct drm_gem_object, head) {
		if (obj->shmem == shmem) {
			found = obj;
			break;
		}
	}
	if (found) {
		m = drm_prime_lookup_obj(file, found);
		if (m) {
			*handle = m->handle;
			ret = 0;
			goto out;
		}
		drm_gem_object_get(found);
	} else {
		/* A buffer whose object is gone (or another device's): wrap it in a new object. */
		ret = drm_gem_object_create(dev, size, shmem, &found);
		if (ret)
			goto out;
	}
	ret = drm_gem_handle_create(file, found, handle);
	if (!ret) {
		ret = drm_prime_add_buf_handle(file, found, *handle);
		if (ret)
			drm_gem_handle_delete(file, *handle);
	}
	drm_gem_object_put(found);
out:
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

/* linux/dma-buf.h: DMA_BUF_SYNC_READ and DMA_BUF_SYNC_WRITE (not a DRM header). */
#define DMA_BUF_SYNC_READ_FLAG (1u << 0)
#define DMA_BUF_SYNC_WRITE_FLAG (1u << 1)

int drm_prime_shmem_export_sync_file(struct drm_device *dev, struct drm_shmem *shmem, uint32_t flags,
				     const struct drm_fd_ops *fds, int32_t *fd)
{
	const uint32_t rw = DMA_BUF_SYNC_READ_FLAG | DMA_BUF_SYNC_WRITE_FLAG;
	struct drm_gem_object *obj, *found = NULL;
	struct drm_fence *fence = NULL;
	int ret = 0;

	if ((flags & ~rw) || !(flags & rw))
		return -EINVAL;
	drm_platform_mutex_lock(dev->lock);
	drm_list_for_each(obj, &dev->gem_objects, struct drm_gem_object, head) {
		if (obj->shmem == shmem) {
			found = obj;
			break;
		}
	}
	/* dma_resv_usage_rw(): a writer waits for everyone, a reader for the writers. */
	if (found)
		ret = drm_gem_resv_get_singleton(found, (flags & DMA_BUF_SYNC_WRITE_FLAG) ?
						 DRM_RESV_USAGE_READ : DRM_RESV_USAGE_WRITE, &fence);
	if (!ret && !fence) {
		fence = drm_fence_create_signaled();
		if (!fence)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = fds->fence_to_sync_file(fds->ctx, fence, fd);
	drm_fence_put(fence);
	drm_platform_mutex_unlock(dev->lock);
	return ret;
}

/*
 * The ioctls themselves only reach the core when no client shim carried
 * them: a reply through CUSE cannot hold a file descriptor.  They check their
 * arguments as the kernel does, then fail with EOPNOTSUPP.
 */

/** drm_prime_handle_to_fd_ioctl() - DRM_IOCTL_PRIME_HANDLE_TO_FD without an fd transport. */
int drm_prime_handle_to_fd_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_prime_handle *args = data;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	if (args->flags & ~(PRIME_FLAG_CLOEXEC | PRIME_FLAG_RDWR))
		return -EINVAL;
	if (!drm_gem_object_lookup(file, args->handle))
		return -ENOENT;
	drm_dbg("PRIME_HANDLE_TO_FD reached the daemon: the client runs without the shim");
	return -EOPNOTSUPP;
}

/** drm_prime_fd_to_handle_ioctl() - DRM_IOCTL_PRIME_FD_TO_HANDLE without an fd transport. */
int drm_prime_fd_to_handle_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	(void)data;
	(void)file;
	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	drm_dbg("PRIME_FD_TO_HANDLE reached the daemon: the client runs without the shim");
	return -EOPNOTSUPP;
}
