#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#include "inventory.h"
#include "iqn.h"

struct loader {
	const char *file;
	lm_problem_fn report;
	void *ctx;
	struct lm_err *err;
	unsigned problems;
};

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
	if (ld->problems++ == 0)
		lm_err_set(ld->err, LM_E_INVALIDARG, "%s", full);
	if (ld->report)
		ld->report(ld->ctx, full);
}

static void xml_error(void *ctx, xmlErrorPtr e)
{
	struct loader *ld = ctx;
	char msg[LM_ERR_MSG_MAX];
	size_t n;

	snprintf(msg, sizeof msg, "%s", e->message ? e->message : "XML error");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	problem(ld, e->line, "%s", msg);
}

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
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

static int schema_validate(struct loader *ld, xmlDocPtr doc)
{
	xmlRelaxNGParserCtxtPtr pctx;
	xmlRelaxNGPtr schema = NULL;
	xmlRelaxNGValidCtxtPtr vctx = NULL;
	int rc = -1;

	pctx = xmlRelaxNGNewMemParserCtxt(lm_inventory_schema, (int)strlen(lm_inventory_schema));
	if (!pctx)
		goto out;
	schema = xmlRelaxNGParse(pctx);
	xmlRelaxNGFreeParserCtxt(pctx);
	if (!schema) {
		problem(ld, 0, "the built-in schema does not compile");
		goto out;
	}
	vctx = xmlRelaxNGNewValidCtxt(schema);
	if (!vctx)
		goto out;
	xmlRelaxNGSetValidStructuredErrors(vctx, xml_error, ld);
	rc = xmlRelaxNGValidateDoc(vctx, doc) == 0 ? 0 : -1;
	if (rc && ld->problems == 0)
		problem(ld, 0, "the file does not follow the lunmap schema");
out:
	xmlRelaxNGFreeValidCtxt(vctx);
	xmlRelaxNGFree(schema);
	return rc;
}

static int has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
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
	if (t->initiators && has_control_chars(t->initiators))
		problem(ld, t->line, "initiators has control characters");
}

static void read_lun(struct loader *ld, xmlNodePtr n, struct lm_inv_lun *l)
{
	l->line = xmlGetLineNo(n);
	l->name = attr(n, "name");
	l->path = attr(n, "path");
	read_id(ld, n, &l->id);
	if (!l->path)
		return;
	if (l->path[0] != '/')
		problem(ld, l->line, "path \"%s\" is not absolute", l->path);
	else if (has_control_chars(l->path) || strlen(l->path) >= PATH_MAX)
		problem(ld, l->line, "path has control characters or is too long");
}

static void check_unique(struct loader *ld, const struct lm_inventory *inv)
{
	for (size_t i = 0; i < inv->ntargets; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(inv->targets[i].iqn, inv->targets[j].iqn) == 0)
				problem(ld, inv->targets[i].line, "iqn \"%s\" is declared twice (line %ld)",
					inv->targets[i].iqn, inv->targets[j].line);
	for (size_t i = 0; i < inv->nluns; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(inv->luns[i].path, inv->luns[j].path) == 0)
				problem(ld, inv->luns[i].line, "path \"%s\" is declared twice (line %ld)",
					inv->luns[i].path, inv->luns[j].line);
	/* ids are unique across LUNs and targets: one id space, as in VDS */
	for (size_t i = 0; i < inv->ntargets + inv->nluns; i++) {
		const lm_guid *a = i < inv->ntargets ? &inv->targets[i].id
						     : &inv->luns[i - inv->ntargets].id;
		long la = i < inv->ntargets ? inv->targets[i].line : inv->luns[i - inv->ntargets].line;
		if (lm_guid_is_nil(a))
			continue;
		for (size_t j = 0; j < i; j++) {
			const lm_guid *b = j < inv->ntargets ? &inv->targets[j].id
							     : &inv->luns[j - inv->ntargets].id;
			long lb = j < inv->ntargets ? inv->targets[j].line
						    : inv->luns[j - inv->ntargets].line;
			char s[LM_GUID_STRLEN + 1];
			if (lm_guid_cmp(a, b) != 0)
				continue;
			lm_guid_format(a, s);
			problem(ld, la, "id %s is already used on line %ld", s, lb);
		}
	}
}

static int read_doc(struct loader *ld, xmlDocPtr doc, struct lm_inventory *inv)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t nt = 0, nl = 0;

	inv->name = attr(root, "name");
	inv->max_targets_per_lun = (uint32_t)uattr(root, "max-targets-per-lun", 1);
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(n->name, (const xmlChar *)"target"))
			nt++;
		else if (xmlStrEqual(n->name, (const xmlChar *)"lun"))
			nl++;
	}
	inv->targets = calloc(nt ? nt : 1, sizeof *inv->targets);
	inv->luns = calloc(nl ? nl : 1, sizeof *inv->luns);
	if (!inv->targets || !inv->luns)
		return -1;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(n->name, (const xmlChar *)"backend"))
			read_backend(ld, n, &inv->backend);
		else if (xmlStrEqual(n->name, (const xmlChar *)"target"))
			read_target(ld, n, &inv->targets[inv->ntargets++]);
		else if (xmlStrEqual(n->name, (const xmlChar *)"lun"))
			read_lun(ld, n, &inv->luns[inv->nluns++]);
	}
	check_unique(ld, inv);
	return 0;
}

lm_hr lm_inventory_load(const char *file, struct lm_inventory **out, lm_problem_fn report,
			void *ctx, struct lm_err *err)
{
	struct loader ld = { .file = file, .report = report, .ctx = ctx, .err = err };
	xmlParserCtxtPtr pctx = NULL;
	xmlDocPtr doc = NULL;
	struct lm_inventory *inv = NULL;
	lm_hr hr = LM_E_INVALIDARG;

	*out = NULL;
	pctx = xmlNewParserCtxt();
	inv = calloc(1, sizeof *inv);
	if (!pctx || !inv || !(inv->file = strdup(file))) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", file);
		goto out;
	}
	/* libxml2 2.9 has no per-context structured handler; this one is
	 * scoped to the call and restored below. */
	xmlSetStructuredErrorFunc(&ld, xml_error);
	doc = xmlCtxtReadFile(pctx, file, NULL, XML_PARSE_NONET);
	if (!doc) {
		if (ld.problems == 0)
			problem(&ld, 0, "cannot read the file");
		goto out;
	}
	if (schema_validate(&ld, doc) != 0)
		goto out;
	if (read_doc(&ld, doc, inv) != 0) {
		hr = lm_err_set(err, LM_E_OUTOFMEMORY, "no memory to read %s", file);
		goto out;
	}
	if (ld.problems)
		goto out;
	*out = inv;
	inv = NULL;
	hr = LM_S_OK;
out:
	xmlSetStructuredErrorFunc(NULL, NULL);
	lm_inventory_free(inv);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(pctx);
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
