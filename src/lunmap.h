/* SPDX-License-Identifier: BSD-3-Clause */
/* The lunmap core: IVdsLunIscsi::AssociateTargets and its companions over
 * an inventory, a state folder and a backend. The only header the subagent
 * and the tools need: every object is an opaque handle read through the
 * accessors below, so the model can change without touching the glue. */
#ifndef LUNMAP_H
#define LUNMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "hresult.h"
#include "observe.h"

struct lm_core;
struct lm_lun;
struct lm_target;
struct lm_backend;

enum lm_status { LM_ONLINE = 1, LM_OFFLINE = 2, LM_FAILED = 3 };
enum lm_subsys_status { LM_SUBSYS_ONLINE = 1, LM_SUBSYS_CACHE_CORRUPT = 2, LM_SUBSYS_OFFLINE = 3 };

#define LM_MAX_LUN_NUMBER 16383u
/* The longest backing store path: what lunmapLunBackingStore (an
 * SnmpAdminString) can publish whole. */
#define LM_MAX_PATH_PUBLISHED 255

/* Called once per problem or event worth a log line. */
typedef void (*lm_problem_fn)(void *ctx, const char *problem);

struct lm_core_opts {
	const char *inventory;
	const char *state_dir;
	/* when set, used instead of the inventory's backend (and owned by the
	 * core from then on): the tests pass a sim */
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

/* --check: the inventory alone, every problem to report. */
struct lm_inventory_summary {
	size_t ntargets, nluns;
	char backend[8];
};
lm_hr lm_inventory_check(const char *file, lm_problem_fn report, void *ctx,
			 struct lm_inventory_summary *out, struct lm_err *err);

/* ---------------------------------------------------------------- reading */

/* The subsystem. */
const char *lm_core_name(const struct lm_core *c);
const char *lm_core_backend_name(const struct lm_core *c);
enum lm_subsys_status lm_core_status(const struct lm_core *c);
uint32_t lm_core_max_targets(const struct lm_core *c);
size_t lm_core_lun_count(const struct lm_core *c);
size_t lm_core_target_count(const struct lm_core *c);
size_t lm_core_assoc_count(const struct lm_core *c);
/* The drift check's period in seconds (0: none) and a stack step's
 * deadline, as the inventory last loaded (a reload may change them:
 * re-arm timers). */
unsigned lm_core_check_interval(const struct lm_core *c);
unsigned lm_core_timeout_ms(const struct lm_core *c);
/* The last problem start-up or a reload found (drift, an interrupted
 * change it could not settle, a postponed save), or NULL when none: for
 * lunmapLastErrorCode/Text. */
const struct lm_err *lm_core_startup_problem(const struct lm_core *c);

/* Objects by their stable index; NULL when there is none. _after gives
 * the first one with a greater index (after = 0: the first). */
const struct lm_lun *lm_core_lun(const struct lm_core *c, uint32_t index);
const struct lm_lun *lm_core_lun_after(const struct lm_core *c, uint32_t after);
const struct lm_target *lm_core_target(const struct lm_core *c, uint32_t index);
const struct lm_target *lm_core_target_after(const struct lm_core *c, uint32_t after);
/* The first LUN (target) with an index above `after` that has an
 * association, or 0: a walk of the association tables skips the others. */
uint32_t lm_core_linked_lun_after(const struct lm_core *c, uint32_t after);
uint32_t lm_core_linked_target_after(const struct lm_core *c, uint32_t after);

/* One end of an association, as seen from the other: the target's index
 * (from a LUN) or the LUN's (from a target), and the SCSI LUN number. */
struct lm_assoc {
	uint32_t index;
	/* a SCSI LUN number needs 14 bits (LM_MAX_LUN_NUMBER): the flag
	 * shares its word, and an association stays 8 bytes (two of them
	 * a link, 100k links: 0.4 MB less than with a byte of its own) */
	uint32_t number : 31;
	/* readOnly(2) in lunmapAssocAccess: initiators of this target may
	 * read the LUN, not write it; the same on both sides of the link */
	bool readonly : 1;
};

uint32_t lm_lun_index(const struct lm_lun *l);
const lm_guid *lm_lun_id(const struct lm_lun *l);
const char *lm_lun_name(const struct lm_lun *l);
const char *lm_lun_path(const struct lm_lun *l);
uint64_t lm_lun_size(const struct lm_lun *l);
enum lm_status lm_lun_status(const struct lm_lun *l);
lm_hr lm_lun_last_error(const struct lm_lun *l);
/* The LUN's associations, ascending by target index. */
const struct lm_assoc *lm_lun_assocs(const struct lm_lun *l, size_t *n);
/* The SCSI identity the LUN shows on every target: its unit serial (VPD
 * 0x80, 32 hex digits) and the NAA designator of VPD 0x83 (16 bytes),
 * both derived from its id. */
void lm_lun_serial(const struct lm_lun *l, char out[33]);
void lm_core_lun_naa(const struct lm_core *c, const struct lm_lun *l, uint8_t out[16]);

uint32_t lm_target_index(const struct lm_target *t);
const lm_guid *lm_target_id(const struct lm_target *t);
const char *lm_target_iqn(const struct lm_target *t);
const char *lm_target_alias(const struct lm_target *t);
enum lm_status lm_target_status(const struct lm_target *t);
/* LUs the stack exposes on the target that lunmap did not put there, as
 * the last enumeration read them (a target of the inventory with any is
 * drift: restore(4) removes them). */
size_t lm_target_foreign_count(const struct lm_target *t);
bool lm_target_discovered(const struct lm_target *t);
/* The initiators the target lets in, as the inventory says ("ALL", names
 * and addresses separated by commas or spaces), or NULL. */
const char *lm_target_initiators(const struct lm_target *t);
/* The target's associations, ascending by LUN index. */
const struct lm_assoc *lm_target_assocs(const struct lm_target *t, size_t *n);

/* Binary search in an association array: the one with this index, or the
 * first with a greater one; NULL when there is none. */
const struct lm_assoc *lm_assoc_find(const struct lm_assoc *v, size_t n, uint32_t index);
const struct lm_assoc *lm_assoc_after(const struct lm_assoc *v, size_t n, uint32_t after);

/* ---------------------------------------------------------------- changing */

/* What one change did to one LUN: target indexes, ascending. */
struct lm_diff {
	uint32_t lun_index;
	uint32_t *added, *removed, *kept;
	size_t nadded, nremoved, nkept;
	/* kept associations whose access (read-only or read-write) changed */
	size_t naccess;
};

/* One change of one LUN. A batch holds any number of them; the core
 * groups them by LUN into that LUN's new set of targets:
 * - LM_CHANGE_SET replaces the LUN's set (AssociateTargets): targets[],
 *   with numbers[i] (optional, 0 = lowest free) for targets[i];
 * - LM_CHANGE_ADD adds `target` (number 0 = lowest free; a target already
 *   in the set keeps its number, and asking another one is E_INVALIDARG);
 * - LM_CHANGE_REMOVE removes `target` (nothing when it is not in the set);
 * - LM_CHANGE_NUMBER asks `number` for `target`, which must be in the set
 *   or added by an LM_CHANGE_ADD of the same batch;
 * - LM_CHANGE_ACCESS makes the association with `target` read-only
 *   (`readonly`) or read-write, with the same rule as NUMBER. A SET keeps
 *   the access of the associations it keeps; new ones are read-write
 *   unless an ACCESS of the batch says otherwise.
 * A SET with any other change of the same LUN, two changes of one kind
 * for the same target, or an ADD and a REMOVE of the same target are
 * refused as conflicting (E_INVALIDARG with err->conflict set). */
enum lm_change_kind {
	LM_CHANGE_SET,
	LM_CHANGE_ADD,
	LM_CHANGE_REMOVE,
	LM_CHANGE_NUMBER,
	LM_CHANGE_ACCESS
};

struct lm_change {
	enum lm_change_kind kind;
	lm_guid lun;
	const lm_guid *targets; /* SET */
	size_t ntargets;
	const uint32_t *numbers;
	lm_guid target; /* ADD, REMOVE, NUMBER, ACCESS */
	uint32_t number;
	bool readonly; /* ACCESS */
	/* take the LUN from targets even when an initiator is logged in to
	 * them (the in-use guard, VDS_E_DEVICE_IN_USE, is skipped) */
	bool force;
};

/* A validated change of several LUNs, applied together or not at all. */
struct lm_batch;

/* On failure err->at is the index of the change the error is about. */
lm_hr lm_batch_prepare(struct lm_core *c, const struct lm_change *changes, size_t n,
		       struct lm_batch **out, struct lm_err *err);
/* Applies to the stack and saves the state. On failure nothing changed,
 * except when the rollback failed too: then VDS_E_PROVIDER_CACHE_CORRUPT
 * and the subsystem is cacheCorrupt. */
lm_hr lm_batch_apply(struct lm_core *c, struct lm_batch *b, struct lm_err *err);
/* Undoes an applied batch (SNMP's UNDO phase). */
lm_hr lm_batch_revert(struct lm_core *c, struct lm_batch *b, struct lm_err *err);
size_t lm_batch_count(const struct lm_batch *b);
/* the stack steps applying it will take */
size_t lm_batch_step_count(const struct lm_batch *b);
const struct lm_diff *lm_batch_diff(const struct lm_batch *b, size_t i);
void lm_batch_free(struct lm_batch *b);

/* The one deadline of a SET (design §5, time rules), on the monotonic
 * clock in ms (deadline.h's lm_now_ms): every stack request, listing and
 * probe from now on ends by it, and a batch's steps stop while their
 * rollback still fits before it. 0 lifts it. */
void lm_core_set_deadline(struct lm_core *c, long long deadline_ms);

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
/* Single pairs; number 0 = lowest free. */
lm_hr lm_add_association(struct lm_core *c, const lm_guid *lun, const lm_guid *target,
			 uint32_t number, struct lm_diff *diff, struct lm_err *err);
lm_hr lm_remove_association(struct lm_core *c, const lm_guid *lun, const lm_guid *target,
			    struct lm_diff *diff, struct lm_err *err);
void lm_diff_free(struct lm_diff *d);

/* Drift (design §4). check compares the stack with the state and turns
 * the subsystem cacheCorrupt on any difference; refresh clears it. */
enum lm_refresh { LM_REFRESH = 2, LM_REENUMERATE = 3, LM_RESTORE = 4 };
/* The check, and the cures, to the end: a stack that lost everything is
 * re-applied before it returns (lunmapctl, tests). */
lm_hr lm_core_check(struct lm_core *c, struct lm_err *err);
lm_hr lm_core_refresh(struct lm_core *c, enum lm_refresh how, struct lm_err *err);
/* How long a check's or an action's listing waits (0, the default: a
 * step's deadline, timeout-ms). tgtd composes a whole listing before
 * its first byte (100,000 LUs take longer than a step); requests wait
 * meanwhile, so the glue keeps it under the master's timeout. */
void lm_core_set_listing_deadline(struct lm_core *c, unsigned ms);
/* How often the check found a stack that had lost everything lunmap put
 * there and re-applied it (design §4): the glue notifies when it moves. */
unsigned long lm_core_reapplied(const struct lm_core *c);

/* Long work as an asynchronous action (design §5, time rules): refresh
 * (2), reenumerate (3), restore (4) and the re-apply of a stack that lost
 * everything are started, then run in bounded slices between requests.
 * While one runs, changes are refused (VDS_E_ANOTHER_CALL_IN_PROGRESS). */
enum lm_action { LM_ACTION_IDLE = 1, LM_ACTION_REAPPLY = 5, LM_ACTION_ROLLBACK = 6 };
/* Starts refresh(2), reenumerate(3) or restore(4); nothing of it is done
 * yet. VDS_E_ANOTHER_CALL_IN_PROGRESS when an action runs. */
lm_hr lm_core_action_start(struct lm_core *c, int what, struct lm_err *err);
/* The periodic check for the glue: like lm_core_check, but a stack that
 * lost everything starts the re-apply as an action (S_OK) instead of
 * re-applying it before returning. */
lm_hr lm_core_check_async(struct lm_core *c, struct lm_err *err);
/* Runs the action for about budget_ms (at least one piece of it: a
 * listing, or one stack step); true when it has ended, with its outcome
 * in lm_core_action_outcome. */
bool lm_core_action_run(struct lm_core *c, unsigned budget_ms);
/* Drops an action that has not begun its work (the SET that started it
 * was undone). */
void lm_core_action_cancel(struct lm_core *c);
/* What runs (LM_ACTION_IDLE: nothing), and how far it got: stack steps
 * done of those planned (0 of 0 while it lists or probes). */
int lm_core_action_running(const struct lm_core *c);
void lm_core_action_progress(const struct lm_core *c, size_t *done, size_t *total);
/* The last action that ended: what it was (LM_ACTION_IDLE: none yet) and
 * its result (hr 0: it succeeded; msg says what it did either way). */
int lm_core_action_outcome(const struct lm_core *c, const struct lm_err **result);
/* The LUNs (indexes, ascending) whose associations the last action
 * changed in the model (refresh, reenumerate): to be told as changed. */
const uint32_t *lm_core_action_changed(const struct lm_core *c, size_t *n);
/* A SET's step failed unexpectedly: the drift check is due, after the
 * answer. Cleared by the next check. */
bool lm_core_check_due(const struct lm_core *c);

/* ---------------------------------------------------------------- observing */

/* The IETF MIBs the inventory asks lunmapd to serve (<mibs scsi=""
 * iscsi=""/>, both by default). */
enum { LM_MIB_SCSI = 1, LM_MIB_ISCSI = 2 };
unsigned lm_core_mibs(const struct lm_core *c);
/* The inventory's portal ("" when none), and the INQUIRY vendor, product
 * and revision the stack gives every LU lunmap adds (NULL: per LU, from
 * the stack's statistics). */
const char *lm_core_portal(const struct lm_core *c);
const char *const *lm_core_lu_inquiry(const struct lm_core *c);
/* What the backend can tell besides LUs (LM_OBSERVE_*). */
/* LM_OBSERVE_SESSION_IDS: sessions come with their ISID and alias */
enum { LM_OBSERVE_SESSIONS = 1, LM_OBSERVE_STATS = 2, LM_OBSERVE_SESSION_IDS = 4 };
unsigned lm_core_observes(const struct lm_core *c);
/* Moves with every change of the model's associations and with every
 * reload: a reader's index of them is stale when it differs. */
unsigned long long lm_core_generation(const struct lm_core *c);

/* What the stack told of one target besides its LUs (observe.h). */
struct lm_target_obs {
	uint32_t target; /* its index */
	bool has_sessions, has_stats;
	struct lm_obs_sessions sessions;
	struct lm_obs_stats stats;
	/* when a counter of the target last went back (the stack made it
	 * anew: a reader's discontinuity), lm_now_ms's clock, 0 never */
	long long reset_ms;
	/* the target port's counters summed over its LUs, monotonic: what
	 * a LU that left had counted stays in (LIO counts per LUN) */
	bool port_known;
	uint64_t port_cmds, port_read_mb, port_write_mb;
};

/* One look at every target, ascending by index. */
struct lm_observation {
	struct lm_target_obs *v;
	size_t n, cap;
	/* the stack host's uptime when looked (centiseconds, 0 unknown):
	 * what the stack's own timestamps count from */
	unsigned long long stack_uptime_cs;
	/* the target the next look starts with (0: the first) */
	uint32_t resume;
	/* the instance's counters summed over its targets, monotonic (a
	 * target that went keeps its share) */
	bool sess_err_known;
	uint64_t digest_errors, cxn_errors, format_errors;
	/* the last session failure seen: its kind and initiator */
	enum lm_sess_fail last_sess_fail;
	char sess_fail_name[LM_OBS_NAME_MAX + 1];
	char vendor[64], version[64];
	/* what targets that went had counted */
	uint64_t gone_digest, gone_cxn, gone_format;
};

/* Reads every target's sessions and statistics through the backend,
 * until deadline_ms (lm_now_ms's clock; LM_NO_DEADLINE: none): a target
 * not reached by then keeps what prev (may be NULL) had, and the next
 * look starts with it. A backend without the operations gives targets
 * without them. Errors of one target are logged and leave its old
 * observation in place; only E_OUTOFMEMORY fails the look. */
lm_hr lm_core_observe(struct lm_core *c, const struct lm_observation *prev, long long deadline_ms,
		      struct lm_observation *out, struct lm_err *err);
void lm_observation_clear(struct lm_observation *o);
const struct lm_target_obs *lm_observation_find(const struct lm_observation *o, uint32_t target);

#endif
