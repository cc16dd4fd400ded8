#!/usr/bin/env python3
"""Before/after tables from one peers-harness run: this tree's formation against an earlier build and goreman.

usage: compare.py RESULTS_DIR > section.md
Reads results.jsonl of a run that had the peers formation and formation-before (native), and optionally
formation-jit and formation-before-jit (dotnet formation.dll), beside goreman. Every figure is the median
over the repetitions; a ratio below 1 means this tree's formation needs less (time, memory, CPU).
"""
import json, statistics, sys
from collections import defaultdict

results_dir = sys.argv[1]
reference = sys.argv[2] if len(sys.argv) > 2 else "goreman"
trials = [json.loads(l) for l in open(f"{results_dir}/results.jsonl") if l.strip()]
by = defaultdict(list)
for t in trials:
    by[(t["workload"], t["peer"])].append(t)

ROWS = [
    ("W1", "ready_s", "100 instances, launch to the 100th ready line (s)", "median"),
    ("W1", "stop_s", "stop after SIGINT (s)", "median"),
    ("W1", "mgr_hwm_mb", "manager peak RSS (MB)", "median"),
    ("W1", "family_cpu_s", "manager CPU (s)", "median"),
    ("W1", "sleep600_left_after_grace", "processes left after stop", "max"),
    ("W1g", "stop_s", "stop after SIGINT to the group (s)", "median"),
    ("W2", "all_lines_s", "4 x 200,000 lines, all out (s)", "median"),
    ("W2", "family_cpu_s", "manager CPU (s)", "median"),
    ("W2", "mgr_hwm_mb", "manager peak RSS (MB)", "median"),
    ("W2", "lost_lines", "lines lost", "max"),
    ("W2", "mangled_lines", "lines mangled", "max"),
]


def figure(workload, peer, key, how):
    values = [t.get(key) for t in by[(workload, peer)]]
    values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not values:
        return None
    return max(values) if how == "max" else statistics.median(values)


def cell(v):
    return "–" if v is None else f"{v:g}"


def ratio(a, b):
    if a is None or b is None:
        return "–"
    if b == 0:
        return "equal" if a == 0 else "–"
    return f"{a / b:.2f}"


def table(title, after, before):
    peers = {p for _, p in by}
    if after not in peers:
        return
    has_before = before in peers
    has_reference = reference in peers
    print(f"### {title}")
    print()
    head = ["workload", "measure", "this tree"]
    if has_before:
        head.append("previous main")
    if has_reference:
        head.append(reference)
        head.append(f"this / {reference}")
        if has_before:
            head.append(f"previous / {reference}")
    if has_before:
        head.append("this / previous")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for workload, key, label, how in ROWS:
        a = figure(workload, after, key, how)
        b = figure(workload, before, key, how) if has_before else None
        g = figure(workload, reference, key, how) if has_reference else None
        if a is None and b is None and g is None:
            continue
        row = [workload, label, cell(a)]
        if has_before:
            row.append(cell(b))
        if has_reference:
            row += [cell(g), ratio(a, g)]
            if has_before:
                row.append(ratio(b, g))
        if has_before:
            row.append(ratio(a, b))
        print("| " + " | ".join(row) + " |")
    print()


loads = sorted(float(t["loadavg_before"]) for t in trials if t.get("loadavg_before"))
reps = max(t["rep"] for t in trials)
print(f"Medians of {reps} repetitions, peers interleaved in each repetition; load average (1 min) before the trials: "
      f"median {statistics.median(loads):.1f}, {loads[0]:.1f}–{loads[-1]:.1f}. A ratio below 1: this tree needs less.")
print()
table("Native AOT `formation`", "formation", "formation-before")
table("The README's path: `dotnet formation.dll` (JIT)", "formation-jit", "formation-before-jit")
