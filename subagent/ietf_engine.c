/* SPDX-License-Identifier: BSD-3-Clause */
/* GET and GETNEXT over a MIB described by its column table (ietf.h): the
 * row after an OID is found level by level of the table's index, each
 * level a binary search, so a walk costs O(log n) a step. */
#include "config.h"

#include <string.h>

#include "ietf.h"

/* The index levels a column is walked with (ietf.h: sparse columns). */
struct levels {
	const struct ietf_level *v;
	size_t n;
};

static struct levels levels_of(struct ietf *x, const struct ietf_table *tb, u_long col)
{
	if (tb->sparse && tb->sparse(x, col))
		return (struct levels){ tb->sparse_levels, tb->nsparse };
	return (struct levels){ tb->levels, tb->nlevels };
}

/* The first row from level lv on (the levels before set in r). */
static int first_from(struct ietf *x, const struct levels *L, size_t lv, struct ietf_row *r)
{
	for (; lv < L->n; lv++)
		if (!L->v[lv].seek(x, r, NULL, 0, false))
			return 0;
	return 1;
}

/* The first row whose index sub-ids from level lv on are > s[0..n). */
static int next_from(struct ietf *x, const struct levels *L, size_t lv, struct ietf_row *r,
		     const oid *s, size_t n)
{
	const struct ietf_level *l;
	oid k[16];
	size_t w;

	if (lv == L->n)
		return 0; /* this row is s, or before it */
	if (n == 0)
		return first_from(x, L, lv, r);
	l = &L->v[lv];
	if (!l->seek(x, r, s, n, false))
		return 0;
	w = l->sub(r, k);
	if (n >= w && snmp_oid_compare(k, w, s, w) == 0) {
		/* a row under this key may still come after s */
		if (next_from(x, L, lv + 1, r, s + w, n - w))
			return 1;
		if (!l->seek(x, r, k, w, true))
			return 0;
	}
	return first_from(x, L, lv + 1, r);
}

static int find_row(struct ietf *x, const struct levels *L, struct ietf_row *r, const oid *s,
		    size_t n)
{
	for (size_t lv = 0; lv < L->n; lv++) {
		oid k[16];
		size_t w;
		if (n == 0 || !L->v[lv].seek(x, r, s, n, false))
			return 0;
		w = L->v[lv].sub(r, k);
		if (n < w || snmp_oid_compare(k, w, s, w) != 0)
			return 0;
		s += w;
		n -= w;
	}
	return n == 0;
}

static size_t row_index(const struct levels *L, const struct ietf_row *r, oid *out)
{
	size_t n = 0;

	for (size_t lv = 0; lv < L->n; lv++)
		n += L->v[lv].sub(r, out + n);
	return n;
}

static const struct ietf_col *column(const struct ietf_table *tb, u_long id)
{
	for (size_t i = 0; i < tb->ncols; i++)
		if (tb->cols[i].id == id)
			return &tb->cols[i];
	return NULL;
}

static bool has_column(struct ietf *x, const struct ietf_table *tb, u_long id)
{
	return !tb->present || tb->present(x, id);
}

static int get_exact(struct ietf *x, const struct ietf_mib *mib, netsnmp_variable_list *vb)
{
	for (size_t i = 0; i < mib->ntables; i++) {
		const struct ietf_table *tb = mib->tables[i];
		const struct ietf_col *c;
		struct ietf_row r = { 0 };
		struct levels L;
		if (vb->name_length <= tb->entry_len ||
		    snmp_oid_compare(vb->name, tb->entry_len, tb->entry, tb->entry_len) != 0)
			continue;
		c = column(tb, vb->name[tb->entry_len]);
		if (!c || !has_column(x, tb, c->id))
			return SNMP_NOSUCHOBJECT;
		L = levels_of(x, tb, c->id);
		if (!find_row(x, &L, &r, vb->name + tb->entry_len + 1,
			      vb->name_length - tb->entry_len - 1) ||
		    tb->value(x, &r, c->id, vb) != 0)
			return SNMP_NOSUCHINSTANCE;
		return 0;
	}
	return SNMP_NOSUCHOBJECT;
}

/* The first instance of column c after s (s NULL: the column's first),
 * skipping rows where the object has no instance. */
static int next_in_column(struct ietf *x, const struct ietf_table *tb, const struct ietf_col *c,
			  const oid *s, size_t n, netsnmp_variable_list *vb)
{
	struct ietf_row r = { 0 };
	struct levels L = levels_of(x, tb, c->id);
	oid idx[MAX_OID_LEN];
	size_t k;
	int found = s ? next_from(x, &L, 0, &r, s, n) : first_from(x, &L, 0, &r);

	while (found && tb->value(x, &r, c->id, vb) != 0) {
		/* a hole: where the stack did not tell one row's value in a
		 * small table (sessions, targets); a large table's sparse
		 * columns have levels of their own (ietf.h) */
		k = row_index(&L, &r, idx);
		memset(&r, 0, sizeof r);
		found = next_from(x, &L, 0, &r, idx, k);
	}
	if (!found)
		return 0;
	{
		oid name[MAX_OID_LEN];
		size_t len = tb->entry_len;
		memcpy(name, tb->entry, len * sizeof(oid));
		name[len++] = c->id;
		len += row_index(&L, &r, name + len);
		snmp_set_var_objid(vb, name, len);
	}
	return 1;
}

/* 1 when vb now names the next instance, 0 when the MIB has none. */
static int get_next(struct ietf *x, const struct ietf_mib *mib, const oid *req, size_t len,
		    netsnmp_variable_list *vb)
{
	for (size_t i = 0; i < mib->ntables; i++) {
		const struct ietf_table *tb = mib->tables[i];
		size_t m = len < tb->entry_len ? len : tb->entry_len;
		int cmp = snmp_oid_compare(req, m, tb->entry, m);
		/* within the table's entry, or before it (a prefix of it too) */
		bool within = cmp == 0 && len > tb->entry_len;
		if (cmp > 0)
			continue;
		for (size_t j = 0; j < tb->ncols; j++) {
			const struct ietf_col *c = &tb->cols[j];
			bool here = within && c->id == req[tb->entry_len];
			if (within && c->id < req[tb->entry_len])
				continue;
			if (!has_column(x, tb, c->id))
				continue;
			if (next_in_column(x, tb, c, here ? req + tb->entry_len + 1 : NULL,
					   here ? len - tb->entry_len - 1 : 0, vb))
				return 1;
		}
	}
	return 0;
}

int ietf_get(struct ietf *x, const struct ietf_mib *mib, netsnmp_variable_list *vb, int exact)
{
	oid req[MAX_OID_LEN];
	size_t len = vb->name_length;

	ietf_fresh(x);
	if (exact)
		return get_exact(x, mib, vb);
	/* an OID before the MIB starts at its beginning; past the MIB the
	 * varbind stays as it was, and the agent moves on */
	if (snmp_oid_compare(vb->name, len, mib->root, IETF_MIB_LEN) < 0) {
		memcpy(req, mib->root, sizeof mib->root);
		len = IETF_MIB_LEN;
	} else {
		memcpy(req, vb->name, len * sizeof(oid));
	}
	get_next(x, mib, req, len, vb);
	return 0;
}

struct ietf_request {
	struct ietf *x;
	const struct ietf_mib *mib;
};

static int get_one(void *ctx, netsnmp_variable_list *vb, int exact)
{
	struct ietf_request *q = ctx;

	return ietf_get(q->x, q->mib, vb, exact);
}

int ietf_get_all(struct ietf *x, const struct ietf_mib *mib, netsnmp_agent_request_info *reqinfo,
		 netsnmp_request_info *requests)
{
	struct ietf_request q = { x, mib };

	return lunmapd_answer_all(reqinfo, requests, get_one, &q, "lunmap:ietf");
}
