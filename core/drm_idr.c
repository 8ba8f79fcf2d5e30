/* drm_idr.c - lowest-free-id maps (see drm_idr.h). */
#include <stdlib.h>
#include <string.h>

#include "core/drm_idr.h"

void drm_idr_init(struct drm_idr *idr, uint32_t start)
{
	memset(idr, 0, sizeof(*idr));
	idr->start = start;
}

void drm_idr_destroy(struct drm_idr *idr)
{
	free(idr->slots);
	idr->slots = NULL;
	idr->size = idr->count = idr->hint = 0;
}

uint32_t drm_idr_alloc(struct drm_idr *idr, void *ptr)
{
	uint32_t i;

	for (i = idr->hint; i < idr->size; i++)
		if (!idr->slots[i])
			break;
	if (i == idr->size) {
		uint32_t nsize = idr->size ? idr->size * 2 : 16;
		void **n;

		if (nsize > (UINT32_MAX - idr->start) || nsize < idr->size)
			return 0;
		n = realloc(idr->slots, (size_t)nsize * sizeof(*n));
		if (!n)
			return 0;
		memset(n + idr->size, 0, (size_t)(nsize - idr->size) * sizeof(*n));
		idr->slots = n;
		idr->size = nsize;
	}
	idr->slots[i] = ptr;
	idr->count++;
	idr->hint = i + 1;
	return idr->start + i;
}

void *drm_idr_find(const struct drm_idr *idr, uint32_t id)
{
	if (id < idr->start || id - idr->start >= idr->size)
		return NULL;
	return idr->slots[id - idr->start];
}

void *drm_idr_replace(struct drm_idr *idr, uint32_t id, void *ptr)
{
	void *p = drm_idr_find(idr, id);

	if (p)
		idr->slots[id - idr->start] = ptr;
	return p;
}

void *drm_idr_remove(struct drm_idr *idr, uint32_t id)
{
	void *p = drm_idr_find(idr, id);

	if (p) {
		idr->slots[id - idr->start] = NULL;
		idr->count--;
		if (id - idr->start < idr->hint)
			idr->hint = id - idr->start;
	}
	return p;
}

uint32_t drm_idr_next(const struct drm_idr *idr, uint32_t id, void **ptr)
{
	uint32_t i = id < idr->start ? 0 : id - idr->start;

	for (; i < idr->size; i++) {
		if (idr->slots[i]) {
			*ptr = idr->slots[i];
			return idr->start + i;
		}
	}
	*ptr = NULL;
	return 0;
}
