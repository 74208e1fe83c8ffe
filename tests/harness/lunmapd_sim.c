/* SPDX-License-Identifier: BSD-3-Clause */
/* lunmapd on the in-memory backend, for the end-to-end tests and the
 * benchmarks that need no iSCSI stack: the inventory's backend element
 * is read and checked, then replaced by the sim. Never installed. */
#include "config.h"

#include "agent.h"
#include "sim.h"

int main(int argc, char **argv)
{
	return lunmapd_main(argc, argv, lm_sim_new);
}
