/* SPDX-License-Identifier: BSD-3-Clause */
/* One reading of a target's tail in tgtd's listing, from a "LUN
 * information:" line on, held to tgtd's grammar line by line (show.c
 * says why a listing has several): its LUs, Account and ACL sections. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show_int.h"
#include "valid.h"
#include "vec.h"

/* the key lines of an LU, after "LUN: N" */
enum { K_TYPE, K_ID, K_SN, K_SIZE, K_ONLINE, K_REMOVABLE, K_PREVENT, K_RO, K_SWP, K_THIN,
       K_BSTYPE, K_PATH, K_FLAGS, K_COUNT };
static const char *const key_line[K_COUNT] = {
	"            Type: ", "            SCSI ID: ", "            SCSI SN: ",
	"            Size: ", "            Online: ", "            Removable media: ",
	"            Prevent removal: ", "            Readonly: ", "            SWP: ",
	"            Thin-provisioning: ", "            Backing store type: ",
	"            Backing store path: ", "            Backing store flags: ",
};


static bool yes_no(const char *v)
{
	return strcmp(v, "Yes") == 0 || strcmp(v, "No") == 0;
}

static bool size_ok(const char *v)
{
	size_t n = strspn(v, "0123456789");

	if (!n || !starts(v + n, " MB, Block size: "))
		return false;
	v += n + 17;
	n = strspn(v, "0123456789");
	return n > 0 && v[n] == '\0';
}

static bool flags_ok(const char *v)
{
	return !*v || strcmp(v, "sync") == 0 || strcmp(v, "direct") == 0 ||
	       strcmp(v, "sync:direct") == 0;
}

static lm_hr push_number(struct tail *tl, uint32_t n)
{
	if (lm_grow((void **)&tl->numbers, &tl->capnumbers, tl->nnumbers + 1, sizeof *tl->numbers))
		return LM_E_OUTOFMEMORY;
	tl->numbers[tl->nnumbers++] = n;
	return LM_S_OK;
}

/* The LU whose path line this is (LUN 0, tgt's controller, is counted,
 * not kept; a path that is none, "None", is kept as "": an LU lunmap did
 * not make, never one of its LUNs). */
static lm_hr lu_path(struct tail *tl, const char *value)
{
	lm_hr hr;

	if (tl->lun == 0)
		return LM_S_OK;
	hr = lm_stack_add_lu(&tl->t, (uint32_t)tl->lun, value[0] == '/' ? value : "");
	if (!lm_failed(hr) && tl->serial[0])
		hr = lm_stack_set_serial(&tl->t, tl->serial);
	if (!lm_failed(hr))
		lm_stack_set_readonly(&tl->t, tl->readonly);
	return hr;
}

static bool key_value_ok(struct tail *tl, unsigned k, const char *v)
{
	switch (k) {
	case K_SIZE: return size_ok(v);
	case K_ONLINE: case K_REMOVABLE: case K_PREVENT: case K_RO: case K_SWP: case K_THIN:
		return yes_no(v);
	case K_FLAGS: return flags_ok(v);
	case K_TYPE: case K_BSTYPE: return *v != '\0';
	default: (void)tl; return true;
	}
}

/* One key line of an LU: false when it is not the one due. */
static bool key(struct tail *tl, const char *line, lm_hr *hr)
{
	const char *v;

	if (!starts(line, key_line[tl->key]))
		return false;
	v = line + strlen(key_line[tl->key]);
	if (!key_value_ok(tl, tl->key, v))
		return false;
	switch (tl->key) {
	case K_ID:
		if (tl->lun == 0)
			snprintf(tl->lun0_id, sizeof tl->lun0_id, "%s", v);
		break;
	/* a serial lunmap cannot have set is kept as "?": the wrong
	 * identity, never a forged one */
	case K_SN: snprintf(tl->serial, sizeof tl->serial, "%s", lm_stack_serial_ok(v) ? v : "?"); break;
	case K_RO: tl->readonly = strcmp(v, "Yes") == 0; break;
	case K_PATH: *hr = lu_path(tl, v); break;
	}
	if (++tl->key == K_COUNT) {
		tl->st = T_LUNS;
		tl->blocks++;
	}
	return true;
}

static bool lun_line(struct tail *tl, const char *line, lm_hr *hr)
{
	unsigned long long n;

	if (!starts(line, "        LUN: ") || !lm_parse_u64(line + 13, strlen(line + 13), UINT32_MAX, &n) ||
	    (long long)n <= tl->lun)
		return false; /* tgtd keeps its LUs sorted: a number twice is refused too */
	tl->lun = (long long)n;
	tl->st = T_KEYS;
	tl->key = 0;
	tl->serial[0] = '\0';
	tl->readonly = -1;
	*hr = push_number(tl, (uint32_t)n);
	return true;
}

/* One line for a tail. false when the line cannot be the next one (the
 * tail dies, or ends when it was in its ACL section). */
bool lm_tgt_tail_line(struct tail *tl, const char *line, lm_hr *hr)
{
	switch (tl->st) {
	case T_KEYS:
		return key(tl, line, hr);
	case T_LUNS:
		if (lun_line(tl, line, hr))
			return true;
		/* the sections after the LUs */
		/* fall through */
	case T_ACCOUNT:
		if (tl->st != T_ACCOUNT && strcmp(line, "    Account information:") == 0) {
			tl->st = T_ACCOUNT;
			tl->accounts = true;
			return true;
		}
		if (tl->st == T_ACCOUNT && starts(line, "        "))
			return true;
		if (strcmp(line, "    ACL information:") == 0) {
			tl->st = T_ACL;
			/* an empty ACL lets nobody in: a target made and not
			 * yet bound */
			*hr = lm_stack_acl_add(&tl->t, NULL);
			return true;
		}
		return false;
	case T_ACL:
		if (!starts(line, "        "))
			return false;
		/* an address, a name or ALL; one with a comma would read as
		 * two in lunmap's comma-separated ACL: left out */
		if (!strchr(line + 8, ','))
			*hr = lm_stack_acl_add(&tl->t, line + 8);
		return true;
	default:
		return false;
	}
}

void lm_tgt_tail_free(struct tail *tl)
{
	free(tl->t.lus);
	free(tl->t.acl);
	free(tl->numbers);
	memset(tl, 0, sizeof *tl);
}

void lm_tgt_take_lus(struct lm_stack_target *st, struct lm_stack_target *from)
{
	free(st->lus);
	free(st->acl);
	st->lus = from->lus;
	st->nlus = from->nlus;
	st->caplus = from->caplus;
	st->acl = from->acl;
	from->lus = NULL;
	from->acl = NULL;
	from->nlus = from->caplus = 0;
}
