#include "config.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "state.h"

void lm_lun_probe(struct lm_lun *l)
{
	struct stat sb;
	int fd = open(l->path, O_RDONLY | O_CLOEXEC);

	l->status = LM_FAILED;
	l->size = 0;
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0) {
		if (S_ISREG(sb.st_mode)) {
			l->size = (uint64_t)sb.st_size;
			l->status = LM_ONLINE;
		} else if (S_ISBLK(sb.st_mode) && ioctl(fd, BLKGETSIZE64, &l->size) == 0) {
			l->status = LM_ONLINE;
		}
	}
	close(fd);
}

static bool known_path(struct lm_model *m, const char *path)
{
	return lm_model_lun_by_path(m, path) != NULL;
}

static const struct lm_tomb *tomb_by_path(const struct lm_model *m, const char *path)
{
	for (size_t i = 0; i < m->ntombs; i++)
		if (m->tombs[i].kind == LM_KIND_LUN && m->tombs[i].key &&
		    strcmp(m->tombs[i].key, path) == 0)
			return &m->tombs[i];
	return NULL;
}

/* The LUN numbers a target's associations use, as bits: links are kept
 * by LUN index, and reconcile asks by number once per LU of the stack. */
struct numbits {
	uint64_t w[(LM_MAX_LUN_NUMBER + 64) / 64];
};

static void numbits_of(struct numbits *b, const struct lm_target *t)
{
	memset(b, 0, sizeof *b);
	for (size_t i = 0; i < t->links.n; i++)
		if (t->links.v[i].number <= LM_MAX_LUN_NUMBER)
			b->w[t->links.v[i].number / 64] |= UINT64_C(1) << (t->links.v[i].number % 64);
}

static bool numbits_has(const struct numbits *b, uint32_t n)
{
	return n <= LM_MAX_LUN_NUMBER && (b->w[n / 64] >> (n % 64) & 1);
}

/* Every LU number the stack uses that is not one of our associations is
 * reserved, so that an allocation never collides with an admin's LU. */
static lm_hr set_foreign(struct lm_target *t, const struct lm_stack_target *st)
{
	uint32_t *v = calloc(st->nlus + 1, sizeof *v);
	struct numbits linked;
	size_t n = 0;

	if (!v)
		return LM_E_OUTOFMEMORY;
	numbits_of(&linked, t);
	for (size_t i = 0; i < st->nlus; i++)
		if (!numbits_has(&linked, st->lus[i].number))
			v[n++] = st->lus[i].number;
	free(t->foreign);
	t->foreign = v;
	t->nforeign = n;
	return LM_S_OK;
}

/* Compares one target with what the stack has; 1 and a reason on drift. */
static int target_drift(struct lm_model *m, const struct lm_target *t,
			const struct lm_stack_target *st, char *why, size_t len)
{
	struct numbits linked;

	if (!st) {
		snprintf(why, len, "target %s is gone from the stack", t->iqn);
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
	}
	numbits_of(&linked, t);
	for (size_t i = 0; i < st->nlus; i++)
		if (!numbits_has(&linked, st->lus[i].number) && known_path(m, st->lus[i].path)) {
			snprintf(why, len, "target %s has LUN %u (%s) that lunmap did not put there",
				 t->iqn, st->lus[i].number, st->lus[i].path);
			return 1;
		}
	return 0;
}

/* What the stack has and lunmap refused to believe (lm_stack_validate) is
 * drift that no refresh can adopt: said in the log, never saved. */
static void log_rejected(struct lm_core *c, const struct lm_stack *s)
{
	if (s->nrejected)
		lm_core_log(c, "drift: %zu object(s) of the stack ignored, first: %s", s->nrejected,
			    s->rejected ? s->rejected : "?");
}

lm_hr lm_core_check(struct lm_core *c, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	char why[LM_ERR_MSG_MAX] = "";
	lm_hr hr = c->backend->ops->enumerate(c->backend, &stack, err);

	if (lm_failed(hr))
		return hr;
	log_rejected(c, &stack);
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->ntargets; i++) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(&stack, t->iqn);
		if (t->status != LM_ONLINE)
			continue;
		if (target_drift(c->model, t, st, why, sizeof why)) {
			hr = LM_VDS_E_PROVIDER_CACHE_CORRUPT;
			break;
		}
		if (lm_failed(set_foreign(t, st)))
			hr = LM_E_OUTOFMEMORY;
	}
	lm_stack_clear(&stack);
	if (hr == LM_VDS_E_PROVIDER_CACHE_CORRUPT) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		return lm_err_set(err, hr, "drift: %s", why);
	}
	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory");
	return c->model->status == LM_SUBSYS_CACHE_CORRUPT
		       ? lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT, "the subsystem is cacheCorrupt")
		       : LM_S_OK;
}

/* Takes the stack's LUs of known LUNs as this target's associations. */
static lm_hr adopt(struct lm_core *c, struct lm_target *t, const struct lm_stack_target *st)
{
	while (t->links.n)
		lm_model_unlink(c->model, lm_model_lun(c->model, t->links.v[0].index), t);
	for (size_t i = 0; i < st->nlus; i++) {
		struct lm_lun *l = lm_model_lun_by_path(c->model, st->lus[i].path);
		if (!l || st->lus[i].number < c->backend->ops->min_lun_number ||
		    lm_links_find(&l->links, t->index))
			continue;
		if (lm_failed(lm_links_reserve(&l->links, 1)) ||
		    lm_failed(lm_links_reserve(&t->links, 1)))
			return LM_E_OUTOFMEMORY;
		lm_model_link(c->model, l, t, st->lus[i].number);
	}
	return set_foreign(t, st);
}

static lm_hr discover(struct lm_core *c, const struct lm_stack *stack)
{
	for (size_t i = 0; i < stack->ntargets; i++) {
		const struct lm_stack_target *st = &stack->targets[i];
		struct lm_target *t;
		if (lm_model_target_by_iqn(c->model, st->iqn))
			continue;
		t = lm_model_add_target(c->model, 0, NULL, st->iqn, NULL, NULL);
		if (!t)
			return LM_E_OUTOFMEMORY;
		t->discovered = true;
		lm_core_log(c, "discovered target %s in the stack (index %u)", st->iqn, t->index);
		if (lm_failed(adopt(c, t, st)))
			return LM_E_OUTOFMEMORY;
	}
	return LM_S_OK;
}

/* At start, what the state has and the stack lacks is put back. */
static lm_hr restore_target(struct lm_core *c, struct lm_target *t, struct lm_stack_target *st,
			    struct lm_err *err)
{
	char why[LM_ERR_MSG_MAX];
	struct numbits linked;
	/* what is restored is appended after the sorted LUs the stack had */
	struct lm_stack_target had = *st;

	for (size_t i = 0; i < t->links.n; i++) {
		struct lm_lun *l = lm_model_lun(c->model, t->links.v[i].index);
		struct lm_err e;
		had.lus = st->lus;
		if (lm_stack_lu_at(&had, t->links.v[i].number))
			continue;
		if (lm_failed(c->backend->ops->add_lu(c->backend, t, t->links.v[i].number, l, &e))) {
			c->model->status = LM_SUBSYS_CACHE_CORRUPT;
			return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					  "cannot restore LUN %u (\"%s\") on %s: %s",
					  t->links.v[i].number, l->name, t->iqn, e.msg);
		}
		lm_core_log(c, "restored LUN %u (\"%s\") on %s", t->links.v[i].number, l->name,
			    t->iqn);
		if (lm_failed(lm_stack_add_lu(st, t->links.v[i].number, l->path)))
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	}
	lm_stack_sort_target(st);
	numbits_of(&linked, t);
	for (size_t i = 0; i < st->nlus && c->model->ntombs; i++) {
		const struct lm_tomb *tomb;
		struct lm_lun fake = { .path = st->lus[i].path, .name = "deleted" };
		struct lm_err e;
		if (numbits_has(&linked, st->lus[i].number) ||
		    !(tomb = tomb_by_path(c->model, st->lus[i].path)))
			continue;
		if (lm_failed(c->backend->ops->remove_lu(c->backend, t, st->lus[i].number, &fake, &e)))
			lm_core_log(c, "cannot withdraw deleted LUN %s from %s: %s", st->lus[i].path,
				    t->iqn, e.msg);
	}
	if (target_drift(c->model, t, st, why, sizeof why)) {
		c->model->status = LM_SUBSYS_CACHE_CORRUPT;
		lm_core_log(c, "drift at start: %s", why);
	}
	return LM_S_OK;
}

lm_hr lm_reconcile_start(struct lm_core *c, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	lm_hr hr = c->backend->ops->enumerate(c->backend, &stack, err);

	if (lm_failed(hr))
		return hr;
	log_rejected(c, &stack);
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->ntargets && !lm_failed(hr); i++) {
		struct lm_target *t = c->model->targets[i];
		struct lm_stack_target *st =
			(struct lm_stack_target *)lm_stack_find_target(&stack, t->iqn);
		struct lm_err e;
		if (!st) {
			if (lm_failed(c->backend->ops->create_target(c->backend, t, &e))) {
				t->status = LM_FAILED;
				lm_core_log(c, "target %s failed: %s", t->iqn, e.msg);
				continue;
			}
			lm_stack_add_target(&stack, t->iqn);
			st = &stack.targets[stack.ntargets - 1];
		}
		if (t->fresh) {
			hr = adopt(c, t, st);
			t->fresh = false;
		}
		if (!lm_failed(hr))
			hr = restore_target(c, t, st, err);
		if (!lm_failed(hr) && lm_failed(set_foreign(t, st)))
			hr = LM_E_OUTOFMEMORY;
	}
	if (!lm_failed(hr))
		hr = discover(c, &stack);
	if (hr == LM_E_OUTOFMEMORY)
		lm_err_set(err, hr, "no memory");
	lm_stack_clear(&stack);
	return hr;
}

lm_hr lm_core_refresh(struct lm_core *c, enum lm_refresh how, struct lm_err *err)
{
	struct lm_stack stack = { 0 };
	lm_hr hr = c->backend->ops->enumerate(c->backend, &stack, err);

	if (lm_failed(hr))
		return hr;
	log_rejected(c, &stack);
	lm_stack_sort(&stack);
	for (size_t i = 0; i < c->model->nluns; i++)
		lm_lun_probe(c->model->luns[i]);
	for (size_t i = c->model->ntargets; i-- > 0 && !lm_failed(hr);) {
		struct lm_target *t = c->model->targets[i];
		const struct lm_stack_target *st = lm_stack_find_target(&stack, t->iqn);
		if (st) {
			t->status = LM_ONLINE;
			hr = adopt(c, t, st);
		} else if (how == LM_REENUMERATE) {
			lm_core_log(c, "target %s is gone from the stack: deleted", t->iqn);
			hr = lm_model_delete_target(c->model, t->index);
		} else {
			while (t->links.n)
				lm_model_unlink(c->model, lm_model_lun(c->model, t->links.v[0].index), t);
			t->status = LM_OFFLINE;
		}
	}
	if (!lm_failed(hr) && how == LM_REENUMERATE)
		hr = discover(c, &stack);
	lm_stack_clear(&stack);
	if (lm_failed(hr))
		return lm_err_set(err, hr, "no memory to refresh");
	hr = lm_core_compact(c, err);
	if (!lm_failed(hr))
		c->model->status = LM_SUBSYS_ONLINE;
	return hr;
}
