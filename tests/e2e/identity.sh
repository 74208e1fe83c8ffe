#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The LU identity lunmap publishes (lunmapLunSerial, lunmapLunNaa) is what
# an initiator reads on every target: VPD 0x80's serial and 0x83's NAA
# designator, byte for byte, through snmpd against a real tgtd.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpget iscsi-inq
need_probe
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 8M db
write_inventory inv.xml identity max-targets-per-lun=2 \
	target iqn=$T1 initiators=ALL id=$T1ID \
	target iqn=$T2 initiators=ALL id=$T2ID \
	lun name=db path="$E2E_TMP/lun/db.img" id=$DBID
start_lunmapd inv.xml
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "associate"

serial=$(sgetv $L.10.1 | tr -d '"')
naa=$(sgetv $L.11.1 | as_hex)
note "lunmapLunSerial $serial, lunmapLunNaa $naa"
[ "$serial" = "$(echo "${DBID//-/}")" ] || fail "serial $serial is not the id's hex"
[ ${#naa} = 32 ] || fail "NAA of ${#naa} hex digits"
for t in $T1 $T2; do
	n=$(sgetv "$TL.1.$([ $t = $T1 ] && echo 1 || echo 2).1")
	# VPD 0x80: the serial, right-aligned in tgt's field
	inq $t "$n" 128 | has "Unit Serial Number:\[ *$serial\]" || fail "$t: page 0x80: $(inq $t "$n" 128)"
	# VPD 0x83: the NAA designator (type 3, binary) is the column, byte for byte
	"$PROBE" vpd83 "iscsi://127.0.0.1:$TGT_PORT/$t/$n" >vpd.$n.txt || fail "$t: vpd83"
	has -x "3 1 $naa" vpd.$n.txt || fail "$t: page 0x83 has no designator $naa: $(cat vpd.$n.txt)"
	# and its T10 vendor id designator (type 1, ASCII) carries the serial
	has "^1 2 .*$(printf %s "$serial" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" vpd.$n.txt ||
		fail "$t: no T10 designator with the serial: $(cat vpd.$n.txt)"
done
note "a SET of the identity is notWritable"
out=$(sset $L.10.1 s x) && fail "accepted: $out"
echo "$out" | has "notWritable" || fail "wanted notWritable: $out"

stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "identity: all checks passed"
