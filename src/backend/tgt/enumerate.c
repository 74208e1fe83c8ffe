/* SPDX-License-Identifier: BSD-3-Clause */
/* Reading what tgtd has: its list of targets, then its listing read
 * against it and confirmed by its statistics; and one target's sessions
 * counted from numbers only (the in-use guard). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"
#include "show.h"
#include "tgt_int.h"

/* tgtd's statistics of a target (lun NO_LUN) or of one LU */
static lm_hr ask_stats(struct tgt *t, uint32_t tid, uint64_t lun, struct lm_tgt_stat_line **v,
		       size_t *n, struct lm_err *err)
{
	struct op o = { .mode = lun == NO_LUN ? LM_TGT_MODE_TARGET : LM_TGT_MODE_DEVICE,
			.op = LM_TGT_OP_STATS, .tid = (int32_t)tid, .lun = lun };
	char *text = NULL;
	lm_hr hr;

	*v = NULL;
	*n = 0;
	hr = lm_tgt_do(t, &o, &text, err);
	if (!lm_failed(hr))
		hr = lm_tgt_stat_parse(text, v, n, err);
	free(text);
	return hr;
}

/* The number of sessions of one target: the lines of its LUN 0 in
 * tgtd's statistics, one per session (every target has LUN 0) */
static lm_hr count_sessions(struct tgt *t, uint32_t tid, unsigned *n, struct lm_err *err)
{
	struct lm_tgt_stat_line *v = NULL;
	size_t nv;
	lm_hr hr = ask_stats(t, tid, 0, &v, &nv, err);

	if (!lm_failed(hr))
		*n = (unsigned)nv;
	free(v);
	return hr;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A target read two ways up to its anchor: tgtd's statistics name its LUs
 * (only while it has a session). Still PENDING when they cannot tell. */
static void confirm(struct tgt *t, struct lm_tgt_show_result *r, size_t i)
{
	struct lm_tgt_stat_line *v = NULL;
	size_t nv = 0, n = 0;
	struct lm_err e;
	uint32_t *numbers;

	if (lm_failed(ask_stats(t, r->info[i].tid, NO_LUN, &v, &nv, &e)) ||
	    !(numbers = calloc(nv + 1, sizeof *numbers))) {
		free(v);
		return;
	}
	for (size_t k = 0; k < nv; k++)
		numbers[k] = (uint32_t)v[k].lun;
	qsort(numbers, nv, sizeof *numbers, u32_cmp);
	for (size_t k = 0; k < nv; k++)
		if (!n || numbers[n - 1] != numbers[k])
			numbers[n++] = numbers[k];
	lm_tgt_show_confirm(r, i, numbers, n);
	free(numbers);
	free(v);
}

/* One reading of tgtd: its list of targets, then the listing read
 * against it, streamed (100k LUs are never held whole). */
static lm_hr read_once(struct tgt *t, struct lm_tgt_show_result *r, struct lm_err *err)
{
	char (*anchor)[LM_TGT_ANCHOR_MAX] = NULL;
	const char **anchors = NULL;
	struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_SHOW, .tid = -1, .lun = NO_LUN };
	struct lm_err e;
	lm_hr hr = lm_tgt_ask_lld(t, err);

	if (lm_failed(hr))
		return hr;
	anchor = calloc(t->lld.n + 1, sizeof *anchor);
	anchors = calloc(t->lld.n + 1, sizeof *anchors);
	if (!anchor || !anchors) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
		goto out;
	}
	for (size_t i = 0; i < t->lld.n; i++)
		if (lm_tgt_managed(t, t->lld.v[i].name)) {
			lm_tgt_anchor(t->conf.anchor_key, t->lld.v[i].name, anchor[i]);
			anchors[i] = anchor[i];
		}
	if (!(o.show = lm_tgt_show_new(&t->lld, anchors))) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
		goto out;
	}
	hr = lm_tgt_do(t, &o, NULL, err);
	if (lm_failed(hr) && !lm_tgt_show_refused(o.show)) {
		struct lm_tgt_show_result dead;
		if (!lm_failed(lm_tgt_show_end(o.show, &dead, &e)))
			lm_tgt_show_result_free(&dead);
		goto out;
	}
	hr = lm_tgt_show_end(o.show, r, err);
out:
	free(anchor);
	free(anchors);
	return hr;
}

/* Marks the managed targets tgtd lists without lunmap's anchor (made
 * before lunmap managed them, or tgtd restarted): true when any was. */
static bool anchor_missing(struct tgt *t, const struct lm_tgt_show_result *r)
{
	bool any = false;

	for (size_t i = 0; i < t->lld.n; i++) {
		struct lm_err e;
		if (r->info[i].anchored || !lm_tgt_managed(t, t->lld.v[i].name))
			continue;
		if (!lm_failed(lm_tgt_bind_anchor(t, t->lld.v[i].tid, t->lld.v[i].name, &e)))
			any = true;
		else if (!(t->last_status == LM_TGT_IPC_REFUSED && t->last_tgt_err == ERR_ACL_EXIST))
			lm_tgt_log(t, "tgt: cannot mark target %s with lunmap's anchor: %s", t->lld.v[i].name,
			      e.msg);
	}
	return any;
}

/* Keeps every target's name and ACL for the steps (bind_initiators). */
static lm_hr remember(struct tgt *t, const struct lm_stack *parsed)
{
	lm_hr hr = LM_S_OK;

	lm_stack_clear(&t->known);
	for (size_t i = 0; i < parsed->ntargets && !lm_failed(hr); i++) {
		const char *acl = parsed->targets[i].acl;
		hr = lm_stack_add_target(&t->known, parsed->targets[i].iqn);
		if (!lm_failed(hr) && acl &&
		    !(t->known.targets[t->known.ntargets - 1].acl = strdup(acl)))
			hr = LM_E_OUTOFMEMORY;
	}
	return hr;
}

#define READ_ATTEMPTS 3

lm_hr lm_tgt_op_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	struct lm_tgt_show_result r = { 0 };
	bool anchored = false;
	lm_hr hr = LM_S_OK;

	memset(out, 0, sizeof *out);
	for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
		bool pending = false;
		lm_tgt_show_result_free(&r);
		hr = read_once(t, &r, err);
		if (lm_failed(hr))
			return hr;
		/* a target made or deleted between the two requests */
		if (r.stale && attempt + 1 < READ_ATTEMPTS)
			continue;
		if (!anchored && t->conf.anchor_key[0] && attempt + 1 < READ_ATTEMPTS) {
			anchored = true;
			if (anchor_missing(t, &r))
				continue;
		}
		for (size_t i = 0; i < r.stack.ntargets; i++)
			if (r.info[i].read == LM_TGT_PENDING) {
				confirm(t, &r, i);
				pending |= r.info[i].read == LM_TGT_PENDING;
			}
		if (!pending)
			break;
	}
	for (size_t i = 0; i < r.stack.ntargets; i++) {
		struct lm_err e;
		lm_tgt_show_give_up(&r, i);
		if (!r.info[i].sessions_known &&
		    lm_failed(count_sessions(t, r.info[i].tid, &r.stack.targets[i].sessions, &e)))
			r.stack.targets[i].sessions = 1; /* taken as there */
	}
	hr = remember(t, &r.stack);
	if (!lm_failed(hr))
		hr = lm_stack_validate(&r.stack);
	if (lm_failed(hr)) {
		lm_tgt_show_result_free(&r);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
	}
	*out = r.stack;
	memset(&r.stack, 0, sizeof r.stack);
	lm_tgt_show_result_free(&r);
	return LM_S_OK;
}

/* Whether an initiator is logged in to the target, asked of that target
 * alone (the whole listing takes longer than a SET may wait at 100,000
 * LUs): the session lines of its LUN 0 in tgtd's statistics, numbers
 * only, no byte an initiator chose. */
lm_hr lm_tgt_op_in_use(struct lm_backend *b, const struct lm_target *target, unsigned *n,
		       struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid;
	lm_hr hr = lm_tgt_verified_tid(t, target->iqn, &tid, err);

	*n = 0;
	return lm_failed(hr) ? hr : count_sessions(t, tid, n, err);
}
