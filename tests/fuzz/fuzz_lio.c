/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO configfs tree as lio_enumerate reads it at start, in a plain
 * folder (as tests/unit/backend/test_lio.c does). The input is lines:
 *   t NAME                    a target folder iscsi/NAME/tpgt_1/lun
 *   l TARGET LUNDIR LINK TO   iscsi/TARGET/tpgt_1/lun/LUNDIR/LINK -> TO
 *   b HBA NAME UDEV_PATH      core/HBA/NAME/udev_path
 *   e TARGET LUNDIR           an empty iscsi/TARGET/tpgt_1/lun/LUNDIR (half made)
 *   m TARGET ACL DIR [TO]     iscsi/TARGET/tpgt_1/acls/ACL/DIR, with a link
 *                             "lunmap" -> TO when given
 *   a TARGET ATTR VALUE       iscsi/TARGET/tpgt_1/ATTR (enable, np, or
 *                             attrib/NAME) with the value
 *   p HBA NAME TEXT           core/HBA/NAME/statistics/scsi_dev/ports
 *   s HBA NAME TEXT           core/HBA/NAME/wwn/vpd_unit_serial
 * Folder names never hold '/' or "..": the harness must not write outside
 * its own folder; link texts, values and udev_path are free. Whatever the
 * tree, a half state's text holds no control byte (it is logged). */
#include "config.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "fuzz.h"
#include "iqn.h"
#include "valid.h"

static char root[PATH_MAX];

static bool safe(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strlen(name) < 200;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void line(char *l)
{
	char *save = NULL, *op = strtok_r(l, " ", &save), *a = strtok_r(NULL, " ", &save),
	     *b = strtok_r(NULL, " ", &save), *c = strtok_r(NULL, " ", &save),
	     *d = strtok_r(NULL, "", &save);
	char path[PATH_MAX * 2];

	if (!op || !safe(a))
		return;
	if (!strcmp(op, "t")) {
		snprintf(path, sizeof path, "%s/iscsi/%s/tpgt_1/lun", root, a);
		fuzz_mkdirs(root, path);
	} else if (!strcmp(op, "l") && safe(b) && safe(c) && d) {
		snprintf(path, sizeof path, "%s/iscsi/%s/tpgt_1/lun/%s", root, a, b);
		fuzz_mkdirs(root, path);
		snprintf(path, sizeof path, "%s/iscsi/%s/tpgt_1/lun/%s/%s", root, a, b, c);
		if (symlink(d, path) != 0)
			return;
	} else if (!strcmp(op, "e") && safe(b)) {
		snprintf(path, sizeof path, "%s/iscsi/%s/tpgt_1/lun/%s", root, a, b);
		fuzz_mkdirs(root, path);
	} else if (!strcmp(op, "m") && safe(b) && safe(c)) {
		snprintf(path, sizeof path, "%s/iscsi/%s/tpgt_1/acls/%s/%s", root, a, b, c);
		fuzz_mkdirs(root, path);
		if (d) {
			strcat(path, "/lunmap");
			if (symlink(d, path) != 0)
				return;
		}
	} else if (!strcmp(op, "a") && b && c &&
		   (!strcmp(b, "enable") || !strncmp(b, "attrib/", 7) || !strcmp(b, "np")) &&
		   (!strchr(b, '/') || safe(b + 7))) {
		snprintf(path, sizeof path, "%s/iscsi/%s/tpgt_1/%s", root, a, !strcmp(b, "np") ? "np" : b);
		if (!strcmp(b, "np")) {
			if (safe(c)) {
				strcat(path, "/");
				strcat(path, c);
				fuzz_mkdirs(root, path);
			}
		} else {
			char dir[PATH_MAX * 2];
			snprintf(dir, sizeof dir, "%s", path);
			*strrchr(dir, '/') = '\0';
			fuzz_mkdirs(root, dir);
			put(path, c);
		}
	} else if ((!strcmp(op, "p") || !strcmp(op, "s")) && safe(b) && c) {
		snprintf(path, sizeof path, "%s/core/%s/%s/%s", root, a, b,
			 !strcmp(op, "p") ? "statistics/scsi_dev" : "wwn");
		fuzz_mkdirs(root, path);
		strcat(path, !strcmp(op, "p") ? "/ports" : "/vpd_unit_serial");
		put(path, c);
	} else if (!strcmp(op, "b") && safe(b) && c) {
		FILE *f;
		snprintf(path, sizeof path, "%s/core/%s/%s", root, a, b);
		fuzz_mkdirs(root, path);
		strcat(path, "/udev_path");
		f = fopen(path, "w");
		if (f) {
			fputs(c, f);
			if (d)
				fprintf(f, " %s", d);
			fclose(f);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_backend_conf conf = { .type = "lio", .portal = "127.0.0.1:3260" };
	char *text = fuzz_str(data, size), *save = NULL;
	struct lm_backend *b;
	struct lm_stack st;

	snprintf(root, sizeof root, "%s", fuzz_fresh_dir("target"));
	if (strlen(root) >= sizeof conf.configfs)
		abort();
	memcpy(conf.configfs, root, strlen(root) + 1);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		line(l);
	free(text);
	b = lm_lio_new(&conf);
	if (b->ops->enumerate(b, &st, NULL) == LM_S_OK) {
		for (const char *p = st.half; p && *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		for (size_t i = 0; i < st.ntargets; i++) {
			for (const char *p = st.targets[i].half; p && *p; p++)
				FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
			FUZZ_CHECK(!st.targets[i].acl || !strchr(st.targets[i].acl, '\n'));
			FUZZ_CHECK(lm_iqn_valid(st.targets[i].iqn, NULL));
			for (size_t k = 0; k < st.targets[i].nlus; k++) {
				const struct lm_stack_lu *lu = &st.targets[i].lus[k];
				FUZZ_CHECK(!lu->unmapped || lm_iqn_valid(lu->unmapped, NULL));
				FUZZ_CHECK(lu->number <= LM_MAX_LUN_NUMBER);
				FUZZ_CHECK(!lu->path[0] || lm_valid_path(lu->path, NULL));
			}
		}
		lm_stack_clear(&st);
	}
	lm_backend_destroy(b);
	return 0;
}
