/* SPDX-License-Identifier: BSD-3-Clause */
/* The IETF MIBs' state in lunmapd: the last look at the stack, the
 * indexes of the model the tables need (kept until the model changes),
 * registration with the master, and the notifications a new look calls
 * for. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "ietf.h"
#include "vec.h"

#include <net-snmp/agent/agent_sysORTable.h>

/* How long one look at the stack may take on the drift check's cadence:
 * requests wait meanwhile, after the check's own listing (which may take
 * four fifths of the master's AgentX timeout), so a tenth of it. A stack
 * too slow for that is read whole over several checks (lm_core_observe). */
#define IETF_LOOK_MS(x) ((long long)(x)->agentx_timeout * 1000 / 10)
/* the cadence of the looks when the inventory sets no drift check */
#define IETF_LOOK_SECONDS 60

/* ---------------------------------------------------------------- values */

bool ietf_counts(const struct ietf *x)
{
	return (lm_core_observes(x->core) & LM_OBSERVE_STATS) != 0;
}

void ietf_set_int(netsnmp_variable_list *vb, u_char type, long v)
{
	snmp_set_var_typed_value(vb, type, &v, sizeof v);
}

void ietf_set_counter32(netsnmp_variable_list *vb, uint64_t v)
{
	ietf_set_int(vb, ASN_COUNTER, (long)(v & 0xffffffffu));
}

void ietf_set_u64(netsnmp_variable_list *vb, uint64_t v)
{
	struct counter64 c = { .high = (u_long)(v >> 32), .low = (u_long)(v & 0xffffffffu) };

	snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c);
}

void ietf_set_str(netsnmp_variable_list *vb, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	/* cut at a character boundary: every text here is valid UTF-8 */
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s ? s : "", n);
}

void ietf_set_bytes(netsnmp_variable_list *vb, const void *p, size_t n)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, p, n);
}

void ietf_set_oid(netsnmp_variable_list *vb, const oid *o, size_t n)
{
	snmp_set_var_typed_value(vb, ASN_OBJECT_ID, o, n * sizeof(oid));
}

void ietf_identity_pointer(netsnmp_variable_list *vb, const struct ietf_ident *id)
{
	oid p[] = { IETF_IPSAUTH_MIB, 1, 3, 1, 1, 2, IETF_INSTANCE, id->index };

	ietf_set_oid(vb, p, OID_LENGTH(p));
}

void ietf_set_null_oid(netsnmp_variable_list *vb)
{
	static const oid zero[] = { 0, 0 };

	ietf_set_oid(vb, zero, 2);
}

long ietf_addr_type(int family)
{
	/* InetAddressType: ipv4(1), ipv6(2), unknown(0) */
	return family == 4 ? 1 : family == 6 ? 2 : 0;
}

void ietf_scsi_lun(uint32_t number, uint8_t out[8])
{
	memset(out, 0, 8);
	if (number < 256) {
		out[1] = (uint8_t)number;
	} else {
		out[0] = (uint8_t)(0x40 | ((number >> 8) & 0x3f));
		out[1] = (uint8_t)(number & 0xff);
	}
}

/* ---------------------------------------------------------------- time */

u_long ietf_ticks(long long ms)
{
	long long now = lm_now_ms(), up = (long long)netsnmp_get_agent_uptime();
	long long t = up - (now - ms) / 10;

	return ms && t > 0 ? (u_long)t : 0;
}

u_long ietf_stack_ticks(struct ietf *x, unsigned long long stack_cs)
{
	unsigned long long at = x->obs.stack_uptime_cs;

	if (!stack_cs || !at || stack_cs > at)
		return 0;
	return ietf_ticks(x->obs_ms - (long long)(at - stack_cs) * 10);
}

/* ---------------------------------------------------------------- observation */

const struct lm_target_obs *ietf_obs(struct ietf *x, uint32_t target)
{
	return lm_observation_find(&x->obs, target);
}

/* ---------------------------------------------------------------- initiators */

static bool is_name(const char *s, size_t n)
{
	return n > 4 && (!strncmp(s, "iqn.", 4) || !strncmp(s, "eui.", 4) || !strncmp(s, "naa.", 4));
}

/* The n-th (1-based) entry of an initiators list, names only or all. */
bool ietf_initiator_at(const struct lm_target *t, uint32_t pos, bool names_only, char *buf,
		       size_t len)
{
	const char *s = lm_target_initiators(t) ? lm_target_initiators(t) : "";
	uint32_t k = 0;

	buf[0] = '\0';
	if (strcmp(s, "ALL") == 0)
		return false;
	while (*s) {
		size_t w;
		s += strspn(s, ", ");
		w = strcspn(s, ", ");
		if (!w)
			break;
		if ((!names_only || (is_name(s, w) && lm_obs_name(buf, s, w))) && w < len && ++k == pos) {
			memcpy(buf, s, w);
			buf[w] = '\0';
			return true;
		}
		s += w;
	}
	buf[0] = '\0';
	return false;
}

uint32_t ietf_initiator_pos(const struct lm_target *t, const char *name, bool names_only)
{
	char buf[LM_OBS_NAME_MAX + 1];

	for (uint32_t pos = 1; ietf_initiator_at(t, pos, names_only, buf, sizeof buf); pos++)
		if (strcmp(buf, name) == 0)
			return pos;
	return 0;
}

static int ident_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ietf_ident *)a)->entry, ((const struct ietf_ident *)b)->entry);
}

static void free_idents(struct ietf *x)
{
	for (size_t i = 0; i < x->nidents; i++)
		free(x->idents[i].entry);
	free(x->idents);
	x->idents = NULL;
	x->nidents = 0;
}

/* Every distinct initiator of every target, by rank. */
static void build_idents(struct ietf *x)
{
	size_t cap = 0, k = 0;

	free_idents(x);
	for (const struct lm_target *t = lm_core_target_after(x->core, 0); t;
	     t = lm_core_target_after(x->core, lm_target_index(t))) {
		char buf[LM_OBS_NAME_MAX + 1];
		for (uint32_t pos = 1; ietf_initiator_at(t, pos, false, buf, sizeof buf); pos++) {
			struct ietf_ident *id;
			if (lm_grow((void **)&x->idents, &cap, x->nidents + 1, sizeof *x->idents))
				return;
			id = &x->idents[x->nidents];
			memset(id, 0, sizeof *id);
			if (!(id->entry = strdup(buf)))
				return;
			x->nidents++;
		}
	}
	if (x->nidents)
		qsort(x->idents, x->nidents, sizeof *x->idents, ident_cmp);
	for (size_t i = 0; i < x->nidents; i++) {
		struct ietf_ident *id = &x->idents[i];
		if (k && strcmp(x->idents[k - 1].entry, id->entry) == 0) {
			free(id->entry);
			continue;
		}
		x->idents[k] = *id;
		id = &x->idents[k++];
		id->index = (uint32_t)k;
		id->is_name = is_name(id->entry, strlen(id->entry));
		if (!id->is_name)
			id->family = lm_obs_addr(id->entry, strlen(id->entry), id->addr);
	}
	x->nidents = k;
}

static int ident_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct ietf_ident *)elem)->entry);
}

const struct ietf_ident *ietf_ident_of(struct ietf *x, const char *entry)
{
	size_t i = lm_lower_bound(x->idents, x->nidents, sizeof *x->idents, entry, ident_key_cmp);

	return i < x->nidents && strcmp(x->idents[i].entry, entry) == 0 ? &x->idents[i] : NULL;
}

const struct ietf_ident *ietf_ident_after(struct ietf *x, uint32_t index)
{
	/* ranks are 1..n: the one after index is at position index */
	return index < x->nidents ? &x->idents[index] : NULL;
}

/* ---------------------------------------------------------------- views */

/* The per-target views: open addressing on the target index (0: empty). */
struct ietf_views {
	struct ietf_view *slot;
	size_t cap, n;
};

static void free_views(struct ietf *x)
{
	struct ietf_views *v = x->views;

	if (!v)
		return;
	for (size_t i = 0; i < v->cap; i++) {
		free(v->slot[i].by_number);
		free(v->slot[i].counted);
	}
	free(v->slot);
	free(v);
	x->views = NULL;
}

static int number_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct lm_assoc *)a)->number, y = ((const struct lm_assoc *)b)->number;

	return x < y ? -1 : x > y;
}

static void build_view(struct ietf *x, const struct lm_target *t, struct ietf_view *w)
{
	size_t n;
	const struct lm_assoc *a = lm_target_assocs(t, &n);
	const struct lm_target_obs *o = ietf_obs(x, lm_target_index(t));

	memset(w, 0, sizeof *w);
	w->target = lm_target_index(t);
	w->by_number = malloc((n ? n : 1) * sizeof *w->by_number);
	w->counted = malloc((n ? n : 1) * sizeof *w->counted);
	if (!w->by_number || !w->counted) {
		free(w->by_number);
		free(w->counted);
		w->by_number = NULL;
		w->counted = NULL;
		return;
	}
	if (n) {
		/* a target without LUs has no array to copy or sort */
		memcpy(w->by_number, a, n * sizeof *a);
		qsort(w->by_number, n, sizeof *a, number_cmp);
	}
	w->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct lm_lun *l = lm_core_lun(x->core, a[i].index);
		const struct lm_obs_lu *lu = o && o->has_stats ? lm_obs_lu_find(&o->stats, a[i].number)
							       : NULL;
		if (l && lm_lun_status(l) == LM_FAILED)
			w->failed++;
		/* ascending by LUN index, as the associations are */
		if (lu && lu->lu_known)
			w->counted[w->ncounted++] = a[i].index;
	}
}

const struct ietf_view *ietf_view_of(struct ietf *x, const struct lm_target *t)
{
	struct ietf_views *v = x->views;
	uint32_t key = lm_target_index(t);
	size_t i;

	if (!v && !(v = x->views = calloc(1, sizeof *v)))
		return NULL;
	if ((v->n + 1) * 2 > v->cap) {
		struct ietf_views nv = { calloc(v->cap ? v->cap * 2 : 64, sizeof *nv.slot),
					 v->cap ? v->cap * 2 : 64, v->n };
		if (!nv.slot)
			return NULL;
		for (size_t k = 0; k < v->cap; k++) {
			if (!v->slot[k].target)
				continue;
			for (i = v->slot[k].target % nv.cap; nv.slot[i].target; i = (i + 1) % nv.cap)
				;
			nv.slot[i] = v->slot[k];
		}
		free(v->slot);
		*v = nv;
	}
	for (i = key % v->cap; v->slot[i].target; i = (i + 1) % v->cap)
		if (v->slot[i].target == key)
			return &v->slot[i];
	build_view(x, t, &v->slot[i]);
	if (!v->slot[i].by_number)
		return NULL;
	v->n++;
	return &v->slot[i];
}

/* ---------------------------------------------------------------- freshness */

void ietf_fresh(struct ietf *x)
{
	unsigned long long gen = lm_core_generation(x->core);

	if (gen == x->gen && x->idents)
		return;
	x->gen = gen;
	free_views(x);
	x->sets_ok = false;
	build_idents(x);
}

/* A new look makes the views stale (their counted LUNs). */
static void look_changed(struct ietf *x)
{
	x->epoch++;
	free_views(x);
	x->sets_ok = false;
}

/* ---------------------------------------------------------------- handler */

struct reg_ctx {
	struct ietf *x;
	const struct ietf_mib *mib;
};

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg,
		   netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	struct reg_ctx *c = reg->my_reg_void;

	(void)h;
	if (reqinfo->mode == MODE_GET || reqinfo->mode == MODE_GETNEXT)
		return ietf_get_all(c->x, c->mib, reqinfo, requests);
	return SNMP_ERR_NOERROR;
}

static int ietf_register_mib(struct ietf *x, const struct ietf_mib *mib, const char *descr)
{
	static struct reg_ctx ctx[3];
	static size_t nctx;
	netsnmp_handler_registration *reg;

	if (nctx == 3)
		return -1;
	ctx[nctx] = (struct reg_ctx){ x, mib };
	reg = netsnmp_create_handler_registration(mib->name, handler, mib->root, IETF_MIB_LEN,
						  HANDLER_CAN_RONLY);
	if (!reg)
		return -1;
	reg->my_reg_void = &ctx[nctx++];
	reg->timeout = (int)x->agentx_timeout;
	if (netsnmp_register_handler(reg) != MIB_REGISTERED_OK)
		return -1;
	register_sysORTable((oid *)mib->root, IETF_MIB_LEN, descr);
	return 0;
}

void ietf_look(struct ietf *x)
{
	struct lm_observation next, prev;
	struct lm_err err;
	long long t0 = lm_now_ms();

	if (lm_failed(lm_core_observe(x->core, &x->obs, t0 + IETF_LOOK_MS(x), &next, &err))) {
		snmp_log(LOG_WARNING, "lunmapd: cannot look at the stack for the IETF MIBs: %s\n",
			 err.msg);
		return;
	}
	prev = x->obs;
	x->obs = next;
	x->obs_ms = lm_now_ms();
	x->nsessions = 0;
	for (size_t i = 0; i < next.n; i++)
		x->nsessions += next.v[i].has_sessions ? next.v[i].sessions.n : 0;
	DEBUGMSGTL(("lunmap:stack", "look for the IETF MIBs: %zu target(s), %zu session(s) in "
				    "%lld ms\n", next.n, x->nsessions, x->obs_ms - t0));
	look_changed(x);
	/* the first look is what later ones compare with */
	ietf_notify(x, x->first_look ? NULL : &prev);
	x->first_look = false;
	lm_observation_clear(&prev);
}

static void look_alarm(unsigned int reg, void *arg)
{
	(void)reg;
	ietf_look(arg);
}

int lunmapd_ietf_register(struct lunmapd *d)
{
	struct ietf *x;
	unsigned mibs = lm_core_mibs(d->core);

	if (!mibs)
		return 0;
	if (!(x = d->ietf = ietf_new(d->core)))
		return -1;
	if (d->agentx_timeout)
		x->agentx_timeout = d->agentx_timeout;
	if (((mibs & LM_MIB_SCSI) &&
	     ietf_register_mib(x, &ietf_scsi_mib, "SCSI-MIB (RFC 4455): lunmap's targets and LUs") != 0) ||
	    ((mibs & LM_MIB_ISCSI) &&
	     (ietf_register_mib(x, &ietf_iscsi_mib, "ISCSI-MIB (RFC 4544): lunmap's targets, sessions") != 0 ||
	      ietf_register_mib(x, &ietf_ipsauth_mib, "IPS-AUTH-MIB (RFC 4545): who may log in") != 0)))
		return -1;
	x->registered = true;
	ietf_look(x);
	/* no drift check to follow: look on a cadence of its own */
	if (!lm_core_check_interval(d->core))
		snmp_alarm_register(IETF_LOOK_SECONDS, SA_REPEAT, look_alarm, x);
	return 0;
}

void lunmapd_ietf_refresh(struct lunmapd *d)
{
	if (d->ietf && d->ietf->registered)
		ietf_look(d->ietf);
}

struct ietf *ietf_new(struct lm_core *core)
{
	struct ietf *x = calloc(1, sizeof *x);

	if (!x)
		return NULL;
	x->core = core;
	x->agentx_timeout = LUNMAPD_AGENTX_TIMEOUT;
	x->mibs = lm_core_mibs(core);
	x->first_look = true;
	return x;
}

void ietf_free(struct ietf *x)
{
	if (!x)
		return;
	lm_observation_clear(&x->obs);
	free_views(x);
	free_idents(x);
	free(x->seen);
	free(x->lu_seen);
	for (int k = 0; k < IETF_NSETS; k++)
		free(x->sets[k].v);
	free(x);
}

void lunmapd_ietf_free(struct lunmapd *d)
{
	ietf_free(d->ietf);
	d->ietf = NULL;
}
