/* SPDX-License-Identifier: BSD-3-Clause */
/* Which tid names a target now (tgtd's list of targets, asked again
 * before every change), and the targets lunmap manages with their
 * anchors. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "census.h"
#include "deadline.h"
#include "show.h"
#include "tgt_int.h"

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

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

bool lm_tgt_managed(const struct tgt *t, const char *iqn)
{
	size_t lo = 0, hi = t->nmanaged;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(iqn, t->managed[mid]);
		if (!c)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* lunmap's ACL entry of the target (show.h): an address that lets nobody
 * in and that no initiator can see */
lm_hr lm_tgt_bind_anchor(struct tgt *t, uint32_t tid, const char *iqn, struct lm_err *err)
{
	char anchor[LM_TGT_ANCHOR_MAX];
	struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_BIND, .tid = (int32_t)tid,
			.lun = NO_LUN, .init_addr = anchor };

	lm_tgt_anchor(t->conf.anchor_key, iqn, anchor);
	return lm_tgt_do(t, &o, NULL, err);
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

lm_hr lm_tgt_op_manage(struct lm_backend *b, const char *const *iqns, size_t n,
			struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char **v = calloc(n + 1, sizeof *v);

	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(iqns[i]))) {
			while (i--)
				free(v[i]);
			free(v);
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		}
	qsort(v, n, sizeof *v, str_ptr_cmp);
	for (size_t i = 0; i < t->nmanaged; i++)
		free(t->managed[i]);
	free(t->managed);
	t->managed = v;
	t->nmanaged = n;
	return LM_S_OK;
}

/* A target lunmap makes is managed from then on. */
lm_hr lm_tgt_manage_one(struct tgt *t, const char *iqn)
{
	char **v;

	if (lm_tgt_managed(t, iqn))
		return LM_S_OK;
	v = realloc(t->managed, (t->nmanaged + 1) * sizeof *v);
	if (!v)
		return LM_E_OUTOFMEMORY;
	t->managed = v;
	if (!(v[t->nmanaged] = strdup(iqn)))
		return LM_E_OUTOFMEMORY;
	t->nmanaged++;
	qsort(v, t->nmanaged, sizeof *v, str_ptr_cmp);
	return LM_S_OK;
}
