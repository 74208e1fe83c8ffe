/* SPDX-License-Identifier: BSD-3-Clause */
/* `tgtadm --op show --mode target` is parsed by its structure, because
 * some of its text is not tgtd's: an initiator's name and alias (sent at
 * login, before any authentication) and a backing store's path are printed
 * verbatim and may hold newlines. So every line must sit where tgtd's
 * grammar puts it:
 *
 *   Target N: NAME                         column 0, N strictly increasing
 *       System information:                column 4, the five sections,
 *       I_T nexus information:               each once, in this order
 *       LUN information:
 *           LUN: N                         column 8, once per number
 *               Key: value                 column 12, Backing store path,
 *       Account information:                 SCSI ID, Type, SCSI SN and
 *                                            Readonly once per LU
 *       ACL information:
 *
 * and a listing that strays from it is refused whole rather than guessed
 * at. Lines under System, I_T nexus and Account are opaque; those under
 * ACL (column 8) are the target's ACL entries. Because
 * a forged block must end where tgtd's own text resumes, a forgery moves
 * the rest of a real target under a false header: the checks that catch
 * it are the order of sections and tids, unique names, and LUN 0 whose
 * default SCSI ID names its real tid. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"
#include "valid.h"

enum section { S_NONE, S_SYSTEM, S_NEXUS, S_LUNS, S_ACCOUNT, S_ACL };

static const char *const section_title[] = {
	[S_SYSTEM] = "System information:",   [S_NEXUS] = "I_T nexus information:",
	[S_LUNS] = "LUN information:",        [S_ACCOUNT] = "Account information:",
	[S_ACL] = "ACL information:",
};

struct parser {
	struct lm_stack *stack;
	uint32_t *tids;
	struct lm_stack_target *cur;
	enum section sec;
	long long lun;	       /* the LU being read, -1 before the first */
	unsigned seen;	       /* keys met in this LU: bits below */
	unsigned long long tid;
	const char *why;
	char serial[65]; /* of the current LU; "" when it showed none */
	int readonly;    /* of the current LU: "Readonly: Yes/No", -1 unseen */
};

enum { K_PATH = 1, K_ID = 2, K_TYPE = 4, K_SN = 8, K_RO = 16 };

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static lm_hr bad(struct parser *ps, const char *why)
{
	ps->why = why;
	return LM_E_FAIL;
}

static lm_hr target_line(struct parser *ps, const char *line)
{
	const char *colon = strstr(line, ": ");
	unsigned long long tid;
	uint32_t *nt;

	if (ps->cur && ps->sec != S_ACL)
		return bad(ps, "a target starts before the previous one ends");
	if (!colon || !lm_parse_u64(line + 7, (size_t)(colon - line - 7), UINT32_MAX, &tid) ||
	    tid == 0)
		return bad(ps, "not a target line");
	if (ps->cur && tid <= ps->tid)
		return bad(ps, "target ids out of order");
	for (size_t i = 0; i < ps->stack->ntargets; i++)
		if (strcmp(ps->stack->targets[i].iqn, colon + 2) == 0)
			return bad(ps, "a target name is listed twice");
	nt = realloc(ps->tids, (ps->stack->ntargets + 1) * sizeof *nt);
	if (!nt)
		return LM_E_OUTOFMEMORY;
	ps->tids = nt;
	if (lm_failed(lm_stack_add_target(ps->stack, colon + 2)))
		return LM_E_OUTOFMEMORY;
	nt[ps->stack->ntargets - 1] = (uint32_t)tid;
	ps->tid = tid;
	ps->cur = &ps->stack->targets[ps->stack->ntargets - 1];
	ps->sec = S_NONE;
	ps->lun = -1;
	return LM_S_OK;
}

static lm_hr section_line(struct parser *ps, const char *text)
{
	enum section next = ps->sec + 1;

	if (ps->sec == S_ACL || strcmp(text, section_title[next]) != 0)
		return bad(ps, "a section out of place");
	ps->sec = next;
	/* the target's ACL is read (an empty one lets nobody in: a target
	 * made and not yet bound) */
	return next == S_ACL ? lm_stack_acl_add(ps->cur, NULL) : LM_S_OK;
}

/* tgtd names LUN 0, its controller, "IET     TTTTLLLL" (hex tid, lun):
 * a block moved under a forged header shows its real tid here. */
static lm_hr scsi_id(struct parser *ps, const char *value)
{
	char want[32];

	if (ps->lun != 0 || !starts(value, "IET "))
		return LM_S_OK;
	snprintf(want, sizeof want, "IET     %04llx%04x", ps->tid, 0u);
	return strcmp(value, want) == 0 ? LM_S_OK : bad(ps, "LUN 0 belongs to another target");
}

static lm_hr add_lu(struct parser *ps, const char *path)
{
	lm_hr hr = lm_stack_add_lu(ps->cur, (uint32_t)ps->lun, path);

	if (!lm_failed(hr) && ps->serial[0])
		hr = lm_stack_set_serial(ps->cur, ps->serial);
	if (!lm_failed(hr))
		lm_stack_set_readonly(ps->cur, ps->readonly);
	return hr;
}

static lm_hr lu_key(struct parser *ps, const char *text)
{
	static const struct {
		const char *key;
		unsigned bit;
	} once[] = { { "Backing store path: ", K_PATH }, { "SCSI ID: ", K_ID }, { "Type: ", K_TYPE },
		     { "SCSI SN: ", K_SN }, { "Readonly: ", K_RO } };

	if (ps->lun < 0)
		return bad(ps, "an LU attribute before any LUN");
	for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
		const char *value = text + strlen(once[i].key);
		if (!starts(text, once[i].key))
			continue;
		if (ps->seen & once[i].bit)
			return bad(ps, "an LU attribute is listed twice");
		ps->seen |= once[i].bit;
		if (once[i].bit == K_ID)
			return scsi_id(ps, value);
		/* a serial lunmap cannot have set is kept as "?": the wrong
		 * identity, never a forged one */
		if (once[i].bit == K_SN)
			snprintf(ps->serial, sizeof ps->serial, "%s", lm_stack_serial_ok(value) ? value : "?");
		/* tgtd prints it before the path; anything but Yes/No is
		 * unknown, and the drift check then leaves it alone */
		if (once[i].bit == K_RO)
			ps->readonly = strcmp(value, "Yes") == 0 ? 1 : strcmp(value, "No") == 0 ? 0 : -1;
		if (once[i].bit == K_PATH && ps->lun > 0 && value[0] == '/')
			return add_lu(ps, value);
	}
	return LM_S_OK;
}

static lm_hr lun_line(struct parser *ps, const char *text)
{
	unsigned long long n;

	if (!starts(text, "LUN: ") || !lm_parse_u64(text + 5, strlen(text + 5), UINT32_MAX, &n))
		return bad(ps, "not a LUN line");
	/* tgtd keeps LUs sorted: this also refuses a number listed twice */
	if ((long long)n <= ps->lun)
		return bad(ps, "LUNs out of order or listed twice");
	ps->lun = (long long)n;
	ps->seen = 0;
	ps->serial[0] = '\0';
	ps->readonly = -1;
	return LM_S_OK;
}

static lm_hr parse_line(struct parser *ps, const char *line)
{
	size_t indent = strspn(line, " ");
	const char *text = line + indent;

	if (indent == 0 && starts(line, "Target "))
		return target_line(ps, line);
	if (!ps->cur)
		return bad(ps, "text before the first target");
	if (indent == 4)
		return section_line(ps, text);
	if (indent < 8 || ps->sec == S_NONE)
		return bad(ps, "a line out of place");
	if (ps->sec == S_ACL && indent == 8 && *text && !strchr(text, ','))
		return lm_stack_acl_add(ps->cur, text); /* an address, a name or ALL */
	/* sessions for the in-use guard: the nexus entries. An alias can
	 * forge such a line: that only counts a session more, and the guard
	 * errs on the safe side (force overrides it) */
	if (ps->sec == S_NEXUS && indent == 8 && starts(text, "I_T nexus: "))
		ps->cur->sessions++;
	if (ps->sec != S_LUNS)
		return LM_S_OK; /* opaque: initiators' names and aliases live here */
	if (indent == 8)
		return lun_line(ps, text);
	if (indent == 12)
		return lu_key(ps, text);
	return bad(ps, "a line out of place in LUN information");
}

/* The listing as it arrives, in pieces: lines are cut at '\n' and parsed
 * one by one, so that a listing of 100k LUs (tens of MB) is never held
 * whole. A NUL ends the text, as it ends a C string. */
struct lm_tgt_show {
	struct parser ps;
	struct lm_stack stack;
	char *line; /* the line being gathered; on failure, the refused one */
	size_t len, cap;
	lm_hr hr;
	bool ended; /* a NUL was met */
};

struct lm_tgt_show *lm_tgt_show_new(void)
{
	struct lm_tgt_show *sh = calloc(1, sizeof *sh);

	if (sh) {
		sh->ps.stack = &sh->stack;
		sh->ps.lun = -1;
	}
	return sh;
}

static lm_hr gather(struct lm_tgt_show *sh, const char *p, size_t n)
{
	if (sh->len + n + 1 > sh->cap) {
		size_t ncap = sh->cap ? sh->cap : 256;
		char *nl;
		while (ncap < sh->len + n + 1)
			ncap *= 2;
		if (!(nl = realloc(sh->line, ncap)))
			return LM_E_OUTOFMEMORY;
		sh->line = nl;
		sh->cap = ncap;
	}
	memcpy(sh->line + sh->len, p, n);
	sh->len += n;
	sh->line[sh->len] = '\0';
	return LM_S_OK;
}

static lm_hr end_line(struct lm_tgt_show *sh)
{
	lm_hr hr = sh->line ? LM_S_OK : gather(sh, "", 0);

	if (!lm_failed(hr))
		hr = parse_line(&sh->ps, sh->line);
	if (!lm_failed(hr))
		sh->len = 0;
	return hr;
}

int lm_tgt_show_feed(struct lm_tgt_show *sh, const char *text, size_t n)
{
	size_t upto = sh->ended ? 0 : strnlen(text, n);

	/* what follows a NUL is not text */
	if (upto < n)
		sh->ended = true;
	n = upto;
	while (n && !lm_failed(sh->hr)) {
		const char *stop = memchr(text, '\n', n);
		size_t k = stop ? (size_t)(stop - text) : n;
		sh->hr = gather(sh, text, k);
		if (!lm_failed(sh->hr) && stop)
			sh->hr = end_line(sh);
		k += stop ? 1 : 0;
		text += k;
		n -= k;
	}
	return lm_failed(sh->hr) ? -1 : 0;
}

bool lm_tgt_show_refused(const struct lm_tgt_show *sh)
{
	return lm_failed(sh->hr);
}

lm_hr lm_tgt_show_end(struct lm_tgt_show *sh, struct lm_stack *stack, uint32_t **tids,
		      struct lm_err *err)
{
	struct parser *ps = &sh->ps;
	lm_hr hr = sh->hr;

	if (!lm_failed(hr) && sh->len)
		hr = end_line(sh);
	if (!lm_failed(hr) && ps->cur && ps->sec != S_ACL)
		hr = bad(ps, "the listing ends inside a target");
	if (hr == LM_E_FAIL) {
		char shown[160];
		size_t n = 0;
		/* the line is hostile text: escape it before it reaches a log */
		for (const char *p = sh->line ? sh->line : ""; *p && n + 5 < sizeof shown; p++)
			n += (size_t)snprintf(shown + n, sizeof shown - n,
					      (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ? "\\x%02x" : "%c",
					      (unsigned char)*p);
		shown[n] = '\0';
		lm_err_set(err, hr, "tgtadm show: refused the listing (%s) at \"%s\"", ps->why, shown);
	} else if (lm_failed(hr)) {
		lm_err_set(err, hr, "no memory to parse tgtadm's output");
	}
	if (lm_failed(hr)) {
		lm_stack_clear(&sh->stack);
		free(ps->tids);
		ps->tids = NULL;
	}
	*stack = sh->stack;
	*tids = ps->tids;
	free(sh->line);
	free(sh);
	return hr;
}

lm_hr lm_tgt_parse_show(const char *text, struct lm_stack *stack, uint32_t **tids,
			struct lm_err *err)
{
	struct lm_tgt_show *sh = lm_tgt_show_new();

	if (!sh) {
		memset(stack, 0, sizeof *stack);
		*tids = NULL;
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to parse tgtadm's output");
	}
	lm_tgt_show_feed(sh, text, strlen(text));
	return lm_tgt_show_end(sh, stack, tids, err);
}
