/* SPDX-License-Identifier: BSD-3-Clause */
/* A probe of a backing store that may never answer (a hard NFS mount
 * whose server is gone blocks open and stat in the kernel): it runs in a
 * thread of its own, and a LUN keeps the one that outlived its wait. */
#ifndef LUNMAP_PROBE_H
#define LUNMAP_PROBE_H

struct lm_probe_job;

/* The LUN lets go of a probe still outstanding (the thread frees it). */
void lm_probe_job_put(struct lm_probe_job *j);

#endif
