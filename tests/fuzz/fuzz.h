/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the libFuzzer harnesses and their replay driver. A harness
 * asserts what an accepted input must satisfy: a wrong acceptance is a
 * finding, as a crash is. */
#ifndef LUNMAP_FUZZ_H
#define LUNMAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: accepted input breaks: %s\n", __FILE__, __LINE__, \
				#cond);                                                    \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* A private folder for harnesses that need files (made once per process). */
const char *fuzz_dir(void);
/* Writes data to DIR/name; returns the path (static buffer). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* data as a NUL-terminated string (malloc'd). */
char *fuzz_str(const uint8_t *data, size_t size);
/* DIR/name, made empty of what the last input left there: its path
 * (static buffer). */
const char *fuzz_fresh_dir(const char *name);
/* mkdir -p of path, making only the folders below root (which exists). */
void fuzz_mkdirs(const char *root, const char *path);

/* The differential harnesses' generator: the input as a stream of
 * choices, 0 once it runs out. */
struct fuzz_gen {
	const uint8_t *p;
	size_t n;
};
/* a choice in [0, n) */
unsigned fuzz_pick(struct fuzz_gen *g, unsigned n);

#endif
