/* SPDX-License-Identifier: BSD-3-Clause */
/* One request to tgtd, carried over its management socket or by running
 * tgtadm (the fallback for a tgtd of another protocol version), within
 * the request's deadline. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "run.h"
#include "show.h"
#include "tgt_int.h"
#include "valid.h"

#define TGT_EXIT_ERROR 22
/* tgtadm's exit when it cannot reach tgtd (ENOTCONN; Debian 12 prints
 * "failed to send request hdr to tgt daemon, Transport endpoint is not
 * connected") */
#define TGT_EXIT_NOT_CONNECTED 107

/* A deadline that a stopped tgtd cannot stretch: once a request timed
 * out, the rollback and drift check after it wait a tenth as long, so the
 * whole failed SET stays well inside the master's AgentX timeout. Not a
 * listing the core waits for on purpose: a tenth of that would fail every
 * later check of a large stack, and only an answer clears the stall. */
static unsigned deadline_ms(const struct tgt *t)
{
	unsigned short_ms = t->conf.timeout_ms / 10;

	if (!t->stalled || t->patient)
		return t->conf.timeout_ms;
	return short_ms < 100 ? (t->conf.timeout_ms < 100 ? t->conf.timeout_ms : 100) : short_ms;
}

/* How long the request may wait: a change under a deadline (a SET's
 * step), what is left of it, which the core sized for the step (a loaded
 * tgtd takes away an LU in more than timeout-ms, and a change cut short
 * is one tgtd still carries out); a question (a show), or anything
 * outside a SET, its own timeout, within the deadline. A stalled tgtd's
 * is short either way. 0 when nothing is left. */
static unsigned wait_ms(const struct tgt *t, const struct op *o)
{
	long long left = lm_ms_left(t->deadline);
	unsigned ms = deadline_ms(t);

	if (t->deadline != LM_NO_DEADLINE && !t->stalled && o->op != LM_TGT_OP_SHOW &&
	    o->op != LM_TGT_OP_STATS)
		return left > 600000 ? 600000 : (unsigned)left;
	return left < ms ? (unsigned)left : ms;
}

/* A request there is no time left to wait for is not sent: tgtd would
 * carry it out after lunmap took it as not done. */
static lm_hr not_sent(struct tgt *t, const struct op *o, struct lm_err *err)
{
	t->last_status = LM_TGT_IPC_NOT_SENT;
	t->last_tgt_err = 0;
	return lm_err_set(err, LM_HR_TIMEOUT,
			  "no time left for tgtd's %s request before the deadline (not sent)",
			  o->mode == LM_TGT_MODE_DEVICE ? "logical unit" : "target");
}

/* ---------------------------------------------------------------- socket */

static int body_add(char *b, size_t size, const char *name, const char *value,
		    const char *tail)
{
	size_t n = strlen(b);
	int w;

	if (!value)
		return 0;
	w = snprintf(b + n, size - n, "%s%s%s%s", n ? "," : "", name, value, tail);
	return w < 0 || (size_t)w >= size - n ? -1 : 0;
}

static int show_sink(void *ctx, const char *text, size_t n)
{
	return lm_tgt_show_feed(ctx, text, n);
}

static lm_hr via_socket(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	char body[LM_TGT_MAX_REQ_BODY + 1] = "";
	struct lm_tgt_req req = { .mode = o->mode, .op = o->op, .tid = o->tid, .sid = o->sid,
				  .lun = o->lun, .force = o->force, .body = body };
	struct lm_tgt_rsp rsp;
	unsigned ms = wait_ms(t, o);
	lm_hr hr;

	if (!ms)
		return not_sent(t, o, err);
	/* what tgtadm would send for the same options, in its order */
	if (body_add(body, sizeof body, "path=", o->path, "") ||
	    body_add(body, sizeof body, "targetname=", o->targetname, "") ||
	    body_add(body, sizeof body, "initiator-address=", o->init_addr, "") ||
	    body_add(body, sizeof body, "initiator-name=", o->init_name, "") ||
	    body_add(body, sizeof body, "targetOps ", o->param, ","))
		return lm_err_set(err, LM_E_FAIL, "request to tgtd over its %u-byte limit",
				  LM_TGT_MAX_REQ_BODY);
	if (!*body)
		req.body = NULL;
	if (o->show) {
		req.sink = show_sink;
		req.sink_ctx = o->show;
	}
	hr = lm_tgt_ipc_call(t->socket_path, &req, ms, &rsp, err);
	t->last_status = rsp.status;
	t->last_tgt_err = rsp.tgt_err;
	if (rsp.status == LM_TGT_IPC_TIMEOUT)
		t->stalled = true;
	else if (rsp.status == LM_TGT_IPC_OK || rsp.status == LM_TGT_IPC_REFUSED)
		t->stalled = false;
	if (!lm_failed(hr) && out) {
		*out = rsp.body ? rsp.body : strdup("");
		rsp.body = NULL;
		if (!*out)
			hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	lm_tgt_rsp_free(&rsp);
	return hr;
}

/* ---------------------------------------------------------------- tgtadm */

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* tgtadm exits 22 for every error tgtd reports (the text it prints is
 * tgtd's error code, found in the one table of them, ipc.c) and 107 when
 * it cannot reach tgtd, handled before this. */
static const char *explain(const char *stderr_text)
{
	const struct lm_tgt_errinfo *e = lm_tgt_err_find_text(stderr_text);

	if (e)
		return e->means;
	if (strstr(stderr_text, "failed to send request") || strstr(stderr_text, "can't send the request") ||
	    strstr(stderr_text, "can't connect"))
		return "tgtd is not running on that control port";
	return NULL;
}

static const char *mode_word(enum lm_tgt_mode m)
{
	switch (m) {
	case LM_TGT_MODE_SYSTEM: return "system";
	case LM_TGT_MODE_TARGET: return "target";
	case LM_TGT_MODE_LLD: return "lld";
	case LM_TGT_MODE_SESSION: return "session";
	case LM_TGT_MODE_CONNECTION: return "connection";
	default: return "logicalunit";
	}
}

static const char *op_word(enum lm_tgt_op o)
{
	static const char *const w[] = { "new", "delete", "show", "bind", "unbind", "update", "stat" };

	return (unsigned)o < sizeof w / sizeof w[0] ? w[o] : "show";
}

/* tgtadm's argument vector for one request; the numbers' text in tidstr
 * and lunstr. */
static void tgtadm_argv(const struct tgt *t, const struct op *o, const char **argv,
			char tidstr[12], char lunstr[24], char sidstr[24])
{
	size_t n = 0;

	argv[n++] = t->conf.tgtadm;
	if (t->conf.control_port) {
		argv[n++] = "-C";
		argv[n++] = t->port;
	}
	argv[n++] = "--lld";
	argv[n++] = "iscsi";
	argv[n++] = "--op";
	argv[n++] = op_word(o->op);
	argv[n++] = "--mode";
	argv[n++] = mode_word(o->mode);
	if (o->tid >= 0) {
		snprintf(tidstr, 12, "%d", o->tid);
		argv[n++] = "--tid";
		argv[n++] = tidstr;
	}
	if (o->sid) {
		snprintf(sidstr, 24, "%llu", (unsigned long long)o->sid);
		argv[n++] = "--sid";
		argv[n++] = sidstr;
	}
	if (o->lun != NO_LUN) {
		snprintf(lunstr, 24, "%llu", (unsigned long long)o->lun);
		argv[n++] = "--lun";
		argv[n++] = lunstr;
	}
	if (o->force)
		argv[n++] = "--force";
#define OPT(flag, v) do { if (v) { argv[n++] = flag; argv[n++] = v; } } while (0)
	OPT("-b", o->path);
	OPT("-T", o->targetname);
	OPT("-I", o->init_addr);
	OPT("-Q", o->init_name);
	OPT("--params", o->param);
#undef OPT
	argv[n] = NULL;
}

static lm_hr via_tgtadm(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	const char *argv[28];
	char tidstr[12], lunstr[24], sidstr[24];
	struct lm_run_result r;
	unsigned ms = wait_ms(t, o);
	lm_hr hr = LM_S_OK;

	if (!ms)
		return not_sent(t, o, err);
	tgtadm_argv(t, o, argv, tidstr, lunstr, sidstr);
	if (lm_run((char *const *)argv, ms, &r) != 0)
		return lm_err_set(err, errno == ENOMEM ? LM_E_OUTOFMEMORY : LM_E_FAIL,
				  "cannot run %s: %s", t->conf.tgtadm, strerror(errno));
	trim(r.errout);
	t->last_status = r.timed_out ? LM_TGT_IPC_TIMEOUT
		       : r.status == 0 ? LM_TGT_IPC_OK
		       : r.status == TGT_EXIT_ERROR ? LM_TGT_IPC_REFUSED : LM_TGT_IPC_NO_TGTD;
	{
		const struct lm_tgt_errinfo *e = lm_tgt_err_find_text(r.errout);
		t->last_tgt_err = e ? e->code : 0;
	}
	if (r.lost && (out || o->show))
		hr = lm_err_set(err, LM_E_OUTOFMEMORY,
				"no memory for all of tgtadm's output (a cut listing is not the stack)");
	else if (r.timed_out)
		hr = lm_err_set(err, LM_E_FAIL, "tgtadm did not answer in %u ms and was killed", ms);
	else if (r.status == TGT_EXIT_NOT_CONNECTED)
		hr = lm_err_set(err, LM_E_FAIL, "tgtadm exited %d: %s; tgtd is not running on control port %s",
				r.status, r.errout, t->port);
	else if (r.status != 0) {
		const char *why = explain(r.errout);
		hr = lm_err_set(err, LM_E_FAIL, "tgtadm exited %d: %s%s%s", r.status, r.errout,
				why ? "; " : "", why ? why : "");
	}
	if (!lm_failed(hr) && o->show)
		lm_tgt_show_feed(o->show, r.out ? r.out : "", r.out ? strlen(r.out) : 0);
	else if (!lm_failed(hr) && out) {
		*out = r.out;
		r.out = NULL;
	}
	lm_run_result_free(&r);
	return hr;
}

/* ---------------------------------------------------------------- either */

/* Start-up's one probe: a system show. A tgtd that does not answer
 * cannot tell us its version (it is probed again on the next request);
 * one that answers something else than this client's protocol is
 * another tgt: use tgtadm, which matches its tgtd. */
void lm_tgt_probe(struct tgt *t)
{
	struct op o = { .mode = LM_TGT_MODE_SYSTEM, .op = LM_TGT_OP_SHOW, .tid = -1, .lun = NO_LUN };
	struct lm_err e = { 0 };
	char *text = NULL;
	lm_hr hr = via_socket(t, &o, &text, &e);
	bool ok = !lm_failed(hr) && strncmp(text, "System:", 7) == 0;

	if (ok) {
		t->transport = TR_SOCKET;
		lm_tgt_log(t, "tgt: speaking tgtd's management protocol on %s", t->socket_path);
	} else if (t->last_status == LM_TGT_IPC_NO_TGTD || t->last_status == LM_TGT_IPC_TIMEOUT) {
		/* no verdict: tgtd is not there or not answering */
	} else {
		t->transport = TR_TGTADM;
		lm_tgt_log(t, "tgt: tgtd on %s does not answer \"show system\" as this lunmap expects "
		      "(%s): running %s for every step instead", t->socket_path,
		      lm_failed(hr) ? e.msg : "its text does not start with \"System:\"",
		      t->conf.tgtadm);
	}
	free(text);
}

/* Every value formatted into tgtd's parameter text, whichever transport
 * carries it (tgtadm joins its options into the same text): a ',' or '='
 * would start another parameter, and tgtd has no escape (design §5). */
static lm_hr check_values(const struct op *o, struct lm_err *err)
{
	const char *const v[] = { o->path, o->targetname, o->init_addr, o->init_name };
	const char *why;
	size_t at;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] && !lm_valid_request_value(v[i], &why, &at))
			return lm_err_set(err, LM_E_INVALIDARG,
					  "refused to send tgtd a value whose byte %zu is %s", at + 1, why);
	return LM_S_OK;
}

lm_hr lm_tgt_send(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	lm_hr hr = check_values(o, err);

	if (lm_failed(hr)) {
		t->last_status = LM_TGT_IPC_LOCAL;
		return hr;
	}
	return t->transport == TR_TGTADM ? via_tgtadm(t, o, out, err) : via_socket(t, o, out, err);
}
