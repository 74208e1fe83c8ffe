/* SPDX-License-Identifier: BSD-3-Clause */
/* The state journal: the association changes made since the snapshot,
 * one checked record per change (design §3). */
#ifndef LUNMAP_JOURNAL_H
#define LUNMAP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "hresult.h"
#include "model.h"

struct lm_state;

struct lm_journal {
	int fd;
	long bytes;
};

/* Opens (creates, 0600) the journal for appending. */
lm_hr lm_journal_open(const char *dir, struct lm_journal *j, struct lm_err *err);
/* One record with the whole association set of each LUN given, written
 * with one write and made durable (fdatasync) before it returns. */
lm_hr lm_journal_append(struct lm_journal *j, uint64_t generation, const struct lm_lun *const *luns,
			size_t n, struct lm_err *err);
/* Empties the journal, once a new snapshot holds everything. */
lm_hr lm_journal_reset(struct lm_journal *j, struct lm_err *err);
void lm_journal_close(struct lm_journal *j);
/* Replaces st's associations of every LUN the journal of dir names (in
 * records of st's generation) by the latest set recorded; part of
 * lm_state_load. */
lm_hr lm_journal_replay(const char *dir, struct lm_state *st, struct lm_err *err);
/* A whole file, NUL-terminated, *len its size; NULL with errno set (a
 * read error too: never the part read before it). */
char *lm_read_file(const char *path, size_t *len);

#endif
