/* The running model from the inventory (what the admin declares) and the
 * saved state (ids, indexes, associations, tombstones): start and reload. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core.h"

static const struct lm_inv_target *match_target(const struct lm_inventory *inv,
						const struct lm_state_target *st, bool *used)
{
	for (size_t i = 0; i < inv->ntargets; i++) {
		const struct lm_inv_target *t = &inv->targets[i];
		if (used[i])
			continue;
		if (lm_guid_is_nil(&t->id) ? strcmp(t->iqn, st->iqn) == 0
					   : lm_guid_cmp(&t->id, &st->id) == 0) {
			used[i] = true;
			return t;
		}
	}
	return NULL;
}

static const struct lm_inv_lun *match_lun(const struct lm_inventory *inv,
					  const struct lm_state_lun *sl, bool *used)
{
	for (size_t i = 0; i < inv->nluns; i++) {
		const struct lm_inv_lun *l = &inv->luns[i];
		if (used[i])
			continue;
		if (lm_guid_is_nil(&l->id) ? strcmp(l->path, sl->path) == 0
					   : lm_guid_cmp(&l->id, &sl->id) == 0) {
			used[i] = true;
			return l;
		}
	}
	return NULL;
}

/* An inventory id already taken: by a live object it is a mistake in the
 * inventory; by a deleted one (reenumerate found the object gone) the
 * object stays deleted, and start goes on without it. */
static lm_hr id_conflict(struct lm_core *c, const struct lm_inventory *inv, long line,
			 const lm_guid *id, bool *skip, struct lm_err *err)
{
	char s[LM_GUID_STRLEN + 1];
	enum lm_kind kind;
	uint32_t index;
	lm_hr hr;

	*skip = false;
	if (lm_guid_is_nil(id))
		return LM_S_OK;
	hr = lm_model_find_id(c->model, id, &kind, &index);
	if (hr == LM_VDS_E_OBJECT_NOT_FOUND)
		return LM_S_OK;
	lm_guid_format(id, s);
	if (hr == LM_VDS_E_OBJECT_DELETED) {
		*skip = true;
		lm_core_log(c, "%s:%ld: id %s was deleted (the object vanished from the stack and was "
			    "re-enumerated); it stays deleted: remove it from the inventory or give it a new id",
			    inv->file, line, s);
		return LM_S_OK;
	}
	return lm_err_set(err, LM_E_INVALIDARG, "%s:%ld: id %s is the saved id of another object",
			  inv->file, line, s);
}

static lm_hr merge_targets(struct lm_core *c, const struct lm_inventory *inv,
			   const struct lm_state *st, struct lm_err *err)
{
	bool *used = calloc(inv->ntargets + 1, sizeof *used);
	lm_hr hr = LM_S_OK;

	if (!used)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < st->ntargets && !lm_failed(hr); i++) {
		const struct lm_state_target *s = &st->targets[i];
		const struct lm_inv_target *t = match_target(inv, s, used);
		struct lm_target *mt;
		if (!t && !s->discovered) {
			hr = lm_model_add_tomb(c->model, &s->id, LM_KIND_TARGET, s->iqn);
			continue;
		}
		mt = lm_model_add_target(c->model, s->index, &s->id, t ? t->iqn : s->iqn,
					 t ? t->alias : s->alias, t ? t->initiators : NULL);
		if (!mt)
			hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					"state: target index %u or its id is used twice", s->index);
		else
			mt->discovered = !t;
	}
	if (c->model->next_target_index < st->next_target_index)
		c->model->next_target_index = st->next_target_index;
	for (size_t i = 0; i < inv->ntargets && !lm_failed(hr); i++) {
		const struct lm_inv_target *t = &inv->targets[i];
		struct lm_target *mt;
		bool skip;
		if (used[i])
			continue;
		hr = id_conflict(c, inv, t->line, &t->id, &skip, err);
		if (lm_failed(hr))
			break;
		if (skip)
			continue;
		if (lm_model_target_by_iqn(c->model, t->iqn)) {
			hr = lm_err_set(err, LM_E_INVALIDARG,
					"%s:%ld: target %s has another id in the saved state",
					inv->file, t->line, t->iqn);
			break;
		}
		mt = lm_model_add_target(c->model, 0, &t->id, t->iqn, t->alias, t->initiators);
		if (!mt)
			hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		else
			mt->fresh = true;
	}
	free(used);
	return hr;
}

static lm_hr merge_luns(struct lm_core *c, const struct lm_inventory *inv,
			const struct lm_state *st, struct lm_err *err)
{
	bool *used = calloc(inv->nluns + 1, sizeof *used);
	lm_hr hr = LM_S_OK;

	if (!used)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < st->nluns && !lm_failed(hr); i++) {
		const struct lm_state_lun *s = &st->luns[i];
		const struct lm_inv_lun *l = match_lun(inv, s, used);
		if (!l) {
			hr = lm_model_add_tomb(c->model, &s->id, LM_KIND_LUN, s->path);
			continue;
		}
		if (!lm_model_add_lun(c->model, s->index, &s->id, l->name, l->path))
			hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					"state: LUN index %u or its id is used twice", s->index);
	}
	if (c->model->next_lun_index < st->next_lun_index)
		c->model->next_lun_index = st->next_lun_index;
	for (size_t i = 0; i < inv->nluns && !lm_failed(hr); i++) {
		const struct lm_inv_lun *l = &inv->luns[i];
		bool skip;
		if (used[i])
			continue;
		hr = id_conflict(c, inv, l->line, &l->id, &skip, err);
		if (lm_failed(hr))
			break;
		if (skip)
			continue;
		if (lm_model_lun_by_path(c->model, l->path)) {
			hr = lm_err_set(err, LM_E_INVALIDARG,
					"%s:%ld: LUN %s has another id in the saved state", inv->file,
					l->line, l->path);
			break;
		}
		if (!lm_model_add_lun(c->model, 0, &l->id, l->name, l->path))
			hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	free(used);
	return hr;
}

static lm_hr merge_assocs(struct lm_core *c, const struct lm_state *st, struct lm_err *err)
{
	for (size_t i = 0; i < st->nassocs; i++) {
		const struct lm_state_assoc *a = &st->assocs[i];
		struct lm_lun *l = lm_model_lun(c->model, a->lun);
		struct lm_target *t = lm_model_target(c->model, a->target);
		if (!l || !t)
			continue; /* one end was deleted: start-up withdraws its LU */
		if (lm_failed(lm_links_reserve(&l->links, 1)) ||
		    lm_failed(lm_links_reserve(&t->links, 1)))
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		lm_model_link(c->model, l, t, a->number);
		lm_model_set_access(l, t, a->readonly);
	}
	return LM_S_OK;
}

lm_hr lm_merge_model(struct lm_core *c, const struct lm_inventory *inv,
			 const struct lm_state *st, struct lm_err *err)
{
	lm_hr hr;

	c->model = lm_model_new(inv->name, inv->max_targets_per_lun);
	if (!c->model)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < st->ntombs; i++) {
		hr = lm_model_add_tomb(c->model, &st->tombs[i].id, st->tombs[i].kind,
				       st->tombs[i].key);
		if (lm_failed(hr))
			return lm_err_set(err, hr, "no memory");
	}
	hr = merge_targets(c, inv, st, err);
	if (!lm_failed(hr))
		hr = merge_luns(c, inv, st, err);
	if (!lm_failed(hr))
		hr = merge_assocs(c, st, err);
	for (size_t i = 0; i < c->model->nluns; i++)
		lm_lun_probe(c->model->luns[i]);
	return hr;
}
