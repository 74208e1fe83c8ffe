#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"

struct parser {
	struct lm_stack *stack;
	uint32_t *tids;
	struct lm_stack_target *cur;
	long lun;
	char serial[65]; /* of the current LU; "" when it showed none */
	bool in_acl;     /* in the current target's "ACL information:" */
};

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static lm_hr target_line(struct parser *ps, const char *line)
{
	const char *colon = strstr(line, ": ");
	uint32_t *nt;

	if (!colon)
		return LM_E_FAIL;
	nt = realloc(ps->tids, (ps->stack->ntargets + 1) * sizeof *nt);
	if (!nt)
		return LM_E_OUTOFMEMORY;
	ps->tids = nt;
	if (lm_failed(lm_stack_add_target(ps->stack, colon + 2)))
		return LM_E_OUTOFMEMORY;
	nt[ps->stack->ntargets - 1] = (uint32_t)strtoul(line + 7, NULL, 10);
	ps->cur = &ps->stack->targets[ps->stack->ntargets - 1];
	ps->lun = -1;
	ps->in_acl = false;
	return LM_S_OK;
}

static lm_hr parse_line(struct parser *ps, const char *line)
{
	const char *p = line + strspn(line, " \t");
	static const char path_key[] = "Backing store path: ";

	if (starts(line, "Target "))
		return target_line(ps, line);
	if (!ps->cur)
		return LM_S_OK;
	static const char sn_key[] = "SCSI SN: ";

	/* the last section of a target: its ACL entries, indented deeper
	 * than the heading; none means nobody may log in */
	if (p == line + 4 && strcmp(p, "ACL information:") == 0) {
		ps->in_acl = true;
		return lm_stack_acl_add(ps->cur, NULL);
	}
	if (ps->in_acl) {
		if (p - line > 4 && *p && !strchr(p, ','))
			return lm_stack_acl_add(ps->cur, p);
		if (p - line <= 4)
			ps->in_acl = false;
		return LM_S_OK;
	}
	if (starts(p, "LUN: ")) {
		ps->lun = strtol(p + 5, NULL, 10);
		ps->serial[0] = '\0';
	} else if (ps->lun > 0 && starts(p, sn_key)) {
		/* a serial lunmap cannot have set is kept as "?": the wrong
		 * identity, never a forged one */
		const char *sn = p + sizeof sn_key - 1;
		snprintf(ps->serial, sizeof ps->serial, "%s", lm_stack_serial_ok(sn) ? sn : "?");
	} else if (ps->lun > 0 && starts(p, path_key) && p[sizeof path_key - 1] == '/') {
		lm_hr hr = lm_stack_add_lu(ps->cur, (uint32_t)ps->lun, p + sizeof path_key - 1);
		if (!lm_failed(hr) && ps->serial[0])
			hr = lm_stack_set_serial(ps->cur, ps->serial);
		return hr;
	}
	return LM_S_OK;
}

/* One line at a time, so that a path may hold any byte but a newline. */
lm_hr lm_tgt_parse_show(const char *text, struct lm_stack *stack, uint32_t **tids,
			struct lm_err *err)
{
	struct parser ps = { .stack = stack, .lun = -1 };
	char *line = NULL;
	size_t cap = 0;
	lm_hr hr = LM_S_OK;

	memset(stack, 0, sizeof *stack);
	while (*text && !lm_failed(hr)) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		if (len + 1 > cap) {
			char *nline = realloc(line, len + 1);
			if (!nline) {
				hr = LM_E_OUTOFMEMORY;
				break;
			}
			line = nline;
			cap = len + 1;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (nl ? 1 : 0);
		hr = parse_line(&ps, line);
	}
	if (hr == LM_E_FAIL)
		lm_err_set(err, hr, "tgtadm show: cannot read line \"%s\"", line);
	else if (lm_failed(hr))
		lm_err_set(err, hr, "no memory to parse tgtadm's output");
	free(line);
	if (lm_failed(hr)) {
		lm_stack_clear(stack);
		free(ps.tids);
		ps.tids = NULL;
	}
	*tids = ps.tids;
	return hr;
}
