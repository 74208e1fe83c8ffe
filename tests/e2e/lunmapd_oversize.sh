#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Values that cannot fit in one message: a target with more LUNs than
# lunmapTargetLunIds holds (1024 ids) answers a GET of it with tooBig,
# a bulk walk of the target table passes it by, and lunmapd stays up and
# answers at once (before: genErr after 6 s, snmpd dropped lunmapd, walks
# stalled, and the value was cut at 4095 ids).
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD"
cd "$E2E_TMP"
LUNMAPD=${LUNMAPD_SIM:-$top_builddir/tests/harness/lunmapd-sim} # another build to compare
NLUNS=${NLUNS:-1100}

for i in $(seq 1 "$NLUNS"); do truncate -s 1M "l$i.img"; done
write_inventory inv.xml oversize max-targets-per-lun=2 backend check-interval=0 timeout-ms=100 \
	target iqn=iqn.2026-11.org.example:t1 id=$T1ID \
	target iqn=iqn.2026-11.org.example:t2 id=$T2ID \
	luns "$NLUNS" name=l% path="$E2E_TMP/l%.img"

start_snmpd
launch_lunmapd "$LUNMAPD" inv.xml
answers() { sgetv "$SUBSYS_NAME" | has oversize; }
wait_for 30 answers || fail "lunmapd does not answer: $(tail -3 lunmapd.stderr)"

note "$NLUNS LUNs onto target 1, 50 per SET (50 steps of 100 ms fit 5 s)"
t1=$(hexid $T1ID)
for ((i = 1; i <= NLUNS; i += 50)); do
	args=()
	for ((j = i; j < i + 50 && j <= NLUNS; j++)); do
		args+=("$L.7.$j" x "$t1")
	done
	out=$(sset "${args[@]}") || fail "SET of LUNs $i..: $out"
done
[ "$(sgetv $T.7.1)" = "$NLUNS" ] || fail "target 1 has $(sgetv $T.7.1) LUNs"

note "a GET of lunmapTargetLunIds over 1024 ids: tooBig, at once"
t0=$(date +%s%N)
out=$(snmpget -v2c -c public -t 10 -r 0 127.0.0.1:$SNMP_PORT $T.6.1 2>&1) || true
ms=$((($(date +%s%N) - t0) / 1000000))
echo "GET lunmapTargetLunIds.1 ($NLUNS LUNs): ${ms} ms: $out"
echo "$out" | has -i toobig || fail "no tooBig: $out"
kill -0 "$LUNMAPD_PID" || fail "lunmapd died"
sgetv $SUBSYS_NAME | has oversize || fail "lunmapd no longer answers after the tooBig"

note "a bulk walk of the target table passes the big value by"
t0=$(date +%s%N)
walk=$(snmpbulkwalk -Cr50 -v2c -c public -t 10 -r 0 -On -Oq 127.0.0.1:$SNMP_PORT $T 2>&1) ||
	fail "bulk walk: $walk"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "snmpbulkwalk -Cr50 of lunmapTargetTable: ${ms} ms, $(echo "$walk" | wc -l) lines"
echo "$walk" | has "^\.$T\.6\.2 " || fail "target 2's lunmapTargetLunIds missing: $walk"
! echo "$walk" | has "^\.$T\.6\.1 " || fail "target 1's lunmapTargetLunIds walked"
echo "$walk" | has "^\.$T\.7\.1 $NLUNS" || fail "target 1's count missing"

note "GETs of several large values: tooBig as a whole, never cut"
# 1024 LUNs on target 2 too: 16 KB; four copies of it exceed one message
args=()
for ((j = 1; j <= 1024; j++)); do args+=("$L.7.$j" x "$t1$(hexid $T2ID)"); done
for ((i = 0; i < 1024; i += 50)); do
	out=$(sset "${args[@]:$((3 * i)):150}") || fail "SET for target 2: $out"
done
len=$(sgetv $T.6.2 | as_hex | wc -c)
[ "$len" = $((1024 * 32)) ] || fail "target 2's value is $len hex digits, not 1024 ids"
out=$(snmpget -v2c -c public -t 10 -r 0 127.0.0.1:$SNMP_PORT $T.6.2 $T.6.2 $T.6.2 $T.6.2 2>&1) || true
echo "$out" | has -i toobig || fail "four 16 KB values: no tooBig: $(echo "$out" | head -c 300)"
sgetv $SUBSYS_NAME | has oversize || fail "lunmapd no longer answers"
stop_pid "$LUNMAPD_PID"
! grep -q -e 'Sanitizer' -e 'runtime error' lunmapd.stderr ||
	fail "sanitizer report from lunmapd: $(cat lunmapd.stderr)"
echo "lunmapd oversize: all checks passed"
