/*
 * perm_matrix - one row of the permission matrix (tests/python/test_permission_matrix.py):
 * every DRM_IOCTL_* of libdrm's drm.h, called with a zeroed argument of its size, by one
 * role, printing "NAME ERRNO-NAME" (or "NAME OK") per ioctl.  The same program runs on the
 * kernel's driver and on ours; the test compares the tables.
 *
 * usage: perm_matrix CARD RENDER ROLE
 *   master        root, the card's master (first opener; SET_MASTER to make sure)
 *   root          root, a second open of the card while the master is held (authenticated
 *                 by CAP_SYS_ADMIN, as drm_open_helper() does for root)
 *   user          uid/gid 65534 with group video (44), a second open of the card while root
 *                 holds master: not master, not authenticated
 *   user-auth     as user, then authenticated by the master (GET_MAGIC, AUTH_MAGIC)
 *   render        uid 65534 on the render node
 *   render-root   root on the render node
 * The state changers (SET_MASTER, DROP_MASTER) come last.  Zeroed arguments name fd 0: the
 * caller gives us /dev/null there.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#include "perm_ioctls.h" /* generated from drm.h: { "NAME", DRM_IOCTL_NAME }, ... */

static const char *errname(int e)
{
	static char buf[16];
	const char *n = strerrorname_np(e);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "perm_matrix: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void become_user(void)
{
	gid_t groups[] = { 44 }; /* video: Debian's udev rules give cardN root:video 0660 */

	if (setgroups(1, groups) || setgid(65534) || setuid(65534)) {
		perror("perm_matrix: drop root");
		exit(2);
	}
}

static void run(int fd, const struct perm_ioctl *p)
{
	unsigned char arg[4096];
	int ret;

	memset(arg, 0, sizeof(arg));
	ret = ioctl(fd, p->nr, _IOC_SIZE(p->nr) ? (void *)arg : NULL);
	printf("%s %s\n", p->name, ret < 0 ? errname(errno) : "OK");
}

int main(int argc, char **argv)
{
	const char *role;
	int master = -1, fd;
	size_t n = sizeof(perm_ioctls) / sizeof(perm_ioctls[0]);

	if (argc != 4)
		return 2;
	role = argv[3];
	if (strncmp(role, "render", 6) != 0) {
		master = open_or_die(argv[1]);
		ioctl(master, DRM_IOCTL_SET_MASTER, NULL);
	}
	if (strcmp(role, "master") == 0) {
		fd = master;
	} else if (strcmp(role, "root") == 0) {
		fd = open_or_die(argv[1]);
	} else if (strcmp(role, "user") == 0 || strcmp(role, "user-auth") == 0) {
		pid_t pid;
		int c2p[2], p2c[2];

		/* The master stays with root in the parent; the child drops root and opens. */
		if (pipe(c2p) || pipe(p2c))
			return 2;
		pid = fork();
		if (pid == 0) {
			struct drm_auth auth = { 0 };
			char ok;

			close(c2p[0]);
			close(p2c[1]);
			become_user();
			fd = open_or_die(argv[1]);
			if (strcmp(role, "user-auth") == 0) {
				if (ioctl(fd, DRM_IOCTL_GET_MAGIC, &auth) < 0)
					return 2;
				if (write(c2p[1], &auth.magic, sizeof(auth.magic)) != sizeof(auth.magic) ||
				    read(p2c[0], &ok, 1) != 1)
					return 2;
			}
			for (size_t i = 0; i < n; i++)
				run(fd, &perm_ioctls[i]);
			return 0;
		}
		close(c2p[1]);
		close(p2c[0]);
		if (strcmp(role, "user-auth") == 0) {
			struct drm_auth auth = { 0 };
			char ok = 1;

			/* A child that failed closed its end: read() sees 0 and we stop. */
			if (read(c2p[0], &auth.magic, sizeof(auth.magic)) != sizeof(auth.magic) ||
			    ioctl(master, DRM_IOCTL_AUTH_MAGIC, &auth) < 0 || write(p2c[1], &ok, 1) != 1) {
				perror("perm_matrix: AUTH_MAGIC");
				return 2;
			}
		}
		close(p2c[1]);
		{
			int status = 0;

			if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
				return 2;
		}
		return 0;
	} else if (strcmp(role, "render") == 0) {
		become_user();
		fd = open_or_die(argv[2]);
	} else if (strcmp(role, "render-root") == 0) {
		fd = open_or_die(argv[2]);
	} else {
		fprintf(stderr, "perm_matrix: unknown role %s\n", role);
		return 2;
	}
	for (size_t i = 0; i < n; i++)
		run(fd, &perm_ioctls[i]);
	return 0;
}
