/*
 * virtgpu_vq.c - virtio-gpu commands on the controlq and cursorq: one
 * command slot per pair of descriptors, synchronous commands that sleep
 * on a completion, fenced commands (VIRTIO_GPU_FLAG_FENCE) whose
 * completion signals a core fence, fire-and-forget cursor updates, response
 * validation and timeouts.  After the kernel's
 * drivers/gpu/drm/virtio/virtgpu_vq.c and virtgpu_fence.c (Linux 6.1).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtgpu_drv.h"

/** virtgpu_cmd_name() - a command or response type as the spec names it, for logs. */
const char *virtgpu_cmd_name(uint32_t type)
{
	switch (type) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO: return "GET_DISPLAY_INFO";
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: return "RESOURCE_CREATE_2D";
	case VIRTIO_GPU_CMD_RESOURCE_UNREF: return "RESOURCE_UNREF";
	case VIRTIO_GPU_CMD_SET_SCANOUT: return "SET_SCANOUT";
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH: return "RESOURCE_FLUSH";
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: return "TRANSFER_TO_HOST_2D";
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: return "RESOURCE_ATTACH_BACKING";
	case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING: return "RESOURCE_DETACH_BACKING";
	case VIRTIO_GPU_CMD_GET_EDID: return "GET_EDID";
	case VIRTIO_GPU_CMD_UPDATE_CURSOR: return "UPDATE_CURSOR";
	case VIRTIO_GPU_CMD_MOVE_CURSOR: return "MOVE_CURSOR";
	case VIRTIO_GPU_RESP_OK_NODATA: return "OK_NODATA";
	case VIRTIO_GPU_RESP_OK_DISPLAY_INFO: return "OK_DISPLAY_INFO";
	case VIRTIO_GPU_RESP_OK_EDID: return "OK_EDID";
	case VIRTIO_GPU_RESP_ERR_UNSPEC: return "ERR_UNSPEC";
	case VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY: return "ERR_OUT_OF_MEMORY";
	case VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID: return "ERR_INVALID_SCANOUT_ID";
	case VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID: return "ERR_INVALID_RESOURCE_ID";
	case VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID: return "ERR_INVALID_CONTEXT_ID";
	case VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER: return "ERR_INVALID_PARAMETER";
	default: return "unknown";
	}
}

/* The errno a client gets for an error response (the kernel logs and fails the same way). */
static int virtgpu_resp_errno(uint32_t type)
{
	switch (type) {
	case VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY: return -ENOMEM;
	case VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID:
	case VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID:
	case VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID:
	case VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER: return -EINVAL;
	default: return -EIO;
	}
}

static void virtgpu_slot_free(struct virtio_vq *vq, struct virtgpu_slot *slot)
{
	slot->busy = false;
	slot->waiting = false;
	slot->failed = false;
	slot->fence_id = 0;
	drm_platform_complete(vq->space);
}

/**
 * virtgpu_slot_complete() - the device used @slot's chain, writing
 * @used_len bytes of response (vq->lock held; interrupt thread).  A waiter
 * is woken; an unwaited command is checked, its fence marked done and the
 * slot freed.
 */
void virtgpu_slot_complete(struct virtio_vq *vq, struct virtgpu_slot *slot, uint32_t used_len)
{
	struct virtgpu_device *vg = vq->vgdev;

	slot->used_len = used_len;
	slot->done = true;
	if (slot->waiting) {
		drm_platform_complete(slot->completion);
		return;
	}
	if (slot->resp_len) {
		const struct virtio_gpu_ctrl_hdr *cmd = slot->cmd_vaddr;
		const struct virtio_gpu_ctrl_hdr *resp = slot->resp_vaddr;

		if (used_len < sizeof(*resp) || resp->type != VIRTIO_GPU_RESP_OK_NODATA)
			drm_err("virtio_gpu: %s (fence %llu) answered %s (0x%x, %u bytes)", virtgpu_cmd_name(cmd->type),
				(unsigned long long)slot->fence_id,
				used_len >= sizeof(*resp) ? virtgpu_cmd_name(resp->type) : "nothing",
				used_len >= sizeof(*resp) ? resp->type : 0, used_len);
	}
	if (slot->fence_id) {
		uint64_t done = atomic_load(&vg->fence_done_id);

		while (slot->fence_id > done && !atomic_compare_exchange_weak(&vg->fence_done_id, &done, slot->fence_id))
			;
		if (vg->fence_work)
			drm_platform_timer_start(vg->fence_work, drm_platform_time_ns(), 0);
	}
	virtgpu_slot_free(vq, slot);
}

/* A free slot of @vq, taken (vq->lock held on return), or NULL after the timeout. */
static struct virtgpu_slot *virtgpu_slot_get(struct virtio_vq *vq, uint64_t deadline)
{
	for (;;) {
		drm_platform_mutex_lock(vq->lock);
		for (unsigned int i = 0; i < vq->size / 2u; i++) {
			if (!vq->slots[i].busy) {
				vq->slots[i].busy = true;
				return &vq->slots[i];
			}
		}
		drm_platform_completion_reinit(vq->space);
		drm_platform_mutex_unlock(vq->lock);
		if (drm_platform_time_ns() >= deadline)
			return NULL;
		drm_platform_completion_wait(vq->space, 10000000ull);
	}
}

/*
 * The device did not answer in time (or left no slot free): like a hung GPU
 * under drm_sched, it is reset and reinitialised before the next command,
 * or by the config work item if no command comes.
 */
static void virtgpu_schedule_reset(struct virtgpu_device *vg, const char *why)
{
	uint8_t status = virtio_pci_get_status(vg);

	drm_err("virtio_gpu: %s (device status 0x%x%s); the device will be reset", why, status,
		status & VIRTIO_CONFIG_S_NEEDS_RESET ? ", DEVICE_NEEDS_RESET" : "");
	atomic_store(&vg->needs_reset, true);
	if (vg->config_work)
		drm_platform_timer_start(vg->config_work, drm_platform_time_ns(), 0);
}

/**
 * virtgpu_vq_fail_waiters() - DEVICE_NEEDS_RESET (2.1.2): the device will
 * not answer what is in flight, so every synchronous command waiting on
 * @vq wakes up failed (-EIO).  Their slots stay taken until the reset,
 * since until then the device may still write them.  Any thread; takes
 * vq->lock.
 */
void virtgpu_vq_fail_waiters(struct virtio_vq *vq)
{
	if (!vq->lock)
		return;
	drm_platform_mutex_lock(vq->lock);
	for (unsigned int i = 0; i < vq->size / 2u; i++) {
		struct virtgpu_slot *slot = &vq->slots[i];

		if (slot->busy && slot->waiting && !slot->done) {
			slot->failed = true;
			drm_platform_complete(slot->completion);
		}
	}
	drm_platform_mutex_unlock(vq->lock);
}

/**
 * virtgpu_vq_drop_all() - after a device reset: nothing in flight will be
 * answered or touched by the device any more, so every slot is free again
 * (fenced commands' fences are failed by virtgpu_fences_fail()).  Device
 * lock held, so no synchronous command is waiting; takes vq->lock.
 */
void virtgpu_vq_drop_all(struct virtio_vq *vq)
{
	if (!vq->lock)
		return;
	drm_platform_mutex_lock(vq->lock);
	for (unsigned int i = 0; i < vq->size / 2u; i++)
		if (vq->slots[i].busy)
			virtgpu_slot_free(vq, &vq->slots[i]);
	drm_platform_mutex_unlock(vq->lock);
}

/**
 * virtgpu_dma_alloc() - @size bytes (> 0) of zeroed coherent DMA memory for
 * a command or response that does not fit a slot; NULL on ENOMEM or when
 * the platform cannot map it.  Free with virtgpu_dma_free().
 */
struct virtgpu_dma *virtgpu_dma_alloc(struct virtgpu_device *vg, uint64_t size)
{
	struct virtgpu_dma *dma = calloc(1, sizeof(*dma));

	if (!dma)
		return NULL;
	if (drm_platform_pci_dma_alloc_coherent(vg->pdev, size, &dma->vaddr, &dma->iova)) {
		free(dma);
		return NULL;
	}
	dma->size = size;
	memset(dma->vaddr, 0, size);
	return dma;
}

/** virtgpu_dma_free() - free a buffer from virtgpu_dma_alloc() (NULL is a no-op). */
void virtgpu_dma_free(struct virtgpu_device *vg, struct virtgpu_dma *dma)
{
	if (!dma)
		return;
	drm_platform_pci_dma_free_coherent(vg->pdev, dma->vaddr);
	free(dma);
}

/* The device may still read or write @dma (its command went unanswered): free it at the next reset. */
static void virtgpu_dma_defer(struct virtgpu_device *vg, struct virtgpu_dma *dma)
{
	struct virtgpu_deferred_unmap *d;

	if (!dma)
		return;
	d = calloc(1, sizeof(*d));
	if (!d) {
		drm_err("virtio_gpu: out of memory; a DMA buffer of %llu bytes stays allocated",
			(unsigned long long)dma->size);
		return;
	}
	d->dma = dma;
	drm_list_add_tail(&d->link, &vg->deferred_unmaps);
}

/*
 * virtgpu_cmd_queue() - the body of virtgpu_cmd() and virtgpu_cmd_dma().
 * The command is @cmd_dma (owned here from now on) when set, else @cmd_len
 * bytes at @cmd copied into the slot.  A response longer than the slot's
 * space goes to a buffer of its own.
 */
static int virtgpu_cmd_queue(struct virtio_vq *vq, const void *cmd, struct virtgpu_dma *cmd_dma, uint32_t cmd_len,
			     void *resp, uint32_t resp_len, uint32_t resp_type, struct drm_fence **fence)
{
	struct virtgpu_device *vg = vq->vgdev;
	struct virtio_gpu_ctrl_hdr *hdr;
	struct virtgpu_fence *vf = NULL;
	struct virtgpu_dma *resp_dma = NULL;
	struct virtgpu_slot *slot;
	uint64_t cmd_iova, resp_iova;
	uint16_t head;
	int ret;

	if (atomic_load(&vg->needs_reset) && !vg->recovering && !vg->broken)
		virtgpu_device_recover(vg);
	if (vg->broken) {
		ret = -EIO;
		goto fail;
	}
	if (fence)
		resp_len = sizeof(struct virtio_gpu_ctrl_hdr);
	if ((!cmd_dma && cmd_len > VIRTGPU_SLOT_RESP) || (cmd_dma && cmd_len > cmd_dma->size) ||
	    cmd_len < sizeof(struct virtio_gpu_ctrl_hdr)) {
		ret = -EINVAL;
		goto fail;
	}
	if (resp_len > VIRTGPU_SLOT_SIZE - VIRTGPU_SLOT_RESP) {
		resp_dma = virtgpu_dma_alloc(vg, resp_len);
		if (!resp_dma) {
			ret = -ENOMEM;
			goto fail;
		}
	}
	if (fence) {
		vf = calloc(1, sizeof(*vf));
		if (!vf || !(vf->fence = drm_fence_create())) {
			free(vf);
			ret = -ENOMEM;
			goto fail;
		}
	}
	slot = virtgpu_slot_get(vq, drm_platform_time_ns() + vg->cmd_timeout_ns);
	if (!slot) {
		drm_err("virtio_gpu: queue %u full for %llu ms; %s not sent", vq->index,
			(unsigned long long)(vg->cmd_timeout_ns / 1000000ull),
			virtgpu_cmd_name(((const struct virtio_gpu_ctrl_hdr *)(cmd_dma ? cmd_dma->vaddr : cmd))->type));
		if (vf) {
			drm_fence_put(vf->fence);
			free(vf);
		}
		virtgpu_schedule_reset(vg, "a queue stayed full");
		ret = -EBUSY;
		goto fail;
	}
	head = (uint16_t)((slot - vq->slots) * 2);
	if (cmd_dma) {
		slot->cmd_vaddr = cmd_dma->vaddr;
		cmd_iova = cmd_dma->iova;
	} else {
		memcpy(slot->vaddr, cmd, cmd_len);
		slot->cmd_vaddr = slot->vaddr;
		cmd_iova = slot->iova;
	}
	slot->resp_vaddr = resp_dma ? resp_dma->vaddr : (uint8_t *)slot->vaddr + VIRTGPU_SLOT_RESP;
	resp_iova = resp_dma ? resp_dma->iova : slot->iova + VIRTGPU_SLOT_RESP;
	memset(slot->resp_vaddr, 0, resp_len);
	hdr = (struct virtio_gpu_ctrl_hdr *)slot->cmd_vaddr;
	if (vf) {
		vf->fence_id = ++vg->next_fence_id;
		vf->payload = cmd_dma;
		cmd_dma = NULL;
		hdr->flags |= VIRTIO_GPU_FLAG_FENCE;
		hdr->fence_id = vf->fence_id;
		slot->fence_id = vf->fence_id;
		drm_list_add_tail(&vf->link, &vg->fences);
		*fence = drm_fence_get(vf->fence);
	}
	slot->resp_len = resp_len;
	slot->used_len = 0;
	slot->done = false;
	slot->waiting = resp && !vf;
	drm_platform_completion_reinit(slot->completion);
	vq->desc[head] = (struct vring_desc){ cmd_iova, cmd_len, resp_len ? VRING_DESC_F_NEXT : 0, (uint16_t)(head + 1) };
	vq->desc[head + 1] = (struct vring_desc){ resp_iova, resp_len, VRING_DESC_F_WRITE, 0 };
	vg->cmds_submitted++;
	virtio_vq_kick(vq, head);
	if (!slot->waiting) {
		drm_platform_mutex_unlock(vq->lock);
		/* Fire and forget: only fenced commands may have buffers of their own (freed with the fence). */
		virtgpu_dma_free(vg, cmd_dma);
		return 0;
	}
	drm_platform_mutex_unlock(vq->lock);

	drm_platform_completion_wait(slot->completion, vg->cmd_timeout_ns);
	drm_platform_mutex_lock(vq->lock);
	if (slot->failed && !slot->done) {
		/* DEVICE_NEEDS_RESET: the slot stays taken until the reset frees it. */
		slot->waiting = false;
		drm_platform_mutex_unlock(vq->lock);
		vg->cmds_failed++;
		drm_err("virtio_gpu: %s on queue %u: failed, the device needs a reset", virtgpu_cmd_name(hdr->type),
			vq->index);
		virtgpu_dma_defer(vg, cmd_dma);
		virtgpu_dma_defer(vg, resp_dma);
		return -EIO;
	}
	if (!slot->done) {
		/* The interrupt handler (or the reset) frees the slot should the answer still come. */
		char why[96];

		slot->waiting = false;
		drm_platform_mutex_unlock(vq->lock);
		vg->cmds_timed_out++;
		snprintf(why, sizeof(why), "%s on queue %u: no response within %llu ms", virtgpu_cmd_name(hdr->type),
			 vq->index, (unsigned long long)(vg->cmd_timeout_ns / 1000000ull));
		virtgpu_dma_defer(vg, cmd_dma);
		virtgpu_dma_defer(vg, resp_dma);
		virtgpu_schedule_reset(vg, why);
		return -ETIMEDOUT;
	}
	{
		const struct virtio_gpu_ctrl_hdr *r = slot->resp_vaddr;
		uint32_t got = slot->used_len < resp_len ? slot->used_len : resp_len;

		ret = 0;
		if (got < sizeof(*r)) {
			drm_err("virtio_gpu: %s: response of %u bytes, too short", virtgpu_cmd_name(hdr->type), got);
			ret = -EIO;
		} else if (r->type != resp_type) {
			drm_err("virtio_gpu: %s answered %s (0x%x)", virtgpu_cmd_name(hdr->type), virtgpu_cmd_name(r->type),
				r->type);
			ret = r->type >= VIRTIO_GPU_RESP_ERR_UNSPEC ? virtgpu_resp_errno(r->type) : -EIO;
		} else if (got < resp_len && resp_type != VIRTIO_GPU_RESP_OK_EDID) {
			drm_err("virtio_gpu: %s: %s of %u bytes, want %u", virtgpu_cmd_name(hdr->type),
				virtgpu_cmd_name(r->type), got, resp_len);
			ret = -EIO;
		}
		memset(resp, 0, resp_len);
		memcpy(resp, r, got);
	}
	if (ret)
		vg->cmds_failed++;
	virtgpu_slot_free(vq, slot);
	drm_platform_mutex_unlock(vq->lock);
	virtgpu_dma_free(vg, cmd_dma);
	virtgpu_dma_free(vg, resp_dma);
	return ret;
fail:
	virtgpu_dma_free(vg, cmd_dma);
	virtgpu_dma_free(vg, resp_dma);
	return ret;
}

/**
 * virtgpu_cmd() - send one command (@cmd_len bytes, starting with a struct
 * virtio_gpu_ctrl_hdr; at most VIRTGPU_SLOT_RESP) on @vq.  Device lock held.
 *
 * Three kinds, after virtgpu_vq.c's virtio_gpu_queue_*:
 *  - @fence set: a fenced command (VIRTIO_GPU_FLAG_FENCE); it returns at
 *    once with *@fence, a core fence (a new reference for the caller) that
 *    signals when the device is done (interrupt, then the fence work item).
 *  - @resp set: a synchronous command; sleeps until the response (@resp_len
 *    bytes, type @resp_type; any length: one that does not fit the slot
 *    goes through a DMA buffer of its own) arrives or VIRTGPU_CMD_TIMEOUT_NS
 *    passes.
 *  - neither: fire and forget (cursor updates; @resp_len 0: no response).
 * A device found needing a reset (DEVICE_NEEDS_RESET, or an earlier
 * timeout) is reset and reinitialised first (virtgpu_device_recover()).
 *
 * Returns 0; -ETIMEDOUT (logged with the command) when the device did not
 * answer within vg->cmd_timeout_ns (the device is then reset before the next
 * command); -EIO for a short or wrong-typed response, a device that signals
 * DEVICE_NEEDS_RESET while the command waits, or one a reset did not bring
 * back; -EINVAL/-ENOMEM for the device's error responses (logged with the
 * command); -EBUSY when no slot freed up in time.
 */
int virtgpu_cmd(struct virtio_vq *vq, const void *cmd, uint32_t cmd_len, void *resp, uint32_t resp_len,
		uint32_t resp_type, struct drm_fence **fence)
{
	return virtgpu_cmd_queue(vq, cmd, NULL, cmd_len, resp, resp_len, resp_type, fence);
}

/**
 * virtgpu_cmd_dma() - virtgpu_cmd() for a command the caller built in a DMA
 * buffer of its own (@cmd_len bytes of @cmd: the header, then a payload such
 * as SUBMIT_3D's command stream, copied there straight from the client).
 * @cmd is always consumed: freed after a synchronous answer or a failure,
 * with the fence once the device is done with a fenced command, and at the
 * device's reset when the device may still read it (a timeout).  Returns as
 * virtgpu_cmd().
 */
int virtgpu_cmd_dma(struct virtio_vq *vq, struct virtgpu_dma *cmd, uint32_t cmd_len, void *resp, uint32_t resp_len,
		    uint32_t resp_type, struct drm_fence **fence)
{
	return virtgpu_cmd_queue(vq, NULL, cmd, cmd_len, resp, resp_len, resp_type, fence);
}

/**
 * virtgpu_fence_work() - signal the core fences of fenced commands the
 * device has finished (ids up to fence_done_id, which it completes in
 * order on the controlq), as virtio_gpu_fence_event_process().  A platform
 * timer callback: takes the device lock.
 */
void virtgpu_fence_work(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct virtgpu_device *vg = arg;
	uint64_t done = atomic_load(&vg->fence_done_id);
	struct drm_list_head *pos, *n;

	(void)expires_ns;
	(void)overrun;
	drm_dev_lock(vg->ddev);
	for (pos = vg->fences.next, n = pos->next; pos != &vg->fences; pos = n, n = pos->next) {
		struct virtgpu_fence *vf = (struct virtgpu_fence *)((char *)pos - offsetof(struct virtgpu_fence, link));

		if (vf->fence_id > done)
			break;
		drm_list_del(&vf->link);
		virtgpu_dma_free(vg, vf->payload);
		drm_fence_signal(vf->fence, 0);
		drm_fence_put(vf->fence);
		free(vf);
	}
	drm_dev_unlock(vg->ddev);
}

/** virtgpu_fences_fini() - at unload: fences the device never finished signal with -ENODEV. */
void virtgpu_fences_fini(struct virtgpu_device *vg)
{
	virtgpu_fences_fail(vg, -ENODEV);
}

/**
 * virtgpu_fences_fail() - after a device reset: every fenced command still
 * pending will never complete; its fence signals with @error (-EIO, a
 * negative errno as dma_fence_set_error()).  Device lock held.
 */
void virtgpu_fences_fail(struct virtgpu_device *vg, int error)
{
	while (!drm_list_empty(&vg->fences)) {
		struct drm_list_head *pos = vg->fences.next;
		struct virtgpu_fence *vf = (struct virtgpu_fence *)((char *)pos - offsetof(struct virtgpu_fence, link));

		drm_list_del(&vf->link);
		virtgpu_dma_free(vg, vf->payload);
		drm_fence_signal(vf->fence, error);
		drm_fence_put(vf->fence);
		free(vf);
	}
}
