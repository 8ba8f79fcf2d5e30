/*
 * drm_fence.h - fences and per-object reservation lists, after the kernel's
 * dma_fence (include/linux/dma-fence.h) and dma_resv (include/linux/dma-resv.h).
 *
 * A fence is a one-shot completion: created unsignalled, signalled once by
 * its driver, reference counted.  A GEM object's reservation list holds the
 * fences of work that reads or writes it.  All calls are made with the device
 * lock held.  (Waiting on fences without holding a thread comes with syncobj.)
 */
#ifndef CUSE_DRM_FENCE_H
#define CUSE_DRM_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/drm_list.h"

struct drm_gem_object;

/**
 * struct drm_fence - a dma_fence: @signaled once done, with @error (0 or a
 * negative errno such as -ETIMEDOUT) and the CLOCK_MONOTONIC time it
 * signalled, in nanoseconds.
 */
struct drm_fence {
	uint32_t refcount;
	bool signaled;
	int error;
	uint64_t timestamp_ns;
};

/** drm_fence_create() - an unsignalled fence with one reference, or NULL on ENOMEM. */
struct drm_fence *drm_fence_create(void);
/** drm_fence_get() - take a reference; returns @f. */
struct drm_fence *drm_fence_get(struct drm_fence *f);
/** drm_fence_put() - drop a reference; NULL is a no-op. */
void drm_fence_put(struct drm_fence *f);
/** drm_fence_signal() - signal @f with @error (0 for success); a second signal is a no-op. */
void drm_fence_signal(struct drm_fence *f, int error);

/** enum drm_resv_usage - how a fence uses an object, as DMA_RESV_USAGE_WRITE/READ. */
enum drm_resv_usage {
	DRM_RESV_USAGE_WRITE = 1,
	DRM_RESV_USAGE_READ = 2,
};

/**
 * drm_gem_resv_test_signaled() - true when every fence of @obj up to @usage
 * has signalled: WRITE tests writers only, READ tests readers and writers
 * (dma_resv_test_signaled()).
 */
bool drm_gem_resv_test_signaled(struct drm_gem_object *obj, enum drm_resv_usage usage);

/**
 * drm_gem_resv_add_fence() - record that @f reads or writes @obj (takes a
 * reference; signalled fences are pruned).  Returns 0 or -ENOMEM.
 */
int drm_gem_resv_add_fence(struct drm_gem_object *obj, struct drm_fence *f, enum drm_resv_usage usage);

/** drm_gem_resv_fini() - drop all of @obj's fences (when the object dies). */
void drm_gem_resv_fini(struct drm_gem_object *obj);

#endif
