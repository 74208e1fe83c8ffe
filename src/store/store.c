/* SPDX-License-Identifier: BSD-3-Clause */
/* When the state is written: a journal record per change, a new snapshot
 * when the journal has grown to half of it. */
#include "config.h"

#include "say.h"
#include "state.h"
#include "store.h"

lm_hr lm_store_compact(struct lm_store *s, const struct lm_model *m, struct lm_err *err)
{
	struct lm_err e;
	long size = 0;
	lm_hr hr = lm_state_save(s->dir, m, s->generation + 1, &size, err);

	if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
		/* either snapshot may be the one a restart finds: records go
		 * on with the new generation, the journal keeps the old ones,
		 * and replay takes every record not older than the snapshot */
		s->generation++;
		s->snapshot_bytes = size;
		return LM_E_FAIL;
	}
	if (lm_failed(hr))
		return hr;
	s->generation++;
	s->snapshot_bytes = size;
	/* the journal's records are now stale by generation: emptying it
	 * only saves room */
	if (lm_failed(lm_journal_reset(&s->journal, &e)))
		lm_say(s->log, s->log_ctx, "%s", e.msg);
	return LM_S_OK;
}

lm_hr lm_store_persist(struct lm_store *s, const struct lm_model *m,
		       const struct lm_lun *const *luns, size_t n, struct lm_err *err)
{
	struct lm_err e;
	lm_hr hr = lm_journal_append(&s->journal, s->generation, luns, n, err);

	if (lm_failed(hr))
		return hr;
	if (s->journal.bytes > s->snapshot_bytes / 2 + 65536 && lm_failed(lm_store_compact(s, m, &e)))
		lm_say(s->log, s->log_ctx, "state compaction postponed: %s", e.msg);
	return LM_S_OK;
}
