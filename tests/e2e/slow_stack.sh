#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Time is part of the truth (design §5): SETs of 1 to 200 LUN changes
# against a tgtd whose management socket is slowed (each request waits a
# random 0..N ms, N from 0 to 400 per SET, in the order they came, as
# tgtd takes them). Every answer comes before the master's AgentX timeout
# and says what really happened: noError, all applied and saved;
# commitFailed or resourceUnavailable, nothing changed (offline until a
# late request is taken back); undoFailed, cacheCorrupt, and restore(4)
# brings back the recorded state. A manager polling a scalar meanwhile is
# answered within the timeout every time. tests/harness/trials.py drives it.
#
# SLOW_SETS=N (default 8) for a long run; TRIALS_SEED=S repeats one.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpbulkwalk python3
cd "$E2E_TMP"

start_tgtd_snmpd
mkdir -p lun
nluns=${SLOW_LUNS:-200}
for i in $(seq 1 "$nluns"); do truncate -s 1M "lun/l$i.img"; done
write_inventory inv.xml slow max-targets-per-lun=3 backend check-interval=1 \
	targets 4 iqn=iqn.2026-12.org.example.slow:t% alias=t% initiators=ALL \
	luns "$nluns" name=l% path="$E2E_TMP/lun/l%.img"

run_trials slow "${SLOW_SETS:-8}" 3 "slow stack"
