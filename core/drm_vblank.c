/*
 * drm_vblank.c - vblank counting and the vblank ioctls: WAIT_VBLANK,
 * CRTC_GET_SEQUENCE and CRTC_QUEUE_SEQUENCE, with their events.
 *
 * Mirrors the kernel's drivers/gpu/drm/drm_vblank.c (Linux 6.1):
 *   - a device without vblank support (no KMS, as vgem) answers EOPNOTSUPP
 *     before anything else (drm_dev_has_vblank());
 *   - a CRTC's vblank counts only while it is lit: drm_vblank_get() on a
 *     CRTC that is off fails with EINVAL (drm_crtc_vblank_off() holds a
 *     reference and leaves vblank->enabled false);
 *   - sequence numbers are 64-bit inside, 32-bit in WAIT_VBLANK, and
 *     "passed" means within 2^23 counts behind (vblank_passed());
 *   - a blocking WAIT_VBLANK gives up after 3 s with EBUSY, and returns
 *     early when the CRTC is turned off;
 *   - turning a CRTC off sends its queued events with the current count.
 * A blocking wait parks the ioctl on the CRTC's wait queue (drm_wait.h)
 * instead of sleeping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drm_internal.h"
#include "core/drm_wait.h"

/** How long a blocking WAIT_VBLANK waits at most (drm_wait_vblank_ioctl: 3000 ms). */
#define DRM_VBLANK_WAIT_TIMEOUT_NS 3000000000ull

/** struct drm_vblank_event - an event waiting for vblank @sequence on CRTC @crtc. */
struct drm_vblank_event {
	struct drm_list_head link;      /* in drm_device.vblank_events */
	struct drm_crtc *crtc;
	uint64_t sequence;
	struct drm_pending_event *e;
};

/* vblank_passed(): @seq has reached @ref (within 2^23 behind, as the kernel allows). */
static bool vblank_passed(uint64_t seq, uint64_t ref)
{
	return (seq - ref) <= (1u << 23);
}

/* widen_32_to_64(): the 64-bit count closest to @near whose low half is @narrow. */
static uint64_t widen_32_to_64(uint32_t narrow, uint64_t near)
{
	return near + (uint64_t)(int64_t)(int32_t)(narrow - (uint32_t)near);
}

static bool drm_dev_has_vblank(const struct drm_device *dev)
{
	return drm_core_check_feature(dev, DRIVER_MODESET) && dev->num_crtcs > 0 && !dev->mode_config.no_vblank;
}

/* drm_vblank_get(): the CRTC's vblank counts only while it is lit. */
static int drm_vblank_get(struct drm_crtc *crtc)
{
	return crtc->state.active ? 0 : -EINVAL;
}

/* The vblank timestamp, CLOCK_MONOTONIC ns; before the first vblank, now. */
static uint64_t drm_vblank_time(const struct drm_crtc *crtc)
{
	return crtc->vblank_time_ns ? crtc->vblank_time_ns : drm_platform_time_ns();
}

/* send_vblank_event(): fill in the count and time and queue it on its file. */
static void drm_send_vblank_event(struct drm_crtc *crtc, struct drm_pending_event *e, uint64_t seq)
{
	uint64_t ns = drm_vblank_time(crtc);

	if (e->ev.base.type == DRM_EVENT_CRTC_SEQUENCE) {
		e->ev.seq.sequence = seq;
		e->ev.seq.time_ns = (int64_t)ns;
	} else {
		e->ev.vbl.sequence = (uint32_t)seq;
		e->ev.vbl.tv_sec = (uint32_t)(ns / 1000000000ull);
		e->ev.vbl.tv_usec = (uint32_t)(ns % 1000000000ull / 1000);
	}
	drm_event_send(e);
}

/** drm_crtc_send_vblank_event() - send @e now with @crtc's current vblank count and time. */
void drm_crtc_send_vblank_event(struct drm_crtc *crtc, struct drm_pending_event *e)
{
	drm_send_vblank_event(crtc, e, crtc->vblank_count);
}

/* Queue @e for vblank @req_seq of @crtc, or send it now if that has passed; 0 or -ENOMEM. */
static int drm_queue_vblank_event(struct drm_crtc *crtc, struct drm_pending_event *e, uint64_t req_seq,
				  uint64_t *reply_seq)
{
	struct drm_vblank_event *ve;
	uint64_t seq = crtc->vblank_count;

	if (vblank_passed(seq, req_seq)) {
		drm_send_vblank_event(crtc, e, seq);
		*reply_seq = seq;
		return 0;
	}
	ve = calloc(1, sizeof(*ve));
	if (!ve) {
		drm_event_cancel(e);
		return -ENOMEM;
	}
	ve->crtc = crtc;
	ve->sequence = req_seq;
	ve->e = e;
	drm_list_add_tail(&ve->link, &crtc->dev->vblank_events);
	*reply_seq = req_seq;
	return 0;
}

/* Send the queued events of @crtc that are due; with @all, every one (drm_crtc_vblank_off()). */
static void drm_handle_vblank_events(struct drm_crtc *crtc, bool all)
{
	struct drm_vblank_event *ve, *tmp;

	drm_list_for_each_safe(ve, tmp, &crtc->dev->vblank_events, struct drm_vblank_event, link) {
		if (ve->crtc != crtc || (!all && !vblank_passed(crtc->vblank_count, ve->sequence)))
			continue;
		drm_list_del(&ve->link);
		drm_send_vblank_event(crtc, ve->e, crtc->vblank_count);
		free(ve);
	}
}

/** drm_vblank_handle() - a vblank was counted on @crtc: wake waiters, send due events. */
void drm_vblank_handle(struct drm_crtc *crtc)
{
	drm_waitq_wake_all(&crtc->vblank_queue);
	drm_handle_vblank_events(crtc, false);
}

/** drm_vblank_off() - @crtc is being turned off: send its events, wake its waiters. */
void drm_vblank_off(struct drm_crtc *crtc)
{
	drm_handle_vblank_events(crtc, true);
	drm_waitq_wake_all(&crtc->vblank_queue);
}

/** drm_vblank_release_events() - a closing file's queued vblank events are dropped. */
void drm_vblank_release_events(struct drm_file *file)
{
	struct drm_vblank_event *ve, *tmp;

	drm_list_for_each_safe(ve, tmp, &file->dev->vblank_events, struct drm_vblank_event, link) {
		if (ve->e->file != file)
			continue;
		drm_list_del(&ve->link);
		drm_event_cancel(ve->e);
		free(ve);
	}
}

/** drm_vblank_pending_events() - events queued for a vblank, for drm_device_stats. */
uint32_t drm_vblank_pending_events(struct drm_device *dev)
{
	struct drm_vblank_event *ve;
	uint32_t n = 0;

	drm_list_for_each(ve, &dev->vblank_events, struct drm_vblank_event, link)
		n++;
	return n;
}

/* drm_wait_vblank_is_query(): RELATIVE 0 without EVENT or NEXTONMISS. */
static bool drm_wait_vblank_is_query(const union drm_wait_vblank *vblwait)
{
	if (vblwait->request.sequence)
		return false;
	return (vblwait->request.type & (_DRM_VBLANK_TYPES_MASK | _DRM_VBLANK_EVENT |
					 _DRM_VBLANK_NEXTONMISS)) == _DRM_VBLANK_RELATIVE;
}

/* drm_wait_vblank_reply(): the current count and vblank time, in microseconds. */
static void drm_wait_vblank_reply(struct drm_crtc *crtc, struct drm_wait_vblank_reply *reply)
{
	uint64_t ns = drm_vblank_time(crtc);

	reply->sequence = (unsigned int)crtc->vblank_count;
	reply->tval_sec = (long)(ns / 1000000000ull);
	reply->tval_usec = (long)(ns % 1000000000ull / 1000);
}

/** A blocking WAIT_VBLANK's state between runs: the count it waits for and its deadline. */
struct drm_vblank_wait {
	uint64_t req_seq;
	uint64_t deadline_ns;
};

static void drm_vblank_wait_free(void *priv)
{
	free(priv);
}

/** drm_wait_vblank_ioctl() - DRM_IOCTL_WAIT_VBLANK (drm_vblank.c). */
int drm_wait_vblank_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	union drm_wait_vblank *vblwait = data;
	struct drm_vblank_wait *vw = drm_wait_priv(file);
	unsigned int flags, pipe, high_pipe;
	struct drm_crtc *crtc;
	uint64_t req_seq, seq, now;
	int ret;

	if (!drm_dev_has_vblank(dev))
		return -EOPNOTSUPP;
	if (vblwait->request.type & _DRM_VBLANK_SIGNAL)
		return -EINVAL;
	if (vblwait->request.type & ~(_DRM_VBLANK_TYPES_MASK | _DRM_VBLANK_FLAGS_MASK |
				      _DRM_VBLANK_HIGH_CRTC_MASK))
		return -EINVAL;
	flags = vblwait->request.type & _DRM_VBLANK_FLAGS_MASK;
	high_pipe = vblwait->request.type & _DRM_VBLANK_HIGH_CRTC_MASK;
	if (high_pipe)
		pipe = high_pipe >> _DRM_VBLANK_HIGH_CRTC_SHIFT;
	else
		pipe = flags & _DRM_VBLANK_SECONDARY ? 1 : 0;
	if (pipe >= dev->num_crtcs)
		return -EINVAL;
	crtc = dev->crtcs[pipe];

	if (vw) {
		/* A parked wait run again: the count it waits for is fixed. */
		req_seq = vw->req_seq;
		goto wait;
	}
	ret = drm_vblank_get(crtc);
	if (ret)
		return ret;
	if (drm_wait_vblank_is_query(vblwait)) {
		drm_wait_vblank_reply(crtc, &vblwait->reply);
		return 0;
	}
	seq = crtc->vblank_count;
	if (vblwait->request.type & _DRM_VBLANK_RELATIVE) {
		req_seq = seq + vblwait->request.sequence;
		vblwait->request.sequence = (unsigned int)req_seq;
		vblwait->request.type &= ~_DRM_VBLANK_RELATIVE;
	} else {
		req_seq = widen_32_to_64(vblwait->request.sequence, seq);
	}
	if ((flags & _DRM_VBLANK_NEXTONMISS) && vblank_passed(seq, req_seq)) {
		req_seq = seq + 1;
		vblwait->request.type &= ~_DRM_VBLANK_NEXTONMISS;
		vblwait->request.sequence = (unsigned int)req_seq;
	}
	if (flags & _DRM_VBLANK_EVENT) {
		struct drm_pending_event *e = drm_event_reserve(file, DRM_EVENT_VBLANK,
								sizeof(struct drm_event_vblank));
		uint64_t reply_seq;

		if (!e)
			return -ENOMEM;
		e->ev.vbl.user_data = vblwait->request.signal;
		e->ev.vbl.crtc_id = crtc->base.id;
		ret = drm_queue_vblank_event(crtc, e, req_seq, &reply_seq);
		if (!ret)
			vblwait->reply.sequence = (unsigned int)reply_seq;
		return ret;
	}
	if (req_seq == seq) {
		drm_wait_vblank_reply(crtc, &vblwait->reply);
		return 0;
	}
	vw = calloc(1, sizeof(*vw));
	if (!vw)
		return -ENOMEM;
	vw->req_seq = req_seq;
	vw->deadline_ns = drm_platform_time_ns() + DRM_VBLANK_WAIT_TIMEOUT_NS;
	ret = drm_wait_set_priv(file, vw, drm_vblank_wait_free);
	if (ret)
		return ret;
wait:
	/* wait_event_interruptible_timeout(vblank->queue, passed || !enabled, 3 s) */
	if (vblank_passed(crtc->vblank_count, req_seq) || !crtc->state.active) {
		drm_wait_vblank_reply(crtc, &vblwait->reply);
		return 0;
	}
	now = drm_platform_time_ns();
	if (now >= vw->deadline_ns) {
		drm_wait_vblank_reply(crtc, &vblwait->reply);
		return -EBUSY;
	}
	ret = drm_wait_on_queue(file, &crtc->vblank_queue);
	if (!ret)
		ret = drm_wait_until(file, vw->deadline_ns);
	return ret ? ret : -DRM_EPENDING;
}

/** drm_crtc_get_sequence_ioctl() - DRM_IOCTL_CRTC_GET_SEQUENCE (drm_vblank.c). */
int drm_crtc_get_sequence_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_crtc_get_sequence *get_seq = data;
	struct drm_crtc *crtc;
	int ret;

	(void)file;
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (!drm_dev_has_vblank(dev))
		return -EOPNOTSUPP;
	crtc = drm_crtc_find(dev, get_seq->crtc_id);
	if (!crtc)
		return -ENOENT;
	ret = drm_vblank_get(crtc);
	if (ret)
		return ret;
	get_seq->active = crtc->state.enable;
	get_seq->sequence = crtc->vblank_count;
	get_seq->sequence_ns = (int64_t)drm_vblank_time(crtc);
	return 0;
}

/** drm_crtc_queue_sequence_ioctl() - DRM_IOCTL_CRTC_QUEUE_SEQUENCE (drm_vblank.c). */
int drm_crtc_queue_sequence_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct drm_crtc_queue_sequence *queue_seq = data;
	struct drm_pending_event *e;
	struct drm_crtc *crtc;
	uint64_t seq, req_seq, reply_seq;
	int ret;

	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	if (!drm_dev_has_vblank(dev))
		return -EOPNOTSUPP;
	crtc = drm_crtc_find(dev, queue_seq->crtc_id);
	if (!crtc)
		return -ENOENT;
	if (queue_seq->flags & ~(DRM_CRTC_SEQUENCE_RELATIVE | DRM_CRTC_SEQUENCE_NEXT_ON_MISS))
		return -EINVAL;
	ret = drm_vblank_get(crtc);
	if (ret)
		return ret;
	seq = crtc->vblank_count;
	req_seq = queue_seq->sequence;
	if (queue_seq->flags & DRM_CRTC_SEQUENCE_RELATIVE)
		req_seq += seq;
	if ((queue_seq->flags & DRM_CRTC_SEQUENCE_NEXT_ON_MISS) && vblank_passed(seq, req_seq))
		req_seq = seq + 1;
	e = drm_event_reserve(file, DRM_EVENT_CRTC_SEQUENCE, sizeof(struct drm_event_crtc_sequence));
	if (!e)
		return -ENOMEM;
	e->ev.seq.user_data = queue_seq->user_data;
	ret = drm_queue_vblank_event(crtc, e, req_seq, &reply_seq);
	if (!ret)
		queue_seq->sequence = reply_seq;
	return ret;
}
