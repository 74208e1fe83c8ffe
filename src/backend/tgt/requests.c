/* SPDX-License-Identifier: BSD-3-Clause */
/* Every request to tgtd goes through lm_tgt_request: a step tgtd did not
 * answer in time may still be done when it resumes, so what takes it
 * back is queued and sent, oldest first, before anything else once tgtd
 * answers again. An undo, as every change, goes to the tid that names
 * its target now (tgtd's list of targets, asked again before a change):
 * the two call each other, so they live here together. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "census.h"
#include "deadline.h"
#include "tgt_int.h"
#include "vec.h"

void lm_tgt_queue_undo(struct tgt *t, const struct op *o, uint32_t benign)
{
	struct pending *p;

	if (lm_grow((void **)&t->pending, &t->cap_pending, t->npending + 1, sizeof *t->pending))
		return; /* the drift check will see what tgtd did */
	p = &t->pending[t->npending++];
	p->op = *o;
	p->benign = benign;
	snprintf(p->path, sizeof p->path, "%s", o->path ? o->path : "");
	snprintf(p->param, sizeof p->param, "%s", o->param ? o->param : "");
	snprintf(p->iqn, sizeof p->iqn, "%s", o->iqn ? o->iqn : "");
	p->op.path = o->path ? p->path : NULL;
	p->op.param = o->param ? p->param : NULL;
	p->op.iqn = p->iqn[0] ? p->iqn : NULL;
}

/* tgtd did not answer the last request, or it was not sent for want of
 * time */
static bool unanswered(const struct tgt *t)
{
	return t->last_status == LM_TGT_IPC_TIMEOUT || t->last_status == LM_TGT_IPC_NO_TGTD ||
	       t->last_status == LM_TGT_IPC_NOT_SENT;
}

/* Sends the undo requests; stops at the first tgtd does not answer. */
static void flush_undo(struct tgt *t)
{
	size_t done = 0;

	while (done < t->npending) {
		struct pending *p = &t->pending[done];
		struct lm_err e = { 0 };
		uint32_t tid;
		lm_hr hr;
		/* the queue may have moved (realloc, memmove): its strings are
		 * the entry's own copies */
		p->op.path = p->op.path ? p->path : NULL;
		p->op.param = p->op.param ? p->param : NULL;
		p->op.iqn = p->op.iqn ? p->iqn : NULL;
		if (p->op.iqn) {
			/* the tid may name another target by now */
			hr = lm_tgt_verified_tid(t, p->op.iqn, &tid, &e);
			if (unanswered(t))
				break;
			if (lm_failed(hr)) {
				lm_tgt_log(t, "tgt: an undo of %s is dropped: %s", p->op.iqn, e.msg);
				done++;
				continue;
			}
			p->op.tid = (int32_t)tid;
		}
		hr = lm_tgt_send(t, &p->op, NULL, &e);
		if (unanswered(t))
			break;
		if (lm_failed(hr) && !(t->last_status == LM_TGT_IPC_REFUSED &&
				       t->last_tgt_err == p->benign))
			lm_tgt_log(t, "tgt: undoing a step tgtd did not answer in time failed: %s", e.msg);
		done++;
	}
	memmove(t->pending, t->pending + done, (t->npending - done) * sizeof *t->pending);
	t->npending -= done;
}

/* A step tgtd did not answer may still be done when it resumes: queue
 * what takes it back, so that "failed" stays "not done". */
static void after_timeout(struct tgt *t, const struct op *o, const struct lm_lun *lun)
{
	const char *path = lun ? lun->path : NULL;
	struct op undo = *o;

	if (o->mode != LM_TGT_MODE_DEVICE)
		return;
	if (o->op == LM_TGT_OP_UPDATE && o->param && strncmp(o->param, "readonly=", 9) == 0) {
		/* an access change the core keeps as not done: the other one */
		undo.param = strcmp(o->param, "readonly=1") == 0 ? "readonly=0" : "readonly=1";
		lm_tgt_queue_undo(t, &undo, UINT32_MAX);
	} else if (o->op == LM_TGT_OP_NEW) {
		undo.op = LM_TGT_OP_DELETE;
		undo.path = NULL;
		undo.takeback = true;
		lm_tgt_queue_undo(t, &undo, ERR_NO_LUN);
	} else if (o->op == LM_TGT_OP_DELETE && o->takeback) {
		/* itself an undo (of an add): send it again */
		lm_tgt_queue_undo(t, o, ERR_NO_LUN);
	} else if (o->op == LM_TGT_OP_DELETE && path) {
		/* a removal the core keeps as not done: add the LU back */
		char hex[33], id[48], sn[48];
		undo.op = LM_TGT_OP_NEW;
		undo.path = path;
		lm_tgt_queue_undo(t, &undo, ERR_LUN_EXIST);
		lm_guid_hex(&lun->id, hex);
		snprintf(id, sizeof id, "scsi_id=%s", hex);
		snprintf(sn, sizeof sn, "scsi_sn=%s", hex);
		undo.op = LM_TGT_OP_UPDATE;
		undo.path = NULL;
		undo.param = id;
		lm_tgt_queue_undo(t, &undo, UINT32_MAX);
		undo.param = sn;
		lm_tgt_queue_undo(t, &undo, UINT32_MAX);
	}
}

/* lun: for an LU removal, the LU (to add it back if tgtd does not answer
 * in time); NULL otherwise. */
lm_hr lm_tgt_request(struct tgt *t, const struct op *o, const struct lm_lun *lun, char **out,
		     struct lm_err *err)
{
	lm_hr hr;

	if (t->transport == TR_PROBE)
		lm_tgt_probe(t);
	/* not from inside the flush: its own requests (the tid asked for an
	 * undo) would flush again, without end */
	if (t->npending && !t->flushing) {
		t->flushing = true;
		flush_undo(t);
		t->flushing = false;
	}
	hr = lm_tgt_send(t, o, out, err);
	if (t->last_status == LM_TGT_IPC_TIMEOUT)
		after_timeout(t, o, lun);
	return hr;
}

lm_hr lm_tgt_do(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	return lm_tgt_request(t, o, NULL, out, err);
}

size_t lm_tgt_op_pending(const struct lm_backend *b)
{
	return ((const struct tgt *)b)->npending;
}

/* Sends the take-backs of steps tgtd did not answer in time, oldest
 * first (tgtd runs requests in the order they came). */
lm_hr lm_tgt_op_flush(struct lm_backend *b, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);

	if (t->transport == TR_PROBE)
		lm_tgt_probe(t);
	t->flushing = true;
	flush_undo(t);
	t->flushing = false;
	if (!t->npending)
		return LM_S_OK;
	return lm_err_set(err, LM_HR_TIMEOUT,
			  "tgtd has not answered: %zu take-back(s) of steps it did not answer in "
			  "time wait to be sent", t->npending);
}

/* ------------------------------------------------- which tid names a target */

/* The identity of tgtd's control socket: tgtd makes it anew at start
 * (unlink, bind). */
static struct sock_id sock_now(const struct tgt *t)
{
	char path[sizeof t->socket_path];
	struct sock_id id = { 0 };
	struct stat sb;

	if (lm_tgt_ipc_path(t->conf.control_port, path, sizeof path) == 0 && stat(path, &sb) == 0)
		id = (struct sock_id){ sb.st_dev, sb.st_ino, sb.st_ctim, true };
	return id;
}

static bool same_sock(const struct sock_id *a, const struct sock_id *b)
{
	return a->ok && b->ok && a->dev == b->dev && a->ino == b->ino &&
	       a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* tgtd's list of targets (census.h): every tid and name, no byte of an
 * initiator's */
lm_hr lm_tgt_ask_lld(struct tgt *t, struct lm_err *err)
{
	struct op o = { .mode = LM_TGT_MODE_LLD, .op = LM_TGT_OP_SHOW, .tid = -1, .lun = NO_LUN };
	struct lm_tgt_lld lld;
	char *text = NULL;
	lm_hr hr = lm_tgt_do(t, &o, &text, err);

	if (!lm_failed(hr))
		hr = lm_tgt_lld_parse(text, &lld, err);
	free(text);
	if (lm_failed(hr))
		return hr;
	lm_tgt_lld_free(&t->lld);
	t->lld = lld;
	t->lld_at = lm_now_ms();
	t->lld_sock = sock_now(t);
	return LM_S_OK;
}

/* The tid tgtd's list gives the target (asked again when it has none). */
lm_hr lm_tgt_tid_by_name(struct tgt *t, const char *iqn, bool ask, uint32_t *tid,
			 struct lm_err *err)
{
	const struct lm_tgt_lld_target *l = lm_tgt_lld_by_name(&t->lld, iqn);
	lm_hr hr;

	if (!l && ask) {
		hr = lm_tgt_ask_lld(t, err);
		if (lm_failed(hr))
			return hr;
		l = lm_tgt_lld_by_name(&t->lld, iqn);
	}
	if (!l)
		return lm_err_set(err, LM_E_FAIL, "target %s is not in tgtd", iqn);
	*tid = l->tid;
	return LM_S_OK;
}

/* The tid that names the target now, checked before every change: a tid
 * remembered from a listing may name another target since (tgtd restarted
 * and tgt-admin made others, or a target deleted and another made).
 * tgtd's list of targets (census.h) says, in one request of a few dozen
 * bytes a target and no byte of an initiator's (1,000 targets: 62 KB). A
 * list asked less than LLD_FRESH_MS ago serves again while tgtd's socket
 * is the one it was asked on (a restarted tgtd makes a new socket): the
 * steps of one change, and a change right after a listing, ask once.
 * What remains: a target deleted and another made at its tid by hand
 * within that time, and a change between tgtd's answer and the step's
 * request. */
#define LLD_FRESH_MS 1000

lm_hr lm_tgt_verified_tid(struct tgt *t, const char *iqn, uint32_t *tid, struct lm_err *err)
{
	uint32_t was = 0;
	bool knew = !lm_failed(lm_tgt_tid_by_name(t, iqn, false, &was, NULL));
	struct sock_id now = sock_now(t);
	lm_hr hr;

	if (knew && lm_now_ms() - t->lld_at < LLD_FRESH_MS && same_sock(&now, &t->lld_sock)) {
		*tid = was;
		return LM_S_OK;
	}
	hr = lm_tgt_ask_lld(t, err);
	if (lm_failed(hr))
		return hr;
	hr = lm_tgt_tid_by_name(t, iqn, false, tid, err);
	if (!lm_failed(hr) && knew && was != *tid)
		lm_tgt_log(t, "tgt: target %s is target id %u now, no longer %u", iqn, *tid, was);
	return hr;
}
