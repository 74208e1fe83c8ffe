/* SPDX-License-Identifier: BSD-3-Clause */
/* Who the ACLs refused, from the kernel log (lio.h says why there). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lio.h"
#include "vec.h"

void lm_lio_refusals_open(struct lm_lio_refusals *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (r->fd >= 0 && lseek(r->fd, 0, SEEK_END) < 0) {
		close(r->fd);
		r->fd = -1;
	}
}

void lm_lio_refusals_close(struct lm_lio_refusals *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->names);
	free(r->seen);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

int lm_lio_parse_refusal(const char *rec, size_t n, char name[LM_OBS_NAME_MAX + 1])
{
	static const char head[] = "iSCSI Initiator Node: ",
			  tail[] = " is not authorized to access iSCSI target portal group: ";
	const char *msg = memchr(rec, ';', n), *end, *t;

	/* /dev/kmsg: "prio,seq,usec,flags;message\n" then the record's
	 * dictionary; the kernel escapes a non-printable byte as \xNN */
	if (!msg)
		return -1;
	msg++;
	end = memchr(msg, '\n', (size_t)(rec + n - msg));
	end = end ? end : rec + n;
	if ((size_t)(end - msg) < sizeof head - 1 || memcmp(msg, head, sizeof head - 1) != 0)
		return -1;
	msg += sizeof head - 1;
	/* the name is the initiator's text: the tail is searched from the
	 * end, and a name with a space in it is no name */
	t = lm_lio_find_last(msg, (size_t)(end - msg), tail);
	if (!t)
		return -1;
	return lm_obs_name(name, msg, (size_t)(t - msg)) ? 0 : -1;
}

static void read_records(struct lm_lio_refusals *r)
{
	char rec[8192], name[LM_OBS_NAME_MAX + 1];

	for (int i = 0; r->fd >= 0 && i < 10000; i++) {
		ssize_t n = read(r->fd, rec, sizeof rec);
		if (n < 0 && errno == EPIPE)
			continue; /* records were overwritten: the next ones follow */
		if (n <= 0)
			break;
		if (lm_lio_parse_refusal(rec, (size_t)n, name) != 0)
			continue;
		if (lm_grow((void **)&r->names, &r->cap, r->n + 1, sizeof *r->names))
			break;
		memcpy(r->names[r->n++], name, sizeof name);
	}
}

void lm_lio_refusals_match(struct lm_lio_refusals *r, const char *iqn, struct lm_obs_stats *s)
{
	struct lm_lio_refused *seen = NULL;
	uint64_t grew;
	bool same = true;

	/* the counters were read before: a refusal's record comes before its
	 * count, so the records read now hold every refusal counted */
	read_records(r);
	for (size_t i = 0; i < r->nseen && !seen; i++)
		if (strcmp(r->seen[i].iqn, iqn) == 0)
			seen = &r->seen[i];
	if (!seen) {
		if (!s->login_known || strlen(iqn) > LM_OBS_NAME_MAX ||
		    lm_grow((void **)&r->seen, &r->capseen, r->nseen + 1, sizeof *r->seen))
			return;
		seen = &r->seen[r->nseen++];
		snprintf(seen->iqn, sizeof seen->iqn, "%s", iqn);
		seen->authorize_fails = s->authorize_fails;
		return;
	}
	grew = s->login_known && s->authorize_fails > seen->authorize_fails
		       ? s->authorize_fails - seen->authorize_fails : 0;
	if (s->login_known)
		seen->authorize_fails = s->authorize_fails;
	if (!grew)
		return;
	for (size_t i = 1; i < r->n; i++)
		same &= strcmp(r->names[i], r->names[0]) == 0;
	if (r->n == grew && same && !s->fail_name[0])
		memcpy(s->fail_name, r->names[0], sizeof s->fail_name);
	/* matched or not, these records are spent: another target's
	 * refusals among them made them ambiguous */
	r->n = 0;
}
