/* SPDX-License-Identifier: BSD-3-Clause */
/* lunmapctl: the core from the command line, for admins and tests; the
 * same calls lunmapd makes for SNMP. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lunmap.h"
#include "valid.h"

static void usage(FILE *f)
{
	fputs("usage: lunmapctl -c INVENTORY -s STATEDIR COMMAND [ARGS]\n"
	      "commands:\n"
	      "  show                           subsystem, LUNs, targets and associations\n"
	      "  associate LUN [TARGET...]      replace the LUN's set of targets\n"
	      "  add LUN TARGET [NUMBER]        add one target to the LUN's set\n"
	      "  remove LUN TARGET              remove one target from the LUN's set\n"
	      "  query-targets LUN | query-luns TARGET\n"
	      "  check | refresh | reenumerate  drift check and its cure\n"
	      "  -                              read commands from stdin, one a line,\n"
	      "                                 answering \"ok\" or \"error NAME 0xCODE text\"\n"
	      "LUN is an id or a LUN name; TARGET an id, an IQN or an alias.\n",
	      f);
}

static void log_line(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "lunmapctl: %s\n", msg);
}

/* LUN by id or name; target by id, IQN or alias. */
static int resolve(const struct lm_core *c, const char *arg, bool lun, lm_guid *out)
{
	if (lm_guid_parse(arg, out) == 0)
		return 0;
	for (const struct lm_lun *l = lm_core_lun_after(c, 0); lun && l;
	     l = lm_core_lun_after(c, lm_lun_index(l)))
		if (lm_lun_name(l) && strcmp(lm_lun_name(l), arg) == 0) {
			*out = *lm_lun_id(l);
			return 0;
		}
	for (const struct lm_target *t = lm_core_target_after(c, 0); !lun && t;
	     t = lm_core_target_after(c, lm_target_index(t))) {
		const char *alias = lm_target_alias(t);
		if (strcmp(lm_target_iqn(t), arg) == 0 || (alias && strcmp(alias, arg) == 0)) {
			*out = *lm_target_id(t);
			return 0;
		}
	}
	fprintf(stderr, "lunmapctl: no %s called \"%s\"\n", lun ? "LUN" : "target", arg);
	return -1;
}

static const char *status_name(int s)
{
	return s == LM_ONLINE ? "online" : s == LM_OFFLINE ? "offline" : "failed";
}

static void show(const struct lm_core *c)
{
	char id[LM_GUID_STRLEN + 1];
	enum lm_subsys_status st = lm_core_status(c);

	printf("subsystem %s backend %s status %s max-targets-per-lun %u associations %zu\n",
	       lm_core_name(c), lm_core_backend_name(c),
	       st == LM_SUBSYS_ONLINE ? "online" : st == LM_SUBSYS_CACHE_CORRUPT ? "cacheCorrupt" : "offline",
	       lm_core_max_targets(c), lm_core_assoc_count(c));
	for (const struct lm_target *t = lm_core_target_after(c, 0); t;
	     t = lm_core_target_after(c, lm_target_index(t))) {
		lm_guid_format(lm_target_id(t), id);
		printf("target %u %s %s %s%s\n", lm_target_index(t), id, lm_target_iqn(t),
		       status_name(lm_target_status(t)), lm_target_discovered(t) ? " discovered" : "");
	}
	for (const struct lm_lun *l = lm_core_lun_after(c, 0); l; l = lm_core_lun_after(c, lm_lun_index(l))) {
		size_t n;
		const struct lm_assoc *v = lm_lun_assocs(l, &n);
		lm_guid_format(lm_lun_id(l), id);
		printf("lun %u %s %s %s %llu %s\n", lm_lun_index(l), id, lm_lun_name(l), lm_lun_path(l),
		       (unsigned long long)lm_lun_size(l), status_name(lm_lun_status(l)));
		for (size_t j = 0; j < n; j++)
			printf("  -> %s as LUN %u\n", lm_target_iqn(lm_core_target(c, v[j].index)),
			       v[j].number);
	}
}

static void print_ids(const lm_guid *ids, size_t n)
{
	char s[LM_GUID_STRLEN + 1];

	for (size_t i = 0; i < n; i++) {
		lm_guid_format(&ids[i], s);
		puts(s);
	}
}

static lm_hr run(struct lm_core *c, int argc, char **argv, struct lm_err *err)
{
	const char *cmd = argv[0];
	lm_guid a, b, *ids = NULL;
	size_t n = 0;
	lm_hr hr = LM_S_OK;

	if (strcmp(cmd, "show") == 0) {
		show(c);
	} else if (strcmp(cmd, "associate") == 0 && argc >= 2) {
		ids = calloc((size_t)argc, sizeof *ids);
		if (!ids || resolve(c, argv[1], true, &a))
			hr = lm_err_set(err, LM_E_INVALIDARG, "bad arguments");
		for (int i = 2; i < argc && !lm_failed(hr); i++)
			if (resolve(c, argv[i], false, &ids[n++]))
				hr = lm_err_set(err, LM_E_INVALIDARG, "bad arguments");
		if (!lm_failed(hr))
			hr = lm_associate_targets(c, &a, ids, n, NULL, err);
	} else if (strcmp(cmd, "add") == 0 && (argc == 3 || argc == 4)) {
		unsigned long long number = 0;
		if (resolve(c, argv[1], true, &a) || resolve(c, argv[2], false, &b))
			return lm_err_set(err, LM_E_INVALIDARG, "bad arguments");
		/* a typo must not mean "the lowest free number" */
		if (argc == 4 && (!lm_parse_u64(argv[3], strlen(argv[3]), LM_MAX_LUN_NUMBER, &number) ||
				  number == 0))
			return lm_err_set(err, LM_E_INVALIDARG, "LUN number \"%s\" is not 1 to %u",
					  argv[3], LM_MAX_LUN_NUMBER);
		hr = lm_add_association(c, &a, &b, (uint32_t)number, NULL, err);
	} else if (strcmp(cmd, "remove") == 0 && argc == 3) {
		if (resolve(c, argv[1], true, &a) || resolve(c, argv[2], false, &b))
			return lm_err_set(err, LM_E_INVALIDARG, "bad arguments");
		hr = lm_remove_association(c, &a, &b, NULL, err);
	} else if (strcmp(cmd, "query-targets") == 0 && argc == 2) {
		if (resolve(c, argv[1], true, &a))
			return lm_err_set(err, LM_E_INVALIDARG, "bad arguments");
		hr = lm_query_associated_targets(c, &a, &ids, &n, err);
		print_ids(ids, n);
	} else if (strcmp(cmd, "query-luns") == 0 && argc == 2) {
		if (resolve(c, argv[1], false, &a))
			return lm_err_set(err, LM_E_INVALIDARG, "bad arguments");
		hr = lm_query_associated_luns(c, &a, &ids, &n, err);
		print_ids(ids, n);
	} else if (strcmp(cmd, "check") == 0) {
		hr = lm_core_check(c, err);
	} else if (strcmp(cmd, "refresh") == 0 || strcmp(cmd, "reenumerate") == 0) {
		hr = lm_core_refresh(c, cmd[0] == 'r' && cmd[2] == 'f' ? LM_REFRESH : LM_REENUMERATE, err);
	} else {
		usage(stderr);
		return lm_err_set(err, LM_E_INVALIDARG, "unknown command or wrong arguments");
	}
	free(ids);
	/* a step failed that validation let through: the check lunmapd runs
	 * after the answer, here after the command */
	if (lm_core_check_due(c)) {
		struct lm_err drift;
		if (lm_core_check(c, &drift) == LM_VDS_E_PROVIDER_CACHE_CORRUPT)
			fprintf(stderr, "lunmapctl: %s\n", drift.msg);
	}
	return hr;
}

/* One core, many commands: the tests act on the stack between them. */
static lm_hr session(struct lm_core *c)
{
	char line[4096];

	while (fgets(line, sizeof line, stdin)) {
		char *words[64], *save = NULL;
		int n = 0;
		struct lm_err err = { 0 };
		lm_hr hr;

		for (char *w = strtok_r(line, " \t\n", &save); w && n < 63; w = strtok_r(NULL, " \t\n", &save))
			words[n++] = w;
		if (n == 0)
			continue;
		words[n] = NULL;
		hr = run(c, n, words, &err);
		if (lm_failed(hr))
			printf("error %s 0x%08X %s\n", lm_hr_name(hr), hr, err.msg);
		else
			puts("ok");
		fflush(stdout);
	}
	return LM_S_OK;
}

int main(int argc, char **argv)
{
	struct lm_core_opts opts = { .log = log_line };
	struct lm_core *c = NULL;
	struct lm_err err = { 0 };
	lm_hr hr;
	int opt;

	while ((opt = getopt(argc, argv, "+c:s:h")) != -1) {
		switch (opt) {
		case 'c': opts.inventory = optarg; break;
		case 's': opts.state_dir = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!opts.inventory || !opts.state_dir || optind >= argc) {
		usage(stderr);
		return 2;
	}
	hr = lm_core_open(&opts, &c, &err);
	if (!lm_failed(hr))
		hr = strcmp(argv[optind], "-") == 0 ? session(c)
						   : run(c, argc - optind, argv + optind, &err);
	lm_core_close(c);
	if (lm_failed(hr)) {
		fprintf(stderr, "lunmapctl: %s (0x%08X): %s\n", lm_hr_name(hr), hr, err.msg);
		return 1;
	}
	return 0;
}
