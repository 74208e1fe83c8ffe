/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "record.h"
#include "valid.h"

uint64_t lm_record_check(const char *text, size_t n)
{
	return lm_fnv1a(text, n);
}

void lm_record_put_set(FILE *f, const struct lm_assoc *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s%u:%u%s", k ? "," : "", v[k].index, v[k].number,
			v[k].readonly ? ":r" : "");
}

bool lm_record_open(struct lm_record *r)
{
	r->text = NULL;
	r->len = 0;
	r->f = open_memstream(&r->text, &r->len);
	return r->f != NULL;
}

bool lm_record_close(struct lm_record *r)
{
	fflush(r->f);
	fprintf(r->f, " #%016" PRIx64 "\n", lm_record_check(r->text, r->len));
	if (fclose(r->f) != 0 || !r->text) {
		free(r->text);
		r->text = NULL;
		return false;
	}
	return true;
}

bool lm_record_unseal(char *line)
{
	char want[17], *mark = strstr(line, " #");

	if (!mark)
		return false;
	snprintf(want, sizeof want, "%016" PRIx64, lm_record_check(line, (size_t)(mark - line)));
	if (strcmp(mark + 2, want) != 0)
		return false;
	*mark = '\0';
	return true;
}

int lm_record_number(const char **pp, const char *stop, uint32_t min, uint32_t max,
		     uint32_t *out)
{
	size_t n = strcspn(*pp, stop);
	unsigned long long v;

	/* strict, as every number of the state files: "4294967297", "-1",
	 * "01" and "1junk" are damage, not numbers */
	if (!lm_parse_u64(*pp, n, max, &v) || v < min)
		return -1;
	*out = (uint32_t)v;
	*pp += n;
	return 0;
}

static bool set_ends(char c, char end)
{
	return c == '\0' || c == ' ' || c == end;
}

int lm_record_pair(const char **pp, char end, struct lm_assoc *out)
{
	const char *p = *pp;
	const char stop[] = { ',', ' ', ':', end, '\0' };
	uint32_t number;

	if (set_ends(*p, end))
		return 0;
	if (lm_record_number(&p, ":", 1, UINT32_MAX - 1, &out->index) || *p++ != ':' ||
	    lm_record_number(&p, stop, 1, LM_MAX_LUN_NUMBER, &number))
		return -1;
	out->number = number;
	/* ":r" after the number: read-only (records from before the flag
	 * have none) */
	out->readonly = *p == ':';
	if (out->readonly) {
		if (p[1] != 'r' || !(set_ends(p[2], end) || p[2] == ','))
			return -1;
		p += 2;
	}
	if (*p == ',') {
		if (set_ends(p[1], end))
			return -1;
		p++;
	} else if (!set_ends(*p, end)) {
		return -1;
	}
	*pp = p;
	return 1;
}
