/* SPDX-License-Identifier: BSD-3-Clause */
/* The differential harness of LIO's reading (design §5, untrusted bytes):
 * the input drives a generator of a ground-truth LIO stack, written as
 * configfs shows it into a plain folder (as tests/unit/backend/test_lio.c
 * does): targets (valid names and folders of any other name), LUNs linked
 * to backstores whose udev_path is a LUN's path or any bytes (an
 * administrator's backstore), unit serials, node ACLs mapping LUNs with
 * write protection, demo mode, and what an initiator chooses: its name as
 * LIO writes it into dynamic_sessions and an ACL's info. lio_enumerate's
 * stack is compared with the truth:
 *
 * - a target is listed iff its folder's name is a valid iSCSI name;
 * - each LU of a listed target is there with its number, its path (or
 *   "" when the path is not one lunmap can name), its serial (or "?"),
 *   its write protection and, when an ACL does not map it, one such ACL;
 *   an LU numbered past LM_MAX_LUN_NUMBER or not linked to a backstore
 *   with a path is not;
 * - initiators' bytes change nothing but the session count, which is 0
 *   exactly when nobody is logged in. */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "fuzz.h"
#include "iqn.h"
#include "lunmap.h"
#include "valid.h"

#define TPG "tpgt_1"
#define MAXT 3
#define MAXL 4
#define MAXA 2

static const char *const frag[] = {
	"\n", "\n", ",", "=", "\t", " ", "x", "/", "/srv/lunmap/a.img", "iqn.2026-11.org.example:t1",
	"InitiatorName: ", "lun_1", "fd_dev_name=", "udev_path=", "T10 VPD Unit Serial Number: ",
	"0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02", "\xc2\x85", "\xff",
};

/* bytes an initiator or an administrator chooses (no NUL: a C string) */
static char *hostile(struct fuzz_gen *g, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = fuzz_pick(g, 12); k > 0; k--) {
		unsigned i = fuzz_pick(g, sizeof frag / sizeof frag[0] + 1);
		char raw[2] = { (char)(fuzz_pick(g, 255) + 1), 0 };
		const char *piece = i < sizeof frag / sizeof frag[0] ? frag[i] : raw;
		n += (size_t)snprintf(buf + n, len - n, "%s", piece);
		if (n >= len)
			break;
	}
	return buf;
}

static char root[PATH_MAX];

static void put(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	FUZZ_CHECK(f != NULL);
	fwrite(text, 1, n, f);
	fclose(f);
}

/* a folder name: no '/', not "." or ".." */
static bool component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") && strlen(s) < 200;
}

struct lu_truth {
	uint32_t number;
	char path[300];   /* udev_path as written */
	char serial[80];  /* what follows the prefix, or "" for no file */
	bool has_serial, linked;
	int readonly;     /* what the reading must say */
	bool unmapped_any; /* an ACL of a target name does not map it */
};

struct target_truth {
	char name[256];
	bool listed;
	struct lu_truth lus[MAXL];
	size_t nlus;
	unsigned sessions;
};

static const char *const names[] = {
	"iqn.2026-11.org.example:t1", "iqn.2026-11.org.example:t2", "eui.0123456789abcdef",
	"iqn.2026-11.org.Example:t3", "naa.0123", "iqn.2026-11.org.example:t1\nx",
	"not-a-name",
};
static const char *const inits[] = {
	"iqn.1994-05.com.redhat:host1", "iqn.1994-05.com.redhat:host2", "10.0.0.1",
};

static void write_target(struct fuzz_gen *g, struct target_truth *tt, unsigned *bs)
{
	char dir[PATH_MAX * 2], path[PATH_MAX * 5], text[400], to[PATH_MAX * 3];
	bool demo = fuzz_pick(g, 2);
	int demo_wp = demo ? (int)fuzz_pick(g, 3) - 1 : -1; /* -1: no file */
	unsigned nacl = demo ? 0 : fuzz_pick(g, MAXA + 1);
	uint32_t number = 0;

	snprintf(dir, sizeof dir, "%s/iscsi/%s/" TPG, root, tt->name);
	fuzz_mkdirs(root, dir);
	snprintf(path, sizeof path, "%s/attrib", dir);
	fuzz_mkdirs(root, path);
	snprintf(path, sizeof path, "%s/attrib/generate_node_acls", dir);
	put(path, demo ? "1\n" : "0\n", 2);
	if (demo_wp >= 0) {
		snprintf(path, sizeof path, "%s/attrib/demo_mode_write_protect", dir);
		put(path, demo_wp ? "1\n" : "0\n", 2);
	}
	/* sessions: names of the initiators' own bytes */
	{
		size_t n = 0;
		unsigned k = fuzz_pick(g, 3);
		char buf[1024];
		text[0] = '\0';
		for (unsigned i = 0; i < k; i++) {
			hostile(g, buf, sizeof buf);
			n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", buf[0] ? buf : "i");
			if (n >= sizeof text - 1)
				n = sizeof text - 1;
		}
		snprintf(path, sizeof path, "%s/dynamic_sessions", dir);
		put(path, text, n + (n < sizeof text));
		tt->sessions += k;
	}
	for (size_t i = 0; i < MAXL && fuzz_pick(g, 2); i++) {
		struct lu_truth *lu = &tt->lus[tt->nlus++];
		char hba[16], bsname[64], bsdir[PATH_MAX * 2], buf[300];

		(void)to;
		number += 1 + fuzz_pick(g, 3) * (fuzz_pick(g, 8) ? 1 : 9000);
		lu->number = number;
		snprintf(hba, sizeof hba, "fileio_%u", fuzz_pick(g, 2));
		snprintf(bsname, sizeof bsname, "lm-%u", (*bs)++);
		snprintf(bsdir, sizeof bsdir, "%s/core/%s/%s", root, hba, bsname);
		fuzz_mkdirs(root, bsdir);
		lu->linked = fuzz_pick(g, 6) != 0;
		snprintf(path, sizeof path, "%s/lun/lun_%u", dir, number);
		fuzz_mkdirs(root, path);
		if (lu->linked) {
			snprintf(path, sizeof path, "%s/lun/lun_%u/%s", dir, number, bsname);
			FUZZ_CHECK(symlink(bsdir, path) == 0);
		}
		snprintf(lu->path, sizeof lu->path, "%s",
			 fuzz_pick(g, 3) ? "/srv/lunmap/a.img" : hostile(g, buf, sizeof buf));
		snprintf(path, sizeof path, "%s/udev_path", bsdir);
		put(path, lu->path, strlen(lu->path));
		lu->has_serial = fuzz_pick(g, 4) != 0;
		if (lu->has_serial) {
			snprintf(lu->serial, sizeof lu->serial, "%s",
				 fuzz_pick(g, 3) ? "0b7e2d7c8f0a4d6ea1f35c9b8e7d6a02" : hostile(g, buf, 60));
			snprintf(path, sizeof path, "%s/wwn", bsdir);
			fuzz_mkdirs(root, path);
			snprintf(path, sizeof path, "%s/wwn/vpd_unit_serial", bsdir);
			snprintf(text, sizeof text, "T10 VPD Unit Serial Number: %s\n", lu->serial);
			put(path, text, strlen(text));
		}
		lu->readonly = demo ? demo_wp : -1;
	}
	for (unsigned a = 0; a < nacl; a++) {
		const char *init = inits[a];
		char acl[PATH_MAX * 4], buf[200];
		snprintf(acl, sizeof acl, "%s/acls/%s", dir, init);
		fuzz_mkdirs(root, acl);
		/* an ACL with a session: its info names the initiator */
		if (fuzz_pick(g, 2)) {
			snprintf(path, sizeof path, "%s/info", acl);
			snprintf(text, sizeof text, "InitiatorName: %s\nSessions: 1\n", hostile(g, buf, sizeof buf));
			put(path, text, strlen(text));
			tt->sessions++;
		}
		for (size_t i = 0; i < tt->nlus; i++) {
			struct lu_truth *lu = &tt->lus[i];
			bool maps = fuzz_pick(g, 4) != 0, wp = fuzz_pick(g, 3) == 0;
			if (!maps) {
				lu->unmapped_any |= strncmp(init, "iqn.", 4) == 0;
				continue;
			}
			snprintf(path, sizeof path, "%s/lun_%u", acl, lu->number);
			fuzz_mkdirs(root, path);
			snprintf(to, sizeof to, "%s/lun/lun_%u", dir, lu->number);
			snprintf(path, sizeof path, "%s/lun_%u/lunmap", acl, lu->number);
			FUZZ_CHECK(symlink(to, path) == 0);
			snprintf(path, sizeof path, "%s/lun_%u/write_protect", acl, lu->number);
			put(path, wp ? "1\n" : "0\n", 2);
			lu->readonly = lu->readonly == 1 || wp;
		}
	}
}

static void check_lu(const struct target_truth *tt, const struct lu_truth *lu,
		     const struct lm_stack_target *st)
{
	const struct lm_stack_lu *got = lm_stack_find_lu(st, lu->number);
	char want[300];
	size_t n;

	if (!lu->linked || lu->path[0] != '/' || lu->number > LM_MAX_LUN_NUMBER) {
		FUZZ_CHECK(got == NULL);
		return;
	}
	FUZZ_CHECK(got != NULL);
	/* configfs text as read: trailing newlines dropped */
	snprintf(want, sizeof want, "%s", lu->path);
	n = strlen(want);
	while (n && want[n - 1] == '\n')
		want[--n] = '\0';
	FUZZ_CHECK(strcmp(got->path, lm_valid_path(want, NULL) ? want : "") == 0);
	if (!lu->has_serial) {
		FUZZ_CHECK(got->serial && strcmp(got->serial, "?") == 0);
	} else {
		char sn[80];
		snprintf(sn, sizeof sn, "%s", lu->serial);
		n = strlen(sn);
		while (n && sn[n - 1] == '\n')
			sn[--n] = '\0';
		FUZZ_CHECK(got->serial && strcmp(got->serial, lm_stack_serial_ok(sn) ? sn : "?") == 0);
	}
	FUZZ_CHECK(got->readonly == lu->readonly);
	FUZZ_CHECK(lu->unmapped_any == (got->unmapped != NULL));
	(void)tt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lm_backend_conf conf = { .type = "lio", .portal = "127.0.0.1:3260" };
	struct fuzz_gen g = { data, size };
	struct target_truth tt[MAXT];
	size_t nt = 1 + fuzz_pick(&g, MAXT);
	unsigned bs = 0;
	struct lm_backend *b;
	struct lm_stack st;
	bool used[sizeof names / sizeof names[0]] = { false };

	snprintf(root, sizeof root, "%s", fuzz_fresh_dir("target"));
	memcpy(conf.configfs, root, strlen(root) + 1);
	memset(tt, 0, sizeof tt);
	for (size_t i = 0; i < nt; i++) {
		size_t k = fuzz_pick(&g, sizeof names / sizeof names[0]);
		while (used[k])
			k = (k + 1) % (sizeof names / sizeof names[0]);
		used[k] = true;
		snprintf(tt[i].name, sizeof tt[i].name, "%s", names[k]);
		tt[i].listed = lm_iqn_valid(tt[i].name, NULL);
		FUZZ_CHECK(component(tt[i].name));
		write_target(&g, &tt[i], &bs);
	}
	b = lm_lio_new(&conf);
	FUZZ_CHECK(b->ops->enumerate(b, &st, NULL) == LM_S_OK);
	for (size_t i = 0; i < nt; i++) {
		const struct lm_stack_target *s = lm_stack_find_target(&st, tt[i].name);
		size_t expected = 0;
		FUZZ_CHECK((s != NULL) == tt[i].listed);
		if (!s)
			continue;
		/* in use or not is exact; the count is not (a name with a
		 * newline counts twice, LIO lists a page of names at most) */
		FUZZ_CHECK((s->sessions == 0) == (tt[i].sessions == 0));
		for (size_t k = 0; k < tt[i].nlus; k++) {
			check_lu(&tt[i], &tt[i].lus[k], s);
			expected += tt[i].lus[k].linked && tt[i].lus[k].path[0] == '/' &&
				    tt[i].lus[k].number <= LM_MAX_LUN_NUMBER;
		}
		FUZZ_CHECK(s->nlus == expected);
	}
	for (size_t i = 0; i < st.ntargets; i++) {
		bool known = false;
		for (size_t k = 0; k < nt; k++)
			known |= strcmp(st.targets[i].iqn, tt[k].name) == 0;
		FUZZ_CHECK(known);
	}
	lm_stack_clear(&st);
	lm_backend_destroy(b);
	return 0;
}
