/*
 * platform.h - the only door from core/ and drivers/ to the operating system.
 *
 * core/ and drivers/ include C11 headers, the DRM uAPI headers and project
 * headers only (DESIGN.md, "Dependency rule").  Everything that needs the OS
 * goes through the functions declared here.  The Linux implementation is
 * vfio/platform_linux.c; the target OS (Redox) provides its own.
 *
 * Error convention: functions that can fail return 0 or a negative errno
 * value (as in the Linux kernel), or NULL for allocations.
 */
#ifndef CUSE_DRM_PLATFORM_H
#define CUSE_DRM_PLATFORM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* Shareable memory (GEM backing store, DESIGN.md decision 5)          */
/* ------------------------------------------------------------------ */

/**
 * struct drm_shmem - shareable, zero-filled memory that backs a GEM object.
 *
 * Opaque.  On Linux it is a sealed memfd (F_SEAL_SHRINK|F_SEAL_GROW|
 * F_SEAL_SEAL) mapped into the daemon, so clients can map the same pages
 * (zero-copy) and a VFIO device can DMA-map them.  Reference counted: the
 * memory lives until the last drm_platform_shmem_put().
 */
struct drm_shmem;

/**
 * drm_platform_shmem_alloc() - allocate @size bytes of zeroed shareable memory.
 * @size: size in bytes; the caller rounds it to pages.  Must be > 0.
 *
 * Returns the object with one reference, or NULL when out of memory (the
 * caller reports -ENOMEM).
 */
struct drm_shmem *drm_platform_shmem_alloc(uint64_t size);

/** drm_platform_shmem_get() - take a reference; returns @shmem. */
struct drm_shmem *drm_platform_shmem_get(struct drm_shmem *shmem);

/** drm_platform_shmem_put() - drop a reference; frees the memory at zero. NULL is a no-op. */
void drm_platform_shmem_put(struct drm_shmem *shmem);

/** drm_platform_shmem_vaddr() - the daemon's own mapping of the whole object. */
void *drm_platform_shmem_vaddr(const struct drm_shmem *shmem);

/** drm_platform_shmem_size() - the size in bytes given at allocation. */
uint64_t drm_platform_shmem_size(const struct drm_shmem *shmem);

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

/** drm_platform_time_ns() - CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t drm_platform_time_ns(void);

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

/**
 * struct drm_mutex - a recursive mutex.  Recursive because the front end's
 * event notification runs with the device lock held and may call back into
 * the core (for instance drm_read() to complete a parked read).
 */
struct drm_mutex;

/** drm_platform_mutex_create() - a new unlocked recursive mutex, or NULL on ENOMEM. */
struct drm_mutex *drm_platform_mutex_create(void);
/** drm_platform_mutex_destroy() - free an unlocked mutex.  NULL is a no-op. */
void drm_platform_mutex_destroy(struct drm_mutex *m);
/** drm_platform_mutex_lock() - lock; recursive locking by the owner is allowed. */
void drm_platform_mutex_lock(struct drm_mutex *m);
/** drm_platform_mutex_unlock() - unlock once. */
void drm_platform_mutex_unlock(struct drm_mutex *m);

/* ------------------------------------------------------------------ */
/* Completions                                                         */
/* ------------------------------------------------------------------ */

/**
 * struct drm_completion - a one-shot event one thread waits for and another
 * signals, as the kernel's struct completion (include/linux/completion.h)
 * with complete_all() semantics: once completed it stays done until
 * drm_platform_completion_reinit().  A driver sleeps on one while its
 * interrupt handler (which takes no core lock) finishes a device command;
 * the waiter may hold the device lock, the completer must not need it.
 */
struct drm_completion;

/** drm_platform_completion_create() - a new, not yet completed completion; NULL on ENOMEM. */
struct drm_completion *drm_platform_completion_create(void);
/** drm_platform_completion_destroy() - free it; no thread may be waiting.  NULL is a no-op. */
void drm_platform_completion_destroy(struct drm_completion *c);
/** drm_platform_completion_reinit() - back to not completed (reinit_completion()). */
void drm_platform_completion_reinit(struct drm_completion *c);
/** drm_platform_complete() - mark done and wake every waiter (complete_all()); any thread. */
void drm_platform_complete(struct drm_completion *c);
/**
 * drm_platform_completion_wait() - sleep until @c is done or @timeout_ns
 * (nanoseconds, CLOCK_MONOTONIC) passed, as wait_for_completion_timeout().
 * Returns 0 when done, -ETIMEDOUT otherwise.
 */
int drm_platform_completion_wait(struct drm_completion *c, uint64_t timeout_ns);

/* ------------------------------------------------------------------ */
/* Timers                                                              */
/* ------------------------------------------------------------------ */

/**
 * struct drm_timer - a periodic timer on CLOCK_MONOTONIC, like an hrtimer.
 *
 * The callback runs on a platform thread with no core lock held and gets the
 * expiry time it was scheduled for (nanoseconds, CLOCK_MONOTONIC), which is
 * what vkms uses as the vblank timestamp.  When the callback runs late, missed
 * periods are reported through @overrun rather than delivered one by one.
 */
struct drm_timer;

/** Timer callback: @expires_ns is the scheduled expiry, @overrun the number of missed periods. */
typedef void (*drm_timer_fn)(void *arg, uint64_t expires_ns, uint64_t overrun);

/** drm_platform_timer_create() - a disarmed timer calling @fn(@arg, ...); NULL on failure. */
struct drm_timer *drm_platform_timer_create(drm_timer_fn fn, void *arg);

/**
 * drm_platform_timer_start() - arm: first expiry at @first_ns (absolute,
 * CLOCK_MONOTONIC), then every @period_ns (0 means one-shot).
 */
void drm_platform_timer_start(struct drm_timer *t, uint64_t first_ns, uint64_t period_ns);

/**
 * drm_platform_timer_stop() - disarm.  A callback already running may still
 * finish; callers keep their own state so a late callback is harmless.
 */
void drm_platform_timer_stop(struct drm_timer *t);

/**
 * drm_platform_timer_destroy() - disarm, wait for a running callback and
 * free.  Must not be called with a lock the callback takes.  NULL is a no-op.
 */
void drm_platform_timer_destroy(struct drm_timer *t);

/* ------------------------------------------------------------------ */
/* Logging and randomness                                              */
/* ------------------------------------------------------------------ */

/** Log levels, in the kernel's order. */
enum drm_log_level { DRM_LOG_ERR = 3, DRM_LOG_WARN = 4, DRM_LOG_INFO = 6, DRM_LOG_DEBUG = 7 };

/** drm_platform_vlog() - write one log line (no trailing newline needed). */
void drm_platform_vlog(enum drm_log_level level, const char *fmt, va_list ap);

/** drm_platform_log() - printf-style wrapper of drm_platform_vlog(). */
void drm_platform_log(enum drm_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** drm_platform_random() - fill @buf with @len cryptographically random bytes; 0 or -errno. */
int drm_platform_random(void *buf, size_t len);

#define drm_err(...) drm_platform_log(DRM_LOG_ERR, __VA_ARGS__)
#define drm_warn(...) drm_platform_log(DRM_LOG_WARN, __VA_ARGS__)
#define drm_info(...) drm_platform_log(DRM_LOG_INFO, __VA_ARGS__)
#define drm_dbg(...) drm_platform_log(DRM_LOG_DEBUG, __VA_ARGS__)

#endif
