/* SPDX-License-Identifier: BSD-3-Clause */
/* The tgt backend's parts: the backend's state and one request to tgtd,
 * shared by its files (tgt.c has the ops table). */
#ifndef LUNMAP_TGT_INT_H
#define LUNMAP_TGT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "backend.h"
#include "census.h"
#include "ipc.h"
#include "show.h"

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

static inline struct tgt *tgt_of(struct lm_backend *b)
{
	return (struct tgt *)b;
}

/* what the backend decided on its own, to lunmapd's log */
#define lm_tgt_log(t, ...) lm_stack_say((t)->conf.log, (t)->conf.log_ctx, __VA_ARGS__)
/* transport.c: the start-up probe of which transport tgtd speaks */
void lm_tgt_probe(struct tgt *t);
/* transport.c: one request as it is, by the transport chosen */
lm_hr lm_tgt_send(struct tgt *t, const struct op *o, char **out, struct lm_err *err);

/* requests.c: every request of the backend (lun: for an LU removal, the LU,
 * to add it back when tgtd does not answer in time) */
lm_hr lm_tgt_request(struct tgt *t, const struct op *o, const struct lm_lun *lun, char **out,
		     struct lm_err *err);
/* lm_tgt_request of anything but an LU removal */
lm_hr lm_tgt_do(struct tgt *t, const struct op *o, char **out, struct lm_err *err);
void lm_tgt_queue_undo(struct tgt *t, const struct op *o, uint32_t benign);

/* requests.c: tgtd's list of targets, and the tid that names a target now */
lm_hr lm_tgt_ask_lld(struct tgt *t, struct lm_err *err);
lm_hr lm_tgt_tid_by_name(struct tgt *t, const char *iqn, bool ask, uint32_t *tid,
			 struct lm_err *err);
lm_hr lm_tgt_verified_tid(struct tgt *t, const char *iqn, uint32_t *tid, struct lm_err *err);

/* managed.c */
bool lm_tgt_managed(const struct tgt *t, const char *iqn);
lm_hr lm_tgt_manage_one(struct tgt *t, const char *iqn);
lm_hr lm_tgt_bind_anchor(struct tgt *t, uint32_t tid, const char *iqn, struct lm_err *err);

/* the ops (tgt.c has the table) */
lm_hr lm_tgt_op_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err);
lm_hr lm_tgt_op_in_use(struct lm_backend *b, const struct lm_target *target, unsigned *n,
		       struct lm_err *err);
lm_hr lm_tgt_op_manage(struct lm_backend *b, const char *const *iqns, size_t n,
		       struct lm_err *err);
lm_hr lm_tgt_op_create_target(struct lm_backend *b, const struct lm_target *target,
			      struct lm_err *err);
lm_hr lm_tgt_op_add_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
		       const struct lm_lun *lun, struct lm_err *err);
lm_hr lm_tgt_op_remove_lu(struct lm_backend *b, const struct lm_target *target,
			  uint32_t number, const struct lm_lun *lun, struct lm_err *err);
lm_hr lm_tgt_op_set_access(struct lm_backend *b, const struct lm_target *target,
			   uint32_t number, const struct lm_lun *lun, bool readonly,
			   struct lm_err *err);
size_t lm_tgt_op_pending(const struct lm_backend *b);
lm_hr lm_tgt_op_flush(struct lm_backend *b, struct lm_err *err);

#endif
