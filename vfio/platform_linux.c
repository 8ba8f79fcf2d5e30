/*
 * platform_linux.c - core/platform.h on Linux (glibc, pthreads).
 *
 * Shareable memory is a sealed memfd, time is CLOCK_MONOTONIC, locks are
 * recursive pthread mutexes, each timer is one thread sleeping to an absolute
 * CLOCK_MONOTONIC deadline, logs go to stderr, randomness comes from
 * getrandom(2).
 */
#include "platform_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Shareable memory                                                    */
/* ------------------------------------------------------------------ */

struct drm_shmem {
	int fd;            /* sealed memfd, owned */
	void *vaddr;       /* MAP_SHARED mapping of the whole memfd in the daemon */
	uint64_t size;     /* bytes, as allocated */
	atomic_uint refs;
	dev_t dev;         /* the memfd's identity (fstat), to recognise it on import */
	ino_t ino;
	struct drm_shmem *next; /* in shmem_registry */
};

/*
 * Every live drm_shmem of this process, so that an imported fd naming one of
 * them gives back that one (a dma-buf fd is the same struct dma_buf wherever
 * it travels; the core recognises its own objects by the shmem pointer).
 */
static pthread_mutex_t shmem_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct drm_shmem *shmem_registry;

static void shmem_register(struct drm_shmem *shmem)
{
	pthread_mutex_lock(&shmem_registry_lock);
	shmem->next = shmem_registry;
	shmem_registry = shmem;
	pthread_mutex_unlock(&shmem_registry_lock);
}

static void shmem_unregister(struct drm_shmem *shmem)
{
	pthread_mutex_lock(&shmem_registry_lock);
	for (struct drm_shmem **p = &shmem_registry; *p; p = &(*p)->next) {
		if (*p == shmem) {
			*p = shmem->next;
			break;
		}
	}
	pthread_mutex_unlock(&shmem_registry_lock);
}

/* The live shmem whose memfd is the file @st describes, with a new reference; or NULL. */
static struct drm_shmem *shmem_find(const struct stat *st)
{
	struct drm_shmem *found = NULL;

	pthread_mutex_lock(&shmem_registry_lock);
	for (struct drm_shmem *s = shmem_registry; s; s = s->next) {
		unsigned int refs;

		if (s->dev != st->st_dev || s->ino != st->st_ino)
			continue;
		/* Get unless zero: a final put may be on its way to unregister it. */
		refs = atomic_load_explicit(&s->refs, memory_order_relaxed);
		while (refs != 0 &&
		       !atomic_compare_exchange_weak_explicit(&s->refs, &refs, refs + 1,
							      memory_order_relaxed,
							      memory_order_relaxed))
			;
		if (refs != 0) {
			found = s;
			break;
		}
	}
	pthread_mutex_unlock(&shmem_registry_lock);
	return found;
}

/* Map @shmem->fd, record its identity and register it; 0 or -errno. */
static int shmem_setup(struct drm_shmem *shmem, uint64_t size)
{
	struct stat st;

	if (fstat(shmem->fd, &st) < 0)
		return -errno;
	shmem->vaddr = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, shmem->fd, 0);
	if (shmem->vaddr == MAP_FAILED)
		return -errno;
	shmem->size = size;
	shmem->dev = st.st_dev;
	shmem->ino = st.st_ino;
	atomic_init(&shmem->refs, 1);
	shmem_register(shmem);
	return 0;
}

struct drm_shmem *drm_platform_shmem_alloc(uint64_t size)
{
	struct drm_shmem *shmem;

	if (size == 0 || size > (uint64_t)SIZE_MAX || size > (uint64_t)INT64_MAX)
		return NULL;
	shmem = calloc(1, sizeof(*shmem));
	if (!shmem)
		return NULL;
	shmem->fd = memfd_create("cuse-drm-gem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (shmem->fd < 0)
		goto err_free;
	/* A fresh memfd reads as zeroes, like shmem_file_setup()'s pages. */
	if (ftruncate(shmem->fd, (off_t)size) < 0)
		goto err_close;
	if (fcntl(shmem->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto err_close;
	if (shmem_setup(shmem, size) < 0)
		goto err_close;
	return shmem;

err_close:
	close(shmem->fd);
err_free:
	free(shmem);
	return NULL;
}

struct drm_shmem *drm_platform_shmem_get(struct drm_shmem *shmem)
{
	atomic_fetch_add_explicit(&shmem->refs, 1, memory_order_relaxed);
	return shmem;
}

void drm_platform_shmem_put(struct drm_shmem *shmem)
{
	if (!shmem)
		return;
	/* acq_rel: every user's writes happen before the unmap of the last one. */
	if (atomic_fetch_sub_explicit(&shmem->refs, 1, memory_order_acq_rel) != 1)
		return;
	shmem_unregister(shmem);
	munmap(shmem->vaddr, (size_t)shmem->size);
	close(shmem->fd);
	free(shmem);
}

void *drm_platform_shmem_vaddr(const struct drm_shmem *shmem)
{
	return shmem->vaddr;
}

uint64_t drm_platform_shmem_size(const struct drm_shmem *shmem)
{
	return shmem->size;
}

int drm_platform_linux_shmem_fd(const struct drm_shmem *shmem)
{
	return shmem->fd;
}

struct drm_shmem *drm_platform_linux_shmem_lookup(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	return shmem_find(&st);
}

int drm_platform_linux_shmem_import(int fd, struct drm_shmem **out)
{
	const int needed = F_SEAL_SHRINK | F_SEAL_GROW;
	struct drm_shmem *shmem;
	struct stat st;
	int seals, ret;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -EBADF;
	shmem = shmem_find(&st);
	if (shmem) {
		*out = shmem;
		return 0;
	}
	/*
	 * Only a memfd whose size cannot change under our mapping: anything
	 * else is "not a dma-buf", which dma_buf_get() answers with EINVAL.
	 */
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & needed) != needed)
		return -EINVAL;
	if (st.st_size <= 0 || (uint64_t)st.st_size > (uint64_t)SIZE_MAX)
		return -EINVAL;
	shmem = calloc(1, sizeof(*shmem));
	if (!shmem)
		return -ENOMEM;
	/*
	 * A dma-buf exported without DRM_RDWR is a read-only open file; the
	 * imported GEM object is still writable through its handle, as in the
	 * kernel, so open the memory again read-write.
	 */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		shmem->fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (shmem->fd < 0)
		shmem->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (shmem->fd < 0) {
		ret = -errno;
		free(shmem);
		return ret;
	}
	ret = shmem_setup(shmem, (uint64_t)st.st_size);
	if (ret < 0) {
		close(shmem->fd);
		free(shmem);
		return ret;
	}
	*out = shmem;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

uint64_t drm_platform_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct timespec ns_to_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};
	return ts;
}

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

struct drm_mutex {
	pthread_mutex_t m;
};

struct drm_mutex *drm_platform_mutex_create(void)
{
	struct drm_mutex *m = malloc(sizeof(*m));
	pthread_mutexattr_t attr;

	if (!m)
		return NULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (pthread_mutex_init(&m->m, &attr) != 0) {
		pthread_mutexattr_destroy(&attr);
		free(m);
		return NULL;
	}
	pthread_mutexattr_destroy(&attr);
	return m;
}

void drm_platform_mutex_destroy(struct drm_mutex *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->m);
	free(m);
}

void drm_platform_mutex_lock(struct drm_mutex *m)
{
	pthread_mutex_lock(&m->m);
}

void drm_platform_mutex_unlock(struct drm_mutex *m)
{
	pthread_mutex_unlock(&m->m);
}

/* ------------------------------------------------------------------ */
/* Completions                                                         */
/* ------------------------------------------------------------------ */

struct drm_completion {
	pthread_mutex_t lock;
	pthread_cond_t cond;   /* bound to CLOCK_MONOTONIC */
	bool done;
};

struct drm_completion *drm_platform_completion_create(void)
{
	struct drm_completion *c = calloc(1, sizeof(*c));
	pthread_condattr_t cattr;

	if (!c)
		return NULL;
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&c->cond, &cattr) != 0) {
		pthread_condattr_destroy(&cattr);
		free(c);
		return NULL;
	}
	pthread_condattr_destroy(&cattr);
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void drm_platform_completion_destroy(struct drm_completion *c)
{
	if (!c)
		return;
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void drm_platform_completion_reinit(struct drm_completion *c)
{
	pthread_mutex_lock(&c->lock);
	c->done = false;
	pthread_mutex_unlock(&c->lock);
}

void drm_platform_complete(struct drm_completion *c)
{
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

int drm_platform_completion_wait(struct drm_completion *c, uint64_t timeout_ns)
{
	struct timespec deadline = ns_to_timespec(drm_platform_time_ns() + timeout_ns);
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	while (!c->done && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&c->cond, &c->lock, &deadline);
	ret = c->done ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */
/* ------------------------------------------------------------------ */

/*
 * One thread per timer.  The thread sleeps on a condition variable bound to
 * CLOCK_MONOTONIC with an absolute deadline: the same wait as
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), but start(), stop() and
 * destroy() can cut it short by signalling the condvar.  The callback runs
 * with t->lock released, so it may call start()/stop() on its own timer.
 */
struct drm_timer {
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* state changed: armed, deadline or quit */
	pthread_t thread;
	drm_timer_fn fn;
	void *arg;
	uint64_t expires_ns;      /* next absolute expiry, valid while armed */
	uint64_t period_ns;       /* 0: one-shot */
	bool armed;
	bool quit;
	bool self_destroy;        /* destroy() called from the callback: the thread frees */
};

static void timer_free(struct drm_timer *t)
{
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static void *timer_thread(void *data)
{
	struct drm_timer *t = data;
	bool free_self;

	pthread_mutex_lock(&t->lock);
	while (!t->quit) {
		uint64_t now, expires, overrun = 0;

		if (!t->armed) {
			pthread_cond_wait(&t->cond, &t->lock);
			continue;
		}
		now = drm_platform_time_ns();
		if (now < t->expires_ns) {
			struct timespec ts = ns_to_timespec(t->expires_ns);

			pthread_cond_timedwait(&t->cond, &t->lock, &ts);
			continue; /* re-evaluate: woken early, stopped, re-armed or due */
		}
		/*
		 * Due.  Like hrtimer_forward_now(): skip the periods that passed
		 * while we were late, report them as @overrun, and pass the
		 * latest expiry that has passed (the vblank timestamp vkms uses).
		 */
		expires = t->expires_ns;
		if (t->period_ns) {
			overrun = (now - expires) / t->period_ns;
			expires += overrun * t->period_ns;
			t->expires_ns = expires + t->period_ns;
		} else {
			t->armed = false;
		}
		pthread_mutex_unlock(&t->lock);
		t->fn(t->arg, expires, overrun);
		pthread_mutex_lock(&t->lock);
	}
	free_self = t->self_destroy;
	pthread_mutex_unlock(&t->lock);
	if (free_self)
		timer_free(t);
	return NULL;
}

struct drm_timer *drm_platform_timer_create(drm_timer_fn fn, void *arg)
{
	struct drm_timer *t = calloc(1, sizeof(*t));
	pthread_condattr_t cattr;

	if (!t || !fn) {
		free(t);
		return NULL;
	}
	t->fn = fn;
	t->arg = arg;
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		goto err_free;
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&t->cond, &cattr) != 0) {
		pthread_condattr_destroy(&cattr);
		goto err_mutex;
	}
	pthread_condattr_destroy(&cattr);
	if (pthread_create(&t->thread, NULL, timer_thread, t) != 0)
		goto err_cond;
	return t;

err_cond:
	pthread_cond_destroy(&t->cond);
err_mutex:
	pthread_mutex_destroy(&t->lock);
err_free:
	free(t);
	return NULL;
}

void drm_platform_timer_start(struct drm_timer *t, uint64_t first_ns, uint64_t period_ns)
{
	pthread_mutex_lock(&t->lock);
	t->expires_ns = first_ns;
	t->period_ns = period_ns;
	t->armed = true;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void drm_platform_timer_stop(struct drm_timer *t)
{
	pthread_mutex_lock(&t->lock);
	t->armed = false;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void drm_platform_timer_destroy(struct drm_timer *t)
{
	bool self;

	if (!t)
		return;
	self = pthread_equal(pthread_self(), t->thread);
	pthread_mutex_lock(&t->lock);
	t->armed = false;
	t->quit = true;
	t->self_destroy = self;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (self) {
		/* From the callback: cannot join ourselves; the thread frees t on exit. */
		pthread_detach(t->thread);
		return;
	}
	pthread_join(t->thread, NULL);
	timer_free(t);
}

/* ------------------------------------------------------------------ */
/* Logging and randomness                                              */
/* ------------------------------------------------------------------ */

static atomic_int log_threshold = DRM_LOG_INFO;

void drm_platform_linux_set_log_level(int level)
{
	atomic_store(&log_threshold, level);
}

int drm_platform_linux_get_log_level(void)
{
	return atomic_load(&log_threshold);
}

static const char *level_prefix(enum drm_log_level level)
{
	switch (level) {
	case DRM_LOG_ERR: return "error";
	case DRM_LOG_WARN: return "warning";
	case DRM_LOG_INFO: return "info";
	case DRM_LOG_DEBUG: return "debug";
	}
	return "log";
}

void drm_platform_vlog(enum drm_log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n, saved_errno = errno;

	if ((int)level > atomic_load_explicit(&log_threshold, memory_order_relaxed))
		return;
	/* Format the whole line first: one write(2) keeps threads' lines apart. */
	n = snprintf(line, sizeof(line), "cuse-drm: %s: ", level_prefix(level));
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(line)) {
		int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);

		if (m > 0)
			n += m;
	}
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	while (n > 0 && line[n - 1] == '\n')
		n--;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved_errno;
}

void drm_platform_log(enum drm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drm_platform_vlog(level, fmt, ap);
	va_end(ap);
}

int drm_platform_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
