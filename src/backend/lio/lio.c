/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend: the kernel target through configfs (design §4). A LUN
 * is one backstore, created once with its identity derived from its id,
 * and linked into every associated target's TPG; so every target exposes
 * the same device. No targetcli, no Python. */
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
#include "valid.h"

#define TPG "tpgt_1"
#define BS_PREFIX "lm-"

struct lio {
	struct lm_backend base;
	struct lm_backend_conf conf;
};

static struct lio *lio_of(struct lm_backend *b)
{
	return (struct lio *)b;
}

/* configfs answers with an errno; say what it means for a target. */
static const char *meaning(int e)
{
	switch (e) {
	case ENOENT: return "it does not exist (removed behind lunmap's back?)";
	case EEXIST: return "it already exists";
	case EBUSY: return "it is in use";
	case EINVAL: return "LIO refused the value";
	case ENODEV: return "no such device (is the target module loaded?)";
	case EACCES:
	case EPERM: return "permission denied";
	case ENOTEMPTY: return "it is not empty";
	case ENOSPC: return "no room left";
	default: return "configfs refused";
	}
}

static lm_hr fail(struct lm_err *err, const char *what, const char *path)
{
	int e = errno;

	return lm_err_set(err, lm_hr_from_errno(e), "configfs: cannot %s %s: %s (%s)", what, path, meaning(e),
			  strerror(e));
}

static void pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
}

/* configfs makes default groups itself; a plain folder (the unit tests')
 * needs them made: EEXIST is success here. */
static int mkdir_group(const char *path)
{
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* One write: configfs hands every write() to the attribute on its own. */
static int write_attr(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	size_t n = strlen(value);
	char *line = malloc(n + 2);
	int rc = -1;

	if (fd >= 0 && line) {
		memcpy(line, value, n);
		line[n] = '\n';
		rc = write(fd, line, n + 1) == (ssize_t)(n + 1) ? 0 : -1;
	}
	free(line);
	if (fd >= 0 && close(fd) != 0)
		rc = -1;
	return rc;
}

static int read_attr(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	return 0;
}

static bool is_target_name(const char *s)
{
	return !strncmp(s, "iqn.", 4) || !strncmp(s, "eui.", 4) || !strncmp(s, "naa.", 4);
}

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
	char dir[PATH_MAX], want[32];
	size_t wn;
	DIR *d;
	struct dirent *e;
	bool found = false;

	pathf(dir, "%s/iscsi/%s/" TPG "/acls/%s/lun_%u", l->conf.configfs, iqn, init, number);
	snprintf(want, sizeof want, "/lun/lun_%u", number);
	wn = strlen(want);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		char link[PATH_MAX], to[PATH_MAX];
		ssize_t n;
		pathf(link, "%s/%s", dir, e->d_name);
		n = readlink(link, to, sizeof to - 1);
		if (n <= 0)
			continue;
		to[n] = '\0';
		found = (size_t)n >= wn && strcmp(to + n - wn, want) == 0;
	}
	if (d)
		closedir(d);
	return found;
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
	if (mkdir_group(dir) != 0)
		return fail(err, "create the mapped LUN", dir);
	if (symlink(to, link) != 0) {
		lm_hr hr = fail(err, "map the LUN into", dir);
		rmdir(dir);
		return hr;
	}
	return LM_S_OK;
}

/* Takes the LUN out of one ACL: its links, then its folder. Not there is
 * done. */
static lm_hr unmap_lu(struct lio *l, const char *iqn, const char *init, uint32_t number,
		      struct lm_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	pathf(dir, "%s/iscsi/%s/" TPG "/acls/%s/lun_%u", l->conf.configfs, iqn, init, number);
	d = opendir(dir);
	if (!d)
		return LM_S_OK;
	while ((e = readdir(d)) && !lm_failed(hr)) {
		char link[PATH_MAX], to[8];
		pathf(link, "%s/%s", dir, e->d_name);
		if (readlink(link, to, sizeof to) > 0 && unlink(link) != 0)
			hr = fail(err, "unmap the LUN from", link);
	}
	closedir(d);
	if (!lm_failed(hr) && rmdir(dir) != 0 && errno != ENOENT)
		hr = fail(err, "remove the mapped LUN", dir);
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
	d = opendir(dir);
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
	d = opendir(dir);
	while (d && !out[0] && (e = readdir(d))) {
		if (!is_target_name(e->d_name) || !lm_valid_component(e->d_name) ||
		    strlen(e->d_name) >= len)
			continue;
		if (!acl_maps(l, iqn, e->d_name, number))
			strcpy(out, e->d_name);
	}
	if (d)
		closedir(d);
}

/* Maps every LUN the TPG has into a new ACL. */
static lm_hr map_existing(struct lio *l, const char *iqn, const char *init, struct lm_err *err)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	pathf(dir, "%s/iscsi/%s/" TPG "/lun", l->conf.configfs, iqn);
	d = opendir(dir);
	while (d && (e = readdir(d)) && !lm_failed(hr)) {
		unsigned long long number;
		if (strncmp(e->d_name, "lun_", 4) == 0 &&
		    lm_parse_u64(e->d_name + 4, strlen(e->d_name + 4), UINT32_MAX, &number))
			hr = map_lu(l, iqn, init, (uint32_t)number, err);
	}
	if (d)
		closedir(d);
	return hr;
}

/* The backstore a lun_N folder links to, as "hba/name", or "" */
static void linked_backstore(const char *lundir, char *out, size_t len)
{
	DIR *d = opendir(lundir);
	struct dirent *e;

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d))) {
		char link[PATH_MAX], to[PATH_MAX];
		ssize_t n;
		char *name, *hba;
		pathf(link, "%s/%s", lundir, e->d_name);
		n = readlink(link, to, sizeof to - 1);
		if (n <= 0)
			continue;
		to[n] = '\0';
		name = strrchr(to, '/');
		if (!name)
			continue;
		*name++ = '\0';
		hba = strrchr(to, '/');
		hba = hba ? hba + 1 : to;
		/* a link's text is untrusted: never let it lead out of core/ */
		if (!lm_valid_component(hba) || !lm_valid_component(name))
			continue;
		if (strlen(hba) + strlen(name) + 2 <= len) {
			strcpy(out, hba);
			strcat(out, "/");
			strcat(out, name);
		}
		break;
	}
	closedir(d);
}

/* The backstore's unit serial; configfs shows it as
 * "T10 VPD Unit Serial Number: SERIAL". One lunmap cannot have set reads
 * as "?" (the wrong identity). */
static lm_hr read_serial(struct lio *l, const char *bs, struct lm_stack_target *st)
{
	static const char prefix[] = "T10 VPD Unit Serial Number: ";
	char attr[PATH_MAX], text[256];
	const char *sn;

	pathf(attr, "%s/core/%s/wwn/vpd_unit_serial", l->conf.configfs, bs);
	if (read_attr(attr, text, sizeof text) != 0)
		return lm_stack_set_serial(st, "?");
	sn = strncmp(text, prefix, sizeof prefix - 1) == 0 ? text + sizeof prefix - 1 : text;
	return lm_stack_set_serial(st, lm_stack_serial_ok(sn) ? sn : "?");
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
	fd = open(path, O_RDONLY | O_CLOEXEC);
	got = fd < 0 ? -1 : read(fd, text, sizeof text);
	for (ssize_t i = 0; i < got; i++)
		n += text[i] == '\n';
	if (!n && got > 0 && text[0])
		n = 1;
	if (fd >= 0)
		close(fd);
	pathf(path, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, iqn);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		char info[PATH_MAX];
		if (e->d_name[0] == '.')
			continue;
		pathf(info, "%s/%s/info", path, e->d_name);
		if (read_attr(info, text, sizeof text) == 0 && strncmp(text, "InitiatorName:", 14) == 0)
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static int read_access(struct lio *l, const char *iqn, uint32_t number);

static lm_hr enumerate_target(struct lio *l, struct lm_stack_target *st)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	lm_hr hr = LM_S_OK;

	st->sessions = count_sessions(l, st->iqn);
	pathf(dir, "%s/iscsi/%s/" TPG "/lun", l->conf.configfs, st->iqn);
	d = opendir(dir);
	if (!d)
		return LM_S_OK; /* a target without a TPG has no LUN */
	while ((e = readdir(d)) && !lm_failed(hr)) {
		char lundir[PATH_MAX], bs[PATH_MAX], attr[PATH_MAX], path[PATH_MAX];
		unsigned long long number;
		if (strncmp(e->d_name, "lun_", 4) != 0)
			continue;
		if (!lm_parse_u64(e->d_name + 4, strlen(e->d_name + 4), UINT32_MAX, &number))
			continue;
		pathf(lundir, "%s/%s", dir, e->d_name);
		linked_backstore(lundir, bs, sizeof bs);
		if (!bs[0])
			continue;
		pathf(attr, "%s/core/%s/udev_path", l->conf.configfs, bs);
		if (read_attr(attr, path, sizeof path) != 0 || path[0] != '/')
			continue; /* not a backstore lunmap can name: left alone */
		hr = lm_stack_add_lu(st, (uint32_t)number, path);
		if (!lm_failed(hr))
			lm_stack_set_readonly(st, read_access(l, st->iqn, (uint32_t)number));
		if (!lm_failed(hr)) {
			first_unmapped(l, st->iqn, (uint32_t)number, path, sizeof path);
			if (path[0])
				hr = lm_stack_set_unmapped(st, path);
		}
		if (!lm_failed(hr))
			hr = read_serial(l, bs, st);
	}
	closedir(d);
	return hr;
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
	if (mkdir_group(dir) != 0)
		return fail(err, "create", dir);
	d = opendir(dir);
	if (!d)
		return fail(err, "read", dir);
	while ((e = readdir(d)) && !lm_failed(hr)) {
		if (!is_target_name(e->d_name) || !lm_valid_component(e->d_name))
			continue;
		hr = lm_stack_add_target(out, e->d_name);
		if (!lm_failed(hr))
			hr = enumerate_target(l, &out->targets[out->ntargets - 1]);
	}
	closedir(d);
	if (!lm_failed(hr))
		hr = lm_stack_validate(out);
	if (lm_failed(hr)) {
		lm_stack_clear(out);
		return lm_err_set(err, hr, "no memory to enumerate LIO");
	}
	return LM_S_OK;
}

static bool demo_mode(const struct lm_target *t)
{
	return t->initiators && strcmp(t->initiators, "ALL") == 0;
}

/* One node ACL per named initiator. existing: an ACL already there is
 * fine (add_lu puts back one that is missing); a new one is given every
 * LUN the TPG already has. */
static lm_hr make_acls(struct lio *l, const struct lm_target *t, bool existing, struct lm_err *err)
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
		if (mkdir(path, 0755) == 0)
			hr = map_existing(l, t->iqn, w, err);
		else if (!existing || errno != EEXIST)
			hr = fail(err, "create", path);
	}
	free(copy);
	return hr;
}

/* Initiator access: ALL lets every initiator in (generated node ACLs),
 * otherwise one ACL per initiator name. */
static lm_hr set_access(struct lio *l, const struct lm_target *t, struct lm_err *err)
{
	static const char *const open_attrs[][2] = {
		{ "generate_node_acls", "1" }, { "cache_dynamic_acls", "1" },
		{ "demo_mode_write_protect", "0" }, { "authentication", "0" },
	};
	char path[PATH_MAX];

	if (demo_mode(t)) {
		for (size_t i = 0; i < sizeof open_attrs / sizeof open_attrs[0]; i++) {
			pathf(path, "%s/iscsi/%s/" TPG "/attrib/%s", l->conf.configfs, t->iqn,
			      open_attrs[i][0]);
			if (write_attr(path, open_attrs[i][1]) != 0)
				return fail(err, "write", path);
		}
		return LM_S_OK;
	}
	/* LIO's TPG enforces CHAP by default (attrib/authentication 1) and
	 * lunmap sets no secret: without this, every named initiator's login
	 * fails with "Authentication failure" */
	pathf(path, "%s/iscsi/%s/" TPG "/attrib/authentication", l->conf.configfs, t->iqn);
	if (write_attr(path, "0") != 0)
		return fail(err, "write", path);
	return make_acls(l, t, false, err);
}

static lm_hr lio_create_target(struct lm_backend *b, const struct lm_target *t, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char tdir[PATH_MAX], tpg[PATH_MAX], path[PATH_MAX];
	lm_hr hr = LM_S_OK;

	/* a path is never built from a component that could climb out */
	if (!lm_valid_component(t->iqn) || !lm_valid_request_value(t->iqn, NULL, NULL) ||
	    (l->conf.portal[0] && (!lm_valid_component(l->conf.portal) ||
				   !lm_valid_request_value(l->conf.portal, NULL, NULL))))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\" or \"%s\"",
				  t->iqn, l->conf.portal);
	pathf(path, "%s/iscsi", l->conf.configfs);
	if (mkdir_group(path) != 0)
		return fail(err, "create", path);
	pathf(tdir, "%s/iscsi/%s", l->conf.configfs, t->iqn);
	pathf(tpg, "%s/" TPG, tdir);
	if (mkdir(tdir, 0755) != 0)
		return fail(err, "create target", tdir);
	if (mkdir(tpg, 0755) != 0) {
		hr = fail(err, "create", tpg);
		goto undo;
	}
	for (const char *const *g = (const char *const[]){ "lun", "np", "acls", "attrib", NULL }; *g; g++) {
		pathf(path, "%s/%s", tpg, *g);
		if (mkdir_group(path) != 0) {
			hr = fail(err, "create", path);
			goto undo;
		}
	}
	if (l->conf.portal[0]) {
		pathf(path, "%s/np/%s", tpg, l->conf.portal);
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			hr = fail(err, "create portal", path);
			goto undo;
		}
	}
	hr = set_access(l, t, err);
	if (lm_failed(hr))
		goto undo;
	pathf(path, "%s/enable", tpg);
	if (write_attr(path, "1") != 0) {
		hr = fail(err, "enable", tpg);
		goto undo;
	}
	return LM_S_OK;
undo:
	/* configfs drops a TPG's groups with it; best effort */
	if (l->conf.portal[0]) {
		pathf(path, "%s/np/%s", tpg, l->conf.portal);
		rmdir(path);
	}
	rmdir(tpg);
	rmdir(tdir);
	return hr;
}

static void backstore_of(struct lio *l, const struct lm_lun *lun, char *hba, char *dir)
{
	struct stat sb;
	char hex[33];

	lm_guid_hex(&lun->id, hex);
	strcpy(hba, stat(lun->path, &sb) == 0 && S_ISBLK(sb.st_mode) ? "iblock_0" : "fileio_0");
	pathf(dir, "%s/core/%s/" BS_PREFIX "%s", l->conf.configfs, hba, hex);
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

static lm_hr make_backstore(struct lio *l, const struct lm_lun *lun, const char *hba,
			    const char *bs, struct lm_err *err)
{
	char path[PATH_MAX], control[PATH_MAX + 64], hex[33];

	pathf(path, "%s/core/%s", l->conf.configfs, hba);
	if (mkdir_group(path) != 0)
		return fail(err, "create", path);
	if (mkdir(bs, 0755) != 0)
		return fail(err, "create backstore", bs);
	if (strcmp(hba, "iblock_0") == 0)
		snprintf(control, sizeof control, "udev_path=%s", lun->path);
	else
		snprintf(control, sizeof control, "fd_dev_name=%s,fd_dev_size=%llu", lun->path,
			 (unsigned long long)lun->size);
	lm_guid_hex(&lun->id, hex);
	pathf(path, "%s/control", bs);
	if (write_attr(path, control) != 0)
		return fail(err, "configure", bs);
	pathf(path, "%s/udev_path", bs);
	if (write_attr(path, lun->path) != 0)
		return fail(err, "write", path);
	pathf(path, "%s/enable", bs);
	if (write_attr(path, "1") != 0)
		return fail(err, "enable backstore", bs);
	/* the unit serial, and the device id LIO derives from it: the same
	 * through every target */
	pathf(path, "%s/wwn", bs);
	if (mkdir_group(path) != 0)
		return fail(err, "create", path);
	pathf(path, "%s/wwn/vpd_unit_serial", bs);
	if (write_attr(path, hex) != 0)
		return fail(err, "set the serial of", bs);
	return LM_S_OK;
}

/* Whether any target's LUN links to the backstore hba/name. */
static bool backstore_used(struct lio *l, const char *hba, const char *name)
{
	char want[PATH_MAX], dir[PATH_MAX];
	DIR *d;
	struct dirent *e;
	bool used = false;

	pathf(want, "%s/%s", hba, name);
	pathf(dir, "%s/iscsi", l->conf.configfs);
	d = opendir(dir);
	if (!d)
		return true; /* when in doubt, keep it */
	while (!used && (e = readdir(d))) {
		char luns[PATH_MAX];
		DIR *ld;
		struct dirent *le;
		if (!is_target_name(e->d_name))
			continue;
		pathf(luns, "%s/%s/" TPG "/lun", dir, e->d_name);
		ld = opendir(luns);
		while (ld && !used && (le = readdir(ld))) {
			char lundir[PATH_MAX], bs[PATH_MAX];
			if (strncmp(le->d_name, "lun_", 4) != 0)
				continue;
			pathf(lundir, "%s/%s", luns, le->d_name);
			linked_backstore(lundir, bs, sizeof bs);
			used = strcmp(bs, want) == 0;
		}
		if (ld)
			closedir(ld);
	}
	closedir(d);
	return used;
}

static void drop_backstore(struct lio *l, const char *hba, const char *bs)
{
	const char *name = strrchr(bs, '/') + 1;

	if (l->conf.keep_backstores || backstore_used(l, hba, name))
		return;
	/* in configfs this removes the device; a plain folder (the unit
	 * tests') keeps its attribute files and says ENOTEMPTY */
	rmdir(bs);
}

static lm_hr lio_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char hba[16], bs[PATH_MAX], lundir[PATH_MAX], link[PATH_MAX];
	bool made = false;
	lm_hr hr;

	if (!lm_valid_component(t->iqn))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\"",
				  t->iqn);
	hr = check_path(lun, err);
	if (lm_failed(hr))
		return hr;
	backstore_of(l, lun, hba, bs);
	if (access(bs, F_OK) != 0) {
		hr = make_backstore(l, lun, hba, bs, err);
		if (lm_failed(hr)) {
			rmdir(bs);
			return hr;
		}
		made = true;
	}
	pathf(lundir, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, t->iqn, number);
	if (mkdir(lundir, 0755) != 0) {
		hr = fail(err, "create", lundir);
		goto undo;
	}
	pathf(link, "%s/%s", lundir, strrchr(bs, '/') + 1);
	if (symlink(bs, link) != 0) {
		hr = fail(err, "link the backstore into", lundir);
		rmdir(lundir);
		goto undo;
	}
	if (!demo_mode(t))
		hr = make_acls(l, t, true, err);
	else
		hr = LM_S_OK;
	if (!lm_failed(hr))
		hr = map_in_acls(l, t->iqn, number, true, err);
	if (lm_failed(hr)) {
		map_in_acls(l, t->iqn, number, false, NULL);
		unlink(link);
		rmdir(lundir);
		goto undo;
	}
	return LM_S_OK;
undo:
	if (made)
		drop_backstore(l, hba, bs);
	return hr;
}

static lm_hr lio_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char lundir[PATH_MAX], linked[PATH_MAX], link[PATH_MAX], bs[PATH_MAX], *slash;
	lm_hr hr;

	pathf(lundir, "%s/iscsi/%s/" TPG "/lun/lun_%u", l->conf.configfs, t->iqn, number);
	linked_backstore(lundir, linked, sizeof linked);
	if (!linked[0]) {
		errno = ENOENT;
		return fail(err, "find the LU", lundir);
	}
	/* the mapped LUNs first, as targetcli does: none is left pointing at
	 * a LUN that is gone */
	hr = map_in_acls(l, t->iqn, number, false, err);
	if (lm_failed(hr))
		return hr;
	slash = strchr(linked, '/');
	pathf(link, "%s/%s", lundir, slash + 1);
	if (unlink(link) != 0)
		return fail(err, "unlink", link);
	if (rmdir(lundir) != 0)
		return fail(err, "remove", lundir);
	*slash = '\0';
	pathf(bs, "%s/core/%s/%s", l->conf.configfs, linked, slash + 1);
	(void)lun;
	drop_backstore(l, linked, bs);
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
	d = opendir(dir);
	if (!d)
		return fail(err, "read", dir);
	while ((e = readdir(d)) && !lm_failed(hr)) {
		if (e->d_name[0] == '.')
			continue;
		pathf(path, "%s/%s/lun_%u/write_protect", dir, e->d_name, number);
		if (access(path, F_OK) == 0 && write_attr(path, readonly ? "1" : "0") != 0)
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
	if (read_attr(path, v, sizeof v) == 0 && v[0] == '1') {
		pathf(path, "%s/iscsi/%s/" TPG "/attrib/demo_mode_write_protect", l->conf.configfs,
		      iqn);
		return read_attr(path, v, sizeof v) == 0 ? v[0] == '1' : -1;
	}
	pathf(dir, "%s/iscsi/%s/" TPG "/acls", l->conf.configfs, iqn);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		pathf(path, "%s/%s/lun_%u/write_protect", dir, e->d_name, number);
		if (read_attr(path, v, sizeof v) == 0)
			ro = ro == 1 || v[0] == '1';
	}
	if (d)
		closedir(d);
	return ro;
}

static lm_hr lio_sessions(struct lm_backend *b, const struct lm_target *t, unsigned *n,
			  struct lm_err *err)
{
	if (!lm_valid_component(t->iqn))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\"",
				  t->iqn);
	*n = count_sessions(lio_of(b), t->iqn);
	return LM_S_OK;
}

static void lio_destroy(struct lm_backend *b)
{
	free(lio_of(b));
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
	.sessions = lio_sessions,
	.destroy = lio_destroy,
};

struct lm_backend *lm_lio_new(const struct lm_backend_conf *conf)
{
	struct lio *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->base.ops = &lio_ops;
	l->base.priv = l;
	l->conf = *conf;
	return &l->base;
}
