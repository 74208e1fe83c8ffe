#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lunmapd on tgtd's management socket: a SET starts no process; tgtd's
# error codes reach the manager; a stopped tgtd fails a SET within the
# deadline while GETs go on, and the next SET after it resumes succeeds.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpget iscsi-ls strace
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 8M db gone
write_inventory inv.xml e2e max-targets-per-lun=2 backend tgtadm= timeout-ms=400 \
	target iqn=$T1 alias=t1 initiators=ALL id=$T1ID \
	target iqn=$T2 alias=t2 initiators=ALL id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img" \
	lun name=gone path="$E2E_TMP/lun/gone.img"
start_lunmapd inv.xml
has "speaking tgtd's management protocol on /var/run/tgtd/socket.$TGT_CTL" lunmapd.log ||
	fail "not on the socket: $(cat lunmapd.log)"

note "a SET through tgtd's socket starts no process"
strace -f -qq -e trace=execve,clone3,vfork -o execs.log -p "$LUNMAPD_PID" &
STRACE_PID=$!
remember_pid "$STRACE_PID" strace
sleep 0.5 # strace attaches asynchronously
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "set of two targets"
stop_pid "$STRACE_PID"
[ "$(disks_of $T1)" = "1 7M" ] && [ "$(disks_of $T2)" = "1 7M" ] || fail "db not on t1 and t2"
# a thread (CLONE_THREAD: the probe of a backing store, which may hang on
# a dead mount) is no process
! grep -v 'CLONE_THREAD' execs.log | has -e 'execve(' -e 'vfork(' -e 'clone3(' ||
	fail "the SET started a process: $(cat execs.log)"

note "tgtd's error reaches the manager: an LU whose file tgtd cannot open"
# immutable: lunmap's check (read-only open) passes, tgtd's read-write open
# fails with EPERM even as root, and tgtd answers TGTADM_INVALID_REQUEST
chattr +i lun/gone.img || skip "chattr +i does not work on $E2E_TMP"
out=$(sset $L.7.2 x "$(hexid $T1ID)") && { chattr -i lun/gone.img; fail "set succeeded: $out"; }
chattr -i lun/gone.img
echo "$out" | has "commitFailed" || fail "not commitFailed: $out"
[ "$(sgetv $ERR_CODE)" = 2147500037 ] || fail "lunmapLastErrorCode $(sgetv $ERR_CODE)" # 0x80004005
sgetv $ERR_TEXT | has "TGTADM_INVALID_REQUEST, 17" || fail "lunmapLastErrorText: $(sgetv $ERR_TEXT)"
[ "$(sgetv $STATUS)" = 1 ] || fail "not online after a refused step"

note "a stopped tgtd: the SET fails within the deadline, GETs go on"
# until the master's AgentX timeout for lunmapd is raised (5 s), the
# failed SET has to fit in its default of 1 s: a 400 ms deadline, then
# 100 ms for the drift check on a tgtd that already missed one
trap 'kill -CONT "$TGTD_PID" 2>/dev/null || true' EXIT
kill -STOP "$TGTD_PID"
t0=$(date +%s%N)
if out=$(sset $L.7.1 x "$(hexid $T1ID)"); then fail "set on a stopped tgtd succeeded"; fi
t1=$(date +%s%N)
echo "  the refused SET took $(( (t1 - t0) / 1000000 )) ms"
# an answer, not a timeout of snmpset (-t 5): lunmapd did not block. The
# SET takes db from t2: the in-use guard lists the stack first and finds
# tgtd stopped before anything is tried (resourceUnavailable)
echo "$out" | has "resourceUnavailable" || fail "not resourceUnavailable: $out"
sgetv $ERR_TEXT | has "tgtd did not answer within 400 ms" || fail "lunmapLastErrorText: $(sgetv $ERR_TEXT)"
[ "$(sgetv $SUBSYS_NAME)" = '"e2e"' ] || fail "GET while tgtd is stopped"
[ "$(sgetv $L.8.1)" = 2 ] || fail "the failed SET changed the LUN"
kill -CONT "$TGTD_PID"

note "tgtd resumed: the next SET succeeds"
sset $L.7.1 x "$(hexid $T1ID)" >/dev/null || fail "set after SIGCONT: $(sgetv $ERR_TEXT)"
[ "$(sgetv $L.8.1)" = 1 ] || fail "target count after SIGCONT"
[ "$(disks_of $T1)" = "1 7M" ] && [ -z "$(disks_of $T2)" ] || fail "t1 '$(disks_of $T1)' t2 '$(disks_of $T2)'"
[ "$(sgetv $STATUS)" = 1 ] || fail "not online after SIGCONT"
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "set back to both: $(sgetv $ERR_TEXT)"
[ "$(disks_of $T2)" = "1 7M" ] || fail "db not back on t2"

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
stop_tgtd
echo "tgt ipc: all checks passed"
