#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "run.h"
#include "show.h"

#define TGT_EXIT_ERROR 22

struct tgt {
	struct lm_backend base;
	struct lm_backend_conf conf;
	char port[12];
	/* tids of the last enumeration, refreshed when a target is unknown */
	struct lm_stack known;
	uint32_t *tids;
};

static struct tgt *tgt_of(struct lm_backend *b)
{
	return (struct tgt *)b;
}

/* tgtadm exits 22 for every error; its stderr tells them apart. */
static const char *explain(const char *stderr_text)
{
	static const struct {
		const char *says, *means;
	} table[] = {
		{ "can't find the target", "the target is not in tgtd (removed behind lunmap's back?)" },
		{ "can't find the logical unit", "the LU is not in tgtd (removed behind lunmap's back?)" },
		{ "this logical unit number already exists", "that LUN number is already used on the target" },
		{ "this target already exists", "a target with that tid or name already exists" },
		{ "invalid request", "tgtd refused the request (backing store missing or unreadable?)" },
		{ "can't send the request", "tgtd is not running on that control port" },
		{ "out of memory", "tgtd is out of memory" },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strstr(stderr_text, table[i].says))
			return table[i].means;
	return NULL;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* argv: the words after "tgtadm -C PORT --lld iscsi". */
static lm_hr tgtadm(struct tgt *t, const char *const *words, char **out, struct lm_err *err)
{
	const char *argv[24];
	size_t n = 0;
	struct lm_run_result r;
	lm_hr hr = LM_S_OK;

	argv[n++] = t->conf.tgtadm;
	if (t->conf.control_port) {
		argv[n++] = "-C";
		argv[n++] = t->port;
	}
	argv[n++] = "--lld";
	argv[n++] = "iscsi";
	while (*words && n < sizeof argv / sizeof argv[0] - 1)
		argv[n++] = *words++;
	argv[n] = NULL;
	if (lm_run((char *const *)argv, t->conf.timeout_ms, &r) != 0)
		return lm_err_set(err, errno == ENOMEM ? LM_E_OUTOFMEMORY : LM_E_FAIL,
				  "cannot run %s: %s", t->conf.tgtadm, strerror(errno));
	trim(r.errout);
	if (r.lost && out)
		hr = lm_err_set(err, LM_E_OUTOFMEMORY,
				"no memory for all of tgtadm's output (a cut listing is not the stack)");
	else if (r.timed_out)
		hr = lm_err_set(err, LM_E_FAIL, "tgtadm did not answer in %u ms and was killed",
				t->conf.timeout_ms);
	else if (r.status != 0) {
		const char *why = explain(r.errout);
		hr = lm_err_set(err, LM_E_FAIL, "tgtadm exited %d: %s%s%s", r.status, r.errout,
				why ? "; " : "", why ? why : "");
	}
	if (!lm_failed(hr) && out) {
		*out = r.out;
		r.out = NULL;
	}
	lm_run_result_free(&r);
	return hr;
}

static lm_hr tgt_enumerate(struct lm_backend *b, struct lm_stack *out, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	const char *words[] = { "--op", "show", "--mode", "target", NULL };
	char *text = NULL;
	struct lm_stack parsed;
	uint32_t *tids;
	lm_hr hr = tgtadm(t, words, &text, err);

	memset(out, 0, sizeof *out);
	if (lm_failed(hr))
		return hr;
	hr = lm_tgt_parse_show(text, &parsed, &tids, err);
	free(text);
	if (lm_failed(hr))
		return hr;
	lm_stack_clear(&t->known);
	free(t->tids);
	t->known = parsed;
	t->tids = tids;
	if (lm_failed(lm_stack_copy(out, &t->known)))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to enumerate");
	return LM_S_OK;
}

static int find_tid(struct tgt *t, const char *iqn, uint32_t *tid)
{
	for (size_t i = 0; i < t->known.ntargets; i++)
		if (strcmp(t->known.targets[i].iqn, iqn) == 0) {
			*tid = t->tids[i];
			return 0;
		}
	return -1;
}

static lm_hr tid_of(struct tgt *t, const char *iqn, uint32_t *tid, struct lm_err *err)
{
	struct lm_stack fresh;
	lm_hr hr;

	if (find_tid(t, iqn, tid) == 0)
		return LM_S_OK;
	hr = tgt_enumerate(&t->base, &fresh, err);
	if (lm_failed(hr))
		return hr;
	lm_stack_clear(&fresh);
	if (find_tid(t, iqn, tid) == 0)
		return LM_S_OK;
	return lm_err_set(err, LM_E_FAIL, "target %s is not in tgtd", iqn);
}

static lm_hr bind_initiators(struct tgt *t, const char *tidstr, const char *list,
			     struct lm_err *err)
{
	char *copy, *save = NULL;
	lm_hr hr = LM_S_OK;

	if (!list || !*list)
		return LM_S_OK;
	copy = strdup(list);
	if (!copy)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory");
	for (char *w = strtok_r(copy, ", ", &save); w && !lm_failed(hr);
	     w = strtok_r(NULL, ", ", &save)) {
		int by_name = strncmp(w, "iqn.", 4) == 0 || strncmp(w, "eui.", 4) == 0;
		const char *words[] = { "--op", "bind", "--mode", "target", "--tid", tidstr,
					by_name ? "-Q" : "-I", w, NULL };
		hr = tgtadm(t, words, NULL, err);
	}
	free(copy);
	return hr;
}

static lm_hr tgt_create_target(struct lm_backend *b, const struct lm_target *target,
			       struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	struct lm_stack fresh;
	uint32_t tid = 0;
	char tidstr[12];
	lm_hr hr = tgt_enumerate(b, &fresh, err);

	if (lm_failed(hr))
		return hr;
	lm_stack_clear(&fresh);
	for (size_t i = 0; i < t->known.ntargets; i++)
		if (t->tids[i] > tid)
			tid = t->tids[i];
	snprintf(tidstr, sizeof tidstr, "%u", tid + 1);
	{
		const char *words[] = { "--op", "new", "--mode", "target", "--tid", tidstr,
					"-T", target->iqn, NULL };
		hr = tgtadm(t, words, NULL, err);
	}
	if (lm_failed(hr))
		return hr;
	hr = bind_initiators(t, tidstr, target->initiators, err);
	if (lm_failed(hr)) {
		const char *words[] = { "--op", "delete", "--mode", "target", "--tid", tidstr, NULL };
		tgtadm(t, words, NULL, NULL);
		return hr;
	}
	/* learn the new tid */
	hr = tgt_enumerate(b, &fresh, err);
	lm_stack_clear(&fresh);
	return hr;
}

static lm_hr tgt_add_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
			const struct lm_lun *lun, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char tidstr[12], lunstr[12], hex[33], params[96];
	uint32_t tid;
	lm_hr hr = tid_of(t, target->iqn, &tid, err);

	if (lm_failed(hr))
		return hr;
	snprintf(tidstr, sizeof tidstr, "%u", tid);
	snprintf(lunstr, sizeof lunstr, "%u", number);
	lm_guid_hex(&lun->id, hex);
	/* the same identity on every target: multipath sees one disk */
	snprintf(params, sizeof params, "scsi_id=%s,scsi_sn=%s", hex, hex);
	{
		const char *words[] = { "--op", "new", "--mode", "logicalunit", "--tid", tidstr,
					"--lun", lunstr, "-b", lun->path, NULL };
		hr = tgtadm(t, words, NULL, err);
	}
	if (lm_failed(hr))
		return hr;
	{
		const char *words[] = { "--op", "update", "--mode", "logicalunit", "--tid", tidstr,
					"--lun", lunstr, "--params", params, NULL };
		hr = tgtadm(t, words, NULL, err);
	}
	if (lm_failed(hr)) {
		const char *words[] = { "--op", "delete", "--mode", "logicalunit", "--tid", tidstr,
					"--lun", lunstr, NULL };
		tgtadm(t, words, NULL, NULL);
	}
	return hr;
}

static lm_hr tgt_remove_lu(struct lm_backend *b, const struct lm_target *target, uint32_t number,
			   const struct lm_lun *lun, struct lm_err *err)
{
	struct tgt *t = tgt_of(b);
	char tidstr[12], lunstr[12];
	uint32_t tid;
	lm_hr hr = tid_of(t, target->iqn, &tid, err);

	(void)lun;
	if (lm_failed(hr))
		return hr;
	snprintf(tidstr, sizeof tidstr, "%u", tid);
	snprintf(lunstr, sizeof lunstr, "%u", number);
	const char *words[] = { "--op", "delete", "--mode", "logicalunit", "--tid", tidstr,
				"--lun", lunstr, NULL };
	return tgtadm(t, words, NULL, err);
}

static void tgt_destroy(struct lm_backend *b)
{
	struct tgt *t = tgt_of(b);

	lm_stack_clear(&t->known);
	free(t->tids);
	free(t);
}

static void tgt_set_timeout(struct lm_backend *b, unsigned timeout_ms)
{
	tgt_of(b)->conf.timeout_ms = timeout_ms ? timeout_ms : 10000;
}

static const struct lm_backend_ops tgt_ops = {
	.name = "tgt",
	.min_lun_number = 1,
	.enumerate = tgt_enumerate,
	.create_target = tgt_create_target,
	.add_lu = tgt_add_lu,
	.remove_lu = tgt_remove_lu,
	.destroy = tgt_destroy,
	.set_timeout = tgt_set_timeout,
};

struct lm_backend *lm_tgt_new(const struct lm_backend_conf *conf)
{
	struct tgt *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->base.ops = &tgt_ops;
	t->base.priv = t;
	t->conf = *conf;
	if (!t->conf.timeout_ms)
		t->conf.timeout_ms = 10000;
	snprintf(t->port, sizeof t->port, "%u", conf->control_port);
	return &t->base;
}
