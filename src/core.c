#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "state.h"

void lm_core_log(struct lm_core *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->log(c->log_ctx, msg);
}

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
	}
	return LM_S_OK;
}

static lm_hr build_model(struct lm_core *c, const struct lm_inventory *inv,
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

lm_hr lm_core_compact(struct lm_core *c, struct lm_err *err)
{
	struct lm_err e;
	long size = 0;
	lm_hr hr = lm_state_save(c->state_dir, c->model, c->generation + 1, &size, err);

	if (lm_failed(hr))
		return hr;
	c->generation++;
	c->snapshot_bytes = size;
	/* the journal's records are now stale by generation: emptying it
	 * only saves room */
	if (lm_failed(lm_journal_reset(&c->journal, &e)))
		lm_core_log(c, "%s", e.msg);
	return LM_S_OK;
}

lm_hr lm_core_persist(struct lm_core *c, const struct lm_lun *const *luns, size_t n,
		      struct lm_err *err)
{
	struct lm_err e;
	lm_hr hr = lm_journal_append(&c->journal, c->generation, luns, n, err);

	if (lm_failed(hr))
		return hr;
	if (c->journal.bytes > c->snapshot_bytes / 2 + 65536 && lm_failed(lm_core_compact(c, &e)))
		lm_core_log(c, "state compaction postponed: %s", e.msg);
	return LM_S_OK;
}

lm_hr lm_core_reload(struct lm_core *c, struct lm_err *err)
{
	struct lm_inventory *inv = NULL;
	struct lm_state *st = NULL;
	struct lm_model *old = c->model;
	lm_hr hr;

	hr = lm_inventory_load(c->inventory, &inv, c->log, c->log_ctx, err);
	if (lm_failed(hr))
		return hr;
	if (strcmp(inv->backend.type, c->bconf.type) != 0 || inv->backend.control_port != c->bconf.control_port) {
		hr = lm_err_set(err, LM_E_INVALIDARG,
				"%s: the backend cannot change while lunmapd runs; restart it", c->inventory);
		goto out;
	}
	/* every change is on disk: the saved state is the running one */
	hr = lm_state_load(c->state_dir, &st, err);
	if (lm_failed(hr))
		goto out;
	c->model = NULL;
	hr = build_model(c, inv, st, err);
	if (!lm_failed(hr))
		hr = lm_reconcile_start(c, err);
	if (!lm_failed(hr))
		hr = lm_core_compact(c, err);
	if (lm_failed(hr)) {
		lm_model_free(c->model);
		c->model = old;
		goto out;
	}
	c->bconf.check_interval = inv->backend.check_interval;
	c->bconf.timeout_ms = inv->backend.timeout_ms;
	lm_model_free(old);
out:
	lm_state_free(st);
	lm_inventory_free(inv);
	return hr;
}

lm_hr lm_core_open(const struct lm_core_opts *opts, struct lm_core **out, struct lm_err *err)
{
	struct lm_inventory *inv = NULL;
	struct lm_state *st = NULL;
	struct lm_core *c;
	lm_hr hr;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c) {
		lm_backend_destroy(opts->backend);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	c->lock_fd = -1;
	c->journal.fd = -1;
	c->log = opts->log;
	c->log_ctx = opts->log_ctx;
	c->backend = opts->backend;
	c->state_dir = strdup(opts->state_dir);
	c->inventory = strdup(opts->inventory);
	if (!c->state_dir || !c->inventory) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		goto out;
	}
	hr = lm_inventory_load(opts->inventory, &inv, c->log, c->log_ctx, err);
	if (lm_failed(hr))
		goto out;
	c->bconf = inv->backend;
	c->bconf.log = c->log;
	c->bconf.log_ctx = c->log_ctx;
	/* the folder is lunmap's own: made on first start, private */
	if (mkdir(c->state_dir, 0700) != 0 && errno != EEXIST) {
		hr = lm_err_set(err, LM_E_FAIL, "cannot create state folder %s: %s", c->state_dir,
				strerror(errno));
		goto out;
	}
	hr = lm_state_lock(c->state_dir, &c->lock_fd, err);
	if (lm_failed(hr))
		goto out;
	hr = lm_state_load(c->state_dir, &st, err);
	if (lm_failed(hr))
		goto out;
	c->generation = st->generation;
	hr = lm_journal_open(c->state_dir, &c->journal, err);
	if (lm_failed(hr))
		goto out;
	if (!c->backend) {
		hr = lm_backend_create(&c->bconf, &c->backend, err);
		if (lm_failed(hr))
			goto out;
	}
	hr = build_model(c, inv, st, err);
	if (lm_failed(hr))
		goto out;
	hr = lm_reconcile_start(c, err);
	if (lm_failed(hr))
		goto out;
	hr = lm_core_compact(c, err);
out:
	lm_state_free(st);
	lm_inventory_free(inv);
	if (lm_failed(hr))
		lm_core_close(c);
	else
		*out = c;
	return hr;
}

void lm_core_close(struct lm_core *c)
{
	if (!c)
		return;
	lm_backend_destroy(c->backend);
	lm_model_free(c->model);
	lm_journal_close(&c->journal);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->state_dir);
	free(c->inventory);
	free(c);
}

const struct lm_model *lm_core_model(const struct lm_core *c)
{
	return c->model;
}

const struct lm_backend_conf *lm_core_backend_conf(const struct lm_core *c)
{
	return &c->bconf;
}

struct lm_backend *lm_core_backend(struct lm_core *c)
{
	return c->backend;
}

void lm_core_set_lun_error(struct lm_core *c, uint32_t lun_index, lm_hr hr)
{
	struct lm_lun *l = lm_model_lun(c->model, lun_index);

	if (l)
		l->last_error = hr;
}
