/* SPDX-License-Identifier: BSD-3-Clause */
/* The steps on one LU: linking the LUN's backstore into the target and
 * mapping it for its initiators, taking it away, write-protecting it.
 * Each undoes what it did when it fails, or says what stays. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lio_int.h"
#include "valid.h"

/* What an LU that could not be taken back leaves: cacheCorrupt, what
 * stays where first (the reasons may not all fit). */
static lm_hr stays(struct lm_err *err, uint32_t number, const char *iqn, const char *how,
		   const struct lm_err *why, const char *doing)
{
	char then[LM_ERR_MSG_MAX];

	snprintf(then, sizeof then, "%s", err ? err->msg : "");
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "LU %u of %s stays %s (%s); %s failed: %s",
			  number, iqn, how, why->msg, doing, then);
}

lm_hr lm_lio_op_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char bs[NAME_MAX * 2 + 2], bsdir[PATH_MAX], lundir[PATH_MAX], link[PATH_MAX], had[PATH_MAX];
	struct lm_err e = { 0 };
	bool made;
	lm_hr hr;

	if (!lm_valid_component(t->iqn))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\"",
				  t->iqn);
	hr = lm_lio_check_path(lun, err);
	if (!lm_failed(hr))
		hr = lm_lio_backstore_of(l, lun, bs, sizeof bs, err);
	if (!lm_failed(hr))
		hr = lm_lio_ensure_backstore(l, lun, bs, &made, err);
	if (lm_failed(hr))
		return hr;
	pathf(bsdir, "%s/core/%s", l->conf.configfs, bs);
	pathf(lundir, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, t->iqn, number);
	/* a lun_N that holds no device (a crash between the mkdir and the
	 * link of an earlier add, or the unlink and the rmdir of a removal)
	 * is taken */
	if (lm_cfs_mkdir(&l->cfs, lundir) != 0) {
		int e_mk = errno;
		if (e_mk != EEXIST || lm_lio_linked_backstore(&l->cfs, lundir, had, sizeof had) != 0) {
			errno = e_mk;
			hr = fail(err, "create", lundir);
			goto drop;
		}
	}
	pathf(link, "%s/%s", lundir, strrchr(bs, '/') + 1);
	if (lm_cfs_symlink(&l->cfs, bsdir, link) != 0) {
		hr = fail(err, "link the backstore into", lundir);
		if (lm_cfs_rmdir(&l->cfs, lundir) != 0)
			lm_lio_say(l, "configfs: the empty %s is left (%s); start-up or restore(4) removes "
			    "it", lundir, strerror(errno));
		goto drop;
	}
	hr = demo_mode(t) ? LM_S_OK : lm_lio_make_acls(l, t, err);
	if (!lm_failed(hr))
		hr = lm_lio_map_in_acls(l, t->iqn, number, true, err);
	if (!lm_failed(hr))
		return LM_S_OK;
	/* taken back whole, or cacheCorrupt: an initiator may see it */
	if (lm_failed(lm_lio_map_in_acls(l, t->iqn, number, false, &e)))
		return stays(err, number, t->iqn, "mapped for some initiators", &e, "mapping it");
	if (lm_cfs_unlink(&l->cfs, link) != 0) {
		lm_cfs_fail(&e, "unlink", link);
		return stays(err, number, t->iqn, "linked", &e, "mapping it");
	}
	if (lm_cfs_rmdir(&l->cfs, lundir) != 0)
		lm_lio_say(l, "configfs: the empty %s is left (%s); start-up or restore(4) removes it",
		    lundir, strerror(errno));
drop:
	if (made)
		lm_lio_drop_backstore(l, bs);
	return hr;
}

/* Puts back the mappings of an LU whose removal failed half way, or says
 * that some initiators lost it. */
static lm_hr remap(struct lio *l, const struct lm_target *t, uint32_t number, lm_hr hr,
		   struct lm_err *err)
{
	struct lm_err e = { 0 };

	if (!lm_failed(lm_lio_map_in_acls(l, t->iqn, number, true, &e)))
		return hr;
	return stays(err, number, t->iqn, "unmapped for some initiators", &e, "removing it");
}

lm_hr lm_lio_op_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char lundir[PATH_MAX], linked[PATH_MAX], link[PATH_MAX], *slash;
	lm_hr hr;

	(void)lun;
	pathf(lundir, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, t->iqn, number);
	switch (lm_lio_linked_backstore(&l->cfs, lundir, linked, sizeof linked)) {
	case -1:
		errno = EINVAL;
		return fail(err, "read the link of", lundir);
	case 0: /* a lun_N that holds no device: its removal is finished */
		if (!lm_cfs_exists(&l->cfs, lundir)) {
			if (errno != ETIMEDOUT)
				errno = ENOENT;
			return fail(err, "find the LU", lundir);
		}
	}
	/* the mapped LUNs first, as targetcli does: none is left pointing at
	 * a LUN that is gone */
	hr = lm_lio_map_in_acls(l, t->iqn, number, false, err);
	if (lm_failed(hr))
		return linked[0] ? remap(l, t, number, hr, err) : hr;
	if (linked[0]) {
		slash = strchr(linked, '/');
		pathf(link, "%s/%s", lundir, slash + 1);
		if (lm_cfs_unlink(&l->cfs, link) != 0)
			return remap(l, t, number, fail(err, "unlink", link), err);
	}
	/* from here on no initiator sees it: an empty lun_N left is half
	 * made, not an LU */
	if (lm_cfs_rmdir(&l->cfs, lundir) != 0)
		lm_lio_say(l, "configfs: the empty %s is left (%s); start-up or restore(4) removes it",
		    lundir, strerror(errno));
	if (linked[0])
		lm_lio_drop_backstore(l, linked);
	return LM_S_OK;
}

/* In demo mode (initiators ALL: generated node ACLs) LIO write-protects
 * the whole TPG (attrib/demo_mode_write_protect), not one LU: one
 * read-only association would make every LUN of the target read-only, so
 * it is refused rather than half honoured. */
lm_hr lm_lio_op_check_access(struct lm_backend *b, const struct lm_target *t, bool readonly,
			      struct lm_err *err)
{
	(void)b;
	if (readonly && demo_mode(t))
		return lm_err_set(err, LM_VDS_E_NOT_SUPPORTED,
				  "target %s admits every initiator (LIO's demo mode), where write "
				  "protection is per target, not per LUN: a read-only association "
				  "needs a target with named initiators", t->iqn);
	return LM_S_OK;
}

/* write_protect of the LU as mapped in each initiator's ACL. */
lm_hr lm_lio_op_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	lm_hr hr = lm_lio_op_check_access(b, t, readonly, err);
	DIR *d;

	(void)lun;
	if (lm_failed(hr) || demo_mode(t))
		return hr;
	pathf(dir, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, t->iqn);
	d = lm_cfs_opendir(&l->cfs, dir);
	if (!d)
		return fail(err, "read", dir);
	while ((e = readdir(d)) && !lm_failed(hr)) {
		if (e->d_name[0] == '.')
			continue;
		pathf(path, "%s/%s/lun_%u/write_protect", dir, e->d_name, number);
		if (lm_cfs_exists(&l->cfs, path) &&
		    lm_cfs_write(&l->cfs, path, readonly ? "1" : "0") != 0)
			hr = fail(err, "write", path);
	}
	closedir(d);
	return hr;
}
