#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The tgt backend against a real tgtd, checked with libiscsi's initiator.
# TGT_TRANSPORT: the inventory's transport (empty: the default, tgtd's
# socket after a probe; tgt_backend_tgtadm.sh runs this with "tgtadm").
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$TGTD" "$TGTADM" iscsi-ls iscsi-inq
CTL=$top_builddir/tools/lunmapctl
cd "$E2E_TMP"

start_tgtd
mkdir -p lun state
truncate -s 8M lun/db.img
truncate -s 4M "lun/logs b.img"
DB_ID=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02

TGT_TRANSPORT=${TGT_TRANSPORT:-}
inventory() { # FILE TGTADM [TRANSPORT]
	write_inventory "$1" e2e max-targets-per-lun=4 backend tgtadm="$2" transport="${3:-$TGT_TRANSPORT}" \
		target iqn=$T1 alias=t1 initiators=ALL \
		target iqn=$T2 alias=t2 initiators=ALL \
		lun name=db path="$E2E_TMP/lun/db.img" id=$DB_ID \
		lun name=logs path="$E2E_TMP/lun/logs b.img"
}
inventory inv.xml "$TGTADM"
ctl() { "$CTL" -c inv.xml -s state "$@"; }
snapshot() { tgtadm_ctl --op show --mode target; }

note "start creates the inventory's targets in tgtd"
ctl show >/dev/null
snapshot | has "^Target [0-9]*: $T1\$" || fail "t1 not created"
snapshot | has "^Target [0-9]*: $T2\$" || fail "t2 not created"
[ "$(stat -c %a state/state.xml)" = 600 ] || fail "state file is not 0600"

note "associate db with t1 and t2: both expose it with one identity"
if [ -z "$TGT_TRANSPORT" ] && command -v strace >/dev/null; then
	# on tgtd's socket a change starts no process (only lunmapctl itself)
	# LeakSanitizer cannot run under ptrace (the sanitizer build)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=execve -o execs.log "$CTL" -c inv.xml -s state associate db t1 t2
	[ "$(grep -c 'execve(' execs.log)" = 1 ] || fail "the change ran programs: $(grep execve execs.log)"
else
	ctl associate db t1 t2
fi
[ "$(disks_of $T1)" = "1 7M" ] || fail "t1 shows '$(disks_of $T1)'"
[ "$(disks_of $T2)" = "1 7M" ] || fail "t2 shows '$(disks_of $T2)'"
s1=$(inq $T1 1 128 | grep 'Unit Serial')
s2=$(inq $T2 1 128 | grep 'Unit Serial')
[ "$s1" = "$s2" ] || fail "serials differ: $s1 / $s2"
echo "$s1" | has "${DB_ID//-/}" || fail "serial $s1 is not derived from the LUN id"
d1=$(inq $T1 1 131 | tr -d '\0')
d2=$(inq $T2 1 131 | tr -d '\0')
[ -n "$d1" ] && [ "$d1" = "$d2" ] || fail "device identification pages differ"
echo "$d1" | has "${DB_ID//-/}" || fail "device id is not derived from the LUN id"

note "replace with {t2}: gone from t1 only"
ctl associate db t2
[ -z "$(disks_of $T1)" ] || fail "t1 still shows '$(disks_of $T1)'"
[ "$(disks_of $T2)" = "1 7M" ] || fail "t2 lost db"

note "the empty set removes it everywhere"
ctl associate db
[ -z "$(disks_of $T1)$(disks_of $T2)" ] || fail "db still exposed"

note "a backing store with a space in its path"
ctl associate logs t1
[ "$(disks_of $T1)" = "1 3M" ] || fail "logs not on t1: '$(disks_of $T1)'"

note "a stack failure injected at each step leaves tgtd exactly as it was"
cat >tgtadm-fail <<SH
#!/bin/bash
# fails the Nth "new logicalunit", passes everything else to tgtadm
case " \$* " in *" --op new --mode logicalunit "*)
	n=\$(( \$(cat "$E2E_TMP/count" 2>/dev/null || echo 0) + 1 )); echo \$n >"$E2E_TMP/count"
	if [ "\$n" = "\$(cat "$E2E_TMP/fail-at")" ]; then echo "tgtadm: out of memory" >&2; exit 22; fi ;;
esac
exec "$TGTADM" "\$@"
SH
chmod +x tgtadm-fail
inventory inv-fail.xml "$E2E_TMP/tgtadm-fail" tgtadm
for step in 1 2; do
	before=$(snapshot)
	echo 0 >count
	echo $step >fail-at
	if out=$("$CTL" -c inv-fail.xml -s state associate db t1 t2 2>&1); then fail "step $step: no error"; fi
	echo "$out" | has "E_FAIL (0x80004005): rolled back, nothing changed: step $step of 2 (add LUN \"db\"" ||
		fail "step $step: $out"
	echo "$out" | has "tgtd is out of memory" || fail "step $step: reason not mapped: $out"
	[ "$(snapshot)" = "$before" ] || fail "step $step: tgtd changed"
done
[ "$(disks_of $T1)" = "1 3M" ] && [ -z "$(disks_of $T2)" ] || fail "exposure changed"

note "a target removed behind lunmap's back: rolled back, then drift until refresh"
coproc CTLP { "$CTL" -c inv.xml -s state - 2>>"$E2E_TMP/ctl.log"; }
# bash unsets CTLP_PID once the coprocess has exited: keep it
ctlp_pid=$CTLP_PID
remember_pid "$ctlp_pid" lunmapctl
say() { echo "$*" >&"${CTLP[1]}"; read -r -t 60 reply <&"${CTLP[0]}"; echo "$reply"; }
[ "$(say associate logs)" = ok ] || fail "cannot clear logs"
tid2=$(snapshot | sed -n "s/^Target \([0-9]*\): $T2\$/\1/p")
tgtadm_ctl --op delete --force --mode target --tid "$tid2"
before=$(snapshot)
r=$(say associate db t1 t2)
case $r in "error E_FAIL 0x80004005 rolled back, nothing changed: step 2 of 2 (add LUN \"db\" to $T2"*) ;; *) fail "got: $r" ;; esac
[ "$(snapshot)" = "$before" ] || fail "tgtd changed after the failed call"
r=$(say associate db t1)
case $r in "error VDS_E_PROVIDER_CACHE_CORRUPT 0x8004241F"*) ;; *) fail "drift not reported: $r" ;; esac
[ "$(say refresh)" = ok ] || fail "refresh failed"
[ "$(say associate db t1)" = ok ] || fail "refused after refresh"
[ "$(disks_of $T1)" = "1 7M" ] || fail "db not on t1"

note "an LU removed by hand is drift"
tid1=$(snapshot | sed -n "s/^Target \([0-9]*\): $T1\$/\1/p")
tgtadm_ctl --op delete --mode logicalunit --tid "$tid1" --lun 1
r=$(say check)
case $r in "error VDS_E_PROVIDER_CACHE_CORRUPT 0x8004241F drift: LUN 1 (\"db\") of target $T1 is gone"*) ;;
*) fail "check: $r" ;; esac
r=$(say associate logs t1)
case $r in "error VDS_E_PROVIDER_CACHE_CORRUPT"*) ;; *) fail "change allowed during drift: $r" ;; esac
[ "$(say refresh)" = ok ] || fail "refresh failed"
[ "$(say associate db t1)" = ok ] || fail "refused after refresh"
exec {CTLP[1]}>&-
wait "$ctlp_pid" || true

note "after tgtd restarts empty, start-up restores the saved associations"
stop_tgtd
start_tgtd
[ -z "$(snapshot)" ] || fail "tgtd not empty"
ctl show >/dev/null
[ "$(disks_of $T1)" = "1 7M" ] || fail "db not restored on t1: '$(disks_of $T1)'"
grep -q 'number="1"' state/state.xml || fail "LUN number not kept"

note "an existing tgt setup: targets tgtd already has are discovered"
tgtadm_ctl --op new --mode target --tid 77 -T iqn.2026-11.org.example.e2e:admin
tgtadm_ctl --op new --mode logicalunit --tid 77 --lun 3 -b "$E2E_TMP/lun/db.img"
out=$(ctl show)
echo "$out" | has "iqn.2026-11.org.example.e2e:admin online discovered" || fail "not discovered: $out"
echo "$out" | has -- "-> iqn.2026-11.org.example.e2e:admin as LUN 3" || fail "LU not adopted: $out"

stop_tgtd
echo "tgt backend: all checks passed"
