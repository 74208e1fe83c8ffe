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

#include "show.h"

/* Captured from tgtd 1.0.85 (Debian 12): a target with a controller LU and
 * two disks, one with a space in its path; a target with no LUN but the
 * controller. */
static const char two_targets[] =
	"Target 1: iqn.2026-11.org.example:t1\n"
	"    System information:\n"
	"        Driver: iscsi\n"
	"        State: ready\n"
	"    I_T nexus information:\n"
	"    LUN information:\n"
	"        LUN: 0\n"
	"            Type: controller\n"
	"            SCSI ID: IET     00010000\n"
	"            SCSI SN: beaf10\n"
	"            Size: 0 MB, Block size: 1\n"
	"            Online: Yes\n"
	"            Removable media: No\n"
	"            Prevent removal: No\n"
	"            Readonly: No\n"
	"            SWP: No\n"
	"            Thin-provisioning: No\n"
	"            Backing store type: null\n"
	"            Backing store path: None\n"
	"            Backing store flags: \n"
	"        LUN: 1\n"
	"            Type: disk\n"
	"            SCSI ID: abc\n"
	"            SCSI SN: def0123\n"
	"            Size: 8 MB, Block size: 512\n"
	"            Online: Yes\n"
	"            Removable media: No\n"
	"            Prevent removal: No\n"
	"            Readonly: No\n"
	"            SWP: No\n"
	"            Thin-provisioning: No\n"
	"            Backing store type: rdwr\n"
	"            Backing store path: /tmp/tt/a.img\n"
	"            Backing store flags: \n"
	"        LUN: 2\n"
	"            Type: disk\n"
	"            SCSI ID: IET     00010002\n"
	"            SCSI SN: beaf12\n"
	"            Size: 4 MB, Block size: 512\n"
	"            Online: Yes\n"
	"            Backing store type: rdwr\n"
	"            Backing store path: /tmp/tt/b c.img\n"
	"            Backing store flags: \n"
	"    Account information:\n"
	"    ACL information:\n"
	"        ALL\n"
	"Target 2: iqn.2026-11.org.example:t2\n"
	"    System information:\n"
	"        Driver: iscsi\n"
	"        State: ready\n"
	"    I_T nexus information:\n"
	"    LUN information:\n"
	"        LUN: 0\n"
	"            Type: controller\n"
	"            SCSI ID: IET     00020000\n"
	"            SCSI SN: beaf20\n"
	"            Size: 0 MB, Block size: 1\n"
	"            Backing store type: null\n"
	"            Backing store path: None\n"
	"            Backing store flags: \n"
	"    Account information:\n"
	"    ACL information:\n";

/* the sections around LUN information, as tgtd prints them */
#define HEAD "    System information:\n        Driver: iscsi\n        State: ready\n" \
	     "    I_T nexus information:\n"
#define TAIL "    Account information:\n    ACL information:\n        ALL\n"
#define CONTROLLER(tid) "        LUN: 0\n            Type: controller\n" \
	"            SCSI ID: IET     000" #tid "0000\n            Backing store path: None\n"
#define LU(n, path) "        LUN: " #n "\n            Type: disk\n" \
	"            SCSI ID: x\n            Backing store path: " path "\n"
/* what an initiator's login shows, with its name and alias verbatim */
#define NEXUS(alias) "        I_T nexus: 3\n            Initiator: iqn.2026-11.org.evil:i alias: " \
	alias "\n            Connection: 0\n                IP Address: 127.0.0.1\n"

static void test_targets_luns_and_odd_paths(void **state)
{
	struct lm_stack s;
	uint32_t *tids;
	struct lm_err err;

	(void)state;
	assert_int_equal(lm_tgt_parse_show(two_targets, &s, &tids, &err), LM_S_OK);
	assert_int_equal(s.ntargets, 2);
	assert_string_equal(s.targets[0].iqn, "iqn.2026-11.org.example:t1");
	assert_int_equal(tids[0], 1);
	assert_int_equal(s.targets[0].nlus, 2); /* the controller is left out */
	assert_int_equal(s.targets[0].lus[0].number, 1);
	assert_string_equal(s.targets[0].lus[0].path, "/tmp/tt/a.img");
	assert_int_equal(s.targets[0].lus[1].number, 2);
	assert_string_equal(s.targets[0].lus[1].path, "/tmp/tt/b c.img");
	assert_string_equal(s.targets[1].iqn, "iqn.2026-11.org.example:t2");
	assert_int_equal(tids[1], 2);
	assert_int_equal(s.targets[1].nlus, 0);
	/* t1 lets ALL in; t2's ACL is empty: made, never bound */
	assert_string_equal(s.targets[0].acl, "ALL");
	assert_string_equal(s.targets[1].acl, "");
	assert_true(lm_stack_acl_has(s.targets[0].acl, "ALL"));
	assert_false(lm_stack_acl_has(s.targets[1].acl, "ALL"));
	/* "Readonly: No" is read-write; an LU without the line is unknown */
	assert_int_equal(s.targets[0].lus[0].readonly, 0);
	assert_int_equal(s.targets[0].lus[1].readonly, -1);
	lm_stack_clear(&s);
	free(tids);
}

/* "Readonly: Yes" (tgtadm --params readonly=1) is the LU's, not the
 * controller's or the next LU's. */
static void test_readonly_line(void **state)
{
	const char *at = strstr(two_targets, "SCSI SN: def0123");
	const char *ro = strstr(at, "Readonly: No");
	/* one byte longer than the fixture: "Yes" replaces "No" */
	char *text = malloc(sizeof two_targets + 1);
	struct lm_stack s;
	uint32_t *tids;
	struct lm_err err;

	(void)state;
	assert_non_null(text);
	memcpy(text, two_targets, sizeof two_targets);
	memcpy(text + (ro - two_targets), "Readonly: Yes", 13);
	memmove(text + (ro - two_targets) + 13, ro + 12, strlen(ro + 12) + 1);
	assert_int_equal(lm_tgt_parse_show(text, &s, &tids, &err), LM_S_OK);
	assert_int_equal(s.targets[0].lus[0].readonly, 1);
	assert_int_equal(s.targets[0].lus[1].readonly, -1);
	lm_stack_clear(&s);
	free(tids);
	free(text);
}

static void test_empty_output(void **state)
{
	struct lm_stack s;
	uint32_t *tids;

	(void)state;
	assert_int_equal(lm_tgt_parse_show("", &s, &tids, NULL), LM_S_OK);
	assert_int_equal(s.ntargets, 0);
	free(tids);
}

static void test_many_luns_and_sparse_tids(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct lm_stack s;
	uint32_t *tids;

	(void)state;
	fprintf(f, "Target 17: iqn.2026-11.org.example:big\n" HEAD "    LUN information:\n");
	for (int i = 1; i <= 300; i++)
		fprintf(f, "        LUN: %d\n            Type: disk\n"
			   "            Backing store path: /srv/lun %d/disk:%d.img\n",
			i, i, i);
	fprintf(f, TAIL "Target 40: iqn.2026-11.org.example:small\n" HEAD "    LUN information:\n" TAIL);
	fclose(f);
	assert_int_equal(lm_tgt_parse_show(text, &s, &tids, NULL), LM_S_OK);
	assert_int_equal(s.ntargets, 2);
	assert_int_equal(tids[0], 17);
	assert_int_equal(tids[1], 40);
	assert_int_equal(s.targets[0].nlus, 300);
	assert_int_equal(s.targets[0].lus[299].number, 300);
	assert_string_equal(s.targets[0].lus[299].path, "/srv/lun 300/disk:300.img");
	assert_string_equal(s.targets[0].acl, "ALL");
	lm_stack_clear(&s);
	free(tids);
	free(text);
}

/* The ACL section's entries (addresses, initiator names, ALL); an empty
 * one lets nobody in: a target made and not yet bound. */
static void test_acl_entries(void **state)
{
	static const char text[] =
		"Target 1: iqn.2026-11.org.example:t1\n" HEAD
		"    LUN information:\n" CONTROLLER(1)
		"    Account information:\n"
		"    ACL information:\n"
		"        10.0.0.1\n"
		"        iqn.1993-08.org.debian:01:abc\n"
		"Target 2: iqn.2026-11.org.example:t2\n" HEAD
		"    LUN information:\n" CONTROLLER(2)
		"    Account information:\n"
		"    ACL information:\n";
	struct lm_stack s;
	uint32_t *tids;
	struct lm_err err;

	(void)state;
	assert_int_equal(lm_tgt_parse_show(text, &s, &tids, &err), LM_S_OK);
	assert_string_equal(s.targets[0].acl, "10.0.0.1,iqn.1993-08.org.debian:01:abc");
	assert_true(lm_stack_acl_has(s.targets[0].acl, "10.0.0.1"));
	assert_true(lm_stack_acl_has(s.targets[0].acl, "iqn.1993-08.org.debian:01:abc"));
	assert_false(lm_stack_acl_has(s.targets[0].acl, "10.0.0"));
	assert_false(lm_stack_acl_has(s.targets[0].acl, "ALL"));
	assert_string_equal(s.targets[1].acl, "");
	lm_stack_clear(&s);
	free(tids);
}

static void test_bad_target_line(void **state)
{
	struct lm_stack s;
	uint32_t *tids;
	struct lm_err err;

	(void)state;
	assert_int_equal(lm_tgt_parse_show("Target 1 without colon\n", &s, &tids, &err), LM_E_FAIL);
	assert_non_null(strstr(err.msg, "Target 1 without colon"));
	assert_null(tids);
	assert_int_equal(s.ntargets, 0);
}

/* Sessions: the I_T nexus entries of each target's own section (as
 * tgtd 1.0.85 shows a libiscsi initiator); an alias that forges a LUN or
 * a target line inside the section creates nothing. */
static void test_sessions_counted(void **state)
{
	static const char text[] =
		"Target 1: iqn.2026-11.org.example:x\n"
		"    System information:\n"
		"        Driver: iscsi\n"
		"        State: ready\n"
		"    I_T nexus information:\n"
		"        I_T nexus: 1\n"
		"            Initiator: iqn.2026-11.org.example:lunmap-probe alias: none\n"
		"            Connection: 0\n"
		"                IP Address: 127.0.0.1\n"
		"        I_T nexus: 2\n"
		"            Initiator: iqn.2026-11.org.example:other alias: x\n"
		"        LUN: 7\n"
		"            Backing store path: /forged.img\n"
		"            Connection: 0\n"
		"    LUN information:\n"
		"        LUN: 1\n"
		"            Backing store path: /tmp/a.img\n"
		"    Account information:\n"
		"    ACL information:\n"
		"        ALL\n"
		"Target 2: iqn.2026-11.org.example:y\n"
		"    System information:\n"
		"    I_T nexus information:\n"
		"    LUN information:\n"
		"    Account information:\n"
		"    ACL information:\n";
	struct lm_stack s;
	uint32_t *tids;
	struct lm_err err;

	(void)state;
	assert_int_equal(lm_tgt_parse_show(text, &s, &tids, &err), LM_S_OK);
	assert_int_equal(s.ntargets, 2);
	assert_int_equal(s.targets[0].sessions, 2);
	assert_int_equal(s.targets[0].nlus, 1);
	assert_int_equal(s.targets[0].lus[0].number, 1);
	assert_int_equal(s.targets[1].sessions, 0);
	lm_stack_clear(&s);
	free(tids);
}

static void check_refused(const char *text, const char *why_part)
{
	struct lm_stack s;
	uint32_t *tids;
	struct lm_err err = { 0 };

	assert_int_equal(lm_tgt_parse_show(text, &s, &tids, &err), LM_E_FAIL);
	assert_null(tids);
	assert_int_equal(s.ntargets, 0);
	if (!strstr(err.msg, why_part))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, why_part);
	assert_null(strchr(err.msg, '\n'));
}

/* Issue #12.1: an alias holding "\nTarget 1: ...t3" used to make a target
 * of its own, the first of its name, so that t3's tid became t1's. */
static void test_alias_cannot_forge_a_target(void **state)
{
	(void)state;
	/* the naive forgery: a target line inside t1's nexus */
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD
		      NEXUS("z\nTarget 1: iqn.2026-11.org.example:t3")
		      "    LUN information:\n" CONTROLLER(1) LU(1, "/srv/l1.img") TAIL
		      "Target 3: iqn.2026-11.org.example:t3\n" HEAD "    LUN information:\n"
		      CONTROLLER(3) TAIL,
		      "target starts before");
	/* a complete forged block with a fresh tid and name: t1's real LUs
	 * would land under it; its LUN 0 gives the real tid away */
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD
		      NEXUS("z\n    LUN information:\n" CONTROLLER(1) TAIL
			    "Target 2: iqn.2026-11.org.example:t9\n" HEAD
			    "        I_T nexus: 4\n            Initiator: a alias: b")
		      "    LUN information:\n" CONTROLLER(1) LU(1, "/srv/l1.img") TAIL,
		      "LUN 0 belongs to another target");
	/* the same with a tid already used, or a name listed twice */
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD
		      NEXUS("z\n    LUN information:\n" CONTROLLER(1) TAIL
			    "Target 1: iqn.2026-11.org.example:t3\n" HEAD
			    "        I_T nexus: 4\n            Initiator: a alias: b")
		      "    LUN information:\n" CONTROLLER(1) LU(1, "/srv/l1.img") TAIL,
		      "out of order");
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD "    LUN information:\n"
		      CONTROLLER(1) TAIL "Target 2: iqn.2026-11.org.example:t1\n" HEAD
		      "    LUN information:\n" CONTROLLER(2) TAIL,
		      "listed twice");
}

/* A newline in a backing store's path: a second path for the LU, or an
 * LU of its own, are refused rather than believed. */
static void test_path_cannot_forge_an_lu(void **state)
{
	(void)state;
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD "    LUN information:\n"
		      CONTROLLER(1) LU(1, "/srv/a\n            Backing store path: /srv/b") TAIL,
		      "listed twice");
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD "    LUN information:\n"
		      CONTROLLER(1) LU(2, "/srv/a\n        LUN: 1\n            Backing store path: /srv/b")
		      TAIL,
		      "out of order");
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD "    LUN information:\n"
		      CONTROLLER(1) LU(1, "/srv/a\nTarget 2: iqn.2026-11.org.example:t3") TAIL,
		      "target starts before");
}

/* What the grammar allows is still all there is: a truncated listing,
 * sections out of order, and odd numbers are refused. */
static void test_structure_is_required(void **state)
{
	(void)state;
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD, "ends inside a target");
	check_refused("Target 1: iqn.2026-11.org.example:t1\n    LUN information:\n", "section out of place");
	check_refused("Target 01: iqn.2026-11.org.example:t1\n", "not a target line");
	check_refused("Target 4294967297: iqn.2026-11.org.example:t1\n", "not a target line");
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD "    LUN information:\n"
		      "        LUN: 1junk\n" TAIL, "not a LUN line");
	check_refused("Target 1: iqn.2026-11.org.example:t1\n" HEAD "    LUN information:\n"
		      "      odd\n" TAIL, "out of place");
	check_refused("junk\n", "before the first target");
}

/* Sanity of the accepted: an alias with no forged structure in it is opaque. */
static void test_opaque_alias_is_harmless(void **state)
{
	struct lm_stack s;
	uint32_t *tids;

	(void)state;
	assert_int_equal(lm_tgt_parse_show("Target 1: iqn.2026-11.org.example:t1\n" HEAD
					   NEXUS("LUN: 5 Target 2: x\n                    more")
					   "    LUN information:\n" CONTROLLER(1)
					   LU(1, "/srv/l1.img") TAIL,
					   &s, &tids, NULL),
			 LM_S_OK);
	assert_int_equal(s.ntargets, 1);
	assert_int_equal(s.targets[0].nlus, 1);
	assert_string_equal(s.targets[0].lus[0].path, "/srv/l1.img");
	lm_stack_clear(&s);
	free(tids);
}

/* text fed in pieces of k bytes, as the socket hands it over */
static lm_hr parse_in_pieces(const char *text, size_t len, size_t k, struct lm_stack *s,
			     uint32_t **tids, struct lm_err *err)
{
	struct lm_tgt_show *sh = lm_tgt_show_new();

	assert_non_null(sh);
	for (size_t at = 0; at < len; at += k)
		if (lm_tgt_show_feed(sh, text + at, len - at < k ? len - at : k) != 0)
			break;
	return lm_tgt_show_end(sh, s, tids, err);
}

static void same_stack(const struct lm_stack *a, const struct lm_stack *b)
{
	assert_int_equal(a->ntargets, b->ntargets);
	for (size_t i = 0; i < a->ntargets; i++) {
		assert_string_equal(a->targets[i].iqn, b->targets[i].iqn);
		assert_int_equal(a->targets[i].sessions, b->targets[i].sessions);
		assert_int_equal(a->targets[i].nlus, b->targets[i].nlus);
		for (size_t j = 0; j < a->targets[i].nlus; j++) {
			const struct lm_stack_lu *x = &a->targets[i].lus[j], *y = &b->targets[i].lus[j];
			assert_int_equal(x->number, y->number);
			assert_string_equal(x->path, y->path);
			assert_true((x->serial == NULL) == (y->serial == NULL));
			if (x->serial)
				assert_string_equal(x->serial, y->serial);
		}
	}
}

/* The listing parsed as it arrives, a piece at a time (lunmapd never holds
 * tgtd's whole answer), is the listing parsed whole: lines cut anywhere,
 * the same refusal with the same message, text after a NUL ignored. */
static void test_pieces_are_the_whole(void **state)
{
	static const char bad[] = "Target 1: iqn.2026-11.org.example:t1\n" HEAD
				  "    LUN information:\n" CONTROLLER(1) "  stray\n" TAIL;
	static const char nul[] = "Target 1: iqn.2026-11.org.example:t1\n" HEAD
				  "    LUN information:\n" CONTROLLER(1) LU(1, "/a") TAIL
				  "\0Target 2: iqn.2026-11.org.example:t2\n";
	const size_t sizes[] = { 1, 2, 7, 64, 4096 };
	struct lm_stack whole, part;
	uint32_t *tw, *tp;
	struct lm_err ew, ep;

	(void)state;
	assert_int_equal(lm_tgt_parse_show(two_targets, &whole, &tw, &ew), LM_S_OK);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(parse_in_pieces(two_targets, strlen(two_targets), sizes[i], &part,
						 &tp, &ep), LM_S_OK);
		same_stack(&whole, &part);
		assert_memory_equal(tw, tp, whole.ntargets * sizeof *tw);
		lm_stack_clear(&part);
		free(tp);
		assert_int_equal(parse_in_pieces(bad, strlen(bad), sizes[i], &part, &tp, &ep), LM_E_FAIL);
		assert_int_equal(lm_tgt_parse_show(bad, &part, &tp, &ew), LM_E_FAIL);
		assert_string_equal(ep.msg, ew.msg);
		assert_int_equal(parse_in_pieces(nul, sizeof nul - 1, sizes[i], &part, &tp, &ep),
				 LM_S_OK);
		assert_int_equal(part.ntargets, 1);
		assert_int_equal(part.targets[0].nlus, 1);
		lm_stack_clear(&part);
		free(tp);
	}
	lm_stack_clear(&whole);
	free(tw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions_counted),
		cmocka_unit_test(test_pieces_are_the_whole),
		cmocka_unit_test(test_targets_luns_and_odd_paths),
		cmocka_unit_test(test_readonly_line),
		cmocka_unit_test(test_empty_output),
		cmocka_unit_test(test_acl_entries),
		cmocka_unit_test(test_many_luns_and_sparse_tids),
		cmocka_unit_test(test_bad_target_line),
		cmocka_unit_test(test_alias_cannot_forge_a_target),
		cmocka_unit_test(test_path_cannot_forge_an_lu),
		cmocka_unit_test(test_structure_is_required),
		cmocka_unit_test(test_opaque_alias_is_harmless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
