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

#include "state.h"
#include "xml.h"

/* The intent of the change in progress (design §3), one line:
 *   LUN=T:N,T:N>T:N,... LUN=...>... #CHECK
 * each LUN's old set, '>', its new set; CHECK as in the journal. The file
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

static void put_set(FILE *f, const struct lm_assoc *v, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s%u:%u%s", k ? "," : "", v[k].index, v[k].number,
			v[k].readonly ? ":r" : "");
}

lm_hr lm_intent_write(int fd, const struct lm_intent_lun *v, size_t n, struct lm_err *err)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	lm_hr hr = LM_S_OK;
	ssize_t done;

	if (!f)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the intent record");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s%u=", i ? " " : "", v[i].lun);
		put_set(f, v[i].old, v[i].nold);
		fputc('>', f);
		put_set(f, v[i].new, v[i].nnew);
	}
	fflush(f);
	fprintf(f, " #%016" PRIx64 "\n", lm_journal_check(line, len));
	if (fclose(f) != 0 || !line) {
		free(line);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the intent record");
	}
	errno = 0;
	done = pwrite(fd, line, len, 0);
	if (done != (ssize_t)len) {
		/* a short write to a regular file is a full disk */
		if (done >= 0 && errno == 0)
			errno = ENOSPC;
		hr = failed(err, "write");
	}
	else if (ftruncate(fd, (off_t)len) != 0)
		hr = failed(err, "cut");
	else if (fdatasync(fd) != 0)
		hr = failed(err, "sync");
	free(line);
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

/* "T:N[:r],T:N" (possibly empty) into a new array; -1 when malformed. */
static int parse_set(char *s, struct lm_assoc **out, size_t *n)
{
	size_t cap = 1;
	char *save = NULL;

	for (const char *p = s; *p; p++)
		cap += *p == ',';
	*n = 0;
	*out = calloc(cap, sizeof **out);
	if (!*out)
		return -2;
	/* strict, as every number of the state files: "4294967297", "-1",
	 * "1junk" and ",," are damage, not numbers */
	if (*s == ',' || (*s && s[strlen(s) - 1] == ',') || strstr(s, ",,"))
		return -1;
	for (char *pair = strtok_r(s, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
		struct lm_assoc *l = &(*out)[*n];
		char *colon = strchr(pair, ':');
		char *flag = colon ? strchr(colon + 1, ':') : NULL;
		uint32_t number;
		if (flag && strcmp(flag, ":r") != 0)
			return -1;
		/* the bound first: l is only written within the array */
		if (*n >= cap || !colon || lm_xml_u32_n(pair, (size_t)(colon - pair), 1, UINT32_MAX - 1, &l->index) ||
		    lm_xml_u32_n(colon + 1, flag ? (size_t)(flag - colon - 1) : strlen(colon + 1), 1,
				 LM_MAX_LUN_NUMBER, &number))
			return -1;
		l->number = number;
		/* "T:N:r" is read-only; intents from before the flag have none */
		l->readonly = flag != NULL;
		(*n)++;
	}
	return 0;
}

static int parse_line(char *p, struct lm_intent *in)
{
	size_t cap = 1;
	char *save = NULL;

	for (const char *q = p; *q; q++)
		cap += *q == ' ';
	in->v = calloc(cap, sizeof *in->v);
	if (!in->v)
		return -2;
	for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct lm_intent_lun *l = &in->v[in->n];
		char *eq = strchr(tok, '='), *gt = eq ? strchr(eq, '>') : NULL;
		int rc;
		if (!gt || in->n >= cap)
			return -1;
		*eq = *gt = '\0';
		in->n++;
		if (lm_xml_u32_n(tok, strlen(tok), 1, UINT32_MAX - 1, &l->lun))
			return -1;
		if ((rc = parse_set(eq + 1, &l->old, &l->nold)) != 0 ||
		    (rc = parse_set(gt + 1, &l->new, &l->nnew)) != 0)
			return rc;
		if (!l->lun)
			return -1;
	}
	return 0;
}

lm_hr lm_intent_read(const char *dir, struct lm_intent *in, struct lm_err *err)
{
	char path[PATH_MAX], buf[1 << 16], *nl, *mark;
	uint64_t want;
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
		mark = strstr(p, " #");
		if (!mark || sscanf(mark + 2, "%" SCNx64, &want) != 1 ||
		    lm_journal_check(p, (size_t)(mark - p)) != want)
			goto out;
		*mark = '\0';
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
