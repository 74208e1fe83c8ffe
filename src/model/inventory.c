/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "inventory.h"
#include "iqn.h"
#include "valid.h"
#include "vec.h"
#include "xml.h"

struct finding {
	long line;
	char *msg;
};

struct loader {
	const char *file;
	lm_problem_fn report;
	void *ctx;
	struct lm_err *err;
	unsigned problems;
	/* The file is read in one pass, the schema checked as it goes: the
	 * values' problems wait here until the whole file is known to follow
	 * the schema (a file that does not is refused for that alone) */
	bool defer;
	struct finding *pending;
	size_t npending, cappending;
	bool oom;
};

static void emit(struct loader *ld, const char *full)
{
	if (ld->problems++ == 0)
		lm_err_set(ld->err, LM_E_INVALIDARG, "%s", full);
	if (ld->report)
		ld->report(ld->ctx, full);
}

static void defer(struct loader *ld, long line, const char *full)
{
	char *copy = strdup(full);

	if (!copy || lm_grow((void **)&ld->pending, &ld->cappending, ld->npending + 1,
			     sizeof *ld->pending)) {
		free(copy);
		ld->oom = true;
		return;
	}
	ld->pending[ld->npending++] = (struct finding){ line, copy };
}

static void problem(struct loader *ld, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct loader *ld, long line, const char *fmt, ...)
{
	char reason[LM_ERR_MSG_MAX], full[LM_ERR_MSG_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	snprintf(full, sizeof full, "%s:%ld: %s", ld->file, line, reason);
	if (ld->defer)
		defer(ld, line, full);
	else
		emit(ld, full);
}

/* said when the file followed the schema; dropped when it did not */
static void settle_pending(struct loader *ld, bool say)
{
	for (size_t i = 0; i < ld->npending; i++) {
		if (say)
			emit(ld, ld->pending[i].msg);
		free(ld->pending[i].msg);
	}
	free(ld->pending);
	ld->pending = NULL;
	ld->npending = ld->cappending = 0;
}

/* libxml2's own errors (the parser, the schema) are said at once */
static void xml_error(void *ctx, xmlErrorPtr e)
{
	struct loader *ld = ctx;
	char msg[LM_ERR_MSG_MAX];
	bool was = ld->defer;
	size_t n;

	snprintf(msg, sizeof msg, "%s", e->message ? e->message : "XML error");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	ld->defer = false;
	problem(ld, e->line, "%s", msg);
	ld->defer = was;
}

static char *attr(xmlNodePtr n, const char *name)
{
	return lm_xml_take(xmlGetProp(n, (const xmlChar *)name));
}

static unsigned long uattr(xmlNodePtr n, const char *name, unsigned long dflt)
{
	char *v = attr(n, name);
	unsigned long r = dflt;

	if (v)
		r = strtoul(v, NULL, 10);
	free(v);
	return r;
}

/* The built-in schema, compiled; NULL (and said) when it does not. */
static xmlRelaxNGPtr schema_compile(struct loader *ld)
{
	xmlRelaxNGParserCtxtPtr pctx;
	xmlRelaxNGPtr schema;

	pctx = xmlRelaxNGNewMemParserCtxt(lm_inventory_schema, (int)strlen(lm_inventory_schema));
	if (!pctx)
		return NULL;
	/* the built-in schema's own errors, too, through our handler */
	xmlRelaxNGSetParserStructuredErrors(pctx, xml_error, ld);
	schema = xmlRelaxNGParse(pctx);
	xmlRelaxNGFreeParserCtxt(pctx);
	if (!schema)
		problem(ld, 0, "the built-in schema does not compile");
	return schema;
}

/* Names and aliases are printed one object a line (lunmapctl show) and
 * written to the state: valid UTF-8 without control characters. */
static void check_text(struct loader *ld, long line, const char *what, const char *v)
{
	const char *why;

	if (v && !lm_valid_text(v, 255, &why))
		problem(ld, line, "%s %s", what, why);
}

static void read_id(struct loader *ld, xmlNodePtr n, lm_guid *id)
{
	char *v = attr(n, "id");

	memset(id, 0, sizeof *id);
	if (!v)
		return;
	if (lm_guid_parse(v, id) != 0)
		problem(ld, xmlGetLineNo(n), "id \"%s\" is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", v);
	else if (lm_guid_is_nil(id))
		problem(ld, xmlGetLineNo(n), "id must not be the nil GUID");
	free(v);
}

static void read_backend(struct loader *ld, xmlNodePtr n, struct lm_backend_conf *b)
{
	const char *why;
	char *v;

	memset(b, 0, sizeof *b);
	v = attr(n, "type");
	snprintf(b->type, sizeof b->type, "%s", v ? v : "");
	free(v);
	b->control_port = (unsigned)uattr(n, "control-port", 0);
	b->check_interval = (unsigned)uattr(n, "check-interval", 60);
	/* one stack request. lunmapd refuses a SET whose steps times this
	 * exceed the 5 s it gives the AgentX master: a tgtadm call takes a
	 * few ms, a request on tgtd's socket less */
	b->timeout_ms = (unsigned)uattr(n, "timeout-ms", 250);
	v = attr(n, "transport");
	snprintf(b->transport, sizeof b->transport, "%s", v ? v : "");
	free(v);
	v = attr(n, "portal");
	snprintf(b->portal, sizeof b->portal, "%s", v ? v : "");
	if (v && !lm_valid_portal(v, &why))
		problem(ld, xmlGetLineNo(n), "portal \"%.64s\" is not valid: %s", v, why);
	free(v);
	v = attr(n, "tgtadm");
	snprintf(b->tgtadm, sizeof b->tgtadm, "%s", v ? v : LUNMAP_TGTADM);
	if (v && v[0] != '/')
		problem(ld, xmlGetLineNo(n), "tgtadm \"%s\" is not an absolute path", v);
	free(v);
	v = attr(n, "configfs");
	snprintf(b->configfs, sizeof b->configfs, "%s", v ? v : "/sys/kernel/config/target");
	if (v && v[0] != '/')
		problem(ld, xmlGetLineNo(n), "configfs \"%s\" is not an absolute path", v);
	free(v);
	v = attr(n, "keep-backstores");
	b->keep_backstores = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	free(v);
}

/* Which IETF MIBs lunmapd serves beside LUNMAP-MIB (the schema allows
 * "yes" and "no" only). */
static void read_mibs(xmlNodePtr n, unsigned *mibs)
{
	static const struct { const char *attr; unsigned bit; } v[] = {
		{ "scsi", LM_MIB_SCSI }, { "iscsi", LM_MIB_ISCSI },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char *a = attr(n, v[i].attr);
		if (a && strcmp(a, "no") == 0)
			*mibs &= ~v[i].bit;
		free(a);
	}
}

/* "ALL", or names and addresses separated by commas or spaces: each one
 * becomes a tgtadm argument or a configfs folder name. */
static void check_initiators(struct loader *ld, long line, const char *list)
{
	char *copy, *save = NULL;
	const char *why;
	size_t n = 0;

	if (strcmp(list, "ALL") == 0)
		return;
	copy = strdup(list);
	if (!copy)
		return;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		if (++n > LM_MAX_INITIATORS) {
			problem(ld, line, "initiators lists more than %u initiators", LM_MAX_INITIATORS);
			break;
		}
		if (!lm_valid_initiator(w, &why)) {
			problem(ld, line, "initiator \"%.64s\" is not valid: %s", w, why);
			break;
		}
	}
	free(copy);
}

static void read_target(struct loader *ld, xmlNodePtr n, struct lm_inv_target *t)
{
	const char *why;

	t->line = xmlGetLineNo(n);
	t->iqn = attr(n, "iqn");
	t->alias = attr(n, "alias");
	t->initiators = attr(n, "initiators");
	read_id(ld, n, &t->id);
	if (t->iqn && !lm_iqn_valid(t->iqn, &why))
		problem(ld, t->line, "iqn \"%s\" is not a valid iSCSI name: %s", t->iqn, why);
	check_text(ld, t->line, "alias", t->alias);
	if (t->initiators)
		check_initiators(ld, t->line, t->initiators);
}

static void read_lun(struct loader *ld, xmlNodePtr n, struct lm_inv_lun *l)
{
	const char *why;
	size_t at;

	l->line = xmlGetLineNo(n);
	l->name = attr(n, "name");
	l->path = attr(n, "path");
	read_id(ld, n, &l->id);
	check_text(ld, l->line, "name", l->name);
	if (!l->path)
		return;
	if (l->path[0] != '/')
		problem(ld, l->line, "path \"%s\" is not absolute", l->path);
	else if (!lm_valid_request_value(l->path, &why, &at))
		problem(ld, l->line, "path of LUN \"%s\": byte %zu is %s; a file name is never "
			"read as an option: rename the file", l->name ? l->name : "", at + 1, why);
	else if (!lm_valid_path(l->path, &why))
		problem(ld, l->line, "path %s", why);
	/* lunmapLunBackingStore holds 255 octets (SnmpAdminString): a
	 * longer path would be published cut */
	else if (strlen(l->path) > LM_MAX_PATH_PUBLISHED)
		problem(ld, l->line, "path of %zu bytes is longer than the %d that "
			"lunmapLunBackingStore can publish; use a shorter path (a symbolic link)",
			strlen(l->path), LM_MAX_PATH_PUBLISHED);
}

/* One of a kind: sorted keys, neighbours compared (O(n log n): a 100k LUN
 * inventory is checked in about the time of reading it). */
struct ukey {
	const char *text; /* compared first; NULL sorts first */
	lm_guid id;
	long line;
	const char *shown; /* what the message names */
};

static int ukey_cmp(const void *x, const void *y)
{
	const struct ukey *a = x, *b = y;
	int c = strcmp(a->text ? a->text : "", b->text ? b->text : "");

	if (!c)
		c = lm_guid_cmp(&a->id, &b->id);
	return c ? c : (a->line > b->line) - (a->line < b->line);
}

static int finding_cmp(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;

	return (a->line > b->line) - (a->line < b->line);
}

/* Sorts v and adds a finding for every key equal to the one before it. */
static void twins(struct ukey *v, size_t n, const char *what, const char *verdict,
		  struct finding **f, size_t *nf)
{
	qsort(v, n, sizeof *v, ukey_cmp);
	for (size_t i = 1; i < n; i++) {
		struct finding *nv;
		if (!v[i].text || strcmp(v[i].text, v[i - 1].text ? v[i - 1].text : "") != 0 ||
		    lm_guid_cmp(&v[i].id, &v[i - 1].id) != 0)
			continue;
		/* one text twice is said once, as "declared twice" */
		if (v[i].shown != v[i].text && strcmp(v[i].shown, v[i - 1].shown) == 0)
			continue;
		nv = realloc(*f, (*nf + 1) * sizeof **f);
		if (!nv)
			return;
		*f = nv;
		nv[*nf].line = v[i].line;
		if (asprintf(&nv[*nf].msg, "%s \"%s\" %s (line %ld)", what, v[i].shown, verdict,
			     v[i - 1].line) >= 0)
			(*nf)++;
	}
}

/* Where a path really leads: the device and inode of what exists (any
 * spelling, symlink or hard link of one file is one key), else the path
 * with "//", "/./" and "x/.." folded. */
static char *canonical(const char *path)
{
	struct stat sb;
	char *out;

	if (stat(path, &sb) == 0) {
		if (asprintf(&out, "#%llu:%llu", (unsigned long long)sb.st_dev,
			     (unsigned long long)sb.st_ino) < 0)
			return NULL;
		return out;
	}
	out = malloc(strlen(path) + 2);
	if (!out)
		return NULL;
	size_t n = 0;
	for (const char *p = path; *p;) {
		size_t len;
		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.')) {
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
		} else {
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return out;
}

static void check_unique(struct loader *ld, const struct lm_inventory *inv)
{
	size_t nt = inv->ntargets, nl = inv->nluns, nf = 0, k = 0;
	struct ukey *v = calloc(nt + nl + 1, sizeof *v);
	char **canon = calloc(nl + 1, sizeof *canon);
	struct finding *f = NULL;

	if (!v || !canon)
		goto out;
	for (size_t i = 0; i < nt; i++)
		v[i] = (struct ukey){ inv->targets[i].iqn, { { 0 } }, inv->targets[i].line, inv->targets[i].iqn };
	twins(v, nt, "iqn", "is declared twice", &f, &nf);
	for (size_t i = 0; i < nl; i++)
		v[i] = (struct ukey){ inv->luns[i].path, { { 0 } }, inv->luns[i].line, inv->luns[i].path };
	twins(v, nl, "path", "is declared twice", &f, &nf);
	/* the same file by another spelling, a symlink or a hard link */
	for (size_t i = 0; i < nl; i++) {
		canon[i] = inv->luns[i].path ? canonical(inv->luns[i].path) : NULL;
		v[k++] = (struct ukey){ canon[i], { { 0 } }, inv->luns[i].line, inv->luns[i].path };
	}
	twins(v, k, "path", "is the same file as another path", &f, &nf);
	/* ids are unique across LUNs and targets: one id space, as in VDS */
	k = 0;
	for (size_t i = 0; i < nt + nl; i++) {
		const lm_guid *id = i < nt ? &inv->targets[i].id : &inv->luns[i - nt].id;
		long line = i < nt ? inv->targets[i].line : inv->luns[i - nt].line;
		if (!lm_guid_is_nil(id))
			v[k++] = (struct ukey){ "", *id, line, NULL };
	}
	qsort(v, k, sizeof *v, ukey_cmp);
	for (size_t i = 1; i < k; i++) {
		char s[LM_GUID_STRLEN + 1];
		struct finding *nv;
		if (lm_guid_cmp(&v[i].id, &v[i - 1].id) != 0 || !(nv = realloc(f, (nf + 1) * sizeof *f)))
			continue;
		f = nv;
		lm_guid_format(&v[i].id, s);
		f[nf].line = v[i].line;
		if (asprintf(&f[nf].msg, "id %s is already used on line %ld", s, v[i - 1].line) >= 0)
			nf++;
	}
	/* said in the order of the file */
	if (nf)
		qsort(f, nf, sizeof *f, finding_cmp);
	for (size_t i = 0; i < nf; i++) {
		problem(ld, f[i].line, "%s", f[i].msg);
		free(f[i].msg);
	}
out:
	for (size_t i = 0; canon && i < nl; i++)
		free(canon[i]);
	free(canon);
	free(f);
	free(v);
}

static int read_root(struct loader *ld, xmlNodePtr root, struct lm_inventory *inv)
{
	inv->name = attr(root, "name");
	/* the subsystem's name is printed and saved like every other name */
	check_text(ld, xmlGetLineNo(root), "name", inv->name);
	inv->max_targets_per_lun = (uint32_t)uattr(root, "max-targets-per-lun", 1);
	return 0;
}

/* One child of the root, read as the reader passes it (its node lives
 * until the next read). */
static int read_child(struct loader *ld, xmlNodePtr n, struct lm_inventory *inv,
		      size_t *capt, size_t *capl)
{
	if (xmlStrEqual(n->name, (const xmlChar *)"backend")) {
		read_backend(ld, n, &inv->backend);
	} else if (xmlStrEqual(n->name, (const xmlChar *)"mibs")) {
		read_mibs(n, &inv->mibs);
	} else if (xmlStrEqual(n->name, (const xmlChar *)"target")) {
		if (lm_grow((void **)&inv->targets, capt, inv->ntargets + 1, sizeof *inv->targets))
			return -1;
		memset(&inv->targets[inv->ntargets], 0, sizeof *inv->targets);
		read_target(ld, n, &inv->targets[inv->ntargets++]);
	} else if (xmlStrEqual(n->name, (const xmlChar *)"lun")) {
		if (lm_grow((void **)&inv->luns, capl, inv->nluns + 1, sizeof *inv->luns))
			return -1;
		memset(&inv->luns[inv->nluns], 0, sizeof *inv->luns);
		read_lun(ld, n, &inv->luns[inv->nluns++]);
	}
	return 0;
}

/* The whole file in one pass of the reader, never a tree of it (a 100k
 * LUN inventory's tree is ~30 MB): 1 read and valid, 0 refused (said),
 * -1 no memory. */
static int read_stream(struct loader *ld, xmlTextReaderPtr r, struct lm_inventory *inv)
{
	size_t capt = 0, capl = 0;
	int ret;

	ld->defer = true;
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r), depth;
		xmlNodePtr n;
		/* no XML_PARSE_NOENT, no DTD loading, and a DTD is refused:
		 * no entity of the file's own is expanded in an attribute */
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			ld->defer = false;
			/* libxml2 keeps no line for a DTD: the <!DOCTYPE> comes first */
			problem(ld, 1, "a DTD (<!DOCTYPE>) is not allowed in the inventory");
			ret = -2;
			break;
		}
		if (type != XML_READER_TYPE_ELEMENT || !(n = xmlTextReaderCurrentNode(r)))
			continue;
		depth = xmlTextReaderDepth(r);
		if ((depth == 0 && read_root(ld, n, inv) != 0) ||
		    (depth == 1 && read_child(ld, n, inv, &capt, &capl) != 0))
			return -1;
	}
	ld->defer = false;
	if (ld->oom)
		return -1;
	if (ret == 0 && xmlTextReaderIsValid(r) == 1) {
		settle_pending(ld, true);
		check_unique(ld, inv);
		return 1;
	}
	settle_pending(ld, false);
	if (ld->problems == 0)
		problem(ld, 0, ret == 0 ? "the file does not follow the lunmap schema"
					: "cannot read the file");
	return 0;
}

static lm_hr load(struct loader *ld, int fd, xmlRelaxNGPtr schema, struct lm_inventory *inv)
{
	xmlTextReaderPtr r = xmlReaderForFd(fd, ld->file, NULL, XML_PARSE_NONET);
	int rc = -1;

	if (r) {
		/* the reader's own structured handler, never the global one:
		 * two loads at once each hear their own errors; set before
		 * the schema, whose validation context takes it from there */
		xmlTextReaderSetStructuredErrorHandler(r, xml_error, ld);
		if (xmlTextReaderRelaxNGSetSchema(r, schema) == 0)
			rc = read_stream(ld, r, inv);
		xmlFreeTextReader(r);
	}
	if (rc < 0)
		return lm_err_set(ld->err, LM_E_OUTOFMEMORY, "no memory to read %s", ld->file);
	return rc == 1 && ld->problems == 0 ? LM_S_OK : LM_E_INVALIDARG;
}

lm_hr lm_inventory_load(const char *file, struct lm_inventory **out, lm_problem_fn report,
			void *ctx, struct lm_err *err)
{
	struct loader ld = { .file = file, .report = report, .ctx = ctx, .err = err };
	xmlRelaxNGPtr schema = NULL;
	struct lm_inventory *inv = NULL;
	lm_hr hr = LM_E_INVALIDARG;
	int fd = -1;

	*out = NULL;
	inv = calloc(1, sizeof *inv);
	if (inv)
		inv->mibs = LM_MIB_SCSI | LM_MIB_ISCSI;
	if (!inv || !(inv->file = strdup(file))) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", file);
		goto out;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		problem(&ld, 0, "cannot read the file: %s", strerror(errno));
		goto out;
	}
	schema = schema_compile(&ld);
	if (!schema)
		goto out;
	hr = load(&ld, fd, schema, inv);
	if (lm_failed(hr))
		goto out;
	*out = inv;
	inv = NULL;
out:
	lm_inventory_free(inv);
	xmlRelaxNGFree(schema);
	if (fd >= 0)
		close(fd);
	return hr;
}

void lm_inventory_free(struct lm_inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->ntargets; i++) {
		free(inv->targets[i].iqn);
		free(inv->targets[i].alias);
		free(inv->targets[i].initiators);
	}
	for (size_t i = 0; i < inv->nluns; i++) {
		free(inv->luns[i].name);
		free(inv->luns[i].path);
	}
	free(inv->targets);
	free(inv->luns);
	free(inv->name);
	free(inv->file);
	free(inv);
}
