/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgt_render.h"

#define TAB1 "    "
#define TAB2 TAB1 TAB1
#define TAB3 TAB1 TAB1 TAB1
#define TAB4 TAB2 TAB2

struct r_lu r_controller(uint32_t tid, char id[40], char sn[40])
{
	return r_disk(tid, 0, NULL, NULL, NULL, id, sn);
}

struct r_lu r_disk(uint32_t tid, uint64_t number, const char *path, const char *scsi_id,
		   const char *scsi_sn, char id[40], char sn[40])
{
	/* spc.c: tgtd's default identity of an LU */
	snprintf(id, 40, "IET     %04x%04" PRIx64, tid, number);
	snprintf(sn, 40, "beaf%u%" PRIu64, tid, number);
	return (struct r_lu){
		.number = number, .type = number ? "disk" : "controller",
		.scsi_id = scsi_id ? scsi_id : id, .scsi_sn = scsi_sn ? scsi_sn : sn,
		.size_mb = number ? 4 : 0, .block_size = number ? 512 : 1, .online = true,
		.bstype = number ? "rdwr" : "null", .path = path, .flags = "",
	};
}

static const char *yn(bool b)
{
	return b ? "Yes" : "No";
}

char *r_show(const struct r_target *tg, size_t n)
{
	char *text = NULL, info[1024];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++) {
		const struct r_target *t = &tg[i];
		fprintf(f, "Target %d: %s\n" TAB1 "System information:\n" TAB2 "Driver: %s\n"
			   TAB2 "State: %s\n", (int)t->tid, t->name, t->driver, t->state);
		if (!strcmp(t->driver, "iscsi") && t->nop_interval)
			fprintf(f, TAB2 "Nop interval: %d\n" TAB2 "Nop count: %d\n", t->nop_interval,
				t->nop_count);
		fprintf(f, TAB1 "I_T nexus information:\n");
		for (size_t k = 0; k < t->nsessions; k++) {
			const struct r_session *s = &t->sessions[k];
			/* session_create: the text is made once, cut at 1,023 */
			snprintf(info, sizeof info,
				 TAB3 "Initiator: %s alias: %s\n" TAB3 "Connection: %u\n" TAB4 "%s%s\n",
				 s->name, s->alias ? s->alias : "none", s->cid, "IP Address: ", s->addr);
			fprintf(f, TAB2 "I_T nexus: %" PRIu64 "\n%s", s->tsih, info);
		}
		fprintf(f, TAB1 "LUN information:\n");
		for (size_t k = 0; k < t->nlus; k++) {
			const struct r_lu *l = &t->lus[k];
			fprintf(f, TAB2 "LUN: %" PRIu64 "\n" TAB3 "Type: %s\n" TAB3 "SCSI ID: %s\n"
				   TAB3 "SCSI SN: %s\n" TAB3 "Size: %" PRIu64 " MB, Block size: %d\n"
				   TAB3 "Online: %s\n" TAB3 "Removable media: %s\n"
				   TAB3 "Prevent removal: %s\n" TAB3 "Readonly: %s\n" TAB3 "SWP: %s\n"
				   TAB3 "Thin-provisioning: %s\n" TAB3 "Backing store type: %s\n"
				   TAB3 "Backing store path: %s\n" TAB3 "Backing store flags: %s\n",
				l->number, l->type, l->scsi_id, l->scsi_sn, l->size_mb, (int)l->block_size,
				yn(l->online), yn(l->removable), yn(l->prevent), yn(l->readonly),
				yn(l->swp), yn(l->thin), l->bstype, l->path ? l->path : "None", l->flags);
		}
		if (!strcmp(t->driver, "iscsi") || !strcmp(t->driver, "iser")) {
			fprintf(f, TAB1 "Account information:\n");
			for (size_t k = 0; k < t->naccounts; k++)
				fprintf(f, TAB2 "%s\n", t->accounts[k]);
			if (t->outgoing)
				fprintf(f, TAB2 "%s (outgoing)\n", t->outgoing);
		}
		fprintf(f, TAB1 "ACL information:\n");
		for (size_t k = 0; k < t->naddr; k++)
			fprintf(f, TAB2 "%s\n", t->acl_addr[k]);
		for (size_t k = 0; k < t->nname; k++)
			fprintf(f, TAB2 "%s\n", t->acl_name[k]);
	}
	fclose(f);
	return text;
}

char *r_lld(const struct r_target *t, size_t n)
{
	static const char *const drivers[] = { "iscsi", "iser" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "LLDs:\n");
	for (size_t d = 0; d < 2; d++) {
		fprintf(f, TAB1 "%s: %s\n", drivers[d], d ? "error" : "ready");
		for (size_t i = 0; i < n; i++)
			if (!strcmp(t[i].driver, drivers[d]))
				fprintf(f, TAB2 "Target %d: %s\n", (int)t[i].tid, t[i].name);
	}
	fclose(f);
	return text;
}

static void stat_line(FILE *f, uint32_t tid, uint64_t lun, uint64_t sid)
{
	fprintf(f, "%3d %3" PRIu64 " %3" PRIu64 " %12d %6d %12d %6d %12d %6d %12d %6d %4d\n",
		(int)tid, lun, sid, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

#define STAT_HEADER "tgt lun sid rd_subm(bytes,cmds) rd_done(bytes,cmds) " \
		    "wr_subm(bytes,cmds) wr_done(bytes,cmds) errs\n"

char *r_stat_target(const struct r_target *t)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, STAT_HEADER);
	for (size_t k = 0; k < t->nlus; k++)
		for (size_t s = 0; s < t->nsessions; s++)
			stat_line(f, t->tid, t->lus[k].number, t->sessions[s].tsih);
	fclose(f);
	return text;
}

char *r_stat_lun(const struct r_target *t, uint64_t lun)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, STAT_HEADER);
	for (size_t k = 0; k < t->nlus; k++)
		for (size_t s = 0; t->lus[k].number == lun && s < t->nsessions; s++)
			stat_line(f, t->tid, lun, t->sessions[s].tsih);
	fclose(f);
	return text;
}
