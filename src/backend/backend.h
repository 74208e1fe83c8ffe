/* SPDX-License-Identifier: BSD-3-Clause */
/* The iSCSI stack behind one small table of operations (design §4). The
 * core never knows which stack runs. */
#ifndef LUNMAP_BACKEND_H
#define LUNMAP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "hresult.h"
#include "model.h"
#include "observe.h"
#include "stack.h"

struct lm_backend;

struct lm_backend_ops {
	const char *name;
	/* the lowest SCSI LUN number a disk may have (tgt keeps 0 for its
	 * controller) */
	uint32_t min_lun_number;
	lm_hr (*enumerate)(struct lm_backend *b, struct lm_stack *out, struct lm_err *err);
	/* makes the target and lets its initiators in; for a target that is
	 * there with some left out of its ACL (lm_stack_target.acl) or half
	 * made (lm_stack_target.half), finishes it: what is there stays */
	lm_hr (*create_target)(struct lm_backend *b, const struct lm_target *t, struct lm_err *err);
	/* adds the LU with the LUN's identity (derived from its id) set */
	lm_hr (*add_lu)(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err);
	/* lun: the LUN whose LU it is, NULL for an LU lunmap did not put
	 * there */
	lm_hr (*remove_lu)(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err);
	/* write-protects the LU (readonly) or lifts it; NULL when the
	 * backend cannot */
	lm_hr (*set_access)(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err);
	/* before anything is tried: whether set_access can honour this
	 * access on the target (NULL: always) */
	lm_hr (*check_access)(struct lm_backend *b, const struct lm_target *t, bool readonly,
			      struct lm_err *err);
	/* optional: removes what a crash left half made outside every
	 * target (lm_stack.half), looking again first; start-up calls it
	 * after its stack work, restore(4) and the re-apply once they have
	 * planned theirs (the steps make again whole what they need) */
	lm_hr (*tidy)(struct lm_backend *b, struct lm_err *err);
	void (*destroy)(struct lm_backend *b);
	/* optional: the deadline of every request from now on. patient: a
	 * wait the core made long on purpose (a whole listing, start-up),
	 * which a stalled stack does not shorten */
	void (*set_timeout)(struct lm_backend *b, unsigned timeout_ms, bool patient);
	/* optional: an absolute end (lm_now_ms's clock, deadline.h) for
	 * every request, listing and configfs operation from now on, on top
	 * of the per-request timeout; LM_NO_DEADLINE lifts it. A SET sets
	 * it once for all its work (design §5, time rules): what cannot
	 * finish by then fails as a timeout, never runs past it. */
	void (*set_deadline)(struct lm_backend *b, long long deadline_ms);
	/* optional: how many initiator sessions the target has now (the
	 * in-use guard), asking the stack about that target alone and from
	 * what it says without any byte an initiator chose (E_FAIL: the
	 * stack did not tell); NULL: the guard reads
	 * lm_stack_target.sessions of an enumeration */
	lm_hr (*in_use)(struct lm_backend *b, const struct lm_target *t, unsigned *sessions,
			struct lm_err *err);
	/* optional: take-backs of steps the stack did not answer in time
	 * (it may still carry them out), queued until it answers again:
	 * how many wait, and sending them (S_OK when none is left) */
	size_t (*pending)(const struct lm_backend *b);
	lm_hr (*flush)(struct lm_backend *b, struct lm_err *err);
	/* the NAA designator an initiator reads in VPD 0x83 for a LUN with
	 * this id (the stack derives it from the identity add_lu sets) */
	void (*naa)(const lm_guid *id, uint8_t out[16]);
	/* optional: the sessions logged in to the target, with their
	 * connections and, where the stack keeps them, counters (ascending by
	 * id, observe.h); a target the stack lacks is an error. For the
	 * IETF MIBs' look, once a drift check (the in-use guard asks
	 * in_use, which reads no byte an initiator chose). */
	lm_hr (*sessions)(struct lm_backend *b, const struct lm_target *t,
			  struct lm_obs_sessions *out, struct lm_err *err);
	/* sessions can tell a session's ISID and initiator alias (LIO, sim;
	 * tgt's views show neither) */
	bool session_ids;
	/* optional: what the stack counted for the target and its LUs (NULL
	 * when it keeps no counters, as tgt) */
	lm_hr (*stats)(struct lm_backend *b, const struct lm_target *t,
		       struct lm_obs_stats *out, struct lm_err *err);
	/* the vendor, product and revision of the standard INQUIRY data of
	 * every LU add_lu makes, when the stack fixes them (NULL: it varies,
	 * stats tells per LU) */
	const char *const *inquiry;
	/* optional: the targets lunmap manages (the model's, by IQN; the
	 * backend keeps a copy), so that their listing stays readable
	 * whatever an initiator sends (tgt: an anchor in each one's ACL) */
	lm_hr (*manage)(struct lm_backend *b, const char *const *iqns, size_t n,
			struct lm_err *err);
};

struct lm_backend {
	const struct lm_backend_ops *ops;
	void *priv;
};

lm_hr lm_backend_create(const struct lm_backend_conf *conf, struct lm_backend **out,
			struct lm_err *err);
void lm_backend_destroy(struct lm_backend *b);
/* The core calls the stack only through these: an optional operation the
 * backend lacks is answered here, once, the same way for every caller. */
lm_hr lm_backend_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err);
lm_hr lm_backend_create_target(struct lm_backend *b, const struct lm_target *t,
			       struct lm_err *err);
lm_hr lm_backend_add_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err);
lm_hr lm_backend_remove_lu(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err);
/* VDS_E_NOT_SUPPORTED when the backend cannot write-protect an LU */
lm_hr lm_backend_set_access(struct lm_backend *b, const struct lm_target *t, uint32_t number,
			    const struct lm_lun *lun, bool readonly, struct lm_err *err);
/* before anything is tried: set_access's refusal, or check_access's */
lm_hr lm_backend_check_access(struct lm_backend *b, const struct lm_target *t, bool readonly,
			      struct lm_err *err);
/* S_OK when the backend has nothing to tidy */
lm_hr lm_backend_tidy(struct lm_backend *b, struct lm_err *err);
void lm_backend_timeout(struct lm_backend *b, unsigned timeout_ms, bool patient);
/* the target's initiator sessions: in_use when the backend has it, else
 * from one enumeration made at most once per caller (*listed, stack) */
lm_hr lm_backend_sessions_of(struct lm_backend *b, const struct lm_target *t,
			     struct lm_stack *stack, bool *listed, unsigned *n,
			     struct lm_err *err);
/* What the backend is: its name, the lowest LUN number a disk may have,
 * the INQUIRY data it fixes (NULL: it varies), and what it can tell
 * besides LUs (LM_OBSERVE_*). */
const char *lm_backend_name(const struct lm_backend *b);
uint32_t lm_backend_min_lun(const struct lm_backend *b);
const char *const *lm_backend_inquiry(const struct lm_backend *b);
unsigned lm_backend_observes(const struct lm_backend *b);
/* What a look at the target sees (sessions, counters): false when the
 * backend keeps none of it (nothing asked), else whether it told (err
 * says why not). */
bool lm_backend_sessions(struct lm_backend *b, const struct lm_target *t,
			 struct lm_obs_sessions *out, bool *told, struct lm_err *err);
bool lm_backend_stats(struct lm_backend *b, const struct lm_target *t, struct lm_obs_stats *out,
		      bool *told, struct lm_err *err);
/* The NAA designator an initiator reads for the id (tgt's form when the
 * backend does not say). */
void lm_backend_naa(const struct lm_backend *b, const lm_guid *id, uint8_t out[16]);
/* Tells the backend every target of the model (manage, if it has it). */
lm_hr lm_backend_manage(struct lm_backend *b, const struct lm_model *m, struct lm_err *err);
/* set_deadline when the backend has it */
void lm_backend_deadline(struct lm_backend *b, long long deadline_ms);
/* the backend's pending take-backs (0 when it keeps none), and flushing
 * them (S_OK when none is left) */
size_t lm_backend_pending(const struct lm_backend *b);
lm_hr lm_backend_flush(struct lm_backend *b, struct lm_err *err);

struct lm_backend *lm_tgt_new(const struct lm_backend_conf *conf);
struct lm_backend *lm_lio_new(const struct lm_backend_conf *conf);

#endif
