/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake tgtd for the management client's tests: a thread that accepts on
 * a Unix socket in a fresh folder and hands each connection to the test's
 * serve(), which scripts the answer. */
#ifndef LUNMAP_TEST_FAKE_TGTD_H
#define LUNMAP_TEST_FAKE_TGTD_H

#include <pthread.h>
#include <stddef.h>

struct fake_tgtd {
	char dir[64], path[108]; /* path: DIR/socket.0, as tgtd names it */
	int lfd;
	pthread_t th;
	void (*serve)(void *arg, int fd);
	void *arg;
	int connections; /* accepted so far */
};

/* Listens at DIR/socket.0, DIR a new /tmp/PREFIX.XXXXXX; 0 or -1. */
int fake_tgtd_start(struct fake_tgtd *t, const char *prefix, void (*serve)(void *arg, int fd),
		    void *arg);
/* Stops the thread and removes the socket and its folder. */
void fake_tgtd_stop(struct fake_tgtd *t);
/* Reads exactly n bytes: 0, or -1 at an error or the end. */
int fake_read_full(int fd, void *buf, size_t n);

#endif
