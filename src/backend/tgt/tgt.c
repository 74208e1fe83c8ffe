/* SPDX-License-Identifier: BSD-3-Clause */
/* The tgt backend (design §4): userspace tgtd, over its management socket
 * or by running tgtadm. Its ops table; the steps, the reading of tgtd and
 * the requests are in the files tgt_int.h names. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "tgt_int.h"

#define TGT_DEFAULT_TIMEOUT_MS 2000

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
	lm_hr hr = lm_tgt_do(c->t, &o, text, err);

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
	lm_hr hr = lm_tgt_verified_tid(t, target->iqn, &c.tid, err);

	memset(out, 0, sizeof *out);
	for (int attempt = 0; !lm_failed(hr) && attempt < 2; attempt++) {
		struct op o = { .mode = LM_TGT_MODE_CONNECTION, .op = LM_TGT_OP_SHOW,
				.tid = (int32_t)c.tid, .lun = NO_LUN };
		char *view = NULL;
		hr = lm_tgt_do(t, &o, &view, err);
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

static const struct lm_backend_ops tgt_ops = {
	.name = "tgt",
	.naa = lm_naa_tgt,
	.min_lun_number = 1,
	.enumerate = lm_tgt_op_enumerate,
	.create_target = lm_tgt_op_create_target,
	.add_lu = lm_tgt_op_add_lu,
	.remove_lu = lm_tgt_op_remove_lu,
	.set_access = lm_tgt_op_set_access,
	.destroy = tgt_destroy,
	.set_timeout = tgt_set_timeout,
	.set_deadline = tgt_set_deadline,
	.in_use = lm_tgt_op_in_use,
	.pending = lm_tgt_op_pending,
	.flush = lm_tgt_op_flush,
	.manage = lm_tgt_op_manage,
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
		lm_tgt_log(t, "tgt: tgtd's socket path does not fit a socket address: using %s",
		      t->conf.tgtadm);
	} else
		t->transport = strcmp(conf->transport, "socket") == 0 ? TR_SOCKET : TR_PROBE;
	if (t->transport == TR_PROBE)
		lm_tgt_probe(t);
	return &t->base;
}
