/* SPDX-License-Identifier: BSD-3-Clause */
/* The IETF storage MIBs beside LUNMAP-MIB (design §5): SCSI-MIB (RFC 4455),
 * ISCSI-MIB (RFC 4544) and the part of IPS-AUTH-MIB (RFC 4545) that names
 * who may log in, read-only, from the core's model and one look at the
 * stack per drift check (lm_core_observe). Each MIB is one column table
 * (scsi_mib.c, iscsi_mib.c, ipsauth_mib.c) that the one GET/GETNEXT
 * engine of ietf_engine.c walks; every lookup is a binary search of the
 * model, of the look, or of an index kept here and rebuilt when the model
 * changes (lm_core_generation) or a new look arrives. */
#ifndef LUNMAPD_IETF_H
#define LUNMAPD_IETF_H

#include "agent.h"

/* mib-2 = 1.3.6.1.2.1 */
#define IETF_SCSI_MIB 1, 3, 6, 1, 2, 1, 139
#define IETF_IPSAUTH_MIB 1, 3, 6, 1, 2, 1, 141
#define IETF_ISCSI_MIB 1, 3, 6, 1, 2, 1, 142
#define IETF_MIB_LEN 7

/* the one SCSI, iSCSI and authorization instance lunmapd is */
#define IETF_INSTANCE 1
/* a lunmap target has one portal group, tag 1, in both stacks */
#define IETF_PORT 1
#define IETF_TPGT 1

/* StorageType readOnly(5), RowStatus active(1), TruthValue true(1) */
enum { IETF_READ_ONLY = 5, IETF_ACTIVE = 1, IETF_TRUE = 1, IETF_FALSE = 2 };

struct ietf;

/* One row of a table: its index sub-ids and what they name. */
struct ietf_row {
	uint32_t k[6];   /* integer index components, in order */
	uint32_t number; /* a SCSI LUN number (the LUN map's ScsiLUN index) */
	const struct lm_target *t;
	const struct lm_lun *l;
	const struct lm_assoc *a;
	const struct lm_target_obs *obs;
	const struct lm_obs_session *s;
	const struct lm_obs_conn *c;
	const struct ietf_ident *id;
	size_t pos;
};

/* One level of a table's index: seek puts into r the first key of the
 * level (under r's keys of the levels before) whose sub-ids are >= t[0..n)
 * (n == 0: the first key; after: strictly greater than t, which is then
 * a whole key), and returns 1, or 0 when there is none. A level offers
 * only keys with at least one row beneath, so that a walk never scans. */
struct ietf_level {
	int (*seek)(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
	/* the key's sub-ids; their count */
	size_t (*sub)(const struct ietf_row *r, oid *out);
};

/* The MIB's MAX-ACCESS of an object. lunmapd serves every object
 * read-only (its registrations are HANDLER_CAN_RONLY: a SET is
 * notWritable), which each MIB's compliance statement allows (MIN-ACCESS
 * read-only; RowStatus active(1) only). */
enum ietf_access { IETF_RO = 1, IETF_RW, IETF_RC };

/* A column: the value's ASN.1 type, the MIB's access and the object's
 * name. */
struct ietf_col {
	u_long id;
	u_char type;
	enum ietf_access access;
	const char *name;
};

/* A table of a MIB: its entry's OID, its columns in order, its index and
 * the value of a column in a row (0, or 1 when the object has no instance
 * there: the stack does not tell it for that row). present says whether
 * a column exists at all here (a backend that keeps no such counter). */
struct ietf_table {
	const char *name;
	oid entry[16];
	size_t entry_len;
	const struct ietf_col *cols;
	size_t ncols;
	const struct ietf_level *levels;
	size_t nlevels;
	bool (*present)(struct ietf *x, u_long col);
	int (*value)(struct ietf *x, const struct ietf_row *r, u_long col,
		     netsnmp_variable_list *vb);
	/* optional: a column whose values only some rows have, in a table
	 * that can be large (an LU's counters before the stack's look has
	 * them): it is walked with these levels, which offer only the rows
	 * that have it, so that a walk never skips holes one by one */
	bool (*sparse)(struct ietf *x, u_long col);
	const struct ietf_level *sparse_levels;
	size_t nsparse;
};

/* A MIB: its root and its tables in OID order (each table family may
 * have a file of its own). */
struct ietf_mib {
	const char *name;
	oid root[IETF_MIB_LEN];
	const struct ietf_table *const *tables;
	size_t ntables;
	unsigned enabled_by; /* LM_MIB_* */
};

extern const struct ietf_mib ietf_scsi_mib, ietf_iscsi_mib, ietf_ipsauth_mib;

/* ---------------------------------------------------------------- engine */

/* GET (exact) or GETNEXT of one varbind in mib: 0, or the exception or
 * error for it (a GETNEXT past the MIB leaves the varbind alone). */
int ietf_get(struct ietf *x, const struct ietf_mib *mib, netsnmp_variable_list *vb, int exact);
int ietf_get_all(struct ietf *x, const struct ietf_mib *mib, netsnmp_agent_request_info *reqinfo,
		 netsnmp_request_info *requests);

/* ---------------------------------------------------------------- state */

/* An initiator the inventory lets in (a name or an address): its
 * identity in IPS-AUTH-MIB, numbered by its rank among them all. */
struct ietf_ident {
	char *entry;
	uint32_t index;
	bool is_name;
	int family; /* an address: 4 or 6 */
	uint8_t addr[16];
};

/* The targets some tables' rows hang from, ascending, kept until the
 * model or the look changes, so that a level seeks them with a binary
 * search rather than skipping the other targets one by one. */
enum ietf_set {
	IETF_NAMED,     /* an initiator by name (scsiAuthorizedIntrTable) */
	IETF_ACL,       /* an initiator by name or address (iscsiTgtAuthAttributesTable) */
	IETF_BUSY,      /* sessions in the last look */
	IETF_BUSY_CONN, /* a session with connections it knows */
	IETF_COUNTED,   /* an LU with counters in the last look */
	IETF_NSETS
};

struct ietf {
	struct lm_core *core;
	unsigned mibs;       /* LM_MIB_* being served */
	unsigned agentx_timeout; /* the master's, seconds (lunmapd -T) */
	bool registered;
	/* the last look at the stack, and when (lm_now_ms; agent uptime) */
	struct lm_observation obs;
	size_t nsessions;    /* in it, all targets' */
	unsigned epoch;      /* moves with every look */
	long long obs_ms;
	/* indexes of the model, rebuilt when lm_core_generation moves */
	unsigned long long gen;
	struct ietf_ident *idents;
	size_t nidents;
	struct ietf_views *views;
	/* what was last notified (scsiTgtDeviceStatusChanged,
	 * iscsiTgtLoginFailure) and when (rate limit) */
	struct ietf_seen *seen;
	size_t nseen, capseen;
	/* the LUs (target, LUN index) last seen notAvailable
	 * (scsiLuStatusChanged), ascending */
	struct ietf_lu_seen *lu_seen;
	size_t nlu_seen;
	long long sent_ms[4][3];
	bool first_look;
	/* the target sets (ietf_seek_in), valid while sets_ok */
	struct {
		uint32_t *v;
		size_t n, cap;
	} sets[IETF_NSETS];
	bool sets_ok;
};

/* The model's indexes as of now (rebuilt when stale). */
void ietf_fresh(struct ietf *x);
/* The identity of an initiator entry (name or address), or NULL. */
const struct ietf_ident *ietf_ident_of(struct ietf *x, const char *entry);
const struct ietf_ident *ietf_ident_after(struct ietf *x, uint32_t index);
/* The target's n-th (1-based) initiator entry into buf ("" none), and
 * the number of entries; only names when names_only. */
bool ietf_initiator_at(const struct lm_target *t, uint32_t pos, bool names_only, char *buf,
		       size_t len);
uint32_t ietf_initiator_pos(const struct lm_target *t, const char *name, bool names_only);

/* What one target's rows need beyond the model (ietf.c, kept per target
 * until the model or the look changes). */
struct ietf_view {
	uint32_t target;
	/* its associations ascending by SCSI LUN number */
	struct lm_assoc *by_number;
	size_t n;
	/* its LUNs (by index) whose counters the look has */
	uint32_t *counted;
	size_t ncounted;
	size_t failed; /* associated LUNs in a failed state */
};
const struct ietf_view *ietf_view_of(struct ietf *x, const struct lm_target *t);

/* The observation of a target, or NULL. */
const struct lm_target_obs *ietf_obs(struct ietf *x, uint32_t target);
/* The sysUpTime (centiseconds) of a moment on lm_now_ms's clock (0
 * before lunmapd started). */
u_long ietf_ticks(long long ms);
/* The sysUpTime of a moment the stack dated in its own uptime (cs). */
u_long ietf_stack_ticks(struct ietf *x, unsigned long long stack_cs);

/* ---------------------------------------------------------------- values */

/* Whether the backend's stack keeps counters (LIO: per LU, port, login
 * and session); one that keeps none (tgt) has none of those objects. */
bool ietf_counts(const struct ietf *x);

void ietf_set_int(netsnmp_variable_list *vb, u_char type, long v);
/* a Counter32: the low 32 bits of a 64-bit count (it wraps, as RFC 2578 lets it) */
void ietf_set_counter32(netsnmp_variable_list *vb, uint64_t v);
void ietf_set_u64(netsnmp_variable_list *vb, uint64_t v);
void ietf_set_str(netsnmp_variable_list *vb, const char *s, size_t max);
void ietf_set_bytes(netsnmp_variable_list *vb, const void *p, size_t n);
void ietf_set_oid(netsnmp_variable_list *vb, const oid *o, size_t n);
/* a RowPointer to an identity's first column in IPS-AUTH-MIB */
struct ietf_ident;
void ietf_identity_pointer(netsnmp_variable_list *vb, const struct ietf_ident *id);
/* a RowPointer to nowhere, 0.0 */
void ietf_set_null_oid(netsnmp_variable_list *vb);
/* an InetAddressType and InetAddress of a family 4 or 6 */
long ietf_addr_type(int family);
/* the SAM-2 8-byte LUN of a LUN number (peripheral device addressing
 * below 256, flat space addressing from 256) */
void ietf_scsi_lun(uint32_t number, uint8_t out[8]);

/* ---------------------------------------------------------------- levels */

/* Helpers of the integer levels: the first of a sorted sequence >= t. */
uint32_t ietf_key_from(const oid *t, size_t n, bool after, bool *none);
/* The instance level (one key, IETF_INSTANCE) and the constant levels. */
int ietf_seek_instance(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
size_t ietf_sub_instance(const struct ietf_row *r, oid *out);
#define IETF_LEVEL_INSTANCE { ietf_seek_instance, ietf_sub_instance }
int ietf_seek_const(uint32_t value, const oid *t, size_t n, bool after);
/* scsiTgtDeviceStatus of a target (scsi_mib.c) */
long ietf_scsi_device_status(struct ietf *x, const struct lm_target *t);

/* The row key levels shared by the MIBs (ietf_levels.c). */
int ietf_seek_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after,
		     bool linked);
int ietf_seek_session(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
int ietf_seek_in(struct ietf *x, enum ietf_set set, struct ietf_row *r, const oid *t, size_t n,
		 bool after);
int ietf_seek_one(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
size_t ietf_sub_one(const struct ietf_row *r, oid *out);
int ietf_seek_zero(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
size_t ietf_sub_zero(const struct ietf_row *r, oid *out);
int ietf_seek_any_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
int ietf_seek_linked_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n,
			    bool after);
size_t ietf_sub_target(const struct ietf_row *r, oid *out);
int ietf_seek_busy_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after);
size_t ietf_sub_session(const struct ietf_row *r, oid *out);
/* The target r->t's initiator entries, 1-based (k[0]), the first at or
 * after t into buf; only names when names_only. */
int ietf_seek_initiator(struct ietf_row *r, const oid *t, size_t n, bool after, bool names_only,
			char *buf, size_t len);
size_t ietf_sub_initiator(const struct ietf_row *r, oid *out);
#define IETF_LEVEL_ONE { ietf_seek_one, ietf_sub_one }
#define IETF_LEVEL_ZERO { ietf_seek_zero, ietf_sub_zero }
#define IETF_LEVEL_TARGET { ietf_seek_any_target, ietf_sub_target }
#define IETF_LEVEL_LINKED { ietf_seek_linked_target, ietf_sub_target }
#define IETF_LEVEL_BUSY { ietf_seek_busy_target, ietf_sub_target }
#define IETF_LEVEL_SESSION { ietf_seek_session, ietf_sub_session }

/* ---------------------------------------------------------------- tables */

#define IETF_N(a) (sizeof(a) / sizeof((a)[0]))
/* A table: its name, columns, levels, present and value, and its
 * entry's OID (the sub-ids after it). */
#define IETF_TABLE(nm, c_, l_, p_, v_, ...)                                                   \
	{ .name = nm, .entry = { __VA_ARGS__ },                                              \
	  .entry_len = IETF_N(((const oid[]){ __VA_ARGS__ })), .cols = c_, .ncols = IETF_N(c_), \
	  .levels = l_, .nlevels = IETF_N(l_), .present = p_, .value = v_ }

/* the tables of ISCSI-MIB's sessions and connections (iscsi_session.c)
 * and of SCSI-MIB's logical units (scsi_lu.c), which their MIBs list */
extern const struct ietf_table ietf_iscsi_session_table, ietf_iscsi_sstats_table,
	ietf_iscsi_cxnerr_table, ietf_iscsi_conn_table;
extern const struct ietf_table ietf_scsi_lu_table, ietf_scsi_luid_table, ietf_scsi_lunmap_table;

/* ---------------------------------------------------------------- lunmapd */

/* Registers the MIBs the inventory asks for (after LUNMAP-MIB) and takes
 * the first look. */
int lunmapd_ietf_register(struct lunmapd *d);
/* The drift check's companion, once per check: a new look (bounded by
 * the listing deadline), the notifications it calls for. */
void lunmapd_ietf_refresh(struct lunmapd *d);
void lunmapd_ietf_free(struct lunmapd *d);

/* The state without the master (lunmapd_ietf_register makes it and
 * registers; the unit tests make it alone), and one look at the stack. */
struct ietf *ietf_new(struct lm_core *core);
void ietf_free(struct ietf *x);
void ietf_look(struct ietf *x);

/* ietf_notify.c: iscsiTgtLoginFailure and
 * scsiTgtDeviceStatusChanged when the new look calls for them. */
void ietf_notify(struct ietf *x, const struct lm_observation *prev);

#endif
