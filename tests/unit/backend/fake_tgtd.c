/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake_tgtd.h"

int fake_read_full(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void *server(void *arg)
{
	struct fake_tgtd *t = arg;
	int fd;

	/* accept fails once fake_tgtd_stop shuts the socket down */
	while ((fd = accept(t->lfd, NULL, NULL)) >= 0) {
		t->connections++;
		t->serve(t->arg, fd);
		close(fd);
	}
	return NULL;
}

int fake_tgtd_start(struct fake_tgtd *t, const char *prefix, void (*serve)(void *arg, int fd),
		    void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(t->dir, sizeof t->dir, "/tmp/%s.XXXXXX", prefix);
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof t->path, "%s/socket.0", t->dir);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", t->path);
	t->serve = serve;
	t->arg = arg;
	t->connections = 0;
	t->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (t->lfd < 0 || bind(t->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(t->lfd, 8) != 0 || pthread_create(&t->th, NULL, server, t) != 0)
		return -1;
	return 0;
}

void fake_tgtd_stop(struct fake_tgtd *t)
{
	shutdown(t->lfd, SHUT_RDWR);
	pthread_join(t->th, NULL);
	close(t->lfd);
	unlink(t->path);
	rmdir(t->dir);
}
