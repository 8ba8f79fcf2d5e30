/* SPDX-License-Identifier: MIT */
/*
 * Vblank waits and CRTC sequences: WAIT_VBLANK, CRTC_GET_SEQUENCE, CRTC_QUEUE_SEQUENCE.  A
 * subset of upstream IGT's kms_vblank (query, wait, event, invalid, crtc-id).
 *
 * EXPECTATIONS FROM SOURCE, NOT FROM A KERNEL RUN: no kernel driver of the test VM has
 * vblanks (virtio_gpu and bochs in 6.1 answer EOPNOTSUPP, so every subtest here skips on
 * them).  What the subtests assert comes from Linux 6.1's drm_vblank.c
 * (drm_wait_vblank_ioctl, drm_queue_vblank_event, drm_crtc_get_sequence_ioctl,
 * drm_crtc_queue_sequence_ioctl) and vkms_crtc.c (an hrtimer vblank at the mode's rate):
 *   - WAIT_VBLANK: _DRM_VBLANK_SIGNAL or a bit outside the type, flags and HIGH_CRTC masks:
 *     EINVAL; a CRTC index (HIGH_CRTC, or SECONDARY for 1) at or past the CRTC count:
 *     EINVAL; a CRTC that is off: EINVAL.  RELATIVE n waits for the counter to reach
 *     current + n, ABSOLUTE n for n (at once when already past, unless NEXTONMISS, which then
 *     waits for the next one); the reply gives the counter and time at wake-up.  EVENT
 *     returns at once and later sends DRM_EVENT_VBLANK with user_data = request.signal and
 *     the CRTC's id.
 *   - CRTC_GET_SEQUENCE: an unknown CRTC: ENOENT; a CRTC that is off: EINVAL; else active,
 *     the 64-bit counter and its time in ns.  CRTC_QUEUE_SEQUENCE: flags other than
 *     RELATIVE and NEXT_ON_MISS: EINVAL; sends DRM_EVENT_CRTC_SEQUENCE with user_data.
 */
#include "igt.h"

#include <string.h>
#include <unistd.h>

static int open_vblank(struct kms_pipe *pipe)
{
	int fd = drm_open_primary();
	igt_require_pipe(fd, pipe);
	kms_pipe_legacy_on(fd, pipe);
	igt_require_f(kms_has_vblank(fd, pipe), "the driver has no vblank support\n");
	return fd;
}

static uint32_t crtc_bits(const struct kms_pipe *pipe)
{
	return (pipe->crtc_index << _DRM_VBLANK_HIGH_CRTC_SHIFT) & _DRM_VBLANK_HIGH_CRTC_MASK;
}

static int __wait_vblank(int fd, uint32_t type, uint32_t sequence, unsigned long signal,
			 union drm_wait_vblank *out)
{
	union drm_wait_vblank v;
	memset(&v, 0, sizeof(v));
	v.request.type = type;
	v.request.sequence = sequence;
	v.request.signal = signal;
	int ret = igt_ioctl(fd, DRM_IOCTL_WAIT_VBLANK, &v) ? -errno : 0;
	errno = 0;
	if (out)
		*out = v;
	return ret;
}

static uint32_t query(int fd, const struct kms_pipe *pipe)
{
	union drm_wait_vblank v;
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | crtc_bits(pipe), 0, 0, &v), 0);
	return v.reply.sequence;
}

static void vblank_query(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	union drm_wait_vblank v;

	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | crtc_bits(&pipe), 0, 0, &v), 0);
	igt_assert(v.reply.tval_sec > 0 || v.reply.tval_usec > 0);
	uint32_t s0 = v.reply.sequence;
	igt_sleep_ms(50);
	uint32_t s1 = query(fd, &pipe);
	igt_assert_f((int32_t)(s1 - s0) >= 1, "the counter did not move in 50 ms: %u -> %u\n", s0,
		     s1);
	/* CRTC index 0 without HIGH_CRTC works for the first CRTC. */
	if (pipe.crtc_index == 0)
		igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE, 0, 0, NULL), 0);
}

static void vblank_wait_relative(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	union drm_wait_vblank v;

	for (uint32_t n = 1; n <= 3; n++) {
		uint32_t s0 = query(fd, &pipe);
		int64_t t0 = igt_nsec_now();
		igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | crtc_bits(&pipe), n, 0, &v), 0);
		int64_t dt = igt_nsec_now() - t0;
		igt_assert_f((int32_t)(v.reply.sequence - s0) >= (int32_t)n,
			     "+%u from %u woke at %u\n", n, s0, v.reply.sequence);
		igt_assert_lt(dt, 2000000000ll);
	}
}

static void vblank_wait_absolute(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	union drm_wait_vblank v;
	const uint32_t crtc = crtc_bits(&pipe);

	uint32_t s0 = query(fd, &pipe);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_ABSOLUTE | crtc, s0 + 2, 0, &v), 0);
	igt_assert((int32_t)(v.reply.sequence - (s0 + 2)) >= 0);

	/* A target in the past returns at once with the current count ... */
	uint32_t now = v.reply.sequence;
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_ABSOLUTE | crtc, now - 1, 0, &v), 0);
	igt_assert((int32_t)(v.reply.sequence - now) >= 0);
	igt_assert((int32_t)(v.reply.sequence - now) <= 1);
	/* ... unless NEXTONMISS, which waits for the next vblank. */
	now = query(fd, &pipe);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_ABSOLUTE | _DRM_VBLANK_NEXTONMISS | crtc,
				    now - 1, 0, &v),
		      0);
	igt_assert((int32_t)(v.reply.sequence - now) >= 1);
}

static void vblank_event(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	union drm_wait_vblank v;
	struct drm_event_vblank ev;

	uint32_t s0 = query(fd, &pipe);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | _DRM_VBLANK_EVENT | crtc_bits(&pipe),
				    1, 0xabcd, &v),
		      0);
	uint32_t target = v.reply.sequence;
	igt_assert((int32_t)(target - s0) >= 1);
	memset(&ev, 0, sizeof(ev));
	int n = kms_read_event(fd, &ev, sizeof(ev), 2000);
	igt_assert_eq(n, sizeof(ev));
	igt_assert_eq(ev.base.type, DRM_EVENT_VBLANK);
	igt_assert_eq(ev.base.length, sizeof(ev));
	igt_assert_eq_u64(ev.user_data, 0xabcd);
	igt_assert((int32_t)(ev.sequence - target) >= 0);
	igt_assert_eq(ev.crtc_id, pipe.crtc_id);
	igt_assert(ev.tv_sec > 0 || ev.tv_usec > 0);
}

static void vblank_invalid(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	const uint32_t crtc = crtc_bits(&pipe);
	struct drm_mode_card_res res;

	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | _DRM_VBLANK_SIGNAL | crtc, 1, 0, NULL),
		      -EINVAL);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | 0x100 | crtc, 1, 0, NULL), -EINVAL);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | 0x80000000u | crtc, 1, 0, NULL),
		      -EINVAL);
	/* CRTC indices past the last CRTC. */
	memset(&res, 0, sizeof(res));
	do_ioctl(fd, DRM_IOCTL_MODE_GETRESOURCES, &res);
	uint32_t past = (res.count_crtcs << _DRM_VBLANK_HIGH_CRTC_SHIFT) & _DRM_VBLANK_HIGH_CRTC_MASK;
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | past, 0, 0, NULL), -EINVAL);
	if (res.count_crtcs == 1)
		igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | _DRM_VBLANK_SECONDARY, 0, 0,
					    NULL),
			      -EINVAL);
}

static void vblank_crtc_off(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	struct drm_crtc_get_sequence gs = { .crtc_id = pipe.crtc_id };

	igt_assert_eq(__kms_setcrtc(fd, pipe.crtc_id, 0, 0, NULL), 0);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | crtc_bits(&pipe), 1, 0, NULL),
		      -EINVAL);
	igt_assert_eq(__wait_vblank(fd, _DRM_VBLANK_RELATIVE | crtc_bits(&pipe), 0, 0, NULL),
		      -EINVAL);
	errno = 0;
	igt_assert_eq(igt_ioctl(fd, DRM_IOCTL_CRTC_GET_SEQUENCE, &gs), -1);
	igt_assert_eq(errno, EINVAL);
	errno = 0;
}

static void crtc_get_sequence(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	struct drm_crtc_get_sequence gs = { .crtc_id = pipe.crtc_id };

	uint32_t s0 = query(fd, &pipe);
	do_ioctl(fd, DRM_IOCTL_CRTC_GET_SEQUENCE, &gs);
	igt_assert_eq(gs.active, 1);
	igt_assert((int32_t)((uint32_t)gs.sequence - s0) >= 0);
	igt_assert_lt(0, gs.sequence_ns);
	igt_assert_lte(gs.sequence_ns, igt_nsec_now());

	struct drm_crtc_get_sequence bad = { .crtc_id = 0xdeadbeef };
	errno = 0;
	igt_assert_eq(igt_ioctl(fd, DRM_IOCTL_CRTC_GET_SEQUENCE, &bad), -1);
	igt_assert_eq(errno, ENOENT);
	bad.crtc_id = pipe.connector_id;
	errno = 0;
	igt_assert_eq(igt_ioctl(fd, DRM_IOCTL_CRTC_GET_SEQUENCE, &bad), -1);
	igt_assert_eq(errno, ENOENT);
	errno = 0;
}

static void crtc_queue_sequence(void)
{
	struct kms_pipe pipe;
	int fd = open_vblank(&pipe);
	struct drm_crtc_get_sequence gs = { .crtc_id = pipe.crtc_id };
	struct drm_crtc_queue_sequence qs = { .crtc_id = pipe.crtc_id,
					      .flags = DRM_CRTC_SEQUENCE_RELATIVE, .sequence = 2,
					      .user_data = 0x5e05e0 };
	struct drm_event_crtc_sequence ev;

	do_ioctl(fd, DRM_IOCTL_CRTC_GET_SEQUENCE, &gs);
	do_ioctl(fd, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &qs);
	igt_assert((int64_t)(qs.sequence - gs.sequence) >= 2);
	memset(&ev, 0, sizeof(ev));
	igt_assert_eq(kms_read_event(fd, &ev, sizeof(ev), 2000), sizeof(ev));
	igt_assert_eq(ev.base.type, DRM_EVENT_CRTC_SEQUENCE);
	igt_assert_eq(ev.base.length, sizeof(ev));
	igt_assert_eq_u64(ev.user_data, 0x5e05e0);
	igt_assert((int64_t)(ev.sequence - qs.sequence) >= 0);
	igt_assert_lt(0, ev.time_ns);

	struct drm_crtc_queue_sequence bad = qs;
	bad.flags = 0x4;
	errno = 0;
	igt_assert_eq(igt_ioctl(fd, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &bad), -1);
	igt_assert_eq(errno, EINVAL);
	bad = qs;
	bad.crtc_id = 0xdeadbeef;
	errno = 0;
	igt_assert_eq(igt_ioctl(fd, DRM_IOCTL_CRTC_QUEUE_SEQUENCE, &bad), -1);
	igt_assert_eq(errno, ENOENT);
	errno = 0;
}

static const struct igt_subtest tests[] = {
	{ "query", vblank_query },
	{ "wait-relative", vblank_wait_relative },
	{ "wait-absolute", vblank_wait_absolute },
	{ "event", vblank_event },
	{ "invalid", vblank_invalid },
	{ "crtc-off", vblank_crtc_off },
	{ "crtc-get-sequence", crtc_get_sequence },
	{ "crtc-queue-sequence", crtc_queue_sequence },
};

IGT_MAIN(tests)
