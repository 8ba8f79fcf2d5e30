/*
 * virtio_pci.c - the virtio 1.x modern PCI transport (virtio spec v1.2,
 * 4.1) and split virtqueues (2.7) for the virtio-gpu driver core, over
 * core/platform_pci.h.  After the kernel's drivers/virtio/virtio_pci_modern.c
 * and virtio_ring.c, cut down to what virtio-gpu uses: two queues, MSI-X
 * (a config vector and one per queue, as vp_find_vqs_msix()) or INTx with
 * the ISR register, no event index, no indirect descriptors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtgpu_drv.h"

/* ---- register access: common config, device config, notify, ISR ---- */

static uint8_t common_read8(struct virtgpu_device *vg, uint32_t off)
{
	uint8_t v;

	drm_platform_pci_bar_read8(vg->pdev, vg->common.bar, vg->common.offset + off, &v);
	return v;
}

static uint16_t common_read16(struct virtgpu_device *vg, uint32_t off)
{
	uint16_t v;

	drm_platform_pci_bar_read16(vg->pdev, vg->common.bar, vg->common.offset + off, &v);
	return v;
}

static uint32_t common_read32(struct virtgpu_device *vg, uint32_t off)
{
	uint32_t v;

	drm_platform_pci_bar_read32(vg->pdev, vg->common.bar, vg->common.offset + off, &v);
	return v;
}

static void common_write8(struct virtgpu_device *vg, uint32_t off, uint8_t v)
{
	drm_platform_pci_bar_write8(vg->pdev, vg->common.bar, vg->common.offset + off, v);
}

static void common_write16(struct virtgpu_device *vg, uint32_t off, uint16_t v)
{
	drm_platform_pci_bar_write16(vg->pdev, vg->common.bar, vg->common.offset + off, v);
}

static void common_write32(struct virtgpu_device *vg, uint32_t off, uint32_t v)
{
	drm_platform_pci_bar_write32(vg->pdev, vg->common.bar, vg->common.offset + off, v);
}

/* The 64-bit queue addresses as two 32-bit halves, low first (4.1.3.1 allows it). */
static void common_write64(struct virtgpu_device *vg, uint32_t off, uint64_t v)
{
	common_write32(vg, off, (uint32_t)v);
	common_write32(vg, off + 4, (uint32_t)(v >> 32));
}

/** virtio_pci_device_cfg_read32() - a 32-bit field of struct virtio_gpu_config (5.7.4). */
uint32_t virtio_pci_device_cfg_read32(struct virtgpu_device *vg, uint32_t off)
{
	uint32_t v;

	drm_platform_pci_bar_read32(vg->pdev, vg->device.bar, vg->device.offset + off, &v);
	return v;
}

/** virtio_pci_device_cfg_write32() - write a 32-bit field of struct virtio_gpu_config. */
void virtio_pci_device_cfg_write32(struct virtgpu_device *vg, uint32_t off, uint32_t val)
{
	drm_platform_pci_bar_write32(vg->pdev, vg->device.bar, vg->device.offset + off, val);
}

/** virtio_pci_get_status() - the device status register (2.1), e.g. to see DEVICE_NEEDS_RESET. */
uint8_t virtio_pci_get_status(struct virtgpu_device *vg)
{
	return common_read8(vg, VIRTIO_PCI_COMMON_STATUS);
}

/* Reset: write 0 and wait until the device reads back 0 (4.1.4.3.2), at most ~1 s. */
static int virtio_pci_reset(struct virtgpu_device *vg)
{
	uint64_t deadline = drm_platform_time_ns() + 1000000000ull;

	common_write8(vg, VIRTIO_PCI_COMMON_STATUS, 0);
	while (common_read8(vg, VIRTIO_PCI_COMMON_STATUS) != 0)
		if (drm_platform_time_ns() > deadline)
			return -ETIMEDOUT;
	return 0;
}

/* ---- capability walk (4.1.4) ---- */

static int virtio_pci_find_caps(struct virtgpu_device *vg)
{
	int pos = 0;

	while ((pos = drm_platform_pci_find_next_capability(vg->pdev, (uint8_t)pos, DRM_PCI_CAP_ID_VNDR)) > 0) {
		uint8_t type, bar;
		uint32_t off, len;
		struct virtio_pci_region *r = NULL;
		struct drm_pci_bar_info info;

		drm_platform_pci_read_config_byte(vg->pdev, pos + VIRTIO_PCI_CAP_CFG_TYPE, &type);
		drm_platform_pci_read_config_byte(vg->pdev, pos + VIRTIO_PCI_CAP_BAR, &bar);
		drm_platform_pci_read_config_dword(vg->pdev, pos + VIRTIO_PCI_CAP_OFFSET, &off);
		drm_platform_pci_read_config_dword(vg->pdev, pos + VIRTIO_PCI_CAP_LENGTH, &len);
		switch (type) {
		case VIRTIO_PCI_CAP_COMMON_CFG: r = &vg->common; break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG: r = &vg->notify; break;
		case VIRTIO_PCI_CAP_ISR_CFG: r = &vg->isr; break;
		case VIRTIO_PCI_CAP_DEVICE_CFG: r = &vg->device; break;
		default: continue;
		}
		/* The first capability of each type that we can use wins (4.1.4.1). */
		if (r->found || bar >= DRM_PCI_NUM_BARS || drm_platform_pci_bar_info(vg->pdev, bar, &info) ||
		    info.size < (uint64_t)off + len)
			continue;
		*r = (struct virtio_pci_region){ true, bar, off, len };
		if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
			drm_platform_pci_read_config_dword(vg->pdev, pos + VIRTIO_PCI_NOTIFY_CAP_MULT,
							   &vg->notify_off_multiplier);
	}
	if (pos < 0)
		return pos;
	if (!vg->common.found || !vg->notify.found || !vg->isr.found || !vg->device.found) {
		drm_err("virtio_gpu: %s lacks a virtio 1.x capability (common %d notify %d isr %d device %d)",
			drm_platform_pci_name(vg->pdev), vg->common.found, vg->notify.found, vg->isr.found,
			vg->device.found);
		return -ENODEV;
	}
	if (vg->common.length < 0x38 || vg->device.length < 16)
		return -ENODEV;
	return 0;
}

/* ---- features (6; 5.7.3) ---- */

static int virtio_pci_negotiate(struct virtgpu_device *vg)
{
	/* VIRGL, RESOURCE_BLOB and CONTEXT_INIT when offered, as virtio_gpu_init() (5.7.3). */
	const uint64_t wanted = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM) |
				(1ull << VIRTIO_GPU_F_EDID) | (1ull << VIRTIO_GPU_F_VIRGL) |
				(1ull << VIRTIO_GPU_F_RESOURCE_BLOB) | (1ull << VIRTIO_GPU_F_CONTEXT_INIT);
	uint64_t offered;
	uint8_t status;

	common_write32(vg, VIRTIO_PCI_COMMON_DFSELECT, 0);
	offered = common_read32(vg, VIRTIO_PCI_COMMON_DF);
	common_write32(vg, VIRTIO_PCI_COMMON_DFSELECT, 1);
	offered |= (uint64_t)common_read32(vg, VIRTIO_PCI_COMMON_DF) << 32;
	if (!(offered & (1ull << VIRTIO_F_VERSION_1))) {
		drm_err("virtio_gpu: the device does not offer VIRTIO_F_VERSION_1 (features 0x%llx)",
			(unsigned long long)offered);
		return -ENODEV;
	}
	vg->features = offered & wanted;
	common_write32(vg, VIRTIO_PCI_COMMON_GFSELECT, 0);
	common_write32(vg, VIRTIO_PCI_COMMON_GF, (uint32_t)vg->features);
	common_write32(vg, VIRTIO_PCI_COMMON_GFSELECT, 1);
	common_write32(vg, VIRTIO_PCI_COMMON_GF, (uint32_t)(vg->features >> 32));
	status = common_read8(vg, VIRTIO_PCI_COMMON_STATUS);
	common_write8(vg, VIRTIO_PCI_COMMON_STATUS, status | VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(common_read8(vg, VIRTIO_PCI_COMMON_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		drm_err("virtio_gpu: the device refused features 0x%llx", (unsigned long long)vg->features);
		return -ENODEV;
	}
	vg->has_edid = vg->features & (1ull << VIRTIO_GPU_F_EDID);
	drm_info("virtio_gpu: %s: features offered 0x%llx, negotiated 0x%llx", drm_platform_pci_name(vg->pdev),
		 (unsigned long long)offered, (unsigned long long)vg->features);
	return 0;
}

/* ---- virtqueues (2.7; 4.1.5.1.3) ---- */

/* The queue's memory and locks, once per device (queue size from the device). */
static int virtio_vq_alloc(struct virtgpu_device *vg, struct virtio_vq *vq, unsigned int index)
{
	uint16_t max;
	void *mem;
	unsigned int i;
	int ret;

	vq->vgdev = vg;
	vq->index = index;
	common_write16(vg, VIRTIO_PCI_COMMON_Q_SELECT, (uint16_t)index);
	max = common_read16(vg, VIRTIO_PCI_COMMON_Q_SIZE);
	if (max < 2)
		return -ENODEV;
	vq->size = max < VIRTGPU_QUEUE_SIZE ? max : VIRTGPU_QUEUE_SIZE;
	vq->size &= (uint16_t)~1u;
	vq->lock = drm_platform_mutex_create();
	vq->space = drm_platform_completion_create();
	if (!vq->lock || !vq->space)
		return -ENOMEM;
	ret = drm_platform_pci_dma_alloc_coherent(vg->pdev, 16u * vq->size, &mem, &vq->desc_iova);
	if (ret)
		return ret;
	vq->desc = mem;
	ret = drm_platform_pci_dma_alloc_coherent(vg->pdev, 6u + 2u * vq->size, &mem, &vq->avail_iova);
	if (ret)
		return ret;
	vq->avail = mem;
	ret = drm_platform_pci_dma_alloc_coherent(vg->pdev, 6u + 8u * vq->size, &mem, &vq->used_iova);
	if (ret)
		return ret;
	vq->used = mem;
	ret = drm_platform_pci_dma_alloc_coherent(vg->pdev, (uint64_t)VIRTGPU_SLOT_SIZE * (vq->size / 2),
						  &vq->slot_mem, &vq->slots[0].iova);
	if (ret)
		return ret;
	for (i = 0; i < vq->size / 2u; i++) {
		struct virtgpu_slot *s = &vq->slots[i];

		s->vaddr = (uint8_t *)vq->slot_mem + (size_t)i * VIRTGPU_SLOT_SIZE;
		s->iova = vq->slots[0].iova + (uint64_t)i * VIRTGPU_SLOT_SIZE;
		s->completion = drm_platform_completion_create();
		if (!s->completion)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Tell the (just reset) device about the queue (4.1.5.1.3): size, MSI-X
 * vector, ring addresses, enable.  The rings start empty: after a reset
 * the device has forgotten them, so the driver starts over too.
 */
static int virtio_vq_program(struct virtgpu_device *vg, struct virtio_vq *vq, uint16_t vector)
{
	memset(vq->desc, 0, 16u * vq->size);
	memset((void *)vq->avail, 0, 6u + 2u * vq->size);
	memset((void *)vq->used, 0, 6u + 8u * vq->size);
	vq->avail_idx = 0;
	vq->last_used_idx = 0;
	common_write16(vg, VIRTIO_PCI_COMMON_Q_SELECT, (uint16_t)vq->index);
	common_write16(vg, VIRTIO_PCI_COMMON_Q_SIZE, vq->size);
	common_write16(vg, VIRTIO_PCI_COMMON_Q_MSIX, vector);
	vq->msix_vector = common_read16(vg, VIRTIO_PCI_COMMON_Q_MSIX);
	if (vector != VIRTIO_MSI_NO_VECTOR && vq->msix_vector != vector) {
		drm_err("virtio_gpu: queue %u refused MSI-X vector %u", vq->index, vector);
		return -EBUSY;
	}
	common_write64(vg, VIRTIO_PCI_COMMON_Q_DESCLO, vq->desc_iova);
	common_write64(vg, VIRTIO_PCI_COMMON_Q_AVAILLO, vq->avail_iova);
	common_write64(vg, VIRTIO_PCI_COMMON_Q_USEDLO, vq->used_iova);
	vq->notify_off = common_read16(vg, VIRTIO_PCI_COMMON_Q_NOFF);
	if ((uint64_t)vq->notify_off * vg->notify_off_multiplier + 2 > vg->notify.length)
		return -ENODEV;
	common_write16(vg, VIRTIO_PCI_COMMON_Q_ENABLE, 1);
	return 0;
}

static void virtio_vq_free(struct virtgpu_device *vg, struct virtio_vq *vq)
{
	for (unsigned int i = 0; i < VIRTGPU_QUEUE_SIZE / 2; i++) {
		drm_platform_completion_destroy(vq->slots[i].completion);
		vq->slots[i].completion = NULL;
	}
	if (vq->slot_mem)
		drm_platform_pci_dma_free_coherent(vg->pdev, vq->slot_mem);
	if (vq->desc)
		drm_platform_pci_dma_free_coherent(vg->pdev, vq->desc);
	if (vq->avail)
		drm_platform_pci_dma_free_coherent(vg->pdev, (void *)vq->avail);
	if (vq->used)
		drm_platform_pci_dma_free_coherent(vg->pdev, (void *)vq->used);
	drm_platform_completion_destroy(vq->space);
	drm_platform_mutex_destroy(vq->lock);
	memset(vq, 0, sizeof(*vq));
}

/**
 * virtio_vq_kick() - publish descriptor chain @head in the available ring
 * and notify the device (2.7.13: ring entry, barrier, idx, barrier, then the
 * notify write).  vq->lock held.
 */
void virtio_vq_kick(struct virtio_vq *vq, uint16_t head)
{
	struct virtgpu_device *vg = vq->vgdev;

	vq->avail[2 + (vq->avail_idx % vq->size)] = head;
	atomic_thread_fence(memory_order_release);
	vq->avail_idx++;
	vq->avail[1] = vq->avail_idx;
	atomic_thread_fence(memory_order_seq_cst);
	drm_platform_pci_bar_write16(vg->pdev, vg->notify.bar,
				     vg->notify.offset + (uint64_t)vq->notify_off * vg->notify_off_multiplier,
				     (uint16_t)vq->index);
}

/**
 * virtio_vq_reclaim() - consume the used ring (2.7.14): each used chain's
 * slot is completed (virtgpu_slot_complete()).  Called from the interrupt
 * handler, and by submitters that find no free slot.  Takes vq->lock.
 */
void virtio_vq_reclaim(struct virtio_vq *vq)
{
	if (!vq->lock)
		return;
	drm_platform_mutex_lock(vq->lock);
	for (;;) {
		uint16_t used_idx;
		const volatile struct vring_used_elem *e;
		uint32_t id, len;

		used_idx = *(const volatile uint16_t *)(vq->used + 2);
		if (used_idx == vq->last_used_idx)
			break;
		atomic_thread_fence(memory_order_acquire);
		e = (const volatile struct vring_used_elem *)(vq->used + 4) + (vq->last_used_idx % vq->size);
		id = e->id;
		len = e->len;
		vq->last_used_idx++;
		if (id >= vq->size || (id & 1) || !vq->slots[id / 2].busy) {
			drm_err("virtio_gpu: queue %u: the device used descriptor %u, which is not in flight", vq->index, id);
			continue;
		}
		virtgpu_slot_complete(vq, &vq->slots[id / 2], len);
	}
	drm_platform_mutex_unlock(vq->lock);
}

/* The interrupt handler: no device lock; used rings under their own locks, the rest to work items. */
static void virtgpu_irq(void *arg, unsigned int vector)
{
	struct virtgpu_device *vg = arg;
	bool config = vector == 0 && vg->nvecs >= 3;
	bool queues = vector != 0 || vg->nvecs < 3;

	if (drm_platform_pci_irq_type(vg->pdev) == DRM_PCI_IRQ_INTX) {
		uint8_t isr = 0;

		/* Reading ISR status acknowledges the interrupt (4.1.4.5). */
		drm_platform_pci_bar_read8(vg->pdev, vg->isr.bar, vg->isr.offset, &isr);
		config = isr & VIRTIO_PCI_ISR_CONFIG;
		queues = isr & VIRTIO_PCI_ISR_QUEUE;
	} else if (vg->nvecs < 3) {
		config = true;
	}
	if (queues) {
		if (vector <= 1 || vg->nvecs < 3)
			virtio_vq_reclaim(&vg->ctrlq);
		if (vector == 2 || vg->nvecs < 3)
			virtio_vq_reclaim(&vg->cursorq);
	}
	if (config && (virtio_pci_get_status(vg) & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	    !atomic_exchange(&vg->needs_reset, true)) {
		/* 2.1.2: the device stopped; whoever waits for an answer gets -EIO now, not at the timeout. */
		virtgpu_vq_fail_waiters(&vg->ctrlq);
		virtgpu_vq_fail_waiters(&vg->cursorq);
	}
	if (config && vg->config_work) {
		atomic_store(&vg->config_pending, true);
		drm_platform_timer_start(vg->config_work, drm_platform_time_ns(), 0);
	}
}

/* MSI-X vectors: 0 config changes, 1 controlq, 2 cursorq (one shared vector when fewer); none for INTx. */
static void virtio_pci_vectors(struct virtgpu_device *vg, uint16_t *cfg, uint16_t *q0, uint16_t *q1)
{
	*cfg = *q0 = *q1 = VIRTIO_MSI_NO_VECTOR;
	if (drm_platform_pci_irq_type(vg->pdev) == DRM_PCI_IRQ_MSIX) {
		*cfg = 0;
		*q0 = vg->nvecs >= 3 ? 1 : 0;
		*q1 = vg->nvecs >= 3 ? 2 : 0;
	}
}

/*
 * The status handshake up to DRIVER_OK (3.1.1): the first time from the
 * reset on, with interrupts and queue memory allocated on the way; again
 * (virtio_pci_restart(), which did the reset) with the same ones.
 */
static int virtio_pci_start(struct virtgpu_device *vg, bool first)
{
	uint16_t cfg_vec, q0, q1;
	int ret;

	if (first) {
		ret = virtio_pci_reset(vg);
		if (ret)
			return ret;
	}
	common_write8(vg, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	common_write8(vg, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	ret = virtio_pci_negotiate(vg);
	if (ret)
		goto failed;
	if (first) {
		ret = drm_platform_pci_irq_request(vg->pdev, 1, 3, DRM_PCI_IRQ_MSIX | DRM_PCI_IRQ_INTX, virtgpu_irq, vg);
		if (ret < 0)
			goto failed;
		vg->nvecs = (unsigned int)ret;
	}
	virtio_pci_vectors(vg, &cfg_vec, &q0, &q1);
	if (cfg_vec != VIRTIO_MSI_NO_VECTOR) {
		common_write16(vg, VIRTIO_PCI_COMMON_MSIX, cfg_vec);
		if (common_read16(vg, VIRTIO_PCI_COMMON_MSIX) != cfg_vec) {
			drm_err("virtio_gpu: the device refused MSI-X vector 0 for config changes");
			ret = -EBUSY;
			goto failed;
		}
	}
	if (common_read16(vg, VIRTIO_PCI_COMMON_NUMQ) < 2) {
		ret = -ENODEV;
		goto failed;
	}
	if (first) {
		ret = virtio_vq_alloc(vg, &vg->ctrlq, 0);
		if (!ret)
			ret = virtio_vq_alloc(vg, &vg->cursorq, 1);
		if (ret)
			goto failed;
	}
	ret = virtio_vq_program(vg, &vg->ctrlq, q0);
	if (!ret)
		ret = virtio_vq_program(vg, &vg->cursorq, q1);
	if (ret)
		goto failed;
	common_write8(vg, VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
							    VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	return 0;
failed:
	common_write8(vg, VIRTIO_PCI_COMMON_STATUS, common_read8(vg, VIRTIO_PCI_COMMON_STATUS) | VIRTIO_CONFIG_S_FAILED);
	return ret;
}

/**
 * virtio_pci_init() - bring the device up (3.1.1): reset, ACKNOWLEDGE,
 * DRIVER, features, FEATURES_OK, interrupts (MSI-X: vector 0 config, 1
 * controlq, 2 cursorq), queues, DRIVER_OK.  0 or -errno; on failure the
 * caller runs virtio_pci_fini().
 */
int virtio_pci_init(struct virtgpu_device *vg)
{
	int ret;

	ret = virtio_pci_find_caps(vg);
	if (ret)
		return ret;
	drm_platform_pci_set_master(vg->pdev, true);
	ret = virtio_pci_start(vg, true);
	if (ret)
		return ret;
	drm_info("virtio_gpu: %s: %u interrupt vector(s) (%s), controlq %u and cursorq %u entries",
		 drm_platform_pci_name(vg->pdev), vg->nvecs,
		 drm_platform_pci_irq_type(vg->pdev) == DRM_PCI_IRQ_MSIX ? "MSI-X" : "INTx", vg->ctrlq.size,
		 vg->cursorq.size);
	return 0;
}

/**
 * virtio_pci_restart() - reset a device that needs it (2.1.2) and bring it
 * up again with the same features, interrupts and queue memory.  After the
 * reset the device no longer touches our memory, so every command still in
 * flight is dropped (their waiters failed already) and mappings whose
 * release waited for this are unmapped.  0, or -errno when the device does
 * not come back (it is then marked FAILED).
 */
int virtio_pci_restart(struct virtgpu_device *vg)
{
	int ret = virtio_pci_reset(vg);

	if (ret)
		return ret;
	virtgpu_vq_drop_all(&vg->ctrlq);
	virtgpu_vq_drop_all(&vg->cursorq);
	virtgpu_deferred_unmaps_run(vg);
	return virtio_pci_start(vg, false);
}

/**
 * virtio_pci_fini() - reset the device (it stops touching our memory), stop
 * interrupts, free the queues.  Safe on a partly initialised device.
 */
void virtio_pci_fini(struct virtgpu_device *vg)
{
	if (vg->common.found)
		virtio_pci_reset(vg);
	drm_platform_pci_irq_free(vg->pdev);
	virtio_vq_free(vg, &vg->ctrlq);
	virtio_vq_free(vg, &vg->cursorq);
	drm_platform_pci_set_master(vg->pdev, false);
}
