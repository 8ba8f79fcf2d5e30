/*
 * virtio_gpu_model.c - a simulated virtio-gpu PCI function: the whole of
 * core/platform_pci.h for one fake device, and the device behind it.  See
 * virtio_gpu_model.h for what it models and who drives it.
 *
 * The device answers 2D commands after QEMU's hw/display/virtio-gpu.c
 * (virtio_gpu_resource_create_2d(), virtio_gpu_set_scanout(),
 * virtio_gpu_transfer_to_host_2d(), virtio_gpu_resource_attach_backing(),
 * virtio_gpu_get_edid() ...): the same error responses for unknown
 * resources, rectangles outside the resource and missing backing.  A
 * device that signalled DEVICE_NEEDS_RESET answers nothing until the
 * driver resets it (status 0), which forgets every resource, as a real
 * device does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/virtio_model/virtio_gpu_model.h"

static void lock(struct drm_pci_dev *d)
{
	if (d->hooks.lock)
		d->hooks.lock(d->hooks.ctx);
}

static void unlock(struct drm_pci_dev *d)
{
	if (d->hooks.unlock)
		d->hooks.unlock(d->hooks.ctx);
}

static int res_find(const struct drm_pci_dev *d, uint32_t id)
{
	for (int i = 0; id && i < VGM_MAX_RES; i++)
		if (d->res[i].id == id)
			return i;
	return -1;
}

unsigned int vgm_resources(const struct drm_pci_dev *d, bool attached_only)
{
	unsigned int n = 0;

	for (int i = 0; i < VGM_MAX_RES; i++)
		n += d->res[i].id && (!attached_only || d->res[i].attached);
	return n;
}

/* The IOMMU: device access to [addr, addr+len) only inside a live mapping. */
static void *dma_ptr(struct drm_pci_dev *d, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < VGM_MAX_MAPS; i++) {
		struct vgm_map *m = &d->maps[i];

		if (m->vaddr && addr >= m->iova && len <= m->size && addr - m->iova <= m->size - len)
			return (uint8_t *)m->vaddr + (addr - m->iova);
	}
	d->dma_faults++;
	return NULL;
}

static void model_reset(struct drm_pci_dev *d)
{
	d->status = 0;
	d->isr = 0;
	d->driver_features = 0;
	d->msix_config = VIRTIO_MSI_NO_VECTOR;
	memset(d->q, 0, sizeof(d->q));
	memset(d->res, 0, sizeof(d->res));
	memset(d->scanout_resource, 0, sizeof(d->scanout_resource));
	d->config_irq = d->queue_irq[0] = d->queue_irq[1] = false;
	d->kick[0] = d->kick[1] = false;
	d->mode = VGM_MODE_OK;
	d->resets++;
}

/* ---- the device: one controlq command ---- */

/* Does @r lie within a @w x @h resource?  (QEMU's checks, overflow-safe.) */
static bool rect_inside(const struct virtio_gpu_rect *r, uint32_t w, uint32_t h)
{
	return r->x <= w && r->y <= h && r->width <= w && r->height <= h && r->x + r->width <= w &&
	       r->y + r->height <= h;
}

/* TRANSFER_TO_HOST_2D reads the rows of @r from the backing: the IOMMU must let it. */
static void transfer_read(struct drm_pci_dev *d, const struct vgm_resource *res, const struct virtio_gpu_rect *r,
			  uint64_t offset)
{
	uint64_t stride = (uint64_t)res->width * 4, first, end;

	if (!r->width || !r->height)
		return;
	first = offset;
	end = offset + stride * (r->height - 1) + (uint64_t)r->width * 4;
	/* iov_to_buf() copies what lies inside the backing. */
	if (first >= res->backing_len)
		return;
	if (end > res->backing_len)
		end = res->backing_len;
	dma_ptr(d, res->backing_addr + first, end - first);
}

/*
 * Carry out one controlq command (@len bytes at @cmd); returns the response
 * type and fills @resp (@resp_len bytes).
 */
static uint32_t model_command(struct drm_pci_dev *d, const uint8_t *cmd, uint32_t len, uint8_t *resp,
			      uint32_t *resp_len)
{
	const struct virtio_gpu_ctrl_hdr *hdr = (const void *)cmd;
	int i;

	*resp_len = sizeof(struct virtio_gpu_ctrl_hdr);
	d->last_cmd = hdr->type;
	switch (hdr->type) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO: {
		struct virtio_gpu_resp_display_info *info = (void *)resp;

		memset(info, 0, sizeof(*info));
		for (unsigned int s = 0; s < d->config.num_scanouts; s++)
			info->pmodes[s] = d->pmodes[s];
		*resp_len = sizeof(*info);
		return VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
	}
	case VIRTIO_GPU_CMD_GET_EDID: {
		const struct virtio_gpu_get_edid *get = (const void *)cmd;
		struct virtio_gpu_resp_edid *edid = (void *)resp;

		if (!d->config.offer_edid || len < sizeof(*get))
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
		if (get->scanout >= d->config.num_scanouts)
			return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
		memset(edid, 0, sizeof(*edid));
		edid->size = d->edid_size[get->scanout];
		memcpy(edid->edid, d->edid[get->scanout], sizeof(edid->edid));
		*resp_len = sizeof(*edid);
		return VIRTIO_GPU_RESP_OK_EDID;
	}
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: {
		const struct virtio_gpu_resource_create_2d *c = (const void *)cmd;

		if (len < sizeof(*c) || !c->resource_id || res_find(d, c->resource_id) >= 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		for (i = 0; i < VGM_MAX_RES && d->res[i].id; i++)
			;
		if (i == VGM_MAX_RES)
			return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
		d->res[i] = (struct vgm_resource){ c->resource_id, c->width, c->height, false, 0, 0 };
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	case VIRTIO_GPU_CMD_RESOURCE_UNREF: {
		const struct virtio_gpu_resource_unref *u = (const void *)cmd;

		i = len < sizeof(*u) ? -1 : res_find(d, u->resource_id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		for (unsigned int s = 0; s < VGM_MAX_SCANOUTS; s++)
			if (d->scanout_resource[s] == d->res[i].id)
				d->scanout_resource[s] = 0;
		memset(&d->res[i], 0, sizeof(d->res[i]));
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: {
		const struct virtio_gpu_resource_attach_backing *a = (const void *)cmd;
		const struct virtio_gpu_mem_entry *e = (const void *)(cmd + sizeof(*a));
		uint64_t total = 0;

		i = len < sizeof(*a) ? -1 : res_find(d, a->resource_id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (d->res[i].attached)
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
		if (a->nr_entries == 0 || a->nr_entries > 16384 ||
		    (uint64_t)len < sizeof(*a) + (uint64_t)a->nr_entries * sizeof(*e))
			return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
		for (uint32_t n = 0; n < a->nr_entries; n++) {
			if (!dma_ptr(d, e[n].addr, e[n].length))
				return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
			total += e[n].length;
		}
		d->res[i].attached = true;
		d->res[i].backing_addr = e[0].addr;
		d->res[i].backing_len = a->nr_entries == 1 ? total : e[0].length;
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING: {
		const struct virtio_gpu_resource_unref *u = (const void *)cmd;

		i = len < sizeof(*u) ? -1 : res_find(d, u->resource_id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (!d->res[i].attached)
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
		d->res[i].attached = false;
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: {
		const struct virtio_gpu_transfer_to_host_2d *t = (const void *)cmd;

		i = len < sizeof(*t) ? -1 : res_find(d, t->resource_id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (!d->res[i].attached)
			return VIRTIO_GPU_RESP_ERR_UNSPEC;
		if (!rect_inside(&t->r, d->res[i].width, d->res[i].height))
			return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
		transfer_read(d, &d->res[i], &t->r, t->offset);
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH: {
		const struct virtio_gpu_resource_flush *f = (const void *)cmd;

		i = len < sizeof(*f) ? -1 : res_find(d, f->resource_id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (!rect_inside(&f->r, d->res[i].width, d->res[i].height))
			return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	case VIRTIO_GPU_CMD_SET_SCANOUT: {
		const struct virtio_gpu_set_scanout *s = (const void *)cmd;

		if (len < sizeof(*s) || s->scanout_id >= d->config.num_scanouts)
			return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
		if (s->resource_id == 0) {
			d->scanout_resource[s->scanout_id] = 0;
			return VIRTIO_GPU_RESP_OK_NODATA;
		}
		i = res_find(d, s->resource_id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (!rect_inside(&s->r, d->res[i].width, d->res[i].height) || s->r.width < 16 || s->r.height < 16)
			return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
		d->scanout_resource[s->scanout_id] = s->resource_id;
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	default:
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	}
}

/* ---- the device: virtqueues ---- */

struct vgm_ring {
	volatile uint16_t *avail;
	volatile uint8_t *used;
	struct vring_desc *desc;
};

static bool ring_get(struct drm_pci_dev *d, struct vgm_queue *q, struct vgm_ring *ring)
{
	if (!q->enable || !q->size)
		return false;
	ring->avail = dma_ptr(d, q->avail, 4u + 2u * q->size);
	ring->used = dma_ptr(d, q->used, 4u + 8u * q->size);
	ring->desc = dma_ptr(d, q->desc, 16u * q->size);
	return ring->avail && ring->used && ring->desc;
}

/* Publish used element (@id, @len). */
static void used_push(struct vgm_queue *q, const struct vgm_ring *ring, uint32_t id, uint32_t len)
{
	volatile uint16_t *idx = (volatile uint16_t *)(ring->used + 2);
	volatile struct vring_used_elem *e = (volatile struct vring_used_elem *)(ring->used + 4) + (*idx % q->size);

	e->id = id;
	e->len = len;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*idx = (uint16_t)(*idx + 1);
}

static const uint32_t ok_types[] = {
	VIRTIO_GPU_RESP_OK_NODATA, VIRTIO_GPU_RESP_OK_DISPLAY_INFO, VIRTIO_GPU_RESP_OK_CAPSET_INFO,
	VIRTIO_GPU_RESP_OK_CAPSET, VIRTIO_GPU_RESP_OK_EDID,
};

/*
 * Answer the command at descriptor @head as @a says: carry it out, write
 * the response and a used element.  Returns whether a used element went out.
 */
static bool answer(struct drm_pci_dev *d, unsigned int qi, const struct vgm_ring *ring, uint16_t head,
		   struct vgm_answer a)
{
	struct vgm_queue *q = &d->q[qi];
	struct vring_desc *c = &ring->desc[head % q->size], *r = NULL;
	uint8_t *cmd = dma_ptr(d, c->addr, c->len), *resp = NULL;
	uint32_t rtype, rlen = 0;

	if (c->flags & VRING_DESC_F_NEXT) {
		r = &ring->desc[c->next % q->size];
		resp = dma_ptr(d, r->addr, r->len);
	}
	if (!cmd || c->len < sizeof(struct virtio_gpu_ctrl_hdr))
		return false;
	if (qi == 0 && resp) {
		uint8_t buf[sizeof(struct virtio_gpu_resp_edid)];
		struct virtio_gpu_ctrl_hdr *h = (void *)buf;
		const struct virtio_gpu_ctrl_hdr *ch = (const void *)cmd;

		memset(buf, 0, sizeof(buf));
		if (a.kind == VGM_ERROR) {
			rtype = VIRTIO_GPU_RESP_ERR_UNSPEC + a.param % 6;
			rlen = sizeof(*h);
		} else {
			rtype = model_command(d, cmd, c->len, buf, &rlen);
		}
		if (a.kind == VGM_WRONG_TYPE) {
			uint32_t t = ok_types[a.param % 5];

			rtype = t != rtype ? t : ok_types[(a.param + 1) % 5];
		}
		if (a.kind == VGM_SHORT && rlen && !(a.param & 0x8000))
			rlen = a.param % rlen;
		h->type = rtype;
		if (ch->flags & VIRTIO_GPU_FLAG_FENCE) {
			h->flags = VIRTIO_GPU_FLAG_FENCE;
			h->fence_id = ch->fence_id;
		}
		if (rlen > r->len)
			rlen = r->len;
		memcpy(resp, buf, rlen);
		if (a.kind == VGM_SHORT && (a.param & 0x8000))
			rlen = (a.param & 0x7fffu) * 64u;
	}
	used_push(q, ring, head, rlen);
	d->isr |= VIRTIO_PCI_ISR_QUEUE;
	d->queue_irq[qi] = true;
	return true;
}

/* The standing policy's answer to a controlq command of type @type. */
static struct vgm_answer policy(struct drm_pci_dev *d, uint32_t type)
{
	if (d->mode == VGM_MODE_SILENT)
		return (struct vgm_answer){ VGM_SILENT, 0 };
	if (d->mode == VGM_MODE_NEEDS_RESET) {
		d->mode = VGM_MODE_SILENT;
		return (struct vgm_answer){ VGM_NEEDS_RESET, 0 };
	}
	if (d->err_cmd && type == d->err_cmd)
		return (struct vgm_answer){ VGM_ERROR, d->err_resp - VIRTIO_GPU_RESP_ERR_UNSPEC };
	return (struct vgm_answer){ VGM_OK, 0 };
}

/* Consume queue @qi's available ring (lock held). */
static void model_process(struct drm_pci_dev *d, unsigned int qi)
{
	struct vgm_queue *q = &d->q[qi];
	struct vgm_ring ring;

	if (!ring_get(d, q, &ring))
		return;
	while (q->last_avail != ring.avail[1]) {
		uint16_t head = ring.avail[2 + q->last_avail % q->size];
		struct vring_desc *c = &ring.desc[head % q->size];
		const struct virtio_gpu_ctrl_hdr *cmd = dma_ptr(d, c->addr, sizeof(*cmd));
		struct vgm_answer a = { VGM_OK, 0 };

		q->last_avail++;
		/* 2.1.2: a device that needs a reset does not go on until it gets one. */
		if (d->status & VIRTIO_CONFIG_S_NEEDS_RESET)
			continue;
		if (!cmd || c->len < sizeof(*cmd))
			continue;
		if (qi == 0) {
			d->cmds++;
		} else {
			const struct virtio_gpu_update_cursor *uc = NULL;

			d->cursor_cmds++;
			/* 5.7.6.10: UPDATE_CURSOR names the image shown (0: hidden); MOVE_CURSOR only moves it. */
			if (cmd->type == VIRTIO_GPU_CMD_UPDATE_CURSOR && c->len >= sizeof(*uc))
				uc = dma_ptr(d, c->addr, sizeof(*uc));
			if (uc)
				d->cursor_resource[uc->pos.scanout_id % VGM_MAX_SCANOUTS] = uc->resource_id;
		}
		if (d->decide)
			a = d->decide(d->decide_ctx, d, qi, cmd, c->len);
		else if (qi == 0)
			a = policy(d, cmd->type);
		switch (a.kind) {
		case VGM_SILENT:
			break;
		case VGM_NEEDS_RESET:
			vgm_needs_reset(d);
			break;
		case VGM_LATE:
			if (q->nheld < VGM_MAX_HELD)
				q->held[q->nheld++] = head;
			break;
		case VGM_BAD_ID:
			used_push(q, &ring, a.param, 0);
			d->isr |= VIRTIO_PCI_ISR_QUEUE;
			d->queue_irq[qi] = true;
			break;
		default:
			answer(d, qi, &ring, head, a);
			break;
		}
	}
}

void vgm_release_held(struct drm_pci_dev *d)
{
	for (unsigned int qi = 0; qi < 2; qi++) {
		struct vgm_queue *q = &d->q[qi];
		struct vgm_ring ring;

		if (!q->nheld || !ring_get(d, q, &ring) || (d->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
			q->nheld = 0;
			continue;
		}
		for (unsigned int i = 0; i < q->nheld; i++)
			answer(d, qi, &ring, q->held[i], (struct vgm_answer){ VGM_OK, 0 });
		q->nheld = 0;
	}
}

void vgm_display_event(struct drm_pci_dev *d)
{
	d->events_read |= VIRTIO_GPU_EVENT_DISPLAY;
	d->isr |= VIRTIO_PCI_ISR_CONFIG;
	d->config_irq = true;
}

void vgm_needs_reset(struct drm_pci_dev *d)
{
	d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	d->isr |= VIRTIO_PCI_ISR_CONFIG;
	d->config_irq = true;
}

/* Call the driver's handler for @vector (lock held, dropped around the call). */
static void deliver(struct drm_pci_dev *d, unsigned int vector)
{
	drm_pci_irq_handler h = d->handler;
	void *arg = d->handler_arg;

	if (!h || vector >= d->nvecs)
		return;
	d->in_handler++;
	unlock(d);
	h(arg, vector);
	lock(d);
	d->in_handler--;
	if (d->hooks.wake)
		d->hooks.wake(d->hooks.ctx);
}

void vgm_irq(struct drm_pci_dev *d, unsigned int vector)
{
	deliver(d, vector);
}

bool vgm_service(struct drm_pci_dev *d)
{
	bool any = false;

	for (unsigned int qi = 0; qi < 2; qi++) {
		if (!d->kick[qi])
			continue;
		d->kick[qi] = false;
		any = true;
		model_process(d, qi);
	}
	if (d->irq_type == DRM_PCI_IRQ_INTX) {
		/* One line for everything; the handler reads (and so clears) the ISR. */
		if (d->config_irq || d->queue_irq[0] || d->queue_irq[1]) {
			d->config_irq = d->queue_irq[0] = d->queue_irq[1] = false;
			deliver(d, 0);
			any = true;
		}
		return any;
	}
	if (d->config_irq) {
		d->config_irq = false;
		any = true;
		if (d->msix_config != VIRTIO_MSI_NO_VECTOR)
			deliver(d, d->msix_config);
	}
	for (unsigned int qi = 0; qi < 2; qi++) {
		if (!d->queue_irq[qi])
			continue;
		d->queue_irq[qi] = false;
		any = true;
		if (d->q[qi].msix != VIRTIO_MSI_NO_VECTOR)
			deliver(d, d->q[qi].msix);
	}
	return any;
}

/* ---- config space ---- */

static void put_cap(struct drm_pci_dev *d, uint8_t at, uint8_t next, uint8_t type, uint32_t off, uint32_t len,
		    uint8_t caplen)
{
	uint8_t *c = &d->cfg[at];

	c[0] = DRM_PCI_CAP_ID_VNDR;
	c[1] = next;
	c[2] = caplen;
	c[3] = type;
	c[4] = VGM_BAR;
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
}

void vgm_init(struct drm_pci_dev *d, const struct vgm_config *config, const struct vgm_hooks *hooks)
{
	uint32_t mult = VGM_NOTIFY_MULT;

	memset(d, 0, sizeof(*d));
	d->config = *config;
	if (d->config.num_scanouts < 1)
		d->config.num_scanouts = 1;
	if (d->config.num_scanouts > VGM_MAX_SCANOUTS)
		d->config.num_scanouts = VGM_MAX_SCANOUTS;
	if (hooks)
		d->hooks = *hooks;
	d->cfg[0] = 0xf4, d->cfg[1] = 0x1a;   /* 1af4 */
	d->cfg[2] = 0x50, d->cfg[3] = 0x10;   /* 1050 */
	d->cfg[6] = 0x10;                     /* status: capabilities list */
	d->cfg[0x34] = 0x40;
	put_cap(d, 0x40, 0x54, VIRTIO_PCI_CAP_COMMON_CFG, VGM_COMMON_OFF, 0x38, 16);
	put_cap(d, 0x54, 0x6c, VIRTIO_PCI_CAP_NOTIFY_CFG, VGM_NOTIFY_OFF, 0x1000, 20);
	memcpy(&d->cfg[0x54 + VIRTIO_PCI_NOTIFY_CAP_MULT], &mult, 4);
	put_cap(d, 0x6c, 0x7c, VIRTIO_PCI_CAP_ISR_CFG, VGM_ISR_OFF, 4, 16);
	put_cap(d, 0x7c, 0, VIRTIO_PCI_CAP_DEVICE_CFG, VGM_DEVICE_OFF, 16, 16);
	d->msix_config = VIRTIO_MSI_NO_VECTOR;
	d->pmodes[0].r.width = 1024;
	d->pmodes[0].r.height = 768;
	d->pmodes[0].enabled = 1;
}

/* ---- core/platform_pci.h ---- */

void drm_platform_pci_get_id(const struct drm_pci_dev *dev, struct drm_pci_id *id)
{
	(void)dev;
	*id = (struct drm_pci_id){ .vendor = 0x1af4, .device = 0x1050, .class = 0x038000 };
}

const char *drm_platform_pci_name(const struct drm_pci_dev *dev)
{
	(void)dev;
	return "0000:00:99.0";
}

uint32_t drm_platform_pci_config_size(const struct drm_pci_dev *dev)
{
	(void)dev;
	return 256;
}

int drm_platform_pci_read_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t *val)
{
	if (where >= 256)
		return -EINVAL;
	*val = dev->cfg[where];
	return 0;
}

int drm_platform_pci_read_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t *val)
{
	if (where > 254 || (where & 1))
		return -EINVAL;
	memcpy(val, &dev->cfg[where], 2);
	return 0;
}

int drm_platform_pci_read_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t *val)
{
	if (where > 252 || (where & 3))
		return -EINVAL;
	memcpy(val, &dev->cfg[where], 4);
	return 0;
}

/* Config space is read-only here (the driver writes none of it). */
int drm_platform_pci_write_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t val)
{
	(void)dev, (void)val;
	return where < 256 ? 0 : -EINVAL;
}

int drm_platform_pci_write_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t val)
{
	(void)dev, (void)val;
	return where <= 254 && !(where & 1) ? 0 : -EINVAL;
}

int drm_platform_pci_write_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t val)
{
	(void)dev, (void)val;
	return where <= 252 && !(where & 3) ? 0 : -EINVAL;
}

int drm_platform_pci_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t *cap_id)
{
	uint8_t p = (pos ? dev->cfg[pos + 1] : dev->cfg[0x34]) & 0xfc;

	if (p < 0x40)
		return 0;
	if (cap_id)
		*cap_id = dev->cfg[p];
	return p;
}

int drm_platform_pci_find_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t cap_id)
{
	uint8_t p = pos ? dev->cfg[pos + 1] : dev->cfg[0x34];

	for (int ttl = 48; p >= 0x40 && ttl--; p = dev->cfg[p + 1])
		if (dev->cfg[p] == cap_id)
			return p;
	return 0;
}

int drm_platform_pci_find_capability(struct drm_pci_dev *dev, uint8_t cap_id)
{
	return drm_platform_pci_find_next_capability(dev, 0, cap_id);
}

int drm_platform_pci_set_master(struct drm_pci_dev *dev, bool enable)
{
	(void)dev;
	(void)enable;
	return 0;
}

int drm_platform_pci_bar_info(struct drm_pci_dev *dev, unsigned int bar, struct drm_pci_bar_info *info)
{
	(void)dev;
	if (bar >= DRM_PCI_NUM_BARS)
		return -EINVAL;
	*info = (struct drm_pci_bar_info){ bar == VGM_BAR ? VGM_BAR_SIZE : 0, bar == VGM_BAR ? DRM_PCI_BAR_MEM64 : 0 };
	return 0;
}

void *drm_platform_pci_bar_map(struct drm_pci_dev *dev, unsigned int bar)
{
	(void)dev;
	(void)bar;
	return NULL;  /* registers only through the accessors, so the model sees every access */
}

static uint64_t common_read(struct drm_pci_dev *d, uint32_t off)
{
	struct vgm_queue *q = &d->q[d->qselect < 2 ? d->qselect : 0];
	uint64_t features = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM);

	if (d->config.offer_edid)
		features |= 1ull << VIRTIO_GPU_F_EDID;
	switch (off) {
	case VIRTIO_PCI_COMMON_DF: return (uint32_t)(features >> (d->dfselect ? 32 : 0));
	case VIRTIO_PCI_COMMON_MSIX: return d->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ: return 2;
	case VIRTIO_PCI_COMMON_STATUS: return d->status;
	case VIRTIO_PCI_COMMON_Q_SIZE: return d->qselect >= 2 ? 0 : q->size ? q->size : VGM_QSIZE;
	case VIRTIO_PCI_COMMON_Q_MSIX: return q->msix;
	case VIRTIO_PCI_COMMON_Q_ENABLE: return q->enable;
	case VIRTIO_PCI_COMMON_Q_NOFF: return d->qselect;
	default: return 0;
	}
}

/* An MSI-X vector the device accepts: one of those granted, else NO_VECTOR (4.1.5.1.2). */
static uint16_t msix_accept(const struct drm_pci_dev *d, uint64_t v)
{
	return d->irq_type == DRM_PCI_IRQ_MSIX && v < d->nvecs ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR;
}

static void common_write(struct drm_pci_dev *d, uint32_t off, uint64_t v)
{
	struct vgm_queue *q = &d->q[d->qselect < 2 ? d->qselect : 0];

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: d->dfselect = (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_GFSELECT: d->gfselect = (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_GF:
		d->driver_features &= d->gfselect ? 0xffffffffull : ~0xffffffffull;
		d->driver_features |= v << (d->gfselect ? 32 : 0);
		break;
	case VIRTIO_PCI_COMMON_MSIX: d->msix_config = msix_accept(d, v); break;
	case VIRTIO_PCI_COMMON_STATUS:
		if (v == 0) {
			model_reset(d);
		} else {
			d->status = (uint8_t)v | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
			if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && d->refuse_features) {
				d->status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;  /* 3.1.1 step 6 */
				d->refuse_features = false;
			}
		}
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT: d->qselect = (uint16_t)v; break;
	default:
		if (d->qselect >= 2)
			break;
		switch (off) {
		case VIRTIO_PCI_COMMON_Q_SIZE: q->size = (uint16_t)v; break;
		case VIRTIO_PCI_COMMON_Q_MSIX: q->msix = msix_accept(d, v); break;
		case VIRTIO_PCI_COMMON_Q_ENABLE: q->enable = (uint16_t)v; break;
		case VIRTIO_PCI_COMMON_Q_DESCLO: q->desc = (q->desc & ~0xffffffffull) | (uint32_t)v; break;
		case VIRTIO_PCI_COMMON_Q_DESCLO + 4: q->desc = (q->desc & 0xffffffffull) | v << 32; break;
		case VIRTIO_PCI_COMMON_Q_AVAILLO: q->avail = (q->avail & ~0xffffffffull) | (uint32_t)v; break;
		case VIRTIO_PCI_COMMON_Q_AVAILLO + 4: q->avail = (q->avail & 0xffffffffull) | v << 32; break;
		case VIRTIO_PCI_COMMON_Q_USEDLO: q->used = (q->used & ~0xffffffffull) | (uint32_t)v; break;
		case VIRTIO_PCI_COMMON_Q_USEDLO + 4: q->used = (q->used & 0xffffffffull) | v << 32; break;
		default: break;
		}
	}
}

static int bar_read(struct drm_pci_dev *d, unsigned int bar, uint64_t off, uint64_t *val)
{
	if (bar != VGM_BAR || off >= VGM_BAR_SIZE)
		return -EINVAL;
	lock(d);
	if (off < VGM_ISR_OFF) {
		*val = common_read(d, (uint32_t)off);
	} else if (off == VGM_ISR_OFF) {
		*val = d->isr;   /* reading acknowledges (4.1.4.5) */
		d->isr = 0;
	} else if (off >= VGM_DEVICE_OFF && off < VGM_DEVICE_OFF + 16) {
		uint32_t o = (uint32_t)(off - VGM_DEVICE_OFF);

		*val = o == VIRTIO_GPU_CFG_EVENTS_READ    ? d->events_read
		       : o == VIRTIO_GPU_CFG_NUM_SCANOUTS ? d->config.num_scanouts
							  : 0;
	} else {
		*val = 0;
	}
	unlock(d);
	return 0;
}

static int bar_write(struct drm_pci_dev *d, unsigned int bar, uint64_t off, uint64_t val)
{
	if (bar != VGM_BAR || off >= VGM_BAR_SIZE)
		return -EINVAL;
	lock(d);
	if (off < VGM_ISR_OFF) {
		common_write(d, (uint32_t)off, val);
	} else if (off == VGM_DEVICE_OFF + VIRTIO_GPU_CFG_EVENTS_CLEAR) {
		d->events_read &= ~(uint32_t)val;
	} else if (off >= VGM_NOTIFY_OFF && val < 2) {
		d->kick[val] = true;
		if (d->hooks.wake)
			d->hooks.wake(d->hooks.ctx);
	}
	unlock(d);
	return 0;
}

#define BAR_RW(bits)                                                                                     \
	int drm_platform_pci_bar_read##bits(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset,   \
					    uint##bits##_t *val)                                          \
	{                                                                                                \
		uint64_t v = 0;                                                                          \
		int ret = bar_read(dev, bar, offset, &v);                                                \
		*val = ret ? (uint##bits##_t)~0ull : (uint##bits##_t)v;                                  \
		return ret;                                                                              \
	}                                                                                                \
	int drm_platform_pci_bar_write##bits(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset,  \
					     uint##bits##_t val)                                          \
	{                                                                                                \
		return bar_write(dev, bar, offset, val);                                                 \
	}
BAR_RW(8)
BAR_RW(16)
BAR_RW(32)
BAR_RW(64)

/* ---- DMA: the IOMMU's table; IOVA = the host address, page-rounded sizes ---- */

static int map_add(struct drm_pci_dev *d, void *vaddr, uint64_t size, struct drm_shmem *shmem, uint64_t *iova)
{
	lock(d);
	for (int i = 0; i < VGM_MAX_MAPS; i++) {
		if (!d->maps[i].vaddr) {
			d->maps[i] = (struct vgm_map){ (uintptr_t)vaddr, (size + 4095) & ~4095ull, vaddr, shmem };
			*iova = (uintptr_t)vaddr;
			unlock(d);
			return 0;
		}
	}
	unlock(d);
	return -ENOSPC;
}

int drm_platform_pci_dma_map_shmem(struct drm_pci_dev *dev, struct drm_shmem *shmem, enum drm_pci_dma_dir dir,
				   uint64_t *iova)
{
	int ret;

	(void)dir;
	ret = map_add(dev, drm_platform_shmem_vaddr(shmem), drm_platform_shmem_size(shmem), shmem, iova);
	if (!ret)
		drm_platform_shmem_get(shmem);
	return ret;
}

/* Remove the mapping at @iova (coherent or not as @coherent says); its record, or an empty one. */
static struct vgm_map map_del(struct drm_pci_dev *d, uint64_t iova, bool coherent)
{
	struct vgm_map m = { 0 };

	lock(d);
	for (int i = 0; i < VGM_MAX_MAPS; i++) {
		if (d->maps[i].vaddr && d->maps[i].iova == iova && (d->maps[i].shmem == NULL) == coherent) {
			m = d->maps[i];
			memset(&d->maps[i], 0, sizeof(d->maps[i]));
			break;
		}
	}
	unlock(d);
	return m;
}

int drm_platform_pci_dma_unmap(struct drm_pci_dev *dev, uint64_t iova)
{
	struct vgm_map m = map_del(dev, iova, false);

	if (!m.vaddr)
		return -ENOENT;
	drm_platform_shmem_put(m.shmem);
	return 0;
}

int drm_platform_pci_dma_alloc_coherent(struct drm_pci_dev *dev, uint64_t size, void **vaddr, uint64_t *iova)
{
	uint64_t rounded = (size + 4095) & ~4095ull;
	void *p;

	if (!size)
		return -EINVAL;
	p = aligned_alloc(4096, rounded);
	if (!p)
		return -ENOMEM;
	memset(p, 0, rounded);
	if (map_add(dev, p, rounded, NULL, iova)) {
		free(p);
		return -ENOSPC;
	}
	*vaddr = p;
	return 0;
}

int drm_platform_pci_dma_free_coherent(struct drm_pci_dev *dev, void *vaddr)
{
	struct vgm_map m = map_del(dev, (uintptr_t)vaddr, true);

	if (!m.vaddr)
		return -ENOENT;
	free(m.vaddr);
	return 0;
}

void drm_platform_pci_dma_stats(struct drm_pci_dev *dev, struct drm_pci_dma_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	lock(dev);
	for (int i = 0; i < VGM_MAX_MAPS; i++) {
		if (!dev->maps[i].vaddr)
			continue;
		stats->mappings++;
		stats->coherent += dev->maps[i].shmem == NULL;
		stats->bytes += dev->maps[i].size;
	}
	unlock(dev);
}

/* ---- interrupts ---- */

int drm_platform_pci_irq_request(struct drm_pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
				 unsigned int types, drm_pci_irq_handler handler, void *arg)
{
	int ret;

	if (!min_vecs || max_vecs < min_vecs || !handler)
		return -EINVAL;
	lock(dev);
	if (dev->nvecs) {
		ret = -EBUSY;
	} else if ((types & DRM_PCI_IRQ_MSIX) && dev->config.msix_vectors >= min_vecs) {
		dev->irq_type = DRM_PCI_IRQ_MSIX;
		dev->nvecs = max_vecs < dev->config.msix_vectors ? max_vecs : dev->config.msix_vectors;
		ret = (int)dev->nvecs;
	} else if ((types & DRM_PCI_IRQ_INTX) && min_vecs == 1) {
		dev->irq_type = DRM_PCI_IRQ_INTX;
		dev->nvecs = 1;
		ret = 1;
	} else {
		ret = -ENOSPC;
	}
	if (ret > 0) {
		dev->handler = handler;
		dev->handler_arg = arg;
	}
	unlock(dev);
	return ret;
}

unsigned int drm_platform_pci_irq_type(const struct drm_pci_dev *dev)
{
	return dev->nvecs ? dev->irq_type : 0;
}

unsigned int drm_platform_pci_irq_count(const struct drm_pci_dev *dev)
{
	return dev->nvecs;
}

int drm_platform_pci_irq_free(struct drm_pci_dev *dev)
{
	lock(dev);
	dev->handler = NULL;
	dev->nvecs = 0;
	dev->irq_type = 0;
	while (dev->in_handler && dev->hooks.wait)
		dev->hooks.wait(dev->hooks.ctx);
	unlock(dev);
	return 0;
}

int drm_platform_pci_reset(struct drm_pci_dev *dev)
{
	lock(dev);
	model_reset(dev);
	unlock(dev);
	return 0;
}
