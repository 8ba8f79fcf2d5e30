/*
 * platform_fuzz.h - the fuzzer's deterministic platform (platform_fuzz.c):
 * what the harness controls and checks.
 */
#ifndef CUSE_DRM_PLATFORM_FUZZ_H
#define CUSE_DRM_PLATFORM_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

struct drm_pci_dev;

/** FUZZ_SHMEM_MAX_BYTES - live GEM backing store at most (bytes); beyond it allocation fails (-ENOMEM). */
#define FUZZ_SHMEM_MAX_BYTES (64ull << 20)

/**
 * struct fuzz_platform_live - what the platform has handed out and not yet
 * been given back: shmem objects and their bytes, timers, mutexes, and
 * mutex lock depth summed over all mutexes (0 between calls).
 */
struct fuzz_platform_live {
	uint32_t shmem;
	uint64_t shmem_bytes;
	uint32_t timers;
	uint32_t mutexes;
	uint32_t mutex_held;
};

/** fuzz_platform_reset() - clock back to its start (1 s) and the PRNG to its seed: call before each input. */
void fuzz_platform_reset(void);

/**
 * fuzz_platform_advance() - move the clock @delta_ns nanoseconds forward,
 * firing every timer period that falls due on the way, in expiry order,
 * with the clock at the expiry when each callback runs.
 */
void fuzz_platform_advance(uint64_t delta_ns);

/** fuzz_platform_get_live() - the live counts (see struct fuzz_platform_live). */
void fuzz_platform_get_live(struct fuzz_platform_live *out);

/**
 * fuzz_platform_pci() - the one simulated PCI function (a virtio-gpu,
 * tests/virtio_model/virtio_gpu_model.h); vgm_init() it before use.
 */
struct drm_pci_dev *fuzz_platform_pci(void);

/** fuzz_platform_pci_activate() - whether time and waits service the simulated device (a virtio-gpu input). */
void fuzz_platform_pci_activate(bool active);

/** fuzz_platform_pci_service() - the device's turn: consume its queues, deliver its interrupts (when active). */
void fuzz_platform_pci_service(void);

/** fuzz_platform_fail() - report a broken invariant on stderr and abort(): a crash for libFuzzer. */
_Noreturn void fuzz_platform_fail(const char *what);

#endif
