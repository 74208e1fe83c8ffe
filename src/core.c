/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anchor.h"
#include "core.h"
#include "state.h"

static void startup_problem(struct lm_core *c, const struct lm_err *e)
{
	c->startup_problem = *e;
	lm_core_log(c, "%s", e->msg);
}

static bool lm_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether the saved state (snapshot and journal, as loaded) already holds
 * everything the model would save: then a failed start-up compaction only
 * costs room, and lunmapd can start on a full disk. */
static bool saved_holds(const struct lm_model *m, const struct lm_state *st)
{
	size_t nassoc = 0;

	if (m->ntargets != st->ntargets || m->nluns != st->nluns || m->ntombs != st->ntombs ||
	    m->next_lun_index != st->next_lun_index ||
	    m->next_target_index != st->next_target_index)
		return false;
	for (size_t i = 0; i < st->ntargets; i++) {
		const struct lm_target *t = lm_model_target(m, st->targets[i].index);
		if (!t || lm_guid_cmp(&t->id, &st->targets[i].id) != 0 ||
		    strcmp(t->iqn, st->targets[i].iqn) != 0 || t->discovered != st->targets[i].discovered)
			return false;
	}
	for (size_t i = 0; i < st->nluns; i++) {
		const struct lm_lun *l = lm_model_lun(m, st->luns[i].index);
		if (!l || lm_guid_cmp(&l->id, &st->luns[i].id) != 0 ||
		    strcmp(l->path, st->luns[i].path) != 0)
			return false;
	}
	for (size_t i = 0; i < st->nassocs; i++) {
		const struct lm_lun *l = lm_model_lun(m, st->assocs[i].lun);
		const struct lm_assoc *k = l ? lm_links_find(&l->links, st->assocs[i].target) : NULL;
		if (!k || k->number != st->assocs[i].number)
			return false;
		nassoc++;
	}
	return nassoc == m->nassoc;
}

/* Whether the snapshot, as loaded, gives exactly the model: what
 * saved_holds compares, and the names, aliases and tombstones. */
static bool snapshot_is(const struct lm_model *m, const struct lm_state *st)
{
	if (!saved_holds(m, st))
		return false;
	for (size_t i = 0; i < st->ntargets; i++) {
		const struct lm_target *t = lm_model_target(m, st->targets[i].index);
		if (!lm_str_eq(t->alias, st->targets[i].alias))
			return false;
	}
	for (size_t i = 0; i < st->nluns; i++) {
		const struct lm_lun *l = lm_model_lun(m, st->luns[i].index);
		if (!lm_str_eq(l->name, st->luns[i].name))
			return false;
	}
	for (size_t i = 0; i < st->ntombs; i++)
		if (lm_guid_cmp(&m->tombs[i].id, &st->tombs[i].id) != 0 ||
		    m->tombs[i].kind != st->tombs[i].kind ||
		    !lm_str_eq(m->tombs[i].key, st->tombs[i].key))
			return false;
	return true;
}

/* Start-up waits longer for the stack than a SET may: no manager waits
 * yet, and tgtd composes a whole listing before its first byte (100,000
 * LUs take longer than one step's deadline). A reload waits as long as
 * the drift check's listing: requests queue behind it. */
#define LM_START_STEP_MS 30000

void lm_core_set_listing_deadline(struct lm_core *c, unsigned ms)
{
	c->list_ms = ms;
}

/* Start-up's stack work: an interrupted change first, then the rest. A
 * problem that leaves lunmapd serving (cacheCorrupt) is recorded. */
static lm_hr start_stack(struct lm_core *c, struct lm_err *err)
{
	struct lm_err e;
	lm_hr hr;

	lm_core_deadline(c, LM_START_STEP_MS);
	hr = lm_recover_intent(c, &e);

	if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		startup_problem(c, &e);
	else if (lm_failed(hr)) {
		*err = e;
		lm_core_deadline(c, 0);
		return hr;
	}
	hr = lm_startup_reconcile(c, err);
	lm_core_deadline(c, 0);
	if (!lm_failed(hr) && c->model->status == LM_SUBSYS_CACHE_CORRUPT &&
	    !c->startup_problem.hr)
		lm_err_set(&c->startup_problem, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			   "drift at start: the stack differs from the saved state (see the log)");
	return hr;
}

/* The reloaded model is saved before the stack is touched: a reload that
 * cannot be saved changes nothing. */
static lm_hr reload_model(struct lm_core *c, const struct lm_inventory *inv,
			  const struct lm_state *st, struct lm_err *err)
{
	struct lm_model *old = c->model;
	uint64_t gen = c->store.generation;
	struct lm_err e;
	lm_hr hr;

	c->model = NULL;
	hr = lm_merge_model(c, inv, st, err);
	if (!lm_failed(hr))
		hr = lm_store_compact(&c->store, c->model, err);
	if (!lm_failed(hr))
		hr = lm_backend_manage(c->backend, c->model, err);
	if (lm_failed(hr) && c->store.generation == gen) {
		lm_model_free(c->model);
		c->model = old;
		return hr;
	}
	lm_model_free(old);
	memset(&c->startup_problem, 0, sizeof c->startup_problem);
	lm_core_deadline(c, c->list_ms ? c->list_ms : LM_START_STEP_MS);
	hr = lm_startup_reconcile(c, err);
	lm_core_deadline(c, 0);
	if (!lm_failed(hr) && lm_failed(lm_store_compact(&c->store, c->model, &e)))
		startup_problem(c, &e);
	if (!lm_failed(hr) && c->model->status == LM_SUBSYS_CACHE_CORRUPT && !c->startup_problem.hr)
		lm_err_set(&c->startup_problem, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			   "drift at reload: the stack differs from the saved state (see the log)");
	return hr;
}

lm_hr lm_core_reload(struct lm_core *c, struct lm_err *err)
{
	struct lm_inventory *inv = NULL;
	struct lm_state *st = NULL;
	lm_hr hr;

	lm_merge_stamp_inventory(c);
	hr = lm_inventory_load(c->inventory, &inv, c->log, c->log_ctx, err);
	if (lm_failed(hr))
		return hr;
	if (strcmp(inv->backend.type, c->bconf.type) != 0 || inv->backend.control_port != c->bconf.control_port) {
		hr = lm_err_set(err, LM_E_INVALIDARG,
				"%s: the backend cannot change while lunmapd runs; restart it", c->inventory);
		goto out;
	}
	/* every change is on disk: the saved state is the running one */
	hr = lm_state_load(c->store.dir, &st, err);
	if (lm_failed(hr))
		goto out;
	hr = reload_model(c, inv, st, err);
	if (lm_failed(hr))
		goto out;
	c->bconf.check_interval = inv->backend.check_interval;
	c->bconf.timeout_ms = inv->backend.timeout_ms;
	c->reloads++;
	/* the backend keeps its own copy of its settings */
	lm_core_deadline(c, 0);
out:
	lm_state_free(st);
	lm_inventory_free(inv);
	return hr;
}

/* The state folder: made on first start, private, locked, read. */
static lm_hr open_state(struct lm_core *c, struct lm_state **st, struct lm_err *err)
{
	lm_hr hr;

	if (mkdir(c->store.dir, 0700) != 0 && errno != EEXIST)
		return lm_err_set(err, lm_hr_from_errno(errno), "cannot create state folder %s: %s", c->store.dir,
				  strerror(errno));
	hr = lm_state_lock(c->store.dir, &c->store.lock_fd, err);
	if (lm_failed(hr))
		return hr;
	hr = lm_state_load(c->store.dir, st, err);
	if (lm_failed(hr))
		return hr;
	c->store.generation = (*st)->generation;
	hr = lm_journal_open(c->store.dir, &c->store.journal, err);
	if (lm_failed(hr))
		return hr;
	return lm_intent_open(c->store.dir, &c->store.intent_fd, err);
}

static struct lm_core *core_new(const struct lm_core_opts *opts)
{
	struct lm_core *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->store.lock_fd = -1;
	c->store.journal.fd = -1;
	c->store.intent_fd = -1;
	c->log = opts->log;
	c->log_ctx = opts->log_ctx;
	c->store.log = opts->log;
	c->store.log_ctx = opts->log_ctx;
	c->backend = opts->backend;
	c->store.dir = strdup(opts->state_dir);
	c->inventory = strdup(opts->inventory);
	if (!c->store.dir || !c->inventory) {
		c->backend = NULL; /* the caller still owns it */
		lm_core_close(c);
		return NULL;
	}
	return c;
}

/* A snapshot of the merged model; when the saved state already holds it
 * all, a failure (a full disk) only postpones it. None when the snapshot
 * on disk already is the model and no journal record follows it: a new
 * one would load the same, and a restart costs no rewrite and fsync of
 * megabytes. */
static lm_hr compact_at_start(struct lm_core *c, bool holds, bool same, struct lm_err *err)
{
	char path[PATH_MAX];
	struct stat sb;
	struct lm_err e;
	lm_hr hr;

	snprintf(path, sizeof path, "%s/%s", c->store.dir, LM_STATE_FILE);
	if (same && c->store.journal.bytes == 0 && stat(path, &sb) == 0) {
		c->store.snapshot_bytes = (long)sb.st_size;
		return LM_S_OK;
	}
	hr = lm_store_compact(&c->store, c->model, err);
	if (!lm_failed(hr) || !holds)
		return hr;
	lm_err_set(&e, hr, "state compaction postponed: %s", err ? err->msg : "");
	startup_problem(c, &e);
	return LM_S_OK;
}

lm_hr lm_core_open(const struct lm_core_opts *opts, struct lm_core **out, struct lm_err *err)
{
	struct lm_inventory *inv = NULL;
	struct lm_state *st = NULL;
	struct lm_core *c = core_new(opts);
	unsigned long edits = 0;
	bool holds = false, same = false;
	lm_hr hr;

	*out = NULL;
	if (!c) {
		lm_backend_destroy(opts->backend);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	lm_merge_stamp_inventory(c);
	hr = lm_inventory_load(opts->inventory, &inv, c->log, c->log_ctx, err);
	if (lm_failed(hr))
		goto out;
	c->bconf = inv->backend;
	c->mibs = inv->mibs;
	c->bconf.log = c->log;
	c->bconf.log_ctx = c->log_ctx;
	hr = open_state(c, &st, err);
	if (!lm_failed(hr) && !c->backend) {
		char why[LM_ERR_MSG_MAX];

		if (!lm_anchor_key(c->store.dir, c->bconf.anchor_key, why, sizeof why))
			lm_core_log(c, "%s", why);
		hr = lm_backend_create(&c->bconf, &c->backend, err);
	}
	if (!lm_failed(hr))
		hr = lm_merge_model(c, inv, st, err);
	if (!lm_failed(hr))
		hr = lm_backend_manage(c->backend, c->model, err);
	/* the model holds what it needs of both: freed before the stack's
	 * enumeration, so that their peaks do not add up (a 100k LUN
	 * state is megabytes); whether the saved state holds the model
	 * is known now, and stays true while reconcile edits nothing */
	if (!lm_failed(hr)) {
		holds = saved_holds(c->model, st);
		same = holds && snapshot_is(c->model, st);
		edits = c->model->edits;
	}
	lm_state_free(st);
	lm_inventory_free(inv);
	st = NULL;
	inv = NULL;
	if (!lm_failed(hr))
		hr = start_stack(c, err);
	if (!lm_failed(hr))
		hr = compact_at_start(c, holds && c->model->edits == edits,
				      same && c->model->edits == edits, err);
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
	lm_action_free(c);
	free(c->last_changed);
	lm_backend_destroy(c->backend);
	lm_model_free(c->model);
	lm_journal_close(&c->store.journal);
	if (c->store.intent_fd >= 0)
		close(c->store.intent_fd);
	if (c->store.lock_fd >= 0)
		close(c->store.lock_fd);
	free(c->store.dir);
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

void lm_core_set_lun_error(struct lm_core *c, uint32_t lun_index, lm_hr hr)
{
	struct lm_lun *l = lm_model_lun(c->model, lun_index);

	if (l)
		l->last_error = hr;
}

lm_hr lm_inventory_check(const char *file, lm_problem_fn report, void *ctx,
			 struct lm_inventory_summary *out, struct lm_err *err)
{
	struct lm_inventory *inv;
	lm_hr hr = lm_inventory_load(file, &inv, report, ctx, err);

	if (lm_failed(hr))
		return hr;
	out->ntargets = inv->ntargets;
	out->nluns = inv->nluns;
	snprintf(out->backend, sizeof out->backend, "%s", inv->backend.type);
	lm_inventory_free(inv);
	return LM_S_OK;
}
