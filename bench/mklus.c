/* SPDX-License-Identifier: BSD-3-Clause */
/* bench/mklus: LUs through tgtd's socket (lunmap's tgtd client), from
 * lines "TID LUN PATH SERIAL":
 *   mklus CONTROL_PORT          null-backed LUs with that serial: the
 *                               start section's setup, as lunmapd would
 *                               have left them (not two tgtadm processes
 *                               an LU)
 *   mklus CONTROL_PORT add      the requests lunmapd sends to add an LU
 *                               with its identity (new, scsi_id, scsi_sn):
 *                               the socket floor of a bulk change
 *   mklus CONTROL_PORT delete   the LUs deleted
 * add and delete print the milliseconds they took; exit 1 on the first
 * refusal. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int one(const char *path, const char *mode, int tid, unsigned lun, const char *file,
	       const char *serial)
{
	char body[4200];

	if (strcmp(mode, "delete") == 0)
		return req(path, LM_TGT_OP_DELETE, tid, lun, NULL);
	snprintf(body, sizeof body, "path=%s%s", file, *mode ? "" : ",bstype=null");
	if (req(path, LM_TGT_OP_NEW, tid, lun, body))
		return -1;
	if (*mode) {
		snprintf(body, sizeof body, "scsi_id=%s", serial);
		if (req(path, LM_TGT_OP_UPDATE, tid, lun, body))
			return -1;
	}
	snprintf(body, sizeof body, "scsi_sn=%s", serial);
	return req(path, LM_TGT_OP_UPDATE, tid, lun, body);
}

int main(int argc, char **argv)
{
	char path[108], file[4096], serial[128];
	const char *mode = argc == 3 ? argv[2] : "";
	double t0 = now_ms();
	unsigned lun;
	int tid;

	if (argc < 2 || argc > 3 || lm_tgt_ipc_path((unsigned)atoi(argv[1]), path, sizeof path) != 0)
		return 2;
	while (scanf("%d %u %4095s %127s", &tid, &lun, file, serial) == 4)
		if (one(path, mode, tid, lun, file, serial))
			return 1;
	if (*mode)
		printf("%.1f\n", now_ms() - t0);
	return 0;
}
