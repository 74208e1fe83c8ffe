/* SPDX-License-Identifier: BSD-3-Clause */
/* The read side of the public API: what the glue and the tools may see
 * of the model, one accessor at a time, so that they never depend on its
 * layout. Every lookup is the model's binary search. */
#include "config.h"

#include "core.h"

const char *lm_core_name(const struct lm_core *c) { return c->model->name; }
const char *lm_core_backend_name(const struct lm_core *c) { return lm_backend_name(c->backend); }
enum lm_subsys_status lm_core_status(const struct lm_core *c) { return c->model->status; }
uint32_t lm_core_max_targets(const struct lm_core *c) { return c->model->max_targets_per_lun; }
size_t lm_core_lun_count(const struct lm_core *c) { return c->model->nluns; }
size_t lm_core_target_count(const struct lm_core *c) { return c->model->ntargets; }
size_t lm_core_assoc_count(const struct lm_core *c) { return c->model->nassoc; }
unsigned lm_core_check_interval(const struct lm_core *c) { return c->bconf.check_interval; }
unsigned lm_core_timeout_ms(const struct lm_core *c) { return c->bconf.timeout_ms; }
unsigned long lm_core_reapplied(const struct lm_core *c) { return c->reapplied; }
unsigned lm_core_mibs(const struct lm_core *c) { return c->mibs; }
const char *lm_core_portal(const struct lm_core *c) { return c->bconf.portal; }
const char *const *lm_core_lu_inquiry(const struct lm_core *c) { return lm_backend_inquiry(c->backend); }

unsigned lm_core_observes(const struct lm_core *c)
{
	return lm_backend_observes(c->backend);
}

unsigned long long lm_core_generation(const struct lm_core *c)
{
	/* a reload makes a new model, whose edits start again */
	return (unsigned long long)c->reloads << 40 | (c->model->edits & ((1ULL << 40) - 1));
}

const struct lm_err *lm_core_startup_problem(const struct lm_core *c)
{
	return c->startup_problem.hr ? &c->startup_problem : NULL;
}

const struct lm_lun *lm_core_lun(const struct lm_core *c, uint32_t index)
{
	return lm_model_lun(c->model, index);
}

const struct lm_lun *lm_core_lun_after(const struct lm_core *c, uint32_t after)
{
	return lm_model_lun_after(c->model, after);
}

const struct lm_target *lm_core_target(const struct lm_core *c, uint32_t index)
{
	return lm_model_target(c->model, index);
}

const struct lm_target *lm_core_target_after(const struct lm_core *c, uint32_t after)
{
	return lm_model_target_after(c->model, after);
}

uint32_t lm_core_linked_lun_after(const struct lm_core *c, uint32_t after)
{
	return lm_model_linked_lun_after(c->model, after);
}

uint32_t lm_core_linked_target_after(const struct lm_core *c, uint32_t after)
{
	return lm_model_linked_target_after(c->model, after);
}

uint32_t lm_lun_index(const struct lm_lun *l) { return l->index; }
const lm_guid *lm_lun_id(const struct lm_lun *l) { return &l->id; }
const char *lm_lun_name(const struct lm_lun *l) { return l->name; }
const char *lm_lun_path(const struct lm_lun *l) { return l->path; }
uint64_t lm_lun_size(const struct lm_lun *l) { return l->size; }
enum lm_status lm_lun_status(const struct lm_lun *l) { return l->status; }
lm_hr lm_lun_last_error(const struct lm_lun *l) { return l->last_error; }
void lm_lun_serial(const struct lm_lun *l, char out[33]) { lm_guid_hex(&l->id, out); }

void lm_core_lun_naa(const struct lm_core *c, const struct lm_lun *l, uint8_t out[16])
{
	lm_backend_naa(c->backend, &l->id, out);
}

const struct lm_assoc *lm_lun_assocs(const struct lm_lun *l, size_t *n)
{
	*n = l->links.n;
	return l->links.v;
}

uint32_t lm_target_index(const struct lm_target *t) { return t->index; }
const lm_guid *lm_target_id(const struct lm_target *t) { return &t->id; }
const char *lm_target_iqn(const struct lm_target *t) { return t->iqn; }
const char *lm_target_alias(const struct lm_target *t) { return t->alias; }
enum lm_status lm_target_status(const struct lm_target *t) { return t->status; }
size_t lm_target_foreign_count(const struct lm_target *t) { return t->nforeign; }
bool lm_target_discovered(const struct lm_target *t) { return t->discovered; }
const char *lm_target_initiators(const struct lm_target *t) { return t->initiators; }

const struct lm_assoc *lm_target_assocs(const struct lm_target *t, size_t *n)
{
	*n = t->links.n;
	return t->links.v;
}

const struct lm_assoc *lm_assoc_find(const struct lm_assoc *v, size_t n, uint32_t index)
{
	return lm_links_find(&(struct lm_links){ (struct lm_assoc *)v, n, n }, index);
}

const struct lm_assoc *lm_assoc_after(const struct lm_assoc *v, size_t n, uint32_t after)
{
	return lm_links_after(&(struct lm_links){ (struct lm_assoc *)v, n, n }, after);
}
