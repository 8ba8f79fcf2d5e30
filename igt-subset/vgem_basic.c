/* SPDX-License-Identifier: MIT */
/*
 * vgem: dumb buffers, the vgem fence ioctls, and the dma-bufs it exports.
 *
 * In the spirit of IGT's tests/vgem_basic.c, held to the kernel's behaviour (Linux 6.1):
 *   - vgem_drv.c / drm_gem_shmem_helper.c: dumb buffers are shmem objects, pitch
 *     DIV_ROUND_UP(width * bpp, 8), size PAGE_ALIGN(pitch * height), mappable by MAP_DUMB;
 *   - vgem_fence.c: VGEM_FENCE_ATTACH checks flags (only VGEM_FENCE_WRITE: EINVAL), then pad
 *     (EINVAL), then the handle (ENOENT); a conflicting unsignaled fence is EBUSY (a write
 *     fence conflicts with every fence, a read fence with write fences); fence ids come from a
 *     per-file idr starting at 1.  VGEM_FENCE_SIGNAL checks flags (EINVAL) and swaps the idr
 *     slot to NULL, so an unknown id and an id already signaled are both ENOENT; -ETIMEDOUT is
 *     only for a fence that expired by itself (10 s, not tested here).  Closing the file
 *     signals its fences (vgem_fence_close);
 *   - drm_prime.c / dma-buf.c: PRIME export and import give the same object back; the dma-buf
 *     fd mmaps the object (O_RDWR only with DRM_RDWR; past the end is EINVAL); poll() on it
 *     reports POLLIN once no write fence is pending and POLLOUT once no fence at all is
 *     (dma_buf_poll); DMA_BUF_IOCTL_EXPORT_SYNC_FILE (6.0) snapshots those fences into a
 *     sync_file (flags: READ and/or WRITE, nothing else: EINVAL; sync_file_poll: POLLIN when
 *     signaled).
 */
#include "igt.h"

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096u

static int open_vgem(void)
{
	int fd = drm_open_primary();
	igt_require_vgem(fd);
	return fd;
}

static uint32_t create_bo(int fd, uint32_t width, uint32_t height, uint64_t *size)
{
	return dumb_create(fd, width, height, 32, NULL, size);
}

static void *map_bo(int fd, uint32_t handle, uint64_t size, int prot)
{
	uint64_t offset = dumb_map_offset(fd, handle);
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, fd, (off_t)offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap of handle %u: %s\n", handle, strerror(errno));
	return ptr;
}

/* dma_buf_poll: is the event *not* ready right now? */
static bool busy(int dmabuf, short event)
{
	return !(igt_poll_fd(dmabuf, event, 0) & event);
}

static bool sync_file_signaled(int sync_file)
{
	return igt_poll_fd(sync_file, POLLIN, 0) & POLLIN;
}

static void create(void)
{
	int fd = open_vgem();
	struct drm_mode_create_dumb c;

	igt_assert_eq(__dumb_create(fd, 0, 0, 0, NULL), -EINVAL);

	igt_assert_eq(__dumb_create(fd, 1, 1, 1, &c), 0);
	igt_assert_eq_u32(c.pitch, 1);
	igt_assert_eq_u64(c.size, PAGE);
	gem_close(fd, c.handle);

	igt_assert_eq(__dumb_create(fd, 1024, 1024, 8, &c), 0);
	igt_assert_eq_u32(c.pitch, 1024);
	igt_assert_eq_u64(c.size, 1u << 20);
	gem_close(fd, c.handle);

	/* 2 GiB: shmem pages are only allocated when touched. */
	igt_assert_eq(__dumb_create(fd, 1u << 15, 1u << 15, 16, &c), 0);
	igt_assert_eq_u32(c.pitch, 1u << 16);
	igt_assert_eq_u64(c.size, 1ull << 31);
	gem_close(fd, c.handle);
}

/* Two mappings of one object share its pages, and outlive the handle. */
static void test_mmap(void)
{
	int fd = open_vgem();
	uint64_t size;
	uint32_t bo = create_bo(fd, 1024, 1024, &size);
	uint32_t *a = map_bo(fd, bo, size, PROT_READ | PROT_WRITE);
	uint32_t *b = map_bo(fd, bo, size, PROT_READ);

	igt_assert_eq_u64(size, 4u << 20);
	for (uint64_t page = 0; page < size / PAGE; page++)
		igt_assert_eq_u32(b[page * PAGE / 4], 0);
	for (uint64_t page = 0; page < size / PAGE; page++)
		a[page * PAGE / 4 + page % 1024] = 0x5a000000u | (uint32_t)page;
	for (uint64_t page = 0; page < size / PAGE; page++)
		igt_assert_eq_u32(b[page * PAGE / 4 + page % 1024], 0x5a000000u | (uint32_t)page);

	/* The mappings hold the object. */
	gem_close(fd, bo);
	a[7] = 0xfeedface;
	igt_assert_eq_u32(b[7], 0xfeedface);
	munmap(a, size);
	igt_assert_eq_u32(b[PAGE / 4 + 1], 0x5a000001u);
	munmap(b, size);
}

static void bad_flag(void)
{
	int fd = open_vgem();
	uint32_t bo = create_bo(fd, 64, 1, NULL);
	struct drm_vgem_fence_attach attach = { .handle = bo, .flags = 0xff };
	struct drm_vgem_fence_signal signal = { .fence = 0, .flags = 0xff };

	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach, EINVAL);
	attach.flags = VGEM_FENCE_WRITE << 1;
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach, EINVAL);
	/* Flags come before the handle: EINVAL, not ENOENT. */
	attach.handle = 0xdeadbeef;
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &attach, EINVAL);

	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &signal, EINVAL);
	/* Flags come before the id: a real fence with bad flags stays unsignaled. */
	uint32_t fence = vgem_fence_attach(fd, bo, 0);
	signal.fence = fence;
	signal.flags = 1;
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_SIGNAL, &signal, EINVAL);
	vgem_fence_signal(fd, fence);
}

static void bad_pad(void)
{
	int fd = open_vgem();
	uint32_t bo = create_bo(fd, 64, 1, NULL);
	struct drm_vgem_fence_attach arg = { .handle = bo, .pad = 1 };

	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg, EINVAL);
	/* The pad comes before the handle. */
	arg.handle = 0xdeadbeef;
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg, EINVAL);
}

static void bad_handle(void)
{
	int fd = open_vgem();
	struct drm_vgem_fence_attach arg = { .handle = 0xff };

	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg, ENOENT);
	arg.handle = 0;
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg, ENOENT);
	arg.flags = VGEM_FENCE_WRITE;
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg, ENOENT);

	/* A closed handle is gone too. */
	arg.handle = create_bo(fd, 64, 1, NULL);
	gem_close(fd, arg.handle);
	do_ioctl_err(fd, DRM_IOCTL_VGEM_FENCE_ATTACH, &arg, ENOENT);
}

static void bad_fence(void)
{
	int fd = open_vgem();
	int other = drm_open_primary();

	igt_assert_eq(__vgem_fence_signal(fd, 0xff), -ENOENT);
	igt_assert_eq(__vgem_fence_signal(fd, 0), -ENOENT);
	igt_assert_eq(__vgem_fence_signal(fd, 0xffffffff), -ENOENT);

	uint32_t bo = create_bo(fd, 64, 1, NULL);
	uint32_t fence = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);

	/* Fence ids are per file. */
	igt_assert_eq(__vgem_fence_signal(other, fence), -ENOENT);

	vgem_fence_signal(fd, fence);
	/* Signaled by the client: the slot is NULL now, and that is ENOENT (not ETIMEDOUT). */
	igt_assert_eq(__vgem_fence_signal(fd, fence), -ENOENT);
	igt_assert_eq(__vgem_fence_signal(fd, fence), -ENOENT);
}

/* idr_alloc(&vfile->fence_idr, fence, 1, 0): ids from 1, and signaled ids are not reused. */
static void fence_ids(void)
{
	int fd = open_vgem();
	int other = drm_open_primary();
	uint32_t a = create_bo(fd, 64, 1, NULL);
	uint32_t b = create_bo(fd, 64, 1, NULL);

	igt_assert_eq_u32(vgem_fence_attach(fd, a, 0), 1);
	igt_assert_eq_u32(vgem_fence_attach(fd, b, VGEM_FENCE_WRITE), 2);
	vgem_fence_signal(fd, 1);
	vgem_fence_signal(fd, 2);
	igt_assert_eq_u32(vgem_fence_attach(fd, a, 0), 3);

	/* Another file counts from 1 on its own. */
	uint32_t c = create_bo(other, 64, 1, NULL);
	igt_assert_eq_u32(vgem_fence_attach(other, c, 0), 1);
	vgem_fence_signal(other, 1);
	vgem_fence_signal(fd, 3);
}

static void busy_fence(void)
{
	int fd = open_vgem();
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	uint32_t id;

	/* Readers share. */
	uint32_t r1 = vgem_fence_attach(fd, bo, 0);
	uint32_t r2 = vgem_fence_attach(fd, bo, 0);
	igt_assert_neq(r1, r2);

	/* A writer conflicts with any unsignaled fence. */
	igt_assert_eq(__vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE, &id), -EBUSY);
	vgem_fence_signal(fd, r1);
	igt_assert_eq(__vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE, &id), -EBUSY);
	vgem_fence_signal(fd, r2);

	/* All signaled: a writer gets in; the failed attaches used no id. */
	uint32_t w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	igt_assert_eq_u32(w, r2 + 1);

	/* A pending writer conflicts with readers and writers. */
	igt_assert_eq(__vgem_fence_attach(fd, bo, 0, &id), -EBUSY);
	igt_assert_eq(__vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE, &id), -EBUSY);
	vgem_fence_signal(fd, w);

	igt_assert_eq_u32(vgem_fence_attach(fd, bo, 0), w + 1);
	vgem_fence_signal(fd, w + 1);
}

/* Fences of an object are on the object: another file's attach sees them. */
static void busy_fence_other_file(void)
{
	int fd = open_vgem();
	int other = drm_open_primary();
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	uint32_t bo2 = gem_open(other, gem_flink(fd, bo), NULL);
	uint32_t id;

	uint32_t w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	igt_assert_eq(__vgem_fence_attach(other, bo2, 0, &id), -EBUSY);
	vgem_fence_signal(fd, w);
	uint32_t r = vgem_fence_attach(other, bo2, 0);
	igt_assert_eq(__vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE, &id), -EBUSY);
	vgem_fence_signal(other, r);
	vgem_fence_signal(fd, vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE));
}

/* vgem_postclose -> vgem_fence_close signals every fence the file still holds. */
static void fence_signaled_on_close(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	int other = drm_open_primary();
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	uint32_t bo2 = prime_fd_to_handle(other, dmabuf);

	vgem_fence_attach(other, bo2, VGEM_FENCE_WRITE);
	igt_assert(busy(dmabuf, POLLIN));
	igt_assert(busy(dmabuf, POLLOUT));

	close(other);
	igt_assert(igt_poll_fd(dmabuf, POLLIN, 5000) & POLLIN);
	igt_assert(igt_poll_fd(dmabuf, POLLOUT, 5000) & POLLOUT);
	vgem_fence_signal(fd, vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE));
}

/* Export, import elsewhere: the same object (same name, same pages, same dma-buf). */
static void dmabuf_export(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	int other = drm_open_primary();
	uint64_t size;
	uint32_t bo = create_bo(fd, 1024, 4, &size);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC | DRM_RDWR);

	igt_assert_eq(lseek(dmabuf, 0, SEEK_END), (off_t)size);
	igt_assert_eq(fcntl(dmabuf, F_GETFL) & O_ACCMODE, O_RDWR);
	igt_assert(fcntl(dmabuf, F_GETFD) & FD_CLOEXEC);

	/* The object has one dma-buf: a second export is the same file. */
	int again = prime_handle_to_fd(fd, bo, DRM_CLOEXEC | DRM_RDWR);
	struct stat s1, s2;
	igt_assert(fstat(dmabuf, &s1) == 0 && fstat(again, &s2) == 0);
	igt_assert_eq_u64(s1.st_ino, s2.st_ino);
	igt_assert_eq_u64(s1.st_dev, s2.st_dev);
	close(again);

	/* Importing into the exporter's file gives its handle back. */
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), bo);

	uint32_t h = prime_fd_to_handle(other, dmabuf);
	igt_assert_eq_u32(prime_fd_to_handle(other, dmabuf), h);
	igt_assert_eq_u32(gem_flink(other, h), gem_flink(fd, bo));

	uint32_t *a = map_bo(fd, bo, size, PROT_READ | PROT_WRITE);
	uint32_t *b = map_bo(other, h, size, PROT_READ | PROT_WRITE);
	a[0] = 0x12345678;
	a[size / 4 - 1] = 0x9abcdef0;
	igt_assert_eq_u32(b[0], 0x12345678);
	igt_assert_eq_u32(b[size / 4 - 1], 0x9abcdef0);
	b[1] = 0xcafe;
	igt_assert_eq_u32(a[1], 0xcafe);

	/* The dma-buf holds the object once every handle is gone. */
	close(dmabuf);
	munmap(a, size);
	munmap(b, size);
	gem_close(fd, bo);
	gem_close(other, h);
	igt_assert_eq(__gem_close(other, h), -EINVAL);
}

static void dmabuf_mmap(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint64_t size;
	uint32_t bo = create_bo(fd, 1024, 1024, &size);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC | DRM_RDWR);

	uint32_t *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert_f(ptr != MAP_FAILED, "mmap of the dma-buf: %s\n", strerror(errno));
	close(dmabuf);
	for (uint64_t page = 0; page < size / PAGE; page++)
		ptr[page * PAGE / 4 + page % 1024] = (uint32_t)page ^ 0xa5a5a5a5u;
	munmap(ptr, size);

	uint32_t *gem = map_bo(fd, bo, size, PROT_READ | PROT_WRITE);
	gem_close(fd, bo);
	for (uint64_t page = 0; page < size / PAGE; page++)
		igt_assert_eq_u32(gem[page * PAGE / 4 + page % 1024], (uint32_t)page ^ 0xa5a5a5a5u);
	munmap(gem, size);
}

/*
 * Without DRM_RDWR the dma-buf file is O_RDONLY, so a shared writable mapping is EACCES
 * (mm/mmap.c); a read-only one works.  dma_buf_mmap_internal: past the end is EINVAL.
 */
static void dmabuf_mmap_bad(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint64_t size;
	uint32_t bo = create_bo(fd, 1024, 4, &size);
	uint32_t *gem = map_bo(fd, bo, size, PROT_READ | PROT_WRITE);
	int ro = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);

	gem[3] = 0x600df00d;
	igt_assert_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	errno = 0;
	igt_assert(mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
	igt_assert_eq(errno, EACCES);
	uint32_t *ptr = mmap(NULL, size, PROT_READ, MAP_SHARED, ro, 0);
	igt_assert_f(ptr != MAP_FAILED, "read-only mmap of the dma-buf: %s\n", strerror(errno));
	igt_assert_eq_u32(ptr[3], 0x600df00d);
	munmap(ptr, size);

	errno = 0;
	igt_assert(mmap(NULL, size + PAGE, PROT_READ, MAP_SHARED, ro, 0) == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	errno = 0;
	igt_assert(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, (off_t)size) == MAP_FAILED);
	igt_assert_eq(errno, EINVAL);
	errno = 0;
}

/* The checks of IGT's dmabuf-fence: what poll() on the dma-buf says around each fence. */
static void check_fences(int fd, uint32_t bo, int dmabuf, uint32_t read_fence)
{
	/* A read fence: readers may go (POLLIN), writers must wait (POLLOUT). */
	igt_assert(!busy(dmabuf, POLLIN));
	igt_assert(busy(dmabuf, POLLOUT));
	/* Asking again does not change the answer (a callback is already queued). */
	igt_assert(busy(dmabuf, POLLOUT));
	igt_assert_eq(igt_poll_fd(dmabuf, POLLIN | POLLOUT, 0), POLLIN);
	vgem_fence_signal(fd, read_fence);
	igt_assert(!busy(dmabuf, POLLIN));
	igt_assert(!busy(dmabuf, POLLOUT));

	/* A write fence: nobody may go. */
	uint32_t w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	igt_assert(busy(dmabuf, POLLIN));
	igt_assert(busy(dmabuf, POLLOUT));
	vgem_fence_signal(fd, w);
	igt_assert(!busy(dmabuf, POLLIN));
	igt_assert(!busy(dmabuf, POLLOUT));
}

static void dmabuf_fence(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);

	/* No fence yet: both ready. */
	igt_assert(!busy(dmabuf, POLLIN));
	igt_assert(!busy(dmabuf, POLLOUT));
	check_fences(fd, bo, dmabuf, vgem_fence_attach(fd, bo, 0));
}

/* Fences attached before the export are on the dma-buf too. */
static void dmabuf_fence_before(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	uint32_t r = vgem_fence_attach(fd, bo, 0);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);

	check_fences(fd, bo, dmabuf, r);
	close(dmabuf);

	bo = create_bo(fd, 1024, 1, NULL);
	uint32_t w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	igt_assert(busy(dmabuf, POLLIN));
	igt_assert(busy(dmabuf, POLLOUT));
	vgem_fence_signal(fd, w);
	igt_assert(!busy(dmabuf, POLLIN));
	igt_assert(!busy(dmabuf, POLLOUT));
}

/* EXPORT_SYNC_FILE of a buffer with a pending write fence: both flags wait for it. */
static void export_sync_file_write_fence(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	uint32_t w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);

	int rd = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	int wr = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
	int rw = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	igt_assert(fcntl(rd, F_GETFD) & FD_CLOEXEC);
	igt_assert(!sync_file_signaled(rd));
	igt_assert(!sync_file_signaled(wr));
	igt_assert(!sync_file_signaled(rw));
	igt_assert_eq(igt_poll_fd(rd, POLLIN, 20), 0);

	vgem_fence_signal(fd, w);
	igt_assert(sync_file_signaled(rd));
	igt_assert(sync_file_signaled(wr));
	igt_assert(sync_file_signaled(rw));
	igt_assert_eq(igt_poll_fd(rd, POLLIN | POLLOUT, 0), POLLIN);
}

/* A read fence: a reader (SYNC_READ) has nothing to wait for, a writer (SYNC_WRITE) has. */
static void dmabuf_export_sync_file_read_fence(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	uint32_t r = vgem_fence_attach(fd, bo, 0);

	int rd = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	int wr = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_WRITE);
	int rw = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	igt_assert(sync_file_signaled(rd));
	igt_assert(!sync_file_signaled(wr));
	igt_assert(!sync_file_signaled(rw));

	vgem_fence_signal(fd, r);
	igt_assert(sync_file_signaled(wr));
	igt_assert(sync_file_signaled(rw));
}

/* No fence: a signaled stub (dma_fence_get_stub) for every flag. */
static void dmabuf_export_sync_file_idle(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	static const uint32_t flags[] = { DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int sf = dmabuf_export_sync_file(dmabuf, flags[i]);
		igt_assert_f(sync_file_signaled(sf), "flags %#x\n", flags[i]);
		close(sf);
	}
	/* Signaled fences are as good as none. */
	vgem_fence_signal(fd, vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE));
	int sf = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	igt_assert(sync_file_signaled(sf));
}

/* A sync_file is a snapshot: fences attached later are not in it. */
static void dmabuf_export_sync_file_snapshot(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);

	int before = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	uint32_t w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	int during = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	igt_assert(sync_file_signaled(before));
	igt_assert(!sync_file_signaled(during));

	vgem_fence_signal(fd, w);
	igt_assert(sync_file_signaled(during));
	/* And a later fence does not reach back into it. */
	w = vgem_fence_attach(fd, bo, VGEM_FENCE_WRITE);
	igt_assert(sync_file_signaled(during));
	vgem_fence_signal(fd, w);
}

/* dma_buf_export_sync_file: flags must be READ, WRITE or both. */
static void dmabuf_export_sync_file_bad_flags(void)
{
	int fd = open_vgem();
	igt_require_prime(fd);
	uint32_t bo = create_bo(fd, 1024, 1, NULL);
	int dmabuf = prime_handle_to_fd(fd, bo, DRM_CLOEXEC);
	static const uint32_t bad[] = { 0, DMA_BUF_SYNC_END, DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END,
					DMA_BUF_SYNC_READ | 0x8, 0xffffffff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int sf = -2;
		igt_assert_eq(__dmabuf_export_sync_file(dmabuf, bad[i], &sf), -EINVAL);
	}
}

static const struct igt_subtest tests[] = {
	{ "create", create },
	{ "mmap", test_mmap },
	{ "bad-flag", bad_flag },
	{ "bad-pad", bad_pad },
	{ "bad-handle", bad_handle },
	{ "bad-fence", bad_fence },
	{ "fence-ids", fence_ids },
	{ "busy-fence", busy_fence },
	{ "busy-fence-other-file", busy_fence_other_file },
	{ "fence-signaled-on-close", fence_signaled_on_close },
	{ "dmabuf-export", dmabuf_export },
	{ "dmabuf-mmap", dmabuf_mmap },
	{ "dmabuf-mmap-bad", dmabuf_mmap_bad },
	{ "dmabuf-fence", dmabuf_fence },
	{ "dmabuf-fence-before", dmabuf_fence_before },
	{ "dmabuf-export-sync-file", export_sync_file_write_fence },
	{ "dmabuf-export-sync-file-read-fence", dmabuf_export_sync_file_read_fence },
	{ "dmabuf-export-sync-file-idle", dmabuf_export_sync_file_idle },
	{ "dmabuf-export-sync-file-snapshot", dmabuf_export_sync_file_snapshot },
	{ "dmabuf-export-sync-file-bad-flags", dmabuf_export_sync_file_bad_flags },
};

IGT_MAIN(tests)
