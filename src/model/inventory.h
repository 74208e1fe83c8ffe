/* SPDX-License-Identifier: BSD-3-Clause */
/* The admin's inventory (design §3): validated against the RelaxNG schema,
 * then value by value, with file and line for every problem. */
#ifndef LUNMAP_INVENTORY_H
#define LUNMAP_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "guid.h"
#include "hresult.h"
#include "lunmap.h"

/* A target admits at most this many initiators by name or address. */
#define LM_MAX_INITIATORS 256u

struct lm_inv_target {
	char *iqn, *alias, *initiators;
	lm_guid id; /* nil when the inventory gives none */
	long line;
};

struct lm_inv_lun {
	char *name, *path;
	lm_guid id;
	long line;
};

struct lm_inventory {
	char *file;
	char *name;
	uint32_t max_targets_per_lun;
	struct lm_backend_conf backend;
	/* the IETF MIBs lunmapd serves (<mibs>, LM_MIB_*) */
	unsigned mibs;
	struct lm_inv_target *targets;
	size_t ntargets;
	struct lm_inv_lun *luns;
	size_t nluns;
};


/* E_INVALIDARG with err->msg holding the first problem; every problem also
 * goes to report (which may be NULL). */
lm_hr lm_inventory_load(const char *file, struct lm_inventory **out, lm_problem_fn report,
			void *ctx, struct lm_err *err);
void lm_inventory_free(struct lm_inventory *inv);

/* The schema compiled into the program, so that it cannot go missing. */
extern const char lm_inventory_schema[];

#endif
