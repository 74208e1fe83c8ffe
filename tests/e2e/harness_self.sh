#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The harness stops what a test started and nothing else: a remembered
# PID that the kernel has handed out again (pid_max is small, and the
# crash trials restart lunmapd thousands of times) belongs to someone else.
set -euo pipefail
. "$top_srcdir/tests/harness/lib.sh"
cd "$E2E_TMP"

note "a remembered process is stopped"
sleep 300 &
ours=$!
remember_pid "$ours" sleeper
note "a PID remembered with another start time is another process: left alone"
sleep 300 &
other=$!
echo "$other sleeper start=1" >>"$E2E_PIDS"
note "a PID remembered without a start time cannot be told apart: left alone"
sleep 300 &
old=$!
echo "$old sleeper" >>"$E2E_PIDS"
e2e_cleanup
gone "$ours" || fail "the remembered sleeper still runs"
gone "$other" && fail "a process whose PID was remembered for another one was stopped"
gone "$old" && fail "a process remembered without its start time was stopped"
stop_pid "$other" && ! gone "$other" || fail "stop_pid stopped a process it does not know"
kill "$other" "$old"
wait "$other" "$old" 2>/dev/null || true
echo "harness: all checks passed"
