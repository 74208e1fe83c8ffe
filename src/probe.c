/* SPDX-License-Identifier: BSD-3-Clause */
/* What a LUN's backing store is worth: its size, or failed. */
#include "config.h"

#include <errno.h>
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
	if (S_ISREG(sb.st_mode)) {
		l->size = (uint64_t)sb.st_size;
		return 0;
	}
	if (!S_ISBLK(sb.st_mode))
		return ENOTBLK; /* neither a file nor a block device */
	return ioctl(fd, BLKGETSIZE64, &l->size) == 0 ? 0 : errno;
}

void lm_lun_probe(struct lm_lun *l)
{
	int fd = open(l->path, O_RDONLY | O_CLOEXEC);

	l->size = 0;
	l->probe_errno = fd < 0 ? errno : probe(fd, l);
	if (fd >= 0)
		close(fd);
	l->status = l->probe_errno ? LM_FAILED : LM_ONLINE;
	if (l->probe_errno)
		l->size = 0;
}
