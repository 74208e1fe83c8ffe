/* SPDX-License-Identifier: BSD-3-Clause */
/* Notifications, sent through the master to its trap sinks. */
#include "config.h"

#include <string.h>

#include "agent.h"

static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

netsnmp_variable_list *lunmapd_trap_start(const oid *trap, size_t len)
{
	netsnmp_variable_list *vars = NULL;

	snmp_varlist_add_variable(&vars, snmptrap_oid, OID_LENGTH(snmptrap_oid), ASN_OBJECT_ID,
				  trap, len * sizeof *trap);
	return vars;
}

void lunmapd_trap_send(netsnmp_variable_list *vars)
{
	/* vars is NULL only when there was no memory for the first varbind */
	if (vars) {
		DEBUGMSGTL(("lunmap:notify", "sending "));
		DEBUGMSGOID(("lunmap:notify", vars->val.objid, vars->val_len / sizeof(oid)));
		DEBUGMSG(("lunmap:notify", " with %d more varbind(s)\n", count_varbinds(vars) - 1));
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

static netsnmp_variable_list *start(int which)
{
	oid trap[] = { LUNMAP_MIB_OID, 0, (oid)which };

	return lunmapd_trap_start(trap, OID_LENGTH(trap));
}

void lunmapd_notify_changed(struct lunmapd *d, uint32_t lun_index)
{
	const struct lm_lun *l = lm_core_lun(d->core, lun_index);
	oid id_oid[] = { LUNMAP_MIB_OID, 1, G_LUN, 1, L_ID, lun_index };
	oid ids_oid[] = { LUNMAP_MIB_OID, 1, G_LUN, 1, L_TARGETIDS, lun_index };
	netsnmp_variable_list *vars;
	u_char buf[LUNMAPD_MAX_IDS_LEN];
	size_t len;

	if (!l)
		return;
	vars = start(N_ASSOC_CHANGED);
	snmp_varlist_add_variable(&vars, id_oid, OID_LENGTH(id_oid), ASN_OCTET_STR, lm_lun_id(l)->b, 16);
	lunmapd_target_ids(d->core, l, buf, &len);
	snmp_varlist_add_variable(&vars, ids_oid, OID_LENGTH(ids_oid), ASN_OCTET_STR, buf, len);
	lunmapd_trap_send(vars);
}

void lunmapd_notify_failed(struct lunmapd *d)
{
	oid code_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ERRCODE, 0 };
	oid text_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ERRTEXT, 0 };
	oid lun_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ERRLUN, 0 };
	oid id_oid[] = { LUNMAP_MIB_OID, 1, G_LUN, 1, L_ID, d->last_error_lun };
	const struct lm_lun *l = d->last_error_lun ? lm_core_lun(d->core, d->last_error_lun) : NULL;
	netsnmp_variable_list *vars = start(N_OPERATION_FAILED);
	u_long code = d->last_error, lun = d->last_error_lun;

	snmp_varlist_add_variable(&vars, code_oid, OID_LENGTH(code_oid), ASN_UNSIGNED, &code,
				  sizeof code);
	/* lunmapd_record_error keeps the text within the MIB's 255 octets */
	snmp_varlist_add_variable(&vars, text_oid, OID_LENGTH(text_oid), ASN_OCTET_STR,
				  d->last_error_text, strlen(d->last_error_text));
	snmp_varlist_add_variable(&vars, lun_oid, OID_LENGTH(lun_oid), ASN_UNSIGNED, &lun,
				  sizeof lun);
	/* the LUN's id too, as the extra varbind RFC 3416 4.2.6 allows: its
	 * instance names the LUN's row */
	if (l)
		snmp_varlist_add_variable(&vars, id_oid, OID_LENGTH(id_oid), ASN_OCTET_STR,
					  lm_lun_id(l)->b, 16);
	lunmapd_trap_send(vars);
}

/* lunmapStackReapplied when the core re-applied a stack that had lost
 * everything since we last looked. */
static void notify_reapplied(struct lunmapd *d)
{
	oid count_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_REAPPLIED, 0 };
	unsigned long now = lm_core_reapplied(d->core);
	netsnmp_variable_list *vars;
	u_long v = now & 0xffffffffu;

	if (now == d->reapplied_seen)
		return;
	d->reapplied_seen = now;
	d->last_change = netsnmp_get_agent_uptime();
	snmp_log(LOG_WARNING, "lunmapd: the iSCSI stack had lost every association: re-applied\n");
	vars = start(N_STACK_REAPPLIED);
	snmp_varlist_add_variable(&vars, count_oid, OID_LENGTH(count_oid), ASN_COUNTER, &v, sizeof v);
	lunmapd_trap_send(vars);
}

/* lunmapCacheOutOfSync when the subsystem has just turned cacheCorrupt
 * or offline (the stack may show what lunmap took back), lunmapCacheInSync
 * when it is online again after that (the clearing event an NMS pairs
 * with it). */
void lunmapd_notify_status(struct lunmapd *d)
{
	oid status_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_STATUS, 0 };
	int status = lm_core_status(d->core), was = d->last_status;
	netsnmp_variable_list *vars;
	long v = status;

	notify_reapplied(d);
	if (status == was)
		return;
	d->last_status = status;
	if (status == LM_SUBSYS_CACHE_CORRUPT) {
		snmp_log(LOG_WARNING, "lunmapd: the iSCSI stack no longer matches the state: cacheCorrupt until refreshed\n");
		vars = start(N_CACHE_OUT_OF_SYNC);
	} else if (status == LM_SUBSYS_OFFLINE &&
		   lm_core_action_running(d->core) == LM_ACTION_ROLLBACK) {
		snmp_log(LOG_WARNING, "lunmapd: what a failed change did in the iSCSI stack is being "
			 "rolled back after its answer: offline until it is\n");
		vars = start(N_CACHE_OUT_OF_SYNC);
	} else if (status == LM_SUBSYS_OFFLINE) {
		snmp_log(LOG_WARNING, "lunmapd: the iSCSI stack does not answer; what a failed change "
			 "did there waits to be taken back: offline until it is\n");
		vars = start(N_CACHE_OUT_OF_SYNC);
	} else if (was != LM_SUBSYS_ONLINE && status == LM_SUBSYS_ONLINE) {
		snmp_log(LOG_NOTICE, "lunmapd: the iSCSI stack matches the state again: online\n");
		vars = start(N_CACHE_IN_SYNC);
	} else {
		return;
	}
	snmp_varlist_add_variable(&vars, status_oid, OID_LENGTH(status_oid), ASN_INTEGER, &v,
				  sizeof v);
	lunmapd_trap_send(vars);
}

/* lunmapLastErrorText holds 255 octets (the MIB says so): a longer text
 * is cut at a character boundary and ends with "..." (the messages say
 * the object and the step first, the details after); the log has it
 * whole. */
static void cut_text(char *dst, size_t size, const char *text)
{
	size_t n = strlen(text), max = size - 1;

	if (n <= max) {
		memcpy(dst, text, n + 1);
		return;
	}
	n = max - 3;
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--; /* not inside a UTF-8 sequence */
	memcpy(dst, text, n);
	memcpy(dst + n, "...", 4);
}

void lunmapd_record_error(struct lunmapd *d, lm_hr hr, uint32_t lun, const char *text)
{
	d->last_error = hr;
	d->last_error_lun = lun;
	cut_text(d->last_error_text, sizeof d->last_error_text, text);
	snmp_log(LOG_WARNING, "lunmapd: %s (0x%08X): %s\n", lm_hr_name(hr), hr, text);
}

/* lunmapActionCompleted with its outcome; a failure is also the last
 * error, with lunmapOperationFailed, like a refused SET's. */
void lunmapd_notify_action(struct lunmapd *d)
{
	oid status_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_STATUS, 0 };
	oid result_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ACTIONRESULT, 0 };
	oid text_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ACTIONTEXT, 0 };
	const struct lm_err *r;
	netsnmp_variable_list *vars;
	long status = lm_core_status(d->core);
	u_long code;
	char text[256];

	lm_core_action_outcome(d->core, &r);
	code = r->hr;
	cut_text(text, sizeof text, r->msg);
	if (lm_failed(r->hr)) {
		lunmapd_record_error(d, r->hr, 0, r->msg);
		lunmapd_notify_failed(d);
	}
	vars = start(N_ACTION_COMPLETED);
	snmp_varlist_add_variable(&vars, status_oid, OID_LENGTH(status_oid), ASN_INTEGER, &status,
				  sizeof status);
	snmp_varlist_add_variable(&vars, result_oid, OID_LENGTH(result_oid), ASN_UNSIGNED, &code,
				  sizeof code);
	snmp_varlist_add_variable(&vars, text_oid, OID_LENGTH(text_oid), ASN_OCTET_STR, text,
				  strlen(text));
	lunmapd_trap_send(vars);
	lunmapd_notify_status(d);
}
