#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The shipped snmptrapd lines and handler (data/snmptrapd/): a real
# snmptrapd with them receives lunmapd's three notifications through a
# private snmpd and logs one line each, naming the LUN and its new targets,
# the failed call's HRESULT and text, and the drift.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD" "$SNMPTRAPD" "$TGTD" "$TGTADM" snmpset
cd "$E2E_TMP"

LOG=$E2E_TMP/lunmap-syslog
: >"$LOG"
# the shipped lines, with the community snmpd's trap2sink uses here and
# the handler writing to a file instead of logger
sed -e 's/lunmaptrap/public/' \
	-e "s|/usr/share/lunmap/snmptrapd/lunmap-traphandle|$top_srcdir/data/snmptrapd/lunmap-traphandle -f $LOG|" \
	"$top_srcdir/data/snmptrapd/snmptrapd.conf.lunmap" >snmptrapd.conf
[ "$(grep -c "^traphandle .*lunmap-traphandle -f $LOG\$" snmptrapd.conf)" = 3 ] || fail "handler lines: $(cat snmptrapd.conf)"
start_daemon snmptrapd snmptrapd.log TRAP_PORT snmptrapd_ready launch_snmptrapd
start_snmpd
start_tgtd
mkdir -p lun
truncate -s 4M lun/db.img
# a tgtadm that refuses new LUs while the file fail-new exists
cat >tgtadm-wrap <<SH
#!/bin/bash
if [ -e "$E2E_TMP/fail-new" ]; then
	case " \$* " in *" --mode logicalunit "*)
		case " \$* " in *" --op new "*) echo "tgtadm: out of memory" >&2; exit 22 ;; esac ;;
	esac
fi
exec "$TGTADM" "\$@"
SH
chmod +x tgtadm-wrap
DB=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02
T1=$T1ID T2=$T2ID
write_inventory inv.xml traps max-targets-per-lun=4 \
	backend tgtadm="$E2E_TMP/tgtadm-wrap" transport=tgtadm check-interval=1 \
	target iqn=iqn.2026-11.org.example.traps:t1 id=$T1 \
	target iqn=iqn.2026-11.org.example.traps:t2 id=$T2 \
	lun name=db path="$E2E_TMP/lun/db.img" id=$DB
start_lunmapd inv.xml

logged() { has -F -x -- "$1" "$LOG"; }
expect_line() {
	wait_for 10 logged "$1" || fail "not logged: $1
log: $(cat "$LOG")
traps: $(cat "$E2E_TMP/traps.log")"
}

note "lunmapAssociationChanged: the LUN and its new set"
sset $L.7.1 x "$(hexid $T1)$(hexid $T2)" >/dev/null || fail "associate"
expect_line "daemon.notice lunmap: lunmapAssociationChanged from localhost: LUN 1 ($DB) is now on targets {$T1, $T2}"
sset $L.7.1 x "" >/dev/null || fail "dissociate"
expect_line "daemon.notice lunmap: lunmapAssociationChanged from localhost: LUN 1 ($DB) is now on no target"

note "lunmapOperationFailed: the stack refused a step"
touch fail-new
if out=$(sset $L.7.1 x "$(hexid $T1)"); then fail "accepted although tgtadm failed"; fi
echo "$out" | has commitFailed || fail "not commitFailed: $out"
rm fail-new
wait_for 10 has -E "^daemon.warning lunmap: lunmapOperationFailed from localhost: HRESULT 0x80004005: .*add LUN \"db\" to iqn.2026-11.org.example.traps:t1 .*out of memory" "$LOG" ||
	fail "no failure line: $(cat "$LOG")"

note "lunmapCacheOutOfSync: drift"
sset $L.7.1 x "$(hexid $T2)" >/dev/null || fail "associate t2"
tid=$(tgtadm_ctl --op show --mode target | sed -n 's/^Target \([0-9]*\): iqn.2026-11.org.example.traps:t2$/\1/p')
tgtadm_ctl --op delete --mode logicalunit --tid "$tid" --lun 1
expect_line "daemon.warning lunmap: lunmapCacheOutOfSync from localhost: subsystem cacheCorrupt(2): the iSCSI stack differs from lunmap's state; changes are refused until lunmapSubsystemRefresh is written"
note "values formatted by LUNMAP-MIB's display hints (an snmptrapd that loads the MIB)"
line="daemon.notice lunmap: lunmapAssociationChanged from localhost: LUN 1 ($DB) is now on targets {$T1, $T2}"
before=$(grep -cxF "$line" "$LOG" || true)
printf '%s\n' localhost "UDP: [127.0.0.1]:1->[127.0.0.1]:2" \
	"SNMPv2-MIB::snmpTrapOID.0 LUNMAP-MIB::lunmapAssociationChanged" \
	"LUNMAP-MIB::lunmapLunId.1 ${DB//-/}" \
	"LUNMAP-MIB::lunmapLunTargetIds.1 ${T1//-/}${T2//-/}" |
	"$top_srcdir/data/snmptrapd/lunmap-traphandle" -f "$LOG"
[ "$(grep -cxF "$line" "$LOG")" = $((before + 1)) ] || fail "32-digit ids not read: $(tail -2 "$LOG")"
cat "$LOG"
[ "$(grep -c . "$LOG")" -ge 5 ] || fail "lines missing"
! has -v -e '^daemon\.\(notice\|warning\) lunmap: lunmap' "$LOG" || fail "a line not about LUNMAP-MIB: $(cat "$LOG")"
echo "traphandle: all checks passed"
