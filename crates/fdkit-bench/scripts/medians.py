#!/usr/bin/env python3
"""Median of several `suite --json` runs, per measurement id, as a Markdown table.

Usage: medians.py [--range] RUN.json [RUN.json ...] [--compare BASE.json ...]
With --compare, the table shows the base medians next to the new ones. With
--range, each fdkit and host median is followed by the [min–max] of the runs.
"""
import json
import statistics
import sys


def load(paths):
    runs = [[json.loads(line) for line in open(p)] for p in paths]
    by_id = {}
    for run in runs:
        for m in run:
            by_id.setdefault(m["id"], []).append(m)
    return by_id


def med(ms, key):
    vals = [m[key] for m in ms if m.get(key) is not None]
    return statistics.median(vals) if vals else None


RANGE = False


def spread(ms, key):
    vals = [m[key] for m in ms if m.get(key) is not None]
    if len(vals) < 2:
        return ""
    return f" [{fmt(min(vals))}–{fmt(max(vals))}]"


def fmt(v, unit="ns_per_op"):
    if v is None:
        return "–"
    if unit != "ns_per_op":
        return f"{v:.1f}"
    if v >= 100_000:
        return f"{v / 1000:.0f} µs"
    if v >= 10_000:
        return f"{v / 1000:.1f} µs"
    return f"{v:.0f} ns" if v >= 100 else f"{v:.1f} ns"


def main(argv):
    global RANGE
    RANGE = "--range" in argv
    argv = [a for a in argv if a != "--range"]
    if "--compare" in argv:
        i = argv.index("--compare")
        new, base = load(argv[:i]), load(argv[i + 1:])
    else:
        new, base = load(argv), None
    if base:
        print("| id | before | after | change |")
        print("|---|---:|---:|---:|")
        for id_, ms in new.items():
            if id_ not in base:
                continue
            a, b = med(base[id_], "model"), med(ms, "model")
            change = f"{b / a:.2f}×" if a and b else "–"
            print(f"| {id_} | {fmt(a)} | {fmt(b)} | {change} |")
        return
    print("| id | fdkit | host | host/fdkit | Vec scan | BTreeSet | target | met |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for id_, ms in new.items():
        unit = ms[0]["unit"]
        model, host = med(ms, "model"), med(ms, "host")
        # The ratio of each run (fdkit and host measured in the same run), then the
        # median of those.
        r = med(ms, "ratio")
        ratio = f"{r:.1f}×" if r else "–"
        shown_model, shown_host = fmt(model, unit), fmt(host, unit)
        if RANGE and unit == "ns_per_op":
            shown_model += spread(ms, "model")
            shown_host += spread(ms, "host")
        base_vals = {}
        for m in ms:
            for k, v in m["baselines"].items():
                base_vals.setdefault(k, []).append(v)
        vs = fmt(statistics.median(base_vals["vec_scan"]), unit) if "vec_scan" in base_vals else "–"
        bt = fmt(statistics.median(base_vals["btree_free"]), unit) if "btree_free" in base_vals else "–"
        t = ms[0]["target"]
        target = "" if t is None else ", ".join(f"{k} {v:g}" for k, v in t.items())
        mets = [m["met"] for m in ms if m["met"] is not None]
        met = "" if not mets else f"{sum(mets)}/{len(mets)}"
        print(f"| {id_} | {shown_model} | {shown_host} | {ratio} | {vs} | {bt} | {target} | {met} |")


if __name__ == "__main__":
    main(sys.argv[1:])
