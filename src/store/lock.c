/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"

lm_hr lm_state_lock(const char *dir, int *fd, struct lm_err *err)
{
	char path[PATH_MAX];

	*fd = -1;
	snprintf(path, sizeof path, "%s/lock", dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return lm_err_set(err, lm_hr_from_errno(errno), "cannot open lock %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return LM_S_OK;
	close(*fd);
	*fd = -1;
	if (errno == EWOULDBLOCK)
		return lm_err_set(err, LM_VDS_E_ANOTHER_CALL_IN_PROGRESS,
				  "another process holds the lock of %s", dir);
	return lm_err_set(err, lm_hr_from_errno(errno), "cannot lock %s: %s", path, strerror(errno));
}
