/* SPDX-License-Identifier: BSD-3-Clause */
/* What the iSCSI stack tells about a target besides its LUs: who is logged
 * in (sessions, their connections and addresses) and what the stack counted
 * (LIO's configfs statistics). The IETF MIBs (SCSI-MIB, ISCSI-MIB) are
 * served from these; the in-use guard needs only the number of sessions.
 *
 * Everything here came from the stack and is untrusted: every text is
 * bounded and valid (lm_obs_text), every number parsed strictly, and an
 * answer the backend could not read safely says so (trusted = false)
 * instead of guessing. */
#ifndef LUNMAP_OBSERVE_H
#define LUNMAP_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hresult.h"

/* RFC 3720 §3.2.6.1: an iSCSI name is at most 223 bytes */
#define LM_OBS_NAME_MAX 223
/* an SnmpAdminString (an alias) holds at most 255 octets */
#define LM_OBS_ALIAS_MAX 255
/* more connections than this in one session are not kept (the MIB's
 * iscsiSsnConnectionNumber still counts them) */
#define LM_OBS_MAX_CONNS 16

enum lm_obs_conn_state { LM_CONN_UNKNOWN = 0, LM_CONN_LOGIN = 1, LM_CONN_FULL = 2, LM_CONN_LOGOUT = 3 };

struct lm_obs_conn {
	uint32_t cid;
	enum lm_obs_conn_state state;
	/* the initiator's address: 4 (IPv4, 4 bytes) or 6 (IPv6, 16 bytes),
	 * 0 when the stack did not tell */
	int family;
	uint8_t addr[16];
	/* the transport's IP protocol number (6 TCP, 132 SCTP), 0 unknown */
	unsigned protocol;
};

struct lm_obs_counters {
	bool known;
	uint64_t cmd_pdus, rsp_pdus, tx_octets, rx_octets;
	bool errors_known;
	uint64_t digest_errors, timeout_errors;
};

struct lm_obs_session {
	/* the stack's number for the session, unique on the target while it
	 * lasts (tgt: the TSIH; LIO: its session id; LIO's demo mode, which
	 * names no session, its place in the list) */
	uint32_t id;
	uint32_t tsih;     /* 0: not known */
	bool has_isid;
	uint8_t isid[6];
	/* the initiator's name; "" when it could not be read safely (then no
	 * alias, ISID or connection is kept either) */
	char name[LM_OBS_NAME_MAX + 1];
	bool has_alias;
	char alias[LM_OBS_ALIAS_MAX + 1];
	/* all the connections (at most LM_OBS_MAX_CONNS kept in conns) */
	uint32_t nconns_total;
	struct lm_obs_conn conns[LM_OBS_MAX_CONNS];
	size_t nconns;
	struct lm_obs_counters counters;
	/* when lunmap first saw it (lm_now_ms's clock; lm_core_observe) */
	long long first_seen_ms;
};

/* The sessions logged in to one target, ascending by id. */
struct lm_obs_sessions {
	struct lm_obs_session *v;
	size_t n, cap;
	/* false: part of the stack's answer could not be read without
	 * guessing (an initiator put structure into its name): every session
	 * is still counted (n), but those the doubt touches have no name and
	 * no connection */
	bool trusted;
};

void lm_obs_sessions_clear(struct lm_obs_sessions *s);
/* A new zeroed session at the end (NULL: no memory). */
struct lm_obs_session *lm_obs_session_add(struct lm_obs_sessions *s, uint32_t id);
/* Sorts by id, drops repeated ids (the first stays). */
void lm_obs_sessions_sort(struct lm_obs_sessions *s);
const struct lm_obs_session *lm_obs_session_find(const struct lm_obs_sessions *s, uint32_t id);
const struct lm_obs_session *lm_obs_session_after(const struct lm_obs_sessions *s, uint32_t id);
/* Keeps the count (and counters the stack wrote itself) and forgets the
 * names, aliases and connections of an untrusted answer. */
void lm_obs_sessions_distrust(struct lm_obs_sessions *s);

/* Counters of one LU on one target, as the stack keeps them (LIO). */
struct lm_obs_lu {
	uint32_t number;
	/* the target port's counters for this LU (LIO: lun_N's scsi_tgt_port) */
	bool port_known;
	uint64_t port_cmds, port_read_mb, port_write_mb;
	/* the LU's own (LIO: the backstore's scsi_lu, the same LU on every
	 * target it is linked into) */
	bool lu_known;
	uint64_t lu_cmds, lu_read_mb, lu_write_mb, lu_resets;
	char vendor[9], product[17], revision[5];
};

/* Counters of one initiator the target names in its ACL (LIO: its node
 * ACL's mapped LUNs' scsi_auth_intr, summed). */
struct lm_obs_initiator {
	char name[LM_OBS_NAME_MAX + 1];
	uint64_t attached, cmds, read_mb, write_mb;
};

enum lm_login_fail {
	LM_LOGIN_FAIL_NONE = 0,
	/* the columns of iscsiTargetLoginStatsEntry they count in */
	LM_LOGIN_FAIL_OTHER = 2, LM_LOGIN_FAIL_REDIRECT = 3, LM_LOGIN_FAIL_AUTHORIZE = 4,
	LM_LOGIN_FAIL_AUTHENTICATE = 5, LM_LOGIN_FAIL_NEGOTIATE = 6,
};

enum lm_sess_fail { LM_SESS_FAIL_NONE = 0, LM_SESS_FAIL_DIGEST = 1, LM_SESS_FAIL_TIMEOUT = 2,
		    LM_SESS_FAIL_FORMAT = 3 };

/* What the stack counted for one target (LIO: fabric_statistics). */
struct lm_obs_stats {
	bool login_known;
	uint64_t accepts, other_fails, redirects, authorize_fails, authenticate_fails,
		negotiate_fails;
	/* the last failed login: its kind, when (centiseconds since the
	 * stack's host booted, 0 none), who and from where */
	enum lm_login_fail last_fail;
	uint64_t last_fail_cs;
	char fail_name[LM_OBS_NAME_MAX + 1];
	int fail_family;
	uint8_t fail_addr[16];
	bool logout_known;
	uint64_t normal_logouts, abnormal_logouts;
	bool sess_err_known;
	uint64_t digest_errors, cxn_errors, format_errors;
	enum lm_sess_fail last_sess_fail;
	char sess_fail_name[LM_OBS_NAME_MAX + 1];
	/* the stack's description of itself, "" unknown */
	char vendor[64], version[64];
	/* per LU, ascending by number */
	struct lm_obs_lu *lus;
	size_t nlus, caplus;
	/* per initiator of the ACL, ascending by name */
	struct lm_obs_initiator *inits;
	size_t ninits, capinits;
};

void lm_obs_stats_clear(struct lm_obs_stats *s);
struct lm_obs_lu *lm_obs_lu_add(struct lm_obs_stats *s, uint32_t number);
struct lm_obs_initiator *lm_obs_initiator_add(struct lm_obs_stats *s, const char *name);
/* Sorts the LUs by number and the initiators by name (after adding). */
void lm_obs_stats_sort(struct lm_obs_stats *s);
const struct lm_obs_lu *lm_obs_lu_find(const struct lm_obs_stats *s, uint32_t number);
const struct lm_obs_initiator *lm_obs_initiator_find(const struct lm_obs_stats *s,
						     const char *name);

/* Untrusted text made safe to publish: valid UTF-8 and no control
 * character (each offending byte becomes '?'), at most max bytes and cut
 * at a character boundary. dst holds max + 1 bytes. */
void lm_obs_text(char *dst, size_t max, const char *src, size_t n);
/* An iSCSI name from the stack: kept when it is at most 223 letters,
 * digits, '-', '.', ':' or '_'; otherwise dst is "" and false is
 * returned. */
bool lm_obs_name(char dst[LM_OBS_NAME_MAX + 1], const char *src, size_t n);
/* A numeric IPv4 or IPv6 address ("[...]" and a "%scope" accepted):
 * 4 or 6 and its bytes, 0 when it is none. */
int lm_obs_addr(const char *s, size_t n, uint8_t out[16]);
/* A strict decimal number of at most 20 digits (then \n and spaces
 * allowed): 0 and *out, or -1. */
int lm_obs_u64(const char *s, size_t n, uint64_t *out);

#endif
