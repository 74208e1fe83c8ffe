#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "state.h"

static lm_hr corrupt(struct lm_err *err, const char *path, int line, const char *why)
{
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "%s:%d: state file is corrupt (%s); fix or move it away, lunmapd will not replace it",
			  path, line, why);
}

static char *rattr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

static int rnum(xmlTextReaderPtr r, const char *name, uint32_t *out)
{
	char *v = rattr(r, name), *end;
	unsigned long n;
	int rc = -1;

	if (!v)
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (!errno && *v && !*end && n <= UINT32_MAX) {
		*out = (uint32_t)n;
		rc = 0;
	}
	free(v);
	return rc;
}

static int rguid(xmlTextReaderPtr r, lm_guid *out)
{
	char *v = rattr(r, "id");
	int rc = v ? lm_guid_parse(v, out) : -1;

	free(v);
	return rc;
}

static int push(void **v, size_t *n, size_t size)
{
	void *nv = realloc(*v, (*n + 1) * size);

	if (!nv)
		return -1;
	*v = nv;
	memset((char *)nv + *n * size, 0, size);
	(*n)++;
	return 0;
}

/* Returns NULL on success or the reason the element is wrong. */
static const char *read_element(xmlTextReaderPtr r, struct lm_state *st, int *oom)
{
	const char *name = (const char *)xmlTextReaderConstLocalName(r);

	if (strcmp(name, "lunmap-state") == 0) {
		char *gen = rattr(r, "generation");
		st->generation = gen ? strtoull(gen, NULL, 10) : 0;
		free(gen);
		if (rnum(r, "next-lun-index", &st->next_lun_index) ||
		    rnum(r, "next-target-index", &st->next_target_index))
			return "missing next indexes";
		return NULL;
	}
	if (strcmp(name, "target") == 0) {
		struct lm_state_target *t;
		char *disc;
		if ((*oom = push((void **)&st->targets, &st->ntargets, sizeof *t)))
			return "no memory";
		t = &st->targets[st->ntargets - 1];
		t->iqn = rattr(r, "iqn");
		t->alias = rattr(r, "alias");
		disc = rattr(r, "discovered");
		t->discovered = disc && strcmp(disc, "1") == 0;
		free(disc);
		if (rnum(r, "index", &t->index) || !t->index || rguid(r, &t->id) || !t->iqn)
			return "bad target";
		return NULL;
	}
	if (strcmp(name, "lun") == 0) {
		struct lm_state_lun *l;
		if ((*oom = push((void **)&st->luns, &st->nluns, sizeof *l)))
			return "no memory";
		l = &st->luns[st->nluns - 1];
		l->path = rattr(r, "path");
		l->name = rattr(r, "name");
		if (rnum(r, "index", &l->index) || !l->index || rguid(r, &l->id) || !l->path)
			return "bad lun";
		return NULL;
	}
	if (strcmp(name, "assoc") == 0) {
		struct lm_state_assoc *a;
		if ((*oom = push((void **)&st->assocs, &st->nassocs, sizeof *a)))
			return "no memory";
		a = &st->assocs[st->nassocs - 1];
		if (rnum(r, "lun", &a->lun) || rnum(r, "target", &a->target) ||
		    rnum(r, "number", &a->number) || a->number > LM_MAX_LUN_NUMBER)
			return "bad assoc";
		return NULL;
	}
	if (strcmp(name, "tomb") == 0) {
		struct lm_tomb *t;
		char *kind;
		if ((*oom = push((void **)&st->tombs, &st->ntombs, sizeof *t)))
			return "no memory";
		t = &st->tombs[st->ntombs - 1];
		t->key = rattr(r, "key");
		kind = rattr(r, "kind");
		t->kind = !kind ? LM_KIND_NONE
			  : strcmp(kind, "lun") == 0 ? LM_KIND_LUN
			  : strcmp(kind, "target") == 0 ? LM_KIND_TARGET : LM_KIND_NONE;
		free(kind);
		if (rguid(r, &t->id) || t->kind == LM_KIND_NONE)
			return "bad tomb";
		return NULL;
	}
	return "unknown element";
}

lm_hr lm_state_load(const char *dir, struct lm_state **out, struct lm_err *err)
{
	char path[PATH_MAX];
	xmlTextReaderPtr r = NULL;
	struct lm_state *st;
	lm_hr hr = LM_S_OK;
	int ret, seen_root = 0, oom = 0;

	*out = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	st = calloc(1, sizeof *st);
	if (!st)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the state");
	st->next_lun_index = st->next_target_index = 1;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		goto done;
	r = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r) {
		hr = corrupt(err, path, 0, strerror(errno));
		goto out;
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		const char *why;
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		if (!seen_root++ &&
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "lunmap-state") != 0) {
			hr = corrupt(err, path, xmlTextReaderGetParserLineNumber(r), "not a lunmap state file");
			goto out;
		}
		why = read_element(r, st, &oom);
		if (oom) {
			hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path);
			goto out;
		}
		if (why) {
			hr = corrupt(err, path, xmlTextReaderGetParserLineNumber(r), why);
			goto out;
		}
	}
	if (ret != 0 || !seen_root) {
		hr = corrupt(err, path, xmlTextReaderGetParserLineNumber(r),
			     "not well-formed XML, or truncated");
		goto out;
	}
	hr = lm_journal_replay(dir, st, err);
	if (lm_failed(hr))
		goto out;
done:
	*out = st;
	st = NULL;
out:
	if (r)
		xmlFreeTextReader(r);
	lm_state_free(st);
	return hr;
}

void lm_state_free(struct lm_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ntargets; i++) {
		free(st->targets[i].iqn);
		free(st->targets[i].alias);
	}
	for (size_t i = 0; i < st->nluns; i++) {
		free(st->luns[i].path);
		free(st->luns[i].name);
	}
	for (size_t i = 0; i < st->ntombs; i++)
		free(st->tombs[i].key);
	free(st->targets);
	free(st->luns);
	free(st->assocs);
	free(st->tombs);
	free(st);
}

static void put_attr(FILE *f, const char *name, const char *v)
{
	if (!v)
		return;
	fprintf(f, " %s=\"", name);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20)
			fprintf(f, "&#%u;", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_id(FILE *f, const lm_guid *id)
{
	char s[LM_GUID_STRLEN + 1];

	lm_guid_format(id, s);
	fprintf(f, " id=\"%s\"", s);
}

static void write_model(FILE *f, const struct lm_model *m, uint64_t generation)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fputs("<lunmap-state xmlns=\"urn:lunmap:state:1\"", f);
	put_attr(f, "subsystem", m->name);
	fprintf(f, " generation=\"%llu\"", (unsigned long long)generation);
	fprintf(f, " next-lun-index=\"%u\" next-target-index=\"%u\">\n", m->next_lun_index,
		m->next_target_index);
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct lm_target *t = m->targets[i];
		fprintf(f, "<target index=\"%u\"", t->index);
		put_id(f, &t->id);
		put_attr(f, "iqn", t->iqn);
		put_attr(f, "alias", t->alias);
		if (t->discovered)
			fputs(" discovered=\"1\"", f);
		fputs("/>\n", f);
	}
	for (size_t i = 0; i < m->nluns; i++) {
		const struct lm_lun *l = m->luns[i];
		fprintf(f, "<lun index=\"%u\"", l->index);
		put_id(f, &l->id);
		put_attr(f, "path", l->path);
		put_attr(f, "name", l->name);
		fputs("/>\n", f);
	}
	for (size_t i = 0; i < m->nluns; i++) {
		const struct lm_lun *l = m->luns[i];
		for (size_t j = 0; j < l->links.n; j++)
			fprintf(f, "<assoc lun=\"%u\" target=\"%u\" number=\"%u\"/>\n", l->index,
				l->links.v[j].index, l->links.v[j].number);
	}
	for (size_t i = 0; i < m->ntombs; i++) {
		fputs("<tomb", f);
		put_id(f, &m->tombs[i].id);
		fputs(m->tombs[i].kind == LM_KIND_LUN ? " kind=\"lun\"" : " kind=\"target\"", f);
		put_attr(f, "key", m->tombs[i].key);
		fputs("/>\n", f);
	}
	fputs("</lunmap-state>\n", f);
}

lm_hr lm_state_save(const char *dir, const struct lm_model *m, uint64_t generation, long *size,
		    struct lm_err *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	FILE *f = NULL;
	int fd = -1, dfd = -1;
	lm_hr hr = LM_S_OK;

	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, LM_STATE_FILE);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	write_model(f, m, generation);
	if (size)
		*size = ftell(f);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot rename %s to %s: %s", tmp, path,
				strerror(errno));
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* the new snapshot is in place but may not survive a crash: the
	 * caller must go on as if either one could come back */
	if (dfd < 0 || fsync(dfd) != 0)
		hr = lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
				"%s is replaced, but cannot sync folder %s: %s", path, dir,
				strerror(errno));
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (lm_failed(hr) && hr != LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		unlink(tmp);
	return hr;
}

lm_hr lm_state_lock(const char *dir, int *fd, struct lm_err *err)
{
	char path[PATH_MAX];

	*fd = -1;
	snprintf(path, sizeof path, "%s/lock", dir);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return lm_err_set(err, lm_hr_from_errno(errno), "cannot open lock %s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return LM_S_OK;
	close(*fd);
	*fd = -1;
	if (errno == EWOULDBLOCK)
		return lm_err_set(err, LM_VDS_E_ANOTHER_CALL_IN_PROGRESS,
				  "another process holds the lock of %s", dir);
	return lm_err_set(err, lm_hr_from_errno(errno), "cannot lock %s: %s", path, strerror(errno));
}
