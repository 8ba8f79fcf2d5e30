/*
 * drm_internal.h - structures and functions shared by the core's own files.
 * Not for drivers (they use drm_driver.h) nor front ends (drm_core.h).
 */
#ifndef CUSE_DRM_INTERNAL_H
#define CUSE_DRM_INTERNAL_H

#include "core/drm_driver.h"
#include "core/drm_idr.h"

/** Bytes of events a file may have queued or reserved, as the kernel's event_space. */
#define DRM_EVENT_SPACE 4096

/** Interface version the core implements (DRM_IF_MAJOR/MINOR in drm_ioctl.c). */
#define DRM_IF_MAJOR 1
#define DRM_IF_MINOR 4

/** struct drm_master - a master: created by the first opener or SET_MASTER (kernel: drm_auth.c). */
struct drm_master {
	uint32_t refcount;
	struct drm_idr magic_map;  /* auth magic -> struct drm_file waiting for AUTH_MAGIC */
	char *unique;        /* bus id set by SET_VERSION 1.1+, NULL before */
	uint32_t unique_len;
};

/**
 * struct drm_pending_event - an event reserved for, then queued on, a file.
 * @file is NULL once the file is gone; the event is then freed on completion.
 */
struct drm_pending_event {
	struct drm_file *file;
	struct drm_list_head link;
	uint32_t length;
	union {
		struct drm_event base;
		struct drm_event_vblank vbl;
		struct drm_event_crtc_sequence seq;
		unsigned char bytes[64];
	} ev;
};

/** struct drm_file - one open file of a node (kernel: struct drm_file). */
struct drm_file {
	struct drm_device *dev;
	enum drm_minor_type minor_type;
	int32_t pid;          /* opener's pid, for the master permission check */
	uint32_t uid;
	bool authenticated;
	uint32_t magic;       /* from GET_MAGIC, 0 before */
	bool is_master;       /* owns @master (created it) */
	bool was_master;
	bool universal_planes;
	bool atomic;
	bool aspect_ratio_allowed;
	bool writeback_connectors;
	bool stereo_allowed;
	struct drm_master *master;
	struct drm_idr handles;        /* GEM handle -> struct drm_gem_object */
	struct drm_idr syncobjs;       /* syncobj handle -> struct drm_syncobj */
	struct drm_list_head fbs;           /* struct drm_framebuffer.file_head */
	struct drm_list_head prime;         /* PRIME cache: struct drm_prime_member */
	struct drm_list_head vmas;          /* client mappings: struct drm_gem_vma */
	struct drm_list_head events;        /* queued struct drm_pending_event */
	uint32_t event_space;
	void *driver_priv;
	void (*event_notify)(void *ctx);
	void *event_notify_ctx;
	struct drm_list_head head;          /* in drm_device.files */
	/* Only valid during drm_ioctl(). */
	const struct drm_user_mem *um;
	const struct drm_caller *caller;
	struct drm_wait *wait;               /* the running ioctl may park on it; NULL: it may not */
};

/** struct drm_device - one device served by a driver core. */
struct drm_device {
	const struct drm_driver *driver;
	const char *options;             /* the driver's options (drm_device_create_with_options()), or NULL */
	struct drm_pci_dev *pci;         /* the PCI function of a hardware driver (drm_device_create_pci()), or NULL */
	uint32_t driver_features;        /* DRIVER_*: the driver's, plus drm_device_enable_syncobj() */
	struct drm_mutex *lock;
	void *driver_private;
	struct drm_master *master;      /* the current master, NULL when none */
	struct drm_mode_config mode_config;
	struct drm_idr objects;          /* mode object id -> struct drm_mode_object */
	struct drm_idr object_names;     /* GEM_FLINK name -> struct drm_gem_object */
	struct drm_list_head files;
	struct drm_list_head gem_objects;
	struct drm_list_head fbs;
	struct drm_list_head properties;
	struct drm_list_head blobs;
	uint64_t next_mmap_offset;       /* bytes; the next fake offset MAP_DUMB hands out */
	bool prime_transport;            /* the front end carries dma-buf fds */
	uint32_t num_syncobjs;           /* live struct drm_syncobj */
	uint32_t num_waits;              /* live struct drm_wait_state: parked ioctls */
	struct drm_list_head syncobj_eventfds; /* eventfd registrations armed on fences */
	struct drm_list_head wait_deadlines;   /* parked ioctls by deadline (drm_wait.c) */
	struct drm_list_head vblank_events;    /* events waiting for a vblank (drm_vblank.c) */
	struct drm_list_head deferred_commits; /* nonblocking commits waiting for in-fences (drm_atomic.c) */
	struct drm_timer *deferred_timer;      /* applies those whose fences signalled */
	struct drm_timer *wait_timer;          /* fires at the earliest of them */
	/* the front end's hotplug uevent (drm_device_set_hotplug_notify()), or NULL */
	void (*hotplug_notify)(void *ctx, uint32_t connector_id);
	void *hotplug_ctx;
	uint32_t num_crtcs, num_planes, num_encoders, num_connectors;
	struct drm_crtc *crtcs[DRM_MAX_CRTCS];
	struct drm_plane *planes[DRM_MAX_PLANES];
	struct drm_encoder *encoders[DRM_MAX_CONNECTORS];
	struct drm_connector *connectors[DRM_MAX_CONNECTORS];
	struct {
		struct drm_property *dpms, *edid, *link_status, *non_desktop, *crtc_id;
		struct drm_property *plane_type, *fb_id, *src_x, *src_y, *src_w, *src_h;
		struct drm_property *crtc_x, *crtc_y, *crtc_w, *crtc_h;
		struct drm_property *active, *mode_id, *out_fence_ptr, *vrr_enabled;
		struct drm_property *in_fence_fd, *in_formats;
		/* Made with the first writeback connector (drm_writeback_props_init()). */
		struct drm_property *wb_fb_id, *wb_out_fence_ptr, *wb_pixel_formats;
		/* Made with the first CRTC that has a gamma LUT (drm_color_props_init()). */
		struct drm_property *gamma_lut, *gamma_lut_size;
	} prop;
};

/* drm_ioctl.c helpers for handlers */
bool drm_core_check_feature(const struct drm_device *dev, uint32_t feature);
bool drm_is_current_master(const struct drm_file *file);
bool drm_is_render_client(const struct drm_file *file);
bool drm_file_privileged(const struct drm_file *file);
/** drm_caller_capable() - capable(CAP_SYS_ADMIN) for @caller (false for NULL). */
bool drm_caller_capable(const struct drm_caller *caller);

/* drm_file.c */
void drm_master_put(struct drm_master **master);
struct drm_master *drm_master_create(void);
struct drm_pending_event *drm_event_reserve(struct drm_file *file, uint32_t type, uint32_t length);
void drm_event_cancel(struct drm_pending_event *e);
void drm_event_send(struct drm_pending_event *e);

/* drm_gem.c */
void drm_gem_object_get(struct drm_gem_object *obj);
void drm_gem_release(struct drm_file *file);
void drm_gem_vm_release(struct drm_file *file);

/* drm_prime.c */
void drm_prime_remove_buf_handle(struct drm_file *file, uint32_t handle);

/* drm_mode_object.c */
int drm_mode_object_add(struct drm_device *dev, struct drm_mode_object *obj, uint32_t type);
void drm_mode_object_remove(struct drm_device *dev, struct drm_mode_object *obj);
struct drm_mode_object *drm_mode_object_find(struct drm_device *dev, uint32_t id, uint32_t type);
void drm_object_attach_property(struct drm_object_properties *props, struct drm_property *prop, uint64_t value);
int drm_object_property_set_value(struct drm_object_properties *props, struct drm_property *prop, uint64_t value);
int drm_mode_props_init(struct drm_device *dev);
void drm_mode_config_cleanup(struct drm_device *dev);
/** drm_crtc_find() - the CRTC with mode object id @id (the kernel's function of that name), or NULL. */
struct drm_crtc *drm_crtc_find(struct drm_device *dev, uint32_t id);

/** drm_color_props_init() - GAMMA_LUT and GAMMA_LUT_SIZE, once per device; 0 or -ENOMEM. */
int drm_color_props_init(struct drm_device *dev);

/**
 * drm_atomic_helper_legacy_gamma_set() - MODE_SETGAMMA's commit
 * (drm_crtc_legacy_gamma_set() in drm_color_mgmt.c): a blocking atomic
 * commit of @crtc with GAMMA_LUT = @blob (a reference the call takes over;
 * NULL for none).  Returns 0, -DRM_EPENDING while it waits for flip_done
 * (the ioctl resumes through drm_atomic_resume()), or the commit's -errno.
 */
int drm_atomic_helper_legacy_gamma_set(struct drm_crtc *crtc, struct drm_property_blob *blob,
				       struct drm_file *file);

/** drm_writeback_props_init() - the writeback connector properties, once per device; 0 or -ENOMEM. */
int drm_writeback_props_init(struct drm_device *dev);
struct drm_property_blob *drm_property_create_blob(struct drm_device *dev, const void *data, uint32_t length);
void drm_property_blob_put(struct drm_device *dev, struct drm_property_blob *blob);
void drm_property_destroy_user_blobs(struct drm_device *dev, struct drm_file *file);
struct drm_property_blob *drm_property_lookup_blob(struct drm_device *dev, uint32_t id);
int drm_mode_object_get_properties(struct drm_device *dev, struct drm_file *file,
				   struct drm_mode_object *obj, uint64_t prop_ptr,
				   uint64_t values_ptr, uint32_t *count_props);

/* drm_framebuffer.c */
int drm_internal_framebuffer_create(struct drm_device *dev, const struct drm_mode_fb_cmd2 *r,
				    struct drm_file *file, struct drm_framebuffer **out);
struct drm_framebuffer *drm_framebuffer_lookup(struct drm_device *dev, uint32_t id);
void drm_framebuffer_get(struct drm_framebuffer *fb);
void drm_framebuffer_put(struct drm_framebuffer *fb);
void drm_framebuffer_remove(struct drm_framebuffer *fb);
void drm_fb_release(struct drm_file *file);
int drm_framebuffer_check_src_coords(uint32_t src_x, uint32_t src_y, uint32_t src_w,
				     uint32_t src_h, const struct drm_framebuffer *fb);

/* drm_plane.c */
void drm_plane_disable(struct drm_plane *plane);
void drm_plane_state_reset(struct drm_plane *plane, struct drm_plane_state *ps);

/* drm_crtc.c */
void drm_crtc_disable_for_fb(struct drm_device *dev, struct drm_framebuffer *fb);
void drm_crtc_release_events(struct drm_file *file);

/* drm_crc.c */
void drm_crc_release(struct drm_file *file);
int drm_mode_validate_basic(const struct drm_mode_modeinfo *mode);
int drm_mode_convert_umode(struct drm_crtc *crtc, struct drm_mode_modeinfo *out, const struct drm_mode_modeinfo *in);
bool drm_plane_has_format(const struct drm_plane *plane, uint32_t format);

/* drm_atomic.c: the legacy entry points into atomic commits. */
void drm_crtc_complete_flip(struct drm_crtc *crtc);
int drm_atomic_helper_set_config(struct drm_crtc *crtc, struct drm_framebuffer *fb, uint32_t x, uint32_t y,
				 const struct drm_mode_modeinfo *mode, struct drm_connector **connectors,
				 uint32_t count, struct drm_file *file);
int drm_atomic_helper_page_flip(struct drm_crtc *crtc, struct drm_framebuffer *fb, struct drm_pending_event *e,
				struct drm_file *file);
int drm_atomic_helper_legacy_cursor(struct drm_crtc *crtc, struct drm_plane *plane, struct drm_framebuffer *fb,
				    int32_t x, int32_t y, struct drm_file *file);
void drm_atomic_remove_fb(struct drm_device *dev, struct drm_framebuffer *fb);
int drm_atomic_resume(struct drm_device *dev, struct drm_file *file, bool *done);
/** drm_atomic_release_file() - a closing file's deferred commits go on without their events. */
void drm_atomic_release_file(struct drm_file *file);
/** drm_atomic_device_fini() - stop the deferred-commit timer and drop deferred commits unapplied. */
void drm_atomic_device_fini(struct drm_device *dev);

/* Ioctl handlers: named after their ioctl, as in the kernel. */
#define DRM_HANDLER(fn) int fn(struct drm_device *dev, void *data, struct drm_file *file)
DRM_HANDLER(drm_version);
DRM_HANDLER(drm_getunique);
DRM_HANDLER(drm_getcap);
DRM_HANDLER(drm_getmagic);
DRM_HANDLER(drm_authmagic);
DRM_HANDLER(drm_setclientcap);
DRM_HANDLER(drm_setversion);
DRM_HANDLER(drm_setmaster_ioctl);
DRM_HANDLER(drm_dropmaster_ioctl);
DRM_HANDLER(drm_gem_close_ioctl);
DRM_HANDLER(drm_gem_flink_ioctl);
DRM_HANDLER(drm_gem_open_ioctl);
DRM_HANDLER(drm_getclient);
DRM_HANDLER(drm_getstats);
DRM_HANDLER(drm_mode_create_dumb_ioctl);
DRM_HANDLER(drm_mode_mmap_dumb_ioctl);
DRM_HANDLER(drm_mode_destroy_dumb_ioctl);
DRM_HANDLER(drm_mode_getresources);
DRM_HANDLER(drm_mode_getconnector);
DRM_HANDLER(drm_mode_getencoder);
DRM_HANDLER(drm_mode_getcrtc);
DRM_HANDLER(drm_mode_getplane_res);
DRM_HANDLER(drm_mode_getplane);
DRM_HANDLER(drm_mode_obj_get_properties_ioctl);
DRM_HANDLER(drm_mode_getproperty_ioctl);
DRM_HANDLER(drm_mode_getblob_ioctl);
DRM_HANDLER(drm_mode_setcrtc);
DRM_HANDLER(drm_mode_setplane);
DRM_HANDLER(drm_mode_atomic_ioctl);
DRM_HANDLER(drm_mode_obj_set_property_ioctl);
DRM_HANDLER(drm_connector_property_set_ioctl);
DRM_HANDLER(drm_mode_createblob_ioctl);
DRM_HANDLER(drm_mode_destroyblob_ioctl);
DRM_HANDLER(drm_mode_addfb_ioctl);
DRM_HANDLER(drm_mode_addfb2_ioctl);
DRM_HANDLER(drm_mode_rmfb_ioctl);
DRM_HANDLER(drm_mode_getfb);
DRM_HANDLER(drm_mode_getfb2_ioctl);
DRM_HANDLER(drm_mode_dirtyfb_ioctl);
DRM_HANDLER(drm_mode_page_flip_ioctl);
DRM_HANDLER(drm_mode_gamma_get_ioctl);
DRM_HANDLER(drm_mode_gamma_set_ioctl);
DRM_HANDLER(drm_prime_handle_to_fd_ioctl);
DRM_HANDLER(drm_prime_fd_to_handle_ioctl);
DRM_HANDLER(drm_noop);
DRM_HANDLER(drm_invalid_op);
DRM_HANDLER(drm_legacy_modeset_ctl_ioctl);
DRM_HANDLER(drm_mode_lease_ioctl);
DRM_HANDLER(drm_syncobj_create_ioctl);
DRM_HANDLER(drm_syncobj_destroy_ioctl);
DRM_HANDLER(drm_syncobj_handle_to_fd_ioctl);
DRM_HANDLER(drm_syncobj_fd_to_handle_ioctl);
DRM_HANDLER(drm_syncobj_wait_ioctl);
DRM_HANDLER(drm_syncobj_timeline_wait_ioctl);
DRM_HANDLER(drm_syncobj_reset_ioctl);
DRM_HANDLER(drm_syncobj_signal_ioctl);
DRM_HANDLER(drm_syncobj_timeline_signal_ioctl);
DRM_HANDLER(drm_syncobj_query_ioctl);
DRM_HANDLER(drm_syncobj_transfer_ioctl);
DRM_HANDLER(drm_syncobj_eventfd_ioctl);

DRM_HANDLER(drm_mode_cursor_ioctl);
DRM_HANDLER(drm_mode_cursor2_ioctl);
DRM_HANDLER(drm_wait_vblank_ioctl);
DRM_HANDLER(drm_crtc_get_sequence_ioctl);
DRM_HANDLER(drm_crtc_queue_sequence_ioctl);

/* drm_vblank.c */
void drm_vblank_handle(struct drm_crtc *crtc);
void drm_vblank_off(struct drm_crtc *crtc);
void drm_crtc_send_vblank_event(struct drm_crtc *crtc, struct drm_pending_event *e);
void drm_vblank_release_events(struct drm_file *file);
uint32_t drm_vblank_pending_events(struct drm_device *dev);

/* drm_syncobj.c */
void drm_syncobj_open(struct drm_file *file);
void drm_syncobj_release(struct drm_file *file);
void drm_syncobj_device_fini(struct drm_device *dev);

#endif
