/* SPDX-License-Identifier: BSD-3-Clause */
/* LIO's sessions and statistics read from a folder laid out as configfs
 * shows them (attribute texts as drivers/target prints them); the kernel
 * itself is the qemu test's (tests/e2e/lio_qemu.sh). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "lio.h"
#include "model.h"
#include "util.h"

#define IQN "iqn.2026-11.org.example:t1"
#define HOST1 "iqn.1994-05.com.redhat:host1"

struct fx {
	char *dir, root[PATH_MAX / 2], tgt[PATH_MAX];
};

/* dir/a/b/.../name with the text, folders made on the way */
static void put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	mkdir(root, 0755);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	f->dir = tu_tmpdir();
	snprintf(f->root, sizeof f->root, "%s/target", f->dir);
	snprintf(f->tgt, sizeof f->tgt, "%s/iscsi/" IQN, f->root);
	mkdir(f->root, 0755);
	put(f->root, "iscsi/" IQN "/tpgt_1/attrib/generate_node_acls", "0\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* lio_target_nacl_info_show's text, with an alias that tries to forge
 * LIO's own lines */
#define INFO_HEAD "InitiatorName: " HOST1 "\nInitiatorAlias: "
#define INFO_SESSION \
	"LIO Session ID: 3   ISID: 0x80 12 34 56 78 9a  TSIH: 5  SessionType: Normal\n" \
	"Session State: TARG_SESS_STATE_LOGGED_IN\n" \
	"---------------------[iSCSI Session Values]-----------------------\n" \
	"  CmdSN/WR  :  CmdSN/WC  :  ExpCmdSN  :  MaxCmdSN  :     ITT    :     TTT\n" \
	" 0x00000040   0x00000040   0x00000011   0x00000050   0x00000010   0xffffffff\n" \
	"----------------------[iSCSI Connections]-------------------------\n" \
	"CID: 0  Connection State: TARG_CONN_STATE_LOGGED_IN\n" \
	"   Address 10.0.2.2 TCP  StatSN: 0x00000012\n"
#define FORGING_ALIAS "evil\nLIO Session ID: 99   ISID: 0x00 00 00 00 00 00  TSIH: 9  " \
		      "SessionType: Normal\n[iSCSI Connections]\nCID: 7  Connection State: " \
		      "TARG_CONN_STATE_LOGGED_IN\n   Address 6.6.6.6 TCP  StatSN: 0x0\n"

static void test_info(void **state)
{
	const char *text = INFO_HEAD FORGING_ALIAS "\n" INFO_SESSION;
	struct lm_obs_session x = { 0 };

	(void)state;
	assert_int_equal(lm_lio_parse_info(text, strlen(text), &x), 1);
	assert_int_equal(x.id, 3);
	assert_int_equal(x.tsih, 5);
	assert_true(x.has_isid);
	assert_memory_equal(x.isid, "\x80\x12\x34\x56\x78\x9a", 6);
	assert_true(x.has_alias);
	/* the alias is kept, its newlines made harmless */
	assert_non_null(strstr(x.alias, "evil?LIO Session ID: 99"));
	assert_null(strchr(x.alias, '\n'));
	assert_int_equal(x.nconns, 1);
	assert_int_equal(x.conns[0].cid, 0);
	assert_int_equal(x.conns[0].state, LM_CONN_FULL);
	assert_int_equal(x.conns[0].family, 4);
	assert_memory_equal(x.conns[0].addr, "\x0a\0\x02\x02", 4);
	assert_int_equal(x.conns[0].protocol, 6);
	memset(&x, 0, sizeof x);
	text = "No active iSCSI Session for Initiator Endpoint: " HOST1 "\n";
	assert_int_equal(lm_lio_parse_info(text, strlen(text), &x), 0);
	text = "Something else\n";
	assert_int_equal(lm_lio_parse_info(text, strlen(text), &x), -1);
	text = INFO_HEAD "x\nLIO Session ID: 3   ISID: 0x80 12  TSIH: 5  SessionType: Normal\n";
	assert_int_equal(lm_lio_parse_info(text, strlen(text), &x), -1);
}

static void test_acl_session(void **state)
{
	struct fx *f = *state;
	struct lm_obs_sessions s;
	struct lm_err err;

	put(f->tgt, "tpgt_1/acls/" HOST1 "/info", INFO_HEAD "host one\n" INFO_SESSION);
	put(f->tgt, "tpgt_1/acls/" HOST1 "/fabric_statistics/iscsi_sess_stats/cmd_pdus", "12\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/fabric_statistics/iscsi_sess_stats/rsp_pdus", "11\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/fabric_statistics/iscsi_sess_stats/txdata_octs", "4096\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/fabric_statistics/iscsi_sess_stats/rxdata_octs", "512\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/fabric_statistics/iscsi_sess_stats/conn_digest_errors",
	    "0\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/fabric_statistics/iscsi_sess_stats/conn_timeout_errors",
	    "1\n");
	put(f->tgt, "tpgt_1/acls/iqn.2026-11.org.example:idle/info",
	    "No active iSCSI Session for Initiator Endpoint: iqn.2026-11.org.example:idle\n");
	put(f->tgt, "fabric_statistics/iscsi_instance/sessions", "1\n");
	assert_int_equal(lm_lio_read_sessions(f->root, IQN, &s, &err), LM_S_OK);
	assert_true(s.trusted);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].id, 3);
	assert_string_equal(s.v[0].name, HOST1);
	assert_string_equal(s.v[0].alias, "host one");
	assert_true(s.v[0].counters.known);
	assert_int_equal(s.v[0].counters.cmd_pdus, 12);
	assert_int_equal(s.v[0].counters.tx_octets, 4096);
	assert_int_equal(s.v[0].counters.timeout_errors, 1);
	lm_obs_sessions_clear(&s);
}

/* Demo mode names its sessions one a line: a name with a newline would
 * make two, but the kernel's own count says how many there are. */
static void test_dynamic_sessions(void **state)
{
	struct fx *f = *state;
	const char two[] = "iqn.2026-01.org.example:a\n\0iqn.2026-01.org.example:b\n";
	const char forged[] = "iqn.2026-01.org.example:a\n\0iqn.x:y\niqn.x:z\n";
	char path[PATH_MAX * 2];
	struct lm_obs_sessions s;
	struct lm_err err;
	FILE *fp;

	put(f->tgt, "fabric_statistics/iscsi_instance/sessions", "2\n");
	snprintf(path, sizeof path, "%s/tpgt_1/dynamic_sessions", f->tgt);
	fp = fopen(path, "w");
	fwrite(two, 1, sizeof two - 1, fp);
	fclose(fp);
	assert_int_equal(lm_lio_read_sessions(f->root, IQN, &s, &err), LM_S_OK);
	assert_true(s.trusted);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name, "iqn.2026-01.org.example:a");
	assert_string_equal(s.v[1].name, "iqn.2026-01.org.example:b");
	lm_obs_sessions_clear(&s);
	fp = fopen(path, "w");
	fwrite(forged, 1, sizeof forged - 1, fp);
	fclose(fp);
	assert_int_equal(lm_lio_read_sessions(f->root, IQN, &s, &err), LM_S_OK);
	assert_false(s.trusted);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.v[0].name, "");
	assert_string_equal(s.v[1].name, "");
	lm_obs_sessions_clear(&s);
	assert_int_equal(lm_lio_read_sessions(f->root, "iqn.2026-11.org.example:none", &s, &err),
			 LM_HR_FILE_NOT_FOUND);
	assert_int_equal(lm_lio_read_sessions(f->root, "../x", &s, &err), LM_E_INVALIDARG);
}

static void test_stats(void **state)
{
	struct fx *f = *state;
	static const char *const login[][2] = {
		{ "accepts", "7" }, { "other_fails", "0" }, { "redirects", "0" },
		{ "authorize_fails", "2" }, { "authenticate_fails", "1" }, { "negotiate_fails", "0" },
	};
	char rel[256], bs[PATH_MAX], link[PATH_MAX * 2];
	struct lm_obs_stats s;
	struct lm_err err;

	for (size_t i = 0; i < 6; i++) {
		snprintf(rel, sizeof rel, "fabric_statistics/iscsi_login_stats/%s", login[i][0]);
		put(f->tgt, rel, login[i][1]);
	}
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/last_fail_type", "4\n");
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/last_fail_time", "12345\n");
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/fail_intr_name", "iqn.2026-11.org.example:stranger\n");
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/fail_intr_addr", "10.0.2.2\n");
	put(f->tgt, "fabric_statistics/iscsi_logout_stats/normal_logouts", "5\n");
	put(f->tgt, "fabric_statistics/iscsi_logout_stats/abnormal_logouts", "1\n");
	put(f->tgt, "fabric_statistics/iscsi_sess_err/digest_errors", "0\n");
	put(f->tgt, "fabric_statistics/iscsi_sess_err/cxn_errors", "3\n");
	put(f->tgt, "fabric_statistics/iscsi_sess_err/format_errors", "0\n");
	put(f->tgt, "fabric_statistics/iscsi_instance/fail_type", "2\n");
	put(f->tgt, "fabric_statistics/iscsi_instance/fail_rem_name", "None\n");
	put(f->tgt, "fabric_statistics/iscsi_instance/vendor", "Datera Inc. iSCSI Target\n");
	put(f->tgt, "tpgt_1/lun/lun_1/statistics/scsi_tgt_port/in_cmds", "40\n");
	put(f->tgt, "tpgt_1/lun/lun_1/statistics/scsi_tgt_port/read_mbytes", "3\n");
	put(f->tgt, "tpgt_1/lun/lun_1/statistics/scsi_tgt_port/write_mbytes", "1\n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/num_cmds", "44\n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/read_mbytes", "3\n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/write_mbytes", "1\n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/resets", "0\n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/vend", "LIO-ORG \n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/prod", "FILEIO          \n");
	put(f->root, "core/fileio_0/lm-x/statistics/scsi_lu/rev", "4.0 \n");
	snprintf(bs, sizeof bs, "%s/core/fileio_0/lm-x", f->root);
	snprintf(link, sizeof link, "%s/tpgt_1/lun/lun_1/lm-x", f->tgt);
	assert_int_equal(symlink(bs, link), 0);
	put(f->tgt, "tpgt_1/acls/" HOST1 "/lun_1/statistics/scsi_auth_intr/att_count", "2\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/lun_1/statistics/scsi_auth_intr/num_cmds", "30\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/lun_1/statistics/scsi_auth_intr/read_mbytes", "2\n");
	put(f->tgt, "tpgt_1/acls/" HOST1 "/lun_1/statistics/scsi_auth_intr/write_mbytes", "0\n");
	assert_int_equal(lm_lio_read_stats(f->root, IQN, &s, &err), LM_S_OK);
	assert_true(s.login_known);
	assert_int_equal(s.accepts, 7);
	assert_int_equal(s.authorize_fails, 2);
	assert_int_equal(s.last_fail, LM_LOGIN_FAIL_AUTHORIZE);
	assert_int_equal(s.last_fail_cs, 12345);
	assert_string_equal(s.fail_name, "iqn.2026-11.org.example:stranger");
	assert_int_equal(s.fail_family, 4);
	assert_true(s.logout_known);
	assert_int_equal(s.normal_logouts, 5);
	assert_true(s.sess_err_known);
	assert_int_equal(s.cxn_errors, 3);
	assert_int_equal(s.last_sess_fail, LM_SESS_FAIL_TIMEOUT);
	assert_string_equal(s.sess_fail_name, "");
	assert_string_equal(s.vendor, "Datera Inc. iSCSI Target");
	assert_int_equal(s.nlus, 1);
	assert_true(s.lus[0].port_known);
	assert_int_equal(s.lus[0].port_cmds, 40);
	assert_true(s.lus[0].lu_known);
	assert_int_equal(s.lus[0].lu_cmds, 44);
	assert_string_equal(s.lus[0].vendor, "LIO-ORG");
	assert_string_equal(s.lus[0].product, "FILEIO");
	assert_string_equal(s.lus[0].revision, "4.0");
	assert_int_equal(s.ninits, 1);
	assert_string_equal(s.inits[0].name, HOST1);
	assert_int_equal(s.inits[0].cmds, 30);
	assert_int_equal(s.inits[0].attached, 2);
	lm_obs_stats_clear(&s);
}

/* A failed login's initiator name is the stranger's own text: only a
 * single word is kept. */
static void test_stats_hostile_failure(void **state)
{
	struct fx *f = *state;
	static const char *const login[] = { "accepts", "other_fails", "redirects",
					     "authorize_fails", "authenticate_fails",
					     "negotiate_fails" };
	char rel[256];
	struct lm_obs_stats s;
	struct lm_err err;

	for (size_t i = 0; i < 6; i++) {
		snprintf(rel, sizeof rel, "fabric_statistics/iscsi_login_stats/%s", login[i]);
		put(f->tgt, rel, "1\n");
	}
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/last_fail_type", "4\n");
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/fail_intr_name", "iqn.x:a\nforged\n");
	put(f->tgt, "fabric_statistics/iscsi_tgt_attr/fail_intr_addr", "[::1]\n");
	assert_int_equal(lm_lio_read_stats(f->root, IQN, &s, &err), LM_S_OK);
	assert_string_equal(s.fail_name, "");
	assert_int_equal(s.fail_family, 6);
	assert_int_equal(s.fail_addr[15], 1);
	lm_obs_stats_clear(&s);
}

#define REFUSAL(name) "3,812,5140900,-;iSCSI Initiator Node: " name \
	" is not authorized to access iSCSI target portal group: 1.\n SUBSYSTEM=x\n"

static void test_refusal_record(void **state)
{
	char name[LM_OBS_NAME_MAX + 1];
	static const char good[] = REFUSAL("iqn.2026-11.org.example:stranger");
	/* the kernel escapes a newline in the name; a name may also repeat
	 * the record's tail to move where the name seems to end */
	static const char escaped[] = REFUSAL("iqn.x:a\\x0aforged");
	static const char tail_in_name[] =
		REFUSAL("iqn.x:a is not authorized to access iSCSI target portal group: 1. iqn.x:b");
	static const char other[] = "6,813,5140901,-;iSCSI Login negotiation failed.\n";

	(void)state;
	assert_int_equal(lm_lio_parse_refusal(good, sizeof good - 1, name), 0);
	assert_string_equal(name, "iqn.2026-11.org.example:stranger");
	assert_int_equal(lm_lio_parse_refusal(escaped, sizeof escaped - 1, name), -1);
	assert_int_equal(lm_lio_parse_refusal(tail_in_name, sizeof tail_in_name - 1, name), -1);
	assert_int_equal(lm_lio_parse_refusal(other, sizeof other - 1, name), -1);
	assert_int_equal(lm_lio_parse_refusal("no record", 9, name), -1);
}

/* The log's records name a target's refused initiator only when they are
 * exactly its refusals since the last look, all one name. */
static void test_refusals_matched(void **state)
{
	struct lm_lio_refusals r;
	struct lm_obs_stats s = { .login_known = true };
	int p[2];

	(void)state;
	/* a record a read, as /dev/kmsg gives them */
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, p), 0);
	lm_lio_refusals_open(&r, "/nonexistent");
	r.fd = p[0];
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	/* the first look is the baseline */
	lm_lio_refusals_match(&r, IQN, &s);
	assert_string_equal(s.fail_name, "");
	/* one refusal, one record: named */
	assert_true(write(p[1], REFUSAL("iqn.x:stranger"), sizeof REFUSAL("iqn.x:stranger") - 1) > 0);
	s.authorize_fails = 1;
	lm_lio_refusals_match(&r, IQN, &s);
	assert_string_equal(s.fail_name, "iqn.x:stranger");
	/* two records, one refusal here (the other another target's): not */
	s.fail_name[0] = '\0';
	assert_true(write(p[1], REFUSAL("iqn.x:a"), sizeof REFUSAL("iqn.x:a") - 1) > 0);
	assert_true(write(p[1], REFUSAL("iqn.x:b"), sizeof REFUSAL("iqn.x:b") - 1) > 0);
	s.authorize_fails = 2;
	lm_lio_refusals_match(&r, IQN, &s);
	assert_string_equal(s.fail_name, "");
	/* a refusal whose record is unreadable: not named, nothing left over */
	s.authorize_fails = 3;
	lm_lio_refusals_match(&r, IQN, &s);
	assert_string_equal(s.fail_name, "");
	close(p[1]);
	lm_lio_refusals_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info),
		cmocka_unit_test_setup_teardown(test_acl_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dynamic_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_hostile_failure, setup, teardown),
		cmocka_unit_test(test_refusal_record),
		cmocka_unit_test(test_refusals_matched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
