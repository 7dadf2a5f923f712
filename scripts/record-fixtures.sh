#!/usr/bin/env bash
# record-fixtures.sh -- record the strace fixtures of tests/fixtures/.
#
# Usage: scripts/record-fixtures.sh [--out DIR] [--no-verify] [--list] [NAME...]
#
#   NAME...      fixtures to record (default: all; see --list). Each NAME is
#                recorded as NAME.strace (`strace -f -o`), and the names in
#                VARIANT_NAMES also as NAME.yy-tt-T.strace, NAME.ttt.strace,
#                NAME.r.strace and NAME.stderr.strace; the names in S0_NAMES
#                also as NAME.s0.strace (`strace -f -s 0`: strings and arrays
#                elided, `pipe2([...], O_CLOEXEC) = 0`); the names in
#                FF_NAMES also as NAME.tt.strace and ff/NAME.PID (`strace -ff
#                -tt`), the names in STDERR_NAMES also as NAME.stderr.strace.
#   --out DIR    write the logs to DIR (created if missing) instead of
#                tests/fixtures/. Works from any cwd.
#   --no-verify  do not run scripts/verify-fixtures.py on the fresh logs.
#   --list       print the fixture names and exit.
#
# Needs: strace, gcc, python3, make, /bin/sh. Nothing else.
#
# How a program is run (see tests/fixtures/README.md):
#   env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C PYTHONHASHSEED=0 HOME=$WORK \
#     fdlaunch --stdin /dev/null --stdout $WORK/stdout.txt --stderr $WORK/stderr.txt -- \
#       strace -f -o NAME.strace -- PROGRAM ARGS...
# in a fresh private cwd $WORK under a mktemp -d scratch dir (removed at the
# end). fdlaunch (scripts/fdlaunch.c, built here) closes every fd >= 3 before
# exec'ing strace, so the traced program starts with exactly 0, 1, 2 open; a
# pre-flight run checks that. Logs are written to the scratch dir, verified,
# and only then moved into place, so a failed run never leaves half a set.
set -euo pipefail

ALL_NAMES=(
  shell-redirs shell-pipeline py-subprocess py-threads c-threads c-dup-edge
  c-fork-exec c-sockets c-emfile make-j
  leak-c-exec leak-py-loop leak-shell clean-c use-after-close leak-c-dup2
  c-pipe2-flags c-scm-badf c-ioctl-ptpeer py-pipes
  leak-c-exec12 py-inherited leak-bash
)
VARIANT_NAMES=(shell-pipeline py-threads c-fork-exec c-sockets)
VARIANTS=(yy-tt-T ttt r stderr)
S0_NAMES=(py-pipes c-sockets)
# Also recorded as NAME.tt.strace (`strace -f -tt -o`) and as per-process files
# ff/NAME.PID (`strace -ff -tt -o ff/NAME`): the same program both ways, for
# the merge of -ff logs.
FF_NAMES=(leak-c-exec12 c-fork-exec)
# Also recorded as NAME.stderr.strace (the stderr form, see VARIANTS).
STDERR_NAMES=(leak-c-dup2 leak-c-exec12)
# Started with fd 3 open (fdlaunch --keep3): inherited from the environment.
KEEP3_NAMES=(py-inherited)

die() {
  echo "record-fixtures: error: $*" >&2
  exit 1
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
SRC=$ROOT/tests/fixtures/src
OUT=$ROOT/tests/fixtures
VERIFY=1
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
    --no-verify)
      VERIFY=0
      shift
      ;;
    --list)
      printf '%s\n' "${ALL_NAMES[@]}"
      exit 0
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
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${ALL_NAMES[@]}")
for n in "${NAMES[@]}"; do
  case " ${ALL_NAMES[*]} " in
    *" $n "*) ;;
    *) die "unknown fixture '$n' (known: ${ALL_NAMES[*]})" ;;
  esac
done

# ---- tools -----------------------------------------------------------------
need() {
  command -v "$1" >/dev/null 2>&1 ||
    die "'$1' not found in PATH; it is required to record fixtures (Debian/Ubuntu: apt-get install $2)"
}
need strace strace
need gcc gcc
need python3 python3
need make make
need bash bash
[ -x /bin/sh ] || die "/bin/sh not found"
STRACE=$(command -v strace)
MAKE=$(command -v make)
SH=/bin/sh
# Resolve the real interpreter: python3 may be a wrapper script (pyenv shim),
# which would otherwise show up in the trace.
PY=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
[ -x "$PY" ] || die "cannot resolve the python3 interpreter (got '$PY')"

mkdir -p "$OUT" || die "cannot create output directory $OUT"
OUT=$(cd "$OUT" && pwd)

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fdkit-fixtures.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$SCRATCH"' EXIT
BIN=$SCRATCH/bin
LOGS=$SCRATCH/logs
mkdir -p "$BIN" "$LOGS" "$SCRATCH/run"

# ---- build -----------------------------------------------------------------
CFLAGS=(-O2 -Wall -Wextra -Werror -pthread)
# Static if possible: when fdlaunch itself is traced (stderr variant) it then
# adds no dynamic-loader lines.
if ! gcc -O2 -Wall -static -o "$BIN/fdlaunch" "$SCRIPT_DIR/fdlaunch.c" 2>"$SCRATCH/cc.err"; then
  gcc -O2 -Wall -o "$BIN/fdlaunch" "$SCRIPT_DIR/fdlaunch.c" ||
    die "cannot compile scripts/fdlaunch.c"
fi
for n in "${NAMES[@]}"; do
  if [ -f "$SRC/$n.c" ]; then
    gcc "${CFLAGS[@]}" -o "$BIN/$n" "$SRC/$n.c" || die "cannot compile $SRC/$n.c"
  fi
done
cp "$SRC"/*.py "$SRC"/*.sh "$SRC"/*.mk "$BIN"/

# Environment every program (and strace) runs in.
ENVV=(env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C PYTHONHASHSEED=0)

# ---- pre-flight: strace works and the tracee sees exactly 0 1 2 -----------
pre=$("${ENVV[@]}" HOME="$SCRATCH" "$BIN/fdlaunch" --stdin /dev/null --stderr "$SCRATCH/pre.err" -- \
  "$STRACE" -f -o "$SCRATCH/pre.strace" -- "$BIN/fdlaunch" --list-fds) ||
  die "strace cannot trace a test program (is ptrace allowed here? see kernel.yama.ptrace_scope / container seccomp):
$(cat "$SCRATCH/pre.err" 2>/dev/null)"
[ "$pre" = "0 1 2" ] ||
  die "pre-flight: the traced program started with fds '$pre', expected exactly '0 1 2'"

# ---- recording -------------------------------------------------------------
# prog_argv NAME -> sets PROG (array): the command strace runs, relative to the
# work dir; may prepare files in the cwd.
# PROG_SHOWN: the same command as written in recorded.tsv.
prog_argv() {
  PROG_SHOWN=
  case $1 in
    shell-redirs | shell-pipeline | leak-shell)
      PROG=("$SH" -c "$(cat "$BIN/$1.sh")")
      PROG_SHOWN="$SH -c \"\$(cat tests/fixtures/src/$1.sh)\""
      ;;
    py-subprocess | py-inherited) PROG=("$PY" "$BIN/$1.py") ;; # full interpreter start on purpose
    leak-bash)
      # A script file, as people run them: bash keeps it open on fd 255.
      PROG=("$(command -v bash)" "$BIN/$1.sh")
      PROG_SHOWN="bash tests/fixtures/src/$1.sh"
      ;;
    py-threads | leak-py-loop | py-pipes) PROG=("$PY" -I -S "$BIN/$1.py") ;;
    make-j)
      cp "$BIN/make-j.mk" Makefile
      PROG=("$MAKE" -j4)
      ;;
    *) PROG=("$BIN/$1") ;;
  esac
}

STRACE_VERSION=$("$STRACE" -V | head -n1)
KERNEL="$(uname -s) $(uname -r) $(uname -m)"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
: >"$SCRATCH/recorded.tsv"

# record NAME VARIANT
record() {
  local name=$1 variant=$2 log work sopts rc shown cmd
  if [ "$variant" = plain ]; then log=$name.strace; else log=$name.$variant.strace; fi
  work=$SCRATCH/run/$name.$variant
  mkdir -p "$work"
  case $variant in
    plain) sopts=(-f) ;;
    yy-tt-T) sopts=(-f -yy -tt -T) ;;
    ttt) sopts=(-f -ttt) ;;
    r) sopts=(-f -r) ;;
    stderr) sopts=(-f) ;;
    s0) sopts=(-f -s 0) ;;
    tt) sopts=(-f -tt) ;;
    ff) sopts=(-ff -tt) ;;
  esac
  local keep=()
  case " ${KEEP3_NAMES[*]} " in
    *" $name "*)
      echo "from the environment" >"$work/env.txt"
      keep=(--keep3 "$work/env.txt")
      ;;
  esac
  (
    cd "$work"
    prog_argv "$name"
    set +e
    if [ "$variant" = stderr ]; then
      # strace writes the trace to its own stderr (the log file); the traced
      # fdlaunch moves the program's stderr to stderr.txt before exec'ing it.
      "${ENVV[@]}" HOME="$work" "$BIN/fdlaunch" --stdin /dev/null --stdout "$work/stdout.txt" \
        --stderr "$LOGS/$log" --argv0 strace -- "$STRACE" "${sopts[@]}" -- \
        "$BIN/fdlaunch" --stderr "$work/stderr.txt" -- "${PROG[@]}"
      rc=$?
      shown="strace ${sopts[*]} -- fdlaunch --stderr stderr.txt -- PROG 2>$log"
    elif [ "$variant" = ff ]; then
      # strace -ff writes ff/NAME.PID, one file per process.
      mkdir -p "$LOGS/ff"
      "${ENVV[@]}" HOME="$work" "$BIN/fdlaunch" --stdin /dev/null --stdout "$work/stdout.txt" \
        --stderr "$work/stderr.txt" --argv0 strace -- "$STRACE" "${sopts[@]}" -o "$LOGS/ff/$name" -- "${PROG[@]}"
      rc=$?
      log=ff/$name
      shown="strace ${sopts[*]} -o $log -- PROG"
    else
      "${ENVV[@]}" HOME="$work" "$BIN/fdlaunch" --stdin /dev/null --stdout "$work/stdout.txt" \
        --stderr "$work/stderr.txt" "${keep[@]}" --argv0 strace -- "$STRACE" "${sopts[@]}" -o "$LOGS/$log" -- "${PROG[@]}"
      rc=$?
      shown="strace ${sopts[*]} -o $log -- PROG"
      [ ${#keep[@]} -eq 0 ] || shown="fdlaunch --keep3 env.txt -- $shown"
    fi
    set -e
    if [ $rc -ne 0 ]; then
      echo "record-fixtures: $log: program exited with status $rc; its stderr:" >&2
      sed 's/^/  | /' "$work/stderr.txt" >&2 2>/dev/null || true
      exit 1
    fi
    # One line per log: name, date, kernel, strace version, command (with the
    # scratch dir shown as $SCRATCH).
    local prog
    if [ -n "$PROG_SHOWN" ]; then prog=$PROG_SHOWN; else
      prog=$(printf '%q ' "${PROG[@]}")
      prog=${prog% }
    fi
    cmd=${shown/PROG/$prog}
    cmd=${cmd//"$SCRATCH"/\$SCRATCH}
    printf '%s\t%s\t%s\t%s\t%s\n' "$log" "$NOW" "$KERNEL" "$STRACE_VERSION" "$cmd" \
      >>"$SCRATCH/recorded.tsv"
  ) || die "recording $log failed"
}

start=$SECONDS
for n in "${NAMES[@]}"; do
  record "$n" plain
  case " ${VARIANT_NAMES[*]} " in
    *" $n "*) for v in "${VARIANTS[@]}"; do record "$n" "$v"; done ;;
  esac
  case " ${S0_NAMES[*]} " in
    *" $n "*) record "$n" s0 ;;
  esac
  case " ${FF_NAMES[*]} " in
    *" $n "*) record "$n" tt && record "$n" ff ;;
  esac
  case " ${STDERR_NAMES[*]} " in
    *" $n "*) record "$n" stderr ;;
  esac
done

if [ $VERIFY = 1 ]; then
  python3 "$SCRIPT_DIR/verify-fixtures.py" "$LOGS" "${NAMES[@]}" ||
    die "fresh logs failed verification (kept nothing; old fixtures in $OUT untouched)"
fi

# ---- install ---------------------------------------------------------------
mv -f "$LOGS"/*.strace "$OUT"/
if [ -d "$LOGS/ff" ]; then
  mkdir -p "$OUT/ff"
  for n in "${NAMES[@]}"; do
    case " ${FF_NAMES[*]} " in
      *" $n "*) rm -f "$OUT/ff/$n".[0-9]* ;;
    esac
  done
  mv -f "$LOGS"/ff/* "$OUT"/ff/
fi
# recorded.tsv: keep lines for logs not re-recorded now, replace the others.
{
  if [ -f "$OUT/recorded.tsv" ]; then
    awk -F'\t' 'NR == FNR { fresh[$1] = 1; next } !($1 in fresh) && $1 !~ /^#/' \
      "$SCRATCH/recorded.tsv" "$OUT/recorded.tsv"
  fi
  cat "$SCRATCH/recorded.tsv"
} | sort >"$SCRATCH/merged.tsv"
{
  printf '# log\tdate(UTC)\tkernel\tstrace\tcommand (run in a fresh cwd under $SCRATCH, see scripts/record-fixtures.sh)\n'
  cat "$SCRATCH/merged.tsv"
} >"$OUT/recorded.tsv"

count=$(wc -l <"$SCRATCH/recorded.tsv")
echo "record-fixtures: wrote $count logs to $OUT in $((SECONDS - start))s (strace: $STRACE_VERSION; kernel: $KERNEL)"
