/* SPDX-License-Identifier: MIT */
/*
 * PRIME export and import of one device's own buffers: DRM_IOCTL_PRIME_HANDLE_TO_FD and
 * DRM_IOCTL_PRIME_FD_TO_HANDLE, in the spirit of IGT's tests/prime_self_import.c and
 * tests/prime_vgem.c.
 *
 * What the kernel does (Linux 6.1):
 *   - drm_prime.c, drm_prime_handle_to_fd_ioctl: flags outside DRM_CLOEXEC | DRM_RDWR are
 *     EINVAL, checked before the handle.  drm_gem_prime_handle_to_fd: an unknown handle is
 *     ENOENT; an object has one dma-buf (obj->dma_buf), so every export of it is the same file,
 *     and dma_buf_fd() gives a new fd, FD_CLOEXEC exactly when DRM_CLOEXEC was asked for.  The
 *     export puts (dma-buf, handle) into the file's PRIME lookup cache (drm_prime_add_buf_handle);
 *   - drm_gem_prime_fd_to_handle: dma_buf_get() is EBADF for an fd that is not open and EINVAL
 *     for a file that is not a dma-buf (dma-buf.c, is_dma_buf_file).  A dma-buf already in the
 *     file's cache gives its handle back: importing in the exporting file is the exporter's
 *     handle, importing twice anywhere is one handle.  Otherwise drm_gem_prime_import() sees a
 *     dma-buf of this very device and takes the GEM object itself (no attachment): the new
 *     handle names the same object (same flink name, same pages);
 *   - closing a handle drops its cache entry (drm_gem_remove_prime_handles), and the dma-buf
 *     holds a reference to the object (drm_gem_dmabuf_export): an object lives while a handle
 *     or a dma-buf fd holds it, and re-importing its dma-buf gives a fresh, working handle.
 */
#include "igt.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WIDTH 256
#define HEIGHT 64 /* 256 x 64 x 32 bpp: 64 KiB, 16 pages */
#define PAGE 4096u

static int open_prime(void)
{
	int fd = drm_open_primary();
	igt_require_prime(fd);
	igt_require_dumb(fd);
	return fd;
}

static uint32_t create_bo(int fd, uint64_t *size)
{
	return dumb_create(fd, WIDTH, HEIGHT, 32, NULL, size);
}

static uint32_t *map_bo(int fd, uint32_t handle, uint64_t size)
{
	uint64_t offset = dumb_map_offset(fd, handle);
	void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap of handle %u: %s\n", handle, strerror(errno));
	return ptr;
}

static uint32_t *map_dmabuf(int dmabuf, uint64_t size, int prot)
{
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, dmabuf, 0);
	igt_assert_f(ptr != MAP_FAILED, "mmap of dma-buf fd %d: %s\n", dmabuf, strerror(errno));
	return ptr;
}

/* A few words in every page, each different, all derived from @seed. */
static void fill(uint32_t *ptr, uint64_t size, uint32_t seed)
{
	for (uint64_t page = 0; page < size / PAGE; page++) {
		ptr[page * PAGE / 4] = seed ^ (uint32_t)page;
		ptr[page * PAGE / 4 + (page * 7 + 1) % (PAGE / 4)] = ~seed + (uint32_t)page;
	}
}

static void check(const uint32_t *ptr, uint64_t size, uint32_t seed)
{
	for (uint64_t page = 0; page < size / PAGE; page++) {
		igt_assert_eq_u32(ptr[page * PAGE / 4], seed ^ (uint32_t)page);
		igt_assert_eq_u32(ptr[page * PAGE / 4 + (page * 7 + 1) % (PAGE / 4)],
				  ~seed + (uint32_t)page);
	}
}

static void fill_bo(int fd, uint32_t handle, uint64_t size, uint32_t seed)
{
	uint32_t *ptr = map_bo(fd, handle, size);
	fill(ptr, size, seed);
	munmap(ptr, size);
}

static void check_bo(int fd, uint32_t handle, uint64_t size, uint32_t seed)
{
	uint32_t *ptr = map_bo(fd, handle, size);
	check(ptr, size, seed);
	munmap(ptr, size);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	igt_assert_f(fstat(a, &sa) == 0 && fstat(b, &sb) == 0, "fstat: %s\n", strerror(errno));
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The file's PRIME cache: the exporter importing its own dma-buf gets its own handle back. */
static void with_one_handle(void)
{
	int fd = open_prime();
	uint32_t h = create_bo(fd, NULL);
	uint32_t name = gem_flink(fd, h);
	int dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC);

	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), h);
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), h);
	igt_assert_eq_u32(gem_flink(fd, h), name);

	/* An fd of a second export is the same dma-buf, so it is the same handle too. */
	int again = prime_handle_to_fd(fd, h, DRM_CLOEXEC);
	igt_assert_eq_u32(prime_fd_to_handle(fd, again), h);
	close(dmabuf);
	igt_assert_eq_u32(prime_fd_to_handle(fd, again), h);
	igt_assert_eq_u32(gem_flink(fd, h), name);
}

/* Import into another file: one handle there, for the very same object. */
static void with_two_handles(void)
{
	int a = open_prime();
	int b = drm_open_primary();
	uint64_t size;
	uint32_t ha = create_bo(a, &size);
	uint32_t other = create_bo(b, NULL); /* so that B's handles and A's need not agree */
	int dmabuf = prime_handle_to_fd(a, ha, DRM_CLOEXEC);

	uint32_t hb = prime_fd_to_handle(b, dmabuf);
	igt_assert_neq(hb, other);
	igt_assert_eq_u32(prime_fd_to_handle(b, dmabuf), hb);
	igt_assert_eq_u32(gem_flink(b, hb), gem_flink(a, ha));
	/* The exporter's cache is untouched by the other file's import. */
	igt_assert_eq_u32(prime_fd_to_handle(a, dmabuf), ha);

	uint32_t *pa = map_bo(a, ha, size);
	uint32_t *pb = map_bo(b, hb, size);
	fill(pa, size, 0x1234abcd);
	check(pb, size, 0x1234abcd);
	fill(pb, size, 0x600dcafe);
	check(pa, size, 0x600dcafe);
	munmap(pa, size);
	munmap(pb, size);

	/* B re-exports the object it imported: the same dma-buf, back to the same handles. */
	int from_b = prime_handle_to_fd(b, hb, DRM_CLOEXEC);
	igt_assert(same_file(from_b, dmabuf));
	igt_assert_eq_u32(prime_fd_to_handle(a, from_b), ha);
	igt_assert_eq_u32(prime_fd_to_handle(b, from_b), hb);
}

/* Two exports of one handle: two fds of one dma-buf, both importing to one handle. */
static void export_twice(void)
{
	int a = open_prime();
	int b = drm_open_primary();
	uint32_t h = create_bo(a, NULL);
	int fd1 = prime_handle_to_fd(a, h, DRM_CLOEXEC);
	int fd2 = prime_handle_to_fd(a, h, DRM_CLOEXEC);

	igt_assert_neq(fd1, fd2);
	igt_assert(same_file(fd1, fd2));
	igt_assert_eq_u32(prime_fd_to_handle(a, fd1), h);
	igt_assert_eq_u32(prime_fd_to_handle(a, fd2), h);

	uint32_t hb = prime_fd_to_handle(b, fd2);
	igt_assert_eq_u32(prime_fd_to_handle(b, fd1), hb);
	igt_assert_eq_u32(gem_flink(b, hb), gem_flink(a, h));
}

/*
 * Close the exporter's handle while its dma-buf fd is open, then import the fd: the cache
 * entry went with the handle, the object did not (the dma-buf holds it).
 */
static void reimport_after_close(void)
{
	int fd = open_prime();
	uint64_t size;
	uint32_t h = create_bo(fd, &size);
	int dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC);

	fill_bo(fd, h, size, 0xdeadf00d);
	gem_close(fd, h);
	igt_assert_eq(__gem_flink(fd, h, NULL), -ENOENT);

	/* Another object takes the freed handle value, if the allocator reuses it. */
	uint32_t x = create_bo(fd, NULL);
	fill_bo(fd, x, size, 0x0badbeef);

	uint32_t h2 = prime_fd_to_handle(fd, dmabuf);
	igt_assert_neq(h2, x);
	check_bo(fd, h2, size, 0xdeadf00d);
	igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), h2);
	/* The new handle exports to the same dma-buf. */
	int again = prime_handle_to_fd(fd, h2, DRM_CLOEXEC);
	igt_assert(same_file(again, dmabuf));
	check_bo(fd, x, size, 0x0badbeef);
}

static void export_bad_handle(void)
{
	static const uint32_t handles[] = { 0, 1, 0x7fffffff, 0xdeadbeef, 0xffffffff };
	int fd = open_prime();
	int dmabuf;

	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		dmabuf = -1;
		igt_assert_eq(__prime_handle_to_fd(fd, handles[i], DRM_CLOEXEC, &dmabuf), -ENOENT);
		igt_assert_eq(__prime_handle_to_fd(fd, handles[i], 0, &dmabuf), -ENOENT);
	}

	/* A closed handle is gone too, even one exported before. */
	uint32_t h = create_bo(fd, NULL);
	close(prime_handle_to_fd(fd, h, DRM_CLOEXEC));
	gem_close(fd, h);
	igt_assert_eq(__prime_handle_to_fd(fd, h, DRM_CLOEXEC, &dmabuf), -ENOENT);

	/* Handles are per file: one of another file's is unknown in a file that has none. */
	int other = drm_open_primary();
	int empty = drm_open_primary();
	h = create_bo(other, NULL);
	close(prime_handle_to_fd(other, h, DRM_CLOEXEC));
	igt_assert_eq(__prime_handle_to_fd(empty, h, DRM_CLOEXEC, &dmabuf), -ENOENT);
}

static void export_bad_flags(void)
{
	static const uint32_t bad[] = {
		O_WRONLY, O_NONBLOCK, O_APPEND, DRM_CLOEXEC | O_WRONLY, DRM_RDWR | O_NONBLOCK,
		DRM_CLOEXEC | DRM_RDWR | 0x80000000u, 0x80000000u, 0xffffffffu,
	};
	int fd = open_prime();
	uint32_t h = create_bo(fd, NULL);
	int dmabuf;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dmabuf = -1;
		igt_assert_eq(__prime_handle_to_fd(fd, h, bad[i], &dmabuf), -EINVAL);
		/* The flags are checked before the handle. */
		igt_assert_eq(__prime_handle_to_fd(fd, 0xdeadbeef, bad[i], &dmabuf), -EINVAL);
	}
	/* The good flags still work. */
	close(prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR));
}

/* dma_buf_get: an fd that is not open is EBADF. */
static void import_bad_fd(void)
{
	int fd = open_prime();
	uint32_t handle;

	igt_assert_eq(__prime_fd_to_handle(fd, -1, &handle), -EBADF);
	igt_assert_eq(__prime_fd_to_handle(fd, -1000, &handle), -EBADF);
	igt_assert_eq(__prime_fd_to_handle(fd, 0x7fffffff, &handle), -EBADF);

	/* A dma-buf fd that was closed. */
	uint32_t h = create_bo(fd, NULL);
	int dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC);
	close(dmabuf);
	igt_assert_eq(__prime_fd_to_handle(fd, dmabuf, &handle), -EBADF);
	/* Another fd of the same dma-buf is still good. */
	int again = prime_handle_to_fd(fd, h, DRM_CLOEXEC);
	igt_assert_eq_u32(prime_fd_to_handle(fd, again), h);
	close(again);
	igt_assert_eq(__prime_fd_to_handle(fd, again, &handle), -EBADF);
}

/* dma_buf_get: an open file that is not a dma-buf is EINVAL. */
static void import_non_dmabuf(void)
{
	int fd = open_prime();
	uint32_t handle;
	int p[2];

	igt_assert_f(pipe2(p, O_CLOEXEC) == 0, "pipe2: %s\n", strerror(errno));
	igt_assert_eq(__prime_fd_to_handle(fd, p[0], &handle), -EINVAL);
	igt_assert_eq(__prime_fd_to_handle(fd, p[1], &handle), -EINVAL);

	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	igt_assert_f(null >= 0, "/dev/null: %s\n", strerror(errno));
	igt_assert_eq(__prime_fd_to_handle(fd, null, &handle), -EINVAL);

	/* A memfd of a dma-buf's size, with no seals. */
	int mem = memfd_create("prime_self_import", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	igt_assert_f(mem >= 0, "memfd_create: %s\n", strerror(errno));
	igt_assert_f(ftruncate(mem, 64 * 1024) == 0, "ftruncate: %s\n", strerror(errno));
	igt_assert_eq(fcntl(mem, F_GET_SEALS), 0);
	igt_assert_eq(__prime_fd_to_handle(fd, mem, &handle), -EINVAL);

	/* The DRM file itself is no dma-buf either. */
	igt_assert_eq(__prime_fd_to_handle(fd, fd, &handle), -EINVAL);
}

/* dma_buf_fd(dmabuf, flags): FD_CLOEXEC exactly when DRM_CLOEXEC was asked for. */
static void cloexec(void)
{
	static const uint32_t flags[] = { DRM_CLOEXEC, 0, DRM_CLOEXEC | DRM_RDWR, DRM_RDWR };
	int fd = open_prime();
	uint32_t h = create_bo(fd, NULL);

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int dmabuf = prime_handle_to_fd(fd, h, flags[i]);
		int fdflags = fcntl(dmabuf, F_GETFD);
		igt_assert_f(fdflags >= 0, "F_GETFD: %s\n", strerror(errno));
		igt_assert_f(!!(fdflags & FD_CLOEXEC) == !!(flags[i] & DRM_CLOEXEC),
			     "export flags %#x gave fd flags %#x\n", flags[i], fdflags);
		igt_assert_eq_u32(prime_fd_to_handle(fd, dmabuf), h);
		close(dmabuf);
	}

	/* Each export decides for its own fd, on a fresh object too. */
	h = create_bo(fd, NULL);
	int plain = prime_handle_to_fd(fd, h, 0);
	int cloexec_fd = prime_handle_to_fd(fd, h, DRM_CLOEXEC);
	igt_assert(same_file(plain, cloexec_fd));
	igt_assert_eq(fcntl(plain, F_GETFD) & FD_CLOEXEC, 0);
	igt_assert_neq(fcntl(cloexec_fd, F_GETFD) & FD_CLOEXEC, 0);
}

/* The dma-buf travels to another process, which opens the node itself and imports it. */
static void cross_process(void)
{
	int fd = open_prime();
	uint64_t size;
	uint32_t h = create_bo(fd, &size);
	uint32_t name = gem_flink(fd, h);
	int sv[2];

	fill_bo(fd, h, size, 0x11111111);
	igt_socketpair(sv);

	igt_fork() {
		close(sv[0]);
		int child = drm_open_primary();
		int dmabuf = igt_recv_fd(sv[1]);
		uint32_t hc = prime_fd_to_handle(child, dmabuf);

		igt_assert_eq_u32(prime_fd_to_handle(child, dmabuf), hc);
		igt_assert_eq_u32(gem_flink(child, hc), name);

		uint32_t *ptr = map_bo(child, hc, size);
		check(ptr, size, 0x11111111);
		fill(ptr, size, 0x22222222);
		munmap(ptr, size);

		/* And through the dma-buf fd itself (exported with DRM_RDWR). */
		ptr = map_dmabuf(dmabuf, size, PROT_READ | PROT_WRITE);
		check(ptr, size, 0x22222222);
		ptr[3] = 0x33333333; /* a word fill() leaves alone */
		munmap(ptr, size);
	}

	int dmabuf = prime_handle_to_fd(fd, h, DRM_CLOEXEC | DRM_RDWR);
	igt_send_fd(sv[0], dmabuf);
	close(dmabuf);
	close(sv[1]);
	igt_waitchildren();

	uint32_t *ptr = map_bo(fd, h, size);
	igt_assert_eq_u32(ptr[3], 0x33333333);
	check(ptr, size, 0x22222222);
	munmap(ptr, size);
}

/* Handles in two files and a dma-buf fd hold the object; any one of them is enough. */
static void object_lifetime(void)
{
	int a = open_prime();
	int b = drm_open_primary();
	uint64_t size;
	uint32_t ha = create_bo(a, &size);
	int dmabuf = prime_handle_to_fd(a, ha, DRM_CLOEXEC);
	uint32_t hb = prime_fd_to_handle(b, dmabuf);

	fill_bo(a, ha, size, 0xfacefeed);
	gem_close(a, ha);
	gem_close(b, hb);
	igt_assert_eq(__gem_close(a, ha), -EINVAL);
	igt_assert_eq(__gem_close(b, hb), -EINVAL);
	close(a);

	/* Only the dma-buf fd holds it now. */
	uint32_t *ptr = map_dmabuf(dmabuf, size, PROT_READ);
	check(ptr, size, 0xfacefeed);
	munmap(ptr, size);

	/* A third file imports it: the pages are the same. */
	int c = drm_open_primary();
	uint32_t hc = prime_fd_to_handle(c, dmabuf);
	close(dmabuf);
	check_bo(c, hc, size, 0xfacefeed);

	/* Now only C's handle holds it, and it exports again. */
	dmabuf = prime_handle_to_fd(c, hc, DRM_CLOEXEC);
	igt_assert_eq_u32(prime_fd_to_handle(b, dmabuf), prime_fd_to_handle(b, dmabuf));
	check_bo(b, prime_fd_to_handle(b, dmabuf), size, 0xfacefeed);
}

static const struct igt_subtest tests[] = {
	{ "basic-with-one-handle", with_one_handle },
	{ "with-two-handles", with_two_handles },
	{ "export-twice", export_twice },
	{ "reimport-after-close", reimport_after_close },
	{ "export-bad-handle", export_bad_handle },
	{ "export-bad-flags", export_bad_flags },
	{ "import-bad-fd", import_bad_fd },
	{ "import-non-dmabuf", import_non_dmabuf },
	{ "cloexec", cloexec },
	{ "cross-process", cross_process },
	{ "object-lifetime", object_lifetime },
};

IGT_MAIN(tests)
