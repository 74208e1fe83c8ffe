#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Issue #20: a comma in a LUN's path chose another file. tgtd splits its
# parameters at ',' (the last path= wins) and so does LIO's control: an
# inventory LUN at ".../vm1.img,path=.../secret.img" passed --check, a SET
# associating it answered noError, and tgtd exported secret.img. A path
# with ',', '=' or a control byte is refused by --check with file, line
# and byte, lunmapd does not start on it, and the same LUN written into
# the state by hand (with a good checksum) is refused at start, naming
# the LUN and the byte; nothing reaches tgtd.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
need "$TGTD" "$TGTADM" python3
LUNMAPD=$top_builddir/subagent/lunmapd
cd "$E2E_TMP"

start_tgtd
mkdir -p img
truncate -s 4M img/vm1.img
truncate -s 6M img/secret.img
T1=iqn.2026-11.org.example.e2e:t1
inventory() { # PATH (XML attribute text)
	cat <<XML
<lunmap xmlns="urn:lunmap:inventory:1" name="paths">
  <backend type="tgt" control-port="$TGT_CTL" portal="127.0.0.1:$TGT_PORT" tgtadm="$TGTADM"/>
  <target iqn="$T1" alias="t1" initiators="ALL"/>
  <lun name="vm1" path="$1" id="0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01"/>
</lunmap>
XML
}
comma="$E2E_TMP/img/vm1.img,path=$E2E_TMP/img/secret.img"
at=$(( ${#E2E_TMP} + 13 ))

expect_refused() { # FILE MESSAGE
	local rc=0 out
	out=$("$LUNMAPD" --check "$1" 2>&1) || rc=$?
	[ "$rc" = 2 ] || fail "--check $1: exit $rc: $out"
	echo "$out" | has -F -- "$2" || fail "--check $1: no \"$2\" in: $out"
}

note "--check: a comma path, with file, line and byte"
inventory "$comma" >comma.xml
expect_refused comma.xml "comma.xml:4: path of LUN \"vm1\": byte $at is ','"
note "--check: '=' and control bytes (a newline, a tab, C1)"
inventory "$E2E_TMP/img/a=b.img" >equals.xml
expect_refused equals.xml "equals.xml:4: path of LUN \"vm1\": byte $(( ${#E2E_TMP} + 7 )) is '='"
inventory "$E2E_TMP/img/vm1&#10;.img" >newline.xml
expect_refused newline.xml "newline.xml:4: path of LUN \"vm1\": byte $(( ${#E2E_TMP} + 9 )) is a control byte"
inventory "$E2E_TMP/img/vm1&#9;.img" >tab.xml
expect_refused tab.xml "tab.xml:4: path of LUN \"vm1\""
inventory "$E2E_TMP/img/vm1&#x85;.img" >c1.xml
expect_refused c1.xml "control character (C1)"

note "lunmapd does not start on the comma path; tgtd exports nothing"
rc=0
out=$("$LUNMAPD" -f -Le -c comma.xml -s state-comma -x "$E2E_TMP/none.sock" -w 1 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "lunmapd started on a comma path (exit $rc): $out"
echo "$out" | has "byte $at is ','" || fail "no reason: $out"
! tgtadm_ctl --op show --mode target | has "secret" || fail "secret.img reached tgtd"

note "the same LUN written into the state by hand is refused at start"
inventory "$E2E_TMP/img/vm1.img" >good.xml
"$LUNMAPD" --check good.xml >/dev/null || fail "the clean inventory is refused"
mkdir -m 700 state
cat >state/state.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<lunmap-state xmlns="urn:lunmap:state:1" generation="1" next-lun-index="2" next-target-index="2">
<target index="1" id="6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01" iqn="$T1" alias="t1"/>
<lun index="1" id="0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01" path="$comma" name="vm1"/>
<assoc lun="1" target="1" number="1"/>
</lunmap-state>
XML
# the checksum line lunmapd writes: FNV-1a 64 of every byte before it
python3 - state/state.xml <<'PY'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
h = 0xcbf29ce484222325
for c in b:
    h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
open(p, 'ab').write(b'<!-- check %016x -->\n' % h)
PY
chmod 600 state/state.xml
rc=0
out=$("$LUNMAPD" -f -Le -c good.xml -s state -x "$E2E_TMP/none.sock" -w 1 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "lunmapd started on a state with a comma path (exit $rc): $out"
echo "$out" | has "state file is corrupt (the path of LUN 1: byte $at is ','" || fail "no reason: $out"
! tgtadm_ctl --op show --mode target | has -e "secret" -e "vm1" || fail "the state's LUN reached tgtd"
echo "hostile_paths: all checks passed"
