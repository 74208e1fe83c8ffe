/* The core through its public API, on the sim backend. */
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

#include "core.h"
#include "sim.h"
#include "state.h"
#include "util.h"

/* Allocation failure, injected into our own objects only (-Wl,--wrap). */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static int calloc_fails_in;

void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fails_in && --calloc_fails_in == 0)
		return NULL;
	return __real_calloc(n, size);
}

struct fx {
	char *dir, *state_dir, *inv;
	char *paths[3];
	struct lm_core *core;
	struct lm_backend *sim;
	lm_guid lun[3], tgt[4];
};

static const char *target_ids[4] = {
	"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01", "6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c02",
	"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c03", "6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c04",
};
static const char *lun_ids[3] = {
	"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01", "0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02",
	"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a03",
};

/* with_lun_c: whether the inventory still declares the third LUN */
static void write_inventory(struct fx *f, int with_lun_c)
{
	char *text;
	int n = asprintf(&text,
		"<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"a1\" max-targets-per-lun=\"3\">\n"
		"<backend type=\"tgt\"/>\n"
		"<target iqn=\"iqn.2026-11.org.example:t1\" id=\"%s\"/>\n"
		"<target iqn=\"iqn.2026-11.org.example:t2\" id=\"%s\"/>\n"
		"<target iqn=\"iqn.2026-11.org.example:t3\" id=\"%s\"/>\n"
		"<target iqn=\"iqn.2026-11.org.example:t4\" id=\"%s\"/>\n"
		"<lun name=\"a\" path=\"%s\" id=\"%s\"/>\n"
		"<lun name=\"b\" path=\"%s\" id=\"%s\"/>\n"
		"%s%s%s%s%s"
		"<lun name=\"gone\" path=\"%s/never-created.img\"/>\n"
		"</lunmap>\n",
		target_ids[0], target_ids[1], target_ids[2], target_ids[3], f->paths[0], lun_ids[0],
		f->paths[1], lun_ids[1], with_lun_c ? "<lun name=\"c\" path=\"" : "",
		with_lun_c ? f->paths[2] : "", with_lun_c ? "\" id=\"" : "",
		with_lun_c ? lun_ids[2] : "", with_lun_c ? "\"/>\n" : "", f->dir);

	assert_true(n > 0);
	free(f->inv);
	f->inv = tu_write(f->dir, "inv.xml", text);
	free(text);
}

static lm_hr open_core(struct fx *f, struct lm_err *err)
{
	struct lm_core_opts o = { .inventory = f->inv, .state_dir = f->state_dir };

	o.backend = lm_sim_new();
	f->sim = o.backend;
	return lm_core_open(&o, &f->core, err);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct lm_err err;

	f->dir = tu_tmpdir();
	if (asprintf(&f->state_dir, "%s/state", f->dir) < 0)
		return -1;
	if (mkdir(f->state_dir, 0700) != 0)
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

static int teardown(void **state)
{
	struct fx *f = *state;

	lm_core_close(f->core);
	tu_rmtree(f->dir);
	for (int i = 0; i < 3; i++)
		free(f->paths[i]);
	free(f->inv);
	free(f->state_dir);
	free(f->dir);
	free(f);
	return 0;
}

/* The sim stack as text: "iqn:number:path" lines, sorted. */
static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *stack_text(struct fx *f)
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
static char *state_text(struct fx *f)
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
static void expect_unchanged(struct fx *f, const char *stack_before, const char *state_before)
{
	char *now = stack_text(f);

	assert_string_equal(now, stack_before);
	free(now);
	now = state_text(f);
	assert_string_equal(now, state_before);
	free(now);
}

static uint32_t number_of(struct fx *f, int lun, int tgt)
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

static void expect_targets(struct fx *f, int lun, const int *tgts, size_t n)
{
	lm_guid *ids;
	size_t got;

	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[lun], &ids, &got, NULL), LM_S_OK);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(lm_guid_cmp(&ids[i], &f->tgt[tgts[i]]), 0);
	free(ids);
}

static void test_replace_semantics(void **state)
{
	struct fx *f = *state;
	lm_guid set[3] = { f->tgt[1], f->tgt[0] };
	struct lm_diff d;
	struct lm_err err;
	char *before, *sbefore;
	unsigned ops;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, &d, &err), LM_S_OK);
	assert_int_equal(d.nadded, 2);
	assert_int_equal(d.nremoved + d.nkept, 0);
	lm_diff_free(&d);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2); /* ascending target index */

	/* keep t2, drop t1, add t3 */
	set[0] = f->tgt[1];
	set[1] = f->tgt[2];
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, &d, &err), LM_S_OK);
	assert_int_equal(d.nadded, 1);
	assert_int_equal(d.added[0], 3);
	assert_int_equal(d.nremoved, 1);
	assert_int_equal(d.removed[0], 1);
	assert_int_equal(d.nkept, 1);
	assert_int_equal(d.kept[0], 2);
	lm_diff_free(&d);
	expect_targets(f, 0, (int[]){ 1, 2 }, 2);

	/* the same set again is a no-op: no stack operation, no new state */
	ops = lm_sim_op_count(f->sim);
	before = stack_text(f);
	sbefore = state_text(f);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, &d, &err), LM_S_OK);
	assert_int_equal(d.nadded + d.nremoved, 0);
	assert_int_equal(d.nkept, 2);
	lm_diff_free(&d);
	assert_int_equal(lm_sim_op_count(f->sim), ops);
	{
		char *now = stack_text(f);
		assert_string_equal(now, before);
		free(now);
	}
	free(before);
	before = state_text(f);
	assert_string_equal(before, sbefore);
	free(before);
	free(sbefore);

	/* the empty set removes the LUN from every target */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, &d, &err), LM_S_OK);
	assert_int_equal(d.nremoved, 2);
	lm_diff_free(&d);
	expect_targets(f, 0, NULL, 0);
	before = stack_text(f);
	assert_null(strstr(before, "a.img"));
	free(before);
	assert_int_equal(lm_core_model(f->core)->nassoc, 0);
}

static void test_stack_and_state_follow(void **state)
{
	struct fx *f = *state;
	lm_guid set[2] = { f->tgt[0], f->tgt[3] };
	char *s;
	lm_guid *ids;
	size_t n;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], set, 2, NULL, NULL), LM_S_OK);
	s = stack_text(f);
	assert_non_null(strstr(s, "iqn.2026-11.org.example:t1:1:"));
	assert_non_null(strstr(s, "iqn.2026-11.org.example:t4:1:"));
	assert_non_null(strstr(s, "b c.img"));
	free(s);
	{
		/* on disk before the call returned */
		struct lm_state *st;
		int seen = 0;
		assert_int_equal(lm_state_load(f->state_dir, &st, NULL), LM_S_OK);
		for (size_t i = 0; i < st->nassocs; i++)
			seen += st->assocs[i].lun == 2 && st->assocs[i].number == 1 &&
				(st->assocs[i].target == 1 || st->assocs[i].target == 4);
		assert_int_equal(seen, 2);
		assert_int_equal(st->nassocs, 2);
		lm_state_free(st);
	}
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, NULL), LM_S_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lm_guid_cmp(&ids[0], &f->lun[1]), 0);
	free(ids);
}

static void test_lun_numbers(void **state)
{
	struct fx *f = *state;
	lm_guid t1 = f->tgt[0];
	lm_guid both[2] = { f->tgt[0], f->tgt[1] };
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &t1, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], &t1, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 0, 0), 1);
	assert_int_equal(number_of(f, 1, 0), 2);
	/* lowest free >= 1: the number a frees is handed out again */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[2], &t1, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 2, 0), 1);
	/* a kept association keeps its number */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], both, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 1, 0), 2);
	assert_int_equal(number_of(f, 1, 1), 1);
	/* a given number */
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[0], 9, NULL, &err), LM_S_OK);
	assert_int_equal(number_of(f, 0, 0), 9);
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[1], 1, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "in use"));
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[2], 16384, NULL, &err),
			 LM_E_INVALIDARG);
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[2], 0 + 16383, NULL, &err),
			 LM_S_OK);
	/* asking for another number for a kept association is refused */
	assert_int_equal(lm_add_association(f->core, &f->lun[0], &f->tgt[0], 8, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "stays"));
	/* remove one pair through the same path */
	assert_int_equal(lm_remove_association(f->core, &f->lun[0], &f->tgt[2], NULL, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0 }, 1);
}

static void test_numbers_and_ids_survive_a_restart(void **state)
{
	struct fx *f = *state;
	lm_guid t[2] = { f->tgt[2], f->tgt[3] };
	lm_guid gone_id;
	char *before;

	assert_int_equal(lm_add_association(f->core, &f->lun[1], &f->tgt[2], 5, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], t, 2, NULL, NULL), LM_S_OK);
	gone_id = lm_core_model(f->core)->luns[3]->id; /* generated, not in the inventory */
	before = stack_text(f);
	lm_core_close(f->core);
	/* a new sim: the stack came back empty, start-up restores it */
	assert_int_equal(open_core(f, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 1, 2), 5);
	assert_int_equal(number_of(f, 1, 3), 1);
	assert_int_equal(lm_guid_cmp(&lm_core_model(f->core)->luns[3]->id, &gone_id), 0);
	assert_int_equal(lm_core_model(f->core)->luns[3]->index, 4);
	{
		char *after = stack_text(f);
		assert_string_equal(after, before);
		free(after);
	}
	free(before);
	assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_ONLINE);
}

static void test_invalid_arguments(void **state)
{
	struct fx *f = *state;
	lm_guid nil = { { 0 } }, dup[2] = { f->tgt[0], f->tgt[0] }, withnil[2] = { f->tgt[0], nil };
	struct lm_err err;
	lm_guid *ids;
	size_t n;
	uint8_t bytes[17] = { 0 };

	assert_int_equal(lm_associate_targets(f->core, &nil, dup, 0, NULL, &err), LM_E_INVALIDARG);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], dup, 2, NULL, &err), LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "twice"));
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], withnil, 2, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "nil"));
	assert_int_equal(lm_guids_from_bytes(bytes, 17, &ids, &n, &err), LM_E_INVALIDARG);
	assert_int_equal(lm_query_associated_targets(f->core, &nil, &ids, &n, &err), LM_E_INVALIDARG);
	/* the LUN remembers its last failure */
	assert_int_equal(lm_core_model(f->core)->luns[0]->last_error, LM_E_INVALIDARG);
}

static void test_too_many_targets(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 4, NULL, &err),
			 LM_VDS_E_NOT_SUPPORTED);
	assert_non_null(strstr(err.msg, "allows 3"));
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 3, NULL, &err), LM_S_OK);
}

static void test_unknown_ids(void **state)
{
	struct fx *f = *state;
	lm_guid other, *ids;
	size_t n;
	struct lm_err err;

	lm_guid_generate(&other);
	assert_int_equal(lm_associate_targets(f->core, &other, f->tgt, 1, NULL, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &other, 1, NULL, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
	/* a LUN's id is not a target's */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &f->lun[1], 1, NULL, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
	assert_int_equal(lm_query_associated_luns(f->core, &other, &ids, &n, &err),
			 LM_VDS_E_OBJECT_NOT_FOUND);
}

static void test_deleted_lun(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[2], f->tgt, 1, NULL, NULL), LM_S_OK);
	lm_core_close(f->core);
	f->core = NULL;
	write_inventory(f, 0); /* the admin removed LUN c */
	assert_int_equal(open_core(f, &err), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[2], f->tgt, 1, NULL, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[2], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_int_equal(lm_core_model(f->core)->nassoc, 0);
	/* and stays deleted across restarts */
	lm_core_close(f->core);
	assert_int_equal(open_core(f, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[2], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
}

static void test_failed_lun_and_target(void **state)
{
	struct fx *f = *state;
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_err err;
	lm_guid gone = m->luns[3]->id;

	assert_int_equal(m->luns[3]->status, LM_FAILED);
	assert_int_equal(lm_associate_targets(f->core, &gone, f->tgt, 1, NULL, &err),
			 LM_VDS_E_OBJECT_STATUS_FAILED);
	assert_non_null(strstr(err.msg, "never-created.img"));
	m->targets[1]->status = LM_FAILED;
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], &f->tgt[1], 1, NULL, &err),
			 LM_VDS_E_OBJECT_STATUS_FAILED);
	/* a failed target can still be left out of a set */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, NULL, &err), LM_S_OK);
}

static void test_another_process_holds_the_lock(void **state)
{
	struct fx *f = *state;
	struct lm_core_opts o = { .inventory = f->inv, .state_dir = f->state_dir,
				  .backend = lm_sim_new() };
	struct lm_core *second = NULL;
	struct lm_err err;

	assert_int_equal(lm_core_open(&o, &second, &err), LM_VDS_E_ANOTHER_CALL_IN_PROGRESS);
	assert_null(second);
}

static void test_out_of_memory(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	calloc_fails_in = 1;
	assert_int_equal(lm_query_associated_targets(f->core, &f->lun[0], &ids, &n, &err),
			 LM_E_OUTOFMEMORY);
	calloc_fails_in = 1;
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, &err),
			 LM_E_OUTOFMEMORY);
	calloc_fails_in = 0;
	expect_targets(f, 0, NULL, 0);
}

/* Every step of a three-step change fails in turn: the stack and the state
 * file stay exactly as they were. */
static void test_rollback_at_every_step(void **state)
{
	struct fx *f = *state;
	lm_guid next[2] = { f->tgt[1], f->tgt[2] };
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	for (unsigned step = 1; step <= 3; step++) {
		char *stack_before = stack_text(f), *state_before = state_text(f), want[32];
		lm_sim_fail_nth(f->sim, step);
		assert_int_equal(lm_associate_targets(f->core, &f->lun[0], next, 2, NULL, &err), LM_E_FAIL);
		snprintf(want, sizeof want, "step %u of 3", step);
		if (!strstr(err.msg, want) || !strstr(err.msg, "rolled back"))
			fail_msg("step %u: %s", step, err.msg);
		expect_unchanged(f, stack_before, state_before);
		expect_targets(f, 0, (int[]){ 0 }, 1);
		assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_ONLINE);
		free(stack_before);
		free(state_before);
	}
	lm_sim_fail_nth(f->sim, 0);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], next, 2, NULL, &err), LM_S_OK);
}

static void test_failed_rollback_is_cache_corrupt(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	lm_sim_fail_from(f->sim, 2);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 2, NULL, &err),
			 LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "failed too"));
	assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_CACHE_CORRUPT);
	lm_sim_fail_nth(f->sim, 0);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], f->tgt, 1, NULL, &err),
			 LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	/* refresh adopts what the stack really has: the LU that stayed */
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_S_OK);
	assert_int_equal(lm_core_model(f->core)->status, LM_SUBSYS_ONLINE);
	expect_targets(f, 0, (int[]){ 0 }, 1);
}

static void test_drift_and_refresh(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_stack *s = lm_sim_stack(f->sim);
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	/* someone removes the LU from t2 by hand */
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, "iqn.2026-11.org.example:t2") == 0) {
			free(s->targets[i].lus[0].path);
			free(s->targets[i].lus[0].serial);
			s->targets[i].nlus = 0;
		}
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "t2"));
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], two, 1, NULL, &err),
			 LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_REFRESH, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], two, 1, NULL, &err), LM_S_OK);
}

static void test_reenumerate_discovers_and_deletes(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_err err;
	lm_guid *ids;
	size_t n;

	/* t4 vanishes, a new target appears */
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, "iqn.2026-11.org.example:t4") == 0) {
			free(s->targets[i].iqn);
			s->targets[i].iqn = strdup("iqn.2026-11.org.example:new");
			lm_stack_add_lu(&s->targets[i], 3, f->paths[1]);
		}
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_REENUMERATE, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_int_equal(m->ntargets, 4);
	assert_string_equal(m->targets[3]->iqn, "iqn.2026-11.org.example:new");
	assert_int_equal(m->targets[3]->index, 5); /* never reused */
	assert_true(m->targets[3]->discovered);
	/* its LU of a known backing store is adopted */
	assert_int_equal(lm_query_associated_luns(f->core, &m->targets[3]->id, &ids, &n, &err), LM_S_OK);
	assert_int_equal(n, 1);
	assert_int_equal(lm_guid_cmp(&ids[0], &f->lun[1]), 0);
	free(ids);
	/* t4 stays deleted across a restart, though the inventory names its id */
	lm_core_close(f->core);
	assert_int_equal(open_core(f, &err), LM_S_OK);
	m = lm_core_model(f->core);
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
	assert_null(lm_model_target_by_iqn((struct lm_model *)m, "iqn.2026-11.org.example:t4"));
	assert_int_equal(lm_core_reload(f->core, &err), LM_S_OK);
	assert_int_equal(lm_query_associated_luns(f->core, &f->tgt[3], &ids, &n, &err),
			 LM_VDS_E_OBJECT_DELETED);
}

static void test_foreign_lus_keep_their_numbers(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);

	lm_stack_add_lu(&s->targets[0], 1, "/srv/not-lunmaps.img");
	assert_int_equal(lm_core_check(f->core, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(number_of(f, 0, 0), 2);
}

/* Issue #12.2: a target name with a control byte or bad UTF-8, and an LU
 * numbered past LM_MAX_LUN_NUMBER, made by hand in the stack, used to be
 * adopted and saved in a form the state reader refuses: every later start
 * failed. They are ignored (and logged) instead, and never saved. */
static void test_forged_stack_objects_are_never_saved(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_err err;
	char *text;

	assert_int_equal(lm_stack_add_target(s, "iqn.2026-11.org.example:x\x01"), LM_S_OK);
	assert_int_equal(lm_stack_add_target(s, "iqn.2026-11.org.example:y\xff"), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(&s->targets[s->ntargets - 1], 1, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_stack_add_lu(&s->targets[0], 20000, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_core_refresh(f->core, LM_REENUMERATE, &err), LM_S_OK);
	assert_int_equal(m->ntargets, 4);
	assert_int_equal(number_of(f, 1, 0), 0);
	text = state_text(f);
	assert_null(strstr(text, "&#1;"));
	assert_null(strstr(text, "20000"));
	assert_null(strstr(text, ":y"));
	free(text);
	lm_core_close(f->core);
	f->core = NULL;
	assert_int_equal(open_core(f, &err), LM_S_OK);
	m = lm_core_model(f->core);
	assert_int_equal(m->ntargets, 4);
	assert_int_equal(number_of(f, 1, 0), 0);
}

static void test_batch_all_or_nothing(void **state)
{
	struct fx *f = *state;
	lm_guid other;
	struct lm_change ch[2] = {
		{ .lun = f->lun[0], .targets = f->tgt, .ntargets = 2 },
		{ .lun = f->lun[1], .targets = &other, .ntargets = 1 },
	};
	struct lm_batch *b;
	struct lm_err err;
	char *stack_before = stack_text(f), *state_before = state_text(f), *after;

	lm_guid_generate(&other);
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_VDS_E_OBJECT_NOT_FOUND);
	assert_null(b);
	/* both good; the second LUN's stack step fails: the first is undone too */
	ch[1].targets = &f->tgt[2];
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_count(b), 2);
	lm_sim_fail_nth(f->sim, 3);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_E_FAIL);
	lm_batch_free(b);
	expect_unchanged(f, stack_before, state_before);
	/* applied, then undone as SNMP's UNDO phase does */
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2);
	expect_targets(f, 1, (int[]){ 2 }, 1);
	assert_int_equal(lm_batch_diff(b, 1)->nadded, 1);
	assert_int_equal(lm_batch_revert(f->core, b, &err), LM_S_OK);
	lm_batch_free(b);
	after = stack_text(f);
	assert_string_equal(after, stack_before);
	free(after);
	expect_targets(f, 0, NULL, 0);
	/* the same LUN twice in one batch */
	ch[1] = ch[0];
	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, &err), LM_E_INVALIDARG);
	free(stack_before);
	free(state_before);
}

static void test_numbers_within_a_batch_do_not_collide(void **state)
{
	struct fx *f = *state;
	struct lm_change ch[2] = {
		{ .lun = f->lun[0], .targets = f->tgt, .ntargets = 1 },
		{ .lun = f->lun[1], .targets = f->tgt, .ntargets = 1 },
	};
	struct lm_batch *b;

	assert_int_equal(lm_batch_prepare(f->core, ch, 2, &b, NULL), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, NULL), LM_S_OK);
	lm_batch_free(b);
	assert_int_equal(number_of(f, 0, 0), 1);
	assert_int_equal(number_of(f, 1, 0), 2);
}

static void test_reload(void **state)
{
	struct fx *f = *state;
	struct lm_err err;
	char *good;
	const struct lm_model *m;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	/* a bad file is refused and the running model kept */
	good = tu_read(f->inv, NULL);
	free(tu_write(f->dir, "inv.xml", "<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"x\">"));
	m = lm_core_model(f->core);
	assert_int_equal(lm_core_reload(f->core, &err), LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "inv.xml:1"));
	assert_ptr_equal(lm_core_model(f->core), m);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	/* a good one without LUN c: c is deleted, the rest kept */
	free(tu_write(f->dir, "inv.xml", good));
	write_inventory(f, 0);
	assert_int_equal(lm_core_reload(f->core, &err), LM_S_OK);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	assert_int_equal(number_of(f, 0, 0), 1);
	{
		lm_guid *ids;
		size_t n;
		assert_int_equal(lm_query_associated_targets(f->core, &f->lun[2], &ids, &n, &err),
				 LM_VDS_E_OBJECT_DELETED);
	}
	free(good);
}

/* The sim's target with this IQN suffix ("t2"), or NULL. */
static struct lm_stack_target *sim_target(struct fx *f, const char *name)
{
	struct lm_stack *s = lm_sim_stack(f->sim);
	char iqn[64];

	snprintf(iqn, sizeof iqn, "iqn.2026-11.org.example:%s", name);
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, iqn) == 0)
			return &s->targets[i];
	return NULL;
}

static struct lm_stack_lu *sim_lu(struct fx *f, const char *target, uint32_t number)
{
	struct lm_stack_target *t = sim_target(f, target);

	for (size_t i = 0; t && i < t->nlus; i++)
		if (t->lus[i].number == number)
			return &t->lus[i];
	return NULL;
}

static void sim_remove_lu(struct fx *f, const char *target, uint32_t number)
{
	struct lm_stack_target *t = sim_target(f, target);

	for (size_t i = 0; t && i < t->nlus; i++)
		if (t->lus[i].number == number) {
			free(t->lus[i].path);
			free(t->lus[i].serial);
			t->lus[i] = t->lus[--t->nlus];
			return;
		}
	fail_msg("no LU %u on %s", number, target);
}

/* The LUN's serial (its id in hex) on the LU; a wrong one fails. */
static void expect_identity(struct fx *f, const char *target, uint32_t number, int lun)
{
	struct lm_stack_lu *lu = sim_lu(f, target, number);
	char hex[33];

	assert_non_null(lu);
	lm_guid_hex(&f->lun[lun], hex);
	assert_non_null(lu->serial);
	assert_string_equal(lu->serial, hex);
}

/* restore(4): what lunmap recorded goes back into the stack (an LU
 * removed by hand, a wrong identity, one of lunmap's LUNs where the state
 * does not have it); the state is not touched; then online again. */
static void test_restore_puts_the_recorded_sets_back(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_err err;
	char *stack_ok, *state_ok, *now;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], two, 1, NULL, NULL), LM_S_OK);
	stack_ok = stack_text(f);
	state_ok = state_text(f);
	/* behind lunmap's back */
	sim_remove_lu(f, "t2", 1);
	free(sim_lu(f, "t1", 2)->serial);
	sim_lu(f, "t1", 2)->serial = strdup("beaf12");
	assert_int_equal(lm_stack_add_lu(sim_target(f, "t3"), 7, f->paths[1]), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_CACHE_CORRUPT);

	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	now = stack_text(f);
	assert_string_equal(now, stack_ok);
	free(now);
	expect_identity(f, "t1", 1, 0);
	expect_identity(f, "t2", 1, 0);
	expect_identity(f, "t1", 2, 1);
	now = state_text(f);
	assert_string_equal(now, state_ok);
	free(now);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], NULL, 0, NULL, &err), LM_S_OK);
	free(stack_ok);
	free(state_ok);
}

/* restore(4) does not take a foreign LU off a number lunmap recorded: it
 * stays cacheCorrupt and says which. */
static void test_restore_refuses_to_remove_a_foreign_lu(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, NULL), LM_S_OK);
	sim_remove_lu(f, "t1", 1);
	assert_int_equal(lm_stack_add_lu(sim_target(f, "t1"), 1, "/srv/someone-else.img"), LM_S_OK);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "/srv/someone-else.img"));
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_CACHE_CORRUPT);
	assert_string_equal(sim_lu(f, "t1", 1)->path, "/srv/someone-else.img");
}

/* A stack that lost everything lunmap had put there (tgtd restarted
 * empty) is re-applied by the drift check itself, identities included,
 * and the subsystem stays online; not while it is cacheCorrupt. */
static void test_a_stack_that_lost_everything_is_reapplied(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_err err;
	char *stack_ok, *state_ok, *now;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], &f->tgt[1], 1, NULL, NULL), LM_S_OK);
	stack_ok = stack_text(f);
	state_ok = state_text(f);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	now = stack_text(f);
	assert_string_equal(now, stack_ok);
	free(now);
	expect_identity(f, "t1", 1, 0);
	expect_identity(f, "t2", 1, 0);
	expect_identity(f, "t2", 2, 1);
	now = state_text(f);
	assert_string_equal(now, state_ok);
	free(now);

	/* drift first (an LU removed by hand), then everything lost: an
	 * operator decides, nothing is re-applied */
	sim_remove_lu(f, "t2", 2);
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_int_equal(lm_sim_stack(f->sim)->ntargets, 0);
	assert_int_equal(lm_core_refresh(f->core, LM_RESTORE, &err), LM_S_OK);
	now = stack_text(f);
	assert_string_equal(now, stack_ok);
	free(now);
	free(stack_ok);
	free(state_ok);
}

/* Regression (found by the crash trials): tgtd restarted empty before the
 * first association; the targets lunmap had made were gone, which the
 * drift check called drift (cacheCorrupt) instead of re-making them. */
static void test_targets_lost_before_any_association_are_remade(void **state)
{
	struct fx *f = *state;
	struct lm_err err;

	assert_int_equal(lm_sim_stack(f->sim)->ntargets, 4);
	lm_stack_clear(lm_sim_stack(f->sim));
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_int_equal(lm_sim_stack(f->sim)->ntargets, 4);
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], f->tgt, 1, NULL, &err), LM_S_OK);
	/* one of them gone while the others stay: drift, for an operator */
	for (size_t i = 0; i < lm_sim_stack(f->sim)->ntargets; i++)
		if (strcmp(lm_sim_stack(f->sim)->targets[i].iqn, "iqn.2026-11.org.example:t4") == 0)
			strcpy(lm_sim_stack(f->sim)->targets[i].iqn, "iqn.2026-11.org.example:xx");
	assert_int_equal(lm_core_check(f->core, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
}

/* Regression (found by the crash trials): lunmapd killed between an LU's
 * "new" and its identity while it re-applied a stack that had lost
 * everything (no intent: not a change) left the LU with tgt's default
 * serial. The next start put the LU back whole, then compared the stack
 * snapshot of before, still with the old serial: drift, cacheCorrupt. */
static void test_start_mends_an_identity_and_stays_online(void **state)
{
	struct fx *f = *state;
	lm_guid two[2] = { f->tgt[0], f->tgt[1] };
	struct lm_core_opts o = { .inventory = f->inv, .state_dir = f->state_dir };
	struct lm_stack saved;
	struct lm_err err;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], two, 2, NULL, NULL), LM_S_OK);
	/* the last change's intent names LUN b only: recovery leaves a alone */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[1], &f->tgt[2], 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_stack_copy(&saved, lm_sim_stack(f->sim)), LM_S_OK);
	lm_core_close(f->core);
	/* the stack as the crash left it: t2's LU with tgt's default serial */
	for (size_t i = 0; i < saved.ntargets; i++)
		if (strcmp(saved.targets[i].iqn, "iqn.2026-11.org.example:t2") == 0) {
			free(saved.targets[i].lus[0].serial);
			saved.targets[i].lus[0].serial = strdup("beaf12");
		}
	o.backend = f->sim = lm_sim_new();
	*lm_sim_stack(f->sim) = saved;
	assert_int_equal(lm_core_open(&o, &f->core, &err), LM_S_OK);
	assert_int_equal(lm_core_status(f->core), LM_SUBSYS_ONLINE);
	assert_null(lm_core_startup_problem(f->core));
	expect_identity(f, "t2", 1, 0);
	expect_identity(f, "t1", 1, 0);
	assert_int_equal(lm_core_check(f->core, &err), LM_S_OK);
}

/* The in-use guard: a LUN does not leave a target with a logged-in
 * initiator unless the change says force; adding stays allowed. */
static void test_in_use_guard(void **state)
{
	struct fx *f = *state;
	struct lm_stack *s = lm_sim_stack(f->sim);
	lm_guid set[2] = { f->tgt[0], f->tgt[1] };
	struct lm_change ch = { .kind = LM_CHANGE_SET, .lun = f->lun[0], .targets = &f->tgt[1],
				.ntargets = 1 };
	const struct lm_model *m = lm_core_model(f->core);
	struct lm_batch *b;
	struct lm_err err;
	enum lm_kind k;
	uint32_t t1;

	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], set, 2, NULL, &err), LM_S_OK);
	assert_int_equal(lm_model_find_id(m, &f->tgt[0], &k, &t1), LM_S_OK);
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, lm_model_target(m, t1)->iqn) == 0)
			s->targets[i].sessions = 1;
	/* replace {t1, t2} by {t2}: t1 has a session */
	assert_int_equal(lm_batch_prepare(f->core, &ch, 1, &b, &err), LM_VDS_E_DEVICE_IN_USE);
	assert_int_equal(err.at, 0);
	assert_non_null(strstr(err.msg, "1 initiator session is logged in"));
	assert_int_equal(lm_lun_last_error(lm_core_lun_after(f->core, 0)), LM_VDS_E_DEVICE_IN_USE);
	/* and the plain call, a whole-set replace to nothing: the same */
	assert_int_equal(lm_associate_targets(f->core, &f->lun[0], NULL, 0, NULL, &err),
			 LM_VDS_E_DEVICE_IN_USE);
	expect_targets(f, 0, (int[]){ 0, 1 }, 2);
	/* t2 has no session: leaving it is fine, and adding always is */
	ch.targets = &f->tgt[0];
	assert_int_equal(lm_batch_prepare(f->core, &ch, 1, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	lm_batch_free(b);
	expect_targets(f, 0, (int[]){ 0 }, 1);
	/* force: t1 too */
	ch.targets = &f->tgt[1];
	ch.force = true;
	assert_int_equal(lm_batch_prepare(f->core, &ch, 1, &b, &err), LM_S_OK);
	assert_int_equal(lm_batch_apply(f->core, b, &err), LM_S_OK);
	lm_batch_free(b);
	expect_targets(f, 0, (int[]){ 1 }, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replace_semantics),
		T(test_in_use_guard),
		T(test_stack_and_state_follow),
		T(test_lun_numbers),
		T(test_numbers_and_ids_survive_a_restart),
		T(test_invalid_arguments),
		T(test_too_many_targets),
		T(test_unknown_ids),
		T(test_deleted_lun),
		T(test_failed_lun_and_target),
		T(test_another_process_holds_the_lock),
		T(test_out_of_memory),
		T(test_rollback_at_every_step),
		T(test_failed_rollback_is_cache_corrupt),
		T(test_drift_and_refresh),
		T(test_reenumerate_discovers_and_deletes),
		T(test_foreign_lus_keep_their_numbers),
		T(test_forged_stack_objects_are_never_saved),
		T(test_batch_all_or_nothing),
		T(test_numbers_within_a_batch_do_not_collide),
		T(test_reload),
		T(test_restore_puts_the_recorded_sets_back),
		T(test_restore_refuses_to_remove_a_foreign_lu),
		T(test_a_stack_that_lost_everything_is_reapplied),
		T(test_start_mends_an_identity_and_stays_online),
		T(test_targets_lost_before_any_association_are_remade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
