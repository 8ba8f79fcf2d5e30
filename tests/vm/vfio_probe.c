/*
 * vfio_probe.c - open a PCI device through the platform API
 * (core/platform_pci.h, vfio/vfio_pci.h) and report what a driver would
 * see; tests/python/test_vfio_e2e.py compares it with the kernel's view.
 *
 *   build/vfio-probe BDF [--irq-types LIST] [--virtio-cmd] [--hold SECS] [--open-twice]
 *
 * Prints, one fact per line (all numbers hex unless named otherwise):
 *   id vendor=V device=D subsystem_vendor=SV subsystem_device=SD revision=R class=C header_type=H
 *   config_size N (decimal)
 *   config HEX...                         every config byte, through read_config_dword
 *   cap OFF id=ID                         the capability list, in order
 *   virtio_cap OFF cfg_type=T bar=B offset=O length=L [notify_off_multiplier=M]
 *   bar N size=S flags=mem|io[,64][,prefetch][,mmap]
 *   virtio status_ack=X status_reset=Y num_queues=N   (virtio devices)
 *   dma baseline|mapped|unmapped mappings=N coherent=N bytes=N (decimal)
 *   irq type=msix|msi|intx count=N (decimal)
 *   irq_vector N delivered=K (decimal; after one loopback trigger each)
 *   virtio_cmd get_display_info resp=0x1101 scanout0 enabled=1 width=W height=H   (--virtio-cmd)
 *   errno_checks ok | errno_checks FAILED: ...
 *   closed
 * A failed open prints "open_error ERRNO_NAME MESSAGE" and exits 3.
 *
 * --irq-types LIST   comma-separated msix,msi,intx (default all)
 * --virtio-cmd       drive virtqueue 0 of a virtio-gpu: GET_DISPLAY_INFO through
 *                    DMA-mapped rings, completion by a real MSI-X interrupt
 * --hold SECS        after opening, print "holding" and sleep (to test "in use")
 * --open-twice       open the device a second time in this process and print
 *                    "second_open ERRNO_NAME MESSAGE"
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform_pci.h"
#include "vfio_pci.h"

/* Virtio 1.x PCI transport (virtio v1.1 spec, 4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_COMMON_DFSELECT 0x00
#define VIRTIO_COMMON_DF 0x04
#define VIRTIO_COMMON_GFSELECT 0x08
#define VIRTIO_COMMON_GF 0x0c
#define VIRTIO_COMMON_MSIX 0x10
#define VIRTIO_COMMON_NUMQ 0x12
#define VIRTIO_COMMON_STATUS 0x14
#define VIRTIO_COMMON_Q_SELECT 0x16
#define VIRTIO_COMMON_Q_SIZE 0x18
#define VIRTIO_COMMON_Q_MSIX 0x1a
#define VIRTIO_COMMON_Q_ENABLE 0x1c
#define VIRTIO_COMMON_Q_NOFF 0x1e
#define VIRTIO_COMMON_Q_DESC 0x20
#define VIRTIO_COMMON_Q_AVAIL 0x28
#define VIRTIO_COMMON_Q_USED 0x30
#define VIRTIO_STATUS_ACK 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_F_VERSION_1_HI (1u << 0)       /* feature bit 32 */
#define VIRTIO_F_ACCESS_PLATFORM_HI (1u << 1) /* feature bit 33 */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
/* virtio-gpu (virtio v1.1 spec, 5.7.6). */
#define VIRTIO_GPU_CMD_GET_DISPLAY_INFO 0x0100
#define VIRTIO_GPU_RESP_OK_DISPLAY_INFO 0x1101

#define MAX_VECTORS 64

static atomic_uint delivered[MAX_VECTORS];

static void on_irq(void *arg, unsigned int vector)
{
	(void)arg;
	if (vector < MAX_VECTORS)
		atomic_fetch_add(&delivered[vector], 1);
}

static char errno_checks[1024];

static void check(int cond, const char *what)
{
	if (!cond) {
		size_t n = strlen(errno_checks);

		snprintf(errno_checks + n, sizeof(errno_checks) - n, "%s%s", n ? "; " : "", what);
	}
}

static const char *errname(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case ENOSPC: return "ENOSPC";
	case EACCES: return "EACCES";
	case ENOTTY: return "ENOTTY";
	default: return strerror(e);
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until vector @v has been delivered @want times; 0 or -1 on timeout. */
static int wait_delivered(unsigned int v, unsigned int want, unsigned int timeout_ms)
{
	for (unsigned int t = 0; t < timeout_ms; t += 5) {
		if (atomic_load(&delivered[v]) >= want)
			return 0;
		sleep_ms(5);
	}
	return atomic_load(&delivered[v]) >= want ? 0 : -1;
}

struct virtio_loc {
	int found;
	uint8_t bar;
	uint32_t offset, length, notify_mult;
};

static void dump_config(struct drm_pci_dev *dev)
{
	uint32_t size = drm_platform_pci_config_size(dev);

	printf("config_size %u\n", size);
	printf("config ");
	for (uint32_t off = 0; off < size; off += 4) {
		uint32_t v = 0;

		drm_platform_pci_read_config_dword(dev, off, &v);
		for (int b = 0; b < 4; b++)
			printf("%02x", (v >> (8 * b)) & 0xff);
	}
	printf("\n");
}

static void dump_caps(struct drm_pci_dev *dev, const struct drm_pci_id *id, struct virtio_loc *common,
		      struct virtio_loc *notify)
{
	int pos = 0;
	uint8_t cap;

	while ((pos = drm_platform_pci_next_capability(dev, (uint8_t)pos, &cap)) > 0) {
		printf("cap 0x%02x id=0x%02x\n", pos, cap);
		if (cap == DRM_PCI_CAP_ID_VNDR && id->vendor == 0x1af4) {
			uint8_t type, bar;
			uint32_t off, len, mult = 0;

			drm_platform_pci_read_config_byte(dev, pos + 3, &type);
			drm_platform_pci_read_config_byte(dev, pos + 4, &bar);
			drm_platform_pci_read_config_dword(dev, pos + 8, &off);
			drm_platform_pci_read_config_dword(dev, pos + 12, &len);
			printf("virtio_cap 0x%02x cfg_type=%u bar=%u offset=0x%x length=0x%x", pos, type, bar, off, len);
			if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
				drm_platform_pci_read_config_dword(dev, pos + 16, &mult);
				printf(" notify_off_multiplier=%u", mult);
			}
			printf("\n");
			/* The first cap of each type is the one to use (virtio spec 4.1.4). */
			if (type == VIRTIO_PCI_CAP_COMMON_CFG && !common->found)
				*common = (struct virtio_loc){ 1, bar, off, len, 0 };
			if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && !notify->found)
				*notify = (struct virtio_loc){ 1, bar, off, len, mult };
		}
	}
	if (pos < 0)
		printf("cap_error %s\n", errname(-pos));
}

static void dump_bars(struct drm_pci_dev *dev)
{
	for (unsigned int bar = 0; bar < DRM_PCI_NUM_BARS; bar++) {
		struct drm_pci_bar_info info;

		drm_platform_pci_bar_info(dev, bar, &info);
		printf("bar %u size=0x%llx flags=%s%s%s%s\n", bar, (unsigned long long)info.size,
		       info.flags & DRM_PCI_BAR_IO ? "io" : "mem", info.flags & DRM_PCI_BAR_MEM64 ? ",64" : "",
		       info.flags & DRM_PCI_BAR_PREFETCH ? ",prefetch" : "",
		       info.flags & DRM_PCI_BAR_MMAP ? ",mmap" : "");
	}
}

static int cw8(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off, uint8_t v)
{
	return drm_platform_pci_bar_write8(d, c->bar, c->offset + off, v);
}
static int cw16(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off, uint16_t v)
{
	return drm_platform_pci_bar_write16(d, c->bar, c->offset + off, v);
}
static int cw32(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off, uint32_t v)
{
	return drm_platform_pci_bar_write32(d, c->bar, c->offset + off, v);
}
static uint8_t cr8(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off)
{
	uint8_t v;

	drm_platform_pci_bar_read8(d, c->bar, c->offset + off, &v);
	return v;
}
static uint16_t cr16(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off)
{
	uint16_t v;

	drm_platform_pci_bar_read16(d, c->bar, c->offset + off, &v);
	return v;
}
static uint32_t cr32(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off)
{
	uint32_t v;

	drm_platform_pci_bar_read32(d, c->bar, c->offset + off, &v);
	return v;
}
static void cw64(struct drm_pci_dev *d, const struct virtio_loc *c, uint32_t off, uint64_t v)
{
	/* Two 32-bit halves, low first: allowed for the 64-bit queue addresses (virtio 4.1.3.1). */
	cw32(d, c, off, (uint32_t)v);
	cw32(d, c, off + 4, (uint32_t)(v >> 32));
}

/* Reset (status 0) and wait for the device to read back 0, as the virtio spec's 4.1.4.3.2 asks. */
static uint8_t virtio_reset(struct drm_pci_dev *dev, const struct virtio_loc *c)
{
	uint8_t s = 0xff;

	cw8(dev, c, VIRTIO_COMMON_STATUS, 0);
	for (int i = 0; i < 1000 && (s = cr8(dev, c, VIRTIO_COMMON_STATUS)) != 0; i++)
		sleep_ms(1);
	return s;
}

static void virtio_basic(struct drm_pci_dev *dev, const struct virtio_loc *c)
{
	uint8_t ack, reset;

	virtio_reset(dev, c);
	cw8(dev, c, VIRTIO_COMMON_STATUS, VIRTIO_STATUS_ACK);
	ack = cr8(dev, c, VIRTIO_COMMON_STATUS);
	reset = virtio_reset(dev, c);
	printf("virtio status_ack=%u status_reset=%u num_queues=%u\n", ack, reset, cr16(dev, c, VIRTIO_COMMON_NUMQ));
}

/* Split virtqueue layout (virtio 1.1, 2.6): descriptor table, available ring, used ring. */
struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/*
 * GET_DISPLAY_INFO on the control queue: rings in coherent DMA memory, the
 * command and its response in a DMA-mapped shmem, completion signalled by
 * the device's own MSI-X interrupt on vector 1.
 */
static int virtio_cmd(struct drm_pci_dev *dev, const struct virtio_loc *c, const struct virtio_loc *n,
		      unsigned int nvec)
{
	void *desc_mem, *avail_mem, *used_mem;
	uint64_t desc_iova, avail_iova, used_iova, buf_iova;
	struct drm_shmem *buf;
	uint16_t qsize, noff;
	uint32_t hi;
	uint8_t status;
	int ret = -1;

	if (!c->found || !n->found || nvec < 2) {
		printf("virtio_cmd skipped (no common/notify cap or fewer than 2 MSI-X vectors)\n");
		return -1;
	}
	drm_platform_pci_set_master(dev, true);
	virtio_reset(dev, c);
	cw8(dev, c, VIRTIO_COMMON_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	cw32(dev, c, VIRTIO_COMMON_DFSELECT, 1);
	hi = cr32(dev, c, VIRTIO_COMMON_DF);
	cw32(dev, c, VIRTIO_COMMON_GFSELECT, 0);
	cw32(dev, c, VIRTIO_COMMON_GF, 0);
	cw32(dev, c, VIRTIO_COMMON_GFSELECT, 1);
	cw32(dev, c, VIRTIO_COMMON_GF, hi & (VIRTIO_F_VERSION_1_HI | VIRTIO_F_ACCESS_PLATFORM_HI));
	cw8(dev, c, VIRTIO_COMMON_STATUS, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	status = cr8(dev, c, VIRTIO_COMMON_STATUS);
	if (!(status & VIRTIO_STATUS_FEATURES_OK)) {
		printf("virtio_cmd features_not_ok status=0x%x\n", status);
		return -1;
	}
	cw16(dev, c, VIRTIO_COMMON_MSIX, 0);
	cw16(dev, c, VIRTIO_COMMON_Q_SELECT, 0);
	qsize = cr16(dev, c, VIRTIO_COMMON_Q_SIZE);
	if (qsize > 256) {
		cw16(dev, c, VIRTIO_COMMON_Q_SIZE, 256);
		qsize = 256;
	}
	if (drm_platform_pci_dma_alloc_coherent(dev, 16u * qsize, &desc_mem, &desc_iova) ||
	    drm_platform_pci_dma_alloc_coherent(dev, 6u + 2u * qsize, &avail_mem, &avail_iova) ||
	    drm_platform_pci_dma_alloc_coherent(dev, 6u + 8u * qsize, &used_mem, &used_iova)) {
		printf("virtio_cmd dma_alloc_failed\n");
		return -1;
	}
	cw16(dev, c, VIRTIO_COMMON_Q_MSIX, 1);
	if (cr16(dev, c, VIRTIO_COMMON_Q_MSIX) != 1 || cr16(dev, c, VIRTIO_COMMON_MSIX) != 0)
		printf("virtio_cmd msix_vector_not_taken\n");
	cw64(dev, c, VIRTIO_COMMON_Q_DESC, desc_iova);
	cw64(dev, c, VIRTIO_COMMON_Q_AVAIL, avail_iova);
	cw64(dev, c, VIRTIO_COMMON_Q_USED, used_iova);
	cw16(dev, c, VIRTIO_COMMON_Q_ENABLE, 1);
	noff = cr16(dev, c, VIRTIO_COMMON_Q_NOFF);
	cw8(dev, c, VIRTIO_COMMON_STATUS,
	    VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);

	buf = drm_platform_shmem_alloc(4096);
	if (!buf || drm_platform_pci_dma_map_shmem(dev, buf, DRM_PCI_DMA_BIDIRECTIONAL, &buf_iova)) {
		printf("virtio_cmd shmem_map_failed\n");
		drm_platform_shmem_put(buf);
		return -1;
	}
	{
		uint8_t *b = drm_platform_shmem_vaddr(buf);
		struct vring_desc *d = desc_mem;
		volatile uint16_t *avail = avail_mem;
		volatile uint16_t *used = used_mem;
		uint32_t cmd_type = htole32(VIRTIO_GPU_CMD_GET_DISPLAY_INFO), resp_type, en, w, h;
		unsigned int before = atomic_load(&delivered[1]);

		memset(b, 0, 4096);
		memcpy(b, &cmd_type, 4); /* struct virtio_gpu_ctrl_hdr, 24 bytes, rest 0 */
		d[0] = (struct vring_desc){ htole64(buf_iova), htole32(24), htole16(VRING_DESC_F_NEXT), htole16(1) };
		d[1] = (struct vring_desc){ htole64(buf_iova + 1024), htole32(408), htole16(VRING_DESC_F_WRITE), 0 };
		avail[2] = htole16(0); /* ring[0] = head descriptor 0 */
		atomic_thread_fence(memory_order_release);
		avail[1] = htole16(1); /* idx */
		atomic_thread_fence(memory_order_seq_cst);
		drm_platform_pci_bar_write16(dev, n->bar, n->offset + (uint64_t)noff * n->notify_mult, 0);
		if (wait_delivered(1, before + 1, 5000)) {
			printf("virtio_cmd no_interrupt used_idx=%u\n", le16toh(used[1]));
		} else {
			atomic_thread_fence(memory_order_acquire);
			memcpy(&resp_type, b + 1024, 4);
			/* struct virtio_gpu_display_one pmodes[0] after the 24-byte header: x, y, width, height, enabled. */
			memcpy(&w, b + 1024 + 24 + 8, 4);
			memcpy(&h, b + 1024 + 24 + 12, 4);
			memcpy(&en, b + 1024 + 24 + 16, 4);
			printf("virtio_cmd get_display_info used_idx=%u resp=0x%x scanout0 enabled=%u width=%u "
			       "height=%u\n",
			       le16toh(used[1]), le32toh(resp_type), le32toh(en), le32toh(w), le32toh(h));
			ret = 0;
		}
	}
	virtio_reset(dev, c);
	drm_platform_pci_set_master(dev, false);
	drm_platform_pci_dma_unmap(dev, buf_iova);
	drm_platform_shmem_put(buf);
	drm_platform_pci_dma_free_coherent(dev, desc_mem);
	drm_platform_pci_dma_free_coherent(dev, avail_mem);
	drm_platform_pci_dma_free_coherent(dev, used_mem);
	return ret;
}

static void print_dma(struct drm_pci_dev *dev, const char *when)
{
	struct drm_pci_dma_stats s;

	drm_platform_pci_dma_stats(dev, &s);
	printf("dma %s mappings=%u coherent=%u bytes=%llu\n", when, s.mappings, s.coherent,
	       (unsigned long long)s.bytes);
}

static void dma_test(struct drm_pci_dev *dev)
{
	struct drm_shmem *shmem = drm_platform_shmem_alloc(3 * 4096);
	uint64_t iova = 0, iova2 = 0, ciova = 0;
	void *cvaddr = NULL;
	int r1, r2, r3;

	print_dma(dev, "baseline");
	if (!shmem) {
		printf("dma shmem_alloc_failed\n");
		return;
	}
	r1 = drm_platform_pci_dma_map_shmem(dev, shmem, DRM_PCI_DMA_TO_DEVICE, &iova);
	r2 = drm_platform_pci_dma_map_shmem(dev, shmem, DRM_PCI_DMA_FROM_DEVICE, &iova2);
	r3 = drm_platform_pci_dma_alloc_coherent(dev, 100, &cvaddr, &ciova);
	printf("dma map_results %d %d %d iovas=0x%llx,0x%llx,0x%llx\n", r1, r2, r3, (unsigned long long)iova,
	       (unsigned long long)iova2, (unsigned long long)ciova);
	check(iova && iova2 && ciova && iova != iova2 && iova2 != ciova && iova != ciova, "distinct nonzero IOVAs");
	check(cvaddr && ((const char *)cvaddr)[0] == 0 && ((const char *)cvaddr)[4095] == 0, "coherent memory zeroed");
	print_dma(dev, "mapped");
	/* The mapping holds its own reference: dropping ours must not free the pages. */
	drm_platform_shmem_put(shmem);
	check(drm_platform_pci_dma_map_shmem(dev, NULL, DRM_PCI_DMA_TO_DEVICE, &iova) == -EINVAL, "map NULL");
	check(drm_platform_pci_dma_unmap(dev, 0x12345000) == -ENOENT, "unmap unknown iova");
	check(drm_platform_pci_dma_unmap(dev, ciova) == -ENOENT, "unmap of coherent iova via dma_unmap");
	check(drm_platform_pci_dma_free_coherent(dev, (void *)&iova) == -ENOENT, "free unknown coherent");
	check(drm_platform_pci_dma_alloc_coherent(dev, 0, &cvaddr, &ciova) == -EINVAL, "coherent size 0");
	drm_platform_pci_dma_unmap(dev, iova);
	drm_platform_pci_dma_unmap(dev, iova2);
	check(drm_platform_pci_dma_unmap(dev, iova) == -ENOENT, "double unmap");
	drm_platform_pci_dma_free_coherent(dev, cvaddr);
	print_dma(dev, "unmapped");
}

static unsigned int parse_types(const char *s)
{
	unsigned int t = 0;
	char *copy = strdup(s), *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "msix"))
			t |= DRM_PCI_IRQ_MSIX;
		else if (!strcmp(tok, "msi"))
			t |= DRM_PCI_IRQ_MSI;
		else if (!strcmp(tok, "intx"))
			t |= DRM_PCI_IRQ_INTX;
	}
	free(copy);
	return t;
}

static const char *type_name(unsigned int t)
{
	return t == DRM_PCI_IRQ_MSIX ? "msix" : t == DRM_PCI_IRQ_MSI ? "msi" : t == DRM_PCI_IRQ_INTX ? "intx" : "none";
}

static void errno_tests(struct drm_pci_dev *dev)
{
	struct drm_pci_bar_info info;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	check(drm_platform_pci_read_config_word(dev, 1, &v16) == -EINVAL && v16 == 0xffff, "misaligned config word");
	check(drm_platform_pci_read_config_dword(dev, drm_platform_pci_config_size(dev), &v32) == -EINVAL,
	      "config read past end");
	check(drm_platform_pci_write_config_byte(dev, 4096, 0) == -EINVAL, "config write past end");
	check(drm_platform_pci_bar_info(dev, 6, &info) == -EINVAL, "bar 6 info");
	check(drm_platform_pci_bar_map(dev, 6) == NULL, "bar 6 map");
	check(drm_platform_pci_bar_read8(dev, 7, 0, &v8) == -EINVAL && v8 == 0xff, "bar 7 read");
	for (unsigned int bar = 0; bar < DRM_PCI_NUM_BARS; bar++) {
		drm_platform_pci_bar_info(dev, bar, &info);
		if (!info.size) {
			check(drm_platform_pci_bar_read32(dev, bar, 0, &v32) == -EINVAL, "read of an empty BAR");
			continue;
		}
		check(drm_platform_pci_bar_read32(dev, bar, info.size, &v32) == -EINVAL, "read at BAR end");
		check(drm_platform_pci_bar_read32(dev, bar, 2, &v32) == -EINVAL, "misaligned BAR read");
		check(drm_platform_pci_bar_write16(dev, bar, info.size - 1, 0) == -EINVAL, "BAR write across end");
	}
	check(drm_platform_pci_irq_request(dev, 2, 1, DRM_PCI_IRQ_ALL_TYPES, on_irq, NULL) == -EINVAL, "min > max");
	check(drm_platform_pci_irq_request(dev, 1, 1, 0, on_irq, NULL) == -EINVAL, "no types");
	check(drm_platform_pci_irq_request(dev, 1, 1, DRM_PCI_IRQ_ALL_TYPES, NULL, NULL) == -EINVAL, "no handler");
	check(drm_platform_pci_irq_request(dev, 1000, 1000, DRM_PCI_IRQ_ALL_TYPES, on_irq, NULL) == -ENOSPC,
	      "1000 vectors");
	check(drm_platform_pci_irq_type(dev) == 0 && drm_platform_pci_irq_count(dev) == 0, "no irq after failures");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "irq-types", required_argument, NULL, 't' },
		{ "virtio-cmd", no_argument, NULL, 'v' },
		{ "hold", required_argument, NULL, 'H' },
		{ "open-twice", no_argument, NULL, '2' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int types = DRM_PCI_IRQ_ALL_TYPES, hold = 0;
	struct virtio_loc common = { 0 }, notify = { 0 };
	int want_cmd = 0, open_twice = 0, opt, ret, nvec;
	struct drm_pci_dev *dev, *dev2;
	struct drm_pci_id id;
	char err[1024];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't': types = parse_types(optarg); break;
		case 'v': want_cmd = 1; break;
		case 'H': hold = (unsigned int)atoi(optarg); break;
		case '2': open_twice = 1; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: %s BDF [--irq-types msix,msi,intx] [--virtio-cmd] [--hold SECS] [--open-twice]\n",
			argv[0]);
		return 2;
	}
	ret = drm_platform_linux_pci_open(argv[optind], &dev, err, sizeof(err));
	if (ret) {
		printf("open_error %s %s\n", errname(-ret), err);
		return 3;
	}
	printf("bdf %s group=%d\n", drm_platform_pci_name(dev), drm_platform_linux_pci_group(dev));
	if (hold) {
		printf("holding\n");
		sleep(hold);
	}
	if (open_twice) {
		ret = drm_platform_linux_pci_open(argv[optind], &dev2, err, sizeof(err));
		if (ret)
			printf("second_open %s %s\n", errname(-ret), err);
		else
			printf("second_open ok\n");
		drm_platform_linux_pci_close(ret ? NULL : dev2);
	}
	drm_platform_pci_get_id(dev, &id);
	printf("id vendor=%04x device=%04x subsystem_vendor=%04x subsystem_device=%04x revision=%02x class=%06x "
	       "header_type=%x\n",
	       id.vendor, id.device, id.subsystem_vendor, id.subsystem_device, id.revision, id.class, id.header_type);
	dump_config(dev);
	dump_caps(dev, &id, &common, &notify);
	printf("find_capability msix=0x%x vndr=0x%x next_vndr=0x%x\n",
	       (unsigned int)drm_platform_pci_find_capability(dev, DRM_PCI_CAP_ID_MSIX),
	       (unsigned int)drm_platform_pci_find_capability(dev, DRM_PCI_CAP_ID_VNDR),
	       (unsigned int)drm_platform_pci_find_next_capability(
		       dev, (uint8_t)drm_platform_pci_find_capability(dev, DRM_PCI_CAP_ID_VNDR), DRM_PCI_CAP_ID_VNDR));
	dump_bars(dev);
	if (common.found)
		virtio_basic(dev, &common);
	errno_tests(dev);
	dma_test(dev);

	nvec = drm_platform_pci_irq_request(dev, 1, MAX_VECTORS, types, on_irq, NULL);
	if (nvec < 0) {
		printf("irq_error %s\n", errname(-nvec));
	} else {
		printf("irq type=%s count=%d\n", type_name(drm_platform_pci_irq_type(dev)), nvec);
		check(drm_platform_pci_irq_request(dev, 1, 1, types, on_irq, NULL) == -EBUSY, "second irq request");
		check(drm_platform_linux_pci_irq_trigger(dev, (unsigned int)nvec) == -EINVAL, "trigger past count");
		for (int v = 0; v < nvec; v++) {
			unsigned int before = atomic_load(&delivered[v]);

			ret = drm_platform_linux_pci_irq_trigger(dev, (unsigned int)v);
			if (ret || wait_delivered((unsigned int)v, before + 1, 3000))
				printf("irq_vector %d trigger=%d delivered=%u\n", v, ret, atomic_load(&delivered[v]) - before);
			else
				printf("irq_vector %d delivered=%u\n", v, atomic_load(&delivered[v]) - before);
		}
		if (want_cmd && drm_platform_pci_irq_type(dev) == DRM_PCI_IRQ_MSIX)
			virtio_cmd(dev, &common, &notify, (unsigned int)nvec);
		print_dma(dev, "after_cmd");
		check(drm_platform_pci_irq_free(dev) == 0, "irq free");
		check(drm_platform_pci_irq_type(dev) == 0, "irq type after free");
		check(drm_platform_linux_pci_irq_trigger(dev, 0) == -EINVAL, "trigger after free");
	}
	ret = drm_platform_pci_reset(dev);
	printf("reset %s\n", ret ? errname(-ret) : "ok");
	printf("errno_checks %s%s\n", errno_checks[0] ? "FAILED: " : "ok", errno_checks);
	drm_platform_linux_pci_close(dev);
	printf("closed\n");
	return 0;
}
