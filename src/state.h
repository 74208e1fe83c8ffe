/* lunmapd's own record (design §3): ids, indexes, associations and
 * tombstones, written atomically, and the lock of the state folder. */
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

/* A missing file gives an empty state; a corrupt or truncated one is
 * refused with VDS_E_PROVIDER_CACHE_CORRUPT, never replaced. */
lm_hr lm_state_load(const char *dir, struct lm_state **out, struct lm_err *err);
void lm_state_free(struct lm_state *st);

/* Temp file, fsync, rename, fsync of the folder; mode 0600. */
lm_hr lm_state_save(const char *dir, const struct lm_model *m, struct lm_err *err);

/* Takes the folder's lock for as long as *fd stays open;
 * VDS_E_ANOTHER_CALL_IN_PROGRESS when another process holds it. */
lm_hr lm_state_lock(const char *dir, int *fd, struct lm_err *err);

#endif
