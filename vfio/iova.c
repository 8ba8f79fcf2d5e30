/*
 * iova.c - first-fit IOVA allocator over the IOMMU's usable ranges (iova.h).
 */
#include "iova.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* @v rounded up to @align (a power of two); false on overflow. */
static bool align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t r = (v + (align - 1)) & ~(align - 1);

	if (r < v)
		return false;
	*out = r;
	return true;
}

static int span_cmp(const void *x, const void *y)
{
	const struct vfio_iova_span *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

uint64_t vfio_iova_round(const struct vfio_iova_allocator *a, uint64_t size)
{
	uint64_t r;

	if (!align_up(size, a->page_size, &r))
		return 0;
	return r;
}

int vfio_iova_init(struct vfio_iova_allocator *a, const struct vfio_iova_span *spans, size_t n,
		   uint64_t page_size)
{
	struct vfio_iova_span *s;
	size_t out = 0;

	memset(a, 0, sizeof(*a));
	if (!n || !is_pow2(page_size))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (spans[i].start > spans[i].last)
			return -EINVAL;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, spans, n * sizeof(*s));
	qsort(s, n, sizeof(*s), span_cmp);
	for (size_t i = 0; i < n; i++) {
		/* Merge overlapping or touching spans (last + 1 == next start). */
		if (out && (s[out - 1].last == UINT64_MAX || s[i].start <= s[out - 1].last + 1)) {
			if (s[i].last > s[out - 1].last)
				s[out - 1].last = s[i].last;
			continue;
		}
		s[out++] = s[i];
	}
	/* Keep whole pages only. */
	n = out;
	out = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t start, last;

		if (!align_up(s[i].start, page_size, &start))
			continue;
		if (s[i].last == UINT64_MAX) {
			last = UINT64_MAX; /* the page holding 2^64 - 1 is whole */
		} else {
			uint64_t end = (s[i].last + 1) & ~(page_size - 1); /* exclusive */

			if (end <= start)
				continue;
			last = end - 1;
		}
		if (last < start)
			continue;
		s[out].start = start;
		s[out].last = last;
		out++;
	}
	if (!out) {
		free(s);
		return -EINVAL;
	}
	a->ranges = s;
	a->nranges = out;
	a->page_size = page_size;
	return 0;
}

void vfio_iova_fini(struct vfio_iova_allocator *a)
{
	free(a->ranges);
	free(a->used);
	memset(a, 0, sizeof(*a));
}

/* Does [start, start + size) fit below @limit_last (inclusive)?  size > 0. */
static bool fits(uint64_t start, uint64_t size, uint64_t limit_last)
{
	return start <= limit_last && size - 1 <= limit_last - start;
}

static int used_insert(struct vfio_iova_allocator *a, size_t at, uint64_t start, uint64_t size)
{
	if (a->nused == a->used_cap) {
		size_t cap = a->used_cap ? a->used_cap * 2 : 16;
		struct vfio_iova_span *u = realloc(a->used, cap * sizeof(*u));

		if (!u)
			return -ENOMEM;
		a->used = u;
		a->used_cap = cap;
	}
	memmove(&a->used[at + 1], &a->used[at], (a->nused - at) * sizeof(*a->used));
	a->used[at].start = start;
	a->used[at].last = start + (size - 1);
	a->nused++;
	return 0;
}

int vfio_iova_alloc(struct vfio_iova_allocator *a, uint64_t size, uint64_t align, uint64_t *iova)
{
	size_t u = 0;

	if (!size || !align || !is_pow2(align))
		return -EINVAL;
	if (align < a->page_size)
		align = a->page_size;
	size = vfio_iova_round(a, size);
	if (!size)
		return -ENOSPC;
	for (size_t r = 0; r < a->nranges; r++) {
		const struct vfio_iova_span *range = &a->ranges[r];
		uint64_t cursor = range->start;

		/* Never page 0. */
		if (cursor < a->page_size)
			cursor = a->page_size;
		/* Skip allocations wholly below this range. */
		while (u < a->nused && a->used[u].last < cursor)
			u++;
		for (;;) {
			uint64_t cand, limit = range->last;

			if (!align_up(cursor, align, &cand) || cand > range->last)
				break;
			/* The gap ends before the next allocation, if one starts inside the range. */
			while (u < a->nused && a->used[u].last < cand)
				u++;
			if (u < a->nused && a->used[u].start <= range->last) {
				if (a->used[u].start <= cand) {
					/* cand lies inside allocation u: move past it. */
					if (a->used[u].last == UINT64_MAX)
						break;
					cursor = a->used[u].last + 1;
					continue;
				}
				limit = a->used[u].start - 1;
			}
			if (fits(cand, size, limit)) {
				int ret = used_insert(a, u, cand, size);

				if (ret)
					return ret;
				*iova = cand;
				return 0;
			}
			if (limit == range->last)
				break;
			/* Too small a gap: continue after allocation u. */
			if (a->used[u].last == UINT64_MAX)
				break;
			cursor = a->used[u].last + 1;
		}
	}
	return -ENOSPC;
}

int vfio_iova_free(struct vfio_iova_allocator *a, uint64_t iova, uint64_t *size)
{
	size_t lo = 0, hi = a->nused;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->used[mid].start < iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == a->nused || a->used[lo].start != iova)
		return -ENOENT;
	if (size)
		*size = a->used[lo].last - a->used[lo].start + 1;
	memmove(&a->used[lo], &a->used[lo + 1], (a->nused - lo - 1) * sizeof(*a->used));
	a->nused--;
	return 0;
}
