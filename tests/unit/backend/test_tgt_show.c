/* SPDX-License-Identifier: BSD-3-Clause */
/* The reader of tgtd's listing (show.c) and of its peer-free texts
 * (census.c), on stacks rendered as tgtd 1.0.85 prints them
 * (tests/fuzz/tgt_render.c; the formats were checked against a live
 * tgtd). Issue #20: text an initiator or an administrator chose can
 * neither move nor hide a target or an LU, nor make the listing refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "census.h"
#include "show.h"
#include "tgt_render.h"

#define T1 "iqn.2026-11.org.example:t1"
#define T2 "iqn.2026-11.org.example:t2"
#define T3 "iqn.2026-11.org.example:t3"
#define KEY "0123456789abcdef0123456789abcdef"

/* A small stack: t1 (tid 1) with LUN 0 and two disks, t3 (tid 3) with
 * LUN 0 and one; both let every initiator in; anchors bound. */
struct fx {
	char id[8][40], sn[8][40], anchor[2][LM_TGT_ANCHOR_MAX];
	struct r_lu lus1[4], lus3[3];
	const char *acl1[3], *acl3[3];
	struct r_session s1[4], s3[2];
	struct r_target t[2];
	struct lm_tgt_lld lld;
	const char *anchors[2];
};

static void fx_init(struct fx *f, bool anchored)
{
	memset(f, 0, sizeof *f);
	lm_tgt_anchor(KEY, T1, f->anchor[0]);
	lm_tgt_anchor(KEY, T3, f->anchor[1]);
	f->lus1[0] = r_controller(1, f->id[0], f->sn[0]);
	f->lus1[1] = r_disk(1, 1, "/srv/a.img", "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02",
			    "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02", f->id[1], f->sn[1]);
	f->lus1[2] = r_disk(1, 2, "/srv/b c.img", NULL, NULL, f->id[2], f->sn[2]);
	f->lus3[0] = r_controller(3, f->id[3], f->sn[3]);
	f->lus3[1] = r_disk(3, 4, "/srv/a.img", "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02",
			    "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02", f->id[4], f->sn[4]);
	f->acl1[0] = "ALL";
	f->acl1[1] = f->anchor[0];
	f->acl3[0] = "ALL";
	f->acl3[1] = f->anchor[1];
	f->t[0] = (struct r_target){ .tid = 1, .name = T1, .driver = "iscsi", .state = "ready",
				     .sessions = f->s1, .lus = f->lus1, .nlus = 3,
				     .acl_addr = f->acl1, .naddr = anchored ? 2 : 1 };
	f->t[1] = (struct r_target){ .tid = 3, .name = T3, .driver = "iscsi", .state = "ready",
				     .sessions = f->s3, .lus = f->lus3, .nlus = 2,
				     .acl_addr = f->acl3, .naddr = anchored ? 2 : 1 };
	f->anchors[0] = f->anchor[0];
	f->anchors[1] = f->anchor[1];
}

/* a session of initiator name with alias (NULL: none) */
static void fx_session(struct r_target *t, uint64_t tsih, const char *name, const char *alias)
{
	t->sessions[t->nsessions++] = (struct r_session){ tsih, name, alias, 0, "127.0.0.1" };
}

/* The listing of the fixture, read against its list and anchors. */
static void fx_read(struct fx *f, struct lm_tgt_show_result *r)
{
	char *lld = r_lld(f->t, 2), *show = r_show(f->t, 2);
	struct lm_err err;

	assert_int_equal(lm_tgt_lld_parse(lld, &f->lld, &err), LM_S_OK);
	assert_int_equal(lm_tgt_parse_show(show, &f->lld, f->anchors, r, &err), LM_S_OK);
	free(lld);
	free(show);
}

/* As the backend does: tgtd's statistics (they list a target's LUs only
 * while it has a session) settle a target read two ways. */
static void fx_confirm(struct fx *f, struct lm_tgt_show_result *r)
{
	for (size_t i = 0; i < 2; i++) {
		uint32_t numbers[8];
		size_t n = 0;
		for (size_t k = 0; f->t[i].nsessions && k < f->t[i].nlus; k++)
			numbers[n++] = (uint32_t)f->t[i].lus[k].number;
		lm_tgt_show_confirm(r, i, numbers, n);
	}
}

static void fx_done(struct fx *f, struct lm_tgt_show_result *r)
{
	lm_tgt_show_result_free(r);
	lm_tgt_lld_free(&f->lld);
}

/* t1 and t3 read as they are */
static void expect_truth(const struct lm_tgt_show_result *r)
{
	const struct lm_stack_target *t1 = &r->stack.targets[0], *t3 = &r->stack.targets[1];

	assert_int_equal(r->stack.ntargets, 2);
	assert_false(r->stale);
	assert_int_equal(r->info[0].read, LM_TGT_READ);
	assert_int_equal(r->info[1].read, LM_TGT_READ);
	assert_null(t1->unread);
	assert_string_equal(t1->iqn, T1);
	assert_int_equal(t1->nlus, 2);
	assert_int_equal(t1->lus[0].number, 1);
	assert_string_equal(t1->lus[0].path, "/srv/a.img");
	assert_string_equal(t1->lus[0].serial, "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02");
	assert_int_equal(t1->lus[0].readonly, 0);
	assert_int_equal(t1->lus[1].number, 2);
	assert_string_equal(t1->lus[1].path, "/srv/b c.img");
	assert_string_equal(t1->lus[1].serial, "beaf12");
	assert_string_equal(t1->acl, "ALL");
	assert_string_equal(t3->iqn, T3);
	assert_int_equal(t3->nlus, 1);
	assert_int_equal(t3->lus[0].number, 4);
	assert_string_equal(t3->acl, "ALL");
}

static void test_a_quiet_stack_is_read_whole(void **state)
{
	struct fx f;
	struct lm_tgt_show_result r;

	(void)state;
	fx_init(&f, false);
	fx_read(&f, &r);
	expect_truth(&r);
	assert_true(r.info[0].sessions_known);
	assert_int_equal(r.stack.targets[0].sessions, 0);
	assert_int_equal(r.info[0].tid, 1);
	assert_int_equal(r.info[1].tid, 3);
	fx_done(&f, &r);
}

/* Issue #20: "every alias with one newline, and most long aliases
 * without one, make the parser refuse the whole listing" (a denial of
 * management by anyone who can reach the portal). Before, each of these
 * listings was refused. */
static void test_an_alias_never_makes_the_listing_refused(void **state)
{
	static char long_alias[1100];
	const char *aliases[] = {
		"z\n" "Target 3: " T3,
		"one\nnewline",
		long_alias,
		"\n    LUN information:\n        LUN: 9\n",
		"x\n    Account information:\n    ACL information:\n        ALL\n"
		"Target 2: " T2 "\n    System information:\n",
	};

	(void)state;
	memset(long_alias, 'a', sizeof long_alias - 1);
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		struct fx f;
		struct lm_tgt_show_result r;
		fx_init(&f, true);
		fx_session(&f.t[0], 1, "iqn.2026-11.org.evil:i", aliases[i]);
		fx_read(&f, &r);
		fx_confirm(&f, &r);
		expect_truth(&r);
		/* the target with the session is in use, the other not */
		assert_true(r.stack.targets[0].sessions >= 1);
		fx_done(&f, &r);
	}
}

/* An alias cut at 1,023 bytes: tgtd's next line follows it on the same
 * line ("...aaa    LUN information:"). */
static void test_a_cut_session_text_is_read_around(void **state)
{
	static char alias[1200];

	(void)state;
	for (size_t len = 940; len < 1000; len++) {
		struct fx f;
		struct lm_tgt_show_result r;
		memset(alias, 'q', len);
		alias[len] = '\0';
		fx_init(&f, true);
		fx_session(&f.t[0], 1, "iqn.2026-11.org.evil:i", alias);
		fx_session(&f.t[1], 2, "iqn.2026-11.org.evil:i", alias);
		fx_read(&f, &r);
		fx_confirm(&f, &r);
		expect_truth(&r);
		fx_done(&f, &r);
	}
}

/* Without anchors a target after an initiator's text is not read (never
 * guessed at): the ambiguity costs that target's reading, no other. */
static void test_without_an_anchor_a_target_after_a_session_is_not_read(void **state)
{
	struct fx f;
	struct lm_tgt_show_result r;

	(void)state;
	fx_init(&f, false);
	fx_session(&f.t[0], 1, "iqn.2026-11.org.evil:i", "z\n" "Target 3: " T3);
	fx_read(&f, &r);
	assert_int_equal(r.info[0].read, LM_TGT_UNCERTAIN);
	assert_int_equal(r.info[1].read, LM_TGT_UNCERTAIN);
	assert_non_null(r.stack.targets[0].unread);
	assert_int_equal(r.stack.targets[0].nlus, 0);
	assert_null(r.stack.targets[0].acl);
	/* taken as in use until tgtd's statistics tell */
	assert_int_equal(r.stack.targets[1].sessions, 1);
	assert_false(r.info[1].sessions_known);
	fx_done(&f, &r);
	/* a session on the last target costs only that one */
	fx_init(&f, false);
	fx_session(&f.t[1], 2, "iqn.2026-11.org.evil:i", "x\n    LUN information:");
	fx_read(&f, &r);
	assert_int_equal(r.info[0].read, LM_TGT_READ);
	assert_int_equal(r.stack.targets[0].nlus, 2);
	assert_int_equal(r.info[1].read, LM_TGT_UNCERTAIN);
	fx_done(&f, &r);
}

/* Issue #20: a backing store path "/a\n        LUN: 9\n Backing store
 * path: /b" added a forged LU 9 to its target. */
static void test_a_path_cannot_add_an_lu(void **state)
{
	const char *paths[] = {
		"/srv/x\n        LUN: 9\n            Backing store path: /srv/lunmap/db.img",
		"/srv/a.img\n            x",
		"/srv/x\n            Backing store path: /srv/a.img",
	};

	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct fx f;
		struct lm_tgt_show_result r;
		fx_init(&f, true);
		f.lus1[2].path = paths[i];
		fx_read(&f, &r);
		/* t1 is not read: no LU 9, no second path; t3 is */
		assert_int_equal(r.info[0].read, LM_TGT_UNREADABLE);
		assert_int_equal(r.stack.targets[0].nlus, 0);
		assert_int_equal(r.info[1].read, LM_TGT_READ);
		assert_int_equal(r.stack.targets[1].nlus, 1);
		fx_done(&f, &r);
	}
}

/* Issue #20: the last LU's path, or a CHAP account's name, carrying
 * "Account information:", "ACL information:" and "Target 2: ..." lines
 * forged a whole target with an LU on /etc/shadow and an ALL ACL for the
 * real one. tgtd's list has no target 2: nothing is forged. */
static void test_a_path_or_account_cannot_forge_a_target(void **state)
{
	static const char forged[] =
		"\n            Backing store flags: \n    Account information:\n    ACL information:\n"
		"        ALL\nTarget 2: " T2 "\n    System information:\n        Driver: iscsi\n"
		"        State: ready\n    I_T nexus information:\n    LUN information:\n"
		"        LUN: 1\n            Type: disk\n            SCSI ID: x\n            SCSI SN: y\n"
		"            Size: 1 MB, Block size: 512\n            Online: Yes\n"
		"            Removable media: No\n            Prevent removal: No\n"
		"            Readonly: No\n            SWP: No\n            Thin-provisioning: No\n"
		"            Backing store type: rdwr\n            Backing store path: /etc/shadow";
	char path[2048], account[2048];
	const char *accounts[1] = { account };

	(void)state;
	snprintf(path, sizeof path, "/srv/b c.img%s", forged);
	snprintf(account, sizeof account, "bob%s", forged + strlen("\n            Backing store flags: "));
	for (int how = 0; how < 2; how++) {
		struct fx f;
		struct lm_tgt_show_result r;
		fx_init(&f, true);
		f.acl1[0] = "10.0.0.1";
		if (how == 0) {
			f.lus1[2].path = path;
		} else {
			f.t[0].accounts = accounts;
			f.t[0].naccounts = 1;
		}
		fx_read(&f, &r);
		assert_int_equal(r.stack.ntargets, 2);
		assert_null(lm_stack_find_target(&r.stack, T2));
		for (size_t i = 0; i < 2; i++)
			for (size_t k = 0; k < r.stack.targets[i].nlus; k++)
				assert_string_not_equal(r.stack.targets[i].lus[k].path, "/etc/shadow");
		/* t1's ACL is its own or unknown, never a forged ALL */
		assert_true(!r.stack.targets[0].acl || strcmp(r.stack.targets[0].acl, "10.0.0.1") == 0);
		assert_int_equal(r.info[1].read, LM_TGT_READ);
		assert_int_equal(r.stack.targets[1].nlus, 1);
		fx_done(&f, &r);
	}
}

/* Issue #20: a serial "x\n        LUN: 9" renumbered its LU. */
static void test_a_serial_cannot_renumber_an_lu(void **state)
{
	struct fx f;
	struct lm_tgt_show_result r;

	(void)state;
	fx_init(&f, true);
	f.lus1[2].scsi_sn = "x\n        LUN: 9";
	fx_read(&f, &r);
	for (size_t k = 0; k < r.stack.targets[0].nlus; k++)
		assert_int_not_equal(r.stack.targets[0].lus[k].number, 9);
	assert_int_equal(r.info[0].read, LM_TGT_UNREADABLE);
	assert_int_equal(r.info[1].read, LM_TGT_READ);
	fx_done(&f, &r);
}

/* An initiator that forges t1's whole LU section (with an LU on
 * /etc/shadow) before the real one: the reading that reaches t1's anchor
 * is the real one; a forged one dies at the real lines. */
static void test_a_forged_lu_section_dies_at_the_real_one(void **state)
{
	char alias[1600], lun0[600];
	struct fx f;
	struct lm_tgt_show_result r;
	struct r_target one;
	char *text;

	(void)state;
	fx_init(&f, true);
	/* t1's LUN 0 as tgtd prints it, and a forged LU after it */
	one = f.t[0];
	one.nlus = 1;
	one.naddr = 0;
	text = r_show(&one, 1);
	snprintf(lun0, sizeof lun0, "%s", strstr(text, "        LUN: 0"));
	*strstr(lun0, "    Account information:") = '\0';
	free(text);
	snprintf(alias, sizeof alias,
		 "x\n    LUN information:\n%s        LUN: 7\n            Type: disk\n"
		 "            SCSI ID: a\n            SCSI SN: b\n            Size: 1 MB, Block size: 512\n"
		 "            Online: Yes\n            Removable media: No\n            Prevent removal: No\n"
		 "            Readonly: No\n            SWP: No\n            Thin-provisioning: No\n"
		 "            Backing store type: rdwr\n            Backing store path: /etc/shadow\n"
		 "            Backing store flags: ", lun0);
	fx_session(&f.t[0], 1, "iqn.2026-11.org.evil:i", alias);
	fx_read(&f, &r);
	/* a reading that had begun its LUs died: confirmed by statistics */
	assert_int_equal(r.info[0].read, LM_TGT_PENDING);
	fx_confirm(&f, &r);
	expect_truth(&r);
	fx_done(&f, &r);
}

/* An administrator's name that forges a second LU section after the real
 * one (killing it): two readings; tgtd's statistics (numbers only) pick
 * the one with the LUs tgtd has, or none. */
static void test_two_readings_are_confirmed_by_statistics(void **state)
{
	char account[1200], *text, lun0[600];
	const char *accounts[1] = { account };
	struct fx f;
	struct lm_tgt_show_result r;
	struct r_target one;
	const uint32_t real[] = { 0, 1, 2 }, other[] = { 0, 5 };

	(void)state;
	fx_init(&f, true);
	one = f.t[0];
	one.nlus = 1;
	one.naddr = 0;
	text = r_show(&one, 1);
	snprintf(lun0, sizeof lun0, "%s", strstr(text, "        LUN: 0"));
	*strstr(lun0, "    Account information:") = '\0';
	free(text);
	/* "bob\n    LUN information:\n" + LUN 0: the real reading dies there */
	snprintf(account, sizeof account, "bob\n    LUN information:\n%s    Account information:", lun0);
	f.t[0].accounts = accounts;
	f.t[0].naccounts = 1;
	fx_session(&f.t[0], 1, "iqn.2026-11.org.x:i", NULL);
	fx_read(&f, &r);
	assert_int_equal(r.info[0].read, LM_TGT_PENDING);
	assert_non_null(r.stack.targets[0].unread);
	lm_tgt_show_confirm(&r, 0, real, 3);
	/* the forged reading has LUN 0 only: not it, and the real one is
	 * dead: unreadable, never the forgery */
	assert_int_equal(r.info[0].read, LM_TGT_UNREADABLE);
	fx_done(&f, &r);

	/* statistics that show no session (it logged out) cannot tell: it
	 * stays pending until the backend gives up */
	fx_init(&f, true);
	f.t[0].accounts = accounts;
	f.t[0].naccounts = 1;
	fx_session(&f.t[0], 1, "iqn.2026-11.org.x:i", NULL);
	fx_read(&f, &r);
	lm_tgt_show_confirm(&r, 0, real, 0);
	assert_int_equal(r.info[0].read, LM_TGT_PENDING);
	lm_tgt_show_confirm(&r, 0, other, 2);
	assert_int_equal(r.info[0].read, LM_TGT_UNREADABLE);
	assert_int_equal(r.stack.targets[0].nlus, 0);
	fx_done(&f, &r);
}

/* tgtd's list against the listing: a target made or deleted between the
 * two requests says "read again", never a phantom. */
/* f's first nlld targets in tgtd's list, its first nshow in the listing,
 * read: the reading is stale. */
static void read_changed_list(struct fx *f, size_t nlld, size_t nshow, struct lm_tgt_show_result *r)
{
	char *lld = r_lld(f->t, nlld), *show = r_show(f->t, nshow);
	struct lm_err err;

	assert_int_equal(lm_tgt_lld_parse(lld, &f->lld, &err), LM_S_OK);
	assert_int_equal(lm_tgt_parse_show(show, &f->lld, f->anchors, r, &err), LM_S_OK);
	assert_true(r->stale);
	free(lld);
	free(show);
}

static void test_a_list_that_changed_is_stale(void **state)
{
	struct fx f;
	struct lm_tgt_show_result r;

	(void)state;
	fx_init(&f, true);
	/* t1's text ends at a header tgtd's list does not have: not read
	 * this time, read again */
	read_changed_list(&f, 1, 2, &r);
	assert_int_equal(r.stack.ntargets, 1);
	assert_int_not_equal(r.info[0].read, LM_TGT_READ);
	fx_done(&f, &r);

	read_changed_list(&f, 2, 1, &r);
	assert_int_equal(r.info[1].read, LM_TGT_UNCERTAIN);
	fx_done(&f, &r);
}

static void test_census_texts(void **state)
{
	struct lm_tgt_lld l;
	struct lm_tgt_stat_line *v;
	size_t n;
	struct lm_err err;

	(void)state;
	assert_int_equal(lm_tgt_lld_parse("LLDs:\n    iscsi: ready\n        Target 3: " T3 "\n"
					  "        Target 1: " T1 "\n    iser: error\n", &l, &err),
			 LM_S_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].tid, 1);
	assert_string_equal(l.v[0].name, T1);
	assert_true(l.v[0].accounts);
	assert_non_null(lm_tgt_lld_by_name(&l, T3));
	assert_null(lm_tgt_lld_find(&l, 2));
	lm_tgt_lld_free(&l);
	/* a name tgtd would never make: not tgtd's list */
	assert_int_equal(lm_tgt_lld_parse("LLDs:\n    iscsi: ready\n        Target 1: a b\n", &l, &err),
			 LM_E_FAIL);
	assert_int_equal(lm_tgt_lld_parse("System:\n", &l, &err), LM_E_FAIL);
	assert_int_equal(lm_tgt_stat_parse("tgt lun sid rd_subm(bytes,cmds) x\n"
					   "  1   0   4            0      0 0\n"
					   "  1   2   4            0      0 0\n", &v, &n, &err),
			 LM_S_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].lun, 2);
	assert_int_equal(v[1].sid, 4);
	free(v);
	assert_int_equal(lm_tgt_stat_parse("tgt lun sid x\n  1 junk\n", &v, &n, &err), LM_E_FAIL);
}

/* text fed in pieces of k bytes, as the socket hands it over */
static void read_in_pieces(struct fx *f, const char *text, size_t len, size_t k,
			   struct lm_tgt_show_result *r)
{
	struct lm_tgt_show *sh = lm_tgt_show_new(&f->lld, f->anchors);
	struct lm_err err;

	assert_non_null(sh);
	for (size_t at = 0; at < len; at += k)
		assert_int_equal(lm_tgt_show_feed(sh, text + at, len - at < k ? len - at : k), 0);
	assert_int_equal(lm_tgt_show_end(sh, r, &err), LM_S_OK);
}

/* The listing read as it arrives, a piece at a time, is the listing read
 * whole; text after a NUL is not read. */
static void test_pieces_are_the_whole(void **state)
{
	const size_t sizes[] = { 1, 2, 7, 64, 4096 };
	struct fx f;
	char *lld, *show, *withnul;
	size_t len;
	struct lm_err err;

	(void)state;
	fx_init(&f, true);
	fx_session(&f.t[0], 1, "iqn.2026-11.org.evil:i", "z\nTarget 3: " T3);
	lld = r_lld(f.t, 2);
	show = r_show(f.t, 2);
	len = strlen(show);
	assert_int_equal(lm_tgt_lld_parse(lld, &f.lld, &err), LM_S_OK);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct lm_tgt_show_result r;
		read_in_pieces(&f, show, len, sizes[i], &r);
		fx_confirm(&f, &r);
		expect_truth(&r);
		lm_tgt_show_result_free(&r);
	}
	/* a NUL ends the text: t3 is then missing (stale) */
	withnul = strdup(show);
	/* t3's header, not the alias's forged one */
	*strstr(strstr(withnul, "        " LM_TGT_ANCHOR_PREFIX), "Target 3") = '\0';
	memcpy(withnul + strlen(withnul), "\0", 1);
	{
		struct lm_tgt_show_result r;
		read_in_pieces(&f, withnul, len, 5, &r);
		assert_int_equal(r.info[0].read, LM_TGT_READ);
		assert_true(r.stale);
		lm_tgt_show_result_free(&r);
	}
	free(withnul);
	free(lld);
	free(show);
	lm_tgt_lld_free(&f.lld);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_quiet_stack_is_read_whole),
		cmocka_unit_test(test_an_alias_never_makes_the_listing_refused),
		cmocka_unit_test(test_a_cut_session_text_is_read_around),
		cmocka_unit_test(test_without_an_anchor_a_target_after_a_session_is_not_read),
		cmocka_unit_test(test_a_path_cannot_add_an_lu),
		cmocka_unit_test(test_a_path_or_account_cannot_forge_a_target),
		cmocka_unit_test(test_a_serial_cannot_renumber_an_lu),
		cmocka_unit_test(test_a_forged_lu_section_dies_at_the_real_one),
		cmocka_unit_test(test_two_readings_are_confirmed_by_statistics),
		cmocka_unit_test(test_a_list_that_changed_is_stale),
		cmocka_unit_test(test_census_texts),
		cmocka_unit_test(test_pieces_are_the_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
