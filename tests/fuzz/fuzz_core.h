/* SPDX-License-Identifier: BSD-3-Clause */
/* What the harnesses that start lunmap share (fuzz_state, fuzz_tgt_show):
 * the core's associations as text, and two starts on the sim that must
 * give the same. A header of static functions because it needs the core
 * and the sim, which not every replay links (fuzz_util.c goes into all). */
#ifndef LUNMAP_FUZZ_CORE_H
#define LUNMAP_FUZZ_CORE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "lunmap.h"
#include "sim.h"

/* Checks one association and writes its line to out. */
typedef void fuzz_assoc_fn(const struct lm_core *c, const struct lm_lun *l, const struct lm_assoc *a,
			   FILE *out, void *arg);

/* Every association of the core through each, LUN by LUN: the lines (malloc'd). */
static char *fuzz_associations(const struct lm_core *c, fuzz_assoc_fn *each, void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (const struct lm_lun *l = lm_core_lun_after(c, 0); l;
	     l = lm_core_lun_after(c, lm_lun_index(l))) {
		size_t n;
		const struct lm_assoc *a = lm_lun_assocs(l, &n);
		for (size_t i = 0; i < n; i++)
			each(c, l, &a[i], f, arg);
	}
	fclose(f);
	return text;
}

/* What a start made: its checked text (malloc'd). */
typedef char *fuzz_view_fn(const struct lm_core *c, void *arg);

/* A core on the inventory at inv, state in fuzz_dir(), the sim holding a
 * copy of stack (NULL: empty); NULL when the start refused (err says why). */
static struct lm_core *fuzz_start(const char *inv, const struct lm_stack *stack, struct lm_err *err)
{
	struct lm_core_opts o = { .inventory = inv, .state_dir = fuzz_dir() };
	struct lm_core *c = NULL;

	o.backend = lm_sim_new();
	if (stack)
		FUZZ_CHECK(lm_stack_copy(lm_sim_stack(o.backend), stack) == LM_S_OK);
	if (lm_core_open(&o, &c, err) != LM_S_OK)
		return NULL;
	return c;
}

/* A start on the inventory inv_text (beside fuzz_dir(), not in the state
 * folder) and a restart on the same stack: the restart must succeed and
 * view the same. may_refuse: the first start may be refused (then
 * nothing more is asked); otherwise it must succeed too. */
static void fuzz_start_twice(const char *inv_text, const struct lm_stack *stack, bool may_refuse,
			     fuzz_view_fn *view, void *arg)
{
	char inv[512], *first, *second;
	struct lm_core *c;
	struct lm_err err;
	FILE *f;

	snprintf(inv, sizeof inv, "%s/../lunmap-fuzz-inv-%d.xml", fuzz_dir(), (int)getpid());
	f = fopen(inv, "w");
	FUZZ_CHECK(f != NULL);
	fputs(inv_text, f);
	fclose(f);
	c = fuzz_start(inv, stack, &err);
	if (!c) {
		FUZZ_CHECK(may_refuse);
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "start refused: %s\n", err.msg);
		unlink(inv);
		return;
	}
	first = view(c, arg);
	lm_core_close(c);
	c = fuzz_start(inv, stack, &err);
	FUZZ_CHECK(c != NULL);
	second = view(c, arg);
	lm_core_close(c);
	if (strcmp(first, second) != 0) {
		fprintf(stderr, "a restart changed the associations:\n%s---\n%s", first, second);
		abort();
	}
	free(first);
	free(second);
	unlink(inv);
}

#endif
