/* SPDX-License-Identifier: MIT */
/*
 * Render nodes: only ioctls flagged DRM_RENDER_ALLOW are reachable, everything else is EACCES
 * (drm_ioctl.c, drm_ioctl_permit, Linux 6.1).  VERSION, GET_CAP, GEM_CLOSE and PRIME are
 * allowed; master, auth, GEM names, KMS and dumb-buffer ioctls are not.  A render file never
 * becomes master.
 */
#include "igt.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static void version(void)
{
	int p = drm_open_primary();
	int r = drm_open_render();
	char np[64], nr[64];

	igt_assert(drm_get_driver_name(p, np, sizeof(np)));
	igt_assert(drm_get_driver_name(r, nr, sizeof(nr)));
	igt_assert_f(strcmp(np, nr) == 0, "primary %s, render %s\n", np, nr);
}

/* Caps answer the same on both nodes. */
static void getcap(void)
{
	int p = drm_open_primary();
	int r = drm_open_render();
	struct drm_get_cap c = { .capability = DRM_CAP_PRIME };

	do_ioctl(r, DRM_IOCTL_GET_CAP, &c);
	uint64_t prime = c.value;
	c.value = 0;
	do_ioctl(p, DRM_IOCTL_GET_CAP, &c);
	igt_assert_eq_u64(prime, c.value);
	c.capability = DRM_CAP_TIMESTAMP_MONOTONIC;
	c.value = 0;
	do_ioctl(r, DRM_IOCTL_GET_CAP, &c);
	igt_assert_eq_u64(c.value, 1);
	c.capability = DRM_CAP_SYNCOBJ;
	do_ioctl(r, DRM_IOCTL_GET_CAP, &c);
}

static void master_ioctls(void)
{
	int r = drm_open_render();
	struct drm_auth a = { .magic = 0 };

	do_ioctl_err(r, DRM_IOCTL_GET_MAGIC, &a, EACCES);
	a.magic = 0;
	do_ioctl_err(r, DRM_IOCTL_AUTH_MAGIC, &a, EACCES);
	a.magic = 1;
	do_ioctl_err(r, DRM_IOCTL_AUTH_MAGIC, &a, EACCES);
	do_ioctl_err(r, DRM_IOCTL_SET_MASTER, NULL, EACCES);
	do_ioctl_err(r, DRM_IOCTL_DROP_MASTER, NULL, EACCES);
}

static void primary_only_ioctls(void)
{
	int r = drm_open_render();
	struct drm_client client;
	struct drm_stats stats;
	struct drm_unique unique;
	struct drm_set_client_cap cc = { .capability = DRM_CLIENT_CAP_UNIVERSAL_PLANES, .value = 1 };

	memset(&client, 0, sizeof(client));
	do_ioctl_err(r, DRM_IOCTL_GET_CLIENT, &client, EACCES);
	memset(&stats, 0, sizeof(stats));
	do_ioctl_err(r, DRM_IOCTL_GET_STATS, &stats, EACCES);
	memset(&unique, 0, sizeof(unique));
	do_ioctl_err(r, DRM_IOCTL_GET_UNIQUE, &unique, EACCES);
	do_ioctl_err(r, DRM_IOCTL_SET_CLIENT_CAP, &cc, EACCES);
}

static void kms_ioctls(void)
{
	int r = drm_open_render();
	struct drm_mode_card_res res;
	struct drm_mode_get_plane_res pres;

	memset(&res, 0, sizeof(res));
	do_ioctl_err(r, DRM_IOCTL_MODE_GETRESOURCES, &res, EACCES);
	memset(&pres, 0, sizeof(pres));
	do_ioctl_err(r, DRM_IOCTL_MODE_GETPLANERESOURCES, &pres, EACCES);
}

static void gem_names(void)
{
	int r = drm_open_render();
	struct drm_gem_flink f = { .handle = 1 };
	struct drm_gem_open o;

	do_ioctl_err(r, DRM_IOCTL_GEM_FLINK, &f, EACCES);
	memset(&o, 0, sizeof(o));
	o.name = 1;
	do_ioctl_err(r, DRM_IOCTL_GEM_OPEN, &o, EACCES);
}

static void dumb_ioctls(void)
{
	int r = drm_open_render();
	struct drm_mode_create_dumb c;
	struct drm_mode_map_dumb m;
	struct drm_mode_destroy_dumb d = { .handle = 1 };

	memset(&c, 0, sizeof(c));
	c.width = 64;
	c.height = 64;
	c.bpp = 32;
	do_ioctl_err(r, DRM_IOCTL_MODE_CREATE_DUMB, &c, EACCES);
	memset(&m, 0, sizeof(m));
	m.handle = 1;
	do_ioctl_err(r, DRM_IOCTL_MODE_MAP_DUMB, &m, EACCES);
	do_ioctl_err(r, DRM_IOCTL_MODE_DESTROY_DUMB, &d, EACCES);
}

static void gem_close_bad(void)
{
	int r = drm_open_render();

	igt_assert_eq(__gem_close(r, 0), -EINVAL);
	igt_assert_eq(__gem_close(r, 1), -EINVAL);
	igt_assert_eq(__gem_close(r, 0xdeadbeef), -EINVAL);
}

/* An object exported from the primary node and imported on the render node: its handle closes. */
static void gem_close_imported(void)
{
	int p = drm_open_primary();
	int r = drm_open_render();
	struct drm_get_cap cap = { .capability = DRM_CAP_PRIME };

	do_ioctl(p, DRM_IOCTL_GET_CAP, &cap);
	igt_require((cap.value & DRM_PRIME_CAP_EXPORT) && (cap.value & DRM_PRIME_CAP_IMPORT));
	igt_require_dumb(p);
	uint32_t hp = dumb_create(p, 64, 64, 32, NULL, NULL);

	struct drm_prime_handle exp = { .handle = hp, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
	do_ioctl(p, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp);
	igt_assert_lte(0, exp.fd);

	struct drm_prime_handle imp = { .fd = exp.fd };
	do_ioctl(r, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp);
	igt_assert_neq(imp.handle, 0);
	close(exp.fd);

	gem_close(r, imp.handle);
	igt_assert_eq(__gem_close(r, imp.handle), -EINVAL);
	gem_close(p, hp);
}

/* Opening the render node first does not make it master: the next primary file is. */
static void render_never_master(void)
{
	int r = drm_open_render();
	int p = drm_open_primary();

	igt_assert(igt_is_master(p));
	close(p);
	/* No master now, and the render file still cannot take it. */
	do_ioctl_err(r, DRM_IOCTL_SET_MASTER, NULL, EACCES);
	p = drm_open_primary();
	igt_assert(igt_is_master(p));
}

static const struct igt_subtest tests[] = {
	{ "version", version },
	{ "getcap", getcap },
	{ "master-ioctls", master_ioctls },
	{ "primary-only-ioctls", primary_only_ioctls },
	{ "kms-ioctls", kms_ioctls },
	{ "gem-names", gem_names },
	{ "dumb-ioctls", dumb_ioctls },
	{ "gem-close-bad", gem_close_bad },
	{ "gem-close-imported", gem_close_imported },
	{ "render-never-master", render_never_master },
};

IGT_MAIN(tests)
