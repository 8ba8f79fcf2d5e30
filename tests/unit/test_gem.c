/* test_gem.c - dumb buffers, GEM handles, GEM_CLOSE and mmap lookup. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "core/platform.h"

static void test_create_dumb_sizes(void **state)
{
	struct test_dev *t = *state;
	static const struct { uint32_t w, h, bpp, pitch; uint64_t size; } cases[] = {
		{ 1024, 768, 32, 4096, 3145728 },
		{ 13, 7, 24, 39, 4096 },       /* pitch = ceil(w * bpp / 8), size page aligned */
		{ 1, 1, 8, 1, 4096 },
		{ 640, 480, 16, 1280, 614400 },
		{ 3, 3, 1, 1, 4096 },          /* sub-byte bpp rounds up per row */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drm_mode_create_dumb c = { .width = cases[i].w, .height = cases[i].h, .bpp = cases[i].bpp,
						  .handle = 77, .pitch = 77, .size = 77 };
		struct drm_mode_destroy_dumb d;

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
		assert_int_equal(c.pitch, cases[i].pitch);
		assert_int_equal(c.size, cases[i].size);
		assert_int_equal(c.handle, 1); /* lowest free handle */
		d.handle = c.handle;
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
	}
}

static void test_create_dumb_errors(void **state)
{
	struct test_dev *t = *state;
	static const struct { uint32_t w, h, bpp; } bad[] = {
		{ 0, 10, 32 }, { 10, 0, 32 }, { 10, 10, 0 },
		{ 10, 10, UINT32_MAX - 7 },        /* bpp overflow */
		{ UINT32_MAX, 2, 32 },             /* cpp * width overflows */
		{ 65536, 65536, 32 },              /* size over 4 GiB */
	};
	size_t i;
	struct drm_device_stats s;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct drm_mode_create_dumb c = { .width = bad[i].w, .height = bad[i].h, .bpp = bad[i].bpp };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), -EINVAL);
	}
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.gem_objects, 0);
}

static void test_handles(void **state)
{
	struct test_dev *t = *state;
	struct drm_mode_create_dumb a = { .width = 8, .height = 8, .bpp = 32 }, b = a, c = a;
	struct drm_gem_close cl = { 0 };
	struct drm_mode_destroy_dumb d = { .handle = 1234 };
	struct drm_mode_map_dumb m = { .handle = 1234 };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &a), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &b), 0);
	assert_int_equal(a.handle, 1);
	assert_int_equal(b.handle, 2);
	cl.handle = a.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_CLOSE, &cl), -EINVAL);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	assert_int_equal(c.handle, 1); /* reused, as idr_alloc gives the lowest free id */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_DESTROY_DUMB, &d), -EINVAL);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_MAP_DUMB, &m), -ENOENT);
	/* Leave b and c open: closing the file must free them (teardown counts). */
}

static void test_mmap_lookup(void **state)
{
	struct test_dev *t = *state;
	struct drm_file *other = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 }, m2 = { 0 };
	struct drm_shmem *shmem = NULL;
	uint32_t *p;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	m.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	assert_true(m.offset >= 0x100000000ull); /* fake offsets live above 4 GiB */
	assert_int_equal(m.offset % 4096, 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_MAP_DUMB, &m2), -ENOENT);
	m2.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_MAP_DUMB, &m2), 0);
	assert_int_equal(m2.offset, m.offset); /* stable */

	/* Another file without a handle may not map it; bad offsets and sizes are EINVAL. */
	assert_int_equal(drm_gem_mmap_lookup(other, m.offset, c.size, &shmem), -EACCES);
	assert_int_equal(drm_gem_mmap_lookup(t->master, m.offset + 4096, 4096, &shmem), -EINVAL);
	assert_int_equal(drm_gem_mmap_lookup(t->master, m.offset, c.size + 4096, &shmem), -EINVAL);
	assert_int_equal(drm_gem_mmap_lookup(t->master, m.offset, c.size, &shmem), 0);
	assert_int_equal(drm_platform_shmem_size(shmem), c.size);
	p = drm_platform_shmem_vaddr(shmem);
	assert_int_equal(p[0], 0); /* zero filled */
	p[0] = 0xdeadbeef;
	/* The mapping outlives the handle, as an mmap outlives GEM_CLOSE in the kernel. */
	{
		struct drm_gem_close cl = { .handle = c.handle };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	}
	assert_int_equal(p[0], 0xdeadbeef);
	drm_platform_shmem_put(shmem);
	drm_file_release(other);
}

static void test_vm_open_holds_object(void **state)
{
	struct test_dev *t = *state;
	struct drm_mode_create_dumb c = { .width = 64, .height = 64, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	struct drm_gem_close cl = { 0 };
	struct drm_shmem *shmem = NULL;
	struct drm_device_stats s;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	m.handle = cl.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	assert_int_equal(drm_gem_vm_open(t->master, m.offset, c.size, &shmem), 0);
	drm_platform_shmem_put(shmem);
	/* drm_gem_vm_open(): the mapping holds the object past GEM_CLOSE; its offset stays, EACCES. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.gem_objects, 1);
	assert_int_equal(drm_gem_mmap_lookup(t->master, m.offset, c.size, &shmem), -EACCES);
	/* munmap: the object goes, and the offset with it. */
	assert_int_equal(drm_gem_vm_close(t->master, m.offset), 0);
	assert_int_equal(drm_gem_vm_close(t->master, m.offset), -ENOENT);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.gem_objects, 0);
	assert_int_equal(drm_gem_mmap_lookup(t->master, m.offset, c.size, &shmem), -EINVAL);
	/* A mapping left at file release is dropped with the file. */
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	m.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_MAP_DUMB, &m), 0);
	assert_int_equal(drm_gem_vm_open(t->master, m.offset, c.size, &shmem), 0);
	drm_platform_shmem_put(shmem);
}

static void test_flink_and_open(void **state)
{
	struct test_dev *t = *state;
	static const struct drm_caller user = { .pid = 200, .uid = 1000 };
	struct drm_file *b = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	struct drm_mode_create_dumb c = { .width = 16, .height = 16, .bpp = 32 };
	struct drm_gem_flink fl = { 0 }, fl2 = { 0 };
	struct drm_gem_open op = { 0 }, op2 = { 0 };
	struct drm_gem_close cl = { 0 };
	struct drm_auth a = { 0 };

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	fl.handle = 4242;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_FLINK, &fl), -ENOENT);
	fl.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_FLINK, &fl), 0);
	assert_true(fl.name != 0);
	fl2.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_FLINK, &fl2), 0);
	assert_int_equal(fl2.name, fl.name); /* one name per object */

	/* GEM_OPEN is DRM_AUTH: an unauthenticated non-master gets EACCES until the master authenticates it. */
	op.name = fl.name;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_OPEN, &op, &user), -EACCES);
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GET_MAGIC, &a, &user), 0);
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_AUTH_MAGIC, &a), 0);
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_OPEN, &op, &user), 0);
	assert_int_equal(op.size, c.size);
	assert_int_equal(op.handle, 1); /* b's own handle space */
	/* Each GEM_OPEN makes a new handle, as drm_gem_handle_create_tail() does. */
	op2.name = fl.name;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_OPEN, &op2, &user), 0);
	assert_int_equal(op2.handle, 2);
	op2.name = fl.name + 100;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_OPEN, &op2, &user), -ENOENT);

	/* The object lives while any handle holds it; the name dies with the last handle. */
	cl.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	op2.name = fl.name;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_OPEN, &op2, &user), 0);
	cl.handle = op.handle;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_CLOSE, &cl, &user), 0);
	cl.handle = 2;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_CLOSE, &cl, &user), 0);
	cl.handle = op2.handle;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_CLOSE, &cl, &user), 0);
	op2.name = fl.name;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_OPEN, &op2, &user), -ENOENT);
	/* A handle of one file is unknown in another. */
	cl.handle = 1;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_CLOSE, &cl, &user), -EINVAL);
	drm_file_release(b);
}

static void test_prime_core(void **state)
{
	struct test_dev *t = *state;
	static const struct drm_caller user = { .pid = 200, .uid = 1000 };
	struct drm_file *b = test_open(t->dev, DRM_MINOR_PRIMARY, true);
	struct drm_mode_create_dumb c = { .width = 32, .height = 32, .bpp = 32 };
	struct drm_shmem *buf = NULL, *buf2 = NULL, *orphan;
	struct drm_gem_close cl = { 0 };
	struct drm_device_stats s;
	uint32_t h = 0, hb = 0, hb2 = 0;

	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_MODE_CREATE_DUMB, &c), 0);
	assert_int_equal(drm_prime_handle_to_shmem(t->master, c.handle, 0x4, &buf), -EINVAL);
	assert_int_equal(drm_prime_handle_to_shmem(t->master, 4242, 0, &buf), -ENOENT);
	assert_int_equal(drm_prime_handle_to_shmem(t->master, c.handle, 02000000u | 02u, &buf), 0);
	assert_int_equal(drm_platform_shmem_size(buf), c.size);

	/* Self-import gives the original handle. */
	assert_int_equal(drm_prime_shmem_to_handle(t->master, buf, &h), 0);
	assert_int_equal(h, c.handle);
	/* Another file gets its own handle to the same object, stable on re-import. */
	assert_int_equal(drm_prime_shmem_to_handle(b, buf, &hb), 0);
	assert_int_equal(drm_prime_shmem_to_handle(b, buf, &hb2), 0);
	assert_int_equal(hb, hb2);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.gem_objects, 1);
	((uint32_t *)drm_platform_shmem_vaddr(buf))[0] = 0x12345678;

	/* All handles gone: the buffer's memory lives on in the exported reference and
	 * imports again as a new object with the same contents. */
	cl.handle = c.handle;
	assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GEM_CLOSE, &cl), 0);
	cl.handle = hb;
	assert_int_equal(test_ioctl_as(b, DRM_IOCTL_GEM_CLOSE, &cl, &user), 0);
	drm_device_get_stats(t->dev, &s);
	assert_int_equal(s.gem_objects, 0);
	assert_int_equal(drm_prime_shmem_to_handle(b, buf, &hb), 0);
	assert_int_equal(drm_prime_handle_to_shmem(b, hb, 0, &buf2), 0);
	assert_ptr_equal(buf2, buf);
	assert_int_equal(((uint32_t *)drm_platform_shmem_vaddr(buf2))[0], 0x12345678);
	drm_platform_shmem_put(buf2);
	drm_platform_shmem_put(buf);

	/* Memory that is not a page multiple cannot be a GEM object. */
	orphan = drm_platform_shmem_alloc(100);
	assert_non_null(orphan);
	assert_int_equal(drm_prime_shmem_to_handle(b, orphan, &hb), -EINVAL);
	drm_platform_shmem_put(orphan);

	/* The ioctls reach the core only without an fd transport: checks, then EOPNOTSUPP. */
	{
		struct drm_prime_handle ph = { .handle = hb, .flags = 0x4 };
		struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &cap), 0);
		assert_int_equal(cap.value, 0);
		assert_int_equal(test_ioctl_as(b, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, &user), -EINVAL);
		ph.flags = 0;
		ph.handle = 4242;
		assert_int_equal(test_ioctl_as(b, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, &user), -ENOENT);
		ph.handle = hb;
		assert_int_equal(test_ioctl_as(b, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph, &user), -EOPNOTSUPP);
		assert_int_equal(test_ioctl_as(b, DRM_IOCTL_PRIME_FD_TO_HANDLE, &ph, &user), -EOPNOTSUPP);
		drm_device_set_prime_transport(t->dev, true);
		assert_int_equal(test_ioctl(t->master, DRM_IOCTL_GET_CAP, &cap), 0);
		assert_int_equal(cap.value, DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
	}
	drm_file_release(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_dumb_sizes, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_create_dumb_errors, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_handles, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_mmap_lookup, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_vm_open_holds_object, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_flink_and_open, test_dev_setup, test_dev_teardown),
		cmocka_unit_test_setup_teardown(test_prime_core, test_dev_setup, test_dev_teardown),
	};

	return cmocka_run_group_tests_name("gem", tests, NULL, NULL);
}
