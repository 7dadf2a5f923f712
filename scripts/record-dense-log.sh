#!/usr/bin/env bash
# record-dense-log.sh -- record a dense strace log for `fdkit check` throughput
# (issue 17): `strace -f` of a bash loop of `exec 3<FILE`, `exec 4>&3`, `exec 3>&-`,
# `exec 5<&4`, `exec 4>&- 5>&-`, so that nearly every line is a descriptor call
# (`openat`, `dup2`, `fcntl(F_GETFD/F_DUPFD/F_SETFD)`, `close`): ~1,170 bytes and
# 25 lines of log per iteration. The default 240,000 iterations give about 280 MB
# in 6 M lines (a few minutes on 2 cores; the traced bash is slow, not fdkit).
#
# Usage: scripts/record-dense-log.sh [--iterations N] [OUT]  (default /tmp/fdkit-dense.strace)
#
# The traced shell starts with only 0, 1 and 2 open (every other inherited
# descriptor is closed first), so the log replays with no unconfirmed inference.
# The log is not committed (size); rerun this to get one, then e.g.
#   scripts/check-throughput.py --runs 5 /tmp/fdkit-dense.strace
set -euo pipefail

iterations=240000
out=/tmp/fdkit-dense.strace
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) out="$1"; shift ;;
  esac
done
command -v strace >/dev/null || { echo "record-dense-log: error: strace not found (apt-get install -y strace)" >&2; exit 1; }
case "$iterations" in ''|*[!0-9]*) echo "record-dense-log: error: --iterations takes a number" >&2; exit 2 ;; esac

# Close every descriptor above 2 that this shell inherited, then trace.
for fd in /proc/$$/fd/*; do
  n="${fd##*/}"
  [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null || true
done
strace -f -o "$out" bash -c '
  i=0
  while [ "$i" -lt "$1" ]; do
    exec 3</dev/null; exec 4>&3; exec 3>&-; exec 5<&4; exec 4>&- 5>&-
    i=$((i + 1))
  done' dense "$iterations" </dev/null >/dev/null
printf '%s: %s bytes, %s lines\n' "$out" "$(stat -c %s "$out")" "$(wc -l <"$out")"
