/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plan.h"

lm_hr lm_resolve(const struct lm_model *m, const lm_guid *id, enum lm_kind want, uint32_t *index,
		 struct lm_err *err)
{
	char s[LM_GUID_STRLEN + 1];
	enum lm_kind kind;
	lm_hr hr;

	if (lm_guid_is_nil(id))
		return lm_err_set(err, LM_E_INVALIDARG, "the nil GUID is not an id");
	hr = lm_model_find_id(m, id, &kind, index);
	if (!lm_failed(hr) && kind == want)
		return LM_S_OK;
	lm_guid_format(id, s);
	if (hr == LM_VDS_E_OBJECT_DELETED)
		return lm_err_set(err, hr, "%s %s has been deleted",
				  want == LM_KIND_LUN ? "LUN" : "target", s);
	return lm_err_set(err, LM_VDS_E_OBJECT_NOT_FOUND, "no %s has id %s",
			  want == LM_KIND_LUN ? "LUN" : "target", s);
}

void lm_plans_free(struct lun_plan *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++)
		free(p[i].v);
	free(p);
}

static lm_hr at(struct lm_err *err, size_t i, lm_hr hr)
{
	if (err)
		err->at = i;
	return hr;
}

static lm_hr conflict(struct lm_err *err, size_t i, const char *what, const struct lm_lun *l)
{
	lm_err_set(err, LM_E_INVALIDARG, "LUN \"%s\": %s", l->name, what);
	if (err)
		err->conflict = true;
	return at(err, i, LM_E_INVALIDARG);
}

/* A change by its position, and the object it names. */
struct ref {
	uint32_t key;
	enum lm_change_kind kind;
	size_t i;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int guid_ptr_cmp(const void *a, const void *b)
{
	return lm_guid_cmp(*(const lm_guid *const *)a, *(const lm_guid *const *)b);
}

/* AssociateTargets' list: no nil id, no id twice, not too many. */
static lm_hr check_list(const struct lm_model *m, const struct lm_change *ch, struct lm_err *err)
{
	char s[LM_GUID_STRLEN + 1];
	const lm_guid **v = malloc((ch->ntargets + 1) * sizeof *v);
	lm_hr hr = LM_S_OK;

	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (size_t i = 0; i < ch->ntargets && !lm_failed(hr); i++) {
		v[i] = &ch->targets[i];
		if (lm_guid_is_nil(v[i]))
			hr = lm_err_set(err, LM_E_INVALIDARG,
					"target id %zu of the list is the nil GUID", i + 1);
	}
	if (!lm_failed(hr) && ch->ntargets)
		qsort(v, ch->ntargets, sizeof *v, guid_ptr_cmp);
	for (size_t i = 1; i < ch->ntargets && !lm_failed(hr); i++)
		if (lm_guid_cmp(v[i - 1], v[i]) == 0) {
			lm_guid_format(v[i], s);
			hr = lm_err_set(err, LM_E_INVALIDARG, "target id %s is in the list twice", s);
		}
	free(v);
	if (!lm_failed(hr) && ch->ntargets > m->max_targets_per_lun)
		hr = lm_err_set(err, LM_VDS_E_NOT_SUPPORTED,
				"%zu targets asked for; the subsystem allows %u per LUN", ch->ntargets,
				m->max_targets_per_lun);
	return hr;
}

static lm_hr plan_set(const struct lm_model *m, const struct lm_change *ch, size_t i,
		      struct lun_plan *p, struct lm_err *err)
{
	lm_hr hr = check_list(m, ch, err);

	if (lm_failed(hr))
		return at(err, i, hr);
	p->v = calloc(ch->ntargets + 1, sizeof *p->v);
	if (!p->v)
		return at(err, i, lm_err_set(err, LM_E_OUTOFMEMORY, "no memory"));
	for (size_t j = 0; j < ch->ntargets; j++) {
		hr = lm_resolve(m, &ch->targets[j], LM_KIND_TARGET, &p->v[j].target, err);
		if (lm_failed(hr))
			return at(err, i, hr);
		p->v[j].number = ch->numbers ? ch->numbers[j] : 0;
		p->v[j].origin = i;
	}
	p->n = ch->ntargets;
	return LM_S_OK;
}

/* Single changes of one target (refs sorted by kind): at most one of
 * each kind, never an ADD and a REMOVE. */
static lm_hr check_target_refs(const struct ref *r, size_t k, const struct lm_lun *l,
			       struct lm_err *err)
{
	for (size_t j = 1; j < k; j++)
		if (r[j].kind == r[j - 1].kind)
			return conflict(err, r[j].i, "two values for one association in one call", l);
	size_t last = r[0].i;
	bool removed = false;

	for (size_t j = 0; j < k; j++) {
		removed |= r[j].kind == LM_CHANGE_REMOVE;
		if (r[j].i > last)
			last = r[j].i;
	}
	if (removed && k > 1)
		return conflict(err, last, "an association both removed and set in one call", l);
	return LM_S_OK;
}

/* The wanted entry of one target named by single changes. */
static lm_hr want_of_refs(const struct lm_change *ch, const struct ref *r, size_t k,
			  const struct lm_lun *l, size_t first, struct lun_plan *p, struct lm_err *err)
{
	bool has = lm_links_find(&l->links, r[0].key) != NULL, add = false;
	struct want w = { .target = r[0].key, .origin = first };

	for (size_t j = 0; j < k; j++) {
		if (r[j].kind == LM_CHANGE_REMOVE)
			return LM_S_OK;
		add |= r[j].kind == LM_CHANGE_ADD;
		if (r[j].kind == LM_CHANGE_ADD || !add)
			w.origin = r[j].i;
		if (ch[r[j].i].number)
			w.number = ch[r[j].i].number;
		if (r[j].kind == LM_CHANGE_ACCESS)
			w.access = ch[r[j].i].readonly ? LM_ACCESS_RO : LM_ACCESS_RW;
	}
	if (!has && !add)
		return conflict(err, r[0].i,
				w.access ? "an access for an association nobody creates"
					 : "a LUN number for an association nobody creates",
				l);
	p->v[p->n++] = w;
	return LM_S_OK;
}

static lm_hr plan_rows(const struct lm_model *m, const struct lm_change *ch, const size_t *idx,
		       size_t k, struct lun_plan *p, struct lm_err *err)
{
	const struct lm_lun *l = lm_model_lun(m, p->lun);
	struct ref *r = calloc(k + 1, sizeof *r);
	size_t j = 0, e;
	lm_hr hr = LM_S_OK;

	p->v = calloc(l->links.n + k + 1, sizeof *p->v);
	if (!r || !p->v) {
		free(r);
		return at(err, p->first, lm_err_set(err, LM_E_OUTOFMEMORY, "no memory"));
	}
	for (size_t q = 0; q < k && !lm_failed(hr); q++) {
		r[q] = (struct ref){ .kind = ch[idx[q]].kind, .i = idx[q] };
		hr = lm_resolve(m, &ch[idx[q]].target, LM_KIND_TARGET, &r[q].key, err);
		if (lm_failed(hr))
			at(err, idx[q], hr);
	}
	if (!lm_failed(hr))
		qsort(r, k, sizeof *r, ref_cmp);
	/* the current set, merged with the changes by target index */
	for (size_t c = 0; c <= l->links.n && !lm_failed(hr); c++) {
		uint32_t upto = c < l->links.n ? l->links.v[c].index : UINT32_MAX;
		for (; j < k && r[j].key <= upto && !lm_failed(hr); j = e) {
			for (e = j; e < k && r[e].key == r[j].key; e++)
				;
			hr = check_target_refs(r + j, e - j, l, err);
			if (!lm_failed(hr))
				hr = want_of_refs(ch, r + j, e - j, l, p->first, p, err);
		}
		if (c < l->links.n && (!j || r[j - 1].key != upto))
			p->v[p->n++] = (struct want){ .target = upto, .origin = p->first };
	}
	if (!lm_failed(hr) && p->n > m->max_targets_per_lun)
		hr = at(err, r[k - 1].i,
			lm_err_set(err, LM_VDS_E_NOT_SUPPORTED,
				   "%zu targets asked for; the subsystem allows %u per LUN", p->n,
				   m->max_targets_per_lun));
	free(r);
	return hr;
}

static lm_hr plan_lun(const struct lm_model *m, const struct lm_change *ch, const size_t *idx,
		      size_t k, struct lun_plan *p, struct lm_err *err)
{
	const struct lm_lun *l = lm_model_lun(m, p->lun);
	size_t sets = 0;

	for (size_t q = 0; q < k; q++)
		sets += ch[idx[q]].kind == LM_CHANGE_SET;
	if (sets && k > 1)
		return conflict(err, idx[1],
				sets == k ? "changed twice in one call"
					  : "a whole new set and single changes in one call",
				l);
	if (ch[idx[0]].kind == LM_CHANGE_SET)
		return plan_set(m, &ch[idx[0]], idx[0], p, err);
	return plan_rows(m, ch, idx, k, p, err);
}

static int plan_first_cmp(const void *a, const void *b)
{
	const struct lun_plan *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

lm_hr lm_plan_changes(const struct lm_model *m, const struct lm_change *ch, size_t n,
		      struct lun_plan **out, size_t *nout, struct lm_err *err)
{
	struct ref *r = calloc(n + 1, sizeof *r);
	size_t *idx = calloc(n + 1, sizeof *idx);
	struct lun_plan *p = calloc(n + 1, sizeof *p);
	size_t np = 0;
	lm_hr hr = LM_S_OK;

	*out = NULL;
	*nout = 0;
	if (!r || !idx || !p) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		goto out;
	}
	for (size_t i = 0; i < n && !lm_failed(hr); i++) {
		r[i] = (struct ref){ .i = i };
		hr = lm_resolve(m, &ch[i].lun, LM_KIND_LUN, &r[i].key, err);
		if (lm_failed(hr))
			at(err, i, hr);
	}
	if (lm_failed(hr))
		goto out;
	/* by LUN, and by position within one LUN (kinds are all 0 here) */
	if (n)
		qsort(r, n, sizeof *r, ref_cmp);
	for (size_t i = 0, e; i < n && !lm_failed(hr); i = e) {
		for (e = i; e < n && r[e].key == r[i].key; e++)
			idx[e - i] = r[e].i;
		p[np] = (struct lun_plan){ .lun = r[i].key, .first = r[i].i };
		hr = plan_lun(m, ch, idx, e - i, &p[np++], err);
	}
	if (!lm_failed(hr) && np)
		qsort(p, np, sizeof *p, plan_first_cmp);
out:
	free(r);
	free(idx);
	if (lm_failed(hr)) {
		lm_plans_free(p, np);
		return hr;
	}
	*out = p;
	*nout = np;
	return LM_S_OK;
}
