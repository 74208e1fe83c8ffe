/* SPDX-License-Identifier: BSD-3-Clause */
/* Making a target with its TPG, portal and initiator access, or
 * finishing one a crash left half made. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lio_int.h"
#include "valid.h"

/* Initiator access: ALL lets every initiator in (generated node ACLs,
 * switched on last, once the others are set), otherwise one ACL per
 * initiator name. */
static lm_hr set_access(struct lio *l, const struct lm_target *t, struct lm_err *err)
{
	static const char *const open_attrs[][2] = {
		{ "demo_mode_write_protect", "0" }, { "cache_dynamic_acls", "1" },
		{ "authentication", "0" }, { "generate_node_acls", "1" },
	};
	/* LIO's TPG enforces CHAP by default (attrib/authentication 1) and
	 * lunmap sets no secret: without this, every named initiator's login
	 * fails with "Authentication failure" */
	static const char *const named_attrs[][2] = {
		{ "generate_node_acls", "0" }, { "authentication", "0" },
	};
	const char *const (*attrs)[2] = demo_mode(t) ? open_attrs : named_attrs;
	size_t n = demo_mode(t) ? 4 : 2;
	char path[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		pathf(path, "%s/iscsi/%s/" TPG "/attrib/%s", l->conf.configfs, t->iqn, attrs[i][0]);
		if (!lm_cfs_value_is(&l->cfs, path, attrs[i][1]) && lm_cfs_write(&l->cfs, path, attrs[i][1]) != 0)
			return fail(err, "write", path);
	}
	return demo_mode(t) ? LM_S_OK : lm_lio_make_acls(l, t, err);
}

/* A target that is there, finished: a lun_N that holds no device is
 * removed (an LU the state has there is added again by start-up or
 * restore), every LU is mapped in every ACL, a mapped LUN without a link
 * is removed. */
static lm_hr finish_luns(struct lio *l, const struct lm_target *t, struct lm_err *err)
{
	char dir[PATH_MAX], acls[PATH_MAX];
	DIR *d;
	struct dirent *e;
	uint32_t number;
	lm_hr hr = LM_S_OK;

	pathf(dir, "%s/iscsi/%s/" TPG "/lun", l->conf.configfs, t->iqn);
	d = lm_cfs_opendir(&l->cfs, dir);
	while (d && !lm_failed(hr) && (e = readdir(d))) {
		char lundir[PATH_MAX], bs[PATH_MAX];
		if (!lm_cfs_is_lun_dir(e->d_name, &number))
			continue;
		pathf(lundir, "%s/%s", dir, e->d_name);
		if (lm_lio_linked_backstore(&l->cfs, lundir, bs, sizeof bs) != 0)
			continue;
		hr = lm_lio_map_in_acls(l, t->iqn, number, false, err);
		if (!lm_failed(hr) && lm_cfs_rmdir(&l->cfs, lundir) != 0)
			hr = fail(err, "remove the empty", lundir);
	}
	if (d)
		closedir(d);
	pathf(acls, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, t->iqn);
	d = lm_failed(hr) ? NULL : lm_cfs_opendir(&l->cfs, acls);
	while (d && !lm_failed(hr) && (e = readdir(d))) {
		char acl[PATH_MAX];
		DIR *m;
		struct dirent *f;
		if (e->d_name[0] == '.' || !lm_valid_component(e->d_name))
			continue;
		hr = lm_lio_map_existing(l, t->iqn, e->d_name, err);
		pathf(acl, "%s/%s", acls, e->d_name);
		m = lm_failed(hr) ? NULL : lm_cfs_opendir(&l->cfs, acl);
		while (m && !lm_failed(hr) && (f = readdir(m))) {
			char mapped[PATH_MAX];
			if (!lm_cfs_is_lun_dir(f->d_name, &number))
				continue;
			pathf(mapped, "%s/%s", acl, f->d_name);
			if (lm_lio_no_link(l, mapped) && lm_cfs_rmdir(&l->cfs, mapped) != 0)
				hr = fail(err, "remove the empty", mapped);
		}
		if (m)
			closedir(m);
	}
	if (d)
		closedir(d);
	return hr;
}

/* Makes the target, or finishes one that is there (half made by a crash,
 * or leaving initiators out): what is there stays. */
lm_hr lm_lio_op_create_target(struct lm_backend *b, const struct lm_target *t, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char tdir[PATH_MAX], tpg[PATH_MAX], path[PATH_MAX];
	bool made;
	lm_hr hr = LM_S_OK;

	/* a path is never built from a component that could climb out */
	if (!lm_valid_component(t->iqn) || !lm_valid_request_value(t->iqn, NULL, NULL) ||
	    (l->conf.portal[0] && (!lm_valid_component(l->conf.portal) ||
				   !lm_valid_request_value(l->conf.portal, NULL, NULL))))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\" or \"%s\"",
				  t->iqn, l->conf.portal);
	pathf(path, "%s/iscsi", l->conf.configfs);
	if (lm_cfs_mkdir_group(&l->cfs, path) != 0)
		return fail(err, "create", path);
	pathf(tdir, "%s/iscsi/%s", l->conf.configfs, t->iqn);
	pathf(tpg, "%s/" TPG, tdir);
	made = lm_cfs_mkdir(&l->cfs, tdir) == 0;
	if (!made && errno != EEXIST)
		return fail(err, "create target", tdir);
	if (lm_cfs_mkdir_group(&l->cfs, tpg) != 0) {
		hr = fail(err, "create", tpg);
		goto undo;
	}
	for (const char *const *g = (const char *const[]){ "lun", "np", "acls", "attrib", NULL }; *g; g++) {
		pathf(path, "%s/%s", tpg, *g);
		if (lm_cfs_mkdir_group(&l->cfs, path) != 0) {
			hr = fail(err, "create", path);
			goto undo;
		}
	}
	if (l->conf.portal[0]) {
		pathf(path, "%s/np/%s", tpg, l->conf.portal);
		if (lm_cfs_mkdir_group(&l->cfs, path) != 0) {
			hr = fail(err, "create portal", path);
			goto undo;
		}
	}
	hr = set_access(l, t, err);
	if (!lm_failed(hr) && !made)
		hr = finish_luns(l, t, err);
	if (lm_failed(hr))
		goto undo;
	/* LIO refuses to enable a TPG twice (EINVAL) */
	if (!lm_cfs_attr_is(&l->cfs, tpg, "enable", "1")) {
		pathf(path, "%s/enable", tpg);
		if (lm_cfs_write(&l->cfs, path, "1") != 0) {
			hr = fail(err, "enable", tpg);
			goto undo;
		}
	}
	return LM_S_OK;
undo:
	/* only what this call made; configfs drops a TPG's groups with it;
	 * best effort: a target left half made is finished at the next start
	 * or restore(4) */
	if (!made)
		return hr;
	if (l->conf.portal[0]) {
		pathf(path, "%s/np/%s", tpg, l->conf.portal);
		lm_cfs_rmdir(&l->cfs, path);
	}
	lm_cfs_rmdir(&l->cfs, tpg);
	lm_cfs_rmdir(&l->cfs, tdir);
	return hr;
}
