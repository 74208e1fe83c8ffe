/* SPDX-License-Identifier: BSD-3-Clause */
/* Runs a program with an argument vector (never a shell), with a time
 * limit, and keeps what it wrote. */
#ifndef LUNMAP_RUN_H
#define LUNMAP_RUN_H

#include <stddef.h>

struct lm_run_result {
	int status;    /* exit code; -1 when it did not exit normally */
	int timed_out; /* killed at the time limit */
	char *out;     /* stdout, NUL-terminated */
	char *errout;  /* stderr, NUL-terminated */
	int lost;      /* out of memory: out or errout is incomplete */
};

/* 0 when the program ran (whatever it exited with; check `lost` before
 * trusting its output), -1 when it could not be started (missing, not
 * executable) or there was no memory for its result; errno is set then. */
int lm_run(char *const argv[], unsigned timeout_ms, struct lm_run_result *r);
void lm_run_result_free(struct lm_run_result *r);

#endif
