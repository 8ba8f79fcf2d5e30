/*
 * drm_core.h - the OS-neutral DRM core, as a front end sees it.
 *
 * A front end (cuse-drm/ on Linux, the drm: scheme daemon on Redox) creates a
 * struct drm_device for one driver, opens a struct drm_file per open() of a
 * node, and forwards ioctl(), read() and poll() here.  Everything is
 * serialised by one device lock taken inside these functions.
 *
 * Source of truth: the Linux DRM uAPI (libdrm's drm.h, drm_mode.h) and the
 * kernel's drivers/gpu/drm/drm_ioctl.c, drm_file.c, drm_gem.c, drm_mode_*.c.
 */
#ifndef CUSE_DRM_CORE_H
#define CUSE_DRM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct drm_device;
struct drm_file;
struct drm_driver;
struct drm_shmem;

/**
 * DRM_ERETRY - returned (negated) by a user-memory accessor, and passed up by
 * drm_ioctl(), when the client memory needed is not available in this round.
 * The CUSE front end then answers FUSE_IOCTL with a RETRY naming the ranges it
 * recorded, and calls drm_ioctl() again with them (DESIGN.md decision 3).
 * Not a Linux errno; never reaches a client.
 */
#define DRM_ERETRY 4096

/**
 * DRM_EPENDING - returned (negated) by drm_ioctl_async() when the ioctl
 * waits (SYNCOBJ_WAIT, ...): it is parked on its struct drm_wait, and the
 * front end keeps the client's request until drm_wait.wake runs, then calls
 * drm_ioctl_async() again with the same arguments (DESIGN.md decision 4).
 * Not a Linux errno; never reaches a client.
 */
#define DRM_EPENDING 4097

/**
 * struct drm_user_mem - accessor for client memory (DESIGN.md decision 3).
 *
 * The core never dereferences a client address.  Addresses are the client's
 * virtual addresses as 64-bit integers (the uAPI's __u64 pointers).
 *
 * @copy_from: copy @len bytes at client address @uaddr into @dst.  Returns 0,
 *     -EFAULT when the client memory is not readable, or -DRM_ERETRY when the
 *     range is not available yet (the accessor records it; the handler must
 *     return the error unchanged, having changed no state).
 * @copy_to: copy @len bytes from @src to client address @uaddr.  Returns 0 or
 *     -EFAULT.  When the range is not available yet, the accessor records it
 *     and returns 0 (the write is dropped); the front end will rerun the whole
 *     ioctl, so a handler that writes client memory after changing state must
 *     first call @prepare_to for that range.
 * @prepare_to: declare that @uaddr/@len will be written.  Returns 0 when it
 *     can be, -DRM_ERETRY when the range was recorded for the next round, or
 *     -EFAULT.
 * @ctx: passed to the callbacks.
 */
struct drm_user_mem {
	int (*copy_from)(void *ctx, void *dst, uint64_t uaddr, size_t len);
	int (*copy_to)(void *ctx, uint64_t uaddr, const void *src, size_t len);
	int (*prepare_to)(void *ctx, uint64_t uaddr, size_t len);
	void *ctx;
};

/** enum drm_minor_type - node type; values match the kernel's enum drm_minor_type. */
enum drm_minor_type {
	DRM_MINOR_PRIMARY = 0,
	DRM_MINOR_RENDER = 2,
};

/**
 * struct drm_caller - who makes a call, as the front end learned it (on Linux
 * from fuse_req_ctx()).
 * @privileged: stands for capable(CAP_SYS_ADMIN) when @capable is NULL.
 * @capable: when set, asked instead of @privileged, and only when the core
 *     needs the answer (opening a file, master changes, GETFB handles), since
 *     finding out may cost a system call or two.
 */
struct drm_fd_ops;
struct drm_wait_state;

struct drm_caller {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
	bool privileged;
	bool (*capable)(const struct drm_caller *caller);
	/** @fds: the client's file descriptors for this call, or NULL (see struct drm_fd_ops). */
	const struct drm_fd_ops *fds;
};

struct drm_syncobj;
struct drm_fence;

/**
 * struct drm_notifier - something the front end signals for the core, such
 * as a client's eventfd (SYNCOBJ_EVENTFD).  Both hooks run with the device
 * lock held and must not block or call into the core.
 * @signal: eventfd_signal(): add 1 to the counter.
 * @release: the core is done with it (after @signal, or when its syncobj dies).
 */
struct drm_notifier {
	void (*signal)(struct drm_notifier *n);
	void (*release)(struct drm_notifier *n);
};

/**
 * struct drm_fd_ops - the client file descriptors of one call, for the
 * ioctls that take or return one: SYNCOBJ_HANDLE_TO_FD and _FD_TO_HANDLE
 * (opaque syncobj fds and sync_file fds) and SYNCOBJ_EVENTFD.  On Linux the
 * client shim carries those ioctls over the side channel with the fd; a call
 * without @fds (plain CUSE) fails them with EOPNOTSUPP after the argument
 * checks.  Every hook runs with the device lock held.
 *
 * @syncobj_to_fd: make a new fd standing for @syncobj (taking a reference
 *     with drm_syncobj_get()); the client learns its number, so *@fd is only
 *     a placeholder.  0 or -errno.
 * @fd_to_syncobj: the syncobj the call's fd stands for, with a new
 *     reference; -EBADF when the call carries no fd, -EINVAL when it is not
 *     a syncobj fd of this device.
 * @fence_to_sync_file: make a sync_file fd for @fence (taking a reference).
 * @sync_file_to_fence: the fence of the call's sync_file fd, with a new
 *     reference; -EBADF or -EINVAL as above.
 * @eventfd_get: the call's fd as an eventfd notifier; -EBADF when there is
 *     none, -EINVAL when it is not an eventfd.
 * @ctx: passed to the hooks.
 */
struct drm_fd_ops {
	int (*syncobj_to_fd)(void *ctx, struct drm_syncobj *syncobj, int32_t *fd);
	int (*fd_to_syncobj)(void *ctx, int32_t fd, struct drm_syncobj **syncobj);
	int (*fence_to_sync_file)(void *ctx, struct drm_fence *fence, int32_t *fd);
	int (*sync_file_to_fence)(void *ctx, int32_t fd, struct drm_fence **fence);
	int (*eventfd_get)(void *ctx, int32_t fd, struct drm_notifier **notifier);
	void *ctx;
};

/**
 * struct drm_wait - a parked ioctl, owned by the front end (DESIGN.md
 * decision 4).  Zero it, set @wake, and pass it to drm_ioctl_async().
 * @wake: called (device lock held; must not block or call into the core)
 *     when the parked ioctl should run again: a fence signalled, a queue
 *     was woken, or its deadline passed.  Called at most once per run.
 * @state: the core's; NULL when nothing is parked.
 */
struct drm_wait {
	void (*wake)(struct drm_wait *w);
	struct drm_wait_state *state;
};

/**
 * struct drm_device_stats - live object counts, for leak checks (DESIGN.md
 * decision 7) and `drmctl stats`.
 */
struct drm_device_stats {
	uint32_t files;          /* open struct drm_file */
	uint32_t gem_objects;    /* live GEM objects */
	uint32_t gem_handles;    /* handles over all files */
	uint32_t framebuffers;   /* live framebuffers */
	uint32_t blobs;          /* property blobs (including the driver's own, e.g. EDID) */
	uint32_t pending_events; /* events queued or reserved over all files */
	uint32_t has_master;     /* 1 while the device has a current master */
	uint32_t syncobjs;       /* live syncobjs (handles, fds and waits hold them) */
	uint64_t gem_bytes;      /* bytes of GEM backing store */
	uint32_t fences;         /* live fences of every kind, process-wide */
	uint32_t parked_ioctls;  /* ioctls waiting without a thread (DESIGN.md decision 4) */
	uint64_t crtc_flips[4];  /* per CRTC index: commits and page flips that reached their vblank */
	/*
	 * A PCI device's live IOMMU mappings (drm_platform_pci_dma_stats(),
	 * core/platform_pci.h), 0 for software drivers: GEM objects mapped for
	 * the device plus coherent memory (virtqueues, rings).  A client that
	 * dies returns them to the driver's baseline (DESIGN.md decision 7).
	 */
	uint32_t dma_mappings;   /* live DMA mappings, coherent ones included */
	uint32_t dma_coherent;   /* how many of them are coherent allocations */
	uint64_t dma_bytes;      /* bytes they cover (page-rounded) */
};

/* ------------------------------------------------------------------ */
/* Devices                                                             */
/* ------------------------------------------------------------------ */

/**
 * drm_driver_find() - look up a built-in driver by its DRM name ("vkms").
 * Returns NULL when there is none.
 */
const struct drm_driver *drm_driver_find(const char *name);

/** drm_driver_names() - NULL-terminated list of the built-in drivers' names. */
const char *const *drm_driver_names(void);

/**
 * drm_device_create() - create a device for @driver and run its load hook.
 * Returns 0 and sets *@out, or a negative errno.
 */
int drm_device_create(const struct drm_driver *driver, struct drm_device **out);

/**
 * drm_device_create_with_options() - drm_device_create() with the driver's
 * options, a "key=value,key=value" string the load hook reads (as a
 * kernel module's parameters; see each driver).  @options must outlive the
 * device; NULL means none.  A load hook refuses options it does not know
 * with -EINVAL.
 */
int drm_device_create_with_options(const struct drm_driver *driver, const char *options,
				   struct drm_device **out);

struct drm_pci_dev;

/**
 * drm_driver_find_pci() - the built-in driver whose pci_ids table names
 * @vendor:@device (virtio-gpu: 1af4:1050), or NULL.
 */
const struct drm_driver *drm_driver_find_pci(uint16_t vendor, uint16_t device);

/**
 * drm_device_create_pci() - drm_device_create_with_options() for a hardware
 * driver: @pci (an opened PCI function, see core/platform_pci.h) is what
 * the load hook finds with drm_dev_pci().  The caller keeps ownership of
 * @pci and closes it after drm_device_destroy().  Returns as
 * drm_device_create_with_options(); the load hook's errno when the device
 * cannot be brought up.
 */
int drm_device_create_pci(const struct drm_driver *driver, const char *options, struct drm_pci_dev *pci,
			  struct drm_device **out);

/**
 * drm_device_destroy() - unload the driver and free the device.  All files
 * must have been released.
 */
void drm_device_destroy(struct drm_device *dev);

/** drm_device_driver_name() - the name DRM_IOCTL_VERSION reports ("vkms"). */
const char *drm_device_driver_name(const struct drm_device *dev);

/** drm_device_has_render_node() - whether the driver serves a render node (DRIVER_RENDER). */
bool drm_device_has_render_node(const struct drm_device *dev);

/**
 * drm_device_set_prime_transport() - the front end can carry dma-buf fds to
 * and from clients (on Linux: the client shim and the side channel), so
 * PRIME works and DRM_CAP_PRIME reports import and export for GEM drivers.
 * Without it, PRIME_HANDLE_TO_FD and PRIME_FD_TO_HANDLE reaching the core
 * fail with EOPNOTSUPP after their argument checks.
 */
void drm_device_set_prime_transport(struct drm_device *dev, bool available);

/** drm_device_get_stats() - snapshot of the live object counts. */
void drm_device_get_stats(struct drm_device *dev, struct drm_device_stats *stats);

/* ------------------------------------------------------------------ */
/* Files (kernel: drm_file.c)                                          */
/* ------------------------------------------------------------------ */

/**
 * drm_file_open() - open(2) of a node of type @type by @caller.
 *
 * Mirrors drm_open(): on a primary node the first opener while the device has
 * no master becomes master.  Returns 0 and *@out, or -ENOMEM.
 */
int drm_file_open(struct drm_device *dev, enum drm_minor_type type,
		  const struct drm_caller *caller, struct drm_file **out);

/**
 * drm_file_release() - the last close of an open file.  Frees its GEM
 * handles, framebuffers (turning off what scans them out), pending events
 * and master status, as drm_release() does.
 */
void drm_file_release(struct drm_file *file);

/**
 * drm_ioctl() - dispatch one ioctl, as the kernel's drm_ioctl() does.
 * @cmd: the ioctl number as the client passed it.
 * @arg: the client address of the argument struct.
 * @um: accessor for client memory.
 *
 * The argument struct is read with @um (for _IOC_WRITE) and written back
 * (for _IOC_READ), even when the handler fails, as the kernel does.
 * Returns 0, a negative errno for the client, or -DRM_ERETRY (see there).
 */
int drm_ioctl(struct drm_file *file, unsigned int cmd, uint64_t arg,
	      const struct drm_user_mem *um, const struct drm_caller *caller);

/**
 * drm_ioctl_async() - drm_ioctl() for a front end that can keep a request
 * waiting.  Returns as drm_ioctl(), or -DRM_EPENDING: the ioctl is parked on
 * @w, nothing was written to client memory, and @w->wake will be called;
 * the front end then calls drm_ioctl_async() again with the same arguments
 * and @w, or gives up with drm_wait_cancel().  With @w NULL an ioctl that
 * would wait fails with -EAGAIN.
 */
int drm_ioctl_async(struct drm_file *file, unsigned int cmd, uint64_t arg,
		    const struct drm_user_mem *um, const struct drm_caller *caller,
		    struct drm_wait *w);

/**
 * drm_wait_cancel() - forget the parked ioctl of @w (the client was
 * interrupted, or the daemon is stopping); the front end answers the
 * client itself (EINTR, ENODEV).  A no-op when nothing is parked.
 */
void drm_wait_cancel(struct drm_device *dev, struct drm_wait *w);

/**
 * drm_device_lock() / drm_device_unlock() - the device lock, for front ends
 * that drop references to core objects (syncobjs, fences) outside a call.
 */
void drm_device_lock(struct drm_device *dev);
void drm_device_unlock(struct drm_device *dev);

/** drm_syncobj_get() - take a reference to @syncobj (device lock held). */
struct drm_syncobj *drm_syncobj_get(struct drm_syncobj *syncobj);
/** drm_syncobj_put() - drop a reference (device lock held); NULL is a no-op. */
void drm_syncobj_put(struct drm_syncobj *syncobj);

/**
 * drm_device_enable_syncobj() - give the device DRIVER_SYNCOBJ and
 * DRIVER_SYNCOBJ_TIMELINE although its driver does not ask for them (the
 * daemon's --syncobj, as newer kernels' drivers have them): the syncobj
 * ioctls then work and DRM_CAP_SYNCOBJ(_TIMELINE) report 1.  Call before
 * any file is opened.
 */
void drm_device_enable_syncobj(struct drm_device *dev);

/**
 * drm_ioctl_arg_size() - the argument struct's size in bytes that the core
 * will read and write for @cmd, and whether it reads (@in) and writes (@out)
 * it.  The CUSE front end uses it to ask for the struct in the first RETRY
 * round.  Returns false when the core does not know @cmd (the ioctl then
 * fails without touching client memory).
 */
bool drm_ioctl_arg_size(struct drm_device *dev, unsigned int cmd, size_t *size,
			bool *in, bool *out);

/**
 * drm_read() - read(2): copy whole pending events into @buf (@len bytes).
 * Never blocks.  Returns the bytes copied (0 when the first event does not
 * fit), or -EAGAIN when there is no event; the front end then parks a
 * blocking read until the event notification fires.
 */
long drm_read(struct drm_file *file, void *buf, size_t len);

/** drm_poll() - true when an event is pending (EPOLLIN | EPOLLRDNORM). */
bool drm_poll(struct drm_file *file);

/**
 * drm_file_set_event_notify() - @notify(@ctx) is called whenever an event is
 * queued on @file, with the device lock held.  It may call drm_read() and
 * drm_poll() (the lock is recursive) but nothing that blocks.
 */
void drm_file_set_event_notify(struct drm_file *file, void (*notify)(void *ctx), void *ctx);

/**
 * drm_gem_mmap_lookup() - what mmap(2) of @len bytes at fake offset @offset
 * on @file maps, as drm_gem_mmap() finds it: the GEM object whose mmap offset
 * node starts at @offset, which @file must hold a handle to, and whose size
 * covers @len.  On success *@shmem holds a new reference (drop it with
 * drm_platform_shmem_put()).  Returns 0, -EINVAL for a bad range, or
 * -EACCES when @file holds no handle to the object.
 */
int drm_gem_mmap_lookup(struct drm_file *file, uint64_t offset, uint64_t len,
			struct drm_shmem **shmem);

/**
 * drm_gem_vm_open() - mmap(2) of @len bytes at fake offset @offset on @file,
 * as drm_gem_mmap() with its drm_gem_vm_open(): drm_gem_mmap_lookup()'s
 * checks, and then the mapping holds a reference to the object, so the
 * object (and its mmap offset) outlive its last handle while mapped.  The
 * reference goes with drm_gem_vm_close() (munmap) or when @file is
 * released.  Returns as drm_gem_mmap_lookup().
 */
int drm_gem_vm_open(struct drm_file *file, uint64_t offset, uint64_t len, struct drm_shmem **shmem);

/**
 * drm_gem_vm_close() - a mapping made by drm_gem_vm_open() at @offset is
 * gone (munmap): drop its reference (drm_gem_vm_close()).  Returns 0, or
 * -ENOENT when @file has no such mapping.
 */
int drm_gem_vm_close(struct drm_file *file, uint64_t offset);

/**
 * drm_prime_handle_to_shmem() - PRIME_HANDLE_TO_FD, the core's half: the
 * shareable memory behind @handle, which the front end hands to the client
 * as its dma-buf fd.  @flags as the ioctl's (DRM_CLOEXEC, DRM_RDWR).  On
 * success *@shmem holds a new reference.  Returns 0, -EINVAL for bad flags,
 * -ENOENT for an unknown handle, or -EOPNOTSUPP without GEM.
 */
int drm_prime_handle_to_shmem(struct drm_file *file, uint32_t handle, uint32_t flags,
			      struct drm_shmem **shmem);

/**
 * drm_prime_shmem_to_handle() - PRIME_FD_TO_HANDLE, the core's half: the
 * handle in @file for the buffer @shmem.  The file's own earlier export or
 * import gives back the same handle; a live object of this device gets a new
 * handle; memory with no live object becomes a new object (its size must be
 * a page multiple, else -EINVAL).  Returns 0, -EINVAL, or -ENOMEM.
 */
int drm_prime_shmem_to_handle(struct drm_file *file, struct drm_shmem *shmem, uint32_t *handle);

/**
 * drm_prime_shmem_export_sync_file() - DMA_BUF_IOCTL_EXPORT_SYNC_FILE on
 * the dma-buf that is @shmem, the core's half (dma_buf_export_sync_file()):
 * a sync_file (made with @fds) for the fences of the GEM object behind it
 * that a reader (@flags DMA_BUF_SYNC_READ: the writers) or a writer
 * (DMA_BUF_SYNC_WRITE: all of them) must wait for; signalled when there
 * are none or the object is gone.  Returns 0, -EINVAL for bad @flags, or
 * -ENOMEM.
 */
int drm_prime_shmem_export_sync_file(struct drm_device *dev, struct drm_shmem *shmem, uint32_t flags,
				     const struct drm_fd_ops *fds, int32_t *fd);

/**
 * drm_connector_set_status() - hotplug: connector @connector_id becomes
 * connected or disconnected, as a display cable would make it (the kernel's
 * drm_kms_helper_hotplug_event() path).  GETCONNECTOR then reports the new
 * status; a disconnected connector has no modes and no EDID, as after the
 * kernel's probe.  Routes and modes already set stay until a client changes
 * them.  A change of status sends the hotplug uevent for that connector
 * (drm_kms_helper_connector_hotplug_event()); setting the status it already
 * has sends none, as drm_helper_hpd_irq_event() does.  Returns 0, -ENOENT
 * for no such connector, or -EOPNOTSUPP without KMS.
 */
int drm_connector_set_status(struct drm_device *dev, uint32_t connector_id, bool connected);

/**
 * drm_device_set_hotplug_notify() - the front end's way to send the DRM
 * hotplug uevent (HOTPLUG=1, with CONNECTOR=@connector_id when not 0), which
 * the kernel sends from drm_sysfs_hotplug_event() and
 * drm_sysfs_connector_hotplug_event().  @notify runs without the device lock
 * held.  NULL turns it off.
 */
void drm_device_set_hotplug_notify(struct drm_device *dev, void (*notify)(void *ctx, uint32_t connector_id),
				   void *ctx);

/**
 * drm_kms_helper_hotplug_event() - a driver saw its outputs change (the
 * kernel's function of that name, e.g. from virtio_gpu's config-change work
 * through drm_helper_hpd_irq_event()): send the device-wide hotplug uevent.
 * Call it without the device lock held.
 */
void drm_kms_helper_hotplug_event(struct drm_device *dev);

/**
 * drm_crtc_capture() - the pixels that CRTC number @crtc_index shows, as
 * XRGB8888 (@pixels holds @width * @height words, row-major).  The driver
 * composes them (vkms: its composer).  Returns 0, -ENOENT for no such CRTC,
 * -ENODATA when the CRTC is off, -EINVAL when @width/@height do not match
 * the active mode, or -EOPNOTSUPP when the driver cannot capture.
 */
int drm_crtc_capture(struct drm_device *dev, unsigned int crtc_index,
		     uint32_t *pixels, uint32_t width, uint32_t height);


/* ------------------------------------------------------------------ */
/* Frame CRCs (kernel: drm_debugfs_crc.c, crtc-N/crc/{control,data})    */
/* ------------------------------------------------------------------ */

/** DRM_MAX_CRC_NR - CRC values per entry at most (include/drm/drm_debugfs_crc.h). */
#define DRM_MAX_CRC_NR 10

/** DRM_CRC_ENTRIES_NR - entries a CRTC's CRC queue holds (drm_debugfs_crc.h; a power of 2). */
#define DRM_CRC_ENTRIES_NR 128

/**
 * struct drm_crc_line - one frame's CRC entry, what a line of the kernel's
 * crtc-N/crc/data says ("0x%08x" frame, or "XXXXXXXXXX" without a frame
 * counter, then values_cnt " 0x%08x" CRCs): the kernel's struct
 * drm_crtc_crc_entry with a fixed-width flag.
 * @frame: the vblank count of the frame (low 32 bits, as the kernel's).
 * @has_frame: 1 when @frame is meaningful.
 * @crcs: the CRC values; the first values_cnt are used.
 */
struct drm_crc_line {
	uint32_t frame;
	uint32_t has_frame;
	uint32_t crcs[DRM_MAX_CRC_NR];
};

/**
 * drm_crtc_crc_open() - start capturing CRCs on CRTC @crtc_id for @file: the
 * kernel's write of @source to crtc-N/crc/control followed by open() of
 * crtc-N/crc/data (crc_control_write(), crtc_crc_open()).  @source NULL or
 * "" keeps the CRTC's current source ("auto" initially).  The capture
 * belongs to @file until drm_crtc_crc_close() or until @file is released.
 * Sets *@values_cnt (CRC values per entry).  Returns 0, -EOPNOTSUPP (no KMS,
 * or the driver computes no CRCs: the kernel has no crc directory then),
 * -ENOENT (no such CRTC), -EINVAL (a source the driver refuses: its
 * verify_crc_source), -EBUSY (a capture is open already), -EIO (the CRTC
 * is not active), or -ENOMEM.
 */
int drm_crtc_crc_open(struct drm_file *file, uint32_t crtc_id, const char *source, uint32_t *values_cnt);

/**
 * drm_crtc_crc_read() - take up to @max queued entries, oldest first, from
 * @file's capture on CRTC @crtc_id into @lines, as successive reads of
 * crtc-N/crc/data with O_NONBLOCK (crtc_crc_read()).  Sets *@n and
 * *@values_cnt.  Returns 0, -EAGAIN when nothing is queued, -ENOENT (no
 * such CRTC), -EINVAL (@max 0, or @file has no capture open on it),
 * -EOPNOTSUPP (no KMS).
 */
int drm_crtc_crc_read(struct drm_file *file, uint32_t crtc_id, struct drm_crc_line *lines, uint32_t max,
		      uint32_t *n, uint32_t *values_cnt);

/**
 * drm_crtc_crc_close() - stop @file's capture on CRTC @crtc_id, as the
 * release of crtc-N/crc/data (crtc_crc_release()): the driver's source is
 * set to none, queued entries are dropped.  Returns 0, -ENOENT, -EINVAL
 * (no capture of @file there), -EOPNOTSUPP (no KMS).
 */
int drm_crtc_crc_close(struct drm_file *file, uint32_t crtc_id);

#endif
