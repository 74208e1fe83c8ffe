#!/bin/bash
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
# processes a test forgot, or left behind when it failed
. "$(dirname "$0")/lib.sh"
trap - ERR
e2e_cleanup
rm -rf "$E2E_TMP"
exit $rc
