/* SPDX-License-Identifier: MIT */
/*
 * KMS properties through the legacy and object ioctls, as Linux 6.1 implements them
 * (drm_mode_object.c: drm_mode_obj_get_properties_ioctl, drm_mode_object_get_properties,
 * drm_mode_obj_set_property_ioctl, set_property_atomic; drm_property.c:
 * drm_mode_getproperty_ioctl; drm_connector.c: drm_connector_property_set_ioctl;
 * drm_atomic_uapi.c: drm_atomic_connector_commit_dpms).  A subset of upstream IGT's
 * kms_properties (get_properties_sanity, invalid-properties, atomic props, DPMS).
 *
 * What the kernel does:
 *   - OBJ_GETPROPERTIES lists a property flagged DRM_MODE_PROP_ATOMIC only to files with
 *     DRM_CLIENT_CAP_ATOMIC; it fills at most count_props entries and always returns the
 *     full count.  Objects without properties (encoders, framebuffers, blobs) are EINVAL,
 *     unknown ids (or an id of another type) ENOENT.
 *   - OBJ_SETPROPERTY on an atomic driver is a one-property atomic commit, whatever the
 *     file's caps, that may modeset (drm_atomic_state_init sets allow_modeset): atomic
 *     properties work through it; the property must be on the object (EINVAL) and valid for
 *     it (immutable, out of range: EINVAL), and the new state must pass the checks.
 *   - DPMS: MODE_SETPROPERTY (or OBJ_SETPROPERTY) on the connector switches its CRTC's ACTIVE;
 *     on atomic drivers every value but On, even one outside the enum, is Off and reads
 *     back as Off (drm_atomic_connector_commit_dpms; no drm_property_change_valid_get).
 */
#include "igt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CRTC DRM_MODE_OBJECT_CRTC
#define PLANE DRM_MODE_OBJECT_PLANE
#define CONNECTOR DRM_MODE_OBJECT_CONNECTOR

#define PROP_LEGACY_TYPES                                                                  \
	(DRM_MODE_PROP_RANGE | DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BLOB | DRM_MODE_PROP_BITMASK)

static int open_pipe(struct kms_pipe *pipe)
{
	int fd = drm_open_primary();
	igt_require_pipe(fd, pipe);
	return fd;
}

/* Checks one property's description and its value on one object. */
static void check_property(int fd, uint32_t obj, uint32_t prop_id, uint64_t value, bool atomic)
{
	struct drm_mode_get_property p;
	int ret = __kms_get_property(fd, prop_id, &p);
	igt_assert_f(ret == 0, "GETPROPERTY(%u) of object %u: %s\n", prop_id, obj,
		     strerror(-ret));
	igt_assert_eq(p.prop_id, prop_id);
	igt_assert_f(memchr(p.name, '\0', sizeof(p.name)) && p.name[0],
		     "property %u: name not a NUL-terminated non-empty string\n", prop_id);
	if (!atomic)
		igt_assert_f(!(p.flags & DRM_MODE_PROP_ATOMIC),
			     "atomic property %s listed without DRM_CLIENT_CAP_ATOMIC\n", p.name);

	uint32_t legacy = p.flags & PROP_LEGACY_TYPES;
	uint32_t ext = p.flags & DRM_MODE_PROP_EXTENDED_TYPE;
	igt_assert_f((legacy && !(legacy & (legacy - 1)) && !ext) || (!legacy && ext),
		     "property %s: flags %#x name no single type\n", p.name, p.flags);
	igt_assert_f(!(p.flags & ~(PROP_LEGACY_TYPES | DRM_MODE_PROP_EXTENDED_TYPE |
				   DRM_MODE_PROP_IMMUTABLE | DRM_MODE_PROP_ATOMIC |
				   DRM_MODE_PROP_PENDING)),
		     "property %s: unknown flags %#x\n", p.name, p.flags);

	uint64_t values[64];
	struct drm_mode_property_enum enums[64];
	igt_assert(p.count_values <= 64 && p.count_enum_blobs <= 64);
	uint32_t nv = p.count_values, ne = p.count_enum_blobs;
	memset(&p, 0, sizeof(p));
	p.prop_id = prop_id;
	p.count_values = nv;
	p.count_enum_blobs = ne;
	p.values_ptr = (uintptr_t)values;
	p.enum_blob_ptr = (uintptr_t)enums;
	do_ioctl(fd, DRM_IOCTL_MODE_GETPROPERTY, &p);
	igt_assert_eq(p.count_values, nv);

	if (p.flags & DRM_MODE_PROP_RANGE) {
		igt_assert_eq(nv, 2);
		igt_assert_lte_u64(values[0], values[1]);
		igt_assert_f(value >= values[0] && value <= values[1],
			     "%s = %llu outside [%llu, %llu]\n", p.name, (unsigned long long)value,
			     (unsigned long long)values[0], (unsigned long long)values[1]);
	} else if (ext == DRM_MODE_PROP_SIGNED_RANGE) {
		igt_assert_eq(nv, 2);
		igt_assert((int64_t)values[0] <= (int64_t)values[1]);
		igt_assert_f((int64_t)value >= (int64_t)values[0] &&
				     (int64_t)value <= (int64_t)values[1],
			     "%s = %lld outside its range\n", p.name, (long long)value);
	} else if (p.flags & DRM_MODE_PROP_ENUM) {
		igt_assert(ne >= 1);
		igt_assert_eq(nv, ne);
		bool found = false;
		for (uint32_t i = 0; i < ne; i++) {
			igt_assert(memchr(enums[i].name, '\0', sizeof(enums[i].name)));
			igt_assert_eq_u64(enums[i].value, values[i]);
			found |= enums[i].value == value;
		}
		igt_assert_f(found, "%s = %llu is none of its enum values\n", p.name,
			     (unsigned long long)value);
	} else if (p.flags & DRM_MODE_PROP_BITMASK) {
		uint64_t mask = 0;
		for (uint32_t i = 0; i < ne; i++) {
			igt_assert(enums[i].value < 64);
			mask |= 1ull << enums[i].value;
		}
		igt_assert_f(!(value & ~mask), "%s = %#llx has bits outside its enum\n", p.name,
			     (unsigned long long)value);
	} else if (p.flags & DRM_MODE_PROP_BLOB) {
		igt_assert_eq(nv, 0);
		if (value) {
			uint32_t len = 0;
			igt_assert_eq(__kms_blob_get(fd, (uint32_t)value, NULL, &len), 0);
		}
	} else if (ext == DRM_MODE_PROP_OBJECT) {
		igt_assert_eq(nv, 1); /* the object type */
		igt_assert(values[0] == CRTC || values[0] == DRM_MODE_OBJECT_FB);
	}
}

/* Every property of one object: ids unique, names unique, descriptions valid. */
static void check_object(int fd, uint32_t obj, uint32_t type, bool atomic)
{
	uint32_t ids[64], count = 0;
	uint64_t values[64];
	char names[64][DRM_PROP_NAME_LEN];

	igt_assert_eq(__kms_obj_get_props(fd, obj, type, NULL, NULL, &count), 0);
	igt_assert(count <= 64);
	uint32_t n = count;
	if (n == 0)
		return; /* legal: e.g. a CRTC of a non-atomic driver without the atomic cap */
	igt_assert_eq(__kms_obj_get_props(fd, obj, type, ids, values, &count), 0);
	igt_assert_eq(count, n);
	for (uint32_t i = 0; i < n; i++) {
		struct drm_mode_get_property p;
		check_property(fd, obj, ids[i], values[i], atomic);
		igt_assert_eq(__kms_get_property(fd, ids[i], &p), 0);
		memcpy(names[i], p.name, DRM_PROP_NAME_LEN);
		for (uint32_t j = 0; j < i; j++) {
			igt_assert_neq(ids[i], ids[j]);
			igt_assert_f(strncmp(names[i], names[j], DRM_PROP_NAME_LEN) != 0,
				     "object %u lists \"%s\" twice\n", obj, names[i]);
		}
	}
	/* ANY finds the object too, with the same list. */
	uint32_t ids2[64], count2 = 64;
	uint64_t values2[64];
	igt_assert_eq(__kms_obj_get_props(fd, obj, DRM_MODE_OBJECT_ANY, ids2, values2, &count2), 0);
	igt_assert_eq(count2, n);
	igt_assert(memcmp(ids, ids2, n * sizeof(uint32_t)) == 0);
	/* A short array gets the first entries; the count is the whole list's. */
	uint32_t one = 0xdeadbeef;
	uint64_t one_value = 0;
	count = 1;
	igt_assert_eq(__kms_obj_get_props(fd, obj, type, &one, &one_value, &count), 0);
	igt_assert_eq(count, n);
	igt_assert_eq(one, ids[0]);
}

static void check_all_objects(int fd, const struct kms_pipe *pipe, bool atomic)
{
	struct drm_mode_card_res res;
	uint32_t crtcs[16], conns[16];

	memset(&res, 0, sizeof(res));
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	igt_assert(res.count_crtcs <= 16 && res.count_connectors <= 16);
	res.count_fbs = res.count_encoders = 0;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	for (uint32_t i = 0; i < res.count_crtcs; i++)
		check_object(fd, crtcs[i], CRTC, atomic);
	for (uint32_t i = 0; i < res.count_connectors; i++)
		check_object(fd, conns[i], CONNECTOR, atomic);
	for (uint32_t i = 0; i < pipe->n_planes; i++)
		check_object(fd, pipe->planes[i].id, PLANE, atomic);
}

static void get_properties_sanity(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);

	check_all_objects(fd, &pipe, false);
}

static void get_properties_sanity_atomic(void)
{
	struct kms_pipe pipe;
	int fd = drm_open_primary();
	igt_require_atomic(fd);
	igt_require_pipe(fd, &pipe);

	check_all_objects(fd, &pipe, true);
}

static bool listed(int fd, uint32_t obj, uint32_t type, const char *name, uint32_t *flags)
{
	uint32_t id = kms_prop_id(fd, obj, type, name);
	if (id && flags) {
		struct drm_mode_get_property p;
		igt_assert_eq(__kms_get_property(fd, id, &p), 0);
		*flags = p.flags;
	}
	return id != 0;
}

static const char *const crtc_atomic[] = { "ACTIVE", "MODE_ID", "OUT_FENCE_PTR" };
static const char *const plane_atomic[] = { "FB_ID", "CRTC_ID", "CRTC_X", "CRTC_Y", "CRTC_W",
					    "CRTC_H", "SRC_X", "SRC_Y", "SRC_W", "SRC_H",
					    "IN_FENCE_FD" };

/* Without DRM_CLIENT_CAP_ATOMIC, the atomic-only properties are not listed. */
static void atomic_props_hidden(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);

	for (size_t i = 0; i < sizeof(crtc_atomic) / sizeof(crtc_atomic[0]); i++)
		igt_assert_f(!listed(fd, pipe.crtc_id, CRTC, crtc_atomic[i], NULL),
			     "CRTC lists %s without the atomic cap\n", crtc_atomic[i]);
	for (size_t i = 0; i < sizeof(plane_atomic) / sizeof(plane_atomic[0]); i++)
		igt_assert_f(!listed(fd, pipe.primary.id, PLANE, plane_atomic[i], NULL),
			     "plane lists %s without the atomic cap\n", plane_atomic[i]);
	igt_assert(!listed(fd, pipe.connector_id, CONNECTOR, "CRTC_ID", NULL));
	/* What is not atomic-only stays. */
	igt_assert(listed(fd, pipe.primary.id, PLANE, "type", NULL));
	igt_assert(listed(fd, pipe.connector_id, CONNECTOR, "DPMS", NULL));
}

/* With it, they are, each flagged DRM_MODE_PROP_ATOMIC. */
static void atomic_props_visible(void)
{
	struct kms_pipe pipe;
	int fd = drm_open_primary();
	uint32_t flags;
	igt_require_atomic(fd);
	igt_require_pipe(fd, &pipe);

	for (size_t i = 0; i < sizeof(crtc_atomic) / sizeof(crtc_atomic[0]); i++) {
		igt_assert_f(listed(fd, pipe.crtc_id, CRTC, crtc_atomic[i], &flags),
			     "CRTC lacks %s\n", crtc_atomic[i]);
		igt_assert(flags & DRM_MODE_PROP_ATOMIC);
	}
	for (uint32_t p = 0; p < pipe.n_planes; p++) {
		for (size_t i = 0; i < sizeof(plane_atomic) / sizeof(plane_atomic[0]); i++) {
			igt_assert_f(listed(fd, pipe.planes[p].id, PLANE, plane_atomic[i], &flags),
				     "plane %u lacks %s\n", pipe.planes[p].id, plane_atomic[i]);
			igt_assert(flags & DRM_MODE_PROP_ATOMIC);
		}
	}
	igt_assert(listed(fd, pipe.connector_id, CONNECTOR, "CRTC_ID", &flags));
	igt_assert(flags & DRM_MODE_PROP_ATOMIC);
	igt_assert(listed(fd, pipe.primary.id, PLANE, "type", &flags));
	igt_assert(!(flags & DRM_MODE_PROP_ATOMIC));
	/* drm_crtc_init_with_planes gives every CRTC of an atomic driver VRR_ENABLED too. */
	igt_assert(listed(fd, pipe.crtc_id, CRTC, "VRR_ENABLED", &flags));
	igt_assert_eq_u32(flags, DRM_MODE_PROP_RANGE);
}

/* "type": immutable enum Overlay/Primary/Cursor, one primary per CRTC, not settable. */
static void plane_type_immutable(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);
	unsigned int primaries = 0;

	for (uint32_t i = 0; i < pipe.n_planes; i++) {
		const struct kms_plane *pl = &pipe.planes[i];
		uint32_t id = kms_prop_id(fd, pl->id, PLANE, "type");
		struct drm_mode_get_property p;
		struct drm_mode_property_enum enums[8];
		uint64_t values[8];

		igt_assert_neq(id, 0);
		igt_assert_eq(__kms_get_property(fd, id, &p), 0);
		igt_assert_eq_u32(p.flags, DRM_MODE_PROP_ENUM | DRM_MODE_PROP_IMMUTABLE);
		igt_assert_eq(p.count_enum_blobs, 3);
		p.values_ptr = (uintptr_t)values;
		p.enum_blob_ptr = (uintptr_t)enums;
		do_ioctl(fd, DRM_IOCTL_MODE_GETPROPERTY, &p);
		static const char *const names[] = { "Overlay", "Primary", "Cursor" };
		for (int k = 0; k < 3; k++) {
			igt_assert_eq_u64(enums[k].value, (uint64_t)k);
			igt_assert_f(strcmp(enums[k].name, names[k]) == 0, "enum %d is %s\n", k,
				     enums[k].name);
		}
		igt_assert(pl->type <= DRM_PLANE_TYPE_CURSOR);
		if (pl->type == DRM_PLANE_TYPE_PRIMARY && (pl->possible_crtcs & (1u << pipe.crtc_index)))
			primaries++;

		/* Immutable: OBJ_SETPROPERTY refuses any value, the current one too. */
		igt_assert_eq(__kms_obj_set_prop(fd, pl->id, PLANE, id, pl->type), -EINVAL);
		igt_assert_eq(__kms_obj_set_prop(fd, pl->id, PLANE, id, DRM_PLANE_TYPE_OVERLAY),
			      -EINVAL);
		igt_assert_eq_u64(kms_prop_value(fd, pl->id, PLANE, "type"), pl->type);
	}
	igt_assert_lte(1, primaries);
}

/* Ids that are no property, objects that are not there or have no properties. */
static void invalid_ids(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);
	struct drm_mode_get_property p;
	uint32_t count = 0;
	uint32_t dpms = kms_prop_id(fd, pipe.connector_id, CONNECTOR, "DPMS");

	igt_assert_eq(__kms_get_property(fd, 0, &p), -ENOENT);
	igt_assert_eq(__kms_get_property(fd, 0xffffffff, &p), -ENOENT);
	igt_assert_eq(__kms_get_property(fd, pipe.crtc_id, &p), -ENOENT);

	igt_assert_eq(__kms_obj_get_props(fd, 0xffffffff, CRTC, NULL, NULL, &count), -ENOENT);
	igt_assert_eq(__kms_obj_get_props(fd, 0, DRM_MODE_OBJECT_ANY, NULL, NULL, &count), -ENOENT);
	igt_assert_eq(__kms_obj_get_props(fd, pipe.crtc_id, CONNECTOR, NULL, NULL, &count), -ENOENT);
	igt_assert_eq(__kms_obj_get_props(fd, pipe.connector_id, PLANE, NULL, NULL, &count),
		      -ENOENT);
	/* Encoders have no properties. */
	igt_assert_eq(__kms_obj_get_props(fd, pipe.encoder_id, DRM_MODE_OBJECT_ENCODER, NULL, NULL,
					  &count),
		      -EINVAL);
	/* Framebuffers neither. */
	uint32_t fb = kms_fb_create(fd, 64, 64, DRM_FORMAT_XRGB8888);
	igt_assert_eq(__kms_obj_get_props(fd, fb, DRM_MODE_OBJECT_FB, NULL, NULL, &count), -EINVAL);
	/* The property id as an object. */
	igt_assert_eq(__kms_obj_get_props(fd, dpms, DRM_MODE_OBJECT_PROPERTY, NULL, NULL, &count),
		      -EINVAL);

	/* OBJ_SETPROPERTY: no object ENOENT; no properties, or not this one: EINVAL. */
	igt_assert(igt_is_master(fd));
	igt_assert_eq(__kms_obj_set_prop(fd, 0xffffffff, CONNECTOR, dpms, 0), -ENOENT);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.connector_id, CRTC, dpms, 0), -ENOENT);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.encoder_id, DRM_MODE_OBJECT_ENCODER, dpms, 0),
		      -EINVAL);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.crtc_id, CRTC, dpms, 0), -EINVAL);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.connector_id, CONNECTOR, 0xffffffff, 0), -EINVAL);
	igt_assert_eq(__kms_connector_set_prop(fd, 0xffffffff, dpms, 0), -ENOENT);
	igt_assert_eq(__kms_connector_set_prop(fd, pipe.connector_id, 0xffffffff, 0), -EINVAL);
}

/* OBJ_SETPROPERTY and SETPROPERTY are master ioctls. */
static void set_needs_master(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);
	int fd2 = drm_open_primary();
	uint32_t dpms = kms_prop_id(fd, pipe.connector_id, CONNECTOR, "DPMS");

	igt_assert(!igt_is_master(fd2));
	igt_assert_eq(__kms_obj_set_prop(fd2, pipe.connector_id, CONNECTOR, dpms, 0), -EACCES);
	igt_assert_eq(__kms_connector_set_prop(fd2, pipe.connector_id, dpms, 0), -EACCES);
	/* Reading needs no master. */
	uint32_t count = 0;
	igt_assert_eq(__kms_obj_get_props(fd2, pipe.connector_id, CONNECTOR, NULL, NULL, &count), 0);
	igt_assert_lte(1, count);
	close(fd);
}

static uint64_t active_of(int fd_atomic, const struct kms_pipe *pipe)
{
	return kms_prop_value(fd_atomic, pipe->crtc_id, CRTC, "ACTIVE");
}

/* Legacy DPMS on the connector: Off turns the CRTC off, On back on; the mode stays. */
static void connector_dpms(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);
	uint32_t dpms = kms_prop_id(fd, pipe.connector_id, CONNECTOR, "DPMS");
	/* A second file with the atomic cap reads ACTIVE, when the driver has it. */
	int fa = drm_open_primary();
	bool atomic = kms_try_atomic(fa);

	igt_assert_neq(dpms, 0);
	uint32_t fb = kms_pipe_legacy_on(fd, &pipe);
	igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 0);

	igt_assert_eq(__kms_connector_set_prop(fd, pipe.connector_id, dpms, 3), 0);
	igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 3);
	if (atomic)
		igt_assert_eq_u64(active_of(fa, &pipe), 0);
	struct drm_mode_crtc c = { .crtc_id = pipe.crtc_id };
	do_ioctl(fd, DRM_IOCTL_MODE_GETCRTC, &c);
	igt_assert_eq(c.mode_valid, 1);
	igt_assert_eq(c.fb_id, fb);

	igt_assert_eq(__kms_connector_set_prop(fd, pipe.connector_id, dpms, 0), 0);
	igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 0);
	if (atomic)
		igt_assert_eq_u64(active_of(fa, &pipe), 1);

	/* Standby and Suspend are Off on atomic drivers. */
	if (atomic) {
		igt_assert_eq(__kms_obj_set_prop(fd, pipe.connector_id, CONNECTOR, dpms, 1), 0);
		igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 3);
		igt_assert_eq_u64(active_of(fa, &pipe), 0);
		igt_assert_eq(__kms_obj_set_prop(fd, pipe.connector_id, CONNECTOR, dpms, 2), 0);
		igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 3);
		igt_assert_eq(__kms_obj_set_prop(fd, pipe.connector_id, CONNECTOR, dpms, 0), 0);
		igt_assert_eq_u64(active_of(fa, &pipe), 1);
	}

	/*
	 * Not an enum value: on atomic drivers DPMS skips the enum check
	 * (set_property_atomic hands it to drm_atomic_connector_commit_dpms), and anything but
	 * On is Off.
	 */
	if (atomic) {
		igt_assert_eq(__kms_connector_set_prop(fd, pipe.connector_id, dpms, 4), 0);
		igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 3);
		igt_assert_eq_u64(active_of(fa, &pipe), 0);
		igt_assert_eq(__kms_obj_set_prop(fd, pipe.connector_id, CONNECTOR, dpms, 0), 0);
		igt_assert_eq_u64(active_of(fa, &pipe), 1);
	}
	igt_assert_eq_u64(kms_prop_value(fd, pipe.connector_id, CONNECTOR, "DPMS"), 0);
}

/*
 * OBJ_SETPROPERTY reaches atomic-only properties from a file without the atomic cap (the
 * kernel looks the id up on the object regardless), modesets included.
 */
static void setproperty_atomic_prop(void)
{
	struct kms_pipe pipe;
	int fd = open_pipe(&pipe);
	int fa = drm_open_primary();
	igt_require_f(kms_try_atomic(fa), "the driver is not atomic\n");
	igt_require_f(pipe.cursor.id, "the CRTC has no cursor plane\n");

	kms_pipe_legacy_on(fd, &pipe);
	uint32_t bo = dumb_create(fd, 64, 64, 32, NULL, NULL);
	struct drm_mode_cursor cur = { .flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE,
				       .crtc_id = pipe.crtc_id, .x = 10, .y = 10, .width = 64,
				       .height = 64, .handle = bo };
	do_ioctl(fd, DRM_IOCTL_MODE_CURSOR, &cur);

	uint32_t crtc_x = kms_prop_id(fa, pipe.cursor.id, PLANE, "CRTC_X");
	uint32_t active = kms_prop_id(fa, pipe.crtc_id, CRTC, "ACTIVE");
	uint32_t mode_id = kms_prop_id(fa, pipe.crtc_id, CRTC, "MODE_ID");
	igt_assert(crtc_x && active && mode_id);
	igt_assert_eq_u64(kms_prop_value(fa, pipe.cursor.id, PLANE, "CRTC_X"), 10);

	igt_assert_eq(__kms_obj_set_prop(fd, pipe.cursor.id, PLANE, crtc_x, 100), 0);
	igt_assert_eq_u64(kms_prop_value(fa, pipe.cursor.id, PLANE, "CRTC_X"), 100);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.cursor.id, DRM_MODE_OBJECT_ANY, crtc_x,
					 (uint64_t)-20),
		      0);
	igt_assert_eq_u64(kms_prop_value(fa, pipe.cursor.id, PLANE, "CRTC_X"), (uint64_t)-20);
	/* Out of range, as through MODE_ATOMIC. */
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.cursor.id, PLANE, crtc_x, 1ull << 32), -EINVAL);

	/*
	 * Legacy paths may modeset (drm_atomic_state_init sets allow_modeset): ACTIVE goes
	 * off and on.
	 */
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.crtc_id, CRTC, active, 0), 0);
	igt_assert_eq_u64(kms_prop_value(fa, pipe.crtc_id, CRTC, "ACTIVE"), 0);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.crtc_id, CRTC, active, 1), 0);
	igt_assert_eq_u64(kms_prop_value(fa, pipe.crtc_id, CRTC, "ACTIVE"), 1);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.crtc_id, CRTC, active, 1), 0);
	/* But the state must stay valid: no mode with a connector still routed is EINVAL. */
	uint64_t mode_blob = kms_prop_value(fa, pipe.crtc_id, CRTC, "MODE_ID");
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.crtc_id, CRTC, mode_id, 0), -EINVAL);
	igt_assert_eq_u64(kms_prop_value(fa, pipe.crtc_id, CRTC, "MODE_ID"), mode_blob);
	igt_assert_eq(__kms_obj_set_prop(fd, pipe.crtc_id, CRTC, active, 2), -EINVAL);
}

static const struct igt_subtest tests[] = {
	{ "get-properties-sanity", get_properties_sanity },
	{ "get-properties-sanity-atomic", get_properties_sanity_atomic },
	{ "atomic-props-hidden", atomic_props_hidden },
	{ "atomic-props-visible", atomic_props_visible },
	{ "plane-type-immutable", plane_type_immutable },
	{ "invalid-ids", invalid_ids },
	{ "set-needs-master", set_needs_master },
	{ "connector-dpms", connector_dpms },
	{ "setproperty-atomic-prop", setproperty_atomic_prop },
};

IGT_MAIN(tests)
