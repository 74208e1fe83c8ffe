/* SPDX-License-Identifier: BSD-3-Clause */
/* The parts of the reader of tgtd's listing (show.c) that its tail
 * grammar (show_tail.c) and its result (show_result.c) share. */
#ifndef LUNMAP_TGT_SHOW_INT_H
#define LUNMAP_TGT_SHOW_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "show.h"

static inline bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum tstate { T_LUNS, T_KEYS, T_ACCOUNT, T_ACL, T_DEAD, T_ENDED };

/* One reading of a target's text from a "LUN information:" line on. */
struct tail {
	struct lm_stack_target t; /* its LUs and ACL (pool: the result's) */
	enum tstate st;
	unsigned key;        /* T_KEYS: the next key line */
	long long lun;       /* the LU being read, -1 before the first */
	uint32_t *numbers;   /* every LU's number */
	size_t nnumbers, capnumbers;
	unsigned blocks;     /* whole LUs read */
	bool accounts;       /* an Account section was met */
	bool doubt;          /* it began by killing a reading with a whole LU */
	char serial[65];     /* of the LU being read; "" none */
	int readonly;
	char lun0_id[40];    /* SCSI ID of LUN 0: tgtd's default names the tid */
};

/* One line for a tail. false when the line cannot be the next one (the
 * tail dies, or ends when it was in its ACL section). */
bool lm_tgt_tail_line(struct tail *tl, const char *line, lm_hr *hr);
void lm_tgt_tail_free(struct tail *tl);
/* st's LUs and ACL become from's (from is left without) */
void lm_tgt_take_lus(struct lm_stack_target *st, struct lm_stack_target *from);

/* why a target whose text does not follow tgtd's grammar is not read */
extern const char lm_tgt_reason_unreadable[];

#endif
