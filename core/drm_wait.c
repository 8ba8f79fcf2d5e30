/*
 * drm_wait.c - parked ioctls: fence callbacks, wait queues and deadlines that
 * wake them (see drm_wait.h).  One platform timer per device serves every
 * deadline: the parked ioctls are kept sorted by deadline and the timer is
 * armed for the earliest.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/drm_fence.h"
#include "core/drm_internal.h"
#include "core/drm_wait.h"

/** struct drm_wait_state - the core's half of a parked ioctl (struct drm_wait.state). */
struct drm_wait_state {
	struct drm_device *dev;
	struct drm_wait *w;
	struct drm_list_head regs;          /* struct drm_wait_reg.link */
	struct drm_list_head deadline_link; /* in dev->wait_deadlines while armed */
	uint64_t deadline_ns;
	bool woken;
	void *priv;
	void (*free_priv)(void *priv);
};

/** struct drm_wait_reg - one thing a parked ioctl waits on: a fence or a queue. */
struct drm_wait_reg {
	struct drm_list_head link;   /* in drm_wait_state.regs */
	struct drm_wait_state *ws;
	struct drm_fence *fence;     /* with @cb, or NULL */
	struct drm_fence_cb cb;
	struct drm_list_head q_link; /* in drm_waitq.waiters, when on a queue */
};

static void drm_wait_wake(struct drm_wait_state *ws)
{
	if (ws->woken)
		return;
	ws->woken = true;
	if (!drm_list_empty(&ws->deadline_link))
		drm_list_del(&ws->deadline_link);
	ws->w->wake(ws->w);
}

void drm_waitq_init(struct drm_waitq *q)
{
	drm_list_init(&q->waiters);
}

void drm_waitq_wake_all(struct drm_waitq *q)
{
	while (!drm_list_empty(&q->waiters)) {
		struct drm_wait_reg *r = drm_container_of(q->waiters.next, struct drm_wait_reg, q_link);

		drm_list_del(&r->q_link);
		drm_wait_wake(r->ws);
	}
}

bool drm_wait_possible(const struct drm_file *file)
{
	return file->wait != NULL;
}

static struct drm_wait_state *drm_wait_state_get(struct drm_file *file)
{
	struct drm_wait *w = file->wait;

	if (!w)
		return NULL;
	if (!w->state) {
		struct drm_wait_state *ws = calloc(1, sizeof(*ws));

		if (!ws)
			return NULL;
		ws->dev = file->dev;
		ws->dev->num_waits++;
		ws->w = w;
		drm_list_init(&ws->regs);
		drm_list_init(&ws->deadline_link);
		w->state = ws;
	}
	return w->state;
}

static struct drm_wait_reg *drm_wait_reg_add(struct drm_file *file, int *err)
{
	struct drm_wait_state *ws;
	struct drm_wait_reg *r;

	if (!file->wait) {
		*err = -EAGAIN;
		return NULL;
	}
	ws = drm_wait_state_get(file);
	r = ws ? calloc(1, sizeof(*r)) : NULL;
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	r->ws = ws;
	drm_list_init(&r->q_link);
	drm_list_add_tail(&r->link, &ws->regs);
	return r;
}

static void drm_wait_reg_free(struct drm_wait_reg *r)
{
	if (r->fence) {
		drm_fence_remove_callback(r->fence, &r->cb);
		drm_fence_put(r->fence);
	}
	if (!drm_list_empty(&r->q_link))
		drm_list_del(&r->q_link);
	drm_list_del(&r->link);
	free(r);
}

static void drm_wait_fence_cb(struct drm_fence *f, struct drm_fence_cb *cb)
{
	(void)f;
	drm_wait_wake(drm_container_of(cb, struct drm_wait_reg, cb)->ws);
}

int drm_wait_on_fence(struct drm_file *file, struct drm_fence *f)
{
	struct drm_wait_reg *r;
	int err;

	if (drm_fence_is_signaled(f))
		return -ENOENT;
	r = drm_wait_reg_add(file, &err);
	if (!r)
		return err;
	r->fence = drm_fence_get(f);
	drm_fence_add_callback(f, &r->cb, drm_wait_fence_cb);
	return 0;
}

int drm_wait_on_queue(struct drm_file *file, struct drm_waitq *q)
{
	struct drm_wait_reg *r;
	int err;

	r = drm_wait_reg_add(file, &err);
	if (!r)
		return err;
	drm_list_add_tail(&r->q_link, &q->waiters);
	return 0;
}

static void drm_wait_timer_fn(void *arg, uint64_t expires_ns, uint64_t overrun);

/* Arm the device's timer for its earliest deadline (device lock held). */
static void drm_wait_rearm(struct drm_device *dev)
{
	struct drm_wait_state *first;

	if (drm_list_empty(&dev->wait_deadlines))
		return;
	first = drm_container_of(dev->wait_deadlines.next, struct drm_wait_state, deadline_link);
	drm_platform_timer_start(dev->wait_timer, first->deadline_ns, 0);
}

static void drm_wait_timer_fn(void *arg, uint64_t expires_ns, uint64_t overrun)
{
	struct drm_device *dev = arg;
	uint64_t now;

	(void)expires_ns;
	(void)overrun;
	drm_platform_mutex_lock(dev->lock);
	now = drm_platform_time_ns();
	while (!drm_list_empty(&dev->wait_deadlines)) {
		struct drm_wait_state *ws =
			drm_container_of(dev->wait_deadlines.next, struct drm_wait_state, deadline_link);

		if (ws->deadline_ns > now)
			break;
		drm_wait_wake(ws); /* unlinks it */
	}
	drm_wait_rearm(dev);
	drm_platform_mutex_unlock(dev->lock);
}

int drm_wait_until(struct drm_file *file, uint64_t deadline_ns)
{
	struct drm_device *dev = file->dev;
	struct drm_wait_state *ws, *pos;

	if (!file->wait)
		return -EAGAIN;
	if (deadline_ns == UINT64_MAX)
		return 0;
	ws = drm_wait_state_get(file);
	if (!ws)
		return -ENOMEM;
	if (!dev->wait_timer) {
		dev->wait_timer = drm_platform_timer_create(drm_wait_timer_fn, dev);
		if (!dev->wait_timer)
			return -ENOMEM;
	}
	if (!drm_list_empty(&ws->deadline_link))
		drm_list_del(&ws->deadline_link);
	ws->deadline_ns = deadline_ns;
	/* Sorted insert: walk from the end, where later deadlines usually go. */
	for (pos = drm_container_of(dev->wait_deadlines.prev, struct drm_wait_state, deadline_link);
	     &pos->deadline_link != &dev->wait_deadlines && pos->deadline_ns > deadline_ns;
	     pos = drm_container_of(pos->deadline_link.prev, struct drm_wait_state, deadline_link))
		;
	drm_list_add(&ws->deadline_link, &pos->deadline_link);
	if (dev->wait_deadlines.next == &ws->deadline_link)
		drm_wait_rearm(dev);
	return 0;
}

void *drm_wait_priv(struct drm_file *file)
{
	return file->wait && file->wait->state ? file->wait->state->priv : NULL;
}

int drm_wait_set_priv(struct drm_file *file, void *priv, void (*free_priv)(void *priv))
{
	struct drm_wait_state *ws = NULL;

	if (file->wait)
		ws = drm_wait_state_get(file);
	if (!ws) {
		free_priv(priv);
		return file->wait ? -ENOMEM : -EAGAIN;
	}
	if (ws->priv && ws->priv != priv)
		ws->free_priv(ws->priv);
	ws->priv = priv;
	ws->free_priv = free_priv;
	return 0;
}

/* Undo every registration, leaving the handler's state. */
static void drm_wait_disarm(struct drm_wait_state *ws)
{
	while (!drm_list_empty(&ws->regs))
		drm_wait_reg_free(drm_container_of(ws->regs.next, struct drm_wait_reg, link));
	if (!drm_list_empty(&ws->deadline_link))
		drm_list_del(&ws->deadline_link);
	ws->woken = false;
}

static void drm_wait_free(struct drm_wait *w)
{
	struct drm_wait_state *ws = w->state;

	if (!ws)
		return;
	drm_wait_disarm(ws);
	if (ws->priv)
		ws->free_priv(ws->priv);
	ws->dev->num_waits--;
	free(ws);
	w->state = NULL;
}

void drm_wait_begin_run(struct drm_device *dev, struct drm_wait *w)
{
	(void)dev;
	if (w && w->state)
		drm_wait_disarm(w->state);
}

int drm_wait_end_run(struct drm_device *dev, struct drm_wait *w, int ret)
{
	(void)dev;
	if (ret != -DRM_EPENDING) {
		if (w)
			drm_wait_free(w);
		return ret;
	}
	if (!w)
		return -EAGAIN;
	/* Parked: something must be able to wake it, or it would hang for good. */
	if (!w->state || (drm_list_empty(&w->state->regs) && drm_list_empty(&w->state->deadline_link) &&
			  !w->state->woken)) {
		drm_err("ioctl parked with nothing to wake it");
		drm_wait_free(w);
		return -EIO;
	}
	return ret;
}

void drm_wait_cancel(struct drm_device *dev, struct drm_wait *w)
{
	drm_platform_mutex_lock(dev->lock);
	drm_wait_free(w);
	drm_platform_mutex_unlock(dev->lock);
}

void drm_wait_device_fini(struct drm_device *dev)
{
	drm_platform_timer_destroy(dev->wait_timer);
	dev->wait_timer = NULL;
}
