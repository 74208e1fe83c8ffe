/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>

#include "iqn.h"
#include "hash.h"
#include "state.h"
#include "valid.h"
#include "xml.h"

static lm_hr corrupt(struct lm_err *err, const char *path, int line, const char *why)
{
	return lm_err_set(err, LM_VDS_E_PROVIDER_CACHE_CORRUPT,
			  "%s:%d: state file is corrupt (%s); fix or move it away, lunmapd will not replace it",
			  path, line, why);
}

static char *rattr(xmlTextReaderPtr r, const char *name)
{
	return lm_xml_take(xmlTextReaderGetAttribute(r, (const xmlChar *)name));
}

/* Every number is strict decimal: "1junk", " 1", "+1" and "01" are damage. */
static int rnum(xmlTextReaderPtr r, const char *name, uint32_t min, uint32_t max, uint32_t *out)
{
	char *v = rattr(r, name);
	int rc = lm_xml_u32(v, min, max, out);

	free(v);
	return rc;
}

/* access="readOnly" marks a read-only association; none (the files
 * written before the flag) is read-write; anything else is damage. */
static int raccess(xmlTextReaderPtr r, bool *readonly)
{
	char *v = rattr(r, "access");
	int rc = 0;

	*readonly = v && strcmp(v, "readOnly") == 0;
	if (v && !*readonly && strcmp(v, "readWrite") != 0)
		rc = -1;
	free(v);
	return rc;
}

static int rguid(xmlTextReaderPtr r, lm_guid *out)
{
	char *v = rattr(r, "id");
	int rc = v ? lm_guid_parse(v, out) : -1;

	free(v);
	return rc || lm_guid_is_nil(out) ? -1 : 0;
}

static bool text_ok(const char *s)
{
	return !s || lm_valid_text(s, 4096, NULL);
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

static const char *read_root(xmlTextReaderPtr r, struct lm_state *st)
{
	char *gen = rattr(r, "generation");
	unsigned long long g = 0;
	bool ok = !gen || lm_parse_u64(gen, strlen(gen), UINT64_MAX, &g);

	free(gen);
	if (!ok)
		return "bad generation";
	st->generation = g;
	/* indexes are 1 to UINT32_MAX - 1, so next is at most UINT32_MAX */
	if (rnum(r, "next-lun-index", 1, UINT32_MAX, &st->next_lun_index) ||
	    rnum(r, "next-target-index", 1, UINT32_MAX, &st->next_target_index))
		return "missing next indexes";
	return NULL;
}

static const char *read_target(xmlTextReaderPtr r, struct lm_state *st, int *oom)
{
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
	if (rnum(r, "index", 1, UINT32_MAX - 1, &t->index) || rguid(r, &t->id) || !t->iqn ||
	    !lm_iqn_valid(t->iqn, NULL) || !text_ok(t->alias) || t->index >= st->next_target_index)
		return "bad target";
	return NULL;
}

/* detail: room for a reason that names the LUN (LM_ERR_MSG_MAX bytes) */
static const char *read_lun(xmlTextReaderPtr r, struct lm_state *st, int *oom, char *detail)
{
	struct lm_state_lun *l;
	const char *why;
	size_t at;

	if ((*oom = push((void **)&st->luns, &st->nluns, sizeof *l)))
		return "no memory";
	l = &st->luns[st->nluns - 1];
	l->path = rattr(r, "path");
	l->name = rattr(r, "name");
	if (rnum(r, "index", 1, UINT32_MAX - 1, &l->index) || rguid(r, &l->id) || !l->path ||
	    !text_ok(l->name) || l->index >= st->next_lun_index)
		return "bad lun";
	/* a path that would be read as an option is never used, whoever
	 * wrote it here (design §5, untrusted bytes) */
	if (!lm_valid_request_value(l->path, &why, &at)) {
		snprintf(detail, LM_ERR_MSG_MAX, "the path of LUN %u: byte %zu is %s", l->index,
			 at + 1, why);
		return detail;
	}
	if (!lm_valid_path(l->path, &why)) {
		snprintf(detail, LM_ERR_MSG_MAX, "the path of LUN %u is refused: %s", l->index, why);
		return detail;
	}
	return NULL;
}

static const char *read_element(xmlTextReaderPtr r, struct lm_state *st, int *oom, char *detail)
{
	const char *name = (const char *)xmlTextReaderConstLocalName(r);

	if (strcmp(name, "lunmap-state") == 0)
		return read_root(r, st);
	if (strcmp(name, "target") == 0)
		return read_target(r, st, oom);
	if (strcmp(name, "lun") == 0)
		return read_lun(r, st, oom, detail);
	if (strcmp(name, "assoc") == 0) {
		struct lm_state_assoc *a;
		if ((*oom = push((void **)&st->assocs, &st->nassocs, sizeof *a)))
			return "no memory";
		a = &st->assocs[st->nassocs - 1];
		if (rnum(r, "lun", 1, UINT32_MAX - 1, &a->lun) ||
		    rnum(r, "target", 1, UINT32_MAX - 1, &a->target) ||
		    rnum(r, "number", 1, LM_MAX_LUN_NUMBER, &a->number) ||
		    raccess(r, &a->readonly))
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
		if (rguid(r, &t->id) || t->kind == LM_KIND_NONE || !text_ok(t->key))
			return "bad tomb";
		return NULL;
	}
	return "unknown element";
}

/* The snapshot ends with a line "<!-- check XXXXXXXXXXXXXXXX -->", the
 * FNV-1a hash of every byte before it: damage that still parses (a digit
 * of a generation, an index) is caught, not believed. */
#define CHECK_FMT "<!-- check %016" PRIx64 " -->\n"
#define CHECK_LEN 32

/* The snapshot as the reader takes it from the file: every byte hashed
 * as it passes except the last CHECK_LEN seen, the check line's place, so
 * that the file is never held whole (a 100k LUN snapshot is megabytes). */
struct feed {
	int fd;
	int error; /* errno of a failed read, 0 when none */
	uint64_t hash;
	size_t len;
	size_t ntail;
	char tail[CHECK_LEN];
};

static void hash_bytes(struct feed *f, const char *p, size_t n)
{
	f->hash = lm_fnv1a_more(f->hash, p, n);
}

static void feed_take(struct feed *f, const char *p, size_t n)
{
	size_t over;

	f->len += n;
	if (n >= CHECK_LEN) {
		hash_bytes(f, f->tail, f->ntail);
		hash_bytes(f, p, n - CHECK_LEN);
		memcpy(f->tail, p + n - CHECK_LEN, CHECK_LEN);
		f->ntail = CHECK_LEN;
		return;
	}
	over = f->ntail + n > CHECK_LEN ? f->ntail + n - CHECK_LEN : 0;
	hash_bytes(f, f->tail, over);
	memmove(f->tail, f->tail + over, f->ntail - over);
	f->ntail -= over;
	memcpy(f->tail + f->ntail, p, n);
	f->ntail += n;
}

static int feed_read(void *ctx, char *buf, int len)
{
	struct feed *f = ctx;
	ssize_t n;

	do
		n = read(f->fd, buf, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		f->error = errno;
		return -1;
	}
	feed_take(f, buf, (size_t)n);
	return (int)n;
}

static const char *check_trailer(struct feed *f)
{
	char want[CHECK_LEN + 1], rest[4096];

	/* whatever the parser left unread (it may stop at the root's end) */
	while (feed_read(f, rest, sizeof rest) > 0)
		;
	if (f->ntail < CHECK_LEN || strncmp(f->tail, "<!-- check ", 11) != 0)
		return "no checksum";
	snprintf(want, sizeof want, CHECK_FMT, f->hash);
	if (memcmp(want, f->tail, CHECK_LEN) != 0)
		return "the checksum does not match: the file was damaged";
	return NULL;
}

static const char *parse_snapshot(xmlTextReaderPtr r, struct lm_state *st, int *oom, int *line,
				  char *detail)
{
	int ret, seen_root = 0;

	while ((ret = xmlTextReaderRead(r)) == 1) {
		const char *why;
		int type = xmlTextReaderNodeType(r);
		*line = xmlTextReaderGetParserLineNumber(r);
		/* no DTD, hence no entity of ours to expand */
		if (type == XML_READER_TYPE_DOCUMENT_TYPE || type == XML_READER_TYPE_ENTITY_REFERENCE)
			return "a DTD or an entity";
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!seen_root++ &&
		    strcmp((const char *)xmlTextReaderConstLocalName(r), "lunmap-state") != 0)
			return "not a lunmap state file";
		why = read_element(r, st, oom, detail);
		if (why)
			return why;
	}
	if (ret != 0 || !seen_root)
		return "not well-formed XML, or truncated";
	return NULL;
}

lm_hr lm_state_load(const char *dir, struct lm_state **out, struct lm_err *err)
{
	char path[PATH_MAX];
	struct feed f = { .fd = -1, .hash = LM_FNV1A_START };
	char detail[LM_ERR_MSG_MAX];
	xmlTextReaderPtr r = NULL;
	struct lm_state *st;
	lm_hr hr = LM_S_OK;
	int oom = 0, line = 0;
	const char *why;

	*out = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	st = calloc(1, sizeof *st);
	if (!st)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory for the state");
	st->next_lun_index = st->next_target_index = 1;
	f.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f.fd < 0 && errno == ENOENT)
		goto done;
	if (f.fd < 0) {
		hr = corrupt(err, path, 0, strerror(errno));
		goto out;
	}
	r = xmlReaderForIO(feed_read, NULL, &f, path, NULL,
			   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path);
		goto out;
	}
	why = parse_snapshot(r, st, &oom, &line, detail);
	if (!why)
		why = check_trailer(&f);
	if (f.error)
		why = strerror(f.error);
	if (!why)
		why = lm_state_check(st, &oom);
	if (oom) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", path);
		goto out;
	}
	if (why) {
		hr = corrupt(err, path, line, why);
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
	if (f.fd >= 0)
		close(f.fd);
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

/* The attributes' text was validated when it came in (inventory, stack);
 * checked again here, because xmlTextWriter would write a control
 * character as is, and a file the reader refuses must never be written. */
static int put_attr(xmlTextWriterPtr w, const char *name, const char *v)
{
	if (!v)
		return 0;
	if (!lm_valid_text(v, 4096, NULL))
		return -1;
	return xmlTextWriterWriteAttribute(w, (const xmlChar *)name, (const xmlChar *)v) < 0 ? -1 : 0;
}

static int put_num(xmlTextWriterPtr w, const char *name, unsigned long long v)
{
	return xmlTextWriterWriteFormatAttribute(w, (const xmlChar *)name, "%llu", v) < 0 ? -1 : 0;
}

static int put_id(xmlTextWriterPtr w, const lm_guid *id)
{
	char s[LM_GUID_STRLEN + 1];

	lm_guid_format(id, s);
	return put_attr(w, "id", s);
}

static int start(xmlTextWriterPtr w, const char *name)
{
	/* one element a line, for the reader of the file */
	if (xmlTextWriterWriteString(w, (const xmlChar *)"\n") < 0)
		return -1;
	return xmlTextWriterStartElement(w, (const xmlChar *)name) < 0 ? -1 : 0;
}

static int end(xmlTextWriterPtr w)
{
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_objects(xmlTextWriterPtr w, const struct lm_model *m)
{
	int rc = 0;

	for (size_t i = 0; i < m->ntargets && !rc; i++) {
		const struct lm_target *t = m->targets[i];
		rc = start(w, "target") || put_num(w, "index", t->index) || put_id(w, &t->id) ||
		     put_attr(w, "iqn", t->iqn) || put_attr(w, "alias", t->alias) ||
		     (t->discovered && put_attr(w, "discovered", "1")) || end(w);
	}
	for (size_t i = 0; i < m->nluns && !rc; i++) {
		const struct lm_lun *l = m->luns[i];
		rc = start(w, "lun") || put_num(w, "index", l->index) || put_id(w, &l->id) ||
		     put_attr(w, "path", l->path) || put_attr(w, "name", l->name) || end(w);
	}
	for (size_t i = 0; i < m->nluns && !rc; i++) {
		const struct lm_lun *l = m->luns[i];
		for (size_t j = 0; j < l->links.n && !rc; j++)
			rc = start(w, "assoc") || put_num(w, "lun", l->index) ||
			     put_num(w, "target", l->links.v[j].index) ||
			     put_num(w, "number", l->links.v[j].number) ||
			     (l->links.v[j].readonly && put_attr(w, "access", "readOnly")) || end(w);
	}
	for (size_t i = 0; i < m->ntombs && !rc; i++)
		rc = start(w, "tomb") || put_id(w, &m->tombs[i].id) ||
		     put_attr(w, "kind", m->tombs[i].kind == LM_KIND_LUN ? "lun" : "target") ||
		     put_attr(w, "key", m->tombs[i].key) || end(w);
	return rc;
}

static int write_model(xmlTextWriterPtr w, const struct lm_model *m, uint64_t generation)
{
	return xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	       xmlTextWriterStartElementNS(w, NULL, (const xmlChar *)"lunmap-state",
					   (const xmlChar *)"urn:lunmap:state:1") < 0 ||
	       put_attr(w, "subsystem", m->name) || put_num(w, "generation", generation) ||
	       put_num(w, "next-lun-index", m->next_lun_index) ||
	       put_num(w, "next-target-index", m->next_target_index) || write_objects(w, m) ||
	       xmlTextWriterWriteString(w, (const xmlChar *)"\n") < 0 ||
	       xmlTextWriterEndDocument(w) < 0 || xmlTextWriterFlush(w) < 0
		       ? -1
		       : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			errno = ENOSPC; /* a write that makes no progress: the disk is full */
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Where the snapshot's bytes go as they are made: hashed for the check
 * line and written through a buffer of its own, never held whole (a 100k
 * LUN snapshot is megabytes). */
struct sink {
	int fd;
	int error; /* errno of the first failed write, 0 when none */
	uint64_t hash;
	long size;
	size_t n;
	char buf[65536];
};

static int sink_flush(struct sink *k)
{
	if (k->error)
		return -1;
	errno = 0;
	if (k->n && write_all(k->fd, k->buf, k->n) != 0) {
		/* a short write without errno is a full disk */
		k->error = errno ? errno : ENOSPC;
		return -1;
	}
	k->n = 0;
	return 0;
}

static int sink_write(void *ctx, const char *p, int len)
{
	struct sink *k = ctx;

	k->hash = lm_fnv1a_more(k->hash, p, (size_t)len);
	k->size += len;
	for (int left = len; left > 0;) {
		size_t take = sizeof k->buf - k->n;
		if (take > (size_t)left)
			take = (size_t)left;
		memcpy(k->buf + k->n, p, take);
		k->n += take;
		p += take;
		left -= (int)take;
		if (k->n == sizeof k->buf && sink_flush(k) != 0)
			return -1;
	}
	return len;
}

/* The model as the file's bytes, checksum line included, into k. */
static lm_hr render(const struct lm_model *m, uint64_t generation, struct sink *k,
		    const char *tmp, struct lm_err *err)
{
	xmlOutputBufferPtr out = xmlOutputBufferCreateIO(sink_write, NULL, k, NULL);
	xmlTextWriterPtr w = out ? xmlNewTextWriter(out) : NULL;
	char check[CHECK_LEN + 1];
	int rc;

	if (!w) {
		if (out)
			xmlOutputBufferClose(out);
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to write the state");
	}
	rc = write_model(w, m, generation);
	xmlFreeTextWriter(w); /* closes out */
	if (rc == 0) {
		snprintf(check, sizeof check, CHECK_FMT, k->hash);
		sink_write(k, check, CHECK_LEN);
		sink_flush(k);
	}
	if (k->error)
		return lm_err_set(err, lm_hr_from_errno(k->error), "cannot write %s: %s", tmp,
				  strerror(k->error));
	if (rc != 0)
		return lm_err_set(err, LM_E_FAIL,
				  "cannot render the state (no memory, or a name that is not valid text)");
	return LM_S_OK;
}

lm_hr lm_state_save(const char *dir, const struct lm_model *m, uint64_t generation, long *size,
		    struct lm_err *err)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	struct sink *k = malloc(sizeof *k);
	int fd = -1, dfd = -1;
	lm_hr hr = LM_S_OK;

	if (!k)
		return lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to write the state");
	snprintf(path, sizeof path, "%s/%s", dir, LM_STATE_FILE);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, LM_STATE_FILE);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	*k = (struct sink){ .fd = fd, .hash = LM_FNV1A_START };
	hr = render(m, generation, k, tmp, err);
	if (lm_failed(hr))
		goto out;
	if (size)
		*size = k->size;
	if (fsync(fd) != 0) {
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		hr = lm_err_set(err, lm_hr_from_errno(errno), "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
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
	free(k);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (lm_failed(hr) && hr != LM_VDS_E_PROVIDER_CACHE_CORRUPT)
		unlink(tmp);
	return hr;
}
