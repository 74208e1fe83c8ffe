/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading LIO's configfs: each target, its TPG, LUs, ACLs and sessions,
 * and what a crash left half made (lm_stack_target.half, lm_stack.half);
 * tidy removes the leftover backstores. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iqn.h"
#include "lio_int.h"
#include "valid.h"

/* Initiators logged in to the target: the names in the TPG's
 * dynamic_sessions (demo mode, generated ACLs) and each ACL whose info
 * names an initiator (an explicit ACL with a session). */
unsigned lm_lio_count_sessions(struct lio *l, const char *iqn)
{
	char path[PATH_MAX], text[4096];
	unsigned n = 0;
	ssize_t got;
	DIR *d;
	struct dirent *e;
	int fd;

	/* LIO writes each name with "\n" and a NUL after it: count the
	 * newlines of the raw bytes. A name is the initiator's own bytes: one
	 * with a newline counts twice (the guard errs on the safe side), one
	 * longer than the page without any still counts */
	pathf(path, "%s/iscsi/%s/" TPG "/dynamic_sessions", l->conf.configfs, iqn);
	fd = lm_cfs_late(&l->cfs) ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	got = fd < 0 ? -1 : read(fd, text, sizeof text);
	for (ssize_t i = 0; i < got; i++)
		n += text[i] == '\n';
	if (!n && got > 0 && text[0])
		n = 1;
	if (fd >= 0)
		close(fd);
	pathf(path, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, iqn);
	d = lm_cfs_opendir(&l->cfs, path);
	while (d && (e = readdir(d))) {
		char info[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		pathf(info, "%s/%s/info", path, e->d_name);
		if (lm_cfs_read(&l->cfs, info, text, sizeof text) == 0 &&
		    strncmp(text, "InitiatorName:", 14) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* The TPG as lunmap makes it, or why it is half made (st->half); whom it
 * lets in (st->acl: ALL in demo mode, otherwise its node ACLs). */
static lm_hr enumerate_tpg(struct lio *l, struct lm_stack_target *st)
{
	char tpg[PATH_MAX], path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	pathf(tpg, "%s/iscsi/%s/" TPG, l->conf.configfs, st->iqn);
	if (!lm_cfs_exists(&l->cfs, tpg))
		return lm_failed(lm_stack_acl_add(st, NULL)) ? LM_E_OUTOFMEMORY
							     : lm_stack_note_half(&st->half, "no " TPG);
	if (!lm_cfs_attr_is(&l->cfs, tpg, "enable", "1"))
		hr = lm_stack_note_half(&st->half, "its TPG is not enabled");
	pathf(path, "%s/np/%s", tpg, l->conf.portal);
	if (!lm_failed(hr) && l->conf.portal[0] && !lm_cfs_exists(&l->cfs, path))
		hr = lm_stack_note_half(&st->half, "no portal %s", l->conf.portal);
	if (lm_failed(hr))
		return hr;
	if (lm_cfs_attr_is(&l->cfs, tpg, "attrib/generate_node_acls", "1")) {
		/* lunmap never write-protects a whole TPG (check_access) */
		if (!lm_cfs_attr_is(&l->cfs, tpg, "attrib/demo_mode_write_protect", "0") ||
		    !lm_cfs_attr_is(&l->cfs, tpg, "attrib/cache_dynamic_acls", "1") ||
		    !lm_cfs_attr_is(&l->cfs, tpg, "attrib/authentication", "0"))
			hr = lm_stack_note_half(&st->half, "open to all, its other attributes not set");
		return lm_failed(hr) ? hr : lm_stack_acl_add(st, "ALL");
	}
	if (!lm_cfs_attr_is(&l->cfs, tpg, "attrib/authentication", "0"))
		hr = lm_stack_note_half(&st->half, "CHAP on without a secret");
	if (!lm_failed(hr))
		hr = lm_stack_acl_add(st, NULL);
	pathf(path, "%s/acls", tpg);
	d = lm_cfs_opendir(&l->cfs, path);
	while (d && !lm_failed(hr) && (e = readdir(d)))
		if (lm_iqn_valid(e->d_name, NULL))
			hr = lm_stack_acl_add(st, e->d_name);
	if (d)
		closedir(d);
	return hr;
}

/* Mapped LUNs without their link: half made. */
static lm_hr enumerate_maps(struct lio *l, struct lm_stack_target *st)
{
	char acls[PATH_MAX];
	DIR *d, *m;
	struct dirent *e, *f;
	lm_hr hr = LM_S_OK;

	pathf(acls, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, st->iqn);
	d = lm_cfs_opendir(&l->cfs, acls);
	while (d && !st->half && !lm_failed(hr) && (e = readdir(d))) {
		char acl[PATH_MAX], dir[PATH_MAX];
		uint32_t number;
		if (e->d_name[0] == '.' || !lm_valid_component(e->d_name))
			continue;
		pathf(acl, "%s/%s", acls, e->d_name);
		m = lm_cfs_opendir(&l->cfs, acl);
		while (m && !st->half && !lm_failed(hr) && (f = readdir(m))) {
			if (!lm_cfs_is_lun_dir(f->d_name, &number))
				continue;
			pathf(dir, "%s/%s", acl, f->d_name);
			if (lm_lio_no_link(l, dir))
				hr = lm_stack_note_half(&st->half, "mapped LUN %u of %s has no link",
							number, e->d_name);
		}
		if (m)
			closedir(m);
	}
	if (d)
		closedir(d);
	return hr;
}

static lm_hr enumerate_target(struct lio *l, struct lm_stack_target *st, struct lm_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	uint32_t number;
	lm_hr hr;

	st->sessions = lm_lio_count_sessions(l, st->iqn);
	hr = enumerate_tpg(l, st);
	if (!lm_failed(hr))
		hr = enumerate_maps(l, st);
	pathf(dir, "%s/iscsi/%s/" TPG "/lun", l->conf.configfs, st->iqn);
	d = lm_failed(hr) ? NULL : lm_cfs_opendir(&l->cfs, dir);
	if (!d)
		return hr; /* a target without a TPG has no LUN */
	while ((e = readdir(d)) && !lm_failed(hr)) {
		char lundir[PATH_MAX], bs[PATH_MAX], attr[PATH_MAX], path[PATH_MAX];
		if (!lm_cfs_is_lun_dir(e->d_name, &number))
			continue;
		if (lm_cfs_late(&l->cfs)) {
			hr = fail(err, "read", dir);
			break;
		}
		pathf(lundir, "%s/%s", dir, e->d_name);
		switch (lm_lio_linked_backstore(&l->cfs, lundir, bs, sizeof bs)) {
		case 0: /* not an LU: an initiator sees nothing there */
			hr = lm_stack_note_half(&st->half, "lun_%u holds no device", number);
			continue;
		case -1:
			continue; /* not a backstore lunmap can name: left alone */
		}
		pathf(attr, "%s/core/%s/udev_path", l->conf.configfs, bs);
		if (lm_cfs_read(&l->cfs, attr, path, sizeof path) != 0 || path[0] != '/')
			continue; /* not a backstore lunmap can name: left alone */
		hr = lm_stack_add_lu(st, number, path);
		if (!lm_failed(hr))
			lm_stack_set_readonly(st, lm_lio_read_access(l, st->iqn, number));
		if (!lm_failed(hr)) {
			lm_lio_first_unmapped(l, st->iqn, number, path, sizeof path);
			if (path[0])
				hr = lm_stack_set_unmapped(st, path);
		}
		if (!lm_failed(hr)) {
			/* one lunmap cannot have set reads as "?" (the wrong
			 * identity) */
			lm_lio_serial_of(l, bs, path, sizeof path);
			hr = lm_stack_set_serial(st, lm_stack_serial_ok(path) ? path : "?");
		}
	}
	closedir(d);
	return hr;
}

static lm_hr note_leftover(struct lio *l, const char *bs, void *ctx)
{
	struct lm_stack *out = ctx;

	return lm_lio_leftover(l, bs) ? lm_stack_note_half(&out->half, "backstore %s is used by no LU", bs)
			       : LM_S_OK;
}

lm_hr lm_lio_op_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	memset(out, 0, sizeof *out);
	pathf(dir, "%s/iscsi", l->conf.configfs);
	/* LIO registers the iSCSI fabric when its folder is first made */
	if (!lm_cfs_exists(&l->cfs, dir) && lm_cfs_mkdir_group(&l->cfs, dir) != 0)
		return fail(err, "create", dir);
	d = lm_cfs_opendir(&l->cfs, dir);
	if (!d)
		return fail(err, "read", dir);
	while ((e = readdir(d)) && !lm_failed(hr)) {
		if (!lm_cfs_is_target_name(e->d_name) || !lm_valid_component(e->d_name))
			continue;
		if (lm_cfs_late(&l->cfs)) {
			hr = fail(err, "read", dir);
			break;
		}
		hr = lm_stack_add_target(out, e->d_name);
		if (!lm_failed(hr))
			hr = enumerate_target(l, &out->targets[out->ntargets - 1], err);
	}
	closedir(d);
	if (!lm_failed(hr))
		hr = lm_lio_each_backstore(l, note_leftover, out);
	if (!lm_failed(hr) && lm_cfs_late(&l->cfs))
		hr = fail(err, "read", dir);
	if (!lm_failed(hr))
		hr = lm_stack_validate(out);
	if (lm_failed(hr)) {
		lm_stack_clear(out);
		return hr == LM_HR_TIMEOUT ? hr : lm_err_set(err, hr, "no memory to enumerate LIO");
	}
	return LM_S_OK;
}

static lm_hr tidy_one(struct lio *l, const char *bs, void *ctx)
{
	char dir[PATH_MAX];
	struct lm_err *err = ctx;

	if (!lm_lio_leftover(l, bs))
		return LM_S_OK;
	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	if (lm_cfs_rmdir(&l->cfs, dir) != 0)
		return fail(err, "remove the leftover backstore", dir);
	lm_lio_say(l, "configfs: removed backstore %s, which no LU used (left by an interrupted step)", bs);
	return LM_S_OK;
}

/* Backstores of lunmap's that no LU uses: removed (keep-backstores keeps
 * the whole ones). */
lm_hr lm_lio_op_tidy(struct lm_backend *b, struct lm_err *err)
{
	return lm_lio_each_backstore(lio_of(b), tidy_one, err);
}
