/* Internals shared by the core's modules; not for the subagent. */
#ifndef LUNMAP_CORE_H
#define LUNMAP_CORE_H

#include "lunmap.h"
#include "state.h"

struct lm_core {
	struct lm_model *model;
	struct lm_backend *backend;
	struct lm_backend_conf bconf;
	char *state_dir;
	char *inventory;
	int lock_fd;
	struct lm_journal journal;
	uint64_t generation; /* of the snapshot the journal follows */
	long snapshot_bytes;
	lm_problem_fn log;
	void *log_ctx;
};

void lm_core_log(struct lm_core *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One stack operation of a change. */
enum lm_step_op { LM_STEP_ADD, LM_STEP_REMOVE };
struct lm_step {
	enum lm_step_op op;
	uint32_t lun, target, number;
};

/* Runs the steps in order; when one fails, undoes the ones done in reverse.
 * E_FAIL naming the step (nothing changed), or PROVIDER_CACHE_CORRUPT when
 * the undo failed too. */
lm_hr lm_steps_run(struct lm_core *c, const struct lm_step *steps, size_t n, struct lm_err *err);

/* A new snapshot of the whole model; the journal starts again. */
lm_hr lm_core_compact(struct lm_core *c, struct lm_err *err);
/* Makes the association sets of these LUNs durable (one journal record),
 * compacting when the journal has grown to half the snapshot. */
lm_hr lm_core_persist(struct lm_core *c, const struct lm_lun *const *luns, size_t n,
		      struct lm_err *err);

/* Start-up: bring the stack to the state where it safely can. */
lm_hr lm_reconcile_start(struct lm_core *c, struct lm_err *err);
/* The LUN's status from its backing store (missing or unreadable: failed). */
void lm_lun_probe(struct lm_lun *l);

#endif
