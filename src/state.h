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
 * *size (may be NULL) gets its size. */
lm_hr lm_state_save(const char *dir, const struct lm_model *m, uint64_t generation, long *size,
		    struct lm_err *err);

/* Checks what the snapshot says before it is believed: indexes and ids
 * unique (one id space for LUNs, targets and tombstones), every
 * association naming a LUN and a target of the snapshot, one number per
 * target and one association per LUN and target. NULL or the reason;
 * *oom on allocation failure. Part of lm_state_load. */
const char *lm_state_check(const struct lm_state *st, int *oom);
const char *lm_state_check_assocs(const struct lm_state_assoc *a, size_t n, int *oom);

#include "journal.h"
#include "lock.h"

#endif
