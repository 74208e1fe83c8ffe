#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# lunmapd refuses to start, with a clear message and exit code, on a bad
# inventory, a bad state folder, a held lock, or no master.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$SNMPD"
cd "$E2E_TMP"
LUNMAPD=$top_builddir/tests/harness/lunmapd-sim

cat >good.xml <<XML
<lunmap xmlns="urn:lunmap:inventory:1" name="start">
  <backend type="tgt"/>
  <lun name="a" path="$E2E_TMP/a.img"/>
</lunmap>
XML
sed 's|name="a"|name="a" id="not-a-guid"|' good.xml >bad.xml

expect_exit() { # CODE MESSAGE ARGS...
	local code=$1 msg=$2 rc=0 out
	shift 2
	out=$("$LUNMAPD" -f -Le "$@" 2>&1) || rc=$?
	[ "$rc" = "$code" ] || fail "exit $rc, wanted $code: $out"
	echo "$out" | has -- "$msg" || fail "no \"$msg\" in: $out"
}

note "a bad inventory: file, line and reason"
expect_exit 2 "bad.xml:3: id \"not-a-guid\" is not a GUID" -c bad.xml -s state1 -x "$E2E_TMP/none.sock"
note "a state folder that cannot be one"
touch notadir
expect_exit 2 "cannot create state folder" -c good.xml -s notadir/state -x "$E2E_TMP/none.sock"
note "a corrupt state file is refused, not replaced"
mkdir -p state2 && echo "<lunmap-state" >state2/state.xml
expect_exit 2 "state file is corrupt" -c good.xml -s state2 -x "$E2E_TMP/none.sock"
[ "$(cat state2/state.xml)" = "<lunmap-state" ] || fail "state file replaced"
note "no master within -w seconds: exit 3"
expect_exit 3 "no AgentX master" -c good.xml -s state3 -x "$E2E_TMP/none.sock" -w 1
note "a second lunmapd on the same state folder"
start_snmpd
"$LUNMAPD" -f -Le -c good.xml -s state4 -x "$AGENTX" 2>first.log &
remember_pid $! lunmapd
wait_for 10 test -f state4/state.xml || fail "first lunmapd did not start"
expect_exit 2 "another process holds the lock" -c good.xml -s state4 -x "$AGENTX"
echo "lunmapd start: all checks passed"
