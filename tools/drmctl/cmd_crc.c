/*
 * cmd_crc.c - drmctl crc NODE [--crtc N] [--frames K] [--source S]: the
 * frame CRCs of a cuse-drm CRTC, printed as the kernel's debugfs
 * crtc-N/crc/data prints them ("0x%08x" frame, then " 0x%08x" per CRC
 * value), through CUSE_DRM_IOCTL_CRC (cuse-drm/cuse_drm_uapi.h).  The
 * capture starts when this command opens it, so the first line is a frame
 * composed after that; it stops when the command ends.
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

/* The CRTC by index (0-based) or object id; NULL @arg: the first with a mode.  0 when none. */
static uint32_t find_crtc(int fd, const char *arg)
{
	drmModeResPtr res = drmModeGetResources(fd);
	uint32_t id = 0;
	unsigned long n;
	char *end;

	if (!res)
		return 0;
	if (!arg) {
		for (int i = 0; i < res->count_crtcs && !id; i++) {
			drmModeCrtcPtr c = drmModeGetCrtc(fd, res->crtcs[i]);

			if (c && c->mode_valid)
				id = c->crtc_id;
			drmModeFreeCrtc(c);
		}
	} else {
		errno = 0;
		n = strtoul(arg, &end, 0);
		if (!errno && end != arg && !*end && arg[0] != '-') {
			if (n < (unsigned long)res->count_crtcs)
				id = res->crtcs[n];
			for (int i = 0; i < res->count_crtcs && !id; i++)
				if (res->crtcs[i] == n)
					id = (uint32_t)n;
		}
	}
	drmModeFreeResources(res);
	return id;
}

/* One debugfs data line: frame (or XXXXXXXXXX), then the values. */
static void print_entry(const struct cuse_drm_crc_entry *e, uint32_t values_cnt)
{
	if (e->has_frame)
		printf("0x%08x", e->frame);
	else
		fputs("XXXXXXXXXX", stdout);
	for (uint32_t i = 0; i < values_cnt && i < CUSE_DRM_CRC_MAX_VALUES; i++)
		printf(" 0x%08x", e->crcs[i]);
	putchar('\n');
}

/** drmctl_cmd_crc() - print K frame CRCs of a CRTC; 0, 1 (failed) or 2 (usage). */
int drmctl_cmd_crc(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "crtc", required_argument, NULL, 'c' },
		{ "frames", required_argument, NULL, 'n' },
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *crtc_arg = NULL, *source = "";
	struct cuse_drm_crc *c;
	unsigned long frames = 1, printed = 0;
	char path[256], *end;
	int fd, opt, ret = DRMCTL_EXIT_FAIL;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:n:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			crtc_arg = optarg;
			break;
		case 'n':
			errno = 0;
			frames = strtoul(optarg, &end, 10);
			if (errno || *end || !frames || optarg[0] == '-') {
				drmctl_err("--frames: '%s' is not a positive count", optarg);
				return DRMCTL_EXIT_USAGE;
			}
			break;
		case 's':
			source = optarg;
			break;
		case 'h':
			drmctl_usage("crc", 1);
			return DRMCTL_EXIT_OK;
		default:
			drmctl_usage("crc", 0);
			return DRMCTL_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || strlen(source) >= sizeof(c->source)) {
		drmctl_usage("crc", 0);
		return DRMCTL_EXIT_USAGE;
	}
	fd = drmctl_open_node(argv[optind], path, sizeof(path));
	if (fd < 0)
		return DRMCTL_EXIT_FAIL;
	if (drmctl_node_origin(path, NULL, 0) != DRMCTL_ORIGIN_CUSE) {
		drmctl_err("%s: not a cuse-drm node: a kernel driver's CRCs are in debugfs "
			   "(/sys/kernel/debug/dri/N/crtc-M/crc/data)", path);
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return DRMCTL_EXIT_FAIL;
	}
	c->crtc_id = find_crtc(fd, crtc_arg);
	if (!c->crtc_id) {
		drmctl_err("%s: %s (see 'drmctl info')", path,
			   crtc_arg ? "no CRTC with that index or id" : "no CRTC has a mode set");
		goto out;
	}
	c->op = CUSE_DRM_CRC_OPEN;
	snprintf(c->source, sizeof(c->source), "%s", source);
	if (ioctl(fd, CUSE_DRM_IOCTL_CRC, c) < 0) {
		drmctl_err("%s: CRTC %u: starting the CRC capture: %m%s", path, c->crtc_id,
			   errno == EACCES ? " (needs root)" :
			   errno == EIO ? " (the CRTC is off)" :
			   errno == EBUSY ? " (another capture is open)" : "");
		goto out;
	}
	while (printed < frames) {
		uint32_t crtc_id = c->crtc_id;

		memset(c, 0, sizeof(*c));
		c->crtc_id = crtc_id;
		c->op = CUSE_DRM_CRC_READ;
		c->count = frames - printed < CUSE_DRM_CRC_MAX_ENTRIES ? (uint32_t)(frames - printed)
									 : CUSE_DRM_CRC_MAX_ENTRIES;
		if (ioctl(fd, CUSE_DRM_IOCTL_CRC, c) < 0) {
			if (errno == EAGAIN) {
				/* Nothing composed yet: look again in about a quarter of a 60 Hz frame. */
				struct timespec ts = { 0, 4000000 };

				nanosleep(&ts, NULL);
				continue;
			}
			drmctl_err("%s: CRTC %u: reading CRCs: %m", path, crtc_id);
			goto out;
		}
		for (uint32_t i = 0; i < c->count; i++)
			print_entry(&c->entries[i], c->values_cnt);
		printed += c->count;
		fflush(stdout);
	}
	ret = DRMCTL_EXIT_OK;
out:
	/* Closing the fd ends the capture too; CLOSE says so explicitly. */
	if (c->crtc_id) {
		uint32_t crtc_id = c->crtc_id;

		memset(c, 0, sizeof(*c));
		c->crtc_id = crtc_id;
		c->op = CUSE_DRM_CRC_CLOSE;
		ioctl(fd, CUSE_DRM_IOCTL_CRC, c);
	}
	free(c);
	close(fd);
	return ret;
}
