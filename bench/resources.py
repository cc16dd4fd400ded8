#!/usr/bin/env python3
"""Idle CPU and memory per instance of the formation manager (Linux /proc).

usage: resources.py FORMATION_BINARY > section.md
Starts `formation start` with N sleeping instances, waits until all are started, then reads the
manager's CPU time over a quiet minute and its resident memory, for N = 100 and 1,000.
"""
import os, signal, subprocess, sys, tempfile, time

binary = sys.argv[1]
TICK = os.sysconf("SC_CLK_TCK")

def stat(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK

def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def run(n, idle_s):
    with tempfile.TemporaryDirectory() as d:
        open(f"{d}/Procfile", "w").write("idle: exec sleep 100000\n")
        p = subprocess.Popen([binary, "start", "-f", f"{d}/Procfile", "-m", f"idle={n}", "-p", "20000", "--no-timestamp"],
                             stdout=subprocess.PIPE, text=True)
        started = 0
        for line in p.stdout:
            if "started with pid" in line:
                started += 1
                if started == n:
                    break
        time.sleep(2)  # let start-up settle before measuring an idle minute
        cpu0, rss = stat(p.pid), rss_kb(p.pid)
        time.sleep(idle_s)
        cpu = stat(p.pid) - cpu0
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=60)
        return cpu, rss

idle_s = float(os.environ.get("IDLE_SECONDS", "60"))
cpu100, rss100 = run(100, idle_s)
cpu1000, rss1000 = run(1000, 10)
per_instance = (rss1000 - rss100) / 900
print("## Resources")
print()
print("| measure | formation | target |")
print("|---|---|---|")
print(f"| CPU of the manager over {idle_s:g} s idle, 100 sleeping instances | {cpu100:.3f} s ({cpu100 * 60 / idle_s:.3f} s per minute) | < 0.01 s per minute |")
print(f"| manager RSS, 100 instances | {rss100 / 1024:.1f} MB | |")
print(f"| manager RSS, 1,000 instances | {rss1000 / 1024:.1f} MB | |")
print(f"| RSS growth per instance (100 to 1,000) | {per_instance:.1f} KB | < 50 KB |")
print()
