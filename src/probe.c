/* SPDX-License-Identifier: BSD-3-Clause */
/* What a LUN's backing store is worth: its size, or failed. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

/* 0 and the size in l, or the errno saying why the store is no good */
static int probe(int fd, struct lm_lun *l)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return errno;
	l->probe_mode = sb.st_mode;
	if (S_ISREG(sb.st_mode)) {
		l->size = (uint64_t)sb.st_size;
		return 0;
	}
	if (!S_ISBLK(sb.st_mode))
		return ENOTBLK; /* neither a file nor a block device */
	return ioctl(fd, BLKGETSIZE64, &l->size) == 0 ? 0 : errno;
}

/* Never waits: O_NONBLOCK opens a FIFO without a writer at once (a plain
 * open would block lunmapd until someone writes to it), and the type is
 * read before anything else is. */
void lm_lun_probe(struct lm_lun *l)
{
	int fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	l->size = 0;
	l->probe_mode = 0;
	l->probe_errno = fd < 0 ? errno : probe(fd, l);
	if (fd >= 0)
		close(fd);
	l->status = l->probe_errno ? LM_FAILED : LM_ONLINE;
	if (l->probe_errno)
		l->size = 0;
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
	else
		snprintf(buf, len, "cannot be opened: %s", strerror(l->probe_errno));
}
