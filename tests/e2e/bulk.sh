#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bulk changes, one PDU each, on a real tgtd (design §5: one deadline per
# SET, no limit on the number of steps): 300 LU additions (100 LUNs on 3
# targets) applied whole and taken back, 1000 additions (250 LUNs on 4
# targets) applied whole and taken back, each answered within the
# master's timeout; then the 300 additions again while tgtd slows down
# half way: the steps stop while their rollback still fits, the SET is
# answered commitFailed within the timeout, and the SNMP view, the state
# files and tgtd's listing show nothing changed. tests/harness/trials.py
# drives it.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpbulkwalk python3
cd "$E2E_TMP"

start_tgtd_snmpd
mkdir -p lun
for i in $(seq 1 250); do truncate -s 1M "lun/l$i.img"; done
write_inventory inv.xml bulk max-targets-per-lun=4 backend check-interval=0 \
	targets 4 iqn=iqn.2026-12.org.example.bulk:t% alias=t% initiators=ALL \
	luns 250 name=l% path="$E2E_TMP/lun/l%.img"

run_trials bulk 300 4 bulk
