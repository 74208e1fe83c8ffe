/* SPDX-License-Identifier: BSD-3-Clause */
/* What lets a backend read its stack's listing whatever an initiator
 * sends (design §5, untrusted bytes): the state folder's secret, from
 * which tgt makes the anchor it binds to every target lunmap manages. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "anchor.h"

static bool hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int read_key(const char *path, char key[33])
{
	char buf[40];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 32)
		return -1;
	buf[32] = '\0';
	if (!hex32(buf))
		return -1;
	memcpy(key, buf, 33);
	return 0;
}

/* A new secret, written whole before it is used (O_EXCL: two starts at
 * once keep the first one's). */
static int make_key(const char *path, char key[33])
{
	unsigned char raw[16];
	char line[34];
	int fd;
	bool ok;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return -1;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(line + 2 * i, 3, "%02x", raw[i]);
	line[32] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? read_key(path, key) : -1;
	ok = write(fd, line, 33) == 33 && fsync(fd) == 0;
	if (close(fd) != 0 || !ok) {
		unlink(path);
		return -1;
	}
	memcpy(key, line, 32);
	key[32] = '\0';
	return 0;
}

bool lm_anchor_key(const char *dir, char key[33], char *why, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, LM_ANCHOR_KEY_FILE);
	key[0] = '\0';
	if (read_key(path, key) == 0 || make_key(path, key) == 0)
		return true;
	key[0] = '\0';
	snprintf(why, len, "no secret in %s (%s): the listing of a target an initiator holds a "
		 "session to cannot be read for certain", path, strerror(errno));
	return false;
}
