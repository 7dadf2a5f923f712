#!/usr/bin/env bash
# record-build-trace.sh -- record a large real-world strace log for throughput
# measurements of `fdkit check` (issue 5): `strace -f` of cargo building this
# workspace from scratch, release and debug, every target (build scripts,
# rustc's threads, the linker's vfork+execve). About 200 MB and 2.3 million lines;
# 6-7 minutes on 2 cores.
#
# Usage: scripts/record-build-trace.sh [OUT]   (default /tmp/fdkit-build.strace)
#
# The log is not committed (size); rerun this to get one. Its content depends on
# the toolchain and the dependency versions in Cargo.lock, so numbers measured on
# it are comparable between fdkit versions only on the same recording.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-/tmp/fdkit-build.strace}"
command -v strace >/dev/null || { echo "record-build-trace: error: strace not found (apt-get install -y strace)" >&2; exit 1; }
target="$(mktemp -d /tmp/fdkit-build-target.XXXXXX)"
trap 'rm -rf "$target"' EXIT
cd "$here"
strace -f -o "$out" sh -c "cargo build --release --workspace --all-targets --target-dir '$target' \
    && cargo build --workspace --all-targets --target-dir '$target'" >/dev/null 2>&1
printf '%s: %s bytes, %s lines\n' "$out" "$(stat -c %s "$out")" "$(wc -l <"$out")"
