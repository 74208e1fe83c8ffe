/* SPDX-License-Identifier: BSD-3-Clause */
/* The model against one enumeration of the stack, for start-up and the
 * drift check alike: drift of one target, adoption of the stack's LUs,
 * discovery of new targets, numbers the stack uses that are not lunmap's. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "core.h"

static bool known_path(struct lm_model *m, const char *path)
{
	return lm_model_lun_by_path(m, path) != NULL;
}

const struct lm_tomb *lm_compare_tomb_by_path(const struct lm_model *m, const char *path)
{
	for (size_t i = 0; i < m->ntombs; i++)
		if (m->tombs[i].kind == LM_KIND_LUN && m->tombs[i].key &&
		    strcmp(m->tombs[i].key, path) == 0)
			return &m->tombs[i];
	return NULL;
}

void lm_compare_numbers(const struct lm_target *t, struct lm_numbits *b)
{
	lm_numbits_clear(b);
	for (size_t i = 0; i < t->links.n; i++)
		lm_numbits_set(b, t->links.v[i].number);
}

/* Every LU number the stack uses that is not one of our associations is
 * reserved, so that an allocation never collides with an admin's LU. */
lm_hr lm_compare_set_foreign(struct lm_target *t, const struct lm_stack_target *st)
{
	uint32_t *v;
	struct lm_numbits linked;
	size_t n = 0;

	/* not read: what was known stays */
	if (st->unread)
		return LM_S_OK;
	if (!(v = calloc(st->nlus + 1, sizeof *v)))
		return LM_E_OUTOFMEMORY;
	lm_compare_numbers(t, &linked);
	for (size_t i = 0; i < st->nlus; i++)
		if (!lm_numbits_has(&linked, st->lus[i].number))
			v[n++] = st->lus[i].number;
	free(t->foreign);
	t->foreign = v;
	t->nforeign = n;
	return LM_S_OK;
}

static void foreign_why(const struct lm_target *t, const struct lm_stack_lu *lu, char *why,
			size_t len);

/* Compares one target with what the stack has; 1 and a reason on drift. */
int lm_compare_target(struct lm_model *m, const struct lm_target *t,
			const struct lm_stack_target *st, char *why, size_t len)
{
	struct lm_numbits linked;

	if (!st) {
		snprintf(why, len, "target %s is gone from the stack", t->iqn);
		return 1;
	}
	if (st->unread) {
		lm_unread_why(t, st, why, len);
		return 1;
	}
	for (size_t i = 0; i < t->links.n; i++) {
		const struct lm_lun *l = lm_model_lun(m, t->links.v[i].index);
		const struct lm_stack_lu *lu = lm_stack_lu_at(st, t->links.v[i].number);
		if (!lu) {
			snprintf(why, len, "LUN %u (\"%s\") of target %s is gone from the stack",
				 t->links.v[i].number, l->name, t->iqn);
			return 1;
		}
		if (strcmp(lu->path, l->path) != 0) {
			snprintf(why, len, "LUN %u of target %s is %s in the stack, not %s",
				 lu->number, t->iqn, lu->path, l->path);
			return 1;
		}
		if (lu->unmapped) {
			snprintf(why, len, "LUN %u (\"%s\") of target %s is not mapped for initiator %s "
				 "(its node ACL lacks the LUN)", lu->number, l->name, t->iqn, lu->unmapped);
			return 1;
		}
		if (!lm_lu_identity_ok(l, lu)) {
			snprintf(why, len, "LUN %u (\"%s\") of target %s shows serial %s, not its own",
				 lu->number, l->name, t->iqn, lu->serial);
			return 1;
		}
		if (lu->readonly >= 0 && lu->readonly != (int)t->links.v[i].readonly) {
			snprintf(why, len, "LUN %u (\"%s\") of target %s is %s in the stack, not %s",
				 lu->number, l->name, t->iqn, lu->readonly ? "read-only" : "read-write",
				 lu->readonly ? "read-write" : "read-only");
			return 1;
		}
	}
	lm_compare_numbers(t, &linked);
	for (size_t i = 0; i < st->nlus; i++)
		if (!lm_numbits_has(&linked, st->lus[i].number) &&
		    (!t->discovered || known_path(m, st->lus[i].path))) {
			foreign_why(t, &st->lus[i], why, len);
			return 1;
		}
	return 0;
}

/* A target of the inventory exports what the inventory says and nothing
 * else (design §5): an LU on it that lunmap did not put there (made by
 * hand, injected, left by a failed cleanup) is drift, reported by path;
 * restore(4) removes it. On a discovered target only one of lunmap's LUNs
 * is. */
static void foreign_why(const struct lm_target *t, const struct lm_stack_lu *lu, char *why,
			size_t len)
{
	snprintf(why, len, "target %s has LUN %u (%s) that lunmap did not put there; restore(4) "
		 "removes it, or declare the path as a LUN and refresh(2)", t->iqn, lu->number,
		 lu->path[0] ? lu->path : "no path lunmap can name");
}

bool lm_compare_foreign(struct lm_model *m, const struct lm_stack *stack, char *why, size_t len)
{
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct lm_target *t = m->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(stack, t->iqn);
		struct lm_numbits linked;
		if (!st || t->discovered)
			continue;
		if (st->unread) {
			lm_unread_why(t, st, why, len);
			return true;
		}
		lm_compare_numbers(t, &linked);
		for (size_t k = 0; k < st->nlus; k++)
			if (!lm_numbits_has(&linked, st->lus[k].number)) {
				foreign_why(t, &st->lus[k], why, len);
				return true;
			}
	}
	return false;
}

/* Takes the stack's LUs of known LUNs as this target's associations; a
 * target the backend could not read keeps what lunmap knew. */
lm_hr lm_compare_adopt(struct lm_core *c, struct lm_target *t, const struct lm_stack_target *st)
{
	if (st->unread) {
		lm_core_log(c, "target %s cannot be read from the stack (%s): its associations stay "
			    "as recorded", t->iqn, st->unread);
		return LM_S_OK;
	}
	while (t->links.n)
		lm_model_unlink(c->model, lm_model_lun(c->model, t->links.v[0].index), t);
	for (size_t i = 0; i < st->nlus; i++) {
		struct lm_lun *l = lm_model_lun_by_path(c->model, st->lus[i].path);
		/* an LU numbered below what the backend gives (LIO's lun_0 by
		 * targetcli) stays foreign: the state holds no number 0 */
		if (!l || st->lus[i].number < lm_backend_min_lun(c->backend) ||
		    lm_links_find(&l->links, t->index))
			continue;
		if (lm_failed(lm_links_reserve(&l->links, 1)) ||
		    lm_failed(lm_links_reserve(&t->links, 1)))
			return LM_E_OUTOFMEMORY;
		lm_model_link(c->model, l, t, st->lus[i].number);
		/* refresh takes the stack's access too (unknown: read-write) */
		lm_model_set_access(l, t, st->lus[i].readonly > 0);
	}
	return lm_compare_set_foreign(t, st);
}

lm_hr lm_compare_discover(struct lm_core *c, const struct lm_stack *stack)
{
	bool added = false;

	for (size_t i = 0; i < stack->ntargets; i++) {
		const struct lm_stack_target *st = &stack->targets[i];
		struct lm_target *t;
		if (lm_model_target_by_iqn(c->model, st->iqn))
			continue;
		t = lm_model_add_target(c->model, 0, NULL, st->iqn, NULL, NULL);
		if (!t)
			return LM_E_OUTOFMEMORY;
		t->discovered = true;
		added = true;
		lm_core_log(c, "discovered target %s in the stack (index %u)", st->iqn, t->index);
		if (lm_failed(lm_compare_adopt(c, t, st)))
			return LM_E_OUTOFMEMORY;
	}
	/* lunmap manages what it discovered: the backend is told */
	return added ? lm_backend_manage(c->backend, c->model, NULL) : LM_S_OK;
}

/* Whether the stack's LU shows the LUN's identity (an unknown serial is
 * taken on trust: not every backend can tell) and every initiator it
 * admits can see it. Where not, restore, start-up and recovery put the LU
 * back whole (remove, add), which re-maps it. */
bool lm_lu_identity_ok(const struct lm_lun *l, const struct lm_stack_lu *lu)
{
	char hex[33];

	if (lu->unmapped)
		return false;
	if (!lu->serial)
		return true;
	lm_guid_hex(&l->id, hex);
	return strcmp(lu->serial, hex) == 0;
}

/* Whether the stack lost everything lunmap had put there (tgtd restarted
 * empty, the target modules reloaded): there is at least one recorded
 * association, and not one target that has some is left in the stack (or,
 * with none recorded, not one of the targets lunmap made is left). An
 * LU removed by hand from a target that is still there is drift, for an
 * operator (restore(4) or refresh(2)). */
bool lm_stack_lost_all(const struct lm_model *m, const struct lm_stack *stack)
{
	/* no association yet: the targets lunmap made are all it put there
	 * (found by the crash trials: tgtd restarted empty before the first
	 * association left lunmapd cacheCorrupt, "target ... is gone") */
	if (!m->nassoc) {
		bool made = false;
		for (size_t i = 0; i < m->ntargets; i++) {
			if (m->targets[i]->discovered || m->targets[i]->status != LM_ONLINE)
				continue;
			if (lm_stack_find_target(stack, m->targets[i]->iqn))
				return false;
			made = true;
		}
		return made;
	}
	for (size_t i = 0; i < m->ntargets; i++)
		if (m->targets[i]->links.n && lm_stack_find_target(stack, m->targets[i]->iqn))
			return false;
	return true;
}

/* The inventory decides which targets lunmap makes: a discovered target
 * (found in the stack, not declared) has no settings lunmap could make it
 * with (its initiators, its portal are someone else's), so start-up and
 * restore(4) alike never re-create one that is gone: that is drift, until
 * reenumerate(3) deletes it or refresh(2) takes it offline. */
bool lm_target_makeable(const struct lm_target *t)
{
	return !t->discovered;
}

/* Whether the stack's target is half made: it leaves out some of the
 * initiators the inventory lets in (a crash between making it and binding
 * them all), or the backend found part of a step half done on it
 * (st->half: a crash between two of a step's syscalls). Only a target
 * lunmap makes; an ACL the backend does not show is taken on trust.
 * create_target finishes it. */
bool lm_target_needs_bind(const struct lm_target *t, const struct lm_stack_target *st)
{
	char *copy, *save = NULL;
	bool missing = false;

	if (!lm_target_makeable(t) || !st)
		return false;
	if (st->half)
		return true;
	if (!t->initiators || !st->acl)
		return false;
	copy = strdup(t->initiators);
	if (!copy)
		return false; /* checked again at the next start */
	for (char *w = strtok_r(copy, ", ", &save); w && !missing; w = strtok_r(NULL, ", ", &save))
		missing = !lm_stack_acl_has(st->acl, w);
	free(copy);
	return missing;
}

/* What a crash left half made outside every target (stack->half) is
 * removed by the backend (it looks again first). A failure leaves nothing
 * an initiator sees: it is logged, and the next start or restore(4)
 * tries again. */
void lm_core_tidy(struct lm_core *c, const struct lm_stack *stack)
{
	struct lm_err e;

	/* only a backend that tidies reports what a crash left half made */
	if (!stack->half)
		return;
	lm_core_log(c, "the stack has a leftover of an interrupted step (%s): removing it",
		    stack->half);
	if (lm_failed(lm_backend_tidy(c->backend, &e)))
		lm_core_log(c, "%s", e.msg);
}

void lm_unread_why(const struct lm_target *t, const struct lm_stack_target *st, char *why,
		   size_t len)
{
	snprintf(why, len, "target %s cannot be read from the stack: %s", t->iqn, st->unread);
}

lm_hr lm_unread(const struct lm_target *t, const struct lm_stack_target *st, struct lm_err *err)
{
	char why[LM_ERR_MSG_MAX];

	lm_unread_why(t, st, why, sizeof why);
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "%s", why);
}
