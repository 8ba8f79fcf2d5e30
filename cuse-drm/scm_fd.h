/*
 * scm_fd.h - attach one file descriptor to a message as SCM_RIGHTS
 * (unix(7), cmsg(3)).  Shared by the daemon's side channel and the client
 * shim, which pass dma-buf memfds both ways.
 */
#ifndef CUSE_DRM_SCM_FD_H
#define CUSE_DRM_SCM_FD_H

#include <string.h>
#include <sys/socket.h>

/** union cd_scm_one_fd - a control buffer for one fd, aligned for struct cmsghdr. */
union cd_scm_one_fd {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/** cd_msg_attach_fd() - make @msg carry @fd as SCM_RIGHTS, with @ctl as its control buffer. */
static inline void cd_msg_attach_fd(struct msghdr *msg, union cd_scm_one_fd *ctl, int fd)
{
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(*ctl));
	msg->msg_control = ctl->buf;
	msg->msg_controllen = sizeof(ctl->buf);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
}

#endif
