/* SPDX-License-Identifier: BSD-3-Clause */
/* In-process tests of lunmapd's handlers (as lldpd's check_snmp.c does):
 * a core on the sim backend behind a struct lunmapd, hand-built
 * net-snmp requests, and the notifications captured by wrapping
 * send_v2trap. Shared by test_read.c and test_write.c. */
#ifndef LUNMAP_TEST_GLUE_H
#define LUNMAP_TEST_GLUE_H

#include "agent.h"

/* LUN n (1..nluns) and target n (1..ntargets) of the inventory: their
 * indexes are n, their ids these, their paths dir/lunN.img. A LUN
 * "failed" (backing store missing) comes last when asked for. */
struct gfx {
	char *dir, *state_dir, *inv;
	struct lunmapd d;
	struct lm_backend *sim;
	size_t nluns, ntargets;
	uint32_t failed_lun; /* 0 when none */
	long transid;
};

struct gfx_opts {
	size_t ntargets, nluns;
	unsigned max_per_lun; /* 0: the inventory's default */
	unsigned timeout_ms;  /* 0: the inventory's default */
	bool failed_lun;
	/* the initiators attribute of target n (n - 1 here; NULL: none) */
	const char *const *initiators;
};

struct gfx *gfx_open(const struct gfx_opts *o);
void gfx_close(struct gfx *f);
lm_guid gfx_lun_id(size_t n);
lm_guid gfx_target_id(size_t n);

/* OIDs of LUNMAP-MIB instances. */
struct goid {
	oid name[MAX_OID_LEN];
	size_t len;
};
struct goid goid_scalar(u_long col);
struct goid goid_lun(u_long col, oid lun);
struct goid goid_target(u_long col, oid target);
struct goid goid_assoc(u_long col, oid lun, oid target);
struct goid goid_targetlun(oid target, oid lun);
/* any OID: n sub-ids after lunmapObjects (n = 0: lunmapObjects itself) */
struct goid goid_raw(size_t n, const oid *sub);

/* GET (exact) or GETNEXT of one OID through lunmapd_get_all: the
 * varbind's exception or error status, the varbind in *out (free it). */
int gfx_get(struct gfx *f, const struct goid *o, int exact, netsnmp_variable_list **out);

/* A SET PDU: varbinds added one by one, run through the phases. */
struct gset {
	netsnmp_variable_list *vars;
	size_t n;
};
void gset_ids(struct gset *s, oid lun, const size_t *targets, size_t n);
void gset_raw(struct gset *s, const struct goid *o, u_char type, const void *val, size_t len);
void gset_int(struct gset *s, const struct goid *o, u_char type, long v);
void gset_free(struct gset *s);

/* One SET PDU as snmpd runs it: RESERVE1, RESERVE2, ACTION, then COMMIT
 * or UNDO, FREE after a refusal (and once more at the end, as a
 * repeated phase). Returns the error status; *index the 1-based index
 * of the varbind it names (0 when none). */
int gfx_set(struct gfx *f, struct gset *s, int *index);

/* The phases by hand: a PDU of the varbinds of s for transaction id. */
struct gpdu;
struct gpdu *gpdu_new(struct gfx *f, struct gset *s, long transid);
int gpdu_phase(struct gpdu *p, int mode);
/* the error index after the last phase (0: none), and its status */
int gpdu_error(struct gpdu *p, int *status);
void gpdu_free(struct gpdu *p);

/* Captured notifications, oldest first. */
size_t gfx_ntraps(void);
/* the notification's id (last sub-id of snmpTrapOID) and its varbinds
 * after snmpTrapOID */
int gfx_trap(size_t i, const netsnmp_variable_list **vars);
void gfx_traps_clear(void);

/* What a failed SET must leave alone: the model as the MIB shows it
 * (without the last-error objects), the sim stack, the state files. */
char *gfx_snapshot(struct gfx *f);
/* the same without the state files */
char *gfx_snapshot_model(struct gfx *f);
/* The LUN's target indexes as the model has them, as "1,2,5". */
char *gfx_targets_of(struct gfx *f, uint32_t lun);

#endif
