/*
 * drm_mode_object.c - mode object ids, properties and property blobs, and
 * the ioctls that read them: MODE_OBJ_GETPROPERTIES, MODE_GETPROPERTY and
 * MODE_GETPROPBLOB.
 *
 * Mirrors the kernel's drm_mode_object.c and drm_property.c (Linux 6.1).
 * Atomic-only properties (DRM_MODE_PROP_ATOMIC) are listed only to files
 * that set DRM_CLIENT_CAP_ATOMIC, and their values come from object state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"

int drm_mode_object_add(struct drm_device *dev, struct drm_mode_object *obj, uint32_t type)
{
	uint32_t id = drm_idr_alloc(&dev->objects, obj);

	if (!id)
		return -ENOMEM;
	obj->id = id;
	obj->type = type;
	return 0;
}

void drm_mode_object_remove(struct drm_device *dev, struct drm_mode_object *obj)
{
	if (obj->id)
		drm_idr_remove(&dev->objects, obj->id);
	obj->id = 0;
}

/** drm_mode_object_find() - the object @id if it has type @type (or DRM_MODE_OBJECT_ANY). */
struct drm_mode_object *drm_mode_object_find(struct drm_device *dev, uint32_t id, uint32_t type)
{
	struct drm_mode_object *obj = drm_idr_find(&dev->objects, id);

	if (obj && type != DRM_MODE_OBJECT_ANY && obj->type != type)
		return NULL;
	return obj;
}

/* ------------------------------------------------------------------ */
/* Properties                                                           */
/* ------------------------------------------------------------------ */

static struct drm_property *drm_property_create(struct drm_device *dev, uint32_t flags,
						const char *name, uint32_t num_values)
{
	struct drm_property *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (num_values) {
		p->values = calloc(num_values, sizeof(*p->values));
		if (!p->values) {
			free(p);
			return NULL;
		}
	}
	p->num_values = num_values;
	p->flags = flags;
	strncpy(p->name, name, DRM_PROP_NAME_LEN - 1);
	if (drm_mode_object_add(dev, &p->base, DRM_MODE_OBJECT_PROPERTY)) {
		free(p->values);
		free(p);
		return NULL;
	}
	drm_list_add_tail(&p->head, &dev->properties);
	return p;
}

static struct drm_property *drm_property_create_range(struct drm_device *dev, uint32_t flags,
						      const char *name, uint64_t min, uint64_t max)
{
	struct drm_property *p = drm_property_create(dev, flags | DRM_MODE_PROP_RANGE, name, 2);

	if (p) {
		p->values[0] = min;
		p->values[1] = max;
	}
	return p;
}

static struct drm_property *drm_property_create_signed_range(struct drm_device *dev, uint32_t flags,
							     const char *name, int64_t min, int64_t max)
{
	struct drm_property *p = drm_property_create(dev, flags | DRM_MODE_PROP_SIGNED_RANGE, name, 2);

	if (p) {
		p->values[0] = (uint64_t)min;
		p->values[1] = (uint64_t)max;
	}
	return p;
}

static struct drm_property *drm_property_create_object(struct drm_device *dev, uint32_t flags,
						       const char *name, uint32_t type)
{
	struct drm_property *p = drm_property_create(dev, flags | DRM_MODE_PROP_OBJECT, name, 1);

	if (p)
		p->values[0] = type;
	return p;
}

static struct drm_property *drm_property_create_enum(struct drm_device *dev, uint32_t flags,
						     const char *name,
						     const struct drm_property_enum *list,
						     uint32_t count)
{
	struct drm_property *p = drm_property_create(dev, flags | DRM_MODE_PROP_ENUM, name, count);
	uint32_t i;

	if (!p)
		return NULL;
	p->enums = calloc(count, sizeof(*p->enums));
	if (!p->enums)
		return p; /* freed with the device; enum names just go missing */
	for (i = 0; i < count; i++) {
		p->enums[i] = list[i];
		p->values[i] = list[i].value;
	}
	p->num_enums = count;
	return p;
}

/** drm_mode_props_init() - the standard properties (drm_mode_create_standard_properties()). */
int drm_mode_props_init(struct drm_device *dev)
{
	static const struct drm_property_enum dpms[] = {
		{ DRM_MODE_DPMS_ON, "On" }, { DRM_MODE_DPMS_STANDBY, "Standby" },
		{ DRM_MODE_DPMS_SUSPEND, "Suspend" }, { DRM_MODE_DPMS_OFF, "Off" },
	};
	static const struct drm_property_enum link_status[] = {
		{ DRM_MODE_LINK_STATUS_GOOD, "Good" }, { DRM_MODE_LINK_STATUS_BAD, "Bad" },
	};
	static const struct drm_property_enum plane_type[] = {
		{ DRM_PLANE_TYPE_OVERLAY, "Overlay" }, { DRM_PLANE_TYPE_PRIMARY, "Primary" },
		{ DRM_PLANE_TYPE_CURSOR, "Cursor" },
	};
	const uint32_t A = DRM_MODE_PROP_ATOMIC;

	dev->prop.edid = drm_property_create(dev, DRM_MODE_PROP_BLOB | DRM_MODE_PROP_IMMUTABLE, "EDID", 0);
	dev->prop.dpms = drm_property_create_enum(dev, 0, "DPMS", dpms, 4);
	dev->prop.link_status = drm_property_create_enum(dev, 0, "link-status", link_status, 2);
	dev->prop.non_desktop = drm_property_create_range(dev, DRM_MODE_PROP_IMMUTABLE, "non-desktop", 0, 1);
	dev->prop.crtc_id = drm_property_create_object(dev, A, "CRTC_ID", DRM_MODE_OBJECT_CRTC);
	dev->prop.plane_type = drm_property_create_enum(dev, DRM_MODE_PROP_IMMUTABLE, "type", plane_type, 3);
	dev->prop.fb_id = drm_property_create_object(dev, A, "FB_ID", DRM_MODE_OBJECT_FB);
	dev->prop.src_x = drm_property_create_range(dev, A, "SRC_X", 0, UINT32_MAX);
	dev->prop.src_y = drm_property_create_range(dev, A, "SRC_Y", 0, UINT32_MAX);
	dev->prop.src_w = drm_property_create_range(dev, A, "SRC_W", 0, UINT32_MAX);
	dev->prop.src_h = drm_property_create_range(dev, A, "SRC_H", 0, UINT32_MAX);
	dev->prop.crtc_x = drm_property_create_signed_range(dev, A, "CRTC_X", INT32_MIN, INT32_MAX);
	dev->prop.crtc_y = drm_property_create_signed_range(dev, A, "CRTC_Y", INT32_MIN, INT32_MAX);
	dev->prop.crtc_w = drm_property_create_range(dev, A, "CRTC_W", 0, INT32_MAX);
	dev->prop.crtc_h = drm_property_create_range(dev, A, "CRTC_H", 0, INT32_MAX);
	dev->prop.active = drm_property_create_range(dev, A, "ACTIVE", 0, 1);
	dev->prop.mode_id = drm_property_create(dev, A | DRM_MODE_PROP_BLOB, "MODE_ID", 0);
	dev->prop.out_fence_ptr = drm_property_create_range(dev, A, "OUT_FENCE_PTR", 0, UINT64_MAX);
	dev->prop.vrr_enabled = drm_property_create_range(dev, 0, "VRR_ENABLED", 0, 1);
	dev->prop.in_fence_fd = drm_property_create_signed_range(dev, A, "IN_FENCE_FD", -1, INT32_MAX);
	dev->prop.in_formats = drm_property_create(dev, DRM_MODE_PROP_IMMUTABLE | DRM_MODE_PROP_BLOB, "IN_FORMATS", 0);
	if (!dev->prop.edid || !dev->prop.dpms || !dev->prop.link_status || !dev->prop.non_desktop ||
	    !dev->prop.crtc_id || !dev->prop.plane_type || !dev->prop.fb_id || !dev->prop.src_x ||
	    !dev->prop.src_y || !dev->prop.src_w || !dev->prop.src_h || !dev->prop.crtc_x ||
	    !dev->prop.crtc_y || !dev->prop.crtc_w || !dev->prop.crtc_h || !dev->prop.active ||
	    !dev->prop.mode_id || !dev->prop.out_fence_ptr || !dev->prop.vrr_enabled || !dev->prop.in_fence_fd ||
	    !dev->prop.in_formats)
		return -ENOMEM;
	return 0;
}

/* drm_property_create_bitmask(): the entries of @list whose bit is in @supported. */
static struct drm_property *drm_property_create_bitmask(struct drm_device *dev, uint32_t flags, const char *name,
							const struct drm_property_enum *list, uint32_t count,
							uint64_t supported)
{
	struct drm_property *p;
	uint32_t i, n = 0;

	for (i = 0; i < count; i++)
		n += (supported >> list[i].value) & 1;
	p = drm_property_create(dev, flags | DRM_MODE_PROP_BITMASK, name, n);
	if (!p)
		return NULL;
	p->enums = calloc(n ? n : 1, sizeof(*p->enums));
	if (!p->enums)
		return p;
	for (i = 0; i < count; i++) {
		if (!((supported >> list[i].value) & 1))
			continue;
		p->enums[p->num_enums] = list[i];
		p->values[p->num_enums] = list[i].value;
		p->num_enums++;
	}
	return p;
}

int drm_plane_create_rotation_property(struct drm_plane *plane, uint32_t rotation, uint32_t supported)
{
	static const struct drm_property_enum props[] = {
		{ 0, "rotate-0" }, { 1, "rotate-90" }, { 2, "rotate-180" }, { 3, "rotate-270" },
		{ 4, "reflect-x" }, { 5, "reflect-y" },
	};
	struct drm_property *prop;

	if (!(supported & DRM_MODE_ROTATE_0) || !(rotation & supported) || (rotation & ~supported))
		return -EINVAL;
	prop = drm_property_create_bitmask(plane->dev, 0, "rotation", props, 6, supported);
	if (!prop)
		return -ENOMEM;
	drm_object_attach_property(&plane->props, prop, rotation);
	plane->rotation_property = prop;
	plane->state.rotation = rotation;
	return 0;
}

int drm_plane_create_alpha_property(struct drm_plane *plane)
{
	struct drm_property *prop = drm_property_create_range(plane->dev, 0, "alpha", 0, DRM_BLEND_ALPHA_OPAQUE);

	if (!prop)
		return -ENOMEM;
	drm_object_attach_property(&plane->props, prop, DRM_BLEND_ALPHA_OPAQUE);
	plane->alpha_property = prop;
	return 0;
}

int drm_plane_create_blend_mode_property(struct drm_plane *plane, uint32_t supported)
{
	static const struct drm_property_enum modes[] = {
		{ DRM_MODE_BLEND_PIXEL_NONE, "None" },
		{ DRM_MODE_BLEND_PREMULTI, "Pre-multiplied" },
		{ DRM_MODE_BLEND_COVERAGE, "Coverage" },
	};
	struct drm_property_enum list[3];
	struct drm_property *prop;
	uint32_t i, n = 0;

	if (!(supported & (1u << DRM_MODE_BLEND_PREMULTI)) || (supported & ~7u))
		return -EINVAL;
	for (i = 0; i < 3; i++)
		if (supported & (1u << modes[i].value))
			list[n++] = modes[i];
	prop = drm_property_create_enum(plane->dev, 0, "pixel blend mode", list, n);
	if (!prop)
		return -ENOMEM;
	drm_object_attach_property(&plane->props, prop, DRM_MODE_BLEND_PREMULTI);
	plane->blend_mode_property = prop;
	return 0;
}

int drm_plane_create_zpos_property(struct drm_plane *plane, uint32_t zpos, uint32_t min, uint32_t max)
{
	struct drm_property *prop = drm_property_create_range(plane->dev, 0, "zpos", min, max);

	if (!prop)
		return -ENOMEM;
	drm_object_attach_property(&plane->props, prop, zpos);
	plane->zpos_property = prop;
	plane->zpos_default = zpos;
	plane->state.zpos = zpos;
	plane->state.normalized_zpos = zpos;
	return 0;
}

void drm_object_attach_property(struct drm_object_properties *props, struct drm_property *prop,
				uint64_t value)
{
	if (!prop || props->count >= DRM_OBJECT_MAX_PROPERTY)
		return;
	props->props[props->count] = prop;
	props->values[props->count] = value;
	props->count++;
}

int drm_object_property_set_value(struct drm_object_properties *props, struct drm_property *prop,
				  uint64_t value)
{
	uint32_t i;

	for (i = 0; i < props->count; i++) {
		if (props->props[i] == prop) {
			props->values[i] = value;
			return 0;
		}
	}
	return -EINVAL;
}

int drm_color_props_init(struct drm_device *dev)
{
	if (dev->prop.gamma_lut)
		return 0;
	/* drm_color_mgmt.c / drm_mode_create_standard_properties(): GAMMA_LUT is not atomic-only. */
	dev->prop.gamma_lut = drm_property_create(dev, DRM_MODE_PROP_BLOB, "GAMMA_LUT", 0);
	dev->prop.gamma_lut_size = drm_property_create_range(dev, DRM_MODE_PROP_IMMUTABLE, "GAMMA_LUT_SIZE", 0,
							     UINT32_MAX);
	if (!dev->prop.gamma_lut || !dev->prop.gamma_lut_size)
		return -ENOMEM;
	return 0;
}

int drm_writeback_props_init(struct drm_device *dev)
{
	const uint32_t A = DRM_MODE_PROP_ATOMIC;

	if (dev->prop.wb_fb_id)
		return 0;
	/* drm_writeback.c: create_writeback_properties(). */
	dev->prop.wb_fb_id = drm_property_create_object(dev, A, "WRITEBACK_FB_ID", DRM_MODE_OBJECT_FB);
	dev->prop.wb_pixel_formats = drm_property_create(dev, A | DRM_MODE_PROP_BLOB | DRM_MODE_PROP_IMMUTABLE,
							 "WRITEBACK_PIXEL_FORMATS", 0);
	dev->prop.wb_out_fence_ptr = drm_property_create_range(dev, A, "WRITEBACK_OUT_FENCE_PTR", 0, UINT64_MAX);
	if (!dev->prop.wb_fb_id || !dev->prop.wb_pixel_formats || !dev->prop.wb_out_fence_ptr)
		return -ENOMEM;
	return 0;
}

/* __drm_object_property_get_value(): state-derived values for atomic properties. */
static uint64_t drm_object_property_get_value(struct drm_device *dev, struct drm_mode_object *obj,
					      uint32_t i)
{
	struct drm_property *prop = obj->properties->props[i];

	if (obj->type == DRM_MODE_OBJECT_CONNECTOR) {
		struct drm_connector *c = drm_container_of(obj, struct drm_connector, base);

		if (prop == dev->prop.crtc_id)
			return c->crtc ? c->crtc->base.id : 0;
		/* A writeback job is one-shot: its properties read back as 0 (drm_atomic_connector_get_property()). */
		if (prop == dev->prop.wb_fb_id || prop == dev->prop.wb_out_fence_ptr)
			return 0;
		if (prop == dev->prop.dpms)
			return c->dpms;
		/* A disconnected connector has no EDID (drm_connector_update_edid_property(NULL)). */
		if (prop == dev->prop.edid)
			return c->edid_blob && c->status == DRM_MODE_CONNECTED ? c->edid_blob->base.id : 0;
	} else if (obj->type == DRM_MODE_OBJECT_PLANE) {
		struct drm_plane *p = drm_container_of(obj, struct drm_plane, base);
		const struct drm_plane_state *s = &p->state;

		if (prop == dev->prop.fb_id)
			return s->fb ? s->fb->base.id : 0;
		if (prop == dev->prop.crtc_id)
			return s->crtc ? s->crtc->base.id : 0;
		if (prop == dev->prop.src_x)
			return s->src_x;
		if (prop == dev->prop.src_y)
			return s->src_y;
		if (prop == dev->prop.src_w)
			return s->src_w;
		if (prop == dev->prop.src_h)
			return s->src_h;
		if (prop == dev->prop.crtc_x)
			return (uint64_t)(int64_t)s->crtc_x;
		if (prop == dev->prop.crtc_y)
			return (uint64_t)(int64_t)s->crtc_y;
		if (prop == dev->prop.crtc_w)
			return s->crtc_w;
		if (prop == dev->prop.crtc_h)
			return s->crtc_h;
		if (prop == dev->prop.in_fence_fd)
			return (uint64_t)(int64_t)-1;
		if (prop == p->rotation_property)
			return s->rotation;
		if (prop == p->alpha_property)
			return s->alpha;
		if (prop == p->blend_mode_property)
			return s->pixel_blend_mode;
		if (prop == p->zpos_property)
			return s->zpos;
	} else if (obj->type == DRM_MODE_OBJECT_CRTC) {
		struct drm_crtc *c = drm_container_of(obj, struct drm_crtc, base);

		if (prop == dev->prop.active)
			return c->state.active;
		if (prop == dev->prop.mode_id)
			return c->state.mode_blob ? c->state.mode_blob->base.id : 0;
		if (prop == dev->prop.vrr_enabled)
			return c->state.vrr_enabled;
		if (prop && prop == dev->prop.gamma_lut)
			return c->state.gamma_lut ? c->state.gamma_lut->base.id : 0;
		if (prop == dev->prop.out_fence_ptr)
			return 0;
	}
	return obj->properties->values[i];
}

/* drm_mode_object_get_properties(): ids and values, partial copies allowed. */
int drm_mode_object_get_properties(struct drm_device *dev, struct drm_file *file,
					  struct drm_mode_object *obj, uint64_t prop_ptr,
					  uint64_t values_ptr, uint32_t *count_props)
{
	uint32_t i, count = 0;
	int ret;

	for (i = 0; i < obj->properties->count; i++) {
		struct drm_property *prop = obj->properties->props[i];

		if ((prop->flags & DRM_MODE_PROP_ATOMIC) && !file->atomic)
			continue;
		if (*count_props > count) {
			uint64_t val = drm_object_property_get_value(dev, obj, i);
			uint32_t id = prop->base.id;

			ret = drm_copy_to_user(file, prop_ptr + count * sizeof(uint32_t), &id, sizeof(id));
			if (ret)
				return ret;
			ret = drm_copy_to_user(file, values_ptr + count * sizeof(uint64_t), &val, sizeof(val));
			if (ret)
				return ret;
		}
		count++;
	}
	*count_props = count;
	return 0;
}

/** drm_mode_obj_get_properties_ioctl() - DRM_IOCTL_MODE_OBJ_GETPROPERTIES. */
int drm_mode_obj_get_properties_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_obj_get_properties *arg = data;
	struct drm_mode_object *obj;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, arg->obj_id, arg->obj_type);
	if (!obj)
		return -ENOENT;
	if (!obj->properties)
		return -EINVAL;
	return drm_mode_object_get_properties(dev, file, obj, arg->props_ptr, arg->prop_values_ptr,
					      &arg->count_props);
}

/** drm_mode_getproperty_ioctl() - DRM_IOCTL_MODE_GETPROPERTY: name, flags, values and enums. */
int drm_mode_getproperty_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_get_property *out = data;
	struct drm_mode_object *obj;
	struct drm_property *prop;
	uint32_t i, copied = 0;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, out->prop_id, DRM_MODE_OBJECT_PROPERTY);
	if (!obj)
		return -ENOENT;
	prop = drm_container_of(obj, struct drm_property, base);

	memset(out->name, 0, sizeof(out->name));
	memcpy(out->name, prop->name, DRM_PROP_NAME_LEN);
	out->flags = prop->flags;

	for (i = 0; i < prop->num_values; i++) {
		if (i < out->count_values) {
			ret = drm_copy_to_user(file, out->values_ptr + i * sizeof(uint64_t),
					       &prop->values[i], sizeof(uint64_t));
			if (ret)
				return ret;
		}
	}
	out->count_values = prop->num_values;

	if (prop->flags & (DRM_MODE_PROP_ENUM | DRM_MODE_PROP_BITMASK)) {
		for (i = 0; i < prop->num_enums; i++) {
			struct drm_mode_property_enum e;

			if (out->count_enum_blobs < i + 1)
				continue;
			memset(&e, 0, sizeof(e));
			e.value = prop->enums[i].value;
			memcpy(e.name, prop->enums[i].name, DRM_PROP_NAME_LEN);
			ret = drm_copy_to_user(file, out->enum_blob_ptr + copied * sizeof(e), &e, sizeof(e));
			if (ret)
				return ret;
			copied++;
		}
		out->count_enum_blobs = prop->num_enums;
	}
	if (prop->flags & DRM_MODE_PROP_BLOB)
		out->count_enum_blobs = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Blobs                                                                */
/* ------------------------------------------------------------------ */

struct drm_property_blob *drm_property_create_blob(struct drm_device *dev, const void *data,
						   uint32_t length)
{
	struct drm_property_blob *blob;

	if (!length)
		return NULL;
	blob = calloc(1, sizeof(*blob) + length);
	if (!blob)
		return NULL;
	blob->refcount = 1;
	blob->length = length;
	if (data)
		memcpy(blob->data, data, length);
	if (drm_mode_object_add(dev, &blob->base, DRM_MODE_OBJECT_BLOB)) {
		free(blob);
		return NULL;
	}
	drm_list_add_tail(&blob->head, &dev->blobs);
	return blob;
}

void drm_property_blob_put(struct drm_device *dev, struct drm_property_blob *blob)
{
	if (!blob || --blob->refcount)
		return;
	drm_mode_object_remove(dev, &blob->base);
	drm_list_del(&blob->head);
	free(blob);
}

struct drm_property_blob *drm_property_lookup_blob(struct drm_device *dev, uint32_t id)
{
	struct drm_mode_object *obj = drm_mode_object_find(dev, id, DRM_MODE_OBJECT_BLOB);

	return obj ? drm_container_of(obj, struct drm_property_blob, base) : NULL;
}

/** drm_mode_getblob_ioctl() - DRM_IOCTL_MODE_GETPROPBLOB: copies only when length matches exactly. */
int drm_mode_getblob_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_get_blob *out = data;
	struct drm_property_blob *blob;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	blob = drm_property_lookup_blob(dev, out->blob_id);
	if (!blob)
		return -ENOENT;
	if (out->length == blob->length) {
		int ret = drm_copy_to_user(file, out->data, blob->data, blob->length);

		if (ret)
			return ret;
	}
	out->length = blob->length;
	return 0;
}

/**
 * drm_mode_createblob_ioctl() - DRM_IOCTL_MODE_CREATEPROPBLOB: a blob of
 * @length bytes owned by the calling file (drm_property.c).  -EINVAL for a
 * length of 0 or over INT_MAX less the header, -ENOMEM, -EFAULT.  Through
 * CUSE a blob over one ioctl round (128 KiB) needs the shim (staged, uapi part 7).
 */
int drm_mode_createblob_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_create_blob *out = data;
	struct drm_property_blob *blob;
	void *buf;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (!out->length || out->length > INT32_MAX - sizeof(struct drm_property_blob))
		return -EINVAL;
	buf = malloc(out->length);
	if (!buf)
		return -ENOMEM;
	ret = drm_copy_from_user(file, buf, out->data, out->length);
	if (!ret) {
		blob = drm_property_create_blob(dev, buf, out->length);
		if (!blob) {
			ret = -ENOMEM;
		} else {
			blob->owner = file;
			out->blob_id = blob->base.id;
		}
	}
	free(buf);
	return ret;
}

/** drm_mode_destroyblob_ioctl() - DRM_IOCTL_MODE_DESTROYPROPBLOB: -ENOENT for no such blob, -EPERM for another file's. */
int drm_mode_destroyblob_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_destroy_blob *out = data;
	struct drm_property_blob *blob;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	/* drm_property_lookup_blob() goes through drm_mode_object_find(): the 6.1 kernel answers ENOENT. */
	blob = drm_property_lookup_blob(dev, out->blob_id);
	if (!blob)
		return -ENOENT;
	if (blob->owner != file)
		return -EPERM;
	blob->owner = NULL;
	drm_property_blob_put(dev, blob);
	return 0;
}

/** drm_property_destroy_user_blobs() - a closing file's blobs lose their creation reference. */
void drm_property_destroy_user_blobs(struct drm_device *dev, struct drm_file *file)
{
	struct drm_property_blob *b, *tmp;

	drm_list_for_each_safe(b, tmp, &dev->blobs, struct drm_property_blob, head) {
		if (b->owner != file)
			continue;
		b->owner = NULL;
		drm_property_blob_put(dev, b);
	}
}

/** drm_mode_config_cleanup() - free every KMS object, property and blob of @dev. */
void drm_mode_config_cleanup(struct drm_device *dev)
{
	struct drm_property *p, *ptmp;
	struct drm_property_blob *b, *btmp;
	unsigned int i;

	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];

		drm_property_blob_put(dev, crtc->state.mode_blob);
		crtc->state.mode_blob = NULL;
		drm_property_blob_put(dev, crtc->state.gamma_lut);
		crtc->state.gamma_lut = NULL;
		free(crtc->gamma_store);
		if (crtc->flip_event)
			drm_event_cancel(crtc->flip_event);
		if (crtc->flip_fence) {
			drm_fence_signal(crtc->flip_fence, -ENODEV);
			drm_fence_put(crtc->flip_fence);
		}
		free(crtc->crc.entries);
		free(crtc);
	}
	for (i = 0; i < dev->num_planes; i++) {
		if (dev->planes[i]->state.fb)
			drm_framebuffer_put(dev->planes[i]->state.fb);
		free(dev->planes[i]);
	}
	for (i = 0; i < dev->num_encoders; i++)
		free(dev->encoders[i]);
	for (i = 0; i < dev->num_connectors; i++) {
		drm_property_blob_put(dev, dev->connectors[i]->edid_blob);
		if (dev->connectors[i]->writeback) {
			drm_writeback_signal_completion(dev->connectors[i], -ENODEV);
			free(dev->connectors[i]->writeback);
		}
		free(dev->connectors[i]->modes);
		free(dev->connectors[i]);
	}
	dev->num_crtcs = dev->num_planes = dev->num_encoders = dev->num_connectors = 0;
	drm_list_for_each_safe(b, btmp, &dev->blobs, struct drm_property_blob, head) {
		drm_list_del(&b->head);
		free(b);
	}
	drm_list_for_each_safe(p, ptmp, &dev->properties, struct drm_property, head) {
		drm_list_del(&p->head);
		free(p->values);
		free(p->enums);
		free(p);
	}
}
