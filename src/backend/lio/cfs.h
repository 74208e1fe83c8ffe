/* SPDX-License-Identifier: BSD-3-Clause */
/* configfs operations for the LIO backend, under a deadline (design §5,
 * time rules): none starts once the deadline has passed; it fails with
 * ETIMEDOUT instead, which lm_cfs_fail reports as ERROR_TIMEOUT naming
 * the operation. What cannot be bounded: an operation already started
 * that blocks in the kernel (a configfs write waits for the device, for
 * instance a backstore's enable opening a file on a hung NFS mount)
 * returns when the kernel lets it. */
#ifndef LUNMAP_LIO_CFS_H
#define LUNMAP_LIO_CFS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hresult.h"

struct lm_cfs {
	long long deadline; /* absolute (deadline.h), or LM_NO_DEADLINE */
};

/* Whether the deadline has passed (errno ETIMEDOUT then). */
bool lm_cfs_late(const struct lm_cfs *c);

void lm_cfs_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int lm_cfs_mkdir(const struct lm_cfs *c, const char *path);
/* configfs makes default groups itself; a plain folder (the unit tests')
 * needs them made: EEXIST is success here. */
int lm_cfs_mkdir_group(const struct lm_cfs *c, const char *path);
int lm_cfs_rmdir(const struct lm_cfs *c, const char *path);
int lm_cfs_symlink(const struct lm_cfs *c, const char *to, const char *link);
int lm_cfs_unlink(const struct lm_cfs *c, const char *path);
DIR *lm_cfs_opendir(const struct lm_cfs *c, const char *path);
/* The link's text, NUL-terminated; -1 when it is no link. */
ssize_t lm_cfs_readlink(const struct lm_cfs *c, const char *path, char *buf, size_t len);
/* One write of value and a newline: configfs hands every write() to the
 * attribute on its own. */
int lm_cfs_write(const struct lm_cfs *c, const char *path, const char *value);
/* The attribute's bytes as they are (at most len - 1, NUL-terminated):
 * their count, or -1. Never waits for a writer (O_NONBLOCK). */
ssize_t lm_cfs_read_raw(const struct lm_cfs *c, const char *path, char *buf, size_t len);
/* The attribute's text without its trailing newlines and NULs. */
int lm_cfs_read(const struct lm_cfs *c, const char *path, char *buf, size_t len);
/* Whether the attribute (path, or name in dir) reads as want. */
bool lm_cfs_value_is(const struct lm_cfs *c, const char *path, const char *want);
bool lm_cfs_attr_is(const struct lm_cfs *c, const char *dir, const char *name, const char *want);
/* The text of the first symlink in a folder, or "" (a lun_N or mapped
 * LUN folder without its link: half made). */
void lm_cfs_first_link(const struct lm_cfs *c, const char *dir, char *to, size_t len);
/* Whether the path exists (no: also when it cannot be looked at in time). */
bool lm_cfs_exists(const struct lm_cfs *c, const char *path);

/* Folder names: a target's or initiator's (iqn., eui., naa.), and a
 * LUN's (lun_N, N into number). */
bool lm_cfs_is_target_name(const char *s);
bool lm_cfs_is_lun_dir(const char *name, uint32_t *number);

/* "configfs: cannot WHAT PATH: what errno means for a target (strerror)",
 * as the HRESULT of errno. */
lm_hr lm_cfs_fail(struct lm_err *err, const char *what, const char *path);

#endif
