/* Notifications, sent through the master to its trap sinks. */
#include "config.h"

#include <string.h>

#include "agent.h"

static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

static void send_and_free(netsnmp_variable_list *vars)
{
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

static netsnmp_variable_list *start(int which)
{
	netsnmp_variable_list *vars = NULL;
	oid trap[] = { LUNMAP_MIB_OID, 0, (oid)which };

	snmp_varlist_add_variable(&vars, snmptrap_oid, OID_LENGTH(snmptrap_oid), ASN_OBJECT_ID,
				  trap, sizeof trap);
	return vars;
}

void lunmapd_notify_changed(struct lunmapd *d, uint32_t lun_index)
{
	const struct lm_lun *l = lm_core_lun(d->core, lun_index);
	oid id_oid[] = { LUNMAP_MIB_OID, 1, G_LUN, 1, L_ID, lun_index };
	oid ids_oid[] = { LUNMAP_MIB_OID, 1, G_LUN, 1, L_TARGETIDS, lun_index };
	netsnmp_variable_list *vars;
	u_char buf[4080];
	size_t len;

	if (!l)
		return;
	vars = start(N_ASSOC_CHANGED);
	snmp_varlist_add_variable(&vars, id_oid, OID_LENGTH(id_oid), ASN_OCTET_STR, lm_lun_id(l)->b, 16);
	lunmapd_target_ids(d->core, l, buf, &len);
	snmp_varlist_add_variable(&vars, ids_oid, OID_LENGTH(ids_oid), ASN_OCTET_STR, buf, len);
	send_and_free(vars);
}

void lunmapd_notify_failed(struct lunmapd *d)
{
	oid code_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ERRCODE, 0 };
	oid text_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_ERRTEXT, 0 };
	netsnmp_variable_list *vars = start(N_OPERATION_FAILED);
	u_long code = d->last_error;
	size_t n = strlen(d->last_error_text);

	snmp_varlist_add_variable(&vars, code_oid, OID_LENGTH(code_oid), ASN_UNSIGNED, &code,
				  sizeof code);
	snmp_varlist_add_variable(&vars, text_oid, OID_LENGTH(text_oid), ASN_OCTET_STR,
				  d->last_error_text, n > 255 ? 255 : n);
	send_and_free(vars);
}

/* lunmapCacheOutOfSync when the subsystem has just turned cacheCorrupt. */
void lunmapd_notify_status(struct lunmapd *d)
{
	oid status_oid[] = { LUNMAP_MIB_OID, 1, G_SUBSYSTEM, S_STATUS, 0 };
	int status = lm_core_status(d->core);
	netsnmp_variable_list *vars;
	long v = status;

	if (status == d->last_status)
		return;
	d->last_status = status;
	if (status != LM_SUBSYS_CACHE_CORRUPT)
		return;
	snmp_log(LOG_WARNING, "lunmapd: the iSCSI stack no longer matches the state: cacheCorrupt until refreshed\n");
	vars = start(N_CACHE_OUT_OF_SYNC);
	snmp_varlist_add_variable(&vars, status_oid, OID_LENGTH(status_oid), ASN_INTEGER, &v,
				  sizeof v);
	send_and_free(vars);
}

void lunmapd_record_error(struct lunmapd *d, lm_hr hr, const char *text)
{
	d->last_error = hr;
	snprintf(d->last_error_text, sizeof d->last_error_text, "%s", text);
	snmp_log(LOG_WARNING, "lunmapd: %s (0x%08X): %s\n", lm_hr_name(hr), hr, text);
}
