/*
 * virtgpu_drv.h - the virtio-gpu driver core (2D): its device state and
 * the functions its files share.  After the kernel's
 * drivers/gpu/drm/virtio/virtgpu_drv.h (Linux 6.1).
 *
 *   virtio_pci.c     the virtio 1.x modern PCI transport and split virtqueues
 *   virtgpu_vq.c     virtio-gpu commands: submission, responses, fences
 *   virtgpu_kms.c    connectors from GET_DISPLAY_INFO/GET_EDID, scanout, cursor, dumb buffers
 *   virtgpu_drv.c    the struct drm_driver, load/unload and the virtgpu ioctls
 *
 * Locking: KMS and GEM run under the device lock.  The interrupt thread
 * never takes it: it reclaims used buffers under the virtqueue's own lock
 * and completes waiting commands; fences and hotplug, which need the
 * device lock, go to platform timers used as work items.
 */
#ifndef CUSE_DRM_VIRTGPU_DRV_H
#define CUSE_DRM_VIRTGPU_DRV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/drm_driver.h"
#include "core/drm_fence.h"
#include "core/platform_pci.h"
#include "drivers/virtio/virtio_gpu_hw.h"

/** Queue size we use (entries; the device may offer more). Two descriptors per command. */
#define VIRTGPU_QUEUE_SIZE 64
/** Bytes of DMA memory per command slot: command at 0, response at VIRTGPU_SLOT_RESP. */
#define VIRTGPU_SLOT_SIZE 2048
#define VIRTGPU_SLOT_RESP 768
/**
 * How long a command may take before the client gets -ETIMEDOUT (ns), unless
 * the driver option cmd_timeout_ms says otherwise.  A device that lets a
 * command time out is reset and reinitialised before the next command (as
 * drm_sched's timeout handler resets a hung GPU).
 */
#define VIRTGPU_CMD_TIMEOUT_NS 5000000000ull

/**
 * VIRTGPU_EXECBUF_SIZE_MAX - the largest EXECBUFFER command stream (and bo handle array), in
 * bytes, taken into DMA memory; larger ones get ENOMEM, as the kernel's vmemdup_user() and
 * kvmalloc_array() give for sizes they cannot allocate.  64 MiB: Mesa's virgl flushes its
 * command buffer long before that.
 */
#define VIRTGPU_EXECBUF_SIZE_MAX (64u << 20)

/** struct virtio_pci_region - where one virtio capability's structure lives: BAR and offset. */
struct virtio_pci_region {
	bool found;
	uint8_t bar;
	uint32_t offset, length;
};

struct virtgpu_device;

/**
 * struct virtgpu_dma - a buffer of coherent DMA memory outside the command
 * slots, for what does not fit a slot: a large response (GET_CAPSET) or a
 * command with its payload (SUBMIT_3D's command stream).  @size bytes at
 * @vaddr in the daemon and @iova for the device.
 */
struct virtgpu_dma {
	void *vaddr;
	uint64_t iova;
	uint64_t size;
};

/**
 * struct virtgpu_slot - one command in flight: descriptors 2i (command,
 * device-readable) and 2i+1 (response, device-writable) of its queue, and
 * VIRTGPU_SLOT_SIZE bytes of DMA memory.
 * @busy: taken by a submitter.  @waiting: a thread sleeps on @done and
 *     frees the slot; otherwise the interrupt handler frees it.
 * @fence_id: nonzero for VIRTIO_GPU_FLAG_FENCE commands.
 */
struct virtgpu_slot {
	void *vaddr;
	bool failed;             /* the device needs a reset: the waiter gets -EIO at once */
	uint64_t iova;
	uint32_t resp_len;       /* bytes of response expected (0: no response descriptor) */
	uint32_t used_len;       /* bytes the device wrote */
	uint64_t fence_id;
	bool busy, waiting, done;
	struct drm_completion *completion;
	const void *cmd_vaddr;       /* the command as the device reads it (the slot or a struct virtgpu_dma) */
	void *resp_vaddr;            /* where the device writes the response */
};

/** struct virtio_vq - a split virtqueue (virtio spec 2.7) in coherent DMA memory. */
struct virtio_vq {
	struct virtgpu_device *vgdev;
	unsigned int index;
	uint16_t size;
	uint16_t notify_off;
	uint16_t msix_vector;
	struct vring_desc *desc;
	volatile uint16_t *avail;    /* flags, idx, ring[size], used_event */
	volatile uint8_t *used;      /* flags, idx, ring[size] of vring_used_elem, avail_event */
	uint64_t desc_iova, avail_iova, used_iova;
	void *slot_mem;
	uint16_t avail_idx;          /* next avail index we publish */
	uint16_t last_used_idx;      /* next used index we consume */
	struct drm_mutex *lock;
	struct drm_completion *space;  /* completed when a slot frees up */
	struct virtgpu_slot slots[VIRTGPU_QUEUE_SIZE / 2];
};

/** struct virtgpu_fence - a command fence: the core's fence and the device's fence id. */
struct virtgpu_fence {
	struct drm_fence *fence;
	uint64_t fence_id;
	struct virtgpu_dma *payload;  /* the command's buffer, freed once the device is done (or reset) */
	struct drm_list_head link;   /* in virtgpu_device.fences */
};

/** struct virtgpu_object - a GEM object's host resource (drm_gem_object.driver_private). */
struct virtgpu_object {
	struct drm_list_head link;   /* in virtgpu_device.objects once the host resource exists */
	bool listed;
	uint32_t resource_id;
	uint32_t width, height, format;
	uint64_t size;               /* bytes of backing (the GEM object's size) */
	uint64_t iova;               /* DMA mapping of the backing, 0 when not attached */
	bool is_3d;                  /* made by RESOURCE_CREATE_3D (VIRGL) */
	bool dumb;                   /* a dumb buffer: plane updates upload it (TRANSFER_TO_HOST_2D), as bo->dumb */
};

/**
 * struct virtgpu_capset - one capability set the device describes
 * (GET_CAPSET_INFO): its id (VIRTIO_GPU_CAPSET_*: 1 virgl, 2 virgl2, ...),
 * newest version and size in bytes.
 */
struct virtgpu_capset {
	uint32_t id;
	uint32_t max_version;
	uint32_t max_size;
};

/** struct virtgpu_capset_cache - the bytes GET_CAPSET gave for (@id, @version): @size bytes at @data. */
struct virtgpu_capset_cache {
	struct drm_list_head link;   /* in virtgpu_device.capset_cache */
	uint32_t id, version, size;
	uint8_t *data;
};

/**
 * struct virtgpu_fpriv - a file's 3D state (the kernel's virtio_gpu_fpriv):
 * its host context @ctx_id, created on first use (CTX_CREATE) with
 * @context_init (capset id, CONTEXT_INIT) and destroyed at close; the rings
 * CONTEXT_INIT asked for (@num_rings, @ring_idx_mask to poll) and their
 * fence contexts from @base_fence_ctx.
 */
struct virtgpu_fpriv {
	uint32_t ctx_id;
	bool context_created;
	uint32_t context_init;
	uint32_t num_rings;
	uint64_t ring_idx_mask;
	uint64_t base_fence_ctx;
};

/** struct virtgpu_output - one scanout: its CRTC, connector and what it shows now. */
struct virtgpu_output {
	unsigned int index;
	struct drm_crtc *crtc;
	struct drm_connector *connector;
	struct virtio_gpu_display_one info;
	uint8_t *edid;               /* from GET_EDID, or NULL */
	uint32_t edid_len;
	/* What the device was last told (SET_SCANOUT, UPDATE_CURSOR). */
	uint32_t scanout_resource;
	struct virtio_gpu_rect scanout_rect;
	const struct drm_framebuffer *cursor_fb;
	uint32_t cursor_resource;
	int32_t cursor_x, cursor_y;
};

/** struct virtgpu_device - the driver's per-device state (drm_dev_private()). */
struct virtgpu_device {
	struct drm_device *ddev;
	struct drm_pci_dev *pdev;
	struct virtio_pci_region common, notify, isr, device;
	uint32_t notify_off_multiplier;
	uint64_t features;           /* negotiated */
	bool has_edid;
	/* 3D (VIRTIO_GPU_F_VIRGL, RESOURCE_BLOB, CONTEXT_INIT) and the capsets read at load. */
	bool has_virgl_3d, has_resource_blob, has_context_init;
	uint32_t num_capsets;
	struct virtgpu_capset *capsets;
	uint64_t capset_id_mask;           /* bit n: capset id n is present */
	struct drm_list_head capset_cache;  /* struct virtgpu_capset_cache */
	uint32_t next_ctx_id;
	bool broken;                 /* a reset did not bring the device back: commands fail with -EIO */
	/*
	 * Device faults (virtio spec 2.1.2): DEVICE_NEEDS_RESET seen by the
	 * config interrupt, or a command that timed out.  Set from any thread;
	 * the next command, or the config work item, resets and reinitialises
	 * the device under the device lock (virtgpu_device_recover()).
	 */
	_Atomic bool needs_reset;
	bool recovering;             /* inside virtgpu_device_recover() (device lock held) */
	uint64_t resets;             /* recoveries done */
	uint64_t cmd_timeout_ns;     /* VIRTGPU_CMD_TIMEOUT_NS or the cmd_timeout_ms option */
	struct drm_list_head objects;        /* struct virtgpu_object with a host resource */
	struct drm_list_head deferred_unmaps; /* struct virtgpu_deferred_unmap: freed at the next reset */
	uint32_t num_scanouts;
	unsigned int nvecs;
	struct virtio_vq ctrlq, cursorq;
	struct virtgpu_output outputs[VIRTIO_GPU_MAX_SCANOUTS];
	uint32_t next_resource_id;
	/* Fences: ids handed out under the device lock, completion from the interrupt thread. */
	uint64_t next_fence_id;
	_Atomic uint64_t fence_done_id;
	struct drm_list_head fences;
	struct drm_timer *fence_work;    /* signals completed fences under the device lock */
	struct drm_timer *config_work;   /* re-detects displays after a config change */
	_Atomic bool config_pending;
	uint64_t cmds_submitted, cmds_timed_out, cmds_failed;
};

/**
 * struct virtgpu_deferred_unmap - a DMA mapping the device may still read
 * (its RESOURCE_UNREF got no answer): unmapped once the device is reset.
 */
struct virtgpu_deferred_unmap {
	uint64_t iova;
	struct virtgpu_dma *dma;     /* instead of @iova: a command's buffer, freed */
	struct drm_list_head link;
};

/* virtio_pci.c */
int virtio_pci_init(struct virtgpu_device *vgdev);
int virtio_pci_restart(struct virtgpu_device *vgdev);
void virtio_pci_fini(struct virtgpu_device *vgdev);
uint32_t virtio_pci_device_cfg_read32(struct virtgpu_device *vgdev, uint32_t off);
void virtio_pci_device_cfg_write32(struct virtgpu_device *vgdev, uint32_t off, uint32_t val);
uint8_t virtio_pci_get_status(struct virtgpu_device *vgdev);
void virtio_vq_kick(struct virtio_vq *vq, uint16_t head);
void virtio_vq_reclaim(struct virtio_vq *vq);

/* virtgpu_vq.c */
int virtgpu_cmd(struct virtio_vq *vq, const void *cmd, uint32_t cmd_len, void *resp, uint32_t resp_len,
		uint32_t resp_type, struct drm_fence **fence);
int virtgpu_cmd_dma(struct virtio_vq *vq, struct virtgpu_dma *cmd, uint32_t cmd_len, void *resp, uint32_t resp_len,
		    uint32_t resp_type, struct drm_fence **fence);
struct virtgpu_dma *virtgpu_dma_alloc(struct virtgpu_device *vgdev, uint64_t size);
void virtgpu_dma_free(struct virtgpu_device *vgdev, struct virtgpu_dma *dma);
void virtgpu_slot_complete(struct virtio_vq *vq, struct virtgpu_slot *slot, uint32_t used_len);
void virtgpu_fence_work(void *arg, uint64_t expires_ns, uint64_t overrun);
void virtgpu_fences_fini(struct virtgpu_device *vgdev);
void virtgpu_fences_fail(struct virtgpu_device *vgdev, int error);
void virtgpu_vq_fail_waiters(struct virtio_vq *vq);
void virtgpu_vq_drop_all(struct virtio_vq *vq);
void virtgpu_deferred_unmaps_run(struct virtgpu_device *vgdev);
const char *virtgpu_cmd_name(uint32_t type);

/*
 * The two helpers below are static inline so that each command builder keeps them inlined as
 * when they were its file's own statics: tests/host/set_scanout.gdb reads virtgpu_set_scanout()'s
 * arguments at -O2, which an out-of-line call there leaves "optimized out".
 */

/** virtgpu_hdr_init() - a zeroed command header of @type for context @ctx_id (0: none). */
static inline void virtgpu_hdr_init(struct virtio_gpu_ctrl_hdr *hdr, uint32_t type, uint32_t ctx_id)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->type = type;
	hdr->ctx_id = ctx_id;
}

/**
 * virtgpu_cmd_nodata() - send @cmd (@len bytes) on the controlq and wait for its
 * RESP_OK_NODATA; virtgpu_cmd()'s errors (the device's error answers as errnos).
 */
static inline int virtgpu_cmd_nodata(struct virtgpu_device *vgdev, const void *cmd, uint32_t len)
{
	struct virtio_gpu_ctrl_hdr resp;

	return virtgpu_cmd(&vgdev->ctrlq, cmd, len, &resp, sizeof(resp), VIRTIO_GPU_RESP_OK_NODATA, NULL);
}

/* virtgpu_kms.c */
/**
 * virtgpu_attach_backing() - RESOURCE_ATTACH_BACKING of @bo's resource: one
 * entry, its IOVA range of @size bytes (contiguous in IOVA space).
 */
int virtgpu_attach_backing(struct virtgpu_device *vgdev, const struct virtgpu_object *bo, uint64_t size);
int virtgpu_modeset_init(struct virtgpu_device *vgdev);
int virtgpu_update_displays(struct virtgpu_device *vgdev);
int virtgpu_device_recover(struct virtgpu_device *vgdev);
void virtgpu_config_work(void *arg, uint64_t expires_ns, uint64_t overrun);
int virtgpu_dumb_create(struct drm_file *file, struct drm_device *dev, struct drm_mode_create_dumb *args);
void virtgpu_gem_free_object(struct drm_gem_object *obj);
int virtgpu_dirtyfb(struct drm_framebuffer *fb, struct drm_file *file, uint32_t flags, uint32_t color,
		    const struct drm_clip_rect *clips, uint32_t num_clips);

/* virtgpu_3d.c */
int virtgpu_3d_init(struct virtgpu_device *vgdev);
void virtgpu_3d_fini(struct virtgpu_device *vgdev);
int virtgpu_gem_open_object(struct drm_gem_object *obj, struct drm_file *file);
void virtgpu_gem_close_object(struct drm_gem_object *obj, struct drm_file *file);
int virtgpu_driver_open(struct drm_device *dev, struct drm_file *file);
void virtgpu_driver_postclose(struct drm_device *dev, struct drm_file *file);
int virtio_gpu_getparam_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_get_caps_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_context_init_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_resource_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_transfer_from_host_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_transfer_to_host_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_execbuffer_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int virtio_gpu_resource_create_blob_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

extern const struct drm_driver virtio_gpu_driver;

#endif
