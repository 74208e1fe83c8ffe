/* SPDX-License-Identifier: BSD-3-Clause */
/* The targets lunmap manages (sorted IQNs), each marked in tgtd with its
 * anchor: an ACL entry no initiator can know (show.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"
#include "tgt_int.h"

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
