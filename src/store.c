/* SPDX-License-Identifier: BSD-3-Clause */
/* When the state is written: a journal record per change, a new snapshot
 * when the journal has grown to half of it. */
#include "config.h"

#include "core.h"

lm_hr lm_store_compact(struct lm_core *c, struct lm_err *err)
{
	struct lm_err e;
	long size = 0;
	lm_hr hr = lm_state_save(c->state_dir, c->model, c->generation + 1, &size, err);

	if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
		/* either snapshot may be the one a restart finds: records go
		 * on with the new generation, the journal keeps the old ones,
		 * and replay takes every record not older than the snapshot */
		c->generation++;
		c->snapshot_bytes = size;
		return LM_E_FAIL;
	}
	if (lm_failed(hr))
		return hr;
	c->generation++;
	c->snapshot_bytes = size;
	/* the journal's records are now stale by generation: emptying it
	 * only saves room */
	if (lm_failed(lm_journal_reset(&c->journal, &e)))
		lm_core_log(c, "%s", e.msg);
	return LM_S_OK;
}

lm_hr lm_store_persist(struct lm_core *c, const struct lm_lun *const *luns, size_t n,
		      struct lm_err *err)
{
	struct lm_err e;
	lm_hr hr = lm_journal_append(&c->journal, c->generation, luns, n, err);

	if (lm_failed(hr))
		return hr;
	if (c->journal.bytes > c->snapshot_bytes / 2 + 65536 && lm_failed(lm_store_compact(c, &e)))
		lm_core_log(c, "state compaction postponed: %s", e.msg);
	return LM_S_OK;
}
