/* SPDX-License-Identifier: BSD-3-Clause */
/* The parsers of tgtd's two views of who is logged in to a target:
 *
 * - the connection view (`tgtadm --op show --mode conn --tid T`, tgt's
 *   iscsi_target_show_connections), four lines a connection:
 *       Session: TSIH
 *           Connection: CID
 *               Initiator: NAME
 *               IP Address: ADDR        (or "RDMA IP Address: ADDR")
 *   NAME is what the initiator sent at login, printed verbatim: it can
 *   hold newlines and whole forged blocks, so this view alone cannot be
 *   trusted;
 * - a session's statistics (`tgtadm --op stat --mode session --sid TSIH`,
 *   tgt's _stat_iscsi_session): numbers only, written by tgtd: a line per
 *   LU of the session's I_T nexus (tid lun sid and eight counters, errs)
 *   and a line per connection (sid cid rxdata txdata dataout datain cmd
 *   rsp). No initiator chooses a byte of it.
 *
 * tgt.c reads the first, then the second for every session it names, and
 * keeps a block of the first only when the second confirms its session
 * (on this target) and its connection, once each (see tgt_sessions). */
#ifndef LUNMAP_TGT_SESSIONS_H
#define LUNMAP_TGT_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "observe.h"

struct lm_tgt_conn_block {
	uint32_t tsih, cid;
	/* false when NAME is no single word (the block is someone's
	 * attempt at structure) */
	bool name_ok;
	char name[LM_OBS_NAME_MAX + 1];
	int family;
	uint8_t addr[16];
	unsigned protocol;
};

/* The blocks of a connection view, in order (malloc'd, *out NULL when
 * none). 0, or -1 when a line is out of place (the view is then not
 * read at all) or memory ran out (*oom set). */
int lm_tgt_parse_connections(const char *text, struct lm_tgt_conn_block **out, size_t *n,
			     bool *oom);

/* The sessions a connection view mentions at the start of a line, each
 * once, ascending (what to verify when the view itself cannot be read):
 * at most max of them (more: false). */
bool lm_tgt_session_candidates(const char *text, uint32_t *out, size_t max, size_t *n);

struct lm_tgt_session_stat {
	/* every LU line names this tid (and there is at least one) */
	bool on_target;
	uint32_t cids[LM_OBS_MAX_CONNS];
	size_t ncids;
	bool too_many_conns;
	uint64_t cmd_pdus, rsp_pdus, tx_octets, rx_octets;
};

/* One session's statistics, for the session tsih expected on target tid.
 * 0, or -1 when the text is not that view of that session. */
int lm_tgt_parse_session_stats(const char *text, uint32_t tsih, uint32_t tid,
			       struct lm_tgt_session_stat *out);

/* How tgt.c asks tgtd for one session's statistics: S_OK with the text
 * (malloc'd), or S_OK with *gone when tgtd has no such session. */
typedef lm_hr (*lm_tgt_stat_fn)(void *ctx, uint32_t tsih, char **text, bool *gone,
				struct lm_err *err);

/* The most sessions one target's view may name before it is not read
 * (each costs a request). */
#define LM_TGT_MAX_SESSIONS 1024

/* The sessions of target tid from its connection view, each confirmed by
 * its statistics. A block is believed only when its session is confirmed
 * on this target, its connection is one tgtd counts and no other block
 * claims it; a name that smuggles blocks in makes blocks that fail this
 * (every real connection has its one real block), and the block just
 * before them, the name's owner, is not believed either. A session keeps
 * its name and connections only when every block of it is believed;
 * every confirmed session is counted (out->trusted false when any was
 * not believed, or the view could not be read at all). *again: a session
 * of a readable view was gone when asked (it may have just ended): read
 * the view again (when last_try is false). */
lm_hr lm_tgt_verify_sessions(const char *view, uint32_t tid, lm_tgt_stat_fn stat, void *ctx,
			     bool last_try, bool *again, struct lm_obs_sessions *out,
			     struct lm_err *err);

#endif
