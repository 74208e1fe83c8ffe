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
	hr = lm_merge_model(c, inv, st, err);
	if (!lm_failed(hr))
		hr = lm_startup_reconcile(c, err);
	if (!lm_failed(hr))
		hr = lm_store_compact(c, err);
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

/* The state folder: made on first start, private, locked, read. */
static lm_hr open_state(struct lm_core *c, struct lm_state **st, struct lm_err *err)
{
	lm_hr hr;

	if (mkdir(c->state_dir, 0700) != 0 && errno != EEXIST)
		return lm_err_set(err, LM_E_FAIL, "cannot create state folder %s: %s", c->state_dir,
				  strerror(errno));
	hr = lm_state_lock(c->state_dir, &c->lock_fd, err);
	if (lm_failed(hr))
		return hr;
	hr = lm_state_load(c->state_dir, st, err);
	if (lm_failed(hr))
		return hr;
	c->generation = (*st)->generation;
	return lm_journal_open(c->state_dir, &c->journal, err);
}

static struct lm_core *core_new(const struct lm_core_opts *opts)
{
	struct lm_core *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->lock_fd = -1;
	c->journal.fd = -1;
	c->log = opts->log;
	c->log_ctx = opts->log_ctx;
	c->backend = opts->backend;
	c->state_dir = strdup(opts->state_dir);
	c->inventory = strdup(opts->inventory);
	if (!c->state_dir || !c->inventory) {
		c->backend = NULL; /* the caller still owns it */
		lm_core_close(c);
		return NULL;
	}
	return c;
}

lm_hr lm_core_open(const struct lm_core_opts *opts, struct lm_core **out, struct lm_err *err)
{
	struct lm_inventory *inv = NULL;
	struct lm_state *st = NULL;
	struct lm_core *c = core_new(opts);
	lm_hr hr;

	*out = NULL;
	if (!c) {
		lm_backend_destroy(opts->backend);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	hr = lm_inventory_load(opts->inventory, &inv, c->log, c->log_ctx, err);
	if (lm_failed(hr))
		goto out;
	c->bconf = inv->backend;
	hr = open_state(c, &st, err);
	if (!lm_failed(hr) && !c->backend)
		hr = lm_backend_create(&c->bconf, &c->backend, err);
	if (!lm_failed(hr))
		hr = lm_merge_model(c, inv, st, err);
	if (!lm_failed(hr))
		hr = lm_startup_reconcile(c, err);
	if (!lm_failed(hr))
		hr = lm_store_compact(c, err);
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
