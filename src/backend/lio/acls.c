/* SPDX-License-Identifier: BSD-3-Clause */
/* Who sees an LU: the node ACLs of a target and the LUNs mapped in each
 * (acls/INIT/lun_N, a link to the TPG's lun_N). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iqn.h"
#include "lio_int.h"
#include "valid.h"

/* Mapped LUNs (design §4): an explicit node ACL sees only the LUNs mapped
 * in it (acls/INIT/lun_N, a symlink to the TPG's lun/lun_N), as
 * targetcli's auto_add_mapped_luns makes them; LIO maps nothing by itself.
 * The link's name is lunmap's; its text is absolute (configfs resolves a
 * link's text against the caller's folder, not the link's). */
#define MAP_LINK "lunmap"

/* Whether acls/INIT/lun_N holds a link to the TPG's lun_N (configfs shows
 * the text as "../../../lun/lun_N", lunmap wrote it absolute). */
static bool acl_maps(struct lio *l, const char *iqn, const char *init, uint32_t number)
{
	char dir[PATH_MAX], want[32], to[PATH_MAX];
	size_t wn, n;

	pathf(dir, "%s/iscsi/%s/" TPG "/acls/%s/lun_%u", l->conf.configfs, iqn, init, number);
	snprintf(want, sizeof want, "/lun/lun_%u", number);
	wn = strlen(want);
	lm_cfs_first_link(&l->cfs, dir, to, sizeof to);
	n = strlen(to);
	return n >= wn && strcmp(to + n - wn, want) == 0;
}

static lm_hr map_lu(struct lio *l, const char *iqn, const char *init, uint32_t number,
		    struct lm_err *err)
{
	char dir[PATH_MAX], link[PATH_MAX], to[PATH_MAX];

	if (acl_maps(l, iqn, init, number))
		return LM_S_OK;
	pathf(dir, "%s/iscsi/%s/" TPG "/acls/%s/lun_%u", l->conf.configfs, iqn, init, number);
	pathf(link, "%s/" MAP_LINK, dir);
	pathf(to, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, iqn, number);
	/* a folder left without its link by a crash is taken */
	if (lm_cfs_mkdir_group(&l->cfs, dir) != 0)
		return fail(err, "create the mapped LUN", dir);
	if (lm_cfs_symlink(&l->cfs, to, link) != 0) {
		lm_hr hr = fail(err, "map the LUN into", dir);
		if (lm_cfs_rmdir(&l->cfs, dir) != 0)
			lm_lio_say(l, "configfs: the empty mapped LUN %s is left (%s); start-up or "
			    "restore(4) removes it", dir, strerror(errno));
		return hr;
	}
	return LM_S_OK;
}

/* Takes the LUN out of one ACL: its links, then its folder. Not there is
 * done; an empty folder left is nothing an initiator sees (logged). */
static lm_hr unmap_lu(struct lio *l, const char *iqn, const char *init, uint32_t number,
		      struct lm_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	pathf(dir, "%s/iscsi/%s/" TPG "/acls/%s/lun_%u", l->conf.configfs, iqn, init, number);
	d = lm_cfs_opendir(&l->cfs, dir);
	if (!d)
		return errno == ENOENT ? LM_S_OK : fail(err, "read", dir);
	while ((e = readdir(d)) && !lm_failed(hr)) {
		char link[PATH_MAX], to[8];
		pathf(link, "%s/%s", dir, e->d_name);
		if (lm_cfs_readlink(&l->cfs, link, to, sizeof to) >= 0 &&
		    lm_cfs_unlink(&l->cfs, link) != 0)
			hr = fail(err, "unmap the LUN from", link);
	}
	closedir(d);
	if (!lm_failed(hr) && lm_cfs_rmdir(&l->cfs, dir) != 0 && errno != ENOENT)
		lm_lio_say(l, "configfs: the empty mapped LUN %s is left (%s); start-up or restore(4) "
		    "removes it", dir, strerror(errno));
	return hr;
}

/* Maps (or unmaps) the TPG's lun_N in every node ACL of the target. */
lm_hr lm_lio_map_in_acls(struct lio *l, const char *iqn, uint32_t number, bool map,
			 struct lm_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	pathf(dir, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, iqn);
	d = lm_cfs_opendir(&l->cfs, dir);
	if (!d)
		return errno == ENOENT ? LM_S_OK : fail(err, "read", dir);
	while ((e = readdir(d)) && !lm_failed(hr)) {
		if (e->d_name[0] == '.' || !lm_valid_component(e->d_name))
			continue;
		hr = map ? map_lu(l, iqn, e->d_name, number, err)
			 : unmap_lu(l, iqn, e->d_name, number, err);
	}
	closedir(d);
	return hr;
}

/* The first ACL of the target that does not map lun_N, into out ("" when
 * every one does). */
void lm_lio_first_unmapped(struct lio *l, const char *iqn, uint32_t number, char *out, size_t len)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	out[0] = '\0';
	pathf(dir, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, iqn);
	d = lm_cfs_opendir(&l->cfs, dir);
	while (d && !out[0] && (e = readdir(d))) {
		/* the name is reported (drift's reason): a valid one only */
		if (!lm_iqn_valid(e->d_name, NULL) || strlen(e->d_name) >= len)
			continue;
		if (!acl_maps(l, iqn, e->d_name, number))
			strcpy(out, e->d_name);
	}
	if (d)
		closedir(d);
}

/* Whether a folder (a mapped LUN) holds no link: half made. */
bool lm_lio_no_link(struct lio *l, const char *dir)
{
	char to[PATH_MAX];

	lm_cfs_first_link(&l->cfs, dir, to, sizeof to);
	return !to[0];
}

/* Maps every LUN the TPG has (with its device) into an ACL. */
lm_hr lm_lio_map_existing(struct lio *l, const char *iqn, const char *init, struct lm_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	uint32_t number;
	lm_hr hr = LM_S_OK;

	pathf(dir, "%s/iscsi/%s/" TPG "/lun", l->conf.configfs, iqn);
	d = lm_cfs_opendir(&l->cfs, dir);
	while (d && (e = readdir(d)) && !lm_failed(hr)) {
		char lundir[PATH_MAX], bs[PATH_MAX];
		if (!lm_cfs_is_lun_dir(e->d_name, &number))
			continue;
		pathf(lundir, "%s/%s", dir, e->d_name);
		if (lm_lio_linked_backstore(&l->cfs, lundir, bs, sizeof bs) == 1)
			hr = map_lu(l, iqn, init, number, err);
	}
	if (d)
		closedir(d);
	return hr;
}

/* One node ACL per named initiator; an ACL already there is fine (a new
 * one is given every LUN the TPG already has). */
lm_hr lm_lio_make_acls(struct lio *l, const struct lm_target *t, struct lm_err *err)
{
	char path[PATH_MAX], *copy, *save = NULL;
	lm_hr hr = LM_S_OK;

	copy = strdup(t->initiators ? t->initiators : "");
	if (!copy)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (char *w = strtok_r(copy, ", ", &save); w && !lm_failed(hr); w = strtok_r(NULL, ", ", &save)) {
		if (!lm_cfs_is_target_name(w) || !lm_valid_component(w) || !lm_valid_request_value(w, NULL, NULL)) {
			hr = lm_err_set(err, LM_E_FAIL, "LIO admits initiators by name, not address: %s", w);
			break;
		}
		pathf(path, "%s/iscsi/%s/" TPG "/acls/%s", l->conf.configfs, t->iqn, w);
		if (lm_cfs_mkdir(&l->cfs, path) == 0)
			hr = lm_lio_map_existing(l, t->iqn, w, err);
		else if (errno != EEXIST)
			hr = fail(err, "create", path);
	}
	free(copy);
	return hr;
}

/* What the ACLs' mapped LUs say: 1 when any is write-protected, 0 when
 * some are mapped and none is, -1 when no ACL maps it. In demo mode, the
 * TPG's attribute. */
int lm_lio_read_access(struct lio *l, const char *iqn, uint32_t number)
{
	char dir[PATH_MAX], path[PATH_MAX], v[8];
	struct dirent *e;
	int ro = -1;
	DIR *d;

	pathf(path, "%s/iscsi/%s/" TPG "/attrib/generate_node_acls", l->conf.configfs, iqn);
	if (lm_cfs_read(&l->cfs, path, v, sizeof v) == 0 && v[0] == '1') {
		pathf(path, "%s/iscsi/%s/" TPG "/attrib/demo_mode_write_protect", l->conf.configfs,
		      iqn);
		return lm_cfs_read(&l->cfs, path, v, sizeof v) == 0 ? v[0] == '1' : -1;
	}
	pathf(dir, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, iqn);
	d = lm_cfs_opendir(&l->cfs, dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		pathf(path, "%s/%s/lun_%u/write_protect", dir, e->d_name, number);
		if (lm_cfs_read(&l->cfs, path, v, sizeof v) == 0)
			ro = ro == 1 || v[0] == '1';
	}
	if (d)
		closedir(d);
	return ro;
}
