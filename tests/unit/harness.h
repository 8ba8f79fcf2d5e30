/*
 * harness.h - drive the DRM core in-process through drm_ioctl(), the entry
 * point the CUSE front end uses, with a user-memory accessor over this
 * process's own memory.
 */
#ifndef CUSE_DRM_TEST_HARNESS_H
#define CUSE_DRM_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/drm_core.h"
#include <drm.h>
#include <drm_mode.h>
#include <drm_fourcc.h>

/** Client addresses below this fail with EFAULT, like an unmapped page. */
#define TEST_BAD_PTR 0x10ull

/** struct test_dev - a vkms device and a master file on its primary node. */
struct test_dev {
	struct drm_device *dev;
	struct drm_file *master;
};

/** test_dev_setup() - cmocka group setup: a vkms device with a master file; *state is a struct test_dev. */
int test_dev_setup(void **state);
/** test_dev_teardown() - release files and the device; fails when objects are left over. */
int test_dev_teardown(void **state);

/** test_open() - open another file on @dev (@type node, uid 0 unless @unprivileged). */
struct drm_file *test_open(struct drm_device *dev, enum drm_minor_type type, bool unprivileged);

/** test_ioctl() - ioctl(@cmd, @arg) on @file as a privileged caller; returns 0 or -errno. */
int test_ioctl(struct drm_file *file, unsigned int cmd, void *arg);

/** test_ioctl_as() - like test_ioctl() with an explicit caller. */
int test_ioctl_as(struct drm_file *file, unsigned int cmd, void *arg, const struct drm_caller *who);

/**
 * test_ioctl_async() - drm_ioctl_async() with the harness's memory accessor;
 * @who NULL means a privileged caller.
 */
int test_ioctl_async(struct drm_file *file, unsigned int cmd, void *arg, const struct drm_caller *who,
		     struct drm_wait *w);

/** test_ptr() - a client pointer (__u64) for @p. */
static inline uint64_t test_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/** test_create_fb() - dumb buffer + ADDFB2 of @w x @h @format; returns the fb id, handle in *@handle. */
uint32_t test_create_fb(struct drm_file *f, uint32_t w, uint32_t h, uint32_t format, uint32_t *handle,
			uint32_t *pitch);

/** test_fill() - fill the dumb buffer @handle (@size bytes) with 32-bit @value through MAP_DUMB's object. */
void *test_map(struct drm_file *f, uint32_t handle, uint64_t size);

#endif
