/*
 * platform_pci.h - the PCI device as a driver core sees it (DESIGN.md
 * decision 8): identity, config space, BARs, DMA mappings of GEM memory,
 * interrupt vectors and function reset.
 *
 * OS-neutral: C11 and project headers only.  A driver core (drivers/virtio,
 * later Intel and AMD) gets a struct drm_pci_dev from the front end, which
 * opened it by BDF through the platform (on Linux: vfio/vfio_pci.h,
 * drm_platform_linux_pci_open(), through VFIO with an IOMMU).  The names
 * follow the kernel's PCI and DMA APIs (include/linux/pci.h,
 * include/linux/dma-mapping.h) so a driver ported from Linux reads the same.
 *
 * Error convention (as platform.h): 0 or a negative errno value.
 *
 * Threads: every function may be called from any thread, except that
 * drm_platform_pci_irq_request() and drm_platform_pci_irq_free() must not
 * run concurrently with each other on one device, and neither may be called
 * from the interrupt handler itself (request answers -EBUSY there, free
 * -EDEADLK).
 *
 * Memory ordering: config and BAR accesses are device accesses made in
 * program order (uncached MMIO or a system call each).  DMA memory is
 * ordinary cache-coherent memory (x86 PCI DMA snoops the caches); a driver
 * publishing a ring entry to the device orders its stores with
 * atomic_thread_fence(memory_order_release) before the doorbell write, as
 * the kernel's virtio_wmb() does.
 */
#ifndef CUSE_DRM_PLATFORM_PCI_H
#define CUSE_DRM_PLATFORM_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

/**
 * struct drm_pci_dev - one opened PCI function (opaque).
 *
 * On Linux it holds the VFIO container, group and device file descriptors,
 * the BAR mappings, the DMA mappings and the interrupt eventfds; closing it
 * releases all of them.
 */
struct drm_pci_dev;

/* ------------------------------------------------------------------ */
/* Identity                                                            */
/* ------------------------------------------------------------------ */

/**
 * struct drm_pci_id - what the function says it is, from its config space
 * header (PCI Local Bus spec 3.0, 6.2.1; the kernel's struct pci_dev fields
 * of the same names).
 * @vendor:     Vendor ID (offset 0x00), e.g. 0x1af4 for virtio.
 * @device:     Device ID (0x02), e.g. 0x1050 for a virtio 1.x GPU.
 * @subsystem_vendor: Subsystem Vendor ID (0x2c; 0 for non-type-0 headers).
 * @subsystem_device: Subsystem ID (0x2e; 0 for non-type-0 headers).
 * @revision:   Revision ID (0x08).
 * @class:      24-bit class code (0x09..0x0b): base class << 16 | sub-class
 *              << 8 | programming interface, e.g. 0x030000 for VGA.
 * @header_type: Header Type (0x0e) without the multi-function bit.
 */
struct drm_pci_id {
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem_device;
	uint8_t revision;
	uint8_t header_type;
	uint32_t class;
};

/** drm_platform_pci_get_id() - fill @id from the function's config space header (read at open). */
void drm_platform_pci_get_id(const struct drm_pci_dev *dev, struct drm_pci_id *id);

/**
 * drm_platform_pci_name() - the function's address as text, the kernel's
 * pci_name(): "DDDD:BB:DD.F" (domain, bus, device, function, in hex), e.g.
 * "0000:00:06.0".  Valid until the device is closed.
 */
const char *drm_platform_pci_name(const struct drm_pci_dev *dev);

/* ------------------------------------------------------------------ */
/* Config space                                                        */
/* ------------------------------------------------------------------ */

/** Standard capability IDs used by GPU drivers (PCI Code and ID Assignment spec, 2). */
#define DRM_PCI_CAP_ID_PM 0x01
#define DRM_PCI_CAP_ID_MSI 0x05
#define DRM_PCI_CAP_ID_VNDR 0x09 /* vendor specific: virtio 1.x transport caps */
#define DRM_PCI_CAP_ID_EXP 0x10  /* PCI Express */
#define DRM_PCI_CAP_ID_MSIX 0x11

/** drm_platform_pci_config_size() - bytes of config space: 256, or 4096 for PCI Express. */
uint32_t drm_platform_pci_config_size(const struct drm_pci_dev *dev);

/**
 * drm_platform_pci_read_config_byte() and friends - read 1, 2 or 4 bytes of
 * config space at byte offset @where into @val (little-endian register
 * converted to host order), as the kernel's pci_read_config_{byte,word,dword}.
 *
 * @where must be naturally aligned to the access size and the access must
 * lie inside drm_platform_pci_config_size(): else -EINVAL and @val is set
 * to all ones, as a master abort reads.  -EIO when the platform's access
 * fails.  On Linux the kernel's vfio-pci virtualizes parts of config space
 * (BARs, MSI/MSI-X control, the command register's INTx disable), so these
 * read what vfio-pci presents, which is also what a guest would see.
 */
int drm_platform_pci_read_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t *val);
/** See drm_platform_pci_read_config_byte(); @where must be 2-byte aligned. */
int drm_platform_pci_read_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t *val);
/** See drm_platform_pci_read_config_byte(); @where must be 4-byte aligned. */
int drm_platform_pci_read_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t *val);

/**
 * drm_platform_pci_write_config_byte() and friends - write 1, 2 or 4 bytes
 * of config space, as the kernel's pci_write_config_{byte,word,dword}.
 * Same alignment and range rules and errors as the reads.  Writes that
 * vfio-pci does not allow (read-only or virtualized bits) are dropped or
 * virtualized by it, not refused.
 */
int drm_platform_pci_write_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t val);
/** See drm_platform_pci_write_config_byte(). */
int drm_platform_pci_write_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t val);
/** See drm_platform_pci_write_config_byte(). */
int drm_platform_pci_write_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t val);

/**
 * drm_platform_pci_next_capability() - walk the capability list.
 * @pos: 0 to start at the Capabilities Pointer (0x34), else the offset of
 *       the previous capability as returned by this function.
 * @cap_id: if not NULL, receives the ID of the capability found.
 *
 * Returns the config space offset of the next capability, or 0 at the end
 * of the list (also when Status bit 4 "Capabilities List" is clear).  The
 * walk stops after 48 entries, as the kernel's PCI_FIND_CAP_TTL, so a
 * looping list ends; offsets are masked to dwords and below 0x40 ends the
 * list, as in the kernel's __pci_find_next_cap_ttl().  A driver walks the
 * virtio vendor caps (ID 0x09) with this.  Negative errno on access failure.
 */
int drm_platform_pci_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t *cap_id);

/**
 * drm_platform_pci_find_capability() - offset of the first capability with
 * ID @cap_id, or 0 if the function has none; the kernel's
 * pci_find_capability().  Negative errno on access failure.
 */
int drm_platform_pci_find_capability(struct drm_pci_dev *dev, uint8_t cap_id);

/**
 * drm_platform_pci_find_next_capability() - the next capability with ID
 * @cap_id after the one at @pos (0: from the start), or 0; the kernel's
 * pci_find_next_capability().  Negative errno on access failure.
 */
int drm_platform_pci_find_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t cap_id);

/**
 * drm_platform_pci_set_master() - set (or clear) Bus Master Enable, bit 2 of
 * the Command register, which the device needs before it may DMA; the
 * kernel's pci_set_master()/pci_clear_master().  0 or -errno.
 */
int drm_platform_pci_set_master(struct drm_pci_dev *dev, bool enable);

/* ------------------------------------------------------------------ */
/* BARs                                                                */
/* ------------------------------------------------------------------ */

/** Number of BARs of a type 0 header (BAR0..BAR5). */
#define DRM_PCI_NUM_BARS 6

/** BAR flags (struct drm_pci_bar_info.flags), from the BAR register's low bits (PCI 3.0, 6.2.5.1). */
#define DRM_PCI_BAR_IO (1u << 0)       /* I/O space (else memory space) */
#define DRM_PCI_BAR_MEM64 (1u << 1)    /* 64-bit memory BAR: uses this BAR and the next */
#define DRM_PCI_BAR_PREFETCH (1u << 2) /* prefetchable memory */
#define DRM_PCI_BAR_MMAP (1u << 3)     /* mapped: drm_platform_pci_bar_map() gives a pointer */

/**
 * struct drm_pci_bar_info - one BAR.
 * @size:  bytes decoded by the BAR; 0 when the BAR is unimplemented or is
 *         the upper half of a 64-bit BAR (the kernel's pci_resource_len()).
 * @flags: DRM_PCI_BAR_* bits.
 */
struct drm_pci_bar_info {
	uint64_t size;
	uint32_t flags;
};

/**
 * drm_platform_pci_bar_info() - size and flags of BAR @bar (0..5).
 * Returns 0, or -EINVAL for @bar out of range.  An unimplemented BAR is
 * reported with size 0, not as an error.
 */
int drm_platform_pci_bar_info(struct drm_pci_dev *dev, unsigned int bar, struct drm_pci_bar_info *info);

/**
 * drm_platform_pci_bar_map() - the BAR mapped into this process (uncached
 * MMIO), as the kernel's pci_iomap(dev, bar, 0), or NULL when it is not
 * mapped (I/O BARs, empty BARs, BARs the platform cannot map whole).
 * Mapped at open for the life of the device.  Access it with volatile
 * loads and stores of 1, 2, 4 or 8 naturally aligned bytes, or use
 * drm_platform_pci_bar_read32() and friends, which work on every BAR.
 */
void *drm_platform_pci_bar_map(struct drm_pci_dev *dev, unsigned int bar);

/**
 * drm_platform_pci_bar_read8() and friends - read 1, 2, 4 or 8 bytes at
 * byte @offset of BAR @bar into @val, in host order (PCI is little-endian;
 * ioread32() semantics).  Through the mapping when the BAR is mapped, else
 * through the platform (VFIO region pread).  -EINVAL when @bar is out of
 * range or empty, @offset is not naturally aligned, or the access does not
 * lie inside the BAR; -EIO when the platform's access fails.  On failure
 * @val is all ones, as a read of a missing device.
 */
int drm_platform_pci_bar_read8(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint8_t *val);
/** See drm_platform_pci_bar_read8(). */
int drm_platform_pci_bar_read16(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint16_t *val);
/** See drm_platform_pci_bar_read8(). */
int drm_platform_pci_bar_read32(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint32_t *val);
/** See drm_platform_pci_bar_read8().  Unmapped BARs may split it into two 4-byte accesses, low first. */
int drm_platform_pci_bar_read64(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint64_t *val);

/** drm_platform_pci_bar_write8() and friends - write; same rules and errors as the reads (iowrite32()). */
int drm_platform_pci_bar_write8(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint8_t val);
/** See drm_platform_pci_bar_write8(). */
int drm_platform_pci_bar_write16(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint16_t val);
/** See drm_platform_pci_bar_write8(). */
int drm_platform_pci_bar_write32(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint32_t val);
/** See drm_platform_pci_bar_write8().  Unmapped BARs may split it into two 4-byte accesses, low first. */
int drm_platform_pci_bar_write64(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint64_t val);

/* ------------------------------------------------------------------ */
/* DMA                                                                 */
/* ------------------------------------------------------------------ */

/**
 * enum drm_pci_dma_dir - which way the device moves data, the kernel's enum
 * dma_data_direction.  It sets the IOMMU permissions of a mapping:
 * TO_DEVICE maps it read-only for the device, FROM_DEVICE write-only (on
 * Linux's type1 IOMMU: VFIO_DMA_MAP_FLAG_READ / _WRITE).
 */
enum drm_pci_dma_dir {
	DRM_PCI_DMA_BIDIRECTIONAL = 0,
	DRM_PCI_DMA_TO_DEVICE = 1,
	DRM_PCI_DMA_FROM_DEVICE = 2,
};

/**
 * drm_platform_pci_dma_map_shmem() - make @shmem (a GEM object's memory)
 * reachable by the device at an I/O virtual address; the kernel's
 * dma_map_sgtable() for a whole object.
 * @shmem: the memory; the mapping holds a reference to it (and the pages
 *         stay pinned) until drm_platform_pci_dma_unmap().
 * @dir:   access the device gets.
 * @iova:  receives the device address of byte 0.  The whole object is
 *         contiguous in IOVA space; its size is rounded up to pages.
 *
 * IOVAs are chosen by an allocator that keeps to the IOMMU's usable ranges
 * (on Linux VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE: the MSI window and other
 * reserved regions are avoided) and never hands out IOVA 0.
 * Returns 0, -EINVAL for a bad @dir, -ENOSPC when the IOVA space or the
 * IOMMU's mapping limit is exhausted, -ENOMEM when the pages cannot be
 * pinned (on Linux also RLIMIT_MEMLOCK for a non-root daemon), -errno.
 */
int drm_platform_pci_dma_map_shmem(struct drm_pci_dev *dev, struct drm_shmem *shmem,
				   enum drm_pci_dma_dir dir, uint64_t *iova);

/**
 * drm_platform_pci_dma_unmap() - undo drm_platform_pci_dma_map_shmem(): the
 * device loses access at once, the IOVA range is freed and the shmem
 * reference dropped.  @iova is the address the map returned.  Returns 0, or
 * -ENOENT when no shmem mapping starts at @iova (coherent memory is freed
 * with drm_platform_pci_dma_free_coherent() instead).
 */
int drm_platform_pci_dma_unmap(struct drm_pci_dev *dev, uint64_t iova);

/**
 * drm_platform_pci_dma_alloc_coherent() - zeroed memory that both the CPU
 * and the device see, for virtqueues and rings; the kernel's
 * dma_alloc_coherent().
 * @size:  bytes, > 0; rounded up to pages (the allocation is page aligned
 *         in both address spaces, so any ring alignment up to 4096 holds).
 * @vaddr: receives the CPU address.
 * @iova:  receives the device address.
 * Returns 0, -EINVAL for size 0, -ENOMEM, -ENOSPC as for a shmem mapping.
 */
int drm_platform_pci_dma_alloc_coherent(struct drm_pci_dev *dev, uint64_t size, void **vaddr,
					uint64_t *iova);

/**
 * drm_platform_pci_dma_free_coherent() - unmap and free memory from
 * drm_platform_pci_dma_alloc_coherent(), named by its CPU address @vaddr
 * (the kernel's dma_free_coherent()).  0, or -ENOENT for an unknown @vaddr.
 */
int drm_platform_pci_dma_free_coherent(struct drm_pci_dev *dev, void *vaddr);

/**
 * struct drm_pci_dma_stats - the device's live DMA mappings.
 * @mappings: IOMMU mappings, shmem and coherent together.
 * @bytes:    bytes they cover (page-rounded sizes).
 * @coherent: how many of @mappings are coherent allocations.
 * After a driver releases everything these return to 0; the daemon reports
 * them and tests assert that.
 */
struct drm_pci_dma_stats {
	uint32_t mappings;
	uint32_t coherent;
	uint64_t bytes;
};

/** drm_platform_pci_dma_stats() - fill @stats with the live counts. */
void drm_platform_pci_dma_stats(struct drm_pci_dev *dev, struct drm_pci_dma_stats *stats);

/* ------------------------------------------------------------------ */
/* Interrupts                                                          */
/* ------------------------------------------------------------------ */

/** Interrupt types, as the kernel's PCI_IRQ_LEGACY, PCI_IRQ_MSI and PCI_IRQ_MSIX flags. */
#define DRM_PCI_IRQ_INTX (1u << 0)
#define DRM_PCI_IRQ_MSI (1u << 1)
#define DRM_PCI_IRQ_MSIX (1u << 2)
#define DRM_PCI_IRQ_ALL_TYPES (DRM_PCI_IRQ_INTX | DRM_PCI_IRQ_MSI | DRM_PCI_IRQ_MSIX)

/**
 * drm_pci_irq_handler - called once per delivered interrupt of vector
 * @vector (0 .. granted-1), on the platform's interrupt thread with no
 * platform lock held.  Several interrupts of one vector that arrive before
 * the handler runs may be reported by one call (as an edge interrupt that
 * fires twice before it is serviced), so a handler looks at the device's
 * state (used rings, status registers) rather than counting calls.  For
 * INTx the platform unmasks the line after the handler returns, so the
 * handler must quiet the device (e.g. read virtio's ISR status) first.
 */
typedef void (*drm_pci_irq_handler)(void *arg, unsigned int vector);

/**
 * drm_platform_pci_irq_request() - allocate interrupt vectors and start
 * delivering them to @handler(@arg, vector); the kernel's
 * pci_alloc_irq_vectors() followed by request_irq() on each vector.
 * @min_vecs: fewest vectors the driver can work with (>= 1).
 * @max_vecs: most it wants (>= @min_vecs).
 * @types:    DRM_PCI_IRQ_* bits allowed.
 *
 * MSI-X is tried first, then MSI, then INTx (which has exactly one
 * vector), each only if allowed by @types and the device offers at least
 * @min_vecs of that type; the number granted is min(@max_vecs, offered).
 * Returns the number of vectors granted, or -EINVAL (bad arguments),
 * -EBUSY (vectors already requested: free them first), -ENOSPC (no allowed
 * type offers @min_vecs vectors), -errno.  drm_platform_pci_irq_type()
 * tells which type was granted.
 */
int drm_platform_pci_irq_request(struct drm_pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
				 unsigned int types, drm_pci_irq_handler handler, void *arg);

/** drm_platform_pci_irq_type() - the DRM_PCI_IRQ_* type granted, or 0 when none is requested. */
unsigned int drm_platform_pci_irq_type(const struct drm_pci_dev *dev);

/** drm_platform_pci_irq_count() - the number of vectors granted, 0 when none is requested. */
unsigned int drm_platform_pci_irq_count(const struct drm_pci_dev *dev);

/**
 * drm_platform_pci_irq_free() - stop delivery, disable the interrupt type in
 * the device and free the vectors (pci_free_irq_vectors()).  When it
 * returns, no handler call is running or will start.  No-op when none are
 * requested.  Returns 0, or -EDEADLK when called from the handler.
 */
int drm_platform_pci_irq_free(struct drm_pci_dev *dev);

/* ------------------------------------------------------------------ */
/* Reset                                                               */
/* ------------------------------------------------------------------ */

/**
 * drm_platform_pci_reset() - reset the function (the kernel's
 * pci_reset_function(): FLR, PM reset or a bus reset that touches only
 * this function, whichever the platform finds).  Config space is saved and
 * restored around it; the device's own state is gone.  Interrupts stay
 * requested.  Returns 0, -ENOTTY when the function has no reset method
 * (VFIO_DEVICE_FLAGS_RESET clear), -errno.
 */
int drm_platform_pci_reset(struct drm_pci_dev *dev);

#endif
