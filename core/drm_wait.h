/*
 * drm_wait.h - blocking ioctls without a blocked thread (DESIGN.md decision 4).
 *
 * In the kernel a blocking ioctl (SYNCOBJ_WAIT, WAIT_VBLANK, a driver's
 * WAIT) sleeps in a loop: check the condition, queue itself on what could
 * change it (fence callbacks, wait queues), set a timeout, schedule(), and
 * check again when woken.  Here the same loop runs without the sleep: the
 * handler checks its condition and, when it must wait, registers the
 * ioctl's struct drm_wait on fences, wait queues and a deadline and returns
 * -DRM_EPENDING.  The front end keeps the client's request (on Linux the
 * fuse_req_t) and, when the core calls drm_wait.wake, runs the same ioctl
 * again with the same argument memory: the handler checks once more.  A
 * thousand waiters are a thousand small records, not a thousand threads.
 *
 * Between runs the handler may keep state (the kernel's on-stack wait
 * entries) with drm_wait_set_priv(); it is freed when the ioctl completes
 * or is cancelled.  A handler that parks must not have written client
 * memory in that run.
 *
 * All functions here are called with the device lock held.
 */
#ifndef CUSE_DRM_WAIT_H
#define CUSE_DRM_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/drm_list.h"

struct drm_device;
struct drm_fence;
struct drm_file;

/** struct drm_waitq - a wait queue (wait_queue_head_t): parked ioctls woken together. */
struct drm_waitq {
	struct drm_list_head waiters;
};

/** drm_waitq_init() - an empty wait queue. */
void drm_waitq_init(struct drm_waitq *q);

/** drm_waitq_wake_all() - wake every ioctl parked on @q (wake_up_all()); they leave @q. */
void drm_waitq_wake_all(struct drm_waitq *q);

/**
 * drm_wait_possible() - whether the running ioctl may park (its front end
 * passed a struct drm_wait).  Without one a handler that would block fails
 * with -EAGAIN.
 */
bool drm_wait_possible(const struct drm_file *file);

/**
 * drm_wait_on_fence() - wake the running ioctl when @f signals.  Returns 0,
 * -ENOENT when @f has already signalled (nothing registered: check again),
 * -ENOMEM, or -EAGAIN when the ioctl cannot park.
 */
int drm_wait_on_fence(struct drm_file *file, struct drm_fence *f);

/** drm_wait_on_queue() - wake the running ioctl at the next drm_waitq_wake_all(@q); 0, -ENOMEM or -EAGAIN. */
int drm_wait_on_queue(struct drm_file *file, struct drm_waitq *q);

/**
 * drm_wait_until() - wake the running ioctl at @deadline_ns
 * (CLOCK_MONOTONIC, nanoseconds; UINT64_MAX: never).  0, -ENOMEM or -EAGAIN.
 */
int drm_wait_until(struct drm_file *file, uint64_t deadline_ns);

/** drm_wait_priv() - the state the handler kept from an earlier run of this ioctl, or NULL. */
void *drm_wait_priv(struct drm_file *file);

/**
 * drm_wait_set_priv() - keep @priv for the next run; @free_priv(@priv) runs
 * (device lock held) when the ioctl completes or is cancelled.  Returns 0,
 * -ENOMEM or -EAGAIN (then @free_priv has already been called on @priv).
 */
int drm_wait_set_priv(struct drm_file *file, void *priv, void (*free_priv)(void *priv));

/* Used by drm_ioctl.c and drm_file.c. */
void drm_wait_begin_run(struct drm_device *dev, struct drm_wait *w);
int drm_wait_end_run(struct drm_device *dev, struct drm_wait *w, int ret);
void drm_wait_device_fini(struct drm_device *dev);

#endif
