/* The lunmap core: IVdsLunIscsi::AssociateTargets and its companions over
 * an inventory, a state folder and a backend. The only header the subagent
 * and the tools need. */
#ifndef LUNMAP_H
#define LUNMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "guid.h"
#include "hresult.h"
#include "inventory.h"
#include "model.h"

struct lm_core;

struct lm_core_opts {
	const char *inventory;
	const char *state_dir;
	/* when set, used instead of the inventory's backend (and owned by the
	 * core from then on): the unit tests pass a sim */
	struct lm_backend *backend;
	/* where start-up reconcile reports what it did (may be NULL) */
	lm_problem_fn log;
	void *log_ctx;
};

lm_hr lm_core_open(const struct lm_core_opts *opts, struct lm_core **out, struct lm_err *err);
void lm_core_close(struct lm_core *c);

/* Re-reads the inventory (SIGHUP). A bad file is refused with its first
 * problem in err and the running model is kept as it was. */
lm_hr lm_core_reload(struct lm_core *c, struct lm_err *err);

const struct lm_model *lm_core_model(const struct lm_core *c);
const struct lm_backend_conf *lm_core_backend_conf(const struct lm_core *c);
/* The drift check's period in seconds and a stack step's deadline, as the
 * inventory last loaded (a reload may change them: re-arm timers). */
unsigned lm_core_check_interval(const struct lm_core *c);
unsigned lm_core_timeout_ms(const struct lm_core *c);
/* The last problem start-up or a reload found (drift, an interrupted
 * change it could not settle, a postponed save), or NULL when none: for
 * lunmapLastErrorCode/Text. */
const struct lm_err *lm_core_startup_problem(const struct lm_core *c);
struct lm_backend *lm_core_backend(struct lm_core *c);

/* What one change did to one LUN: target indexes, ascending. */
struct lm_diff {
	uint32_t lun_index;
	uint32_t *added, *removed, *kept;
	size_t nadded, nremoved, nkept;
};

/* One LUN's new set of targets. numbers[i] (optional) asks for a SCSI LUN
 * number for targets[i]; 0 or a NULL array means "lowest free". */
struct lm_change {
	lm_guid lun;
	const lm_guid *targets;
	size_t ntargets;
	const uint32_t *numbers;
};

/* A validated change of several LUNs, applied together or not at all. */
struct lm_batch;

lm_hr lm_batch_prepare(struct lm_core *c, const struct lm_change *changes, size_t n,
		       struct lm_batch **out, struct lm_err *err);
/* Applies to the stack and saves the state. On failure nothing changed,
 * except when the rollback failed too: then VDS_E_PROVIDER_CACHE_CORRUPT
 * and the subsystem is cacheCorrupt. */
lm_hr lm_batch_apply(struct lm_core *c, struct lm_batch *b, struct lm_err *err);
/* Undoes an applied batch (SNMP's UNDO phase). */
lm_hr lm_batch_revert(struct lm_core *c, struct lm_batch *b, struct lm_err *err);
size_t lm_batch_count(const struct lm_batch *b);
const struct lm_diff *lm_batch_diff(const struct lm_batch *b, size_t i);
void lm_batch_free(struct lm_batch *b);

/* Records an error found before the core was called (a malformed SNMP
 * value) as the LUN's last error. */
void lm_core_set_lun_error(struct lm_core *c, uint32_t lun_index, lm_hr hr);

/* The seed and its companions. diff may be NULL. */
lm_hr lm_associate_targets(struct lm_core *c, const lm_guid *lun, const lm_guid *targets,
			   size_t n, struct lm_diff *diff, struct lm_err *err);
lm_hr lm_query_associated_targets(struct lm_core *c, const lm_guid *lun, lm_guid **out,
				  size_t *n, struct lm_err *err);
lm_hr lm_query_associated_luns(struct lm_core *c, const lm_guid *target, lm_guid **out,
			       size_t *n, struct lm_err *err);
/* Single pairs, as SNMP row sets need; number 0 = lowest free. */
lm_hr lm_add_association(struct lm_core *c, const lm_guid *lun, const lm_guid *target,
			 uint32_t number, struct lm_diff *diff, struct lm_err *err);
lm_hr lm_remove_association(struct lm_core *c, const lm_guid *lun, const lm_guid *target,
			    struct lm_diff *diff, struct lm_err *err);
void lm_diff_free(struct lm_diff *d);

/* Drift (design §4). check compares the stack with the state and turns
 * the subsystem cacheCorrupt on any difference; refresh clears it. */
enum lm_refresh { LM_REFRESH = 2, LM_REENUMERATE = 3, LM_RESTORE = 4 };
lm_hr lm_core_check(struct lm_core *c, struct lm_err *err);
/* How often the check found a stack that had lost everything lunmap put
 * there and re-applied it (design §4): the glue notifies when it moves. */
unsigned long lm_core_reapplied(const struct lm_core *c);
lm_hr lm_core_refresh(struct lm_core *c, enum lm_refresh how, struct lm_err *err);

#endif
