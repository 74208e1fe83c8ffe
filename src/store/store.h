/* SPDX-License-Identifier: BSD-3-Clause */
/* The state folder as the running core holds it open, and when it is
 * written (store.c): persistence knows the model it saves, never a batch
 * or a backend. */
#ifndef LUNMAP_STORE_H
#define LUNMAP_STORE_H

#include <stdint.h>

#include "journal.h"
#include "lunmap.h"
#include "model.h"

struct lm_store {
	char *dir;
	int lock_fd;
	struct lm_journal journal;
	int intent_fd;
	uint64_t generation; /* of the snapshot the journal follows */
	long snapshot_bytes;
	/* where a compaction that failed after the record was written is
	 * said (the change itself stands) */
	lm_problem_fn log;
	void *log_ctx;
};

/* A new snapshot of the whole model; the journal starts again. */
lm_hr lm_store_compact(struct lm_store *s, const struct lm_model *m, struct lm_err *err);
/* Makes the association sets of these LUNs durable (one journal record),
 * compacting when the journal has grown to half the snapshot. */
lm_hr lm_store_persist(struct lm_store *s, const struct lm_model *m,
		       const struct lm_lun *const *luns, size_t n, struct lm_err *err);

#endif
