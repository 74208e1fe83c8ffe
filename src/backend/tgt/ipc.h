/* SPDX-License-Identifier: BSD-3-Clause */
/* A client of tgtd's management protocol (what tgtadm speaks): one request
 * per connection on the Unix socket /var/run/tgtd/socket.N, a 120-byte
 * header in host byte order and a text body; the answer is an error code
 * (tgtadm_err) and, for a show, the text tgtadm would print. Every request
 * has a deadline, so a stopped tgtd costs a bounded wait, never a blocked
 * caller. No process is started. */
#ifndef LUNMAP_TGT_IPC_H
#define LUNMAP_TGT_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "hresult.h"

/* tgtd's enum tgtadm_op and enum tgtadm_mode (usr/tgtadm.h) */
enum lm_tgt_op {
	LM_TGT_OP_NEW = 0, LM_TGT_OP_DELETE = 1, LM_TGT_OP_SHOW = 2, LM_TGT_OP_BIND = 3,
	LM_TGT_OP_UNBIND = 4, LM_TGT_OP_UPDATE = 5, LM_TGT_OP_STATS = 6,
};
enum lm_tgt_mode {
	LM_TGT_MODE_SYSTEM = 0, LM_TGT_MODE_TARGET = 1, LM_TGT_MODE_DEVICE = 2,
	LM_TGT_MODE_LLD = 4, LM_TGT_MODE_SESSION = 5, LM_TGT_MODE_CONNECTION = 6,
};

/* sizes of the wire structures */
#define LM_TGT_REQ_SIZE 120u
#define LM_TGT_RSP_SIZE 8u
/* tgtd drops a request whose body is larger, without an answer */
#define LM_TGT_MAX_REQ_BODY 8192u
/* a show of 400,000 LUs is ~250 MB; a length beyond this is not tgtd's */
#define LM_TGT_MAX_RSP_BODY (1024u * 1024u * 1024u)
/* tgtd's highest tgtadm_err (TGTADM_PREVENT_REMOVAL) */
#define LM_TGT_ERR_MAX 24u

struct lm_tgt_req {
	enum lm_tgt_mode mode;
	enum lm_tgt_op op;
	int32_t tid;      /* -1: all (a show of every target) */
	uint64_t sid;     /* a session's TSIH (0: none) */
	uint64_t lun;
	uint32_t force;
	const char *body; /* NULL: none */
	/* When set, a successful answer's text goes to sink in pieces as it
	 * arrives, up to its first NUL, and rsp->body stays NULL: a show of
	 * 100k LUs (tens of MB) is never held whole. -1 from sink stops the
	 * reading (status LOCAL). */
	int (*sink)(void *ctx, const char *text, size_t n);
	void *sink_ctx;
};

/* How a request ended, for callers that must tell "tgtd said no" from
 * "tgtd did not answer" (the start-up probe). */
enum lm_tgt_ipc_status {
	LM_TGT_IPC_OK,
	LM_TGT_IPC_REFUSED,   /* tgtd answered with an error code (tgt_err) */
	LM_TGT_IPC_NO_TGTD,   /* nothing listens on the socket */
	LM_TGT_IPC_TIMEOUT,   /* no (complete) answer before the deadline */
	LM_TGT_IPC_CLOSED,    /* tgtd closed the connection before a full answer */
	LM_TGT_IPC_GARBLED,   /* an answer this client does not understand */
	LM_TGT_IPC_LOCAL,     /* refused here: body too large, no memory, socket error */
	LM_TGT_IPC_NOT_SENT,  /* no time left before the caller's deadline: not sent */
};

struct lm_tgt_rsp {
	enum lm_tgt_ipc_status status;
	uint32_t tgt_err; /* tgtd's tgtadm_err when REFUSED */
	char *body;       /* NUL-terminated text (malloc'd), NULL when none */
	size_t len;       /* strlen-like length of body */
};

/* The socket of tgtd's control port N: "$TGT_IPC_SOCKET.N" when that is set
 * (tgtd and tgtadm both honour it), else /var/run/tgtd/socket.N. -1 when
 * it does not fit a socket address. */
int lm_tgt_ipc_path(unsigned control_port, char *buf, size_t size);

/* One request with a deadline of timeout_ms for all of it (connect, send,
 * answer; an answer that keeps coming does not move it). S_OK when tgtd answered success; otherwise rsp->status says how
 * it ended and err says why, naming tgtd's error. rsp->body is the
 * caller's to free (lm_tgt_rsp_free) in every case. */
lm_hr lm_tgt_ipc_call(const char *path, const struct lm_tgt_req *req, unsigned timeout_ms,
		      struct lm_tgt_rsp *rsp, struct lm_err *err);
void lm_tgt_rsp_free(struct lm_tgt_rsp *rsp);

/* The one table of tgtd's error codes. name: the tgtadm_err constant;
 * says: what tgtadm prints for it (so the tgtadm fallback finds the same
 * entry in its stderr); means: what it tells a lunmap operator. */
struct lm_tgt_errinfo {
	uint32_t code;
	const char *name, *says, *means;
};
/* the entry of code; a generic one for a code tgtd does not have */
const struct lm_tgt_errinfo *lm_tgt_err_info(uint32_t code);
/* the entry whose text tgtadm printed on stderr, NULL if none */
const struct lm_tgt_errinfo *lm_tgt_err_find_text(const char *tgtadm_stderr);
/* The one place a tgtd error becomes an HRESULT. */
lm_hr lm_tgt_err_hr(uint32_t code);

#endif
