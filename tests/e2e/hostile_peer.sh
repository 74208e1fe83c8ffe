#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue #20: an initiator that needs only TCP access to the portal logs in
# to a target that admits everyone (initiators="ALL") with a name or alias
# forging tgtd's listing: a "Target N:" line, one newline, ~1,000 bytes
# (tgtd cuts a session's text at 1,023 and its next line follows on the
# same line), a whole LU section with an LU on /etc/shadow, a whole target
# with an ALL ACL. While they hold their sessions, lunmapd checks drift,
# refreshes, removes a LUN from another target, and restarts: everything
# works and the subsystem stays online; only the in-use answer of the
# target they are logged in to says so. Before, lunmapd refused the
# listing: refresh failed, every drift check failed, and lunmapd exited 2
# at every start for as long as a peer held its session.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$TGTD" "$TGTADM" snmpset snmpget iscsi-ls
LOGIN=$top_builddir/tests/harness/iscsi-login
cd "$E2E_TMP"

start_tgtd_snmpd
lun_files 8M db
lun_files 4M logs
write_inventory inv.xml e2e max-targets-per-lun=3 backend check-interval=1 \
	target iqn=$T1 alias=t1 initiators=ALL id=$T1ID \
	target iqn=$T2 alias=t2 initiators=ALL id=$T2ID \
	target iqn=$T3 alias=t3 initiators=ALL id=$T3ID \
	lun name=db path="$E2E_TMP/lun/db.img" id=$DBID \
	lun name=logs path="$E2E_TMP/lun/logs.img" id=$LOGSID
start_lunmapd inv.xml
sset $L.7.1 x "$(hexid $T1ID)$(hexid $T2ID)" >/dev/null || fail "db on t1 and t2"
sset $L.7.2 x "$(hexid $T3ID)" >/dev/null || fail "logs on t3"
tid1=$(tgtadm_ctl --op show --mode lld | sed -n "s/^        Target \([0-9]*\): $T1\$/\1/p")
tid2=$(tgtadm_ctl --op show --mode lld | sed -n "s/^        Target \([0-9]*\): $T2\$/\1/p")

# t1's LUN 0 as tgtd prints it, for a forged LU section
lun0=$(tgtadm_ctl --op show --mode target | sed -n "/^Target $tid1:/,/^Target /p" |
	sed -n '/^        LUN: 0$/,/Backing store flags/p')
shadow="        LUN: 9
            Type: disk
            SCSI ID: x
            SCSI SN: y
            Size: 1 MB, Block size: 512
            Online: Yes
            Removable media: No
            Prevent removal: No
            Readonly: No
            SWP: No
            Thin-provisioning: No
            Backing store type: rdwr
            Backing store path: /etc/shadow
            Backing store flags: "
aliases=(
	"z"$'\n'"Target $tid1: $T3"
	"one"$'\n'"newline"
	"$(printf 'q%.0s' $(seq 990))"
	"x"$'\n'"    LUN information:"$'\n'"$lun0"$'\n'"$shadow"$'\n'"    Account information:"$'\n'"    ACL information:"$'\n'"        ALL"
	"x"$'\n'"    Account information:"$'\n'"    ACL information:"$'\n'"        ALL"$'\n'"Target $tid2: $T2"$'\n'"    System information:"$'\n'"        Driver: iscsi"$'\n'"        State: ready"$'\n'"    I_T nexus information:"$'\n'"    LUN information:"
)
note "peers log in to t1 with ${#aliases[@]} forged aliases and a forged name"
holds=() keepers=()
login() { # NAME ALIAS: a peer that holds its session while its keeper runs
	local n=${#holds[@]}
	mkfifo "peer$n.in"
	"$LOGIN" "127.0.0.1:$TGT_PORT" "$T1" "$1" "$2" <"peer$n.in" >"peer$n.out" 2>&1 &
	holds+=("$!")
	remember_pid "$!" iscsi-login
	# the FIFO's only writer: the peer reads EOF, logs out, when it goes
	sleep 3600 >"peer$n.in" &
	keepers+=("$!")
	remember_pid "$!" sleep
	wait_for 30 has -x "logged in" "peer$n.out" || fail "peer $n could not log in: $(cat "peer$n.out")"
}
for a in "${aliases[@]}"; do
	login iqn.2026-11.org.evil:i "$a"
done
login "iqn.2026-11.org.evil:i"$'\n'"    LUN information:" -
listing=$(tgtadm_ctl --op show --mode target)
echo "$listing" | has -x "Target $tid1: $T3" || fail "tgtd did not print the forged target line"
echo "$listing" | has "Backing store path: /etc/shadow" || fail "tgtd did not print the forged LU"

note "the drift check runs every second: online, no error"
sleep 3
[ "$(sgetv $STATUS)" = 1 ] || fail "status $(sgetv $STATUS): $(sgetv $ERR_TEXT)"
[ "$(sgetv $ERR_CODE)" = 0 ] || fail "lunmapLastErrorCode $(sgetv $ERR_CODE): $(sgetv $ERR_TEXT)"
[ "$(sgetv $T.8.1)" = 0 ] || fail "t1 shows $(sgetv $T.8.1) foreign LUs"

note "refresh(2) works"
sset $REFRESH i 2 >/dev/null || fail "refresh: $(sgetv $ERR_TEXT)"
[ "$(sgetv $STATUS)" = 1 ] || fail "status after refresh $(sgetv $STATUS)"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T1ID)$(hexid $T2ID)" ] || fail "db's targets after refresh"

note "a SET removes db from t2 (nobody logged in there)"
sset $L.7.1 x "$(hexid $T1ID)" >/dev/null || fail "removing db from t2: $(sgetv $ERR_TEXT)"
[ -z "$(disks_of $T2)" ] || fail "db still on t2"
[ "$(sgetv $STATUS)" = 1 ] || fail "status after the SET $(sgetv $STATUS)"

note "t1's in-use answer: its peers are logged in (force overrides)"
out=$(sset $L.7.1 x "") && fail "db left t1 under its sessions: $out"
echo "$out" | has "inconsistentValue" || fail "wanted inconsistentValue: $out"
[ "$(sgetv $ERR_CODE)" = $((0x80042413)) ] || fail "lunmapLastErrorCode $(sgetv $ERR_CODE)"

note "lunmapd restarts while the peers hold their sessions"
stop_pid "$LUNMAPD_PID"
start_lunmapd inv.xml
[ "$(sgetv $STATUS)" = 1 ] || fail "status after the restart $(sgetv $STATUS): $(sgetv $ERR_TEXT)"
[ "$(sgetv $L.7.1 | as_hex)" = "$(hexid $T1ID)" ] || fail "db's targets after the restart"
[ "$(sgetv $L.7.2 | as_hex)" = "$(hexid $T3ID)" ] || fail "logs' targets after the restart"
sleep 2
[ "$(sgetv $STATUS)" = 1 ] || fail "status after drift checks $(sgetv $STATUS): $(sgetv $ERR_TEXT)"
! has -e "refused the listing" -e "cannot be read" lunmapd.log || fail "lunmapd: $(cat lunmapd.log)"

note "the peers log out"
for i in "${!holds[@]}"; do
	stop_pid "${keepers[$i]}"
	wait_for 10 gone "${holds[$i]}" || fail "peer $i did not log out"
done
sset $L.7.1 x "" >/dev/null || fail "db cannot leave t1 once the peers are gone"
stop_pid "$LUNMAPD_PID"
lunmapd_left_clean
echo "hostile_peer: all checks passed"
