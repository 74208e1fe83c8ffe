/* SPDX-License-Identifier: BSD-3-Clause */
/* The formats (tgt 1.0.85, unchanged through 1.0.97): lld_show in
 * usr/target.c prints
 *
 *   LLDs:
 *       DRIVER: STATE
 *           Target TID: NAME
 *
 * and tgt_stat_header/tgt_stat_line print a header line, then
 * "%3d %3llu %3llu" (tid, lun, sid) and eight more numbers per line. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "census.h"
#include "valid.h"

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* what tgt_target_create admits in a name (isalnum in the C locale) */
static bool tgtd_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == ':' || *s == '.' || *s == '-'))
			return false;
	return true;
}

static int by_tid(const void *a, const void *b)
{
	const struct lm_tgt_lld_target *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static lm_hr lld_line(struct lm_tgt_lld *out, size_t *cap, const char *line, bool *accounts,
		      bool *seen_driver, struct lm_err *err)
{
	const char *colon;
	unsigned long long tid;

	if (starts(line, "        Target ")) {
		const char *p = line + 15;
		struct lm_tgt_lld_target *t;
		if (!*seen_driver || !(colon = strstr(p, ": ")) ||
		    !lm_parse_u64(p, (size_t)(colon - p), INT32_MAX, &tid) || tid == 0 ||
		    !tgtd_name(colon + 2))
			return lm_err_set(err, LM_E_FAIL, "tgtd's list of targets has a line it cannot have");
		if (out->n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 16;
			struct lm_tgt_lld_target *nv = realloc(out->v, ncap * sizeof *nv);
			if (!nv)
				return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
			out->v = nv;
			*cap = ncap;
		}
		t = &out->v[out->n];
		if (!(t->name = strdup(colon + 2)))
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
		t->tid = (uint32_t)tid;
		t->accounts = *accounts;
		out->n++;
		return LM_S_OK;
	}
	if (starts(line, "    ") && line[4] != ' ' && (colon = strstr(line, ": "))) {
		size_t n = (size_t)(colon - line - 4);
		*accounts = (n == 5 && starts(line + 4, "iscsi")) || (n == 4 && starts(line + 4, "iser"));
		*seen_driver = true;
		return LM_S_OK;
	}
	return lm_err_set(err, LM_E_FAIL, "tgtd's list of targets has a line it cannot have");
}

lm_hr lm_tgt_lld_parse(const char *text, struct lm_tgt_lld *out, struct lm_err *err)
{
	size_t cap = 0;
	bool accounts = false, seen_driver = false;
	lm_hr hr = LM_S_OK;
	char *copy, *save = NULL;

	memset(out, 0, sizeof *out);
	if (!starts(text, "LLDs:\n"))
		return lm_err_set(err, LM_E_FAIL, "tgtd's answer to \"show lld\" is not a list of drivers");
	if (!(copy = strdup(text + 6)))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (char *line = strtok_r(copy, "\n", &save); line && !lm_failed(hr);
	     line = strtok_r(NULL, "\n", &save))
		hr = lld_line(out, &cap, line, &accounts, &seen_driver, err);
	free(copy);
	if (!lm_failed(hr) && out->n > 1) {
		qsort(out->v, out->n, sizeof *out->v, by_tid);
		for (size_t i = 1; i < out->n && !lm_failed(hr); i++)
			if (out->v[i].tid == out->v[i - 1].tid)
				hr = lm_err_set(err, LM_E_FAIL, "tgtd lists target id %u twice", out->v[i].tid);
	}
	if (lm_failed(hr))
		lm_tgt_lld_free(out);
	return hr;
}

void lm_tgt_lld_free(struct lm_tgt_lld *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct lm_tgt_lld_target *lm_tgt_lld_find(const struct lm_tgt_lld *l, uint32_t tid)
{
	struct lm_tgt_lld_target key = { .tid = tid };

	return l->n ? bsearch(&key, l->v, l->n, sizeof *l->v, by_tid) : NULL;
}

const struct lm_tgt_lld_target *lm_tgt_lld_by_name(const struct lm_tgt_lld *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/* The next number after blanks; -1 when there is none. */
static int number(const char **p, unsigned long long max, unsigned long long *v)
{
	const char *s = *p + strspn(*p, " ");
	size_t n = strspn(s, "0123456789");

	if (!lm_parse_u64(s, n, max, v))
		return -1;
	*p = s + n;
	return 0;
}

lm_hr lm_tgt_stat_parse(const char *text, struct lm_tgt_stat_line **out, size_t *n,
			struct lm_err *err)
{
	const char *p = text;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!starts(p, "tgt lun sid "))
		return lm_err_set(err, LM_E_FAIL, "tgtd's statistics do not start with their header");
	p = strchr(p, '\n');
	while (p && *++p) {
		unsigned long long tid, lun, sid;
		if (number(&p, INT32_MAX, &tid) || number(&p, UINT64_MAX, &lun) ||
		    number(&p, UINT64_MAX, &sid) || *p != ' ') {
			free(*out);
			*out = NULL;
			*n = 0;
			return lm_err_set(err, LM_E_FAIL, "tgtd's statistics have a line they cannot have");
		}
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct lm_tgt_stat_line *nv = realloc(*out, ncap * sizeof *nv);
			if (!nv) {
				free(*out);
				*out = NULL;
				*n = 0;
				return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
			}
			*out = nv;
			cap = ncap;
		}
		(*out)[(*n)++] = (struct lm_tgt_stat_line){ (uint32_t)tid, lun, sid };
		p = strchr(p, '\n');
	}
	return LM_S_OK;
}
