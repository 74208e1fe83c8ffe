/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "deadline.h"
#include "ipc.h"
#include "run.h"
#include "census.h"
#include "sessions.h"
#include "show.h"
#include "valid.h"

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
#define ERR_ACL_EXIST 12 /* TGTADM_ACL_EXIST */

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
	/* flush_undo is sending the queued undo requests */
	bool flushing;
	enum lm_tgt_ipc_status last_status;
	uint32_t last_tgt_err;
	/* Requests that undo a step tgtd did not answer in time: the request
	 * sits in tgtd's socket and a stopped tgtd runs it when it resumes,
	 * after the core took the step as not done. Sent, oldest first,
	 * before anything else once tgtd answers again. */
	struct pending *pending;
	size_t npending, cap_pending;
	/* tgtd's list of targets (tid and name) as last asked, and the ACL
	 * of each target the last enumeration read (names and ACLs only) */
	struct lm_tgt_lld lld;
	/* when the list was asked (lm_now_ms), and tgtd's socket then: a
	 * restarted tgtd has another */
	long long lld_at;
	struct sock_id { dev_t dev; ino_t ino; struct timespec ctim; bool ok; } lld_sock;
	struct lm_stack known;
	/* the targets lunmap manages (sorted IQNs), each marked with its
	 * anchor (show.h); none when conf.anchor_key is "" */
	char **managed;
	size_t nmanaged;
};

static struct tgt *tgt_of(struct lm_backend *b)
{
	return (struct tgt *)b;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
	/* the target tid named when the op was made: an undo sent later
	 * finds it again by this name (tgtd may have been restarted) */
	const char *iqn;
	/* a removal that takes back an addition (sent again when tgtd did
	 * not answer it), not one the core asked for */
	bool takeback;
};

/* an op with its own copies of the strings it needs */
struct pending {
	struct op op;
	char path[LM_PATH_MAX_COPY], param[48];
	char iqn[LM_TGT_ANCHOR_MAX]; /* the target its tid named */
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

static lm_hr send_op(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	lm_hr hr = check_values(o, err);

	if (lm_failed(hr)) {
		t->last_status = LM_TGT_IPC_LOCAL;
		return hr;
	}
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
	snprintf(p->iqn, sizeof p->iqn, "%s", o->iqn ? o->iqn : "");
	p->op.path = o->path ? p->path : NULL;
	p->op.param = o->param ? p->param : NULL;
	p->op.iqn = p->iqn[0] ? p->iqn : NULL;
}

static lm_hr verified_tid(struct tgt *t, const char *iqn, uint32_t *tid, struct lm_err *err);

/* tgtd did not answer the last request, or it was not sent for want of
 * time */
static bool unanswered(const struct tgt *t)
{
	return t->last_status == LM_TGT_IPC_TIMEOUT || t->last_status == LM_TGT_IPC_NO_TGTD ||
	       t->last_status == LM_TGT_IPC_NOT_SENT;
}

/* Sends the undo requests; stops at the first tgtd does not answer. */
static void flush_undo(struct tgt *t)
{
	size_t done = 0;

	while (done < t->npending) {
		struct pending *p = &t->pending[done];
		struct lm_err e = { 0 };
		uint32_t tid;
		lm_hr hr;
		/* the queue may have moved (realloc, memmove): its strings are
		 * the entry's own copies */
		p->op.path = p->op.path ? p->path : NULL;
		p->op.param = p->op.param ? p->param : NULL;
		p->op.iqn = p->op.iqn ? p->iqn : NULL;
		if (p->op.iqn) {
			/* the tid may name another target by now */
			hr = verified_tid(t, p->op.iqn, &tid, &e);
			if (unanswered(t))
				break;
			if (lm_failed(hr)) {
				logf_(t, "tgt: an undo of %s is dropped: %s", p->op.iqn, e.msg);
				done++;
				continue;
			}
			p->op.tid = (int32_t)tid;
		}
		hr = send_op(t, &p->op, NULL, &e);
		if (unanswered(t))
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
		undo.takeback = true;
		queue_undo(t, &undo, ERR_NO_LUN);
	} else if (o->op == LM_TGT_OP_DELETE && o->takeback) {
		/* itself an undo (of an add): send it again */
		queue_undo(t, o, ERR_NO_LUN);
	} else if (o->op == LM_TGT_OP_DELETE && path) {
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
	/* not from inside the flush: its own requests (the tid asked for an
	 * undo) would flush again, without end */
	if (t->npending && !t->flushing) {
		t->flushing = true;
		flush_undo(t);
		t->flushing = false;
	}
	hr = send_op(t, o, out, err);
	if (t->last_status == LM_TGT_IPC_TIMEOUT)
		after_timeout(t, o, lun);
	return hr;
}

static lm_hr tgtadm(struct tgt *t, const struct op *o, char **out, struct lm_err *err)
{
	return request(t, o, NULL, out, err);
}

/* ------------------------------------------------------ what tgtd has */

/* The identity of tgtd's control socket: tgtd makes it anew at start
 * (unlink, bind). */
static struct sock_id sock_now(const struct tgt *t)
{
	char path[sizeof t->socket_path];
	struct sock_id id = { 0 };
	struct stat sb;

	if (lm_tgt_ipc_path(t->conf.control_port, path, sizeof path) == 0 && stat(path, &sb) == 0)
		id = (struct sock_id){ sb.st_dev, sb.st_ino, sb.st_ctim, true };
	return id;
}

static bool same_sock(const struct sock_id *a, const struct sock_id *b)
{
	return a->ok && b->ok && a->dev == b->dev && a->ino == b->ino &&
	       a->ctim.tv_sec == b->ctim.tv_sec && a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* tgtd's list of targets (census.h): every tid and name, no byte of an
 * initiator's */
static lm_hr ask_lld(struct tgt *t, struct lm_err *err)
{
	struct op o = { .mode = LM_TGT_MODE_LLD, .op = LM_TGT_OP_SHOW, .tid = -1, .lun = NO_LUN };
	struct lm_tgt_lld lld;
	char *text = NULL;
	lm_hr hr = tgtadm(t, &o, &text, err);

	if (!lm_failed(hr))
		hr = lm_tgt_lld_parse(text, &lld, err);
	free(text);
	if (lm_failed(hr))
		return hr;
	lm_tgt_lld_free(&t->lld);
	t->lld = lld;
	t->lld_at = lm_now_ms();
	t->lld_sock = sock_now(t);
	return LM_S_OK;
}

/* tgtd's statistics of a target (lun NO_LUN) or of one LU */
static lm_hr ask_stats(struct tgt *t, uint32_t tid, uint64_t lun, struct lm_tgt_stat_line **v,
		       size_t *n, struct lm_err *err)
{
	struct op o = { .mode = lun == NO_LUN ? LM_TGT_MODE_TARGET : LM_TGT_MODE_DEVICE,
			.op = LM_TGT_OP_STATS, .tid = (int32_t)tid, .lun = lun };
	char *text = NULL;
	lm_hr hr;

	*v = NULL;
	*n = 0;
	hr = tgtadm(t, &o, &text, err);
	if (!lm_failed(hr))
		hr = lm_tgt_stat_parse(text, v, n, err);
	free(text);
	return hr;
}

static bool managed(const struct tgt *t, const char *iqn)
{
	size_t lo = 0, hi = t->nmanaged;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(iqn, t->managed[mid]);
		if (!c)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* lunmap's ACL entry of the target (show.h): an address that lets nobody
 * in and that no initiator can see */
static lm_hr bind_anchor(struct tgt *t, uint32_t tid, const char *iqn, struct lm_err *err)
{
	char anchor[LM_TGT_ANCHOR_MAX];
	struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_BIND, .tid = (int32_t)tid,
			.lun = NO_LUN, .init_addr = anchor };

	lm_tgt_anchor(t->conf.anchor_key, iqn, anchor);
	return tgtadm(t, &o, NULL, err);
}

/* The number of sessions of one target: the lines of its LUN 0 in
 * tgtd's statistics, one per session (every target has LUN 0) */
static lm_hr count_sessions(struct tgt *t, uint32_t tid, unsigned *n, struct lm_err *err)
{
	struct lm_tgt_stat_line *v = NULL;
	size_t nv;
	lm_hr hr = ask_stats(t, tid, 0, &v, &nv, err);

	if (!lm_failed(hr))
		*n = (unsigned)nv;
	free(v);
	return hr;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A target read two ways up to its anchor: tgtd's statistics name its LUs
 * (only while it has a session). Still PENDING when they cannot tell. */
static void confirm(struct tgt *t, struct lm_tgt_show_result *r, size_t i)
{
	struct lm_tgt_stat_line *v = NULL;
	size_t nv = 0, n = 0;
	struct lm_err e;
	uint32_t *numbers;

	if (lm_failed(ask_stats(t, r->info[i].tid, NO_LUN, &v, &nv, &e)) ||
	    !(numbers = calloc(nv + 1, sizeof *numbers))) {
		free(v);
		return;
	}
	for (size_t k = 0; k < nv; k++)
		numbers[k] = (uint32_t)v[k].lun;
	qsort(numbers, nv, sizeof *numbers, u32_cmp);
	for (size_t k = 0; k < nv; k++)
		if (!n || numbers[n - 1] != numbers[k])
			numbers[n++] = numbers[k];
	lm_tgt_show_confirm(r, i, numbers, n);
	free(numbers);
	free(v);
}

/* One reading of tgtd: its list of targets, then the listing read
 * against it, streamed (100k LUs are never held whole). */
static lm_hr read_once(struct tgt *t, struct lm_tgt_show_result *r, struct lm_err *err)
{
	char (*anchor)[LM_TGT_ANCHOR_MAX] = NULL;
	const char **anchors = NULL;
	struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_SHOW, .tid = -1, .lun = NO_LUN };
	struct lm_err e;
	lm_hr hr = ask_lld(t, err);

	if (lm_failed(hr))
		return hr;
	anchor = calloc(t->lld.n + 1, sizeof *anchor);
	anchors = calloc(t->lld.n + 1, sizeof *anchors);
	if (!anchor || !anchors) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
		goto out;
	}
	for (size_t i = 0; i < t->lld.n; i++)
		if (managed(t, t->lld.v[i].name)) {
			lm_tgt_anchor(t->conf.anchor_key, t->lld.v[i].name, anchor[i]);
			anchors[i] = anchor[i];
		}
	if (!(o.show = lm_tgt_show_new(&t->lld, anchors))) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
		goto out;
	}
	hr = tgtadm(t, &o, NULL, err);
	if (lm_failed(hr) && !lm_tgt_show_refused(o.show)) {
		struct lm_tgt_show_result dead;
		if (!lm_failed(lm_tgt_show_end(o.show, &dead, &e)))
			lm_tgt_show_result_free(&dead);
		goto out;
	}
	hr = lm_tgt_show_end(o.show, r, err);
out:
	free(anchor);
	free(anchors);
	return hr;
}

/* Marks the managed targets tgtd lists without lunmap's anchor (made
 * before lunmap managed them, or tgtd restarted): true when any was. */
static bool anchor_missing(struct tgt *t, const struct lm_tgt_show_result *r)
{
	bool any = false;

	for (size_t i = 0; i < t->lld.n; i++) {
		struct lm_err e;
		if (r->info[i].anchored || !managed(t, t->lld.v[i].name))
			continue;
		if (!lm_failed(bind_anchor(t, t->lld.v[i].tid, t->lld.v[i].name, &e)))
			any = true;
		else if (!(t->last_status == LM_TGT_IPC_REFUSED && t->last_tgt_err == ERR_ACL_EXIST))
			logf_(t, "tgt: cannot mark target %s with lunmap's anchor: %s", t->lld.v[i].name,
			      e.msg);
	}
	return any;
}

/* Keeps every target's name and ACL for the steps (bind_initiators). */
static lm_hr remember(struct tgt *t, const struct lm_stack *parsed)
{
	lm_hr hr = LM_S_OK;

	lm_stack_clear(&t->known);
	for (size_t i = 0; i < parsed->ntargets && !lm_failed(hr); i++) {
		const char *acl = parsed->targets[i].acl;
		hr = lm_stack_add_target(&t->known, parsed->targets[i].iqn);
		if (!lm_failed(hr) && acl &&
		    !(t->known.targets[t->known.ntargets - 1].acl = strdup(acl)))
			hr = LM_E_OUTOFMEMORY;
	}
	return hr;
}

#define READ_ATTEMPTS 3

static lm_hr tgt_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	struct lm_tgt_show_result r = { 0 };
	bool anchored = false;
	lm_hr hr = LM_S_OK;

	memset(out, 0, sizeof *out);
	for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
		bool pending = false;
		lm_tgt_show_result_free(&r);
		hr = read_once(t, &r, err);
		if (lm_failed(hr))
			return hr;
		/* a target made or deleted between the two requests */
		if (r.stale && attempt + 1 < READ_ATTEMPTS)
			continue;
		if (!anchored && t->conf.anchor_key[0] && attempt + 1 < READ_ATTEMPTS) {
			anchored = true;
			if (anchor_missing(t, &r))
				continue;
		}
		for (size_t i = 0; i < r.stack.ntargets; i++)
			if (r.info[i].read == LM_TGT_PENDING) {
				confirm(t, &r, i);
				pending |= r.info[i].read == LM_TGT_PENDING;
			}
		if (!pending)
			break;
	}
	for (size_t i = 0; i < r.stack.ntargets; i++) {
		struct lm_err e;
		lm_tgt_show_give_up(&r, i);
		if (!r.info[i].sessions_known &&
		    lm_failed(count_sessions(t, r.info[i].tid, &r.stack.targets[i].sessions, &e)))
			r.stack.targets[i].sessions = 1; /* taken as there */
	}
	hr = remember(t, &r.stack);
	if (!lm_failed(hr))
		hr = lm_stack_validate(&r.stack);
	if (lm_failed(hr)) {
		lm_tgt_show_result_free(&r);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
	}
	*out = r.stack;
	memset(&r.stack, 0, sizeof r.stack);
	lm_tgt_show_result_free(&r);
	return LM_S_OK;
}

/* The tid tgtd's list gives the target (asked again when it has none). */
static lm_hr tid_by_name(struct tgt *t, const char *iqn, bool ask, uint32_t *tid,
			 struct lm_err *err)
{
	const struct lm_tgt_lld_target *l = lm_tgt_lld_by_name(&t->lld, iqn);
	lm_hr hr;

	if (!l && ask) {
		hr = ask_lld(t, err);
		if (lm_failed(hr))
			return hr;
		l = lm_tgt_lld_by_name(&t->lld, iqn);
	}
	if (!l)
		return lm_err_set(err, LM_E_FAIL, "target %s is not in tgtd", iqn);
	*tid = l->tid;
	return LM_S_OK;
}

/* The tid that names the target now, checked before every change: a tid
 * remembered from a listing may name another target since (tgtd restarted
 * and tgt-admin made others, or a target deleted and another made).
 * tgtd's list of targets (census.h) says, in one request of a few dozen
 * bytes a target and no byte of an initiator's (1,000 targets: 62 KB). A
 * list asked less than LLD_FRESH_MS ago serves again while tgtd's socket
 * is the one it was asked on (a restarted tgtd makes a new socket): the
 * steps of one change, and a change right after a listing, ask once.
 * What remains: a target deleted and another made at its tid by hand
 * within that time, and a change between tgtd's answer and the step's
 * request. */
#define LLD_FRESH_MS 1000

static lm_hr verified_tid(struct tgt *t, const char *iqn, uint32_t *tid, struct lm_err *err)
{
	uint32_t was = 0;
	bool knew = !lm_failed(tid_by_name(t, iqn, false, &was, NULL));
	struct sock_id now = sock_now(t);
	lm_hr hr;

	if (knew && lm_now_ms() - t->lld_at < LLD_FRESH_MS && same_sock(&now, &t->lld_sock)) {
		*tid = was;
		return LM_S_OK;
	}
	hr = ask_lld(t, err);
	if (lm_failed(hr))
		return hr;
	hr = tid_by_name(t, iqn, false, tid, err);
	if (!lm_failed(hr) && knew && was != *tid)
		logf_(t, "tgt: target %s is target id %u now, no longer %u", iqn, *tid, was);
	return hr;
}

static lm_hr tgt_manage(struct lm_backend *b, const char *const *iqns, size_t n,
			struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char **v = calloc(n + 1, sizeof *v);

	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(iqns[i]))) {
			while (i--)
				free(v[i]);
			free(v);
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		}
	qsort(v, n, sizeof *v, str_ptr_cmp);
	for (size_t i = 0; i < t->nmanaged; i++)
		free(t->managed[i]);
	free(t->managed);
	t->managed = v;
	t->nmanaged = n;
	return LM_S_OK;
}

/* A target lunmap makes is managed from then on. */
static lm_hr manage_one(struct tgt *t, const char *iqn)
{
	char **v;

	if (managed(t, iqn))
		return LM_S_OK;
	v = realloc(t->managed, (t->nmanaged + 1) * sizeof *v);
	if (!v)
		return LM_E_OUTOFMEMORY;
	t->managed = v;
	if (!(v[t->nmanaged] = strdup(iqn)))
		return LM_E_OUTOFMEMORY;
	t->nmanaged++;
	qsort(v, t->nmanaged, sizeof *v, str_ptr_cmp);
	return LM_S_OK;
}

/* Whether an initiator is logged in to the target, asked of that target
 * alone (the whole listing takes longer than a SET may wait at 100,000
 * LUs): the session lines of its LUN 0 in tgtd's statistics, numbers
 * only, no byte an initiator chose. */
static lm_hr tgt_in_use(struct lm_backend *b, const struct lm_target *target, unsigned *n,
		       struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid;
	lm_hr hr = verified_tid(t, target->iqn, &tid, err);

	*n = 0;
	return lm_failed(hr) ? hr : count_sessions(t, tid, n, err);
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
		/* tgtd admits a name by comparing it with the initiator's
		 * InitiatorName, whatever its type (iqn_acl, usr/iscsi/target.c);
		 * an address rule is parsed as an address and would never match
		 * a naa. name */
		bool by_name = strncmp(w, "iqn.", 4) == 0 || strncmp(w, "eui.", 4) == 0 ||
			       strncmp(w, "naa.", 4) == 0;
		if (have && lm_stack_acl_has(have, w))
			continue;
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_BIND, .tid = tid,
				.lun = NO_LUN, .init_addr = by_name ? NULL : w,
				.init_name = by_name ? w : NULL };
		hr = tgtadm(t, &o, NULL, err);
		/* bound already (an ACL not read, or read before) */
		if (lm_failed(hr) && t->last_status == LM_TGT_IPC_REFUSED &&
		    t->last_tgt_err == ERR_ACL_EXIST)
			hr = LM_S_OK;
	}
	free(copy);
	return hr;
}

static lm_hr anchor_of_new(struct tgt *t, uint32_t tid, const char *iqn, struct lm_err *err)
{
	lm_hr hr;

	if (!t->conf.anchor_key[0])
		return LM_S_OK;
	hr = bind_anchor(t, tid, iqn, err);
	if (lm_failed(hr) && t->last_status == LM_TGT_IPC_REFUSED && t->last_tgt_err == ERR_ACL_EXIST)
		hr = LM_S_OK;
	return hr;
}

static lm_hr tgt_create_target(struct lm_backend *b, const struct lm_target *target,
			       struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	uint32_t tid = 0;
	lm_hr hr = manage_one(t, target->iqn);

	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory");
	hr = ask_lld(t, err);
	if (lm_failed(hr))
		return hr;
	/* there, but some initiators left out: a crash came between "new"
	 * and a "bind" (start-up calls this for it); bind those, never delete
	 * it (it may have LUs) */
	if (!lm_failed(tid_by_name(t, target->iqn, false, &tid, NULL))) {
		hr = anchor_of_new(t, tid, target->iqn, err);
		return lm_failed(hr) ? hr : bind_initiators(t, (int32_t)tid, target->initiators,
							     acl_of(t, target->iqn), err);
	}
	for (size_t i = 0; i < t->lld.n; i++)
		if (t->lld.v[i].tid > tid)
			tid = t->lld.v[i].tid;
	tid++;
	{
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_NEW,
				.tid = (int32_t)tid, .lun = NO_LUN, .targetname = target->iqn };
		hr = tgtadm(t, &o, NULL, err);
	}
	if (lm_failed(hr))
		return hr;
	hr = anchor_of_new(t, tid, target->iqn, err);
	if (!lm_failed(hr))
		hr = bind_initiators(t, (int32_t)tid, target->initiators, NULL, err);
	if (lm_failed(hr)) {
		struct op o = { .mode = LM_TGT_MODE_TARGET, .op = LM_TGT_OP_DELETE,
				.tid = (int32_t)tid, .lun = NO_LUN };
		tgtadm(t, &o, NULL, NULL);
		return hr;
	}
	/* learn the new tid */
	return ask_lld(t, err);
}

/* takes back the LU an addition made */
static lm_hr lu_delete(struct tgt *t, const char *iqn, uint32_t tid, uint32_t number,
		       struct lm_err *err)
{
	struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = (int32_t)tid,
			.lun = number, .iqn = iqn, .takeback = true };

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

	if (lm_failed(lu_delete(t, iqn, tid, number, &e)) &&
	    t->last_status == LM_TGT_IPC_NOT_SENT) {
		/* no time left to send it now: it waits with the other
		 * take-backs, and the subsystem is not online until it is done;
		 * sent to the target of that name, whatever its tid by then */
		const struct op del = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE,
					.tid = (int32_t)tid, .lun = number, .iqn = iqn,
					.takeback = true };
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
	lm_hr hr = verified_tid(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	lm_guid_hex(&lun->id, hex);
	/* the same identity on every target: multipath sees one disk. One
	 * parameter per update: tgtd applies "a=1,b=2" partly, then fails. */
	snprintf(id, sizeof id, "scsi_id=%s", hex);
	snprintf(sn, sizeof sn, "scsi_sn=%s", hex);
	const struct op add = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_NEW,
				.tid = (int32_t)tid, .lun = number, .path = lun->path,
				.iqn = target->iqn };
	const struct op set_id = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
				   .tid = (int32_t)tid, .lun = number, .param = id,
				   .iqn = target->iqn };
	const struct op set_sn = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
				   .tid = (int32_t)tid, .lun = number, .param = sn,
				   .iqn = target->iqn };
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
	lm_hr hr = verified_tid(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_DELETE, .tid = (int32_t)tid,
			.lun = number, .iqn = target->iqn };
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
	lm_hr hr = verified_tid(t, target->iqn, &tid, err);

	(void)lun;
	if (lm_failed(hr))
		return hr;
	const struct op o = { .mode = LM_TGT_MODE_DEVICE, .op = LM_TGT_OP_UPDATE,
			      .tid = (int32_t)tid, .lun = number,
			      .param = readonly ? "readonly=1" : "readonly=0", .iqn = target->iqn };
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
	lm_hr hr = verified_tid(t, target->iqn, &c.tid, err);

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
	lm_tgt_lld_free(&t->lld);
	for (size_t i = 0; i < t->nmanaged; i++)
		free(t->managed[i]);
	free(t->managed);
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
	t->flushing = true;
	flush_undo(t);
	t->flushing = false;
	if (!t->npending)
		return LM_S_OK;
	return lm_err_set(err, LM_HR_TIMEOUT,
			  "tgtd has not answered: %zu take-back(s) of steps it did not answer in "
			  "time wait to be sent", t->npending);
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
	.manage = tgt_manage,
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
