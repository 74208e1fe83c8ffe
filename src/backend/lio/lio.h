/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend's parts, shared between its steps and observe.c
 * (sessions and statistics). */
#ifndef LUNMAP_LIO_H
#define LUNMAP_LIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfs.h"
#include "hresult.h"
#include "observe.h"

/* The backstore a lun_N folder links to, as "hba/name" into out: 1; 0
 * when it holds no link (half made: no LU); -1 for a link lunmap cannot
 * name (left alone: its text would lead out of core/). out is "" unless 1. */
int lm_lio_linked_backstore(const struct lm_cfs *c, const char *lundir, char *out, size_t len);

/* observe.c: an attribute's number, or its one line of text (trailing
 * blanks and newline cut), read without a deadline (the looks have their
 * own); 0 or -1 */
int lm_lio_read_u64(const char *path, uint64_t *v);
int lm_lio_read_line(const char *path, char *buf, size_t len);
/* the last needle in the n bytes of s, NULL if none: the end of a text
 * whose start an initiator's bytes may forge */
const char *lm_lio_find_last(const char *s, size_t n, const char *needle);
/* the target's folder (dir, PATH_MAX) when it is there */
lm_hr lm_lio_target_dir(const char *configfs, const char *iqn, char *dir, struct lm_err *err);

/* observe.c: who is logged in to target iqn (its TPG's dynamic_sessions,
 * each node ACL's info); stats.c: what LIO counted for it (fabric_statistics,
 * each LUN's and its backstore's statistics, each ACL's mapped LUNs'). */
lm_hr lm_lio_read_sessions(const char *configfs, const char *iqn, struct lm_obs_sessions *out,
			   struct lm_err *err);
lm_hr lm_lio_read_stats(const char *configfs, const char *iqn, struct lm_obs_stats *out,
			struct lm_err *err);
/* refusals.c: who the ACLs refused: LIO names a refused initiator only in the kernel
 * log ("iSCSI Initiator Node: NAME is not authorized to access iSCSI
 * target portal group: N."), with the portal group's tag, not the target;
 * its statistics say "Unknown". The records read since a target was last
 * looked at name its refused initiator when they are exactly as many as
 * its refusals grew by, and all the same name. */
struct lm_lio_refused {
	char iqn[LM_OBS_NAME_MAX + 1];
	uint64_t authorize_fails;
};
struct lm_lio_refusals {
	int fd; /* the kernel log, -1 when it cannot be read */
	/* names of records not yet matched, oldest first */
	char (*names)[LM_OBS_NAME_MAX + 1];
	size_t n, cap;
	/* per target, its refusals when last looked at */
	struct lm_lio_refused *seen;
	size_t nseen, capseen;
};
/* Opens the log at its end (what it said before is not about this run). */
void lm_lio_refusals_open(struct lm_lio_refusals *r, const char *path);
void lm_lio_refusals_close(struct lm_lio_refusals *r);
/* Reads the new records (never waits), then names target iqn's refused
 * initiator in s (s->fail_name) when the records tell it unambiguously. */
void lm_lio_refusals_match(struct lm_lio_refusals *r, const char *iqn, struct lm_obs_stats *s);
/* The initiator of one kernel log record of a refusal: 0 and name, or -1. */
int lm_lio_parse_refusal(const char *rec, size_t n, char name[LM_OBS_NAME_MAX + 1]);

/* The text of a node ACL's info (lio_target_nacl_info_show) read into x:
 * 1 a session, 0 none ("No active iSCSI Session"), -1 not that text. */
int lm_lio_parse_info(const char *text, size_t n, struct lm_obs_session *x);

#endif
