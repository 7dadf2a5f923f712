#!/usr/bin/env bash
# mutation-strength.sh -- the check-strength measure of `fdkit check` (issue 13):
# records fresh `strace -f` logs of real programs nobody tuned fdkit to, checks that
# each replays with 0 differ, then turns every single recorded result of every
# fixture and fresh log into results Linux cannot give (three classes: "table",
# "no-fd", "errno"; crates/fdkit-replay/examples/mutation_strength/harness.rs) and
# counts how many `fdkit check` reports at their own line.
#
# Usage: scripts/mutation-strength.sh [--no-record] [--sample N] [OUT]
#   OUT          where the fresh logs go (default: a new mktemp -d, kept)
#   --no-record  only the fixtures
#   --sample N   at most N mutations per class and log (default: all)
#
# Needs strace, gcc, make, python3, git, tar. Takes 5-15 minutes on 2 cores.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
record=1
sample=()
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --no-record) record=0; shift ;;
    --sample) sample=(--sample "$2"); shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) out=$1; shift ;;
  esac
done
die() { echo "mutation-strength: error: $*" >&2; exit 1; }

cd "$here"
cargo build --release -q -p fdkit-cli -p fdkit-replay --example mutation_strength
fdkit="$here/target/release/fdkit"
logs=("$here"/tests/fixtures/*.strace)

if [ "$record" = 1 ]; then
  for tool in strace gcc make python3 git tar; do
    command -v "$tool" >/dev/null || die "'$tool' not found in PATH"
  done
  out=${out:-$(mktemp -d /tmp/fdkit-strength.XXXXXX)}
  mkdir -p "$out"
  work=$(mktemp -d /tmp/fdkit-strength-work.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  cd "$work"
  # Programs start with exactly 0, 1, 2 open (what the shell leaked stays out).
  for fd in /proc/$$/fd/*; do
    n=${fd##*/}
    [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" || true
  done
  t() { local name=$1; shift; strace -f -o "$out/$name.strace" "$@" >/dev/null 2>&1 || true; }
  printf 'int main(void){return 0;}\n' > t.c
  printf 'all: a b\na:\n\t@true\nb:\n\t@echo b > b.txt\n' > Makefile
  t git-log git -C "$here" log --oneline -5
  t git-status git -C "$here" status
  t gcc gcc -o t t.c
  t make-j make -j4 -B
  t tar sh -c "tar czf x.tgz -C '$here/crates' fdkit-draw && tar tzf x.tgz | sort | head -3"
  t find-xargs sh -c "find '$here/crates' -name '*.toml' | xargs grep -l fdkit | wc -l"
  t bash-redirs bash -c 'for i in 1 2 3; do exec 3<t.c; cat <&3 >/dev/null; exec 3<&-; done; ls /nonexistent; true'
  t py-asyncio python3 -c "
import asyncio, multiprocessing as mp
async def main():
    p = await asyncio.create_subprocess_exec('ls', '/proc/self/fd', stdout=asyncio.subprocess.PIPE)
    await p.communicate()
asyncio.run(main())
def sq(x): return x * x
if __name__ == '__main__':
    with mp.Pool(2) as pool: pool.map(sq, [1, 2, 3])
"
  t py-sqlite python3 -c "import sqlite3; c = sqlite3.connect('db'); c.execute('create table t(x)'); c.execute('insert into t values (1)'); c.commit()"
  cd "$here"
  for f in "$out"/*.strace; do
    summary=$("$fdkit" check "$f" 2>&1 | tail -1) || true
    echo "$(basename "$f"): $summary"
    logs+=("$f")
  done
fi

"$here/target/release/examples/mutation_strength" "${sample[@]}" "${logs[@]}"
