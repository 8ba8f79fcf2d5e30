/*
 * iova.h - the IOVA allocator of the VFIO platform (vfio/vfio_pci.c).
 *
 * Pure logic, no system calls, so that tests/unit/test_vfio.c can check it
 * on its own.  It hands out device addresses for DMA mappings inside the
 * IOMMU's usable ranges, which the kernel reports in
 * VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE (<linux/vfio.h>): the usable address
 * width minus reserved regions such as the x86 MSI window
 * 0xfee00000-0xfeefffff.  A VFIO_IOMMU_MAP_DMA outside them fails with
 * EINVAL, so every allocation must lie wholly inside one range.
 *
 * First fit from the lowest address: mappings stay low and compact (some
 * devices decode fewer address bits than the IOMMU).  Page 0 is never
 * handed out, so a zero IOVA can mean "none" in a driver, as a NULL
 * dma_addr_t usually does.  Not thread-safe: the caller locks.
 */
#ifndef CUSE_DRM_VFIO_IOVA_H
#define CUSE_DRM_VFIO_IOVA_H

#include <stddef.h>
#include <stdint.h>

/** struct vfio_iova_span - addresses @start..@last, both inclusive (as struct vfio_iova_range). */
struct vfio_iova_span {
	uint64_t start;
	uint64_t last;
};

/**
 * struct vfio_iova_allocator - usable ranges and live allocations.
 * @ranges:    usable spans, sorted, merged, non-overlapping.
 * @used:      live allocations, sorted by start, page-rounded.
 * @page_size: the smallest IOMMU page (bytes, a power of two); every
 *             allocation is a multiple of it and aligned to it at least.
 */
struct vfio_iova_allocator {
	struct vfio_iova_span *ranges;
	size_t nranges;
	struct vfio_iova_span *used;
	size_t nused;
	size_t used_cap;
	uint64_t page_size;
};

/**
 * vfio_iova_init() - set up @a over @n usable spans (any order; overlaps and
 * neighbours are merged; partial pages at the edges are dropped).
 * @page_size: a power of two >= 1.
 * Returns 0, -EINVAL (no spans, a span with start > last, a bad page size,
 * or nothing left after trimming to pages), -ENOMEM.
 */
int vfio_iova_init(struct vfio_iova_allocator *a, const struct vfio_iova_span *spans, size_t n,
		   uint64_t page_size);

/** vfio_iova_fini() - free @a's memory (not the mappings: the caller unmaps first). */
void vfio_iova_fini(struct vfio_iova_allocator *a);

/**
 * vfio_iova_alloc() - reserve @size bytes (rounded up to pages) at an
 * address aligned to @align (a power of two; values below the page size
 * mean the page size).  Lowest fitting address wins; never page 0.
 * Returns 0 with *@iova set, -EINVAL for size 0 or a bad @align, -ENOSPC
 * when no usable span has room, -ENOMEM.
 */
int vfio_iova_alloc(struct vfio_iova_allocator *a, uint64_t size, uint64_t align, uint64_t *iova);

/**
 * vfio_iova_free() - release the allocation that starts at @iova.  Returns
 * its page-rounded size in *@size (if not NULL) and 0, or -ENOENT.
 */
int vfio_iova_free(struct vfio_iova_allocator *a, uint64_t iova, uint64_t *size);

/** vfio_iova_round() - @size rounded up to @a's pages, 0 on overflow. */
uint64_t vfio_iova_round(const struct vfio_iova_allocator *a, uint64_t size);

#endif
