/*
 * cmd_watch.c - drmctl watch NODE [--count N] [--interval MS]: the live
 * scanout state, refreshed every interval: per CRTC its mode, vblank count
 * and rate (WAIT_VBLANK's query) and, on cuse-drm nodes, its flip rate
 * (completed commits per second, CUSE_DRM_IOCTL_STATS' crtc_flips); per
 * plane the framebuffer it shows (id, size, format; GETPLANE, GETFB2) and
 * where (the atomic plane properties).  Everything but the flip rate comes
 * from the public uAPI, so kernel nodes work too; watch holds no master.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "drmctl.h"
#include "cuse-drm/cuse_drm_uapi.h"

#define WATCH_MAX_CRTCS 16

/** One CRTC's counters at the last refresh, for rates. */
struct watch_crtc {
	uint32_t id;
	int has_vblank;           /* 1 when the last WAIT_VBLANK query worked */
	uint32_t vblank;
	uint64_t flips;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* WAIT_VBLANK query (RELATIVE 0) on CRTC @index; 0 and *@seq, or -errno (EINVAL: off, EOPNOTSUPP: none). */
static int vblank_count(int fd, unsigned int index, uint32_t *seq)
{
	drmVBlank v;

	memset(&v, 0, sizeof(v));
	v.request.type = DRM_VBLANK_RELATIVE |
			 ((index << DRM_VBLANK_HIGH_CRTC_SHIFT) & DRM_VBLANK_HIGH_CRTC_MASK);
	if (drmWaitVBlank(fd, &v))
		return -errno;
	*seq = v.reply.sequence;
	return 0;
}

/* An object property's value by name; @def when absent. */
static uint64_t prop_value(int fd, uint32_t obj, uint32_t type, const char *name, uint64_t def)
{
	drmModeObjectPropertiesPtr props = drmModeObjectGetProperties(fd, obj, type);
	uint64_t v = def;

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyPtr p = drmModeGetProperty(fd, props->props[i]);

		if (p && strcmp(p->name, name) == 0)
			v = props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return v;
}

static const char *plane_type_name(uint64_t type)
{
	return type == DRM_PLANE_TYPE_PRIMARY ? "primary" : type == DRM_PLANE_TYPE_CURSOR ? "cursor" : "overlay";
}

/* The planes on CRTC @crtc_id: type, framebuffer (id, size, format), position. */
static void print_planes(int fd, uint32_t crtc_id)
{
	drmModePlaneResPtr pr = drmModeGetPlaneResources(fd);

	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		drmModePlanePtr p = drmModeGetPlane(fd, pr->planes[i]);
		char fourcc[DRMCTL_FOURCC_LEN];

		if (!p || p->crtc_id != crtc_id || !p->fb_id) {
			drmModeFreePlane(p);
			continue;
		}
		printf("  plane %u %-7s FB %u", p->plane_id,
		       plane_type_name(prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", 0)), p->fb_id);
		drmModeFB2Ptr fb = drmModeGetFB2(fd, p->fb_id);
		if (fb) {
			printf(" %ux%u %s", fb->width, fb->height, drmctl_fourcc_str(fb->pixel_format, fourcc));
			drmctl_gem_close(fd, fb->handles, 4);
			drmModeFreeFB2(fb);
		}
		printf(" at %lld,%lld size %llux%llu\n",
		       (long long)(int64_t)prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_X", 0),
		       (long long)(int64_t)prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_Y", 0),
		       (unsigned long long)prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_W", 0),
		       (unsigned long long)prop_value(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_H", 0));
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
}

/* One refresh: every CRTC with its rates since @prev (NULL rates on the first one). */
static void refresh(int fd, const char *path, bool cuse, struct watch_crtc *prev, double dt, unsigned int n)
{
	drmModeResPtr res = drmModeGetResources(fd);
	struct cuse_drm_stats st;
	bool have_stats = false;

	if (cuse) {
		memset(&st, 0, sizeof(st));
		have_stats = ioctl(fd, CUSE_DRM_IOCTL_STATS, &st) == 0;
	}
	printf("--- %s refresh %u", path, n);
	if (dt > 0)
		printf(" (%.2f s)", dt);
	putchar('\n');
	for (int i = 0; res && i < res->count_crtcs && i < WATCH_MAX_CRTCS; i++) {
		drmModeCrtcPtr c = drmModeGetCrtc(fd, res->crtcs[i]);
		struct watch_crtc cur = { .id = res->crtcs[i] };
		char mode[64];
		int ret;

		if (!c)
			continue;
		printf("CRTC %u (index %d): ", c->crtc_id, i);
		if (!c->mode_valid) {
			printf("off\n");
			prev[i] = cur;
			drmModeFreeCrtc(c);
			continue;
		}
		printf("%s", drmctl_mode_str(&c->mode, mode, sizeof(mode)));
		ret = vblank_count(fd, (unsigned int)i, &cur.vblank);
		cur.has_vblank = ret == 0;
		if (cur.has_vblank) {
			printf(", vblank %u", cur.vblank);
			if (dt > 0 && prev[i].has_vblank && prev[i].id == cur.id)
				printf(" (%.1f/s)", (double)(uint32_t)(cur.vblank - prev[i].vblank) / dt);
		} else {
			printf(", vblank - (%s)", ret == -EOPNOTSUPP ? "the driver has none" : strerror(-ret));
		}
		if (have_stats && i < 4) {
			cur.flips = st.crtc_flips[i];
			printf(", flips %llu", (unsigned long long)cur.flips);
			if (dt > 0 && prev[i].id == cur.id)
				printf(" (%.1f/s)", (double)(cur.flips - prev[i].flips) / dt);
		}
		putchar('\n');
		print_planes(fd, c->crtc_id);
		prev[i] = cur;
		drmModeFreeCrtc(c);
	}
	drmModeFreeResources(res);
	fflush(stdout);
}

/** drmctl_cmd_watch() - print the scanout state every interval; 0, 1 (failed) or 2 (usage). */
int drmctl_cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct watch_crtc prev[WATCH_MAX_CRTCS];
	unsigned long count = 0, interval_ms = 1000;
	char path[256], *end;
	double last;
	bool cuse;
	int fd, opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
		case 'i':
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || optarg[0] == '-') {
				drmctl_err("--%s: '%s' is not a positive number", opt == 'n' ? "count" : "interval",
					   optarg);
				return DRMCTL_EXIT_USAGE;
			}
			*(opt == 'n' ? &count : &interval_ms) = v;
			break;
		case 'h':
			drmctl_usage("watch", 1);
			return DRMCTL_EXIT_OK;
		default:
			drmctl_usage("watch", 0);
			return DRMCTL_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		drmctl_usage("watch", 0);
		return DRMCTL_EXIT_USAGE;
	}
	fd = drmctl_open_node(argv[optind], path, sizeof(path));
	if (fd < 0)
		return DRMCTL_EXIT_FAIL;
	drmModeResPtr res = drmModeGetResources(fd);
	if (!res) {
		drmctl_err_no_kms(path, errno);
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	drmModeFreeResources(res);
	/* Watching must not take the display from anyone: give master back if the open made us one. */
	if (drmIsMaster(fd))
		drmDropMaster(fd);
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);   /* for the plane positions; fine if refused */
	cuse = drmctl_node_origin(path, NULL, 0) == DRMCTL_ORIGIN_CUSE;
	memset(prev, 0, sizeof(prev));
	last = now_s();
	for (unsigned long n = 1; !count || n <= count; n++) {
		double t = now_s();

		refresh(fd, path, cuse, prev, n > 1 ? t - last : 0, (unsigned int)n);
		last = t;
		if (count && n == count)
			break;
		struct timespec ts = { (time_t)(interval_ms / 1000), (long)(interval_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	close(fd);
	return DRMCTL_EXIT_OK;
}
