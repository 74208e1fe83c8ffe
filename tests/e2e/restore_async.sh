#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Long work as an asynchronous action (design §5): restore(4) of a stack
# that lost most of what lunmap put there (RESTORE_ASSOCS associations,
# default 1000; 10,000 need a pid_max above 170,000: tgtd starts 16
# threads for every file-backed LU) through one SET.
# The SET is answered at once; while the work runs, GETs keep being
# answered within the master's timeout, lunmapSubsystemRefresh reads
# restore(4) with its progress, and a change is refused as another call in
# progress; at its end the subsystem is online, the outcome is in
# lunmapActionResult, lunmapActionCompleted and lunmapCacheInSync reach
# snmptrapd, and tgtd exports every association again.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$SNMPTRAPD" "$TGTD" "$TGTADM" snmpset snmpget
cd "$E2E_TMP"
total=${RESTORE_ASSOCS:-1000}
nluns=$((total / 4))

start_tgtd
start_snmptrapd
start_snmpd
mkdir -p lun
for i in $(seq 1 $nluns); do truncate -s 1M "lun/l$i.img"; done
write_inventory inv.xml restore max-targets-per-lun=5 backend check-interval=1 \
	targets 5 iqn=iqn.2026-12.org.example.restore:t% alias=t% initiators=ALL \
	luns $nluns name=l% path="$E2E_TMP/lun/l%.img"

note "$total associations made with lunmapctl, then lunmapd on them"
{
	echo "associate l1 t1 t2 t3 t4 t5"
	for i in $(seq 2 $nluns); do echo "associate l$i t1 t2 t3 t4"; done
} | "$top_builddir/tools/lunmapctl" -c inv.xml -s state - >ctl.out 2>ctl.err
[ "$(grep -c '^ok$' ctl.out)" = $nluns ] || fail "lunmapctl: $(grep -v '^ok$' ctl.out | head -3)"
start_lunmapd inv.xml
[ "$(sgetv $ASSOC_TOTAL)" = $((total + 1)) ] || fail "association count $(sgetv $ASSOC_TOTAL)"

note "t1..t4 removed from tgtd by hand: drift (t5 keeps one LU: not a stack that lost all)"
for t in 1 2 3 4; do
	tid=$(tgtadm_ctl --op show --mode target | sed -n "s/^Target \([0-9]*\): iqn.2026-12.org.example.restore:t$t\$/\1/p")
	tgtadm_ctl --op delete --force --mode target --tid "$tid"
done
wait_for 20 reads $STATUS 2 ||
	fail "no drift"

note "restore(4): answered at once, GETs answered while it runs"
t0=$(date +%s%N)
sset $REFRESH i 4 >/dev/null || fail "restore(4) refused"
took=$((($(date +%s%N) - t0) / 1000000))
[ "$took" -lt 5000 ] || fail "the SET took $took ms"
running=0 progress=0 longest=0 busy=0
while :; do
	t0=$(date +%s%N)
	v=$(snmpget -v2c -c public -Ov -Oq -t 6 -r 0 127.0.0.1:$SNMP_PORT $REFRESH $STEPS_DONE $STEPS) ||
		fail "a GET was not answered"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le "$longest" ] || longest=$ms
	set -- $v
	[ "$1" = 1 ] && break
	[ "$1" = 4 ] || fail "lunmapSubsystemRefresh reads $1 while restoring"
	running=$((running + 1))
	[ "$2" -gt 0 ] && [ "$2" -lt "$3" ] && progress=$((progress + 1))
	if [ $busy = 0 ] && out=$(sset $L.7.2 x ""); then fail "a change was accepted while restoring: $out"; fi
	[ $busy = 1 ] || { echo "$out" | has resourceUnavailable || fail "$out"; busy=1; }
done
echo "restore: $running GETs while it ran ($progress with steps under way), longest $longest ms"
[ $running -gt 0 ] || fail "restore(4) was not seen running"
[ "$longest" -lt 5000 ] || fail "a GET waited $longest ms"
[ "$(sgetv $ACTION_RESULT)" = 0 ] || fail "restore failed: $(sgetv $ACTION_TEXT)"
[ "$(sgetv $STATUS)" = 1 ] || fail "not online after restore"
wait_for 10 grep -q "$N_ACTION_DONE" traps.log || fail "no lunmapActionCompleted"
wait_for 10 grep -q "$N_IN_SYNC" traps.log || fail "no lunmapCacheInSync"
[ "$(tgtadm_ctl --op show --mode target | grep -c "Backing store path: $E2E_TMP/lun/")" = $((total + 1)) ] ||
	fail "tgtd does not export every association again"
stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "restore_async: all checks passed"
