#!/usr/bin/env python3
"""check-throughput.py -- `fdkit check` throughput on large logs, next to `wc -l`.

Usage:
  scripts/check-throughput.py [--runs N] [--bin NAME=PATH ...] LOG...

Runs `wc -l LOG` and `PATH check LOG` for each binary, N times each (default 11),
interleaved so that machine noise hits every side alike, under `chrt -f 50` when
allowed (falls back to plain runs). Prints the median and best time per side, in
ms and MB/s (10^6 bytes per second), and each side's median against `wc -l`, and its exit status (`fdkit check`: 0 clean, 1
divergences, 2 unparseable lines).
Default binary: target/release/fdkit (build it first: cargo build --release -p
fdkit-cli). PATH may carry `check` options after it, e.g. (issue 17, one thread
against the default two):
  --bin "one=target/release/fdkit --threads 1" --bin two=target/release/fdkit Logs: scripts/record-build-trace.sh (a real `strace -f cargo build`)
and scripts/make-big-log.sh (every fixture, repeated).
"""
import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--bin", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("logs", nargs="+")
    a = ap.parse_args()
    bins = [b.split("=", 1) for b in a.bin] or [["fdkit", "target/release/fdkit"]]
    sides = [("wc -l", ["wc", "-l"])]
    for n, p in bins:
        path, *opts = shlex.split(p)
        sides.append((n, [path, "check", *opts]))
    prefix = ["chrt", "-f", "50"]
    if shutil.which("chrt") is None or subprocess.run(
        prefix + ["true"], stderr=subprocess.DEVNULL
    ).returncode != 0:
        prefix = []
    for log in a.logs:
        size = os.path.getsize(log)
        times = {name: [] for name, _ in sides}
        codes = {name: set() for name, _ in sides}
        for _ in range(a.runs):
            for name, cmd in sides:
                t = time.perf_counter()
                r = subprocess.run(
                    prefix + cmd + [log], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                times[name].append(time.perf_counter() - t)
                codes[name].add(r.returncode)
        base = statistics.median(times["wc -l"])
        print(f"{log}: {size} bytes, {a.runs} runs")
        for name, _ in sides:
            v = times[name]
            med, best = statistics.median(v), min(v)
            print(
                f"  {name:10s} median {med * 1e3:8.1f} ms {size / med / 1e6:7.0f} MB/s"
                f"   best {best * 1e3:8.1f} ms {size / best / 1e6:7.0f} MB/s"
                f"   {med / base:5.1f}x wc -l"
                f"   exit {','.join(map(str, sorted(codes[name])))}"
            )


if __name__ == "__main__":
    main()
