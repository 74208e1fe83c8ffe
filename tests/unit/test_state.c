/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "record.h"
#include "state.h"
#include "util.h"

static struct lm_model *sample(void)
{
	struct lm_model *m = lm_model_new("array \"1\" & <co>", 4);
	struct lm_target *t1 = lm_model_add_target(m, 0, NULL, "iqn.2026-11.x:t1", "one", NULL);
	struct lm_target *t2 = lm_model_add_target(m, 4, NULL, "iqn.2026-11.x:t2", NULL, NULL);
	struct lm_lun *l = lm_model_add_lun(m, 3, NULL, "db", "/srv/a b&c.img");
	lm_guid gone;

	t2->discovered = true;
	lm_links_reserve(&l->links, 2);
	lm_links_reserve(&t1->links, 1);
	lm_links_reserve(&t2->links, 1);
	lm_model_link(m, l, t1, 1);
	lm_model_link(m, l, t2, 12);
	lm_guid_generate(&gone);
	lm_model_add_tomb(m, &gone, LM_KIND_LUN, "/srv/old.img");
	return m;
}

/* A fresh folder and sample()'s model for each test; the model is the
 * test's to change. */
struct sfx {
	char *dir;
	struct lm_model *m;
};

static int setup(void **state)
{
	struct sfx *fx = malloc(sizeof *fx);

	if (!fx)
		return -1;
	fx->dir = tu_tmpdir();
	fx->m = sample();
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct sfx *fx = *state;

	lm_model_free(fx->m);
	tu_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static void test_roundtrip(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir, path[4096];
	struct lm_model *m = fx->m;
	struct lm_state *st;
	struct lm_err err;
	struct stat sb;

	assert_int_equal(lm_state_save(dir, m, 1, NULL, &err), LM_S_OK);
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(lm_state_load(dir, &st, &err), LM_S_OK);
	assert_int_equal(st->next_lun_index, 4);
	assert_int_equal(st->next_target_index, 5);
	assert_int_equal(st->ntargets, 2);
	assert_int_equal(st->targets[1].index, 4);
	assert_true(st->targets[1].discovered);
	assert_false(st->targets[0].discovered);
	assert_string_equal(st->targets[0].alias, "one");
	assert_int_equal(lm_guid_cmp(&st->targets[0].id, &m->targets[0]->id), 0);
	assert_int_equal(st->nluns, 1);
	assert_string_equal(st->luns[0].path, "/srv/a b&c.img");
	assert_int_equal(st->nassocs, 2);
	assert_int_equal(st->assocs[1].number, 12);
	assert_int_equal(st->assocs[1].target, 4);
	assert_int_equal(st->ntombs, 1);
	assert_string_equal(st->tombs[0].key, "/srv/old.img");
	assert_int_equal(st->tombs[0].kind, LM_KIND_LUN);
	lm_state_free(st);
}

static void test_missing_file_is_an_empty_state(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir;
	struct lm_state *st;

	assert_int_equal(lm_state_load(dir, &st, NULL), LM_S_OK);
	assert_int_equal(st->ntargets + st->nluns + st->nassocs, 0);
	assert_int_equal(st->next_lun_index, 1);
	lm_state_free(st);
}

static void refused(const char *text, const char *reason)
{
	char *dir = tu_tmpdir(), *path = tu_write(dir, LM_STATE_FILE, text), *after;
	struct lm_state *st;
	struct lm_err err;

	assert_int_equal(lm_state_load(dir, &st, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_null(st);
	if (!strstr(err.msg, reason) || !strstr(err.msg, LM_STATE_FILE))
		fail_msg("expected \"%s\" in \"%s\"", reason, err.msg);
	/* never replaced */
	after = tu_read(path, NULL);
	assert_string_equal(after, text);
	free(after);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static void test_truncated_and_corrupt_files_are_refused(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir, *full;
	struct lm_model *m = fx->m;
	char path[4096];
	size_t len;

	lm_state_save(dir, m, 1, NULL, NULL);
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	full = tu_read(path, &len);
	for (size_t cut = 10; cut < len - 2; cut += 37) {
		char *part = strndup(full, cut);
		refused(part, "corrupt");
		free(part);
	}
	refused("", "truncated");
	refused("garbage", "corrupt");
	refused("<other/>", "not a lunmap state file");
	refused("<lunmap-state next-lun-index=\"1\" next-target-index=\"1\">"
		"<lun index=\"x\" id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02\" path=\"/a\"/></lunmap-state>",
		"bad lun");
	refused("<lunmap-state next-lun-index=\"1\" next-target-index=\"1\">"
		"<assoc lun=\"1\" target=\"1\" number=\"20000\"/></lunmap-state>", "bad assoc");
	free(full);
}

static void test_save_replaces_atomically(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir, path[4096], tmp[4096];
	struct lm_model *m = fx->m;
	struct lm_state *st;

	assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_S_OK);
	lm_model_add_lun(m, 0, NULL, "second", "/srv/second.img");
	assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, LM_STATE_FILE);
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_int_equal(lm_state_load(dir, &st, NULL), LM_S_OK);
	assert_int_equal(st->nluns, 2);
	lm_state_free(st);
	/* a folder that cannot be written keeps the old file whole */
	if (geteuid() != 0) {
		chmod(dir, 0500);
		assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_HR_ACCESS_DENIED);
		chmod(dir, 0700);
	}
}

static void test_the_lock_is_exclusive_across_processes(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir;
	struct lm_err err;
	int fd, status;
	pid_t pid;

	assert_int_equal(lm_state_lock(dir, &fd, &err), LM_S_OK);
	pid = fork();
	if (pid == 0) {
		int fd2;
		_exit(lm_state_lock(dir, &fd2, NULL) == LM_VDS_E_ANOTHER_CALL_IN_PROGRESS ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(fd);
	/* released with the descriptor */
	assert_int_equal(lm_state_lock(dir, &fd, &err), LM_S_OK);
	close(fd);
}

static struct lm_state *load_ok(const char *dir)
{
	struct lm_state *st;
	struct lm_err err;

	if (lm_state_load(dir, &st, &err) != LM_S_OK)
		fail_msg("load: %s", err.msg);
	return st;
}

static size_t assocs_of(const struct lm_state *st, uint32_t lun, uint32_t *targets)
{
	size_t n = 0;

	for (size_t i = 0; i < st->nassocs; i++)
		if (st->assocs[i].lun == lun)
			targets[n++] = st->assocs[i].target * 100 + st->assocs[i].number;
	return n;
}

/* The journal: records replay over the snapshot, the latest set of a LUN
 * wins, one record carries several LUNs. */
static void test_journal_replays_over_the_snapshot(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir;
	struct lm_model *m = fx->m; /* LUN 3 on t1 (1) and t2 (12) */
	struct lm_lun *l = m->luns[0], *l2;
	struct lm_target *t1 = m->targets[0];
	struct lm_journal j;
	struct lm_state *st;
	uint32_t got[8];

	assert_int_equal(lm_state_save(dir, m, 7, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_journal_open(dir, &j, NULL), LM_S_OK);
	lm_model_unlink(m, l, m->targets[1]);
	assert_int_equal(lm_journal_append(&j, 7, (const struct lm_lun *const[]){ l }, 1, NULL), LM_S_OK);
	l2 = lm_model_add_lun(m, 0, NULL, "two", "/srv/two.img");
	lm_links_reserve(&l2->links, 1);
	lm_links_reserve(&t1->links, 1);
	lm_model_link(m, l2, t1, 2);
	lm_model_unlink(m, l, t1);
	assert_int_equal(lm_journal_append(&j, 7, (const struct lm_lun *const[]){ l, l2 }, 2, NULL),
			 LM_S_OK);
	/* a stale record, from before the snapshot */
	assert_int_equal(lm_journal_append(&j, 6, (const struct lm_lun *const[]){ l2 }, 1, NULL), LM_S_OK);
	lm_journal_close(&j);
	st = load_ok(dir);
	assert_int_equal(assocs_of(st, 3, got), 0);
	assert_int_equal(assocs_of(st, 4, got), 1);
	assert_int_equal(got[0], 102);
	lm_state_free(st);
}

static void append_raw(const char *dir, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, LM_JOURNAL_FILE);
	f = fopen(path, "a");
	fputs(text, f);
	fclose(f);
}

static void test_journal_torn_and_damaged_records(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir;
	struct lm_model *m = fx->m;
	struct lm_lun *l = m->luns[0];
	struct lm_journal j;
	struct lm_state *st;
	struct lm_err err;
	uint32_t got[8];

	assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_journal_open(dir, &j, NULL), LM_S_OK);
	lm_model_unlink(m, l, m->targets[0]);
	assert_int_equal(lm_journal_append(&j, 1, (const struct lm_lun *const[]){ l }, 1, NULL), LM_S_OK);
	lm_journal_close(&j);
	/* a crash in the middle of the next record: no newline */
	append_raw(dir, "1 3=1:1,4:");
	st = load_ok(dir);
	assert_int_equal(assocs_of(st, 3, got), 1);
	assert_int_equal(got[0], 412);
	lm_state_free(st);
	/* opening the journal again cuts the torn record off, so that the
	 * next record does not continue its line */
	assert_int_equal(lm_journal_open(dir, &j, NULL), LM_S_OK);
	assert_int_equal(lm_journal_append(&j, 1, (const struct lm_lun *const[]){ l }, 1, NULL), LM_S_OK);
	lm_journal_close(&j);
	st = load_ok(dir);
	assert_int_equal(assocs_of(st, 3, got), 1);
	assert_int_equal(got[0], 412);
	lm_state_free(st);
	/* a complete last record (newline kept) whose check does not match
	 * was written whole and damaged later: refused, not dropped */
	append_raw(dir, "1 3=1:5 #0123456789abcdef\n");
	assert_int_equal(lm_state_load(dir, &st, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "last record is damaged"));
	/* a damaged record with good ones after it is corruption */
	append_raw(dir, "1 3= #0000000000000000\n");
	assert_int_equal(lm_state_load(dir, &st, &err), LM_VDS_E_PROVIDER_CACHE_CORRUPT);
	assert_non_null(strstr(err.msg, "a record is damaged"));
}

/* More records and sets than the replay's first allocation holds. */
static void test_journal_many_records(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir;
	struct lm_model *m = fx->m; /* LUN 3 on t1 (1) and t2 (12) */
	struct lm_lun *l = m->luns[0];
	struct lm_target *t2 = m->targets[1];
	struct lm_journal j;
	struct lm_state *st;
	uint32_t got[8];

	assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_journal_open(dir, &j, NULL), LM_S_OK);
	for (uint32_t n = 13; n < 13 + 300; n++) {
		lm_model_unlink(m, l, t2);
		lm_links_reserve(&l->links, 1);
		lm_links_reserve(&t2->links, 1);
		lm_model_link(m, l, t2, n);
		assert_int_equal(lm_journal_append(&j, 1, (const struct lm_lun *const[]){ l }, 1, NULL),
				 LM_S_OK);
	}
	lm_journal_close(&j);
	st = load_ok(dir);
	assert_int_equal(assocs_of(st, 3, got), 2);
	assert_true((got[0] == 101 && got[1] == 712) || (got[1] == 101 && got[0] == 712)); /* t2 is index 4 */
	lm_state_free(st);
}

static void test_journal_reset_after_a_new_snapshot(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir;
	struct lm_model *m = fx->m;
	struct lm_journal j;
	struct lm_state *st;
	uint32_t got[8];

	assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_S_OK);
	assert_int_equal(lm_journal_open(dir, &j, NULL), LM_S_OK);
	lm_model_unlink(m, m->luns[0], m->targets[0]);
	assert_int_equal(lm_journal_append(&j, 1, (const struct lm_lun *const[]){ m->luns[0] }, 1, NULL),
			 LM_S_OK);
	assert_true(j.bytes > 0);
	/* a crash between the new snapshot and emptying the journal */
	assert_int_equal(lm_state_save(dir, m, 2, NULL, NULL), LM_S_OK);
	st = load_ok(dir);
	assert_int_equal(st->generation, 2);
	assert_int_equal(assocs_of(st, 3, got), 1);
	lm_state_free(st);
	assert_int_equal(lm_journal_reset(&j, NULL), LM_S_OK);
	assert_int_equal(j.bytes, 0);
	lm_journal_close(&j);
	st = load_ok(dir);
	assert_int_equal(assocs_of(st, 3, got), 1);
	lm_state_free(st);
}

/* A snapshot as lunmapd would write it, checksum line included, so that
 * what is refused below is refused for what it says, not for its check. */
static char *checked(const char *body)
{
	char *out;

	if (asprintf(&out, "%s<!-- check %016" PRIx64 " -->\n", body,
		     lm_record_check(body, strlen(body))) < 0)
		abort();
	return out;
}

static void refused_checked(const char *body, const char *reason)
{
	char *text = checked(body);

	refused(text, reason);
	free(text);
}

#define T1 "<target index=\"1\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"iqn.2026-11.x:t1\"/>\n"
#define L1 "<lun index=\"1\" id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01\" path=\"/srv/a.img\"/>\n"
#define ROOT(gen) "<lunmap-state generation=\"" gen "\" next-lun-index=\"5\" next-target-index=\"5\">\n"

/* Issue #20: a LUN whose path would be read as an option, written into
 * the state by hand (with its checksum), is refused at start with the
 * LUN and the byte, before anything reaches the stack. */
static void test_a_path_that_is_an_option_is_refused(void **state)
{
	(void)state;
	refused_checked(ROOT("1") T1
			"<lun index=\"1\" id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01\" "
			"path=\"/srv/a.img,path=/etc/shadow\"/>\n</lunmap-state>\n",
			"the path of LUN 1: byte 11 is ','");
	refused_checked(ROOT("1") T1
			"<lun index=\"1\" id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01\" "
			"path=\"/srv/a&#10;.img\"/>\n</lunmap-state>\n",
			"the path of LUN 1: byte 7 is a control byte");
}

/* Issue #12.3: what the state files say is checked before it is believed. */
static void test_damage_that_parses_is_refused(void **state)
{
	struct sfx *fx = *state;
	char *dir = fx->dir, path[4096], *text, *digit;
	struct lm_model *m = fx->m;
	struct lm_state *st;

	/* a damaged generation used to make every journal record stale */
	assert_int_equal(lm_state_save(dir, m, 17, NULL, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	text = tu_read(path, NULL);
	digit = strstr(text, "generation=\"17\"");
	assert_non_null(digit);
	digit[strlen("generation=\"")] = '2';
	refused(text, "checksum");
	*strstr(text, "<!--") = '\0'; /* no check line at all */
	refused(text, "no checksum");
	free(text);
	refused_checked(ROOT("1x") T1 "</lunmap-state>\n", "bad generation");
	/* one id on two targets, later turned into a tombstone of a live id */
	refused_checked(ROOT("1") T1
			"<target index=\"2\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"iqn.2026-11.x:t2\"/>\n"
			"</lunmap-state>\n", "one id on two objects");
	refused_checked(ROOT("1") T1 L1
			"<tomb id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01\" kind=\"lun\" key=\"/x\"/>\n"
			"</lunmap-state>\n", "one id on two objects");
	/* an index that wraps, or past next-*-index; a number 0; strict numbers */
	refused_checked("<lunmap-state next-lun-index=\"1\" next-target-index=\"4294967295\">\n"
			"<target index=\"4294967295\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"iqn.2026-11.x:t1\"/>\n"
			"</lunmap-state>\n", "bad target");
	refused_checked("<lunmap-state next-lun-index=\"1\" next-target-index=\"2\">\n"
			"<target index=\"2\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"iqn.2026-11.x:t1\"/>\n"
			"</lunmap-state>\n", "bad target");
	refused_checked(ROOT("1") T1 L1 "<assoc lun=\"1\" target=\"1\" number=\"0\"/>\n</lunmap-state>\n",
			"bad assoc");
	refused_checked(ROOT("1") T1 L1 "<assoc lun=\"1\" target=\"1\" number=\"1junk\"/>\n</lunmap-state>\n",
			"bad assoc");
	refused_checked(ROOT("1") T1 L1 "<assoc lun=\"1\" target=\"1\" number=\"+1\"/>\n</lunmap-state>\n",
			"bad assoc");
	refused_checked(ROOT("1") T1 L1 "<assoc lun=\"1\" target=\"7\" number=\"1\"/>\n</lunmap-state>\n",
			"names a LUN or target");
	refused_checked(ROOT("1") T1 L1
			"<lun index=\"2\" id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02\" path=\"/srv/b.img\"/>\n"
			"<assoc lun=\"1\" target=\"1\" number=\"3\"/>\n<assoc lun=\"2\" target=\"1\" number=\"3\"/>\n"
			"</lunmap-state>\n", "number on a target twice");
	refused_checked(ROOT("1")
			"<target index=\"1\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"iqn.2026-11.x:t&#1;\"/>\n"
			"</lunmap-state>\n", "corrupt");
	refused_checked(ROOT("1")
			"<target index=\"1\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"iqn.2026-11.x:t&#9;\"/>\n"
			"</lunmap-state>\n", "bad target");
	/* no DTD, no entities */
	refused_checked("<!DOCTYPE lunmap-state [<!ENTITY e \"iqn.2026-11.x:t1\">]>\n" ROOT("1")
			"<target index=\"1\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\" iqn=\"&e;\"/>\n"
			"</lunmap-state>\n", "DTD");
	/* what lunmapd wrote itself is still read back */
	assert_int_equal(lm_state_load(dir, &st, NULL), LM_S_OK);
	assert_int_equal(st->generation, 17);
	lm_state_free(st);
}

/* Journal records whose numbers are not strict decimal used to be
 * applied ("4294967297junk=2:1junk" as LUN 1 on target 2). */
static void test_journal_numbers_are_strict(void **state)
{
	static const char *bad[] = {
		"1 4294967297junk=2:1junk", "1 3=-4294967294:5", "1 3=4:5junk", "1 3=4:0",
		"1 3=4:20000", "1 03=4:5", "1 3=4:5,", "1  3=4:5", "1 3=4:5 ", "1 =4:5", "1",
		"1 3=4:5,4:6", "+1 3=4:5", "01 3=4:5",
	};
	struct sfx *fx = *state;
	char *dir = fx->dir, line[128], path[4096];
	struct lm_model *m = fx->m;
	struct lm_state *st;
	struct lm_err err;

	assert_int_equal(lm_state_save(dir, m, 1, NULL, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/%s", dir, LM_JOURNAL_FILE);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = fopen(path, "w");
		snprintf(line, sizeof line, "%s #%016" PRIx64 "\n", bad[i], lm_record_check(bad[i], strlen(bad[i])));
		fputs(line, f);
		fputs(line, f); /* not the last record: never taken for a torn one */
		fclose(f);
		if (lm_state_load(dir, &st, &err) != LM_VDS_E_PROVIDER_CACHE_CORRUPT)
			fail_msg("journal record \"%s\" was accepted", bad[i]);
	}
}

/* The intent record is a state file too: strict numbers there as well
 * ("-1" was read by sscanf as 4294967295, "1junk" as 1). */
static void test_intent_numbers_are_strict(void **state)
{
	static const char *bad[] = { "3=1:-1>", "3=1:2>4294967297:1", "3junk=1:2>", "3=1:2,>", "3=1:2,,4:5>",
				     "3=1:0>", "-3=1:2>", "3=1:2>1:2x",
				     /* one space between LUNs, none around them, as
				      * lunmapd writes it (record.h): anything else
				      * was written by another hand */
				     "3=> ", " 3=>", "3=>  4=>", "3=1:2 >", "3=>1:2:r " };
	struct sfx *fx = *state;
	char *dir = fx->dir, line[128], path[4096];
	struct lm_intent in;

	snprintf(path, sizeof path, "%s/%s", dir, LM_INTENT_FILE);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		FILE *f = fopen(path, "w");
		snprintf(line, sizeof line, "%s #%016" PRIx64 "\n", bad[i], lm_record_check(bad[i], strlen(bad[i])));
		fputs(line, f);
		fclose(f);
		if (lm_intent_read(dir, &in, NULL) != LM_VDS_E_PROVIDER_CACHE_CORRUPT)
			fail_msg("intent record \"%s\" was accepted", bad[i]);
	}
	{
		const char *good = "3=1:2,4:5>4:5 7=>1:3:r";
		FILE *f = fopen(path, "w");
		fprintf(f, "%s #%016" PRIx64 "\n", good, lm_record_check(good, strlen(good)));
		fclose(f);
		assert_int_equal(lm_intent_read(dir, &in, NULL), LM_S_OK);
		assert_int_equal(in.n, 2);
		assert_int_equal(in.v[0].nold, 2);
		assert_int_equal(in.v[1].nnew, 1);
		assert_true(in.v[1].new[0].readonly);
		lm_intent_free(&in);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file_is_an_empty_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_corrupt_files_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_replaces_atomically, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_lock_is_exclusive_across_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_replays_over_the_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_torn_and_damaged_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_many_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_reset_after_a_new_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_that_parses_is_refused, setup, teardown),
		cmocka_unit_test(test_a_path_that_is_an_option_is_refused),
		cmocka_unit_test_setup_teardown(test_journal_numbers_are_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intent_numbers_are_strict, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
