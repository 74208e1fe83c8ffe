/* SPDX-License-Identifier: BSD-3-Clause */
/* configfs operations under a deadline (cfs.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfs.h"
#include "deadline.h"
#include "valid.h"

bool lm_cfs_late(const struct lm_cfs *c)
{
	if (c->deadline == LM_NO_DEADLINE || lm_ms_left(c->deadline) > 0)
		return false;
	errno = ETIMEDOUT;
	return true;
}

void lm_cfs_path(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
}

int lm_cfs_mkdir(const struct lm_cfs *c, const char *path)
{
	return lm_cfs_late(c) ? -1 : mkdir(path, 0755);
}

int lm_cfs_mkdir_group(const struct lm_cfs *c, const char *path)
{
	return lm_cfs_mkdir(c, path) == 0 || errno == EEXIST ? 0 : -1;
}

int lm_cfs_rmdir(const struct lm_cfs *c, const char *path)
{
	return lm_cfs_late(c) ? -1 : rmdir(path);
}

int lm_cfs_symlink(const struct lm_cfs *c, const char *to, const char *link)
{
	return lm_cfs_late(c) ? -1 : symlink(to, link);
}

int lm_cfs_unlink(const struct lm_cfs *c, const char *path)
{
	return lm_cfs_late(c) ? -1 : unlink(path);
}

DIR *lm_cfs_opendir(const struct lm_cfs *c, const char *path)
{
	return lm_cfs_late(c) ? NULL : opendir(path);
}

ssize_t lm_cfs_readlink(const struct lm_cfs *c, const char *path, char *buf, size_t len)
{
	ssize_t n = lm_cfs_late(c) ? -1 : readlink(path, buf, len - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int lm_cfs_write(const struct lm_cfs *c, const char *path, const char *value)
{
	size_t n = strlen(value);
	char *line = malloc(n + 2);
	int fd = -1, rc = -1, e = ENOMEM;

	if (!line || lm_cfs_late(c))
		goto out;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	memcpy(line, value, n);
	line[n] = '\n';
	rc = write(fd, line, n + 1) == (ssize_t)(n + 1) ? 0 : -1;
out:
	e = errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		rc = -1;
		e = errno;
	}
	free(line);
	errno = e;
	return rc;
}

ssize_t lm_cfs_read_raw(const struct lm_cfs *c, const char *path, char *buf, size_t len)
{
	int fd = lm_cfs_late(c) ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int lm_cfs_read(const struct lm_cfs *c, const char *path, char *buf, size_t len)
{
	ssize_t n = lm_cfs_read_raw(c, path, buf, len);

	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	return 0;
}

bool lm_cfs_value_is(const struct lm_cfs *c, const char *path, const char *want)
{
	char v[PATH_MAX];

	return lm_cfs_read(c, path, v, sizeof v) == 0 && strcmp(v, want) == 0;
}

bool lm_cfs_attr_is(const struct lm_cfs *c, const char *dir, const char *name, const char *want)
{
	char path[PATH_MAX];

	lm_cfs_path(path, "%s/%s", dir, name);
	return lm_cfs_value_is(c, path, want);
}

void lm_cfs_first_link(const struct lm_cfs *c, const char *dir, char *to, size_t len)
{
	DIR *d = lm_cfs_opendir(c, dir);
	struct dirent *e;

	to[0] = '\0';
	while (d && !to[0] && (e = readdir(d))) {
		char link[PATH_MAX];
		lm_cfs_path(link, "%s/%s", dir, e->d_name);
		if (lm_cfs_readlink(c, link, to, len) < 0)
			to[0] = '\0';
	}
	if (d)
		closedir(d);
}

bool lm_cfs_exists(const struct lm_cfs *c, const char *path)
{
	struct stat sb;

	return !lm_cfs_late(c) && lstat(path, &sb) == 0;
}

bool lm_cfs_is_target_name(const char *s)
{
	return !strncmp(s, "iqn.", 4) || !strncmp(s, "eui.", 4) || !strncmp(s, "naa.", 4);
}

bool lm_cfs_is_lun_dir(const char *name, uint32_t *number)
{
	unsigned long long n;

	if (strncmp(name, "lun_", 4) != 0 || !lm_parse_u64(name + 4, strlen(name + 4), UINT32_MAX, &n))
		return false;
	*number = (uint32_t)n;
	return true;
}

/* configfs answers with an errno; say what it means for a target. */
static const char *meaning(int e)
{
	switch (e) {
	case ENOENT: return "it does not exist (removed behind lunmap's back?)";
	case EEXIST: return "it already exists";
	case EBUSY: return "it is in use";
	case EINVAL: return "LIO refused the value";
	case ENODEV: return "no such device (is the target module loaded?)";
	case EACCES:
	case EPERM: return "permission denied";
	case ENOTEMPTY: return "it is not empty";
	case ENOSPC: return "no room left";
	default: return "configfs refused";
	}
}

lm_hr lm_cfs_fail(struct lm_err *err, const char *what, const char *path)
{
	int e = errno;

	if (e == ETIMEDOUT)
		return lm_err_set(err, LM_HR_TIMEOUT,
				  "configfs: did not %s %s: the deadline had passed (nothing was "
				  "started after it)", what, path);
	return lm_err_set(err, lm_hr_from_errno(e), "configfs: cannot %s %s: %s (%s)", what, path,
			  meaning(e), strerror(e));
}
