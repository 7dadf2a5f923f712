#!/usr/bin/env bash
# valgrind-fds.sh -- run the C leak fixtures under `valgrind --track-fds=yes`
# and save valgrind's report as tests/fixtures/NAME.valgrind.txt, so a test can
# compare valgrind's open-at-exit findings with `fdkit audit NAME.strace`.
#
# Usage: scripts/valgrind-fds.sh [--out DIR] [NAME...]
#   NAME...    default: leak-c-exec clean-c use-after-close leak-c-dup2 c-sockets
#              c-threads: the C fixtures that pass under valgrind. c-dup-edge
#              and c-emfile check the kernel's EINVAL/EBADF for numbers at or
#              above RLIMIT_NOFILE, which valgrind answers with EMFILE itself;
#              c-fork-exec re-executes /proc/self/exe, which under valgrind is
#              valgrind's own tool binary.
#   --out DIR  write the reports to DIR instead of tests/fixtures/
#
# If valgrind is not installed the script prints a line starting with
# "valgrind-fds: SKIP:" on stderr and exits 0 without writing anything.
#
# Each program runs exactly like under scripts/record-fixtures.sh (same
# fdlaunch: only fds 0, 1, 2 open; stdin /dev/null; fresh scratch cwd; env -i),
# with
#   valgrind --track-fds=yes --trace-children=yes PROGRAM
# --trace-children=yes makes valgrind follow the execve in leak-c-exec, so the
# leaked fd shows up as "Open file descriptor 3: .../secret.txt <inherited from
# parent>" in the report of the exec'd /bin/true. valgrind's report goes to its
# stderr (the .valgrind.txt file); the program's stdout goes to the scratch dir.
# The reports are verbatim (pids, scratch paths and valgrind's banner included).
set -euo pipefail

DEFAULT_NAMES=(leak-c-exec clean-c use-after-close leak-c-dup2 c-sockets c-threads)

die() {
  echo "valgrind-fds: error: $*" >&2
  exit 1
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
SRC=$ROOT/tests/fixtures/src
OUT=$ROOT/tests/fixtures
NAMES=()
while [ $# -gt 0 ]; do
  case $1 in
    --out)
      [ $# -ge 2 ] || die "--out needs a directory"
      OUT=$2
      shift 2
      ;;
    --out=*)
      OUT=${1#--out=}
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option: $1 (try --help)" ;;
    *)
      NAMES+=("$1")
      shift
      ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${DEFAULT_NAMES[@]}")

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind-fds: SKIP: valgrind not found in PATH (Debian/Ubuntu: apt-get install valgrind); no reports written" >&2
  exit 0
fi
command -v gcc >/dev/null 2>&1 ||
  die "'gcc' not found in PATH; it is required (Debian/Ubuntu: apt-get install gcc)"
VALGRIND=$(command -v valgrind)
for n in "${NAMES[@]}"; do
  [ -f "$SRC/$n.c" ] || die "no C source $SRC/$n.c for '$n'"
done

mkdir -p "$OUT" || die "cannot create output directory $OUT"
OUT=$(cd "$OUT" && pwd)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fdkit-valgrind.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$SCRATCH"' EXIT
BIN=$SCRATCH/bin
mkdir -p "$BIN" "$SCRATCH/reports"

if ! gcc -O2 -Wall -static -o "$BIN/fdlaunch" "$SCRIPT_DIR/fdlaunch.c" 2>/dev/null; then
  gcc -O2 -Wall -o "$BIN/fdlaunch" "$SCRIPT_DIR/fdlaunch.c" || die "cannot compile scripts/fdlaunch.c"
fi
for n in "${NAMES[@]}"; do
  # -g so that valgrind can name source lines in its reports
  gcc -O2 -g -Wall -Wextra -Werror -pthread -o "$BIN/$n" "$SRC/$n.c" || die "cannot compile $SRC/$n.c"
done

for n in "${NAMES[@]}"; do
  work=$SCRATCH/run/$n
  mkdir -p "$work"
  rc=0
  (cd "$work" && env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C HOME="$work" \
    "$BIN/fdlaunch" --stdin /dev/null --stdout "$work/stdout.txt" \
    --stderr "$SCRATCH/reports/$n.valgrind.txt" -- \
    "$VALGRIND" --track-fds=yes --trace-children=yes "$BIN/$n") || rc=$?
  if [ $rc -ne 0 ]; then
    cat "$SCRATCH/reports/$n.valgrind.txt" >&2
    die "$n exited with status $rc under valgrind"
  fi
  grep -q 'FILE DESCRIPTORS:' "$SCRATCH/reports/$n.valgrind.txt" ||
    die "$n: valgrind report has no 'FILE DESCRIPTORS:' section"
done
mv -f "$SCRATCH"/reports/*.valgrind.txt "$OUT"/
echo "valgrind-fds: wrote ${#NAMES[@]} report(s) to $OUT ($("$VALGRIND" --version))"
