/* SPDX-License-Identifier: BSD-3-Clause */
/* Replays every file of the folders named at build time (the seed corpus
 * and the regression inputs of one harness) through its
 * LLVMFuzzerTestOneInput, without libFuzzer: make check runs this with
 * gcc, so every finding stays fixed even where clang is missing. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return 0; /* a harness without regressions yet */
	while ((e = readdir(d))) {
		char path[4096];
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (replay_file(path) != 0) {
			fprintf(stderr, "cannot read %s\n", path);
			closedir(d);
			return -1;
		}
		(*count)++;
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	char dirs[] = REPLAY_DIRS;

	for (int i = 1; i < argc; i++)
		if (replay_file(argv[i]) != 0)
			return 1;
	if (argc > 1)
		return 0;
	for (char *d = strtok(dirs, ":"); d; d = strtok(NULL, ":"))
		if (replay_dir(d, &count) != 0)
			return 1;
	printf("%u inputs replayed\n", count);
	return count ? 0 : 1;
}
