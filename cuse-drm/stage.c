/*
 * stage.c - payloads over one CUSE copy round (cuse_drm_uapi.h part 7).
 *
 * A CUSE ioctl moves at most 128 KiB each way per RETRY round, so the
 * kernel's drm_mode_createblob_ioctl() of a 1 MiB blob cannot be carried
 * by CUSE alone.  The shim stages such a buffer in a sealed memfd over the
 * side channel before the ioctl; the user-memory accessor of the ioctl
 * (ioctl.c) serves the staged ranges from the mapped memfd and asks CUSE
 * for everything else.
 *
 * A stage is reference counted: the file holds one reference until
 * UNSTAGE, a new STAGE or its release, and each ioctl run that uses it
 * holds another, so a client that races UNSTAGE against its own ioctl
 * cannot pull the mapping from under the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cuse_drm.h"

/**
 * struct cd_stage - one staged memfd, mapped read-write and shared.
 * @refs: the file's reference plus one per ioctl run using it.
 * @cmd: the ioctl number it serves.
 * @ranges: the client's buffers and where they sit in @map.
 * @written: per range, the hull [lo, hi) of bytes written (offsets from
 *     the range's start), under @lock.
 */
struct cd_stage {
	atomic_uint refs;
	unsigned int cmd;
	unsigned int count;
	struct cuse_drm_stage_range ranges[CUSE_DRM_STAGE_RANGES_MAX];
	uint64_t written_lo[CUSE_DRM_STAGE_RANGES_MAX];
	uint64_t written_hi[CUSE_DRM_STAGE_RANGES_MAX];
	pthread_mutex_t lock;
	unsigned char *map;
	size_t map_len;
};

void cd_stage_put(struct cd_stage *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	munmap(s->map, s->map_len);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct cd_stage *cd_stage_get(struct cd_file *f, unsigned int cmd)
{
	struct cd_stage *s = f->stage;

	if (!s || s->cmd != cmd)
		return NULL;
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void cd_stage_clear(struct cd_file *f)
{
	cd_stage_put(f->stage);
	f->stage = NULL;
}

/* The range of @s holding [uaddr, uaddr+len) with all of @flags, or -1. */
static int stage_find(const struct cd_stage *s, uint64_t uaddr, uint64_t len, uint32_t flags)
{
	for (unsigned int i = 0; i < s->count; i++) {
		const struct cuse_drm_stage_range *r = &s->ranges[i];

		if ((r->flags & flags) == flags && uaddr >= r->uaddr && uaddr - r->uaddr <= r->len &&
		    len <= r->len - (uaddr - r->uaddr))
			return (int)i;
	}
	return -1;
}

bool cd_stage_read(struct cd_stage *s, void *dst, uint64_t uaddr, size_t len)
{
	int i = stage_find(s, uaddr, len, CUSE_DRM_STAGE_IN);

	if (i < 0)
		return false;
	memcpy(dst, s->map + s->ranges[i].offset + (uaddr - s->ranges[i].uaddr), len);
	return true;
}

bool cd_stage_write(struct cd_stage *s, uint64_t uaddr, const void *src, size_t len)
{
	int i = stage_find(s, uaddr, len, CUSE_DRM_STAGE_OUT);
	uint64_t lo, hi;

	if (i < 0)
		return false;
	if (!src)
		return true;
	lo = uaddr - s->ranges[i].uaddr;
	hi = lo + len;
	memcpy(s->map + s->ranges[i].offset + lo, src, len);
	pthread_mutex_lock(&s->lock);
	if (s->written_lo[i] == s->written_hi[i]) {
		s->written_lo[i] = lo;
		s->written_hi[i] = hi;
	} else {
		if (lo < s->written_lo[i])
			s->written_lo[i] = lo;
		if (hi > s->written_hi[i])
			s->written_hi[i] = hi;
	}
	pthread_mutex_unlock(&s->lock);
	return true;
}

/* Check STAGE's ranges against the memfd @fd and map it; errno-style result. */
static int stage_create(const struct cuse_drm_stage_req *req, int fd, struct cd_stage **out)
{
	const int needed = F_SEAL_SHRINK | F_SEAL_GROW;
	struct cd_stage *s;
	struct stat st;
	int seals;

	if (req->count == 0 || req->count > CUSE_DRM_STAGE_RANGES_MAX)
		return EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & needed) != needed || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || (uint64_t)st.st_size > CUSE_DRM_STAGE_BYTES_MAX)
		return EINVAL;
	for (unsigned int i = 0; i < req->count; i++) {
		const struct cuse_drm_stage_range *r = &req->ranges[i];

		if (r->len == 0 || r->pad || r->flags == 0 ||
		    (r->flags & ~(CUSE_DRM_STAGE_IN | CUSE_DRM_STAGE_OUT)) || r->uaddr + r->len < r->uaddr ||
		    r->offset > (uint64_t)st.st_size || r->len > (uint64_t)st.st_size - r->offset)
			return EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return ENOMEM;
	s->map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->map == MAP_FAILED) {
		free(s);
		return ENOMEM;
	}
	s->map_len = (size_t)st.st_size;
	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->lock, NULL);
	s->cmd = req->cmd;
	s->count = req->count;
	memcpy(s->ranges, req->ranges, sizeof(s->ranges));
	*out = s;
	return 0;
}

int cd_stage_request(struct cd_file *f, const struct cuse_drm_stage_req *req, int fd, int nfds,
		     struct cuse_drm_stage_reply *reply)
{
	struct cd_daemon *d = f->node->d;
	struct cd_stage *s = NULL;
	bool zero = req->flags == 0;
	int error;

	for (size_t i = 0; i < sizeof(req->reserved); i++)
		zero = zero && req->reserved[i] == 0;
	memset(reply, 0, sizeof(*reply));
	if (!zero)
		return EINVAL;
	if (req->op == CUSE_DRM_STAGE) {
		if (nfds != 1)
			return EINVAL;
		error = stage_create(req, fd, &s);
		if (error)
			return error;
		drm_device_lock(d->dev);
		cd_stage_clear(f);
		f->stage = s;
		drm_device_unlock(d->dev);
		return 0;
	}
	if (req->op != CUSE_DRM_UNSTAGE || nfds != 0 || req->cmd || req->count)
		return EINVAL;
	drm_device_lock(d->dev);
	s = f->stage;
	f->stage = NULL;
	drm_device_unlock(d->dev);
	if (!s)
		return ENOENT;
	reply->count = s->count;
	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < s->count; i++) {
		reply->written[i].lo = s->written_lo[i];
		reply->written[i].hi = s->written_hi[i];
	}
	pthread_mutex_unlock(&s->lock);
	cd_stage_put(s);
	return 0;
}
