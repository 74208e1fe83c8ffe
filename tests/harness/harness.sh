#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# LOG_COMPILER of the end-to-end tests: gives each test its own temporary
# folder and makes sure every process it started is gone afterwards.
# Exit 77 (skip) is passed through.
set -u
test_script=$1
shift
export E2E_TMP
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lunmap-e2e.XXXXXX")
export E2E_PIDS="$E2E_TMP/pids"
: >"$E2E_PIDS"
bash "$test_script" "$@"
rc=$?
# a failed test's daemons said why: their last lines go to the test's log
# (a CI machine keeps nothing else of the run)
if [ $rc != 0 ] && [ $rc != 77 ]; then
	for log in "$E2E_TMP"/*.log "$E2E_TMP"/*.stderr; do
		[ -s "$log" ] || continue
		echo "--- last lines of $(basename "$log")"
		tail -n 15 "$log"
	done
fi
# processes a test forgot, or left behind when it failed
. "$(dirname "$0")/lib.sh"
trap - ERR
e2e_cleanup
# E2E_KEEP=1 keeps a failed test's folder to look into
if [ "${E2E_KEEP:-}" ] && [ $rc != 0 ]; then echo "kept $E2E_TMP"; else rm -rf "$E2E_TMP"; fi
exit $rc
