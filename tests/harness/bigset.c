/* SPDX-License-Identifier: BSD-3-Clause */
/* tests/harness/bigset: one SET PDU of any number of varbinds (snmpset
 * takes at most 128), read from stdin as "OID TYPE VALUE" lines (TYPE x:
 * hex OCTET STRING, i: INTEGER, u: Unsigned32). Prints how it ended and
 * how long the answer took:
 *   Reason: noError|<error-status name>|Timeout
 *   Failed object: OID (the varbind the error index names)
 *   Took: MILLISECONDS
 * and exits 0 for noError, 1 otherwise (2: usage).
 *   bigset HOST:PORT COMMUNITY [TIMEOUT-SECONDS] < varbinds */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const names[] = {
	"noError", "tooBig", "noSuchName", "badValue", "readOnly", "genError", "noAccess",
	"wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
	"inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed",
	"authorizationError", "notWritable", "inconsistentName",
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int add(netsnmp_pdu *pdu, char *line)
{
	char *o = strtok(line, " \t\n"), *t = strtok(NULL, " \t\n"), *v = strtok(NULL, " \t\n");
	oid name[MAX_OID_LEN];
	size_t len = MAX_OID_LEN;

	if (!o || !t || !read_objid(o, name, &len))
		return -1;
	return snmp_add_var(pdu, name, len, t[0], v ? v : "");
}

int main(int argc, char **argv)
{
	netsnmp_session s, *ss;
	netsnmp_pdu *pdu, *rsp = NULL;
	char line[70000];
	double t0;
	int st;

	if (argc < 3 || argc > 4)
		return 2;
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	init_snmp("bigset");
	snmp_sess_init(&s);
	s.peername = argv[1];
	s.version = SNMP_VERSION_2c;
	s.community = (u_char *)argv[2];
	s.community_len = strlen(argv[2]);
	s.timeout = (argc == 4 ? atol(argv[3]) : 10) * 1000000L;
	s.retries = 0;
	pdu = snmp_pdu_create(SNMP_MSG_SET);
	while (fgets(line, sizeof line, stdin))
		if (line[0] != '\n' && add(pdu, line) != 0)
			return fprintf(stderr, "bigset: bad varbind: %s", line), 2;
	ss = snmp_open(&s);
	if (!ss)
		return fprintf(stderr, "bigset: cannot open a session to %s\n", argv[1]), 2;
	t0 = now_ms();
	st = snmp_synch_response(ss, pdu, &rsp);
	if (st != STAT_SUCCESS || !rsp) {
		printf("Reason: Timeout\nTook: %.1f\n", now_ms() - t0);
		return 1;
	}
	printf("Reason: %s\n", rsp->errstat >= 0 && rsp->errstat < (long)(sizeof names / sizeof *names)
				       ? names[rsp->errstat] : "unknown");
	if (rsp->errstat && rsp->errindex > 0) {
		netsnmp_variable_list *v = rsp->variables;
		char buf[512];
		for (long i = 1; v && i < rsp->errindex; i++)
			v = v->next_variable;
		if (v && snprint_objid(buf, sizeof buf, v->name, v->name_length) > 0)
			printf("Failed object: %s\n", buf);
	}
	printf("Took: %.1f\n", now_ms() - t0);
	st = rsp->errstat == SNMP_ERR_NOERROR ? 0 : 1;
	snmp_free_pdu(rsp);
	snmp_close(ss);
	return st;
}
