#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "vec.h"

void lm_stack_clear(struct lm_stack *s)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		for (size_t j = 0; j < s->targets[i].nlus; j++) {
			free(s->targets[i].lus[j].path);
			free(s->targets[i].lus[j].serial);
		}
		free(s->targets[i].lus);
		free(s->targets[i].iqn);
		free(s->targets[i].acl);
	}
	free(s->targets);
	s->targets = NULL;
	s->ntargets = 0;
}

const struct lm_stack_target *lm_stack_find_target(const struct lm_stack *s, const char *iqn)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (strcmp(s->targets[i].iqn, iqn) == 0)
			return &s->targets[i];
	return NULL;
}

const struct lm_stack_lu *lm_stack_find_lu(const struct lm_stack_target *t, uint32_t number)
{
	for (size_t i = 0; i < t->nlus; i++)
		if (t->lus[i].number == number)
			return &t->lus[i];
	return NULL;
}

lm_hr lm_stack_add_target(struct lm_stack *s, const char *iqn)
{
	struct lm_stack_target *v = realloc(s->targets, (s->ntargets + 1) * sizeof *v);
	char *copy;

	if (!v)
		return LM_E_OUTOFMEMORY;
	s->targets = v;
	copy = strdup(iqn);
	if (!copy)
		return LM_E_OUTOFMEMORY;
	s->targets[s->ntargets++] = (struct lm_stack_target){ .iqn = copy };
	return LM_S_OK;
}

lm_hr lm_stack_add_lu(struct lm_stack_target *t, uint32_t number, const char *path)
{
	struct lm_stack_lu *v = realloc(t->lus, (t->nlus + 1) * sizeof *v);
	char *copy;

	if (!v)
		return LM_E_OUTOFMEMORY;
	t->lus = v;
	copy = strdup(path);
	if (!copy)
		return LM_E_OUTOFMEMORY;
	t->lus[t->nlus++] = (struct lm_stack_lu){ .number = number, .path = copy, .serial = NULL };
	return LM_S_OK;
}

lm_hr lm_stack_set_serial(struct lm_stack_target *t, const char *serial)
{
	char *copy = NULL;

	if (!t->nlus)
		return LM_E_FAIL;
	if (serial && !(copy = strdup(serial)))
		return LM_E_OUTOFMEMORY;
	free(t->lus[t->nlus - 1].serial);
	t->lus[t->nlus - 1].serial = copy;
	return LM_S_OK;
}

int lm_stack_serial_ok(const char *serial)
{
	size_t n = 0;

	for (; serial[n]; n++)
		if (!isalnum((unsigned char)serial[n]) || n >= 64)
			return 0;
	return n > 0;
}

lm_hr lm_stack_copy(struct lm_stack *dst, const struct lm_stack *src)
{
	memset(dst, 0, sizeof *dst);
	for (size_t i = 0; i < src->ntargets; i++) {
		const struct lm_stack_target *t = &src->targets[i];
		if (lm_failed(lm_stack_add_target(dst, t->iqn)))
			goto oom;
		if (t->acl && !(dst->targets[dst->ntargets - 1].acl = strdup(t->acl)))
			goto oom;
		for (size_t j = 0; j < t->nlus; j++)
			if (lm_failed(lm_stack_add_lu(&dst->targets[dst->ntargets - 1], t->lus[j].number,
						      t->lus[j].path)) ||
			    lm_failed(lm_stack_set_serial(&dst->targets[dst->ntargets - 1],
							  t->lus[j].serial)))
				goto oom;
	}
	return LM_S_OK;
oom:
	lm_stack_clear(dst);
	return LM_E_OUTOFMEMORY;
}

static int lu_cmp(const void *a, const void *b)
{
	const struct lm_stack_lu *x = a, *y = b;

	return x->number < y->number ? -1 : x->number > y->number;
}

void lm_stack_sort_target(struct lm_stack_target *t)
{
	if (t->nlus)
		qsort(t->lus, t->nlus, sizeof *t->lus, lu_cmp);
}

void lm_stack_sort(struct lm_stack *s)
{
	for (size_t i = 0; i < s->ntargets; i++)
		lm_stack_sort_target(&s->targets[i]);
}

static int lu_key_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, n = ((const struct lm_stack_lu *)elem)->number;

	return k < n ? -1 : k > n;
}

const struct lm_stack_lu *lm_stack_lu_at(const struct lm_stack_target *t, uint32_t number)
{
	size_t i = lm_lower_bound(t->lus, t->nlus, sizeof *t->lus, &number, lu_key_cmp);

	return i < t->nlus && t->lus[i].number == number ? &t->lus[i] : NULL;
}

lm_hr lm_stack_acl_add(struct lm_stack_target *t, const char *entry)
{
	size_t have = t->acl ? strlen(t->acl) : 0, add = entry ? strlen(entry) : 0;
	char *v = realloc(t->acl, have + add + 2);

	if (!v)
		return LM_E_OUTOFMEMORY;
	v[have] = '\0';
	if (entry) {
		if (have)
			v[have++] = ',';
		memcpy(v + have, entry, add + 1);
	}
	t->acl = v;
	return LM_S_OK;
}

bool lm_stack_acl_has(const char *acl, const char *entry)
{
	size_t n = strlen(entry);

	for (const char *p = acl; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 1 : 0))
		if (strncmp(p, entry, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}
