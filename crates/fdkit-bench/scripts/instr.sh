#!/usr/bin/env bash
# Instructions per operation, from callgrind: runs the `prof` example with N and 2N
# iterations and prints (Ir(2N) - Ir(N)) / N, so fixture setup cancels out.
# Usage: crates/fdkit-bench/scripts/instr.sh OP [N]   (OP as in examples/prof.rs)
set -euo pipefail
op=$1
n=${2:-100000}
root=$(git rev-parse --show-toplevel)
bin=$root/target/release/examples/prof
cargo build -q --release -p fdkit-bench --example prof
tmp=$(mktemp -d)
ir() {
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bin" "$op" "$1" >/dev/null 2>"$tmp/err"
    grep -oP 'Collected : \K[0-9]+' "$tmp/err"
}
a=$(ir "$n")
b=$(ir $((2 * n)))
rm -rf "$tmp"
echo "$op: $(( (b - a) / n )) instructions/op"
