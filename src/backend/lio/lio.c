/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend: the kernel target through configfs (design §4). A LUN
 * is one backstore, created once with its identity derived from its id,
 * and linked into every associated target's TPG; so every target exposes
 * the same device. No targetcli, no Python.
 *
 * A step is several syscalls, and a crash may come between any two
 * (docs/reliability.md, "Half-made steps", has the rule): enumeration
 * reports what is half made (lm_stack_target.half, lm_stack.half),
 * add_lu takes a lun_N that holds no device and finishes or makes afresh
 * a backstore that is not whole, remove_lu finishes a removal, and
 * create_target finishes a target that is there; tidy removes backstores
 * no LU uses. Every configfs operation runs under the SET's deadline
 * (cfs.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "cfs.h"
#include "deadline.h"
#include "iqn.h"
#include "lio.h"
#include "valid.h"

#define TPG "tpgt_1"
#define BS_PREFIX "lm-"

struct lio {
	struct lm_backend base;
	struct lm_backend_conf conf;
	struct lm_cfs cfs;
	/* the kernel log, for the initiators the ACLs refuse (observe.c) */
	struct lm_lio_refusals refusals;
	bool log_opened;
};

static struct lio *lio_of(struct lm_backend *b)
{
	return (struct lio *)b;
}

#define pathf lm_cfs_path
#define fail lm_cfs_fail

/* What the backend decided on its own (a leftover it could not remove):
 * to lunmapd's log. */
static void say(struct lio *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct lio *l, const char *fmt, ...)
{
	char msg[LM_ERR_MSG_MAX];
	va_list ap;

	if (!l->conf.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	l->conf.log(l->conf.log_ctx, msg);
}

static bool is_target_name(const char *s)
{
	return !strncmp(s, "iqn.", 4) || !strncmp(s, "eui.", 4) || !strncmp(s, "naa.", 4);
}

static bool is_lun_dir(const char *name, uint32_t *number)
{
	unsigned long long n;

	if (strncmp(name, "lun_", 4) != 0 || !lm_parse_u64(name + 4, strlen(name + 4), UINT32_MAX, &n))
		return false;
	*number = (uint32_t)n;
	return true;
}

/* Mapped LUNs (design §4): an explicit node ACL sees only the LUNs mapped
 * in it (acls/INIT/lun_N, a symlink to the TPG's lun/lun_N), as
 * targetcli's auto_add_mapped_luns makes them; LIO maps nothing by itself.
 * The link's name is lunmap's; its text is absolute (configfs resolves a
 * link's text against the caller's folder, not the link's). */
#define MAP_LINK "lunmap"

/* The text of the first symlink in a folder, or "" (a lun_N or mapped
 * LUN folder without its link: half made). */
static void first_link(struct lio *l, const char *dir, char *to, size_t len)
{
	DIR *d = lm_cfs_opendir(&l->cfs, dir);
	struct dirent *e;

	to[0] = '\0';
	while (d && !to[0] && (e = readdir(d))) {
		char link[PATH_MAX];
		pathf(link, "%s/%s", dir, e->d_name);
		if (lm_cfs_readlink(&l->cfs, link, to, len) < 0)
			to[0] = '\0';
	}
	if (d)
		closedir(d);
}

/* Whether acls/INIT/lun_N holds a link to the TPG's lun_N (configfs shows
 * the text as "../../../lun/lun_N", lunmap wrote it absolute). */
static bool acl_maps(struct lio *l, const char *iqn, const char *init, uint32_t number)
{
	char dir[PATH_MAX], want[32], to[PATH_MAX];
	size_t wn, n;

	pathf(dir, "%s/iscsi/%s/" TPG "/acls/%s/lun_%u", l->conf.configfs, iqn, init, number);
	snprintf(want, sizeof want, "/lun/lun_%u", number);
	wn = strlen(want);
	first_link(l, dir, to, sizeof to);
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
			say(l, "configfs: the empty mapped LUN %s is left (%s); start-up or "
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
		say(l, "configfs: the empty mapped LUN %s is left (%s); start-up or restore(4) "
		    "removes it", dir, strerror(errno));
	return hr;
}

/* Maps (or unmaps) the TPG's lun_N in every node ACL of the target. */
static lm_hr map_in_acls(struct lio *l, const char *iqn, uint32_t number, bool map,
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
static void first_unmapped(struct lio *l, const char *iqn, uint32_t number, char *out, size_t len)
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

/* The backstore a lun_N folder links to, as "hba/name" into out: 1; 0
 * when it holds no link (half made: no LU); -1 for a link lunmap cannot
 * name (left alone). */
static int linked_backstore(struct lio *l, const char *lundir, char *out, size_t len)
{
	char to[PATH_MAX], *name, *hba;

	out[0] = '\0';
	first_link(l, lundir, to, sizeof to);
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

/* Whether a folder (a mapped LUN) holds no link: half made. */
static bool no_link(struct lio *l, const char *dir)
{
	char to[PATH_MAX];

	first_link(l, dir, to, sizeof to);
	return !to[0];
}

/* Maps every LUN the TPG has (with its device) into an ACL. */
static lm_hr map_existing(struct lio *l, const char *iqn, const char *init, struct lm_err *err)
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
		if (!is_lun_dir(e->d_name, &number))
			continue;
		pathf(lundir, "%s/%s", dir, e->d_name);
		if (linked_backstore(l, lundir, bs, sizeof bs) == 1)
			hr = map_lu(l, iqn, init, number, err);
	}
	if (d)
		closedir(d);
	return hr;
}

/* The unit serial of a backstore ("hba/name"); configfs shows it as
 * "T10 VPD Unit Serial Number: SERIAL". "" when it has none. */
static void serial_of(struct lio *l, const char *bs, char *out, size_t len)
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

/* Initiators logged in to the target: the names in the TPG's
 * dynamic_sessions (demo mode, generated ACLs) and each ACL whose info
 * names an initiator (an explicit ACL with a session). */
static unsigned count_sessions(struct lio *l, const char *iqn)
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

static int read_access(struct lio *l, const char *iqn, uint32_t number);

static bool value_is(struct lio *l, const char *path, const char *want)
{
	char v[PATH_MAX];

	return lm_cfs_read(&l->cfs, path, v, sizeof v) == 0 && strcmp(v, want) == 0;
}

static bool attr_is(struct lio *l, const char *dir, const char *name, const char *want)
{
	char path[PATH_MAX];

	pathf(path, "%s/%s", dir, name);
	return value_is(l, path, want);
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
	if (!attr_is(l, tpg, "enable", "1"))
		hr = lm_stack_note_half(&st->half, "its TPG is not enabled");
	pathf(path, "%s/np/%s", tpg, l->conf.portal);
	if (!lm_failed(hr) && l->conf.portal[0] && !lm_cfs_exists(&l->cfs, path))
		hr = lm_stack_note_half(&st->half, "no portal %s", l->conf.portal);
	if (lm_failed(hr))
		return hr;
	if (attr_is(l, tpg, "attrib/generate_node_acls", "1")) {
		/* lunmap never write-protects a whole TPG (check_access) */
		if (!attr_is(l, tpg, "attrib/demo_mode_write_protect", "0") ||
		    !attr_is(l, tpg, "attrib/cache_dynamic_acls", "1") ||
		    !attr_is(l, tpg, "attrib/authentication", "0"))
			hr = lm_stack_note_half(&st->half, "open to all, its other attributes not set");
		return lm_failed(hr) ? hr : lm_stack_acl_add(st, "ALL");
	}
	if (!attr_is(l, tpg, "attrib/authentication", "0"))
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
			if (!is_lun_dir(f->d_name, &number))
				continue;
			pathf(dir, "%s/%s", acl, f->d_name);
			if (no_link(l, dir))
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

	st->sessions = count_sessions(l, st->iqn);
	hr = enumerate_tpg(l, st);
	if (!lm_failed(hr))
		hr = enumerate_maps(l, st);
	pathf(dir, "%s/iscsi/%s/" TPG "/lun", l->conf.configfs, st->iqn);
	d = lm_failed(hr) ? NULL : lm_cfs_opendir(&l->cfs, dir);
	if (!d)
		return hr; /* a target without a TPG has no LUN */
	while ((e = readdir(d)) && !lm_failed(hr)) {
		char lundir[PATH_MAX], bs[PATH_MAX], attr[PATH_MAX], path[PATH_MAX];
		if (!is_lun_dir(e->d_name, &number))
			continue;
		if (lm_cfs_late(&l->cfs)) {
			hr = fail(err, "read", dir);
			break;
		}
		pathf(lundir, "%s/%s", dir, e->d_name);
		switch (linked_backstore(l, lundir, bs, sizeof bs)) {
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
			lm_stack_set_readonly(st, read_access(l, st->iqn, number));
		if (!lm_failed(hr)) {
			first_unmapped(l, st->iqn, number, path, sizeof path);
			if (path[0])
				hr = lm_stack_set_unmapped(st, path);
		}
		if (!lm_failed(hr)) {
			/* one lunmap cannot have set reads as "?" (the wrong
			 * identity) */
			serial_of(l, bs, path, sizeof path);
			hr = lm_stack_set_serial(st, lm_stack_serial_ok(path) ? path : "?");
		}
	}
	closedir(d);
	return hr;
}

/* Whether a backstore "hba/lm-HEX" is whole: enabled, with a path, the
 * unit serial its name says. */
static bool backstore_whole(struct lio *l, const char *bs, const char *path)
{
	char dir[PATH_MAX], v[PATH_MAX], sn[64];
	const char *hex = strrchr(bs, '/') + 1 + strlen(BS_PREFIX);

	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	if (!attr_is(l, dir, "enable", "1"))
		return false;
	pathf(dir, "%s/core/%s/udev_path", l->conf.configfs, bs);
	if (lm_cfs_read(&l->cfs, dir, v, sizeof v) != 0 || v[0] != '/' ||
	    (path && strcmp(v, path) != 0))
		return false;
	serial_of(l, bs, sn, sizeof sn);
	return strcmp(sn, hex) == 0;
}

/* Calls fn for every backstore of lunmap's ("hba/lm-..."). */
static lm_hr each_backstore(struct lio *l, lm_hr (*fn)(struct lio *l, const char *bs, void *ctx),
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
static bool leftover(struct lio *l, const char *bs)
{
	return exports(l, bs) == 0 && (!l->conf.keep_backstores || !backstore_whole(l, bs, NULL));
}

static lm_hr note_leftover(struct lio *l, const char *bs, void *ctx)
{
	struct lm_stack *out = ctx;

	return leftover(l, bs) ? lm_stack_note_half(&out->half, "backstore %s is used by no LU", bs)
			       : LM_S_OK;
}

static lm_hr lio_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
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
		if (!is_target_name(e->d_name) || !lm_valid_component(e->d_name))
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
		hr = each_backstore(l, note_leftover, out);
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

static bool demo_mode(const struct lm_target *t)
{
	return t->initiators && strcmp(t->initiators, "ALL") == 0;
}

/* One node ACL per named initiator; an ACL already there is fine (a new
 * one is given every LUN the TPG already has). */
static lm_hr make_acls(struct lio *l, const struct lm_target *t, struct lm_err *err)
{
	char path[PATH_MAX], *copy, *save = NULL;
	lm_hr hr = LM_S_OK;

	copy = strdup(t->initiators ? t->initiators : "");
	if (!copy)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (char *w = strtok_r(copy, ", ", &save); w && !lm_failed(hr); w = strtok_r(NULL, ", ", &save)) {
		if (!is_target_name(w) || !lm_valid_component(w) || !lm_valid_request_value(w, NULL, NULL)) {
			hr = lm_err_set(err, LM_E_FAIL, "LIO admits initiators by name, not address: %s", w);
			break;
		}
		pathf(path, "%s/iscsi/%s/" TPG "/acls/%s", l->conf.configfs, t->iqn, w);
		if (lm_cfs_mkdir(&l->cfs, path) == 0)
			hr = map_existing(l, t->iqn, w, err);
		else if (errno != EEXIST)
			hr = fail(err, "create", path);
	}
	free(copy);
	return hr;
}

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
		if (!value_is(l, path, attrs[i][1]) && lm_cfs_write(&l->cfs, path, attrs[i][1]) != 0)
			return fail(err, "write", path);
	}
	return demo_mode(t) ? LM_S_OK : make_acls(l, t, err);
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
		if (!is_lun_dir(e->d_name, &number))
			continue;
		pathf(lundir, "%s/%s", dir, e->d_name);
		if (linked_backstore(l, lundir, bs, sizeof bs) != 0)
			continue;
		hr = map_in_acls(l, t->iqn, number, false, err);
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
		hr = map_existing(l, t->iqn, e->d_name, err);
		pathf(acl, "%s/%s", acls, e->d_name);
		m = lm_failed(hr) ? NULL : lm_cfs_opendir(&l->cfs, acl);
		while (m && !lm_failed(hr) && (f = readdir(m))) {
			char mapped[PATH_MAX];
			if (!is_lun_dir(f->d_name, &number))
				continue;
			pathf(mapped, "%s/%s", acl, f->d_name);
			if (no_link(l, mapped) && lm_cfs_rmdir(&l->cfs, mapped) != 0)
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
static lm_hr lio_create_target(struct lm_backend *b, const struct lm_target *t, struct lm_err *err)
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
	if (!attr_is(l, tpg, "enable", "1")) {
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

/* The backstore of a LUN ("hba/lm-HEX") by what its backing store is. It
 * is opened without waiting (O_NONBLOCK: a FIFO's open would wait for a
 * writer) and must be a regular file or a block device. What cannot be
 * bounded: an open on a hung network mount waits in the kernel. */
static lm_hr backstore_of(struct lio *l, const struct lm_lun *lun, char *bs, size_t len,
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
static lm_hr check_path(const struct lm_lun *lun, struct lm_err *err)
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
static void drop_backstore(struct lio *l, const char *bs)
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
		say(l, "configfs: backstore %s, used by no LU, is left (%s); start-up or restore(4) "
		    "removes it", dir, strerror(errno));
}

/* The LUN's backstore, whole, ready to be linked: made when missing;
 * one a crash left half made is finished (the serial, the last thing
 * make_backstore writes) or, not enabled or with another path, removed
 * and made afresh. One that LUNs export as it is cannot change: it is
 * refused (restore(4) puts those LUs back whole). *made: this call made
 * it (a failed add drops it again). */
static lm_hr ensure_backstore(struct lio *l, const struct lm_lun *lun, const char *bs, bool *made,
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
		if (attr_is(l, dir, "enable", "1") && attr_is(l, dir, "udev_path", lun->path)) {
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
			say(l, "configfs: the half-made backstore %s is left (%s); start-up or "
			    "restore(4) removes it", dir, strerror(errno));
		return hr;
	}
	*made = true;
	return LM_S_OK;
}

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

static lm_hr lio_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
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
	hr = check_path(lun, err);
	if (!lm_failed(hr))
		hr = backstore_of(l, lun, bs, sizeof bs, err);
	if (!lm_failed(hr))
		hr = ensure_backstore(l, lun, bs, &made, err);
	if (lm_failed(hr))
		return hr;
	pathf(bsdir, "%s/core/%s", l->conf.configfs, bs);
	pathf(lundir, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, t->iqn, number);
	/* a lun_N that holds no device (a crash between the mkdir and the
	 * link of an earlier add, or the unlink and the rmdir of a removal)
	 * is taken */
	if (lm_cfs_mkdir(&l->cfs, lundir) != 0) {
		int e_mk = errno;
		if (e_mk != EEXIST || linked_backstore(l, lundir, had, sizeof had) != 0) {
			errno = e_mk;
			hr = fail(err, "create", lundir);
			goto drop;
		}
	}
	pathf(link, "%s/%s", lundir, strrchr(bs, '/') + 1);
	if (lm_cfs_symlink(&l->cfs, bsdir, link) != 0) {
		hr = fail(err, "link the backstore into", lundir);
		if (lm_cfs_rmdir(&l->cfs, lundir) != 0)
			say(l, "configfs: the empty %s is left (%s); start-up or restore(4) removes "
			    "it", lundir, strerror(errno));
		goto drop;
	}
	hr = demo_mode(t) ? LM_S_OK : make_acls(l, t, err);
	if (!lm_failed(hr))
		hr = map_in_acls(l, t->iqn, number, true, err);
	if (!lm_failed(hr))
		return LM_S_OK;
	/* taken back whole, or cacheCorrupt: an initiator may see it */
	if (lm_failed(map_in_acls(l, t->iqn, number, false, &e)))
		return stays(err, number, t->iqn, "mapped for some initiators", &e, "mapping it");
	if (lm_cfs_unlink(&l->cfs, link) != 0) {
		lm_cfs_fail(&e, "unlink", link);
		return stays(err, number, t->iqn, "linked", &e, "mapping it");
	}
	if (lm_cfs_rmdir(&l->cfs, lundir) != 0)
		say(l, "configfs: the empty %s is left (%s); start-up or restore(4) removes it",
		    lundir, strerror(errno));
drop:
	if (made)
		drop_backstore(l, bs);
	return hr;
}

/* Puts back the mappings of an LU whose removal failed half way, or says
 * that some initiators lost it. */
static lm_hr remap(struct lio *l, const struct lm_target *t, uint32_t number, lm_hr hr,
		   struct lm_err *err)
{
	struct lm_err e = { 0 };

	if (!lm_failed(map_in_acls(l, t->iqn, number, true, &e)))
		return hr;
	return stays(err, number, t->iqn, "unmapped for some initiators", &e, "removing it");
}

static lm_hr lio_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char lundir[PATH_MAX], linked[PATH_MAX], link[PATH_MAX], *slash;
	lm_hr hr;

	(void)lun;
	pathf(lundir, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, t->iqn, number);
	switch (linked_backstore(l, lundir, linked, sizeof linked)) {
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
	hr = map_in_acls(l, t->iqn, number, false, err);
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
		say(l, "configfs: the empty %s is left (%s); start-up or restore(4) removes it",
		    lundir, strerror(errno));
	if (linked[0])
		drop_backstore(l, linked);
	return LM_S_OK;
}

/* In demo mode (initiators ALL: generated node ACLs) LIO write-protects
 * the whole TPG (attrib/demo_mode_write_protect), not one LU: one
 * read-only association would make every LUN of the target read-only, so
 * it is refused rather than half honoured. */
static lm_hr lio_check_access(struct lm_backend *b, const struct lm_target *t, bool readonly,
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
static lm_hr lio_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	lm_hr hr = lio_check_access(b, t, readonly, err);
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

/* What the ACLs' mapped LUs say: 1 when any is write-protected, 0 when
 * some are mapped and none is, -1 when no ACL maps it. In demo mode, the
 * TPG's attribute. */
static int read_access(struct lio *l, const char *iqn, uint32_t number)
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

static lm_hr tidy_one(struct lio *l, const char *bs, void *ctx)
{
	char dir[PATH_MAX];
	struct lm_err *err = ctx;

	if (!leftover(l, bs))
		return LM_S_OK;
	pathf(dir, "%s/core/%s", l->conf.configfs, bs);
	if (lm_cfs_rmdir(&l->cfs, dir) != 0)
		return fail(err, "remove the leftover backstore", dir);
	say(l, "configfs: removed backstore %s, which no LU used (left by an interrupted step)", bs);
	return LM_S_OK;
}

/* Backstores of lunmap's that no LU uses: removed (keep-backstores keeps
 * the whole ones). */
static lm_hr lio_tidy(struct lm_backend *b, struct lm_err *err)
{
	return each_backstore(lio_of(b), tidy_one, err);
}

static void lio_set_deadline(struct lm_backend *b, long long deadline_ms)
{
	lio_of(b)->cfs.deadline = deadline_ms;
}

static lm_hr lio_sessions(struct lm_backend *b, const struct lm_target *t,
			  struct lm_obs_sessions *out, struct lm_err *err)
{
	return lm_lio_read_sessions(lio_of(b)->conf.configfs, t->iqn, out, err);
}

static lm_hr lio_stats(struct lm_backend *b, const struct lm_target *t, struct lm_obs_stats *out,
		       struct lm_err *err)
{
	struct lio *l = lio_of(b);
	lm_hr hr = lm_lio_read_stats(l->conf.configfs, t->iqn, out, err);

	if (!l->log_opened) {
		/* opened on first use, at its end: root's, as configfs is */
		lm_lio_refusals_open(&l->refusals, "/dev/kmsg");
		l->log_opened = true;
	}
	if (!lm_failed(hr))
		lm_lio_refusals_match(&l->refusals, t->iqn, out);
	return hr;
}

static lm_hr lio_in_use(struct lm_backend *b, const struct lm_target *t, unsigned *n,
		       struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char path[PATH_MAX];

	*n = 0;
	if (!lm_valid_component(t->iqn))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\"",
				  t->iqn);
	/* "nobody" only when LIO said so: no time left, or no such target,
	 * is not knowing */
	if (lm_cfs_late(&l->cfs))
		return lm_err_set(err, LM_HR_TIMEOUT,
				  "no time left to ask LIO who is logged in to %s", t->iqn);
	pathf(path, "%s/iscsi/%s/" TPG "/dynamic_sessions", l->conf.configfs, t->iqn);
	if (access(path, R_OK) != 0)
		return lm_err_set(err, LM_E_FAIL, "LIO does not tell who is logged in to %s: %s",
				  t->iqn, strerror(errno));
	*n = count_sessions(l, t->iqn);
	return LM_S_OK;
}

static void lio_destroy(struct lm_backend *b)
{
	struct lio *l = lio_of(b);

	if (l->log_opened)
		lm_lio_refusals_close(&l->refusals);
	free(l);
}

static const struct lm_backend_ops lio_ops = {
	.name = "lio",
	.naa = lm_naa_lio,
	.min_lun_number = 1,
	.enumerate = lio_enumerate,
	.create_target = lio_create_target,
	.add_lu = lio_add_lu,
	.remove_lu = lio_remove_lu,
	.set_access = lio_set_access,
	.check_access = lio_check_access,
	.tidy = lio_tidy,
	.set_deadline = lio_set_deadline,
	.in_use = lio_in_use,
	.destroy = lio_destroy,
	.sessions = lio_sessions,
	.session_ids = true,
	.stats = lio_stats,
};

struct lm_backend *lm_lio_new(const struct lm_backend_conf *conf)
{
	struct lio *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->base.ops = &lio_ops;
	l->base.priv = l;
	l->conf = *conf;
	l->cfs.deadline = LM_NO_DEADLINE;
	return &l->base;
}
