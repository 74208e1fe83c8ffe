#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# In the LIO test guest (tests/e2e/lio_qemu.sh puts it in the initramfs
# as /bin/lio-guest; busybox sh):
#   lio-guest show    configfs as the crash trials read it, one line an
#                     object (tests/harness/lio_trials.py parses it):
#     T IQN enable=E gen=G auth=A dwp=W np=PORTAL,...
#     L IQN N LINK          the TPG's lun_N and where its link points ("-":
#                           no link, a lun_N half made)
#     A IQN INITIATOR       a node ACL
#     M IQN INITIATOR N LINK wp=W   a mapped LUN of the ACL
#     B HBA/NAME enable=E udev=PATH serial=S ports=P   a backstore
#   lio-guest wipe    removes every target and backstore (what a reboot
#                     does to LIO)
#   lio-guest unlu IQN N   removes the TPG's lun_N by hand, its mappings
#                     first (as an administrator with targetcli would)
#   lio-guest sessions     prints the initiators logged in to any target
C=/sys/kernel/config/target

val() { cat "$1" 2>/dev/null | tr -d '\0\n' || true; }

link_of() { # FOLDER: where its first symlink points, or -
	for l in "$1"/*; do
		[ -L "$l" ] && { readlink "$l"; return; }
	done
	echo -
}

show() {
	for t in "$C"/iscsi/*:*; do
		[ -d "$t" ] || continue
		iqn=${t##*/} tpg=$t/tpgt_1
		np=$(ls "$tpg/np" 2>/dev/null | tr '\n' ',')
		echo "T $iqn enable=$(val "$tpg/enable") gen=$(val "$tpg/attrib/generate_node_acls") auth=$(val "$tpg/attrib/authentication") dwp=$(val "$tpg/attrib/demo_mode_write_protect") np=${np:--}"
		for lun in "$tpg"/lun/lun_*; do
			[ -d "$lun" ] && echo "L $iqn ${lun##*_} $(link_of "$lun")"
		done
		for a in "$tpg"/acls/*; do
			[ -d "$a" ] || continue
			echo "A $iqn ${a##*/}"
			for m in "$a"/lun_*; do
				[ -d "$m" ] && echo "M $iqn ${a##*/} ${m##*_} $(link_of "$m") wp=$(val "$m/write_protect")"
			done
		done
	done
	for h in "$C"/core/*_[0-9]*; do
		for b in "$h"/*; do
			[ -d "$b" ] || continue
			s=$(val "$b/wwn/vpd_unit_serial")
			echo "B ${h##*/}/${b##*/} enable=$(val "$b/enable") udev=$(val "$b/udev_path") serial=${s##*: } ports=$(val "$b/statistics/scsi_dev/ports")"
		done
	done
}

unlu() { # IQN N
	tpg=$C/iscsi/$1/tpgt_1
	for m in "$tpg"/acls/*/lun_"$2"; do
		[ -d "$m" ] || continue
		for l in "$m"/*; do [ -L "$l" ] && rm "$l"; done
		rmdir "$m"
	done
	for l in "$tpg/lun/lun_$2"/*; do [ -L "$l" ] && rm "$l"; done
	rmdir "$tpg/lun/lun_$2"
}

wipe() {
	for t in "$C"/iscsi/*:*; do
		[ -d "$t" ] || continue
		tpg=$t/tpgt_1
		echo 0 >"$tpg/enable" 2>/dev/null
		for lun in "$tpg"/lun/lun_*; do
			[ -d "$lun" ] && unlu "${t##*/}" "${lun##*_}"
		done
		for a in "$tpg"/acls/*; do
			[ -d "$a" ] || continue
			for m in "$a"/lun_*; do
				[ -d "$m" ] || continue
				for l in "$m"/*; do [ -L "$l" ] && rm "$l"; done
				rmdir "$m"
			done
			rmdir "$a"
		done
		for np in "$tpg"/np/*; do [ -d "$np" ] && rmdir "$np"; done
		rmdir "$tpg" 2>/dev/null
		rmdir "$t"
	done
	for h in "$C"/core/*_[0-9]*; do
		for b in "$h"/*; do [ -d "$b" ] && rmdir "$b"; done
	done
	return 0
}

sessions() {
	cat "$C"/iscsi/*/tpgt_1/dynamic_sessions 2>/dev/null | tr -d '\0'
	cat "$C"/iscsi/*/tpgt_1/acls/*/info 2>/dev/null | grep '^InitiatorName:' || true
}

case ${1:-} in
show) show ;;
wipe) wipe ;;
unlu) unlu "$2" "$3" ;;
sessions) sessions ;;
*) echo "usage: lio-guest show|wipe|unlu IQN N|sessions" >&2; exit 2 ;;
esac
