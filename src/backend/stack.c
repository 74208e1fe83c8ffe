/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "hash.h"
#include "iqn.h"
#include "valid.h"
#include "vec.h"

/* A pool block; text is appended until it is full, never moved. */
struct pool_block {
	struct pool_block *next;
	size_t used, size;
	char text[];
};

/* Each distinct string once: an LU's path and serial repeat on every
 * target that has the LUN, and most of an enumeration's size was those
 * copies. The index is open addressing, at most half full. */
struct lm_stack_pool {
	struct pool_block *head;
	char **slots;
	size_t nslots, nstrings;
};

/* Blocks of 64 KiB (one for a longer string): at most one block's tail
 * unused, whatever the stack's size. */
#define POOL_BLOCK 65536u

static char *pool_copy(struct lm_stack_pool *p, const char *s)
{
	size_t n = strlen(s) + 1;
	struct pool_block *b = p->head;

	if (!b || b->size - b->used < n) {
		size_t size = n > POOL_BLOCK ? n : POOL_BLOCK;
		b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = size;
		/* a big string's block goes behind the current one, whose
		 * room stays usable */
		if (size > POOL_BLOCK && p->head) {
			b->next = p->head->next;
			p->head->next = b;
		} else {
			b->next = p->head;
			p->head = b;
		}
	}
	memcpy(b->text + b->used, s, n);
	b->used += n;
	return b->text + b->used - n;
}

static size_t str_hash(const char *s)
{
	uint64_t h = lm_fnv1a(s, strlen(s));

	return (size_t)(h ^ (h >> 29));
}

static char **slot_of(const struct lm_stack_pool *p, const char *s)
{
	size_t mask = p->nslots - 1;

	for (size_t i = str_hash(s) & mask;; i = (i + 1) & mask)
		if (!p->slots[i] || strcmp(p->slots[i], s) == 0)
			return &p->slots[i];
}

static int pool_index_grow(struct lm_stack_pool *p)
{
	char **old = p->slots;
	size_t nold = p->nslots, n = nold ? 2 * nold : 64;

	p->slots = calloc(n, sizeof *p->slots);
	if (!p->slots) {
		p->slots = old;
		return -1;
	}
	p->nslots = n;
	for (size_t i = 0; i < nold; i++)
		if (old[i])
			*slot_of(p, old[i]) = old[i];
	free(old);
	return 0;
}

/* The pool's copy of s, shared with every equal string: pool strings are
 * never written after they are made. */
static char *pool_strdup(struct lm_stack_pool *p, const char *s)
{
	char **slot;

	if (2 * (p->nstrings + 1) > p->nslots && pool_index_grow(p))
		return NULL;
	slot = slot_of(p, s);
	if (!*slot) {
		if (!(*slot = pool_copy(p, s)))
			return NULL;
		p->nstrings++;
	}
	return *slot;
}

static void pool_free(struct lm_stack_pool *p)
{
	if (!p)
		return;
	for (struct pool_block *b = p->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(p->slots);
	free(p);
}

/* what an LU whose path lunmap cannot name shows: never a LUN's */
static char no_path[1];

void lm_stack_clear(struct lm_stack *s)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		free(s->targets[i].lus);
		free(s->targets[i].acl);
		free(s->targets[i].half);
	}
	free(s->targets);
	s->targets = NULL;
	s->ntargets = s->captargets = 0;
	free(s->rejected);
	s->rejected = NULL;
	free(s->half);
	s->half = NULL;
	s->nrejected = 0;
	pool_free(s->pool);
	s->pool = NULL;
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
	char *copy;

	if (!s->pool && !(s->pool = calloc(1, sizeof *s->pool)))
		return LM_E_OUTOFMEMORY;
	if (lm_grow((void **)&s->targets, &s->captargets, s->ntargets + 1, sizeof *s->targets))
		return LM_E_OUTOFMEMORY;
	copy = pool_strdup(s->pool, iqn);
	if (!copy)
		return LM_E_OUTOFMEMORY;
	s->targets[s->ntargets++] = (struct lm_stack_target){ .iqn = copy, .pool = s->pool };
	return LM_S_OK;
}

lm_hr lm_stack_reserve(struct lm_stack_target *t, size_t n)
{
	struct lm_stack_lu *v;

	if (n <= t->caplus)
		return LM_S_OK;
	v = realloc(t->lus, n * sizeof *v);
	if (!v)
		return LM_E_OUTOFMEMORY;
	t->lus = v;
	t->caplus = n;
	return LM_S_OK;
}

lm_hr lm_stack_add_lu_ref(struct lm_stack_target *t, uint32_t number, const char *path)
{
	/* doubling: an enumeration appends every LU of a target in turn */
	if (lm_grow((void **)&t->lus, &t->caplus, t->nlus + 1, sizeof *t->lus))
		return LM_E_OUTOFMEMORY;
	t->lus[t->nlus++] = (struct lm_stack_lu){ .number = number, .path = (char *)path,
						   .readonly = -1 };
	return LM_S_OK;
}

lm_hr lm_stack_add_lu(struct lm_stack_target *t, uint32_t number, const char *path)
{
	char *copy = pool_strdup(t->pool, path);

	return copy ? lm_stack_add_lu_ref(t, number, copy) : LM_E_OUTOFMEMORY;
}

void lm_stack_remove_lu(struct lm_stack_target *t, size_t j)
{
	memmove(&t->lus[j], &t->lus[j + 1], (t->nlus - j - 1) * sizeof *t->lus);
	t->nlus--;
}

lm_hr lm_stack_lu_set_serial(struct lm_stack_target *t, struct lm_stack_lu *lu,
			     const char *serial)
{
	lu->serial = serial ? pool_strdup(t->pool, serial) : NULL;
	return serial && !lu->serial ? LM_E_OUTOFMEMORY : LM_S_OK;
}

void lm_stack_set_readonly(struct lm_stack_target *t, int readonly)
{
	if (t->nlus)
		t->lus[t->nlus - 1].readonly = readonly;
}

/* *field (of the last LU added) becomes text (NULL: none) in the pool */
static lm_hr pooled_text(struct lm_stack_target *t, const char *text, char **field)
{
	char *copy = NULL;

	if (text && !(copy = pool_strdup(t->pool, text)))
		return LM_E_OUTOFMEMORY;
	*field = copy;
	return LM_S_OK;
}

lm_hr lm_stack_set_serial(struct lm_stack_target *t, const char *serial)
{
	return t->nlus ? pooled_text(t, serial, &t->lus[t->nlus - 1].serial) : LM_E_FAIL;
}

lm_hr lm_stack_set_unmapped(struct lm_stack_target *t, const char *initiator)
{
	return t->nlus ? pooled_text(t, initiator, &t->lus[t->nlus - 1].unmapped) : LM_E_FAIL;
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
		/* the copy's arrays are the size they need, no more */
		if (t->nlus && !(dst->targets[i].lus = malloc(t->nlus * sizeof *t->lus)))
			goto oom;
		dst->targets[i].caplus = t->nlus;
		if (t->acl && !(dst->targets[i].acl = strdup(t->acl)))
			goto oom;
		if (t->half && !(dst->targets[i].half = strdup(t->half)))
			goto oom;
		dst->targets[i].sessions = t->sessions;
		dst->targets[i].unread = t->unread;
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
	if (src->half && !(dst->half = strdup(src->half)))
		goto oom;
	return LM_S_OK;
oom:
	lm_stack_clear(dst);
	return LM_E_OUTOFMEMORY;
}

lm_hr lm_stack_note_half(char **half, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (*half)
		return LM_S_OK;
	va_start(ap, fmt);
	rc = vasprintf(half, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		*half = NULL;
		return LM_E_OUTOFMEMORY;
	}
	/* names from the stack are hostile, and this text is logged */
	for (char *p = *half; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return LM_S_OK;
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

	free(t->lus);
	free(t->acl);
	free(t->half);
	memmove(t, t + 1, (s->ntargets - i - 1) * sizeof *t);
	s->ntargets--;
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
			lm_stack_remove_lu(t, j);
			continue;
		}
		if (lu->path[0] && !lm_valid_path(lu->path, &why)) {
			printable(lu->path, shown, sizeof shown);
			hr = reject(s, "LU %u of %s has a path lunmap cannot name (%s): %s", lu->number,
				    t->iqn, why, shown);
			lu->path = no_path;
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

void lm_stack_say(void (*log)(void *ctx, const char *msg), void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log(ctx, msg);
}
