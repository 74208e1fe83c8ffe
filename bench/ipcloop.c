/* SPDX-License-Identifier: BSD-3-Clause */
/* bench/ipcloop: the socket-only floor of a 0 -> 4 -> 0 change: the same
 * 8 + 4 requests as the tgtadm commands typed by hand (add and identity
 * per target, then delete), through lunmap's tgtd client, no SNMP.
 *   ipcloop CONTROL_PORT FILE RUNS TID... ; prints "up_ms down_ms" a run */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ipc.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int req(const char *path, enum lm_tgt_op op, int tid, const char *body)
{
	struct lm_tgt_req r = { .mode = LM_TGT_MODE_DEVICE, .op = op, .tid = tid, .lun = 1,
				.body = body };
	struct lm_tgt_rsp rsp;
	struct lm_err err;
	lm_hr hr = lm_tgt_ipc_call(path, &r, 2000, &rsp, &err);

	lm_tgt_rsp_free(&rsp);
	if (lm_failed(hr))
		fprintf(stderr, "ipcloop: %s\n", err.msg);
	return lm_failed(hr) ? -1 : 0;
}

int main(int argc, char **argv)
{
	char path[108], body[4200];
	int runs;

	if (argc < 5 || lm_tgt_ipc_path((unsigned)atoi(argv[1]), path, sizeof path) != 0)
		return 1;
	snprintf(body, sizeof body, "path=%s", argv[2]);
	runs = atoi(argv[3]);
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms(), t1;
		for (int a = 4; a < argc; a++)
			if (req(path, LM_TGT_OP_NEW, atoi(argv[a]), body) ||
			    req(path, LM_TGT_OP_UPDATE, atoi(argv[a]), "targetOps scsi_id=x,scsi_sn=x,"))
				return 1;
		t1 = now_ms();
		for (int a = 4; a < argc; a++)
			if (req(path, LM_TGT_OP_DELETE, atoi(argv[a]), NULL))
				return 1;
		printf("%.2f %.2f\n", t1 - t0, now_ms() - t1);
	}
	return 0;
}
