/*
 * platform_fuzz.c - core/platform.h (and core/platform_pci.h) for the fuzzer:
 * deterministic and single-threaded.
 *
 * The Linux platform (vfio/platform_linux.c) runs each timer on its own
 * thread against CLOCK_MONOTONIC, so a vkms vblank would fire whenever the
 * scheduler likes and an input would not replay.  Here the clock is a
 * counter that only the harness moves (fuzz_platform_advance()), and timers
 * fire from that call, in expiry order, with no core lock held, as the
 * platform thread would call them.  Everything else is what the contract
 * says with no OS behind it:
 *   - shared memory is calloc()ed (so ASan sees overflows past a GEM
 *     object's end), refused past FUZZ_SHMEM_MAX_BYTES live (the core then
 *     answers -ENOMEM, as with a full memfd);
 *   - mutexes are recursive depth counters; the harness checks that no lock
 *     is held between calls (a lock leaked on an error path is a crash);
 *   - a completion wait runs the simulated virtio-gpu device
 *     (tests/virtio_model) first, synchronously, as nothing else could
 *     complete it; if still not done, the clock jumps by the whole timeout
 *     (no timer fires in between) and the wait times out;
 *   - randomness is a PRNG reset per input;
 *   - logging is dropped unless FUZZ_LOG is set in the environment;
 *   - PCI: one simulated virtio-gpu function (tests/virtio_model, its
 *     DMA mappings counted by its IOMMU table), serviced synchronously:
 *     when a completion is waited for, when the clock moves, and when the
 *     harness says so.  It has no interrupt thread: the model calls the
 *     driver's handler from those points.
 * Live counts of every kind are kept so the harness can check that a
 * destroyed device left nothing behind (fuzz_platform_live()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/platform.h"
#include "core/platform_pci.h"
#include "platform_fuzz.h"
#include "tests/virtio_model/virtio_gpu_model.h"

/* ------------------------------------------------------------------ */
/* Shareable memory                                                    */
/* ------------------------------------------------------------------ */

struct drm_shmem {
	unsigned int refs;
	uint64_t size;
	void *vaddr;
};

static struct fuzz_platform_live live;

struct drm_shmem *drm_platform_shmem_alloc(uint64_t size)
{
	struct drm_shmem *shmem;

	if (size == 0 || size > FUZZ_SHMEM_MAX_BYTES || live.shmem_bytes + size > FUZZ_SHMEM_MAX_BYTES)
		return NULL;
	shmem = calloc(1, sizeof(*shmem));
	if (!shmem)
		return NULL;
	shmem->vaddr = calloc(1, (size_t)size);
	if (!shmem->vaddr) {
		free(shmem);
		return NULL;
	}
	shmem->refs = 1;
	shmem->size = size;
	live.shmem++;
	live.shmem_bytes += size;
	return shmem;
}

struct drm_shmem *drm_platform_shmem_get(struct drm_shmem *shmem)
{
	shmem->refs++;
	return shmem;
}

void drm_platform_shmem_put(struct drm_shmem *shmem)
{
	if (!shmem)
		return;
	if (shmem->refs == 0)
		fuzz_platform_fail("drm_platform_shmem_put on a freed shmem");
	if (--shmem->refs)
		return;
	live.shmem--;
	live.shmem_bytes -= shmem->size;
	free(shmem->vaddr);
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

/* ------------------------------------------------------------------ */
/* The simulated PCI function                                          */
/* ------------------------------------------------------------------ */

static struct drm_pci_dev fuzz_pci;
static bool fuzz_pci_active;

struct drm_pci_dev *fuzz_platform_pci(void)
{
	return &fuzz_pci;
}

void fuzz_platform_pci_activate(bool active)
{
	fuzz_pci_active = active;
}

void fuzz_platform_pci_service(void)
{
	/* Interrupt handlers only queue work; a few rounds settle everything. */
	for (unsigned int n = 0; fuzz_pci_active && n < 8 && vgm_service(&fuzz_pci); n++)
		;
}

/* ------------------------------------------------------------------ */
/* Time and timers                                                     */
/* ------------------------------------------------------------------ */

#define FUZZ_CLOCK_START_NS 1000000000ull

static uint64_t now_ns = FUZZ_CLOCK_START_NS;

struct drm_timer {
	drm_timer_fn fn;
	void *arg;
	bool armed;
	uint64_t expires_ns;
	uint64_t period_ns;
	struct drm_timer *next;
};

static struct drm_timer *timers;

uint64_t drm_platform_time_ns(void)
{
	return now_ns;
}

struct drm_timer *drm_platform_timer_create(drm_timer_fn fn, void *arg)
{
	struct drm_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->next = timers;
	timers = t;
	live.timers++;
	return t;
}

void drm_platform_timer_start(struct drm_timer *t, uint64_t first_ns, uint64_t period_ns)
{
	t->armed = true;
	t->expires_ns = first_ns;
	t->period_ns = period_ns;
}

void drm_platform_timer_stop(struct drm_timer *t)
{
	t->armed = false;
}

void drm_platform_timer_destroy(struct drm_timer *t)
{
	if (!t)
		return;
	for (struct drm_timer **p = &timers; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			live.timers--;
			free(t);
			return;
		}
	}
	fuzz_platform_fail("drm_platform_timer_destroy of an unknown timer");
}

/* The armed timer that expires first, at or before @limit_ns; NULL when none. */
static struct drm_timer *first_due(uint64_t limit_ns)
{
	struct drm_timer *best = NULL;

	for (struct drm_timer *t = timers; t; t = t->next)
		if (t->armed && t->expires_ns <= limit_ns && (!best || t->expires_ns < best->expires_ns))
			best = t;
	return best;
}

void fuzz_platform_advance(uint64_t delta_ns)
{
	uint64_t target = now_ns + delta_ns;
	unsigned int fired = 0;
	struct drm_timer *t;

	/*
	 * The periods of a periodic timer that fall due within one advance are
	 * delivered as one late callback with their overrun, as the Linux
	 * platform's timerfd does for a thread that ran late: a time step of
	 * 255 ms costs vkms one composed frame per CRTC, not fifteen (under
	 * ASan those made single inputs exceed libFuzzer's 10 s timeout).
	 */
	fuzz_platform_pci_service(); /* the device works while time passes */
	while ((t = first_due(target))) {
		uint64_t expires = t->expires_ns, overrun = 0;

		if (++fired > 100000)
			fuzz_platform_fail("timers keep expiring: more than 100000 callbacks in one advance");
		if (t->period_ns) {
			overrun = (target - expires) / t->period_ns;
			expires += overrun * t->period_ns;
			t->expires_ns = expires + t->period_ns;
		} else {
			t->armed = false;
		}
		if (expires > now_ns)
			now_ns = expires;
		t->fn(t->arg, expires, overrun);
		if (live.mutex_held)
			fuzz_platform_fail("a timer callback returned with a lock held");
	}
	now_ns = target;
}

/* ------------------------------------------------------------------ */
/* Locks and completions                                               */
/* ------------------------------------------------------------------ */

struct drm_mutex {
	unsigned int depth;
};

struct drm_mutex *drm_platform_mutex_create(void)
{
	struct drm_mutex *m = calloc(1, sizeof(*m));

	if (m)
		live.mutexes++;
	return m;
}

void drm_platform_mutex_destroy(struct drm_mutex *m)
{
	if (!m)
		return;
	if (m->depth)
		fuzz_platform_fail("drm_platform_mutex_destroy of a locked mutex");
	live.mutexes--;
	free(m);
}

void drm_platform_mutex_lock(struct drm_mutex *m)
{
	m->depth++;
	live.mutex_held++;
}

void drm_platform_mutex_unlock(struct drm_mutex *m)
{
	if (m->depth == 0)
		fuzz_platform_fail("drm_platform_mutex_unlock of an unlocked mutex");
	m->depth--;
	live.mutex_held--;
}

struct drm_completion {
	bool done;
};

struct drm_completion *drm_platform_completion_create(void)
{
	return calloc(1, sizeof(struct drm_completion));
}

void drm_platform_completion_destroy(struct drm_completion *c)
{
	free(c);
}

void drm_platform_completion_reinit(struct drm_completion *c)
{
	c->done = false;
}

void drm_platform_complete(struct drm_completion *c)
{
	c->done = true;
}

int drm_platform_completion_wait(struct drm_completion *c, uint64_t timeout_ns)
{
	/* Only the device could complete it: let it run, then wait out the timeout. */
	if (!c->done)
		fuzz_platform_pci_service();
	if (c->done)
		return 0;
	now_ns += timeout_ns;
	return -ETIMEDOUT;
}

/* ------------------------------------------------------------------ */
/* Logging and randomness                                              */
/* ------------------------------------------------------------------ */

void drm_platform_vlog(enum drm_log_level level, const char *fmt, va_list ap)
{
	static int enabled = -1;

	if (enabled < 0)
		enabled = getenv("FUZZ_LOG") != NULL;
	if (!enabled)
		return;
	fprintf(stderr, "<%d> ", (int)level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void drm_platform_log(enum drm_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	drm_platform_vlog(level, fmt, ap);
	va_end(ap);
}

static uint64_t prng_state;

int drm_platform_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		/* xorshift64*: deterministic per input, not cryptographic (a fuzzer has no secrets). */
		prng_state ^= prng_state >> 12;
		prng_state ^= prng_state << 25;
		prng_state ^= prng_state >> 27;
		p[i] = (unsigned char)((prng_state * 0x2545F4914F6CDD1Dull) >> 56);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Harness side                                                        */
/* ------------------------------------------------------------------ */

void fuzz_platform_reset(void)
{
	now_ns = FUZZ_CLOCK_START_NS;
	prng_state = 0x9E3779B97F4A7C15ull;
}

void fuzz_platform_get_live(struct fuzz_platform_live *out)
{
	*out = live;
}

void fuzz_platform_fail(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	abort();
}
