/* SPDX-License-Identifier: BSD-3-Clause */
/* Who is logged in to a tgt target: the parsers of tgtd's connection view
 * and session statistics (texts as tgt 1.0.85 prints them), the
 * confirmation of one by the other against names that smuggle blocks in,
 * and the backend's sessions operation against a fake tgtd that answers
 * each request by its mode, operation, tid and sid. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "deadline.h"
#include "fake_tgtd.h"
#include "ipc.h"
#include "model.h"
#include "sessions.h"

/* ---------------------------------------------------------------- texts */

#define BLOCK(tsih, cid, name, addr)                                                   \
	"Session: " #tsih "\n    Connection: " #cid "\n        Initiator: " name "\n" \
	"        IP Address: " addr "\n"

#define STAT_HEAD "tgt lun sid rd_subm(bytes,cmds) rd_done(bytes,cmds) wr_subm(bytes,cmds) " \
		  "wr_done(bytes,cmds) errs\n"
#define LU_LINE(tid, lun, sid) \
	"  " #tid "   " #lun "   " #sid "            0      0            0      0" \
	"            0      0            0      0    0\n"
#define CONN_HEAD "\nsid cid rxdata_octets txdata_octets dataout_pdus datain_pdus cmd_pdus rsp_pdus\n"
#define CONN_LINE(sid, cid, rx, tx, cmd, rsp) \
	"  " #sid "   " #cid "           " #rx "           " #tx "            0           0" \
	"        " #cmd "        " #rsp "\n"

static const char good_name[] = "iqn.2026-01.org.example:good";
/* what an initiator named so makes of its block (tests/e2e shows tgtd
 * printing it so) */
#define FORGING_NAME "iqn.2026-01.x:a\n        IP Address: 6.6.6.6\nSession: 42\n" \
		     "    Connection: 0\n        Initiator: iqn.evil:b"

static void test_parse_view(void **state)
{
	struct lm_tgt_conn_block *v;
	size_t n;
	bool oom;
	const char *text = BLOCK(2, 0, "iqn.2026-01.org.example:good", "127.0.0.1")
		"Session: 7\n    Connection: 3\n        Initiator: iqn.x:y\n"
		"        RDMA IP Address: fe80::1%eth0\n"
		"Session: 8\n    Connection: 0\n        Initiator: iqn.x:z\n        \n";

	(void)state;
	assert_int_equal(lm_tgt_parse_connections(text, &v, &n, &oom), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].tsih, 2);
	assert_int_equal(v[0].cid, 0);
	assert_true(v[0].name_ok);
	assert_string_equal(v[0].name, good_name);
	assert_int_equal(v[0].family, 4);
	assert_memory_equal(v[0].addr, "\x7f\0\0\x01", 4);
	assert_int_equal(v[0].protocol, 6);
	assert_int_equal(v[1].tsih, 7);
	assert_int_equal(v[1].cid, 3);
	assert_int_equal(v[1].family, 6);
	assert_int_equal(v[1].addr[0], 0xfe);
	assert_int_equal(v[1].protocol, 0); /* iSER: no IP protocol */
	assert_int_equal(v[2].family, 0);   /* tgtd could not name the peer */
	free(v);
	assert_int_equal(lm_tgt_parse_connections("", &v, &n, &oom), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

/* A view with a line out of place is not read at all. */
static void test_parse_view_refuses(void **state)
{
	static const char *const bad[] = {
		"Session: 1\n",                                   /* cut */
		"Session: 1\n    Connection: 0\n",               /* cut */
		BLOCK(1, 0, "iqn.x:y", "127.0.0.1") "junk\n",     /* a stray line */
		"Session: 01\n    Connection: 0\n        Initiator: a\n        IP Address: 1.2.3.4\n",
		"Session: 65536\n    Connection: 0\n        Initiator: a\n        IP Address: 1.2.3.4\n",
		"Session: 1\n    Connection: -1\n        Initiator: a\n        IP Address: 1.2.3.4\n",
		"Session: 1\n    Connection: 0\n        Initiator: a\n        IP Address: nowhere\n",
		"Session: 1\n    Connection: 0\n        Initiator: a\n        IP Address: 1.2.3.4",
		"Target 1: iqn.x:y\n",
	};
	struct lm_tgt_conn_block *v;
	size_t n;
	bool oom;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(lm_tgt_parse_connections(bad[i], &v, &n, &oom), -1);
		assert_null(v);
		assert_false(oom);
	}
	/* a name with a space is read, but marked as no name */
	assert_int_equal(lm_tgt_parse_connections(BLOCK(1, 0, "iqn.x:y z", "1.2.3.4"), &v, &n, &oom),
			 0);
	assert_false(v[0].name_ok);
	assert_string_equal(v[0].name, "");
	free(v);
}

static void test_parse_stats(void **state)
{
	struct lm_tgt_session_stat st;

	(void)state;
	assert_int_equal(lm_tgt_parse_session_stats(STAT_HEAD LU_LINE(1, 1, 5) LU_LINE(1, 0, 5)
						    CONN_HEAD CONN_LINE(5, 0, 556, 348, 7, 9)
						    CONN_LINE(5, 2, 4, 2, 1, 1), 5, 1, &st), 0);
	assert_true(st.on_target);
	assert_int_equal(st.ncids, 2);
	assert_int_equal(st.cids[0], 0);
	assert_int_equal(st.cids[1], 2);
	assert_int_equal(st.rx_octets, 560);
	assert_int_equal(st.tx_octets, 350);
	assert_int_equal(st.cmd_pdus, 8);
	assert_int_equal(st.rsp_pdus, 10);
	/* the session of another target, or of none this text shows */
	assert_int_equal(lm_tgt_parse_session_stats(STAT_HEAD LU_LINE(2, 0, 5) CONN_HEAD
						    CONN_LINE(5, 0, 1, 1, 0, 0), 5, 1, &st), 0);
	assert_false(st.on_target);
	assert_int_equal(lm_tgt_parse_session_stats(CONN_HEAD CONN_LINE(5, 0, 1, 1, 0, 0), 5, 1, &st),
			 0);
	assert_false(st.on_target);
	/* another session's lines, a repeated connection, a stray line */
	assert_int_equal(lm_tgt_parse_session_stats(STAT_HEAD LU_LINE(1, 0, 6), 5, 1, &st), -1);
	assert_int_equal(lm_tgt_parse_session_stats(STAT_HEAD LU_LINE(1, 0, 5) CONN_HEAD
						    CONN_LINE(5, 0, 1, 1, 0, 0)
						    CONN_LINE(5, 0, 1, 1, 0, 0), 5, 1, &st), -1);
	assert_int_equal(lm_tgt_parse_session_stats(STAT_HEAD "hello world\n", 5, 1, &st), -1);
	assert_int_equal(lm_tgt_parse_session_stats(STAT_HEAD "1 2 3\n", 5, 1, &st), -1);
}

/* ---------------------------------------------------------------- verify */

/* A scripted tgtd's statistics: the text of each session, NULL gone. */
struct script {
	uint32_t tsih[8];
	const char *text[8];
	size_t n;
	unsigned asked;
};

static lm_hr fake_stat(void *ctx, uint32_t tsih, char **text, bool *gone, struct lm_err *err)
{
	struct script *s = ctx;

	(void)err;
	s->asked++;
	*gone = true;
	*text = NULL;
	for (size_t i = 0; i < s->n; i++)
		if (s->tsih[i] == tsih && s->text[i]) {
			*gone = false;
			*text = strdup(s->text[i]);
		}
	return LM_S_OK;
}

#define STATS(tid, sid, rx, cmd) \
	STAT_HEAD LU_LINE(tid, 0, sid) CONN_HEAD CONN_LINE(sid, 0, rx, 100, cmd, cmd)

static void verify(struct script *s, const char *view, bool last, struct lm_obs_sessions *out,
		   bool *again)
{
	struct lm_err err;

	assert_int_equal(lm_tgt_verify_sessions(view, 1, fake_stat, s, last, again, out, &err),
			 LM_S_OK);
}

static void test_verify_plain(void **state)
{
	struct script s = { { 1, 2 }, { STATS(1, 1, 500, 3), STATS(1, 2, 40, 1) }, 2, 0 };
	struct lm_obs_sessions out;
	bool again;

	(void)state;
	verify(&s, BLOCK(2, 0, "iqn.2026-01.org.example:good", "10.0.0.2")
		   BLOCK(1, 0, "iqn.2026-01.org.example:other", "10.0.0.1"), false, &out, &again);
	assert_false(again);
	assert_true(out.trusted);
	assert_int_equal(out.n, 2);
	/* ascending by TSIH */
	assert_int_equal(out.v[0].id, 1);
	assert_string_equal(out.v[0].name, "iqn.2026-01.org.example:other");
	assert_int_equal(out.v[0].nconns, 1);
	assert_memory_equal(out.v[0].conns[0].addr, "\x0a\0\0\x01", 4);
	assert_true(out.v[0].counters.known);
	assert_int_equal(out.v[0].counters.rx_octets, 500);
	assert_int_equal(out.v[0].counters.cmd_pdus, 3);
	assert_string_equal(out.v[1].name, good_name);
	assert_int_equal(s.asked, 2);
	lm_obs_sessions_clear(&out);
}

/* The attack tgtd prints verbatim: a name that adds "Session: 42" with
 * the real address, and gives its owner a made-up one. 42 is no session:
 * it is not counted, its owner keeps no name or address, and the other
 * initiator on the target keeps its own. */
static void test_verify_forged_block(void **state)
{
	struct script s = { { 1, 2 }, { STATS(1, 1, 556, 0), STATS(1, 2, 480, 0) }, 2, 0 };
	const char *view = BLOCK(2, 0, "iqn.2026-01.org.example:good", "127.0.0.1")
		BLOCK(1, 0, FORGING_NAME, "127.0.0.1");
	struct lm_obs_sessions out;
	bool again;

	(void)state;
	/* 42 is gone when asked: it may have just ended, so ask again */
	verify(&s, view, false, &out, &again);
	assert_true(again);
	assert_int_equal(out.n, 0);
	verify(&s, view, true, &out, &again);
	assert_false(again);
	assert_false(out.trusted);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.v[0].id, 1);
	assert_string_equal(out.v[0].name, "");
	assert_int_equal(out.v[0].nconns, 0);
	assert_int_equal(out.v[0].nconns_total, 1);
	/* its counters are tgtd's own numbers */
	assert_int_equal(out.v[0].counters.rx_octets, 556);
	assert_int_equal(out.v[1].id, 2);
	assert_string_equal(out.v[1].name, good_name);
	assert_int_equal(out.v[1].nconns, 1);
	lm_obs_sessions_clear(&out);
}

/* A forger that names a real session of the target (guessing its TSIH
 * and name) makes a second block for that connection: neither is
 * believed, nor the forger's own, and nothing is counted twice. */
static void test_verify_forged_duplicate(void **state)
{
	struct script s = { { 1, 2 }, { STATS(1, 1, 5, 0), STATS(1, 2, 6, 0) }, 2, 0 };
	const char *view = BLOCK(2, 0, "iqn.2026-01.org.example:good", "127.0.0.1")
		"Session: 1\n    Connection: 0\n        Initiator: iqn.2026-01.x:a\n"
		"        IP Address: 6.6.6.6\nSession: 2\n    Connection: 0\n"
		"        Initiator: iqn.2026-01.org.example:good\n        IP Address: 127.0.0.1\n";
	struct lm_obs_sessions out;
	bool again;

	(void)state;
	verify(&s, view, true, &out, &again);
	assert_false(out.trusted);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0].name, "");
	assert_string_equal(out.v[1].name, "");
	assert_int_equal(out.v[1].nconns, 0);
	lm_obs_sessions_clear(&out);
}

/* A session tgtd places on another target is not this one's, whatever
 * the view claims; nor is a second connection tgtd does not count. */
static void test_verify_other_target_and_connection(void **state)
{
	struct script s = { { 1, 3 }, { STATS(1, 1, 5, 0), STATS(2, 3, 6, 0) }, 2, 0 };
	struct lm_obs_sessions out;
	bool again;

	(void)state;
	verify(&s, BLOCK(1, 0, "iqn.x:a", "10.0.0.1") BLOCK(1, 1, "iqn.x:a", "6.6.6.6")
		   BLOCK(3, 0, "iqn.x:c", "10.0.0.3"), true, &out, &again);
	assert_false(out.trusted);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.v[0].id, 1);
	assert_string_equal(out.v[0].name, "");
	lm_obs_sessions_clear(&out);
}

/* A name whose lines are no blocks makes the view unreadable: the
 * sessions its "Session:" lines name are asked about, and those tgtd
 * confirms on this target are counted, without names. */
static void test_verify_garbled(void **state)
{
	struct script s = { { 1, 2 }, { STATS(1, 1, 5, 0), STATS(1, 2, 6, 0) }, 2, 0 };
	struct lm_obs_sessions out;
	bool again;

	(void)state;
	verify(&s, BLOCK(2, 0, "iqn.x:good", "127.0.0.1")
		   "Session: 1\n    Connection: 0\n        Initiator: iqn.x:a\nSession: 9\nhello\n"
		   "        IP Address: 127.0.0.1\n", false, &out, &again);
	assert_false(again);
	assert_false(out.trusted);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0].name, "");
	assert_string_equal(out.v[1].name, "");
	assert_int_equal(s.asked, 3);
	lm_obs_sessions_clear(&out);
}

/* ---------------------------------------------------------------- the operation */

struct fake {
	struct fake_tgtd srv;
	bool hang;
	/* the requests seen: mode, op, tid, sid */
	uint32_t req[16][4];
	size_t nreq;
};

static const char show_all[] = "Target 3: iqn.2026-11.org.example:t1\n"
			       "    System information:\n        Driver: iscsi\n        State: ready\n"
			       "    I_T nexus information:\n    LUN information:\n"
			       "    Account information:\n    ACL information:\n        ALL\n";

static void answer(int fd, uint32_t err, const char *body)
{
	uint32_t rsp[2] = { err, (uint32_t)(LM_TGT_RSP_SIZE + (body ? strlen(body) + 1 : 0)) };

	if (write(fd, rsp, sizeof rsp) == sizeof rsp && body)
		(void)!write(fd, body, strlen(body) + 1);
}

static void serve_one(void *arg, int fd)
{
	struct fake *f = arg;
	unsigned char hdr[LM_TGT_REQ_SIZE];
	char body[LM_TGT_MAX_REQ_BODY];
	uint32_t mode, op, len, tid;
	uint64_t sid;
	char c;

	if (fake_read_full(fd, hdr, sizeof hdr) != 0)
		return;
	memcpy(&mode, hdr, 4);
	memcpy(&op, hdr + 4, 4);
	memcpy(&len, hdr + 72, 4);
	memcpy(&tid, hdr + 76, 4);
	memcpy(&sid, hdr + 80, 8);
	if (len > LM_TGT_REQ_SIZE && fake_read_full(fd, body, len - LM_TGT_REQ_SIZE) != 0)
		return;
	if (f->nreq < 16) {
		uint32_t *r = f->req[f->nreq++];
		r[0] = mode, r[1] = op, r[2] = tid, r[3] = (uint32_t)sid;
	}
	if (f->hang) {
		while (read(fd, &c, 1) > 0)
			;
		return;
	}
	if (mode == LM_TGT_MODE_SYSTEM)
		answer(fd, 0, "System:\n    State: ready\n");
	else if (mode == LM_TGT_MODE_TARGET)
		answer(fd, 0, show_all);
	else if (mode == LM_TGT_MODE_LLD) /* a change's or a look's tid, by name */
		answer(fd, 0, "LLDs:\n    iscsi: ready\n        Target 3: iqn.2026-11.org.example:t1\n");
	else if (mode == LM_TGT_MODE_CONNECTION && tid == 3)
		answer(fd, 0, BLOCK(2, 0, "iqn.2026-01.org.example:good", "127.0.0.1")
			      BLOCK(1, 0, FORGING_NAME, "127.0.0.1"));
	else if (mode == LM_TGT_MODE_SESSION && op == LM_TGT_OP_STATS && sid == 1)
		answer(fd, 0, STATS(3, 1, 556, 0));
	else if (mode == LM_TGT_MODE_SESSION && op == LM_TGT_OP_STATS && sid == 2)
		answer(fd, 0, STATS(3, 2, 480, 0));
	else if (mode == LM_TGT_MODE_SESSION)
		answer(fd, 6, NULL); /* TGTADM_NO_SESSION */
	else
		answer(fd, 4, NULL); /* TGTADM_NO_TARGET */
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof *f);
	char base[96];

	if (fake_tgtd_start(&f->srv, "lunmap-sess", serve_one, f) != 0)
		return -1;
	snprintf(base, sizeof base, "%s/socket", f->srv.dir);
	setenv("TGT_IPC_SOCKET", base, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	fake_tgtd_stop(&f->srv);
	unsetenv("TGT_IPC_SOCKET");
	free(f);
	return 0;
}

static struct lm_backend *backend(unsigned timeout_ms)
{
	struct lm_backend_conf conf = { .type = "tgt", .transport = "socket", .timeout_ms = timeout_ms };

	return lm_tgt_new(&conf);
}

static void test_operation(void **state)
{
	struct fake *f = *state;
	struct lm_backend *b = backend(500);
	struct lm_model *m = lm_model_new("x", 1);
	struct lm_target *t = lm_model_add_target(m, 0, NULL, "iqn.2026-11.org.example:t1", NULL, "ALL");
	struct lm_obs_sessions out;
	struct lm_err err;
	size_t conn = 0, stat = 0;

	assert_non_null(b->ops->sessions);
	assert_int_equal(b->ops->sessions(b, t, &out, &err), LM_S_OK);
	assert_int_equal(out.n, 2);
	assert_false(out.trusted);
	assert_string_equal(out.v[0].name, "");
	assert_string_equal(out.v[1].name, good_name);
	assert_int_equal(out.v[1].conns[0].family, 4);
	/* the target's tid from tgtd's list of targets; the view, then each session,
	 * twice (42 was gone once); nothing but shows and statistics */
	for (size_t i = 0; i < f->nreq; i++) {
		uint32_t *r = f->req[i];
		assert_true(r[1] == LM_TGT_OP_SHOW || r[1] == LM_TGT_OP_STATS);
		if (r[0] == LM_TGT_MODE_CONNECTION) {
			assert_int_equal(r[2], 3);
			conn++;
		}
		if (r[0] == LM_TGT_MODE_SESSION) {
			assert_int_equal(r[1], LM_TGT_OP_STATS);
			assert_true(r[3] == 1 || r[3] == 2 || r[3] == 42);
			stat++;
		}
	}
	assert_int_equal(conn, 2);
	assert_int_equal(stat, 6);
	lm_obs_sessions_clear(&out);
	lm_model_free(m);
	b->ops->destroy(b);
}

/* A tgtd that does not answer costs the request's timeout, never more
 * than a few of them, and the operation says so. */
static void test_operation_times_out(void **state)
{
	struct fake *f = *state;
	struct lm_backend *b = backend(150);
	struct lm_model *m = lm_model_new("x", 1);
	struct lm_target *t = lm_model_add_target(m, 0, NULL, "iqn.2026-11.org.example:t1", NULL, "ALL");
	struct lm_obs_sessions out;
	struct lm_err err;
	long long t0;

	assert_int_equal(b->ops->sessions(b, t, &out, &err), LM_S_OK);
	lm_obs_sessions_clear(&out);
	f->hang = true;
	t0 = lm_now_ms();
	assert_int_equal(b->ops->sessions(b, t, &out, &err), LM_E_FAIL);
	assert_true(lm_now_ms() - t0 < 1000);
	assert_non_null(strstr(err.msg, "did not answer"));
	assert_int_equal(out.n, 0);
	f->hang = false;
	lm_model_free(m);
	b->ops->destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_view),
		cmocka_unit_test(test_parse_view_refuses),
		cmocka_unit_test(test_parse_stats),
		cmocka_unit_test(test_verify_plain),
		cmocka_unit_test(test_verify_forged_block),
		cmocka_unit_test(test_verify_forged_duplicate),
		cmocka_unit_test(test_verify_other_target_and_connection),
		cmocka_unit_test(test_verify_garbled),
		cmocka_unit_test_setup_teardown(test_operation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operation_times_out, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
