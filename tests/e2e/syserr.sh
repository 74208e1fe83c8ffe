#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A failure with an errno behind it carries the Win32 system error
# (HRESULT_FROM_WIN32), not E_FAIL: a full state disk during a SET is
# commitFailed with ERROR_DISK_FULL 0x80070070, nothing changed; once
# room is made, the same SET succeeds. Through snmpd against a real tgtd,
# the state folder on a tiny tmpfs (needs mount: root).
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpget
cd "$E2E_TMP"
mkdir -p state
mount -t tmpfs -o size=256k,mode=0700 lunmap-e2e-state state 2>/dev/null ||
	skip "cannot mount a tmpfs (not root?)"
trap 'cd /; umount -l "$E2E_TMP/state" 2>/dev/null || true' EXIT

start_tgtd_snmpd --traps
lun_files 8M db
write_inventory inv.xml syserr max-targets-per-lun=2 \
	target iqn=$T1 initiators=ALL id=$T1ID \
	target iqn=$T2 initiators=ALL id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img"
start_lunmapd inv.xml
sset $L.7.1 x "$(hexid $T1ID)" >/dev/null || fail "setup"
before=$(tgtadm_ctl --op show --mode target)

note "the state disk is full"
# tmpfs refuses only a write that needs a new page: empty the intent
# record (as lunmapd itself does when nothing is in progress) so that the
# next change's intent needs one, then take every free page
truncate -s 0 state/state.intent
dd if=/dev/zero of=state/fill bs=4k 2>/dev/null || true
out=$(sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)") && fail "accepted on a full disk: $out"
echo "$out" | has "Reason: commitFailed" || fail "wanted commitFailed: $out"
[ "$(sgetv $ERR_CODE)" = $((0x80070070)) ] ||
	fail "lunmapLastErrorCode $(sgetv $ERR_CODE), wanted ERROR_DISK_FULL ($(sgetv $ERR_TEXT))"
[ "$(sgetv $L.9.1)" = $((0x80070070)) ] || fail "lunmapLunLastErrorCode $(sgetv $L.9.1)"
sgetv $ERR_TEXT | has -i "space" || fail "text: $(sgetv $ERR_TEXT)"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T1ID)" ] || fail "the set changed"
[ "$(tgtadm_ctl --op show --mode target)" = "$before" ] || fail "the stack changed"
[ "$(sgetv $STATUS)" = 1 ] || fail "a clean refusal is not drift"
wait_for 10 grep -q "$N_OP_FAILED" traps.log || fail "no lunmapOperationFailed"
grep -A3 "$N_OP_FAILED" traps.log | has "2147942512" || fail "the notification has no ERROR_DISK_FULL"

note "room again: the same SET succeeds"
rm -f state/fill
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "after making room"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T1ID)$(hexid $T2ID)" ] || fail "read back"

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "syserr: all checks passed"
