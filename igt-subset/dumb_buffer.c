/* SPDX-License-Identifier: MIT */
/*
 * Dumb buffers: MODE_CREATE_DUMB, MODE_MAP_DUMB, MODE_DESTROY_DUMB, and mmap of the offset.
 *
 * The kernel's rules (drm_dumb_buffers.c and drm_gem.c, Linux 6.1):
 *   - width, height and bpp must be non-zero, and cpp * width, stride * height must fit in
 *     32 bits (EINVAL); pitch and size are outputs, whatever the caller put there;
 *   - MAP_DUMB of an unknown handle is ENOENT, DESTROY_DUMB of one is EINVAL;
 *   - mmap of the fake offset through the DRM file: EINVAL when no object starts at that
 *     offset with at least that length, EACCES when the object exists but this file has no
 *     handle for it (drm_vma_node_is_allowed).
 * On vgem (drm_gem_shmem_dumb_create) pitch is DIV_ROUND_UP(width * bpp, 8) and size is
 * PAGE_ALIGN(pitch * height); other drivers may align more, so only vgem is held to that.
 */
#include "igt.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DIV_ROUND_UP(a, b) (((a) + (b)-1) / (b))

static uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static void check_layout(int fd, uint32_t w, uint32_t h, uint32_t bpp, uint32_t pitch,
			 uint64_t size)
{
	uint64_t min_pitch = DIV_ROUND_UP((uint64_t)w * bpp, 8);

	igt_assert_f(pitch >= min_pitch, "%ux%ux%u: pitch %u < %llu\n", w, h, bpp, pitch,
		     (unsigned long long)min_pitch);
	igt_assert_f(size >= (uint64_t)pitch * h, "%ux%ux%u: size %llu < pitch %u * height\n", w,
		     h, bpp, (unsigned long long)size, pitch);
	igt_assert_f(size % page_size() == 0, "%ux%ux%u: size %llu not page aligned\n", w, h, bpp,
		     (unsigned long long)size);
	if (igt_driver_is(fd, "vgem")) {
		uint64_t want_size = ((uint64_t)min_pitch * h + page_size() - 1) & ~(page_size() - 1);
		igt_assert_f(pitch == min_pitch && size == want_size,
			     "vgem %ux%ux%u: pitch %u size %llu, expected %llu and %llu\n", w, h,
			     bpp, pitch, (unsigned long long)size, (unsigned long long)min_pitch,
			     (unsigned long long)want_size);
	}
}

static void create_valid(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint32_t pitch;
	uint64_t size;
	uint32_t h = dumb_create(fd, 1024, 768, 32, &pitch, &size);

	check_layout(fd, 1024, 768, 32, pitch, size);
	if (igt_driver_is(fd, "vgem")) {
		igt_assert_eq(pitch, 4096);
		igt_assert_eq_u64(size, 3145728);
	}
	dumb_destroy(fd, h);
}

static void create_cases(int fd, const uint32_t (*cases)[3], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t pitch;
		uint64_t size;
		uint32_t h = dumb_create(fd, cases[i][0], cases[i][1], cases[i][2], &pitch, &size);
		igt_debug("%ux%ux%u: pitch %u size %llu\n", cases[i][0], cases[i][1], cases[i][2],
			  pitch, (unsigned long long)size);
		check_layout(fd, cases[i][0], cases[i][1], cases[i][2], pitch, size);
		dumb_destroy(fd, h);
	}
}

/* Odd sizes at 32 bpp, which every driver with dumb buffers takes. */
static void create_odd(void)
{
	static const uint32_t cases[][3] = {
		{ 1, 1, 32 }, { 33, 17, 32 }, { 7, 7, 32 }, { 641, 479, 32 }, { 1, 4097, 32 },
		{ 4097, 1, 32 }, { 13, 11, 32 },
	};
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	create_cases(fd, cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * Odd bpp.  Drivers may refuse depths they cannot scan out (virtio_gpu takes 32 only): skip
 * there, but vgem takes any bpp.
 */
static void create_odd_bpp(void)
{
	static const uint32_t cases[][3] = {
		{ 1, 1, 8 },	{ 33, 17, 24 }, { 3, 5, 12 }, { 9, 3, 1 },   { 7, 7, 16 },
		{ 1, 4097, 8 }, { 4097, 1, 8 }, { 13, 11, 30 }, { 100, 1, 64 }, { 2, 2, 33 },
	};
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	if (!igt_driver_is(fd, "vgem")) {
		struct drm_mode_create_dumb c;
		int ret = __dumb_create(fd, 1, 1, 8, &c);
		igt_require_f(ret != -EINVAL, "the driver refuses 8 bpp dumb buffers\n");
		igt_assert_eq(ret, 0);
		dumb_destroy(fd, c.handle);
	}
	create_cases(fd, cases, sizeof(cases) / sizeof(cases[0]));
}

/* handle, pitch and size are outputs: what the caller leaves in them does not matter. */
static void create_ignores_outputs(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	struct drm_mode_create_dumb c;
	uint32_t pitch;
	uint64_t size;
	uint32_t h = dumb_create(fd, 100, 100, 32, &pitch, &size);

	memset(&c, 0, sizeof(c));
	c.width = 100;
	c.height = 100;
	c.bpp = 32;
	c.handle = 0xdeadbeef;
	c.pitch = 7;
	c.size = 1;
	do_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c);
	igt_assert_eq(c.pitch, pitch);
	igt_assert_eq_u64(c.size, size);
	igt_assert_neq(c.handle, h);
	igt_assert_neq(c.handle, 0xdeadbeef);
}

static void create_zero(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);

	igt_assert_eq(__dumb_create(fd, 0, 64, 32, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 64, 0, 32, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 64, 64, 0, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 0, 0, 0, NULL), -EINVAL);
}

static void create_overflow(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);

	/* bpp close to 2^32: DIV_ROUND_UP(bpp, 8) would wrap. */
	igt_assert_eq(__dumb_create(fd, 1, 1, 0xffffffff, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 1, 1, 0xfffffff8, NULL), -EINVAL);
	/* cpp * width over 32 bits. */
	igt_assert_eq(__dumb_create(fd, 0xffffffff, 1, 32, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 0x40000000, 1, 32, NULL), -EINVAL);
	/* stride * height over 32 bits. */
	igt_assert_eq(__dumb_create(fd, 1 << 16, 1 << 16, 32, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 1, 0xffffffff, 32, NULL), -EINVAL);
	igt_assert_eq(__dumb_create(fd, 0x10000, 0x10000, 8, NULL), -EINVAL);
}

static void map_bad_handle(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);

	igt_assert_eq(__dumb_map_offset(fd, 0, NULL), -ENOENT);
	igt_assert_eq(__dumb_map_offset(fd, 1, NULL), -ENOENT);
	igt_assert_eq(__dumb_map_offset(fd, 0xdeadbeef, NULL), -ENOENT);
}

static void destroy_bad_handle(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);

	igt_assert_eq(__dumb_destroy(fd, 0), -EINVAL);
	igt_assert_eq(__dumb_destroy(fd, 1), -EINVAL);
	igt_assert_eq(__dumb_destroy(fd, 0xdeadbeef), -EINVAL);
}

static void destroy(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint32_t h = dumb_create(fd, 64, 64, 32, NULL, NULL);

	dumb_destroy(fd, h);
	igt_assert_eq(__dumb_destroy(fd, h), -EINVAL);
	igt_assert_eq(__dumb_map_offset(fd, h, NULL), -ENOENT);
}

static void map_offset_stable(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint64_t s1, s2;
	uint32_t h1 = dumb_create(fd, 64, 64, 32, NULL, &s1);
	uint32_t h2 = dumb_create(fd, 64, 64, 32, NULL, &s2);
	uint64_t o1 = dumb_map_offset(fd, h1), o2 = dumb_map_offset(fd, h2);

	igt_assert_neq_u64(o1, 0);
	igt_assert_neq_u64(o2, 0);
	igt_assert_eq_u64(o1 % page_size(), 0);
	igt_assert_eq_u64(o2 % page_size(), 0);
	igt_assert_eq_u64(dumb_map_offset(fd, h1), o1);
	igt_assert_eq_u64(dumb_map_offset(fd, h2), o2);
	igt_assert_f(o1 + s1 <= o2 || o2 + s2 <= o1, "offsets %#llx and %#llx overlap\n",
		     (unsigned long long)o1, (unsigned long long)o2);
}

static void *map(int fd, uint64_t offset, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	igt_assert_f(p != MAP_FAILED, "mmap offset %#llx size %llu: %s\n",
		     (unsigned long long)offset, (unsigned long long)size, strerror(errno));
	return p;
}

/* mmap must fail with @err. */
static void map_err(int fd, uint64_t offset, uint64_t size, int err)
{
	errno = 0;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	int got = errno;
	if (p != MAP_FAILED)
		munmap(p, size);
	igt_assert_f(p == MAP_FAILED && got == err,
		     "mmap offset %#llx size %llu: %s, expected %s\n", (unsigned long long)offset,
		     (unsigned long long)size, p == MAP_FAILED ? strerror(got) : "success",
		     strerror(err));
	errno = 0;
}

static void mmap_write_read(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint32_t pitch;
	uint64_t size;
	uint32_t h = dumb_create(fd, 320, 200, 32, &pitch, &size);
	uint64_t off = dumb_map_offset(fd, h);

	uint32_t *p = map(fd, off, size);
	for (size_t i = 0; i < size / 4; i++)
		p[i] = (uint32_t)(i * 2654435761u);
	munmap(p, size);

	p = map(fd, off, size);
	for (size_t i = 0; i < size / 4; i++)
		igt_assert_f(p[i] == (uint32_t)(i * 2654435761u), "word %zu: %#x\n", i, p[i]);
	munmap(p, size);
}

static void mmap_zeroed(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);

	for (int round = 0; round < 3; round++) {
		uint64_t size;
		uint32_t h = dumb_create(fd, 256, 256, 32, NULL, &size);
		uint8_t *p = map(fd, dumb_map_offset(fd, h), size);
		for (size_t i = 0; i < size; i++)
			igt_assert_f(p[i] == 0, "round %d: byte %zu of a new buffer is %#x\n", round,
				     i, p[i]);
		memset(p, 0xff, size);
		munmap(p, size);
		dumb_destroy(fd, h);
	}
}

/* A mapping smaller than the object is fine; larger, or not at its start, is EINVAL. */
static void mmap_range(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint64_t size;
	uint32_t h = dumb_create(fd, 1024, 4, 32, NULL, &size);
	uint64_t off = dumb_map_offset(fd, h), pg = page_size();

	igt_require(size >= 2 * pg);
	void *p = map(fd, off, pg);
	munmap(p, pg);
	map_err(fd, off, size + pg, EINVAL);
	map_err(fd, off + pg, pg, EINVAL);
}

static void mmap_bad_offset(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint64_t size;
	uint32_t h = dumb_create(fd, 64, 64, 32, NULL, &size);
	(void)dumb_map_offset(fd, h);

	map_err(fd, 0, size, EINVAL);
	map_err(fd, 1ull << 40, size, EINVAL);
}

/* An offset is only mappable through a file that holds a handle for the object. */
static void mmap_other_file(void)
{
	int a = drm_open_primary();
	int b = drm_open_primary();
	igt_require_dumb(a);
	uint64_t size;
	uint32_t ha = dumb_create(a, 64, 64, 32, NULL, &size);
	uint64_t off = dumb_map_offset(a, ha);

	map_err(b, off, size, EACCES);

	uint32_t hb = gem_open(b, gem_flink(a, ha), NULL);
	igt_assert_eq_u64(dumb_map_offset(b, hb), off);
	uint32_t *pa = map(a, off, size), *pb = map(b, off, size);
	pa[3] = 0xfeedface;
	igt_assert_eq_u32(pb[3], 0xfeedface);
	munmap(pa, size);
	munmap(pb, size);

	gem_close(b, hb);
	map_err(b, off, size, EACCES);
}

/* A mapping outlives the handle; once both are gone, so is the offset. */
static void mmap_after_close(void)
{
	int fd = drm_open_primary();
	igt_require_dumb(fd);
	uint64_t size;
	uint32_t h = dumb_create(fd, 64, 64, 32, NULL, &size);
	uint64_t off = dumb_map_offset(fd, h);
	uint32_t *p = map(fd, off, size);

	p[0] = 0xabcdef01;
	gem_close(fd, h);
	igt_assert_eq_u32(p[0], 0xabcdef01);
	p[size / 4 - 1] = 0x10fedcba;
	igt_assert_eq_u32(p[size / 4 - 1], 0x10fedcba);
	/*
	 * The object lives on in the mapping, but the file has no handle for it: EACCES on vgem
	 * (shmem GEM); TTM-based drivers such as bochs already answer EINVAL.
	 */
	if (igt_driver_is(fd, "vgem")) {
		map_err(fd, off, size, EACCES);
	} else {
		void *q = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)off);
		igt_assert_f(q == MAP_FAILED && (errno == EACCES || errno == EINVAL),
			     "re-mmap after close: %s\n", q == MAP_FAILED ? strerror(errno) : "success");
		errno = 0;
	}
	munmap(p, size);
	map_err(fd, off, size, EINVAL);
}

static const struct igt_subtest tests[] = {
	{ "create-valid", create_valid },
	{ "create-odd", create_odd },
	{ "create-odd-bpp", create_odd_bpp },
	{ "create-ignores-outputs", create_ignores_outputs },
	{ "create-zero", create_zero },
	{ "create-overflow", create_overflow },
	{ "map-bad-handle", map_bad_handle },
	{ "destroy-bad-handle", destroy_bad_handle },
	{ "destroy", destroy },
	{ "map-offset-stable", map_offset_stable },
	{ "mmap-write-read", mmap_write_read },
	{ "mmap-zeroed", mmap_zeroed },
	{ "mmap-range", mmap_range },
	{ "mmap-bad-offset", mmap_bad_offset },
	{ "mmap-other-file", mmap_other_file },
	{ "mmap-after-close", mmap_after_close },
};

IGT_MAIN(tests)
