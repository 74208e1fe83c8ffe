/* SPDX-License-Identifier: BSD-3-Clause */
/* The backstores: one per LUN ("hba/lm-HEX"), made whole with its
 * identity before any link, dropped when no LU uses it; and the one
 * reading of which backstore a lun_N links to, for the steps and the
 * statistics (observe.c) alike. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lio_int.h"
#include "valid.h"

int lm_lio_linked_backstore(const struct lm_cfs *c, const char *lundir, char *out, size_t len)
{
	char to[PATH_MAX], *name, *hba;

	out[0] = '\0';
	lm_cfs_first_link(c, lundir, to, sizeof to);
	if (!to[0])
		return 0;
	name = strrchr(to, '/');
	if (!name)
		return -1;
	*name++ = '\0';
	hba = strrchr(to, '/');
	hba = hba ? hba + 1 : to;
	/* a link's text is untrusted: never let it lead out of core/ */
	if (!lm_valid_component(hba) || !lm_valid_component(name) ||
	    strlen(hba) + strlen(name) + 2 > len)
		return -1;
	strcpy(out, hba);
	strcat(out, "/");
	strcat(out, name);
	return 1;
}

/* The unit serial of a backstore ("hba/name"); configfs shows it as
 * "T10 VPD Unit Serial Number: SERIAL". "" when it has none. */
void lm_lio_serial_of(struct lio *l, const char *bs, char *out, size_t len)
{
	static const char prefix[] = "T10 VPD Unit Serial Number: ";
	char attr[PATH_MAX], text[256];
	const char *sn;

	out[0] = '\0';
	pathf(attr, "%s/core/%s/wwn/vpd_unit_serial", l->conf.configfs, bs);
	if (lm_cfs_read(&l->cfs, attr, text, sizeof text) != 0)
		return;
	sn = strncmp(text, prefix, sizeof prefix - 1) == 0 ? text + sizeof prefix - 1 : text;
	if (strlen(sn) < len)
		strcpy(out, sn);
}

/* How many LUNs export a backstore ("hba/name"): the kernel's own count
 * (statistics/scsi_dev/ports, the device's export count), exact and kept
 * by LIO across a crash of lunmapd; -1 when it cannot be read (then the
 * backstore counts as used). */
static long exports(struct lio *l, const char *bs)
{
	char attr[PATH_MAX], text[32];
	unsigned long long n;

	pathf(attr, "%s/core/%s/statistics/scsi_dev/ports", l->conf.configfs, bs);
	if (lm_cfs_read(&l->cfs, attr, text, sizeof text) != 0 ||
	    !lm_parse_u64(text, strlen(text), 1u << 30, &n))
		return -1;
	return (long)n;
}

/* Whether a backstore "hba/lm-HEX" is whole: enabled, with a path, the
 * unit serial its name says. */
static bool backstore_whole(struct lio *l, const char *bs, const char *path)
{
	char dir[PATH_MAX], v[PATH_MAX], sn[64];
	const char *hex = strrchr(bs, '/') + 1 + strlen(BS_PREFIX);

	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	if (!lm_cfs_attr_is(&l->cfs, dir, "enable", "1"))
		return false;
	pathf(dir, "%s/core/%s/udev_path", l->conf.configfs, bs);
	if (lm_cfs_read(&l->cfs, dir, v, sizeof v) != 0 || v[0] != '/' ||
	    (path && strcmp(v, path) != 0))
		return false;
	lm_lio_serial_of(l, bs, sn, sizeof sn);
	return strcmp(sn, hex) == 0;
}

/* Calls fn for every backstore of lunmap's ("hba/lm-..."). */
lm_hr lm_lio_each_backstore(struct lio *l, lm_hr (*fn)(struct lio *l, const char *bs, void *ctx),
			    void *ctx)
{
	char core[PATH_MAX];
	DIR *d, *h;
	struct dirent *e, *f;
	lm_hr hr = LM_S_OK;

	pathf(core, "%s/core", l->conf.configfs);
	d = lm_cfs_opendir(&l->cfs, core);
	while (d && !lm_failed(hr) && (e = readdir(d))) {
		char hba[PATH_MAX];
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "alua") ||
		    !lm_valid_component(e->d_name))
			continue;
		pathf(hba, "%s/%s", core, e->d_name);
		h = lm_cfs_opendir(&l->cfs, hba);
		while (h && !lm_failed(hr) && (f = readdir(h))) {
			char bs[NAME_MAX * 2 + 2];
			if (strncmp(f->d_name, BS_PREFIX, strlen(BS_PREFIX)) != 0 ||
			    !lm_valid_component(f->d_name))
				continue;
			snprintf(bs, sizeof bs, "%s/%s", e->d_name, f->d_name);
			hr = fn(l, bs, ctx);
		}
		if (h)
			closedir(h);
	}
	if (d)
		closedir(d);
	return hr;
}

/* A backstore of lunmap's that no LU uses is a leftover (a crash between
 * the steps' syscalls, a clean-up that failed), unless keep-backstores
 * keeps it, whole. */
bool lm_lio_leftover(struct lio *l, const char *bs)
{
	return exports(l, bs) == 0 && (!l->conf.keep_backstores || !backstore_whole(l, bs, NULL));
}

/* The backstore of a LUN ("hba/lm-HEX") by what its backing store is. It
 * is opened without waiting (O_NONBLOCK: a FIFO's open would wait for a
 * writer) and must be a regular file or a block device. What cannot be
 * bounded: an open on a hung network mount waits in the kernel. */
lm_hr lm_lio_backstore_of(struct lio *l, const struct lm_lun *lun, char *bs, size_t len,
			  struct lm_err *err)
{
	struct stat sb;
	char hex[33];
	int fd;

	lm_guid_hex(&lun->id, hex);
	fd = lm_cfs_late(&l->cfs) ? -1
				  : open(lun->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ETIMEDOUT ? fail(err, "open the backing store", lun->path)
					  : lm_err_set(err, LM_VDS_E_OBJECT_STATUS_FAILED,
						       "LUN \"%s\": cannot open %s: %s", lun->name,
						       lun->path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !(S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode))) {
		close(fd);
		return lm_err_set(err, LM_VDS_E_OBJECT_STATUS_FAILED,
				  "LUN \"%s\": %s is not a regular file or a block device", lun->name,
				  lun->path);
	}
	close(fd);
	snprintf(bs, len, "%s/" BS_PREFIX "%s", S_ISBLK(sb.st_mode) ? "iblock_0" : "fileio_0", hex);
	return LM_S_OK;
}

/* LIO's fileio copies fd_dev_name into 256 bytes and cuts a longer one
 * silently (FD_MAX_DEV_NAME): another file */
#define LIO_MAX_DEV_NAME 255

/* The path goes into `control` ("fd_dev_name=PATH,fd_dev_size=N" or
 * "udev_path=PATH"), which LIO splits at ',' and newline with no escape,
 * and into udev_path: only a path that is a file name and nothing else
 * (design §5, untrusted bytes). */
lm_hr lm_lio_check_path(const struct lm_lun *lun, struct lm_err *err)
{
	const char *why;
	size_t at;

	if (!lm_valid_request_value(lun->path, &why, &at))
		return lm_err_set(err, LM_E_INVALIDARG,
				  "refused to write LUN \"%s\"'s path into LIO's control: byte %zu is %s",
				  lun->name ? lun->name : "", at + 1, why);
	if (strlen(lun->path) > LIO_MAX_DEV_NAME)
		return lm_err_set(err, LM_E_INVALIDARG,
				  "LUN \"%s\"'s path is longer than the %d bytes LIO keeps of it",
				  lun->name ? lun->name : "", LIO_MAX_DEV_NAME);
	return LM_S_OK;
}

static lm_hr make_backstore(struct lio *l, const struct lm_lun *lun, const char *bs,
			    struct lm_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], control[PATH_MAX + 64], hex[33];

	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	*strrchr(dir, '/') = '\0';
	if (lm_cfs_mkdir_group(&l->cfs, dir) != 0)
		return fail(err, "create", dir);
	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	if (lm_cfs_mkdir(&l->cfs, dir) != 0)
		return fail(err, "create backstore", dir);
	if (strncmp(bs, "iblock_", 7) == 0)
		snprintf(control, sizeof control, "udev_path=%s", lun->path);
	else
		snprintf(control, sizeof control, "fd_dev_name=%s,fd_dev_size=%llu", lun->path,
			 (unsigned long long)lun->size);
	lm_guid_hex(&lun->id, hex);
	pathf(path, "%s/control", dir);
	if (lm_cfs_write(&l->cfs, path, control) != 0)
		return fail(err, "configure", dir);
	pathf(path, "%s/udev_path", dir);
	if (lm_cfs_write(&l->cfs, path, lun->path) != 0)
		return fail(err, "write", path);
	pathf(path, "%s/enable", dir);
	if (lm_cfs_write(&l->cfs, path, "1") != 0)
		return fail(err, "enable backstore", dir);
	/* the unit serial, and the device id LIO derives from it: the same
	 * through every target; LIO takes it only while no LUN exports the
	 * device, so before any link */
	pathf(path, "%s/wwn", dir);
	if (lm_cfs_mkdir_group(&l->cfs, path) != 0)
		return fail(err, "create", path);
	pathf(path, "%s/wwn/vpd_unit_serial", dir);
	if (lm_cfs_write(&l->cfs, path, hex) != 0)
		return fail(err, "set the serial of", dir);
	return LM_S_OK;
}

/* Removes a backstore of lunmap's that no LU uses (unless
 * keep-backstores); one left is logged, and removed by start-up or
 * restore(4) (tidy). */
void lm_lio_drop_backstore(struct lio *l, const char *bs)
{
	char dir[PATH_MAX];
	const char *name = strrchr(bs, '/');

	/* only lunmap's own: an administrator's storage object (targetcli's,
	 * under a foreign LU restore(4) took away) is theirs to keep */
	if (!name || strncmp(name + 1, BS_PREFIX, strlen(BS_PREFIX)) != 0)
		return;
	if (l->conf.keep_backstores || exports(l, bs) != 0)
		return;
	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	/* in configfs this removes the device; a plain folder (the unit
	 * tests') keeps its attribute files and says ENOTEMPTY */
	if (lm_cfs_rmdir(&l->cfs, dir) != 0 && errno != ENOENT && errno != ENOTEMPTY)
		lm_lio_say(l, "configfs: backstore %s, used by no LU, is left (%s); start-up or restore(4) "
		    "removes it", dir, strerror(errno));
}

/* The LUN's backstore, whole, ready to be linked: made when missing;
 * one a crash left half made is finished (the serial, the last thing
 * make_backstore writes) or, not enabled or with another path, removed
 * and made afresh. One that LUNs export as it is cannot change: it is
 * refused (restore(4) puts those LUs back whole). *made: this call made
 * it (a failed add drops it again). */
lm_hr lm_lio_ensure_backstore(struct lio *l, const struct lm_lun *lun, const char *bs, bool *made,
			      struct lm_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX], hex[33];
	lm_hr hr;

	*made = false;
	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	if (lm_cfs_exists(&l->cfs, dir)) {
		if (backstore_whole(l, bs, lun->path))
			return LM_S_OK;
		if (exports(l, bs) != 0) {
			errno = EBUSY;
			return fail(err, "use backstore (exported, not whole)", dir);
		}
		lm_guid_hex(&lun->id, hex);
		if (lm_cfs_attr_is(&l->cfs, dir, "enable", "1") && lm_cfs_attr_is(&l->cfs, dir, "udev_path", lun->path)) {
			pathf(path, "%s/wwn", dir);
			if (lm_cfs_mkdir_group(&l->cfs, path) != 0)
				return fail(err, "create", path);
			pathf(path, "%s/wwn/vpd_unit_serial", dir);
			return lm_cfs_write(&l->cfs, path, hex) == 0
				       ? LM_S_OK
				       : fail(err, "set the serial of", dir);
		}
		if (lm_cfs_rmdir(&l->cfs, dir) != 0)
			return fail(err, "remove the half-made backstore", dir);
	}
	hr = make_backstore(l, lun, bs, err);
	if (lm_failed(hr)) {
		if (lm_cfs_rmdir(&l->cfs, dir) != 0 && errno != ENOENT)
			lm_lio_say(l, "configfs: the half-made backstore %s is left (%s); start-up or "
			    "restore(4) removes it", dir, strerror(errno));
		return hr;
	}
	*made = true;
	return LM_S_OK;
}
