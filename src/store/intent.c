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
#include "vec.h"

/* The intent of the change in progress (design §3), one line (record.h):
 *   LUN=OLDSET>NEWSET LUN=OLDSET>NEWSET... #CHECK The file
 * stays in place between changes: recovery is idempotent (it brings the
 * named LUNs to what the state says), so a completed change needs no
 * second fsync to mark it done. */

static lm_hr failed(struct lm_err *err, const char *what)
{
	return lm_err_set(err, lm_hr_from_errno(errno), "intent file: cannot %s: %s", what,
			  errno ? strerror(errno) : "short write");
}

lm_hr lm_intent_open(const char *dir, int *fd, struct lm_err *err)
{
	char path[PATH_MAX];
	int dfd;

	snprintf(path, sizeof path, "%s/%s", dir, LM_INTENT_FILE);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return failed(err, "open");
	/* the name must survive a crash before the first record does */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		lm_hr hr = failed(err, "sync the state folder");
		if (dfd >= 0)
			close(dfd);
		close(*fd);
		*fd = -1;
		return hr;
	}
	close(dfd);
	return LM_S_OK;
}

lm_hr lm_intent_write(int fd, const struct lm_intent_lun *v, size_t n, struct lm_err *err)
{
	struct lm_record r;
	lm_hr hr = LM_S_OK;
	ssize_t done;

	if (!lm_record_open(&r))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the intent record");
	for (size_t i = 0; i < n; i++) {
		fprintf(r.f, "%s%u=", i ? " " : "", v[i].lun);
		lm_record_put_set(r.f, v[i].old, v[i].nold);
		fputc('>', r.f);
		lm_record_put_set(r.f, v[i].new, v[i].nnew);
	}
	if (!lm_record_close(&r))
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the intent record");
	errno = 0;
	done = pwrite(fd, r.text, r.len, 0);
	if (done != (ssize_t)r.len) {
		/* a short write to a regular file is a full disk */
		if (done >= 0 && errno == 0)
			errno = ENOSPC;
		hr = failed(err, "write");
	}
	else if (ftruncate(fd, (off_t)r.len) != 0)
		hr = failed(err, "cut");
	else if (fdatasync(fd) != 0)
		hr = failed(err, "sync");
	free(r.text);
	return hr;
}

lm_hr lm_intent_clear(int fd, struct lm_err *err)
{
	errno = 0;
	if (ftruncate(fd, 0) != 0 || fdatasync(fd) != 0)
		return failed(err, "empty");
	return LM_S_OK;
}

void lm_intent_free(struct lm_intent *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->v[i].old);
		free(in->v[i].new);
	}
	free(in->v);
	memset(in, 0, sizeof *in);
}

/* A set up to end into a new array; -1 when malformed, -2 without
 * memory. */
static int take_set(const char **pp, char end, struct lm_assoc **out, size_t *n)
{
	size_t cap = 0;
	struct lm_assoc a;
	int rc;

	while ((rc = lm_record_pair(pp, end, &a)) == 1) {
		if (lm_grow((void **)out, &cap, *n + 1, sizeof **out))
			return -2;
		(*out)[(*n)++] = a;
	}
	return rc;
}

static int parse_lun(const char **pp, struct lm_intent_lun *l)
{
	int rc;

	if (lm_record_number(pp, "=", 1, UINT32_MAX - 1, &l->lun) || *(*pp)++ != '=')
		return -1;
	if ((rc = take_set(pp, '>', &l->old, &l->nold)) != 0)
		return rc;
	if (*(*pp)++ != '>')
		return -1;
	return take_set(pp, ' ', &l->new, &l->nnew);
}

static int parse_line(const char *p, struct lm_intent *in)
{
	size_t cap = 1;
	int rc;

	for (const char *q = p; *q; q++)
		cap += *q == ' ';
	in->v = calloc(cap, sizeof *in->v);
	if (!in->v)
		return -2;
	while (*p) {
		/* counted before it is read: lm_intent_free frees what it took */
		if (in->n >= cap)
			return -1;
		rc = parse_lun(&p, &in->v[in->n++]);
		if (rc)
			return rc;
		if (*p && (*p++ != ' ' || !*p))
			return -1;
	}
	return 0;
}

lm_hr lm_intent_read(const char *dir, struct lm_intent *in, struct lm_err *err)
{
	char path[PATH_MAX], buf[1 << 16], *nl;
	ssize_t len;
	int fd, rc;
	char *big = NULL;
	lm_hr hr = LM_S_OK;

	memset(in, 0, sizeof *in);
	snprintf(path, sizeof path, "%s/%s", dir, LM_INTENT_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? LM_S_OK : failed(err, "open");
	{
		off_t size = lseek(fd, 0, SEEK_END);
		char *p = size >= (off_t)sizeof buf ? (big = malloc((size_t)size + 1)) : buf;
		if (!p) {
			close(fd);
			return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path);
		}
		len = pread(fd, p, (size_t)size, 0);
		close(fd);
		if (len < 0)
			return free(big), failed(err, "read");
		p[len] = '\0';
		/* no newline or a wrong check: torn while being written, so
		 * no stack step of that change was made */
		if (!(nl = strchr(p, '\n')))
			goto out;
		*nl = '\0';
		if (!lm_record_unseal(p))
			goto out;
		rc = parse_line(p, in);
		if (rc == -2)
			hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path);
		else if (rc)
			hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
					"%s: the intent record is malformed", path);
	}
out:
	if (lm_failed(hr))
		lm_intent_free(in);
	free(big);
	return hr;
}
