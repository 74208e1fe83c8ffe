/* SPDX-License-Identifier: BSD-3-Clause */
/* probe.c: a backing store's status, size and reason, and a store that
 * never answers (a hard NFS mount whose server is gone: open blocks in the
 * kernel), made here by wrapping open: the probe answers within its wait,
 * asks again only once that open ends, and a LUN freed meanwhile leaves
 * nothing behind (the ASan run checks). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core.h"
#include "model.h"
#include "util.h"

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

/* the probe's opens of a path holding "hung" wait until the test writes
 * to gate */
static int gate[2] = { -1, -1 };
static volatile int hung_opens;

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;
	char c;

	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	if (strstr(path, "hung") && !(flags & O_CREAT)) { /* the probe's, not the test's own */
		__atomic_add_fetch(&hung_opens, 1, __ATOMIC_SEQ_CST);
		if (read(gate[0], &c, 1) != 1)
			return -1;
	}
	return __real_open(path, flags, mode);
}

struct fx {
	char *dir;
	struct lm_model *m;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir();
	f->m = lm_model_new("probe", 1);
	hung_opens = 0;
	if (pipe(gate) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	/* let every waiting open go */
	for (int i = 0; i < 8; i++)
		(void)!write(gate[1], "x", 1);
	usleep(50 * 1000);
	lm_model_free(f->m);
	tu_rmtree(f->dir);
	free(f->dir);
	close(gate[0]);
	close(gate[1]);
	free(f);
	return 0;
}

static struct lm_lun *lun_at(struct fx *f, const char *name)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return lm_model_add_lun(f->m, 0, NULL, name, path);
}

static void test_a_file_a_fifo_and_nothing(void **state)
{
	struct fx *f = *state;
	struct lm_lun *img = lun_at(f, "a.img"), *fifo = lun_at(f, "p"), *none = lun_at(f, "gone");
	char why[160];

	free(tu_sparse(f->dir, "a.img", 3 << 20));
	assert_int_equal(mkfifo(fifo->path, 0600), 0);
	lm_lun_probe(img, 1000);
	assert_int_equal(img->status, LM_ONLINE);
	assert_int_equal(img->size, 3 << 20);
	lm_lun_probe(fifo, 1000);
	assert_int_equal(fifo->status, LM_FAILED);
	lm_lun_probe_reason(fifo, why, sizeof why);
	assert_string_equal(why, "is a FIFO, not a file or block device");
	lm_lun_probe(none, 1000);
	assert_int_equal(none->status, LM_FAILED);
	assert_int_equal(none->probe_errno, ENOENT);
	assert_null(none->probe_job);
}

static void test_a_store_that_does_not_answer(void **state)
{
	struct fx *f = *state;
	struct lm_lun *l = lun_at(f, "hung.img");
	char why[160];

	free(tu_sparse(f->dir, "hung.img", 1 << 20));
	alarm(10); /* a probe that waits for the open fails the test */
	lm_lun_probe(l, 50);
	assert_int_equal(l->status, LM_FAILED);
	assert_int_equal(l->probe_errno, ETIMEDOUT);
	assert_non_null(l->probe_job);
	lm_lun_probe_reason(l, why, sizeof why);
	assert_non_null(strstr(why, "did not answer in time"));
	/* asked again while that open still waits: no second one */
	lm_lun_probe(l, 50);
	lm_lun_probe(l, 50);
	assert_int_equal(l->status, LM_FAILED);
	assert_int_equal(hung_opens, 1);
	/* the store answers: the next probe asks again and reads it */
	assert_int_equal(write(gate[1], "x", 1), 1);
	for (int i = 0; i < 200 && l->status != LM_ONLINE; i++) {
		usleep(10 * 1000);
		(void)!write(gate[1], "x", 1);
		lm_lun_probe(l, 1000);
	}
	alarm(0);
	assert_int_equal(l->status, LM_ONLINE);
	assert_int_equal(l->size, 1 << 20);
	assert_null(l->probe_job);
	assert_true(hung_opens >= 2);
}

/* the LUN goes (a reload dropped it) while its probe waits */
static void test_a_lun_freed_while_its_probe_waits(void **state)
{
	struct fx *f = *state;
	struct lm_lun *l = lun_at(f, "hung2.img");

	alarm(10);
	lm_lun_probe(l, 20);
	assert_non_null(l->probe_job);
	lm_model_free(f->m);
	f->m = lm_model_new("probe", 1);
	assert_int_equal(write(gate[1], "x", 1), 1);
	usleep(100 * 1000); /* the thread ends and frees the probe */
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_file_a_fifo_and_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_store_that_does_not_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_lun_freed_while_its_probe_waits, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
