// SPDX-License-Identifier: MIT
/*
 * drmctl list: every DRM node under /dev/dri, with its driver and origin.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "drmctl.h"

static int is_drm_node_name(const struct dirent *de)
{
	return strncmp(de->d_name, "card", 4) == 0 ||
	       strncmp(de->d_name, "renderD", 7) == 0;
}

static void list_node(const char *name)
{
	char path[sizeof(DRMCTL_DRI_DIR) + 256 + 1];
	char cls[32], origin[48];
	enum drmctl_origin o;
	drmVersionPtr ver;
	int fd, err;

	snprintf(path, sizeof(path), DRMCTL_DRI_DIR "/%s", name);
	o = drmctl_node_origin(path, cls, sizeof(cls));
	if (o == DRMCTL_ORIGIN_OTHER)
		snprintf(origin, sizeof(origin), "other(%s)", cls);
	else
		snprintf(origin, sizeof(origin), "%s", drmctl_origin_name(o));

	fd = drmctl_open_path(path);
	if (fd < 0) {
		printf("%-22s %-14s %-10s %-9s error: open: %s\n", path, "-",
		       "-", origin, strerror(-fd));
		return;
	}
	ver = drmGetVersion(fd);
	err = errno;
	if (!ver) {
		printf("%-22s %-14s %-10s %-9s error: DRM_IOCTL_VERSION: %s\n",
		       path, "-", "-", origin, strerror(err));
	} else {
		char vs[40];

		snprintf(vs, sizeof(vs), "%d.%d.%d", ver->version_major,
			 ver->version_minor, ver->version_patchlevel);
		printf("%-22s %-14s %-10s %s\n", path,
		       ver->name_len ? ver->name : "?", vs, origin);
		drmFreeVersion(ver);
	}
	close(fd);
}

int drmctl_cmd_list(int argc, char **argv)
{
	struct dirent **names;
	int n;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			drmctl_usage("list", 1);
			return DRMCTL_EXIT_OK;
		}
		drmctl_err("list: unexpected argument '%s'", argv[1]);
		drmctl_usage("list", 0);
		return DRMCTL_EXIT_USAGE;
	}

	n = scandir(DRMCTL_DRI_DIR, &names, is_drm_node_name, versionsort);
	if (n < 0) {
		if (errno == ENOENT) {
			printf("no DRM nodes: %s does not exist\n",
			       DRMCTL_DRI_DIR);
			return DRMCTL_EXIT_OK;
		}
		drmctl_err("%s: %m", DRMCTL_DRI_DIR);
		return DRMCTL_EXIT_FAIL;
	}
	if (n == 0) {
		printf("no DRM nodes in %s\n", DRMCTL_DRI_DIR);
		free(names);
		return DRMCTL_EXIT_OK;
	}

	printf("%-22s %-14s %-10s %s\n", "NODE", "DRIVER", "VERSION", "ORIGIN");
	for (int i = 0; i < n; i++) {
		list_node(names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return DRMCTL_EXIT_OK;
}
