/* SPDX-License-Identifier: BSD-3-Clause */
/* What a LUN's backing store is worth: its size, or failed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* enough for open, fstat and an ioctl */
#define LM_PROBE_STACK (64 * 1024)

struct lm_probe_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs; /* the thread's and the waiter's (then the LUN's) */
	bool done;
	char *path;
	int err;
	unsigned mode;
	uint64_t size;
};

/* 0 and the size, or the errno saying why the store is no good */
static int probe_fd(int fd, unsigned *mode, uint64_t *size)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return errno;
	*mode = sb.st_mode;
	if (S_ISREG(sb.st_mode)) {
		*size = (uint64_t)sb.st_size;
		return 0;
	}
	if (!S_ISBLK(sb.st_mode))
		return ENOTBLK; /* neither a file nor a block device */
	return ioctl(fd, BLKGETSIZE64, size) == 0 ? 0 : errno;
}

/* O_NONBLOCK opens a FIFO without a writer at once (a plain open would
 * wait for one), and the type is read before anything else is. */
static void probe_path(const char *path, int *err, unsigned *mode, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	*mode = 0;
	*size = 0;
	*err = fd < 0 ? errno : probe_fd(fd, mode, size);
	if (fd >= 0)
		close(fd);
}

void lm_probe_job_put(struct lm_probe_job *j)
{
	int left;

	pthread_mutex_lock(&j->mu);
	left = --j->refs;
	pthread_mutex_unlock(&j->mu);
	if (left)
		return;
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j->path);
	free(j);
}

static void *probe_thread(void *arg)
{
	struct lm_probe_job *j = arg;
	int err;
	unsigned mode;
	uint64_t size;

	probe_path(j->path, &err, &mode, &size);
	pthread_mutex_lock(&j->mu);
	j->err = err;
	j->mode = mode;
	j->size = size;
	j->done = true;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	lm_probe_job_put(j);
	return NULL;
}

static struct lm_probe_job *job_new(const char *path)
{
	struct lm_probe_job *j = calloc(1, sizeof *j);
	pthread_condattr_t ca;

	if (!j || !(j->path = strdup(path))) {
		free(j);
		return NULL;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 2;
	return j;
}

static bool job_start(struct lm_probe_job *j)
{
	pthread_attr_t a;
	pthread_t th;
	int rc;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, LM_PROBE_STACK);
	rc = pthread_create(&th, &a, probe_thread, j);
	pthread_attr_destroy(&a);
	return rc == 0;
}

/* Waits for the job until wait_ms have passed: whether it is done. */
static bool job_wait(struct lm_probe_job *j, unsigned wait_ms)
{
	struct timespec end;
	bool done;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += wait_ms / 1000;
	end.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->done && pthread_cond_timedwait(&j->cv, &j->mu, &end) != ETIMEDOUT)
		;
	done = j->done;
	pthread_mutex_unlock(&j->mu);
	return done;
}

static void set_result(struct lm_lun *l, int err, unsigned mode, uint64_t size)
{
	l->probe_errno = err;
	l->probe_mode = mode;
	l->size = err ? 0 : size;
	l->status = err ? LM_FAILED : LM_ONLINE;
}

/* A store that does not answer stops nothing: its probe goes on in its
 * thread, the LUN is failed with ETIMEDOUT, and while that probe has not
 * ended the LUN's next ones answer the same at once (one thread a LUN,
 * not one a request). */
void lm_lun_probe(struct lm_lun *l, unsigned wait_ms)
{
	struct lm_probe_job *j = l->probe_job;
	int err;
	unsigned mode;
	uint64_t size;

	if (j) {
		pthread_mutex_lock(&j->mu);
		bool done = j->done;
		pthread_mutex_unlock(&j->mu);
		if (!done) {
			set_result(l, ETIMEDOUT, 0, 0);
			return;
		}
		lm_probe_job_put(j);
		l->probe_job = NULL;
	}
	j = job_new(l->path);
	if (!j || !job_start(j)) {
		/* no thread to spare: asked here, as before threads */
		if (j) {
			j->refs = 1;
			lm_probe_job_put(j);
		}
		probe_path(l->path, &err, &mode, &size);
		set_result(l, err, mode, size);
		return;
	}
	if (!job_wait(j, wait_ms)) {
		l->probe_job = j; /* the LUN keeps the waiter's reference */
		set_result(l, ETIMEDOUT, 0, 0);
		return;
	}
	set_result(l, j->err, j->mode, j->size);
	lm_probe_job_put(j);
}
static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	return "not a regular file";
}

void lm_lun_probe_reason(const struct lm_lun *l, char *buf, size_t len)
{
	if (l->probe_errno == ENOTBLK && l->probe_mode)
		snprintf(buf, len, "is %s, not a file or block device", kind_of(l->probe_mode));
	else if (l->probe_errno == ETIMEDOUT && l->probe_job)
		snprintf(buf, len, "did not answer in time (a hung mount?); it is asked again once "
				   "that probe ends");
	else
		snprintf(buf, len, "cannot be opened: %s", strerror(l->probe_errno));
}
