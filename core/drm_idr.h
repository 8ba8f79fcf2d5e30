/*
 * drm_idr.h - integer id -> pointer maps that hand out the lowest free id,
 * as the kernel's idr_alloc(idr, ptr, start, 0) does for GEM handles and
 * mode object ids.
 */
#ifndef CUSE_DRM_IDR_H
#define CUSE_DRM_IDR_H

#include <stdint.h>

/** struct drm_idr - ids from @start upwards; @slots[i] holds id @start + i. */
struct drm_idr {
	uint32_t start;
	uint32_t size;   /* slots allocated */
	uint32_t count;  /* ids in use */
	uint32_t hint;   /* no free slot below this index */
	void **slots;
};

/** drm_idr_init() - an empty map whose first id is @start (>= 1). */
void drm_idr_init(struct drm_idr *idr, uint32_t start);
/** drm_idr_destroy() - free the map's memory (not the pointers it holds). */
void drm_idr_destroy(struct drm_idr *idr);
/** drm_idr_alloc() - store @ptr (non-NULL) at the lowest free id; returns it, or 0 on ENOMEM. */
uint32_t drm_idr_alloc(struct drm_idr *idr, void *ptr);
/** drm_idr_find() - the pointer at @id, or NULL. */
void *drm_idr_find(const struct drm_idr *idr, uint32_t id);
/** drm_idr_replace() - store @ptr (non-NULL) at @id, which must be in use; returns the old pointer, or NULL when @id is free. */
void *drm_idr_replace(struct drm_idr *idr, uint32_t id, void *ptr);
/** drm_idr_remove() - free @id; returns what it held, or NULL. */
void *drm_idr_remove(struct drm_idr *idr, uint32_t id);
/** drm_idr_next() - the lowest id >= @id in use (0 when none), with its pointer in *@ptr. */
uint32_t drm_idr_next(const struct drm_idr *idr, uint32_t id, void **ptr);

#endif
