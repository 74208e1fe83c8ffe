#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A probe never blocks (design §5): a FIFO at a LUN's backing path (open
# would wait for a writer forever) at start and in a SET. lunmapd starts,
# keeps answering GETs, and shows the LUN failed with the reason; a SET
# that would expose it is refused with VDS_E_OBJECT_STATUS_FAILED naming
# the FIFO, and one that takes it off its targets is allowed.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpget snmpset mkfifo
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 4M a b
mkfifo lun/pipe
write_inventory inv.xml fifo max-targets-per-lun=2 \
	target iqn=iqn.2026-12.org.example.fifo:t1 alias=t1 initiators=ALL id=$T1ID \
	lun name=a path="$E2E_TMP/lun/a.img" id=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01 \
	lun name=pipe path="$E2E_TMP/lun/pipe" id=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02 \
	lun name=b path="$E2E_TMP/lun/b.img" id=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a03
T1=$(hexid $T1ID)

note "start with a FIFO in the inventory: lunmapd answers, the LUN is failed"
start_lunmapd inv.xml
[ "$(sgetv $L.6.2)" = 3 ] || fail "the FIFO's LUN is not failed: $(sgetv $L.6.2)"
[ "$(sgetv $L.6.1)" = 1 ] || fail "LUN a is not online"

note "a SET exposing it: refused at once, the reason names the FIFO"
out=$(sset $L.7.2 x $T1) && fail "accepted: $out"
echo "$out" | has "inconsistentValue" || fail "$out"
[ "$(sgetv $ERR_CODE)" = $((0x80042431)) ] || fail "HRESULT $(sgetv $ERR_CODE)"
sgetv $ERR_TEXT | has "is a FIFO" || fail "text: $(sgetv $ERR_TEXT)"

note "a file that turns into a FIFO while lunmapd runs: GETs go on, taking it off is allowed"
sset $L.7.3 x $T1 >/dev/null || fail "b on t1"
rm lun/b.img
mkfifo lun/b.img
out=$(sset $L.7.1 x $T1) || fail "a SET of another LUN: $out"
[ "$(sgetv $SUBSYS_NAME)" = '"fifo"' ] || fail "GET: $(sgetv $SUBSYS_NAME)"
out=$(sset $L.7.3 x "") || fail "taking b off t1 was refused: $out"
[ "$(sgetv $L.6.3)" = 3 ] || fail "b not failed after the SET that named it: $(sgetv $L.6.3)"
out=$(sset $L.7.3 x $T1) && fail "accepted b again: $out"
sgetv $ERR_TEXT | has "is a FIFO" || fail "text: $(sgetv $ERR_TEXT)"
tgtadm_ctl --op show --mode target | has "Backing store path: $E2E_TMP/lun/b.img" &&
	fail "b is still exported"
stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "fifo: all checks passed"
