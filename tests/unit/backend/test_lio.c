/* SPDX-License-Identifier: BSD-3-Clause */
/* The LIO backend's configfs layer against a temporary folder that
 * imitates configfs where that is honest: the paths it makes, the values
 * it writes, the symlinks from LUNs to backstores, what enumerate reads
 * back, and how an errno becomes a reason. What only the kernel does
 * (attribute files appearing on mkdir, rmdir of a populated item) is left
 * to the qemu test (tests/e2e/lio_qemu.sh). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "core.h"
#include "deadline.h"
#include "lio_fx.h"
#include "model.h"
#include "util.h"

static int setup(void **state)
{
	struct lio_fx *f = calloc(1, sizeof *f);

	if (!f || lio_fx_init(f, "iqn.1994-05.com.redhat:host1") != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct lio_fx *f = *state;

	lio_fx_fini(f);
	free(f);
	return 0;
}

static char *attr(struct lio_fx *f, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/%s", f->root, rel);
	return tu_read(path, NULL);
}

static void expect_attr(struct lio_fx *f, const char *rel, const char *value)
{
	char *v = attr(f, rel);

	if (!v)
		fail_msg("%s was not written", rel);
	assert_string_equal(v, value);
	free(v);
}

static void test_create_target_with_open_access(void **state)
{
	struct lio_fx *f = *state;
	struct lm_err err;
	struct stat sb;
	char path[PATH_MAX * 2];

	assert_int_equal(f->b->ops->create_target(f->b, f->t1, &err), LM_S_OK);
	snprintf(path, sizeof path, "%s/iscsi/iqn.2026-11.org.example:t1/tpgt_1/np/127.0.0.1:3260",
		 f->root);
	assert_int_equal(stat(path, &sb), 0);
	expect_attr(f, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/attrib/generate_node_acls", "1\n");
	expect_attr(f, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/attrib/demo_mode_write_protect", "0\n");
	expect_attr(f, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/enable", "1\n");
	/* twice: a target that is there is finished, not refused (start-up
	 * and restore(4) call it for one a crash left half made) */
	assert_int_equal(f->b->ops->create_target(f->b, f->t1, &err), LM_S_OK);
	expect_attr(f, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/enable", "1\n");
}

/* Sessions for the in-use guard: each name of the TPG's dynamic_sessions
 * (LIO writes "name\n" and a NUL after each) and each ACL whose info
 * names a logged-in initiator. */
static void test_enumerate_counts_sessions(void **state)
{
	struct lio_fx *f = *state;
	char tpg[PATH_MAX * 2], acl[PATH_MAX * 3], *p;
	struct lm_stack st;
	FILE *out;

	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].sessions, 0);
	lm_stack_clear(&st);
	snprintf(tpg, sizeof tpg, "%s/iscsi/iqn.2026-11.org.example:t2/tpgt_1", f->root);
	snprintf(acl, sizeof acl, "%s/dynamic_sessions", tpg);
	out = fopen(acl, "w");
	assert_non_null(out);
	{
		static const char names[] = "iqn.2026-11.org.example:a\n\0iqn.2026-11.org.example:b\n";
		fwrite(names, 1, sizeof names, out); /* the last NUL too */
	}
	fclose(out);
	snprintf(acl, sizeof acl, "%s/acls/iqn.1994-05.com.redhat:host1", tpg);
	free(tu_write(acl, "info", "InitiatorName: iqn.1994-05.com.redhat:host1\nInitiatorAlias: x\n"));
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].sessions, 3);
	lm_stack_clear(&st);
	/* an ACL without a session */
	p = tu_write(acl, "info", "No active iSCSI Session for Initiator Endpoint: iqn.1994-05.com.redhat:host1\n");
	free(p);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].sessions, 2);
	lm_stack_clear(&st);
}

static void test_create_target_with_acls(void **state)
{
	struct lio_fx *f = *state;
	struct stat sb;
	char path[PATH_MAX * 2];

	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/iscsi/iqn.2026-11.org.example:t2/tpgt_1/acls/iqn.1994-05.com.redhat:host1",
		 f->root);
	assert_int_equal(stat(path, &sb), 0);
	/* no generated ACLs (an inventory that named none before may have
	 * had them) */
	expect_attr(f, "iscsi/iqn.2026-11.org.example:t2/tpgt_1/attrib/generate_node_acls", "0\n");
	/* no CHAP secret is set: LIO's default (authentication 1) would
	 * refuse every named initiator */
	expect_attr(f, "iscsi/iqn.2026-11.org.example:t2/tpgt_1/attrib/authentication", "0\n");
}

static void test_add_lu_makes_one_backstore_linked_from_each_target(void **state)
{
	struct lio_fx *f = *state;
	char hex[33], bs[PATH_MAX], want[PATH_MAX * 2], link[PATH_MAX * 2], to[PATH_MAX];
	ssize_t n;
	struct lm_stack st;

	lm_guid_hex(&f->lun->id, hex);
	snprintf(bs, sizeof bs, "core/fileio_0/lm-%s", hex);
	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 5, f->lun, NULL), LM_S_OK);
	snprintf(want, sizeof want, "%s/control", bs);
	{
		char control[PATH_MAX + 64];
		snprintf(control, sizeof control, "fd_dev_name=%s,fd_dev_size=8388608\n", f->img);
		expect_attr(f, want, control);
	}
	snprintf(want, sizeof want, "%s/wwn/vpd_unit_serial", bs);
	{
		char serial[40];
		snprintf(serial, sizeof serial, "%s\n", hex);
		expect_attr(f, want, serial);
	}
	snprintf(link, sizeof link, "%s/iscsi/iqn.2026-11.org.example:t2/tpgt_1/lun/lun_5/lm-%s",
		 f->root, hex);
	n = readlink(link, to, sizeof to - 1);
	assert_true(n > 0);
	to[n] = '\0';
	snprintf(want, sizeof want, "%s/%s", f->root, bs);
	assert_string_equal(to, want);
	/* enumerate reads back both LUs with the LUN's path */
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.ntargets, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(st.targets[i].nlus, 1);
		assert_string_equal(st.targets[i].lus[0].path, f->img);
		assert_int_equal(st.targets[i].lus[0].number,
				 strcmp(st.targets[i].iqn, "iqn.2026-11.org.example:t1") == 0 ? 1 : 5);
	}
	lm_stack_clear(&st);
}

static void test_enumerate_reads_a_targetcli_setup(void **state)
{
	struct lio_fx *f = *state;
	char path[PATH_MAX * 2], target[PATH_MAX * 2];
	struct lm_stack st;

	/* what targetcli leaves: its own backstore names, udev_path set */
	snprintf(path, sizeof path, "%s/core/fileio_1", f->root);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/core/fileio_1/disk0", f->root);
	mkdir(path, 0755);
	free(tu_write(path, "udev_path", "/srv/disk0.img\n"));
	snprintf(path, sizeof path, "%s/iscsi", f->root);
	mkdir(path, 0755);
	free(tu_write(path, "discovery_auth", ""));
	snprintf(path, sizeof path, "%s/iscsi/iqn.2003-01.org.linux-iscsi.host:sn.1", f->root);
	mkdir(path, 0755);
	strcat(path, "/tpgt_1");
	mkdir(path, 0755);
	strcat(path, "/lun");
	mkdir(path, 0755);
	strcat(path, "/lun_0");
	mkdir(path, 0755);
	snprintf(target, sizeof target, "%s/core/fileio_1/disk0", f->root);
	strcat(path, "/abcdef0123");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.ntargets, 1); /* discovery_auth is not a target */
	assert_string_equal(st.targets[0].iqn, "iqn.2003-01.org.linux-iscsi.host:sn.1");
	assert_int_equal(st.targets[0].nlus, 1);
	assert_int_equal(st.targets[0].lus[0].number, 0);
	assert_string_equal(st.targets[0].lus[0].path, "/srv/disk0.img");
	lm_stack_clear(&st);
}

static void test_remove_lu_and_errno_reasons(void **state)
{
	struct lio_fx *f = *state;
	struct lm_err err;
	struct lm_stack st;
	char lundir[PATH_MAX * 2];

	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 2, f->lun, NULL), LM_S_OK);
	/* a LUN number already there: EEXIST */
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 2, f->lun, &err), LM_HR_ALREADY_EXISTS);
	assert_non_null(strstr(err.msg, "it already exists"));
	assert_int_equal(f->b->ops->remove_lu(f->b, f->t1, 2, f->lun, &err), LM_S_OK);
	snprintf(lundir, sizeof lundir, "%s/iscsi/iqn.2026-11.org.example:t1/tpgt_1/lun/lun_2", f->root);
	assert_int_not_equal(access(lundir, F_OK), 0);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].nlus, 0);
	lm_stack_clear(&st);
	/* gone behind our back: ENOENT, said so */
	assert_int_equal(f->b->ops->remove_lu(f->b, f->t1, 2, f->lun, &err), LM_HR_FILE_NOT_FOUND);
	assert_non_null(strstr(err.msg, "removed behind lunmap's back"));
	/* a target that is not there */
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 1, f->lun, &err), LM_HR_FILE_NOT_FOUND);
	assert_non_null(strstr(err.msg, "does not exist"));
}


#define T2 "iqn.2026-11.org.example:t2"
#define HOST1 "iqn.1994-05.com.redhat:host1"
#define HOST2 "iqn.1994-05.com.redhat:host2"

/* What acls/INIT/lun_N of t2 links to, or "" */
static void mapped_to(struct lio_fx *f, const char *init, unsigned n, char *out, size_t len)
{
	char link[PATH_MAX * 2];
	ssize_t got;

	snprintf(link, sizeof link, "%s/iscsi/" T2 "/tpgt_1/acls/%s/lun_%u/lunmap", f->root, init, n);
	got = readlink(link, out, len - 1);
	out[got > 0 ? got : 0] = '\0';
}

static void expect_mapped(struct lio_fx *f, const char *init, unsigned n)
{
	char to[PATH_MAX], want[PATH_MAX * 2];

	mapped_to(f, init, n, to, sizeof to);
	snprintf(want, sizeof want, "%s/iscsi/" T2 "/tpgt_1/lun/lun_%u", f->root, n);
	assert_string_equal(to, want);
}

static void expect_no_folder(struct lio_fx *f, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof path, "%s/iscsi/" T2 "/tpgt_1/%s", f->root, rel);
	if (access(path, F_OK) == 0)
		fail_msg("%s is still there", rel);
}

/* The defect: an explicit ACL saw no LUN, LIO maps none by itself. add_lu
 * maps the LUN in every ACL (acls/INIT/lun_N -> lun/lun_N), remove_lu
 * takes the mapping out before the TPG LUN. */
static void test_add_lu_maps_the_lun_in_each_acl(void **state)
{
	struct lio_fx *f = *state;
	struct lm_stack st;
	char path[PATH_MAX * 2];

	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	/* an ACL an admin added: targetcli would map into it too */
	snprintf(path, sizeof path, "%s/iscsi/" T2 "/tpgt_1/acls/" HOST2, f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 3, f->lun, NULL), LM_S_OK);
	expect_mapped(f, HOST1, 3);
	expect_mapped(f, HOST2, 3);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].nlus, 1);
	assert_null(st.targets[0].lus[0].unmapped);
	lm_stack_clear(&st);
	assert_int_equal(f->b->ops->remove_lu(f->b, f->t2, 3, f->lun, NULL), LM_S_OK);
	expect_no_folder(f, "acls/" HOST1 "/lun_3");
	expect_no_folder(f, "acls/" HOST2 "/lun_3");
	expect_no_folder(f, "lun/lun_3");
}

/* Demo mode (ALL) has no ACL to map into: the TPG LUN only. */
static void test_add_lu_in_demo_mode_makes_no_acl(void **state)
{
	struct lio_fx *f = *state;
	char path[PATH_MAX * 2];
	struct lm_stack st;

	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/iscsi/iqn.2026-11.org.example:t1/tpgt_1/acls", f->root);
	{
		DIR *d = opendir(path);
		struct dirent *e;
		assert_non_null(d);
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				fail_msg("an ACL in demo mode: %s", e->d_name);
		closedir(d);
	}
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_null(st.targets[0].lus[0].unmapped);
	lm_stack_clear(&st);
}

/* A mapping taken away behind lunmap's back is reported by enumerate (the
 * initiator that lost it), and the core calls it drift with that reason;
 * putting the LU back whole (remove, add: what restore does) maps it
 * again. */
static void test_enumerate_reports_a_missing_mapping_as_drift(void **state)
{
	struct lio_fx *f = *state;
	struct lm_stack st;
	char path[PATH_MAX * 2], why[LM_ERR_MSG_MAX] = "";

	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 2, f->lun, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/iscsi/" T2 "/tpgt_1/acls/" HOST1 "/lun_2/lunmap", f->root);
	assert_int_equal(unlink(path), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].nlus, 1);
	assert_non_null(st.targets[0].lus[0].unmapped);
	assert_string_equal(st.targets[0].lus[0].unmapped, HOST1);
	assert_int_equal(lm_links_reserve(&f->lun->links, 1), LM_S_OK);
	assert_int_equal(lm_links_reserve(&f->t2->links, 1), LM_S_OK);
	lm_model_link(f->m, f->lun, f->t2, 2);
	assert_false(lm_lu_identity_ok(f->lun, &st.targets[0].lus[0]));
	assert_int_equal(lm_compare_target(f->m, f->t2, &st.targets[0], why, sizeof why), 1);
	assert_non_null(strstr(why, "not mapped for initiator " HOST1));
	lm_stack_clear(&st);
	/* restore's cure */
	assert_int_equal(f->b->ops->remove_lu(f->b, f->t2, 2, f->lun, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 2, f->lun, NULL), LM_S_OK);
	expect_mapped(f, HOST1, 2);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_null(st.targets[0].lus[0].unmapped);
	assert_int_equal(lm_compare_target(f->m, f->t2, &st.targets[0], why, sizeof why), 0);
	lm_stack_clear(&st);
}

/* A named initiator whose ACL is missing on a target that already has
 * LUNs: the next add_lu makes the ACL and maps every LUN into it, not only
 * the new one. */
static void test_new_acl_gets_the_luns_the_target_has(void **state)
{
	struct lio_fx *f = *state;
	struct lm_lun *other;
	char path[PATH_MAX * 2], *img;

	assert_int_equal(f->b->ops->create_target(f->b, f->t2, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 1, f->lun, NULL), LM_S_OK);
	snprintf(path, sizeof path, "%s/iscsi/" T2 "/tpgt_1/acls/" HOST1 "/lun_1/lunmap", f->root);
	assert_int_equal(unlink(path), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(rmdir(path), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(rmdir(path), 0); /* the ACL is gone */
	img = tu_sparse(f->dir, "logs.img", 4 << 20);
	other = lm_model_add_lun(f->m, 0, NULL, "logs", img);
	assert_non_null(other);
	other->size = 4 << 20;
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 2, other, NULL), LM_S_OK);
	expect_mapped(f, HOST1, 1);
	expect_mapped(f, HOST1, 2);
	free(img);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* Issue #12.4: a portal or initiator name that climbs ("../") made
 * folders outside configfs. lio.c never builds a path from such a part. */
static void test_no_path_climbs_out_of_configfs(void **state)
{
	struct lio_fx *f = *state;
	struct lm_backend_conf conf = { .type = "lio", .portal = "../../../../pwn" };
	struct lm_backend *b;
	struct lm_target *t;
	struct lm_err err;
	char outside[PATH_MAX * 2];
	struct stat sb;

	memcpy(conf.configfs, f->root, strlen(f->root) + 1);
	b = lm_lio_new(&conf);
	assert_int_not_equal(b->ops->create_target(b, f->t1, &err), LM_S_OK);
	lm_backend_destroy(b);
	snprintf(outside, sizeof outside, "%s/pwn", f->dir);
	assert_int_not_equal(stat(outside, &sb), 0);
	t = lm_model_add_target(f->m, 0, NULL, "iqn.2026-11.org.example:t3", NULL,
				"iqn.2026-11.org.example:a/../../../../../pwn2");
	assert_non_null(t);
	assert_int_not_equal(f->b->ops->create_target(f->b, t, &err), LM_S_OK);
	snprintf(outside, sizeof outside, "%s/pwn2", f->dir);
	assert_int_not_equal(stat(outside, &sb), 0);
}

static const struct lm_stack_target *find(const struct lm_stack *s, const char *iqn)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (!strcmp(s->targets[i].iqn, iqn))
			return &s->targets[i];
	return NULL;
}

static void rel_path(struct lio_fx *f, char *out, const char *rel)
{
	snprintf(out, PATH_MAX * 2, "%s/%s", f->root, rel);
}

/* Half-made targets (a crash inside create_target) are reported, and a
 * second create_target finishes them: a target folder without its TPG,
 * a TPG not enabled, a portal missing, a lun_N without its device, a
 * mapped LUN without its link. */
static void test_a_half_made_target_is_reported_and_finished(void **state)
{
	struct lio_fx *f = *state;
	char path[PATH_MAX * 2];
	struct lm_stack st;
	struct lm_err err;

	rel_path(f, path, "iscsi");
	mkdir(path, 0755);
	rel_path(f, path, "iscsi/" T2);
	assert_int_equal(mkdir(path, 0755), 0); /* killed before the TPG */
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_non_null(find(&st, T2)->half);
	assert_non_null(strstr(find(&st, T2)->half, "no tpgt_1"));
	lm_stack_clear(&st);
	assert_int_equal(f->b->ops->create_target(f->b, f->t2, &err), LM_S_OK);
	expect_attr(f, "iscsi/" T2 "/tpgt_1/enable", "1\n");
	assert_int_equal(f->b->ops->add_lu(f->b, f->t2, 4, f->lun, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_null(find(&st, T2)->half);
	lm_stack_clear(&st);

	/* the TPG disabled, the portal gone, an empty lun_N and mapped LUN */
	free(tu_write(path, "tpgt_1/enable", "0\n"));
	rel_path(f, path, "iscsi/" T2 "/tpgt_1/np/127.0.0.1:3260");
	assert_int_equal(rmdir(path), 0);
	rel_path(f, path, "iscsi/" T2 "/tpgt_1/lun/lun_9");
	assert_int_equal(mkdir(path, 0755), 0);
	rel_path(f, path, "iscsi/" T2 "/tpgt_1/acls/" HOST1 "/lun_9");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_non_null(find(&st, T2)->half);
	assert_int_equal(find(&st, T2)->nlus, 1); /* lun_9 is no LU */
	lm_stack_clear(&st);
	assert_int_equal(f->b->ops->create_target(f->b, f->t2, &err), LM_S_OK);
	expect_attr(f, "iscsi/" T2 "/tpgt_1/enable", "1\n");
	rel_path(f, path, "iscsi/" T2 "/tpgt_1/np/127.0.0.1:3260");
	assert_int_equal(access(path, F_OK), 0);
	expect_no_folder(f, "lun/lun_9");
	expect_no_folder(f, "acls/" HOST1 "/lun_9");
	expect_mapped(f, HOST1, 4);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_null(find(&st, T2)->half);
	assert_int_equal(find(&st, T2)->nlus, 1);
	lm_stack_clear(&st);
}

/* A lun_N that holds no device (killed between mkdir and link, or between
 * unlink and rmdir): add_lu takes it, remove_lu finishes removing it. */
static void test_an_empty_lun_folder_is_taken_or_removed(void **state)
{
	struct lio_fx *f = *state;
	char path[PATH_MAX * 2];
	struct lm_stack st;
	struct lm_err err;

	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	rel_path(f, path, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/lun/lun_2");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 2, f->lun, &err), LM_S_OK);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_int_equal(st.targets[0].nlus, 1);
	assert_null(st.targets[0].half);
	lm_stack_clear(&st);
	rel_path(f, path, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/lun/lun_5");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(f->b->ops->remove_lu(f->b, f->t1, 5, f->lun, &err), LM_S_OK);
	assert_int_not_equal(access(path, F_OK), 0);
	/* one that is not there at all is still drift */
	assert_int_equal(f->b->ops->remove_lu(f->b, f->t1, 5, f->lun, &err), LM_HR_FILE_NOT_FOUND);
}

/* path of f's backstore, with its parents made, or of a file in it */
static void backstore_path(struct lio_fx *f, const char *rel, char *out)
{
	char hex[33];

	lm_guid_hex(&f->lun->id, hex);
	snprintf(out, PATH_MAX * 2, "%s/core/fileio_0", f->root);
	mkdir(out, 0755);
	snprintf(out, PATH_MAX * 2, "%s/core/fileio_0/lm-%s%s%s", f->root, hex, *rel ? "/" : "", rel);
}

static void make_exported(struct lio_fx *f, const char *count)
{
	char dir[PATH_MAX * 2];

	backstore_path(f, "statistics", dir);
	mkdir(dir, 0755);
	strcat(dir, "/scsi_dev");
	mkdir(dir, 0755);
	free(tu_write(dir, "ports", count));
}

/* A backstore enabled without its serial (killed before the last write
 * of make_backstore) is finished before it is linked: never exported with
 * the wrong identity. One that LUNs export so is refused, not reused. */
static void test_a_backstore_without_its_serial_is_finished(void **state)
{
	struct lio_fx *f = *state;
	char dir[PATH_MAX * 2], rel[PATH_MAX * 2], hex[33], want[40];
	struct lm_stack st;
	struct lm_err err;

	lm_guid_hex(&f->lun->id, hex);
	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	backstore_path(f, "", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	free(tu_write(dir, "enable", "1\n"));
	free(tu_write(dir, "udev_path", f->img));
	make_exported(f, "1\n");
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, &err), LM_HR_BUSY);
	assert_non_null(strstr(err.msg, "not whole"));
	make_exported(f, "0\n");
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, &err), LM_S_OK);
	snprintf(rel, sizeof rel, "core/fileio_0/lm-%s/wwn/vpd_unit_serial", hex);
	snprintf(want, sizeof want, "%s\n", hex);
	expect_attr(f, rel, want);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_string_equal(st.targets[0].lus[0].serial, hex);
	assert_true(lm_lu_identity_ok(f->lun, &st.targets[0].lus[0]));
	lm_stack_clear(&st);
}

/* A backstore of lunmap's that no LU uses (LIO's export count is 0) is
 * reported as a leftover outside every target; keep-backstores keeps a
 * whole one, not a half-made one. */
static void test_an_unused_backstore_is_reported(void **state)
{
	struct lio_fx *f = *state;
	struct lm_backend_conf conf = { .type = "lio", .keep_backstores = true };
	struct lm_backend *keep;
	struct lm_stack st;

	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, NULL), LM_S_OK);
	make_exported(f, "1\n");
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_null(st.half);
	lm_stack_clear(&st);
	make_exported(f, "0\n");
	assert_int_equal(f->b->ops->enumerate(f->b, &st, NULL), LM_S_OK);
	assert_non_null(st.half);
	assert_non_null(strstr(st.half, "used by no LU"));
	lm_stack_clear(&st);
	memcpy(conf.configfs, f->root, strlen(f->root) + 1);
	keep = lm_lio_new(&conf);
	assert_int_equal(keep->ops->enumerate(keep, &st, NULL), LM_S_OK);
	assert_null(st.half);
	lm_stack_clear(&st);
	lm_backend_destroy(keep);
}

/* The SET's deadline (design §5): once it has passed, no configfs
 * operation starts; the step fails as a timeout naming it, nothing is
 * made. */
static void test_nothing_starts_after_the_deadline(void **state)
{
	struct lio_fx *f = *state;
	char path[PATH_MAX * 2];
	struct lm_stack st;
	struct lm_err err;

	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	f->b->ops->set_deadline(f->b, lm_now_ms() - 1);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, &err), LM_HR_TIMEOUT);
	assert_non_null(strstr(err.msg, "deadline"));
	assert_int_equal(f->b->ops->create_target(f->b, f->t2, &err), LM_HR_TIMEOUT);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, &err), LM_HR_TIMEOUT);
	rel_path(f, path, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/lun/lun_1");
	assert_int_not_equal(access(path, F_OK), 0);
	rel_path(f, path, "iscsi/" T2);
	assert_int_not_equal(access(path, F_OK), 0);
	f->b->ops->set_deadline(f->b, lm_now_ms() + 60000);
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, f->lun, &err), LM_S_OK);
	f->b->ops->set_deadline(f->b, LM_NO_DEADLINE);
	assert_int_equal(f->b->ops->enumerate(f->b, &st, &err), LM_S_OK);
	lm_stack_clear(&st);
}

/* A FIFO at a LUN's path: refused at once (the open does not wait for a
 * writer), failed with the reason, nothing made. */
static void test_a_fifo_is_no_backing_store(void **state)
{
	struct lio_fx *f = *state;
	char fifo[PATH_MAX * 2], path[PATH_MAX * 2];
	struct lm_lun *lun;
	struct lm_err err;

	snprintf(fifo, sizeof fifo, "%s/fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	lun = lm_model_add_lun(f->m, 0, NULL, "pipe", fifo);
	assert_non_null(lun);
	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	alarm(10); /* an open that waits for a writer fails the test */
	assert_int_equal(f->b->ops->add_lu(f->b, f->t1, 1, lun, &err), LM_VDS_E_OBJECT_STATUS_FAILED);
	alarm(0);
	assert_non_null(strstr(err.msg, "not a regular file or a block device"));
	rel_path(f, path, "iscsi/iqn.2026-11.org.example:t1/tpgt_1/lun/lun_1");
	assert_int_not_equal(access(path, F_OK), 0);
}

/* Issue #20: LIO splits the text written to a backstore's control at
 * ',' and newline with no escape ("fd_dev_name=/a.img,path=..." is two
 * options) and keeps 255 bytes of fd_dev_name: a path that would be read
 * as an option, or cut, is refused before any backstore is made. */
static void test_a_path_that_is_an_option_never_reaches_control(void **state)
{
	struct lio_fx *f = *state;
	char core[PATH_MAX + 32], longpath[300];
	struct lm_lun *odd[3];
	struct lm_err err;
	DIR *d;
	struct dirent *e;

	memset(longpath, 'a', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	odd[0] = lm_model_add_lun(f->m, 0, NULL, "comma", "/srv/img/vm1.img,fd_dev_size=1");
	odd[1] = lm_model_add_lun(f->m, 0, NULL, "newline", "/srv/img/vm1.img\nudev_path=/x");
	odd[2] = lm_model_add_lun(f->m, 0, NULL, "long", longpath);
	assert_int_equal(f->b->ops->create_target(f->b, f->t1, NULL), LM_S_OK);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f->b->ops->add_lu(f->b, f->t1, (uint32_t)i + 1, odd[i], &err),
				 LM_E_INVALIDARG);
	assert_non_null(strstr(err.msg, "255"));
	snprintf(core, sizeof core, "%s/core/fileio_0", f->root);
	d = opendir(core);
	while (d && (e = readdir(d)))
		assert_true(e->d_name[0] == '.');
	if (d)
		closedir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_path_that_is_an_option_never_reaches_control),
		T(test_create_target_with_open_access),
		T(test_create_target_with_acls),
		T(test_enumerate_counts_sessions),
		T(test_add_lu_makes_one_backstore_linked_from_each_target),
		T(test_enumerate_reads_a_targetcli_setup),
		T(test_remove_lu_and_errno_reasons),
		T(test_no_path_climbs_out_of_configfs),
		T(test_add_lu_maps_the_lun_in_each_acl),
		T(test_add_lu_in_demo_mode_makes_no_acl),
		T(test_enumerate_reports_a_missing_mapping_as_drift),
		T(test_new_acl_gets_the_luns_the_target_has),
		T(test_a_half_made_target_is_reported_and_finished),
		T(test_an_empty_lun_folder_is_taken_or_removed),
		T(test_a_backstore_without_its_serial_is_finished),
		T(test_an_unused_backstore_is_reported),
		T(test_nothing_starts_after_the_deadline),
		T(test_a_fifo_is_no_backing_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
