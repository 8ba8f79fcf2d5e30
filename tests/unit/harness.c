/* harness.c - in-process test driver for the DRM core (see harness.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "core/platform.h"

static int mem_copy_from(void *ctx, void *dst, uint64_t uaddr, size_t len)
{
	(void)ctx;
	if (uaddr < 4096)
		return -EFAULT;
	memcpy(dst, (const void *)(uintptr_t)uaddr, len);
	return 0;
}

static int mem_copy_to(void *ctx, uint64_t uaddr, const void *src, size_t len)
{
	(void)ctx;
	if (uaddr < 4096)
		return -EFAULT;
	memcpy((void *)(uintptr_t)uaddr, src, len);
	return 0;
}

static int mem_prepare_to(void *ctx, uint64_t uaddr, size_t len)
{
	(void)ctx;
	(void)len;
	return uaddr < 4096 ? -EFAULT : 0;
}

static const struct drm_user_mem test_um = {
	.copy_from = mem_copy_from,
	.copy_to = mem_copy_to,
	.prepare_to = mem_prepare_to,
};

static const struct drm_caller root = { .pid = 100, .uid = 0, .gid = 0, .privileged = true };
static const struct drm_caller user = { .pid = 200, .uid = 1000, .gid = 1000, .privileged = false };

struct drm_file *test_open(struct drm_device *dev, enum drm_minor_type type, bool unprivileged)
{
	struct drm_file *f = NULL;

	assert_int_equal(drm_file_open(dev, type, unprivileged ? &user : &root, &f), 0);
	return f;
}

int test_ioctl_as(struct drm_file *file, unsigned int cmd, void *arg, const struct drm_caller *who)
{
	return drm_ioctl(file, cmd, test_ptr(arg), &test_um, who);
}

int test_ioctl_async(struct drm_file *file, unsigned int cmd, void *arg, const struct drm_caller *who,
		     struct drm_wait *w)
{
	return drm_ioctl_async(file, cmd, test_ptr(arg), &test_um, who ? who : &root, w);
}

int test_ioctl(struct drm_file *file, unsigned int cmd, void *arg)
{
	return test_ioctl_as(file, cmd, arg, &root);
}

int test_dev_setup(void **state)
{
	struct test_dev *t = calloc(1, sizeof(*t));
	const struct drm_driver *drv = drm_driver_find("vkms");

	if (!t || !drv)
		return -1;
	if (drm_device_create(drv, &t->dev))
		return -1;
	t->master = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	*state = t;
	return 0;
}

int test_dev_teardown(void **state)
{
	struct test_dev *t = *state;
	struct drm_device_stats s;

	drm_file_release(t->master);
	drm_device_get_stats(t->dev, &s);
	drm_device_destroy(t->dev);
	free(t);
	/* Everything a file made must be gone with it (DESIGN.md decision 7). */
	if (s.files || s.gem_objects || s.framebuffers || s.pending_events || s.has_master ||
	    s.syncobjs || s.parked_ioctls)
		return -1;
	return 0;
}

uint32_t test_create_fb(struct drm_file *f, uint32_t w, uint32_t h, uint32_t format, uint32_t *handle,
			uint32_t *pitch)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_fb_cmd2 fb = { .width = w, .height = h, .pixel_format = format };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	fb.handles[0] = c.handle;
	fb.pitches[0] = c.pitch;
	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_ADDFB2, &fb), 0);
	if (handle)
		*handle = c.handle;
	if (pitch)
		*pitch = c.pitch;
	return fb.fb_id;
}

void *test_map(struct drm_file *f, uint32_t handle, uint64_t size)
{
	struct drm_mode_map_dumb m = { .handle = handle };
	struct drm_shmem *shmem = NULL;
	void *p;

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	assert_int_equal(drm_gem_mmap_lookup(f, m.offset, size, &shmem), 0);
	p = drm_platform_shmem_vaddr(shmem);
	/* The object keeps its own reference; the test maps for as long as it holds the handle. */
	drm_platform_shmem_put(shmem);
	return p;
}
