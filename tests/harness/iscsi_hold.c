/* SPDX-License-Identifier: BSD-3-Clause */
/* iscsi-hold PORTAL TARGET INITIATOR ALIAS: logs in to TARGET (no
 * authentication) with the given InitiatorName and InitiatorAlias, prints
 * "logged in", and holds the session until stdin closes. The hostile-input
 * test sends an alias with a newline and a forged "Target N:" line, as any
 * initiator may (issue #12). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>

int main(int argc, char **argv)
{
	struct iscsi_context *iscsi;
	char buf[64];

	if (argc != 5) {
		fprintf(stderr, "usage: iscsi-hold PORTAL TARGET INITIATOR ALIAS\n");
		return 2;
	}
	iscsi = iscsi_create_context(argv[3]);
	if (!iscsi || iscsi_set_alias(iscsi, argv[4]) || iscsi_set_targetname(iscsi, argv[2]) ||
	    iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL) ||
	    iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE)) {
		fprintf(stderr, "iscsi-hold: cannot set up the context\n");
		return 1;
	}
	if (iscsi_full_connect_sync(iscsi, argv[1], -1) != 0) {
		fprintf(stderr, "iscsi-hold: login failed: %s\n", iscsi_get_error(iscsi));
		return 1;
	}
	printf("logged in\n");
	fflush(stdout);
	while (fgets(buf, sizeof buf, stdin))
		;
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
