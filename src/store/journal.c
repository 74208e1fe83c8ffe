/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "state.h"
#include "valid.h"
#include "vec.h"

/* A record is one line (record.h):
 *   GENERATION LUN=SET LUN=SET... #CHECK */

static lm_hr corrupt(struct lm_err *err, const char *path, size_t line, const char *why)
{
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "%s:%zu: state journal is corrupt (%s); fix or move it away, lunmapd will not replace it",
			  path, line, why);
}

static lm_hr failed(struct lm_err *err, const char *what)
{
	return lm_err_set(err, lm_hr_from_errno(errno), "state journal: cannot %s: %s", what,
			  errno ? strerror(errno) : "no error reported");
}

/* A record that may or may not be on disk: the caller cannot say
 * "nothing changed". */
static lm_hr unknown(struct lm_err *err, const char *what, const char *then)
{
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "state journal: cannot %s, and cannot %s: %s; the record may or may not be on disk",
			  what, then, strerror(errno));
}

/* A crash in the middle of a write leaves a last record without its
 * newline (never acknowledged): cut it off before appending, or the next
 * record would continue its line and look damaged. */
static lm_hr cut_torn_tail(struct lm_journal *j, struct lm_err *err)
{
	char buf[4096];
	long end = j->bytes;

	while (end > 0) {
		long from = end > (long)sizeof buf ? end - (long)sizeof buf : 0;
		ssize_t got = pread(j->fd, buf, (size_t)(end - from), from);
		if (got != end - from)
			return failed(err, "read");
		for (long i = got; i-- > 0;)
			if (buf[i] == '\n') {
				end = from + i + 1;
				goto cut;
			}
		end = from;
	}
cut:
	if (end == j->bytes)
		return LM_S_OK;
	if (ftruncate(j->fd, end) != 0 || fdatasync(j->fd) != 0)
		return failed(err, "cut a torn record");
	j->bytes = end;
	return LM_S_OK;
}

lm_hr lm_journal_open(const char *dir, struct lm_journal *j, struct lm_err *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, LM_JOURNAL_FILE);
	j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return failed(err, "open");
	j->bytes = (long)lseek(j->fd, 0, SEEK_END);
	return cut_torn_tail(j, err);
}

void lm_journal_close(struct lm_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

lm_hr lm_journal_append(struct lm_journal *j, uint64_t generation, const struct lm_lun *const *luns,
			size_t n, struct lm_err *err)
{
	struct lm_record r;
	lm_hr hr = LM_S_OK;
	ssize_t done;

	if (!lm_record_open(&r))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for a journal record");
	fprintf(r.f, "%" PRIu64, generation);
	for (size_t i = 0; i < n; i++) {
		fprintf(r.f, " %u=", luns[i]->index);
		lm_record_put_set(r.f, luns[i]->links.v, luns[i]->links.n);
	}
	if (!lm_record_close(&r))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for a journal record");
	errno = 0;
	done = write(j->fd, r.text, r.len);
	if (done != (ssize_t)r.len) {
		/* a short write (a full disk sets no errno) leaves a torn
		 * record: cut it off so that the next one starts on a fresh
		 * line; a short write to a regular file is a full disk (or
		 * quota), say so in the code too */
		if (done >= 0 && errno == 0)
			errno = ENOSPC;
		hr = failed(err, "write the whole record");
		if (done > 0 && ftruncate(j->fd, j->bytes) != 0)
			hr = unknown(err, "write", "cut the torn record");
	} else if (fdatasync(j->fd) != 0) {
		/* the record may reach the disk later, and a restart would
		 * replay a change the caller rolls back: take it out, durably */
		int e = errno;
		if (ftruncate(j->fd, j->bytes) != 0 || fdatasync(j->fd) != 0)
			hr = unknown(err, "sync", "take the record out again");
		else {
			errno = e;
			hr = failed(err, "sync (the record was taken out again)");
		}
	} else {
		j->bytes += (long)r.len;
	}
	free(r.text);
	return hr;
}

lm_hr lm_journal_reset(struct lm_journal *j, struct lm_err *err)
{
	if (ftruncate(j->fd, 0) != 0 || fsync(j->fd) != 0)
		return failed(err, "empty");
	j->bytes = 0;
	return LM_S_OK;
}

/* One LUN's set from the journal: pool[start..start+n) */
struct jentry {
	uint32_t lun;
	size_t seq, start, n;
};

struct jread {
	struct jentry *e;
	size_t ne, cape;
	struct lm_state_assoc *pool;
	size_t npool, cappool;
};

static int jentry_lun_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, l = ((const struct jentry *)elem)->lun;

	return k < l ? -1 : k > l;
}

static int jentry_cmp(const void *a, const void *b)
{
	const struct jentry *x = a, *y = b;

	if (x->lun != y->lun)
		return x->lun < y->lun ? -1 : 1;
	return x->seq > y->seq ? -1 : x->seq < y->seq; /* latest first */
}

/* One " LUN=SET" of a record; -1 when malformed, -2 without memory. */
static int parse_set(const char **pp, size_t seq, struct jread *jr)
{
	const char *p = *pp;
	struct jentry *e;
	struct lm_assoc a;
	int rc;

	if (lm_grow((void **)&jr->e, &jr->cape, jr->ne + 1, sizeof *jr->e))
		return -2;
	e = &jr->e[jr->ne++];
	*e = (struct jentry){ .seq = seq, .start = jr->npool };
	if (lm_record_number(&p, "=", 1, UINT32_MAX - 1, &e->lun) || *p++ != '=')
		return -1;
	while ((rc = lm_record_pair(&p, ' ', &a)) == 1) {
		if (lm_grow((void **)&jr->pool, &jr->cappool, jr->npool + 1, sizeof *jr->pool))
			return -2;
		jr->pool[jr->npool++] = (struct lm_state_assoc){
			.lun = e->lun, .target = a.index, .number = a.number, .readonly = a.readonly
		};
		e->n++;
	}
	if (rc < 0)
		return -1;
	*pp = p;
	return 0;
}

/* The sets of one record after its generation; -1 malformed, -2 no memory. */
static int parse_record(const char *p, size_t seq, struct jread *jr)
{
	if (!*p)
		return -1; /* a record names at least one LUN */
	while (*p) {
		int rc;
		if (*p++ != ' ')
			return -1;
		rc = parse_set(&p, seq, jr);
		if (rc)
			return rc;
	}
	return 0;
}

/* Replaces the snapshot's associations of every LUN the journal names by
 * the latest set it recorded. */
static lm_hr merge_journal(struct lm_state *st, struct jread *jr, struct lm_err *err)
{
	struct lm_state_assoc *v;
	size_t n = 0, latest = 0;

	qsort(jr->e, jr->ne, sizeof *jr->e, jentry_cmp);
	for (size_t i = 0; i < jr->ne; i++)
		if (i == 0 || jr->e[i].lun != jr->e[i - 1].lun)
			jr->e[latest++] = jr->e[i];
	jr->ne = latest;
	v = malloc((st->nassocs + jr->npool + 1) * sizeof *v);
	if (!v)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read the state journal");
	for (size_t i = 0; i < st->nassocs; i++) {
		/* is this LUN in the journal? */
		size_t at = lm_lower_bound(jr->e, jr->ne, sizeof *jr->e, &st->assocs[i].lun, jentry_lun_cmp);
		if (at >= jr->ne || jr->e[at].lun != st->assocs[i].lun)
			v[n++] = st->assocs[i];
	}
	for (size_t i = 0; i < jr->ne; i++)
		for (size_t k = 0; k < jr->e[i].n; k++)
			v[n++] = jr->pool[jr->e[i].start + k];
	free(st->assocs);
	st->assocs = v;
	st->nassocs = n;
	return LM_S_OK;
}

/* read(2), not stdio: fread reports an error as a short count, which a
 * loop cannot tell from the end of the file, and a journal cut there
 * replays as shorter history (the cut record passes for a torn one). */
char *lm_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	int e;

	*len = 0;
	if (fd < 0)
		return NULL;
	for (;;) {
		if (*len + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 131072);
			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		got = read(fd, buf + *len, 65536);
		if (got == 0)
			break;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		*len += (size_t)got;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
fail:
	e = errno ? errno : EIO;
	free(buf);
	close(fd);
	*len = 0;
	errno = e;
	return NULL;
}

/* One whole record (its newline replaced by a NUL): checked, then taken
 * into jr when it follows the snapshot. */
static lm_hr replay_record(char *p, bool last, size_t seq, const struct lm_state *st,
			   struct jread *jr, const char *path, struct lm_err *err)
{
	unsigned long long gen;
	size_t gen_len;
	int rc;

	/* a record that ends in its newline was written whole: a wrong check
	 * there is damage, not a crash (a torn last record has no newline and
	 * was never acknowledged) */
	if (!lm_record_unseal(p))
		return corrupt(err, path, seq + 1,
			       last ? "the last record is damaged" : "a record is damaged");
	gen_len = strcspn(p, " ");
	if (!lm_parse_u64(p, gen_len, UINT64_MAX, &gen))
		return corrupt(err, path, seq + 1, "a record is malformed");
	/* a record newer than the snapshot follows a snapshot whose rename
	 * was not made durable (see lm_store_compact) */
	if (gen < st->generation)
		return LM_S_OK;
	rc = parse_record(p + gen_len, seq, jr);
	if (rc == -2)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path);
	return rc ? corrupt(err, path, seq + 1, "a record is malformed") : LM_S_OK;
}

lm_hr lm_journal_replay(const char *dir, struct lm_state *st, struct lm_err *err)
{
	char path[PATH_MAX], *buf, *p;
	struct jread jr = { 0 };
	size_t len, seq = 0;
	lm_hr hr = LM_S_OK;

	snprintf(path, sizeof path, "%s/%s", dir, LM_JOURNAL_FILE);
	buf = lm_read_file(path, &len);
	if (!buf)
		return errno == ENOENT ? LM_S_OK
				       : lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
						    "%s: cannot read: %s; lunmapd does not start on part of "
						    "its history", path, strerror(errno));
	for (p = buf; *p && !lm_failed(hr); seq++) {
		char *nl = strchr(p, '\n');
		if (!nl)
			break; /* torn last record: never acknowledged */
		*nl = '\0';
		hr = replay_record(p, !nl[1], seq, st, &jr, path, err);
		p = nl + 1;
	}
	if (lm_failed(hr))
		goto out;
	if (jr.ne)
		hr = merge_journal(st, &jr, err);
	if (!lm_failed(hr)) {
		int oom = 0;
		const char *why = lm_state_check_assocs(st->assocs, st->nassocs, &oom);
		if (why)
			hr = oom ? lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path)
				 : corrupt(err, path, seq, why);
	}
out:
	free(jr.e);
	free(jr.pool);
	free(buf);
	return hr;
}
