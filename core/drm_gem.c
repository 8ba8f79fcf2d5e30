/*
 * drm_gem.c - GEM objects, per-file handles, dumb buffers and mmap offsets.
 *
 * Mirrors the kernel's drivers/gpu/drm/drm_gem.c (handles, GEM_CLOSE,
 * drm_gem_dumb_map_offset), drm_dumb_buffers.c (the size checks of
 * drm_mode_create_dumb) and drm_gem_shmem_helper.c (pitch and size rules of
 * drm_gem_shmem_dumb_create).  Backing store is platform shareable memory
 * (DESIGN.md decision 5).
 */
#include <errno.h>
#include <stdlib.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"

#define PAGE_SIZE 4096ull
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

void *drm_gem_object_vaddr(struct drm_gem_object *obj)
{
	return drm_platform_shmem_vaddr(obj->shmem);
}

/**
 * drm_gem_object_create() - a GEM object of @size bytes (a page multiple) with
 * one reference, backed by @shmem (a new reference is taken) or, when @shmem
 * is NULL, by new zeroed memory.  Returns 0, -EINVAL or -ENOMEM.
 */
int drm_gem_object_create(struct drm_device *dev, uint64_t size, struct drm_shmem *shmem,
			  struct drm_gem_object **out)
{
	struct drm_gem_object *obj;

	if (!size || size != PAGE_ALIGN(size))
		return -EINVAL;
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->shmem = shmem ? drm_platform_shmem_get(shmem) : drm_platform_shmem_alloc(size);
	if (!obj->shmem) {
		free(obj);
		return -ENOMEM;
	}
	obj->dev = dev;
	obj->size = size;
	obj->refcount = 1;
	drm_list_init(&obj->resv);
	drm_list_add_tail(&obj->head, &dev->gem_objects);
	*out = obj;
	return 0;
}

void drm_gem_object_get(struct drm_gem_object *obj)
{
	obj->refcount++;
}

void drm_gem_object_put(struct drm_gem_object *obj)
{
	if (!obj || --obj->refcount)
		return;
	if (obj->dev->driver->gem_free_object)
		obj->dev->driver->gem_free_object(obj);
	drm_list_del(&obj->head);
	drm_gem_resv_fini(obj);
	drm_platform_shmem_put(obj->shmem);
	free(obj);
}

int drm_gem_handle_create(struct drm_file *file, struct drm_gem_object *obj, uint32_t *handle)
{
	uint32_t h = drm_idr_alloc(&file->handles, obj);

	if (!h)
		return -ENOMEM;
	drm_gem_object_get(obj);
	obj->handle_count++;
	if (obj->dev->driver->gem_open_object) {
		int ret = obj->dev->driver->gem_open_object(obj, file);

		if (ret) {
			drm_idr_remove(&file->handles, h);
			obj->handle_count--;
			drm_gem_object_put(obj);
			return ret;
		}
	}
	*handle = h;
	return 0;
}

/** drm_gem_handle_delete() - drop @handle; -EINVAL when @file has no such handle, as the kernel. */
int drm_gem_handle_delete(struct drm_file *file, uint32_t handle)
{
	struct drm_gem_object *obj = drm_idr_remove(&file->handles, handle);

	if (!obj)
		return -EINVAL;
	drm_prime_remove_buf_handle(file, handle);
	if (obj->dev->driver->gem_close_object)
		obj->dev->driver->gem_close_object(obj, file);
	/* drm_gem_object_handle_free(): the flink name dies with the last handle. */
	if (--obj->handle_count == 0 && obj->name) {
		drm_idr_remove(&file->dev->object_names, obj->name);
		obj->name = 0;
	}
	drm_gem_object_put(obj);
	return 0;
}

struct drm_gem_object *drm_gem_object_lookup(struct drm_file *file, uint32_t handle)
{
	return drm_idr_find(&file->handles, handle);
}

/** drm_gem_release() - drop all of @file's handles (drm_gem_release() at close). */
void drm_gem_release(struct drm_file *file)
{
	uint32_t id = 0;
	void *p;

	while ((id = drm_idr_next(&file->handles, id, &p)) != 0)
		drm_gem_handle_delete(file, id);
}

/** drm_gem_close_ioctl() - DRM_IOCTL_GEM_CLOSE. */
int drm_gem_close_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_gem_close *args = data;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	return drm_gem_handle_delete(file, args->handle);
}

/** drm_gem_flink_ioctl() - DRM_IOCTL_GEM_FLINK: a global name for a handle's object (stable once made). */
int drm_gem_flink_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_gem_flink *args = data;
	struct drm_gem_object *obj;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj || obj->handle_count == 0)
		return -ENOENT;
	if (!obj->name) {
		obj->name = drm_idr_alloc(&dev->object_names, obj);
		if (!obj->name)
			return -ENOMEM;
	}
	args->name = obj->name;
	return 0;
}

/** drm_gem_open_ioctl() - DRM_IOCTL_GEM_OPEN: a new handle (every call) for a flink name, and the size. */
int drm_gem_open_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_gem_open *args = data;
	struct drm_gem_object *obj;
	uint32_t handle;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -EOPNOTSUPP;
	obj = drm_idr_find(&dev->object_names, args->name);
	if (!obj)
		return -ENOENT;
	ret = drm_gem_handle_create(file, obj, &handle);
	if (ret)
		return ret;
	args->handle = handle;
	args->size = obj->size;
	return 0;
}

int drm_gem_shmem_dumb_create(struct drm_file *file, struct drm_device *dev, struct drm_mode_create_dumb *args,
			      struct drm_gem_object **objp)
{
	uint64_t min_pitch = ((uint64_t)args->width * args->bpp + 7) / 8;
	uint64_t size = PAGE_ALIGN(min_pitch * args->height);
	struct drm_gem_object *obj;
	int ret;

	if (min_pitch > UINT32_MAX)
		return -EINVAL;
	ret = drm_gem_object_create(dev, size, NULL, &obj);
	if (ret)
		return ret;
	ret = drm_gem_handle_create(file, obj, &args->handle);
	drm_gem_object_put(obj);
	if (ret)
		return ret;
	if (objp)
		*objp = obj;
	args->pitch = (uint32_t)min_pitch;
	args->size = size;
	return 0;
}

/** drm_mode_create_dumb_ioctl() - DRM_IOCTL_MODE_CREATE_DUMB with drm_mode_create_dumb()'s checks. */
int drm_mode_create_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_create_dumb *args = data;
	uint32_t cpp, stride;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -ENOSYS;
	if (!args->width || !args->height || !args->bpp)
		return -EINVAL;
	/* overflow checks for 32bit size calculations */
	if (args->bpp > UINT32_MAX - 8)
		return -EINVAL;
	cpp = (args->bpp + 7) / 8;
	if (cpp > UINT32_MAX / args->width)
		return -EINVAL;
	stride = cpp * args->width;
	if (args->height > UINT32_MAX / stride)
		return -EINVAL;
	/* test for wrap-around */
	if (PAGE_ALIGN((uint64_t)args->height * stride) > UINT32_MAX)
		return -EINVAL;
	args->handle = 0;
	args->pitch = 0;
	args->size = 0;
	if (dev->driver->dumb_create)
		return dev->driver->dumb_create(file, dev, args);
	return drm_gem_shmem_dumb_create(file, dev, args, NULL);
}

int drm_gem_dumb_map_offset(struct drm_file *file, uint32_t handle, __u64 *offset)
{
	struct drm_device *dev = file->dev;
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);

	if (!obj)
		return -ENOENT;
	if (!obj->mmap_offset) {
		obj->mmap_offset = dev->next_mmap_offset;
		dev->next_mmap_offset += obj->size;
	}
	*offset = obj->mmap_offset;
	return 0;
}

/** drm_mode_mmap_dumb_ioctl() - DRM_IOCTL_MODE_MAP_DUMB: the fake offset to mmap the handle at. */
int drm_mode_mmap_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_map_dumb *args = data;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -ENOSYS;
	return drm_gem_dumb_map_offset(file, args->handle, &args->offset);
}

/** drm_mode_destroy_dumb_ioctl() - DRM_IOCTL_MODE_DESTROY_DUMB: drops the handle (-EINVAL if unknown). */
int drm_mode_destroy_dumb_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_destroy_dumb *args = data;

	if (!drm_core_check_feature(dev, DRIVER_GEM))
		return -ENOSYS;
	return drm_gem_handle_delete(file, args->handle);
}

/** struct drm_gem_vma - a client mapping of an object (the kernel's VMA and its object reference). */
struct drm_gem_vma {
	struct drm_list_head link;   /* in drm_file.vmas */
	struct drm_gem_object *obj;  /* a reference */
	uint64_t offset;
};

static int drm_gem_mmap_find(struct drm_file *file, uint64_t offset, uint64_t len,
			     struct drm_gem_object **out);

int drm_gem_mmap_lookup(struct drm_file *file, uint64_t offset, uint64_t len, struct drm_shmem **shmem)
{
	struct drm_gem_object *obj;
	int ret;

	drm_platform_mutex_lock(file->dev->lock);
	ret = drm_gem_mmap_find(file, offset, len, &obj);
	if (!ret)
		*shmem = drm_platform_shmem_get(obj->shmem);
	drm_platform_mutex_unlock(file->dev->lock);
	return ret;
}

int drm_gem_vm_open(struct drm_file *file, uint64_t offset, uint64_t len, struct drm_shmem **shmem)
{
	struct drm_gem_vma *vma = calloc(1, sizeof(*vma));
	struct drm_gem_object *obj;
	int ret;

	if (!vma)
		return -ENOMEM;
	drm_platform_mutex_lock(file->dev->lock);
	ret = drm_gem_mmap_find(file, offset, len, &obj);
	if (!ret) {
		drm_gem_object_get(obj);
		vma->obj = obj;
		vma->offset = offset;
		drm_list_add_tail(&vma->link, &file->vmas);
		*shmem = drm_platform_shmem_get(obj->shmem);
	}
	drm_platform_mutex_unlock(file->dev->lock);
	if (ret)
		free(vma);
	return ret;
}

int drm_gem_vm_close(struct drm_file *file, uint64_t offset)
{
	struct drm_gem_vma *vma;
	int ret = -ENOENT;

	drm_platform_mutex_lock(file->dev->lock);
	drm_list_for_each(vma, &file->vmas, struct drm_gem_vma, link) {
		if (vma->offset == offset) {
			drm_list_del(&vma->link);
			drm_gem_object_put(vma->obj);
			free(vma);
			ret = 0;
			break;
		}
	}
	drm_platform_mutex_unlock(file->dev->lock);
	return ret;
}

/** drm_gem_vm_release() - the file is closing: its mappings stop holding objects. */
void drm_gem_vm_release(struct drm_file *file)
{
	while (!drm_list_empty(&file->vmas)) {
		struct drm_gem_vma *vma = drm_container_of(file->vmas.next, struct drm_gem_vma, link);

		drm_list_del(&vma->link);
		drm_gem_object_put(vma->obj);
		free(vma);
	}
}

/* The object at fake offset @offset that @file may map for @len bytes (drm_gem_mmap()). */
static int drm_gem_mmap_find(struct drm_file *file, uint64_t offset, uint64_t len,
			     struct drm_gem_object **out)
{
	struct drm_device *dev = file->dev;
	struct drm_gem_object *obj, *found = NULL;
	int ret = 0;
	uint32_t id = 0;
	void *p;

	drm_list_for_each(obj, &dev->gem_objects, struct drm_gem_object, head) {
		if (obj->mmap_offset && obj->mmap_offset == offset) {
			found = obj;
			break;
		}
	}
	if (!found || !len) {
		ret = -EINVAL;
		goto out;
	}
	/* drm_vma_node_is_allowed(): only files holding a handle may map it. */
	ret = -EACCES;
	while ((id = drm_idr_next(&file->handles, id, &p)) != 0) {
		if (p == found) {
			ret = 0;
			break;
		}
		id++;
	}
	if (ret)
		goto out;
	if (len > found->size) {
		ret = -EINVAL;
		goto out;
	}
	*out = found;
out:
	return ret;
}
