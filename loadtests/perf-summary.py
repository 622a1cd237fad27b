#!/usr/bin/env python3
"""Summarises a loadtests/perf-compare.sh output folder (or several, e.g. two repeats) as the Markdown table of
docs/PERFORMANCE.md: every figure for cndr, the Node baseline and (fan-out) the floor, both ratios
(cndr / node, cndr / floor), the issue's target and whether this run meets it, and the run's load average.

usage: perf-summary.py DIR [DIR ...]
"""
import csv
import os
import sys

# run, figure, CSV column, target, lower is better.
# target: None, or (reference, op, value): reference "node" / "floor" (a ratio) or "abs" (cndr's own value);
# op "<=" or ">=".
FIGURES = [
    ("fanout", "server CPU per delivery (µs), 14 000/s", "server_cpu_us_per_unit", ("floor", "<=", 1.5), True),
    ("fanout", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("fanout", "deliveries/s", "throughput", None, False),
    ("fanout", "p50 latency (ms)", "p50_ms", None, True),
    ("fanout", "p99 latency (ms)", "p99_ms", None, True),
    ("fanout", "generator CPU per delivery (µs)", "generator_cpu_us_per_unit", None, True),
    ("fanout-sat", "saturation deliveries/s (p99 ≤ 100 ms, none lost; bisected)", "throughput", ("node", ">=", 2), False),
    ("fanout-sat", "server CPU per delivery at saturation (µs)", "server_cpu_us_per_unit", None, True),
    ("fanout-sat", "server CPU % at saturation", "server_cpu_pct", None, True),
    ("fanout-sat", "generator CPU % at saturation", "generator_cpu_pct", None, True),
    ("fanout-p99", "p99 at the baseline's saturation load (ms)", "p99_ms", ("node", "<=", 0.2), True),
    ("fanout-p99", "  deliveries/s in that step", "throughput", None, False),
    ("fanout-p99", "  lost in that step", "lost", None, True),
    ("inbound", "server CPU per inbound message (µs), 2 000/s", "server_cpu_us_per_unit", ("node", "<=", 0.5), True),
    ("inbound", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("inbound", "messages/s", "throughput", None, False),
    ("inbound", "p99 latency (ms)", "p99_ms", None, True),
    ("inbound-sat", "saturation messages/s (p99 ≤ 100 ms, none lost; bisected)", "throughput", ("node", ">=", 4), False),
    ("inbound-sat", "server CPU per message at saturation (µs)", "server_cpu_us_per_unit", None, True),
    ("connect", "server CPU per handshake (µs)", "server_cpu_us_per_unit", ("node", "<=", 0.3), True),
    ("connect", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("connect", "RSS per idle joined connection at 5 000 (KB)", "rss_bytes_per_connection", ("abs", "<=", 6.0), True),
    ("connect", "handshake p99 (ms)", "p99_ms", None, True),
    ("connect-19k", "RSS per idle joined connection at 19 000 (KB)", "rss_bytes_per_connection", ("abs", "<=", 6.0), True),
    ("connect-19k", "  connections held (every ping answered)", "units", ("abs", ">=", 19000), False),
    ("connect-sat", "saturation handshakes/s (p99 ≤ 100 ms, no errors; bisected)", "throughput", None, False),
    ("connect-sat", "server CPU per handshake at saturation (µs)", "server_cpu_us_per_unit", None, True),
]

TARGETS = ("cndr", "node", "floor", "cndr-embedded")

# One node on the embedded store (the design's one-node deployment): the fanout run's cndr-embedded target against the
# floor and against cndr on Redis of the same run. Same fields as FIGURES; reference "floor" only.
EMBEDDED_FIGURES = [
    ("fanout", "server CPU per delivery (µs), 14 000/s", "server_cpu_us_per_unit", ("floor", "<=", 1.5), True),
    ("fanout", "  of which kernel (µs)", "server_sys_us_per_unit", None, True),
    ("fanout", "p99 latency (ms)", "p99_ms", None, True),
]

# Two nodes, cross placement (issue 14): run, figure, CSV column, single-node run of the same figure, targets.
# targets: list of (reference, op, value): "node" (cndr / node, two nodes each), "single" (cndr two nodes / cndr one node).
CROSS_FIGURES = [
    ("cross-fanout", "server CPU per delivery, both nodes (µs), 14 000/s", "server_cpu_us_per_unit", "fanout", [("single", "<=", 1.2)]),
    ("cross-fanout", "  of which kernel (µs)", "server_sys_us_per_unit", "fanout", []),
    ("cross-fanout", "deliveries/s", "throughput", "fanout", []),
    ("cross-fanout", "p99 latency (ms)", "p99_ms", "fanout", []),
    ("cross-fanout-sat", "saturation deliveries/s (bisected)", "throughput", "fanout-sat", [("node", ">=", 2)]),
    ("cross-inbound", "server CPU per message_to_host, both nodes (µs), 2 000/s", "server_cpu_us_per_unit", "inbound", [("node", "<=", 0.5)]),
    ("cross-inbound", "  of which kernel (µs)", "server_sys_us_per_unit", "inbound", []),
    ("cross-inbound", "messages/s", "throughput", "inbound", []),
    ("cross-inbound", "p99 latency (ms)", "p99_ms", "inbound", []),
    ("cross-inbound-sat", "saturation messages/s (bisected)", "throughput", "inbound-sat", [("node", ">=", 2)]),
]


def load(directory, run):
    path = os.path.join(directory, run, "steps.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def rows(directory, run):
    data = load(directory, run)
    picked = {}
    for target in TARGETS:
        mine = [r for r in data if r["target"] == target]
        if not mine:
            continue
        if run.endswith("-sat"):
            good = [r for r in mine if "last good" in r["verdict"]]
            picked[target] = good[-1] if good else None
        else:
            picked[target] = median_step(mine, "p99_ms" if run == "fanout-p99" else "server_cpu_us_per_unit")
    return picked


# Figures a repeated step does not measure again: RSS per connection is the growth over the step, and a process keeps the
# memory its first step took (heap, pools), so only each target's first step measures it.
FIRST_STEP_COLUMNS = ("rss_bytes_per_connection",)


def first_steps(directory, run):
    data = load(directory, run)
    return {t: next((r for r in data if r["target"] == t), None) for t in TARGETS}


def median_step(steps, column):
    """A fixed-rate run's steps (repeated, alternating with the other targets): the one of median `column` (server CPU;
    p99 where the run is about p99)."""
    def value(r):
        v = num(r, column)
        return v if v is not None else float("inf")
    ordered = sorted(steps, key=value)
    return ordered[(len(ordered) - 1) // 2]


def num(row, column):
    if row is None:
        return None
    try:
        v = float(row[column])
    except (KeyError, ValueError, TypeError):
        return None
    if column == "rss_bytes_per_connection":
        v /= 1000
    return v


def fmt(v):
    if v is None:
        return "n/a"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def load_average(directory, run):
    loads = [float(r["load_avg_1m"]) for r in load(directory, run) if r.get("load_avg_1m") not in (None, "", "n/a")]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "n/a"


def header(dirs, names):
    """The table's header: the columns once per folder (numbered when several)."""
    cols = []
    for i in range(len(dirs)):
        n = f" #{i + 1}" if len(dirs) > 1 else ""
        cols += [f"{c}{n}" for c in names]
    print("| run | figure | " + " | ".join(cols) + " | target | met? |")
    print("|---|---|" + "---:|" * len(cols) + "---|---|")


def main():
    dirs = sys.argv[1:]
    if not dirs:
        print(__doc__)
        return 2
    header(dirs, ["cndr", "node", "floor", "cndr/node", "cndr/floor", "load avg"])
    for run, name, column, target, _lower in FIGURES:
        cells = []
        verdicts = []
        for d in dirs:
            pick = first_steps(d, run) if column in FIRST_STEP_COLUMNS else rows(d, run)
            a, b, f = (num(pick.get(t), column) for t in TARGETS[:3])
            rn, rf = ratio(a, b), ratio(a, f)
            cells += [fmt(a), fmt(b), fmt(f), f"{rn:.3f}" if rn is not None else "", f"{rf:.3f}" if rf is not None else "",
                      load_average(d, run) if name[0] != " " else ""]
            if target is not None:
                ref, op, value = target
                v = {"node": rn, "floor": rf, "abs": a}[ref]
                if v is not None:
                    verdicts.append(v <= value if op == "<=" else v >= value)
        if target is None:
            t = met = ""
        else:
            ref, op, value = target
            t = f"{'≤' if op == '<=' else '≥'} {value:g}" + ("" if ref == "abs" else f"× {ref}")
            met = "met" if verdicts and all(verdicts) else "not met" if verdicts and not any(verdicts) else "mixed" if verdicts else "n/a"
        print(f"| {run} | {name} | " + " | ".join(cells) + f" | {t} | {met} |")
    embedded(dirs)
    cross(dirs)
    return 0


def embedded(dirs):
    """cndr on its embedded store (no Redis round trip before a delivery) beside cndr on Redis and the floor."""
    if not any(rows(d, "fanout").get("cndr-embedded") for d in dirs):
        return
    print()
    print("One node on the embedded store (no Redis; the design's one-node deployment), in the same fanout run.")
    print()
    header(dirs, ["cndr embedded", "cndr Redis", "floor", "embedded/floor", "embedded/Redis", "load avg"])
    for run, name, column, target, _lower in EMBEDDED_FIGURES:
        cells = []
        verdicts = []
        for d in dirs:
            pick = rows(d, run)
            e, c, f = (num(pick.get(t), column) for t in ("cndr-embedded", "cndr", "floor"))
            rf, rc = ratio(e, f), ratio(e, c)
            cells += [fmt(e), fmt(c), fmt(f), f"{rf:.3f}" if rf is not None else "", f"{rc:.3f}" if rc is not None else "",
                      load_average(d, run) if name[0] != " " else ""]
            if target is not None and rf is not None:
                verdicts.append(rf <= target[2])
        t = "" if target is None else f"≤ {target[2]:g}× floor"
        met = "" if target is None else "met" if verdicts and all(verdicts) else "not met" if verdicts and not any(verdicts) else "mixed" if verdicts else "n/a"
        print(f"| {run} | {name} | " + " | ".join(cells) + f" | {t} | {met} |")


def cross(dirs):
    """The two-node table: cndr and node on two nodes each, their ratio, and each against its single-node figure."""
    if not any(os.path.exists(os.path.join(d, r[0], "steps.csv")) for d in dirs for r in CROSS_FIGURES):
        return
    print()
    print("Two nodes on one Redis, cross placement (hosts on node 1, players and audience on node 2); CPU summed over both nodes.")
    print()
    header(dirs, ["cndr 2 nodes", "node 2 nodes", "cndr/node", "cndr 1 node", "cndr 2n/1n", "node 1 node", "node 2n/1n", "load avg"])
    for run, name, column, single, targets in CROSS_FIGURES:
        cells = []
        verdicts = []
        for d in dirs:
            two, one = rows(d, run), rows(d, single)
            c2, n2 = num(two.get("cndr"), column), num(two.get("node"), column)
            c1, n1 = num(one.get("cndr"), column), num(one.get("node"), column)
            rn, rc, rnode = ratio(c2, n2), ratio(c2, c1), ratio(n2, n1)
            cells += [fmt(c2), fmt(n2), f"{rn:.3f}" if rn is not None else "", fmt(c1), f"{rc:.3f}" if rc is not None else "",
                      fmt(n1), f"{rnode:.3f}" if rnode is not None else "", load_average(d, run) if name[0] != " " else ""]
            for ref, op, value in targets:
                v = {"node": rn, "single": rc}[ref]
                if v is not None:
                    verdicts.append(v <= value if op == "<=" else v >= value)
        t = ", ".join(f"{'≤' if op == '<=' else '≥'} {value:g}× {'node' if ref == 'node' else '1 node'}" for ref, op, value in targets)
        met = "" if not targets else "met" if verdicts and all(verdicts) else "not met" if verdicts and not any(verdicts) else "mixed" if verdicts else "n/a"
        print(f"| {run} | {name} | " + " | ".join(cells) + f" | {t} | {met} |")


if __name__ == "__main__":
    sys.exit(main())
