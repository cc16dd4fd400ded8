#!/usr/bin/env python3
"""Ratio tables from a peers-harness run: formation against the best peer, per workload.

usage: report.py RESULTS_DIR FORMATION_VERSION > report.md
A peer that loses or mangles lines, leaves processes behind or hangs is not the 'best' on speed:
its figure is shown, but the ratio is taken against the best peer that did the job right.
"""
import json, statistics, sys
from collections import defaultdict

results_dir, version = sys.argv[1], sys.argv[2]
trials = [json.loads(l) for l in open(f"{results_dir}/results.jsonl")]
by = defaultdict(list)
for t in trials:
    by[(t["workload"], t["peer"])].append(t)
peers = sorted({t["peer"] for t in trials}, key=lambda p: (p != "formation", p))

def median(workload, peer, key):
    values = [t.get(key) for t in by[(workload, peer)] if t.get(key) is not None]
    return statistics.median(values) if values else None

def worst(workload, peer, key):
    values = [t.get(key) or 0 for t in by[(workload, peer)]]
    return max(len(v) if isinstance(v, list) else v for v in values) if values else None

def correct(workload, peer):
    """Did the job right: never hung, left no process behind, and (W2) lost, mangled or glued no line."""
    trials = by[(workload, peer)]
    if not trials or any(t.get("hung") for t in trials):
        return False
    if any(t.get("left_after_grace") or t.get("left_after_grace_by_cmd") for t in trials):
        return False
    if workload == "W2":
        return all((t.get("lost_lines") or 0) == 0 and (t.get("mangled_lines") or 0) == 0 and (t.get("glued_lines") or 0) == 0 for t in trials)
    return True

ROWS = [
    ("W1", "ready_s", "100 instances to 'ready' (s)"),
    ("W1", "stop_s", "stop after SIGINT (s)"),
    ("W1", "sleep600_left_after_grace", "processes left after stop"),
    ("W1g", "stop_s", "stop after SIGINT to the group (s)"),
    ("W2", "all_lines_s", "4 x 200,000 lines out, whole (s)"),
    ("W2", "last_line_s", "last line out (s), lossy or not"),
    ("W2", "lost_lines", "lines lost"),
    ("W2", "mangled_lines", "lines mangled"),
    ("W2", "family_cpu_s", "manager CPU for W2 (s)"),
    ("W2", "mgr_hwm_mb", "manager peak RSS in W2 (MB)"),
    ("W3", "stop_s", "stop with a stubborn process and a tree (s)"),
    ("W4", "crash_starts", "starts of the crashing process in 12 s"),
]
LOWER_IS_BETTER = {"ready_s", "stop_s", "all_lines_s", "last_line_s", "lost_lines", "mangled_lines", "family_cpu_s", "mgr_hwm_mb", "sleep600_left_after_grace"}

print(f"# Formation against its peers, {results_dir.rstrip('/').split('/')[-1]}")
print()
print(f"formation {version}; medians of {max(t['rep'] for t in trials)} repetitions on this machine "
      "(2 cores, shared). A ratio is the peer's figure / formation's: above 1, formation is better.")
print()
print("| workload | measure | " + " | ".join(peers) + " | vs the best peer | vs the best correct peer |")
print("|---|---|" + "---|" * len(peers) + "---|---|")
for workload, key, label in ROWS:
    cells, best, fastest = [], None, None
    for p in peers:
        v = median(workload, p, key)
        ok = correct(workload, p)
        if key in ("lost_lines", "mangled_lines", "sleep600_left_after_grace"):
            v = worst(workload, p, key)
        cell = "–" if v is None else (f"{v:g}" if isinstance(v, (int, float)) else str(v))
        if not ok and v is not None:
            cell += " ✗"
        cells.append(cell)
        if p != "formation" and v is not None and key in LOWER_IS_BETTER:
            if ok and (best is None or v < best[1]):
                best = (p, v)
            if fastest is None or v < fastest[1]:
                fastest = (p, v)
    mine = median(workload, "formation", key)
    if key in ("lost_lines", "mangled_lines", "sleep600_left_after_grace"):
        mine = worst(workload, "formation", key)
    def ratio(other):
        if not other or mine is None:
            return "–"
        if mine == 0:
            return f"{other[0]} {other[1]:g}: " + ("equal" if other[1] == 0 else "formation 0")
        return f"{other[0]} {other[1]:g}: {other[1] / mine:.2f}x"
    print(f"| {workload} | {label} | " + " | ".join(cells) + f" | {ratio(fastest)} | {ratio(best)} |")
print()
print("✗: the peer hung, lost or mangled lines, or left processes behind in that workload.")
print()
