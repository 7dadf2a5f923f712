"""``python -m fdkit [--audit] [--log FILE] SCRIPT [ARGS...]``: runs SCRIPT as
``__main__`` under ``fdkit.patch()`` (like ``python -m trace``), then ends the
model process with the script's exit status (1 after an uncaught exception,
whose traceback is printed); ``--audit`` prints the run's leak
findings at the end, ``--log FILE`` writes the run's calls as ``strace -f -o``
would (``fdkit audit FILE`` reads it). The exit status is the script's."""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import traceback
from typing import List, Optional

from ._patch import patch


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fdkit",
        description="Run a Python script with its os descriptor calls in the fdkit model.",
    )
    parser.add_argument("--audit", action="store_true", help="print the run's leak findings at the end")
    parser.add_argument("--log", metavar="FILE", help="write the run's calls as an strace -f log")
    parser.add_argument("script", help="the script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    opts = parser.parse_args(argv)
    script = opts.script
    if not os.path.isfile(script):
        print(f"fdkit: {script}: no such file", file=sys.stderr)
        return 2
    saved_argv, saved_path0 = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [script] + opts.args
    if sys.path:
        sys.path[0] = os.path.dirname(os.path.abspath(script))
    status = 0
    try:
        with patch() as model:
            try:
                runpy.run_path(script, run_name="__main__")
            except SystemExit as e:
                status = _status(e.code)
            except BaseException:  # the script failed: its traceback, status 1
                traceback.print_exc()
                status = 1
            finally:
                model.exit(status & 0xFF)
                sys.stdout.flush()
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None:
            sys.path[0] = saved_path0
    if opts.log:
        with open(opts.log, "w") as f:
            f.write(model.log())
    if opts.audit:
        findings = model.audit()
        print(f"fdkit: audit of {script}: {len(findings)} finding(s)")
        for f in findings:
            print(f"  {f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
