#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "iqn.h"
#include "valid.h"
#include "vec.h"

void lm_stack_clear(struct lm_stack *s)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		for (size_t j = 0; j < s->targets[i].nlus; j++) {
			free(s->targets[i].lus[j].path);
			free(s->targets[i].lus[j].serial);
			free(s->targets[i].lus[j].unmapped);
		}
		free(s->targets[i].lus);
		free(s->targets[i].iqn);
		free(s->targets[i].acl);
	}
	free(s->targets);
	s->targets = NULL;
	s->ntargets = 0;
	free(s->rejected);
	s->rejected = NULL;
	s->nrejected = 0;
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
	t->lus[t->nlus++] = (struct lm_stack_lu){ .number = number, .path = copy, .serial = NULL,
						   .readonly = -1 };
	return LM_S_OK;
}

void lm_stack_set_readonly(struct lm_stack_target *t, int readonly)
{
	if (t->nlus)
		t->lus[t->nlus - 1].readonly = readonly;
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

lm_hr lm_stack_set_unmapped(struct lm_stack_target *t, const char *initiator)
{
	char *copy = NULL;

	if (!t->nlus)
		return LM_E_FAIL;
	if (initiator && !(copy = strdup(initiator)))
		return LM_E_OUTOFMEMORY;
	free(t->lus[t->nlus - 1].unmapped);
	t->lus[t->nlus - 1].unmapped = copy;
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
		dst->targets[dst->ntargets - 1].sessions = t->sessions;
		for (size_t j = 0; j < t->nlus; j++)
			if (lm_failed(lm_stack_add_lu(&dst->targets[dst->ntargets - 1], t->lus[j].number,
						      t->lus[j].path)) ||
			    lm_failed(lm_stack_set_serial(&dst->targets[dst->ntargets - 1],
							  t->lus[j].serial)) ||
			    lm_failed(lm_stack_set_unmapped(&dst->targets[dst->ntargets - 1],
							    t->lus[j].unmapped)))
				goto oom;
			else
				lm_stack_set_readonly(&dst->targets[dst->ntargets - 1],
						      t->lus[j].readonly);
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

static lm_hr reject(struct lm_stack *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static lm_hr reject(struct lm_stack *s, const char *fmt, ...)
{
	va_list ap;
	int rc = 0;

	if (s->nrejected++ == 0) {
		va_start(ap, fmt);
		rc = vasprintf(&s->rejected, fmt, ap);
		va_end(ap);
		if (rc < 0) {
			s->rejected = NULL;
			return LM_E_OUTOFMEMORY;
		}
	}
	return LM_S_OK;
}

static void drop_target(struct lm_stack *s, size_t i)
{
	struct lm_stack_target *t = &s->targets[i];

	for (size_t j = 0; j < t->nlus; j++) {
		free(t->lus[j].path);
		free(t->lus[j].serial);
		free(t->lus[j].unmapped);
	}
	free(t->lus);
	free(t->iqn);
	free(t->acl);
	memmove(t, t + 1, (s->ntargets - i - 1) * sizeof *t);
	s->ntargets--;
}

static void drop_lu(struct lm_stack_target *t, size_t j)
{
	free(t->lus[j].path);
	free(t->lus[j].serial);
	free(t->lus[j].unmapped);
	memmove(&t->lus[j], &t->lus[j + 1], (t->nlus - j - 1) * sizeof *t->lus);
	t->nlus--;
}

/* The name is printed as %.64s with its bytes escaped: it is hostile. */
static void printable(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 5 < len; in++)
		n += (size_t)snprintf(out + n, len - n,
				      (unsigned char)*in < 0x20 || (unsigned char)*in >= 0x7f ? "\\x%02x" : "%c",
				      (unsigned char)*in);
	out[n] = '\0';
}

static lm_hr validate_lus(struct lm_stack *s, struct lm_stack_target *t)
{
	char shown[128];
	const char *why;
	lm_hr hr = LM_S_OK;

	lm_stack_sort_target(t);
	for (size_t j = 0; j < t->nlus && !lm_failed(hr);) {
		struct lm_stack_lu *lu = &t->lus[j];
		if (lu->number > LM_MAX_LUN_NUMBER ||
		    (j && t->lus[j - 1].number == lu->number)) {
			hr = reject(s, "LU %u of %s ignored: numbers are 0 to %u, once each", lu->number,
				    t->iqn, LM_MAX_LUN_NUMBER);
			drop_lu(t, j);
			continue;
		}
		if (lu->path[0] && !lm_valid_path(lu->path, &why)) {
			printable(lu->path, shown, sizeof shown);
			hr = reject(s, "LU %u of %s has a path lunmap cannot name (%s): %s", lu->number,
				    t->iqn, why, shown);
			lu->path[0] = '\0';
		}
		j++;
	}
	return hr;
}

static int by_iqn(const void *a, const void *b)
{
	const struct lm_stack_target *const *x = a, *const *y = b;

	return strcmp((*x)->iqn, (*y)->iqn);
}

lm_hr lm_stack_validate(struct lm_stack *s)
{
	char shown[128];
	const char *why;
	const struct lm_stack_target **sorted = NULL;
	bool *dup = NULL;
	lm_hr hr = LM_S_OK;

	for (size_t i = 0; i < s->ntargets && !lm_failed(hr);) {
		if (!lm_iqn_valid(s->targets[i].iqn, &why)) {
			printable(s->targets[i].iqn, shown, sizeof shown);
			hr = reject(s, "target \"%s\" ignored: %s", shown, why);
			drop_target(s, i);
			continue;
		}
		hr = validate_lus(s, &s->targets[i]);
		i++;
	}
	if (lm_failed(hr) || s->ntargets < 2)
		return hr;
	/* one name, one target: two of a name are ambiguous, both go */
	sorted = malloc(s->ntargets * sizeof *sorted);
	dup = calloc(s->ntargets, sizeof *dup);
	if (!sorted || !dup) {
		hr = LM_E_OUTOFMEMORY;
		goto out;
	}
	for (size_t i = 0; i < s->ntargets; i++)
		sorted[i] = &s->targets[i];
	qsort(sorted, s->ntargets, sizeof *sorted, by_iqn);
	for (size_t i = 1; i < s->ntargets; i++)
		if (strcmp(sorted[i]->iqn, sorted[i - 1]->iqn) == 0)
			dup[sorted[i] - s->targets] = dup[sorted[i - 1] - s->targets] = true;
	for (size_t i = s->ntargets; i-- > 0 && !lm_failed(hr);)
		if (dup[i]) {
			hr = reject(s, "target %s is in the stack more than once: ignored",
				    s->targets[i].iqn);
			drop_target(s, i);
		}
out:
	free(dup);
	free(sorted);
	return hr;
}
