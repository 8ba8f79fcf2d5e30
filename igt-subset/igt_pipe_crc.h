/* SPDX-License-Identifier: MIT */
/*
 * Pipe CRCs and solid-colour framebuffers for the CRC-based kms_* binaries.
 *
 * The CRC helper has the shape of upstream IGT's lib/igt_debugfs.h pipe-CRC API
 * (igt_pipe_crc_new, _start, _get_crcs, _collect_crc, _stop, _free, igt_assert_crc_equal), with
 * two back ends chosen by the node:
 *   - a cuse-drm node: the private ioctl CUSE_DRM_IOCTL_CRC (cuse-drm/cuse_drm_uapi.h part 1;
 *     root only), which mirrors the kernel's debugfs files;
 *   - a kernel node: debugfs, /sys/kernel/debug/dri/<minor>/crtc-<pipe>/crc/{control,data}
 *     (drm_debugfs_crc.c: write a source name to control; open data to start, each read()
 *     gives one line "0x%08x" frame (or XXXXXXXXXX) then " 0x%08x" per CRC value; close data
 *     to stop).  debugfs is mounted at /sys/kernel/debug first if it is not, as IGT's
 *     __igt_debugfs_mount() does.  The files exist only for drivers with CRC sources
 *     (set_crc_source and verify_crc_source).
 * igt_require_pipe_crc() skips when neither exists (the test VM's virtio_gpu has no CRCs).
 *
 * A "pipe" is a CRTC index: the position of the CRTC in GETRESOURCES' list, as the kernel's
 * crtc-<index> directory and IGT's enum pipe.
 */
#ifndef IGT_SUBSET_IGT_PIPE_CRC_H
#define IGT_SUBSET_IGT_PIPE_CRC_H

#include "igt.h"

/* The kernel's DRM_MAX_CRC_NR: CRC values per frame at most. */
#define IGT_CRC_MAX_VALUES 10

/* One frame's CRC, as one line of crtc-N/crc/data. */
typedef struct {
	uint32_t frame;          /* the frame's vblank count, when has_valid_frame */
	bool has_valid_frame;    /* false: the kernel printed XXXXXXXXXX */
	int n_words;             /* CRC values (vkms: 1) */
	uint32_t crc[IGT_CRC_MAX_VALUES];
} igt_crc_t;

typedef struct igt_pipe_crc igt_pipe_crc_t;

/* The CRC source every driver with CRCs knows (vkms knows only this one). */
#define IGT_PIPE_CRC_SOURCE_AUTO "auto"

/* Skip unless the node has CRCs on @pipe (a cuse-drm node with CRCs, or debugfs crc files). */
void igt_require_pipe_crc(int fd, unsigned int pipe);
/* True when the node has CRCs on @pipe; no skip. */
bool igt_has_pipe_crc(int fd, unsigned int pipe);

/*
 * A CRC reader of @pipe with @source ("auto"); the capture starts with igt_pipe_crc_start().
 * The _nonblock form's igt_pipe_crc_get_crcs() returns what is queued without waiting
 * (upstream opens crc/data with O_NONBLOCK).  Skips as igt_require_pipe_crc().
 */
igt_pipe_crc_t *igt_pipe_crc_new(int fd, unsigned int pipe, const char *source);
igt_pipe_crc_t *igt_pipe_crc_new_nonblock(int fd, unsigned int pipe, const char *source);
void igt_pipe_crc_free(igt_pipe_crc_t *pipe_crc);

/*
 * Set the source and start capturing (debugfs: write control, open data).  Returns 0 or
 * -errno: EINVAL for a source the driver does not know (crc_control_write), EIO on a CRTC
 * that is off (crtc_crc_open), EBUSY when a capture is open already.
 */
int __igt_pipe_crc_start(igt_pipe_crc_t *pipe_crc);
/* Same, asserting success. */
void igt_pipe_crc_start(igt_pipe_crc_t *pipe_crc);
/* Stop capturing (debugfs: close data); queued CRCs are dropped, as the kernel does. */
void igt_pipe_crc_stop(igt_pipe_crc_t *pipe_crc);

/*
 * Read @n CRCs into a new array *@out_crcs (free() it).  Blocking: waits (up to 10 s, then
 * fails) until @n were read and returns @n.  Nonblocking: returns how many were queued, at
 * most @n, possibly 0.
 */
int igt_pipe_crc_get_crcs(igt_pipe_crc_t *pipe_crc, int n, igt_crc_t **out_crcs);
/* Wait for the next CRC (up to 10 s). */
void igt_pipe_crc_get_single(igt_pipe_crc_t *pipe_crc, igt_crc_t *crc);
/* Drop what is queued. */
void igt_pipe_crc_drain(igt_pipe_crc_t *pipe_crc);
/*
 * The CRC of a frame after the current vblank: drops older ones (upstream
 * igt_pipe_crc_get_current: kmstest_get_vblank() + 1, igt_pipe_crc_get_for_frame()).
 */
void igt_pipe_crc_get_current(int fd, igt_pipe_crc_t *pipe_crc, igt_crc_t *crc);
/* Start, take one CRC of a frame after the current vblank, stop. */
void igt_pipe_crc_collect_crc(igt_pipe_crc_t *pipe_crc, igt_crc_t *out_crc);

/* Same values (count and words); frame numbers are not compared. */
bool igt_check_crc_equal(const igt_crc_t *a, const igt_crc_t *b);
#define igt_assert_crc_equal(a, b) igt_assert_f(igt_check_crc_equal(a, b), "CRC mismatch\n")
/* "%08x" words separated by spaces, in @buf (at least 11 * IGT_CRC_MAX_VALUES bytes). */
const char *igt_crc_to_string(const igt_crc_t *crc, char *buf, size_t size);

/* The current vblank count of @pipe's CRTC (WAIT_VBLANK, RELATIVE 0); the CRTC must be on. */
uint32_t kms_get_vblank(int fd, unsigned int pipe);

/* --- solid-colour framebuffers --------------------------------------------------------------- */

/*
 * A mapped dumb-buffer framebuffer.  Packed RGB formats of 16 or 32 bits per pixel, and NV12
 * (one dumb buffer: the Y plane, then the CbCr plane at offsets[1]).
 */
struct kms_color_fb {
	uint32_t fb_id, handle, format;
	uint32_t width, height;            /* pixels */
	uint32_t pitches[2], offsets[2];   /* bytes; [1] only for NV12 */
	uint64_t size;                     /* bytes of the dumb buffer */
	uint8_t *map;
};

/*
 * A colour as 8-bit channels, 0xAARRGGBB.  Channels 0x00 and 0xff convert exactly into every
 * format here (NV12: black and white only, through BT.601 limited range).
 */
typedef uint32_t kms_argb8;

/* Skip unless the format has a layout here; 0 or -errno (CREATE_DUMB, ADDFB2). */
int __kms_color_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format,
			  struct kms_color_fb *fb);
/* Create, map, and fill with @color; asserts success. */
void kms_color_fb_create(int fd, uint32_t width, uint32_t height, uint32_t format, kms_argb8 color,
			 struct kms_color_fb *fb);
/* Fill the rectangle (clipped to the fb; NV12 chroma per 2x2 block of its top-left pixel). */
void kms_color_fb_fill(struct kms_color_fb *fb, int32_t x, int32_t y, uint32_t w, uint32_t h,
		       kms_argb8 color);
/* Unmap, RMFB, and destroy the dumb buffer. */
void kms_color_fb_remove(int fd, struct kms_color_fb *fb);

/*
 * Make the connector's smallest mode (fewest pixels) the pipe's mode: a CRC covers every pixel
 * of every frame, so a small frame keeps CRC tests quick under emulation.
 */
void kms_pipe_use_smallest_mode(struct kms_pipe *pipe);

/* Set the primary plane's FB_ID (blocking atomic commit); the pipe must be on. */
void kms_pipe_set_primary_fb(int fd, const struct kms_pipe *pipe, uint32_t fb_id);

#endif
