/* SPDX-License-Identifier: BSD-3-Clause */
/* lunmapd: the AgentX glue between net-snmp and the lunmap core. */
#ifndef LUNMAPD_AGENT_H
#define LUNMAPD_AGENT_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include "lunmap.h"
#include "columns.h"

/* LUNMAP-MIB's numbers (design §5). */
#define LUNMAP_MIB_OID 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 3260
#define LUNMAP_MIB_LEN 10
#define LUNMAP_OBJECTS_LEN (LUNMAP_MIB_LEN + 1)

enum { G_SUBSYSTEM = 1, G_LUN = 2, G_TARGET = 3, G_ASSOC = 4, G_TARGETLUN = 5 };
enum {
	S_NAME = 1, S_BACKEND, S_STATUS, S_MAX, S_LASTCHANGE, S_REFRESH, S_ERRCODE, S_ERRTEXT,
	S_COUNT, S_SPINLOCK, S_FORCE, S_REAPPLIED, S_ERRLUN,
	S_ACTIONDONE, S_ACTIONTOTAL, S_ACTIONRESULT, S_ACTIONTEXT,
	S_LAST = S_ACTIONTEXT
};
/* lunmapSubsystemForce's values */
enum { FORCE_NORMAL = 1, FORCE_FORCE = 2 };
enum {
	L_ID = 2, L_NAME, L_PATH, L_SIZE, L_STATUS, L_TARGETIDS, L_TARGETCOUNT, L_LASTERROR,
	L_SERIAL, L_NAA
};
enum { T_ID = 2, T_IQN, T_ALIAS, T_STATUS, T_LUNIDS, T_LUNCOUNT, T_FOREIGN };
enum { A_NUMBER = 1, A_ROWSTATUS = 2, A_ACCESS = 3 };
/* lunmapAssocAccess */
enum { ACCESS_RW = 1, ACCESS_RO = 2 };
enum { TL_NUMBER = 1 };
enum {
	N_ASSOC_CHANGED = 1, N_OPERATION_FAILED = 2, N_CACHE_OUT_OF_SYNC = 3, N_CACHE_IN_SYNC = 4,
	N_STACK_REAPPLIED = 5, N_ACTION_COMPLETED = 6
};

/* The master's AgentX timeout lunmapd assumes, in seconds (-T; net-snmp's
 * default is 1 s, and its master ignores the timeout a subagent
 * registers, so snmpd.conf must say agentXTimeout 5): every request's
 * work, a SET's rollback included, ends within it (one deadline per SET). */
#define LUNMAPD_AGENTX_TIMEOUT 5
/* The part of that timeout kept for the answer itself (the master's
 * processing, the way back): a SET's work ends this much earlier. */
#define LUNMAPD_ANSWER_MARGIN_MS 500
/* An action's slice between two looks for requests (ms): a GET waits at
 * most this, or one listing or stack step, for an action's work. */
#define LUNMAPD_SLICE_MS 20
/* seconds between AgentX pings, and between reconnect attempts */
#define LUNMAPD_PING_SECONDS 2

/* oid.c: one instance of LUNMAP-MIB: a scalar (col, 0) or a table cell
 * (col, i1[, i2]). */
struct inst {
	int g;
	u_long col;
	uint32_t i1, i2;
};

/* A group of LUNMAP-MIB (the subsystem's scalars or a table): its
 * columns (columns.c) and the number of its index components. */
struct lunmapd_group {
	const struct lunmapd_col *cols;
	size_t ncols;
	int nindex;
};

extern const oid lunmapd_objects_oid[];
extern const size_t lunmapd_objects_len;
extern const struct lunmapd_group lunmapd_groups[];

/* a group's first and last column arcs */
static inline u_long lunmapd_first_col(int g)
{
	return lunmapd_groups[g].cols[0].id;
}

static inline u_long lunmapd_last_col(int g)
{
	return lunmapd_groups[g].cols[lunmapd_groups[g].ncols - 1].id;
}

/* 0, or SNMP_NOSUCHOBJECT / SNMP_NOSUCHINSTANCE when the OID names no
 * object of the MIB, or no well-formed instance of one. */
int lunmapd_parse_oid(const oid *name, size_t len, struct inst *out);
/* the same for the part of an OID after lunmapObjects */
int lunmapd_parse_instance(const oid *s, size_t n, struct inst *out);
void lunmapd_inst_oid(const struct inst *in, oid *name, size_t *len);

/* The one piece of state net-snmp's callbacks need: handlers and alarms
 * get it through their registration's void pointer. */
struct lunmapd {
	struct lm_core *core;
	lm_hr last_error;
	char last_error_text[256];
	u_long last_change; /* sysUpTime, centiseconds */
	struct pending_set *set;
	int last_status; /* subsystem status last seen, for cacheOutOfSync */
	long spinlock;   /* lunmapSpinLock (RFC 2579 TestAndIncr) */
	uint32_t last_error_lun; /* lunmapLastErrorLun: the LUN the last failure concerns */
	unsigned long reapplied_seen; /* lm_core_reapplied() last notified */
	unsigned agentx_timeout; /* seconds: -T, LUNMAPD_AGENTX_TIMEOUT by default */
	/* the last time work between requests held them up (the drift
	 * check), from and to (lm_now_ms): a request read right after may
	 * have waited all of it, and the master's clock with it */
	long long held_from, held_to;
	struct ietf *ietf; /* the IETF MIBs' state (ietf.h), NULL when none */
};

/* The end of a SET's (or UNDO's) work begun now: the master's timeout
 * less the margin for the answer. */
long long lunmapd_set_deadline(const struct lunmapd *d);

/* agent.c: the whole daemon; make_backend (tests only) replaces the
 * inventory's backend */
struct lm_backend;
int lunmapd_main(int argc, char **argv, struct lm_backend *(*make_backend)(void));
/* The work between two looks for requests: a drift check a failed SET
 * left due, a slice of the running action (and its end's notices). True
 * while there is more to do. */
bool lunmapd_between_requests(struct lunmapd *d);

/* read.c. lunmapTargetLunIds holds at most this many ids (16 bytes
 * each, like lunmapLunTargetIds' 255): LUNMAP-MIB says so. */
#define LUNMAPD_MAX_TARGET_LUN_IDS 1024
/* The values of one response, encoded, stay under this (bytes): the
 * master must fit them into one SNMP message of at most 65507 bytes
 * (UDP), with its own headers. */
#define LUNMAPD_MAX_RESPONSE 60000

/* The answer to one varbind, GET (exact) or GETNEXT: 0, or its
 * exception or error; a GETNEXT with nothing after leaves vb alone. */
typedef int lunmapd_get_fn(void *ctx, netsnmp_variable_list *vb, int exact);
/* Every varbind of a GET or GETNEXT request through get, LUNMAP-MIB's
 * or an IETF MIB's: tooBig on the first one that does not fit in one
 * message; each traced under the debug token. */
int lunmapd_answer_all(netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests,
		       lunmapd_get_fn *get, void *ctx, const char *token);
/* GET/GETNEXT of every varbind of a request to LUNMAP-MIB */
int lunmapd_get_all(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		    netsnmp_request_info *requests);
int lunmapd_get(struct lunmapd *d, netsnmp_variable_list *vb, int exact);
void lunmapd_target_ids(const struct lm_core *c, const struct lm_lun *l, u_char *buf, size_t *len);

/* check.c: RESERVE1's checks of one varbind alone. The verdict: an SNMP
 * status and, for a refusal, its HRESULT and why. */
struct lunmapd_verdict {
	int status;
	lm_hr hr;
	char why[160];
};
/* SNMP_ERR_NOERROR, or the refusal's status (also in *v); *in is the
 * varbind's instance as far as its OID names one */
int lunmapd_check_varbind(struct lunmapd *d, const netsnmp_variable_list *vb, struct inst *in,
			  struct lunmapd_verdict *v);
/* the varbind's object for a message: lunmapLunTargetIds.3, ... */
const char *lunmapd_describe(const struct inst *in, const netsnmp_variable_list *vb);

/* write.c */
int lunmapd_set(struct lunmapd *d, netsnmp_agent_request_info *reqinfo,
		netsnmp_request_info *requests);
/* the master is gone: a pending SET is finished as far as it got (kept
 * when applied, released otherwise) */
void lunmapd_set_abandon(struct lunmapd *d);

/* notify.c. A notification trap (its snmpTrapOID varbind; add the
 * objects after it), and its sending, which frees it. */
netsnmp_variable_list *lunmapd_trap_start(const oid *trap, size_t len);
void lunmapd_trap_send(netsnmp_variable_list *vars);
void lunmapd_notify_changed(struct lunmapd *d, uint32_t lun_index);
void lunmapd_notify_failed(struct lunmapd *d);
void lunmapd_notify_status(struct lunmapd *d);
/* an action (refresh, reenumerate, restore, re-apply) ended: its outcome
 * in lunmapActionResult/Text, lunmapActionCompleted, and on failure
 * lunmapLastErrorCode/Text and lunmapOperationFailed */
void lunmapd_notify_action(struct lunmapd *d);
/* the failure of the last call: its HRESULT, the LUN it concerns (0:
 * none) and its text */
void lunmapd_record_error(struct lunmapd *d, lm_hr hr, uint32_t lun, const char *text);

/* errmap.c: the one place where an HRESULT becomes an SNMP error status */
enum lm_phase { LM_PHASE_VALIDATE, LM_PHASE_APPLY };
int lunmapd_snmp_error(const struct lm_err *err, enum lm_phase phase);

#endif
