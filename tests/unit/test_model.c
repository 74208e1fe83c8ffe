/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

static int setup(void **state)
{
	*state = lm_model_new("m", 4);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	lm_model_free(*state);
	return 0;
}

static void test_indexes_are_stable_and_increasing(void **state)
{
	struct lm_model *m = *state;
	struct lm_lun *a = lm_model_add_lun(m, 0, NULL, "a", "/a");
	struct lm_lun *b = lm_model_add_lun(m, 5, NULL, "b", "/b");
	struct lm_lun *c = lm_model_add_lun(m, 0, NULL, "c", "/c");

	assert_int_equal(a->index, 1);
	assert_int_equal(b->index, 5);
	assert_int_equal(c->index, 6);
	/* an index at or below one handed out is refused */
	assert_null(lm_model_add_lun(m, 5, NULL, "d", "/d"));
	assert_ptr_equal(lm_model_lun(m, 5), b);
	assert_null(lm_model_lun(m, 3));
	assert_ptr_equal(lm_model_lun_after(m, 0), a);
	assert_ptr_equal(lm_model_lun_after(m, 1), b);
	assert_ptr_equal(lm_model_lun_after(m, 4), b);
	assert_ptr_equal(lm_model_lun_after(m, 5), c);
	assert_null(lm_model_lun_after(m, 6));
	assert_ptr_equal(lm_model_lun_by_path(m, "/c"), c);
}

static void test_ids_found_deleted_or_unknown(void **state)
{
	struct lm_model *m = *state;
	struct lm_target *t = lm_model_add_target(m, 0, NULL, "iqn.2026-11.x:t", NULL, "ALL");
	lm_guid id = t->id, other;
	enum lm_kind kind;
	uint32_t index;

	assert_false(lm_guid_is_nil(&id));
	assert_int_equal(lm_model_find_id(m, &id, &kind, &index), LM_S_OK);
	assert_int_equal(kind, LM_KIND_TARGET);
	assert_int_equal(index, t->index);
	assert_int_equal(lm_model_delete_target(m, t->index), LM_S_OK);
	assert_int_equal(lm_model_find_id(m, &id, &kind, &index), LM_VDS_E_OBJECT_DELETED);
	assert_non_null(lm_model_tomb(m, &id));
	lm_guid_generate(&other);
	assert_int_equal(lm_model_find_id(m, &other, &kind, &index), LM_VDS_E_OBJECT_NOT_FOUND);
	/* the id of a deleted object is never handed out again */
	assert_null(lm_model_add_target(m, 0, &id, "iqn.2026-11.x:u", NULL, NULL));
}

static void test_many_ids_stay_searchable(void **state)
{
	struct lm_model *m = *state;
	lm_guid ids[500];
	enum lm_kind kind;
	uint32_t index;

	for (int i = 0; i < 500; i++) {
		char path[32];
		snprintf(path, sizeof path, "/l%d", i);
		ids[i] = lm_model_add_lun(m, 0, NULL, path, path)->id;
	}
	for (int i = 0; i < 500; i++) {
		assert_int_equal(lm_model_find_id(m, &ids[i], &kind, &index), LM_S_OK);
		assert_int_equal(index, (uint32_t)i + 1);
		assert_int_equal(kind, LM_KIND_LUN);
	}
}

static void test_links_on_both_sides(void **state)
{
	struct lm_model *m = *state;
	struct lm_lun *l = lm_model_add_lun(m, 0, NULL, "a", "/a");
	struct lm_target *t1 = lm_model_add_target(m, 0, NULL, "iqn.2026-11.x:1", NULL, NULL);
	struct lm_target *t2 = lm_model_add_target(m, 0, NULL, "iqn.2026-11.x:2", NULL, NULL);

	lm_links_reserve(&l->links, 2);
	lm_links_reserve(&t1->links, 1);
	lm_links_reserve(&t2->links, 1);
	lm_model_link(m, l, t2, 7);
	lm_model_link(m, l, t1, 3);
	assert_int_equal(m->nassoc, 2);
	assert_int_equal(l->links.n, 2);
	assert_int_equal(l->links.v[0].index, t1->index); /* sorted by index */
	assert_int_equal(lm_links_find(&l->links, t2->index)->number, 7);
	assert_int_equal(lm_links_find(&t1->links, l->index)->number, 3);
	assert_int_equal(lm_links_after(&l->links, t1->index)->index, t2->index);
	assert_null(lm_links_after(&l->links, t2->index));
	assert_int_equal(lm_model_linked_lun_after(m, 0), l->index);
	assert_int_equal(lm_model_linked_lun_after(m, l->index), 0);
	assert_int_equal(lm_model_linked_target_after(m, 0), t1->index);
	assert_int_equal(lm_model_linked_target_after(m, t1->index), t2->index);
	lm_model_unlink(m, l, t1);
	assert_int_equal(lm_model_linked_target_after(m, 0), t2->index);
	assert_int_equal(m->nassoc, 1);
	assert_null(lm_links_find(&l->links, t1->index));
	assert_int_equal(t1->links.n, 0);
	/* deleting a target drops its associations */
	assert_int_equal(lm_model_delete_target(m, t2->index), LM_S_OK);
	assert_int_equal(m->nassoc, 0);
	assert_int_equal(l->links.n, 0);
	assert_int_equal(lm_model_linked_lun_after(m, 0), 0);
	assert_int_equal(lm_model_linked_target_after(m, 0), 0);
}

static void test_lowest_free_number(void **state)
{
	struct lm_model *m = *state;
	struct lm_target *t = lm_model_add_target(m, 0, NULL, "iqn.2026-11.x:1", NULL, NULL);
	uint32_t foreign[] = { 2 };

	assert_int_equal(lm_target_free_number(t, 1), 1);
	assert_int_equal(lm_target_free_number(t, 0), 0);
	for (int i = 0; i < 3; i++) {
		char path[16];
		snprintf(path, sizeof path, "/%d", i);
		struct lm_lun *l = lm_model_add_lun(m, 0, NULL, path, path);
		lm_links_reserve(&l->links, 1);
		lm_links_reserve(&t->links, 1);
		lm_model_link(m, l, t, i == 2 ? 4 : (uint32_t)i + 1);
	}
	/* used: 1, 2, 4 */
	assert_int_equal(lm_target_free_number(t, 1), 3);
	assert_int_equal(lm_target_free_number(t, 4), 5);
	assert_true(lm_target_number_used(t, 4, 1));
	assert_false(lm_target_number_used(t, 4, 3));
	t->foreign = malloc(sizeof foreign);
	memcpy(t->foreign, foreign, sizeof foreign);
	t->foreign[0] = 3;
	t->nforeign = 1;
	assert_int_equal(lm_target_free_number(t, 1), 5);
	assert_true(lm_target_number_used(t, 3, 0));
}

static void test_full_target_has_no_number(void **state)
{
	struct lm_model *m = *state;
	struct lm_target *t = lm_model_add_target(m, 0, NULL, "iqn.2026-11.x:1", NULL, NULL);

	t->foreign = malloc((LM_MAX_LUN_NUMBER + 1) * sizeof *t->foreign);
	for (uint32_t i = 0; i <= LM_MAX_LUN_NUMBER; i++)
		t->foreign[i] = i;
	t->nforeign = LM_MAX_LUN_NUMBER;
	assert_int_equal(lm_target_free_number(t, 1), LM_MAX_LUN_NUMBER);
	t->nforeign = LM_MAX_LUN_NUMBER + 1;
	assert_int_equal(lm_target_free_number(t, 1), LM_NO_NUMBER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_indexes_are_stable_and_increasing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_found_deleted_or_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_ids_stay_searchable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_on_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowest_free_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_target_has_no_number, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
