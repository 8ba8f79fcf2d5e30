/*
 * drm_mode_config.c - creating the KMS objects (planes, CRTCs, encoders,
 * connectors) and the ioctls that list them: MODE_GETRESOURCES,
 * GETCONNECTOR, GETENCODER, GETCRTC, GETPLANERESOURCES and GETPLANE.
 *
 * Mirrors drm_mode_config.c, drm_connector.c, drm_encoder.c, drm_crtc.c and
 * drm_plane.c of Linux 6.1, including their count-then-fill conventions:
 * id lists are copied partially up to the client's count, modes and formats
 * only when the client's count covers them all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"

/*
 * create_in_format_blob(): struct drm_format_modifier_blob (drm_mode.h),
 * the formats, and one struct drm_format_modifier: every format is
 * available with DRM_FORMAT_MOD_LINEAR.
 */
static struct drm_property_blob *drm_plane_create_in_formats_blob(struct drm_device *dev, const uint32_t *formats,
								  uint32_t count)
{
	struct drm_format_modifier_blob hdr = {
		.version = FORMAT_BLOB_CURRENT,
		.count_formats = count,
		.formats_offset = sizeof(hdr),
		.count_modifiers = 1,
	};
	struct drm_format_modifier mod = { .modifier = DRM_FORMAT_MOD_LINEAR };
	unsigned char buf[sizeof(hdr) + 32 * sizeof(uint32_t) + sizeof(mod) + 8];
	size_t len;

	hdr.modifiers_offset = (uint32_t)((sizeof(hdr) + count * sizeof(uint32_t) + 7) & ~(size_t)7);
	mod.formats = count >= 64 ? ~0ull : (1ull << count) - 1;
	len = hdr.modifiers_offset + sizeof(mod);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), formats, count * sizeof(uint32_t));
	memcpy(buf + hdr.modifiers_offset, &mod, sizeof(mod));
	return drm_property_create_blob(dev, buf, (uint32_t)len);
}

struct drm_plane *drm_plane_create(struct drm_device *dev, uint32_t possible_crtcs, uint32_t type,
				   const uint32_t *formats, uint32_t count)
{
	struct drm_plane *p;

	if (dev->num_planes >= DRM_MAX_PLANES || count > 32)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p || drm_mode_object_add(dev, &p->base, DRM_MODE_OBJECT_PLANE)) {
		free(p);
		return NULL;
	}
	p->base.properties = &p->props;
	p->dev = dev;
	p->index = dev->num_planes;
	p->type = type;
	p->possible_crtcs = possible_crtcs;
	p->format_count = count;
	memcpy(p->formats, formats, count * sizeof(*formats));
	/* Primary at the bottom, cursor on top, overlays between in creation order. */
	p->zpos_default = type == DRM_PLANE_TYPE_PRIMARY ? 0
			  : type == DRM_PLANE_TYPE_CURSOR ? DRM_MAX_PLANES - 1 : p->index;
	drm_plane_state_reset(p, &p->state);
	drm_object_attach_property(&p->props, dev->prop.plane_type, type);
	drm_object_attach_property(&p->props, dev->prop.fb_id, 0);
	if (drm_core_check_feature(dev, DRIVER_ATOMIC))
		drm_object_attach_property(&p->props, dev->prop.in_fence_fd, (uint64_t)(int64_t)-1);
	drm_object_attach_property(&p->props, dev->prop.crtc_id, 0);
	drm_object_attach_property(&p->props, dev->prop.crtc_x, 0);
	drm_object_attach_property(&p->props, dev->prop.crtc_y, 0);
	drm_object_attach_property(&p->props, dev->prop.crtc_w, 0);
	drm_object_attach_property(&p->props, dev->prop.crtc_h, 0);
	drm_object_attach_property(&p->props, dev->prop.src_x, 0);
	drm_object_attach_property(&p->props, dev->prop.src_y, 0);
	drm_object_attach_property(&p->props, dev->prop.src_w, 0);
	drm_object_attach_property(&p->props, dev->prop.src_h, 0);
	if (!dev->mode_config.fb_modifiers_not_supported) {
		struct drm_property_blob *blob = drm_plane_create_in_formats_blob(dev, formats, count);

		if (!blob) {
			drm_mode_object_remove(dev, &p->base);
			free(p);
			return NULL;
		}
		p->in_formats_blob = blob;
		drm_object_attach_property(&p->props, dev->prop.in_formats, blob->base.id);
	}
	dev->planes[dev->num_planes++] = p;
	return p;
}

struct drm_crtc *drm_crtc_create(struct drm_device *dev, struct drm_plane *primary,
				 struct drm_plane *cursor, const struct drm_crtc_funcs *funcs)
{
	struct drm_crtc *c;

	if (dev->num_crtcs >= DRM_MAX_CRTCS || !primary)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || drm_mode_object_add(dev, &c->base, DRM_MODE_OBJECT_CRTC)) {
		free(c);
		return NULL;
	}
	c->base.properties = &c->props;
	c->dev = dev;
	c->index = dev->num_crtcs;
	c->primary = primary;
	c->cursor = cursor;
	c->funcs = funcs;
	drm_waitq_init(&c->vblank_queue);
	strcpy(c->crc.source, "auto");
	drm_object_attach_property(&c->props, dev->prop.active, 0);
	drm_object_attach_property(&c->props, dev->prop.mode_id, 0);
	if (drm_core_check_feature(dev, DRIVER_ATOMIC)) {
		drm_object_attach_property(&c->props, dev->prop.out_fence_ptr, 0);
		drm_object_attach_property(&c->props, dev->prop.vrr_enabled, 0);
	}
	dev->crtcs[dev->num_crtcs++] = c;
	return c;
}

struct drm_encoder *drm_encoder_create(struct drm_device *dev, uint32_t type, uint32_t possible_crtcs)
{
	struct drm_encoder *e;

	if (dev->num_encoders >= DRM_MAX_CONNECTORS)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e || drm_mode_object_add(dev, &e->base, DRM_MODE_OBJECT_ENCODER)) {
		free(e);
		return NULL;
	}
	e->dev = dev;
	e->index = dev->num_encoders;
	e->type = type;
	e->possible_crtcs = possible_crtcs;
	e->possible_clones = 1u << e->index;
	dev->encoders[dev->num_encoders++] = e;
	return e;
}

struct drm_connector *drm_connector_create(struct drm_device *dev, uint32_t type,
					   struct drm_encoder *encoder)
{
	struct drm_connector *c;
	unsigned int i;

	if (dev->num_connectors >= DRM_MAX_CONNECTORS || !encoder)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || drm_mode_object_add(dev, &c->base, DRM_MODE_OBJECT_CONNECTOR)) {
		free(c);
		return NULL;
	}
	c->base.properties = &c->props;
	c->dev = dev;
	c->index = dev->num_connectors;
	c->type = type;
	/* connector_type_id counts from 1 per connector type, as drm_connector_init(). */
	c->type_id = 1;
	for (i = 0; i < dev->num_connectors; i++)
		if (dev->connectors[i]->type == type)
			c->type_id++;
	c->status = DRM_MODE_DISCONNECTED;
	c->subpixel = DRM_MODE_SUBPIXEL_UNKNOWN;
	c->encoder = encoder;
	c->dpms = DRM_MODE_DPMS_OFF;
	/* __drm_connector_init(): a writeback connector has no EDID property. */
	if (type != DRM_MODE_CONNECTOR_WRITEBACK)
		drm_object_attach_property(&c->props, dev->prop.edid, 0);
	drm_object_attach_property(&c->props, dev->prop.dpms, DRM_MODE_DPMS_OFF);
	drm_object_attach_property(&c->props, dev->prop.link_status, DRM_MODE_LINK_STATUS_GOOD);
	drm_object_attach_property(&c->props, dev->prop.non_desktop, 0);
	drm_object_attach_property(&c->props, dev->prop.crtc_id, 0);
	dev->connectors[dev->num_connectors++] = c;
	return c;
}

int drm_connector_update_edid(struct drm_connector *conn, const uint8_t *edid, size_t len,
			      bool connected)
{
	struct drm_device *dev = conn->dev;
	struct drm_mode_modeinfo modes[64];
	struct drm_mode_modeinfo *copy = NULL;
	struct drm_property_blob *blob = NULL;
	uint32_t wmm = 0, hmm = 0;
	int n = 0;

	if (edid) {
		n = drm_edid_parse_modes(edid, len, modes, 64, &wmm, &hmm);
		if (n < 0)
			return n;
		if (len > UINT32_MAX)
			return -EINVAL;
		blob = drm_property_create_blob(dev, edid, (uint32_t)len);
		if (!blob)
			return -ENOMEM;
		if (n) {
			copy = malloc((size_t)n * sizeof(*copy));
			if (!copy) {
				drm_property_blob_put(dev, blob);
				return -ENOMEM;
			}
			memcpy(copy, modes, (size_t)n * sizeof(*copy));
		}
	}
	drm_property_blob_put(dev, conn->edid_blob);
	conn->edid_blob = blob;
	free(conn->modes);
	conn->modes = copy;
	conn->count_modes = (uint32_t)n;
	conn->mm_width = wmm;
	conn->mm_height = hmm;
	conn->status = connected ? DRM_MODE_CONNECTED : DRM_MODE_DISCONNECTED;
	return 0;
}

struct drm_crtc *drm_crtc_from_index(struct drm_device *dev, unsigned int index)
{
	return index < dev->num_crtcs ? dev->crtcs[index] : NULL;
}

/* Copy one id into a client array at position @i, if @i is below the client's @cap. */
static int put_id(struct drm_file *file, uint64_t ptr, uint32_t i, uint32_t cap, uint32_t id)
{
	if (i >= cap)
		return 0;
	return drm_copy_to_user(file, ptr + (uint64_t)i * sizeof(uint32_t), &id, sizeof(id));
}

/** drm_mode_getresources() - DRM_IOCTL_MODE_GETRESOURCES: the file's fbs and all CRTCs, encoders, connectors. */
int drm_mode_getresources(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_card_res *r = data;
	struct drm_framebuffer *fb;
	uint32_t i, count = 0;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	drm_list_for_each(fb, &file->fbs, struct drm_framebuffer, file_head) {
		ret = put_id(file, r->fb_id_ptr, count, r->count_fbs, fb->base.id);
		if (ret)
			return ret;
		count++;
	}
	r->count_fbs = count;
	r->max_height = dev->mode_config.max_height;
	r->min_height = dev->mode_config.min_height;
	r->max_width = dev->mode_config.max_width;
	r->min_width = dev->mode_config.min_width;

	for (i = 0; i < dev->num_crtcs; i++) {
		ret = put_id(file, r->crtc_id_ptr, i, r->count_crtcs, dev->crtcs[i]->base.id);
		if (ret)
			return ret;
	}
	r->count_crtcs = dev->num_crtcs;
	for (i = 0; i < dev->num_encoders; i++) {
		ret = put_id(file, r->encoder_id_ptr, i, r->count_encoders, dev->encoders[i]->base.id);
		if (ret)
			return ret;
	}
	r->count_encoders = dev->num_encoders;
	count = 0;
	for (i = 0; i < dev->num_connectors; i++) {
		/* Only expose writeback connectors if userspace understands them. */
		if (!file->writeback_connectors &&
		    dev->connectors[i]->type == DRM_MODE_CONNECTOR_WRITEBACK)
			continue;
		ret = put_id(file, r->connector_id_ptr, count, r->count_connectors,
			     dev->connectors[i]->base.id);
		if (ret)
			return ret;
		count++;
	}
	r->count_connectors = count;
	return 0;
}

int drm_connector_set_status(struct drm_device *dev, uint32_t connector_id, bool connected)
{
	struct drm_mode_object *obj;
	void (*notify)(void *ctx, uint32_t connector_id) = NULL;
	void *ctx = NULL;
	int ret = 0;

	drm_platform_mutex_lock(dev->lock);
	if (!drm_core_check_feature(dev, DRIVER_MODESET)) {
		ret = -EOPNOTSUPP;
	} else if (!(obj = drm_mode_object_find(dev, connector_id, DRM_MODE_OBJECT_CONNECTOR))) {
		ret = -ENOENT;
	} else {
		struct drm_connector *c = drm_container_of(obj, struct drm_connector, base);
		uint32_t status = connected ? DRM_MODE_CONNECTED : DRM_MODE_DISCONNECTED;

		if (c->status != status) {
			notify = dev->hotplug_notify;
			ctx = dev->hotplug_ctx;
		}
		c->status = status;
		drm_info("connector %u: %s", connector_id, connected ? "connected" : "disconnected");
	}
	drm_platform_mutex_unlock(dev->lock);
	if (notify)
		notify(ctx, connector_id);
	return ret;
}

void drm_device_set_hotplug_notify(struct drm_device *dev, void (*notify)(void *ctx, uint32_t connector_id),
				   void *ctx)
{
	drm_platform_mutex_lock(dev->lock);
	dev->hotplug_notify = notify;
	dev->hotplug_ctx = ctx;
	drm_platform_mutex_unlock(dev->lock);
}

void drm_kms_helper_hotplug_event(struct drm_device *dev)
{
	void (*notify)(void *ctx, uint32_t connector_id);
	void *ctx;

	drm_platform_mutex_lock(dev->lock);
	notify = dev->hotplug_notify;
	ctx = dev->hotplug_ctx;
	drm_platform_mutex_unlock(dev->lock);
	if (notify)
		notify(ctx, 0);
}

/** drm_mode_getconnector() - DRM_IOCTL_MODE_GETCONNECTOR: status, modes, encoders and properties. */
int drm_mode_getconnector(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_get_connector *out = data;
	struct drm_mode_object *obj;
	struct drm_connector *c;
	uint32_t i;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, out->connector_id, DRM_MODE_OBJECT_CONNECTOR);
	if (!obj)
		return -ENOENT;
	c = drm_container_of(obj, struct drm_connector, base);

	if (out->count_encoders >= 1) {
		ret = put_id(file, out->encoders_ptr, 0, 1, c->encoder->base.id);
		if (ret)
			return ret;
	}
	out->count_encoders = 1;
	out->connector_id = c->base.id;
	out->connector_type = c->type;
	out->connector_type_id = c->type_id;
	out->mm_width = c->mm_width;
	out->mm_height = c->mm_height;
	out->subpixel = c->subpixel;
	out->connection = c->status;

	/* Disconnected connectors expose no modes, as after drm_helper_probe_single_connector_modes(). */
	{
		uint32_t mode_count = c->status == DRM_MODE_CONNECTED ? c->count_modes : 0;

		if (out->count_modes >= mode_count && mode_count) {
			for (i = 0; i < mode_count; i++) {
				struct drm_mode_modeinfo m = c->modes[i];

				if (!file->aspect_ratio_allowed)
					m.flags &= ~DRM_MODE_FLAG_PIC_AR_MASK;
				ret = drm_copy_to_user(file, out->modes_ptr + (uint64_t)i * sizeof(m), &m,
						       sizeof(m));
				if (ret)
					return ret;
			}
		}
		out->count_modes = mode_count;
	}
	out->encoder_id = c->crtc ? c->encoder->base.id : 0;
	return drm_mode_object_get_properties(dev, file, &c->base, out->props_ptr,
					      out->prop_values_ptr, &out->count_props);
}

/** drm_mode_getencoder() - DRM_IOCTL_MODE_GETENCODER. */
int drm_mode_getencoder(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_get_encoder *r = data;
	struct drm_mode_object *obj;
	struct drm_encoder *e;

	(void)file;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, r->encoder_id, DRM_MODE_OBJECT_ENCODER);
	if (!obj)
		return -ENOENT;
	e = drm_container_of(obj, struct drm_encoder, base);
	r->crtc_id = e->crtc ? e->crtc->base.id : 0;
	r->encoder_type = e->type;
	r->encoder_id = e->base.id;
	r->possible_crtcs = e->possible_crtcs;
	r->possible_clones = e->possible_clones;
	return 0;
}

/** drm_mode_getcrtc() - DRM_IOCTL_MODE_GETCRTC: primary fb, its source origin, and the mode. */
int drm_mode_getcrtc(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_crtc *r = data;
	struct drm_mode_object *obj;
	struct drm_crtc *crtc;
	struct drm_plane_state *ps;

	(void)file;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, r->crtc_id, DRM_MODE_OBJECT_CRTC);
	if (!obj)
		return -ENOENT;
	crtc = drm_container_of(obj, struct drm_crtc, base);
	ps = &crtc->primary->state;
	r->gamma_size = crtc->gamma_size;
	r->fb_id = ps->fb ? ps->fb->base.id : 0;
	r->x = ps->src_x >> 16;
	r->y = ps->src_y >> 16;
	if (crtc->state.enable) {
		r->mode = crtc->state.mode;
		r->mode_valid = 1;
	} else {
		memset(&r->mode, 0, sizeof(r->mode));
		r->mode_valid = 0;
	}
	return 0;
}

/** drm_mode_getplane_res() - DRM_IOCTL_MODE_GETPLANERESOURCES: overlays, plus all planes with UNIVERSAL_PLANES. */
int drm_mode_getplane_res(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_get_plane_res *r = data;
	uint32_t i, count = 0;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	for (i = 0; i < dev->num_planes; i++) {
		if (dev->planes[i]->type != DRM_PLANE_TYPE_OVERLAY && !file->universal_planes)
			continue;
		ret = put_id(file, r->plane_id_ptr, count, r->count_planes, dev->planes[i]->base.id);
		if (ret)
			return ret;
		count++;
	}
	r->count_planes = count;
	return 0;
}

/** drm_mode_getplane() - DRM_IOCTL_MODE_GETPLANE: CRTC, fb, possible CRTCs and formats. */
int drm_mode_getplane(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_get_plane *r = data;
	struct drm_mode_object *obj;
	struct drm_plane *p;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, r->plane_id, DRM_MODE_OBJECT_PLANE);
	if (!obj)
		return -ENOENT;
	p = drm_container_of(obj, struct drm_plane, base);
	r->crtc_id = p->state.crtc ? p->state.crtc->base.id : 0;
	r->fb_id = p->state.fb ? p->state.fb->base.id : 0;
	r->plane_id = p->base.id;
	r->possible_crtcs = p->possible_crtcs;
	r->gamma_size = 0;
	if (p->format_count && r->count_format_types >= p->format_count) {
		int ret = drm_copy_to_user(file, r->format_type_ptr, p->formats,
					   p->format_count * sizeof(uint32_t));
		if (ret)
			return ret;
	}
	r->count_format_types = p->format_count;
	return 0;
}
