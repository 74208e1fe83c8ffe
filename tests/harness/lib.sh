# SPDX-License-Identifier: BSD-3-Clause
# Helpers of the end-to-end tests. Every daemon a test starts is recorded
# by PID in $E2E_PIDS and stopped by that PID, never by name.

fail() { echo "FAIL: $*" >&2; exit 1; }
# a command that stops a set -e test says which it was
set -E
trap 'echo "FAIL: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "--- $*"; }
# Whether the input matches (grep's arguments). Not grep -q: that stops at
# the first match, the writer then dies of SIGPIPE, and under pipefail the
# whole pipeline fails although the line was there.
has() { grep "$@" >/dev/null; }

need() { # PROGRAM...
	local p
	for p in "$@"; do
		[ -n "$p" ] && [ -x "$p" ] || command -v "$p" >/dev/null 2>&1 || skip "$p is not installed"
	done
}

# A port nobody listens on (TCP and UDP), from a range the kernel does not
# hand out for outgoing connections.
free_port() {
	local port hex
	while :; do
		port=$((20000 + RANDOM % 12000))
		hex=$(printf ':%04X ' "$port")
		grep -qi "$hex" /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null && continue
		grep -qx "$port" "$E2E_TMP/ports" 2>/dev/null && continue
		echo "$port" >>"$E2E_TMP/ports"
		echo "$port"
		return
	done
}

# tgtd's control port names a local socket, /var/run/tgtd/socket.N
free_control_port() {
	local n
	while :; do
		n=$((1000 + RANDOM % 31000)) # tgtadm -C takes at most 32767
		[ -e "/var/run/tgtd/socket.$n" ] || [ -e "/var/run/tgtd/socket.$n.lock" ] || { echo "$n"; return; }
	done
}

# The kernel's start time of process PID (clock ticks since boot): with
# the PID it names one process, while a PID alone is handed out again
# (pid_max is 32768 here) and may by then be another test's daemon.
proc_start() { sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $20 }'; }
remember_pid() { echo "$1 $2 start=$(proc_start "$1")" >>"$E2E_PIDS"; } # PID KIND
# The start time remembered for PID (its last record), or nothing.
remembered_start() {
	awk -v p="$1" '$1 == p { s = "" ; for (i = 2; i <= NF; i++) if ($i ~ /^start=/) s = substr($i, 7) }
		END { print s }' "$E2E_PIDS" 2>/dev/null
}
# Whether PID is still the process that was remembered (unknown: it is not).
still_ours() {
	local start=${2:-$(remembered_start "$1")}
	[ -n "$start" ] && [ "$(proc_start "$1")" = "$start" ]
}

# Whether process PID listens on TCP PORT (its own socket, not another's
# that happens to hold the same port).
listens() { # PID PORT
	local inode hex
	hex=$(printf '%04X' "$2")
	for inode in $(awk -v h=":$hex" '$2 ~ h"$" && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
		ls -l "/proc/$1/fd" 2>/dev/null | has "socket:\[$inode\]" && return 0
	done
	return 1
}

wait_for() { # SECONDS COMMAND...
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.1
	done
}

# started PID CHECK...: waits until CHECK succeeds while PID still runs.
# A daemon that exits at once (its port was taken) is seen at once, not
# after the whole wait: a zombie counts as exited.
up_or_gone() { local pid=$1; shift; gone "$pid" || "$@"; }
started() {
	local pid=$1; shift
	wait_for 10 up_or_gone "$pid" "$@" && ! gone "$pid"
}

# start_daemon NAME LOG PORTVARS READY LAUNCH [ARG...]: LAUNCH [ARG...]
# draws the ports named in PORTVARS that are unset, starts the daemon in the
# background and sets DAEMON_PID; READY must then succeed while it runs.
# Ports are drawn at random and checked free, but a test running beside
# this one may take one before the daemon binds it: when the daemon exits
# at once, draw again (unless the caller fixed the ports, to restart on them).
start_daemon() {
	local name=$1 log=$2 vars=$3 ready=$4 attempt v fixed=
	shift 4
	for v in $vars; do [ -z "${!v:-}" ] || fixed=yes; done
	for attempt in 1 2 3; do
		"$@"
		started "$DAEMON_PID" "$ready" && return 0
		echo "$name on ports$(for v in $vars; do printf ' %s' "${!v}"; done) did not start" \
			"(attempt $attempt): $(tail -3 "$log")" >&2
		kill -9 "$DAEMON_PID" 2>/dev/null || true
		# shellcheck disable=SC2086
		[ -n "$fixed" ] || unset $vars
	done
	fail "$name did not start: $(tail -5 "$log")"
}

# ------------------------------------------------------------ inventory
# The world most tests build: targets t1..t3 and LUNs db and logs, with
# fixed ids so that a failed run's logs read the same as the last one's.
T1ID=6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c01
T2ID=6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c02
T3ID=6f1c7b0e-4f7a-4c84-9d55-2b1f0e6a9c03
DBID=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a01
LOGSID=0b7e2d7c-8f0a-4d6e-a1f3-5c9b8e7d6a02
T1=iqn.2026-11.org.example.e2e:t1
T2=iqn.2026-11.org.example.e2e:t2
T3=iqn.2026-11.org.example.e2e:t3

# write_inventory FILE NAME [ATTR=VALUE...] [ELEMENT [N] [ATTR=VALUE...]]...
# An inventory (lunmap.xml(5)) named NAME; the ATTRs before the first
# ELEMENT are the <lunmap> element's. ELEMENT is mibs, target or lun, or
# "targets N" / "luns N": N elements, every % in their values 1 to N.
# One element a line in the order given, so that a test can name the
# line lunmapd reports. <backend> is always there, second line: type
# "tgt", and with the private tgtd (start_tgtd) its control port, portal
# and $TGTADM; "backend ATTR=VALUE..." replaces or adds attributes, and
# ATTR= leaves one out. Values go in as written, unescaped: XML text.
# FILE - is stdout.
write_inventory() {
	local file=$1 name=$2 el=lunmap many= n=1 a i k line body=
	local -a top=() back=(type=tgt) attrs=()
	[ -z "${TGT_CTL:-}" ] || back+=("control-port=$TGT_CTL" "portal=127.0.0.1:$TGT_PORT" "tgtadm=$TGTADM")
	shift 2
	while :; do
		case ${1:-} in
		*=*) attrs+=("$1"); shift; continue ;;
		esac
		# an element's attributes end at the next element or at the end
		case $el in
		lunmap) top=(${attrs[@]+"${attrs[@]}"}) ;;
		backend)
			for a in ${attrs[@]+"${attrs[@]}"}; do
				k=${a%%=*}
				for i in "${!back[@]}"; do
					[ "${back[i]%%=*}" = "$k" ] && { back[i]=$a; k=; }
				done
				[ -z "$k" ] || back+=("$a")
				[ -n "${a#*=}" ] || for i in "${!back[@]}"; do [ "${back[i]}" != "$a" ] || unset 'back[i]'; done
			done ;;
		*)
			for ((i = 1; i <= n; i++)); do
				line="  <$el"
				for a in ${attrs[@]+"${attrs[@]}"}; do
					[ -z "$many" ] || a=${a//\%/$i}
					line+=" ${a%%=*}=\"${a#*=}\""
				done
				body+="$line/>"$'\n'
			done ;;
		esac
		[ $# -gt 0 ] || break
		attrs=() many= n=1 el=$1
		shift
		case $el in
		targets|luns) many=yes n=${1:?write_inventory: $el without a count}; el=${el%s}; shift ;;
		backend|mibs|target|lun) ;;
		*) fail "write_inventory: no element $el" ;;
		esac
	done
	line="<lunmap xmlns=\"urn:lunmap:inventory:1\" name=\"$name\""
	for a in ${top[@]+"${top[@]}"}; do line+=" ${a%%=*}=\"${a#*=}\""; done
	line+=$'>\n  <backend'
	for a in "${back[@]}"; do line+=" ${a%%=*}=\"${a#*=}\""; done
	line+=$'/>\n'"$body</lunmap>"
	if [ "$file" = - ]; then echo "$line"; else echo "$line" >"$file"; fi
}

TGTADM=${TGTADM:-/usr/sbin/tgtadm}
TGTD=${TGTD:-/usr/sbin/tgtd}

tgtadm_ctl() { "$TGTADM" -C "$TGT_CTL" --lld iscsi "$@"; }

# start_tgtd: a private tgtd, control port $TGT_CTL, portal 127.0.0.1:$TGT_PORT.
launch_tgtd() {
	TGT_CTL=${TGT_CTL:-$(free_control_port)}
	TGT_PORT=${TGT_PORT:-$(free_port)}
	"$TGTD" -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" >>"$E2E_TMP/tgtd.log" 2>&1 &
	TGTD_PID=$! DAEMON_PID=$!
	remember_pid "$TGTD_PID" "tgtd $TGT_CTL"
	export TGT_CTL TGT_PORT TGTD_PID
}
tgtd_ready() { "$TGTADM" -C "$TGT_CTL" --op show --mode sys && wait_for 5 listens "$TGTD_PID" "$TGT_PORT"; }
start_tgtd() {
	mkdir -p /var/run/tgtd
	start_daemon tgtd "$E2E_TMP/tgtd.log" "TGT_CTL TGT_PORT" tgtd_ready launch_tgtd
}

# tgtd ignores SIGTERM: remove its targets, then ask the system to go.
# gone, or a zombie that only waits to be reaped
gone() { ! kill -0 "$1" 2>/dev/null || has '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# Helpers that stop things never fail the test that calls them (set -e):
# what they stop may have gone already, and wait reports a killed child.
stop_tgtd() { # [PID [CTL [START]]]
	local pid=${1:-$TGTD_PID} ctl=${2:-$TGT_CTL} tid
	gone "$pid" && { wait "$pid" 2>/dev/null || true; return 0; }
	still_ours "$pid" "${3:-}" || return 0
	for tid in $("$TGTADM" -C "$ctl" --lld iscsi --op show --mode target 2>/dev/null |
		sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		"$TGTADM" -C "$ctl" --lld iscsi --op delete --force --mode target --tid "$tid" >/dev/null 2>&1 || true
	done
	"$TGTADM" -C "$ctl" --op delete --mode system >/dev/null 2>&1 || true
	wait_for 5 gone "$pid" || kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

stop_pid() { # PID [START]: TERM, then KILL after 5 s; never another process
	local pid=$1 start=${2:-}
	gone "$pid" && { wait "$pid" 2>/dev/null || true; return 0; }
	still_ours "$pid" "$start" || return 0
	kill "$pid" 2>/dev/null || true
	wait_for 5 gone "$pid" || { still_ours "$pid" "$start" && kill -9 "$pid" 2>/dev/null; } || true
	wait "$pid" 2>/dev/null || true
	return 0
}

# Every process a test remembered that is still the one it remembered.
e2e_cleanup() {
	local pid kind rest ctl start
	[ -f "$E2E_PIDS" ] || return 0
	while read -r pid kind rest; do
		start=$(echo "$rest" | sed -n 's/.*start=\([0-9]*\).*/\1/p')
		ctl=${rest%%start=*}; ctl=${ctl% }
		[ -n "$start" ] || continue # no start time: it cannot be told from a newer process
		case $kind in
		tgtd) stop_tgtd "$pid" "${ctl:-$TGT_CTL}" "$start" ;;
		*) stop_pid "$pid" "$start" ;;
		esac
	done < <(tac "$E2E_PIDS")
}

# iscsi-ls of the private portal, retried once: the first login after LUNs
# change may get a UNIT ATTENTION.
iscsi_list() {
	iscsi-ls -s "iscsi://127.0.0.1:$TGT_PORT/" 2>&1 || iscsi-ls -s "iscsi://127.0.0.1:$TGT_PORT/" 2>&1
}

# The LUs of one target that an initiator sees as disks: "LUN SIZE" lines.
disks_of() { # IQN
	iscsi_list | awk -v t="$1" '
		/^Target:/ { on = ($0 ~ "^Target:" t " ") }
		on && /DIRECT_ACCESS/ { sub("Lun:", "", $1); s = $0; sub(/.*Size:/, "", s); sub(/\)/, "", s); print $1, s }'
}

inq() { # IQN LUN PAGE
	iscsi-inq -e 1 -c "$3" "iscsi://127.0.0.1:$TGT_PORT/$1/$2" 2>&1
}

# lun_files SIZE NAME...: the files $E2E_TMP/lun/NAME.img of SIZE
lun_files() {
	local size=$1 n
	shift
	mkdir -p "$E2E_TMP/lun"
	for n in "$@"; do truncate -s "$size" "$E2E_TMP/lun/$n.img"; done
}

# need_probe: tests/harness/iscsi-probe as $PROBE, or skip
need_probe() {
	PROBE=$top_builddir/tests/harness/iscsi-probe
	[ -x "$PROBE" ] || skip "no tests/harness/iscsi-probe (libiscsi-dev missing at configure)"
}

# hold_session TARGET INITIATOR: a libiscsi session from the private
# portal's TARGET as INITIATOR, held until the test closes fd 5 (the
# fifo "hold" it writes to)
hold_session() {
	mkfifo hold
	exec 5<>hold
	"$top_builddir/tests/harness/iscsi-hold" "127.0.0.1:$TGT_PORT" "$1" "$2" x \
		<hold >hold.out 2>&1 5>&- &
	remember_pid $! iscsi-hold
	wait_for 10 has -x "logged in" hold.out || fail "no login: $(cat hold.out)"
}

# ---------------------------------------------------------------- SNMP
SNMPD=${SNMPD:-/usr/sbin/snmpd}
SNMPTRAPD=${SNMPTRAPD:-/usr/sbin/snmptrapd}
# LUNMAP-MIB by name (mib/LUNMAP-MIB.txt): lunmapMIB is netSnmpPlaypen.3260.
# tests/harness/trials.py has the same names; a test retypes no number.
R=1.3.6.1.4.1.8072.9999.9999.3260
SUBSYS=$R.1.1                # lunmapSubsystem
SUBSYS_NAME=$SUBSYS.1.0      # lunmapSubsystemName
BACKEND=$SUBSYS.2.0          # lunmapSubsystemBackend
STATUS=$SUBSYS.3.0           # lunmapSubsystemStatus
MAX_PER_LUN=$SUBSYS.4.0      # lunmapSubsystemMaxTargetsPerLun
LAST_CHANGE=$SUBSYS.5.0      # lunmapSubsystemLastChange
REFRESH=$SUBSYS.6.0          # lunmapSubsystemRefresh
ERR_CODE=$SUBSYS.7.0         # lunmapLastErrorCode
ERR_TEXT=$SUBSYS.8.0         # lunmapLastErrorText
ASSOC_TOTAL=$SUBSYS.9.0      # lunmapAssociationCount
LOCK=$SUBSYS.10.0            # lunmapSpinLock
FORCE=$SUBSYS.11.0           # lunmapSubsystemForce
REAPPLY_COUNT=$SUBSYS.12.0   # lunmapStackReapplyCount
ERR_LUN=$SUBSYS.13.0         # lunmapLastErrorLun
STEPS_DONE=$SUBSYS.14.0      # lunmapActionStepsDone
STEPS=$SUBSYS.15.0           # lunmapActionSteps
ACTION_RESULT=$SUBSYS.16.0   # lunmapActionResult
ACTION_TEXT=$SUBSYS.17.0     # lunmapActionText
LUN_TABLE=$R.1.2             # lunmapLunTable
L=$LUN_TABLE.1               # lunmapLunEntry: $L.7.N is LUN N's lunmapLunTargetIds
T=$R.1.3.1                   # lunmapTargetEntry
ASSOC_TABLE=$R.1.4           # lunmapAssocTable
A=$ASSOC_TABLE.1             # lunmapAssocEntry
TL=$R.1.5.1                  # lunmapTargetLunEntry
N_ASSOC_CHANGED=$R.0.1       # lunmapAssociationChanged
N_OP_FAILED=$R.0.2           # lunmapOperationFailed
N_OUT_OF_SYNC=$R.0.3         # lunmapCacheOutOfSync
N_IN_SYNC=$R.0.4             # lunmapCacheInSync
N_REAPPLIED=$R.0.5           # lunmapStackReapplied
N_ACTION_DONE=$R.0.6         # lunmapActionCompleted
V3AUTH=lunmap-auth-pass
V3PRIV=lunmap-priv-pass

# start_snmpd [CONF]: a private master on udp 127.0.0.1:$SNMP_PORT, AgentX
# socket $AGENTX; traps to $TRAP_PORT if set. With CONF, that file with its
# agentXSocket line pointed at $AGENTX; without, v2c "public" read-only,
# "private" read-write and an SNMPv3 user "admin" (authPriv, SHA and AES)
# read-write.
snmpd_conf() { # [CONF]
	echo "master agentx"
	echo "agentXSocket unix:$AGENTX"
	if [ -n "${1:-}" ]; then
		grep -v -e '^agentXSocket' -e '^master' "$1"
	else
		# as data/snmpd.conf.lunmap: the master waits 5 s for a
		# subagent (net-snmp ignores the timeout a subagent registers)
		cat <<CONF
agentXTimeout 5
rocommunity public 127.0.0.1
rwcommunity private 127.0.0.1
createUser admin SHA "$V3AUTH" AES "$V3PRIV"
rwuser admin priv
CONF
	fi
	[ -z "${TRAP_PORT:-}" ] || echo "trap2sink 127.0.0.1:$TRAP_PORT public"
}
launch_snmpd() { # [CONF]
	SNMP_PORT=${SNMP_PORT:-$(free_port)}
	snmpd_conf "${1:-}" >"$E2E_TMP/snmpd.conf"
	rm -f "$AGENTX"
	SNMP_PERSISTENT_DIR=$E2E_TMP/snmp-persist "$SNMPD" -f -Lo -C -c "$E2E_TMP/snmpd.conf" \
		-p "$E2E_TMP/snmpd.pid" "udp:127.0.0.1:$SNMP_PORT" >>"$E2E_TMP/snmpd.log" 2>&1 &
	SNMPD_PID=$! DAEMON_PID=$!
	remember_pid "$SNMPD_PID" snmpd
	export SNMP_PORT AGENTX SNMPD_PID
}
snmpd_ready() { test -S "$AGENTX"; }
start_snmpd() { # [CONF]
	AGENTX=$E2E_TMP/agentx.sock
	mkdir -p "$E2E_TMP/snmp-persist"
	start_daemon snmpd "$E2E_TMP/snmpd.log" SNMP_PORT snmpd_ready launch_snmpd "${1:-}"
}

# start_snmptrapd: notifications received go to $E2E_TMP/traps.log
launch_snmptrapd() {
	TRAP_PORT=${TRAP_PORT:-$(free_port)}
	: >"$E2E_TMP/traps.log"
	SNMP_PERSISTENT_DIR=$E2E_TMP/snmptrapd-persist "$SNMPTRAPD" -f -On -Lf "$E2E_TMP/traps.log" \
		-C -c "$E2E_TMP/snmptrapd.conf" -p "$E2E_TMP/snmptrapd.pid" "udp:127.0.0.1:$TRAP_PORT" \
		>>"$E2E_TMP/snmptrapd.log" 2>&1 &
	SNMPTRAPD_PID=$! DAEMON_PID=$!
	remember_pid "$SNMPTRAPD_PID" snmptrapd
	export TRAP_PORT SNMPTRAPD_PID
}
snmptrapd_ready() { grep -q "NET-SNMP version" "$E2E_TMP/traps.log"; }
start_snmptrapd() {
	echo "disableAuthorization yes" >"$E2E_TMP/snmptrapd.conf"
	start_daemon snmptrapd "$E2E_TMP/snmptrapd.log" TRAP_PORT snmptrapd_ready launch_snmptrapd
}

sget() { snmpget -v2c -c public -t 3 -r 1 -On -Oq "${SNMP_AGENT:-127.0.0.1:$SNMP_PORT}" "$@" 2>&1; }
sgetv() { snmpget -v2c -c public -t 3 -r 1 -Ov -Oq "${SNMP_AGENT:-127.0.0.1:$SNMP_PORT}" "$@" 2>&1; }
swalk() { snmpwalk -v2c -c public -t 3 -r 1 -On -Oq "${SNMP_AGENT:-127.0.0.1:$SNMP_PORT}" "$@" 2>&1; }
sbulk() { snmpbulkwalk -Cr50 -v2c -c public -t 3 -r 1 -On -Oq "${SNMP_AGENT:-127.0.0.1:$SNMP_PORT}" "$@" 2>&1; }
# sset: prints snmpset's output; the exit code is snmpset's
sset() { snmpset -v2c -c private -On -t 5 -r 0 "${SNMP_AGENT:-127.0.0.1:$SNMP_PORT}" "$@" 2>&1; }

# run_action WHAT: writes lunmapSubsystemRefresh (2 refresh, 3 reenumerate,
# 4 restore), which answers as soon as the action starts, and waits until
# it has ended (the object reads idle(1) again); fails unless the action
# was accepted and succeeded (lunmapActionResult 0). The text of a failed
# one is on stdout.
run_action() { # WHAT [SECONDS]
	local out
	out=$(sset $REFRESH i "$1") || { echo "$out"; return 1; }
	wait_for "${2:-60}" reads $REFRESH 1 || { echo "still running after ${2:-60} s"; return 1; }
	[ "$(sgetv $ACTION_RESULT)" = 0 ] || { sgetv $ACTION_TEXT; return 1; }
}

# start_tgtd_snmpd [--traps]: a private tgtd and snmpd (with --traps a
# snmptrapd too, started first: snmpd is told where it listens)
start_tgtd_snmpd() {
	start_tgtd
	[ "${1:-}" != --traps ] || start_snmptrapd
	start_snmpd
}

# run_trials WHAT N MAX-TARGETS TITLE: tests/harness/trials.py WHAT N on
# $E2E_TMP/inv.xml, then lunmapd must have left no trace
run_trials() {
	INVENTORY=$E2E_TMP/inv.xml MAX_TARGETS=$3 python3 "$top_srcdir/tests/harness/trials.py" "$1" "$2" ||
		fail "$4 (logs: $E2E_TMP/lunmapd.log)"
	lunmapd_left_clean
	echo "$4: all checks passed"
}

# launch_lunmapd PROGRAM INVENTORY: a lunmapd logging to lunmapd.stderr
# on the state folder "state", as LUNMAPD_PID (the caller waits for it)
launch_lunmapd() {
	"$1" -f -Le -c "$2" -s state -x "$AGENTX" 2>lunmapd.stderr &
	LUNMAPD_PID=$!
	remember_pid "$LUNMAPD_PID" lunmapd
}

# reads OID VALUE: whether the object reads VALUE now (for wait_for)
reads() { [ "$(sgetv "$1")" = "$2" ]; }
# whether a lunmapd answers through the master (for wait_for)
lunmapd_answers() { snmpget -v2c -c public -t 1 -r 0 "127.0.0.1:$SNMP_PORT" $SUBSYS_NAME | has STRING; }

# start_lunmapd INVENTORY: runs lunmapd on $E2E_TMP/state until it answers
start_lunmapd() {
	# net-snmp would keep lunmapd.conf here (it must not: see lunmapd_left_clean)
	mkdir -p "$E2E_TMP/lunmapd-persist"
	SNMP_PERSISTENT_DIR=$E2E_TMP/lunmapd-persist "$top_builddir/subagent/lunmapd" -f -x "$AGENTX" -c "$1" -s "$E2E_TMP/state" \
		-Lf "$E2E_TMP/lunmapd.log" 2>>"$E2E_TMP/lunmapd.stderr" &
	LUNMAPD_PID=$!
	remember_pid "$LUNMAPD_PID" lunmapd
	export LUNMAPD_PID
	wait_for 15 lunmapd_answers || fail "lunmapd does not answer (see $E2E_TMP/lunmapd.log)"
}

# a GUID as snmpset's hex (x) value
hexid() { echo "${1//-/}" | tr 'a-f' 'A-F'; }
# an OCTET STRING value as snmpget -Oq prints it, back to continuous hex
as_hex() { tr -d ' "\n' | tr 'a-f' 'A-F'; }
# the instances of a subtree, without snmpwalk's "No Such Object" line
rows_of() { swalk "$1" | grep "^\.$1\." || true; }

# after lunmapd stopped: no sanitizer report (leaks included) in its stderr,
# and nothing written outside its state folder (no net-snmp persistent file)
lunmapd_left_clean() {
	! grep -q -e 'Sanitizer' -e 'runtime error' "$E2E_TMP/lunmapd.stderr" 2>/dev/null ||
		fail "sanitizer report from lunmapd: $(cat "$E2E_TMP/lunmapd.stderr")"
	# (net-snmp makes an empty cert_indexes folder there whatever it is told)
	[ -z "$(find "$E2E_TMP/lunmapd-persist" -type f 2>/dev/null)" ] ||
		fail "lunmapd wrote net-snmp persistent files: $(find "$E2E_TMP/lunmapd-persist" -type f)"
}
