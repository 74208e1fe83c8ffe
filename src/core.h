/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the core's modules; not for the subagent. */
#ifndef LUNMAP_CORE_H
#define LUNMAP_CORE_H

#include "backend.h"
#include "inventory.h"
#include "lunmap.h"
#include "model.h"
#include "state.h"

struct lm_core {
	struct lm_model *model;
	struct lm_backend *backend;
	struct lm_backend_conf bconf;
	char *state_dir;
	char *inventory;
	int lock_fd;
	struct lm_journal journal;
	int intent_fd;
	/* the last problem start-up (or a reload) found, hr 0 when none */
	struct lm_err startup_problem;
	uint64_t generation; /* of the snapshot the journal follows */
	long snapshot_bytes;
	lm_problem_fn log;
	void *log_ctx;
	/* times the drift check re-applied a stack that had lost everything */
	unsigned long reapplied;
	/* the wait for the stack's listing of the periodic drift check,
	 * refresh, restore and reload (0: a step's deadline) */
	unsigned list_ms;
};

/* log.c: a line to the log callback of lm_core_opts. */
void lm_core_log(struct lm_core *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What the stack had and lm_stack_validate refused is drift no refresh can
 * adopt: said in the log (never saved), after every enumeration. */
void lm_core_log_rejected(struct lm_core *c, const struct lm_stack *s);

/* The model and backend settings, for the core's modules and its tests. */
const struct lm_model *lm_core_model(const struct lm_core *c);
const struct lm_backend_conf *lm_core_backend_conf(const struct lm_core *c);

/* One stack operation of a change. */
enum lm_step_op { LM_STEP_ADD, LM_STEP_REMOVE, LM_STEP_ACCESS };
struct lm_step {
	enum lm_step_op op;
	uint32_t lun, target, number;
	bool readonly; /* ACCESS: what it sets */
};

/* The step that undoes s: ADD and REMOVE swap, ACCESS sets the other
 * access. */
struct lm_step lm_step_inverse(const struct lm_step *s);

/* Sets the access of an LU through the backend; VDS_E_NOT_SUPPORTED when
 * the backend has no way to. */
lm_hr lm_backend_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err);

/* Runs the steps in order; when one fails, undoes the ones done in reverse.
 * E_FAIL or the stack's converted errno, naming the step (nothing
 * changed), or PROVIDER_CACHE_CORRUPT when the undo failed too; err->at is
 * the failed step's index. */
lm_hr lm_steps_run(struct lm_core *c, const struct lm_step *steps, size_t n, struct lm_err *err);

/* store.c: a new snapshot of the whole model; the journal starts again. */
lm_hr lm_store_compact(struct lm_core *c, struct lm_err *err);
/* Makes the association sets of these LUNs durable (one journal record),
 * compacting when the journal has grown to half the snapshot. */
lm_hr lm_store_persist(struct lm_core *c, const struct lm_lun *const *luns, size_t n,
		       struct lm_err *err);

/* merge.c: c->model from the inventory and the saved state. */
lm_hr lm_merge_model(struct lm_core *c, const struct lm_inventory *inv, const struct lm_state *st,
		     struct lm_err *err);

/* startup.c: bring the stack to the state where it safely can. */
lm_hr lm_startup_reconcile(struct lm_core *c, struct lm_err *err);

/* recover.c: start-up, before anything else: an interrupted change (its
 * intent on disk) is finished or undone in the stack, identity included,
 * so that the stack has what the saved state says for the LUNs it named. */
lm_hr lm_recover_intent(struct lm_core *c, struct lm_err *err);
/* drift.c: restore(4) puts what lunmap recorded back into the stack, then
 * checks; *steps counts the stack steps it took. */
lm_hr lm_core_restore(struct lm_core *c, unsigned *steps, struct lm_err *err);
/* compare.c: whether the stack (sorted) lost every association lunmap
 * recorded, and whether the stack's LU shows the LUN's identity (serial). */
bool lm_stack_lost_all(const struct lm_model *m, const struct lm_stack *stack);
bool lm_lu_identity_ok(const struct lm_lun *l, const struct lm_stack_lu *lu);
/* Whether the stack's target leaves out initiators the inventory lets
 * in (a crash between making it and binding them): start-up and restore
 * bind them (the backend's create_target does, for a target that is
 * there). */
bool lm_target_needs_bind(const struct lm_target *t, const struct lm_stack_target *st);

/* probe.c: the LUN's status and size from its backing store (missing or
 * unreadable: failed). */
void lm_lun_probe(struct lm_lun *l);

/* compare.c: the model against one enumeration of the stack. */
struct lm_numbits;
void lm_compare_numbers(const struct lm_target *t, struct lm_numbits *b);
/* 1 and a reason when the target differs from what the stack has. */
int lm_compare_target(struct lm_model *m, const struct lm_target *t,
		      const struct lm_stack_target *st, char *why, size_t len);
/* Reserves the numbers the stack uses for LUs that are not lunmap's. */
lm_hr lm_compare_set_foreign(struct lm_target *t, const struct lm_stack_target *st);
/* Takes the stack's LUs of known LUNs as the target's associations. */
lm_hr lm_compare_adopt(struct lm_core *c, struct lm_target *t, const struct lm_stack_target *st);
/* Adds the stack's targets the model lacks, as discovered ones. */
lm_hr lm_compare_discover(struct lm_core *c, const struct lm_stack *stack);
/* Whether a target of the inventory has an LU lunmap did not put there
 * (or cannot be read): true and the first one in why. */
bool lm_compare_foreign(struct lm_model *m, const struct lm_stack *stack, char *why, size_t len);
/* restore(4)'s first part on one target: withdraws every LU of st that
 * is not one of the target's recorded associations (on a discovered
 * target, only those of lunmap's LUNs), and takes it out of st; counts
 * the steps. PROVIDER_CACHE_CORRUPT when st could not be read. */
lm_hr lm_compare_withdraw(struct lm_core *c, struct lm_target *t, struct lm_stack_target *st,
			  unsigned *steps, struct lm_err *err);
const struct lm_tomb *lm_compare_tomb_by_path(const struct lm_model *m, const char *path);

/* Every stack request waits at most max(timeout-ms, at_least_ms) from
 * now on; lm_core_deadline(c, 0) goes back to a step's deadline. */
void lm_core_deadline(struct lm_core *c, unsigned at_least_ms);
/* The drift check inside a SET: the listing gets a step's deadline. */
lm_hr lm_check_in_set(struct lm_core *c, struct lm_err *err);

#endif
