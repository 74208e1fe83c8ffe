/* SPDX-License-Identifier: BSD-3-Clause */
/* The reader of `tgtadm --op show --mode target`, read against tgtd's
 * list of targets (census.h) and lunmap's anchors. */
#ifndef LUNMAP_TGT_SHOW_H
#define LUNMAP_TGT_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "census.h"

/* The ACL entry tgt binds to every target lunmap manages, to mark where
 * the target's own text ends in the listing (an initiator cannot see a
 * target's ACL, so it cannot know, hence forge, the entry; an address
 * that is none never lets anyone in): "lunmap-" KEY "-" IQN, KEY 32 hex
 * digits of the state folder's secret. */
#define LM_TGT_ANCHOR_PREFIX "lunmap-"
/* anchor (room for LM_TGT_ANCHOR_MAX bytes) of the target iqn; "" when
 * key is "" (anchors are off) */
#define LM_TGT_ANCHOR_MAX 272
void lm_tgt_anchor(const char *key, const char *iqn, char *anchor);

/* How well a target was read. */
enum lm_tgt_read {
	/* its LUs, ACL and sessions are what tgtd has */
	LM_TGT_READ,
	/* text an initiator chose stands before it in the listing, and no
	 * anchor of its own marks where its text ends: not read */
	LM_TGT_UNCERTAIN,
	/* its own text does not follow tgtd's grammar (a name or path of
	 * an administrator's with a newline, another tgtd): not read */
	LM_TGT_UNREADABLE,
	/* more than one reading ends at its anchor: the one whose LU
	 * numbers tgtd's statistics confirm is it (lm_tgt_show_confirm) */
	LM_TGT_PENDING,
};

/* What the reader says of one target of the list, beside its place in
 * the stack. */
struct lm_tgt_show_target {
	uint32_t tid;
	enum lm_tgt_read read;
	bool anchored;       /* its anchor was met */
	/* whether sessions says for certain if the target is in use (0: nobody
	 * is logged in); else it is 1, taken as in use until tgtd's
	 * statistics tell (the backend asks them) */
	bool sessions_known;
	/* LM_TGT_PENDING: the readings, each a target (LUs and ACL) and the
	 * numbers of all its LUs (LUN 0 and LUs without a path included) */
	struct lm_tgt_reading *alt;
	size_t nalt;
};

struct lm_tgt_reading {
	struct lm_stack_target t;
	uint32_t *numbers;
	size_t nnumbers;
};

/* The result: stack->targets[i] is lld->v[i] (every target of the list,
 * in its order), info[i] says how it was read. A target not read has no
 * LUs and a NULL ACL, and its stack target's `unread` says why. */
struct lm_tgt_show_result {
	struct lm_stack stack;
	struct lm_tgt_show_target *info;
	size_t ninfo; /* the list's targets (the stack may be taken away) */
	/* the listing and the list disagree (a target made or deleted
	 * between the two requests): read again */
	bool stale;
};

/* anchors[i]: the anchor of lld->v[i], or NULL; both stay alive while
 * the reader does. */
struct lm_tgt_show *lm_tgt_show_new(const struct lm_tgt_lld *lld, const char *const *anchors);
/* Fed in pieces as the listing arrives (never held whole); 0, or -1 when
 * memory ran out (stop feeding). A NUL ends the text. */
int lm_tgt_show_feed(struct lm_tgt_show *sh, const char *text, size_t n);
bool lm_tgt_show_refused(const struct lm_tgt_show *sh);
/* Ends the reading and frees the reader: E_OUTOFMEMORY only (a listing is
 * never refused: what cannot be read is said per target). */
lm_hr lm_tgt_show_end(struct lm_tgt_show *sh, struct lm_tgt_show_result *out, struct lm_err *err);
void lm_tgt_show_result_free(struct lm_tgt_show_result *r);

/* Settles a PENDING target i with the LU numbers tgtd's statistics show
 * (sorted, unique): READ with the one reading that has exactly them, or
 * UNREADABLE. n == 0 (statistics show a target only while it has a
 * session): stays PENDING. */
void lm_tgt_show_confirm(struct lm_tgt_show_result *r, size_t i, const uint32_t *numbers,
			 size_t n);
/* Gives up on a PENDING target: UNREADABLE. */
void lm_tgt_show_give_up(struct lm_tgt_show_result *r, size_t i);

/* The whole text at once (tests, fuzzers). */
lm_hr lm_tgt_parse_show(const char *text, const struct lm_tgt_lld *lld, const char *const *anchors,
			struct lm_tgt_show_result *out, struct lm_err *err);

#endif
