/*
 * fuzz_exec.h - the fuzzer's executor: runs one input (the format is
 * described at the top of fuzz_exec.c) against a fresh device of the DRM
 * core, in-process, and checks that nothing leaks.  libFuzzer's entry point
 * (fuzz_ioctl.c) and the seed corpus generator (gen_corpus.c) share it.
 */
#ifndef CUSE_DRM_FUZZ_EXEC_H
#define CUSE_DRM_FUZZ_EXEC_H

#include <stddef.h>
#include <stdint.h>

/** FUZZ_MEM_BASE - the client address of the fuzzer's fake client memory. */
#define FUZZ_MEM_BASE 0x10000ull
/** FUZZ_MEM_SIZE - its size in bytes; any other client address faults (EFAULT). */
#define FUZZ_MEM_SIZE 0x4000u

/* Input header, byte 0 (FUZZ_CFG_*). */
#define FUZZ_CFG_DRIVER_MASK 0x03  /* 0 vkms, 1 vkms with 2 CRTCs + cursor + overlay + writeback, 2 vgem, 3 vkms + cursor */
#define FUZZ_CFG_SYNCOBJ 0x04      /* drm_device_enable_syncobj() (cuse-drm --syncobj) */
#define FUZZ_CFG_PRIME 0x08        /* drm_device_set_prime_transport(true) (the shim's side channel) */
#define FUZZ_CFG_ROUNDS 0x10       /* client memory through CUSE-style RETRY rounds */
#define FUZZ_CFG_FDS 0x20          /* calls carry struct drm_fd_ops (a fake fd table) */
#define FUZZ_CFG_VIRTIO 0x40       /* virtio-gpu on the simulated device instead (DRIVER_MASK unused); byte 1 is FUZZ_VIRTIO_* */

/* Byte 1 of a FUZZ_CFG_VIRTIO input: the simulated device's shape. */
#define FUZZ_VIRTIO_SCANOUTS_MASK 0x03   /* scanouts - 1 */
#define FUZZ_VIRTIO_EDID 0x04            /* offers VIRTIO_GPU_F_EDID */
#define FUZZ_VIRTIO_IRQ_SHIFT 3          /* 2 bits: 0 three MSI-X vectors, 1 one, 2 INTx only, 3 two */
#define FUZZ_VIRTIO_SHORT_TIMEOUT 0x20   /* driver option cmd_timeout_ms=100 (else the default 5 s) */
#define FUZZ_VIRTIO_LOAD_ANSWERS 0x40    /* then u8 n (at most 8), n x (u8 how, u16 param) as FUZZ_DEV_ANSWER's,
					  * queued before the driver loads: its probe meets them */

/* Operations: byte & 0x0f is the kind, (byte >> 4) & 3 the file slot. */
enum fuzz_op {
	FUZZ_OP_IOCTL = 0,        /* u8 index into fuzz_ioctl_cmds[], u16 off, u8 len, len bytes */
	FUZZ_OP_IOCTL_RAW = 1,    /* u32 cmd, u16 off, u8 len, len bytes */
	FUZZ_OP_POKE = 2,         /* u16 off, u8 len, len bytes */
	FUZZ_OP_TIME = 3,         /* u8 milliseconds */
	FUZZ_OP_READ = 4,         /* u16 buffer length */
	FUZZ_OP_REOPEN = 5,       /* (none) */
	FUZZ_OP_CANCEL = 6,       /* (none) */
	FUZZ_OP_MMAP = 7,         /* u16 off of a u64 fake offset in client memory, u32 length */
	FUZZ_OP_MUNMAP = 8,       /* u16 off of a u64 fake offset in client memory */
	FUZZ_OP_PRIME = 9,        /* u32 handle, u32 flags, u8 importing slot */
	FUZZ_OP_PRIME_IMPORT = 10, /* u32 size (bytes, masked to 1 MiB) */
	FUZZ_OP_FD_CLOSE = 11,    /* u8 fake fd index */
	FUZZ_OP_HOTPLUG = 12,     /* u32 connector id, u8 connected */
	FUZZ_OP_CRC = 13,         /* u8 sub-op (0 open, 1 read, 2 close), u32 crtc id */
	FUZZ_OP_EXPORT_SYNC_FILE = 14, /* u32 handle, u8 flags */
	FUZZ_OP_DEVICE = 15,      /* u8 sub-op (enum fuzz_device_op), its operands; virtio-gpu inputs only */
};

/*
 * FUZZ_OP_DEVICE: the simulated virtio-gpu (tests/virtio_model).  Commands
 * are answered from per-queue FIFOs the input fills (OK when empty).
 */
enum fuzz_device_op {
	FUZZ_DEV_ANSWER = 0,      /* u8 how (bits 0-2 enum vgm_answer_kind, bit 3 cursorq), u16 param:
				   * the answer to the queue's next command */
	FUZZ_DEV_RUN = 1,         /* the device consumes its queues; its interrupts are delivered */
	FUZZ_DEV_RELEASE = 2,     /* answer the commands held by VGM_LATE */
	FUZZ_DEV_DISPLAY = 3,     /* u8 scanout, u8 enabled, u16 width, u16 height; then a display event */
	FUZZ_DEV_EDID = 4,        /* u8 scanout, u16 size (the response's field), u8 len, len bytes of EDID */
	FUZZ_DEV_IRQ = 5,         /* u8 vector: the driver's interrupt handler, called now */
	FUZZ_DEV_NEEDS_RESET = 6, /* the device sets DEVICE_NEEDS_RESET and raises a config interrupt */
	FUZZ_DEV_REFUSE_FEATURES = 7, /* the next FEATURES_OK is refused: a reset does not bring the device back */
};

/** fuzz_ioctl_cmds - the ioctl numbers FUZZ_OP_IOCTL's index picks from (modulo fuzz_ioctl_ncmds). */
extern const uint32_t fuzz_ioctl_cmds[];
extern const unsigned int fuzz_ioctl_ncmds;

/**
 * struct fuzz_observer - called after each FUZZ_OP_IOCTL(_RAW) with its
 * ordinal @index (0-based), the ioctl's return value (0 or -errno) and the
 * fake client memory as the call left it (FUZZ_MEM_SIZE bytes).
 */
struct fuzz_observer {
	void (*after_ioctl)(void *ctx, unsigned int index, int ret, const uint8_t *mem);
	void *ctx;
};

/**
 * fuzz_run() - run one input.  Aborts (a crash for libFuzzer) when an
 * invariant breaks: a leak after every file is closed, a lock held between
 * calls, a parked ioctl that wrote client memory, state changed by a RETRY
 * round.  @obs may be NULL.
 */
void fuzz_run(const uint8_t *data, size_t size, const struct fuzz_observer *obs);

#endif
