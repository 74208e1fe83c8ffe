/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend: the kernel target through configfs (design §4). A LUN
 * is one backstore, created once with its identity derived from its id,
 * and linked into every associated target's TPG; so every target exposes
 * the same device. No targetcli, no Python.
 *
 * A step is several syscalls, and a crash may come between any two
 * (docs/reliability.md, "Half-made steps", has the rule): enumeration
 * reports what is half made (lm_stack_target.half, lm_stack.half),
 * add_lu takes a lun_N that holds no device and finishes or makes afresh
 * a backstore that is not whole, remove_lu finishes a removal, and
 * create_target finishes a target that is there; tidy removes backstores
 * no LU uses. Every configfs operation runs under the SET's deadline
 * (cfs.h). This file has the ops table; lio_int.h names the files of
 * the steps. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "lio_int.h"
#include "valid.h"

static void lio_set_deadline(struct lm_backend *b, long long deadline_ms)
{
	lio_of(b)->cfs.deadline = deadline_ms;
}

static lm_hr lio_sessions(struct lm_backend *b, const struct lm_target *t,
			  struct lm_obs_sessions *out, struct lm_err *err)
{
	return lm_lio_read_sessions(lio_of(b)->conf.configfs, t->iqn, out, err);
}

static lm_hr lio_stats(struct lm_backend *b, const struct lm_target *t, struct lm_obs_stats *out,
		       struct lm_err *err)
{
	struct lio *l = lio_of(b);
	lm_hr hr = lm_lio_read_stats(l->conf.configfs, t->iqn, out, err);

	if (!l->log_opened) {
		/* opened on first use, at its end: root's, as configfs is */
		lm_lio_refusals_open(&l->refusals, "/dev/kmsg");
		l->log_opened = true;
	}
	if (!lm_failed(hr))
		lm_lio_refusals_match(&l->refusals, t->iqn, out);
	return hr;
}

static lm_hr lio_in_use(struct lm_backend *b, const struct lm_target *t, unsigned *n,
		       struct lm_err *err)
{
	struct lio *l = lio_of(b);
	char path[PATH_MAX];

	*n = 0;
	if (!lm_valid_component(t->iqn))
		return lm_err_set(err, LM_E_INVALIDARG, "refused to build a configfs path from \"%s\"",
				  t->iqn);
	/* "nobody" only when LIO said so: no time left, or no such target,
	 * is not knowing */
	if (lm_cfs_late(&l->cfs))
		return lm_err_set(err, LM_HR_TIMEOUT,
				  "no time left to ask LIO who is logged in to %s", t->iqn);
	pathf(path, "%s/iscsi/%s/" TPG "/dynamic_sessions", l->conf.configfs, t->iqn);
	if (access(path, R_OK) != 0)
		return lm_err_set(err, LM_E_FAIL, "LIO does not tell who is logged in to %s: %s",
				  t->iqn, strerror(errno));
	*n = lm_lio_count_sessions(l, t->iqn);
	return LM_S_OK;
}

static void lio_destroy(struct lm_backend *b)
{
	struct lio *l = lio_of(b);

	if (l->log_opened)
		lm_lio_refusals_close(&l->refusals);
	free(l);
}

static const struct lm_backend_ops lio_ops = {
	.name = "lio",
	.naa = lm_naa_lio,
	.min_lun_number = 1,
	.enumerate = lm_lio_op_enumerate,
	.create_target = lm_lio_op_create_target,
	.add_lu = lm_lio_op_add_lu,
	.remove_lu = lm_lio_op_remove_lu,
	.set_access = lm_lio_op_set_access,
	.check_access = lm_lio_op_check_access,
	.tidy = lm_lio_op_tidy,
	.set_deadline = lio_set_deadline,
	.in_use = lio_in_use,
	.destroy = lio_destroy,
	.sessions = lio_sessions,
	.session_ids = true,
	.stats = lio_stats,
};

struct lm_backend *lm_lio_new(const struct lm_backend_conf *conf)
{
	struct lio *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->base.ops = &lio_ops;
	l->base.priv = l;
	l->conf = *conf;
	l->cfs.deadline = LM_NO_DEADLINE;
	return &l->base;
}
