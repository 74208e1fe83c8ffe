/* SPDX-License-Identifier: BSD-3-Clause */
/* lunmapd: the AgentX subagent that publishes LUNMAP-MIB. */
#include "config.h"

#include "agent.h"

int main(int argc, char **argv)
{
	return lunmapd_main(argc, argv, NULL);
}
