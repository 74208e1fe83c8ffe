#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue #20: targets are addressed by name, not by a remembered number.
# tgtd restarts, and tgt-admin makes another target at t1's old tid and
# t1 at a new one: a change for t1 lands on t1 (before, it landed on
# whatever target held the old tid, and said ok). And a naa. initiator of
# the inventory is bound by name, so that it can log in (before, tgtd was
# given it as an address, which never matches).
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$TGTD" "$TGTADM" iscsi-ls
CTL=$top_builddir/tools/lunmapctl
LOGIN=$top_builddir/tests/harness/iscsi-login
cd "$E2E_TMP"

start_tgtd
mkdir -p state
lun_files 8M db
T9=iqn.2026-11.org.example.e2e:t9
NAA=naa.6001405abcdef0123456789abcdef012
write_inventory inv.xml e2e max-targets-per-lun=2 backend tgtadm= \
	target iqn=$T1 alias=t1 initiators=ALL \
	target iqn=$T2 alias=t2 initiators=$NAA \
	lun name=db path="$E2E_TMP/lun/db.img"
coproc CTLP { "$CTL" -c inv.xml -s state - 2>>"$E2E_TMP/ctl.log"; }
remember_pid "$CTLP_PID" lunmapctl
say() { echo "$*" >&"${CTLP[1]}"; read -r -t 60 reply <&"${CTLP[0]}"; echo "$reply"; }
[ "$(say check)" = ok ] || fail "not in sync at start"
tid_of() { tgtadm_ctl --op show --mode lld | sed -n "s/^        Target \([0-9]*\): $1\$/\1/p"; }
old=$(tid_of $T1)
[ -n "$old" ] || fail "t1 not made"

note "a naa. initiator of the inventory logs in to t2"
out=$("$LOGIN" "127.0.0.1:$TGT_PORT" "$T2" "$NAA" - </dev/null 2>&1) || fail "the naa. initiator cannot log in: $out"
echo "$out" | has -x "logged in" || fail "no login: $out"
out=$("$LOGIN" "127.0.0.1:$TGT_PORT" "$T2" "naa.6001405abcdef0123456789abcdef013" - </dev/null 2>&1) &&
	fail "another naa. name got in: $out"

note "tgtd restarts; another target takes t1's tid $old, t1 comes back at another"
stop_tgtd
unset TGTD_PID
start_tgtd
tgtadm_ctl --op new --mode target --tid "$old" -T "$T9"
tgtadm_ctl --op bind --mode target --tid "$old" -I ALL
tgtadm_ctl --op new --mode target --tid $((old + 5)) -T "$T1"
tgtadm_ctl --op bind --mode target --tid $((old + 5)) -I ALL
r=$(say associate db t1)
[ "$r" = ok ] || fail "associate: $r"
[ "$(disks_of $T1)" = "1 7M" ] || fail "db is not on t1: $(iscsi_list)"
[ -z "$(disks_of $T9)" ] || fail "db landed on $T9, the target at t1's old tid"
echo "hostile_tid: all checks passed"
