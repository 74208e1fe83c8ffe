/* SPDX-License-Identifier: BSD-3-Clause */
/* The IETF MIBs' notifications, on the look's cadence: iscsiTgtLoginFailure
 * when a target's failed logins grew since the last look, and
 * iscsiInstSessionFailure when the instance's failed sessions did (LIO
 * counts both), scsiTgtDeviceStatusChanged when a target device turns to
 * a status other than available, scsiLuStatusChanged when an LU turns
 * notAvailable or back. Both MIBs ask for at most three identical
 * notifications in ten seconds. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "ietf.h"
#include "vec.h"

#define BURST 3
#define BURST_MS 10000

struct ietf_seen {
	uint32_t target;
	long status;
};

struct ietf_lu_seen {
	uint32_t target, lun;
};

uint64_t ietf_iscsi_login_failures(const struct lm_target_obs *o);

/* Whether one more of kind may go now (and it is counted). */
static bool may_send(struct ietf *x, int kind)
{
	long long now = lm_now_ms(), *t = x->sent_ms[kind];
	int oldest = 0;

	for (int i = 1; i < BURST; i++)
		if (t[i] < t[oldest])
			oldest = i;
	if (t[oldest] && now - t[oldest] < BURST_MS)
		return false;
	t[oldest] = now;
	return true;
}

/* Adds the instance of the object name.idx (its value as a GET has it). */
static void add_object(struct ietf *x, const struct ietf_mib *mib, netsnmp_variable_list **vars,
		       const oid *name, size_t len)
{
	netsnmp_variable_list *vb = snmp_varlist_add_variable(vars, name, len, ASN_NULL, NULL, 0);

	if (vb && ietf_get(x, mib, vb, 1) != 0)
		snmp_set_var_typed_value(vb, ASN_NULL, NULL, 0);
}

static void login_failure(struct ietf *x, uint32_t node)
{
	oid trap[] = { IETF_ISCSI_MIB, 0, 1 };
	netsnmp_variable_list *vars = lunmapd_trap_start(trap, OID_LENGTH(trap));

	for (oid col = 1; col <= 6; col++) {
		/* iscsiTgtLoginFailures, LastFailureType, LastIntrFailureName,
		 * AddrType, Addr (not LastFailureTime) */
		oid o[] = { IETF_ISCSI_MIB, 1, 6, 1, 1, col, IETF_INSTANCE, node };
		if (col != 2)
			add_object(x, &ietf_iscsi_mib, &vars, o, OID_LENGTH(o));
	}
	lunmapd_trap_send(vars);
}

static void login_failures(struct ietf *x, const struct lm_observation *prev)
{
	for (size_t i = 0; i < x->obs.n; i++) {
		const struct lm_target_obs *o = &x->obs.v[i];
		const struct lm_target_obs *was = lm_observation_find(prev, o->target);
		if (!ietf_iscsi_login_failures(o) || !was || !was->has_stats ||
		    !was->stats.login_known)
			continue;
		if (ietf_iscsi_login_failures(o) > ietf_iscsi_login_failures(was) &&
		    may_send(x, 0)) {
			snmp_log(LOG_NOTICE, "lunmapd: a login to target %u failed (%s)\n", o->target,
				 o->stats.fail_name[0] ? o->stats.fail_name : "initiator unknown");
			login_failure(x, o->target);
		}
	}
}

static uint64_t session_failures(const struct lm_observation *o)
{
	return o->digest_errors + o->cxn_errors + o->format_errors;
}

static void session_failure(struct ietf *x, const struct lm_observation *prev)
{
	oid trap[] = { IETF_ISCSI_MIB, 0, 3 };
	netsnmp_variable_list *vars;

	if (!prev || !prev->sess_err_known || !x->obs.sess_err_known ||
	    session_failures(&x->obs) <= session_failures(prev) || !may_send(x, 2))
		return;
	snmp_log(LOG_NOTICE, "lunmapd: an iSCSI session failed\n");
	vars = lunmapd_trap_start(trap, OID_LENGTH(trap));
	for (oid col = 10; col <= 12; col++) {
		/* iscsiInstSsnFailures, LastSsnFailureType, LastSsnRmtNodeName */
		oid o[] = { IETF_ISCSI_MIB, 1, 1, 1, 1, col, IETF_INSTANCE };
		add_object(x, &ietf_iscsi_mib, &vars, o, OID_LENGTH(o));
	}
	lunmapd_trap_send(vars);
}

/* A SCSI-MIB notification of one status object. */
static void scsi_status_trap(struct ietf *x, oid which, const oid *status, size_t len)
{
	oid trap[] = { IETF_SCSI_MIB, 0, 0, which };
	netsnmp_variable_list *vars = lunmapd_trap_start(trap, OID_LENGTH(trap));

	add_object(x, &ietf_scsi_mib, &vars, status, len);
	lunmapd_trap_send(vars);
}

static void device_status_changed(struct ietf *x, uint32_t dev)
{
	oid status[] = { IETF_SCSI_MIB, 2, 3, 1, 1, 2, IETF_INSTANCE, dev };

	scsi_status_trap(x, 1, status, OID_LENGTH(status));
}

static int seen_key_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = ((const struct ietf_seen *)elem)->target;

	return k < i ? -1 : k > i;
}

/* Each target device's status against the last look's: a turn to other
 * than available(2) is notified. What is seen now replaces it. */
static void device_statuses(struct ietf *x, bool notify)
{
	struct ietf_seen *now = NULL;
	size_t n = 0, cap = 0;

	ietf_fresh(x);
	for (const struct lm_target *t = lm_core_target_after(x->core, 0); t;
	     t = lm_core_target_after(x->core, lm_target_index(t))) {
		uint32_t idx = lm_target_index(t);
		long st = ietf_scsi_device_status(x, t);
		size_t i = lm_lower_bound(x->seen, x->nseen, sizeof *x->seen, &idx, seen_key_cmp);
		long was = i < x->nseen && x->seen[i].target == idx ? x->seen[i].status : 2;
		if (lm_grow((void **)&now, &cap, n + 1, sizeof *now))
			break;
		now[n++] = (struct ietf_seen){ idx, st };
		if (notify && st != was && st != 2 && may_send(x, 1)) {
			snmp_log(LOG_WARNING, "lunmapd: target %s: SCSI target device status %ld\n",
				 lm_target_iqn(t), st);
			device_status_changed(x, idx);
		}
	}
	free(x->seen);
	x->seen = now;
	x->nseen = n;
	x->capseen = cap;
}

static void lu_status_changed(struct ietf *x, struct ietf_lu_seen k)
{
	oid status[] = { IETF_SCSI_MIB, 2, 4, 1, 1, 8, IETF_INSTANCE, k.target, k.lun };

	scsi_status_trap(x, 2, status, OID_LENGTH(status));
}

static int lu_seen_cmp(const struct ietf_lu_seen *a, const struct ietf_lu_seen *b)
{
	return a->target != b->target ? (a->target < b->target ? -1 : 1)
	       : a->lun != b->lun     ? (a->lun < b->lun ? -1 : 1)
				      : 0;
}

/* Whether the LU row (target, LUN index) is there now. */
static bool lu_row(struct ietf *x, struct ietf_lu_seen k)
{
	const struct lm_target *t = lm_core_target(x->core, k.target);
	size_t n;
	const struct lm_assoc *v = t ? lm_target_assocs(t, &n) : NULL;

	return v && lm_assoc_find(v, n, k.lun) != NULL;
}

/* The LUs notAvailable now against the last look's (both ascending): each
 * one that turned, either way, is notified while its row is there. Only
 * targets with a failed LU are gone through, so a look costs nothing
 * while all is well. */
static void lu_statuses(struct ietf *x, bool notify)
{
	struct ietf_lu_seen *now = NULL;
	size_t n = 0, cap = 0, i = 0, j = 0;

	for (const struct lm_target *t = lm_core_target_after(x->core, 0); t;
	     t = lm_core_target_after(x->core, lm_target_index(t))) {
		const struct ietf_view *w = ietf_view_of(x, t);
		const struct lm_assoc *v;
		size_t na;
		if (!w || !w->failed)
			continue;
		v = lm_target_assocs(t, &na);
		for (size_t k = 0; k < na; k++) {
			const struct lm_lun *l = lm_core_lun(x->core, v[k].index);
			if (!l || lm_lun_status(l) != LM_FAILED)
				continue;
			if (lm_grow((void **)&now, &cap, n + 1, sizeof *now))
				goto out;
			now[n++] = (struct ietf_lu_seen){ lm_target_index(t), v[k].index };
		}
	}
	while (notify && (i < x->nlu_seen || j < n)) {
		int c = i == x->nlu_seen ? 1 : j == n ? -1 : lu_seen_cmp(&x->lu_seen[i], &now[j]);
		struct ietf_lu_seen k = c < 0 ? x->lu_seen[i] : now[j];
		/* c < 0: available again (if still there); c > 0: failed */
		if (c != 0 && (c > 0 || lu_row(x, k)) && may_send(x, 3))
			lu_status_changed(x, k);
		i += c <= 0;
		j += c >= 0;
	}
	free(x->lu_seen);
	x->lu_seen = now;
	x->nlu_seen = n;
	return;
out:
	free(now);
}

void ietf_notify(struct ietf *x, const struct lm_observation *prev)
{
	if (x->mibs & LM_MIB_ISCSI) {
		login_failures(x, prev);
		session_failure(x, prev);
	}
	if (x->mibs & LM_MIB_SCSI) {
		device_statuses(x, prev != NULL);
		lu_statuses(x, prev != NULL);
	}
}
