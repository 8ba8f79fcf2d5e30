/*
 * drm_list.h - intrusive doubly linked lists, in the style of the kernel's
 * <linux/list.h>, for the core's object lists.
 */
#ifndef CUSE_DRM_LIST_H
#define CUSE_DRM_LIST_H

#include <stdbool.h>
#include <stddef.h>

/** struct drm_list_head - a list head, or a link embedded in an element. */
struct drm_list_head {
	struct drm_list_head *next, *prev;
};

/** drm_list_init() - make @l an empty list (or an unlinked element). */
static inline void drm_list_init(struct drm_list_head *l)
{
	l->next = l;
	l->prev = l;
}

/** drm_list_empty() - true when @l has no elements (or is unlinked). */
static inline bool drm_list_empty(const struct drm_list_head *l)
{
	return l->next == l;
}

/** drm_list_add_tail() - append @e to @head. */
static inline void drm_list_add_tail(struct drm_list_head *e, struct drm_list_head *head)
{
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

/** drm_list_add() - prepend @e to @head. */
static inline void drm_list_add(struct drm_list_head *e, struct drm_list_head *head)
{
	e->next = head->next;
	e->prev = head;
	head->next->prev = e;
	head->next = e;
}

/** drm_list_del() - unlink @e and leave it as an empty list. */
static inline void drm_list_del(struct drm_list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	drm_list_init(e);
}

#define drm_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/** Iterate over elements of type @type linked through @member. */
#define drm_list_for_each(pos, head, type, member)                          \
	for (pos = drm_container_of((head)->next, type, member);            \
	     &pos->member != (head);                                        \
	     pos = drm_container_of(pos->member.next, type, member))

/** Like drm_list_for_each(), but @pos may be unlinked or freed in the body. */
#define drm_list_for_each_safe(pos, tmp, head, type, member)                \
	for (pos = drm_container_of((head)->next, type, member),            \
	    tmp = drm_container_of(pos->member.next, type, member);         \
	     &pos->member != (head);                                        \
	     pos = tmp, tmp = drm_container_of(tmp->member.next, type, member))

#endif
