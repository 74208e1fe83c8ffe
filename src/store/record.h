/* SPDX-License-Identifier: BSD-3-Clause */
/* The one text format of the crash-recovery records (record.c): the
 * journal's and the intent's lines are made of association sets
 *   TARGET:NUMBER[:r],TARGET:NUMBER,...
 * and end in a seal " #CHECK" (FNV-1a 64 of everything before it, 16
 * lowercase hex digits) and a newline. Both files are written and read
 * through these, so that they can never disagree on a byte. A record is
 * read exactly as lunmapd writes it: one space between LUNs, none before
 * the first or after the last, numbers without sign or leading zero;
 * anything else was written by another hand and is refused (the journal,
 * the intent: cacheCorrupt), and a seal that is not exact is a torn
 * record (the intent: no step of that change was made). */
#ifndef LUNMAP_RECORD_H
#define LUNMAP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* The check of a record's text, and of the state snapshot's body. */
uint64_t lm_record_check(const char *text, size_t n);

/* A set as the records write it (nothing for an empty one). */
void lm_record_put_set(FILE *f, const struct lm_assoc *v, size_t n);
/* A record being written: its text grows in memory, and is sealed (the
 * check, the newline) by lm_record_close, which is false without memory
 * (nothing left to free). The caller writes text[0..len) and frees it. */
struct lm_record {
	FILE *f;
	char *text;
	size_t len;
};
bool lm_record_open(struct lm_record *r);
bool lm_record_close(struct lm_record *r);
/* A line without its newline: true when it ends in the right seal, which
 * is cut off (the line is then its text alone). */
bool lm_record_unseal(char *line);

/* A strict decimal at *pp up to the first byte of stop (or the end),
 * within min..max; *pp moves past it. -1 when there is none. */
int lm_record_number(const char **pp, const char *stop, uint32_t min, uint32_t max,
		     uint32_t *out);
/* The next association of the set at *pp, which ends at the end of the
 * text, a space or end: 1 and the association (*pp past it and its
 * comma), 0 at the end of the set (*pp on it), -1 when malformed ("1:2,",
 * ",,", "1:2:x", a number out of range). */
int lm_record_pair(const char **pp, char end, struct lm_assoc *out);

#endif
