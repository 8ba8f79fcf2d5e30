/*
 * scm_fd.h - attach file descriptors to a message as SCM_RIGHTS
 * (unix(7), cmsg(3)).  Shared by the daemon's side channel and the client
 * shim, which pass dma-buf memfds and sync_files both ways.
 */
#ifndef CUSE_DRM_SCM_FD_H
#define CUSE_DRM_SCM_FD_H

#include <string.h>
#include <sys/socket.h>

#include "cuse_drm_uapi.h"

/** union cd_scm_fds - a control buffer for up to CUSE_DRM_FENCE_FDS_MAX fds, aligned for struct cmsghdr. */
union cd_scm_fds {
	char buf[CMSG_SPACE(CUSE_DRM_FENCE_FDS_MAX * sizeof(int))];
	struct cmsghdr align;
};

/**
 * cd_msg_attach_fds() - make @msg carry @fds[0..@n) (1 <= @n <=
 * CUSE_DRM_FENCE_FDS_MAX) as one SCM_RIGHTS message, with @ctl as its
 * control buffer.
 */
static inline void cd_msg_attach_fds(struct msghdr *msg, union cd_scm_fds *ctl, const int *fds, size_t n)
{
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(*ctl));
	msg->msg_control = ctl->buf;
	msg->msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
}

/** cd_msg_attach_fd() - cd_msg_attach_fds() of the one fd @fd. */
static inline void cd_msg_attach_fd(struct msghdr *msg, union cd_scm_fds *ctl, int fd)
{
	cd_msg_attach_fds(msg, ctl, &fd, 1);
}

#endif
