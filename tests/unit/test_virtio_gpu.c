/*
 * test_virtio_gpu.c - the virtio-gpu driver core (drivers/virtio) against a
 * simulated device: device faults that QEMU will not produce on demand.
 *
 * This file implements core/platform_pci.h itself (the Makefile links this
 * test without vfio/vfio_pci.o): one fake PCI function whose config space
 * carries the virtio 1.x vendor capabilities (virtio spec v1.2, 4.1.4), whose
 * BAR 4 holds the common, ISR, device and notify structures, and whose "DMA"
 * is ordinary memory checked against the live mappings as an IOMMU would.
 * Behind it a small virtio-gpu model (5.7) consumes the split virtqueues
 * (2.7) on its own thread and answers with used-ring entries and MSI-X
 * interrupts delivered on that thread, as the platform's interrupt thread.
 *
 * What the model can be told to do: answer a given command with an error
 * response, swallow commands without answering (a hung device), or set
 * DEVICE_NEEDS_RESET (2.1.2) and send a config interrupt instead of
 * answering.  A reset (status 0) brings it back, with its resources gone,
 * as a real device's.
 *
 * Checked: the client gets the errno (ENOMEM, EINVAL, ETIMEDOUT, EIO); the
 * daemon logs the command; the driver resets and reinitialises the device
 * and re-creates its live resources; nothing leaks (GEM objects, DMA
 * mappings, model resources).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <virtgpu_drm.h>

#include "harness.h"
#include "core/platform_pci.h"
#include "drivers/virtio/virtgpu_drv.h"

/* ------------------------------------------------------------------ */
/* The fake PCI function and its virtio-gpu model                      */
/* ------------------------------------------------------------------ */

#define BAR 4
#define BAR_SIZE 0x4000u
#define COMMON_OFF 0x0000u
#define ISR_OFF 0x1000u
#define DEVICE_OFF 0x2000u
#define NOTIFY_OFF 0x3000u
#define NOTIFY_MULT 4u
#define MODEL_QSIZE 64u
#define MAX_RES 64
#define MAX_MAPS 256

enum model_mode {
	MODEL_OK,          /* answer everything */
	MODEL_SILENT,      /* take commands, never answer (a hung device) */
	MODEL_NEEDS_RESET, /* on the next command: DEVICE_NEEDS_RESET + config interrupt, no answer */
};

struct model_queue {
	uint16_t size, msix, enable;
	uint64_t desc, avail, used;
	uint16_t last_avail;
};

struct dma_map {
	uint64_t iova, size;
	void *vaddr;
	struct drm_shmem *shmem;  /* NULL: coherent */
};

struct drm_pci_dev {
	uint8_t cfg[256];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop, kick[2];
	/* common config */
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint16_t msix_config, qselect;
	uint8_t status, isr;
	struct model_queue q[2];
	uint32_t events_read;
	/* interrupts */
	drm_pci_irq_handler handler;
	void *handler_arg;
	unsigned int nvecs;
	int in_handler;
	/* DMA */
	struct dma_map maps[MAX_MAPS];
	unsigned int dma_faults;
	/* the model's state, read by the tests under lock */
	enum model_mode mode;
	uint32_t err_cmd, err_resp;         /* answer command type err_cmd with err_resp */
	uint32_t res[MAX_RES];               /* live resource ids (0: free) */
	bool res_attached[MAX_RES];
	uint32_t scanout_resource;
	unsigned int resets, cmds, cursor_cmds;
	uint32_t last_cmd;
};

static struct drm_pci_dev fake;

static int res_find(struct drm_pci_dev *d, uint32_t id)
{
	for (int i = 0; id && i < MAX_RES; i++)
		if (d->res[i] == id)
			return i;
	return -1;
}

/* The IOMMU: device access to [addr, addr+len) only inside a live mapping. */
static void *dma_ptr(struct drm_pci_dev *d, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < MAX_MAPS; i++) {
		struct dma_map *m = &d->maps[i];

		if (m->vaddr && addr >= m->iova && addr + len <= m->iova + m->size)
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
	memset(d->res_attached, 0, sizeof(d->res_attached));
	d->scanout_resource = 0;
	d->mode = MODEL_OK;
	d->resets++;
}

/* One controlq command: the response type (and fills @resp for DISPLAY_INFO). */
static uint32_t model_command(struct drm_pci_dev *d, const uint8_t *cmd, uint32_t len, uint8_t *resp,
			      uint32_t *resp_len)
{
	const struct virtio_gpu_ctrl_hdr *hdr = (const void *)cmd;
	uint32_t id;
	int i;

	*resp_len = sizeof(struct virtio_gpu_ctrl_hdr);
	d->last_cmd = hdr->type;
	if (d->err_cmd && hdr->type == d->err_cmd)
		return d->err_resp;
	switch (hdr->type) {
	case VIRTIO_GPU_CMD_GET_DISPLAY_INFO: {
		struct virtio_gpu_resp_display_info *info = (void *)resp;

		memset(info, 0, sizeof(*info));
		info->pmodes[0].r.width = 1024;
		info->pmodes[0].r.height = 768;
		info->pmodes[0].enabled = 1;
		*resp_len = sizeof(*info);
		return VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
	}
	case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D:
		id = ((const struct virtio_gpu_resource_create_2d *)cmd)->resource_id;
		if (!id || res_find(d, id) >= 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		for (i = 0; i < MAX_RES && d->res[i]; i++)
			;
		if (i == MAX_RES)
			return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
		d->res[i] = id;
		d->res_attached[i] = false;
		return VIRTIO_GPU_RESP_OK_NODATA;
	case VIRTIO_GPU_CMD_RESOURCE_UNREF:
	case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING:
	case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D:
	case VIRTIO_GPU_CMD_RESOURCE_FLUSH:
		/* Their resource_id sits at the same offset after the header, except TRANSFER's and FLUSH's. */
		if (hdr->type == VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D)
			id = ((const struct virtio_gpu_transfer_to_host_2d *)cmd)->resource_id;
		else if (hdr->type == VIRTIO_GPU_CMD_RESOURCE_FLUSH)
			id = ((const struct virtio_gpu_resource_flush *)cmd)->resource_id;
		else if (hdr->type == VIRTIO_GPU_CMD_RESOURCE_UNREF)
			id = ((const struct virtio_gpu_resource_unref *)cmd)->resource_id;
		else
			id = ((const struct virtio_gpu_resource_attach_backing *)cmd)->resource_id;
		i = res_find(d, id);
		if (i < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		if (hdr->type == VIRTIO_GPU_CMD_RESOURCE_UNREF)
			d->res[i] = 0;
		if (hdr->type == VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING) {
			const struct virtio_gpu_mem_entry *e =
				(const void *)(cmd + sizeof(struct virtio_gpu_resource_attach_backing));

			if (len < sizeof(struct virtio_gpu_resource_attach_backing) + sizeof(*e) ||
			    !dma_ptr(d, e->addr, e->length))
				return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
			d->res_attached[i] = true;
		}
		return VIRTIO_GPU_RESP_OK_NODATA;
	case VIRTIO_GPU_CMD_SET_SCANOUT:
		id = ((const struct virtio_gpu_set_scanout *)cmd)->resource_id;
		if (id && res_find(d, id) < 0)
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		d->scanout_resource = id;
		return VIRTIO_GPU_RESP_OK_NODATA;
	default:
		return VIRTIO_GPU_RESP_ERR_UNSPEC;
	}
}

/* Consume queue @qi's available ring (lock held); returns whether an interrupt is due. */
static bool model_process(struct drm_pci_dev *d, unsigned int qi, bool *config_irq)
{
	struct model_queue *q = &d->q[qi];
	volatile uint16_t *avail;
	volatile uint8_t *used;
	struct vring_desc *desc;
	bool irq = false;

	if (!q->enable || !q->size)
		return false;
	avail = dma_ptr(d, q->avail, 4u + 2u * q->size);
	used = dma_ptr(d, q->used, 4u + 8u * q->size);
	desc = dma_ptr(d, q->desc, 16u * q->size);
	if (!avail || !used || !desc)
		return false;
	while (q->last_avail != avail[1]) {
		uint16_t head = avail[2 + q->last_avail % q->size];
		struct vring_desc *c = &desc[head % q->size], *r = NULL;
		uint8_t *cmd = dma_ptr(d, c->addr, c->len), *resp = NULL;
		uint32_t rtype, rlen = 0;
		volatile struct vring_used_elem *e;

		q->last_avail++;
		if (c->flags & VRING_DESC_F_NEXT) {
			r = &desc[c->next % q->size];
			resp = dma_ptr(d, r->addr, r->len);
		}
		if (!cmd)
			continue;
		if (qi == 1) {
			d->cursor_cmds++;
		} else {
			d->cmds++;
			if (d->mode == MODEL_SILENT)
				continue;
			if (d->mode == MODEL_NEEDS_RESET) {
				d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
				d->isr |= VIRTIO_PCI_ISR_CONFIG;
				*config_irq = true;
				d->mode = MODEL_SILENT;
				continue;
			}
			if (resp) {
				uint8_t buf[sizeof(struct virtio_gpu_resp_display_info)];
				struct virtio_gpu_ctrl_hdr *h = (void *)buf;

				memset(buf, 0, sizeof(buf));
				rtype = model_command(d, cmd, c->len, buf, &rlen);
				h->type = rtype;
				if (((const struct virtio_gpu_ctrl_hdr *)cmd)->flags & VIRTIO_GPU_FLAG_FENCE) {
					h->flags = VIRTIO_GPU_FLAG_FENCE;
					h->fence_id = ((const struct virtio_gpu_ctrl_hdr *)cmd)->fence_id;
				}
				if (rlen > r->len)
					rlen = r->len;
				memcpy(resp, buf, rlen);
			}
		}
		e = (volatile struct vring_used_elem *)(used + 4) + (*(volatile uint16_t *)(used + 2) % q->size);
		e->id = head;
		e->len = rlen;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		*(volatile uint16_t *)(used + 2) = (uint16_t)(*(volatile uint16_t *)(used + 2) + 1);
		d->isr |= VIRTIO_PCI_ISR_QUEUE;
		irq = true;
	}
	return irq;
}

static void deliver(struct drm_pci_dev *d, unsigned int vector)
{
	drm_pci_irq_handler h = d->handler;
	void *arg = d->handler_arg;

	if (!h || vector >= d->nvecs)
		return;
	d->in_handler++;
	pthread_mutex_unlock(&d->lock);
	h(arg, vector);
	pthread_mutex_lock(&d->lock);
	d->in_handler--;
	pthread_cond_broadcast(&d->cond);
}

static void *model_thread(void *arg)
{
	struct drm_pci_dev *d = arg;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		bool any = false;

		for (unsigned int qi = 0; qi < 2; qi++) {
			bool config = false, irq;

			if (!d->kick[qi])
				continue;
			any = true;
			d->kick[qi] = false;
			irq = model_process(d, qi, &config);
			if (config)
				deliver(d, d->msix_config);
			if (irq && d->q[qi].msix != VIRTIO_MSI_NO_VECTOR)
				deliver(d, d->q[qi].msix);
		}
		if (!any)
			pthread_cond_wait(&d->cond, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void put_cap(uint8_t at, uint8_t next, uint8_t type, uint32_t off, uint32_t len, uint8_t caplen)
{
	uint8_t *c = &fake.cfg[at];

	c[0] = DRM_PCI_CAP_ID_VNDR;
	c[1] = next;
	c[2] = caplen;
	c[3] = type;
	c[4] = BAR;
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
}

static void fake_init(void)
{
	uint32_t mult = NOTIFY_MULT;

	memset(&fake, 0, sizeof(fake));
	pthread_mutex_init(&fake.lock, NULL);
	pthread_cond_init(&fake.cond, NULL);
	fake.cfg[0] = 0xf4, fake.cfg[1] = 0x1a;   /* 1af4 */
	fake.cfg[2] = 0x50, fake.cfg[3] = 0x10;   /* 1050 */
	fake.cfg[6] = 0x10;                        /* status: capabilities list */
	fake.cfg[0x34] = 0x40;
	put_cap(0x40, 0x54, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFF, 0x38, 16);
	put_cap(0x54, 0x6c, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFF, 0x1000, 20);
	memcpy(&fake.cfg[0x54 + VIRTIO_PCI_NOTIFY_CAP_MULT], &mult, 4);
	put_cap(0x6c, 0x7c, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFF, 4, 16);
	put_cap(0x7c, 0, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFF, 16, 16);
	fake.msix_config = VIRTIO_MSI_NO_VECTOR;
	pthread_create(&fake.thread, NULL, model_thread, &fake);
}

static void fake_fini(void)
{
	pthread_mutex_lock(&fake.lock);
	fake.stop = true;
	pthread_cond_broadcast(&fake.cond);
	pthread_mutex_unlock(&fake.lock);
	pthread_join(fake.thread, NULL);
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

int drm_platform_pci_find_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t cap_id)
{
	uint8_t p = pos ? dev->cfg[pos + 1] : dev->cfg[0x34];

	for (int ttl = 48; p >= 0x40 && ttl--; p = dev->cfg[p + 1])
		if (dev->cfg[p] == cap_id)
			return p;
	return 0;
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
	*info = (struct drm_pci_bar_info){ bar == BAR ? BAR_SIZE : 0, bar == BAR ? DRM_PCI_BAR_MEM64 : 0 };
	return 0;
}

static uint64_t common_read(struct drm_pci_dev *d, uint32_t off)
{
	struct model_queue *q = &d->q[d->qselect < 2 ? d->qselect : 0];
	const uint64_t features = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_ACCESS_PLATFORM);

	switch (off) {
	case VIRTIO_PCI_COMMON_DF: return (uint32_t)(features >> (d->dfselect ? 32 : 0));
	case VIRTIO_PCI_COMMON_MSIX: return d->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ: return 2;
	case VIRTIO_PCI_COMMON_STATUS: return d->status;
	case VIRTIO_PCI_COMMON_Q_SIZE: return q->size ? q->size : MODEL_QSIZE;
	case VIRTIO_PCI_COMMON_Q_MSIX: return q->msix;
	case VIRTIO_PCI_COMMON_Q_ENABLE: return q->enable;
	case VIRTIO_PCI_COMMON_Q_NOFF: return d->qselect;
	default: return 0;
	}
}

static void common_write(struct drm_pci_dev *d, uint32_t off, uint64_t v)
{
	struct model_queue *q = &d->q[d->qselect < 2 ? d->qselect : 0];

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: d->dfselect = (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_GFSELECT: d->gfselect = (uint32_t)v; break;
	case VIRTIO_PCI_COMMON_GF:
		d->driver_features &= d->gfselect ? 0xffffffffull : ~0xffffffffull;
		d->driver_features |= v << (d->gfselect ? 32 : 0);
		break;
	case VIRTIO_PCI_COMMON_MSIX: d->msix_config = (uint16_t)v; break;
	case VIRTIO_PCI_COMMON_STATUS:
		if (v == 0)
			model_reset(d);
		else
			d->status = (uint8_t)v | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
		break;
	case VIRTIO_PCI_COMMON_Q_SELECT: d->qselect = (uint16_t)v; break;
	case VIRTIO_PCI_COMMON_Q_SIZE: q->size = (uint16_t)v; break;
	case VIRTIO_PCI_COMMON_Q_MSIX: q->msix = (uint16_t)v; break;
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

static int bar_read(struct drm_pci_dev *d, unsigned int bar, uint64_t off, uint64_t *val)
{
	if (bar != BAR || off >= BAR_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (off < ISR_OFF) {
		*val = common_read(d, (uint32_t)off);
	} else if (off == ISR_OFF) {
		*val = d->isr;   /* reading acknowledges (4.1.4.5) */
		d->isr = 0;
	} else if (off >= DEVICE_OFF && off < DEVICE_OFF + 16) {
		uint32_t o = (uint32_t)(off - DEVICE_OFF);

		*val = o == VIRTIO_GPU_CFG_EVENTS_READ ? d->events_read : o == VIRTIO_GPU_CFG_NUM_SCANOUTS ? 1 : 0;
	} else {
		*val = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int bar_write(struct drm_pci_dev *d, unsigned int bar, uint64_t off, uint64_t val)
{
	if (bar != BAR || off >= BAR_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (off < ISR_OFF) {
		common_write(d, (uint32_t)off, val);
	} else if (off == DEVICE_OFF + VIRTIO_GPU_CFG_EVENTS_CLEAR) {
		d->events_read &= ~(uint32_t)val;
	} else if (off >= NOTIFY_OFF && val < 2) {
		d->kick[val] = true;
		pthread_cond_broadcast(&d->cond);
	}
	pthread_mutex_unlock(&d->lock);
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

static int map_add(struct drm_pci_dev *d, void *vaddr, uint64_t size, struct drm_shmem *shmem, uint64_t *iova)
{
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < MAX_MAPS; i++) {
		if (!d->maps[i].vaddr) {
			d->maps[i] = (struct dma_map){ (uintptr_t)vaddr, (size + 4095) & ~4095ull, vaddr, shmem };
			*iova = (uintptr_t)vaddr;
			pthread_mutex_unlock(&d->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return -ENOSPC;
}

int drm_platform_pci_dma_map_shmem(struct drm_pci_dev *dev, struct drm_shmem *shmem, enum drm_pci_dma_dir dir,
				   uint64_t *iova)
{
	(void)dir;
	return map_add(dev, drm_platform_shmem_vaddr(drm_platform_shmem_get(shmem)), drm_platform_shmem_size(shmem),
		       shmem, iova);
}

/* Remove the mapping at @iova (coherent or not as @coherent says); its record, or an empty one. */
static struct dma_map map_del(struct drm_pci_dev *d, uint64_t iova, bool coherent)
{
	struct dma_map m = { 0 };

	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < MAX_MAPS; i++) {
		if (d->maps[i].vaddr && d->maps[i].iova == iova && (d->maps[i].shmem == NULL) == coherent) {
			m = d->maps[i];
			memset(&d->maps[i], 0, sizeof(d->maps[i]));
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return m;
}

int drm_platform_pci_dma_unmap(struct drm_pci_dev *dev, uint64_t iova)
{
	struct dma_map m = map_del(dev, iova, false);

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
	struct dma_map m = map_del(dev, (uintptr_t)vaddr, true);

	if (!m.vaddr)
		return -ENOENT;
	free(m.vaddr);
	return 0;
}

void drm_platform_pci_dma_stats(struct drm_pci_dev *dev, struct drm_pci_dma_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	pthread_mutex_lock(&dev->lock);
	for (int i = 0; i < MAX_MAPS; i++) {
		if (!dev->maps[i].vaddr)
			continue;
		stats->mappings++;
		stats->coherent += dev->maps[i].shmem == NULL;
		stats->bytes += dev->maps[i].size;
	}
	pthread_mutex_unlock(&dev->lock);
}

int drm_platform_pci_irq_request(struct drm_pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
				 unsigned int types, drm_pci_irq_handler handler, void *arg)
{
	if (!min_vecs || max_vecs < min_vecs || !(types & DRM_PCI_IRQ_MSIX) || min_vecs > 3)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	dev->handler = handler;
	dev->handler_arg = arg;
	dev->nvecs = max_vecs < 3 ? max_vecs : 3;
	pthread_mutex_unlock(&dev->lock);
	return (int)dev->nvecs;
}

unsigned int drm_platform_pci_irq_type(const struct drm_pci_dev *dev)
{
	return dev->nvecs ? DRM_PCI_IRQ_MSIX : 0;
}

int drm_platform_pci_irq_free(struct drm_pci_dev *dev)
{
	pthread_mutex_lock(&dev->lock);
	dev->handler = NULL;
	dev->nvecs = 0;
	while (dev->in_handler)
		pthread_cond_wait(&dev->cond, &dev->lock);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

struct vt {
	struct drm_device *dev;
	struct drm_file *file;
	struct drm_device_stats base;
};

static struct drm_device_stats stats(struct drm_device *dev)
{
	struct drm_device_stats s;

	drm_device_get_stats(dev, &s);
	return s;
}

static void model_set(enum model_mode mode, uint32_t err_cmd, uint32_t err_resp)
{
	pthread_mutex_lock(&fake.lock);
	fake.mode = mode;
	fake.err_cmd = err_cmd;
	fake.err_resp = err_resp;
	pthread_mutex_unlock(&fake.lock);
}

static unsigned int model_resources(bool attached_only)
{
	unsigned int n = 0;

	pthread_mutex_lock(&fake.lock);
	for (int i = 0; i < MAX_RES; i++)
		n += fake.res[i] && (!attached_only || fake.res_attached[i]);
	pthread_mutex_unlock(&fake.lock);
	return n;
}

static unsigned int model_resets(void)
{
	unsigned int n;

	pthread_mutex_lock(&fake.lock);
	n = fake.resets;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

/* Poll @cond for up to 10 s: the driver's work items run on the platform's timer thread. */
#define WAIT_FOR(cond)                                                              \
	do {                                                                        \
		for (int i_ = 0; i_ < 1000 && !(cond); i_++)                         \
			usleep(10000);                                              \
		assert_true(cond);                                                  \
	} while (0)

static int vt_setup_opts(void **state, const char *opts)
{
	struct vt *t = calloc(1, sizeof(*t));

	fake_init();
	if (!t || drm_device_create_pci(&virtio_gpu_driver, opts, &fake, &t->dev))
		return -1;
	t->file = test_open(t->dev, DRM_MINOR_PRIMARY, false);
	t->base = stats(t->dev);
	*state = t;
	return 0;
}

static int vt_setup(void **state)
{
	return vt_setup_opts(state, "");
}

static int vt_setup_short_timeout(void **state)
{
	return vt_setup_opts(state, "cmd_timeout_ms=100");
}

static int vt_teardown(void **state)
{
	struct vt *t = *state;
	struct drm_device_stats s;
	struct drm_pci_dma_stats dma;

	drm_file_release(t->file);
	s = stats(t->dev);
	drm_device_destroy(t->dev);
	drm_platform_pci_dma_stats(&fake, &dma);
	fake_fini();
	free(t);
	/* Nothing outlives its client, and unload gives back every mapping and the device's resources. */
	if (s.gem_objects || s.framebuffers || dma.mappings || model_resources(false) || fake.dma_faults) {
		fprintf(stderr, "leak: gem %u fbs %u dma %u resources %u dma faults %u\n", s.gem_objects,
			s.framebuffers, dma.mappings, model_resources(false), fake.dma_faults);
		return -1;
	}
	return 0;
}

static int create_dumb(struct drm_file *f, uint32_t w, uint32_t h, uint32_t *handle)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	int ret = test_ioctl(f, DRM_IOCTL_MODE_CREATE_DUMB, &c);

	*handle = c.handle;
	return ret;
}

static void destroy_dumb(struct drm_file *f, uint32_t handle)
{
	struct drm_mode_destroy_dumb d = { .handle = handle };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_MODE_DESTROY_DUMB, &d), 0);
}

/* The daemon's log while @call runs (drm_platform_log writes to stderr). */
static char logbuf[16384];
#define CAPTURE_LOG(call)                                                            \
	do {                                                                         \
		FILE *tmp_ = tmpfile();                                              \
		int saved_ = dup(2);                                                 \
		size_t n_;                                                           \
		fflush(stderr);                                                      \
		dup2(fileno(tmp_), 2);                                               \
		call;                                                                \
		fflush(stderr);                                                      \
		dup2(saved_, 2);                                                     \
		close(saved_);                                                       \
		rewind(tmp_);                                                        \
		n_ = fread(logbuf, 1, sizeof(logbuf) - 1, tmp_);                     \
		logbuf[n_] = '\0';                                                   \
		fclose(tmp_);                                                        \
		fputs(logbuf, stderr);                                               \
	} while (0)

/** The model answers like a device: a dumb buffer is a resource with backing, one DMA mapping. */
static void test_dumb_buffer_on_model(void **state)
{
	struct vt *t = *state;
	uint32_t h;

	/* The baseline: the rings and command slots of two queues, all coherent. */
	assert_int_equal(t->base.dma_mappings, 8);
	assert_int_equal(t->base.dma_coherent, 8);
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	assert_int_equal(model_resources(true), 1);
	assert_int_equal(stats(t->dev).dma_mappings, 9);
	assert_int_equal(stats(t->dev).dma_bytes, t->base.dma_bytes + 64 * 64 * 4);
	destroy_dumb(t->file, h);
	assert_int_equal(model_resources(false), 0);
	assert_int_equal(stats(t->dev).dma_mappings, 8);
}

/** Error responses: the client gets the kernel's errno, the log names the command, nothing leaks. */
static void test_error_responses(void **state)
{
	struct vt *t = *state;
	uint32_t h;
	int ret;

	model_set(MODEL_OK, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -ENOMEM);
	assert_non_null(strstr(logbuf, "RESOURCE_CREATE_2D answered ERR_OUT_OF_MEMORY"));

	/* A command on a resource id the device does not know (here: it refuses ATTACH_BACKING's). */
	model_set(MODEL_OK, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(logbuf, "RESOURCE_ATTACH_BACKING answered ERR_INVALID_RESOURCE_ID"));
	/* The driver unreferenced the resource it had created, and unmapped the memory. */
	assert_int_equal(model_resources(false), 0);
	assert_int_equal(stats(t->dev).gem_objects, 0);
	assert_int_equal(stats(t->dev).dma_mappings, t->base.dma_mappings);

	model_set(MODEL_OK, 0, 0);
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	destroy_dumb(t->file, h);
	assert_int_equal(model_resets(), 1); /* only the one at load */
}

/**
 * No answer: ETIMEDOUT after cmd_timeout_ms, logged with the command; the
 * device is reset and reinitialised, and the next command works.
 */
static void test_timeout_resets_device(void **state)
{
	struct vt *t = *state;
	uint32_t keep, h;
	int ret;

	assert_int_equal(create_dumb(t->file, 32, 32, &keep), 0);
	model_set(MODEL_SILENT, 0, 0);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -ETIMEDOUT);
	assert_non_null(strstr(logbuf, "RESOURCE_CREATE_2D on queue 0: no response within 100 ms"));
	/* The hung device comes back with a reset (by the config work item or the next command). */
	WAIT_FOR(model_resets() == 2);
	WAIT_FOR(model_resources(true) == 1); /* the live buffer's resource, re-created with its backing */
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	assert_int_equal(model_resources(true), 2);
	destroy_dumb(t->file, h);
	destroy_dumb(t->file, keep);
	assert_int_equal(stats(t->dev).dma_mappings, t->base.dma_mappings);
}

/**
 * DEVICE_NEEDS_RESET (virtio 2.1.2) while a command waits: the waiter gets
 * EIO at once (the timeout is the default 5 s, so ETIMEDOUT would mean the
 * config interrupt was missed); the driver resets and reinitialises the
 * device, re-creates the live resource and works again.
 */
static void test_needs_reset(void **state)
{
	struct vt *t = *state;
	uint32_t keep, h;
	int ret;

	assert_int_equal(create_dumb(t->file, 32, 32, &keep), 0);
	model_set(MODEL_NEEDS_RESET, 0, 0);
	CAPTURE_LOG(ret = create_dumb(t->file, 64, 64, &h));
	assert_int_equal(ret, -EIO);
	assert_non_null(strstr(logbuf, "RESOURCE_CREATE_2D on queue 0: failed, the device needs a reset"));
	WAIT_FOR(model_resets() == 2);
	WAIT_FOR(model_resources(true) == 1);
	assert_int_equal(create_dumb(t->file, 64, 64, &h), 0);
	destroy_dumb(t->file, h);
	destroy_dumb(t->file, keep);
	assert_int_equal(model_resources(false), 0);
	assert_int_equal(stats(t->dev).dma_mappings, t->base.dma_mappings);
}

/* The resource id of GEM handle @h (VIRTGPU_RESOURCE_INFO). */
static uint32_t resource_of(struct drm_file *f, uint32_t h)
{
	struct drm_virtgpu_resource_info ri = { .bo_handle = h };

	assert_int_equal(test_ioctl(f, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &ri), 0);
	return ri.res_handle;
}

static uint32_t model_scanout(void)
{
	uint32_t r;

	pthread_mutex_lock(&fake.lock);
	r = fake.scanout_resource;
	pthread_mutex_unlock(&fake.lock);
	return r;
}

/**
 * A lit scanout survives a reset: DEVICE_NEEDS_RESET during DIRTYFB's
 * TRANSFER_TO_HOST_2D gives the client EIO; after the reset the device
 * shows the same resource again (SET_SCANOUT resent) and DIRTYFB works.
 */
static void test_needs_reset_restores_scanout(void **state)
{
	struct vt *t = *state;
	struct drm_mode_card_res r = { 0 };
	struct drm_mode_get_connector gc = { 0 };
	struct drm_mode_modeinfo *modes;
	uint32_t crtc, conn, handle, pitch, fb, res;
	struct drm_mode_crtc c = { .count_connectors = 1, .mode_valid = 1 };
	struct drm_mode_fb_dirty_cmd dirty = { 0 };

	r.crtc_id_ptr = test_ptr(&crtc);
	r.connector_id_ptr = test_ptr(&conn);
	r.count_crtcs = r.count_connectors = 1;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_GETRESOURCES, &r), 0);
	gc.connector_id = conn;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_GETCONNECTOR, &gc), 0);
	assert_true(gc.count_modes > 0);
	modes = calloc(gc.count_modes, sizeof(*modes));
	gc.modes_ptr = test_ptr(modes);
	gc.count_props = gc.count_encoders = 0;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_GETCONNECTOR, &gc), 0);
	fb = test_create_fb(t->file, modes[0].hdisplay, modes[0].vdisplay, DRM_FORMAT_XRGB8888, &handle, &pitch);
	res = resource_of(t->file, handle);
	c.crtc_id = crtc;
	c.fb_id = fb;
	c.set_connectors_ptr = test_ptr(&conn);
	c.mode = modes[0];
	free(modes);
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_SETCRTC, &c), 0);
	assert_int_equal(model_scanout(), res);

	model_set(MODEL_NEEDS_RESET, 0, 0);
	dirty.fb_id = fb;
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_DIRTYFB, &dirty), -EIO);
	WAIT_FOR(model_resets() == 2);
	WAIT_FOR(model_scanout() == res);
	assert_int_equal(model_resources(true), 1);
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_DIRTYFB, &dirty), 0);
	/* RMFB of the scanned-out fb turns the CRTC off: SET_SCANOUT 0. */
	assert_int_equal(test_ioctl(t->file, DRM_IOCTL_MODE_RMFB, &fb), 0);
	assert_int_equal(model_scanout(), 0);
}

/** A bad driver option fails the load with EINVAL. */
static void test_bad_option(void **state)
{
	struct drm_device *dev = NULL;

	(void)state;
	fake_init();
	assert_int_equal(drm_device_create_pci(&virtio_gpu_driver, "cmd_timeout_ms=0", &fake, &dev), -EINVAL);
	assert_int_equal(drm_device_create_pci(&virtio_gpu_driver, "bogus=1", &fake, &dev), -EINVAL);
	fake_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dumb_buffer_on_model, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_error_responses, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_resets_device, vt_setup_short_timeout, vt_teardown),
		cmocka_unit_test_setup_teardown(test_needs_reset, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_needs_reset_restores_scanout, vt_setup, vt_teardown),
		cmocka_unit_test(test_bad_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
