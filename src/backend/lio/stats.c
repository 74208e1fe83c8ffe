/* SPDX-License-Identifier: BSD-3-Clause */
/* What LIO counted for a target (SCSI-MIB's and ISCSI-MIB's counters),
 * from configfs: logins and their failures, session errors, each LU's
 * and its backstore's counters, each initiator's mapped LUNs'. */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "lio.h"
#include "valid.h"

#define TPG "tpgt_1"
#define pathf lm_cfs_path

/* the looks have their own deadline (watch.c), not a SET's */
static const struct lm_cfs no_deadline = { LM_NO_DEADLINE };

/* Reads dir/name[i] into v[i] for each name; 0 when all were read. */
static int read_all(const char *dir, const char *const *names, uint64_t *const *v, size_t n)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		pathf(path, "%s/%s", dir, names[i]);
		if (lm_lio_read_u64(path, v[i]) != 0)
			return -1;
	}
	return 0;
}

static void read_login(const char *stats, struct lm_obs_stats *o)
{
	static const char *const names[] = { "accepts", "other_fails", "redirects",
					      "authorize_fails", "authenticate_fails",
					      "negotiate_fails" };
	uint64_t *const v[] = { &o->accepts, &o->other_fails, &o->redirects, &o->authorize_fails,
				&o->authenticate_fails, &o->negotiate_fails };
	char dir[PATH_MAX], path[PATH_MAX], text[256];
	uint64_t type = 0, when = 0;

	pathf(dir, "%s/iscsi_login_stats", stats);
	o->login_known = read_all(dir, names, v, 6) == 0;
	pathf(dir, "%s/iscsi_tgt_attr", stats);
	pathf(path, "%s/last_fail_type", dir);
	if (!o->login_known || lm_lio_read_u64(path, &type) != 0 || type < 2 || type > 6)
		return;
	o->last_fail = (enum lm_login_fail)type;
	pathf(path, "%s/last_fail_time", dir);
	if (lm_lio_read_u64(path, &when) == 0)
		o->last_fail_cs = when;
	pathf(path, "%s/fail_intr_name", dir);
	/* "None" before any failure, "Unknown" when the login named nobody */
	if (lm_lio_read_line(path, text, sizeof text) == 0 && strcmp(text, "None") != 0 &&
	    strcmp(text, "Unknown") != 0)
		lm_obs_name(o->fail_name, text, strlen(text));
	pathf(path, "%s/fail_intr_addr", dir);
	if (lm_lio_read_line(path, text, sizeof text) == 0)
		o->fail_family = lm_obs_addr(text, strlen(text), o->fail_addr);
}

static void read_instance(const char *stats, struct lm_obs_stats *o)
{
	static const char *const names[] = { "digest_errors", "cxn_errors", "format_errors" };
	static const char *const lnames[] = { "normal_logouts", "abnormal_logouts" };
	uint64_t *const v[] = { &o->digest_errors, &o->cxn_errors, &o->format_errors };
	uint64_t *const lv[] = { &o->normal_logouts, &o->abnormal_logouts };
	char dir[PATH_MAX], path[PATH_MAX], text[256];
	uint64_t type;

	pathf(dir, "%s/iscsi_logout_stats", stats);
	o->logout_known = read_all(dir, lnames, lv, 2) == 0;
	pathf(dir, "%s/iscsi_sess_err", stats);
	o->sess_err_known = read_all(dir, names, v, 3) == 0;
	pathf(path, "%s/iscsi_instance/fail_type", stats);
	if (o->sess_err_known && lm_lio_read_u64(path, &type) == 0 && type >= 1 && type <= 3)
		o->last_sess_fail = (enum lm_sess_fail)type;
	pathf(path, "%s/iscsi_instance/fail_rem_name", stats);
	if (lm_lio_read_line(path, text, sizeof text) == 0 && strcmp(text, "None") != 0)
		lm_obs_name(o->sess_fail_name, text, strlen(text));
	pathf(path, "%s/iscsi_instance/vendor", stats);
	if (lm_lio_read_line(path, text, sizeof text) == 0)
		lm_obs_text(o->vendor, sizeof o->vendor - 1, text, strlen(text));
	pathf(path, "%s/iscsi_instance/version", stats);
	if (lm_lio_read_line(path, text, sizeof text) == 0)
		lm_obs_text(o->version, sizeof o->version - 1, text, strlen(text));
}

static void read_word(const char *path, char *dst, size_t max)
{
	char text[64];

	if (lm_lio_read_line(path, text, sizeof text) == 0)
		lm_obs_text(dst, max, text, strlen(text));
}

static void read_lu(const char *configfs, const char *lundir, struct lm_obs_lu *l)
{
	static const char *const pn[] = { "in_cmds", "read_mbytes", "write_mbytes" };
	static const char *const ln[] = { "num_cmds", "read_mbytes", "write_mbytes", "resets" };
	uint64_t *const pv[] = { &l->port_cmds, &l->port_read_mb, &l->port_write_mb };
	uint64_t *const lv[] = { &l->lu_cmds, &l->lu_read_mb, &l->lu_write_mb, &l->lu_resets };
	char dir[PATH_MAX], bs[PATH_MAX], path[PATH_MAX];

	pathf(dir, "%s/statistics/scsi_tgt_port", lundir);
	l->port_known = read_all(dir, pn, pv, 3) == 0;
	lm_lio_linked_backstore(&no_deadline, lundir, bs, sizeof bs);
	if (!bs[0])
		return;
	pathf(dir, "%s/core/%s/statistics/scsi_lu", configfs, bs);
	l->lu_known = read_all(dir, ln, lv, 4) == 0;
	pathf(path, "%s/vend", dir);
	read_word(path, l->vendor, sizeof l->vendor - 1);
	pathf(path, "%s/prod", dir);
	read_word(path, l->product, sizeof l->product - 1);
	pathf(path, "%s/rev", dir);
	read_word(path, l->revision, sizeof l->revision - 1);
}

static int read_lus(const char *configfs, const char *tpg, struct lm_obs_stats *o)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	pathf(dir, "%s/lun", tpg);
	d = opendir(dir);
	while (d && rc == 0 && (e = readdir(d))) {
		char lundir[PATH_MAX];
		struct lm_obs_lu *l;
		uint32_t number;
		if (!lm_cfs_is_lun_dir(e->d_name, &number))
			continue;
		if (!(l = lm_obs_lu_add(o, number))) {
			rc = -1;
			break;
		}
		pathf(lundir, "%s/%s", dir, e->d_name);
		read_lu(configfs, lundir, l);
	}
	if (d)
		closedir(d);
	return rc;
}

/* One initiator of the ACL: its mapped LUNs' counters, summed. */
static void read_initiator(const char *acl, struct lm_obs_initiator *x)
{
	static const char *const names[] = { "att_count", "num_cmds", "read_mbytes", "write_mbytes" };
	struct dirent *e;
	DIR *d = opendir(acl);

	while (d && (e = readdir(d))) {
		char dir[PATH_MAX];
		uint64_t v[4];
		uint64_t *const pv[] = { &v[0], &v[1], &v[2], &v[3] };
		uint32_t number;
		if (!lm_cfs_is_lun_dir(e->d_name, &number))
			continue;
		pathf(dir, "%s/%s/statistics/scsi_auth_intr", acl, e->d_name);
		if (read_all(dir, names, pv, 4) != 0)
			continue;
		x->attached += v[0];
		x->cmds += v[1];
		x->read_mb += v[2];
		x->write_mb += v[3];
	}
	if (d)
		closedir(d);
}

static int read_initiators(const char *tpg, struct lm_obs_stats *o)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	pathf(dir, "%s/acls", tpg);
	d = opendir(dir);
	while (d && rc == 0 && (e = readdir(d))) {
		char acl[PATH_MAX];
		struct lm_obs_initiator *x;
		if (!lm_cfs_is_target_name(e->d_name) || !lm_valid_component(e->d_name))
			continue;
		if (!(x = lm_obs_initiator_add(o, e->d_name)))
			continue;
		pathf(acl, "%s/%s", dir, e->d_name);
		read_initiator(acl, x);
	}
	if (d)
		closedir(d);
	return rc;
}

lm_hr lm_lio_read_stats(const char *configfs, const char *iqn, struct lm_obs_stats *out,
			struct lm_err *err)
{
	char dir[PATH_MAX], stats[PATH_MAX], tpg[PATH_MAX];
	lm_hr hr = lm_lio_target_dir(configfs, iqn, dir, err);

	memset(out, 0, sizeof *out);
	if (lm_failed(hr))
		return hr;
	pathf(stats, "%s/fabric_statistics", dir);
	pathf(tpg, "%s/" TPG, dir);
	read_login(stats, out);
	read_instance(stats, out);
	if (read_lus(configfs, tpg, out) != 0 || read_initiators(tpg, out) != 0) {
		lm_obs_stats_clear(out);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for LIO's statistics");
	}
	lm_obs_stats_sort(out);
	return LM_S_OK;
}
