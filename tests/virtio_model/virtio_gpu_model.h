/*
 * virtio_gpu_model.h - a simulated virtio-gpu PCI function behind
 * core/platform_pci.h, shared by the unit test (tests/unit/test_virtio_gpu.c,
 * which services it from its own thread) and the fuzzer
 * (tests/fuzz/platform_fuzz.c, which services it synchronously).
 *
 * virtio_gpu_model.c implements every drm_platform_pci_* function for one
 * fake PCI function 1af4:1050 (PCI_DEVICE_ID_VIRTIO_GPU) whose config space
 * carries the virtio 1.x vendor capabilities (virtio spec v1.2, 4.1.4),
 * whose BAR 4 holds the common, ISR, device and notify structures, and whose
 * "DMA" is ordinary memory that the device reaches only through live
 * mappings, as through an IOMMU (an access outside them counts in
 * dma_faults).  Behind it a virtio-gpu device (5.7) consumes the split
 * virtqueues (2.7) of the controlq and cursorq and answers 2D commands as
 * QEMU's hw/display/virtio-gpu.c does, through used-ring entries and
 * interrupts (MSI-X vectors, or INTx with the ISR register).
 *
 * The model never runs by itself: its owner calls vgm_service() (lock
 * held), which consumes what the driver queued and delivers the interrupts,
 * dropping the lock around the driver's handler.  How each command is
 * answered comes from vgm_decide_fn when set (the fuzzer's input), else
 * from the standing policy (mode, err_cmd, err_resp; the unit tests').
 */
#ifndef CUSE_DRM_VIRTIO_GPU_MODEL_H
#define CUSE_DRM_VIRTIO_GPU_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/platform.h"
#include "core/platform_pci.h"
#include "drivers/virtio/virtio_gpu_hw.h"

/* BAR 4 layout (offsets in bytes), as the capabilities in config space name it. */
#define VGM_BAR 4
#define VGM_BAR_SIZE 0x4000u
#define VGM_COMMON_OFF 0x0000u
#define VGM_ISR_OFF 0x1000u
#define VGM_DEVICE_OFF 0x2000u
#define VGM_NOTIFY_OFF 0x3000u
#define VGM_NOTIFY_MULT 4u
/** Queue size the device offers (entries). */
#define VGM_QSIZE 64u
/** Resources the device holds at most; RESOURCE_CREATE_2D beyond answers ERR_OUT_OF_MEMORY. */
#define VGM_MAX_RES 64
/** IOMMU mappings at most; beyond, mapping fails with -ENOSPC. */
#define VGM_MAX_MAPS 256
/** Scanouts the model can have (virtio_gpu_config.num_scanouts). */
#define VGM_MAX_SCANOUTS 4
/** Commands the device may hold for a late answer (VGM_LATE). */
#define VGM_MAX_HELD 64

/** enum vgm_mode - the standing policy for controlq commands (unit tests). */
enum vgm_mode {
	VGM_MODE_OK,          /* answer everything */
	VGM_MODE_SILENT,      /* take commands, never answer (a hung device) */
	VGM_MODE_NEEDS_RESET, /* on the next command: DEVICE_NEEDS_RESET + config interrupt, no answer */
};

/** enum vgm_answer_kind - how the device answers one command. */
enum vgm_answer_kind {
	VGM_OK,          /* carry it out and answer as QEMU would */
	VGM_ERROR,       /* answer VIRTIO_GPU_RESP_ERR_UNSPEC + param % 6, command not carried out */
	VGM_SHORT,       /* carry it out, write only param % (response size) bytes; with param bit 15
			  * set, write it all but claim (param & 0x7fff) * 64 bytes written (a lying used length) */
	VGM_WRONG_TYPE,  /* carry it out, answer another OK_* type (picked by param) */
	VGM_SILENT,      /* take it and never answer (the driver times out) */
	VGM_NEEDS_RESET, /* set DEVICE_NEEDS_RESET (2.1.2) and raise a config interrupt, no answer */
	VGM_LATE,        /* hold it; answered (VGM_OK) by vgm_release_held() */
	VGM_BAD_ID,      /* no answer, but a used-ring entry naming descriptor param (not in flight) */
	VGM_NUM_ANSWERS
};

/** struct vgm_answer - an answer kind and its parameter (see enum vgm_answer_kind). */
struct vgm_answer {
	enum vgm_answer_kind kind;
	uint32_t param;
};

struct drm_pci_dev;

/**
 * vgm_decide_fn - how to answer @cmd (its header; @len bytes of command) on
 * queue @queue (0 controlq, 1 cursorq).  Called with the model's lock held.
 */
typedef struct vgm_answer (*vgm_decide_fn)(void *ctx, struct drm_pci_dev *d, unsigned int queue,
					  const struct virtio_gpu_ctrl_hdr *cmd, uint32_t len);

/**
 * struct vgm_hooks - how the owner serialises the model.  All optional.
 * @lock, @unlock: around every access from the driver and vgm_service();
 * @wake:  the driver notified a queue (lock held): service the model soon;
 * @wait:  sleep until the model's state changes (lock held; irq_free waits
 *         for a running handler with it).
 */
struct vgm_hooks {
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	void (*wake)(void *ctx);
	void (*wait)(void *ctx);
	void *ctx;
};

/**
 * struct vgm_config - the device's shape.
 * @num_scanouts: 1..VGM_MAX_SCANOUTS (virtio_gpu_config.num_scanouts).
 * @offer_edid:   offer VIRTIO_GPU_F_EDID and answer GET_EDID.
 * @msix_vectors: MSI-X vectors offered (0: INTx only).
 */
struct vgm_config {
	unsigned int num_scanouts;
	bool offer_edid;
	unsigned int msix_vectors;
};

struct vgm_queue {
	uint16_t size, msix, enable;
	uint64_t desc, avail, used;
	uint16_t last_avail;
	uint16_t held[VGM_MAX_HELD];   /* heads of commands held for a late answer */
	unsigned int nheld;
};

struct vgm_map {
	uint64_t iova, size;
	void *vaddr;
	struct drm_shmem *shmem;  /* NULL: coherent */
};

/** struct vgm_resource - a host resource: id (0: free slot), size in pixels, backing (IOVA, bytes). */
struct vgm_resource {
	uint32_t id, width, height;
	bool attached;
	uint64_t backing_addr, backing_len;
};

/** struct drm_pci_dev - the fake PCI function and its virtio-gpu device (fields read by tests under lock). */
struct drm_pci_dev {
	struct vgm_config config;
	struct vgm_hooks hooks;
	vgm_decide_fn decide;
	void *decide_ctx;
	uint8_t cfg[256];
	bool kick[2];
	/* common config (4.1.4.3) */
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint16_t msix_config, qselect;
	uint8_t status, isr;
	struct vgm_queue q[2];
	uint32_t events_read;
	bool config_irq, queue_irq[2];     /* interrupts due at the next vgm_service() */
	/* interrupts */
	drm_pci_irq_handler handler;
	void *handler_arg;
	unsigned int nvecs, irq_type;
	int in_handler;
	/* DMA */
	struct vgm_map maps[VGM_MAX_MAPS];
	unsigned int dma_faults;
	/* the device */
	enum vgm_mode mode;
	uint32_t err_cmd, err_resp;          /* standing policy: answer command type err_cmd with err_resp */
	struct vgm_resource res[VGM_MAX_RES];
	struct virtio_gpu_display_one pmodes[VGM_MAX_SCANOUTS];
	uint8_t edid[VGM_MAX_SCANOUTS][1024];
	uint32_t edid_size[VGM_MAX_SCANOUTS];
	uint32_t scanout_resource[VGM_MAX_SCANOUTS];
	uint32_t cursor_resource[VGM_MAX_SCANOUTS]; /* the last UPDATE_CURSOR's image (0: hidden) */
	bool refuse_features;                /* the next FEATURES_OK is not accepted (a device that does not come back) */
	unsigned int resets, cmds, cursor_cmds;
	uint32_t last_cmd;
};

/**
 * vgm_init() - a fresh device of shape @config (zeroed, reset, scanout 0
 * enabled at 1024x768, the others disabled), serialised by @hooks (may be
 * NULL: single-threaded).
 */
void vgm_init(struct drm_pci_dev *d, const struct vgm_config *config, const struct vgm_hooks *hooks);

/**
 * vgm_service() - the device's turn (lock held): consume every notified
 * queue, then deliver the interrupts due (the lock dropped around the
 * handler).  Returns whether it did anything.
 */
bool vgm_service(struct drm_pci_dev *d);

/** vgm_release_held() - answer (VGM_OK) every command held by VGM_LATE; lock held; vgm_service() delivers. */
void vgm_release_held(struct drm_pci_dev *d);

/** vgm_display_event() - set VIRTIO_GPU_EVENT_DISPLAY and raise a config interrupt (a hotplug); lock held. */
void vgm_display_event(struct drm_pci_dev *d);

/** vgm_needs_reset() - the device fails by itself: DEVICE_NEEDS_RESET and a config interrupt; lock held. */
void vgm_needs_reset(struct drm_pci_dev *d);

/** vgm_irq() - deliver vector @vector to the driver's handler now, as a spurious interrupt; lock held. */
void vgm_irq(struct drm_pci_dev *d, unsigned int vector);

/** vgm_resources() - live resources (with backing only, if @attached_only); lock held. */
unsigned int vgm_resources(const struct drm_pci_dev *d, bool attached_only);

#endif
