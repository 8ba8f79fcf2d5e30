/* SPDX-License-Identifier: MIT */
/*
 * Property blobs: MODE_CREATEPROPBLOB, MODE_DESTROYPROPBLOB and MODE_GETPROPBLOB, as Linux
 * 6.1's drm_property.c implements them (drm_mode_createblob_ioctl, drm_mode_destroyblob_ioctl,
 * drm_mode_getblob_ioctl, drm_property_create_blob), and blobs as the MODE_ID of a CRTC
 * (drm_atomic_uapi.c, drm_atomic_set_mode_prop_for_crtc).  The subtests follow upstream IGT's
 * kms_prop_blob (basic, blob-prop-core/-validate/-lifetime, blob-multiple, invalid-*-prop*).
 *
 * What the kernel does:
 *   - CREATE: length 0 or above INT_MAX - sizeof(struct drm_property_blob) is EINVAL; the data
 *     is copied whole (EFAULT when any byte is unreadable); any file of the primary node may
 *     create (no master or auth needed).
 *   - GET: ENOENT for an id that is no blob; the data is copied only when the caller's length
 *     equals the blob's, and length always comes back as the blob's size.
 *   - DESTROY: ENOENT when the id is no live blob (0, unknown, another object's, destroyed:
 *     drm_property_lookup_blob fails); EPERM when the blob was created by another file.  A file's blobs go when it closes.  A blob
 *     that a CRTC state still uses stays readable until that state goes.
 *   - OBJ_GETPROPERTIES / OBJ_SETPROPERTY on a blob: the object exists but has no properties:
 *     EINVAL, with obj_type BLOB or ANY.
 */
#include "igt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* IGT's test mode: valid enough to be stored, never set on a CRTC here. */
static const struct drm_mode_modeinfo test_mode = {
	.clock = 1234,
	.hdisplay = 640,
	.hsync_start = 641,
	.hsync_end = 642,
	.htotal = 643,
	.vdisplay = 480,
	.vsync_start = 481,
	.vsync_end = 482,
	.vtotal = 483,
	.vrefresh = 60000,
	.name = "FROMUSER",
};

static int open_kms(void)
{
	int fd = drm_open_primary();
	igt_require_kms(fd);
	return fd;
}

static uint32_t create_mode_blob(int fd)
{
	return kms_blob_create(fd, &test_mode, sizeof(test_mode));
}

/* 0 when @id reads back as test_mode, else the errno of the first failing GETPROPBLOB. */
static int validate_mode_blob(int fd, uint32_t id)
{
	struct drm_mode_modeinfo got;
	uint32_t len = 0;
	int ret = __kms_blob_get(fd, id, NULL, &len);
	if (ret)
		return -ret;
	igt_assert_eq(len, sizeof(test_mode));
	memset(&got, 0xa5, sizeof(got));
	ret = __kms_blob_get(fd, id, &got, &len);
	if (ret)
		return -ret;
	igt_assert_eq(len, sizeof(test_mode));
	igt_assert(memcmp(&got, &test_mode, sizeof(got)) == 0);
	return 0;
}

/* Two pages: the first readable and writable, the second PROT_NONE; returns the first. */
static uint8_t *page_before_hole(void)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	igt_assert(p != MAP_FAILED);
	igt_assert_eq(mprotect(p + page, page, PROT_NONE), 0);
	return p;
}

static void basic(void)
{
	int fd = open_kms();
	uint32_t data = 0xc0ffee42, got = 0, len = 0;
	uint32_t id = kms_blob_create(fd, &data, sizeof(data));

	/* Length 0 asks for the size and copies nothing. */
	igt_assert_eq(__kms_blob_get(fd, id, NULL, &len), 0);
	igt_assert_eq(len, sizeof(data));
	igt_assert_eq(__kms_blob_get(fd, id, &got, &len), 0);
	igt_assert_eq_u32(got, data);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
}

static void blob_prop_core(void)
{
	int fd = open_kms();
	uint32_t id = create_mode_blob(fd);

	igt_assert_eq(validate_mode_blob(fd, id), 0);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
	igt_assert_eq(validate_mode_blob(fd, id), ENOENT);
	igt_assert_eq(validate_mode_blob(fd, 0xffffffff), ENOENT);
	igt_assert_eq(validate_mode_blob(fd, 0), ENOENT);
}

static void blob_prop_validate(void)
{
	int fd = open_kms();
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = page_before_hole();
	uint32_t id;

	/* Data running into an unmapped page. */
	memset(p, 0, page);
	igt_assert_eq(__kms_blob_create(fd, p + page - 16, 0x10000, &id), -EFAULT);
	igt_assert_eq(__kms_blob_create(fd, p + page, sizeof(test_mode), &id), -EFAULT);
	igt_assert_eq(__kms_blob_create(fd, (void *)(uintptr_t)0xdeadbeee, sizeof(test_mode), &id),
		      -EFAULT);

	/* A wrong length gets no data, only the right length back. */
	id = create_mode_blob(fd);
	uint8_t small[32], big[128];
	uint32_t len = sizeof(small);
	memset(small, 0x5a, sizeof(small));
	igt_assert_eq(__kms_blob_get(fd, id, small, &len), 0);
	igt_assert_eq(len, sizeof(test_mode));
	for (size_t i = 0; i < sizeof(small); i++)
		igt_assert_eq(small[i], 0x5a);
	len = sizeof(big);
	memset(big, 0x5a, sizeof(big));
	igt_assert_eq(__kms_blob_get(fd, id, big, &len), 0);
	igt_assert_eq(len, sizeof(test_mode));
	for (size_t i = 0; i < sizeof(big); i++)
		igt_assert_eq(big[i], 0x5a);

	/* The right length with an unwritable buffer. */
	len = sizeof(test_mode);
	igt_assert_eq(__kms_blob_get(fd, id, (void *)(uintptr_t)0xdeadbeee, &len), -EFAULT);
	len = sizeof(test_mode);
	igt_assert_eq(__kms_blob_get(fd, id, p + page - 8, &len), -EFAULT);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
}

static void blob_zero_length(void)
{
	int fd = open_kms();
	uint32_t id = 0xdead, data = 1;

	igt_assert_eq(__kms_blob_create(fd, &data, 0, &id), -EINVAL);
	igt_assert_eq(__kms_blob_create(fd, NULL, 0, &id), -EINVAL);
}

/* Lengths above INT_MAX - sizeof(struct drm_property_blob) are EINVAL before any copy. */
static void blob_huge_length(void)
{
	int fd = open_kms();
	uint32_t id, data = 1;

	igt_assert_eq(__kms_blob_create(fd, &data, 0xffffffffu, &id), -EINVAL);
	igt_assert_eq(__kms_blob_create(fd, &data, 0x80000000u, &id), -EINVAL);
	igt_assert_eq(__kms_blob_create(fd, &data, 0x7fffffffu, &id), -EINVAL);
}

/* A blob far larger than one ioctl copy round of CUSE (128 KiB): 1 MiB, read back whole. */
static void blob_large(void)
{
	int fd = open_kms();
	const uint32_t size = 1 << 20;
	uint32_t *in = malloc(size), *out = malloc(size);
	igt_assert(in && out);
	for (uint32_t i = 0; i < size / 4; i++)
		in[i] = i * 2654435761u;
	memset(out, 0, size);

	uint32_t id = kms_blob_create(fd, in, size), len = size;
	igt_assert_eq(__kms_blob_get(fd, id, out, &len), 0);
	igt_assert_eq(len, size);
	igt_assert(memcmp(in, out, size) == 0);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
	free(in);
	free(out);
}

static void blob_prop_lifetime(void)
{
	int fd = open_kms();
	int fd2 = drm_open_primary();
	uint32_t id = create_mode_blob(fd), id2;

	/* Other files see a blob ... */
	igt_assert_eq(validate_mode_blob(fd, id), 0);
	igt_assert_eq(validate_mode_blob(fd2, id), 0);
	/* ... but cannot destroy it. */
	igt_assert_eq(__kms_blob_destroy(fd2, id), -EPERM);
	igt_assert_eq(validate_mode_blob(fd, id), 0);

	/* A destroyed blob is gone for everyone. */
	id2 = create_mode_blob(fd2);
	igt_assert_eq(validate_mode_blob(fd2, id2), 0);
	igt_assert_eq(__kms_blob_destroy(fd2, id2), 0);
	igt_assert_eq(validate_mode_blob(fd2, id2), ENOENT);
	igt_assert_eq(validate_mode_blob(fd, id2), ENOENT);

	/* Closing the creating file destroys its blobs. */
	id2 = create_mode_blob(fd2);
	igt_assert_eq(validate_mode_blob(fd, id2), 0);
	igt_assert_eq(close(fd2), 0);
	igt_assert_eq(validate_mode_blob(fd, id2), ENOENT);

	igt_assert_eq(validate_mode_blob(fd, id), 0);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
	igt_assert_eq(validate_mode_blob(fd, id), ENOENT);
}

static void blob_multiple(void)
{
	int fd = open_kms();
	uint32_t ids[5];
	int fd2 = drm_open_primary();

	for (int i = 0; i < 5; i++) {
		ids[i] = create_mode_blob(fd2);
		for (int j = 0; j < i; j++)
			igt_assert_neq(ids[i], ids[j]);
		igt_assert_eq(validate_mode_blob(fd, ids[i]), 0);
		igt_assert_eq(validate_mode_blob(fd2, ids[i]), 0);
	}
	for (int i = 0; i < 5; i++) {
		igt_assert_eq(__kms_blob_destroy(fd2, ids[i]), 0);
		igt_assert_eq(validate_mode_blob(fd2, ids[i]), ENOENT);
	}
	close(fd2);

	fd2 = drm_open_primary();
	for (int i = 0; i < 5; i++)
		ids[i] = create_mode_blob(fd2);
	close(fd2);
	for (int i = 0; i < 5; i++)
		igt_assert_eq(validate_mode_blob(fd, ids[i]), ENOENT);
}

/* DESTROYPROPBLOB of what is no (live) blob: ENOENT (drm_property_lookup_blob fails). */
static void destroy_invalid(void)
{
	int fd = open_kms();
	struct kms_pipe pipe;

	igt_assert_eq(__kms_blob_destroy(fd, 0), -ENOENT);
	igt_assert_eq(__kms_blob_destroy(fd, 0xffffffff), -ENOENT);

	uint32_t id = create_mode_blob(fd);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
	igt_assert_eq(__kms_blob_destroy(fd, id), -ENOENT);

	/* Objects of other types, with a live blob around. */
	id = create_mode_blob(fd);
	if (kms_pipe_find(fd, &pipe)) {
		igt_assert_eq(__kms_blob_destroy(fd, pipe.crtc_id), -ENOENT);
		igt_assert_eq(__kms_blob_destroy(fd, pipe.connector_id), -ENOENT);
		igt_assert_eq(__kms_blob_destroy(fd, pipe.primary.id), -ENOENT);
	}
	igt_assert_eq(validate_mode_blob(fd, id), 0);
	igt_assert_eq(__kms_blob_destroy(fd, id), 0);
}

/* A non-master file (the second opener) creates, reads and destroys its own blobs. */
static void non_master(void)
{
	int fd = open_kms();
	int fd2 = drm_open_primary();

	igt_assert(igt_is_master(fd));
	igt_assert(!igt_is_master(fd2));
	uint32_t id = create_mode_blob(fd2);
	igt_assert_eq(validate_mode_blob(fd2, id), 0);
	igt_assert_eq(__kms_blob_destroy(fd, id), -EPERM);
	igt_assert_eq(__kms_blob_destroy(fd2, id), 0);
}

/*
 * A blob used as a CRTC's MODE_ID outlives DESTROYPROPBLOB while that state uses it
 * (drm_atomic_set_mode_prop_for_crtc holds a reference; the id is released with the last one).
 */
static void mode_id_in_use(void)
{
	int fd = drm_open_primary();
	struct kms_pipe pipe;
	struct kms_atomic req;

	igt_require_atomic(fd);
	igt_require_pipe(fd, &pipe);
	uint32_t fb = kms_fb_create(fd, pipe.mode.hdisplay, pipe.mode.vdisplay, DRM_FORMAT_XRGB8888);
	uint32_t blob = kms_blob_create(fd, &pipe.mode, sizeof(pipe.mode));

	kms_atomic_clear(&req);
	kms_atomic_pipe_on(&req, fd, &pipe, blob, &pipe.mode, fb);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq_u64(kms_prop_value(fd, pipe.crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID"), blob);

	igt_assert_eq(__kms_blob_destroy(fd, blob), 0);
	/* Still the CRTC's mode, still readable, but no longer ours to destroy. */
	igt_assert_eq_u64(kms_prop_value(fd, pipe.crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID"), blob);
	struct drm_mode_modeinfo got;
	uint32_t len = sizeof(got);
	igt_assert_eq(__kms_blob_get(fd, blob, &got, &len), 0);
	igt_assert_eq(len, sizeof(got));
	igt_assert(memcmp(&got, &pipe.mode, sizeof(got)) == 0);
	igt_assert_eq(__kms_blob_destroy(fd, blob), -EPERM);

	/* The same mode from a new blob: the old one loses its last user. */
	uint32_t blob2 = kms_blob_create(fd, &pipe.mode, sizeof(pipe.mode));
	kms_atomic_clear(&req);
	kms_atomic_set(&req, fd, pipe.crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID", blob2);
	igt_assert_eq(kms_atomic_commit(fd, &req, DRM_MODE_ATOMIC_ALLOW_MODESET, 0), 0);
	igt_assert_eq_u64(kms_prop_value(fd, pipe.crtc_id, DRM_MODE_OBJECT_CRTC, "MODE_ID"), blob2);
	len = sizeof(got);
	igt_assert_eq(__kms_blob_get(fd, blob, &got, &len), -ENOENT);
}

static uint32_t blob_for_prop_tests(int fd)
{
	return create_mode_blob(fd);
}

static void invalid_get_prop(uint32_t obj_type)
{
	int fd = open_kms();
	uint32_t blob = blob_for_prop_tests(fd);
	uint32_t ids[4], count = 1;
	uint64_t values[4];

	igt_assert_eq(__kms_obj_get_props(fd, blob, obj_type, ids, values, &count), -EINVAL);
}

static void invalid_get_prop_any(void)
{
	invalid_get_prop(DRM_MODE_OBJECT_ANY);
}

static void invalid_get_prop_blob(void)
{
	invalid_get_prop(DRM_MODE_OBJECT_BLOB);
}

static void invalid_set_prop(uint32_t obj_type)
{
	int fd = open_kms();
	uint32_t blob = blob_for_prop_tests(fd);

	igt_assert(igt_is_master(fd)); /* OBJ_SETPROPERTY is a master ioctl */
	igt_assert_eq(__kms_obj_set_prop(fd, blob, obj_type, 1, 0), -EINVAL);
}

static void invalid_set_prop_any(void)
{
	invalid_set_prop(DRM_MODE_OBJECT_ANY);
}

static void invalid_set_prop_blob(void)
{
	invalid_set_prop(DRM_MODE_OBJECT_BLOB);
}

static const struct igt_subtest tests[] = {
	{ "basic", basic },
	{ "blob-prop-core", blob_prop_core },
	{ "blob-prop-validate", blob_prop_validate },
	{ "blob-zero-length", blob_zero_length },
	{ "blob-huge-length", blob_huge_length },
	{ "blob-large", blob_large },
	{ "blob-prop-lifetime", blob_prop_lifetime },
	{ "blob-multiple", blob_multiple },
	{ "destroy-invalid", destroy_invalid },
	{ "non-master", non_master },
	{ "mode-id-in-use", mode_id_in_use },
	{ "invalid-get-prop-any", invalid_get_prop_any },
	{ "invalid-get-prop", invalid_get_prop_blob },
	{ "invalid-set-prop-any", invalid_set_prop_any },
	{ "invalid-set-prop", invalid_set_prop_blob },
};

IGT_MAIN(tests)
