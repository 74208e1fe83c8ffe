/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend with every configfs change of a step failing in turn
 * (-Wl,--wrap of mkdir, rmdir, symlink, unlink and write: the calls of
 * our own objects under the fake configfs only), in the folder that
 * imitates configfs (as test_lio.c): a failed add_lu or remove_lu leaves
 * the target as it was, or says cacheCorrupt with what stays where; and a
 * crash at every change (nothing after it happens) leaves what start-up
 * and restore(4) finish, as they do it: enumerate, create_target for a
 * target reported half made, remove and add an LU that is not whole. The
 * backstore is made beforehand (a plain folder cannot remove a populated
 * one: its half states are left to the qemu trials). */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "core.h"
#include "lio_fx.h"
#include "model.h"
#include "util.h"

int __real_mkdir(const char *p, mode_t m);
int __real_rmdir(const char *p);
int __real_symlink(const char *to, const char *p);
int __real_unlink(const char *p);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __wrap_mkdir(const char *p, mode_t m);
int __wrap_rmdir(const char *p);
int __wrap_symlink(const char *to, const char *p);
int __wrap_unlink(const char *p);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

/* armed: changes under root are counted; the k-th (and the k2-th) fails,
 * or every one from `from` on (a crash: nothing after it happens) */
static const char *root;
static unsigned changes, fail_at, fail_at2, fail_from;

static bool faulty(const char *path)
{
	if (!root || strncmp(path, root, strlen(root)) != 0)
		return false;
	changes++;
	if (changes == fail_at || changes == fail_at2 || (fail_from && changes >= fail_from)) {
		errno = EIO;
		return true;
	}
	return false;
}

int __wrap_mkdir(const char *p, mode_t m) { return faulty(p) ? -1 : __real_mkdir(p, m); }
int __wrap_rmdir(const char *p) { return faulty(p) ? -1 : __real_rmdir(p); }
int __wrap_symlink(const char *to, const char *p) { return faulty(p) ? -1 : __real_symlink(to, p); }
int __wrap_unlink(const char *p) { return faulty(p) ? -1 : __real_unlink(p); }

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	char link[64], path[PATH_MAX];
	ssize_t got;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	got = root ? readlink(link, path, sizeof path - 1) : -1;
	if (got > 0) {
		path[got] = '\0';
		if (faulty(path))
			return -1;
	}
	return __real_write(fd, buf, n);
}

/* (disarming keeps the count: how many changes the call made) */
static void arm(const char *r, unsigned at, unsigned at2, unsigned from)
{
	if (!r) {
		root = NULL;
		return;
	}
	root = r;
	changes = 0;
	fail_at = at;
	fail_at2 = at2;
	fail_from = from;
}

#define T1 LIO_FX_T1
#define T2 LIO_FX_T2

static struct lio_fx *fx_new(void)
{
	struct lio_fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	/* two named initiators: a step maps the LU twice */
	assert_int_equal(lio_fx_init(f, "iqn.1994-05.com.redhat:host1,iqn.1994-05.com.redhat:host2"), 0);
	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	/* the backstore, whole, before the steps under test */
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, NULL), LM_S_OK);
	return f;
}

static void fx_free(struct lio_fx *f)
{
	arm(NULL, 0, 0, 0);
	lio_fx_fini(f);
	free(f);
}

/* The target's tree as text: each path, a link's text, a file's content. */
static char *tree;
static size_t tree_len, tree_skip;

static int add_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	char line[PATH_MAX * 3], to[PATH_MAX] = "";
	size_t n;

	(void)ftw;
	if (flag == FTW_SL) {
		ssize_t k = readlink(path, to, sizeof to - 1);
		to[k > 0 ? k : 0] = '\0';
	} else if (S_ISREG(sb->st_mode)) {
		char *text = tu_read(path, NULL);
		snprintf(to, sizeof to, "%s", text ? text : "?");
		free(text);
	}
	n = (size_t)snprintf(line, sizeof line, "%s %s\n", path + tree_skip, to);
	tree = realloc(tree, tree_len + n + 1);
	memcpy(tree + tree_len, line, n + 1);
	tree_len += n;
	return 0;
}

static char *target_tree(struct lio_fx *f, const char *iqn)
{
	char dir[PATH_MAX * 2];

	snprintf(dir, sizeof dir, "%s/iscsi/%s", f->root, iqn);
	tree = strdup("");
	tree_len = 0;
	tree_skip = strlen(f->root);
	nftw(dir, add_entry, 16, FTW_PHYS);
	return tree;
}

static const struct lm_stack_target *find(const struct lm_stack *s, const char *iqn)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (!strcmp(s->targets[i].iqn, iqn))
			return &s->targets[i];
	return NULL;
}

/* What start-up and restore(4) do with the LU at t:number (recover.c's
 * settle, drift.c's restore_one): a target reported half made is
 * finished; an LU not whole is removed and added; then the stack has the
 * LU whole when `want`, none otherwise, and nothing half made. */
static void cure(struct lio_fx *f, struct lm_target *t, uint32_t number, bool want)
{
	struct lm_stack st;
	const struct lm_stack_target *s;
	const struct lm_stack_lu *lu;
	struct lm_err err;

	arm(NULL, 0, 0, 0);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	s = find(&st, t->iqn);
	assert_non_null(s);
	if (s->half)
		assert_int_equal(f->b->ops->create_target(f->b, t, &err), LM_S_OK);
	lu = lm_stack_find_lu(s, number);
	if (lu && (!want || !lm_lu_identity_ok(f->lun, lu)))
		assert_int_equal(f->b->ops->remove_lu(f->b, t, number, f->lun, &err), LM_S_OK);
	if (want && !(lu && lm_lu_identity_ok(f->lun, lu)))
		if (f->b->ops->add_lu(f->b, t, number, f->lun, &err) != LM_S_OK)
			fail_msg("cure: add: %s", err.msg);
	lm_stack_clear(&st);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	s = find(&st, t->iqn);
	if (s->half)
		fail_msg("still half made after the cure: %s", s->half);
	lu = lm_stack_find_lu(s, number);
	assert_int_equal(lu != NULL, want);
	if (lu)
		assert_true(lm_lu_identity_ok(f->lun, lu));
	lm_stack_clear(&st);
}

/* Every change of add_lu on a target with named initiators fails in
 * turn, alone or with a second one (the step's own clean-up): a single
 * failure leaves the target as it was (the clean-up took all back); two
 * may say cacheCorrupt, what stays where first, and the cure mends it. */
static void test_every_fault_of_add_lu(void **state)
{
	unsigned singles = 0, corrupt = 0;

	(void)state;
	for (unsigned k = 1;; k++) {
		for (unsigned k2 = 0; k2 <= 6; k2++) {
			struct lio_fx *f = fx_new();
			char *before = target_tree(f, T2), *after;
			struct lm_err err;
			lm_hr hr;

			arm(f->root, k, k2 ? k + k2 : 0, 0);
			hr = f->b->ops->add_lu(f->b, f->t2, 3, f->lun, &err);
			arm(NULL, 0, 0, 0);
			if (hr == LM_S_OK && changes < k) {
				fx_free(f);
				free(before);
				printf("# add_lu: %u changes; %u single faults taken back, %u double "
				       "faults told as cacheCorrupt\n", k - 1, singles, corrupt);
				assert_true(singles >= 5);
				return;
			}
			assert_int_not_equal(hr, LM_S_OK);
			if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
				if (!k2)
					fail_msg("one fault (%u), cacheCorrupt: %s", k, err.msg);
				assert_true(strncmp(err.msg, "LU 3 of " T2 " stays", strlen("LU 3 of " T2 " stays")) == 0);
				corrupt++;
			} else if (!k2) {
				after = target_tree(f, T2);
				if (strcmp(before, after) != 0)
					fail_msg("fault %u: %s\nchanged the target:\n%s\nwas\n%s", k,
						 err.msg, after, before);
				free(after);
				singles++;
			}
			cure(f, f->t2, 3, true);
			free(before);
			fx_free(f);
		}
	}
}

/* The same for remove_lu: a single failure leaves the LU whole or removes
 * it (what is left then is nothing an initiator sees, and the cure
 * removes it). */
static void test_every_fault_of_remove_lu(void **state)
{
	(void)state;
	for (unsigned k = 1;; k++) {
		for (unsigned k2 = 0; k2 <= 4; k2++) {
			struct lio_fx *f = fx_new();
			struct lm_err err;
			lm_hr hr;

			assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 3, f->lun, NULL), LM_S_OK);
			arm(f->root, k, k2 ? k + k2 : 0, 0);
			hr = f->b->ops->remove_lu(f->b, f->t2, 3, f->lun, &err);
			arm(NULL, 0, 0, 0);
			if (hr == LM_S_OK && changes < k) {
				fx_free(f);
				printf("# remove_lu: %u changes\n", k - 1);
				assert_true(k > 3);
				return;
			}
			if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
				if (!k2)
					fail_msg("one fault (%u), cacheCorrupt: %s", k, err.msg);
				assert_true(strstr(err.msg, " stays ") != NULL);
			}
			/* failed: still there; done: gone */
			cure(f, f->t2, 3, hr != LM_S_OK);
			fx_free(f);
		}
	}
}

/* A crash at every change of add_lu and of remove_lu (nothing after it
 * happens): whichever way recovery decides, the cure reaches it. */
static void test_a_crash_at_every_change_is_finished(void **state)
{
	(void)state;
	for (int remove = 0; remove < 2; remove++)
		for (unsigned k = 1; k < 30; k++)
			for (int want = 0; want < 2; want++) {
				struct lio_fx *f = fx_new();
				lm_hr hr;
				if (remove)
					assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 3, f->lun, NULL), LM_S_OK);
				arm(f->root, 0, 0, k);
				hr = remove ? f->b->ops->remove_lu(f->b, f->t2, 3, f->lun, NULL)
					    : f->b->ops->add_lu(f->b, f->t2, 3, f->lun, NULL);
				(void)hr;
				cure(f, f->t2, 3, want);
				fx_free(f);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fault_of_add_lu),
		cmocka_unit_test(test_every_fault_of_remove_lu),
		cmocka_unit_test(test_a_crash_at_every_change_is_finished),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
