/*
 * vfio_pci.c - core/platform_pci.h on Linux, through VFIO (vfio_pci.h).
 *
 * One container per device, with the type1 v2 IOMMU; the device's group is
 * its only group.  BARs that VFIO allows to mmap are mapped at open; others
 * are reached with pread/pwrite on the device fd at the region's offset.
 * DMA mappings are VFIO_IOMMU_MAP_DMA of the daemon's own mapping of a
 * shmem (a sealed memfd), at IOVAs from vfio/iova.c.  Each interrupt
 * vector is an eventfd; one thread per device waits on all of them with
 * epoll and calls the driver's handler.
 */
#include "vfio_pci.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iova.h"
#include "pci_cap.h"
#include "platform_linux.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MASTER 0x4
#define PCI_BASE_ADDRESS_0 0x10

/* One live DMA mapping: a shmem's pages at @iova, or coherent memory (also a shmem, private). */
struct vfio_dma {
	uint64_t iova;
	uint64_t size;          /* page-rounded, as mapped */
	struct drm_shmem *shmem; /* holds a reference */
	bool coherent;
	struct vfio_dma *next;
};

struct vfio_bar {
	uint64_t offset;        /* of the region in the device fd */
	uint64_t size;
	uint32_t flags;         /* DRM_PCI_BAR_* */
	void *map;              /* whole-BAR mapping, or NULL */
};

struct drm_pci_dev {
	char bdf[VFIO_BDF_LEN];
	int group_nr;
	int container_fd, group_fd, device_fd;
	uint32_t device_flags; /* VFIO_DEVICE_FLAGS_* */
	uint32_t num_irqs;
	struct drm_pci_id id;
	uint64_t config_offset;
	uint32_t config_size;
	struct vfio_bar bars[DRM_PCI_NUM_BARS];

	pthread_mutex_t dma_lock; /* iova, dma, stats */
	struct vfio_iova_allocator iova;
	struct vfio_dma *dma;
	struct drm_pci_dma_stats stats;

	/* Interrupts: set up and torn down by one thread at a time (platform_pci.h). */
	unsigned int irq_type;  /* DRM_PCI_IRQ_*, 0 when none */
	unsigned int irq_index; /* VFIO_PCI_*_IRQ_INDEX */
	unsigned int irq_count;
	int *irq_fds;
	int irq_epoll, irq_stop;
	pthread_t irq_thread;
	drm_pci_irq_handler irq_handler;
	void *irq_arg;
};

static void errf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Identity and config space                                           */
/* ------------------------------------------------------------------ */

void drm_platform_pci_get_id(const struct drm_pci_dev *dev, struct drm_pci_id *id)
{
	*id = dev->id;
}

const char *drm_platform_pci_name(const struct drm_pci_dev *dev)
{
	return dev->bdf;
}

uint32_t drm_platform_pci_config_size(const struct drm_pci_dev *dev)
{
	return dev->config_size;
}

int drm_platform_linux_pci_group(const struct drm_pci_dev *dev)
{
	return dev->group_nr;
}

/* pread/pwrite exactly @n bytes of the device fd; 0 or -EIO. */
static int dev_pread(struct drm_pci_dev *dev, void *buf, size_t n, uint64_t off)
{
	ssize_t r = pread(dev->device_fd, buf, n, (off_t)off);

	return r == (ssize_t)n ? 0 : -EIO;
}

static int dev_pwrite(struct drm_pci_dev *dev, const void *buf, size_t n, uint64_t off)
{
	ssize_t r = pwrite(dev->device_fd, buf, n, (off_t)off);

	return r == (ssize_t)n ? 0 : -EIO;
}

static int config_check(const struct drm_pci_dev *dev, uint32_t where, uint32_t n)
{
	if (where % n || where >= dev->config_size || n > dev->config_size - where)
		return -EINVAL;
	return 0;
}

int drm_platform_pci_read_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t *val)
{
	int ret = config_check(dev, where, 1);

	*val = 0xff;
	if (!ret)
		ret = dev_pread(dev, val, 1, dev->config_offset + where);
	if (ret)
		*val = 0xff;
	return ret;
}

int drm_platform_pci_read_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t *val)
{
	uint16_t le = 0xffff;
	int ret = config_check(dev, where, 2);

	if (!ret)
		ret = dev_pread(dev, &le, 2, dev->config_offset + where);
	*val = ret ? 0xffff : le16toh(le);
	return ret;
}

int drm_platform_pci_read_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t *val)
{
	uint32_t le = 0xffffffff;
	int ret = config_check(dev, where, 4);

	if (!ret)
		ret = dev_pread(dev, &le, 4, dev->config_offset + where);
	*val = ret ? 0xffffffff : le32toh(le);
	return ret;
}

int drm_platform_pci_write_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t val)
{
	int ret = config_check(dev, where, 1);

	return ret ? ret : dev_pwrite(dev, &val, 1, dev->config_offset + where);
}

int drm_platform_pci_write_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t val)
{
	uint16_t le = htole16(val);
	int ret = config_check(dev, where, 2);

	return ret ? ret : dev_pwrite(dev, &le, 2, dev->config_offset + where);
}

int drm_platform_pci_write_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t val)
{
	uint32_t le = htole32(val);
	int ret = config_check(dev, where, 4);

	return ret ? ret : dev_pwrite(dev, &le, 4, dev->config_offset + where);
}

static int cfg_read8(void *ctx, uint32_t where, uint8_t *val)
{
	return drm_platform_pci_read_config_byte(ctx, where, val);
}

int drm_platform_pci_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t *cap_id)
{
	return vfio_pci_cap_next(cfg_read8, dev, pos, cap_id);
}

int drm_platform_pci_find_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t cap_id)
{
	for (;;) {
		uint8_t id;
		int next = vfio_pci_cap_next(cfg_read8, dev, pos, &id);

		if (next <= 0 || id == cap_id)
			return next;
		pos = (uint8_t)next;
	}
}

int drm_platform_pci_find_capability(struct drm_pci_dev *dev, uint8_t cap_id)
{
	return drm_platform_pci_find_next_capability(dev, 0, cap_id);
}

int drm_platform_pci_set_master(struct drm_pci_dev *dev, bool enable)
{
	uint16_t cmd, want;
	int ret = drm_platform_pci_read_config_word(dev, PCI_COMMAND, &cmd);

	if (ret)
		return ret;
	want = enable ? (uint16_t)(cmd | PCI_COMMAND_MASTER) : (uint16_t)(cmd & ~PCI_COMMAND_MASTER);
	return want == cmd ? 0 : drm_platform_pci_write_config_word(dev, PCI_COMMAND, want);
}

/* ------------------------------------------------------------------ */
/* BARs                                                                */
/* ------------------------------------------------------------------ */

int drm_platform_pci_bar_info(struct drm_pci_dev *dev, unsigned int bar, struct drm_pci_bar_info *info)
{
	if (bar >= DRM_PCI_NUM_BARS)
		return -EINVAL;
	info->size = dev->bars[bar].size;
	info->flags = dev->bars[bar].flags;
	return 0;
}

void *drm_platform_pci_bar_map(struct drm_pci_dev *dev, unsigned int bar)
{
	return bar < DRM_PCI_NUM_BARS ? dev->bars[bar].map : NULL;
}

/* The BAR for an access of @n bytes at @offset, or NULL if the access is not allowed. */
static struct vfio_bar *bar_check(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, unsigned int n)
{
	struct vfio_bar *b;

	if (bar >= DRM_PCI_NUM_BARS)
		return NULL;
	b = &dev->bars[bar];
	if (!b->size || offset % n || offset >= b->size || n > b->size - offset)
		return NULL;
	return b;
}

#define DEFINE_BAR_ACCESS(bits)                                                                       \
	int drm_platform_pci_bar_read##bits(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, \
					    uint##bits##_t *val)                                      \
	{                                                                                             \
		struct vfio_bar *b = bar_check(dev, bar, offset, bits / 8);                           \
		uint##bits##_t le;                                                                    \
                                                                                                      \
		*val = (uint##bits##_t)~(uint##bits##_t)0;                                            \
		if (!b)                                                                               \
			return -EINVAL;                                                               \
		if (b->map) {                                                                         \
			le = *(volatile uint##bits##_t *)((char *)b->map + offset);                   \
		} else if (dev_pread(dev, &le, bits / 8, b->offset + offset)) {                       \
			return -EIO;                                                                  \
		}                                                                                     \
		*val = le##bits##toh(le);                                                             \
		return 0;                                                                             \
	}                                                                                             \
	int drm_platform_pci_bar_write##bits(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, \
					     uint##bits##_t val)                                      \
	{                                                                                             \
		struct vfio_bar *b = bar_check(dev, bar, offset, bits / 8);                           \
		uint##bits##_t le = hto##le##bits(val);                                               \
                                                                                                      \
		if (!b)                                                                               \
			return -EINVAL;                                                               \
		if (b->map) {                                                                         \
			*(volatile uint##bits##_t *)((char *)b->map + offset) = le;                   \
			return 0;                                                                     \
		}                                                                                     \
		return dev_pwrite(dev, &le, bits / 8, b->offset + offset);                            \
	}

/* One byte has no byte order. */
#define le8toh(x) (x)
#define htole8(x) (x)
DEFINE_BAR_ACCESS(8)
DEFINE_BAR_ACCESS(16)
DEFINE_BAR_ACCESS(32)
DEFINE_BAR_ACCESS(64)

/* ------------------------------------------------------------------ */
/* DMA                                                                 */
/* ------------------------------------------------------------------ */

static uint32_t dma_flags(enum drm_pci_dma_dir dir)
{
	switch (dir) {
	case DRM_PCI_DMA_BIDIRECTIONAL:
		return VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	case DRM_PCI_DMA_TO_DEVICE:
		return VFIO_DMA_MAP_FLAG_READ;
	case DRM_PCI_DMA_FROM_DEVICE:
		return VFIO_DMA_MAP_FLAG_WRITE;
	}
	return 0;
}

/* Map @shmem (whose reference passes to the mapping on success); caller holds dma_lock. */
static int dma_map_locked(struct drm_pci_dev *dev, struct drm_shmem *shmem, enum drm_pci_dma_dir dir,
			  bool coherent, uint64_t *iova)
{
	struct vfio_iommu_type1_dma_map map;
	struct vfio_dma *d;
	uint64_t size = vfio_iova_round(&dev->iova, drm_platform_shmem_size(shmem));
	uint32_t flags = dma_flags(dir);
	int ret;

	if (!flags)
		return -EINVAL;
	if (!size)
		return -ENOSPC;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = vfio_iova_alloc(&dev->iova, size, dev->iova.page_size, &d->iova);
	if (ret) {
		free(d);
		return ret;
	}
	memset(&map, 0, sizeof(map));
	map.argsz = sizeof(map);
	map.flags = flags;
	map.vaddr = (uint64_t)(uintptr_t)drm_platform_shmem_vaddr(shmem);
	map.iova = d->iova;
	map.size = size;
	if (ioctl(dev->container_fd, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		ret = -errno;
		vfio_iova_free(&dev->iova, d->iova, NULL);
		free(d);
		drm_err("%s: VFIO_IOMMU_MAP_DMA of %llu bytes at IOVA 0x%llx: %s", dev->bdf,
			(unsigned long long)size, (unsigned long long)map.iova, strerror(-ret));
		return ret;
	}
	d->size = size;
	d->shmem = shmem;
	d->coherent = coherent;
	d->next = dev->dma;
	dev->dma = d;
	dev->stats.mappings++;
	dev->stats.coherent += coherent;
	dev->stats.bytes += size;
	*iova = d->iova;
	return 0;
}

/* Unmap and free @d, already unlinked; caller holds dma_lock. */
static void dma_unmap_locked(struct drm_pci_dev *dev, struct vfio_dma *d)
{
	struct vfio_iommu_type1_dma_unmap unmap;

	memset(&unmap, 0, sizeof(unmap));
	unmap.argsz = sizeof(unmap);
	unmap.iova = d->iova;
	unmap.size = d->size;
	if (ioctl(dev->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
		drm_err("%s: VFIO_IOMMU_UNMAP_DMA at IOVA 0x%llx: %s", dev->bdf, (unsigned long long)d->iova,
			strerror(errno));
	vfio_iova_free(&dev->iova, d->iova, NULL);
	dev->stats.mappings--;
	dev->stats.coherent -= d->coherent;
	dev->stats.bytes -= d->size;
	drm_platform_shmem_put(d->shmem);
	free(d);
}

int drm_platform_pci_dma_map_shmem(struct drm_pci_dev *dev, struct drm_shmem *shmem, enum drm_pci_dma_dir dir,
				   uint64_t *iova)
{
	int ret;

	if (!shmem)
		return -EINVAL;
	drm_platform_shmem_get(shmem);
	pthread_mutex_lock(&dev->dma_lock);
	ret = dma_map_locked(dev, shmem, dir, false, iova);
	pthread_mutex_unlock(&dev->dma_lock);
	if (ret)
		drm_platform_shmem_put(shmem);
	return ret;
}

/* Unlink and unmap the mapping for which @match(d, key) holds. */
static int dma_release(struct drm_pci_dev *dev, bool coherent, uint64_t iova, const void *vaddr)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&dev->dma_lock);
	for (struct vfio_dma **p = &dev->dma; *p; p = &(*p)->next) {
		struct vfio_dma *d = *p;

		if (d->coherent != coherent)
			continue;
		if (coherent ? drm_platform_shmem_vaddr(d->shmem) != vaddr : d->iova != iova)
			continue;
		*p = d->next;
		dma_unmap_locked(dev, d);
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&dev->dma_lock);
	return ret;
}

int drm_platform_pci_dma_unmap(struct drm_pci_dev *dev, uint64_t iova)
{
	return dma_release(dev, false, iova, NULL);
}

int drm_platform_pci_dma_alloc_coherent(struct drm_pci_dev *dev, uint64_t size, void **vaddr, uint64_t *iova)
{
	struct drm_shmem *mem;
	uint64_t rounded;
	int ret;

	if (!size)
		return -EINVAL;
	rounded = vfio_iova_round(&dev->iova, size);
	if (!rounded)
		return -ENOMEM;
	/* A memfd like any GEM object: zeroed, shared (no copy-on-write after a fork). */
	mem = drm_platform_shmem_alloc(rounded);
	if (!mem)
		return -ENOMEM;
	pthread_mutex_lock(&dev->dma_lock);
	ret = dma_map_locked(dev, mem, DRM_PCI_DMA_BIDIRECTIONAL, true, iova);
	pthread_mutex_unlock(&dev->dma_lock);
	if (ret) {
		drm_platform_shmem_put(mem);
		return ret;
	}
	*vaddr = drm_platform_shmem_vaddr(mem);
	return 0;
}

int drm_platform_pci_dma_free_coherent(struct drm_pci_dev *dev, void *vaddr)
{
	if (!vaddr)
		return -ENOENT;
	return dma_release(dev, true, 0, vaddr);
}

void drm_platform_pci_dma_stats(struct drm_pci_dev *dev, struct drm_pci_dma_stats *stats)
{
	pthread_mutex_lock(&dev->dma_lock);
	*stats = dev->stats;
	pthread_mutex_unlock(&dev->dma_lock);
}

/* ------------------------------------------------------------------ */
/* Interrupts                                                          */
/* ------------------------------------------------------------------ */

static int set_irqs(struct drm_pci_dev *dev, uint32_t flags, unsigned int index, unsigned int start,
		    unsigned int count, const void *data, size_t data_len)
{
	struct vfio_irq_set *set;
	size_t sz = sizeof(*set) + data_len;
	int ret = 0;

	set = calloc(1, sz);
	if (!set)
		return -ENOMEM;
	set->argsz = (uint32_t)sz;
	set->flags = flags;
	set->index = index;
	set->start = start;
	set->count = count;
	if (data_len)
		memcpy(set->data, data, data_len);
	if (ioctl(dev->device_fd, VFIO_DEVICE_SET_IRQS, set) < 0)
		ret = -errno;
	free(set);
	return ret;
}

static void *irq_thread_main(void *arg)
{
	struct drm_pci_dev *dev = arg;

	for (;;) {
		struct epoll_event ev[16];
		int n = epoll_wait(dev->irq_epoll, ev, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			drm_err("%s: interrupt thread: epoll_wait: %s", dev->bdf, strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			unsigned int vector = ev[i].data.u32;
			uint64_t count;

			if (vector == UINT32_MAX)
				return NULL; /* irq_stop */
			if (read(dev->irq_fds[vector], &count, sizeof(count)) != sizeof(count))
				continue; /* EAGAIN: already consumed */
			dev->irq_handler(dev->irq_arg, vector);
			/* INTx is level triggered: VFIO masks it when it fires; unmask once serviced. */
			if (dev->irq_type == DRM_PCI_IRQ_INTX)
				set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
					 VFIO_PCI_INTX_IRQ_INDEX, 0, 1, NULL, 0);
		}
	}
}

static void irq_close_fds(struct drm_pci_dev *dev)
{
	for (unsigned int i = 0; dev->irq_fds && i < dev->irq_count; i++)
		if (dev->irq_fds[i] >= 0)
			close(dev->irq_fds[i]);
	free(dev->irq_fds);
	dev->irq_fds = NULL;
	if (dev->irq_epoll >= 0)
		close(dev->irq_epoll);
	if (dev->irq_stop >= 0)
		close(dev->irq_stop);
	dev->irq_epoll = dev->irq_stop = -1;
	dev->irq_count = 0;
}

/* Try to enable @count vectors of VFIO index @index; 0 or -errno (nothing left behind on failure). */
static int irq_enable(struct drm_pci_dev *dev, unsigned int type, unsigned int index, unsigned int count)
{
	struct epoll_event ev;
	int ret;

	dev->irq_count = count;
	dev->irq_fds = malloc(count * sizeof(int));
	for (unsigned int i = 0; dev->irq_fds && i < count; i++)
		dev->irq_fds[i] = -1;
	dev->irq_epoll = epoll_create1(EPOLL_CLOEXEC);
	dev->irq_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!dev->irq_fds || dev->irq_epoll < 0 || dev->irq_stop < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	for (unsigned int i = 0; i < count; i++) {
		dev->irq_fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (dev->irq_fds[i] < 0) {
			ret = -errno;
			goto fail;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = 0;
		ev.data.u32 = i;
		if (epoll_ctl(dev->irq_epoll, EPOLL_CTL_ADD, dev->irq_fds[i], &ev) < 0) {
			ret = -errno;
			goto fail;
		}
	}
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	ev.data.u32 = UINT32_MAX;
	if (epoll_ctl(dev->irq_epoll, EPOLL_CTL_ADD, dev->irq_stop, &ev) < 0) {
		ret = -errno;
		goto fail;
	}
	/* The thread and the type it unmasks for exist before the first interrupt can arrive. */
	dev->irq_type = type;
	dev->irq_index = index;
	ret = -pthread_create(&dev->irq_thread, NULL, irq_thread_main, dev);
	if (ret)
		goto fail;
	ret = set_irqs(dev, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, count,
		       dev->irq_fds, count * sizeof(int));
	if (ret) {
		uint64_t one = 1;

		if (write(dev->irq_stop, &one, sizeof(one)) != sizeof(one))
			drm_err("%s: cannot stop the interrupt thread", dev->bdf);
		pthread_join(dev->irq_thread, NULL);
		goto fail;
	}
	return 0;
fail:
	dev->irq_type = 0;
	irq_close_fds(dev);
	return ret;
}

int drm_platform_pci_irq_request(struct drm_pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
				 unsigned int types, drm_pci_irq_handler handler, void *arg)
{
	static const struct {
		unsigned int type, index;
	} order[] = {
		{ DRM_PCI_IRQ_MSIX, VFIO_PCI_MSIX_IRQ_INDEX },
		{ DRM_PCI_IRQ_MSI, VFIO_PCI_MSI_IRQ_INDEX },
		{ DRM_PCI_IRQ_INTX, VFIO_PCI_INTX_IRQ_INDEX },
	};
	int last = -ENOSPC;

	if (!handler || !min_vecs || min_vecs > max_vecs || !(types & DRM_PCI_IRQ_ALL_TYPES) ||
	    (types & ~DRM_PCI_IRQ_ALL_TYPES))
		return -EINVAL;
	if (dev->irq_type)
		return -EBUSY;
	dev->irq_handler = handler;
	dev->irq_arg = arg;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct vfio_irq_info info;
		unsigned int n;
		int ret;

		if (!(types & order[i].type) || order[i].index >= dev->num_irqs)
			continue;
		memset(&info, 0, sizeof(info));
		info.argsz = sizeof(info);
		info.index = order[i].index;
		if (ioctl(dev->device_fd, VFIO_DEVICE_GET_IRQ_INFO, &info) < 0)
			continue;
		if (!(info.flags & VFIO_IRQ_INFO_EVENTFD) || info.count < min_vecs)
			continue;
		n = info.count < max_vecs ? info.count : max_vecs;
		ret = irq_enable(dev, order[i].type, order[i].index, n);
		if (ret) {
			drm_warn("%s: enabling %u vectors of VFIO irq index %u: %s", dev->bdf, n, order[i].index,
				 strerror(-ret));
			last = ret;
			continue;
		}
		return (int)n;
	}
	return last;
}

unsigned int drm_platform_pci_irq_type(const struct drm_pci_dev *dev)
{
	return dev->irq_type;
}

unsigned int drm_platform_pci_irq_count(const struct drm_pci_dev *dev)
{
	return dev->irq_type ? dev->irq_count : 0;
}

int drm_platform_pci_irq_free(struct drm_pci_dev *dev)
{
	uint64_t one = 1;

	if (!dev->irq_type)
		return 0;
	if (pthread_equal(pthread_self(), dev->irq_thread))
		return -EDEADLK;
	/* Disable the index first, so no new interrupt is signalled, then stop the thread. */
	set_irqs(dev, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, dev->irq_index, 0, 0, NULL, 0);
	if (write(dev->irq_stop, &one, sizeof(one)) != sizeof(one))
		drm_err("%s: cannot stop the interrupt thread", dev->bdf);
	pthread_join(dev->irq_thread, NULL);
	irq_close_fds(dev);
	dev->irq_type = 0;
	return 0;
}

int drm_platform_linux_pci_irq_trigger(struct drm_pci_dev *dev, unsigned int vector)
{
	uint8_t one = 1;

	if (!dev->irq_type || vector >= dev->irq_count)
		return -EINVAL;
	return set_irqs(dev, VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER, dev->irq_index, vector, 1, &one,
			1);
}

/* ------------------------------------------------------------------ */
/* Reset                                                               */
/* ------------------------------------------------------------------ */

int drm_platform_pci_reset(struct drm_pci_dev *dev)
{
	if (!(dev->device_flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTTY;
	return ioctl(dev->device_fd, VFIO_DEVICE_RESET) < 0 ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* Open and close                                                      */
/* ------------------------------------------------------------------ */

/*
 * VFIO_IOMMU_GET_INFO with its capability chain: the smallest IOMMU page
 * and the usable IOVA ranges; then the allocator over them.
 */
static int iommu_setup(struct drm_pci_dev *dev, char *err, size_t errlen)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_iova_span *spans = NULL;
	size_t nspans = 0, sz = sizeof(*info);
	uint64_t page = 4096;
	int ret;

	for (;;) {
		info = calloc(1, sz);
		if (!info)
			return -ENOMEM;
		info->argsz = (uint32_t)sz;
		if (ioctl(dev->container_fd, VFIO_IOMMU_GET_INFO, info) < 0) {
			ret = -errno;
			errf(err, errlen, "%s: VFIO_IOMMU_GET_INFO: %s", dev->bdf, strerror(-ret));
			free(info);
			return ret;
		}
		if (info->argsz <= sz)
			break;
		sz = info->argsz;
		free(info);
	}
	if ((info->flags & VFIO_IOMMU_INFO_PGSIZES) && info->iova_pgsizes)
		page = info->iova_pgsizes & -info->iova_pgsizes;
	if ((info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		uint32_t off = info->cap_offset;
		int guard = 0;

		while (off && off + sizeof(struct vfio_info_cap_header) <= sz && guard++ < 64) {
			struct vfio_info_cap_header *h = (void *)((char *)info + off);

			if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;

				if (off + sizeof(*r) + (size_t)r->nr_iovas * sizeof(r->iova_ranges[0]) > sz)
					break;
				spans = calloc(r->nr_iovas ? r->nr_iovas : 1, sizeof(*spans));
				if (!spans) {
					free(info);
					return -ENOMEM;
				}
				for (uint32_t i = 0; i < r->nr_iovas; i++) {
					spans[i].start = r->iova_ranges[i].start;
					spans[i].last = r->iova_ranges[i].end;
				}
				nspans = r->nr_iovas;
			}
			if (h->next <= off)
				break;
			off = h->next;
		}
	}
	free(info);
	if (!nspans) {
		/*
		 * Kernels before 5.4 report no ranges: take the lowest 39 bits
		 * (the narrowest common VT-d width) minus the x86 MSI window.
		 */
		free(spans);
		spans = calloc(2, sizeof(*spans));
		if (!spans)
			return -ENOMEM;
		spans[0] = (struct vfio_iova_span){ 0, 0xfedfffffull };
		spans[1] = (struct vfio_iova_span){ 0xfef00000ull, (1ull << 39) - 1 };
		nspans = 2;
	}
	ret = vfio_iova_init(&dev->iova, spans, nspans, page);
	free(spans);
	if (ret)
		errf(err, errlen, "%s: the IOMMU reports no usable IOVA range", dev->bdf);
	return ret;
}

/* Does region info @ri (of @sz bytes) carry a sparse mmap capability? */
static bool region_is_sparse(const struct vfio_region_info *ri, size_t sz)
{
	uint32_t off;
	int guard = 0;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return false;
	off = ri->cap_offset;
	while (off && off + sizeof(struct vfio_info_cap_header) <= sz && guard++ < 64) {
		const struct vfio_info_cap_header *h = (const void *)((const char *)ri + off);

		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP)
			return true;
		if (h->next <= off)
			break;
		off = h->next;
	}
	return false;
}

/* VFIO_DEVICE_GET_REGION_INFO of @index with its caps; *@out malloc'ed. */
static int region_info(struct drm_pci_dev *dev, unsigned int index, struct vfio_region_info **out, size_t *outsz)
{
	size_t sz = sizeof(struct vfio_region_info);

	for (;;) {
		struct vfio_region_info *ri = calloc(1, sz);

		if (!ri)
			return -ENOMEM;
		ri->argsz = (uint32_t)sz;
		ri->index = index;
		if (ioctl(dev->device_fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			int ret = -errno;

			free(ri);
			return ret;
		}
		if (ri->argsz <= sz) {
			*out = ri;
			*outsz = sz;
			return 0;
		}
		sz = ri->argsz;
		free(ri);
	}
}

static int regions_setup(struct drm_pci_dev *dev, char *err, size_t errlen)
{
	struct vfio_region_info *ri;
	bool upper_half = false;
	/* Debugging knob (vfio_pci.h): every BAR access through pread/pwrite. */
	bool no_mmap = getenv("CUSE_DRM_VFIO_NO_MMAP") != NULL;
	size_t sz;
	int ret;

	ret = region_info(dev, VFIO_PCI_CONFIG_REGION_INDEX, &ri, &sz);
	if (ret) {
		errf(err, errlen, "%s: VFIO_DEVICE_GET_REGION_INFO (config space): %s", dev->bdf, strerror(-ret));
		return ret;
	}
	dev->config_offset = ri->offset;
	dev->config_size = ri->size > 4096 ? 4096 : (uint32_t)ri->size;
	free(ri);

	for (unsigned int bar = 0; bar < DRM_PCI_NUM_BARS; bar++) {
		struct vfio_bar *b = &dev->bars[bar];
		uint32_t reg = 0;

		ret = region_info(dev, VFIO_PCI_BAR0_REGION_INDEX + bar, &ri, &sz);
		if (ret) {
			errf(err, errlen, "%s: VFIO_DEVICE_GET_REGION_INFO (BAR%u): %s", dev->bdf, bar,
			     strerror(-ret));
			return ret;
		}
		b->offset = ri->offset;
		b->size = upper_half ? 0 : ri->size;
		if (b->size && drm_platform_pci_read_config_dword(dev, PCI_BASE_ADDRESS_0 + 4 * bar, &reg) == 0) {
			if (reg & 1) {
				b->flags = DRM_PCI_BAR_IO;
			} else {
				if (((reg >> 1) & 3) == 2)
					b->flags |= DRM_PCI_BAR_MEM64;
				if (reg & 8)
					b->flags |= DRM_PCI_BAR_PREFETCH;
			}
		}
		upper_half = !upper_half && (b->flags & DRM_PCI_BAR_MEM64);
		if (b->size && !(b->flags & DRM_PCI_BAR_IO) && (ri->flags & VFIO_REGION_INFO_FLAG_MMAP) && !no_mmap &&
		    !region_is_sparse(ri, sz) && b->size <= SIZE_MAX) {
			void *p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->device_fd,
				       (off_t)b->offset);

			if (p != MAP_FAILED) {
				b->map = p;
				b->flags |= DRM_PCI_BAR_MMAP;
			} else {
				drm_dbg("%s: mmap of BAR%u: %s; using pread/pwrite", dev->bdf, bar, strerror(errno));
			}
		}
		free(ri);
	}
	return 0;
}

static int read_identity(struct drm_pci_dev *dev)
{
	uint32_t cls;
	uint8_t hdr;
	int ret;

	ret = drm_platform_pci_read_config_word(dev, 0x00, &dev->id.vendor);
	ret = ret ? ret : drm_platform_pci_read_config_word(dev, 0x02, &dev->id.device);
	ret = ret ? ret : drm_platform_pci_read_config_dword(dev, 0x08, &cls);
	ret = ret ? ret : drm_platform_pci_read_config_byte(dev, 0x0e, &hdr);
	if (ret)
		return ret;
	dev->id.revision = cls & 0xff;
	dev->id.class = cls >> 8;
	dev->id.header_type = hdr & 0x7f;
	if (dev->id.header_type == 0) {
		ret = drm_platform_pci_read_config_word(dev, 0x2c, &dev->id.subsystem_vendor);
		ret = ret ? ret : drm_platform_pci_read_config_word(dev, 0x2e, &dev->id.subsystem_device);
	}
	return ret;
}

/* Why a device that exists cannot be opened before any VFIO call: no IOMMU, or the wrong driver. */
static int precheck(struct drm_pci_dev *dev, char *err, size_t errlen)
{
	char drv[64];
	int group = vfio_sysfs_iommu_group("", dev->bdf);

	if (group == -ENOENT) {
		errf(err, errlen, "%s: no such PCI device (see /sys/bus/pci/devices)", dev->bdf);
		return -ENOENT;
	}
	if (group == -ENODEV) {
		errf(err, errlen,
		     "%s: no IOMMU: /sys/kernel/iommu_groups is missing or empty; VFIO needs one (enable VT-d or "
		     "AMD-Vi in the firmware and boot with intel_iommu=on or amd_iommu=on)",
		     dev->bdf);
		return -ENODEV;
	}
	if (group == -ENXIO) {
		errf(err, errlen, "%s: no IOMMU group (no iommu_group link): the IOMMU does not cover this device",
		     dev->bdf);
		return -ENODEV;
	}
	if (group < 0) {
		errf(err, errlen, "%s: cannot read its IOMMU group: %s", dev->bdf, strerror(-group));
		return group;
	}
	dev->group_nr = group;
	if (vfio_sysfs_driver("", dev->bdf, drv, sizeof(drv)) == 0 && strcmp(drv, "vfio-pci") != 0) {
		errf(err, errlen, "%s: not bound to vfio-pci but to %s; run `drmctl bind %s` first", dev->bdf,
		     drv[0] ? drv : "no driver", dev->bdf);
		return -ENODEV;
	}
	return 0;
}

static int vfio_open_group(struct drm_pci_dev *dev, char *err, size_t errlen)
{
	struct vfio_group_status status;
	char path[64], why[1024];
	int ret;

	dev->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (dev->container_fd < 0) {
		ret = -errno;
		errf(err, errlen, "%s: cannot open /dev/vfio/vfio: %s%s", dev->bdf, strerror(-ret),
		     ret == -ENOENT ? " (modprobe vfio-pci)" : "");
		return ret == -ENOENT ? -ENODEV : ret;
	}
	if (ioctl(dev->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(dev->container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		errf(err, errlen, "%s: VFIO has no type1 v2 IOMMU (modprobe vfio_iommu_type1)", dev->bdf);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", dev->group_nr);
	dev->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->group_fd < 0) {
		ret = -errno;
		if (ret == -EBUSY) {
			char holders[512];

			vfio_group_holders(dev->group_nr, holders, sizeof(holders));
			errf(err, errlen, "%s: %s is already in use%s%s (a VFIO group has one user at a time)",
			     dev->bdf, path, holders[0] ? " by " : "", holders);
		} else {
			errf(err, errlen, "%s: cannot open %s: %s", dev->bdf, path, strerror(-ret));
		}
		return ret;
	}
	memset(&status, 0, sizeof(status));
	status.argsz = sizeof(status);
	if (ioctl(dev->group_fd, VFIO_GROUP_GET_STATUS, &status) < 0) {
		ret = -errno;
		errf(err, errlen, "%s: VFIO_GROUP_GET_STATUS: %s", dev->bdf, strerror(-ret));
		return ret;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vfio_sysfs_group_check("", dev->group_nr, dev->bdf, why, sizeof(why));
		errf(err, errlen, "%s: IOMMU group %d is not viable: %s; bind those to vfio-pci too (drmctl bind)",
		     dev->bdf, dev->group_nr, why[0] ? why : "another device in it is used by a kernel driver");
		return -EPERM;
	}
	if (ioctl(dev->group_fd, VFIO_GROUP_SET_CONTAINER, &dev->container_fd) < 0) {
		ret = -errno;
		errf(err, errlen, "%s: VFIO_GROUP_SET_CONTAINER: %s", dev->bdf, strerror(-ret));
		return ret;
	}
	if (ioctl(dev->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		ret = -errno;
		errf(err, errlen, "%s: VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU): %s", dev->bdf, strerror(-ret));
		return ret;
	}
	return 0;
}

int drm_platform_linux_pci_open(const char *bdf, struct drm_pci_dev **out, char *err, size_t errlen)
{
	struct vfio_device_info info;
	struct drm_pci_dev *dev;
	int ret;

	errf(err, errlen, "%s", "");
	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->container_fd = dev->group_fd = dev->device_fd = -1;
	dev->irq_epoll = dev->irq_stop = -1;
	pthread_mutex_init(&dev->dma_lock, NULL);
	if (vfio_pci_parse_bdf(bdf, dev->bdf)) {
		errf(err, errlen, "'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)", bdf);
		ret = -EINVAL;
		goto fail;
	}
	ret = precheck(dev, err, errlen);
	if (ret)
		goto fail;
	ret = vfio_open_group(dev, err, errlen);
	if (ret)
		goto fail;
	ret = iommu_setup(dev, err, errlen);
	if (ret)
		goto fail;
	dev->device_fd = ioctl(dev->group_fd, VFIO_GROUP_GET_DEVICE_FD, dev->bdf);
	if (dev->device_fd < 0) {
		ret = -errno;
		errf(err, errlen, "%s: VFIO_GROUP_GET_DEVICE_FD: %s", dev->bdf, strerror(-ret));
		goto fail;
	}
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	if (ioctl(dev->device_fd, VFIO_DEVICE_GET_INFO, &info) < 0) {
		ret = -errno;
		errf(err, errlen, "%s: VFIO_DEVICE_GET_INFO: %s", dev->bdf, strerror(-ret));
		goto fail;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI) || info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
		errf(err, errlen, "%s: not a vfio-pci device", dev->bdf);
		ret = -ENODEV;
		goto fail;
	}
	dev->device_flags = info.flags;
	dev->num_irqs = info.num_irqs;
	ret = regions_setup(dev, err, errlen);
	if (ret)
		goto fail;
	ret = read_identity(dev);
	if (ret) {
		errf(err, errlen, "%s: cannot read config space: %s", dev->bdf, strerror(-ret));
		goto fail;
	}
	*out = dev;
	return 0;
fail:
	drm_platform_linux_pci_close(dev);
	return ret;
}

void drm_platform_linux_pci_close(struct drm_pci_dev *dev)
{
	if (!dev)
		return;
	drm_platform_pci_irq_free(dev);
	if (dev->device_fd >= 0) {
		/* Stop the device's DMA before its mappings go away. */
		drm_platform_pci_reset(dev);
		drm_platform_pci_set_master(dev, false);
	}
	pthread_mutex_lock(&dev->dma_lock);
	while (dev->dma) {
		struct vfio_dma *d = dev->dma;

		dev->dma = d->next;
		dma_unmap_locked(dev, d);
	}
	pthread_mutex_unlock(&dev->dma_lock);
	for (unsigned int bar = 0; bar < DRM_PCI_NUM_BARS; bar++)
		if (dev->bars[bar].map)
			munmap(dev->bars[bar].map, (size_t)dev->bars[bar].size);
	if (dev->device_fd >= 0)
		close(dev->device_fd);
	if (dev->group_fd >= 0) {
		ioctl(dev->group_fd, VFIO_GROUP_UNSET_CONTAINER);
		close(dev->group_fd);
	}
	if (dev->container_fd >= 0)
		close(dev->container_fd);
	vfio_iova_fini(&dev->iova);
	pthread_mutex_destroy(&dev->dma_lock);
	free(dev);
}
