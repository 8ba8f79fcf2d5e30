/*
 * test_vfio.c - the pure parts of the VFIO platform: the IOVA allocator
 * (vfio/iova.c) against the usable ranges VFIO reports, the capability
 * list walk (vfio/pci_cap.c) on fake config spaces, PCI address parsing,
 * and the sysfs logic behind `drmctl bind` (vfio/pci_sysfs.c) on a fake
 * sysfs tree.  The real device paths run in the VM (test_vfio_e2e.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vfio/iova.h"
#include "vfio/pci_cap.h"
#include "vfio/pci_sysfs.h"

#define PAGE 4096ull

/* What QEMU's intel-iommu (39-bit) reports: all but the x86 MSI window. */
static const struct vfio_iova_span q35_ranges[] = {
	{ 0, 0xfedfffffull },
	{ 0xfef00000ull, (1ull << 39) - 1 },
};

/* --- IOVA allocator -------------------------------------------------------------------- */

static void test_iova_init_errors(void **state)
{
	struct vfio_iova_allocator a;
	struct vfio_iova_span bad = { 10, 9 }, tiny = { 1, 4095 }, ok = { 0, PAGE * 4 - 1 };

	(void)state;
	assert_int_equal(vfio_iova_init(&a, &ok, 0, PAGE), -EINVAL);
	assert_int_equal(vfio_iova_init(&a, &ok, 1, 0), -EINVAL);
	assert_int_equal(vfio_iova_init(&a, &ok, 1, 3000), -EINVAL);
	assert_int_equal(vfio_iova_init(&a, &bad, 1, PAGE), -EINVAL);
	/* No whole page inside: nothing usable. */
	assert_int_equal(vfio_iova_init(&a, &tiny, 1, PAGE), -EINVAL);
	assert_int_equal(vfio_iova_init(&a, &ok, 1, PAGE), 0);
	vfio_iova_fini(&a);
}

static void test_iova_merge_and_trim(void **state)
{
	struct vfio_iova_allocator a;
	/* Unsorted, overlapping, touching, with partial pages at the edges. */
	struct vfio_iova_span s[] = {
		{ 0x30000, 0x3ffff }, { 0x10100, 0x20fff }, { 0x21000, 0x22fff }, { 0x38000, 0x40010 },
	};

	(void)state;
	assert_int_equal(vfio_iova_init(&a, s, 4, PAGE), 0);
	assert_int_equal(a.nranges, 2);
	assert_true(a.ranges[0].start == 0x11000 && a.ranges[0].last == 0x22fff);
	assert_true(a.ranges[1].start == 0x30000 && a.ranges[1].last == 0x3ffff);
	vfio_iova_fini(&a);
}

static void test_iova_first_fit_skips_page0_and_msi_window(void **state)
{
	struct vfio_iova_allocator a;
	uint64_t iova, size, big;

	(void)state;
	assert_int_equal(vfio_iova_init(&a, q35_ranges, 2, PAGE), 0);
	/* Never IOVA 0, even though the range starts there. */
	assert_int_equal(vfio_iova_alloc(&a, 1, 1, &iova), 0);
	assert_int_equal(iova, PAGE);
	/* Sizes round up to pages: the next one follows at 2 pages. */
	assert_int_equal(vfio_iova_alloc(&a, PAGE + 1, PAGE, &iova), 0);
	assert_int_equal(iova, 2 * PAGE);
	assert_int_equal(vfio_iova_free(&a, iova, &size), 0);
	assert_int_equal(size, 2 * PAGE);
	/* Freed space is reused first fit. */
	assert_int_equal(vfio_iova_alloc(&a, PAGE, PAGE, &iova), 0);
	assert_int_equal(iova, 2 * PAGE);
	/* Alignment. */
	assert_int_equal(vfio_iova_alloc(&a, PAGE, 1ull << 20, &iova), 0);
	assert_int_equal(iova, 1ull << 20);
	/* Something that no longer fits below the MSI window goes above it, never into it. */
	big = 0xfee00000ull - (2ull << 20);
	assert_int_equal(vfio_iova_alloc(&a, big, 1ull << 20, &iova), 0);
	assert_int_equal(iova, 2ull << 20);
	assert_int_equal(iova + big, 0xfee00000ull);
	assert_int_equal(vfio_iova_alloc(&a, 2 * PAGE, PAGE, &iova), 0);
	assert_true(iova < 0xfee00000ull);
	assert_int_equal(vfio_iova_alloc(&a, 1ull << 20, PAGE, &iova), 0);
	assert_int_equal(iova, 0xfef00000ull);
	/* Bad arguments. */
	assert_int_equal(vfio_iova_alloc(&a, 0, PAGE, &iova), -EINVAL);
	assert_int_equal(vfio_iova_alloc(&a, PAGE, 3 * PAGE, &iova), -EINVAL);
	assert_int_equal(vfio_iova_alloc(&a, PAGE, 0, &iova), -EINVAL);
	/* Bigger than the whole space, and a size that overflows when rounded. */
	assert_int_equal(vfio_iova_alloc(&a, 1ull << 40, PAGE, &iova), -ENOSPC);
	assert_int_equal(vfio_iova_alloc(&a, UINT64_MAX, PAGE, &iova), -ENOSPC);
	assert_int_equal(vfio_iova_free(&a, 0x12345000, NULL), -ENOENT);
	assert_int_equal(vfio_iova_free(&a, PAGE + 1, NULL), -ENOENT);
	vfio_iova_fini(&a);
}

static void test_iova_exhaustion_and_top_of_space(void **state)
{
	struct vfio_iova_allocator a;
	struct vfio_iova_span top = { UINT64_MAX - 4 * PAGE + 1, UINT64_MAX };
	uint64_t iova[4], x;

	(void)state;
	/* A range that ends at 2^64 - 1: no overflow at the top. */
	assert_int_equal(vfio_iova_init(&a, &top, 1, PAGE), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(vfio_iova_alloc(&a, PAGE, PAGE, &iova[i]), 0);
		assert_int_equal(iova[i], top.start + (uint64_t)i * PAGE);
	}
	assert_int_equal(vfio_iova_alloc(&a, PAGE, PAGE, &x), -ENOSPC);
	assert_int_equal(vfio_iova_free(&a, iova[3], NULL), 0);
	assert_int_equal(vfio_iova_alloc(&a, 2 * PAGE, PAGE, &x), -ENOSPC);
	assert_int_equal(vfio_iova_alloc(&a, PAGE, PAGE, &x), 0);
	assert_int_equal(x, UINT64_MAX - PAGE + 1);
	vfio_iova_fini(&a);
}

/* Random allocations and frees: every live allocation stays inside a usable range, aligned,
 * off page 0, and disjoint from every other; and first fit means a freed hole is reused. */
static void test_iova_random_invariants(void **state)
{
	struct {
		uint64_t iova, size;
	} live[256];
	struct vfio_iova_span ranges[] = {
		{ 0, 0x3fffff }, { 0x500000, 0x5fffff }, { 0x800000, 0xffffff },
	};
	struct vfio_iova_allocator a;
	unsigned int seed = 12345;
	int n = 0;

	(void)state;
	assert_int_equal(vfio_iova_init(&a, ranges, 3, PAGE), 0);
	for (int step = 0; step < 4000; step++) {
		seed = seed * 1103515245u + 12345u;
		if (n && (seed >> 16) % 3 == 0) {
			int k = (int)((seed >> 8) % (unsigned int)n);
			uint64_t sz;

			assert_int_equal(vfio_iova_free(&a, live[k].iova, &sz), 0);
			assert_int_equal(sz, live[k].size);
			live[k] = live[--n];
			continue;
		}
		if (n == 256)
			continue;
		{
			uint64_t size = ((seed >> 4) % 64 + 1) * PAGE / ((seed & 1) ? 1 : 2);
			uint64_t align = PAGE << ((seed >> 12) % 4);
			uint64_t iova;
			int ret = vfio_iova_alloc(&a, size, align, &iova);
			bool inside = false;

			if (ret == -ENOSPC)
				continue;
			assert_int_equal(ret, 0);
			size = (size + PAGE - 1) & ~(PAGE - 1);
			assert_true(iova != 0 && iova % align == 0);
			for (int r = 0; r < 3; r++)
				inside |= iova >= ranges[r].start && iova + size - 1 <= ranges[r].last;
			assert_true(inside);
			for (int i = 0; i < n; i++)
				assert_true(iova + size <= live[i].iova || live[i].iova + live[i].size <= iova);
			live[n].iova = iova;
			live[n].size = size;
			n++;
		}
	}
	while (n)
		assert_int_equal(vfio_iova_free(&a, live[--n].iova, NULL), 0);
	assert_int_equal(a.nused, 0);
	vfio_iova_fini(&a);
}

/* --- capability walk --------------------------------------------------------------------- */

struct fake_cfg {
	uint8_t b[256];
	int fail_at; /* read of this offset fails with -EIO; -1 for never */
};

static int fake_read8(void *ctx, uint32_t where, uint8_t *val)
{
	struct fake_cfg *c = ctx;

	if ((int)where == c->fail_at)
		return -EIO;
	if (where >= sizeof(c->b))
		return -EINVAL;
	*val = c->b[where];
	return 0;
}

static void fake_init(struct fake_cfg *c, uint8_t first)
{
	memset(c, 0, sizeof(*c));
	c->fail_at = -1;
	c->b[0x06] = 0x10; /* Status: Capabilities List */
	c->b[0x34] = first;
}

static void fake_cap(struct fake_cfg *c, uint8_t at, uint8_t id, uint8_t next)
{
	c->b[at] = id;
	c->b[at + 1] = next;
}

static void test_cap_walk(void **state)
{
	struct fake_cfg c;
	uint8_t id = 0;

	(void)state;
	/* The virtio-gpu-pci list seen in the VM: 0x98 MSI-X, then vendor caps down to 0x40. */
	fake_init(&c, 0x98);
	fake_cap(&c, 0x98, 0x11, 0x84);
	fake_cap(&c, 0x84, 0x09, 0x70);
	fake_cap(&c, 0x70, 0x09, 0x40);
	fake_cap(&c, 0x40, 0x09, 0x00);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0, &id), 0x98);
	assert_int_equal(id, 0x11);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x98, &id), 0x84);
	assert_int_equal(id, 0x09);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x84, NULL), 0x70);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x70, NULL), 0x40);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x40, NULL), 0);
	/* A position that is not on the list. */
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x50, NULL), 0);
	/* Pointers have their low two bits masked (they are reserved). */
	c.b[0x99] = 0x87;
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x98, NULL), 0x84);
	/* Status bit clear: no list at all. */
	c.b[0x06] = 0;
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0, NULL), 0);
}

static void test_cap_walk_ends(void **state)
{
	struct fake_cfg c;
	int pos = 0, n = 0;

	(void)state;
	/* A list that loops (0x40 -> 0x50 -> 0x40): iteration ends after each entry once. */
	fake_init(&c, 0x40);
	fake_cap(&c, 0x40, 0x05, 0x50);
	fake_cap(&c, 0x50, 0x10, 0x40);
	while ((pos = vfio_pci_cap_next(fake_read8, &c, (uint8_t)pos, NULL)) > 0)
		assert_true(++n <= 2);
	assert_int_equal(n, 2);
	/* A pointer into the header (below 0x40) ends the list. */
	fake_init(&c, 0x40);
	fake_cap(&c, 0x40, 0x05, 0x3c);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0x40, NULL), 0);
	/* An ID of 0xff (a device that reads all ones) ends it. */
	fake_init(&c, 0x40);
	fake_cap(&c, 0x40, 0xff, 0x50);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0, NULL), 0);
	/* A chain of 60 distinct entries stops at the kernel's TTL of 48. */
	fake_init(&c, 0x40);
	for (int i = 0; i < 60; i++)
		fake_cap(&c, (uint8_t)(0x40 + 4 * i), 0x09, (uint8_t)(0x44 + 4 * i));
	n = 0;
	pos = 0;
	while ((pos = vfio_pci_cap_next(fake_read8, &c, (uint8_t)pos, NULL)) > 0)
		n++;
	assert_int_equal(n, VFIO_PCI_CAP_TTL);
	/* A CardBus bridge (header type 2) keeps its pointer at 0x14. */
	fake_init(&c, 0x00);
	c.b[0x0e] = 0x82;
	c.b[0x14] = 0x80;
	fake_cap(&c, 0x80, 0x01, 0x00);
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0, NULL), 0x80);
	/* A failing config read is reported. */
	fake_init(&c, 0x40);
	fake_cap(&c, 0x40, 0x05, 0x00);
	c.fail_at = 0x40;
	assert_int_equal(vfio_pci_cap_next(fake_read8, &c, 0, NULL), -EIO);
}

/* --- PCI addresses ------------------------------------------------------------------------ */

static void test_parse_bdf(void **state)
{
	char out[VFIO_BDF_LEN];

	(void)state;
	assert_int_equal(vfio_pci_parse_bdf("0000:00:06.0", out), 0);
	assert_string_equal(out, "0000:00:06.0");
	assert_int_equal(vfio_pci_parse_bdf("00:06.0", out), 0);
	assert_string_equal(out, "0000:00:06.0");
	assert_int_equal(vfio_pci_parse_bdf("1:0A.7", out), 0);
	assert_string_equal(out, "0000:01:0a.7");
	assert_int_equal(vfio_pci_parse_bdf("10000:e1:1f.3", out), 0);
	assert_string_equal(out, "10000:e1:1f.3");
	static const char *const bad[] = { "", "06.0", "00:20.0", "00:06.8", "00:06", "0000:00:06.0.1",
					   "00:06.0 ", "zz:06.0", "0:0:0:0.0", "000:06.0", "00:06.10",
					   "123456789:00:00.0", ":06.0", "00:.0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vfio_pci_parse_bdf(bad[i], out) != -EINVAL)
			fail_msg("'%s' parsed as %s", bad[i], out);
	}
}

/* --- sysfs on a fake tree ------------------------------------------------------------------ */

struct fake_sys {
	char root[64];
};

static void xpath(char *buf, size_t len, const char *root, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void xpath(char *buf, size_t len, const char *root, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s/", root);

	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
}

static void mkdirs(const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	buf[0] = '\0';
	if (!f)
		return buf;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A PCI function in the fake tree: class, driver (NULL: none), IOMMU group (-1: none). */
static void fake_dev(const char *root, const char *bdf, const char *cls, const char *drv, int group)
{
	char p[PATH_MAX], t[PATH_MAX];

	xpath(p, sizeof(p), root, "sys/bus/pci/devices/%s", bdf);
	mkdirs(p);
	xpath(p, sizeof(p), root, "sys/bus/pci/devices/%s/class", bdf);
	write_file(p, cls);
	xpath(p, sizeof(p), root, "sys/bus/pci/devices/%s/driver_override", bdf);
	write_file(p, "(null)\n");
	if (drv) {
		xpath(p, sizeof(p), root, "sys/bus/pci/drivers/%s", drv);
		mkdirs(p);
		xpath(p, sizeof(p), root, "sys/bus/pci/drivers/%s/unbind", drv);
		write_file(p, "");
		xpath(p, sizeof(p), root, "sys/bus/pci/devices/%s/driver", bdf);
		snprintf(t, sizeof(t), "../../../../bus/pci/drivers/%s", drv);
		assert_int_equal(symlink(t, p), 0);
		/* driver/unbind resolves through the link. */
	}
	if (group >= 0) {
		xpath(p, sizeof(p), root, "sys/kernel/iommu_groups/%d/devices", group);
		mkdirs(p);
		xpath(p, sizeof(p), root, "sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
		write_file(p, "");
		xpath(p, sizeof(p), root, "sys/bus/pci/devices/%s/iommu_group", bdf);
		snprintf(t, sizeof(t), "../../../../kernel/iommu_groups/%d", group);
		assert_int_equal(symlink(t, p), 0);
	}
}

static int sys_setup(void **state)
{
	struct fake_sys *s = calloc(1, sizeof(*s));
	char p[PATH_MAX];

	snprintf(s->root, sizeof(s->root), "/tmp/test-vfio-sysfs.XXXXXX");
	if (!mkdtemp(s->root))
		return -1;
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers_probe");
	mkdirs(s->root);
	xpath(p, sizeof(p), s->root, "sys/bus/pci");
	mkdirs(p);
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers_probe");
	write_file(p, "");
	*state = s;
	return 0;
}

static int sys_teardown(void **state)
{
	struct fake_sys *s = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->root);
	if (system(cmd) != 0)
		return -1;
	free(s);
	return 0;
}

static void test_sysfs_no_iommu(void **state)
{
	struct fake_sys *s = *state;
	char msg[512], drv[64];

	fake_dev(s->root, "0000:00:04.0", "0x038000\n", "virtio-pci", -1);
	assert_int_equal(vfio_sysfs_iommu_group(s->root, "0000:00:04.0"), -ENODEV);
	assert_int_equal(vfio_sysfs_iommu_group(s->root, "0000:00:09.0"), -ENOENT);
	assert_int_equal(vfio_sysfs_driver(s->root, "0000:00:04.0", drv, sizeof(drv)), 0);
	assert_string_equal(drv, "virtio-pci");
	assert_int_equal(vfio_sysfs_driver(s->root, "0000:00:09.0", drv, sizeof(drv)), -ENOENT);
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:00:04.0", msg, sizeof(msg)), -ENODEV);
	assert_non_null(strstr(msg, "no IOMMU"));
	assert_non_null(strstr(msg, "intel_iommu=on"));
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:00:09.0", msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "no such PCI device"));
	/* An IOMMU that does not cover this device. */
	fake_dev(s->root, "0000:00:05.0", "0x038000\n", NULL, 3);
	assert_int_equal(vfio_sysfs_iommu_group(s->root, "0000:00:04.0"), -ENXIO);
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:00:04.0", msg, sizeof(msg)), -ENXIO);
	assert_non_null(strstr(msg, "no IOMMU group"));
	assert_int_equal(vfio_sysfs_iommu_group(s->root, "0000:00:05.0"), 3);
}

static void test_sysfs_group_viability(void **state)
{
	struct fake_sys *s = *state;
	char why[512], msg[1024], p[PATH_MAX], buf[64];

	/* A GPU with its HDMI audio function and a bridge, all in group 1. */
	fake_dev(s->root, "0000:01:00.0", "0x030000\n", "amdgpu", 1);
	fake_dev(s->root, "0000:01:00.1", "0x040300\n", "snd_hda_intel", 1);
	fake_dev(s->root, "0000:00:01.0", "0x060400\n", "pcieport", 1);
	fake_dev(s->root, "0000:00:01.1", "0x088000\n", "pci-stub", 1);
	fake_dev(s->root, "0000:00:01.2", "0x088000\n", NULL, 1);
	fake_dev(s->root, "0000:00:01.3", "0x088000\n", "vfio-pci", 1);
	assert_int_equal(vfio_sysfs_group_check(s->root, 1, "0000:01:00.0", why, sizeof(why)), -EPERM);
	/* Only the audio function is in the way: bridge, pci-stub, vfio-pci and no driver are fine. */
	assert_string_equal(why, "0000:01:00.1 (bound to snd_hda_intel)");
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:01:00.0", msg, sizeof(msg)), -EPERM);
	assert_non_null(strstr(msg, "IOMMU group 1 is not viable"));
	assert_non_null(strstr(msg, "0000:01:00.1 (bound to snd_hda_intel)"));
	/* Nothing was written. */
	xpath(p, sizeof(p), s->root, "sys/bus/pci/devices/0000:01:00.0/driver_override");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "(null)\n");
	/* The audio function's own check names the GPU. */
	assert_int_equal(vfio_sysfs_group_check(s->root, 1, "0000:01:00.1", why, sizeof(why)), -EPERM);
	assert_string_equal(why, "0000:01:00.0 (bound to amdgpu)");
	/* A group that does not exist. */
	assert_true(vfio_sysfs_group_check(s->root, 42, NULL, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "cannot read"));
}

static void test_sysfs_bind_writes(void **state)
{
	struct fake_sys *s = *state;
	char msg[1024], p[PATH_MAX], buf[64], drv[64];

	fake_dev(s->root, "0000:00:06.0", "0x038000\n", "virtio-pci", 6);
	/* vfio-pci not loaded. */
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:00:06.0", msg, sizeof(msg)), -ENXIO);
	assert_non_null(strstr(msg, "modprobe vfio-pci"));
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers/vfio-pci");
	mkdirs(p);
	/* The fake kernel does not rebind, so the last check fails; the writes are what matter. */
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:00:06.0", msg, sizeof(msg)), -EIO);
	assert_non_null(strstr(msg, "bound to virtio-pci, not vfio-pci"));
	xpath(p, sizeof(p), s->root, "sys/bus/pci/devices/0000:00:06.0/driver_override");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "vfio-pci\n");
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers/virtio-pci/unbind");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "0000:00:06.0");
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers_probe");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "0000:00:06.0");

	/* Already on vfio-pci: the group comes back and nothing is written. */
	fake_dev(s->root, "0000:00:07.0", "0x038000\n", "vfio-pci", 7);
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers_probe");
	write_file(p, "");
	assert_int_equal(vfio_sysfs_bind_vfio(s->root, "0000:00:07.0", msg, sizeof(msg)), 7);
	assert_string_equal(read_file(p, buf, sizeof(buf)), "");

	/* unbind: refused for a device on another driver, else clears the override and reprobes. */
	assert_int_equal(vfio_sysfs_unbind_vfio(s->root, "0000:00:06.0", drv, sizeof(drv), msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "bound to virtio-pci, not to vfio-pci"));
	assert_int_equal(vfio_sysfs_unbind_vfio(s->root, "0000:00:09.0", drv, sizeof(drv), msg, sizeof(msg)),
			 -ENOENT);
	assert_int_equal(vfio_sysfs_unbind_vfio(s->root, "0000:00:07.0", drv, sizeof(drv), msg, sizeof(msg)), 0);
	xpath(p, sizeof(p), s->root, "sys/bus/pci/devices/0000:00:07.0/driver_override");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "\n");
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers/vfio-pci/unbind");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "0000:00:07.0");
	xpath(p, sizeof(p), s->root, "sys/bus/pci/drivers_probe");
	assert_string_equal(read_file(p, buf, sizeof(buf)), "0000:00:07.0");
}

static void test_sysfs_read_hex(void **state)
{
	struct fake_sys *s = *state;
	uint32_t v = 0;

	fake_dev(s->root, "0000:00:02.0", "0x030000\n", NULL, -1);
	assert_int_equal(vfio_sysfs_read_hex(s->root, "0000:00:02.0", "class", &v), 0);
	assert_int_equal(v, 0x030000);
	assert_int_equal(vfio_sysfs_read_hex(s->root, "0000:00:02.0", "vendor", &v), -ENOENT);
	assert_int_equal(vfio_sysfs_device_exists(s->root, "0000:00:02.0"), 1);
	assert_int_equal(vfio_sysfs_device_exists(s->root, "0000:00:03.0"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iova_init_errors),
		cmocka_unit_test(test_iova_merge_and_trim),
		cmocka_unit_test(test_iova_first_fit_skips_page0_and_msi_window),
		cmocka_unit_test(test_iova_exhaustion_and_top_of_space),
		cmocka_unit_test(test_iova_random_invariants),
		cmocka_unit_test(test_cap_walk),
		cmocka_unit_test(test_cap_walk_ends),
		cmocka_unit_test(test_parse_bdf),
		cmocka_unit_test_setup_teardown(test_sysfs_no_iommu, sys_setup, sys_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_group_viability, sys_setup, sys_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_bind_writes, sys_setup, sys_teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_read_hex, sys_setup, sys_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
