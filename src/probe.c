/* What a LUN's backing store is worth: its size, or failed. */
#include "config.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

void lm_lun_probe(struct lm_lun *l)
{
	struct stat sb;
	int fd = open(l->path, O_RDONLY | O_CLOEXEC);

	l->status = LM_FAILED;
	l->size = 0;
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0) {
		if (S_ISREG(sb.st_mode)) {
			l->size = (uint64_t)sb.st_size;
			l->status = LM_ONLINE;
		} else if (S_ISBLK(sb.st_mode) && ioctl(fd, BLKGETSIZE64, &l->size) == 0) {
			l->status = LM_ONLINE;
		}
	}
	close(fd);
}
