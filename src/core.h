/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals shared by the core's modules; not for the subagent. */
#ifndef LUNMAP_CORE_H
#define LUNMAP_CORE_H

#include <sys/types.h>
#include <time.h>

#include "backend.h"
#include "inventory.h"
#include "lunmap.h"
#include "model.h"
#include "pace.h"
#include "probe.h"
#include "state.h"
#include "store.h"

struct lm_core {
	struct lm_model *model;
	struct lm_backend *backend;
	struct lm_backend_conf bconf;
	char *inventory;
	struct lm_store store; /* the state folder, held open */
	/* the last problem start-up (or a reload) found, hr 0 when none */
	struct lm_err startup_problem;
	lm_problem_fn log;
	void *log_ctx;
	/* times the drift check re-applied a stack that had lost everything */
	unsigned long reapplied;
	/* the wait for the stack's listing of the periodic drift check,
	 * refresh, restore and reload (0: a step's deadline) */
	unsigned list_ms;
	/* the SET's one deadline (lm_now_ms's clock), LM_NO_DEADLINE: none */
	long long deadline;
	/* what a step of each kind has cost lately: a SET's first step and
	 * its rollback are budgeted from it */
	struct lm_costs costs;
	/* a step failed that validation let through: the drift check is due
	 * (run after the SET's answer, never inside it) */
	bool check_due;
	/* the action that runs (NULL: none), and the last one's outcome */
	struct lm_action_state *action;
	int last_action;
	struct lm_err last_action_result;
	uint32_t *last_changed; /* the LUNs it changed in the model */
	size_t nlast_changed;
	/* the inventory file as the running model read it */
	struct {
		ino_t ino;
		off_t size;
		struct timespec mtime;
	} inventory_stamp;
	/* the IETF MIBs to serve (LM_MIB_*), as the inventory said at start */
	unsigned mibs;
	/* successful reloads (a new model: lm_core_generation) */
	unsigned long reloads;
};

/* log.c: a line to the log callback of lm_core_opts. */
void lm_core_log(struct lm_core *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What the stack had and lm_stack_validate refused is drift no refresh can
 * adopt: said in the log (never saved), after every enumeration. */
void lm_core_log_rejected(struct lm_core *c, const struct lm_stack *s);

/* The model and backend settings, for the core's modules and its tests. */
const struct lm_model *lm_core_model(const struct lm_core *c);
const struct lm_backend_conf *lm_core_backend_conf(const struct lm_core *c);

/* One stack operation of a change (TARGET: restore's making of a target,
 * or binding the initiators it left out; never in a batch). */
enum lm_step_op { LM_STEP_ADD, LM_STEP_REMOVE, LM_STEP_ACCESS, LM_STEP_TARGET };
#define LM_STEP_KINDS LM_PACE_KINDS
struct lm_step {
	enum lm_step_op op;
	uint32_t lun, target, number;
	bool readonly; /* ACCESS: what it sets */
};

/* The step that undoes s: ADD and REMOVE swap, ACCESS sets the other
 * access. */
struct lm_step lm_step_inverse(const struct lm_step *s);
/* The steps that undo steps[0..n) in the order they run (the last one's
 * inverse first), newly allocated; NULL without memory. */
struct lm_step *lm_steps_inverse(const struct lm_step *steps, size_t n);


/* Runs one step alone (no rollback); a made target is online. */
lm_hr lm_step_run(struct lm_core *c, const struct lm_step *s, struct lm_err *err);
/* A step for a message: "add LUN "db" to iqn... as LUN 3". */
void lm_step_describe(struct lm_core *c, const struct lm_step *s, char *buf, size_t len);

/* mend.c: the steps that make the stack's LU lu (NULL: missing; else the
 * LUN's own, by path) at (t, link->number) what the link says: none, the
 * access set again, or (missing, or the wrong identity) removed, added
 * and made read-only as recorded. Start-up, recovery and restore(4) all
 * decide through it. */
#define LM_MEND_MAX 3
size_t lm_mend_plan(const struct lm_lun *l, const struct lm_target *t, const struct lm_assoc *link,
		    const struct lm_stack_lu *lu, struct lm_step out[LM_MEND_MAX]);
/* Runs that plan now, counting the steps tried in *steps. */
lm_hr lm_mend_lu(struct lm_core *c, const struct lm_lun *l, const struct lm_target *t,
		 const struct lm_assoc *link, const struct lm_stack_lu *lu, int *steps,
		 struct lm_err *err);

/* The take-backs of steps the stack did not answer in time: sent before
 * a change (refused while some wait), and after a failed one (offline
 * until they are done). */
lm_hr lm_takebacks_settle(struct lm_core *c, struct lm_err *err);
void lm_takebacks_after_failure(struct lm_core *c, struct lm_err *err);

/* Runs the steps in order; when one fails, undoes the ones done in reverse.
 * E_FAIL or the stack's converted errno, naming the step (nothing
 * changed), or PROVIDER_CACHE_CORRUPT when the undo failed too; err->at is
 * the failed step's index. */
lm_hr lm_steps_run(struct lm_core *c, const struct lm_step *steps, size_t n, struct lm_err *err);
/* The same for a change: when the rest of it fits at the stack's pace,
 * it goes on even where its whole rollback would not, and what of a
 * rollback does not fit in the deadline is left in tail (the steps that
 * undo it, in order; the text says how many), for the caller to run
 * after the answer (lm_action_rollback). Not inside an action. */
struct lm_tail {
	struct lm_step *steps;
	size_t n;
};
lm_hr lm_steps_apply(struct lm_core *c, const struct lm_step *steps, size_t n,
		     struct lm_tail *tail, struct lm_err *err);
/* The steps of an undo whose saved state is already written: forward
 * only, never rolled back; what does not fit before the deadline or a
 * step the stack ran out of time for is left in tail (from the first
 * step not done) for an action after the answer. Not inside an action. */
lm_hr lm_steps_finish(struct lm_core *c, const struct lm_step *steps, size_t n,
		      struct lm_tail *tail, struct lm_err *err);


/* merge.c: the model again from the inventory and the saved state (the
 * inventory must be as it was read: stamped when it is). */
lm_hr lm_core_model_from_disk(struct lm_core *c, struct lm_err *err);
void lm_merge_stamp_inventory(struct lm_core *c);

/* merge.c: c->model from the inventory and the saved state. */
lm_hr lm_merge_model(struct lm_core *c, const struct lm_inventory *inv, const struct lm_state *st,
		     struct lm_err *err);

/* startup.c: bring the stack to the state where it safely can. */
lm_hr lm_startup_reconcile(struct lm_core *c, struct lm_err *err);

/* recover.c: start-up, before anything else: an interrupted change (its
 * intent on disk) is finished or undone in the stack, identity included,
 * so that the stack has what the saved state says for the LUNs it named. */
lm_hr lm_recover_intent(struct lm_core *c, struct lm_err *err);
/* drift.c: the pieces of the check and its cures. One listing, sorted,
 * with a listing's deadline; the model against it (cacheCorrupt on any
 * difference); refresh's adoption and save; restore's plan. */
lm_hr lm_drift_list(struct lm_core *c, struct lm_stack *stack, struct lm_err *err);
lm_hr lm_drift_compare(struct lm_core *c, const struct lm_stack *stack, struct lm_err *err);
lm_hr lm_drift_adopt(struct lm_core *c, int how, const struct lm_stack *stack, struct lm_err *err);
/* withdraw (restore(4) only): also take away the LUs of an inventory
 * target that lunmap did not put there, and its own LUs where the state
 * does not have them */
lm_hr lm_restore_plan(struct lm_core *c, const struct lm_stack *stack, bool withdraw,
		      struct lm_step **steps, size_t *n, struct lm_err *err);
/* action.c: starts an action (LM_REFRESH..LM_RESTORE, LM_ACTION_REAPPLY). */
lm_hr lm_action_begin(struct lm_core *c, int what, struct lm_err *err);
/* VDS_E_ANOTHER_CALL_IN_PROGRESS, saying what runs, while one does. */
lm_hr lm_action_busy(const struct lm_core *c, struct lm_err *err);
lm_hr lm_action_rollback(struct lm_core *c, struct lm_step *steps, size_t n, struct lm_err *err);
void lm_action_free(struct lm_core *c);
/* compare.c: whether the stack (sorted) lost every association lunmap
 * recorded, and whether the stack's LU shows the LUN's identity (serial). */
bool lm_stack_lost_all(const struct lm_model *m, const struct lm_stack *stack);
bool lm_lu_identity_ok(const struct lm_lun *l, const struct lm_stack_lu *lu);
/* Whether start-up and restore(4) may make the target when the stack
 * lacks it: only the inventory's (never a discovered one). */
bool lm_target_makeable(const struct lm_target *t);
/* Whether the stack's target is half made: it leaves out initiators the
 * inventory lets in (a crash between making it and binding them), or the
 * backend found a step half done on it (lm_stack_target.half): start-up
 * and restore finish it (the backend's create_target does, for a target
 * that is there). */
bool lm_target_needs_bind(const struct lm_target *t, const struct lm_stack_target *st);
/* Start-up and restore(4): what the enumeration found half made outside
 * every target (lm_stack.half) is removed by the backend's tidy. */
void lm_core_tidy(struct lm_core *c, const struct lm_stack *stack);


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
/* The one reason given for a target whose listing the backend could not
 * read (lm_stack_target.unread): nothing about its LUs can be concluded;
 * as an error, cacheCorrupt. */
void lm_unread_why(const struct lm_target *t, const struct lm_stack_target *st, char *why,
		   size_t len);
lm_hr lm_unread(const struct lm_target *t, const struct lm_stack_target *st, struct lm_err *err);
const struct lm_tomb *lm_compare_tomb_by_path(const struct lm_model *m, const char *path);

/* Every stack request waits at most max(timeout-ms, at_least_ms) from
 * now on; lm_core_deadline(c, 0) goes back to a step's deadline. */
void lm_core_deadline(struct lm_core *c, unsigned at_least_ms);

#endif
