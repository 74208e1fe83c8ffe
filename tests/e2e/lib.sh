# Helpers of the end-to-end tests. Every daemon a test starts is recorded
# by PID in $E2E_PIDS and stopped by that PID, never by name.

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "--- $*"; }

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
		n=$((1000 + RANDOM % 60000))
		[ -e "/var/run/tgtd/socket.$n" ] || [ -e "/var/run/tgtd/socket.$n.lock" ] || { echo "$n"; return; }
	done
}

remember_pid() { echo "$1 $2" >>"$E2E_PIDS"; } # PID KIND

wait_for() { # SECONDS COMMAND...
	local limit=$(($1 * 10)) i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -ge $limit ] && return 1
		sleep 0.1
	done
}

TGTADM=${TGTADM:-/usr/sbin/tgtadm}
TGTD=${TGTD:-/usr/sbin/tgtd}

tgtadm_ctl() { "$TGTADM" -C "$TGT_CTL" --lld iscsi "$@"; }

# start_tgtd: a private tgtd, control port $TGT_CTL, portal 127.0.0.1:$TGT_PORT
start_tgtd() {
	TGT_CTL=${TGT_CTL:-$(free_control_port)}
	TGT_PORT=${TGT_PORT:-$(free_port)}
	mkdir -p /var/run/tgtd
	"$TGTD" -f -C "$TGT_CTL" --iscsi "portal=127.0.0.1:$TGT_PORT" >>"$E2E_TMP/tgtd.log" 2>&1 &
	TGTD_PID=$!
	remember_pid "$TGTD_PID" "tgtd $TGT_CTL"
	export TGT_CTL TGT_PORT TGTD_PID
	wait_for 10 tgtadm_ctl --op show --mode sys || fail "tgtd did not start (see $E2E_TMP/tgtd.log)"
}

# tgtd ignores SIGTERM: remove its targets, then ask the system to go.
stop_tgtd() { # [PID [CTL]]
	local pid=${1:-$TGTD_PID} ctl=${2:-$TGT_CTL} tid
	kill -0 "$pid" 2>/dev/null || return 0
	for tid in $("$TGTADM" -C "$ctl" --lld iscsi --op show --mode target 2>/dev/null |
		sed -n 's/^Target \([0-9]*\):.*/\1/p'); do
		"$TGTADM" -C "$ctl" --lld iscsi --op delete --force --mode target --tid "$tid" >/dev/null 2>&1
	done
	"$TGTADM" -C "$ctl" --op delete --mode system >/dev/null 2>&1
	wait_for 5 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

stop_pid() { # PID: TERM, then KILL after 5 s
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null
	wait_for 5 bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status" ||
		kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

e2e_cleanup() {
	local pid kind ctl
	[ -f "$E2E_PIDS" ] || return 0
	while read -r pid kind ctl; do
		case $kind in
		tgtd) stop_tgtd "$pid" "${ctl:-$TGT_CTL}" ;;
		*) stop_pid "$pid" ;;
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
