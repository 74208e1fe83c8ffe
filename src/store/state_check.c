/* SPDX-License-Identifier: BSD-3-Clause */
/* What a snapshot must satisfy before lunmapd believes it (issue #12):
 * a damaged or hand-edited file is refused, never "repaired" into a loss.
 * Sorting makes each check O(n log n) on states of 100k LUNs. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "state.h"

struct key {
	uint64_t a, b;
};

static int key_cmp(const void *x, const void *y)
{
	const struct key *k = x, *l = y;

	if (k->a != l->a)
		return k->a < l->a ? -1 : 1;
	return k->b < l->b ? -1 : k->b > l->b;
}

/* 1 when two keys are equal; the array is sorted as a side effect. */
static int has_twins(struct key *v, size_t n)
{
	qsort(v, n, sizeof *v, key_cmp);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&v[i - 1], &v[i]) == 0)
			return 1;
	return 0;
}

static int found(const struct key *v, size_t n, uint64_t a)
{
	struct key k = { .a = a };

	return n && bsearch(&k, v, n, sizeof *v, key_cmp) != NULL;
}

static uint64_t half(const lm_guid *g, int second)
{
	uint64_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h << 8 | g->b[second * 8 + i];
	return h;
}

static int text_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int text_twins(char **v, size_t n)
{
	qsort(v, n, sizeof *v, text_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			return 1;
	return 0;
}

static const char *check_ids(const struct lm_state *st, struct key *v, char **s)
{
	size_t n = 0;

	for (size_t i = 0; i < st->ntargets; i++)
		v[n++] = (struct key){ half(&st->targets[i].id, 0), half(&st->targets[i].id, 1) };
	for (size_t i = 0; i < st->nluns; i++)
		v[n++] = (struct key){ half(&st->luns[i].id, 0), half(&st->luns[i].id, 1) };
	for (size_t i = 0; i < st->ntombs; i++)
		v[n++] = (struct key){ half(&st->tombs[i].id, 0), half(&st->tombs[i].id, 1) };
	if (has_twins(v, n))
		return "one id on two objects";
	for (size_t i = 0; i < st->ntargets; i++)
		s[i] = st->targets[i].iqn;
	if (text_twins(s, st->ntargets))
		return "one iqn on two targets";
	for (size_t i = 0; i < st->nluns; i++)
		s[i] = st->luns[i].path;
	if (text_twins(s, st->nluns))
		return "one path on two LUNs";
	return NULL;
}

static const char *check_assocs(const struct lm_state *st, struct key *v, struct key *w)
{
	size_t nt = st->ntargets, nl = st->nluns;

	for (size_t i = 0; i < nt; i++)
		v[i] = (struct key){ st->targets[i].index, 0 };
	if (has_twins(v, nt))
		return "one index on two targets";
	for (size_t i = 0; i < nl; i++)
		w[i] = (struct key){ st->luns[i].index, 0 };
	if (has_twins(w, nl))
		return "one index on two LUNs";
	for (size_t i = 0; i < st->nassocs; i++)
		if (!found(v, nt, st->assocs[i].target) || !found(w, nl, st->assocs[i].lun))
			return "an association names a LUN or target the state does not have";
	return NULL;
}

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int u64_twins(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, u64_cmp);
	for (size_t i = 1; i < n; i++)
		if (v[i - 1] == v[i])
			return 1;
	return 0;
}

/* One association per (LUN, target), one LUN per (target, number); also
 * run on the associations the journal leaves. Two 32-bit halves make one
 * 8-byte key: 100k associations sort in 800 kB, not 2.4 MB. */
const char *lm_state_check_assocs(const struct lm_state_assoc *a, size_t n, int *oom)
{
	uint64_t *v = malloc((n + 1) * sizeof *v);
	const char *why = NULL;

	if (!v) {
		*oom = 1;
		return "no memory";
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (uint64_t)a[i].lun << 32 | a[i].target;
	if (u64_twins(v, n))
		why = "a LUN is associated twice with one target";
	for (size_t i = 0; i < n && !why; i++)
		v[i] = (uint64_t)a[i].target << 32 | a[i].number;
	if (!why && u64_twins(v, n))
		why = "one LUN number on a target twice";
	free(v);
	return why;
}

const char *lm_state_check(const struct lm_state *st, int *oom)
{
	size_t all = st->ntargets + st->nluns + st->ntombs + 1;
	struct key *v = malloc(all * sizeof *v), *w = malloc(all * sizeof *w);
	char **s = malloc(all * sizeof *s);
	const char *why = NULL;

	if (!v || !w || !s) {
		*oom = 1;
		why = "no memory";
		goto out;
	}
	why = check_ids(st, v, s);
	if (!why)
		why = check_assocs(st, v, w);
	if (!why)
		why = lm_state_check_assocs(st->assocs, st->nassocs, oom);
out:
	free(v);
	free(w);
	free(s);
	return why;
}
