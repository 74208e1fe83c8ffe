/* SPDX-License-Identifier: BSD-3-Clause */
/* tgtd's texts that hold no byte an initiator chose, and what they tell
 * for certain: `--mode lld --op show` (every target's tid and name: tgtd
 * admits only letters, digits, '.', ':' and '-' in a name) and the
 * statistics of `--op stat` (numbers only: which LUs and which sessions a
 * target has). The full listing is read against them (show.h). */
#ifndef LUNMAP_TGT_CENSUS_H
#define LUNMAP_TGT_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hresult.h"

struct lm_tgt_lld_target {
	uint32_t tid;
	char *name;
	/* iscsi and iser print an "Account information:" section */
	bool accounts;
};

/* Targets by ascending tid. */
struct lm_tgt_lld {
	struct lm_tgt_lld_target *v;
	size_t n;
};

/* Parses `tgtadm --mode lld --op show`. E_FAIL with a reason in err when
 * the text is not that listing (another tgtd), E_OUTOFMEMORY. */
lm_hr lm_tgt_lld_parse(const char *text, struct lm_tgt_lld *out, struct lm_err *err);
void lm_tgt_lld_free(struct lm_tgt_lld *l);
/* The entry of tid, or NULL. */
const struct lm_tgt_lld_target *lm_tgt_lld_find(const struct lm_tgt_lld *l, uint32_t tid);
/* The entry named name, or NULL. */
const struct lm_tgt_lld_target *lm_tgt_lld_by_name(const struct lm_tgt_lld *l, const char *name);

/* One line of tgtd's statistics: target, LU and session (I_T nexus). */
struct lm_tgt_stat_line {
	uint32_t tid;
	uint64_t lun, sid;
};

/* Parses the text of `--op stat` (the header line, then one line per LU
 * and session): *out (malloc'd) and *n. E_FAIL when it is not that text,
 * E_OUTOFMEMORY. */
lm_hr lm_tgt_stat_parse(const char *text, struct lm_tgt_stat_line **out, size_t *n,
			struct lm_err *err);

#endif
