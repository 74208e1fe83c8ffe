/* SPDX-License-Identifier: BSD-3-Clause */
/* A batch inside the transaction engine: the changes of one PDU as the
 * sets each LUN goes from and to and the stack steps between them.
 * prepare.c builds it (and guard.c asks whether it takes a LUN from
 * under a logged-in initiator), batch.c applies and reverts it, calls.c
 * are the one-shot VDS calls over it. */
#ifndef LUNMAP_TXN_BATCH_H
#define LUNMAP_TXN_BATCH_H

#include "core.h"

struct lm_batch_item {
	uint32_t lun;
	size_t first; /* the LUN's first change in the caller's list */
	struct lm_assoc *old, *new;
	size_t nold, nnew;
	struct lm_diff diff;
};

struct lm_batch {
	struct lm_batch_item *items;
	size_t n;
	/* the (target, number) pairs the batch's changes ask by number,
	 * sorted: the lowest free number picked for another change skips
	 * them, whatever the order of the LUNs */
	uint64_t *asked;
	size_t nasked;
	struct lm_step *steps;
	size_t nsteps;
	bool applied;
};

/* The caller's change behind step i (the first change of its LUN), so
 * that an SNMP error index names the varbind whose change failed. */
size_t lm_batch_change_of_step(const struct lm_batch *b, size_t i);
/* The number the set gives target, 0 when it has none. */
uint32_t lm_assoc_number_in(const struct lm_assoc *v, size_t n, uint32_t target);
/* guard.c: an unforced removal from a target an initiator is logged in
 * to is refused (VDS_E_DEVICE_IN_USE), asking the stack about those
 * targets only, under the SET's deadline. */
lm_hr lm_batch_guard_in_use(struct lm_core *c, struct lm_batch *b, const struct lm_change *changes,
			    struct lm_err *err);

#endif
