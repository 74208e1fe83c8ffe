/* SPDX-License-Identifier: BSD-3-Clause */
/* A tgtd stack as data, and its texts rendered byte for byte as tgtd
 * 1.0.85 prints them (usr/target.c tgt_target_show_all, lld_show,
 * tgt_stat_*; usr/iscsi/session.c and iscsi_tcp.c for a session's text,
 * cut at 1,023 bytes): the ground truth of the differential fuzzer and of
 * the reader's unit tests. */
#ifndef LUNMAP_TGT_RENDER_H
#define LUNMAP_TGT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct r_lu {
	uint64_t number;
	const char *type;      /* "disk", "controller", ... */
	const char *scsi_id, *scsi_sn;
	uint64_t size_mb;
	unsigned block_size;
	bool online, removable, prevent, readonly, swp, thin;
	const char *bstype;    /* "rdwr", "null", ... */
	const char *path;      /* NULL: "None" */
	const char *flags;     /* "", "sync", "direct", "sync:direct" */
};

struct r_session {
	uint64_t tsih;
	const char *name, *alias; /* alias NULL: "none" */
	unsigned cid;
	const char *addr;         /* "127.0.0.1" */
};

struct r_target {
	uint32_t tid;
	const char *name;
	const char *driver;       /* "iscsi" or "iser" */
	const char *state;        /* "ready" */
	int nop_interval, nop_count;
	struct r_session *sessions;
	size_t nsessions;
	struct r_lu *lus;         /* ascending numbers, LUN 0 first */
	size_t nlus;
	const char **accounts;    /* incoming */
	size_t naccounts;
	const char *outgoing;     /* NULL: none */
	const char **acl_addr;    /* address rules, in binding order */
	size_t naddr;
	const char **acl_name;    /* name rules */
	size_t nname;
};

/* The LU tgtd makes as LUN 0 of a target. */
struct r_lu r_controller(uint32_t tid, char id[40], char sn[40]);
/* A disk LU as lunmap adds it (identity: scsi_id and scsi_sn, ids NULL:
 * tgtd's defaults, written into id and sn). */
struct r_lu r_disk(uint32_t tid, uint64_t number, const char *path, const char *scsi_id,
		   const char *scsi_sn, char id[40], char sn[40]);

/* malloc'd texts (targets ascending by tid) */
char *r_show(const struct r_target *t, size_t n);
char *r_lld(const struct r_target *t, size_t n);
/* `--op stat --mode target --tid` and `--mode logicalunit --lun` */
char *r_stat_target(const struct r_target *t);
char *r_stat_lun(const struct r_target *t, uint64_t lun);

#endif
