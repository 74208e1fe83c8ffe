/* SPDX-License-Identifier: BSD-3-Clause */
/* The tgtd management client against a fake tgtd: a thread serving a Unix
 * socket in a temporary folder, one scripted answer per connection. */
#include "config.h"

#include <errno.h>
#include <signal.h>
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

#include "agent.h"
#include "backend.h"
#include "fake_tgtd.h"
#include "ipc.h"

enum action {
	ANSWER,       /* header (err, 8 + body) then the body */
	ANSWER_SLOWLY, /* the same, a few bytes a write with pauses */
	RAW_LEN,      /* header with err and the length raw_len, no body */
	CLOSE,        /* close without answering */
	HANG,         /* never answer; wait for the client to go */
	SHORT_BODY,   /* announce the body, send half of it, close */
	LATE,         /* answer as ANSWER, 300 ms after the request */
};

struct fake {
	struct fake_tgtd srv;
	/* the script of the next connection */
	enum action action;
	uint32_t err, raw_len;
	const char *body;
	size_t body_len;
	/* the answer to a request of tgtd's list of targets (mode lld), when
	 * set; body answers the others */
	const char *lld_body;
	/* what the last request was */
	unsigned char hdr[LM_TGT_REQ_SIZE];
	char reqbody[LM_TGT_MAX_REQ_BODY + 16];
	size_t reqbody_len;
};

static void write_slowly(int fd, const char *p, size_t n)
{
	struct timespec pause = { 0, 200000 };

	while (n) {
		size_t k = n < 3 ? n : 3;
		if (write(fd, p, k) != (ssize_t)k)
			return;
		p += k;
		n -= k;
		nanosleep(&pause, NULL);
	}
}

static void serve_one(void *arg, int fd)
{
	struct fake *f = arg;
	uint32_t len, mode, rsp[2];
	const char *body = f->body;
	size_t body_len = f->body_len;
	char c;

	if (fake_read_full(fd, f->hdr, sizeof f->hdr) != 0)
		return;
	memcpy(&len, f->hdr + 72, 4);
	memcpy(&mode, f->hdr, 4);
	f->reqbody_len = len - LM_TGT_REQ_SIZE;
	if (f->reqbody_len > sizeof f->reqbody || fake_read_full(fd, f->reqbody, f->reqbody_len) != 0)
		return;
	if (mode == LM_TGT_MODE_LLD && f->lld_body) {
		body = f->lld_body;
		body_len = strlen(body) + 1;
	}
	rsp[0] = f->err;
	rsp[1] = (uint32_t)(LM_TGT_RSP_SIZE + body_len);
	switch (f->action) {
	case LATE:
		nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
		/* fall through */
	case ANSWER:
		if (write(fd, rsp, sizeof rsp) == sizeof rsp && body_len)
			(void)!write(fd, body, body_len);
		break;
	case ANSWER_SLOWLY:
		write_slowly(fd, (const char *)rsp, sizeof rsp);
		write_slowly(fd, body, body_len);
		break;
	case RAW_LEN:
		rsp[1] = f->raw_len;
		(void)!write(fd, rsp, sizeof rsp);
		break;
	case SHORT_BODY:
		if (write(fd, rsp, sizeof rsp) == sizeof rsp)
			(void)!write(fd, body, body_len / 2);
		break;
	case HANG:
		while (read(fd, &c, 1) > 0)
			;
		break;
	case CLOSE:
		break;
	}
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof *f);

	f->action = ANSWER;
	if (fake_tgtd_start(&f->srv, "lunmap-ipc", serve_one, f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	fake_tgtd_stop(&f->srv);
	free(f);
	return 0;
}

static uint32_t u32at(const unsigned char *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return v;
}

static uint64_t u64at(const unsigned char *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, 8);
	return v;
}

static lm_hr call(struct fake *f, const struct lm_tgt_req *req, unsigned ms, struct lm_tgt_rsp *rsp,
		  struct lm_err *err)
{
	memset(err, 0, sizeof *err);
	return lm_tgt_ipc_call(f->srv.path, req, ms, rsp, err);
}

static void test_request_framing(void **state)
{
	struct fake *f = *state;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_NEW, .tid = 7,
				  .lun = 3, .body = "path=/srv/a b.img" };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_S_OK);
	assert_int_equal(rsp.status, LM_TGT_IPC_OK);
	assert_null(rsp.body);
	/* struct tgtadm_req, field by field */
	assert_int_equal(u32at(f->hdr, 0), 2);
	assert_int_equal(u32at(f->hdr, 4), 0);
	assert_string_equal((const char *)f->hdr + 8, "iscsi");
	assert_int_equal(u32at(f->hdr, 72), 120 + strlen("path=/srv/a b.img") + 1);
	assert_int_equal((int32_t)u32at(f->hdr, 76), 7);
	assert_int_equal(u64at(f->hdr, 80), 0);
	assert_int_equal(u64at(f->hdr, 88), 3);
	for (size_t off = 96; off < 116; off += 4)
		assert_int_equal(u32at(f->hdr, off), 0);
	assert_int_equal(u32at(f->hdr, 116), 0);
	/* the body with its NUL */
	assert_int_equal(f->reqbody_len, strlen(req.body) + 1);
	assert_memory_equal(f->reqbody, req.body, f->reqbody_len);
}

static void test_no_body_and_force(void **state)
{
	struct fake *f = *state;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = 1,
				  .lun = 0, .force = 1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_S_OK);
	assert_int_equal(u32at(f->hdr, 72), 120);
	assert_int_equal(u32at(f->hdr, 116), 1);
	assert_int_equal(f->reqbody_len, 0);
}

static void test_show_text(void **state)
{
	struct fake *f = *state;
	static const char text[] = "Target 1: iqn.x\n    System information:\n";
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_SHOW, .tid = -1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	f->body = text;
	f->body_len = sizeof text; /* tgtd sends the NUL */
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_S_OK);
	assert_int_equal((int32_t)u32at(f->hdr, 76), -1);
	assert_string_equal(rsp.body, text);
	assert_int_equal(rsp.len, strlen(text));
	lm_tgt_rsp_free(&rsp);
}

/* An answer that comes in pieces (a thousand of 3 bytes, 0.2 ms apart)
 * assembles into one; the deadline is the request's, not renewed by each
 * piece, so the same answer ends as a timeout when it cannot all come in
 * time (it used to be read whole, however long it dripped). */
static void test_short_reads_assemble_within_the_deadline(void **state)
{
	struct fake *f = *state;
	/* static: the fake's thread may still be inside its last write()
	 * when the client has the whole answer */
	static char big[3001];
	size_t n = sizeof big - 1;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_SHOW, .tid = -1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	big[n] = '\0';
	f->action = ANSWER_SLOWLY;
	f->body = big;
	f->body_len = n + 1;
	assert_int_equal(call(f, &req, 5000, &rsp, &err), LM_S_OK);
	assert_int_equal(rsp.len, n);
	assert_string_equal(rsp.body, big);
	lm_tgt_rsp_free(&rsp);
	assert_int_equal(call(f, &req, 50, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_TIMEOUT);
	assert_null(rsp.body);
}

static void test_oversize_answer_refused(void **state)
{
	struct fake *f = *state;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_SHOW, .tid = -1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	f->action = RAW_LEN;
	f->raw_len = 0xFFFFFFF0u;
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_GARBLED);
	assert_null(rsp.body);
	assert_non_null(strstr(err.msg, "another tgt version"));
	/* shorter than its own header */
	f->raw_len = 4;
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_GARBLED);
}

static void test_oversize_request_not_sent(void **state)
{
	struct fake *f = *state;
	char *body = malloc(LM_TGT_MAX_REQ_BODY + 1);
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_NEW, .tid = 1,
				  .lun = 1, .body = body };
	struct lm_tgt_rsp rsp;
	struct lm_err err;
	int before = f->srv.connections;

	memset(body, 'x', LM_TGT_MAX_REQ_BODY);
	body[LM_TGT_MAX_REQ_BODY] = '\0'; /* with its NUL one byte over */
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_LOCAL);
	assert_non_null(strstr(err.msg, "over tgtd's limit"));
	assert_int_equal(f->srv.connections, before);
	/* the largest tgtd takes goes through */
	body[LM_TGT_MAX_REQ_BODY - 1] = '\0';
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_S_OK);
	assert_int_equal(f->reqbody_len, LM_TGT_MAX_REQ_BODY);
	free(body);
}

static void test_every_error_code(void **state)
{
	struct fake *f = *state;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_NEW, .tid = 1,
				  .lun = 1, .body = "path=/x" };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	for (uint32_t code = 1; code <= LM_TGT_ERR_MAX + 1; code++) {
		const struct lm_tgt_errinfo *e = lm_tgt_err_info(code);
		char want[64];
		f->err = code;
		assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_E_FAIL);
		assert_int_equal(err.hr, LM_E_FAIL);
		assert_int_equal(rsp.status, LM_TGT_IPC_REFUSED);
		assert_int_equal(rsp.tgt_err, code);
		assert_null(rsp.body);
		/* the reason names tgtd's error, its number and what it means */
		snprintf(want, sizeof want, "(%s, %u)", e->name, code);
		assert_non_null(strstr(err.msg, want));
		assert_non_null(strstr(err.msg, e->means));
		assert_non_null(strstr(err.msg, "tgtd: "));
		/* and a manager sees commitFailed for it */
		assert_int_equal(lunmapd_snmp_error(&err, LM_PHASE_APPLY), SNMP_ERR_COMMITFAILED);
	}
	f->err = 0;
}

static void test_error_table(void **state)
{
	(void)state;
	assert_int_equal(lm_tgt_err_hr(0), LM_S_OK);
	assert_string_equal(lm_tgt_err_info(4)->name, "TGTADM_NO_TARGET");
	assert_string_equal(lm_tgt_err_info(5)->name, "TGTADM_NO_LUN");
	assert_string_equal(lm_tgt_err_info(17)->name, "TGTADM_INVALID_REQUEST");
	assert_string_equal(lm_tgt_err_info(24)->name, "TGTADM_PREVENT_REMOVAL");
	assert_string_equal(lm_tgt_err_info(25)->name, "unknown tgtadm_err");
	for (uint32_t code = 1; code <= LM_TGT_ERR_MAX; code++) {
		const struct lm_tgt_errinfo *e = lm_tgt_err_info(code);
		char line[160];
		assert_int_equal(e->code, code);
		assert_int_equal(lm_tgt_err_hr(code), LM_E_FAIL);
		/* the tgtadm fallback finds the same entry in what tgtadm prints */
		snprintf(line, sizeof line, "tgtadm: %s", e->says);
		assert_ptr_equal(lm_tgt_err_find_text(line), e);
	}
	assert_null(lm_tgt_err_find_text("tgtadm: something else"));
}

static void test_closed_without_answer(void **state)
{
	struct fake *f = *state;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_SYSTEM, .op = LM_TGT_OP_SHOW, .tid = -1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	f->action = CLOSE;
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_CLOSED);
	f->action = SHORT_BODY;
	f->body = "System:\n    State: ready\n";
	f->body_len = strlen(f->body) + 1;
	assert_int_equal(call(f, &req, 2000, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_CLOSED);
	assert_null(rsp.body);
}

static void test_silent_tgtd_times_out(void **state)
{
	struct fake *f = *state;
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_SYSTEM, .op = LM_TGT_OP_SHOW, .tid = -1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err;

	f->action = HANG;
	assert_int_equal(call(f, &req, 150, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_TIMEOUT);
	assert_non_null(strstr(err.msg, "tgtd did not answer within 150 ms"));
}

/* The backend over the fake tgtd ($TGT_IPC_SOCKET names its socket). */
static struct lm_backend *fake_backend(struct fake *f)
{
	struct lm_backend_conf conf = { .type = "tgt", .transport = "socket", .timeout_ms = 200 };
	char base[96];

	snprintf(base, sizeof base, "%s/socket", f->srv.dir);
	setenv("TGT_IPC_SOCKET", base, 1);
	f->lld_body = "LLDs:\n    iscsi: ready\n";
	return lm_tgt_new(&conf);
}

/* Once tgtd missed a deadline, the next requests wait a tenth as long
 * (a failed SET's rollback stays in time), but not a listing the core
 * waits for on purpose: a tenth of that failed every later drift check of
 * a large stack, and only an answer clears the stall. */
static void test_a_patient_listing_is_not_cut_by_a_stall(void **state)
{
	struct fake *f = *state;
	struct lm_backend *b = fake_backend(f);
	struct lm_stack st = { 0 };
	struct lm_err err;

	assert_non_null(b);
	f->action = HANG;
	assert_int_equal(b->ops->enumerate(b, &st, &err), LM_E_FAIL);
	assert_non_null(strstr(err.msg, "within 200 ms"));
	/* stalled: 2000 ms become 200, and tgtd answers after 300 */
	f->action = LATE;
	b->ops->set_timeout(b, 2000, false);
	assert_int_equal(b->ops->enumerate(b, &st, &err), LM_E_FAIL);
	assert_non_null(strstr(err.msg, "within 200 ms"));
	b->ops->set_timeout(b, 2000, true);
	assert_int_equal(b->ops->enumerate(b, &st, &err), LM_S_OK);
	assert_int_equal(st.ntargets, 0);
	lm_stack_clear(&st);
	b->ops->destroy(b);
	unsetenv("TGT_IPC_SOCKET");
}

static void test_nobody_listens(void **state)
{
	struct fake *f = *state;
	char path[128];
	struct lm_tgt_req req = { .mode = LM_TGT_MODE_SYSTEM, .op = LM_TGT_OP_SHOW, .tid = -1 };
	struct lm_tgt_rsp rsp;
	struct lm_err err = { 0 };

	snprintf(path, sizeof path, "%s/socket.9", f->srv.dir);
	assert_int_equal(lm_tgt_ipc_call(path, &req, 2000, &rsp, &err), LM_E_FAIL);
	assert_int_equal(rsp.status, LM_TGT_IPC_NO_TGTD);
	assert_non_null(strstr(err.msg, "tgtd is not running"));
}

static void test_socket_path(void **state)
{
	char buf[108];

	(void)state;
	unsetenv("TGT_IPC_SOCKET");
	assert_int_equal(lm_tgt_ipc_path(7, buf, sizeof buf), 0);
	assert_string_equal(buf, "/var/run/tgtd/socket.7");
	setenv("TGT_IPC_SOCKET", "/tmp/t/sock", 1);
	assert_int_equal(lm_tgt_ipc_path(0, buf, sizeof buf), 0);
	assert_string_equal(buf, "/tmp/t/sock.0");
	setenv("TGT_IPC_SOCKET", "/tmp/a-very-long-folder-name-that-goes-on-and-on-and-on/and-on-and-on-and-on-and-on/and-on-and-on-and-on/sock", 1);
	assert_int_equal(lm_tgt_ipc_path(0, buf, sizeof buf), -1);
	unsetenv("TGT_IPC_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_body_and_force, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_reads_assemble_within_the_deadline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversize_answer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_request_not_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_error_code, setup, teardown),
		cmocka_unit_test(test_error_table),
		cmocka_unit_test_setup_teardown(test_closed_without_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_tgtd_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_patient_listing_is_not_cut_by_a_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nobody_listens, setup, teardown),
		cmocka_unit_test(test_socket_path),
	};

	/* the fake tgtd answers clients that gave up (as lunmapd ignores it) */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
