/* SPDX-License-Identifier: BSD-3-Clause */
/* The floor AgentX sets: a minimal subagent serving N rows of a two-index,
 * two-column table from net-snmp's own tdata helper, as lunmapAssocTable
 * has them. Built and run by bench/run only. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <signal.h>
#include <stdlib.h>

static volatile sig_atomic_t running = 1;

static void stop(int sig)
{
	(void)sig;
	running = 0;
}

struct row {
	u_long number;
};

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
		   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	(void)h;
	(void)reg;
	if (reqinfo->mode != MODE_GET)
		return SNMP_ERR_NOERROR;
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		struct row *row = netsnmp_tdata_extract_entry(r);
		netsnmp_table_request_info *ti = netsnmp_extract_table_info(r);
		if (!row || !ti)
			continue;
		if (ti->colnum == 1)
			snmp_set_var_typed_integer(r->requestvb, ASN_UNSIGNED, (long)row->number);
		else
			snmp_set_var_typed_integer(r->requestvb, ASN_INTEGER, 1);
	}
	return SNMP_ERR_NOERROR;
}

int main(int argc, char **argv)
{
	/* the same shape as lunmapAssocTable, under another arc */
	static const oid table_oid[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 3261, 1, 4 };
	long nrows, ntargets = 64;
	netsnmp_tdata *table;
	netsnmp_table_registration_info *info;
	netsnmp_handler_registration *reg;

	if (argc != 3) {
		fprintf(stderr, "usage: baseline AGENTX-SOCKET ROWS\n");
		return 1;
	}
	nrows = atol(argv[2]);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	snmp_enable_stderrlog();
	init_agent("baseline");
	table = netsnmp_tdata_create_table("baseline", 0);
	info = SNMP_MALLOC_TYPEDEF(netsnmp_table_registration_info);
	netsnmp_table_helper_add_indexes(info, ASN_UNSIGNED, ASN_UNSIGNED, 0);
	info->min_column = 1;
	info->max_column = 2;
	reg = netsnmp_create_handler_registration("baseline", handler, table_oid,
						  OID_LENGTH(table_oid), HANDLER_CAN_RONLY);
	netsnmp_tdata_register(reg, table, info);
	/* rows as the generator lays out lunmap's: LUN i on 4 targets */
	for (long i = 0; i < nrows; i++) {
		netsnmp_tdata_row *row = netsnmp_tdata_create_row();
		struct row *data = malloc(sizeof *data);
		u_long lun = (u_long)(i / 4 + 1), target = (u_long)((i / 4 * 4 + i % 4) % ntargets + 1);
		data->number = (u_long)(i / ntargets + 1);
		row->data = data;
		netsnmp_tdata_row_add_index(row, ASN_UNSIGNED, &lun, sizeof lun);
		netsnmp_tdata_row_add_index(row, ASN_UNSIGNED, &target, sizeof target);
		netsnmp_tdata_add_row(table, row);
	}
	init_snmp("baseline");
	signal(SIGTERM, stop);
	signal(SIGINT, stop);
	while (running)
		agent_check_and_process(1);
	snmp_shutdown("baseline");
	return 0;
}
