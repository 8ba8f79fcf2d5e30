/*
 * drm_driver.h - what a driver core in drivers/ sees of the DRM core: the
 * driver ops, the KMS object model and the helpers to build it.
 *
 * Modelled on the kernel's struct drm_driver (include/drm/drm_drv.h), the
 * KMS objects of include/drm/drm_{connector,crtc,plane,encoder,framebuffer}.h
 * and their atomic states, cut down to what the core implements.  All calls
 * that change objects are made with the device lock held, except load and
 * unload which run before any file is open and after all are closed.
 */
#ifndef CUSE_DRM_DRIVER_H
#define CUSE_DRM_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <drm.h>
#include <drm_mode.h>
#include <drm_fourcc.h>

#include "core/drm_core.h"
#include "core/drm_list.h"
#include "core/drm_wait.h"
#include "core/platform.h"

/* Driver feature flags; values follow the kernel's enum drm_driver_feature. */
#define DRIVER_GEM      (1u << 0)
#define DRIVER_MODESET  (1u << 1)
#define DRIVER_RENDER   (1u << 3)
#define DRIVER_ATOMIC   (1u << 4)
#define DRIVER_SYNCOBJ  (1u << 5)
#define DRIVER_SYNCOBJ_TIMELINE (1u << 6)

/* Ioctl permission flags; values follow the kernel's enum drm_ioctl_flags. */
#define DRM_AUTH          (1u << 0)
#define DRM_MASTER        (1u << 1)
#define DRM_ROOT_ONLY     (1u << 2)
#define DRM_RENDER_ALLOW  (1u << 5)

/* Connector status as GETCONNECTOR reports it (kernel enum drm_connector_status). */
#define DRM_MODE_CONNECTED 1
#define DRM_MODE_DISCONNECTED 2
#define DRM_MODE_UNKNOWNCONNECTION 3

/* Subpixel order (kernel enum subpixel_order). */
#define DRM_MODE_SUBPIXEL_UNKNOWN 0
#define DRM_MODE_SUBPIXEL_NONE 6

/* Plane types, the values of the "type" property (kernel enum drm_plane_type). */
#define DRM_PLANE_TYPE_OVERLAY 0
#define DRM_PLANE_TYPE_PRIMARY 1
#define DRM_PLANE_TYPE_CURSOR 2

/** Kernel-internal errno values the core returns where the kernel does. */
#define DRM_ENOTSUPP 524

/**
 * struct drm_ioctl_desc - one row of an ioctl table, as DRM_IOCTL_DEF in
 * drm_ioctl.c: the full ioctl number (its size and direction bits give the
 * struct the core copies), permission flags, handler and name.  The handler
 * gets a zero-extended kernel-side copy of the argument struct.
 */
struct drm_ioctl_desc {
	unsigned int cmd;
	uint32_t flags;
	int (*func)(struct drm_device *dev, void *data, struct drm_file *file);
	const char *name;
};

/* ------------------------------------------------------------------ */
/* Mode objects and properties (kernel: drm_mode_object.c, drm_property.c) */
/* ------------------------------------------------------------------ */

#define DRM_OBJECT_MAX_PROPERTY 24

struct drm_property;

/** struct drm_object_properties - the properties attached to a mode object and their stored values. */
struct drm_object_properties {
	uint32_t count;
	struct drm_property *props[DRM_OBJECT_MAX_PROPERTY];
	uint64_t values[DRM_OBJECT_MAX_PROPERTY];
};

/** struct drm_mode_object - id and type (DRM_MODE_OBJECT_*) of a KMS object. */
struct drm_mode_object {
	uint32_t id;
	uint32_t type;
	struct drm_object_properties *properties; /* NULL for objects without properties */
};

/** struct drm_property_enum - one enum or bitmask entry: value (bit number for bitmasks) and name. */
struct drm_property_enum {
	uint64_t value;
	char name[DRM_PROP_NAME_LEN];
};

/**
 * struct drm_property - a property: name, DRM_MODE_PROP_* flags, the values
 * that describe it (range bounds, enum values, the object type of an object
 * property) and enum names.
 */
struct drm_property {
	struct drm_mode_object base;
	uint32_t flags;
	char name[DRM_PROP_NAME_LEN];
	uint32_t num_values;
	uint64_t *values;
	uint32_t num_enums;
	struct drm_property_enum *enums;
	struct drm_list_head head; /* in drm_device.properties */
};

/**
 * struct drm_property_blob - an immutable byte blob (EDID, MODE_ID, ...).
 * Reference counted; @owner is the file that created it with
 * MODE_CREATEPROPBLOB, NULL for the driver's own.
 */
struct drm_property_blob {
	struct drm_mode_object base;
	uint32_t refcount;
	uint32_t length;
	struct drm_file *owner;
	struct drm_list_head head; /* in drm_device.blobs */
	unsigned char data[];
};

/* ------------------------------------------------------------------ */
/* GEM (kernel: drm_gem.c)                                              */
/* ------------------------------------------------------------------ */

/**
 * struct drm_gem_object - a buffer: @size bytes (page multiple) of shareable
 * memory.  Reference counted by handles and framebuffers.  @mmap_offset is
 * the fake offset MAP_DUMB hands out (0 until then).
 */
struct drm_gem_object {
	struct drm_device *dev;
	uint32_t refcount;
	uint32_t handle_count;
	uint64_t size;
	uint64_t mmap_offset;
	uint32_t name;          /* GEM_FLINK name, 0 until flinked; dropped with the last handle */
	struct drm_shmem *shmem;
	struct drm_list_head resv;  /* fences reading or writing it (drm_fence.h) */
	struct drm_list_head head; /* in drm_device.gem_objects */
	void *driver_private;      /* the driver's (virtio: its host resource), freed by gem_free_object */
};

/** drm_gem_object_lookup() - the object behind @handle in @file (no new reference), or NULL. */
struct drm_gem_object *drm_gem_object_lookup(struct drm_file *file, uint32_t handle);

/**
 * drm_gem_shmem_dumb_create() - the core's dumb buffer (drm_gem_shmem_helper.c):
 * minimal pitch, page-aligned size, zeroed shareable memory and a handle in
 * @file; for a driver's dumb_create hook that wraps it.  On success *@obj (if
 * not NULL) is the new object, kept alive by the handle (no extra reference).
 * 0, -EINVAL or -ENOMEM.
 */
int drm_gem_shmem_dumb_create(struct drm_file *file, struct drm_device *dev, struct drm_mode_create_dumb *args,
			      struct drm_gem_object **obj);

/**
 * drm_gem_handle_delete() - drop @handle of @file and its reference (the
 * kernel's drm_gem_handle_delete()), e.g. to undo a dumb_create whose
 * device half failed.  0, or -EINVAL when @file has no such handle.
 */
int drm_gem_handle_delete(struct drm_file *file, uint32_t handle);

/**
 * drm_gem_dumb_map_offset() - the fake mmap offset of @handle in @file, as
 * MODE_MAP_DUMB gives it (the kernel's drm_gem_dumb_map_offset()), for a
 * driver's own map ioctl (VIRTGPU_MAP).  0 or -ENOENT.
 */
int drm_gem_dumb_map_offset(struct drm_file *file, uint32_t handle, __u64 *offset);

/**
 * drm_gem_object_create() - a GEM object of @size bytes (a page multiple)
 * with one reference, backed by @shmem (a new reference is taken) or, when
 * @shmem is NULL, by new zeroed shareable memory (drm_gem_object_init() +
 * shmem).  For drivers' own create ioctls (VIRTGPU_RESOURCE_CREATE).
 * Returns 0, -EINVAL or -ENOMEM.
 */
int drm_gem_object_create(struct drm_device *dev, uint64_t size, struct drm_shmem *shmem,
			  struct drm_gem_object **out);

/** drm_gem_object_put() - drop a reference; the last one frees @obj (gem_free_object first). */
void drm_gem_object_put(struct drm_gem_object *obj);

/**
 * drm_gem_handle_create() - a new handle in @file for @obj (lowest free,
 * from 1), taking a reference; runs the driver's gem_open_object hook and
 * undoes the handle if it fails (drm_gem_handle_create_tail()).  0, -ENOMEM
 * or the hook's error.
 */
int drm_gem_handle_create(struct drm_file *file, struct drm_gem_object *obj, uint32_t *handle);

/**
 * drm_copy_from_user() - read @len bytes at client address @uaddr during an
 * ioctl of @file (copy_from_user(), through the front end's accessor), for
 * driver ioctls whose struct points at more input.  0, -EFAULT, or
 * -DRM_ERETRY when the front end must fetch the memory first (return it
 * unchanged: the handler runs again, so read all input before changing
 * any state).
 */
int drm_copy_from_user(struct drm_file *file, void *dst, uint64_t uaddr, size_t len);

/**
 * drm_copy_to_user() - write @len bytes to client address @uaddr during an
 * ioctl of @file (copy_to_user(), through the front end's accessor), for
 * driver ioctls whose struct points at more output.  0 or -EFAULT.
 */
int drm_copy_to_user(struct drm_file *file, uint64_t uaddr, const void *src, size_t len);

/**
 * drm_file_fd_ops() - the client fds of the running ioctl of @file (sync_file
 * in and out fences, as VIRTGPU_EXECBUFFER's FENCE_FD_IN/OUT), or NULL when
 * the call cannot carry fds (plain CUSE without the shim): such an ioctl
 * then fails with -EOPNOTSUPP after its argument checks.
 */
const struct drm_fd_ops *drm_file_fd_ops(const struct drm_file *file);

/** drm_file_driver_priv() / drm_file_set_driver_priv() - a driver's per-file state. */
void *drm_file_driver_priv(struct drm_file *file);
void drm_file_set_driver_priv(struct drm_file *file, void *priv);

/** drm_gem_object_vaddr() - the daemon's mapping of @obj's pages. */
void *drm_gem_object_vaddr(struct drm_gem_object *obj);

/* ------------------------------------------------------------------ */
/* Framebuffers and formats (kernel: drm_framebuffer.c, drm_fourcc.c)  */
/* ------------------------------------------------------------------ */

/**
 * struct drm_format_info - layout of a DRM fourcc, as the kernel's
 * drm_format_info: planes, bytes per pixel per plane (cpp), subsampling,
 * alpha, and the legacy depth (0 where there is none).
 */
struct drm_format_info {
	uint32_t format;
	uint8_t depth;
	uint8_t num_planes;
	uint8_t cpp[4];
	uint8_t hsub, vsub;
	bool has_alpha;
	bool is_yuv;
};

/** drm_format_info() - the table entry for @format, or NULL when the core does not know it. */
const struct drm_format_info *drm_format_info(uint32_t format);

/** drm_format_name() - the fourcc as text ("XR24") into @buf (5 bytes). */
const char *drm_format_name(uint32_t format, char buf[5]);

/**
 * struct drm_framebuffer - a framebuffer: up to four GEM objects with
 * pitches and offsets (bytes), a format and a size in pixels.  Reference
 * counted: the owning file's list holds one, every plane scanning it out one.
 */
struct drm_framebuffer {
	struct drm_mode_object base;
	struct drm_device *dev;
	uint32_t refcount;
	struct drm_file *owner;
	const struct drm_format_info *format;
	uint32_t width, height;
	uint32_t pitches[4];
	uint32_t offsets[4];
	uint64_t modifier;
	uint32_t flags;
	int32_t hot_x, hot_y;           /* a legacy cursor's hotspot (MODE_CURSOR2) */
	struct drm_gem_object *obj[4];
	struct drm_list_head file_head; /* in drm_file.fbs while the file owns it */
	struct drm_list_head dev_head;  /* in drm_device.fbs */
};

/* ------------------------------------------------------------------ */
/* KMS objects (kernel: drm_connector.c, drm_encoder.c, drm_crtc.c, drm_plane.c) */
/* ------------------------------------------------------------------ */

struct drm_crtc;
struct drm_writeback_connector;

/* Pixel blend modes, the values of the "pixel blend mode" property (include/drm/drm_blend.h). */
#define DRM_MODE_BLEND_PIXEL_NONE 0
#define DRM_MODE_BLEND_PREMULTI 1
#define DRM_MODE_BLEND_COVERAGE 2

/** DRM_BLEND_ALPHA_OPAQUE - the "alpha" property's opaque value (include/drm/drm_blend.h). */
#define DRM_BLEND_ALPHA_OPAQUE 0xffff

/**
 * struct drm_plane_state - what a plane scans out: @fb's region @src_* (16.16
 * fixed point, pixels) onto @crtc at @crtc_* (integer pixels), as the
 * kernel's struct drm_plane_state.
 * @rotation: DRM_MODE_ROTATE_* | DRM_MODE_REFLECT_* (drm_mode.h); the source
 *     region is rotated counter-clockwise, then reflected, onto the CRTC
 *     rectangle (drm_blend.c, "rotation").
 * @alpha: plane opacity, 0 (transparent) to DRM_BLEND_ALPHA_OPAQUE.
 * @pixel_blend_mode: DRM_MODE_BLEND_* (above).
 * @zpos: the client's stacking order; @normalized_zpos: 0..n-1 over the
 *     planes on one CRTC, ties broken by plane index (drm_atomic_normalize_zpos()).
 * @visible: the plane shows something (fb set, CRTC active, not clipped away).
 */
struct drm_plane_state {
	struct drm_crtc *crtc;
	struct drm_framebuffer *fb;
	uint32_t src_x, src_y, src_w, src_h;
	int32_t crtc_x, crtc_y;
	uint32_t crtc_w, crtc_h;
	uint32_t rotation;
	uint16_t alpha;
	uint16_t pixel_blend_mode;
	uint32_t zpos;
	uint32_t normalized_zpos;
	bool visible;
};

/** DRM_PLANE_NO_SCALING - a 1:1 scale factor in 16.16 (include/drm/drm_atomic_helper.h). */
#define DRM_PLANE_NO_SCALING (1 << 16)

struct drm_crtc_state;
struct drm_plane;

/** struct drm_plane_funcs - driver hooks of a plane; each is optional. */
struct drm_plane_funcs {
	/**
	 * atomic_check: check @ps (fb and crtc both set, or both NULL) against
	 * the CRTC's new state @cs and set @ps->visible; 0 or -errno.  NULL
	 * means drm_atomic_helper_check_plane_state() with no scaling, free
	 * positioning and updates on a disabled CRTC (vkms_plane_atomic_check()).
	 */
	int (*atomic_check)(struct drm_plane *plane, struct drm_plane_state *ps, const struct drm_crtc_state *cs);
};

/**
 * struct drm_plane - a scanout plane: DRM_PLANE_TYPE_*, formats, the CRTCs
 * it can feed, and the optional properties the driver created for it
 * (NULL when absent): rotation, alpha, pixel blend mode and zpos.
 */
struct drm_plane {
	struct drm_mode_object base;
	struct drm_object_properties props;
	struct drm_device *dev;
	unsigned int index;
	uint32_t type;
	uint32_t possible_crtcs;
	uint32_t format_count;
	uint32_t formats[32];
	uint32_t zpos_default;
	const struct drm_plane_funcs *funcs;
	struct drm_property *rotation_property;
	struct drm_property *alpha_property;
	struct drm_property *blend_mode_property;
	struct drm_property *zpos_property;
	struct drm_property_blob *in_formats_blob;
	struct drm_plane_state state;
};

/**
 * struct drm_crtc_state - @enable: a mode is set; @active: it is lit (DPMS
 * on); @mode: the mode; @mode_blob: its MODE_ID blob while enabled.
 */
struct drm_crtc_state {
	bool enable;
	bool active;
	bool vrr_enabled;
	struct drm_mode_modeinfo mode;
	struct drm_property_blob *mode_blob;
	/*
	 * GAMMA_LUT: a blob of struct drm_color_lut entries, or NULL for none
	 * (pass-through); @color_mgmt_changed: this commit replaced it (the
	 * kernel's flag, cleared when the state is duplicated).
	 */
	struct drm_property_blob *gamma_lut;
	bool color_mgmt_changed;
};

struct drm_pending_event;
struct drm_fence;
struct drm_atomic_deferred;

/** struct drm_crtc_funcs - driver hooks of a CRTC; each is optional. */
struct drm_crtc_funcs {
	/** mode_valid: MODE_OK (0) or a reason; called for every mode set. */
	int (*mode_valid)(struct drm_crtc *crtc, const struct drm_mode_modeinfo *mode);
	/** enable: the CRTC was lit with state.mode; start vblank interrupts. */
	void (*enable)(struct drm_crtc *crtc);
	/** disable: the CRTC was turned off; stop vblank interrupts. */
	void (*disable)(struct drm_crtc *crtc);
	/** flush: plane states feeding the CRTC changed (new fb, new source). */
	void (*flush)(struct drm_crtc *crtc);
	/** capture: compose what the CRTC shows into XRGB8888 @pixels (@w x @h); 0 or -errno. */
	int (*capture)(struct drm_crtc *crtc, uint32_t *pixels, uint32_t w, uint32_t h);
	/**
	 * set_crc_source: start computing frame CRCs from @source (checked by
	 * verify_crc_source), or stop for NULL; entries go to
	 * drm_crtc_add_crc_entry().  0 or -errno (struct drm_crtc_funcs.set_crc_source).
	 */
	int (*set_crc_source)(struct drm_crtc *crtc, const char *source);
	/**
	 * verify_crc_source: 0 and *@values_cnt (1..DRM_MAX_CRC_NR) for a
	 * source the driver knows (NULL: none), else -EINVAL.  Both CRC hooks
	 * or neither.
	 */
	int (*verify_crc_source)(struct drm_crtc *crtc, const char *source, size_t *values_cnt);
	/**
	 * atomic_check: the driver's check of the CRTC's new @state, run in
	 * drm_atomic_check_only() before the helper checks (where vkms's
	 * vkms_atomic_check() runs); 0 or -errno, which fails the request.
	 */
	int (*atomic_check)(struct drm_crtc *crtc, const struct drm_crtc_state *state);
};

/**
 * struct drm_crtc_crc - a CRTC's frame CRC capture (the kernel's struct
 * drm_crtc_crc): the selected @source ("auto" initially), whether a
 * capture is open and by which file, and a ring of DRM_CRC_ENTRIES_NR
 * entries (@head: next write, @tail: next read), allocated while open.
 */
struct drm_crtc_crc {
	char source[32];
	bool opened;
	bool overflow;
	struct drm_file *owner;
	struct drm_crc_line *entries;
	unsigned int head, tail;
	size_t values_cnt;
};

/**
 * struct drm_crtc - a CRTC: its primary and cursor planes, state, vblank
 * counter and timestamp (ns, CLOCK_MONOTONIC) and at most one pending page
 * flip.  @vblank_count counts vblanks since device creation.
 */
struct drm_crtc {
	struct drm_mode_object base;
	struct drm_object_properties props;
	struct drm_device *dev;
	unsigned int index;
	struct drm_plane *primary;
	struct drm_plane *cursor;
	uint32_t gamma_size;
	uint16_t *gamma_store;          /* the legacy LUT, 3 x @gamma_size (red, green, blue), or NULL */
	const struct drm_crtc_funcs *funcs;
	struct drm_crtc_state state;
	int32_t cursor_x, cursor_y;     /* the legacy cursor's position (MODE_CURSOR MOVE) */
	uint64_t vblank_count;
	uint64_t vblank_time_ns;
	struct drm_waitq vblank_queue;   /* blocking WAIT_VBLANKs (drm_vblank.c) */
	bool flip_pending;
	struct drm_pending_event *flip_event;
	struct drm_fence *flip_fence;    /* the pending flip's out-fence (OUT_FENCE_PTR), signalled at flip_done */
	struct drm_atomic_deferred *deferred; /* a nonblocking commit waiting for its in-fences */
	uint64_t flip_count;             /* flips that reached flip_done (drm_device_stats.crtc_flips) */
	struct drm_crtc_crc crc;
	void *driver_private;
};

/** struct drm_encoder - an encoder: DRM_MODE_ENCODER_*, the CRTCs it can take input from. */
struct drm_encoder {
	struct drm_mode_object base;
	struct drm_device *dev;
	unsigned int index;
	uint32_t type;
	uint32_t possible_crtcs;
	uint32_t possible_clones;
	struct drm_crtc *crtc; /* current route, NULL when idle */
};

/**
 * struct drm_connector - a connector: DRM_MODE_CONNECTOR_* and its per-type
 * index, status (DRM_MODE_CONNECTED = 1 ...), size in mm, the modes from its
 * EDID, and the encoder it can use.
 */
struct drm_connector {
	struct drm_mode_object base;
	struct drm_object_properties props;
	struct drm_device *dev;
	unsigned int index;
	uint32_t type;
	uint32_t type_id;
	uint32_t status;
	uint32_t mm_width, mm_height;
	uint32_t subpixel;
	struct drm_encoder *encoder;   /* the one possible encoder */
	struct drm_crtc *crtc;         /* current route, NULL when idle */
	uint32_t dpms;
	struct drm_property_blob *edid_blob;
	struct drm_mode_modeinfo *modes;
	uint32_t count_modes;
	struct drm_writeback_connector *writeback; /* DRM_MODE_CONNECTOR_WRITEBACK only, else NULL */
};

/**
 * struct drm_writeback_connector - what a writeback connector adds (the
 * kernel's struct drm_writeback_connector, drm_writeback.c): the formats
 * it writes (WRITEBACK_PIXEL_FORMATS, a blob of uint32_t fourccs), the
 * driver's check of a job, and the job the last commit queued.
 * @atomic_check: the encoder's atomic_check for a job with framebuffer @fb
 *     on a CRTC whose new state is @cs (vkms_wb_encoder_atomic_check(): the
 *     fb must have the mode's size); 0 or -errno.  NULL: no check beyond
 *     the core's (the format must be in @pixel_formats).
 * @job_fb: the framebuffer of the queued job (a reference), NULL when none.
 *     A commit with WRITEBACK_FB_ID queues it; the driver writes the next
 *     composed frame into it and calls drm_writeback_signal_completion().
 *     A newer commit replaces a job not yet done (that one is dropped, its
 *     fence signalled with -ECANCELED).
 * @job_fence: the job's out-fence (WRITEBACK_OUT_FENCE_PTR; a reference), or NULL.
 */
struct drm_writeback_connector {
	struct drm_connector *base;
	struct drm_property_blob *pixel_formats;
	int (*atomic_check)(struct drm_connector *conn, struct drm_framebuffer *fb, const struct drm_crtc_state *cs);
	struct drm_framebuffer *job_fb;
	struct drm_fence *job_fence;
};

/* ------------------------------------------------------------------ */
/* Driver and device                                                    */
/* ------------------------------------------------------------------ */

/**
 * struct drm_pci_device_id - one PCI vendor:device pair a driver takes
 * (include/linux/mod_devicetable.h's struct pci_device_id, without
 * subsystem and class matching).
 */
struct drm_pci_device_id {
	uint16_t vendor;
	uint16_t device;
};

/**
 * struct drm_driver - a driver core, as the kernel's struct drm_driver: the
 * identity DRM_IOCTL_VERSION reports, features (DRIVER_*), hooks and its
 * private ioctl table (numbers DRM_COMMAND_BASE + i).
 */
struct drm_driver {
	const char *name;
	const char *desc;
	const char *date;
	int major, minor, patchlevel;
	uint32_t driver_features;
	/** load: create the KMS objects; 0 or -errno. */
	int (*load)(struct drm_device *dev);
	/** unload: stop timers and free driver state.  Called without the device lock. */
	void (*unload)(struct drm_device *dev);
	/** open: a file was opened (set up per-file state); 0 or -errno.  Device lock held. */
	int (*open)(struct drm_device *dev, struct drm_file *file);
	/** postclose: a file is going away (free per-file state).  Device lock held. */
	void (*postclose)(struct drm_device *dev, struct drm_file *file);
	/** dumb_create: NULL means the core's shmem dumb buffers (drm_gem_shmem_dumb_create). */
	int (*dumb_create)(struct drm_file *file, struct drm_device *dev, struct drm_mode_create_dumb *args);
	/**
	 * gem_free_object: the last reference to @obj is going; release what the
	 * driver hung on it (driver_private: DMA mappings, device resources)
	 * before the core frees its memory (the kernel's drm_gem_object_funcs.free).
	 * Device lock held.  Optional.
	 */
	void (*gem_free_object)(struct drm_gem_object *obj);
	/**
	 * gem_open_object: @file got a new handle to @obj (the kernel's
	 * drm_gem_object_funcs.open; virtio_gpu attaches the resource to the
	 * file's 3D context).  0, or -errno, which makes the handle go again.
	 * Device lock held.  Optional.
	 */
	int (*gem_open_object)(struct drm_gem_object *obj, struct drm_file *file);
	/**
	 * gem_close_object: @file dropped a handle to @obj, by GEM_CLOSE or at
	 * close before postclose (drm_gem_object_funcs.close).  Device lock
	 * held.  Optional.
	 */
	void (*gem_close_object)(struct drm_gem_object *obj, struct drm_file *file);
	/**
	 * dirtyfb: DIRTYFB on @fb with @num_clips damage rectangles @clips
	 * (pixels, already copied from the client; none means the whole fb),
	 * as drm_framebuffer_funcs.dirty.  0 or -errno.  NULL: the ioctl
	 * answers -ENOSYS, as for drivers without the hook.
	 */
	int (*dirtyfb)(struct drm_framebuffer *fb, struct drm_file *file, uint32_t flags, uint32_t color,
		       const struct drm_clip_rect *clips, uint32_t num_clips);
	/**
	 * pci_ids: for hardware drivers, the PCI functions the driver drives
	 * (the kernel's pci_device_id table), ended by a zero vendor; the front
	 * end picks the driver of a --device by it (drm_driver_find_pci()).
	 */
	const struct drm_pci_device_id *pci_ids;
	const struct drm_ioctl_desc *ioctls;
	int num_ioctls;
};

/**
 * struct drm_mode_config - device-wide KMS limits, as the kernel's drm_mode_config.
 * @no_vblank: the driver has no vblank interrupt (it never calls the
 *     kernel's drm_vblank_init(), as virtio_gpu): the vblank ioctls answer
 *     EOPNOTSUPP and a commit's flip events go out when the commit is done
 *     (drm_atomic_helper_fake_vblank()), with vblank count 0.
 */
struct drm_mode_config {
	bool no_vblank;
	uint32_t min_width, min_height, max_width, max_height;
	uint32_t preferred_depth;
	uint32_t prefer_shadow;
	uint32_t cursor_width, cursor_height;
	bool async_page_flip;
	bool fb_modifiers_not_supported;
};

/* Devices hold a fixed number of each KMS object; enough for vkms's 4 CRTCs. */
#define DRM_MAX_CRTCS 4
#define DRM_MAX_PLANES 32
#define DRM_MAX_CONNECTORS 8

/** drm_dev_lock() / drm_dev_unlock() - the device lock, for drivers' timer callbacks. */
void drm_dev_lock(struct drm_device *dev);
void drm_dev_unlock(struct drm_device *dev);

/** drm_dev_mode_config() - the device's KMS limits, filled in by the driver's load hook. */
struct drm_mode_config *drm_dev_mode_config(struct drm_device *dev);

/**
 * drm_dev_pci() - the PCI function the device was created for
 * (drm_device_create_pci(); the kernel's to_pci_dev(dev->dev)), or NULL for
 * software drivers.  Valid until the device is destroyed.
 */
struct drm_pci_dev *drm_dev_pci(struct drm_device *dev);

/** drm_dev_options() - the options the device was created with ("" when none). */
const char *drm_dev_options(const struct drm_device *dev);

/** drm_dev_set_private() / drm_dev_private() - the driver's per-device state. */
void drm_dev_set_private(struct drm_device *dev, void *priv);
void *drm_dev_private(struct drm_device *dev);

/* Object creation, for load hooks.  Each returns NULL on ENOMEM or when the fixed limit is hit. */

/**
 * drm_plane_create() - a plane of DRM_PLANE_TYPE_@type for CRTC mask
 * @possible_crtcs, accepting @formats (@count fourccs, at most 32), with the
 * kernel's "type" property and the atomic plane properties.
 */
struct drm_plane *drm_plane_create(struct drm_device *dev, uint32_t possible_crtcs, uint32_t type,
				   const uint32_t *formats, uint32_t count);

/**
 * drm_plane_create_rotation_property() - the plane's "rotation" bitmask
 * property: @supported (DRM_MODE_ROTATE_* | DRM_MODE_REFLECT_*, must include
 * @rotation), default @rotation (drm_plane_create_rotation_property()).
 * 0, -EINVAL or -ENOMEM.
 */
int drm_plane_create_rotation_property(struct drm_plane *plane, uint32_t rotation, uint32_t supported);

/** drm_plane_create_alpha_property() - "alpha", 0..DRM_BLEND_ALPHA_OPAQUE, default opaque; 0 or -ENOMEM. */
int drm_plane_create_alpha_property(struct drm_plane *plane);

/**
 * drm_plane_create_blend_mode_property() - "pixel blend mode" with the
 * modes in @supported (bits 1 << DRM_MODE_BLEND_*, must include PREMULTI),
 * default "Pre-multiplied".  0, -EINVAL or -ENOMEM.
 */
int drm_plane_create_blend_mode_property(struct drm_plane *plane, uint32_t supported);

/**
 * drm_plane_create_zpos_property() - a mutable "zpos" range @min..@max with
 * default @zpos (drm_plane_create_zpos_property()).  0 or -ENOMEM.
 */
int drm_plane_create_zpos_property(struct drm_plane *plane, uint32_t zpos, uint32_t min, uint32_t max);

/**
 * drm_atomic_helper_check_plane_state() - the kernel helper of the same
 * name: @ps against its CRTC's new state @cs.  The source (rotated by
 * ps->rotation) over the CRTC rectangle must scale within
 * [@min_scale, @max_scale] (16.16; -ERANGE otherwise); the CRTC rectangle
 * is clipped to the mode and @ps->visible says whether anything is left.
 * Without @can_position a visible plane must cover the whole CRTC
 * (-EINVAL); without @can_update_disabled a plane on a disabled CRTC is
 * refused (-EINVAL).
 */
int drm_atomic_helper_check_plane_state(struct drm_plane_state *ps, const struct drm_crtc_state *cs,
					int min_scale, int max_scale, bool can_position,
					bool can_update_disabled);

/** drm_crtc_create() - a CRTC fed by @primary (and @cursor, may be NULL) with hooks @funcs. */
struct drm_crtc *drm_crtc_create(struct drm_device *dev, struct drm_plane *primary,
				 struct drm_plane *cursor, const struct drm_crtc_funcs *funcs);

/** DRM_GAMMA_SIZE_MAX - the largest legacy gamma table a CRTC may have, in entries. */
#define DRM_GAMMA_SIZE_MAX 4096u

/**
 * drm_mode_crtc_set_gamma_size() - give @crtc a legacy gamma table of
 * @gamma_size entries (GETCRTC's gamma_size, MODE_GETGAMMA/SETGAMMA),
 * initialised linear (entry i = i << 8) as the kernel's function of that
 * name.  Returns 0, -EINVAL (0 or over DRM_GAMMA_SIZE_MAX) or -ENOMEM.
 */
int drm_mode_crtc_set_gamma_size(struct drm_crtc *crtc, uint32_t gamma_size);

/**
 * drm_crtc_enable_color_mgmt() - attach GAMMA_LUT (blob of struct
 * drm_color_lut, none at first) and GAMMA_LUT_SIZE (@gamma_lut_size,
 * immutable) to @crtc, as the kernel's function with no degamma LUT and no
 * CTM; 0 does nothing.  MODE_SETGAMMA then commits through GAMMA_LUT.
 * Returns 0 or -ENOMEM.
 */
int drm_crtc_enable_color_mgmt(struct drm_crtc *crtc, uint32_t gamma_lut_size);

/** drm_color_lut_size() - entries (struct drm_color_lut, 8 bytes) in a GAMMA_LUT @blob; 0 for NULL. */
uint32_t drm_color_lut_size(const struct drm_property_blob *blob);

/** drm_encoder_create() - an encoder of DRM_MODE_ENCODER_@type for CRTC mask @possible_crtcs. */
struct drm_encoder *drm_encoder_create(struct drm_device *dev, uint32_t type, uint32_t possible_crtcs);

/**
 * drm_connector_create() - a connector of DRM_MODE_CONNECTOR_@type using
 * @encoder, with EDID, DPMS, link-status, non-desktop and CRTC_ID properties.
 */
struct drm_connector *drm_connector_create(struct drm_device *dev, uint32_t type,
					   struct drm_encoder *encoder);

/**
 * drm_writeback_connector_create() - a DRM_MODE_CONNECTOR_WRITEBACK
 * connector using @encoder (drm_writeback_connector_init()), connected,
 * with the DPMS, link-status, non-desktop and CRTC_ID properties and the
 * writeback ones: WRITEBACK_FB_ID, WRITEBACK_OUT_FENCE_PTR and
 * WRITEBACK_PIXEL_FORMATS (@formats, @count fourccs).  Only files with
 * DRM_CLIENT_CAP_WRITEBACK_CONNECTORS see it in GETRESOURCES.
 * @atomic_check: see struct drm_writeback_connector.  NULL on ENOMEM or
 * when the connector limit is hit.
 */
struct drm_connector *drm_writeback_connector_create(struct drm_device *dev, struct drm_encoder *encoder,
						     const uint32_t *formats, uint32_t count,
						     int (*atomic_check)(struct drm_connector *conn,
									 struct drm_framebuffer *fb,
									 const struct drm_crtc_state *cs));

/**
 * drm_writeback_signal_completion() - the driver finished the queued job of
 * @conn (@status 0) or gave it up (-errno): its out-fence signals with
 * @status and the framebuffer is released (drm_writeback.c).  Nothing when
 * no job is queued.  Device lock held.
 */
void drm_writeback_signal_completion(struct drm_connector *conn, int status);

/**
 * drm_connector_update_edid() - set the connector's EDID (@len bytes, a
 * multiple of 128; NULL clears it), update its EDID property blob, size in mm
 * and mode list from it, and its status (@connected).  Returns 0, -EINVAL for
 * an EDID that does not parse, or -ENOMEM.
 */
int drm_connector_update_edid(struct drm_connector *conn, const uint8_t *edid, size_t len,
			      bool connected);

/**
 * drm_crtc_plane_states() - the visible planes feeding @crtc, bottom first
 * (ascending normalized_zpos), as vkms_composer.c walks crtc_state->active_planes.
 * Writes at most @max pointers to @out and returns how many.  Device lock held.
 */
unsigned int drm_crtc_plane_states(struct drm_crtc *crtc, const struct drm_plane_state **out,
				   unsigned int max);

/** drm_crtc_from_index() - CRTC number @index, or NULL. */
struct drm_crtc *drm_crtc_from_index(struct drm_device *dev, unsigned int index);

/**
 * drm_crtc_handle_vblank() - a vblank happened on @crtc at @timestamp_ns
 * (CLOCK_MONOTONIC); @count vblanks passed since the last call (more than 1
 * when the timer ran late).  Completes a pending page flip and sends its
 * event.  Takes the device lock itself; ignored while the CRTC is off.
 */
void drm_crtc_handle_vblank(struct drm_crtc *crtc, uint64_t timestamp_ns, uint64_t count);

/**
 * drm_crtc_add_crc_entry() - queue the CRCs of one frame (@crcs holds
 * values_cnt values; @frame is meaningful when @has_frame) for the
 * capture open on @crtc (drm_debugfs_crc.c).  Returns 0, -EINVAL when no
 * capture is open, or -ENOBUFS when the queue is full (the reader is too
 * slow; logged once per capture).  Device lock held.
 */
int drm_crtc_add_crc_entry(struct drm_crtc *crtc, bool has_frame, uint32_t frame, const uint32_t *crcs);

/** drm_mode_frame_duration_ns() - one frame of @mode in nanoseconds (htotal * vtotal / clock). */
uint64_t drm_mode_frame_duration_ns(const struct drm_mode_modeinfo *mode);

/* ------------------------------------------------------------------ */
/* EDID (kernel: drm_edid.c; VESA E-EDID 1.4, VESA DMT 1.0 r13)         */
/* ------------------------------------------------------------------ */

/** struct drm_edid_params - what drm_edid_build() puts into an EDID base block. */
struct drm_edid_params {
	const char *vendor;         /* three capital letters, the PNP id */
	uint16_t product;
	uint32_t serial;
	const char *monitor_name;   /* up to 13 characters */
	uint32_t width_mm, height_mm;
	const struct drm_mode_modeinfo *preferred; /* becomes the first detailed timing */
};

/**
 * drm_edid_build() - write a valid 128-byte EDID 1.4 base block into @edid:
 * the preferred detailed timing, the established timings 640x480, 800x600 and
 * 1024x768 at 60 Hz, standard timings for the common DMT modes up to
 * 1920x1080, a range-limits and a monitor-name descriptor, and the checksum.
 * Returns 0 or -EINVAL for bad parameters.
 */
int drm_edid_build(const struct drm_edid_params *p, uint8_t edid[128]);

/**
 * drm_edid_parse_modes() - the modes an EDID advertises, as drm_add_edid_modes()
 * finds them in the base block: detailed timings (the first one marked
 * preferred), established timings and standard timings (DMT).  Duplicates
 * are dropped.  Writes at most @max modes to @modes and returns how many, or
 * -EINVAL when the header or a checksum is wrong.
 */
int drm_edid_parse_modes(const uint8_t *edid, size_t len, struct drm_mode_modeinfo *modes,
			 unsigned int max, uint32_t *width_mm, uint32_t *height_mm);

/** drm_mode_dmt() - the VESA DMT timing for @w x @h at @refresh Hz, or NULL. */
const struct drm_mode_modeinfo *drm_mode_dmt(uint32_t w, uint32_t h, uint32_t refresh);

#endif
