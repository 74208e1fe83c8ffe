/* SPDX-License-Identifier: BSD-3-Clause */
/* The steps on one LU: adding it with the LUN's identity, removing it,
 * write-protecting it. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgt_int.h"

/* takes back the LU an addition made */
static lm_hr lu_delete(struct tgt *t, const char *iqn, uint32_t tid, uint32_t number,
		       struct lm_err *err)
{
	struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = (int32_t)tid,
			.lun = number, .iqn = iqn, .takeback = true };

	return lm_tgt_do(t, &o, NULL, err);
}

/* An LU made whose identity could not be set is taken away again, so
 * that the failed step is not done. When tgtd refuses that, the LU stays
 * with tgt's default serial: cacheCorrupt, never "not done". Gone with
 * tgtd or its target, the LU is not there either; a deletion tgtd did not
 * answer in time is queued and counts as done. */
static lm_hr take_back(struct tgt *t, const char *iqn, uint32_t tid, uint32_t number, lm_hr hr,
		       struct lm_err *err)
{
	struct lm_err e = { 0 };
	char why[LM_ERR_MSG_MAX];

	if (lm_failed(lu_delete(t, iqn, tid, number, &e)) &&
	    t->last_status == LM_TGT_IPC_NOT_SENT) {
		/* no time left to send it now: it waits with the other
		 * take-backs, and the subsystem is not online until it is done;
		 * sent to the target of that name, whatever its tid by then */
		const struct op del = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE,
					.tid = (int32_t)tid, .lun = number, .iqn = iqn,
					.takeback = true };
		lm_tgt_queue_undo(t, &del, ERR_NO_LUN);
		return hr;
	}
	if (t->last_status == LM_TGT_IPC_OK || t->last_status == LM_TGT_IPC_TIMEOUT ||
	    t->last_status == LM_TGT_IPC_NO_TGTD ||
	    (t->last_status == LM_TGT_IPC_REFUSED &&
	     (t->last_tgt_err == ERR_NO_LUN || t->last_tgt_err == ERR_NO_TARGET)))
		return hr;
	/* what stays where first: the reasons may not all fit */
	snprintf(why, sizeof why, "%s", err ? err->msg : "");
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "LU %u of %s stays without its identity (tgtd refused to take it back: %s); "
			  "setting it failed: %s", number, iqn, e.msg, why);
}

lm_hr lm_tgt_op_add_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char hex[33], id[48], sn[48];
	uint32_t tid;
	lm_hr hr = lm_tgt_verified_tid(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	lm_guid_hex(&lun->id, hex);
	/* the same identity on every target: multipath sees one disk. One
	 * parameter per update: tgtd applies "a=1,b=2" partly, then fails. */
	snprintf(id, sizeof id, "scsi_id=%s", hex);
	snprintf(sn, sizeof sn, "scsi_sn=%s", hex);
	const struct op add = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_NEW,
				.tid = (int32_t)tid, .lun = number, .path = lun->path,
				.iqn = target->iqn };
	const struct op set_id = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
				   .tid = (int32_t)tid, .lun = number, .param = id,
				   .iqn = target->iqn };
	const struct op set_sn = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
				   .tid = (int32_t)tid, .lun = number, .param = sn,
				   .iqn = target->iqn };
	hr = lm_tgt_do(t, &add, NULL, err);
	if (lm_failed(hr))
		return hr;
	hr = lm_tgt_do(t, &set_id, NULL, err);
	if (!lm_failed(hr))
		hr = lm_tgt_do(t, &set_sn, NULL, err);
	if (lm_failed(hr))
		return take_back(t, target->iqn, tid, number, hr, err);
	return hr;
}

lm_hr lm_tgt_op_remove_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid;
	lm_hr hr = lm_tgt_verified_tid(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = (int32_t)tid,
			.lun = number, .iqn = target->iqn };
	return lm_tgt_request(t, &o, lun, NULL, err);
}

/* The LU's "readonly" parameter (tgt's show prints it as "Readonly:"):
 * a WRITE to it fails with DATA PROTECT. */
lm_hr lm_tgt_op_set_access(struct lm_backend *b, const struct lm_target *target,
			    uint32_t number, const struct lm_lun *lun, bool readonly,
			    struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid;
	lm_hr hr = lm_tgt_verified_tid(t, target->iqn, &tid, err);

	(void)lun;
	if (lm_failed(hr))
		return hr;
	const struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
			      .tid = (int32_t)tid, .lun = number,
			      .param = readonly ? "readonly=1" : "readonly=0", .iqn = target->iqn };
	return lm_tgt_do(t, &o, NULL, err);
}
