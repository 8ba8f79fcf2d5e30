/*
 * drm_atomic.c - atomic mode setting: the state of a commit, its checks and
 * its application, and the ioctls built on it: MODE_ATOMIC, MODE_SETPLANE,
 * MODE_OBJ_SETPROPERTY and MODE_SETPROPERTY.
 *
 * Mirrors Linux 6.1's drm_atomic.c (drm_atomic_check_only,
 * drm_atomic_plane_check, drm_atomic_crtc_check, drm_atomic_normalize_zpos),
 * drm_atomic_uapi.c (drm_mode_atomic_ioctl, drm_atomic_set_property and the
 * per-object set_property functions, prepare_signaling),
 * drm_atomic_helper.c (drm_atomic_helper_check_modeset,
 * drm_atomic_helper_check_plane_state, the legacy entry points
 * update_plane, set_config and page_flip, stall_checks, the blocking
 * commit's wait for flip_done), drm_mode_object.c (set_property_atomic) and
 * drm_plane.c (drm_mode_setplane).
 *
 * The kernel duplicates the state of every object a request touches; here a
 * struct drm_atomic_state has a slot for each object of the device (a
 * device has at most DRM_MAX_* of each) and a mask of the slots in use.
 * Objects join the state by the same rules as in the kernel (a plane brings
 * its CRTC, a connector its CRTC, a modeset its connectors and planes), so
 * the checks and the CRTCs that get events are the kernel's.
 *
 * The new state becomes current at commit time and the hardware (the
 * driver's hooks) follows at once; a commit on an active CRTC is
 * "flip_done" at the next vblank, when its event goes out.  A blocking
 * commit parks the ioctl until then (DESIGN.md decision 4), as the kernel's
 * commit_tail waits for flip_done; a nonblocking one on a CRTC whose last
 * commit is not flip_done yet fails with -EBUSY.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"

/* drm_mode_status values (include/drm/drm_modes.h). */
#define MODE_OK 0

/** DRM_ATOMIC_MAX_PROPS - property assignments one MODE_ATOMIC may carry (CUSE's 128 KiB round). */
#define DRM_ATOMIC_MAX_PROPS 8192u

/** DRM_ATOMIC_FLIP_TIMEOUT_NS - how long a blocking commit waits for flip_done (the kernel warns after 10 s). */
#define DRM_ATOMIC_FLIP_TIMEOUT_NS 10000000000ull

/**
 * struct drm_atomic_state - the new state of every object in a request.
 * @planes, @crtcs, @conn_crtc: slot i belongs to object index i and is valid
 *     when bit i of @plane_mask, @crtc_mask or @connector_mask is set; the
 *     copies hold their own references (framebuffers, blobs).
 * @event: the flip event of each CRTC (PAGE_FLIP_EVENT), reserved on @file.
 * @out_fence_ptr: OUT_FENCE_PTR of each CRTC (a client address, 0 = none).
 * @out_fence: the fence behind each CRTC's out-fence fd, signalled at its
 *     flip_done (a reference; moves to the CRTC at commit).
 * @in_fence_fd: IN_FENCE_FD of each plane when the call carries no fds
 *     (-1 = none): refused with EOPNOTSUPP in prepare_signaling.
 * @in_fence: the fence of each plane's IN_FENCE_FD sync_file (a reference):
 *     the commit waits for it before the plane changes.
 * @committed: the state was applied (a failure after it is not the
 *     request's, so out-fence pointers keep their fds).
 * @mode_changed, @active_changed, @connectors_changed: per CRTC, as the
 *     kernel's drm_crtc_state flags that make drm_atomic_crtc_needs_modeset().
 * @wb_job_mask: connectors whose WRITEBACK_FB_ID the request set (a
 *     drm_writeback_job); @wb_fb: its framebuffer (a reference) or NULL;
 *     @wb_out_fence_ptr: WRITEBACK_OUT_FENCE_PTR (a client address, 0 = none);
 *     @wb_out_fence: the job's out-fence (a reference), made by
 *     prepare_signaling, signalled when the driver completes the job.
 */
struct drm_atomic_state {
	struct drm_device *dev;
	struct drm_file *file;
	bool allow_modeset;
	bool legacy_cursor_update;
	uint32_t plane_mask, crtc_mask, connector_mask;
	struct drm_plane_state planes[DRM_MAX_PLANES];
	struct drm_crtc_state crtcs[DRM_MAX_CRTCS];
	struct drm_crtc *conn_crtc[DRM_MAX_CONNECTORS];
	struct drm_pending_event *event[DRM_MAX_CRTCS];
	uint64_t out_fence_ptr[DRM_MAX_CRTCS];
	struct drm_fence *out_fence[DRM_MAX_CRTCS];
	int32_t in_fence_fd[DRM_MAX_PLANES];
	struct drm_fence *in_fence[DRM_MAX_PLANES];
	bool committed;
	bool mode_changed[DRM_MAX_CRTCS];
	bool active_changed[DRM_MAX_CRTCS];
	bool connectors_changed[DRM_MAX_CRTCS];
	uint32_t wb_job_mask;
	struct drm_framebuffer *wb_fb[DRM_MAX_CONNECTORS];
	uint64_t wb_out_fence_ptr[DRM_MAX_CONNECTORS];
	struct drm_fence *wb_out_fence[DRM_MAX_CONNECTORS];
};

static void drm_property_blob_get(struct drm_property_blob *blob)
{
	if (blob)
		blob->refcount++;
}

/* drm_atomic_state_alloc(): an empty state; legacy entry points may modeset. */
static void drm_atomic_state_init(struct drm_atomic_state *st, struct drm_device *dev, struct drm_file *file)
{
	memset(st, 0, sizeof(*st));
	st->dev = dev;
	st->file = file;
	st->allow_modeset = true;
	for (unsigned int i = 0; i < DRM_MAX_PLANES; i++)
		st->in_fence_fd[i] = -1;
}

/* drm_atomic_state_clear(): drop what the state still holds. */
static void drm_atomic_state_clear(struct drm_atomic_state *st)
{
	struct drm_device *dev = st->dev;
	unsigned int i;

	for (i = 0; i < dev->num_planes; i++) {
		if ((st->plane_mask & (1u << i)) && st->planes[i].fb)
			drm_framebuffer_put(st->planes[i].fb);
		if (st->in_fence[i])
			drm_fence_put(st->in_fence[i]);
		st->in_fence[i] = NULL;
	}
	for (i = 0; i < dev->num_crtcs; i++) {
		if (st->out_fence[i])
			drm_fence_put(st->out_fence[i]);
		st->out_fence[i] = NULL;
		if (!(st->crtc_mask & (1u << i)))
			continue;
		drm_property_blob_put(dev, st->crtcs[i].mode_blob);
		drm_property_blob_put(dev, st->crtcs[i].gamma_lut);
		if (st->event[i])
			drm_event_cancel(st->event[i]);
	}
	for (i = 0; i < dev->num_connectors; i++)
	{
		if (st->wb_fb[i]) {
			drm_framebuffer_put(st->wb_fb[i]);
			st->wb_fb[i] = NULL;
		}
		if (st->wb_out_fence[i]) {
			drm_fence_put(st->wb_out_fence[i]);
			st->wb_out_fence[i] = NULL;
		}
	}
	st->wb_job_mask = 0;
	st->plane_mask = st->crtc_mask = st->connector_mask = 0;
}

/* drm_atomic_get_crtc_state(). */
static struct drm_crtc_state *drm_atomic_get_crtc_state(struct drm_atomic_state *st, struct drm_crtc *crtc)
{
	unsigned int i = crtc->index;

	if (!(st->crtc_mask & (1u << i))) {
		st->crtcs[i] = crtc->state;
		drm_property_blob_get(st->crtcs[i].mode_blob);
		drm_property_blob_get(st->crtcs[i].gamma_lut);
		st->crtcs[i].color_mgmt_changed = false;
		st->crtc_mask |= 1u << i;
	}
	return &st->crtcs[i];
}

/* drm_atomic_get_plane_state(): the plane and the CRTC it is on. */
static struct drm_plane_state *drm_atomic_get_plane_state(struct drm_atomic_state *st, struct drm_plane *plane)
{
	unsigned int i = plane->index;

	if (!(st->plane_mask & (1u << i))) {
		st->planes[i] = plane->state;
		if (st->planes[i].fb)
			drm_framebuffer_get(st->planes[i].fb);
		st->plane_mask |= 1u << i;
		if (plane->state.crtc)
			drm_atomic_get_crtc_state(st, plane->state.crtc);
	}
	return &st->planes[i];
}

/* drm_atomic_get_connector_state(): the connector and the CRTC it is on. */
static struct drm_crtc **drm_atomic_get_connector_state(struct drm_atomic_state *st, struct drm_connector *conn)
{
	unsigned int i = conn->index;

	if (!(st->connector_mask & (1u << i))) {
		st->conn_crtc[i] = conn->crtc;
		st->connector_mask |= 1u << i;
		if (conn->crtc)
			drm_atomic_get_crtc_state(st, conn->crtc);
	}
	return &st->conn_crtc[i];
}

/* The state @crtc will have: the new one when it is in @st, else its current one. */
static const struct drm_crtc_state *new_crtc_state(const struct drm_atomic_state *st, const struct drm_crtc *crtc)
{
	return (st->crtc_mask & (1u << crtc->index)) ? &st->crtcs[crtc->index] : &crtc->state;
}

static const struct drm_plane_state *new_plane_state(const struct drm_atomic_state *st,
						     const struct drm_plane *plane)
{
	return (st->plane_mask & (1u << plane->index)) ? &st->planes[plane->index] : &plane->state;
}

static struct drm_crtc *new_conn_crtc(const struct drm_atomic_state *st, const struct drm_connector *conn)
{
	return (st->connector_mask & (1u << conn->index)) ? st->conn_crtc[conn->index] : conn->crtc;
}

/* drm_atomic_crtc_needs_modeset(). */
static bool needs_modeset(const struct drm_atomic_state *st, unsigned int i)
{
	return st->mode_changed[i] || st->active_changed[i] || st->connectors_changed[i];
}

/* drm_atomic_set_crtc_for_plane(): both the old and the new CRTC join the state. */
static void drm_atomic_set_crtc_for_plane(struct drm_atomic_state *st, struct drm_plane_state *ps,
					  struct drm_crtc *crtc)
{
	if (ps->crtc == crtc)
		return;
	if (ps->crtc)
		drm_atomic_get_crtc_state(st, ps->crtc);
	if (crtc)
		drm_atomic_get_crtc_state(st, crtc);
	ps->crtc = crtc;
}

/* drm_atomic_set_fb_for_plane(). */
static void drm_atomic_set_fb_for_plane(struct drm_plane_state *ps, struct drm_framebuffer *fb)
{
	if (fb)
		drm_framebuffer_get(fb);
	if (ps->fb)
		drm_framebuffer_put(ps->fb);
	ps->fb = fb;
}

/* drm_atomic_set_crtc_for_connector(). */
static void drm_atomic_set_crtc_for_connector(struct drm_atomic_state *st, struct drm_connector *conn,
					      struct drm_crtc *crtc)
{
	struct drm_crtc **slot = drm_atomic_get_connector_state(st, conn);

	if (crtc)
		drm_atomic_get_crtc_state(st, crtc);
	*slot = crtc;
}

/* drm_atomic_set_mode_prop_for_crtc(): MODE_ID; a mode sets enable, none clears it. */
static int drm_atomic_set_mode_prop_for_crtc(struct drm_crtc *crtc, struct drm_crtc_state *cs,
					     struct drm_property_blob *blob)
{
	struct drm_device *dev = crtc->dev;
	int ret;

	if (blob == cs->mode_blob)
		return 0;
	drm_property_blob_put(dev, cs->mode_blob);
	cs->mode_blob = NULL;
	memset(&cs->mode, 0, sizeof(cs->mode));
	if (!blob) {
		cs->enable = false;
		return 0;
	}
	if (blob->length != sizeof(struct drm_mode_modeinfo))
		return -EINVAL;
	/* Any refusal of the mode is EINVAL here, ERANGE included (seen on the 6.1 kernel). */
	ret = drm_mode_convert_umode(crtc, &cs->mode, (const struct drm_mode_modeinfo *)(const void *)blob->data);
	if (ret)
		return -EINVAL;
	drm_property_blob_get(blob);
	cs->mode_blob = blob;
	cs->enable = true;
	return 0;
}

/* drm_atomic_set_mode_for_crtc(): the legacy path's mode, as a new blob unless it is unchanged. */
static int drm_atomic_set_mode_for_crtc(struct drm_crtc *crtc, struct drm_crtc_state *cs,
					const struct drm_mode_modeinfo *mode)
{
	struct drm_device *dev = crtc->dev;
	struct drm_property_blob *blob;

	if (mode && cs->mode_blob && memcmp(&cs->mode, mode, sizeof(*mode)) == 0)
		return 0;
	if (!mode)
		return drm_atomic_set_mode_prop_for_crtc(crtc, cs, NULL);
	blob = drm_property_create_blob(dev, mode, sizeof(*mode));
	if (!blob)
		return -ENOMEM;
	drm_property_blob_put(dev, cs->mode_blob);
	cs->mode_blob = blob;
	cs->mode = *mode;
	cs->enable = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Properties                                                           */
/* ------------------------------------------------------------------ */

/* drm_property_change_valid_get(): is @value one @prop can take? */
static bool drm_property_change_valid(struct drm_device *dev, const struct drm_property *prop, uint64_t value)
{
	uint32_t type = prop->flags & (DRM_MODE_PROP_LEGACY_TYPE | DRM_MODE_PROP_EXTENDED_TYPE);
	uint32_t i;

	if (prop->flags & DRM_MODE_PROP_IMMUTABLE)
		return false;
	switch (type) {
	case DRM_MODE_PROP_RANGE:
		return value >= prop->values[0] && value <= prop->values[1];
	case DRM_MODE_PROP_SIGNED_RANGE:
		return (int64_t)value >= (int64_t)prop->values[0] && (int64_t)value <= (int64_t)prop->values[1];
	case DRM_MODE_PROP_BITMASK: {
		uint64_t valid = 0;

		for (i = 0; i < prop->num_values; i++)
			valid |= 1ull << prop->values[i];
		return !(value & ~valid);
	}
	case DRM_MODE_PROP_BLOB:
		return value == 0 || (value <= UINT32_MAX && drm_property_lookup_blob(dev, (uint32_t)value));
	case DRM_MODE_PROP_OBJECT:
		return value == 0 ||
		       (value <= UINT32_MAX && drm_mode_object_find(dev, (uint32_t)value, (uint32_t)prop->values[0]));
	default:
		for (i = 0; i < prop->num_values; i++)
			if (prop->values[i] == value)
				return true;
		return false;
	}
}

static bool is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* drm_atomic_plane_set_property(). */
static int drm_atomic_plane_set_property(struct drm_atomic_state *st, struct drm_plane *plane,
					 struct drm_property *prop, uint64_t val)
{
	struct drm_device *dev = st->dev;
	struct drm_plane_state *ps = drm_atomic_get_plane_state(st, plane);

	if (prop == dev->prop.fb_id) {
		drm_atomic_set_fb_for_plane(ps, drm_framebuffer_lookup(dev, (uint32_t)val));
	} else if (prop == dev->prop.in_fence_fd) {
		const struct drm_fd_ops *fds = st->file && st->file->caller ? st->file->caller->fds : NULL;

		if (st->in_fence_fd[plane->index] != -1 || st->in_fence[plane->index])
			return -EINVAL;
		if ((int64_t)val == -1)
			return 0;
		if (!fds || !fds->sync_file_to_fence) {
			st->in_fence_fd[plane->index] = (int32_t)val; /* EOPNOTSUPP in prepare_signaling */
			return 0;
		}
		/* sync_file_get_fence(): anything but a sync_file (or no open fd) is EINVAL. */
		if (val > INT32_MAX || fds->sync_file_to_fence(fds->ctx, (int32_t)val, &st->in_fence[plane->index]))
			return -EINVAL;
	} else if (prop == dev->prop.crtc_id) {
		struct drm_mode_object *obj = drm_mode_object_find(dev, (uint32_t)val, DRM_MODE_OBJECT_CRTC);

		if (val && !obj)
			return -EACCES;
		drm_atomic_set_crtc_for_plane(st, ps, obj ? drm_container_of(obj, struct drm_crtc, base) : NULL);
	} else if (prop == dev->prop.crtc_x) {
		ps->crtc_x = (int32_t)val;
	} else if (prop == dev->prop.crtc_y) {
		ps->crtc_y = (int32_t)val;
	} else if (prop == dev->prop.crtc_w) {
		ps->crtc_w = (uint32_t)val;
	} else if (prop == dev->prop.crtc_h) {
		ps->crtc_h = (uint32_t)val;
	} else if (prop == dev->prop.src_x) {
		ps->src_x = (uint32_t)val;
	} else if (prop == dev->prop.src_y) {
		ps->src_y = (uint32_t)val;
	} else if (prop == dev->prop.src_w) {
		ps->src_w = (uint32_t)val;
	} else if (prop == dev->prop.src_h) {
		ps->src_h = (uint32_t)val;
	} else if (prop == plane->alpha_property) {
		ps->alpha = (uint16_t)val;
	} else if (prop == plane->blend_mode_property) {
		ps->pixel_blend_mode = (uint16_t)val;
	} else if (prop == plane->rotation_property) {
		if (!is_power_of_2(val & DRM_MODE_ROTATE_MASK))
			return -EINVAL;
		ps->rotation = (uint32_t)val;
	} else if (prop == plane->zpos_property) {
		ps->zpos = (uint32_t)val;
	} else {
		return -EINVAL;
	}
	return 0;
}

/*
 * drm_atomic_replace_property_blob_from_id() for GAMMA_LUT (expected size
 * any, element size sizeof(struct drm_color_lut)): 0 clears it; an unknown
 * blob or a length that is not a whole number of entries is -EINVAL.
 * A change sets color_mgmt_changed.
 */
static int drm_atomic_replace_gamma_lut(struct drm_device *dev, struct drm_crtc_state *cs, uint64_t val)
{
	struct drm_property_blob *blob = NULL;

	if (val) {
		blob = val <= UINT32_MAX ? drm_property_lookup_blob(dev, (uint32_t)val) : NULL;
		if (!blob || blob->length % sizeof(struct drm_color_lut))
			return -EINVAL;
	}
	if (blob == cs->gamma_lut)
		return 0;
	drm_property_blob_get(blob);
	drm_property_blob_put(dev, cs->gamma_lut);
	cs->gamma_lut = blob;
	cs->color_mgmt_changed = true;
	return 0;
}

/* drm_atomic_crtc_set_property(). */
static int drm_atomic_crtc_set_property(struct drm_atomic_state *st, struct drm_crtc *crtc,
					struct drm_property *prop, uint64_t val)
{
	struct drm_device *dev = st->dev;
	struct drm_crtc_state *cs = drm_atomic_get_crtc_state(st, crtc);

	if (prop == dev->prop.active) {
		cs->active = val != 0;
	} else if (prop == dev->prop.mode_id) {
		return drm_atomic_set_mode_prop_for_crtc(crtc, cs, drm_property_lookup_blob(dev, (uint32_t)val));
	} else if (prop == dev->prop.vrr_enabled) {
		cs->vrr_enabled = val != 0;
	} else if (prop && prop == dev->prop.gamma_lut) {
		return drm_atomic_replace_gamma_lut(dev, cs, val);
	} else if (prop == dev->prop.out_fence_ptr) {
		int32_t minus_one = -1;
		int ret;

		if (!val)
			return 0;
		/* Declared before anything is committed, so the front end can fetch it first. */
		if (st->file->um && st->file->um->prepare_to) {
			ret = st->file->um->prepare_to(st->file->um->ctx, val, sizeof(minus_one));
			if (ret)
				return ret;
		}
		/* put_user(-1, fence_ptr): the kernel writes now, so a bad pointer fails here. */
		ret = drm_copy_to_user(st->file, val, &minus_one, sizeof(minus_one));
		if (ret)
			return ret;
		st->out_fence_ptr[crtc->index] = val;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* drm_atomic_connector_set_property(). */
static int drm_atomic_connector_set_property(struct drm_atomic_state *st, struct drm_connector *conn,
					     struct drm_property *prop, uint64_t val)
{
	struct drm_device *dev = st->dev;

	drm_atomic_get_connector_state(st, conn);
	if (prop == dev->prop.crtc_id) {
		struct drm_mode_object *obj = drm_mode_object_find(dev, (uint32_t)val, DRM_MODE_OBJECT_CRTC);

		if (val && !obj)
			return -EACCES;
		drm_atomic_set_crtc_for_connector(st, conn, obj ? drm_container_of(obj, struct drm_crtc, base) : NULL);
		return 0;
	}
	if (prop == dev->prop.link_status)
		return 0; /* always "Good" here: a request may set it, nothing changes */
	if (conn->writeback && prop == dev->prop.wb_fb_id) {
		/* drm_atomic_set_writeback_fb_for_connector(): the job exists even for fb 0. */
		struct drm_framebuffer *fb = val ? drm_framebuffer_lookup(dev, (uint32_t)val) : NULL;

		if (fb)
			drm_framebuffer_get(fb);
		if (st->wb_fb[conn->index])
			drm_framebuffer_put(st->wb_fb[conn->index]);
		st->wb_fb[conn->index] = fb;
		st->wb_job_mask |= 1u << conn->index;
		return 0;
	}
	if (conn->writeback && prop == dev->prop.wb_out_fence_ptr) {
		int32_t minus_one = -1;
		int ret;

		/* set_out_fence_for_connector(): put_user(-1) now. */
		if (!val)
			return 0;
		ret = drm_copy_to_user(st->file, val, &minus_one, sizeof(minus_one));
		if (ret)
			return ret;
		st->wb_out_fence_ptr[conn->index] = val;
		return 0;
	}
	/* DPMS goes through the legacy path only (drm_atomic_connector_set_property). */
	return -EINVAL;
}

/** drm_atomic_set_property() - one property assignment of a request, after drm_property_change_valid_get(). */
static int drm_atomic_set_property(struct drm_atomic_state *st, struct drm_mode_object *obj,
				   struct drm_property *prop, uint64_t value)
{
	if (!drm_property_change_valid(st->dev, prop, value))
		return -EINVAL;
	switch (obj->type) {
	case DRM_MODE_OBJECT_CONNECTOR:
		return drm_atomic_connector_set_property(st, drm_container_of(obj, struct drm_connector, base), prop,
							 value);
	case DRM_MODE_OBJECT_CRTC:
		return drm_atomic_crtc_set_property(st, drm_container_of(obj, struct drm_crtc, base), prop, value);
	case DRM_MODE_OBJECT_PLANE:
		return drm_atomic_plane_set_property(st, drm_container_of(obj, struct drm_plane, base), prop, value);
	default:
		return -EINVAL;
	}
}

/* drm_mode_obj_find_prop_id(). */
static struct drm_property *drm_mode_obj_find_prop_id(struct drm_mode_object *obj, uint32_t prop_id)
{
	for (uint32_t i = 0; i < obj->properties->count; i++)
		if (obj->properties->props[i]->base.id == prop_id)
			return obj->properties->props[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Checks                                                               */
/* ------------------------------------------------------------------ */

bool drm_plane_has_format(const struct drm_plane *p, uint32_t format)
{
	for (uint32_t i = 0; i < p->format_count; i++)
		if (p->formats[i] == format)
			return true;
	return false;
}

/*
 * @fb on @plane of @crtc at @r's rectangles: the checks that
 * drm_atomic_plane_check() and __setplane_check() share, in their order.
 * The CRTC must be one the plane can feed and the format one it takes
 * (-EINVAL), the CRTC rectangle must not overflow an int (-ERANGE), and the
 * source must lie inside the fb (-ENOSPC).
 */
static int drm_plane_check_placement(const struct drm_plane *plane, const struct drm_crtc *crtc,
				     const struct drm_framebuffer *fb, const struct drm_plane_state *r)
{
	if (!(plane->possible_crtcs & (1u << crtc->index)))
		return -EINVAL;
	/* drm_plane_check_pixel_format(): only linear buffers are scanned out here. */
	if (!drm_plane_has_format(plane, fb->format->format) || fb->modifier != DRM_FORMAT_MOD_LINEAR)
		return -EINVAL;
	if (r->crtc_w > INT32_MAX || r->crtc_x > INT32_MAX - (int32_t)r->crtc_w || r->crtc_h > INT32_MAX ||
	    r->crtc_y > INT32_MAX - (int32_t)r->crtc_h)
		return -ERANGE;
	if (drm_framebuffer_check_src_coords(r->src_x, r->src_y, r->src_w, r->src_h, fb))
		return -ENOSPC;
	return 0;
}

/* drm_atomic_plane_check(): the core's checks of one plane's new state. */
static int drm_atomic_plane_check(const struct drm_plane *plane, const struct drm_plane_state *old,
				  const struct drm_plane_state *ps)
{
	int ret;

	if (ps->crtc && !ps->fb)
		return -EINVAL;
	if (ps->fb && !ps->crtc)
		return -EINVAL;
	if (!ps->crtc)
		return 0;
	ret = drm_plane_check_placement(plane, ps->crtc, ps->fb, ps);
	if (ret)
		return ret;
	/* plane_switching_crtc(). */
	if (old->crtc && old->crtc != ps->crtc)
		return -EINVAL;
	return 0;
}

/* drm_atomic_crtc_check(). */
static int drm_atomic_crtc_check(const struct drm_atomic_state *st, const struct drm_crtc *crtc)
{
	const struct drm_crtc_state *cs = &st->crtcs[crtc->index];

	if (cs->active && !cs->enable)
		return -EINVAL;
	if (cs->enable && !cs->mode_blob)
		return -EINVAL;
	if (!cs->enable && cs->mode_blob)
		return -EINVAL;
	/* Reject an event on a CRTC that is and stays off. */
	if ((st->event[crtc->index] || st->out_fence_ptr[crtc->index]) && !cs->active && !crtc->state.active)
		return -EINVAL;
	return 0;
}

/*
 * drm_atomic_connector_check(): a writeback job's framebuffer needs a CRTC,
 * and an active one; an out-fence needs a framebuffer (the fence exists only
 * outside TEST_ONLY, made by prepare_signaling); a job without either goes.
 */
static int drm_atomic_connector_check(struct drm_atomic_state *st, const struct drm_connector *conn)
{
	unsigned int i = conn->index;
	struct drm_crtc *crtc = st->conn_crtc[i];

	if (!conn->writeback || !(st->wb_job_mask & (1u << i)))
		return 0;
	if (st->wb_fb[i] && !crtc)
		return -EINVAL;
	if (st->wb_fb[i] && !new_crtc_state(st, crtc)->active)
		return -EINVAL;
	if (!st->wb_fb[i]) {
		if (st->wb_out_fence[i])
			return -EINVAL;
		st->wb_job_mask &= ~(1u << i);
	}
	return 0;
}

/*
 * The writeback encoder's atomic_check in mode_fixup(): the driver's (vkms:
 * the fb has the mode's size), then drm_atomic_helper_check_wb_encoder_state():
 * the fb's format is one of WRITEBACK_PIXEL_FORMATS.
 */
static int drm_atomic_check_wb_encoder(const struct drm_atomic_state *st, struct drm_connector *conn)
{
	const struct drm_writeback_connector *wb = conn->writeback;
	struct drm_framebuffer *fb = st->wb_fb[conn->index];
	const uint32_t *formats;
	uint32_t i, n;
	int ret;

	if (!wb || !(st->wb_job_mask & (1u << conn->index)) || !fb || !st->conn_crtc[conn->index])
		return 0;
	if (wb->atomic_check) {
		ret = wb->atomic_check(conn, fb, new_crtc_state(st, st->conn_crtc[conn->index]));
		if (ret)
			return ret;
	}
	formats = (const uint32_t *)(const void *)wb->pixel_formats->data;
	n = wb->pixel_formats->length / sizeof(uint32_t);
	for (i = 0; i < n; i++)
		if (formats[i] == fb->format->format)
			return 0;
	return -EINVAL;
}

/* drm_calc_scale(): src (16.16) over dst (integer pixels), in 16.16. */
static int64_t drm_calc_scale(int64_t src, int64_t dst)
{
	if (dst <= 0)
		return 0;
	if (src > (dst << 16))
		return (src + dst - 1) / dst;
	return src / dst;
}

int drm_atomic_helper_check_plane_state(struct drm_plane_state *ps, const struct drm_crtc_state *cs,
					int min_scale, int max_scale, bool can_position,
					bool can_update_disabled)
{
	int64_t src_w = ps->src_w, src_h = ps->src_h, hscale, vscale;
	int64_t x1 = ps->crtc_x, y1 = ps->crtc_y, x2, y2, clip_w = 0, clip_h = 0;

	if (!ps->fb) {
		ps->visible = false;
		return 0;
	}
	if (!ps->crtc) {
		ps->visible = false;
		return 0;
	}
	if (!cs->enable && !can_update_disabled)
		return -EINVAL;
	/* drm_rect_rotate(): a quarter turn swaps the source's width and height. */
	if (ps->rotation & (DRM_MODE_ROTATE_90 | DRM_MODE_ROTATE_270)) {
		int64_t t = src_w;

		src_w = src_h;
		src_h = t;
	}
	hscale = drm_calc_scale(src_w, ps->crtc_w);
	vscale = drm_calc_scale(src_h, ps->crtc_h);
	if (hscale < min_scale || hscale > max_scale || vscale < min_scale || vscale > max_scale)
		return -ERANGE;
	if (cs->enable) {
		clip_w = cs->mode.hdisplay;
		clip_h = cs->mode.vdisplay;
	}
	x2 = x1 + ps->crtc_w;
	y2 = y1 + ps->crtc_h;
	/* drm_rect_clip_scaled(): what is left on the screen. */
	if (x1 < 0)
		x1 = 0;
	if (y1 < 0)
		y1 = 0;
	if (x2 > clip_w)
		x2 = clip_w;
	if (y2 > clip_h)
		y2 = clip_h;
	ps->visible = x2 > x1 && y2 > y1;
	if (!ps->visible)
		return 0;
	if (!can_position && (ps->crtc_x != 0 || ps->crtc_y != 0 || (int64_t)ps->crtc_w != clip_w ||
			      (int64_t)ps->crtc_h != clip_h))
		return -EINVAL;
	return 0;
}

/* update_connector_routing() and the CRTC flags of drm_atomic_helper_check_modeset(). */
static int drm_atomic_helper_check_modeset(struct drm_atomic_state *st)
{
	struct drm_device *dev = st->dev;
	unsigned int i, j;

	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];
		const struct drm_crtc_state *cs = &st->crtcs[i];

		if (!(st->crtc_mask & (1u << i)))
			continue;
		if (memcmp(&cs->mode, &crtc->state.mode, sizeof(cs->mode)) != 0 || cs->enable != crtc->state.enable)
			st->mode_changed[i] = true;
		if (cs->active != crtc->state.active)
			st->active_changed[i] = true;
	}
	for (i = 0; i < dev->num_connectors; i++) {
		struct drm_connector *conn = dev->connectors[i];
		struct drm_crtc *crtc;

		if (!(st->connector_mask & (1u << i)))
			continue;
		crtc = st->conn_crtc[i];
		if (crtc != conn->crtc) {
			if (conn->crtc)
				st->connectors_changed[conn->crtc->index] = true;
			if (crtc)
				st->connectors_changed[crtc->index] = true;
		}
		if (crtc && !(conn->encoder->possible_crtcs & (1u << crtc->index)))
			return -EINVAL;
	}
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];
		const struct drm_crtc_state *cs = &st->crtcs[i];
		bool has_connectors = false;

		if (!(st->crtc_mask & (1u << i)))
			continue;
		for (j = 0; j < dev->num_connectors; j++)
			has_connectors |= new_conn_crtc(st, dev->connectors[j]) == crtc;
		if (cs->enable != has_connectors)
			return -EINVAL;
		if (!needs_modeset(st, i))
			continue;
		/* drm_atomic_add_affected_connectors() and _planes(). */
		for (j = 0; j < dev->num_connectors; j++)
			if (dev->connectors[j]->crtc == crtc)
				drm_atomic_get_connector_state(st, dev->connectors[j]);
		for (j = 0; j < dev->num_planes; j++)
			if (dev->planes[j]->state.crtc == crtc)
				drm_atomic_get_plane_state(st, dev->planes[j]);
		if (cs->enable && crtc->funcs && crtc->funcs->mode_valid &&
		    crtc->funcs->mode_valid(crtc, &cs->mode) != MODE_OK)
			return -EINVAL;
	}
	/* mode_fixup(): the encoders' atomic_check for every connector with a CRTC. */
	for (i = 0; i < dev->num_connectors; i++) {
		int ret;

		if (!(st->connector_mask & (1u << i)))
			continue;
		ret = drm_atomic_check_wb_encoder(st, dev->connectors[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* drm_atomic_normalize_zpos(): 0..n-1 over each CRTC's planes by (zpos, plane index). */
static void drm_atomic_normalize_zpos(struct drm_atomic_state *st)
{
	struct drm_device *dev = st->dev;
	unsigned int c, i, j, n;

	for (c = 0; c < dev->num_crtcs; c++) {
		struct drm_crtc *crtc = dev->crtcs[c];
		struct drm_plane_state *list[DRM_MAX_PLANES];

		if (!(st->crtc_mask & (1u << c)))
			continue;
		n = 0;
		for (i = 0; i < dev->num_planes; i++) {
			struct drm_plane_state *ps;

			if (new_plane_state(st, dev->planes[i])->crtc != crtc)
				continue;
			ps = drm_atomic_get_plane_state(st, dev->planes[i]);
			for (j = n; j > 0 && list[j - 1]->zpos > ps->zpos; j--)
				list[j] = list[j - 1];
			list[j] = ps;
			n++;
		}
		for (i = 0; i < n; i++)
			list[i]->normalized_zpos = i;
	}
}

/* drm_atomic_check_only(). */
static int drm_atomic_check_only(struct drm_atomic_state *st)
{
	struct drm_device *dev = st->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < dev->num_planes; i++) {
		if (!(st->plane_mask & (1u << i)))
			continue;
		ret = drm_atomic_plane_check(dev->planes[i], &dev->planes[i]->state, &st->planes[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < dev->num_crtcs; i++) {
		if (!(st->crtc_mask & (1u << i)))
			continue;
		ret = drm_atomic_crtc_check(st, dev->crtcs[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < dev->num_connectors; i++) {
		if (!(st->connector_mask & (1u << i)))
			continue;
		ret = drm_atomic_connector_check(st, dev->connectors[i]);
		if (ret)
			return ret;
	}
	/* The driver's atomic_check: its own CRTC checks (vkms_atomic_check()), then drm_atomic_helper_check(). */
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];

		if (!(st->crtc_mask & (1u << i)) || !crtc->funcs || !crtc->funcs->atomic_check)
			continue;
		ret = crtc->funcs->atomic_check(crtc, &st->crtcs[i]);
		if (ret)
			return ret;
	}
	ret = drm_atomic_helper_check_modeset(st);
	if (ret)
		return ret;
	drm_atomic_normalize_zpos(st);
	for (i = 0; i < dev->num_planes; i++) {
		struct drm_plane *plane = dev->planes[i];
		struct drm_plane_state *ps = &st->planes[i];
		const struct drm_crtc_state *cs;

		if (!(st->plane_mask & (1u << i)))
			continue;
		if (!ps->crtc) {
			ps->visible = false;
			continue;
		}
		cs = new_crtc_state(st, ps->crtc);
		if (plane->funcs && plane->funcs->atomic_check)
			ret = plane->funcs->atomic_check(plane, ps, cs);
		else
			ret = drm_atomic_helper_check_plane_state(ps, cs, DRM_PLANE_NO_SCALING, DRM_PLANE_NO_SCALING,
								  true, true);
		if (ret)
			return ret;
		/* Nothing shows on a CRTC that is off. */
		if (!cs->active)
			ps->visible = false;
	}
	if (!st->allow_modeset)
		for (i = 0; i < dev->num_crtcs; i++)
			if ((st->crtc_mask & (1u << i)) && needs_modeset(st, i))
				return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commit                                                               */
/* ------------------------------------------------------------------ */

void drm_crtc_complete_flip(struct drm_crtc *crtc)
{
	struct drm_pending_event *e = crtc->flip_event;
	struct drm_fence *fence = crtc->flip_fence;

	if (crtc->flip_pending)
		crtc->flip_count++;
	crtc->flip_pending = false;
	crtc->flip_event = NULL;
	crtc->flip_fence = NULL;
	if (e)
		drm_crtc_send_vblank_event(crtc, e);
	/* The out-fence signals with the event (drm_send_event_helper()). */
	if (fence) {
		drm_fence_signal(fence, 0);
		drm_fence_put(fence);
	}
}

/* Make @st the current state and have the driver follow (drm_atomic_helper_commit_tail()). */
static void drm_atomic_commit_apply(struct drm_atomic_state *st)
{
	struct drm_device *dev = st->dev;
	bool was_active[DRM_MAX_CRTCS];
	unsigned int i;

	/* commit_modeset_disables(): CRTCs going off or through a modeset stop first. */
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];

		was_active[i] = crtc->state.active;
		if (!(st->crtc_mask & (1u << i)) || !crtc->state.active)
			continue;
		if (st->crtcs[i].active && !needs_modeset(st, i))
			continue;
		if (crtc->funcs && crtc->funcs->disable)
			crtc->funcs->disable(crtc);
		drm_crtc_complete_flip(crtc);
		crtc->state.active = false;
		drm_vblank_off(crtc);
	}
	/* Swap in the new states; the references the state held move to the objects. */
	for (i = 0; i < dev->num_planes; i++) {
		struct drm_plane *plane = dev->planes[i];

		if (!(st->plane_mask & (1u << i)))
			continue;
		if (plane->state.fb)
			drm_framebuffer_put(plane->state.fb);
		plane->state = st->planes[i];
	}
	for (i = 0; i < dev->num_connectors; i++) {
		struct drm_connector *conn = dev->connectors[i];
		struct drm_crtc *crtc = st->conn_crtc[i], *old = conn->crtc;

		if (!(st->connector_mask & (1u << i)))
			continue;
		conn->crtc = crtc;
		if (old && old != crtc)
			conn->encoder->crtc = NULL;
		if (crtc)
			conn->encoder->crtc = crtc;
		/* drm_atomic_helper_update_legacy_modeset_state(): the legacy DPMS value. */
		if ((!crtc && old) || (crtc && needs_modeset(st, crtc->index)))
			conn->dpms = crtc && st->crtcs[crtc->index].active ? DRM_MODE_DPMS_ON : DRM_MODE_DPMS_OFF;
		/* drm_writeback_queue_job(): the job waits for the driver's next frame. */
		if (conn->writeback && (st->wb_job_mask & (1u << i))) {
			drm_writeback_signal_completion(conn, -ECANCELED); /* a job not done yet is dropped */
			conn->writeback->job_fb = st->wb_fb[i];
			conn->writeback->job_fence = st->wb_out_fence[i];
			st->wb_fb[i] = NULL;
			st->wb_out_fence[i] = NULL;
		}
	}
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];

		if (!(st->crtc_mask & (1u << i)))
			continue;
		drm_property_blob_put(dev, crtc->state.mode_blob);
		drm_property_blob_put(dev, crtc->state.gamma_lut);
		crtc->state = st->crtcs[i];
	}
	/* commit_modeset_enables() and commit_planes(), then the events. */
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];
		struct drm_pending_event *e = st->event[i];
		struct drm_fence *fence = st->out_fence[i];

		if (!(st->crtc_mask & (1u << i)))
			continue;
		st->event[i] = NULL;
		st->out_fence[i] = NULL;
		if (crtc->state.active && (!was_active[i] || needs_modeset(st, i))) {
			if (crtc->funcs && crtc->funcs->enable)
				crtc->funcs->enable(crtc);
		} else if (crtc->state.active && crtc->funcs && crtc->funcs->flush) {
			crtc->funcs->flush(crtc);
		}
		if (!crtc->state.active) {
			if (e)
				drm_crtc_send_vblank_event(crtc, e);
			if (fence) {
				drm_fence_signal(fence, 0);
				drm_fence_put(fence);
			}
			continue;
		}
		/* A legacy cursor update completes at once (drm_atomic_helper_setup_commit()). */
		if (st->legacy_cursor_update && !e)
			continue;
		if (crtc->flip_event || crtc->flip_fence)
			drm_crtc_complete_flip(crtc);
		crtc->flip_pending = true;
		crtc->flip_event = e;
		crtc->flip_fence = fence;
		/* No vblank interrupt: flip_done now, event included (drm_atomic_helper_fake_vblank()). */
		if (dev->mode_config.no_vblank)
			drm_crtc_complete_flip(crtc);
	}
	st->plane_mask = st->crtc_mask = st->connector_mask = 0;
	st->committed = true;
}

/* What a blocking commit waits for between runs: each CRTC's vblank count at commit. */
struct drm_atomic_wait {
	uint32_t crtc_mask;
	uint64_t vblank_count[DRM_MAX_CRTCS];
	uint64_t deadline_ns;
};

/*
 * The rerun of a parked blocking commit: 0 once every CRTC it touched has
 * seen a vblank (flip_done) or went off, else parked again.
 */
static int drm_atomic_wait_flip_done(struct drm_device *dev, struct drm_file *file, struct drm_atomic_wait *w)
{
	unsigned int i;
	int ret;

	if (drm_platform_time_ns() >= w->deadline_ns)
		return 0;
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];

		if (!(w->crtc_mask & (1u << i)) || !crtc->state.active || crtc->vblank_count != w->vblank_count[i])
			continue;
		ret = drm_wait_on_queue(file, &crtc->vblank_queue);
		if (!ret)
			ret = drm_wait_until(file, w->deadline_ns);
		return ret ? 0 : -DRM_EPENDING;
	}
	return 0;
}

/*
 * stall_checks(): a nonblocking commit on a CRTC whose last commit is not
 * flip_done fails with -EBUSY; a blocking one waits for it (parks and is
 * run again), or, where the ioctl cannot park, completes it now.
 */
static int drm_atomic_stall_checks(struct drm_atomic_state *st, bool nonblock)
{
	struct drm_device *dev = st->dev;
	unsigned int i;

	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *crtc = dev->crtcs[i];

		if (!(st->crtc_mask & (1u << i)) || (!crtc->flip_pending && !crtc->deferred))
			continue;
		if (st->legacy_cursor_update && !crtc->deferred)
			continue;
		if (nonblock)
			return -EBUSY;
		if (drm_wait_possible(st->file)) {
			int ret = drm_wait_on_queue(st->file, &crtc->vblank_queue);

			return ret ? ret : -DRM_EPENDING;
		}
		if (crtc->deferred)
			return -EBUSY; /* cannot wait, and that commit's fences are not done */
		drm_crtc_complete_flip(crtc);
	}
	return 0;
}

/* Park a blocking commit until flip_done (drm_atomic_helper_wait_for_flip_done()). */
static int drm_atomic_park_until_flip_done(struct drm_atomic_state *st, uint32_t crtc_mask)
{
	struct drm_device *dev = st->dev;
	struct drm_atomic_wait *w;
	unsigned int i;
	int ret;

	for (i = 0; i < dev->num_crtcs; i++)
		if ((crtc_mask & (1u << i)) && (!dev->crtcs[i]->state.active || dev->mode_config.no_vblank))
			crtc_mask &= ~(1u << i);
	if (!st->file || !drm_wait_possible(st->file)) {
		/* A caller that cannot wait gets its commit flip_done now, event included. */
		for (i = 0; i < dev->num_crtcs; i++)
			if (crtc_mask & (1u << i))
				drm_crtc_complete_flip(dev->crtcs[i]);
		return 0;
	}
	if (!crtc_mask)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return 0; /* committed; only the wait is lost */
	w->crtc_mask = crtc_mask;
	w->deadline_ns = drm_platform_time_ns() + DRM_ATOMIC_FLIP_TIMEOUT_NS;
	for (i = 0; i < dev->num_crtcs; i++)
		w->vblank_count[i] = dev->crtcs[i]->vblank_count;
	if (drm_wait_set_priv(st->file, w, free))
		return 0;
	ret = drm_atomic_wait_flip_done(dev, st->file, w);
	return ret == -DRM_EPENDING ? ret : 0;
}

/* ------------------------------------------------------------------ */
/* In-fences: commits that wait for IN_FENCE_FD                        */
/* ------------------------------------------------------------------ */

/**
 * struct drm_atomic_deferred - a nonblocking commit whose planes' in-fences
 * (IN_FENCE_FD) had not signalled: the kernel's commit work, which waits in
 * drm_atomic_helper_wait_for_fences() before commit_tail().  Its CRTCs count
 * as busy meanwhile (a nonblocking commit on them gets EBUSY, a blocking one
 * waits), and once every fence signalled the device's deferred timer
 * applies it, on its own thread with the device lock, never inside the code
 * that signalled.
 * @head: in dev->deferred_commits.
 * @st: the checked state, with its events, out-fences and fences.
 * @waits: one fence callback per plane with an unsignalled in-fence.
 * @pending: fences still to signal.
 */
struct drm_atomic_deferred {
	struct drm_list_head head;
	struct drm_device *dev;
	struct drm_atomic_state *st;
	struct drm_atomic_fence_wait {
		struct drm_fence_cb cb;
		struct drm_atomic_deferred *d;
	} waits[DRM_MAX_PLANES];
	unsigned int pending;
};

/* Take @d off the device's list and its CRTCs (device lock held). */
static void drm_atomic_deferred_unlink(struct drm_device *dev, struct drm_atomic_deferred *d)
{
	drm_list_del(&d->head);
	for (unsigned int i = 0; i < dev->num_crtcs; i++)
		if (dev->crtcs[i]->deferred == d)
			dev->crtcs[i]->deferred = NULL;
}

/* Apply every deferred commit whose fences all signalled (device lock held). */
static void drm_atomic_run_deferred(struct drm_device *dev)
{
	struct drm_atomic_deferred *d, *tmp;

	drm_list_for_each_safe(d, tmp, &dev->deferred_commits, struct drm_atomic_deferred, head) {
		if (d->pending)
			continue;
		drm_atomic_deferred_unlink(dev, d);
		drm_atomic_commit_apply(d->st);
		drm_atomic_state_clear(d->st);
		free(d->st);
		free(d);
		/* Blocking commits that stalled on these CRTCs look again. */
		for (unsigned int i = 0; i < dev->num_crtcs; i++)
			drm_waitq_wake_all(&dev->crtcs[i]->vblank_queue);
	}
}

static void drm_atomic_deferred_timer_fn(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct drm_device *dev = arg;

	(void)expires_ns;
	(void)overrun;
	drm_platform_mutex_lock(dev->lock);
	drm_atomic_run_deferred(dev);
	drm_platform_mutex_unlock(dev->lock);
}

static void drm_atomic_in_fence_signaled(struct drm_fence *f, struct drm_fence_cb *cb)
{
	struct drm_atomic_deferred *d = drm_container_of(cb, struct drm_atomic_fence_wait, cb)->d;

	(void)f;
	if (!d->pending)
		return;
	if (--d->pending == 0)
		drm_platform_timer_start(d->dev->deferred_timer, drm_platform_time_ns(), 0);
}

/*
 * Keep @st (moved out of the caller, who gets a fresh empty one) until its
 * in-fences signal.  0, or -ENOMEM with @st untouched.
 */
static int drm_atomic_defer(struct drm_atomic_state *st)
{
	struct drm_device *dev = st->dev;
	struct drm_atomic_deferred *d;
	struct drm_atomic_state *copy;
	unsigned int i;

	if (!dev->deferred_timer) {
		dev->deferred_timer = drm_platform_timer_create(drm_atomic_deferred_timer_fn, dev);
		if (!dev->deferred_timer)
			return -ENOMEM;
	}
	d = calloc(1, sizeof(*d));
	copy = malloc(sizeof(*copy));
	if (!d || !copy) {
		free(d);
		free(copy);
		return -ENOMEM;
	}
	*copy = *st;
	drm_atomic_state_init(st, dev, st->file); /* the caller's copy no longer owns anything */
	d->dev = dev;
	d->st = copy;
	for (i = 0; i < dev->num_crtcs; i++)
		if (copy->crtc_mask & (1u << i))
			dev->crtcs[i]->deferred = d;
	drm_list_add_tail(&d->head, &dev->deferred_commits);
	d->pending = 1; /* held until every callback is in place */
	for (i = 0; i < dev->num_planes; i++) {
		if (!copy->in_fence[i])
			continue;
		d->pending++;
		d->waits[i].d = d;
		if (drm_fence_add_callback(copy->in_fence[i], &d->waits[i].cb, drm_atomic_in_fence_signaled) == -ENOENT)
			d->pending--;
	}
	if (--d->pending == 0)
		drm_platform_timer_start(dev->deferred_timer, drm_platform_time_ns(), 0);
	return 0;
}

void drm_atomic_release_file(struct drm_file *file)
{
	struct drm_device *dev = file->dev;
	struct drm_atomic_deferred *d;

	drm_list_for_each(d, &dev->deferred_commits, struct drm_atomic_deferred, head) {
		if (d->st->file != file)
			continue;
		for (unsigned int i = 0; i < dev->num_crtcs; i++) {
			if (d->st->event[i])
				drm_event_cancel(d->st->event[i]);
			d->st->event[i] = NULL;
		}
		d->st->file = NULL;
	}
}

void drm_atomic_device_fini(struct drm_device *dev)
{
	struct drm_atomic_deferred *d, *tmp;

	drm_platform_timer_destroy(dev->deferred_timer);
	dev->deferred_timer = NULL;
	drm_list_for_each_safe(d, tmp, &dev->deferred_commits, struct drm_atomic_deferred, head) {
		for (unsigned int i = 0; i < dev->num_planes; i++)
			if (d->st->in_fence[i])
				drm_fence_remove_callback(d->st->in_fence[i], &d->waits[i].cb);
		drm_atomic_deferred_unlink(dev, d);
		for (unsigned int i = 0; i < dev->num_crtcs; i++)
			if (d->st->out_fence[i])
				drm_fence_signal(d->st->out_fence[i], -ENODEV);
		drm_atomic_state_clear(d->st);
		free(d->st);
		free(d);
	}
}

/* The first in-fence of @st that has not signalled, or NULL. */
static struct drm_fence *drm_atomic_unsignaled_in_fence(const struct drm_atomic_state *st)
{
	for (unsigned int i = 0; i < st->dev->num_planes; i++)
		if (st->in_fence[i] && !drm_fence_is_signaled(st->in_fence[i]))
			return st->in_fence[i];
	return NULL;
}

/*
 * Check, then (unless @test_only) commit @st.  A blocking commit returns
 * -DRM_EPENDING while it waits for flip_done; its rerun lands in
 * drm_atomic_wait_flip_done() through the ioctl's saved state.  A blocking
 * commit with an unsignalled in-fence parks on it first and is run again
 * whole; a nonblocking one is deferred until its fences signal.
 */
static int drm_atomic_commit(struct drm_atomic_state *st, bool test_only, bool nonblock)
{
	struct drm_fence *in_fence;
	uint32_t crtc_mask;
	int ret;

	ret = drm_atomic_check_only(st);
	if (ret || test_only)
		return ret;
	ret = drm_atomic_stall_checks(st, nonblock);
	if (ret)
		return ret;
	in_fence = drm_atomic_unsignaled_in_fence(st);
	if (in_fence && !nonblock && st->file && drm_wait_possible(st->file)) {
		/* drm_atomic_helper_wait_for_fences(): interruptible, before the swap. */
		ret = drm_wait_on_fence(st->file, in_fence);
		return ret ? ret : -DRM_EPENDING;
	}
	if (in_fence)
		return drm_atomic_defer(st);
	crtc_mask = st->legacy_cursor_update ? 0 : st->crtc_mask;
	drm_atomic_commit_apply(st);
	if (nonblock)
		return 0;
	return drm_atomic_park_until_flip_done(st, crtc_mask);
}

/**
 * drm_atomic_resume() - called first by every ioctl that may make a
 * blocking commit: when this run is the rerun of one that committed and
 * parked, *@done is set and the result is the ioctl's (0, or
 * -DRM_EPENDING while flip_done is still to come).
 */
int drm_atomic_resume(struct drm_device *dev, struct drm_file *file, bool *done)
{
	struct drm_atomic_wait *w = drm_wait_priv(file);

	*done = w != NULL;
	return w ? drm_atomic_wait_flip_done(dev, file, w) : 0;
}

/* ------------------------------------------------------------------ */
/* Ioctls                                                               */
/* ------------------------------------------------------------------ */

/*
 * setup_out_fence(): a new fence made into a sync_file fd for the client,
 * whose number is written to the client's @uptr now (a bad pointer: EFAULT);
 * the fence goes to *@slot.  An out-fence fd needs the fd-carrying front end
 * (struct drm_fd_ops): EOPNOTSUPP without it.  Serves OUT_FENCE_PTR (the
 * fence signals at the CRTC's flip_done) and WRITEBACK_OUT_FENCE_PTR (when
 * the driver has written the job's frame).
 */
static int drm_atomic_setup_out_fence(struct drm_atomic_state *st, uint64_t uptr, struct drm_fence **slot)
{
	const struct drm_fd_ops *fds = st->file->caller ? st->file->caller->fds : NULL;
	struct drm_fence *fence;
	int32_t fd = -1;
	int ret;

	if (!fds || !fds->fence_to_sync_file)
		return -EOPNOTSUPP;
	fence = drm_fence_create();
	if (!fence)
		return -ENOMEM;
	ret = fds->fence_to_sync_file(fds->ctx, fence, &fd);
	if (!ret)
		ret = drm_copy_to_user(st->file, uptr, &fd, sizeof(fd));
	if (ret) {
		drm_fence_put(fence);
		return ret;
	}
	*slot = fence;
	return 0;
}

/*
 * complete_signaling() of a request that failed: every OUT_FENCE_PTR reads
 * -1 again (the fds made for it are the front end's to drop).
 */
static void drm_atomic_cancel_out_fences(struct drm_atomic_state *st)
{
	const int32_t minus_one = -1;
	unsigned int i;

	for (i = 0; i < st->dev->num_crtcs; i++)
		if (st->out_fence[i] && drm_copy_to_user(st->file, st->out_fence_ptr[i], &minus_one, sizeof(minus_one)))
			drm_dbg("atomic: couldn't clear out_fence_ptr");
	for (i = 0; i < st->dev->num_connectors; i++)
		if (st->wb_out_fence[i] &&
		    drm_copy_to_user(st->file, st->wb_out_fence_ptr[i], &minus_one, sizeof(minus_one)))
			drm_dbg("atomic: couldn't clear writeback out_fence_ptr");
}

/*
 * prepare_signaling(): the flip events of every CRTC in the request.  A
 * request with PAGE_FLIP_EVENT but no CRTC is refused: its event would
 * never come.
 */
static int drm_atomic_prepare_signaling(struct drm_atomic_state *st, const struct drm_mode_atomic *arg)
{
	struct drm_device *dev = st->dev;
	unsigned int i, ncrtcs = 0;

	if (arg->flags & DRM_MODE_ATOMIC_TEST_ONLY)
		return 0;
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_pending_event *e;

		if (!(st->crtc_mask & (1u << i)))
			continue;
		ncrtcs++;
		if (arg->flags & DRM_MODE_PAGE_FLIP_EVENT) {
			e = drm_event_reserve(st->file, DRM_EVENT_FLIP_COMPLETE, sizeof(struct drm_event_vblank));
			if (!e)
				return -ENOMEM;
			e->ev.vbl.user_data = arg->user_data;
			e->ev.vbl.crtc_id = dev->crtcs[i]->base.id;
			st->event[i] = e;
		}
		if (st->out_fence_ptr[i]) {
			int ret = drm_atomic_setup_out_fence(st, st->out_fence_ptr[i], &st->out_fence[i]);

			if (ret)
				return ret;
		}
	}
	/* Writeback jobs' out-fences (prepare_signaling's connector loop). */
	for (i = 0; i < dev->num_connectors; i++) {
		int ret;

		if (!(st->wb_job_mask & (1u << i)) || !st->wb_out_fence_ptr[i])
			continue;
		ret = drm_atomic_setup_out_fence(st, st->wb_out_fence_ptr[i], &st->wb_out_fence[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < dev->num_planes; i++)
		if (st->in_fence_fd[i] != -1 && !(st->file->caller && st->file->caller->fds))
			return -EOPNOTSUPP;
	if (ncrtcs == 0 && (arg->flags & DRM_MODE_PAGE_FLIP_EVENT))
		return -EINVAL;
	return 0;
}

/*
 * Read the request's arrays in the order the kernel's get_user() calls
 * would touch them, one CUSE round per array: objects, then property
 * counts once the first object exists, then property ids, then values.
 * Arrays the walk never reaches are never read, so a bad pointer there
 * does not turn an ENOENT into an EFAULT.
 */
struct drm_atomic_args {
	uint32_t *objs, *counts, *props;
	uint64_t *values;
	uint32_t nprops;
};

static void drm_atomic_args_free(struct drm_atomic_args *a)
{
	free(a->objs);
	free(a->counts);
	free(a->props);
	free(a->values);
}

/* The object @id of a request, with properties; NULL for the kernel's -ENOENT. */
static struct drm_mode_object *atomic_obj(struct drm_device *dev, uint32_t id)
{
	struct drm_mode_object *obj = drm_mode_object_find(dev, id, DRM_MODE_OBJECT_ANY);

	return obj && obj->properties ? obj : NULL;
}

static int drm_atomic_copy_args(struct drm_device *dev, struct drm_file *file, const struct drm_mode_atomic *arg,
				struct drm_atomic_args *a)
{
	uint64_t total = 0;
	uint32_t i;
	int ret;

	if (!arg->count_objs)
		return 0;
	if (arg->count_objs > DRM_ATOMIC_MAX_PROPS)
		return -EINVAL;
	a->objs = malloc(arg->count_objs * sizeof(uint32_t));
	a->counts = malloc(arg->count_objs * sizeof(uint32_t));
	if (!a->objs || !a->counts)
		return -ENOMEM;
	ret = drm_copy_from_user(file, a->objs, arg->objs_ptr, arg->count_objs * sizeof(uint32_t));
	if (ret)
		return ret;
	if (!atomic_obj(dev, a->objs[0]))
		return -ENOENT;
	ret = drm_copy_from_user(file, a->counts, arg->count_props_ptr, arg->count_objs * sizeof(uint32_t));
	if (ret)
		return ret;
	/* Objects up to the first with properties are looked up before any property id is read. */
	for (i = 0; i < arg->count_objs; i++) {
		if (!atomic_obj(dev, a->objs[i]))
			return -ENOENT;
		if (a->counts[i])
			break;
	}
	for (i = 0; i < arg->count_objs; i++)
		total += a->counts[i];
	if (!total)
		return 0;
	if (total > DRM_ATOMIC_MAX_PROPS)
		return -EINVAL;
	a->nprops = (uint32_t)total;
	a->props = malloc(total * sizeof(uint32_t));
	a->values = malloc(total * sizeof(uint64_t));
	if (!a->props || !a->values)
		return -ENOMEM;
	ret = drm_copy_from_user(file, a->props, arg->props_ptr, total * sizeof(uint32_t));
	if (ret)
		return ret;
	return drm_copy_from_user(file, a->values, arg->prop_values_ptr, total * sizeof(uint64_t));
}

/** drm_mode_atomic_ioctl() - DRM_IOCTL_MODE_ATOMIC, with drm_mode_atomic_ioctl()'s checks in its order. */
int drm_mode_atomic_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_atomic *arg = data;
	struct drm_atomic_args a = { 0 };
	struct drm_atomic_state *st;
	uint32_t i, j, p = 0;
	bool done;
	int ret;

	ret = drm_atomic_resume(dev, file, &done);
	if (done)
		return ret;
	if (!drm_core_check_feature(dev, DRIVER_ATOMIC))
		return -EOPNOTSUPP;
	if (!file->atomic)
		return -EINVAL;
	if (arg->flags & ~DRM_MODE_ATOMIC_FLAGS)
		return -EINVAL;
	if (arg->reserved)
		return -EINVAL;
	if (arg->flags & DRM_MODE_PAGE_FLIP_ASYNC)
		return -EINVAL;
	if ((arg->flags & DRM_MODE_ATOMIC_TEST_ONLY) && (arg->flags & DRM_MODE_PAGE_FLIP_EVENT))
		return -EINVAL;

	ret = drm_atomic_copy_args(dev, file, arg, &a);
	if (ret) {
		drm_atomic_args_free(&a);
		return ret;
	}
	st = malloc(sizeof(*st));
	if (!st) {
		drm_atomic_args_free(&a);
		return -ENOMEM;
	}
	drm_atomic_state_init(st, dev, file);
	st->allow_modeset = (arg->flags & DRM_MODE_ATOMIC_ALLOW_MODESET) != 0;
	for (i = 0; i < arg->count_objs; i++) {
		struct drm_mode_object *obj = atomic_obj(dev, a.objs[i]);

		if (!obj) {
			ret = -ENOENT;
			goto out;
		}
		for (j = 0; j < a.counts[i]; j++, p++) {
			struct drm_property *prop = drm_mode_obj_find_prop_id(obj, a.props[p]);

			if (!prop) {
				ret = -ENOENT;
				goto out;
			}
			ret = drm_atomic_set_property(st, obj, prop, a.values[p]);
			if (ret)
				goto out;
		}
	}
	ret = drm_atomic_prepare_signaling(st, arg);
	if (ret)
		goto out;
	ret = drm_atomic_commit(st, arg->flags & DRM_MODE_ATOMIC_TEST_ONLY, arg->flags & DRM_MODE_ATOMIC_NONBLOCK);
out:
	if (ret && ret != -DRM_ERETRY && !st->committed)
		drm_atomic_cancel_out_fences(st);
	drm_atomic_state_clear(st);
	free(st);
	drm_atomic_args_free(&a);
	return ret;
}

/* drm_atomic_connector_commit_dpms(): DPMS On lights the CRTC, anything else turns it off. */
static int drm_atomic_connector_commit_dpms(struct drm_atomic_state *st, struct drm_connector *conn,
					    uint64_t mode)
{
	struct drm_device *dev = st->dev;
	struct drm_crtc *crtc = conn->crtc;
	struct drm_crtc_state *cs;
	bool active = false;
	unsigned int i;

	if (mode != DRM_MODE_DPMS_ON)
		mode = DRM_MODE_DPMS_OFF;
	conn->dpms = (uint32_t)mode;
	if (!crtc)
		return 0;
	cs = drm_atomic_get_crtc_state(st, crtc);
	for (i = 0; i < dev->num_connectors; i++)
		if (dev->connectors[i]->crtc == crtc && dev->connectors[i]->dpms == DRM_MODE_DPMS_ON)
			active = true;
	cs->active = active;
	return drm_atomic_commit(st, false, false);
}

/* set_property_atomic(): one property through a blocking commit that may modeset. */
static int drm_mode_obj_set_property_atomic(struct drm_device *dev, struct drm_file *file,
					    struct drm_mode_object *obj, struct drm_property *prop, uint64_t value)
{
	struct drm_atomic_state *st = malloc(sizeof(*st));
	int ret;

	if (!st)
		return -ENOMEM;
	drm_atomic_state_init(st, dev, file);
	if (prop == dev->prop.dpms) {
		/* No enum check: any value but On means Off (drm_atomic_connector_commit_dpms()). */
		if (obj->type != DRM_MODE_OBJECT_CONNECTOR)
			ret = -EINVAL;
		else
			ret = drm_atomic_connector_commit_dpms(st, drm_container_of(obj, struct drm_connector, base),
							       value);
	} else {
		ret = drm_atomic_set_property(st, obj, prop, value);
		if (!ret)
			ret = drm_atomic_commit(st, false, false);
	}
	drm_atomic_state_clear(st);
	free(st);
	return ret;
}

/** drm_mode_obj_set_property_ioctl() - DRM_IOCTL_MODE_OBJ_SETPROPERTY. */
int drm_mode_obj_set_property_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_obj_set_property *arg = data;
	struct drm_mode_object *obj;
	struct drm_property *prop;
	bool done;
	int ret;

	ret = drm_atomic_resume(dev, file, &done);
	if (done)
		return ret;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, arg->obj_id, arg->obj_type);
	if (!obj)
		return -ENOENT;
	if (!obj->properties)
		return -EINVAL;
	prop = drm_mode_obj_find_prop_id(obj, arg->prop_id);
	if (!prop)
		return -EINVAL;
	/* Every KMS driver here is atomic inside: legacy drivers' properties go the same way. */
	return drm_mode_obj_set_property_atomic(dev, file, obj, prop, arg->value);
}

/** drm_connector_property_set_ioctl() - DRM_IOCTL_MODE_SETPROPERTY: OBJ_SETPROPERTY on a connector. */
int drm_connector_property_set_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_connector_set_property *conn_set_prop = data;
	struct drm_mode_obj_set_property obj_set_prop = {
		.value = conn_set_prop->value,
		.prop_id = conn_set_prop->prop_id,
		.obj_id = conn_set_prop->connector_id,
		.obj_type = DRM_MODE_OBJECT_CONNECTOR,
	};

	return drm_mode_obj_set_property_ioctl(dev, &obj_set_prop, file);
}

/*
 * __setplane_atomic(): one blocking commit that shows @fb on @plane of
 * @crtc at @rect's rectangles (drm_atomic_helper_update_plane()), or turns
 * the plane off when @fb is NULL (_disable_plane(): rectangles zeroed).  A
 * @legacy_cursor_update commit does not wait for the vblank.
 */
static int drm_atomic_setplane(struct drm_file *file, struct drm_plane *plane, struct drm_crtc *crtc,
			       struct drm_framebuffer *fb, const struct drm_plane_state *rect,
			       bool legacy_cursor_update)
{
	struct drm_atomic_state *st = malloc(sizeof(*st));
	struct drm_plane_state *ps;
	int ret;

	if (!st)
		return -ENOMEM;
	drm_atomic_state_init(st, plane->dev, file);
	st->legacy_cursor_update = legacy_cursor_update;
	ps = drm_atomic_get_plane_state(st, plane);
	drm_atomic_set_crtc_for_plane(st, ps, crtc);
	drm_atomic_set_fb_for_plane(ps, fb);
	ps->crtc_x = rect->crtc_x;
	ps->crtc_y = rect->crtc_y;
	ps->crtc_w = rect->crtc_w;
	ps->crtc_h = rect->crtc_h;
	ps->src_x = rect->src_x;
	ps->src_y = rect->src_y;
	ps->src_w = rect->src_w;
	ps->src_h = rect->src_h;
	ret = drm_atomic_commit(st, false, false);
	drm_atomic_state_clear(st);
	free(st);
	return ret;
}

/** drm_mode_setplane() - DRM_IOCTL_MODE_SETPLANE: drm_mode_setplane() and __setplane_atomic(). */
int drm_mode_setplane(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_mode_set_plane *req = data;
	struct drm_mode_object *obj;
	struct drm_plane *plane;
	struct drm_crtc *crtc = NULL;
	struct drm_framebuffer *fb = NULL;
	struct drm_plane_state rect = { 0 };
	bool done;
	int ret;

	ret = drm_atomic_resume(dev, file, &done);
	if (done)
		return ret;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	obj = drm_mode_object_find(dev, req->plane_id, DRM_MODE_OBJECT_PLANE);
	if (!obj)
		return -ENOENT;
	plane = drm_container_of(obj, struct drm_plane, base);
	if (req->fb_id) {
		fb = drm_framebuffer_lookup(dev, req->fb_id);
		if (!fb)
			return -ENOENT;
		obj = drm_mode_object_find(dev, req->crtc_id, DRM_MODE_OBJECT_CRTC);
		if (!obj)
			return -ENOENT;
		crtc = drm_container_of(obj, struct drm_crtc, base);
		rect.crtc_x = req->crtc_x;
		rect.crtc_y = req->crtc_y;
		rect.crtc_w = req->crtc_w;
		rect.crtc_h = req->crtc_h;
		rect.src_x = req->src_x;
		rect.src_y = req->src_y;
		rect.src_w = req->src_w;
		rect.src_h = req->src_h;
		/* __setplane_check(). */
		ret = drm_plane_check_placement(plane, crtc, fb, &rect);
		if (ret)
			return ret;
	}
	return drm_atomic_setplane(file, plane, crtc, fb, &rect, false);
}

int drm_atomic_helper_set_config(struct drm_crtc *crtc, struct drm_framebuffer *fb, uint32_t x, uint32_t y,
				 const struct drm_mode_modeinfo *mode, struct drm_connector **connectors,
				 uint32_t count, struct drm_file *file)
{
	struct drm_device *dev = crtc->dev;
	struct drm_atomic_state *st;
	struct drm_crtc_state *cs;
	struct drm_plane_state *ps;
	unsigned int i, j;
	int ret;

	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	drm_atomic_state_init(st, dev, file);
	cs = drm_atomic_get_crtc_state(st, crtc);
	ps = drm_atomic_get_plane_state(st, crtc->primary);
	if (!mode) {
		/* __drm_atomic_helper_set_config(): no mode turns the CRTC and its primary plane off. */
		ret = drm_atomic_set_mode_for_crtc(crtc, cs, NULL);
		if (ret)
			goto out;
		cs->active = false;
		drm_atomic_set_crtc_for_plane(st, ps, NULL);
		drm_atomic_set_fb_for_plane(ps, NULL);
	} else {
		uint32_t hdisplay = mode->hdisplay, vdisplay = mode->vdisplay;

		ret = drm_atomic_set_mode_for_crtc(crtc, cs, mode);
		if (ret)
			goto out;
		cs->active = true;
		drm_atomic_set_crtc_for_plane(st, ps, crtc);
		drm_atomic_set_fb_for_plane(ps, fb);
		ps->crtc_x = 0;
		ps->crtc_y = 0;
		ps->crtc_w = hdisplay;
		ps->crtc_h = vdisplay;
		ps->src_x = x << 16;
		ps->src_y = y << 16;
		if (ps->rotation & (DRM_MODE_ROTATE_90 | DRM_MODE_ROTATE_270)) {
			ps->src_w = vdisplay << 16;
			ps->src_h = hdisplay << 16;
		} else {
			ps->src_w = hdisplay << 16;
			ps->src_h = vdisplay << 16;
		}
	}
	/* update_output_state(): connectors leave this CRTC unless in the set, the set joins it. */
	for (i = 0; i < dev->num_connectors; i++) {
		struct drm_connector *conn = dev->connectors[i];
		bool in_set = false;

		for (j = 0; j < count; j++)
			in_set |= connectors[j] == conn;
		drm_atomic_get_connector_state(st, conn);
		if (in_set)
			drm_atomic_set_crtc_for_connector(st, conn, crtc);
		else if (st->conn_crtc[i] == crtc)
			drm_atomic_set_crtc_for_connector(st, conn, NULL);
	}
	/* CRTCs left without connectors are turned off. */
	for (i = 0; i < dev->num_crtcs; i++) {
		struct drm_crtc *other = dev->crtcs[i];
		bool has = false;

		if (other == crtc || !(st->crtc_mask & (1u << i)))
			continue;
		for (j = 0; j < dev->num_connectors; j++)
			has |= new_conn_crtc(st, dev->connectors[j]) == other;
		if (!has) {
			drm_atomic_set_mode_prop_for_crtc(other, &st->crtcs[i], NULL);
			st->crtcs[i].active = false;
		}
	}
	ret = drm_atomic_commit(st, false, false);
out:
	drm_atomic_state_clear(st);
	free(st);
	return ret;
}

int drm_atomic_helper_legacy_gamma_set(struct drm_crtc *crtc, struct drm_property_blob *blob,
				       struct drm_file *file)
{
	struct drm_device *dev = crtc->dev;
	struct drm_atomic_state *st = malloc(sizeof(*st));
	struct drm_crtc_state *cs;
	int ret;

	if (!st) {
		drm_property_blob_put(dev, blob);
		return -ENOMEM;
	}
	drm_atomic_state_init(st, dev, file);
	cs = drm_atomic_get_crtc_state(st, crtc);
	/* Reset DEGAMMA_LUT and CTM (none here) and set GAMMA_LUT: the legacy table is the whole pipeline. */
	if (cs->gamma_lut != blob) {
		drm_property_blob_put(dev, cs->gamma_lut);
		cs->gamma_lut = blob;
		cs->color_mgmt_changed = true;
	} else {
		drm_property_blob_put(dev, blob);
	}
	ret = drm_atomic_commit(st, false, false);
	drm_atomic_state_clear(st);
	free(st);
	return ret;
}

int drm_atomic_helper_page_flip(struct drm_crtc *crtc, struct drm_framebuffer *fb, struct drm_pending_event *e,
				struct drm_file *file)
{
	struct drm_device *dev = crtc->dev;
	struct drm_atomic_state *st = malloc(sizeof(*st));
	struct drm_plane_state *ps;
	int ret;

	if (!st) {
		if (e)
			drm_event_cancel(e);
		return -ENOMEM;
	}
	drm_atomic_state_init(st, dev, file);
	drm_atomic_get_crtc_state(st, crtc);
	st->event[crtc->index] = e;
	ps = drm_atomic_get_plane_state(st, crtc->primary);
	drm_atomic_set_fb_for_plane(ps, fb);
	ret = drm_atomic_commit(st, false, true);
	drm_atomic_state_clear(st);
	free(st);
	return ret;
}

int drm_atomic_helper_legacy_cursor(struct drm_crtc *crtc, struct drm_plane *plane, struct drm_framebuffer *fb,
				    int32_t x, int32_t y, struct drm_file *file)
{
	struct drm_plane_state rect = { 0 };

	if (fb) {
		rect.crtc_x = x;
		rect.crtc_y = y;
		rect.crtc_w = fb->width;
		rect.crtc_h = fb->height;
		rect.src_w = fb->width << 16;
		rect.src_h = fb->height << 16;
	}
	return drm_atomic_setplane(file, plane, fb ? crtc : NULL, fb, &rect, true);
}

void drm_atomic_remove_fb(struct drm_device *dev, struct drm_framebuffer *fb)
{
	struct drm_atomic_state *st = malloc(sizeof(*st));
	unsigned int i, j;

	if (!st)
		return;
	drm_atomic_state_init(st, dev, NULL);
	for (i = 0; i < dev->num_planes; i++) {
		struct drm_plane *plane = dev->planes[i];
		struct drm_plane_state *ps;

		if (plane->state.fb != fb)
			continue;
		ps = drm_atomic_get_plane_state(st, plane);
		/* atomic_remove_fb(): a primary plane takes its CRTC and connectors along. */
		if (plane->type == DRM_PLANE_TYPE_PRIMARY && ps->crtc) {
			struct drm_crtc *crtc = ps->crtc;
			struct drm_crtc_state *cs = drm_atomic_get_crtc_state(st, crtc);

			drm_atomic_set_mode_prop_for_crtc(crtc, cs, NULL);
			cs->active = false;
			for (j = 0; j < dev->num_connectors; j++)
				if (dev->connectors[j]->crtc == crtc)
					drm_atomic_set_crtc_for_connector(st, dev->connectors[j], NULL);
		}
		drm_atomic_set_crtc_for_plane(st, ps, NULL);
		drm_atomic_set_fb_for_plane(ps, NULL);
	}
	/* The kernel retries without the check's refusals; this state only turns things off. */
	if (st->plane_mask) {
		int ret = drm_atomic_check_only(st);

		if (ret)
			drm_warn("RMFB: disabling the planes of fb %u failed: %d", fb->base.id, ret);
		else
			drm_atomic_commit_apply(st);
	}
	drm_atomic_state_clear(st);
	free(st);
}
