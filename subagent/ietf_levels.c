/* SPDX-License-Identifier: BSD-3-Clause */
/* The levels of the IETF MIBs' indexes (ietf.h, struct ietf_level): the
 * key helpers, the levels more than one table or MIB uses, and the sorted
 * sets of targets some levels seek in (rebuilt when the model or the look
 * changes), so that no level skips targets one by one. */
#include "config.h"

#include "ietf.h"
#include "vec.h"

/* ---------------------------------------------------------------- levels */

uint32_t ietf_key_from(const oid *t, size_t n, bool after, bool *none)
{
	*none = false;
	if (!n)
		return 0;
	if (t[0] > UINT32_MAX || (after && t[0] == UINT32_MAX)) {
		*none = true;
		return 0;
	}
	return (uint32_t)t[0] + (after ? 1 : 0);
}

int ietf_seek_const(uint32_t value, const oid *t, size_t n, bool after)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	return !none && value >= from;
}

int ietf_seek_instance(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	(void)x;
	(void)r;
	return ietf_seek_const(IETF_INSTANCE, t, n, after);
}

size_t ietf_sub_instance(const struct ietf_row *r, oid *out)
{
	(void)r;
	out[0] = IETF_INSTANCE;
	return 1;
}

int ietf_seek_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after,
		     bool linked)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);
	uint32_t idx;

	if (none)
		return 0;
	if (linked) {
		idx = lm_core_linked_target_after(x->core, from ? from - 1 : 0);
		r->t = idx ? lm_core_target(x->core, idx) : NULL;
	} else {
		r->t = lm_core_target_after(x->core, from ? from - 1 : 0);
	}
	if (!r->t)
		return 0;
	r->obs = ietf_obs(x, lm_target_index(r->t));
	return 1;
}

int ietf_seek_session(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	(void)x;
	if (none || !r->obs || !r->obs->has_sessions)
		return 0;
	r->s = from ? lm_obs_session_after(&r->obs->sessions, from - 1)
		    : (r->obs->sessions.n ? &r->obs->sessions.v[0] : NULL);
	return r->s != NULL;
}

/* ---------------------------------------------------------------- target sets */

static bool has_counted_lu(const struct lm_target *t, const struct lm_target_obs *o)
{
	size_t n;
	const struct lm_assoc *a = lm_target_assocs(t, &n);

	if (!o || !o->has_stats)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct lm_obs_lu *lu = lm_obs_lu_find(&o->stats, a[i].number);
		if (lu && lu->lu_known)
			return true;
	}
	return false;
}

static bool has_conns(const struct lm_target_obs *o)
{
	for (size_t i = 0; o && o->has_sessions && i < o->sessions.n; i++)
		if (o->sessions.v[i].nconns)
			return true;
	return false;
}

/* All the sets at once, ascending as the targets are walked: a pass over
 * the targets (and the associations of those the look has counters of). */
static void build_sets(struct ietf *x)
{
	char buf[LM_OBS_NAME_MAX + 1];

	for (int k = 0; k < IETF_NSETS; k++)
		x->sets[k].n = 0;
	for (const struct lm_target *t = lm_core_target_after(x->core, 0); t;
	     t = lm_core_target_after(x->core, lm_target_index(t))) {
		uint32_t idx = lm_target_index(t);
		const struct lm_target_obs *o = ietf_obs(x, idx);
		bool in[IETF_NSETS] = {
			[IETF_NAMED] = ietf_initiator_at(t, 1, true, buf, sizeof buf),
			[IETF_ACL] = ietf_initiator_at(t, 1, false, buf, sizeof buf),
			[IETF_BUSY] = o && o->has_sessions && o->sessions.n,
			[IETF_BUSY_CONN] = has_conns(o),
			[IETF_COUNTED] = has_counted_lu(t, o),
		};
		for (int k = 0; k < IETF_NSETS; k++) {
			if (!in[k])
				continue;
			if (lm_grow((void **)&x->sets[k].v, &x->sets[k].cap, x->sets[k].n + 1,
				    sizeof *x->sets[k].v))
				return; /* out of memory: stays stale, the sets are tried again */
			x->sets[k].v[x->sets[k].n++] = idx;
		}
	}
	x->sets_ok = true;
}

int ietf_seek_in(struct ietf *x, enum ietf_set set, struct ietf_row *r, const oid *t, size_t n,
		 bool after)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);
	const uint32_t *v;
	size_t lo = 0, hi;

	if (none)
		return 0;
	if (!x->sets_ok)
		build_sets(x);
	if (!x->sets_ok)
		return 0;
	v = x->sets[set].v;
	hi = x->sets[set].n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == x->sets[set].n || !(r->t = lm_core_target(x->core, v[lo])))
		return 0;
	r->obs = ietf_obs(x, v[lo]);
	return 1;
}

/* ---------------------------------------------------------------- shared */

/* The constant levels: a port or portal group of one (1), a LUN map
 * or a portal's zero. */
int ietf_seek_one(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	(void)x;
	(void)r;
	return ietf_seek_const(1, t, n, after);
}

size_t ietf_sub_one(const struct ietf_row *r, oid *out)
{
	(void)r;
	out[0] = 1;
	return 1;
}

int ietf_seek_zero(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	(void)x;
	(void)r;
	return ietf_seek_const(0, t, n, after);
}

size_t ietf_sub_zero(const struct ietf_row *r, oid *out)
{
	(void)r;
	out[0] = 0;
	return 1;
}

/* every target, and those with associations */
int ietf_seek_any_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_target(x, r, t, n, after, false);
}

int ietf_seek_linked_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n,
			    bool after)
{
	return ietf_seek_target(x, r, t, n, after, true);
}

size_t ietf_sub_target(const struct ietf_row *r, oid *out)
{
	out[0] = lm_target_index(r->t);
	return 1;
}

/* a target with sessions in the last look */
int ietf_seek_busy_target(struct ietf *x, struct ietf_row *r, const oid *t, size_t n, bool after)
{
	return ietf_seek_in(x, IETF_BUSY, r, t, n, after);
}

size_t ietf_sub_session(const struct ietf_row *r, oid *out)
{
	out[0] = r->s->id;
	return 1;
}

int ietf_seek_initiator(struct ietf_row *r, const oid *t, size_t n, bool after, bool names_only,
			char *buf, size_t len)
{
	bool none;
	uint32_t from = ietf_key_from(t, n, after, &none);

	if (none)
		return 0;
	r->k[0] = from ? from : 1;
	return ietf_initiator_at(r->t, r->k[0], names_only, buf, len);
}

size_t ietf_sub_initiator(const struct ietf_row *r, oid *out)
{
	out[0] = r->k[0];
	return 1;
}
