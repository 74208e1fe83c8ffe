/* SPDX-License-Identifier: BSD-3-Clause */
/* A listing's result after the reading: a target read two ways settled
 * by tgtd's statistics, or given up. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "show_int.h"

const char lm_tgt_reason_unreadable[] =
	"its text in tgtd's listing does not follow tgtd's grammar (a path, serial, CHAP account or "
	"ACL entry of an administrator's with a line break, or another tgtd)";

void lm_tgt_show_result_free(struct lm_tgt_show_result *r)
{
	for (size_t i = 0; r->info && i < r->ninfo; i++) {
		for (size_t k = 0; k < r->info[i].nalt; k++) {
			free(r->info[i].alt[k].t.lus);
			free(r->info[i].alt[k].t.acl);
			free(r->info[i].alt[k].numbers);
		}
		free(r->info[i].alt);
	}
	free(r->info);
	lm_stack_clear(&r->stack);
	memset(r, 0, sizeof *r);
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void lm_tgt_show_confirm(struct lm_tgt_show_result *r, size_t i, const uint32_t *numbers,
			 size_t n)
{
	struct lm_tgt_show_target *in = &r->info[i];
	size_t match = 0, which = 0;

	if (in->read != LM_TGT_PENDING || n == 0)
		return;
	for (size_t k = 0; k < in->nalt; k++) {
		struct lm_tgt_reading *a = &in->alt[k];
		if (a->nnumbers > 1)
			qsort(a->numbers, a->nnumbers, sizeof *a->numbers, u32_cmp);
		if (a->nnumbers == n && memcmp(a->numbers, numbers, n * sizeof *numbers) == 0) {
			match++;
			which = k;
		}
	}
	if (match != 1) {
		lm_tgt_show_give_up(r, i);
		return;
	}
	{
		struct lm_stack_target *st = &r->stack.targets[i];
		struct lm_tgt_reading *a = &in->alt[which];
		lm_tgt_take_lus(st, &a->t);
		st->unread = NULL;
		in->read = LM_TGT_READ;
	}
}

void lm_tgt_show_give_up(struct lm_tgt_show_result *r, size_t i)
{
	struct lm_stack_target *st = &r->stack.targets[i];

	if (r->info[i].read != LM_TGT_PENDING)
		return;
	r->info[i].read = LM_TGT_UNREADABLE;
	st->nlus = 0;
	free(st->acl);
	st->acl = NULL;
	st->unread = lm_tgt_reason_unreadable;
}
