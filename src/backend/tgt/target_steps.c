/* SPDX-License-Identifier: BSD-3-Clause */
/* Making a target, or finishing one a crash left with some initiators
 * not bound. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"
#include "tgt_int.h"

/* The ACL of a target of the last enumeration, or NULL. */
static const char *acl_of(const struct tgt *t, const char *iqn)
{
	const struct lm_stack_target *st = lm_stack_find_target(&t->known, iqn);

	return st ? st->acl : NULL;
}

/* Binds the initiators of list that the ACL `have` does not hold yet
 * (tgtd refuses a rule it has). */
static lm_hr bind_initiators(struct tgt *t, int32_t tid, const char *list, const char *have,
			     struct lm_err *err)
{
	char *copy, *save = NULL;
	lm_hr hr = LM_S_OK;

	if (!list || !*list)
		return LM_S_OK;
	copy = strdup(list);
	if (!copy)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (char *w = strtok_r(copy, ", ", &save); w && !lm_failed(hr);
	     w = strtok_r(NULL, ", ", &save)) {
		/* tgtd admits a name by comparing it with the initiator's
		 * InitiatorName, whatever its type (iqn_acl, usr/iscsi/target.c);
		 * an address rule is parsed as an address and would never match
		 * a naa. name */
		bool by_name = strncmp(w, "iqn.", 4) == 0 || strncmp(w, "eui.", 4) == 0 ||
			       strncmp(w, "naa.", 4) == 0;
		if (have && lm_stack_acl_has(have, w))
			continue;
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_BIND, .tid = tid,
				.lun = NO_LUN, .init_addr = by_name ? NULL : w,
				.init_name = by_name ? w : NULL };
		hr = lm_tgt_do(t, &o, NULL, err);
		/* bound already (an ACL not read, or read before) */
		if (lm_failed(hr) && t->last_status == LM_TGT_IPC_REFUSED &&
		    t->last_tgt_err == ERR_ACL_EXIST)
			hr = LM_S_OK;
	}
	free(copy);
	return hr;
}

static lm_hr anchor_of_new(struct tgt *t, uint32_t tid, const char *iqn, struct lm_err *err)
{
	lm_hr hr;

	if (!t->conf.anchor_key[0])
		return LM_S_OK;
	hr = lm_tgt_bind_anchor(t, tid, iqn, err);
	if (lm_failed(hr) && t->last_status == LM_TGT_IPC_REFUSED && t->last_tgt_err == ERR_ACL_EXIST)
		hr = LM_S_OK;
	return hr;
}

lm_hr lm_tgt_op_create_target(struct lm_backend *b, const struct lm_target *target,
			       struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid = 0;
	lm_hr hr = lm_tgt_manage_one(t, target->iqn);

	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory");
	hr = lm_tgt_ask_lld(t, err);
	if (lm_failed(hr))
		return hr;
	/* there, but some initiators left out: a crash came between "new"
	 * and a "bind" (start-up calls this for it); bind those, never delete
	 * it (it may have LUs) */
	if (!lm_failed(lm_tgt_tid_by_name(t, target->iqn, false, &tid, NULL))) {
		hr = anchor_of_new(t, tid, target->iqn, err);
		return lm_failed(hr) ? hr : bind_initiators(t, (int32_t)tid, target->initiators,
							     acl_of(t, target->iqn), err);
	}
	for (size_t i = 0; i < t->lld.n; i++)
		if (t->lld.v[i].tid > tid)
			tid = t->lld.v[i].tid;
	tid++;
	{
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_NEW,
				.tid = (int32_t)tid, .lun = NO_LUN, .targetname = target->iqn };
		hr = lm_tgt_do(t, &o, NULL, err);
	}
	if (lm_failed(hr))
		return hr;
	hr = anchor_of_new(t, tid, target->iqn, err);
	if (!lm_failed(hr))
		hr = bind_initiators(t, (int32_t)tid, target->initiators, NULL, err);
	if (lm_failed(hr)) {
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_DELETE,
				.tid = (int32_t)tid, .lun = NO_LUN };
		lm_tgt_do(t, &o, NULL, NULL);
		return hr;
	}
	/* learn the new tid */
	return lm_tgt_ask_lld(t, err);
}
