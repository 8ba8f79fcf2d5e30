/*
 * main.c - cuse-drm: serve a DRM driver core as /dev/dri nodes through CUSE.
 *
 *   cuse-drm [--driver NAME | --device BDF] [--node cardN] [--syncobj] [--debug] [--foreground]
 *
 * Start-up: check the driver and /dev/cuse, pick the node, create the DRM
 * device, open the side-channel socket, start one CUSE session per node,
 * wait for the kernel to create the nodes, build the fake sysfs identity.
 * Then wait for SIGINT/SIGTERM (or SIGHUP) and take everything down again in
 * reverse, exiting 0.  Any start-up failure prints one clear line and exits
 * non-zero.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/drm_driver.h"
#include "platform.h"
#include "platform_linux.h"
#include "vfio_pci.h"

#define CUSE_DEV "/dev/cuse"
/** How long the kernel gets to create the nodes after the sessions start. */
#define CD_INIT_TIMEOUT_MS 10000

static void usage(FILE *out)
{
	const char *const *names = drm_driver_names();

	fprintf(out,
		"usage: cuse-drm [--driver NAME] [--device BDF] [--driver-options K=V,...] [--node cardN] [--syncobj]\n"
		"                [--debug] [--foreground]\n"
		"\n"
		"Serve a DRM driver core as /dev/dri/cardN (and /dev/dri/renderD<128+N> when the\n"
		"driver has a render node) through CUSE.  Runs in the foreground until SIGINT or\n"
		"SIGTERM.  Needs root and the cuse module.\n"
		"\n"
		"  --driver NAME   driver core to serve (default vkms; with --device, the device's)\n"
		"  --device BDF    drive this PCI function (e.g. 0000:00:06.0, bound to vfio-pci with\n"
		"                  `drmctl bind`) with the hardware driver its PCI ID selects\n"
		"                  (virtio_gpu for 1af4:1050)\n"
		"  --driver-options K=V,...\n"
		"                  the driver's options, like a kernel module's parameters; vkms takes\n"
		"                  crtcs=1..4, enable_cursor=0|1, overlays=0..8, mode=WxH (a 60 Hz DMT mode)\n"
		"  --node cardN    primary node to create (default: the lowest free card0..card15)\n"
		"  --syncobj       offer syncobjs and timelines (DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE)\n"
		"                  even where the kernel's driver of that name has none (vgem, vkms)\n"
		"  --debug         log debug messages\n"
		"  --foreground    stay in the foreground (the default; accepted for compatibility)\n"
		"  --help          show this text\n"
		"\n"
		"drivers:");
	for (; names && *names; names++)
		fprintf(out, " %s", *names);
	fprintf(out, "\n");
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Whether dri/<name> is taken: by a node in /dev, or by a CUSE device not (yet) in /dev. */
static bool node_name_taken(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/dev/dri/%s", name);
	if (path_exists(path))
		return true;
	/* cuse names its class device after DEVNAME, with '/' turned into '!'. */
	snprintf(path, sizeof(path), "/sys/class/cuse/dri!%s", name);
	return path_exists(path);
}

static int parse_node(const char *arg, unsigned int *index)
{
	char *end;
	unsigned long n;

	if (strncmp(arg, "/dev/dri/", 9) == 0)
		arg += 9;
	if (strncmp(arg, "card", 4) == 0)
		arg += 4;
	if (*arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || *end || n >= CD_MAX_INDEX)
		return -EINVAL;
	*index = (unsigned int)n;
	return 0;
}

static void node_names(struct cd_daemon *d, bool render)
{
	d->nnodes = render ? 2 : 1;
	d->nodes[0].type = DRM_MINOR_PRIMARY;
	d->nodes[0].minor = d->index;
	snprintf(d->nodes[0].name, sizeof(d->nodes[0].name), "card%u", d->index);
	if (render) {
		d->nodes[1].type = DRM_MINOR_RENDER;
		d->nodes[1].minor = CD_RENDER_MINOR_BASE + d->index;
		snprintf(d->nodes[1].name, sizeof(d->nodes[1].name), "renderD%u",
			 CD_RENDER_MINOR_BASE + d->index);
	}
	for (unsigned int i = 0; i < d->nnodes; i++) {
		d->nodes[i].d = d;
		d->nodes[i].fuse_fd = -1;
	}
}

static bool names_free(struct cd_daemon *d)
{
	for (unsigned int i = 0; i < d->nnodes; i++)
		if (node_name_taken(d->nodes[i].name))
			return false;
	return true;
}

static int open_cuse(void)
{
	int fd = open(CUSE_DEV, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		drm_err("%s: %s: load the cuse module: modprobe cuse", CUSE_DEV, strerror(errno));
		break;
	case EACCES:
	case EPERM:
		drm_err("%s: %s: cuse-drm must run as root", CUSE_DEV, strerror(errno));
		break;
	default:
		drm_err("%s: %s", CUSE_DEV, strerror(errno));
		break;
	}
	return -1;
}

/* The device number of a node: from /dev, or from its CUSE class device. */
static int node_rdev(const struct cd_node *node, dev_t *rdev)
{
	char path[PATH_MAX];
	struct stat st;
	unsigned int maj, min;
	FILE *f;

	snprintf(path, sizeof(path), "/dev/dri/%s", node->name);
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
		*rdev = st.st_rdev;
		return 0;
	}
	snprintf(path, sizeof(path), "/sys/class/cuse/dri!%s/dev", node->name);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%u:%u", &maj, &min) != 2) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	*rdev = makedev(maj, min);
	return 0;
}

/*
 * Wait up to @ms for a signal in @set; returns the signal or 0.  Between
 * signals, returns early every 50 ms so the caller can poll its conditions.
 */
static int wait_signal(const sigset_t *set, long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	int sig = sigtimedwait(set, NULL, &ts);

	return sig > 0 ? sig : 0;
}

static uint64_t now_ms(void)
{
	return drm_platform_time_ns() / 1000000u;
}

/*
 * Give a node the owner and mode Debian's udev rules give the kernel's DRM
 * nodes (50-udev-default.rules): cardN root:video 0660, renderD* root:render
 * 0666.  devtmpfs creates CUSE nodes 0600 root:root, and no udev rule matches
 * them (their subsystem is cuse, not drm).  A group missing on this system
 * leaves the group as it is.
 */
static void set_node_access(const struct cd_node *node)
{
	bool render = node->type == DRM_MINOR_RENDER;
	const struct group *gr = getgrnam(render ? "render" : "video");
	char path[64];

	snprintf(path, sizeof(path), "/dev/dri/%s", node->name);
	if (gr && chown(path, (uid_t)-1, gr->gr_gid) < 0)
		drm_warn("%s: cannot give it group %s: %s", path, gr->gr_name, strerror(errno));
	if (chmod(path, render ? 0666 : 0660) < 0)
		drm_warn("%s: cannot set its mode: %s", path, strerror(errno));
}

/* Wait for every node to exist.  Returns 0, a signal number > 0, or -errno. */
static int wait_nodes(struct cd_daemon *d, const sigset_t *set)
{
	uint64_t deadline = now_ms() + CD_INIT_TIMEOUT_MS;

	for (;;) {
		bool all = true;
		int sig;

		for (unsigned int i = 0; i < d->nnodes; i++) {
			struct cd_node *node = &d->nodes[i];

			if (!atomic_load(&node->init_done) || node_rdev(node, &node->rdev) < 0)
				all = false;
		}
		if (all)
			return 0;
		if (atomic_load(&d->node_failed)) {
			drm_err("the kernel refused a CUSE device (is dri/%s taken?)", d->nodes[0].name);
			return -EEXIST;
		}
		if (now_ms() > deadline) {
			drm_err("timed out waiting for the kernel to create the nodes");
			return -ETIMEDOUT;
		}
		sig = wait_signal(set, 20);
		if (sig)
			return sig;
	}
}

static void shutdown_daemon(struct cd_daemon *d)
{
	atomic_store(&d->stopping, true);
	cd_side_channel_close(d);
	for (unsigned int i = 0; i < d->nnodes; i++)
		cd_session_stop(&d->nodes[i]);
	cd_waiter_stop(d);
	cd_files_release_all(d);
	for (unsigned int i = 0; i < d->nnodes; i++)
		cd_session_destroy(&d->nodes[i]);
	cd_sysfs_remove(d);
}

/*
 * Every GEM object's backing store is a memfd the daemon holds open
 * (DESIGN.md decision 5), so the usual soft limit of 1024 open files would
 * cap a device at about a thousand buffers where the kernel has no such
 * cap.  Raise the soft limit to the hard one, and the hard one to the
 * system's fs.nr_open when allowed (CAP_SYS_RESOURCE), as services that
 * hold many fds do.  Failure is logged, not fatal: fewer buffers fit.
 */
static void raise_nofile_limit(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");

	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (nr_open > rl.rlim_max) {
		struct rlimit want = { nr_open, nr_open };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			drm_warn("cannot raise the open-file limit (%s): about %lu buffers fit", strerror(errno),
				 (unsigned long)rl.rlim_cur);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "driver", required_argument, NULL, 'D' },
		{ "device", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'n' },
		{ "driver-options", required_argument, NULL, 'o' },
		{ "syncobj", no_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *driver_name = NULL, *node_arg = NULL, *driver_options = NULL, *bdf = NULL;
	struct drm_pci_dev *pci = NULL;
	struct cd_daemon d;
	sigset_t set;
	int opt, ret, status = 1, cuse_fd;
	bool syncobj = false;

	/*
	 * Signals: SIGINT/SIGTERM/SIGHUP are taken with sigtimedwait() by this
	 * thread only.  Block them first of all, before any thread starts (the
	 * driver's timer threads start in drm_device_create()), so every thread
	 * inherits the mask and none can take the default action.  Side-channel
	 * sends use MSG_NOSIGNAL, but ignore SIGPIPE anyway.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	raise_nofile_limit();
	memset(&d, 0, sizeof(d));
	d.files.next = d.files.prev = &d.files;
	d.listen_fd = d.wake_fd = -1;

	while ((opt = getopt_long(argc, argv, "D:P:n:o:sdfh", opts, NULL)) != -1) {
		switch (opt) {
		case 'D': driver_name = optarg; break;
		case 'P': bdf = optarg; break;
		case 'n': node_arg = optarg; break;
		case 'o': driver_options = optarg; break;
		case 's': syncobj = true; break;
		case 'd': drm_platform_linux_set_log_level(DRM_LOG_DEBUG); break;
		case 'f': break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cuse-drm: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	if (!driver_name && !bdf)
		driver_name = "vkms";
	d.driver = driver_name ? drm_driver_find(driver_name) : NULL;
	if (driver_name && !d.driver) {
		const char *const *names = drm_driver_names();
		char list[256] = "";

		for (; names && *names; names++) {
			strncat(list, " ", sizeof(list) - strlen(list) - 1);
			strncat(list, *names, sizeof(list) - strlen(list) - 1);
		}
		drm_err("unknown driver '%s'; built-in drivers:%s", driver_name, list);
		return 2;
	}

	if (d.driver && d.driver->pci_ids && !bdf) {
		drm_err("driver '%s' drives PCI hardware: name the device with --device BDF "
			"(see `drmctl devices`; bind it to vfio-pci with `drmctl bind BDF`)", driver_name);
		return 2;
	}
	if (d.driver && !d.driver->pci_ids && bdf) {
		drm_err("driver '%s' is a software driver and takes no --device", driver_name);
		return 2;
	}

	if (node_arg && parse_node(node_arg, &d.index) < 0) {
		drm_err("bad --node '%s': want cardN with N in 0..%d", node_arg, CD_MAX_INDEX - 1);
		return 2;
	}

	/* /dev/cuse first: the commonest problem, and it needs no device yet. */
	cuse_fd = open_cuse();
	if (cuse_fd < 0)
		return 1;
	close(cuse_fd);

	if (bdf) {
		char err[1024];
		struct drm_pci_id id;
		const struct drm_driver *match;

		ret = drm_platform_linux_pci_open(bdf, &pci, err, sizeof(err));
		if (ret < 0) {
			drm_err("cannot open %s: %s", bdf, err);
			return 1;
		}
		drm_platform_pci_get_id(pci, &id);
		match = drm_driver_find_pci(id.vendor, id.device);
		if (!match || (d.driver && d.driver != match)) {
			if (!match)
				drm_err("%s is %04x:%04x, which no built-in driver drives", bdf, id.vendor, id.device);
			else
				drm_err("%s is %04x:%04x, which driver '%s' does not drive (%s does)", bdf, id.vendor,
					id.device, driver_name, match->name);
			drm_platform_linux_pci_close(pci);
			return 1;
		}
		d.driver = match;
		driver_name = match->name;
	}
	ret = drm_device_create_pci(d.driver, driver_options, pci, &d.dev);
	if (ret < 0) {
		drm_err("cannot create the %s device%s%s: %s", driver_name, bdf ? " on " : "", bdf ? bdf : "",
			strerror(-ret));
		drm_platform_linux_pci_close(pci);
		return 1;
	}
	d.driver_name = drm_device_driver_name(d.dev);
	if (syncobj)
		drm_device_enable_syncobj(d.dev);
	drm_device_set_hotplug_notify(d.dev, cd_uevent_hotplug, &d);
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.ready_cond, NULL);

	if (node_arg) {
		node_names(&d, drm_device_has_render_node(d.dev));
		if (!names_free(&d)) {
			drm_err("/dev/dri/%s%s%s is taken (another DRM driver or cuse-drm serves it); "
				"pick another with --node",
				d.nodes[0].name, d.nnodes > 1 ? " or " : "",
				d.nnodes > 1 ? d.nodes[1].name : "");
			goto out_device;
		}
	} else {
		for (d.index = 0; d.index < CD_MAX_DEFAULT_INDEX; d.index++) {
			node_names(&d, drm_device_has_render_node(d.dev));
			if (names_free(&d))
				break;
		}
		if (d.index == CD_MAX_DEFAULT_INDEX) {
			drm_err("/dev/dri/card0..card%d are all taken; pick one with --node",
				CD_MAX_DEFAULT_INDEX - 1);
			goto out_device;
		}
	}

	ret = cd_side_channel_open(&d);
	if (ret < 0) {
		drm_err("cannot create the side-channel socket %s: %s",
			d.socket_path[0] ? d.socket_path : CUSE_DRM_RUN_DIR, strerror(-ret));
		goto out_device;
	}
	/* The side channel carries dma-buf fds (PRIME) for clients under the shim. */
	drm_device_set_prime_transport(d.dev, true);
	/* Before any ioctl can park: the thread that reruns woken ones. */
	ret = cd_waiter_start(&d);
	if (ret < 0) {
		drm_err("cannot start the waiter thread: %s", strerror(-ret));
		goto out_shutdown;
	}

	for (unsigned int i = 0; i < d.nnodes; i++) {
		cuse_fd = open_cuse();
		if (cuse_fd < 0)
			goto out_shutdown;
		ret = cd_session_start(&d.nodes[i], cuse_fd);
		if (ret < 0) {
			drm_err("%s: cannot start the CUSE session: %s", d.nodes[i].name,
				strerror(-ret));
			goto out_shutdown;
		}
	}

	ret = wait_nodes(&d, &set);
	if (ret > 0) {
		status = 0; /* a signal during start-up: an orderly stop */
		goto out_shutdown;
	}
	if (ret < 0)
		goto out_shutdown;
	if (cd_sysfs_create(&d) < 0)
		goto out_shutdown;
	for (unsigned int i = 0; i < d.nnodes; i++)
		set_node_access(&d.nodes[i]);
	ret = cd_side_channel_start(&d);
	if (ret < 0) {
		drm_err("cannot start the side-channel thread: %s", strerror(-ret));
		goto out_shutdown;
	}

	for (unsigned int i = 0; i < d.nnodes; i++)
		drm_info("serving /dev/dri/%s (%u:%u) with driver %s", d.nodes[i].name,
			 major(d.nodes[i].rdev), minor(d.nodes[i].rdev), d.driver_name);

	for (;;) {
		int sig = wait_signal(&set, 200);

		if (sig) {
			drm_info("%s: shutting down", strsignal(sig));
			status = 0;
			break;
		}
		if (atomic_load(&d.node_failed)) {
			drm_err("a CUSE session ended unexpectedly; shutting down");
			break;
		}
	}

out_shutdown:
	shutdown_daemon(&d);
out_device:
	pthread_cond_destroy(&d.ready_cond);
	pthread_mutex_destroy(&d.lock);
	drm_device_destroy(d.dev);
	drm_platform_linux_pci_close(pci);
	return status;
}
