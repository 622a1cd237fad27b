#!/usr/bin/env python3
"""Summarises a loadtests/perf-compare.sh output folder (or several, e.g. two repeats) as the Markdown table of
docs/PERFORMANCE.md: every figure for cndr and the baseline, the ratio cndr / node, and the issue's target.

usage: perf-summary.py DIR [DIR ...]
"""
import csv
import os
import sys

# run, scenario figure, CSV column, unit, target ratio (cndr/node), lower is better
FIGURES = [
    ("fanout", "server CPU per delivery (µs)", "server_cpu_us_per_unit", 0.2, True),
    ("fanout", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("fanout", "deliveries/s", "throughput", None, False),
    ("fanout", "p50 latency (ms)", "p50_ms", None, True),
    ("fanout", "p99 latency (ms)", "p99_ms", None, True),
    ("fanout", "generator CPU per delivery (µs)", "generator_cpu_us_per_unit", None, True),
    ("fanout", "  of which kernel (µs)", "generator_sys_us_per_unit", None, True),
    ("fanout-sat", "saturation deliveries/s (p99 ≤ 100 ms, none lost)", "throughput", "higher", False),
    ("fanout-sat", "server CPU per delivery at saturation (µs)", "server_cpu_us_per_unit", None, True),
    ("fanout-sat", "server CPU % at saturation", "server_cpu_pct", None, True),
    ("fanout-sat", "generator CPU % at saturation", "generator_cpu_pct", None, True),
    ("fanout-p99", "p99 at the baseline's saturation load (ms)", "p99_ms", 0.2, True),
    ("fanout-p99", "  deliveries/s in that step", "throughput", None, False),
    ("fanout-p99", "  lost in that step", "lost", None, True),
    ("inbound", "server CPU per inbound message (µs)", "server_cpu_us_per_unit", 0.2, True),
    ("inbound", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("inbound", "messages/s", "throughput", None, False),
    ("inbound", "p99 latency (ms)", "p99_ms", None, True),
    ("inbound", "generator CPU per message (µs)", "generator_cpu_us_per_unit", None, True),
    ("inbound-sat", "saturation messages/s (p99 ≤ 100 ms, none lost)", "throughput", "higher", False),
    ("inbound-sat", "server CPU per message at saturation (µs)", "server_cpu_us_per_unit", None, True),
    ("inbound-sat", "generator CPU % at saturation", "generator_cpu_pct", None, True),
    ("connect", "server CPU per handshake (µs)", "server_cpu_us_per_unit", 0.2, True),
    ("connect", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("connect", "RSS per idle connection at 10 000 (KiB)", "rss_bytes_per_connection", 0.25, True),
    ("connect", "handshakes/s (paced at 400/s)", "throughput", None, False),
    ("connect", "handshake p99 (ms)", "p99_ms", None, True),
    ("connect", "generator CPU per handshake (µs)", "generator_cpu_us_per_unit", None, True),
    ("connect-sat", "saturation handshakes/s (p99 ≤ 100 ms, no errors)", "throughput", "higher", False),
    ("connect-sat", "server CPU per handshake at saturation (µs)", "server_cpu_us_per_unit", None, True),
]


def rows(directory, run):
    path = os.path.join(directory, run, "steps.csv")
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as f:
        data = list(csv.DictReader(f))
    picked = {}
    for target in ("cndr", "node"):
        mine = [r for r in data if r["target"] == target]
        if not mine:
            continue
        good = [r for r in mine if "last good" in r["verdict"]]
        picked[target] = good[-1] if good else mine[-1] if not run.endswith("-sat") else None
    return picked


def num(row, column):
    if row is None:
        return None
    try:
        v = float(row[column])
    except (KeyError, ValueError):
        return None
    if column == "rss_bytes_per_connection":
        v /= 1024
    return v


def fmt(v):
    if v is None:
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def main():
    dirs = sys.argv[1:]
    if not dirs:
        print(__doc__)
        return 2
    header = "| run | figure | " + " | ".join(
        f"cndr #{i + 1} | node #{i + 1} | ratio #{i + 1}" for i in range(len(dirs))) + " | target (cndr/node) | met? |"
    print(header)
    print("|" + "---|" * (2 + 3 * len(dirs) + 2))
    for run, name, column, target, lower in FIGURES:
        cells = []
        verdicts = []
        for d in dirs:
            pick = rows(d, run)
            a, b = num(pick.get("cndr"), column), num(pick.get("node"), column)
            ratio = a / b if a is not None and b not in (None, 0) else None
            cells += [fmt(a), fmt(b), f"{ratio:.3f}" if ratio is not None else "n/a"]
            if ratio is not None and isinstance(target, float):
                verdicts.append(ratio <= target)
            elif ratio is not None and target == "higher":
                verdicts.append(ratio > 1)
        if isinstance(target, float):
            t = f"≤ {target:g}"
        elif target == "higher":
            t = "> 1 (as far as the machine allows)"
        else:
            t = ""
        met = "" if not t else ("met" if verdicts and all(verdicts) else "not met" if verdicts and not any(verdicts) else "mixed" if verdicts else "n/a")
        print(f"| {run} | {name} | " + " | ".join(cells) + f" | {t} | {met} |")
    for d in dirs:
        loads = []
        for run in ("fanout", "fanout-sat", "fanout-p99", "inbound", "inbound-sat", "connect", "connect-sat"):
            path = os.path.join(d, run, "steps.csv")
            if os.path.exists(path):
                with open(path, newline="") as f:
                    loads += [float(r["load_avg_1m"]) for r in csv.DictReader(f) if r.get("load_avg_1m") not in (None, "", "n/a")]
        if loads:
            print(f"\n{os.path.basename(d.rstrip('/'))}: 1-minute load average at the end of the steps: min {min(loads):.2f}, max {max(loads):.2f} (2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
