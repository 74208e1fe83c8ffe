/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
#include "valid.h"
#include "vec.h"

/* ---------------------------------------------------------------- sessions */

void lm_obs_sessions_clear(struct lm_obs_sessions *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

struct lm_obs_session *lm_obs_session_add(struct lm_obs_sessions *s, uint32_t id)
{
	struct lm_obs_session *x;

	if (lm_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v))
		return NULL;
	x = &s->v[s->n++];
	memset(x, 0, sizeof *x);
	x->id = id;
	return x;
}

static int session_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct lm_obs_session *)a)->id, y = ((const struct lm_obs_session *)b)->id;

	return x < y ? -1 : x > y;
}

void lm_obs_sessions_sort(struct lm_obs_sessions *s)
{
	size_t k = 0;

	/* stable for equal ids is not needed: a repeated id is the stack
	 * contradicting itself, and the backends distrust such an answer */
	if (s->n)
		qsort(s->v, s->n, sizeof *s->v, session_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (!k || s->v[k - 1].id != s->v[i].id)
			s->v[k++] = s->v[i];
	s->n = k;
}

static int id_key_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = ((const struct lm_obs_session *)elem)->id;

	return k < i ? -1 : k > i;
}

const struct lm_obs_session *lm_obs_session_find(const struct lm_obs_sessions *s, uint32_t id)
{
	size_t i = lm_lower_bound(s->v, s->n, sizeof *s->v, &id, id_key_cmp);

	return i < s->n && s->v[i].id == id ? &s->v[i] : NULL;
}

const struct lm_obs_session *lm_obs_session_after(const struct lm_obs_sessions *s, uint32_t id)
{
	size_t i;

	if (id == UINT32_MAX)
		return NULL;
	id++;
	i = lm_lower_bound(s->v, s->n, sizeof *s->v, &id, id_key_cmp);
	return i < s->n ? &s->v[i] : NULL;
}

void lm_obs_sessions_distrust(struct lm_obs_sessions *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct lm_obs_session *x = &s->v[i];
		x->name[0] = '\0';
		x->has_alias = false;
		x->alias[0] = '\0';
		x->nconns = 0;
		x->has_isid = false;
	}
	s->trusted = false;
}

/* ---------------------------------------------------------------- stats */

void lm_obs_stats_clear(struct lm_obs_stats *s)
{
	free(s->lus);
	free(s->inits);
	memset(s, 0, sizeof *s);
}

struct lm_obs_lu *lm_obs_lu_add(struct lm_obs_stats *s, uint32_t number)
{
	struct lm_obs_lu *l;

	if (lm_grow((void **)&s->lus, &s->caplus, s->nlus + 1, sizeof *s->lus))
		return NULL;
	l = &s->lus[s->nlus++];
	memset(l, 0, sizeof *l);
	l->number = number;
	return l;
}

struct lm_obs_initiator *lm_obs_initiator_add(struct lm_obs_stats *s, const char *name)
{
	struct lm_obs_initiator *x;

	if (lm_grow((void **)&s->inits, &s->capinits, s->ninits + 1, sizeof *s->inits))
		return NULL;
	x = &s->inits[s->ninits++];
	memset(x, 0, sizeof *x);
	if (!lm_obs_name(x->name, name, strlen(name))) {
		s->ninits--;
		return NULL;
	}
	return x;
}

static int lu_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct lm_obs_lu *)a)->number, y = ((const struct lm_obs_lu *)b)->number;

	return x < y ? -1 : x > y;
}

static int init_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lm_obs_initiator *)a)->name,
		      ((const struct lm_obs_initiator *)b)->name);
}

void lm_obs_stats_sort(struct lm_obs_stats *s)
{
	if (s->nlus)
		qsort(s->lus, s->nlus, sizeof *s->lus, lu_cmp);
	if (s->ninits)
		qsort(s->inits, s->ninits, sizeof *s->inits, init_cmp);
}

static int number_key_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, i = ((const struct lm_obs_lu *)elem)->number;

	return k < i ? -1 : k > i;
}

const struct lm_obs_lu *lm_obs_lu_find(const struct lm_obs_stats *s, uint32_t number)
{
	size_t i = lm_lower_bound(s->lus, s->nlus, sizeof *s->lus, &number, number_key_cmp);

	return i < s->nlus && s->lus[i].number == number ? &s->lus[i] : NULL;
}

static int name_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct lm_obs_initiator *)elem)->name);
}

const struct lm_obs_initiator *lm_obs_initiator_find(const struct lm_obs_stats *s,
						     const char *name)
{
	size_t i = lm_lower_bound(s->inits, s->ninits, sizeof *s->inits, name, name_key_cmp);

	return i < s->ninits && strcmp(s->inits[i].name, name) == 0 ? &s->inits[i] : NULL;
}

/* ---------------------------------------------------------------- text */

/* The length of the valid UTF-8 character at s (at most n bytes there)
 * that is no control character, or 0. */
static size_t good_char(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t len = lm_utf8_char(s, n, &cp);

	return len && !lm_is_control(cp) ? len : 0;
}

void lm_obs_text(char *dst, size_t max, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0, i = 0;

	while (i < n) {
		size_t len = good_char(s + i, n - i);
		if (!len) {
			if (out + 1 > max)
				break;
			dst[out++] = '?';
			i++;
			continue;
		}
		if (out + len > max)
			break;
		memcpy(dst + out, s + i, len);
		out += len;
		i += len;
	}
	dst[out] = '\0';
}

bool lm_obs_name(char dst[LM_OBS_NAME_MAX + 1], const char *src, size_t n)
{
	dst[0] = '\0';
	if (n == 0 || n > LM_OBS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		/* RFC 3720 names are of letters, digits, '-', '.' and ':' (the
		 * UTF-8 the standard allows after stringprep is all but unused;
		 * '_' is a common slip): anything else in a name is someone's
		 * attempt at something */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == ':' || c == '_'))
			return false;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

int lm_obs_addr(const char *s, size_t n, uint8_t out[16])
{
	char buf[64];
	const char *pct;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	/* a link-local address's zone is not part of InetAddressIPv6 */
	if ((pct = strchr(buf, '%')))
		buf[pct - buf] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 6 : 0;
}

int lm_obs_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9') {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		i++;
	}
	if (i == 0 || i > 20)
		return -1;
	for (; i < n; i++)
		if (s[i] != '\n' && s[i] != ' ' && s[i] != '\0')
			return -1;
	*out = v;
	return 0;
}
