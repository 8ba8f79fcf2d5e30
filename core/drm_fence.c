/*
 * drm_fence.c - fences, chains, arrays and GEM reservation lists (see
 * drm_fence.h).  Chains follow drivers/dma-buf/dma-fence-chain.c: the same
 * context reuse, the same pruning walk and the same seqno search, because
 * syncobj timeline queries report exactly what those produce.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "core/drm_driver.h"
#include "core/drm_fence.h"

/* One entry of a reservation list. */
struct drm_resv_entry {
	struct drm_list_head link;
	struct drm_fence *fence;
	enum drm_resv_usage usage;
};

struct drm_fence_array;

/* One member of an array: its callback, with the way back to the array. */
struct drm_fence_array_slot {
	struct drm_fence_cb cb;
	struct drm_fence_array *array;
	struct drm_fence *fence;
};

/* A dma_fence_array: signals when @pending reaches 0. */
struct drm_fence_array {
	struct drm_fence base;
	unsigned int count;
	unsigned int pending;
	struct drm_fence_array_slot *slots;
};

static atomic_uint live_fences;

uint32_t drm_fence_live_count(void)
{
	return atomic_load(&live_fences);
}

uint64_t drm_fence_context_alloc(unsigned int num)
{
	static atomic_uint_fast64_t next_context = 1;

	return atomic_fetch_add(&next_context, num);
}

static void drm_fence_init(struct drm_fence *f, enum drm_fence_kind kind, uint64_t context,
			   uint64_t seqno)
{
	atomic_fetch_add(&live_fences, 1);
	f->refcount = 1;
	f->kind = kind;
	f->context = context;
	f->seqno = seqno;
	drm_list_init(&f->cb_list);
}

struct drm_fence *drm_fence_create(void)
{
	struct drm_fence *f = calloc(1, sizeof(*f));

	if (f)
		drm_fence_init(f, DRM_FENCE_PLAIN, drm_fence_context_alloc(1), 1);
	return f;
}

struct drm_fence *drm_fence_create_signaled(void)
{
	struct drm_fence *f = drm_fence_create();

	if (f)
		drm_fence_signal(f, 0);
	return f;
}

struct drm_fence *drm_fence_get(struct drm_fence *f)
{
	if (f)
		f->refcount++;
	return f;
}

struct drm_fence_chain *to_drm_fence_chain(struct drm_fence *f)
{
	return f && f->kind == DRM_FENCE_CHAIN ? drm_container_of(f, struct drm_fence_chain, base) : NULL;
}

static struct drm_fence_array *to_drm_fence_array(struct drm_fence *f)
{
	return f && f->kind == DRM_FENCE_ARRAY ? drm_container_of(f, struct drm_fence_array, base) : NULL;
}

/*
 * Free @f, whose count reached 0.  A chain node's previous node is handed
 * back instead of put, so drm_fence_put() frees long timelines in a loop
 * rather than by recursion.
 */
static struct drm_fence *drm_fence_release(struct drm_fence *f)
{
	struct drm_fence_chain *chain = to_drm_fence_chain(f);
	struct drm_fence_array *array = to_drm_fence_array(f);
	struct drm_fence *next = NULL;

	atomic_fetch_sub(&live_fences, 1);
	if (chain) {
		if (chain->fence)
			drm_fence_remove_callback(chain->fence, &chain->fence_cb);
		if (chain->wait_prev) {
			drm_fence_remove_callback(chain->wait_prev, &chain->prev_cb);
			drm_fence_put(chain->wait_prev);
		}
		drm_fence_put(chain->fence);
		next = chain->prev;
		free(chain);
	} else if (array) {
		for (unsigned int i = 0; i < array->count; i++) {
			drm_fence_remove_callback(array->slots[i].fence, &array->slots[i].cb);
			drm_fence_put(array->slots[i].fence);
		}
		free(array->slots);
		free(array);
	} else {
		free(f);
	}
	return next;
}

void drm_fence_put(struct drm_fence *f)
{
	while (f && --f->refcount == 0)
		f = drm_fence_release(f);
}

bool drm_fence_is_signaled(const struct drm_fence *f)
{
	return f->signaled;
}

void drm_fence_signal(struct drm_fence *f, int error)
{
	if (f->signaled)
		return;
	f->signaled = true;
	f->error = error;
	f->timestamp_ns = drm_platform_time_ns();
	/* A callback may drop the last reference its owner held: keep @f alive. */
	drm_fence_get(f);
	while (!drm_list_empty(&f->cb_list)) {
		struct drm_fence_cb *cb = drm_container_of(f->cb_list.next, struct drm_fence_cb, node);

		drm_list_del(&cb->node);
		cb->func(f, cb);
	}
	drm_fence_put(f);
}

int drm_fence_add_callback(struct drm_fence *f, struct drm_fence_cb *cb, drm_fence_func_t func)
{
	drm_list_init(&cb->node);
	cb->func = func;
	if (f->signaled)
		return -ENOENT;
	drm_list_add_tail(&cb->node, &f->cb_list);
	return 0;
}

bool drm_fence_remove_callback(struct drm_fence *f, struct drm_fence_cb *cb)
{
	(void)f;
	if (!cb->node.next || drm_list_empty(&cb->node))
		return false;
	drm_list_del(&cb->node);
	return true;
}

/* ------------------------------------------------------------------ */
/* Chains                                                              */
/* ------------------------------------------------------------------ */

static void drm_fence_chain_settle(struct drm_fence_chain *chain)
{
	if (--chain->pending == 0)
		drm_fence_signal(&chain->base, 0);
}

static void drm_fence_chain_fence_cb(struct drm_fence *f, struct drm_fence_cb *cb)
{
	(void)f;
	drm_fence_chain_settle(drm_container_of(cb, struct drm_fence_chain, fence_cb));
}

static void drm_fence_chain_prev_cb(struct drm_fence *f, struct drm_fence_cb *cb)
{
	struct drm_fence_chain *chain = drm_container_of(cb, struct drm_fence_chain, prev_cb);

	(void)f;
	/* drm_fence_signal() holds its own reference to the fence. */
	drm_fence_put(chain->wait_prev);
	chain->wait_prev = NULL;
	drm_fence_chain_settle(chain);
}

struct drm_fence *drm_fence_chain_create(struct drm_fence *prev, struct drm_fence *fence,
					 uint64_t seqno)
{
	struct drm_fence_chain *chain = calloc(1, sizeof(*chain));
	struct drm_fence_chain *prev_chain = to_drm_fence_chain(prev);
	uint64_t context;

	if (!chain)
		return NULL;
	chain->prev = drm_fence_get(prev);
	chain->fence = drm_fence_get(fence);
	/* Reuse the previous node's context when the point moves forward. */
	if (prev_chain && seqno > prev->seqno) {
		context = prev->context;
		chain->prev_seqno = prev->seqno;
	} else {
		context = drm_fence_context_alloc(1);
		if (prev_chain && prev->seqno > seqno)
			seqno = prev->seqno;
	}
	drm_fence_init(&chain->base, DRM_FENCE_CHAIN, context, seqno);

	/* The node signals once its own fence and the previous node have. */
	chain->pending = 1;
	if (fence && drm_fence_add_callback(fence, &chain->fence_cb, drm_fence_chain_fence_cb) == 0)
		chain->pending++;
	if (prev) {
		chain->wait_prev = drm_fence_get(prev);
		if (drm_fence_add_callback(prev, &chain->prev_cb, drm_fence_chain_prev_cb) == 0) {
			chain->pending++;
		} else {
			drm_fence_put(chain->wait_prev);
			chain->wait_prev = NULL;
		}
	}
	drm_fence_chain_settle(chain);
	return &chain->base;
}

struct drm_fence *drm_fence_chain_walk(struct drm_fence *f)
{
	struct drm_fence_chain *chain = to_drm_fence_chain(f);
	struct drm_fence *prev;

	if (!chain) {
		drm_fence_put(f);
		return NULL;
	}
	while ((prev = drm_fence_get(chain->prev))) {
		struct drm_fence_chain *prev_chain = to_drm_fence_chain(prev);
		struct drm_fence *replacement;

		if (prev_chain) {
			if (prev_chain->fence && !drm_fence_is_signaled(prev_chain->fence))
				break;
			replacement = drm_fence_get(prev_chain->prev);
		} else {
			if (!drm_fence_is_signaled(prev))
				break;
			replacement = NULL;
		}
		chain->prev = replacement;
		drm_fence_put(prev); /* the chain's old reference */
		drm_fence_put(prev); /* ours */
	}
	drm_fence_put(f);
	return prev;
}

int drm_fence_chain_find_seqno(struct drm_fence **pfence, uint64_t seqno)
{
	struct drm_fence_chain *chain;
	struct drm_fence *head;

	if (!seqno)
		return 0;
	chain = to_drm_fence_chain(*pfence);
	if (!chain || chain->base.seqno < seqno)
		return -EINVAL;
	head = &chain->base;
	for (*pfence = drm_fence_get(head); *pfence; *pfence = drm_fence_chain_walk(*pfence)) {
		struct drm_fence_chain *c = to_drm_fence_chain(*pfence);

		if ((*pfence)->context != head->context || !c || c->prev_seqno < seqno)
			break;
	}
	drm_fence_put(head);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Arrays                                                              */
/* ------------------------------------------------------------------ */

static void drm_fence_array_cb(struct drm_fence *f, struct drm_fence_cb *cb)
{
	struct drm_fence_array *array = drm_container_of(cb, struct drm_fence_array_slot, cb)->array;

	if (f->error && !array->base.error)
		array->base.error = f->error;
	if (--array->pending == 0)
		drm_fence_signal(&array->base, array->base.error);
}

struct drm_fence *drm_fence_array_create(struct drm_fence **fences, unsigned int count)
{
	struct drm_fence_array *array;

	if (count == 0)
		return drm_fence_create_signaled();
	if (count == 1)
		return drm_fence_get(fences[0]);
	array = calloc(1, sizeof(*array));
	if (!array)
		return NULL;
	array->slots = calloc(count, sizeof(*array->slots));
	if (!array->slots) {
		free(array);
		return NULL;
	}
	drm_fence_init(&array->base, DRM_FENCE_ARRAY, drm_fence_context_alloc(1), 1);
	array->count = count;
	array->pending = 1;
	for (unsigned int i = 0; i < count; i++) {
		struct drm_fence_array_slot *slot = &array->slots[i];

		slot->array = array;
		slot->fence = drm_fence_get(fences[i]);
		if (drm_fence_add_callback(fences[i], &slot->cb, drm_fence_array_cb) == 0)
			array->pending++;
		else if (fences[i]->error && !array->base.error)
			array->base.error = fences[i]->error;
	}
	if (--array->pending == 0)
		drm_fence_signal(&array->base, array->base.error);
	return &array->base;
}

/* ------------------------------------------------------------------ */
/* Reservation lists                                                    */
/* ------------------------------------------------------------------ */

bool drm_gem_resv_test_signaled(struct drm_gem_object *obj, enum drm_resv_usage usage)
{
	struct drm_resv_entry *e;

	drm_list_for_each(e, &obj->resv, struct drm_resv_entry, link)
		if (e->usage <= usage && !e->fence->signaled)
			return false;
	return true;
}

int drm_gem_resv_add_fence(struct drm_gem_object *obj, struct drm_fence *f, enum drm_resv_usage usage)
{
	struct drm_resv_entry *e, *tmp;

	drm_list_for_each_safe(e, tmp, &obj->resv, struct drm_resv_entry, link) {
		if (e->fence->signaled) {
			drm_list_del(&e->link);
			drm_fence_put(e->fence);
			free(e);
		}
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fence = drm_fence_get(f);
	e->usage = usage;
	drm_list_add_tail(&e->link, &obj->resv);
	return 0;
}

int drm_gem_resv_get_singleton(struct drm_gem_object *obj, enum drm_resv_usage usage,
			       struct drm_fence **out)
{
	struct drm_resv_entry *e;
	struct drm_fence **fences;
	unsigned int n = 0;

	*out = NULL;
	drm_list_for_each(e, &obj->resv, struct drm_resv_entry, link)
		if (e->usage <= usage && !e->fence->signaled)
			n++;
	if (n == 0)
		return 0;
	fences = calloc(n, sizeof(*fences));
	if (!fences)
		return -ENOMEM;
	n = 0;
	drm_list_for_each(e, &obj->resv, struct drm_resv_entry, link)
		if (e->usage <= usage && !e->fence->signaled)
			fences[n++] = e->fence;
	*out = drm_fence_array_create(fences, n);
	free(fences);
	return *out ? 0 : -ENOMEM;
}

void drm_gem_resv_fini(struct drm_gem_object *obj)
{
	struct drm_resv_entry *e, *tmp;

	drm_list_for_each_safe(e, tmp, &obj->resv, struct drm_resv_entry, link) {
		drm_list_del(&e->link);
		drm_fence_put(e->fence);
		free(e);
	}
}
