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
 *   - completions never sleep (virtio-gpu only, which the fuzzer skips);
 *   - randomness is a PRNG reset per input;
 *   - logging is dropped unless FUZZ_LOG is set in the environment;
 *   - PCI access fails with -ENODEV: no PCI device exists here.
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
	(void)timeout_ns;
	/* Nothing else runs here, so waiting longer would not change the answer. */
	return c->done ? 0 : -ETIMEDOUT;
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

/* ------------------------------------------------------------------ */
/* PCI: there is no device here                                        */
/* ------------------------------------------------------------------ */

void drm_platform_pci_get_id(const struct drm_pci_dev *dev, struct drm_pci_id *id)
{
	(void)dev;
	memset(id, 0, sizeof(*id));
}

const char *drm_platform_pci_name(const struct drm_pci_dev *dev)
{
	(void)dev;
	return "none";
}

uint32_t drm_platform_pci_config_size(const struct drm_pci_dev *dev)
{
	(void)dev;
	return 0;
}

#define NO_PCI(...) { (void)dev; __VA_ARGS__; return -ENODEV; }
int drm_platform_pci_read_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t *val)
	NO_PCI((void)where, (void)val)
int drm_platform_pci_read_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t *val)
	NO_PCI((void)where, (void)val)
int drm_platform_pci_read_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t *val)
	NO_PCI((void)where, (void)val)
int drm_platform_pci_write_config_byte(struct drm_pci_dev *dev, uint32_t where, uint8_t val)
	NO_PCI((void)where, (void)val)
int drm_platform_pci_write_config_word(struct drm_pci_dev *dev, uint32_t where, uint16_t val)
	NO_PCI((void)where, (void)val)
int drm_platform_pci_write_config_dword(struct drm_pci_dev *dev, uint32_t where, uint32_t val)
	NO_PCI((void)where, (void)val)
int drm_platform_pci_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t *cap_id)
	NO_PCI((void)pos, (void)cap_id)
int drm_platform_pci_find_capability(struct drm_pci_dev *dev, uint8_t cap_id)
	NO_PCI((void)cap_id)
int drm_platform_pci_find_next_capability(struct drm_pci_dev *dev, uint8_t pos, uint8_t cap_id)
	NO_PCI((void)pos, (void)cap_id)
int drm_platform_pci_set_master(struct drm_pci_dev *dev, bool enable)
	NO_PCI((void)enable)
int drm_platform_pci_bar_info(struct drm_pci_dev *dev, unsigned int bar, struct drm_pci_bar_info *info)
	NO_PCI((void)bar, (void)info)
void *drm_platform_pci_bar_map(struct drm_pci_dev *dev, unsigned int bar)
{
	(void)dev;
	(void)bar;
	return NULL;
}
int drm_platform_pci_bar_read8(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint8_t *val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_read16(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint16_t *val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_read32(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint32_t *val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_read64(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint64_t *val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_write8(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint8_t val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_write16(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint16_t val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_write32(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint32_t val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_bar_write64(struct drm_pci_dev *dev, unsigned int bar, uint64_t offset, uint64_t val)
	NO_PCI((void)bar, (void)offset, (void)val)
int drm_platform_pci_dma_map_shmem(struct drm_pci_dev *dev, struct drm_shmem *shmem, enum drm_pci_dma_dir dir,
				   uint64_t *iova)
	NO_PCI((void)shmem, (void)dir, (void)iova)
int drm_platform_pci_dma_unmap(struct drm_pci_dev *dev, uint64_t iova)
	NO_PCI((void)iova)
int drm_platform_pci_dma_alloc_coherent(struct drm_pci_dev *dev, uint64_t size, void **vaddr, uint64_t *iova)
	NO_PCI((void)size, (void)vaddr, (void)iova)
int drm_platform_pci_dma_free_coherent(struct drm_pci_dev *dev, void *vaddr)
	NO_PCI((void)vaddr)
void drm_platform_pci_dma_stats(struct drm_pci_dev *dev, struct drm_pci_dma_stats *stats)
{
	(void)dev;
	memset(stats, 0, sizeof(*stats));
}
int drm_platform_pci_irq_request(struct drm_pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
				 unsigned int types, drm_pci_irq_handler handler, void *arg)
	NO_PCI((void)min_vecs, (void)max_vecs, (void)types, (void)handler, (void)arg)
unsigned int drm_platform_pci_irq_type(const struct drm_pci_dev *dev)
{
	(void)dev;
	return 0;
}
unsigned int drm_platform_pci_irq_count(const struct drm_pci_dev *dev)
{
	(void)dev;
	return 0;
}
int drm_platform_pci_irq_free(struct drm_pci_dev *dev)
	NO_PCI()
int drm_platform_pci_reset(struct drm_pci_dev *dev)
	NO_PCI()
