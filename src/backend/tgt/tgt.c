/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "deadline.h"
#include "ipc.h"
#include "run.h"
#include "sessions.h"
#include "show.h"

#define TGT_DEFAULT_TIMEOUT_MS 2000
#define TGT_EXIT_ERROR 22
/* tgtadm's exit when it cannot reach tgtd (ENOTCONN; Debian 12 prints
 * "failed to send request hdr to tgt daemon, Transport endpoint is not
 * connected") */
#define TGT_EXIT_NOT_CONNECTED 107
#define NO_LUN UINT64_MAX
#define LM_PATH_MAX_COPY 4096
#define ERR_NO_TARGET 4  /* TGTADM_NO_TARGET */
#define ERR_NO_LUN 5     /* TGTADM_NO_LUN */
#define ERR_NO_SESSION 6 /* TGTADM_NO_SESSION */
#define ERR_LUN_EXIST 10 /* TGTADM_LUN_EXIST */

enum transport { TR_PROBE, TR_SOCKET, TR_TGTADM };

struct tgt {
	struct lm_backend base;
	struct lm_backend_conf conf;
	char port[12];
	char socket_path[108];
	enum transport transport;
	/* tgtd missed a deadline and has not answered since */
	bool stalled;
	/* the core asked for a long wait on purpose (see set_timeout) */
	bool patient;
	/* no request ends after this (set_deadline; LM_NO_DEADLINE: none) */
	long long deadline;
	enum lm_tgt_ipc_status last_status;
	uint32_t last_tgt_err;
	/* Requests that undo a step tgtd did not answer in time: the request
	 * sits in tgtd's socket and a stopped tgtd runs it when it resumes,
	 * after the core took the step as not done. Sent, oldest first,
	 * before anything else once tgtd answers again. */
	struct pending *pending;
	size_t npending, cap_pending;
	/* tids of the last enumeration, refreshed when a target is unknown */
	struct lm_stack known;
	uint32_t *tids;
};

static struct tgt *tgt_of(struct lm_backend *b)
{
	return (struct tgt *)b;
}

/* One request to tgtd, whichever transport carries it. The named fields
 * become tgtadm's options or, in tgtadm's order, the request body. */
struct op {
	enum lm_tgt_mode mode;
	enum lm_tgt_op op;
	int32_t tid;  /* -1: none (a show of all targets) */
	uint64_t sid; /* a session's TSIH, 0: none */
	uint64_t lun; /* NO_LUN: none */
	bool force;
	const char *path, *targetname, *init_addr, *init_name, *param;
	/* a show's text goes here as it arrives, not to out */
	struct lm_tgt_show *show;
};

/* an op with its own copies of the strings it needs */
struct pending {
	struct op op;
	char path[LM_PATH_MAX_COPY], param[48];
	uint32_t benign; /* tgtd's answer that means "already so" */
};

static void logf_(struct tgt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct tgt *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!t->conf.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	t->conf.log(t->conf.log_ctx, msg);
}

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
static void probe(struct tgt *t)
{
	struct op o = { .mode = LM_TGT_MODE_SYSTEM, .op = LM_TGT_OP_SHOW, .tid = -1, .lun = NO_LUN };
	struct lm_err e = { 0 };
	char *text = NULL;
	lm_hr hr = via_socket(t, &o, &text, &e);
	bool ok = !lm_failed(hr) && strncmp(text, "System:", 7) == 0;

	if (ok) {
		t->transport = TR_SOCKET;
		logf_(t, "tgt: speaking tgtd's management protocol on %s", t->socket_path);
	} else if (t->last_status == LM_TGT_IPC_NO_TGTD || t->last_status == LM_TGT_IPC_TIMEOUT) {
		/* no verdict: tgtd is not there or not answering */
	} else {
		t->transport = TR_TGTADM;
		logf_(t, "tgt: tgtd on %s does not answer \"show system\" as this lunmap expects "
		      "(%s): running %s for every step instead", t->socket_path,
		      lm_failed(hr) ? e.msg : "its text does not start with \"System:\"",
		      t->conf.tgtadm);
	}
	free(text);
}

static lm_hr send_op(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	return t->transport == TR_TGTADM ? via_tgtadm(t, o, out, err) : via_socket(t, o, out, err);
}

static void queue_undo(struct tgt *t, const struct op *o, uint32_t benign)
{
	struct pending *p;

	if (t->npending == t->cap_pending) {
		size_t ncap = t->cap_pending ? 2 * t->cap_pending : 4;
		struct pending *nv = realloc(t->pending, ncap * sizeof *nv);
		if (!nv)
			return; /* the drift check will see what tgtd did */
		t->pending = nv;
		t->cap_pending = ncap;
	}
	p = &t->pending[t->npending++];
	p->op = *o;
	p->benign = benign;
	snprintf(p->path, sizeof p->path, "%s", o->path ? o->path : "");
	snprintf(p->param, sizeof p->param, "%s", o->param ? o->param : "");
	p->op.path = o->path ? p->path : NULL;
	p->op.param = o->param ? p->param : NULL;
}

/* Sends the undo requests; stops at the first tgtd does not answer. */
static void flush_undo(struct tgt *t)
{
	size_t done = 0;

	while (done < t->npending) {
		struct pending *p = &t->pending[done];
		struct lm_err e = { 0 };
		lm_hr hr = send_op(t, &p->op, NULL, &e);
		if (t->last_status == LM_TGT_IPC_TIMEOUT || t->last_status == LM_TGT_IPC_NO_TGTD ||
		    t->last_status == LM_TGT_IPC_NOT_SENT)
			break;
		if (lm_failed(hr) && !(t->last_status == LM_TGT_IPC_REFUSED &&
				       t->last_tgt_err == p->benign))
			logf_(t, "tgt: undoing a step tgtd did not answer in time failed: %s", e.msg);
		done++;
	}
	memmove(t->pending, t->pending + done, (t->npending - done) * sizeof *t->pending);
	t->npending -= done;
}

/* A step tgtd did not answer may still be done when it resumes: queue
 * what takes it back, so that "failed" stays "not done". */
static void after_timeout(struct tgt *t, const struct op *o, const struct lm_lun *lun)
{
	const char *path = lun ? lun->path : NULL;
	struct op undo = *o;

	if (o->mode != LM_TGT_MODE_DEVICE)
		return;
	if (o->op == LM_TGT_OP_UPDATE && o->param && strncmp(o->param, "readonly=", 9) == 0) {
		/* an access change the core keeps as not done: the other one */
		undo.param = strcmp(o->param, "readonly=1") == 0 ? "readonly=0" : "readonly=1";
		queue_undo(t, &undo, UINT32_MAX);
	} else if (o->op == LM_TGT_OP_NEW) {
		undo.op = LM_TGT_OP_DELETE;
		undo.path = NULL;
		queue_undo(t, &undo, ERR_NO_LUN);
	} else if (o->op == LM_TGT_OP_DELETE && !path) {
		/* itself an undo (of an add): send it again */
		queue_undo(t, o, ERR_NO_LUN);
	} else if (o->op == LM_TGT_OP_DELETE) {
		/* a removal the core keeps as not done: add the LU back */
		char hex[33], id[48], sn[48];
		undo.op = LM_TGT_OP_NEW;
		undo.path = path;
		queue_undo(t, &undo, ERR_LUN_EXIST);
		lm_guid_hex(&lun->id, hex);
		snprintf(id, sizeof id, "scsi_id=%s", hex);
		snprintf(sn, sizeof sn, "scsi_sn=%s", hex);
		undo.op = LM_TGT_OP_UPDATE;
		undo.path = NULL;
		undo.param = id;
		queue_undo(t, &undo, UINT32_MAX);
		undo.param = sn;
		queue_undo(t, &undo, UINT32_MAX);
	}
}

/* lun: for an LU removal, the LU (to add it back if tgtd does not answer
 * in time); NULL otherwise. */
static lm_hr request(struct tgt *t, const struct op *o, const struct lm_lun *lun, char **out,
		     struct lm_err *err)
{
	lm_hr hr;

	if (t->transport == TR_PROBE)
		probe(t);
	if (t->npending)
		flush_undo(t);
	hr = send_op(t, o, out, err);
	if (t->last_status == LM_TGT_IPC_TIMEOUT)
		after_timeout(t, o, lun);
	return hr;
}

static lm_hr tgtadm(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	return request(t, o, NULL, out, err);
}

static lm_hr tgt_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_SHOW, .tid = -1,
			.lun = NO_LUN, .show = lm_tgt_show_new() };
	struct lm_stack parsed;
	struct lm_err e;
	uint32_t *tids;
	lm_hr hr;

	memset(out, 0, sizeof *out);
	if (!o.show)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
	/* parsed as it arrives: the listing of 100k LUs is never held whole */
	hr = tgtadm(t, &o, NULL, err);
	if (lm_failed(hr) && !lm_tgt_show_refused(o.show)) {
		lm_tgt_show_end(o.show, &parsed, &tids, &e);
		lm_stack_clear(&parsed);
		free(tids);
		return hr;
	}
	hr = lm_tgt_show_end(o.show, &parsed, &tids, err);
	if (lm_failed(hr))
		return hr;
	lm_stack_clear(&t->known);
	free(t->tids);
	t->tids = tids;
	/* known keeps every target's name for its tid and its ACL (no LUs:
	 * a copy of 100k of them cost megabytes); what lunmap is told is
	 * validated */
	for (size_t i = 0; i < parsed.ntargets && !lm_failed(hr); i++) {
		const char *acl = parsed.targets[i].acl;
		struct lm_stack_target *k;
		hr = lm_stack_add_target(&t->known, parsed.targets[i].iqn);
		if (lm_failed(hr) || !acl)
			continue;
		k = &t->known.targets[t->known.ntargets - 1];
		if (!(k->acl = strdup(acl)))
			hr = LM_E_OUTOFMEMORY;
	}
	if (lm_failed(hr) || lm_failed(lm_stack_validate(&parsed))) {
		lm_stack_clear(&parsed);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
	}
	*out = parsed;
	return LM_S_OK;
}

static int find_tid(struct tgt *t, const char *iqn, uint32_t *tid)
{
	for (size_t i = 0; i < t->known.ntargets; i++)
		if (strcmp(t->known.targets[i].iqn, iqn) == 0) {
			*tid = t->tids[i];
			return 0;
		}
	return -1;
}

static lm_hr tid_of(struct tgt *t, const char *iqn, uint32_t *tid, struct lm_err *err)
{
	struct lm_stack fresh;
	lm_hr hr;

	if (find_tid(t, iqn, tid) == 0)
		return LM_S_OK;
	hr = tgt_enumerate(&t->base, &fresh, err);
	if (lm_failed(hr))
		return hr;
	lm_stack_clear(&fresh);
	if (find_tid(t, iqn, tid) == 0)
		return LM_S_OK;
	return lm_err_set(err, LM_E_FAIL, "target %s is not in tgtd", iqn);
}

/* The ACL of a target of the last enumeration, or NULL. */
static const char *acl_of(const struct tgt *t, const char *iqn)
{
	const struct lm_stack_target *st = lm_stack_find_target(&t->known, iqn);

	return st ? st->acl : NULL;
}

/* Binds the initiators of list that the ACL `have` does not hold yet
 * (tgtd refuses a rule it has). */
static lm_hr bind_initiators(struct tgt *t, int32_t tid, const char *list, const char *have,
			     struct lm_err *err)
{
	char *copy, *save = NULL;
	lm_hr hr = LM_S_OK;

	if (!list || !*list)
		return LM_S_OK;
	copy = strdup(list);
	if (!copy)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (char *w = strtok_r(copy, ", ", &save); w && !lm_failed(hr);
	     w = strtok_r(NULL, ", ", &save)) {
		bool by_name = strncmp(w, "iqn.", 4) == 0 || strncmp(w, "eui.", 4) == 0;
		if (have && lm_stack_acl_has(have, w))
			continue;
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_BIND, .tid = tid,
				.lun = NO_LUN, .init_addr = by_name ? NULL : w,
				.init_name = by_name ? w : NULL };
		hr = tgtadm(t, &o, NULL, err);
	}
	free(copy);
	return hr;
}

static lm_hr tgt_create_target(struct lm_backend *b, const struct lm_target *target,
			       struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	struct lm_stack fresh;
	uint32_t tid = 0;
	lm_hr hr = tgt_enumerate(b, &fresh, err);

	if (lm_failed(hr))
		return hr;
	lm_stack_clear(&fresh);
	/* there, but some initiators left out: a crash came between "new"
	 * and a "bind" (start-up calls this for it); bind those, never delete
	 * it (it may have LUs) */
	if (find_tid(t, target->iqn, &tid) == 0)
		return bind_initiators(t, (int32_t)tid, target->initiators,
				       acl_of(t, target->iqn), err);
	for (size_t i = 0; i < t->known.ntargets; i++)
		if (t->tids[i] > tid)
			tid = t->tids[i];
	tid++;
	{
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_NEW,
				.tid = (int32_t)tid, .lun = NO_LUN, .targetname = target->iqn };
		hr = tgtadm(t, &o, NULL, err);
	}
	if (lm_failed(hr))
		return hr;
	hr = bind_initiators(t, (int32_t)tid, target->initiators, NULL, err);
	if (lm_failed(hr)) {
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_DELETE,
				.tid = (int32_t)tid, .lun = NO_LUN };
		tgtadm(t, &o, NULL, NULL);
		return hr;
	}
	/* learn the new tid */
	hr = tgt_enumerate(b, &fresh, err);
	lm_stack_clear(&fresh);
	return hr;
}

static lm_hr lu_delete(struct tgt *t, uint32_t tid, uint32_t number, struct lm_err *err)
{
	struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = (int32_t)tid,
			.lun = number };

	return tgtadm(t, &o, NULL, err);
}

/* An LU made whose identity could not be set is taken away again, so
 * that the failed step is not done. When tgtd refuses that, the LU stays
 * with tgt's default serial: cacheCorrupt, never "not done". Gone with
 * tgtd or its target, the LU is not there either; a deletion tgtd did not
 * answer in time is queued and counts as done. */
static lm_hr take_back(struct tgt *t, const char *iqn, uint32_t tid, uint32_t number, lm_hr hr,
		       struct lm_err *err)
{
	struct lm_err e = { 0 };
	char why[LM_ERR_MSG_MAX];

	if (lm_failed(lu_delete(t, tid, number, &e)) && t->last_status == LM_TGT_IPC_NOT_SENT) {
		/* no time left to send it now: it waits with the other
		 * take-backs, and the subsystem is not online until it is done */
		const struct op del = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE,
					.tid = (int32_t)tid, .lun = number };
		queue_undo(t, &del, ERR_NO_LUN);
		return hr;
	}
	if (t->last_status == LM_TGT_IPC_OK || t->last_status == LM_TGT_IPC_TIMEOUT ||
	    t->last_status == LM_TGT_IPC_NO_TGTD ||
	    (t->last_status == LM_TGT_IPC_REFUSED &&
	     (t->last_tgt_err == ERR_NO_LUN || t->last_tgt_err == ERR_NO_TARGET)))
		return hr;
	/* what stays where first: the reasons may not all fit */
	snprintf(why, sizeof why, "%s", err ? err->msg : "");
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "LU %u of %s stays without its identity (tgtd refused to take it back: %s); "
			  "setting it failed: %s", number, iqn, e.msg, why);
}

static lm_hr tgt_add_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char hex[33], id[48], sn[48];
	uint32_t tid;
	lm_hr hr = tid_of(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	lm_guid_hex(&lun->id, hex);
	/* the same identity on every target: multipath sees one disk. One
	 * parameter per update: tgtd applies "a=1,b=2" partly, then fails. */
	snprintf(id, sizeof id, "scsi_id=%s", hex);
	snprintf(sn, sizeof sn, "scsi_sn=%s", hex);
	const struct op add = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_NEW,
				.tid = (int32_t)tid, .lun = number, .path = lun->path };
	const struct op set_id = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
				   .tid = (int32_t)tid, .lun = number, .param = id };
	const struct op set_sn = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
				   .tid = (int32_t)tid, .lun = number, .param = sn };
	hr = tgtadm(t, &add, NULL, err);
	if (lm_failed(hr))
		return hr;
	hr = tgtadm(t, &set_id, NULL, err);
	if (!lm_failed(hr))
		hr = tgtadm(t, &set_sn, NULL, err);
	if (lm_failed(hr))
		return take_back(t, target->iqn, tid, number, hr, err);
	return hr;
}

static lm_hr tgt_remove_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid;
	lm_hr hr = tid_of(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = (int32_t)tid,
			.lun = number };
	return request(t, &o, lun, NULL, err);
}

/* The LU's "readonly" parameter (tgt's show prints it as "Readonly:"):
 * a WRITE to it fails with DATA PROTECT. */
static lm_hr tgt_set_access(struct lm_backend *b, const struct lm_target *target,
			    uint32_t number, const struct lm_lun *lun, bool readonly,
			    struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid;
	lm_hr hr = tid_of(t, target->iqn, &tid, err);

	(void)lun;
	if (lm_failed(hr))
		return hr;
	const struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
			      .tid = (int32_t)tid, .lun = number,
			      .param = readonly ? "readonly=1" : "readonly=0" };
	return tgtadm(t, &o, NULL, err);
}

/* ---------------------------------------------------------------- sessions */

struct stat_ctx {
	struct tgt *t;
	uint32_t tid;
};

static lm_hr session_stat(void *ctx, uint32_t tsih, char **text, bool *gone, struct lm_err *err)
{
	struct stat_ctx *c = ctx;
	struct op o = { .mode = LM_TGT_MODE_SESSION, .op = LM_TGT_OP_STATS, .tid = (int32_t)c->tid,
			.sid = tsih, .lun = NO_LUN };
	lm_hr hr = tgtadm(c->t, &o, text, err);

	*gone = lm_failed(hr) && c->t->last_status == LM_TGT_IPC_REFUSED &&
		c->t->last_tgt_err == ERR_NO_SESSION;
	return *gone ? LM_S_OK : hr;
}

/* The target's connection view, each session in it confirmed by its
 * statistics (sessions.h says why both): 1 + one request a session. */
static lm_hr tgt_sessions(struct lm_backend *b, const struct lm_target *target,
			  struct lm_obs_sessions *out, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	struct stat_ctx c = { t, 0 };
	bool again = false;
	lm_hr hr = tid_of(t, target->iqn, &c.tid, err);

	memset(out, 0, sizeof *out);
	for (int attempt = 0; !lm_failed(hr) && attempt < 2; attempt++) {
		struct op o = { .mode = LM_TGT_MODE_CONNECTION, .op = LM_TGT_OP_SHOW,
				.tid = (int32_t)c.tid, .lun = NO_LUN };
		char *view = NULL;
		hr = tgtadm(t, &o, &view, err);
		if (!lm_failed(hr))
			hr = lm_tgt_verify_sessions(view, c.tid, session_stat, &c, attempt == 1, &again,
						    out, err);
		free(view);
		if (!again)
			break;
	}
	return hr;
}

static void tgt_destroy(struct lm_backend *b)
{
	struct tgt *t = tgt_of(b);

	lm_stack_clear(&t->known);
	free(t->tids);
	free(t->pending);
	free(t);
}

static void tgt_set_timeout(struct lm_backend *b, unsigned timeout_ms, bool patient)
{
	tgt_of(b)->conf.timeout_ms = timeout_ms ? timeout_ms : TGT_DEFAULT_TIMEOUT_MS;
	tgt_of(b)->patient = patient;
}

static void tgt_set_deadline(struct lm_backend *b, long long deadline_ms)
{
	tgt_of(b)->deadline = deadline_ms;
}

static size_t tgt_pending(const struct lm_backend *b)
{
	return ((const struct tgt *)b)->npending;
}

/* Sends the take-backs of steps tgtd did not answer in time, oldest
 * first (tgtd runs requests in the order they came). */
static lm_hr tgt_flush(struct lm_backend *b, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);

	if (t->transport == TR_PROBE)
		probe(t);
	flush_undo(t);
	if (!t->npending)
		return LM_S_OK;
	return lm_err_set(err, LM_HR_TIMEOUT,
			  "tgtd has not answered: %zu take-back(s) of steps it did not answer in "
			  "time wait to be sent", t->npending);
}

/* Whether an initiator is logged in to the target: tgtd's view of that
 * target's connections alone, not the whole listing (at 100,000 LUs
 * longer than a SET may wait). Its text names initiators as they chose
 * to be named, so only its being empty or not is read: a session shows
 * at least one line, whatever its bytes; more "Session:" lines than
 * sessions only change the count in a refusal's text. */
static lm_hr tgt_in_use(struct lm_backend *b, const struct lm_target *target, unsigned *sessions,
			struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char *text = NULL;
	uint32_t tid;
	lm_hr hr = tid_of(t, target->iqn, &tid, err);

	*sessions = 0;
	if (lm_failed(hr))
		return hr;
	const struct op o = { .mode = LM_TGT_MODE_CONNECTION, .op = LM_TGT_OP_SHOW,
			      .tid = (int32_t)tid, .lun = NO_LUN };
	hr = tgtadm(t, &o, &text, err);
	if (lm_failed(hr))
		return hr;
	for (const char *p = text; *p; p++)
		if ((p == text || p[-1] == '\n') && strncmp(p, "Session: ", 9) == 0)
			++*sessions;
	if (!*sessions && text[strspn(text, " \t\r\n")])
		*sessions = 1;
	free(text);
	return LM_S_OK;
}

static const struct lm_backend_ops tgt_ops = {
	.name = "tgt",
	.naa = lm_naa_tgt,
	.min_lun_number = 1,
	.enumerate = tgt_enumerate,
	.create_target = tgt_create_target,
	.add_lu = tgt_add_lu,
	.remove_lu = tgt_remove_lu,
	.set_access = tgt_set_access,
	.destroy = tgt_destroy,
	.set_timeout = tgt_set_timeout,
	.set_deadline = tgt_set_deadline,
	.in_use = tgt_in_use,
	.pending = tgt_pending,
	.flush = tgt_flush,
	.sessions = tgt_sessions,
	/* tgtd's defaults (spc.c, sbc.c), which lunmap never changes */
	.inquiry = (const char *const[]){ "IET", "VIRTUAL-DISK", "0001" },
};

struct lm_backend *lm_tgt_new(const struct lm_backend_conf *conf)
{
	struct tgt *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->base.ops = &tgt_ops;
	t->base.priv = t;
	t->conf = *conf;
	if (!t->conf.timeout_ms)
		t->conf.timeout_ms = TGT_DEFAULT_TIMEOUT_MS;
	snprintf(t->port, sizeof t->port, "%u", conf->control_port);
	if (strcmp(conf->transport, "tgtadm") == 0)
		t->transport = TR_TGTADM;
	else if (lm_tgt_ipc_path(conf->control_port, t->socket_path, sizeof t->socket_path) != 0) {
		/* $TGT_IPC_SOCKET too long for a socket address: tgtadm says why */
		t->transport = TR_TGTADM;
		logf_(t, "tgt: tgtd's socket path does not fit a socket address: using %s",
		      t->conf.tgtadm);
	} else
		t->transport = strcmp(conf->transport, "socket") == 0 ? TR_SOCKET : TR_PROBE;
	if (t->transport == TR_PROBE)
		probe(t);
	return &t->base;
}
