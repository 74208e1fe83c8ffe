/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "run.h"

struct buf {
	char *v;
	size_t n, cap;
	int lost; /* a read could not be kept: v is incomplete */
};

static int buf_read(int fd, struct buf *b)
{
	char tmp[4096];
	ssize_t got = read(fd, tmp, sizeof tmp);

	if (got <= 0)
		return got == 0 || errno != EINTR ? 0 : 1;
	if (b->n + (size_t)got + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 8192;
		while (ncap < b->n + (size_t)got + 1)
			ncap *= 2;
		char *nv = realloc(b->v, ncap);
		if (!nv) {
			/* keep draining (a full pipe would block the program
			 * until its deadline) but say the text is incomplete: a
			 * cut listing parses as a smaller stack */
			b->lost = 1;
			return 1;
		}
		b->v = nv;
		b->cap = ncap;
	}
	memcpy(b->v + b->n, tmp, (size_t)got);
	b->n += (size_t)got;
	b->v[b->n] = '\0';
	return 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* posix_spawn, not fork: glibc spawns with CLONE_VM|CLONE_VFORK, so the
 * cost does not grow with lunmapd's size (fork copies its page tables:
 * measured at 100,000 LUNs, see docs/benchmarks.md). No shell: argv[0] is
 * run as it is, with argv. */
static int spawn(char *const argv[], int out[2], int err[2], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0) ||
	     posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO) ||
	     posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO) ||
	     posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		errno = rc;
	return rc ? -1 : 0;
}

int lm_run(char *const argv[], unsigned timeout_ms, struct lm_run_result *r)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, ws, open_fds = 2, rc = -1;
	struct buf bo = { 0 }, be = { 0 };
	long deadline = now_ms() + (long)timeout_ms;
	pid_t pid;

	memset(r, 0, sizeof *r);
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		goto out;
	if (spawn(argv, out, err, &pid) != 0)
		goto out;
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	while (open_fds) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
		long left = deadline - now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			r->timed_out = 1;
			break;
		}
		if (poll(p, 2, (int)left) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!buf_read(p[i].fd, i ? &be : &bo)) {
				close(p[i].fd);
				*(i ? &err[0] : &out[0]) = -1;
				open_fds--;
			}
		}
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	r->lost = bo.lost || be.lost;
	r->out = bo.v ? bo.v : strdup("");
	r->errout = be.v ? be.v : strdup("");
	bo.v = be.v = NULL;
	if (!r->out || !r->errout) {
		lm_run_result_free(r);
		errno = ENOMEM;
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	free(bo.v);
	free(be.v);
	return rc;
}

void lm_run_result_free(struct lm_run_result *r)
{
	free(r->out);
	free(r->errout);
	r->out = r->errout = NULL;
}
