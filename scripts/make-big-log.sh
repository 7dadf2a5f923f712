#!/usr/bin/env bash
# make-big-log.sh -- build a large strace log for throughput measurements of
# `fdkit check` (issue 5: >= 300 MB/s on one core on a >= 200 MB log).
#
# Usage: scripts/make-big-log.sh [--mb N] [--out FILE] [FIXTURE.strace...]
#
#   --mb N     stop once the log is at least N MiB (default 256)
#   --out FILE where to write it (default /tmp/fdkit-big.strace); never commit it
#   FIXTURE... the logs to repeat (default: every `-o` style fixture in
#              tests/fixtures, i.e. all but the *.stderr.strace ones, whose
#              unprefixed lines cannot be renumbered)
#
# Copies are concatenated with every pid renumbered (pid + copy * 100000 in the
# line prefix, in clone/clone3/fork/vfork results, in `superseded by execve in
# pid N` and `<pid changed to N ...>`), so each copy is a separate process tree
# and the whole file replays clean, like the fixtures themselves. Prints the
# size and `wc -l` of the result.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
mb=256
out=/tmp/fdkit-big.strace
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) mb="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  for f in "$here"/tests/fixtures/*.strace; do
    case "$f" in *.stderr.strace) ;; *) files+=("$f") ;; esac
  done
fi
command -v python3 >/dev/null || { echo "make-big-log: error: python3 not found" >&2; exit 1; }

python3 - "$mb" "$out" "${files[@]}" <<'EOF'
import re, sys
mb, out, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
texts = [open(f, encoding="ascii", errors="strict").read().splitlines() for f in files]
prefix = re.compile(r"^(\d+)(\s)")
result = re.compile(r"^(\d+\s+(?:[\d:.]+\s+)?(?:(?:clone3?|fork|vfork)\(|<\.\.\. (?:clone3?|fork|vfork) resumed>).*\)\s+= )(\d+)((?: <[\d.]+>)?)$")
other = re.compile(r"(superseded by execve in pid |<pid changed to )(\d+)")
limit = mb << 20
size, copy = 0, 0
with open(out, "w", encoding="ascii") as w:
    while size < limit:
        off = copy * 100000
        bump = lambda m: m.group(1) + str(int(m.group(2)) + off)
        for lines in texts:
            buf = []
            for line in lines:
                line = prefix.sub(lambda m: str(int(m.group(1)) + off) + m.group(2), line, 1)
                m = result.match(line)
                if m:
                    line = m.group(1) + str(int(m.group(2)) + off) + m.group(3)
                line = other.sub(bump, line)
                buf.append(line)
            chunk = "\n".join(buf) + "\n"
            w.write(chunk)
            size += len(chunk)
        copy += 1
print(f"{out}: {size} bytes ({size / 2**20:.1f} MiB), {copy} copies of {len(files)} logs")
EOF
wc -l "$out"
