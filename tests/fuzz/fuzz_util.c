/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[64];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_dir(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/lunmap-fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(rm_dir);
	}
	return dir;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	return path;
}

char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

const char *fuzz_fresh_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(path, 0755);
	return path;
}

void fuzz_mkdirs(const char *root, const char *path)
{
	char buf[PATH_MAX * 2];

	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

unsigned fuzz_pick(struct fuzz_gen *g, unsigned n)
{
	unsigned v;

	if (!g->n || n <= 1)
		return 0;
	v = *g->p++;
	g->n--;
	return v % n;
}
