#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lunmapd under a master that goes away: snmpd restarted (between SETs and
# during one) must find lunmapd alive and answering again within a few
# seconds (the AgentX ping/reconnect period is 2 s), never killed by the
# SIGPIPE of a write to the dropped session.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD"
cd "$E2E_TMP"
LUNMAPD=$top_builddir/tests/harness/lunmapd-sim

truncate -s 1M a.img
write_inventory inv.xml reconnect backend check-interval=0 \
	target iqn=iqn.2026-11.org.example:t1 id=$T1ID \
	lun name=a path="$E2E_TMP/a.img"

start_snmpd
launch_lunmapd "$LUNMAPD" inv.xml
answers() { sget "$SUBSYS_NAME" | has reconnect; }
wait_for 15 answers || fail "lunmapd does not answer: $(cat lunmapd.stderr)"

# seconds (tenths) until lunmapd answers through the new snmpd
measure_reconnect() {
	local t0 t1
	t0=$(date +%s%N)
	wait_for 30 answers || fail "lunmapd did not come back: $(tail -5 lunmapd.stderr)"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 100000000))
}

for round in 1 2; do
	note "snmpd restarted (round $round)"
	stop_pid "$SNMPD_PID"
	start_snmpd
	tenths=$(measure_reconnect)
	echo "reconnect after snmpd restart: $((tenths / 10)).$((tenths % 10)) s"
	kill -0 "$LUNMAPD_PID" 2>/dev/null || fail "lunmapd died"
	[ "$tenths" -le 60 ] || fail "lunmapd answered only after $tenths tenths of a second"
done

note "snmpd killed while lunmapd holds a SET: lunmapd's answer goes to a closed socket"
# lunmapd is stopped so that the TestSet waits in its socket while the
# master goes away; then it reads it, answers, and gets EPIPE (or SIGPIPE)
kill -STOP "$LUNMAPD_PID"
sset "$L.7.1" x "$(hexid $T1ID)" >/dev/null 2>&1 &
setpid=$!
sleep 1
kill -9 "$SNMPD_PID"
wait "$setpid" || true
kill -CONT "$LUNMAPD_PID"
sleep 1
kill -0 "$LUNMAPD_PID" 2>/dev/null && ! gone "$LUNMAPD_PID" ||
	fail "lunmapd died answering a master that went away: $(tail -5 lunmapd.stderr)"
start_snmpd
measure_reconnect >/dev/null
kill -0 "$LUNMAPD_PID" 2>/dev/null || fail "lunmapd died"
out=$(sset "$L.7.1" x "") || fail "a SET after the reconnect: $out"
[ "$(sgetv "$ASSOC_TOTAL")" = "0" ] || fail "association count after the empty set: $(sgetv "$ASSOC_TOTAL")"
stop_pid "$LUNMAPD_PID"
! grep -q -e 'Sanitizer' -e 'runtime error' lunmapd.stderr ||
	fail "sanitizer report from lunmapd: $(cat lunmapd.stderr)"
echo "lunmapd reconnect: all checks passed"
