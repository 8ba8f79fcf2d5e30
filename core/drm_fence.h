/*
 * drm_fence.h - fences, fence chains (timelines) and per-object reservation
 * lists, after the kernel's dma_fence (include/linux/dma-fence.h),
 * dma_fence_chain (dma-fence-chain.h), dma_fence_array and dma_resv.
 *
 * A fence is a one-shot completion: created unsignalled, signalled once by
 * its driver, reference counted.  Callbacks added with
 * drm_fence_add_callback() run when it signals; that is how waits park
 * without holding a thread (drm_wait.h).  Unlike the kernel's lazy
 * enable_signaling, every fence here knows its state at all times: a chain
 * node or an array signals itself from callbacks on what it waits for.
 *
 * Everything here runs with the device lock held (the fences of one device
 * are only touched under its lock), so there are no atomics and no RCU.
 */
#ifndef CUSE_DRM_FENCE_H
#define CUSE_DRM_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/drm_list.h"

struct drm_gem_object;
struct drm_fence;
struct drm_fence_cb;

/** drm_fence_func_t - a fence callback; runs once, from drm_fence_signal(). */
typedef void (*drm_fence_func_t)(struct drm_fence *fence, struct drm_fence_cb *cb);

/**
 * struct drm_fence_cb - a callback registration, embedded in the waiter
 * (dma_fence_cb).  @node is unlinked (empty) once the callback ran or was
 * removed.
 */
struct drm_fence_cb {
	struct drm_list_head node;
	drm_fence_func_t func;
};

/** enum drm_fence_kind - what a fence is: plain, a timeline chain node, or an array. */
enum drm_fence_kind {
	DRM_FENCE_PLAIN = 0,
	DRM_FENCE_CHAIN,
	DRM_FENCE_ARRAY,
};

/**
 * struct drm_fence - a dma_fence: @signaled once done, with @error (0 or a
 * negative errno such as -ETIMEDOUT) and the CLOCK_MONOTONIC time it
 * signalled, in nanoseconds.  @context and @seqno place it on a timeline
 * (dma_fence_init()); plain fences get a context of their own.
 */
struct drm_fence {
	uint32_t refcount;
	enum drm_fence_kind kind;
	bool signaled;
	int error;
	uint64_t timestamp_ns;
	uint64_t context;
	uint64_t seqno;
	struct drm_list_head cb_list;
};

/**
 * struct drm_fence_chain - one point of a timeline (dma_fence_chain): @base
 * has seqno = the point and signals once @fence and everything before it
 * have.  @prev is the previous point, pruned of signalled points as the
 * kernel's dma_fence_chain_walk() does; @prev_seqno is the point @prev had
 * when this node was added.
 */
struct drm_fence_chain {
	struct drm_fence base;
	struct drm_fence *prev;
	uint64_t prev_seqno;
	struct drm_fence *fence;
	/* Signalling: callbacks on @fence and on the original previous node. */
	struct drm_fence *wait_prev;
	struct drm_fence_cb fence_cb, prev_cb;
	unsigned int pending;
};

/** drm_fence_context_alloc() - @num new fence contexts (dma_fence_context_alloc()); returns the first. */
uint64_t drm_fence_context_alloc(unsigned int num);

/** drm_fence_live_count() - fences alive in this process, for leak checks (drm_device_stats). */
uint32_t drm_fence_live_count(void);

/** drm_fence_create() - an unsignalled plain fence with one reference, or NULL on ENOMEM. */
struct drm_fence *drm_fence_create(void);

/**
 * drm_fence_create_signaled() - an already signalled fence, as
 * dma_fence_get_stub() / dma_fence_allocate_private_stub(); NULL on ENOMEM.
 */
struct drm_fence *drm_fence_create_signaled(void);

/** drm_fence_get() - take a reference; returns @f (NULL is passed through). */
struct drm_fence *drm_fence_get(struct drm_fence *f);
/** drm_fence_put() - drop a reference; NULL is a no-op. */
void drm_fence_put(struct drm_fence *f);

/**
 * drm_fence_signal() - signal @f with @error (0 for success) and run its
 * callbacks; a second signal is a no-op.
 */
void drm_fence_signal(struct drm_fence *f, int error);

/** drm_fence_is_signaled() - dma_fence_is_signaled(). */
bool drm_fence_is_signaled(const struct drm_fence *f);

/**
 * drm_fence_add_callback() - run @func(@f, @cb) when @f signals
 * (dma_fence_add_callback()).  Returns 0, or -ENOENT when @f has already
 * signalled (nothing is registered then).
 */
int drm_fence_add_callback(struct drm_fence *f, struct drm_fence_cb *cb, drm_fence_func_t func);

/** drm_fence_remove_callback() - unregister @cb if still pending; true when it was. */
bool drm_fence_remove_callback(struct drm_fence *f, struct drm_fence_cb *cb);

/* ------------------------------------------------------------------ */
/* Chains (timelines)                                                  */
/* ------------------------------------------------------------------ */

/** to_drm_fence_chain() - @f as a chain node, or NULL (to_dma_fence_chain()). */
struct drm_fence_chain *to_drm_fence_chain(struct drm_fence *f);

/**
 * drm_fence_chain_create() - a new timeline point @seqno holding @fence
 * after @prev (dma_fence_chain_init(); both may be NULL, and the node takes
 * its own references).  Reuses @prev's context when @prev is a chain node
 * and @seqno is later; otherwise starts a new context, with seqno raised to
 * @prev's when @prev is a chain node.  NULL on ENOMEM.
 */
struct drm_fence *drm_fence_chain_create(struct drm_fence *prev, struct drm_fence *fence,
					 uint64_t seqno);

/**
 * drm_fence_chain_walk() - the next node after @f (whose reference it
 * consumes) that is not yet signalled, pruning signalled ones from the
 * chain; returns a new reference or NULL (dma_fence_chain_walk()).
 */
struct drm_fence *drm_fence_chain_walk(struct drm_fence *f);

/**
 * drm_fence_chain_find_seqno() - move *@pfence (a reference) to the node
 * that signals point @seqno, or to NULL when that point has signalled and
 * was pruned (dma_fence_chain_find_seqno()).  Returns 0, or -EINVAL when
 * *@pfence is not a chain node or the timeline has not reached @seqno.
 * @seqno 0 is a no-op.
 */
int drm_fence_chain_find_seqno(struct drm_fence **pfence, uint64_t seqno);

/* ------------------------------------------------------------------ */
/* Arrays                                                              */
/* ------------------------------------------------------------------ */

/**
 * drm_fence_array_create() - a fence that signals once all @count fences
 * have (dma_fence_array; what dma_fence_unwrap_merge() and
 * dma_resv_get_singleton() build).  Takes its own references.  With one
 * fence, returns a new reference to it; with none, a signalled fence.
 * NULL on ENOMEM.
 */
struct drm_fence *drm_fence_array_create(struct drm_fence **fences, unsigned int count);

/* ------------------------------------------------------------------ */
/* Reservation lists                                                    */
/* ------------------------------------------------------------------ */

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

/**
 * drm_gem_resv_get_singleton() - one fence for all of @obj's unsignalled
 * fences up to @usage (dma_resv_get_singleton()): NULL in *@out when there
 * are none.  Returns 0 or -ENOMEM.
 */
int drm_gem_resv_get_singleton(struct drm_gem_object *obj, enum drm_resv_usage usage,
			       struct drm_fence **out);

/** drm_gem_resv_fini() - drop all of @obj's fences (when the object dies). */
void drm_gem_resv_fini(struct drm_gem_object *obj);

#endif
