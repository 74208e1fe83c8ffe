/* SPDX-License-Identifier: BSD-3-Clause */
/* The core's test fixture: an inventory of four targets and four LUNs in
 * a fresh folder, a core opened on it with the sim backend, and ways to
 * look at the stack and the state. Shared by test_core, test_batch and
 * test_drift; test_random builds its own inventory on it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core_fx.h"
#include "sim.h"
#include "state.h"
#include "util.h"

static const char *target_ids[4] = {
	"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01", "6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c02",
	"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c03", "6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c04",
};
static const char *lun_ids[3] = {
	"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01", "0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02",
	"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a03",
};

/* with_lun_c: whether the inventory still declares the third LUN */
void write_inventory(struct fx *f, int with_lun_c)
{
	static const char *names[3] = { "a", "b", "c" };
	struct tu_inv v;
	char iqn[40], *gone;

	tu_inv_begin(&v, "a1", " max-targets-per-lun=\"3\"");
	tu_inv_add(&v, "<backend type=\"tgt\"/>");
	for (int i = 0; i < 4; i++) {
		snprintf(iqn, sizeof iqn, "iqn.2026-11.org.example:t%d", i + 1);
		tu_inv_target(&v, iqn, target_ids[i], NULL);
	}
	for (int i = 0; i < (with_lun_c ? 3 : 2); i++)
		tu_inv_lun(&v, names[i], f->paths[i], lun_ids[i]);
	assert_true(asprintf(&gone, "%s/never-created.img", f->dir) > 0);
	tu_inv_lun(&v, "gone", gone, NULL);
	free(gone);
	free(f->inv);
	f->inv = tu_inv_end(&v, f->dir);
}

lm_hr open_core(struct fx *f, struct lm_err *err)
{
	return open_core_on(f, NULL, err);
}

lm_hr open_core_on(struct fx *f, const struct lm_stack *stack, struct lm_err *err)
{
	f->sim = lm_sim_new();
	if (stack)
		assert_int_equal(lm_stack_copy(lm_sim_stack(f->sim), stack), LM_S_OK);
	return fx_open_on_sim(f, err);
}

lm_hr fx_open_on_sim(struct fx *f, struct lm_err *err)
{
	struct lm_core_opts o = { .inventory = f->inv, .state_dir = f->state_dir, .backend = f->sim };

	return lm_core_open(&o, &f->core, err);
}

void fx_crash(struct fx *f, struct lm_stack *saved)
{
	assert_int_equal(lm_stack_copy(saved, lm_sim_stack(f->sim)), LM_S_OK);
	lm_core_close(f->core);
}

void fx_sim_holding(struct fx *f, struct lm_stack *saved)
{
	f->sim = lm_sim_new();
	*lm_sim_stack(f->sim) = *saved;
}

int fx_dirs(struct fx *f)
{
	f->dir = tu_tmpdir();
	if (asprintf(&f->state_dir, "%s/state", f->dir) < 0)
		return -1;
	return mkdir(f->state_dir, 0700);
}

void fx_free(struct fx *f)
{
	lm_core_close(f->core);
	tu_rmtree(f->dir);
	for (int i = 0; i < FX_LUNS; i++)
		free(f->paths[i]);
	free(f->inv);
	free(f->state_dir);
	free(f->dir);
}

int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct lm_err err;

	if (fx_dirs(f) != 0)
		return -1;
	f->paths[0] = tu_sparse(f->dir, "a.img", 8 << 20);
	f->paths[1] = tu_sparse(f->dir, "b c.img", 4 << 20);
	f->paths[2] = tu_sparse(f->dir, "c.img", 1 << 20);
	for (int i = 0; i < 4; i++)
		lm_guid_parse(target_ids[i], &f->tgt[i]);
	for (int i = 0; i < 3; i++)
		lm_guid_parse(lun_ids[i], &f->lun[i]);
	write_inventory(f, 1);
	if (open_core(f, &err) != LM_S_OK) {
		fprintf(stderr, "open: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fx *f = *state;

	fx_free(f);
	free(f);
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sim stack as text: "iqn:number:path" lines, sorted. */
char *stack_text(struct fx *f)
{
	struct lm_stack *s = lm_sim_stack(f->sim);
	char *lines[256], *out = NULL;
	size_t n = 0, len = 0;
	FILE *m = open_memstream(&out, &len);

	for (size_t i = 0; i < s->ntargets; i++) {
		if (asprintf(&lines[n++], "%s", s->targets[i].iqn) < 0)
			abort();
		for (size_t j = 0; j < s->targets[i].nlus; j++)
			if (asprintf(&lines[n++], "%s:%u:%s", s->targets[i].iqn,
				     s->targets[i].lus[j].number, s->targets[i].lus[j].path) < 0)
				abort();
	}
	qsort(lines, n, sizeof *lines, line_cmp);
	for (size_t i = 0; i < n; i++) {
		fprintf(m, "%s\n", lines[i]);
		free(lines[i]);
	}
	fclose(m);
	return out;
}

/* The snapshot and the journal, as they are on disk. */
char *state_text(struct fx *f)
{
	char path[4096], *snap, *journal, *both;

	snprintf(path, sizeof path, "%s/%s", f->state_dir, LM_STATE_FILE);
	snap = tu_read(path, NULL);
	snprintf(path, sizeof path, "%s/%s", f->state_dir, LM_JOURNAL_FILE);
	journal = tu_read(path, NULL);
	if (asprintf(&both, "%s\n--- journal\n%s", snap ? snap : "", journal ? journal : "") < 0)
		abort();
	free(snap);
	free(journal);
	return both;
}

/* The stack and the state on disk are exactly as they were. */
void expect_unchanged(struct fx *f, const char *stack_before, const char *state_before)
{
	char *now = stack_text(f);

	assert_string_equal(now, stack_before);
	free(now);
	now = state_text(f);
	assert_string_equal(now, state_before);
	free(now);
}

uint32_t number_of(struct fx *f, int lun, int tgt)
{
	const struct lm_model *m = lm_core_model(f->core);
	enum lm_kind k;
	uint32_t li, ti;
	const struct lm_assoc *link;

	assert_int_equal(lm_model_find_id(m, &f->lun[lun], &k, &li), LM_S_OK);
	assert_int_equal(lm_model_find_id(m, &f->tgt[tgt], &k, &ti), LM_S_OK);
	link = lm_links_find(&lm_model_lun(m, li)->links, ti);
	return link ? link->number : 0;
}

void expect_targets(struct fx *f, int lun, const int *tgts, size_t n)
{
	lm_guid *ids;
	size_t got;

	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[lun], &ids, &got, NULL), LM_S_OK);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lm_guid_cmp(&ids[i], &f->tgt[tgts[i]]), 0);
	free(ids);
}

/* The sim's target with this IQN suffix ("t2"), or NULL. */
struct lm_stack_target *sim_target(struct fx *f, const char *name)
{
	struct lm_stack *s = lm_sim_stack(f->sim);
	char iqn[64];

	snprintf(iqn, sizeof iqn, "iqn.2026-11.org.example:%s", name);
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, iqn) == 0)
			return &s->targets[i];
	return NULL;
}

struct lm_stack_lu *sim_lu(struct fx *f, const char *target, uint32_t number)
{
	struct lm_stack_target *t = sim_target(f, target);

	for (size_t i = 0; t && i < t->nlus; i++)
		if (t->lus[i].number == number)
			return &t->lus[i];
	return NULL;
}

void sim_remove_lu(struct fx *f, const char *target, uint32_t number)
{
	struct lm_stack_target *t = sim_target(f, target);

	for (size_t i = 0; t && i < t->nlus; i++)
		if (t->lus[i].number == number) {
			t->lus[i] = t->lus[--t->nlus]; /* its text stays in the pool */
			return;
		}
	fail_msg("no LU %u on %s", number, target);
}

/* The LUN's serial (its id in hex) on the LU; a wrong one fails. */
void expect_identity(struct fx *f, const char *target, uint32_t number, int lun)
{
	struct lm_stack_lu *lu = sim_lu(f, target, number);
	char hex[33];

	assert_non_null(lu);
	lm_guid_hex(&f->lun[lun], hex);
	assert_non_null(lu->serial);
	assert_string_equal(lu->serial, hex);
}
