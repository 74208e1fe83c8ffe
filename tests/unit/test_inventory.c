/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "inventory.h"
#include "util.h"

#define HEAD "<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"a1\" max-targets-per-lun=\"4\">\n"
#define BACKEND "  <backend type=\"tgt\" control-port=\"7\" portal=\"127.0.0.1:3260\"/>\n"
#define T1 "  <target iqn=\"iqn.2026-11.org.example:t1\" alias=\"t1\" initiators=\"ALL\"\n" \
	   "          id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\"/>\n"
#define L1 "  <lun name=\"db\" path=\"/srv/lun/db.img\" id=\"0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02\"/>\n"
#define TAIL "</lunmap>\n"

struct seen {
	char lines[8][512];
	int n;
};

static void collect(void *ctx, const char *problem)
{
	struct seen *s = ctx;

	if (s->n < 8)
		snprintf(s->lines[s->n++], sizeof s->lines[0], "%s", problem);
}

/* Loads text and expects refusal with the first problem at `line`
 * containing `reason`. */
static void refused(const char *text, long line, const char *reason)
{
	char *dir = tu_tmpdir(), *path = tu_write(dir, "inv.xml", text), want[64];
	struct lm_inventory *inv;
	struct lm_err err;
	struct seen seen = { .n = 0 };

	assert_int_equal(lm_inventory_load(path, &inv, collect, &seen, &err), LM_E_INVALIDARG);
	assert_null(inv);
	snprintf(want, sizeof want, "inv.xml:%ld: ", line);
	if (!strstr(err.msg, want) || !strstr(err.msg, reason))
		fail_msg("expected \"%s...%s\", got \"%s\"", want, reason, err.msg);
	assert_true(seen.n >= 1);
	assert_string_equal(seen.lines[0], err.msg);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static void accepted(const char *text)
{
	char *dir = tu_tmpdir(), *path = tu_write(dir, "inv.xml", text);
	struct lm_inventory *inv;
	struct lm_err err;

	if (lm_inventory_load(path, &inv, NULL, NULL, &err) != LM_S_OK)
		fail_msg("refused: %s", err.msg);
	lm_inventory_free(inv);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static void test_good_inventory(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "inv.xml", HEAD BACKEND T1
		"  <target iqn=\"iqn.2026-11.org.example:t2\"/>\n" L1
		"  <lun name=\"logs\" path=\"/srv/lun/logs b.img\"/>\n" TAIL);
	struct lm_inventory *inv;
	struct lm_err err;
	char id[LM_GUID_STRLEN + 1];

	(void)state;
	assert_int_equal(lm_inventory_load(path, &inv, NULL, NULL, &err), LM_S_OK);
	assert_string_equal(inv->name, "a1");
	assert_int_equal(inv->max_targets_per_lun, 4);
	assert_string_equal(inv->backend.type, "tgt");
	assert_int_equal(inv->backend.control_port, 7);
	assert_int_equal(inv->backend.check_interval, 60);
	assert_string_equal(inv->backend.portal, "127.0.0.1:3260");
	assert_int_equal(inv->ntargets, 2);
	assert_string_equal(inv->targets[0].initiators, "ALL");
	lm_guid_format(&inv->targets[0].id, id);
	assert_string_equal(id, "6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01");
	assert_true(lm_guid_is_nil(&inv->targets[1].id));
	assert_int_equal(inv->nluns, 2);
	assert_string_equal(inv->luns[1].path, "/srv/lun/logs b.img");
	assert_int_equal(inv->luns[0].line, 6);
	lm_inventory_free(inv);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static void test_default_max_is_one(void **state)
{
	char *dir = tu_tmpdir(), *path;
	struct lm_inventory *inv;
	struct tu_inv v;

	(void)state;
	tu_inv_begin(&v, "x", NULL);
	tu_inv_add(&v, "<backend type=\"tgt\"/>");
	path = tu_inv_end(&v, dir);
	assert_int_equal(lm_inventory_load(path, &inv, NULL, NULL, NULL), LM_S_OK);
	assert_int_equal(inv->max_targets_per_lun, 1);
	lm_inventory_free(inv);
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static void test_bad_guid(void **state)
{
	(void)state;
	refused(HEAD BACKEND T1 "  <lun name=\"x\" path=\"/x\" id=\"0b7e2d7c-8f0a-4d6e-a1f3\"/>\n" TAIL,
		5, "is not a GUID");
	refused(HEAD BACKEND "  <lun name=\"x\" path=\"/x\"\n id=\"00000000-0000-0000-0000-000000000000\"/>\n" TAIL,
		4, "nil GUID"); /* libxml2 gives the line where the start tag ends */
}

static void test_bad_iqn(void **state)
{
	(void)state;
	refused(HEAD BACKEND "\n  <target iqn=\"iqn.2026-11.org.Example:t1\"/>\n" TAIL, 4,
		"is not a valid iSCSI name");
	refused(HEAD BACKEND "  <target iqn=\"target1\"/>\n" TAIL, 3, "starts with iqn. or eui.");
}

static void test_duplicates(void **state)
{
	(void)state;
	refused(HEAD BACKEND T1 "  <lun name=\"x\" path=\"/x\" id=\"6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01\"/>\n" TAIL,
		5, "already used on line 4");
	refused(HEAD BACKEND T1 "  <target iqn=\"iqn.2026-11.org.example:t1\"/>\n" TAIL, 5,
		"declared twice (line 4)");
	refused(HEAD BACKEND L1 "  <lun name=\"y\" path=\"/srv/lun/db.img\"/>\n" TAIL, 4,
		"declared twice (line 3)");
}

/* Issue #12.4: one file by four spellings or a symlink was four LUNs. */
static void test_one_file_is_one_lun(void **state)
{
	char *dir = tu_tmpdir(), *img = tu_write(dir, "a.img", "x"), link[4096], text[8192];
	static const char *spellings[] = { "/srv/q//a.img", "/srv/q/./a.img", "/srv/q/x/../a.img",
					   "/srv//q/a.img/" };

	(void)state;
	for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
		snprintf(text, sizeof text, HEAD BACKEND "  <lun name=\"a\" path=\"/srv/q/a.img\"/>\n"
			 "  <lun name=\"b\" path=\"%s\"/>\n" TAIL, spellings[i]);
		refused(text, 4, "same file");
	}
	snprintf(link, sizeof link, "%s/link.img", dir);
	assert_int_equal(symlink(img, link), 0);
	snprintf(text, sizeof text, HEAD BACKEND "  <lun name=\"a\" path=\"%s\"/>\n"
		 "  <lun name=\"b\" path=\"%s\"/>\n" TAIL, img, link);
	refused(text, 4, "same file");
	tu_rmtree(dir);
	free(dir);
	free(img);
}

/* Values that become paths or arguments: a portal and initiators that
 * climbed out of configfs passed --check. */
static void test_portal_and_initiators_are_validated(void **state)
{
	char text[32768];
	size_t n;

	(void)state;
	refused(HEAD "  <backend type=\"lio\" portal=\"../../../../../pwn\"/>\n" TAIL, 2, "portal");
	refused(HEAD "  <backend type=\"lio\" portal=\"127.0.0.1\"/>\n" TAIL, 2, "portal");
	refused(HEAD "  <backend type=\"lio\" portal=\"127.0.0.1:0\"/>\n" TAIL, 2, "portal");
	refused(HEAD "  <backend type=\"lio\" portal=\"a/b:3260\"/>\n" TAIL, 2, "portal");
	refused(HEAD BACKEND "  <target iqn=\"iqn.2026-11.org.example:t1\" "
		"initiators=\"iqn.2026-11.org.example:i/../../x\"/>\n" TAIL, 3, "initiator");
	refused(HEAD BACKEND "  <target iqn=\"iqn.2026-11.org.example:t1\" initiators=\"../x\"/>\n" TAIL,
		3, "initiator");
	refused(HEAD BACKEND "  <target iqn=\"iqn.2026-11.a..b:c\"/>\n" TAIL, 3, "reversed domain");
	refused(HEAD BACKEND "  <target iqn=\"iqn.2026-11.-a.b\"/>\n" TAIL, 3, "reversed domain");
	refused(HEAD BACKEND "  <target iqn=\"iqn.2026-11.a.b:\"/>\n" TAIL, 3, "after its ':'");
	n = (size_t)snprintf(text, sizeof text, HEAD BACKEND "  <target iqn=\"iqn.2026-11.org.example:t1\" initiators=\"");
	for (int i = 0; i < 257; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s10.0.%d.%d", i ? "," : "", i / 256, i % 256);
	snprintf(text + n, sizeof text - n, "\"/>\n" TAIL);
	refused(text, 3, "more than 256");
}

/* Issue #20: a comma in a LUN's path chose another file (tgtd and LIO
 * split their parameters there, the last path= wins): "/srv/img/vm1.img,
 * path=/srv/img/secret.img" passed --check and exported secret.img. A
 * path that would be read as an option is refused with file, line, byte
 * and why; XML character references reach the value too. */
static void test_a_path_is_never_an_option(void **state)
{
	(void)state;
	refused(HEAD BACKEND T1 "  <lun name=\"vm1\" path=\"/srv/img/vm1.img,path=/srv/img/secret.img\"/>\n"
		TAIL, 5, "path of LUN \"vm1\": byte 17 is ','");
	refused(HEAD BACKEND T1 "  <lun name=\"vm1\" path=\"/srv/img/a=b.img\"/>\n" TAIL, 5,
		"byte 11 is '='");
	refused(HEAD BACKEND T1 "  <lun name=\"vm1\" path=\"/srv/img/a&#10;b.img\"/>\n" TAIL, 5,
		"byte 11 is a control byte");
	refused(HEAD BACKEND T1 "  <lun name=\"vm1\" path=\"/srv/img/a&#9;b.img\"/>\n" TAIL, 5,
		"a control byte");
	refused(HEAD BACKEND T1 "  <lun name=\"vm1\" path=\"/srv/img/a&#x85;b.img\"/>\n" TAIL, 5,
		"control character (C1)");
	/* spaces, quotes and other marks are a file's name and nothing else */
	accepted(HEAD BACKEND T1 "  <lun name=\"vm1\" path=\"/srv/img/a b;c&amp;d'e.img\"/>\n" TAIL);
}

/* Control characters in names broke lunmapctl's one-line format; an
 * internal entity still expanded in attribute values. */
static void test_names_and_entities(void **state)
{
	(void)state;
	refused(HEAD BACKEND "  <target iqn=\"iqn.2026-11.org.example:t1\" alias=\"a&#10;target 9\"/>\n" TAIL,
		3, "control characters");
	refused(HEAD BACKEND "  <lun name=\"a&#9;b\" path=\"/srv/a.img\"/>\n" TAIL, 3, "control characters");
	/* found by the inventory fuzzer: DEL in the subsystem's name */
	refused("<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"demo\x7f\" max-targets-per-lun=\"4\">\n"
		BACKEND TAIL, 1, "control characters");
	refused("<!DOCTYPE lunmap [<!ENTITY p \"/etc/shadow\">]>\n"
		"<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"a1\" max-targets-per-lun=\"4\">\n" BACKEND
		"  <lun name=\"a\" path=\"&p;\"/>\n" TAIL, 1, "DTD");
}

static void test_relative_path(void **state)
{
	(void)state;
	refused(HEAD BACKEND "  <lun name=\"x\" path=\"lun/x.img\"/>\n" TAIL, 3, "not absolute");
}

/* a path lunmapLunBackingStore could not publish whole: refused with
 * its line; 255 bytes still go */
static void test_path_longer_than_the_mib(void **state)
{
	char text[2048], path[300];

	(void)state;
	memset(path, 'a', sizeof path);
	path[0] = '/';
	path[256] = '\0';
	snprintf(text, sizeof text, HEAD BACKEND "  <lun name=\"x\" path=\"%s\"/>\n" TAIL, path);
	refused(text, 3, "longer than the 255 that lunmapLunBackingStore can publish");
	path[255] = '\0';
	snprintf(text, sizeof text, HEAD BACKEND "  <lun name=\"x\" path=\"%s\"/>\n" TAIL, path);
	accepted(text);
}

/* <mibs>: both standard MIBs by default, each turned off alone; only
 * right after <backend>, only yes or no. */
static unsigned mibs_of(const char *text)
{
	char *dir = tu_tmpdir(), *path = tu_write(dir, "inv.xml", text);
	struct lm_inventory *inv;
	struct lm_err err;
	unsigned m;

	if (lm_inventory_load(path, &inv, NULL, NULL, &err) != LM_S_OK)
		fail_msg("refused: %s", err.msg);
	m = inv->mibs;
	lm_inventory_free(inv);
	tu_rmtree(dir);
	free(dir);
	free(path);
	return m;
}

static void test_mibs(void **state)
{
	(void)state;
	assert_int_equal(mibs_of(HEAD BACKEND T1 TAIL), LM_MIB_SCSI | LM_MIB_ISCSI);
	assert_int_equal(mibs_of(HEAD BACKEND "  <mibs/>\n" T1 TAIL), LM_MIB_SCSI | LM_MIB_ISCSI);
	assert_int_equal(mibs_of(HEAD BACKEND "  <mibs scsi=\"yes\" iscsi=\"yes\"/>\n" TAIL),
			 LM_MIB_SCSI | LM_MIB_ISCSI);
	assert_int_equal(mibs_of(HEAD BACKEND "  <mibs scsi=\"no\"/>\n" TAIL), LM_MIB_ISCSI);
	assert_int_equal(mibs_of(HEAD BACKEND "  <mibs iscsi=\"no\"/>\n" TAIL), LM_MIB_SCSI);
	assert_int_equal(mibs_of(HEAD BACKEND "  <mibs scsi=\"no\" iscsi=\"no\"/>\n" T1 TAIL), 0);
	refused(HEAD BACKEND "  <mibs scsi=\"maybe\"/>\n" TAIL, 3, "");
	refused(HEAD BACKEND "  <mibs snmp=\"no\"/>\n" TAIL, 3, "");
	refused(HEAD BACKEND T1 "  <mibs/>\n" TAIL, 5, "");
	refused(HEAD BACKEND "  <mibs/>\n  <mibs/>\n" TAIL, 4, "");
}

static void test_schema_violations(void **state)
{
	(void)state;
	/* unknown element */
	refused(HEAD BACKEND "  <disk name=\"x\"/>\n" TAIL, 3, "");
	/* missing required attribute */
	refused(HEAD BACKEND "  <lun name=\"x\"/>\n" TAIL, 3, "");
	/* a value the schema bounds */
	refused("<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"a\" max-targets-per-lun=\"0\">\n"
		BACKEND TAIL, 1, "");
	/* unknown backend */
	refused(HEAD "  <backend type=\"iet\"/>\n" TAIL, 2, "");
	/* wrong namespace */
	refused("<lunmap name=\"a\">\n" BACKEND TAIL, 1, "");
}

static void test_malformed_xml(void **state)
{
	(void)state;
	refused(HEAD BACKEND "  <lun name=\"x\" path=\"/x\">\n" TAIL, 4, "");
}

static void test_missing_file(void **state)
{
	struct lm_inventory *inv;
	struct lm_err err;

	(void)state;
	assert_int_equal(lm_inventory_load("/nonexistent/inv.xml", &inv, NULL, NULL, &err),
			 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "/nonexistent/inv.xml"));
}

static void test_every_problem_is_reported(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_write(dir, "inv.xml", HEAD BACKEND
		"  <target iqn=\"bad\"/>\n"
		"  <lun name=\"x\" path=\"rel\"/>\n"
		"  <lun name=\"y\" path=\"/y\" id=\"nope\"/>\n" TAIL);
	struct lm_inventory *inv;
	struct seen seen = { .n = 0 };

	(void)state;
	assert_int_equal(lm_inventory_load(path, &inv, collect, &seen, NULL), LM_E_INVALIDARG);
	assert_int_equal(seen.n, 3);
	assert_non_null(strstr(seen.lines[0], ":3: "));
	assert_non_null(strstr(seen.lines[1], ":4: "));
	assert_non_null(strstr(seen.lines[2], ":5: "));
	tu_rmtree(dir);
	free(dir);
	free(path);
}

static void test_the_demo_inventory_is_valid(void **state)
{
	char path[4096];
	struct lm_inventory *inv;
	struct lm_err err;
	const char *top = getenv("top_srcdir");

	(void)state;
	snprintf(path, sizeof path, "%s/data/demo.xml", top ? top : TOP_SRCDIR);
	assert_int_equal(lm_inventory_load(path, &inv, NULL, NULL, &err), LM_S_OK);
	assert_int_equal(inv->ntargets, 2);
	assert_int_equal(inv->nluns, 3);
	lm_inventory_free(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_inventory),
		cmocka_unit_test(test_default_max_is_one),
		cmocka_unit_test(test_bad_guid),
		cmocka_unit_test(test_bad_iqn),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_path_longer_than_the_mib),
		cmocka_unit_test(test_one_file_is_one_lun),
		cmocka_unit_test(test_portal_and_initiators_are_validated),
		cmocka_unit_test(test_a_path_is_never_an_option),
		cmocka_unit_test(test_names_and_entities),
		cmocka_unit_test(test_mibs),
		cmocka_unit_test(test_schema_violations),
		cmocka_unit_test(test_malformed_xml),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_every_problem_is_reported),
		cmocka_unit_test(test_the_demo_inventory_is_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
