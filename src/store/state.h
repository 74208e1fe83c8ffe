/* SPDX-License-Identifier: BSD-3-Clause */
/* lunmapd's own record (design §3): ids, indexes, associations and
 * tombstones, written atomically (the journal: journal.h; the lock of the
 * state folder: lock.h). */
#ifndef LUNMAP_STATE_H
#define LUNMAP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "hresult.h"
#include "model.h"

struct lm_state_target {
	uint32_t index;
	lm_guid id;
	char *iqn, *alias;
	bool discovered;
};

struct lm_state_lun {
	uint32_t index;
	lm_guid id;
	char *path, *name;
};

struct lm_state_assoc {
	uint32_t lun, target, number;
	bool readonly; /* files from before the flag have none: read-write */
};

struct lm_state {
	uint64_t generation;
	uint32_t next_lun_index, next_target_index;
	struct lm_state_target *targets;
	size_t ntargets;
	struct lm_state_lun *luns;
	size_t nluns;
	struct lm_state_assoc *assocs;
	size_t nassocs;
	struct lm_tomb *tombs;
	size_t ntombs;
};

#define LM_STATE_FILE "state.xml"
#define LM_JOURNAL_FILE "state.journal"

/* The state is a snapshot (state.xml) and a journal of the association
 * changes made since (state.journal), so that a change writes what it
 * changed, not the whole state. Every journal record names the snapshot's
 * generation; records of an older snapshot are stale and skipped. */

/* Snapshot then journal. A missing snapshot gives an empty state; a
 * corrupt or truncated one, or a journal damaged before its last record,
 * is refused with VDS_E_PROVIDER_CACHE_CORRUPT, never replaced. A torn
 * last record (a crash before its fsync: never acknowledged) is ignored. */
lm_hr lm_state_load(const char *dir, struct lm_state **out, struct lm_err *err);
void lm_state_free(struct lm_state *st);

/* The snapshot: temp file, fsync, rename, fsync of the folder; mode 0600.
 * *size (may be NULL) gets its size. VDS_E_PROVIDER_CACHE_CORRUPT when
 * only the folder's fsync failed: the new snapshot is in place, the old
 * one may come back after a crash. */
lm_hr lm_state_save(const char *dir, const struct lm_model *m, uint64_t generation, long *size,
		    struct lm_err *err);

/* Checks what the snapshot says before it is believed: indexes and ids
 * unique (one id space for LUNs, targets and tombstones), every
 * association naming a LUN and a target of the snapshot, one number per
 * target and one association per LUN and target. NULL or the reason;
 * *oom on allocation failure. Part of lm_state_load. */
const char *lm_state_check(const struct lm_state *st, int *oom);
const char *lm_state_check_assocs(const struct lm_state_assoc *a, size_t n, int *oom);

#define LM_INTENT_FILE "state.intent"

/* The intent of a change (design §3): each LUN's old and new set, on disk
 * before the first stack step. */
struct lm_intent_lun {
	uint32_t lun;
	struct lm_assoc *old, *new;
	size_t nold, nnew;
};

struct lm_intent {
	struct lm_intent_lun *v;
	size_t n;
};

/* Opens (creates, 0600, the folder synced) the intent file. */
lm_hr lm_intent_open(const char *dir, int *fd, struct lm_err *err);
/* Replaces the record and makes it durable before it returns. */
lm_hr lm_intent_write(int fd, const struct lm_intent_lun *v, size_t n, struct lm_err *err);
lm_hr lm_intent_clear(int fd, struct lm_err *err);
/* The last record, or none (n = 0) when there is none or it was torn. */
lm_hr lm_intent_read(const char *dir, struct lm_intent *in, struct lm_err *err);
void lm_intent_free(struct lm_intent *in);


#include "journal.h"
#include "lock.h"

#endif
