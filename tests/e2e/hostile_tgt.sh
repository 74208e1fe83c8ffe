#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue #12: what the stack prints cannot make lunmap export a LUN where
# the administrator did not ask. A real tgtd, a real iSCSI login whose
# InitiatorAlias forges a "Target N:" line in `tgtadm --op show`, a backing
# store path that does the same, and lunmapctl's own argument checks.
# Issue #20: the alias no longer makes the listing refused (every check,
# refresh and change works while the peer is logged in); the forged path,
# on an LU lunmap did not put on t1, leaves t1 not read: drift that names
# it, until the LU is gone.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$TGTD" "$TGTADM" iscsi-ls
CTL=$top_builddir/tools/lunmapctl
HOLD=$top_builddir/tests/harness/iscsi-hold
cd "$E2E_TMP"

start_tgtd
mkdir -p state
lun_files 8M db
write_inventory inv.xml e2e max-targets-per-lun=4 backend tgtadm= \
	target iqn=$T1 alias=t1 initiators=ALL \
	target iqn=$T3 alias=t3 initiators=ALL \
	lun name=db path="$E2E_TMP/lun/db.img"
ctl() { "$CTL" -c inv.xml -s state "$@"; }
snapshot() { tgtadm_ctl --op show --mode target; }
ctl show >/dev/null

note "lunmapctl add refuses a LUN number that is not one (it meant 'lowest free')"
if out=$(ctl add db t1 2x 2>&1); then fail "add db t1 2x was accepted"; fi
echo "$out" | has 'LUN number "2x" is not 1 to' || fail "got: $out"
[ -z "$(disks_of $T1)" ] || fail "db exported on t1 after a refused add"

note "lunmapctl associate with an unknown target frees what it allocated"
if command -v valgrind >/dev/null; then
	rc=0
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
		"$CTL" -c inv.xml -s state associate db t1 nosuch >valgrind.out 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "associate with an unknown target: exit $rc: $(cat valgrind.out)"
else
	echo "valgrind missing: the leak part is left to the sanitizer build"
fi

note "tgtd absent: tgtadm's exit 107 is said as such (transport=tgtadm; the socket says so its own way)"
sed "s/control-port=\"$TGT_CTL\"/control-port=\"$(free_control_port)\" transport=\"tgtadm\"/" inv.xml >inv-dead.xml
mkdir -p state-dead
if out=$("$CTL" -c inv-dead.xml -s state-dead show 2>&1); then fail "no tgtd, no error"; fi
echo "$out" | has "tgtadm exited 107.*tgtd is not running on control port" || fail "got: $out"
sed 's/ transport="tgtadm"//' inv-dead.xml >inv-dead-socket.xml
if out=$("$CTL" -c inv-dead-socket.xml -s state-dead show 2>&1); then fail "no tgtd, no error (socket)"; fi
echo "$out" | has "tgtd is not running on that control port" || fail "socket, got: $out"

coproc CTLP { "$CTL" -c inv.xml -s state - 2>>"$E2E_TMP/ctl.log"; }
remember_pid "$CTLP_PID" lunmapctl
say() { echo "$*" >&"${CTLP[1]}"; read -r -t 60 reply <&"${CTLP[0]}"; echo "$reply"; }
[ "$(say check)" = ok ] || fail "not in sync before the attack"

# Whatever lunmap answers, db is exported where it was asked or nowhere.
only_on_t3() { # REPLY
	# db gets LUN 1; the forged path is LUN 9
	! disks_of $T1 | has "^1 " || fail "db is exported on t1, which nobody asked for (reply: $1)"
	case $1 in
	ok) disks_of $T3 | has "^1 " || fail "ok, yet t3 shows '$(disks_of $T3)'" ;;
	esac
}

note "a backing store path with a newline and a forged target line"
tid1=$(snapshot | sed -n "s/^Target \([0-9]*\): $T1\$/\1/p")
forged="$E2E_TMP/lun/x.img"$'\n'"Target $tid1: $T3"
truncate -s 1M "$forged"
tgtadm_ctl --op new --mode logicalunit --tid "$tid1" --lun 9 -b "$forged"
snapshot | has "^Target $tid1: $T3\$" || fail "tgtd did not print the path verbatim"
r=$(say refresh)
case $r in error*"$T1 cannot be read"*) ;; *) fail "a forged listing was believed: $r" ;; esac
r=$(say associate db t3)
only_on_t3 "$r"
[ "$r" = ok ] || ! disks_of $T3 | has "^1 " || fail "error, yet db is on t3"
tgtadm_ctl --op delete --mode logicalunit --tid "$tid1" --lun 9
[ "$(say refresh)" = ok ] || fail "refresh failed once the path was gone"
[ "$(say associate db)" = ok ] || fail "cannot clear db"

if [ ! -x "$HOLD" ]; then
	echo "SKIP (part): $HOLD not built (Debian: libiscsi-dev), the forged-alias login is not tested"
	exit 0
fi
note "an initiator logs in to t1 with an alias that forges 'Target $tid1: t3'"
coproc HOLDP { "$HOLD" "127.0.0.1:$TGT_PORT" "$T1" iqn.2026-11.org.evil:i "z"$'\n'"Target $tid1: $T3" 2>&1; }
hold_pid=$HOLDP_PID # bash unsets HOLDP_PID once the coprocess ends
remember_pid "$hold_pid" iscsi-hold
read -r -t 30 line <&"${HOLDP[0]}" || true
[ "${line:-}" = "logged in" ] || fail "the hostile initiator could not log in: ${line:-nothing}"
snapshot | has "^Target $tid1: $T3\$" || fail "tgtd did not print the alias verbatim: $(snapshot | head -20)"
[ "$(say check)" = ok ] || fail "the alias made the drift check fail"
[ "$(say refresh)" = ok ] || fail "the alias made refresh fail"
r=$(say associate db t3)
[ "$r" = ok ] || fail "the alias made a change fail: $r"
only_on_t3 "$r"
[ "$(say associate db)" = ok ] || fail "cannot clear db while the peer is logged in to t1"
note "the initiator logs out: the listing is tgtd's own again"
exec {HOLDP[1]}>&-
wait_for 10 gone "$hold_pid" || fail "iscsi-hold did not log out"
[ "$(say refresh)" = ok ] || fail "refresh failed after the logout"
[ "$(say associate db t3)" = ok ] || fail "cannot associate db with t3"
only_on_t3 ok
