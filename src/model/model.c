/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"
#include "bitmap.h"
#include "model.h"
#include "probe.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct lm_model *lm_model_new(const char *name, uint32_t max_targets_per_lun)
{
	struct lm_model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->name = strdup(name ? name : "");
	if (!m->name) {
		free(m);
		return NULL;
	}
	m->max_targets_per_lun = max_targets_per_lun;
	m->status = LM_SUBSYS_ONLINE;
	m->next_lun_index = 1;
	m->next_target_index = 1;
	return m;
}

static void free_lun(struct lm_lun *l)
{
	if (!l)
		return;
	if (l->probe_job)
		lm_probe_job_put(l->probe_job);
	free(l->name);
	free(l->path);
	free(l->links.v);
	free(l);
}

static void free_target(struct lm_target *t)
{
	if (!t)
		return;
	free(t->iqn);
	free(t->alias);
	free(t->initiators);
	free(t->links.v);
	free(t->foreign);
	free(t);
}

void lm_model_free(struct lm_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nluns; i++)
		free_lun(m->luns[i]);
	for (size_t i = 0; i < m->ntargets; i++)
		free_target(m->targets[i]);
	for (size_t i = 0; i < m->ntombs; i++)
		free(m->tombs[i].key);
	free(m->luns);
	free(m->targets);
	free(m->linked_luns.v);
	free(m->linked_targets.v);
	free(m->by_path);
	free(m->by_iqn);
	free(m->ids);
	free(m->tombs);
	free(m->name);
	free(m);
}

static int idref_cmp(const void *key, const void *elem)
{
	return lm_guid_cmp(key, &((const struct lm_idref *)elem)->id);
}

static int tomb_cmp(const void *key, const void *elem)
{
	return lm_guid_cmp(key, &((const struct lm_tomb *)elem)->id);
}

/* Position of the first id >= key in the sorted id array. */
static size_t id_lower_bound(const struct lm_model *m, const lm_guid *key)
{
	return lm_lower_bound(m->ids, m->nids, sizeof *m->ids, key, idref_cmp);
}

static size_t tomb_lower_bound(const struct lm_model *m, const lm_guid *key)
{
	return lm_lower_bound(m->tombs, m->ntombs, sizeof *m->tombs, key, tomb_cmp);
}

static int id_taken(const struct lm_model *m, const lm_guid *id)
{
	size_t i = id_lower_bound(m, id);

	if (i < m->nids && lm_guid_cmp(&m->ids[i].id, id) == 0)
		return 1;
	i = tomb_lower_bound(m, id);
	return i < m->ntombs && lm_guid_cmp(&m->tombs[i].id, id) == 0;
}

static int insert_id(struct lm_model *m, const lm_guid *id, enum lm_kind kind, uint32_t index)
{
	size_t i;

	if (lm_grow((void **)&m->ids, &m->capids, m->nids + 1, sizeof *m->ids))
		return -1;
	i = id_lower_bound(m, id);
	memmove(&m->ids[i + 1], &m->ids[i], (m->nids - i) * sizeof *m->ids);
	m->ids[i] = (struct lm_idref){ .id = *id, .kind = kind, .index = index };
	m->nids++;
	return 0;
}

static void remove_id(struct lm_model *m, const lm_guid *id)
{
	size_t i = id_lower_bound(m, id);

	if (i >= m->nids || lm_guid_cmp(&m->ids[i].id, id) != 0)
		return;
	memmove(&m->ids[i], &m->ids[i + 1], (m->nids - i - 1) * sizeof *m->ids);
	m->nids--;
}

static void pick_id(const struct lm_model *m, const lm_guid *given, lm_guid *out)
{
	if (given && !lm_guid_is_nil(given)) {
		*out = *given;
		return;
	}
	do
		lm_guid_generate(out);
	while (id_taken(m, out));
}

struct lm_lun *lm_model_add_lun(struct lm_model *m, uint32_t index, const lm_guid *id,
				const char *name, const char *path)
{
	struct lm_lun *l;

	if (index == 0)
		index = m->next_lun_index;
	if (index < m->next_lun_index || (id && !lm_guid_is_nil(id) && id_taken(m, id)))
		return NULL;
	if (lm_grow((void **)&m->luns, &m->capluns, m->nluns + 1, sizeof *m->luns) ||
	    lm_grow((void **)&m->linked_luns.v, &m->linked_luns.cap, m->nluns + 1, sizeof(uint32_t)))
		return NULL;
	if (m->capluns != m->cap_by_path) {
		struct lm_lun **v = realloc(m->by_path, m->capluns * sizeof *v);
		if (!v)
			return NULL;
		m->by_path = v;
		m->cap_by_path = m->capluns;
	}
	l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->index = index;
	l->status = LM_ONLINE;
	pick_id(m, id, &l->id);
	l->name = dup_or_null(name);
	l->path = dup_or_null(path);
	if ((name && !l->name) || (path && !l->path) || insert_id(m, &l->id, LM_KIND_LUN, index)) {
		free_lun(l);
		return NULL;
	}
	m->by_path[m->nluns] = l;
	m->by_path_sorted = false;
	m->luns[m->nluns++] = l;
	m->next_lun_index = index + 1;
	m->edits++;
	return l;
}

struct lm_target *lm_model_add_target(struct lm_model *m, uint32_t index, const lm_guid *id,
				      const char *iqn, const char *alias, const char *initiators)
{
	struct lm_target *t;

	if (index == 0)
		index = m->next_target_index;
	if (index < m->next_target_index || (id && !lm_guid_is_nil(id) && id_taken(m, id)))
		return NULL;
	if (lm_grow((void **)&m->targets, &m->captargets, m->ntargets + 1, sizeof *m->targets) ||
	    lm_grow((void **)&m->linked_targets.v, &m->linked_targets.cap, m->ntargets + 1,
		 sizeof(uint32_t)))
		return NULL;
	if (m->captargets != m->cap_by_iqn) {
		struct lm_target **v = realloc(m->by_iqn, m->captargets * sizeof *v);
		if (!v)
			return NULL;
		m->by_iqn = v;
		m->cap_by_iqn = m->captargets;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->index = index;
	t->status = LM_ONLINE;
	pick_id(m, id, &t->id);
	t->iqn = dup_or_null(iqn);
	t->alias = dup_or_null(alias);
	t->initiators = dup_or_null(initiators);
	if ((iqn && !t->iqn) || (alias && !t->alias) || (initiators && !t->initiators) ||
	    insert_id(m, &t->id, LM_KIND_TARGET, index)) {
		free_target(t);
		return NULL;
	}
	m->by_iqn[m->ntargets] = t;
	m->by_iqn_sorted = false;
	m->targets[m->ntargets++] = t;
	m->next_target_index = index + 1;
	m->edits++;
	return t;
}

lm_hr lm_model_add_tomb(struct lm_model *m, const lm_guid *id, enum lm_kind kind,
			const char *key)
{
	size_t i = tomb_lower_bound(m, id);
	char *k = NULL;

	if (i < m->ntombs && lm_guid_cmp(&m->tombs[i].id, id) == 0)
		return LM_S_OK;
	if (key && !(k = strdup(key)))
		return LM_E_OUTOFMEMORY;
	if (lm_grow((void **)&m->tombs, &m->captombs, m->ntombs + 1, sizeof *m->tombs)) {
		free(k);
		return LM_E_OUTOFMEMORY;
	}
	memmove(&m->tombs[i + 1], &m->tombs[i], (m->ntombs - i) * sizeof *m->tombs);
	m->tombs[i] = (struct lm_tomb){ .id = *id, .kind = kind, .key = k };
	m->ntombs++;
	m->edits++;
	return LM_S_OK;
}

static int lun_index_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = (*(struct lm_lun *const *)elem)->index;

	return k < i ? -1 : k > i;
}

static int target_index_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = (*(struct lm_target *const *)elem)->index;

	return k < i ? -1 : k > i;
}

/* The first object with an index greater than key. */
static size_t lun_upper(const struct lm_model *m, uint32_t key)
{
	if (key == UINT32_MAX)
		return m->nluns;
	key++;
	return lm_lower_bound(m->luns, m->nluns, sizeof *m->luns, &key, lun_index_cmp);
}

static size_t target_upper(const struct lm_model *m, uint32_t key)
{
	if (key == UINT32_MAX)
		return m->ntargets;
	key++;
	return lm_lower_bound(m->targets, m->ntargets, sizeof *m->targets, &key, target_index_cmp);
}

struct lm_lun *lm_model_lun(const struct lm_model *m, uint32_t index)
{
	size_t i;

	/* indexes are handed out from 1 in order: until something is
	 * deleted, LUN i is at i - 1, found without a search */
	if (index && index <= m->nluns && m->luns[index - 1]->index == index)
		return m->luns[index - 1];
	i = lun_upper(m, index);
	return i > 0 && m->luns[i - 1]->index == index ? m->luns[i - 1] : NULL;
}

struct lm_target *lm_model_target(const struct lm_model *m, uint32_t index)
{
	size_t i;

	if (index && index <= m->ntargets && m->targets[index - 1]->index == index)
		return m->targets[index - 1];
	i = target_upper(m, index);
	return i > 0 && m->targets[i - 1]->index == index ? m->targets[i - 1] : NULL;
}

struct lm_lun *lm_model_lun_after(const struct lm_model *m, uint32_t after)
{
	size_t i;

	i = lun_upper(m, after);
	return i < m->nluns ? m->luns[i] : NULL;
}

struct lm_target *lm_model_target_after(const struct lm_model *m, uint32_t after)
{
	size_t i;

	i = target_upper(m, after);
	return i < m->ntargets ? m->targets[i] : NULL;
}

static const char *path_of(const void *p)
{
	const struct lm_lun *l = *(struct lm_lun *const *)p;

	return l->path ? l->path : "";
}

static const char *iqn_of(const void *p)
{
	const struct lm_target *t = *(struct lm_target *const *)p;

	return t->iqn ? t->iqn : "";
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(path_of(a), path_of(b));
}

static int iqn_cmp(const void *a, const void *b)
{
	return strcmp(iqn_of(a), iqn_of(b));
}

static int path_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, path_of(elem));
}

static int iqn_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, iqn_of(elem));
}

struct lm_lun *lm_model_lun_by_path(struct lm_model *m, const char *path)
{
	if (!m->nluns)
		return NULL;
	if (!m->by_path_sorted) {
		qsort(m->by_path, m->nluns, sizeof *m->by_path, path_cmp);
		m->by_path_sorted = true;
	}
	size_t i = lm_lower_bound(m->by_path, m->nluns, sizeof *m->by_path, path, path_key_cmp);

	return i < m->nluns && strcmp(path_of(&m->by_path[i]), path) == 0 ? m->by_path[i] : NULL;
}

struct lm_target *lm_model_target_by_iqn(struct lm_model *m, const char *iqn)
{
	if (!m->ntargets)
		return NULL;
	if (!m->by_iqn_sorted) {
		qsort(m->by_iqn, m->ntargets, sizeof *m->by_iqn, iqn_cmp);
		m->by_iqn_sorted = true;
	}
	size_t i = lm_lower_bound(m->by_iqn, m->ntargets, sizeof *m->by_iqn, iqn, iqn_key_cmp);

	return i < m->ntargets && strcmp(iqn_of(&m->by_iqn[i]), iqn) == 0 ? m->by_iqn[i] : NULL;
}

lm_hr lm_model_find_id(const struct lm_model *m, const lm_guid *id, enum lm_kind *kind,
		       uint32_t *index)
{
	size_t i = id_lower_bound(m, id);

	if (i < m->nids && lm_guid_cmp(&m->ids[i].id, id) == 0) {
		*kind = m->ids[i].kind;
		*index = m->ids[i].index;
		return LM_S_OK;
	}
	return lm_model_tomb(m, id) ? LM_VDS_E_OBJECT_DELETED : LM_VDS_E_OBJECT_NOT_FOUND;
}

const struct lm_tomb *lm_model_tomb(const struct lm_model *m, const lm_guid *id)
{
	size_t i = tomb_lower_bound(m, id);

	return i < m->ntombs && lm_guid_cmp(&m->tombs[i].id, id) == 0 ? &m->tombs[i] : NULL;
}

static int u32_key_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, e = *(const uint32_t *)elem;

	return k < e ? -1 : k > e;
}

/* struct lm_assoc starts with the index it is sorted by */
static size_t link_lower_bound(const struct lm_links *l, uint32_t index)
{
	return lm_lower_bound(l->v, l->n, sizeof *l->v, &index, u32_key_cmp);
}

struct lm_assoc *lm_links_find(const struct lm_links *l, uint32_t index)
{
	size_t i = link_lower_bound(l, index);

	return i < l->n && l->v[i].index == index ? &l->v[i] : NULL;
}

const struct lm_assoc *lm_links_after(const struct lm_links *l, uint32_t after)
{
	size_t i = link_lower_bound(l, after);

	if (i < l->n && l->v[i].index == after)
		i++;
	return i < l->n ? &l->v[i] : NULL;
}

lm_hr lm_links_reserve(struct lm_links *l, size_t extra)
{
	return lm_grow((void **)&l->v, &l->cap, l->n + extra, sizeof *l->v) ? LM_E_OUTOFMEMORY
									 : LM_S_OK;
}

static void links_insert(struct lm_links *l, uint32_t index, uint32_t number)
{
	size_t i = link_lower_bound(l, index);

	if (i < l->n && l->v[i].index == index) {
		l->v[i].number = number;
		return;
	}
	/* lm_links_reserve was called by whoever prepared this change */
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof *l->v);
	l->v[i] = (struct lm_assoc){ .index = index, .number = number };
	l->n++;
}

static int links_remove(struct lm_links *l, uint32_t index)
{
	size_t i = link_lower_bound(l, index);

	if (i >= l->n || l->v[i].index != index)
		return 0;
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
	l->n--;
	return 1;
}

static size_t idx_lower_bound(const struct lm_idxset *s, uint32_t key)
{
	return lm_lower_bound(s->v, s->n, sizeof *s->v, &key, u32_key_cmp);
}

/* capacity was reserved when the object was added */
static void idx_insert(struct lm_idxset *s, uint32_t key)
{
	size_t i = idx_lower_bound(s, key);

	if (i < s->n && s->v[i] == key)
		return;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
	s->v[i] = key;
	s->n++;
}

static void idx_remove(struct lm_idxset *s, uint32_t key)
{
	size_t i = idx_lower_bound(s, key);

	if (i >= s->n || s->v[i] != key)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
	s->n--;
}

static uint32_t idx_after(const struct lm_idxset *s, uint32_t after)
{
	size_t i = after == UINT32_MAX ? s->n : idx_lower_bound(s, after + 1);

	return i < s->n ? s->v[i] : 0;
}

uint32_t lm_model_linked_lun_after(const struct lm_model *m, uint32_t after)
{
	return idx_after(&m->linked_luns, after);
}

uint32_t lm_model_linked_target_after(const struct lm_model *m, uint32_t after)
{
	return idx_after(&m->linked_targets, after);
}

void lm_model_link(struct lm_model *m, struct lm_lun *lun, struct lm_target *t, uint32_t number)
{
	if (!lm_links_find(&lun->links, t->index))
		m->nassoc++;
	m->edits++;
	links_insert(&lun->links, t->index, number);
	links_insert(&t->links, lun->index, number);
	idx_insert(&m->linked_luns, lun->index);
	idx_insert(&m->linked_targets, t->index);
}

void lm_model_set_access(struct lm_lun *lun, struct lm_target *t, bool readonly)
{
	struct lm_assoc *a = lm_links_find(&lun->links, t->index);
	struct lm_assoc *b = lm_links_find(&t->links, lun->index);

	if (a)
		a->readonly = readonly;
	if (b)
		b->readonly = readonly;
}

void lm_model_unlink(struct lm_model *m, struct lm_lun *lun, struct lm_target *t)
{
	if (links_remove(&lun->links, t->index))
		m->nassoc--;
	m->edits++;
	links_remove(&t->links, lun->index);
	if (!lun->links.n)
		idx_remove(&m->linked_luns, lun->index);
	if (!t->links.n)
		idx_remove(&m->linked_targets, t->index);
}

lm_hr lm_model_delete_target(struct lm_model *m, uint32_t index)
{
	size_t i;
	struct lm_target *t;
	lm_hr hr;

	i = target_upper(m, index);
	if (i == 0 || m->targets[i - 1]->index != index)
		return LM_VDS_E_OBJECT_NOT_FOUND;
	t = m->targets[i - 1];
	hr = lm_model_add_tomb(m, &t->id, LM_KIND_TARGET, t->iqn);
	if (lm_failed(hr))
		return hr;
	while (t->links.n) {
		struct lm_lun *lun = lm_model_lun(m, t->links.v[0].index);
		if (lun)
			lm_model_unlink(m, lun, t);
		else
			links_remove(&t->links, t->links.v[0].index);
	}
	remove_id(m, &t->id);
	idx_remove(&m->linked_targets, t->index);
	for (size_t k = 0; k < m->ntargets; k++)
		if (m->by_iqn[k] == t) {
			m->by_iqn[k] = m->by_iqn[m->ntargets - 1];
			m->by_iqn_sorted = false;
			break;
		}
	memmove(&m->targets[i - 1], &m->targets[i], (m->ntargets - i) * sizeof *m->targets);
	m->ntargets--;
	free_target(t);
	return LM_S_OK;
}

uint32_t lm_target_free_number(const struct lm_target *t, uint32_t min)
{
	struct lm_numbits used;
	uint32_t n;

	lm_numbits_clear(&used);
	for (size_t i = 0; i < t->links.n; i++)
		lm_numbits_set(&used, t->links.v[i].number);
	for (size_t i = 0; i < t->nforeign; i++)
		lm_numbits_set(&used, t->foreign[i]);
	n = lm_numbits_first_clear(&used, min);
	return n == UINT32_MAX ? LM_NO_NUMBER : n;
}

int lm_target_number_used(const struct lm_target *t, uint32_t number, uint32_t except_lun)
{
	for (size_t i = 0; i < t->links.n; i++)
		if (t->links.v[i].number == number && t->links.v[i].index != except_lun)
			return 1;
	for (size_t i = 0; i < t->nforeign; i++)
		if (t->foreign[i] == number)
			return 1;
	return 0;
}
