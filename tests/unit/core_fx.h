/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's test fixture (core_fx.c). */
#ifndef LUNMAP_TEST_CORE_FX_H
#define LUNMAP_TEST_CORE_FX_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* Room for test_random's twenty LUNs; setup() uses three. */
#define FX_LUNS 20
#define FX_TARGETS 4

struct fx {
	char *dir, *state_dir, *inv;
	char *paths[FX_LUNS];
	struct lm_core *core;
	struct lm_backend *sim;
	lm_guid lun[FX_LUNS], tgt[FX_TARGETS];
};

/* with_lun_c: whether the inventory still declares the third LUN */
void write_inventory(struct fx *f, int with_lun_c);
lm_hr open_core(struct fx *f, struct lm_err *err);
/* open_core on a sim that starts with a copy of stack (NULL: empty). */
lm_hr open_core_on(struct fx *f, const struct lm_stack *stack, struct lm_err *err);
/* A crash: the core goes (close does no state I/O and no stack step);
 * *saved is the stack as it stays, for the next start. */
void fx_crash(struct fx *f, struct lm_stack *saved);
/* The next start's sim: a new one that takes saved over. */
void fx_sim_holding(struct fx *f, struct lm_stack *saved);
/* A core opened on f->sim as it is. */
lm_hr fx_open_on_sim(struct fx *f, struct lm_err *err);
/* A fixture of one's own inventory: fx_dirs makes f->dir and its state
 * folder; fx_free closes the core and removes and frees all of f's. */
int fx_dirs(struct fx *f);
void fx_free(struct fx *f);
int setup(void **state);
int teardown(void **state);
/* The sim stack as text: "iqn:number:path" lines, sorted. */
char *stack_text(struct fx *f);
/* The snapshot and the journal, as they are on disk. */
char *state_text(struct fx *f);
/* The stack and the state on disk are exactly as they were. */
void expect_unchanged(struct fx *f, const char *stack_before, const char *state_before);
uint32_t number_of(struct fx *f, int lun, int tgt);
void expect_targets(struct fx *f, int lun, const int *tgts, size_t n);
/* The sim's target with this IQN suffix ("t2"), or NULL. */
struct lm_stack_target *sim_target(struct fx *f, const char *name);
struct lm_stack_lu *sim_lu(struct fx *f, const char *target, uint32_t number);
void sim_remove_lu(struct fx *f, const char *target, uint32_t number);
/* The LUN's serial (its id in hex) on the LU; a wrong one fails. */
void expect_identity(struct fx *f, const char *target, uint32_t number, int lun);

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
