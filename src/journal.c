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

/* A record is one line:
 *   GENERATION LUN=TARGET:NUMBER,... LUN=... #CHECK
 * with CHECK the FNV-1a hash of everything before " #", in hex. */

uint64_t lm_journal_check(const char *s, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

static lm_hr failed(struct lm_err *err, const char *what)
{
	return lm_err_set(err, LM_E_FAIL, "state journal: cannot %s: %s", what, strerror(errno));
}

lm_hr lm_journal_open(const char *dir, struct lm_journal *j, struct lm_err *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, LM_JOURNAL_FILE);
	j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return failed(err, "open");
	j->bytes = (long)lseek(j->fd, 0, SEEK_END);
	return LM_S_OK;
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
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	lm_hr hr = LM_S_OK;
	ssize_t done;

	if (!f)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for a journal record");
	fprintf(f, "%" PRIu64, generation);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, " %u=", luns[i]->index);
		for (size_t k = 0; k < luns[i]->links.n; k++)
			fprintf(f, "%s%u:%u", k ? "," : "", luns[i]->links.v[k].index,
				luns[i]->links.v[k].number);
	}
	fflush(f);
	fprintf(f, " #%016" PRIx64 "\n", lm_journal_check(line, len));
	if (fclose(f) != 0 || !line) {
		free(line);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for a journal record");
	}
	done = write(j->fd, line, len);
	if (done != (ssize_t)len) {
		/* a short write leaves a torn record, which loading ignores;
		 * cut it off now so that the next one starts on a fresh line */
		hr = failed(err, "write");
		if (done > 0 && ftruncate(j->fd, j->bytes) != 0)
			hr = failed(err, "cut a torn record");
	} else if (fdatasync(j->fd) != 0) {
		hr = failed(err, "sync");
	} else {
		j->bytes += (long)len;
	}
	free(line);
	return hr;
}

lm_hr lm_journal_reset(struct lm_journal *j, struct lm_err *err)
{
	if (ftruncate(j->fd, 0) != 0 || fsync(j->fd) != 0)
		return failed(err, "empty");
	j->bytes = 0;
	return LM_S_OK;
}
