/*
 * session.c - CUSE sessions and the file operations of a DRM node.
 *
 * One libfuse CUSE session per node, each in its own thread running
 * fuse_session_loop_mt().  The operations mirror the kernel's drm_fops
 * (drm_file.c): open -> drm_open, release -> drm_release, read -> drm_read,
 * poll -> drm_poll, ioctl -> drm_ioctl (ioctl.c).  There is no mmap: CUSE
 * cannot carry it, the client shim and side_channel.c do (DESIGN.md
 * decision 6).
 *
 * Blocking never holds a thread (DESIGN.md decision 4): a blocking read with
 * no event pending is parked on its file and answered from the core's event
 * notification, or with EINTR when the client is interrupted.
 */
#include "cuse_drm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform.h"

/** Largest read(2) served at once; DRM events are at most a few dozen bytes. */
#define CD_READ_MAX (64 * 1024)

static struct cd_node *req_node(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct cd_file *fi_file(const struct fuse_file_info *fi)
{
	return (struct cd_file *)(uintptr_t)fi->fh;
}

/* CAP_SYS_ADMIN, the capability drm checks with capable() (linux/capability.h). */
#define CD_CAP_SYS_ADMIN 21

/*
 * capable(CAP_SYS_ADMIN) for the calling thread: its effective capability set
 * from /proc/<tid>/status.  A thread that is already gone falls back to uid 0.
 */
static bool cd_caller_capable(const struct drm_caller *caller)
{
	char path[64], line[256];
	unsigned long long capeff;
	bool found = false, ret = caller->uid == 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)caller->pid);
	f = fopen(path, "re");
	if (!f)
		return ret;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &capeff) == 1;
	fclose(f);
	return found ? (capeff >> CD_CAP_SYS_ADMIN) & 1 : ret;
}

void cd_caller_from_req(fuse_req_t req, struct drm_caller *caller)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	caller->pid = (int32_t)ctx->pid;
	caller->uid = (uint32_t)ctx->uid;
	caller->gid = (uint32_t)ctx->gid;
	caller->privileged = ctx->uid == 0;
	caller->capable = cd_caller_capable;
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static void file_free(struct cd_file *f)
{
	drm_file_set_event_notify(f->dfile, NULL, NULL);
	drm_device_lock(f->node->d->dev);
	cd_file_fences_clear(f);
	cd_stage_clear(f);
	drm_device_unlock(f->node->d->dev);
	drm_file_release(f->dfile);
	free(f);
}

void cd_file_put(struct cd_file *f)
{
	struct cd_daemon *d = f->node->d;
	bool last;

	pthread_mutex_lock(&d->lock);
	last = --f->refs == 0;
	if (last) {
		f->prev->next = f->next;
		f->next->prev = f->prev;
	}
	pthread_mutex_unlock(&d->lock);
	if (last)
		file_free(f);
}

/*
 * Answer parked reads of @f from the event queue.  Called with d->lock held
 * and, via on_event(), with the core's device lock held, so drm_read() here
 * re-enters the recursive device lock and cannot deadlock.
 */
static void complete_parked_reads_locked(struct cd_file *f)
{
	while (f->reads) {
		struct cd_parked_read *pr = f->reads;
		char buf[CD_READ_MAX];
		long n = drm_read(f->dfile, buf, pr->size);

		if (n == -EAGAIN)
			return;
		f->reads = pr->next;
		if (n < 0)
			fuse_reply_err(pr->req, (int)-n);
		else
			fuse_reply_buf(pr->req, buf, (size_t)n);
		free(pr);
	}
}

/* drm_file_set_event_notify() callback: the core holds its device lock. */
static void on_event(void *ctx)
{
	struct cd_file *f = ctx;
	struct cd_daemon *d = f->node->d;

	pthread_mutex_lock(&d->lock);
	f->event_seq++;
	if (!f->released) {
		complete_parked_reads_locked(f);
		if (f->ph)
			fuse_lowlevel_notify_poll(f->ph);
	}
	pthread_mutex_unlock(&d->lock);
}

static void cd_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct cd_node *node = req_node(req);
	struct cd_daemon *d = node->d;
	struct drm_caller caller;
	struct cd_file *f;
	int ret;

	if (atomic_load(&d->stopping)) {
		fuse_reply_err(req, ENODEV);
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	cd_caller_from_req(req, &caller);
	f->node = node;
	f->uid = caller.uid;
	f->refs = 1;
	ret = drm_platform_random(f->token, sizeof(f->token));
	if (ret == 0)
		ret = drm_file_open(d->dev, node->type, &caller, &f->dfile);
	if (ret < 0) {
		free(f);
		fuse_reply_err(req, -ret);
		return;
	}
	drm_file_set_event_notify(f->dfile, on_event, f);

	pthread_mutex_lock(&d->lock);
	f->next = &d->files;
	f->prev = d->files.prev;
	d->files.prev->next = f;
	d->files.prev = f;
	pthread_mutex_unlock(&d->lock);

	fi->fh = (uint64_t)(uintptr_t)f;
	fi->nonseekable = 1;
	drm_dbg("%s: open by pid %d uid %u", node->name, caller.pid, caller.uid);
	if (fuse_reply_open(req, fi) != 0) {
		/* The opener went away before seeing the reply: no release will come. */
		pthread_mutex_lock(&d->lock);
		f->released = true;
		pthread_mutex_unlock(&d->lock);
		cd_file_put(f);
	}
}

/*
 * Mark @f released and take its parked reads and poll handle; called with
 * d->lock held, which it drops.  The reads are then failed with @err and the
 * poll handle destroyed, outside the lock (fuse replies may block).
 */
static void file_detach(struct cd_file *f, int err)
{
	struct cd_parked_read *reads = f->reads;
	struct fuse_pollhandle *ph = f->ph;

	f->released = true;
	f->reads = NULL;
	f->ph = NULL;
	pthread_mutex_unlock(&f->node->d->lock);
	while (reads) {
		struct cd_parked_read *pr = reads;

		reads = pr->next;
		fuse_reply_err(pr->req, err);
		free(pr);
	}
	if (ph)
		fuse_pollhandle_destroy(ph);
}

static void cd_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct cd_file *f = fi_file(fi);
	struct cd_daemon *d = f->node->d;

	pthread_mutex_lock(&d->lock);
	/* A read holds the struct file, so none can be parked; be safe anyway. */
	file_detach(f, EBADF);
	drm_dbg("%s: release", f->node->name);
	cd_file_put(f);
	fuse_reply_err(req, 0);
}

/*
 * FUSE interrupt callback of a parked read: answer EINTR, as the kernel's
 * wait_event_interruptible() in drm_read() does.  libfuse calls it with the
 * request's own lock held and keeps @req alive for the call; the read may
 * have been answered meanwhile, so look it up rather than trust @req.
 */
static void read_interrupted(fuse_req_t req, void *data)
{
	struct cd_daemon *d = data;
	struct cd_parked_read *found = NULL;

	pthread_mutex_lock(&d->lock);
	for (struct cd_file *f = d->files.next; f != &d->files && !found; f = f->next) {
		for (struct cd_parked_read **p = &f->reads; *p; p = &(*p)->next) {
			if ((*p)->req == req) {
				found = *p;
				*p = found->next;
				break;
			}
		}
	}
	if (found)
		fuse_reply_err(req, EINTR);
	pthread_mutex_unlock(&d->lock);
	free(found);
}

static void cd_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct cd_file *f = fi_file(fi);
	struct cd_daemon *d = f->node->d;
	struct cd_parked_read *pr = NULL;
	char buf[CD_READ_MAX];
	bool registered = false;

	(void)off;
	if (size > sizeof(buf))
		size = sizeof(buf);

	for (;;) {
		uint64_t seq;
		long n;

		pthread_mutex_lock(&d->lock);
		seq = f->event_seq;
		pthread_mutex_unlock(&d->lock);

		n = drm_read(f->dfile, buf, size);
		if (n != -EAGAIN) {
			free(pr);
			if (n < 0)
				fuse_reply_err(req, (int)-n);
			else
				fuse_reply_buf(req, buf, (size_t)n);
			return;
		}
		if (fi->flags & O_NONBLOCK) {
			free(pr);
			fuse_reply_err(req, EAGAIN);
			return;
		}
		if (!pr) {
			pr = calloc(1, sizeof(*pr));
			if (!pr) {
				fuse_reply_err(req, ENOMEM);
				return;
			}
			pr->req = req;
			pr->size = size;
		}
		if (!registered) {
			/*
			 * Register before parking: once parked, the event
			 * path may answer and free @req at any moment.  If
			 * the client was interrupted already, the callback
			 * runs now, finds nothing parked, and the check
			 * below answers EINTR.
			 */
			fuse_req_interrupt_func(req, read_interrupted, d);
			registered = true;
		}

		pthread_mutex_lock(&d->lock);
		if (fuse_req_interrupted(req)) {
			pthread_mutex_unlock(&d->lock);
			free(pr);
			fuse_reply_err(req, EINTR);
			return;
		}
		if (f->event_seq != seq) {
			/* An event came after drm_read() looked: look again. */
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		{
			struct cd_parked_read **tail = &f->reads;

			while (*tail)
				tail = &(*tail)->next;
			*tail = pr;
		}
		pthread_mutex_unlock(&d->lock);
		return;
	}
}

static void cd_write(fuse_req_t req, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	(void)buf, (void)size, (void)off, (void)fi;
	/* drm_fops has no .write: vfs_write() answers EINVAL. */
	fuse_reply_err(req, EINVAL);
}

static void cd_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct cd_file *f = fi_file(fi);
	struct cd_daemon *d = f->node->d;
	unsigned int revents = 0;

	if (ph) {
		struct fuse_pollhandle *old;

		/* Store the handle before asking the core: no event is missed. */
		pthread_mutex_lock(&d->lock);
		old = f->ph;
		f->ph = ph;
		pthread_mutex_unlock(&d->lock);
		if (old)
			fuse_pollhandle_destroy(old);
	}
	if (drm_poll(f->dfile))
		revents = POLLIN | POLLRDNORM;
	fuse_reply_poll(req, revents);
}

static void cd_init_done(void *userdata)
{
	struct cd_node *node = userdata;

	atomic_store(&node->init_done, true);
	drm_dbg("%s: CUSE device created", node->name);
}

static const struct cuse_lowlevel_ops cd_ops = {
	.init_done = cd_init_done,
	.open = cd_open,
	.read = cd_read,
	.write = cd_write,
	.release = cd_release,
	.ioctl = cd_ioctl,
	.poll = cd_poll,
};

/* ------------------------------------------------------------------ */
/* Sessions                                                            */
/* ------------------------------------------------------------------ */

/* SIGUSR1 only interrupts sem_wait() in fuse_session_loop_mt(); see cd_session_stop(). */
static void wake_handler(int sig)
{
	(void)sig;
}

static void *session_thread(void *arg)
{
	struct cd_node *node = arg;
	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	int ret;

	if (!cfg) {
		node->loop_ret = -ENOMEM;
	} else {
		fuse_loop_cfg_set_clone_fd(cfg, 0);
		ret = fuse_session_loop_mt(node->se, cfg);
		fuse_loop_cfg_destroy(cfg);
		node->loop_ret = ret;
	}
	atomic_store(&node->loop_ended, true);
	if (!atomic_load(&node->d->stopping)) {
		/* The kernel ended the connection (e.g. DEVNAME clash) or a loop error. */
		atomic_store(&node->d->node_failed, true);
	}
	return NULL;
}

static void install_wake_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wake_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: sem_wait() must return EINTR */
	sigaction(SIGUSR1, &sa, NULL);
}

int cd_session_start(struct cd_node *node, int cuse_fd)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char devname[64], mnt[32];
	const char *dev_info_argv[] = { devname };
	char *argv[] = { "cuse-drm", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct cuse_info ci = {
		.dev_major = 0,                /* dynamic: drm.ko owns 226 */
		.dev_minor = node->minor,
		.dev_info_argc = 1,
		.dev_info_argv = dev_info_argv,
		.flags = CUSE_UNRESTRICTED_IOCTL,
	};
	int ret;

	pthread_once(&once, install_wake_handler);

	snprintf(devname, sizeof(devname), "DEVNAME=dri/%s", node->name);
	node->se = cuse_lowlevel_new(&args, &ci, &cd_ops, node);
	fuse_opt_free_args(&args);
	if (!node->se) {
		close(cuse_fd);
		return -ENOMEM;
	}
	/* libfuse's way to adopt an already opened device fd (fuse_session_mount). */
	snprintf(mnt, sizeof(mnt), "/dev/fd/%d", cuse_fd);
	if (fuse_session_mount(node->se, mnt) != 0) {
		fuse_session_destroy(node->se);
		node->se = NULL;
		close(cuse_fd);
		return -EIO;
	}
	node->fuse_fd = cuse_fd;
	ret = pthread_create(&node->thread, NULL, session_thread, node);
	if (ret != 0) {
		fuse_session_destroy(node->se); /* closes cuse_fd */
		node->se = NULL;
		return -ret;
	}
	node->thread_started = true;
	return 0;
}

void cd_session_stop(struct cd_node *node)
{
	if (!node->thread_started)
		return;
	fuse_session_exit(node->se);
	/*
	 * fuse_session_loop_mt() waits in sem_wait() and rechecks
	 * fuse_session_exited() when interrupted; it then cancels its workers
	 * (blocked in read(2) of /dev/cuse) and joins them.  A signal sent
	 * just before sem_wait() would be lost, so repeat until it is done.
	 */
	for (;;) {
		struct timespec ts;

		if (atomic_load(&node->loop_ended)) {
			pthread_join(node->thread, NULL);
			break;
		}
		pthread_kill(node->thread, SIGUSR1);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(node->thread, NULL, &ts) == 0)
			break;
	}
	node->thread_started = false;
}

void cd_session_destroy(struct cd_node *node)
{
	if (!node->se)
		return;
	fuse_session_destroy(node->se); /* closes /dev/cuse: the node disappears */
	node->se = NULL;
}

void cd_files_release_all(struct cd_daemon *d)
{
	for (;;) {
		struct cd_file *f;

		pthread_mutex_lock(&d->lock);
		for (f = d->files.next; f != &d->files && f->released; f = f->next)
			;
		if (f == &d->files) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		file_detach(f, ENODEV);
		cd_file_put(f); /* the reference of the open the kernel will never release */
	}
}
