#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "state.h"

/* Whether the stack's target leaves out some of the initiators the
 * inventory lets in (a target lunmap makes, not a discovered one): a
 * crash between making it and binding them all. An ACL the backend does
 * not show is taken on trust. */
bool lm_target_needs_bind(const struct lm_target *t, const struct lm_stack_target *st)
{
	char *copy, *save = NULL;
	bool missing = false;

	if (t->discovered || !t->initiators || !st || !st->acl)
		return false;
	copy = strdup(t->initiators);
	if (!copy)
		return false; /* checked again at the next start */
	for (char *w = strtok_r(copy, ", ", &save); w && !missing; w = strtok_r(NULL, ", ", &save))
		missing = !lm_stack_acl_has(st->acl, w);
	free(copy);
	return missing;
}

/* Whether the stack's LU shows the LUN's identity (an unknown serial is
 * taken on trust: not every backend can tell). */
bool lm_lu_identity_ok(const struct lm_lun *l, const struct lm_stack_lu *lu)
{
	char hex[33];

	if (!lu->serial)
		return true;
	lm_guid_hex(&l->id, hex);
	return strcmp(lu->serial, hex) == 0;
}

/* Brings one (LUN, target, number) of an interrupted change to what the
 * saved state says: present with the LUN's identity, or absent. */
static lm_hr settle(struct lm_core *c, struct lm_lun *l, uint32_t tindex, uint32_t number,
		    const struct lm_stack *stack, int *steps, struct lm_err *err)
{
	struct lm_target *t = lm_model_target(c->model, tindex);
	const struct lm_stack_target *st = t ? lm_stack_find_target(stack, t->iqn) : NULL;
	const struct lm_stack_lu *lu;
	const struct lm_assoc *have;
	bool ours;
	lm_hr hr = LM_S_OK;

	if (!st)
		return LM_S_OK; /* start-up creates the target and restores it */
	lu = lm_stack_lu_at(st, number);
	ours = lu && strcmp(lu->path, l->path) == 0;
	have = lm_links_find(&l->links, t->index);
	if (have && have->number == number) {
		if (ours && lm_lu_identity_ok(l, lu))
			return LM_S_OK;
		if (lu && !ours)
			return LM_S_OK; /* someone else's LU: drift says so */
		if (ours) {
			hr = c->backend->ops->remove_lu(c->backend, t, number, l, err);
			++*steps;
		}
		if (!lm_failed(hr)) {
			hr = c->backend->ops->add_lu(c->backend, t, number, l, err);
			++*steps;
		}
	} else if (!have && ours) {
		hr = c->backend->ops->remove_lu(c->backend, t, number, l, err);
		++*steps;
	}
	return hr;
}

lm_hr lm_recover_intent(struct lm_core *c, struct lm_err *err)
{
	struct lm_intent in;
	struct lm_stack stack = { 0 };
	struct lm_err e;
	int steps = 0;
	lm_hr hr = lm_intent_read(c->state_dir, &in, err);

	if (lm_failed(hr) || !in.n)
		return hr;
	hr = c->backend->ops->enumerate(c->backend, &stack, err);
	if (lm_failed(hr))
		goto out;
	lm_stack_sort(&stack);
	for (size_t i = 0; i < in.n && !lm_failed(hr); i++) {
		const struct lm_intent_lun *il = &in.v[i];
		struct lm_lun *l = lm_model_lun(c->model, il->lun);
		if (!l)
			continue; /* deleted since: start-up withdraws it */
		for (size_t k = 0; k < il->nold && !lm_failed(hr); k++)
			hr = settle(c, l, il->old[k].index, il->old[k].number, &stack, &steps, &e);
		for (size_t k = 0; k < il->nnew && !lm_failed(hr); k++) {
			const struct lm_assoc *o = lm_links_find(
				&(struct lm_links){ il->old, il->nold, 0 }, il->new[k].index);
			if (!o || o->number != il->new[k].number)
				hr = settle(c, l, il->new[k].index, il->new[k].number, &stack, &steps,
					    &e);
		}
	}
	if (lm_failed(hr)) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				"an interrupted change could not be settled in the stack: %s", e.msg);
		goto out;
	}
	if (steps)
		lm_core_log(c, "an interrupted change of %zu LUN(s) was settled in the stack (%d "
			    "step(s)): the stack has the saved sets again", in.n, steps);
	if (lm_failed(lm_intent_clear(c->intent_fd, &e)))
		lm_core_log(c, "%s", e.msg);
out:
	lm_stack_clear(&stack);
	lm_intent_free(&in);
	return hr;
}

/* Puts one target's recorded associations back: what is missing is added,
 * a wrong identity is re-applied, an LU of one of lunmap's LUNs that the
 * state does not have there is withdrawn. Foreign LUs stay. */
static lm_hr restore_one(struct lm_core *c, struct lm_target *t, const struct lm_stack_target *st,
			 unsigned *steps, struct lm_err *err)
{
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; st && i < st->nlus && !lm_failed(hr); i++) {
		struct lm_lun *l = lm_model_lun_by_path(c->model, st->lus[i].path);
		const struct lm_assoc *k = l ? lm_links_find(&l->links, t->index) : NULL;
		if (l && (!k || k->number != st->lus[i].number)) {
			hr = c->backend->ops->remove_lu(c->backend, t, st->lus[i].number, l, err);
			++*steps;
		}
	}
	for (size_t i = 0; i < t->links.n && !lm_failed(hr); i++) {
		struct lm_lun *l = lm_model_lun(c->model, t->links.v[i].index);
		uint32_t number = t->links.v[i].number;
		const struct lm_stack_lu *lu = st ? lm_stack_lu_at(st, number) : NULL;
		if (lu && strcmp(lu->path, l->path) != 0)
			return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					  "LUN %u of %s is %s, not lunmap's; remove it or refresh(2)",
					  number, t->iqn, lu->path);
		if (lu && lm_lu_identity_ok(l, lu))
			continue;
		if (lu) {
			hr = c->backend->ops->remove_lu(c->backend, t, number, l, err);
			++*steps;
		}
		if (!lm_failed(hr)) {
			hr = c->backend->ops->add_lu(c->backend, t, number, l, err);
			++*steps;
		}
	}
	return hr;
}

lm_hr lm_core_restore(struct lm_core *c, unsigned *steps, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	struct lm_err e;
	lm_hr hr = c->backend->ops->enumerate(c->backend, &stack, err);

	*steps = 0;
	if (lm_failed(hr))
		return hr;
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->ntargets && !lm_failed(hr); i++) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(&stack, t->iqn);
		if ((!st && !t->discovered) || lm_target_needs_bind(t, st)) {
			hr = c->backend->ops->create_target(c->backend, t, &e);
			if (!lm_failed(hr))
				t->status = LM_ONLINE;
		}
		if (!lm_failed(hr) && (st || !t->discovered))
			hr = restore_one(c, t, st, steps, &e);
	}
	lm_stack_clear(&stack);
	if (lm_failed(hr)) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				  "restore: %s; the subsystem stays cacheCorrupt", e.msg);
	}
	c->model->status = LM_SUBSYS_ONLINE;
	hr = lm_core_check(c, err);
	if (!lm_failed(hr))
		lm_core_log(c, "restore: the stack has what lunmap recorded again (%u step(s))", *steps);
	return hr;
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
