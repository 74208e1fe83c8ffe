/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "deadline.h"
#include "lunmap.h"
#include "run.h"
#include "show.h"
#include "tgt_render.h"
#include "util.h"

/* realloc is wrapped (-Wl,--wrap=realloc): a request above fail_above
 * bytes fails while it is set, as on a host out of memory. */
static size_t fail_above;
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	if (fail_above && n > fail_above)
		return NULL;
	return __real_realloc(p, n);
}

/* A program that writes `lines` numbered lines to stdout. */
static void lines_argv(char *script, size_t size, unsigned lines, char *argv[4])
{
	snprintf(script, size, "i=0; while [ $i -lt %u ]; do echo \"line $i\"; i=$((i+1)); done",
		 lines);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = script;
	argv[3] = NULL;
}

static void test_long_output_is_kept_whole(void **state)
{
	char script[128], *argv[4];
	struct lm_run_result r;

	(void)state;
	lines_argv(script, sizeof script, 5000, argv);
	assert_int_equal(lm_run(argv, 20000, &r), 0);
	assert_false(r.lost);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "line 4999\n"));
	lm_run_result_free(&r);
}

/* Regression: output that could not be kept was dropped silently, and a
 * cut `tgtadm --op show` parsed as a smaller stack. */
static void test_output_lost_for_memory_is_said(void **state)
{
	char script[128], *argv[4];
	struct lm_run_result r;

	(void)state;
	lines_argv(script, sizeof script, 5000, argv);
	fail_above = 8192;
	assert_int_equal(lm_run(argv, 20000, &r), 0);
	fail_above = 0;
	assert_true(r.lost);
	/* the program was drained to its end, not left blocked on a pipe */
	assert_false(r.timed_out);
	assert_int_equal(r.status, 0);
	lm_run_result_free(&r);
}

/* The tgt backend's enumeration through a tgtadm that prints a listing
 * of 200 targets (≈ 50 KB): whole, it is 200 targets; with no memory to
 * keep it all, enumeration fails instead of seeing fewer targets. */
static void test_tgt_enumerate_fails_on_a_cut_listing(void **state)
{
	char dir[] = "/tmp/lunmap-run-XXXXXX", path[64];
	struct lm_backend_conf conf = { .type = "tgt", .transport = "tgtadm", .timeout_ms = 20000 };
	struct lm_backend *b;
	struct lm_stack st;
	struct lm_err err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tgtadm", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\ni=1\n"
	      "case \" $* \" in *\" --mode lld \"*)\n"
	      "echo 'LLDs:'; echo '    iscsi: ready'\n"
	      "while [ $i -le 200 ]; do echo \"        Target $i: iqn.2026-11.org.example:t$i\"; i=$((i+1)); done\n"
	      "exit 0 ;; esac\n"
	      "while [ $i -le 200 ]; do\n"
	      "echo \"Target $i: iqn.2026-11.org.example:t$i\"\n"
	      "echo '    System information:'; echo '        Driver: iscsi'\n"
	      "echo '        State: ready'; echo '    I_T nexus information:'\n"
	      "echo '    LUN information:'; echo '        LUN: 0'\n"
	      "echo '            Type: controller'; printf '            SCSI ID: IET     %04x0000\\n' $i\n"
	      "echo '            SCSI SN: beaf10'; echo '            Size: 0 MB, Block size: 1'\n"
	      "echo '            Online: Yes'; echo '            Removable media: No'\n"
	      "echo '            Prevent removal: No'; echo '            Readonly: No'\n"
	      "echo '            SWP: No'; echo '            Thin-provisioning: No'\n"
	      "echo '            Backing store type: null'; echo '            Backing store path: None'\n"
	      "echo '            Backing store flags: '\n"
	      "echo '    Account information:'; echo '    ACL information:'; echo '        ALL'\n"
	      "i=$((i+1)); done\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0700), 0);
	snprintf(conf.tgtadm, sizeof conf.tgtadm, "%s", path);
	b = lm_tgt_new(&conf);
	assert_non_null(b);

	assert_int_equal(b->ops->enumerate(b, &st, &err), LM_S_OK);
	assert_int_equal(st.ntargets, 200);
	lm_stack_clear(&st);

	fail_above = 16384;
	assert_int_equal(b->ops->enumerate(b, &st, &err), LM_E_OUTOFMEMORY);
	fail_above = 0;
	/* wherever the memory ran out: said, never a cut listing */
	assert_true(strstr(err.msg, "tgtadm's output") || strstr(err.msg, "no memory"));
	assert_int_equal(st.ntargets, 0);

	lm_backend_destroy(b);
	unlink(path);
	rmdir(dir);
}

static void test_output_and_status(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; exit 22", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 5000, &r), 0);
	assert_int_equal(r.status, 22);
	assert_false(r.timed_out);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.errout, "err\n");
	lm_run_result_free(&r);
}

static void test_arguments_are_not_split_by_a_shell(void **state)
{
	char *argv[] = { "/bin/echo", "a b;c", "$(x)", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 5000, &r), 0);
	assert_string_equal(r.out, "a b;c $(x)\n");
	lm_run_result_free(&r);
}

static void test_a_hung_program_is_killed(void **state)
{
	char *argv[] = { "/bin/sleep", "30", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 200, &r), 0);
	assert_true(r.timed_out);
	assert_int_equal(r.status, -1);
	lm_run_result_free(&r);
}

static void test_missing_program(void **state)
{
	char *argv[] = { "/nonexistent/tgtadm", NULL };
	struct lm_run_result r;

	(void)state;
	assert_int_equal(lm_run(argv, 2000, &r), -1);
}

/* The inventory of these tests in dir: target t1 (initiators, may be
 * NULL) and LUN a at img, through the tgtadm program; backend_attrs as
 * written (leading space), may be NULL. */
static char *tgtadm_inventory(const char *dir, const char *tgtadm, const char *backend_attrs,
			      const char *initiators, const char *img)
{
	struct tu_inv v;
	char *attrs = NULL;

	tu_inv_begin(&v, "t", NULL);
	tu_inv_add(&v, "<backend type=\"tgt\" transport=\"tgtadm\" tgtadm=\"%s\"%s/>", tgtadm,
		   backend_attrs ? backend_attrs : "");
	if (initiators)
		assert_true(asprintf(&attrs, " initiators=\"%s\"", initiators) > 0);
	tu_inv_target(&v, "iqn.2026-11.org.example:t1", NULL, attrs);
	free(attrs);
	tu_inv_lun(&v, "a", img, NULL);
	return tu_inv_end(&v, dir);
}

/* A fake tgtadm in dir: runs `first` (a shell line) on every call, lists
 * one target, tid `tid` named iqn.2026-11.org.example:t1, whose ACL lines
 * `acl` prints, and answers other calls as the case arms `cases` say (the
 * rest succeed). */
static char *fake_tgtadm(const char *dir, const char *first, int tid, const char *acl,
			 const char *cases)
{
	char *text, *path;

	assert_true(asprintf(&text,
			     "#!/bin/sh\n"
			     "%s\n"
			     "case \" $* \" in *\" --op show --mode lld \"*)\n"
			     "  echo 'LLDs:'; echo '    iscsi: ready'\n"
			     "  echo '        Target %d: iqn.2026-11.org.example:t1' ;;\n"
			     "*\" --op show \"*)\n"
			     "  echo 'Target %d: iqn.2026-11.org.example:t1'\n"
			     "  echo '    System information:'; echo '        Driver: iscsi'\n"
			     "  echo '        State: ready'; echo '    I_T nexus information:'\n"
			     "  echo '    LUN information:'; echo '        LUN: 0'\n"
			     "  echo '            Type: controller'\n"
			     "  printf '            SCSI ID: IET     %%04x0000\\n' %d\n"
			     "  echo '            SCSI SN: beaf10'\n"
			     "  echo '            Size: 0 MB, Block size: 1'\n"
			     "  echo '            Online: Yes'; echo '            Removable media: No'\n"
			     "  echo '            Prevent removal: No'; echo '            Readonly: No'\n"
			     "  echo '            SWP: No'; echo '            Thin-provisioning: No'\n"
			     "  echo '            Backing store type: null'\n"
			     "  echo '            Backing store path: None'\n"
			     "  echo '            Backing store flags: '\n"
			     "  echo '    Account information:'; echo '    ACL information:'\n"
			     "  %s ;;\n"
			     "%s"
			     "esac\n",
			     first, tid, tid, tid, acl, cases) > 0);
	path = tu_write(dir, "tgtadm", text);
	free(text);
	assert_int_equal(chmod(path, 0700), 0);
	return path;
}

/* A reload's timeout-ms reaches the tgt backend (it keeps its own copy of
 * its settings): a tgtadm slower than the new deadline is killed. Before
 * the fix the deadline of the start stayed in force. */
static void test_reload_changes_the_deadline_of_a_step(void **state)
{
	char *dir = tu_tmpdir(), *tgtadm, *inv, *text, *delay, *img, *statedir;
	struct lm_core_opts o = { 0 };
	struct lm_core *c;
	struct lm_err err;

	(void)state;
	img = tu_sparse(dir, "a.img", 1 << 20);
	delay = tu_write(dir, "delay", "0\n");
	assert_true(asprintf(&text, "sleep \"$(cat '%s')\"", delay) > 0);
	tgtadm = fake_tgtadm(dir, text, 1, "echo '        ALL'", "");
	free(text);
	assert_true(asprintf(&statedir, "%s/state", dir) > 0);
	for (int pass = 0; pass < 2; pass++) {
		inv = tgtadm_inventory(dir, tgtadm, pass ? " timeout-ms=\"200\"" : " timeout-ms=\"20000\"",
				       NULL, img);
		if (!pass) {
			o.inventory = inv;
			o.state_dir = statedir;
			assert_int_equal(lm_core_open(&o, &c, &err), LM_S_OK);
		} else {
			assert_int_equal(lm_core_reload(c, &err), LM_S_OK);
		}
		free(inv);
	}
	assert_int_equal(lm_core_timeout_ms(c), 200);
	free(tu_write(dir, "delay", "2\n"));
	assert_int_equal(lm_core_check(c, &err), LM_E_FAIL);
	assert_non_null(strstr(err.msg, "did not answer in 200 ms"));
	/* the periodic check's listing waits longer when the glue says so
	 * (tgtd composes a listing of 100,000 LUs for longer than a step) */
	free(tu_write(dir, "delay", "0.6\n"));
	lm_core_set_listing_deadline(c, 5000);
	assert_int_equal(lm_core_check(c, &err), LM_S_OK);
	assert_int_equal(lm_core_status(c), LM_SUBSYS_ONLINE);
	/* ... and only the listing: a step has its own deadline afterwards */
	assert_int_equal(lm_associate_targets(c, lm_lun_id(lm_core_lun(c, 1)),
					      lm_target_id(lm_core_target(c, 1)), 1, NULL, &err),
			 LM_E_FAIL);
	assert_non_null(strstr(err.msg, "did not answer in 200 ms"));

	lm_core_close(c);
	tu_rmtree(dir);
	free(dir);
	free(tgtadm);
	free(delay);
	free(img);
	free(statedir);
}

/* Start-up against a tgtd (a fake tgtadm that records its calls) whose
 * one target has the ACL `acl` (lines), for an inventory that lets
 * `initiators` in: returns the calls made. */
static char *start_with_acl(const char *acl, const char *initiators)
{
	char *dir = tu_tmpdir(), *tgtadm, *inv, *text, *calls, *img, *statedir, *log, *aclf, *first;
	struct lm_core_opts o = { 0 };
	struct lm_core *c;
	struct lm_err err;

	img = tu_sparse(dir, "a.img", 1 << 20);
	aclf = tu_write(dir, "acl", acl);
	assert_true(asprintf(&calls, "%s/calls", dir) > 0);
	assert_true(asprintf(&text, "echo \"$*\" >>'%s'", calls) > 0);
	assert_true(asprintf(&first, "cat '%s'", aclf) > 0);
	tgtadm = fake_tgtadm(dir, text, 3, first, "");
	free(text);
	free(first);
	assert_true(asprintf(&statedir, "%s/state", dir) > 0);
	inv = tgtadm_inventory(dir, tgtadm, NULL, initiators, img);
	o.inventory = inv;
	o.state_dir = statedir;
	assert_int_equal(lm_core_open(&o, &c, &err), LM_S_OK);
	assert_int_equal(lm_target_status(lm_core_target(c, 1)), LM_ONLINE);
	lm_core_close(c);
	log = tu_read(calls, NULL);
	assert_non_null(log);
	/* never made again, never deleted (it may have LUs) */
	assert_null(strstr(log, "--op new"));
	assert_null(strstr(log, "--op delete"));
	tu_rmtree(dir);
	free(dir);
	free(tgtadm);
	free(inv);
	free(calls);
	free(img);
	free(statedir);
	free(aclf);
	return log;
}

/* Regression (found by the crash trials): lunmapd killed between a
 * target's "new" and its "bind" left it in tgtd with an empty ACL; the
 * next start saw the target there and never bound it, so no initiator
 * could log in ("Target not found") while view, state and listing agreed.
 * Start-up now binds the initiators the ACL leaves out. */
static void test_start_binds_a_target_left_unbound(void **state)
{
	char *log;

	(void)state;
	log = start_with_acl("", "ALL");
	assert_non_null(strstr(log, "--op bind --mode target --tid 3 -I ALL"));
	free(log);
	/* killed between two binds: only the one left out is bound (tgtd
	 * refuses a rule it has) */
	log = start_with_acl("        10.0.0.1\n", "10.0.0.1, iqn.1993-08.org.example:host");
	assert_non_null(strstr(log, "--op bind --mode target --tid 3 -Q iqn.1993-08.org.example:host"));
	assert_null(strstr(log, "-I 10.0.0.1"));
	free(log);
	/* all there: no bind of an initiator (lunmap's anchor only) */
	log = start_with_acl("        ALL\n", "ALL");
	assert_null(strstr(log, "-I ALL"));
	assert_non_null(strstr(log, "--op bind --mode target --tid 3 -I lunmap-"));
	free(log);
}

/* Regression (found by the crash trials): an LU made whose identity
 * update failed, and whose deletion tgtd refused too, stayed in tgtd
 * with tgt's default serial while the step was said to be "rolled back"
 * (commitFailed, subsystem online). `delete_exit`: how tgtadm's deletion
 * ends (0 done, 22 refused, 107 no tgtd: the LU went with it). */
static void add_with_a_refused_identity(int delete_exit)
{
	char *dir = tu_tmpdir(), *tgtadm, *inv, *text, *img, *statedir, *calls, *log, *first;
	struct lm_core_opts o = { 0 };
	struct lm_core *c;
	struct lm_err err = { 0 };
	lm_hr hr;

	img = tu_sparse(dir, "a.img", 1 << 20);
	assert_true(asprintf(&calls, "%s/calls", dir) > 0);
	assert_true(asprintf(&first, "echo \"$*\" >>'%s'", calls) > 0);
	assert_true(asprintf(&text,
			     "*\" --op update \"*)\n"
			     "  echo 'tgtadm: out of memory' >&2; exit 22 ;;\n"
			     "*\" --op delete \"*)\n"
			     "  [ %d = 0 ] || echo 'tgtadm: out of memory' >&2; exit %d ;;\n",
			     delete_exit, delete_exit) > 0);
	tgtadm = fake_tgtadm(dir, first, 1, "echo '        ALL'", text);
	free(text);
	free(first);
	assert_true(asprintf(&statedir, "%s/state", dir) > 0);
	inv = tgtadm_inventory(dir, tgtadm, NULL, "ALL", img);
	o.inventory = inv;
	o.state_dir = statedir;
	assert_int_equal(lm_core_open(&o, &c, &err), LM_S_OK);
	hr = lm_associate_targets(c, lm_lun_id(lm_core_lun(c, 1)),
				  lm_target_id(lm_core_target(c, 1)), 1, NULL, &err);
	log = tu_read(calls, NULL);
	assert_non_null(log);
	/* the LU made was taken back */
	assert_non_null(strstr(log, "--op delete --mode logicalunit --tid 1 --lun 1"));
	if (delete_exit == 22) {
		assert_int_equal(hr, LM_VDS_E_PROVIDER_CACHE_CORRUPT);
		assert_int_equal(lm_core_status(c), LM_SUBSYS_CACHE_CORRUPT);
		/* what stays where comes first: a long reason may be cut */
		assert_non_null(strstr(err.msg, "left part of it: LU 1 of iqn.2026-11.org.example:t1 "
					       "stays without its identity"));
		assert_null(strstr(err.msg, "rolled back"));
	} else {
		assert_int_equal(hr, LM_E_FAIL);
		assert_int_equal(lm_core_status(c), LM_SUBSYS_ONLINE);
		assert_non_null(strstr(err.msg, "rolled back"));
	}
	assert_int_equal(lm_core_assoc_count(c), 0);
	lm_core_close(c);
	tu_rmtree(dir);
	free(dir);
	free(tgtadm);
	free(inv);
	free(img);
	free(statedir);
	free(calls);
	free(log);
}

static void test_a_refused_identity_is_taken_back(void **state)
{
	(void)state;
	add_with_a_refused_identity(0);
}

static void test_an_lu_that_cannot_be_taken_back_is_cache_corrupt(void **state)
{
	(void)state;
	add_with_a_refused_identity(22);
}

/* tgtd gone between the LU's "new" and its identity: the LU went with it,
 * so the step is not done (and the drift check re-applies what tgtd
 * lost, design §4), not cacheCorrupt */
static void test_an_lu_gone_with_tgtd_is_not_done(void **state)
{
	(void)state;
	add_with_a_refused_identity(107);
}

/* A tgtd played by files: tgtadm answers its list of targets from
 * DIR/lld, its listing from DIR/show, its statistics with the header
 * only, records every call in DIR/calls and succeeds otherwise. */
struct files_tgtd {
	char *dir, *tgtadm, *calls, *img, *statedir, *inv;
};

static void files_tgtd_write(struct files_tgtd *d, const struct r_target *t, size_t n)
{
	char *lld = r_lld(t, n), *show = r_show(t, n), *st = r_stat_target(&t[0]),
	     *sl = r_stat_lun(&t[0], 0);

	free(tu_write(d->dir, "lld", lld));
	free(tu_write(d->dir, "show", show));
	/* the statistics of the first target (the tests ask no other) */
	free(tu_write(d->dir, "stat.target", st));
	free(tu_write(d->dir, "stat.lun", sl));
	free(lld);
	free(show);
	free(st);
	free(sl);
}

/* The case arm that makes a call slow while a file of DIR ($d) exists. */
#define SLOW_NEW_ONCE                                                                      \
	"*\" --op new --mode logicalunit \"*)\n"                                             \
	"  [ -f \"$d/slow\" ] && { rm \"$d/slow\"; sleep 1; } ;;\n"
#define SLOW_UPDATE                                                                        \
	"*\" --op update --mode logicalunit \"*)\n"                                          \
	"  [ -f \"$d/slowupd\" ] && sleep 2 ;;\n"
#define SLOW_UPDATE_DELETE                                                                 \
	"*\" --op update --mode logicalunit \"*|*\" --op delete --mode logicalunit \"*)\n"   \
	"  [ -f \"$d/slowupd\" ] && sleep 2 ;;\n"

/* (Re)writes the files tgtd's tgtadm: `slow` as above, `arms` case arms
 * that answer before the files do (may be ""). */
static void files_tgtadm(struct files_tgtd *d, const char *slow, const char *arms)
{
	char *text;

	assert_true(asprintf(&text,
			     "#!/bin/sh\n"
			     "d='%s'\n"
			     "echo \"$*\" >>\"$d/calls\"\n"
			     "case \" $* \" in\n%sesac\n"
			     "case \" $* \" in\n"
			     "%s"
			     "*\" --op show --mode lld \"*) cat \"$d/lld\" ;;\n"
			     "*\" --op show \"*) cat \"$d/show\" ;;\n"
			     "*\" --op stat --mode target \"*) cat \"$d/stat.target\" ;;\n"
			     "*\" --op stat \"*) cat \"$d/stat.lun\" ;;\n"
			     "esac\n", d->dir, slow, arms) > 0);
	free(d->tgtadm);
	d->tgtadm = tu_write(d->dir, "tgtadm", text);
	free(text);
	assert_int_equal(chmod(d->tgtadm, 0700), 0);
}

static void files_tgtd(struct files_tgtd *d, const char *lun_path)
{
	d->dir = tu_tmpdir();
	d->tgtadm = NULL;
	d->img = tu_sparse(d->dir, "a.img", 1 << 20);
	assert_true(asprintf(&d->calls, "%s/calls", d->dir) > 0);
	assert_true(asprintf(&d->statedir, "%s/state", d->dir) > 0);
	files_tgtadm(d, SLOW_NEW_ONCE, "");
	d->inv = tgtadm_inventory(d->dir, d->tgtadm, NULL, "ALL", lun_path ? lun_path : d->img);
}

static void files_tgtd_free(struct files_tgtd *d)
{
	tu_rmtree(d->dir);
	free(d->dir);
	free(d->tgtadm);
	free(d->calls);
	free(d->img);
	free(d->statedir);
	free(d->inv);
}

static struct lm_core *files_core(struct files_tgtd *d)
{
	struct lm_core_opts o = { .inventory = d->inv, .state_dir = d->statedir };
	struct lm_core *c;
	struct lm_err err;

	assert_int_equal(lm_core_open(&o, &c, &err), LM_S_OK);
	return c;
}

/* tgtd with the one target of the inventory, t1 as tid 1 with LUN 0
 * only, bound to the address rule acl[0] (acl NULL: none). */
static void files_tgtd_t1(struct files_tgtd *d, struct r_target *t, struct r_lu lus[1], char id[40],
			  char sn[40], const char **acl)
{
	lus[0] = r_controller(1, id, sn);
	*t = (struct r_target){ .tid = 1, .name = "iqn.2026-11.org.example:t1", .driver = "iscsi",
				.state = "ready", .lus = lus, .nlus = 1, .acl_addr = acl,
				.naddr = acl ? 1 : 0 };
	files_tgtd_write(d, t, 1);
}

/* The tgt backend alone (no core) on this tgtd's tgtadm. */
static struct lm_backend *files_backend(struct files_tgtd *d, struct lm_backend_conf *conf)
{
	snprintf(conf->tgtadm, sizeof conf->tgtadm, "%s", d->tgtadm);
	return lm_tgt_new(conf);
}

/* tgtd restarted and made other targets: tid 1 is t9 now, t1 is tid 5. */
static void files_tgtd_restarted(struct files_tgtd *d, struct r_target t[2])
{
	t[1] = t[0];
	t[1].tid = 5;
	t[0].name = "iqn.2026-11.org.example:t9";
	files_tgtd_write(d, t, 2);
}

static void files_rm(struct files_tgtd *d, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", d->dir, name) > 0);
	unlink(p);
	free(p);
}

/* Issue #20: adds, removals and access changes addressed tgtd by the tid
 * of the last listing; after tgtd restarted and tgt-admin made other
 * targets, a change landed on whatever target held that tid now. A change
 * checks the tid first and finds the target again by name. */
static void test_a_change_finds_its_target_by_name(void **state)
{
	struct files_tgtd d;
	char id[2][40], sn[2][40];
	struct r_lu lus[1];
	struct r_target t[2];
	struct lm_core *c;
	struct lm_err err;
	char *log;

	(void)state;
	files_tgtd(&d, NULL);
	files_tgtd_t1(&d, &t[0], lus, id[0], sn[0], (const char *[]){ "ALL" });
	c = files_core(&d);
	files_tgtd_restarted(&d, t);
	free(tu_write(d.dir, "calls", ""));
	assert_int_equal(lm_associate_targets(c, lm_lun_id(lm_core_lun(c, 1)),
					      lm_target_id(lm_core_target(c, 1)), 1, NULL, &err),
			 LM_S_OK);
	log = tu_read(d.calls, NULL);
	assert_non_null(strstr(log, "--op new --mode logicalunit --tid 5 --lun 1"));
	assert_null(strstr(log, "--mode logicalunit --tid 1 "));
	/* asked with tgtd's list of targets, nothing written to tid 1 */
	assert_non_null(strstr(log, "--op show --mode lld"));
	assert_null(strstr(log, "--tid 1 "));
	free(log);
	lm_core_close(c);
	files_tgtd_free(&d);
}

/* Issue #20: an initiator logged in to t1 with an alias forging a whole
 * LU section (an LU on /etc/shadow) and a target line: the drift check
 * reads t1 exactly through lunmap's anchor and stays online. Without the
 * anchor in tgtd, lunmap binds it and reads again. */
static void test_the_anchor_reads_a_target_an_initiator_forges(void **state)
{
	struct files_tgtd d;
	char id[2][40], sn[2][40], anchor[LM_TGT_ANCHOR_MAX], *key, *log;
	struct r_lu lus[2];
	struct r_session ses[1];
	const char *acl[2] = { "ALL", anchor };
	struct r_target t;
	struct lm_core *c;
	struct lm_err err;

	(void)state;
	files_tgtd(&d, NULL);
	files_tgtd_t1(&d, &t, lus, id[0], sn[0], acl);
	t.sessions = ses;
	c = files_core(&d);
	{
		char path[4096];
		snprintf(path, sizeof path, "%s/anchor.key", d.statedir);
		key = tu_read(path, NULL);
		assert_non_null(key);
		key[32] = '\0';
	}
	/* lunmap bound the anchor at start (the fake did not keep it) */
	log = tu_read(d.calls, NULL);
	assert_non_null(strstr(log, "--op bind --mode target --tid 1 -I lunmap-"));
	free(log);
	lm_tgt_anchor(key, t.name, anchor);
	assert_int_equal(lm_associate_targets(c, lm_lun_id(lm_core_lun(c, 1)),
					      lm_target_id(lm_core_target(c, 1)), 1, NULL, &err),
			 LM_S_OK);
	lus[1] = r_disk(1, 1, d.img, "x", "y", id[1], sn[1]);
	{
		char hex[33];
		lm_guid_hex(lm_lun_id(lm_core_lun(c, 1)), hex);
		lus[1].scsi_id = lus[1].scsi_sn = hex;
		t.nlus = 2;
		t.naddr = 2;
		ses[0] = (struct r_session){ 1, "iqn.2026-11.org.evil:i",
					     "z\nTarget 1: iqn.2026-11.org.example:t3\n    LUN information:\n"
					     "        LUN: 0\n", 0, "127.0.0.1" };
		t.nsessions = 1;
		files_tgtd_write(&d, &t, 1);
		assert_int_equal(lm_core_check(c, &err), LM_S_OK);
		assert_int_equal(lm_core_status(c), LM_SUBSYS_ONLINE);
	}
	lm_core_close(c);
	free(key);
	files_tgtd_free(&d);
}

/* An LU add tgtd did not answer in time leaves its undo queued; the next
 * request sends it first, after asking tgtd's list for the tid: that
 * asking must not flush the queue again (it recursed until the stack
 * overflowed: found by tgt_backend.sh under load). */
static void test_an_undo_is_sent_once_its_tid_is_asked(void **state)
{
	struct files_tgtd d;
	struct lm_backend_conf conf = { .type = "tgt", .transport = "tgtadm", .timeout_ms = 300 };
	struct lm_target target = { .iqn = "iqn.2026-11.org.example:t1" };
	struct lm_lun lun = { .name = "a" };
	char id[40], sn[40], *log;
	struct r_lu lus[1];
	struct r_target t;
	struct lm_backend *b;
	struct lm_err err;

	(void)state;
	files_tgtd(&d, NULL);
	lun.path = d.img;
	files_tgtd_t1(&d, &t, lus, id, sn, NULL);
	b = files_backend(&d, &conf);
	free(tu_write(d.dir, "slow", ""));
	assert_int_not_equal(b->ops->add_lu(b, &target, 1, &lun, &err), LM_S_OK);
	assert_non_null(strstr(err.msg, "did not answer"));
	/* the next request sends the queued deletion first */
	assert_int_equal(b->ops->add_lu(b, &target, 2, &lun, &err), LM_S_OK);
	log = tu_read(d.calls, NULL);
	assert_non_null(strstr(log, "--op delete --mode logicalunit --tid 1 --lun 1"));
	free(log);
	lm_backend_destroy(b);
	files_tgtd_free(&d);
}

/* A take-back queued because no time was left to send it (a slow
 * identity update used up the SET) goes, after tgtd restarted with other
 * targets, to the target of its name, not to the tid it had. */
static void test_a_queued_takeback_finds_its_target_by_name(void **state)
{
	struct files_tgtd d;
	struct lm_backend_conf conf = { .type = "tgt", .transport = "tgtadm", .timeout_ms = 300 };
	struct lm_target target = { .iqn = "iqn.2026-11.org.example:t1" };
	struct lm_lun lun = { .name = "a" };
	char id[2][40], sn[2][40], *log;
	struct r_lu lus[1];
	struct r_target t[2];
	struct lm_backend *b;
	struct lm_err err;

	(void)state;
	files_tgtd(&d, NULL);
	lun.path = d.img;
	/* a tgtadm whose identity update is slow while DIR/slowupd exists */
	files_tgtadm(&d, SLOW_UPDATE, "");
	files_tgtd_t1(&d, &t[0], lus, id[0], sn[0], NULL);
	b = files_backend(&d, &conf);
	free(tu_write(d.dir, "slowupd", ""));
	b->ops->set_deadline(b, lm_now_ms() + 600);
	assert_int_not_equal(b->ops->add_lu(b, &target, 1, &lun, &err), LM_S_OK);
	assert_int_equal(b->ops->pending(b), 1);
	files_rm(&d, "slowupd");
	files_tgtd_restarted(&d, t);
	free(tu_write(d.dir, "calls", ""));
	b->ops->set_deadline(b, LM_NO_DEADLINE);
	assert_int_equal(b->ops->flush(b, &err), LM_S_OK);
	log = tu_read(d.calls, NULL);
	assert_null(strstr(log, "--op delete --mode logicalunit --tid 1 "));
	assert_non_null(strstr(log, "--op delete --mode logicalunit --tid 5 --lun 1"));
	free(log);
	lm_backend_destroy(b);
	files_tgtd_free(&d);
}

/* Take-backs drained by another request (every tgt request sends them
 * first: here the IETF MIBs' look) leave the subsystem online at the next
 * check, not offline for good. */
static void test_takebacks_drained_elsewhere_end_offline(void **state)
{
	struct files_tgtd d;
	char id[1][40], sn[1][40];
	struct r_lu lus[1];
	struct r_target t[1];
	struct lm_core *c;
	struct lm_err err;
	struct lm_observation obs = { 0 };
	lm_hr hr;

	(void)state;
	files_tgtd(&d, NULL);
	files_tgtadm(&d, SLOW_UPDATE_DELETE, "*\" --op show --mode conn\"*) ;;\n");
	files_tgtd_t1(&d, &t[0], lus, id[0], sn[0], (const char *[]){ "ALL" });
	c = files_core(&d);
	free(tu_write(d.dir, "slowupd", ""));
	lm_core_set_deadline(c, lm_now_ms() + 600);
	hr = lm_associate_targets(c, lm_lun_id(lm_core_lun(c, 1)),
				  lm_target_id(lm_core_target(c, 1)), 1, NULL, &err);
	assert_true(lm_failed(hr));
	lm_core_set_deadline(c, LM_NO_DEADLINE);
	assert_int_equal(lm_core_status(c), LM_SUBSYS_OFFLINE);
	files_rm(&d, "slowupd");
	/* the look drains the queue (every tgt request flushes first) */
	assert_int_equal(lm_core_observe(c, NULL, LM_NO_DEADLINE, &obs, &err), LM_S_OK);
	lm_observation_clear(&obs);
	hr = lm_core_check(c, &err);
	assert_int_equal(hr, LM_S_OK);
	assert_int_equal(lm_core_status(c), LM_SUBSYS_ONLINE);
	lm_core_close(c);
	files_tgtd_free(&d);
}

/* Issue #20: a naa. initiator passed the inventory but was bound as an
 * initiator address (tgtd parses it as an IP address: it never matches),
 * so that initiator could never log in. It is bound by name. */
static void test_a_naa_initiator_is_bound_by_name(void **state)
{
	char *log;

	(void)state;
	log = start_with_acl("", "naa.6001405abcdef0123456789abcdef012");
	assert_non_null(strstr(log, "-Q naa.6001405abcdef0123456789abcdef012"));
	assert_null(strstr(log, "-I naa."));
	free(log);
}

/* Issue #20: no value that tgtd would split reaches it, whichever way it
 * comes (a LUN path in a state or inventory another version accepted). */
static void test_a_path_that_is_an_option_never_reaches_tgtd(void **state)
{
	struct files_tgtd d;
	struct lm_backend_conf conf = { .type = "tgt", .transport = "tgtadm", .timeout_ms = 5000 };
	struct lm_target target = { .iqn = "iqn.2026-11.org.example:t1" };
	struct lm_lun lun = { .name = "vm1", .path = "/srv/img/vm1.img,path=/srv/img/secret.img" };
	char id[40], sn[40];
	struct r_lu lus[1];
	struct r_target t;
	struct lm_backend *b;
	struct lm_err err;
	char *log;

	(void)state;
	files_tgtd(&d, NULL);
	files_tgtd_t1(&d, &t, lus, id, sn, NULL);
	b = files_backend(&d, &conf);
	assert_non_null(b);
	assert_int_equal(b->ops->add_lu(b, &target, 1, &lun, &err), LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "byte 17 is ','"));
	log = tu_read(d.calls, NULL);
	assert_null(strstr(log, "secret"));
	free(log);
	lm_backend_destroy(b);
	files_tgtd_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_arguments_are_not_split_by_a_shell),
		cmocka_unit_test(test_a_hung_program_is_killed),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_long_output_is_kept_whole),
		cmocka_unit_test(test_output_lost_for_memory_is_said),
		cmocka_unit_test(test_tgt_enumerate_fails_on_a_cut_listing),
		cmocka_unit_test(test_reload_changes_the_deadline_of_a_step),
		cmocka_unit_test(test_start_binds_a_target_left_unbound),
		cmocka_unit_test(test_a_refused_identity_is_taken_back),
		cmocka_unit_test(test_an_lu_that_cannot_be_taken_back_is_cache_corrupt),
		cmocka_unit_test(test_an_lu_gone_with_tgtd_is_not_done),
		cmocka_unit_test(test_a_change_finds_its_target_by_name),
		cmocka_unit_test(test_the_anchor_reads_a_target_an_initiator_forges),
		cmocka_unit_test(test_a_naa_initiator_is_bound_by_name),
		cmocka_unit_test(test_an_undo_is_sent_once_its_tid_is_asked),
		cmocka_unit_test(test_a_path_that_is_an_option_never_reaches_tgtd),
		cmocka_unit_test(test_a_queued_takeback_finds_its_target_by_name),
		cmocka_unit_test(test_takebacks_drained_elsewhere_end_offline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
