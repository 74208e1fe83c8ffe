/* SPDX-License-Identifier: BSD-3-Clause */
/* A batch's changes (struct lm_change, in any order, several per LUN)
 * turned into one new set of targets per LUN, with every conflict found
 * before anything is touched. */
#ifndef LUNMAP_PLAN_H
#define LUNMAP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "lunmap.h"
#include "model.h"

enum { LM_ACCESS_RW = 1, LM_ACCESS_RO = 2 };

/* One target of a LUN's new set, and the change that asked for it. */
struct want {
	uint32_t target;
	uint32_t number; /* asked; 0 = lowest free, or the one it has */
	/* asked: 0 = keep (a new association is read-write), else
	 * LM_ACCESS_RW or LM_ACCESS_RO */
	uint8_t access;
	size_t origin;
};

struct lun_plan {
	uint32_t lun;
	size_t first; /* the LUN's first change */
	struct want *v;
	size_t n;
};

/* Resolves an id to an object of the wanted kind: NOT_FOUND, DELETED or
 * E_INVALIDARG (the nil GUID), with a message naming the id. */
lm_hr lm_resolve(const struct lm_model *m, const lm_guid *id, enum lm_kind want, uint32_t *index,
		 struct lm_err *err);

/* Plans in the order of each LUN's first change; err->at names the change
 * an error is about. */
lm_hr lm_plan_changes(const struct lm_model *m, const struct lm_change *ch, size_t n,
		      struct lun_plan **out, size_t *nout, struct lm_err *err);
void lm_plans_free(struct lun_plan *p, size_t n);

#endif
