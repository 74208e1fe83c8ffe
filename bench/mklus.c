/* SPDX-License-Identifier: BSD-3-Clause */
/* bench/mklus: the start section's setup through tgtd's socket (lunmap's
 * tgtd client), instead of two tgtadm processes an LU: reads lines
 * "TID LUN PATH SERIAL" and adds each LU null-backed, then sets its
 * serial, as lunmapd would have left it.
 *   mklus CONTROL_PORT < lines ; exit 1 on the first refusal */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ipc.h"

static int req(const char *path, enum lm_tgt_op op, int tid, unsigned lun, const char *body)
{
	struct lm_tgt_req r = { .mode = LM_TGT_MODE_DEVICE, .op = op, .tid = tid, .lun = lun,
				.body = body };
	struct lm_tgt_rsp rsp;
	struct lm_err err;
	lm_hr hr = lm_tgt_ipc_call(path, &r, 10000, &rsp, &err);

	lm_tgt_rsp_free(&rsp);
	if (lm_failed(hr))
		fprintf(stderr, "mklus: tid %d lun %u: %s\n", tid, lun, err.msg);
	return lm_failed(hr) ? -1 : 0;
}

int main(int argc, char **argv)
{
	char path[108], file[4096], serial[128], body[4200];
	unsigned lun;
	int tid;

	if (argc != 2 || lm_tgt_ipc_path((unsigned)atoi(argv[1]), path, sizeof path) != 0)
		return 2;
	while (scanf("%d %u %4095s %127s", &tid, &lun, file, serial) == 4) {
		snprintf(body, sizeof body, "path=%s,bstype=null", file);
		if (req(path, LM_TGT_OP_NEW, tid, lun, body))
			return 1;
		snprintf(body, sizeof body, "scsi_sn=%s", serial);
		if (req(path, LM_TGT_OP_UPDATE, tid, lun, body))
			return 1;
	}
	return 0;
}
