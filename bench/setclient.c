/* SPDX-License-Identifier: BSD-3-Clause */
/* bench/setclient: a manager that keeps its SNMP session open. Sets
 * OID (an OCTET STRING) to the hex VALUE, then to "", RUNS times, and
 * prints "up_ms down_ms" per run, each timed from send to answer.
 *   setclient HOST:PORT COMMUNITY OID HEXVALUE RUNS */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int set(netsnmp_session *ss, const oid *name, size_t len, const unsigned char *v, size_t vlen)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_SET), *rsp = NULL;
	int ok;

	snmp_pdu_add_variable(pdu, name, len, ASN_OCTET_STR, v, vlen);
	ok = snmp_synch_response(ss, pdu, &rsp) == STAT_SUCCESS && rsp &&
	     rsp->errstat == SNMP_ERR_NOERROR;
	if (rsp)
		snmp_free_pdu(rsp);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	netsnmp_session s, *ss;
	oid name[MAX_OID_LEN];
	size_t len = MAX_OID_LEN, vlen = 0;
	unsigned char v[4096];
	int runs;

	if (argc != 6)
		return 1;
	init_snmp("setclient");
	snmp_sess_init(&s);
	s.peername = argv[1];
	s.version = SNMP_VERSION_2c;
	s.community = (u_char *)argv[2];
	s.community_len = strlen(argv[2]);
	s.timeout = 10 * 1000000L;
	s.retries = 0;
	if (!read_objid(argv[3], name, &len))
		return 1;
	for (const char *h = argv[4]; h[0] && h[1] && vlen < sizeof v; h += 2) {
		unsigned x;
		sscanf(h, "%2x", &x);
		v[vlen++] = (unsigned char)x;
	}
	runs = atoi(argv[5]);
	ss = snmp_open(&s);
	if (!ss)
		return 1;
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms(), t1, t2;
		if (set(ss, name, len, v, vlen) != 0)
			return fprintf(stderr, "set up failed\n"), 1;
		t1 = now_ms();
		if (set(ss, name, len, v, 0) != 0)
			return fprintf(stderr, "set down failed\n"), 1;
		t2 = now_ms();
		printf("%.2f %.2f\n", t1 - t0, t2 - t1);
	}
	snmp_close(ss);
	return 0;
}
