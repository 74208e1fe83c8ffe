/* SPDX-License-Identifier: BSD-3-Clause */
/* The running model from the inventory (what the admin declares) and the
 * saved state (ids, indexes, associations, tombstones): start and reload. */
#include "config.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "vec.h"

/* The inventory's objects by the key the saved state is matched with: the
 * id when the inventory gives one, else the IQN or path. Sorted once, so
 * that matching n saved objects is O(n log n), not a scan each. */
struct ref {
	const lm_guid *id; /* NULL: matched by text */
	const char *text;
	size_t pos;
};

static int ref_cmp(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;
	int c = (a->id == NULL) - (b->id == NULL);

	if (!c)
		c = a->id ? lm_guid_cmp(a->id, b->id) : strcmp(a->text, b->text);
	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

static int ref_key_cmp(const void *key, const void *elem)
{
	const struct ref *a = key, *b = elem;
	int c = (a->id == NULL) - (b->id == NULL);

	if (!c)
		c = a->id ? lm_guid_cmp(a->id, b->id) : strcmp(a->text, b->text);
	return c;
}

/* refs of n objects, from each one's id (nil: none) and text */
static struct ref *refs_new(size_t n, const lm_guid *(*id_of)(const void *, size_t),
			    const char *(*text_of)(const void *, size_t), const void *objs)
{
	struct ref *v = malloc((n ? n : 1) * sizeof *v);

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const lm_guid *id = id_of(objs, i);
		v[i] = (struct ref){ lm_guid_is_nil(id) ? NULL : id, text_of(objs, i), i };
	}
	qsort(v, n, sizeof *v, ref_cmp);
	return v;
}

/* The first unused object (in the inventory's order) whose key is the
 * saved object's id or, among those without an id, its text: what a scan
 * of the inventory in order would find. n + 1 when none. */
static size_t match(const struct ref *v, size_t n, const lm_guid *id, const char *text,
		    const bool *used)
{
	const struct ref keys[2] = { { id, text, 0 }, { NULL, text, 0 } };
	size_t best = n + 1;

	for (size_t k = 0; k < 2; k++)
		for (size_t i = lm_lower_bound(v, n, sizeof *v, &keys[k], ref_key_cmp);
		     i < n && ref_key_cmp(&keys[k], &v[i]) == 0; i++)
			if (!used[v[i].pos] && v[i].pos < best) {
				best = v[i].pos;
				break;
			}
	return best;
}

static const lm_guid *target_id(const void *o, size_t i)
{
	return &((const struct lm_inv_target *)o)[i].id;
}

static const char *target_iqn(const void *o, size_t i)
{
	return ((const struct lm_inv_target *)o)[i].iqn;
}

static const lm_guid *lun_id(const void *o, size_t i)
{
	return &((const struct lm_inv_lun *)o)[i].id;
}

static const char *lun_path(const void *o, size_t i)
{
	return ((const struct lm_inv_lun *)o)[i].path;
}

static const struct lm_inv_target *match_target(const struct lm_inventory *inv,
						const struct ref *refs,
						const struct lm_state_target *st, bool *used)
{
	size_t i = match(refs, inv->ntargets, &st->id, st->iqn, used);

	if (i > inv->ntargets)
		return NULL;
	used[i] = true;
	return &inv->targets[i];
}

static const struct lm_inv_lun *match_lun(const struct lm_inventory *inv, const struct ref *refs,
					  const struct lm_state_lun *sl, bool *used)
{
	size_t i = match(refs, inv->nluns, &sl->id, sl->path, used);

	if (i > inv->nluns)
		return NULL;
	used[i] = true;
	return &inv->luns[i];
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
	struct ref *refs = refs_new(inv->ntargets, target_id, target_iqn, inv->targets);
	lm_hr hr = LM_S_OK;

	if (!used || !refs) {
		free(used);
		free(refs);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	for (size_t i = 0; i < st->ntargets && !lm_failed(hr); i++) {
		const struct lm_state_target *s = &st->targets[i];
		const struct lm_inv_target *t = match_target(inv, refs, s, used);
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
	free(refs);
	free(used);
	return hr;
}

static lm_hr merge_luns(struct lm_core *c, const struct lm_inventory *inv,
			const struct lm_state *st, struct lm_err *err)
{
	bool *used = calloc(inv->nluns + 1, sizeof *used);
	struct ref *refs = refs_new(inv->nluns, lun_id, lun_path, inv->luns);
	lm_hr hr = LM_S_OK;

	if (!used || !refs) {
		free(used);
		free(refs);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	for (size_t i = 0; i < st->nluns && !lm_failed(hr); i++) {
		const struct lm_state_lun *s = &st->luns[i];
		const struct lm_inv_lun *l = match_lun(inv, refs, s, used);
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
	free(refs);
	free(used);
	return hr;
}

/* Each object's link array made the size the saved associations need, in
 * one allocation (growth by doubling from 8 left half of a 100k
 * association model's link arrays unused). */
static lm_hr size_links(struct lm_core *c, const struct lm_state *st)
{
	struct lm_model *m = c->model;

	/* the counts are kept in links.n until the arrays are made */
	for (size_t i = 0; i < st->nassocs; i++) {
		struct lm_lun *l = lm_model_lun(m, st->assocs[i].lun);
		struct lm_target *t = lm_model_target(m, st->assocs[i].target);
		if (l && t) {
			l->links.n++;
			t->links.n++;
		}
	}
	for (size_t i = 0; i < m->nluns + m->ntargets; i++) {
		struct lm_links *k = i < m->nluns ? &m->luns[i]->links : &m->targets[i - m->nluns]->links;
		size_t n = k->n;
		k->n = 0;
		if (n > k->cap) {
			struct lm_assoc *v = realloc(k->v, n * sizeof *v);
			if (!v)
				return LM_E_OUTOFMEMORY;
			k->v = v;
			k->cap = n;
		}
	}
	return LM_S_OK;
}

static lm_hr merge_assocs(struct lm_core *c, const struct lm_state *st, struct lm_err *err)
{
	if (lm_failed(size_links(c, st)))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
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
		lm_lun_probe(c->model->luns[i], LM_PROBE_WAIT_MS);
	return hr;
}

/* The inventory file as it was when the running model was read from it. */
void lm_merge_stamp_inventory(struct lm_core *c)
{
	struct stat sb;

	memset(&c->inventory_stamp, 0, sizeof c->inventory_stamp);
	if (stat(c->inventory, &sb) == 0) {
		c->inventory_stamp.ino = sb.st_ino;
		c->inventory_stamp.size = sb.st_size;
		c->inventory_stamp.mtime = sb.st_mtim;
	}
}

static bool inventory_unchanged(const struct lm_core *c)
{
	struct stat sb;

	return stat(c->inventory, &sb) == 0 && sb.st_ino == c->inventory_stamp.ino &&
	       sb.st_size == c->inventory_stamp.size &&
	       sb.st_mtim.tv_sec == c->inventory_stamp.mtime.tv_sec &&
	       sb.st_mtim.tv_nsec == c->inventory_stamp.mtime.tv_nsec;
}

/* The model again as the files on disk have it (after a change of the
 * model that could not be saved: a refresh's adoption). Refused when the
 * inventory changed since it was read: that is a reload's business. */
lm_hr lm_core_model_from_disk(struct lm_core *c, struct lm_err *err)
{
	struct lm_inventory *inv = NULL;
	struct lm_state *st = NULL;
	struct lm_model *old = c->model;
	lm_hr hr;

	if (!inventory_unchanged(c))
		return lm_err_set(err, LM_E_FAIL, "%s changed since it was read", c->inventory);
	hr = lm_inventory_load(c->inventory, &inv, c->log, c->log_ctx, err);
	if (!lm_failed(hr))
		hr = lm_state_load(c->store.dir, &st, err);
	if (!lm_failed(hr)) {
		c->model = NULL;
		hr = lm_merge_model(c, inv, st, err);
		if (lm_failed(hr)) {
			lm_model_free(c->model);
			c->model = old;
		} else {
			c->model->status = old->status;
			lm_model_free(old);
			/* the targets managed are the saved model's again (a
			 * reenumerate whose save failed discovered others) */
			lm_backend_manage(c->backend, c->model, NULL);
		}
	}
	lm_state_free(st);
	lm_inventory_free(inv);
	return hr;
}
