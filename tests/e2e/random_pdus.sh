#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Random SET PDUs against a real snmpd + tgtd + lunmapd (tgt backend,
# 4 LUNs x 4 targets, at most 3 targets per LUN): several LUNs per PDU,
# rows and whole sets mixed, and invalid ones (unknown and nil ids,
# duplicates, too many targets, wrong lengths and types, rows of objects
# that do not exist, createAndWait, numbers out of range or taken, a whole
# set and rows of one LUN in one PDU). After each PDU the SNMP view, the
# state files, tgtd's own listing and an independent model agree: an
# accepted PDU changed exactly what the model says, a refused one nothing,
# with the error status design §5 names. tests/harness/trials.py drives it.
#
# RANDOM_PDUS=N (default 100) for a long run; TRIALS_SEED=S repeats one.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpbulkwalk iscsi-inq python3
cd "$E2E_TMP"

start_tgtd_snmpd
mkdir -p lun
for i in 1 2 3 4; do truncate -s "${i}M" "lun/l$i.img"; done
# timeout-ms: a loaded host; 9 steps x 500 ms stay inside lunmapd's 5 s
write_inventory inv.xml pdus max-targets-per-lun=3 backend timeout-ms=500 \
	targets 4 iqn=iqn.2026-11.org.example.pdus:t% alias=t% initiators=ALL \
	luns 4 name=l% path="$E2E_TMP/lun/l%.img"

run_trials pdus "${RANDOM_PDUS:-100}" 3 "random PDUs"
