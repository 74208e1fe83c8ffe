/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend's parts, shared between lio.c (the LUs) and observe.c
 * (sessions and statistics). */
#ifndef LUNMAP_LIO_H
#define LUNMAP_LIO_H

#include <stddef.h>

#include "hresult.h"
#include "observe.h"

/* The backstore a lun_N folder links to, as "hba/name", or "" (a link
 * whose text would lead out of core/ is not followed). */
void lm_lio_linked_backstore(const char *lundir, char *out, size_t len);

/* observe.c: who is logged in to target iqn (its TPG's dynamic_sessions,
 * each node ACL's info), and what LIO counted for it (fabric_statistics,
 * each LUN's and its backstore's statistics, each ACL's mapped LUNs'). */
lm_hr lm_lio_read_sessions(const char *configfs, const char *iqn, struct lm_obs_sessions *out,
			   struct lm_err *err);
lm_hr lm_lio_read_stats(const char *configfs, const char *iqn, struct lm_obs_stats *out,
			struct lm_err *err);
/* The text of a node ACL's info (lio_target_nacl_info_show) read into x:
 * 1 a session, 0 none ("No active iSCSI Session"), -1 not that text. */
int lm_lio_parse_info(const char *text, size_t n, struct lm_obs_session *x);

#endif
