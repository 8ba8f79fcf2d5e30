/* drm_fence.c - fences and GEM reservation lists (see drm_fence.h). */
#include <errno.h>
#include <stdlib.h>

#include "core/drm_driver.h"
#include "core/drm_fence.h"

/* One entry of a reservation list. */
struct drm_resv_entry {
	struct drm_list_head link;
	struct drm_fence *fence;
	enum drm_resv_usage usage;
};

struct drm_fence *drm_fence_create(void)
{
	struct drm_fence *f = calloc(1, sizeof(*f));

	if (f)
		f->refcount = 1;
	return f;
}

struct drm_fence *drm_fence_get(struct drm_fence *f)
{
	f->refcount++;
	return f;
}

void drm_fence_put(struct drm_fence *f)
{
	if (f && --f->refcount == 0)
		free(f);
}

void drm_fence_signal(struct drm_fence *f, int error)
{
	if (f->signaled)
		return;
	f->signaled = true;
	f->error = error;
	f->timestamp_ns = drm_platform_time_ns();
}

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

void drm_gem_resv_fini(struct drm_gem_object *obj)
{
	struct drm_resv_entry *e, *tmp;

	drm_list_for_each_safe(e, tmp, &obj->resv, struct drm_resv_entry, link) {
		drm_list_del(&e->link);
		drm_fence_put(e->fence);
		free(e);
	}
}
