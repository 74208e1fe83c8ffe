/* SPDX-License-Identifier: BSD-3-Clause */
/* A libiscsi initiator for the end-to-end tests, one action a run:
 *   iscsi-probe vpd83 URL    the designators of VPD page 0x83, one line
 *                            each: "TYPE CODESET HEX"
 *   iscsi-probe write URL    WRITE(10) of block 0 with its own content:
 *                            "ok", or "sense KEY ASC/ASCQ" and exit 1
 *   iscsi-probe hold URL     log in, print "logged-in", keep the session
 *                            until killed
 * URL: iscsi://HOST:PORT/IQN/LUN. iscsi-inq prints binary designators as
 * text, and iscsi-inq/iscsi-dd end their session at once: hence this. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static int vpd83(struct iscsi_context *is, int lun)
{
	struct scsi_task *t = iscsi_inquiry_sync(is, lun, 1, 0x83, 255);
	const uint8_t *d;
	size_t len, off = 4;

	if (!t || t->status != SCSI_STATUS_GOOD) {
		fprintf(stderr, "inquiry: %s\n", iscsi_get_error(is));
		return 1;
	}
	d = t->datain.data;
	len = 4 + ((size_t)d[2] << 8 | d[3]);
	if (len > (size_t)t->datain.size)
		len = (size_t)t->datain.size;
	while (off + 4 <= len) {
		size_t n = d[off + 3];
		printf("%u %u ", d[off + 1] & 0x0f, d[off] & 0x0f);
		for (size_t k = 0; k < n && off + 4 + k < len; k++)
			printf("%02X", d[off + 4 + k]);
		printf("\n");
		off += 4 + n;
	}
	scsi_free_scsi_task(t);
	return 0;
}

static int write_block(struct iscsi_context *is, int lun)
{
	struct scsi_task *t = iscsi_read10_sync(is, lun, 0, 512, 512, 0, 0, 0, 0, 0);
	unsigned char buf[512];
	int rc = 1;

	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size < 512) {
		fprintf(stderr, "read: %s\n", iscsi_get_error(is));
		return 2;
	}
	memcpy(buf, t->datain.data, sizeof buf);
	scsi_free_scsi_task(t);
	t = iscsi_write10_sync(is, lun, 0, buf, sizeof buf, 512, 0, 0, 0, 0, 0);
	if (!t) {
		fprintf(stderr, "write: %s\n", iscsi_get_error(is));
		return 2;
	}
	if (t->status == SCSI_STATUS_GOOD) {
		printf("ok\n");
		rc = 0;
	} else if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		printf("sense %s 0x%04X\n", scsi_sense_key_str(t->sense.key), (unsigned)t->sense.ascq);
	} else {
		printf("status %d\n", t->status);
	}
	scsi_free_scsi_task(t);
	return rc;
}

int main(int argc, char **argv)
{
	struct iscsi_context *is;
	struct iscsi_url *url;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: iscsi-probe vpd83|write|hold iscsi://HOST:PORT/IQN/LUN\n");
		return 2;
	}
	is = iscsi_create_context("iqn.2026-11.org.example:lunmap-probe");
	url = is ? iscsi_parse_full_url(is, argv[2]) : NULL;
	if (!url) {
		fprintf(stderr, "%s: %s\n", argv[2], is ? iscsi_get_error(is) : "no memory");
		return 2;
	}
	iscsi_set_targetname(is, url->target);
	iscsi_set_session_type(is, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(is, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (iscsi_full_connect_sync(is, url->portal, url->lun) != 0) {
		fprintf(stderr, "login: %s\n", iscsi_get_error(is));
		return 2;
	}
	if (!strcmp(argv[1], "vpd83")) {
		rc = vpd83(is, url->lun);
	} else if (!strcmp(argv[1], "write")) {
		rc = write_block(is, url->lun);
	} else if (!strcmp(argv[1], "hold")) {
		printf("logged-in\n");
		fflush(stdout);
		for (;;) { /* a command now and then keeps the session alive */
			struct scsi_task *t = iscsi_testunitready_sync(is, url->lun);
			if (!t)
				break;
			scsi_free_scsi_task(t);
			sleep(2);
		}
		rc = 0;
	} else {
		fprintf(stderr, "unknown action %s\n", argv[1]);
		rc = 2;
	}
	iscsi_destroy_url(url);
	iscsi_logout_sync(is);
	iscsi_destroy_context(is);
	return rc;
}
