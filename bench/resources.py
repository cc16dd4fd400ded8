#!/usr/bin/env python3
"""Memory and CPU of process managers on Linux (/proc), side by side, interleaved, medians.

usage: resources.py NAME=COMMAND [NAME=COMMAND ...] > section.md
  e.g. resources.py formation=out/aot/formation formation-before=/tmp/main/formation goreman=/opt/goreman

A NAME that starts with 'goreman' is driven as goreman 0.3 (one Procfile entry per instance); any other as
formation (`start -f Procfile -m TYPE=N`). Measured, each repetition taking the managers in turn:
  rss      N instances of `sh -c 'echo ready; exec sleep 600'` (N = 10, 100, 1,000): the manager's RSS once
           the N ready lines are out and a second has passed, and its peak RSS (VmHWM) over the whole run.
  idle     formation only: 100 sleeping instances with the control endpoint open; the manager's CPU over
           IDLE_SECONDS (default 60) of quiet.
  flood    formation only: 4 x `yes` for FLOOD_SECONDS (default 60) through the manager, its stdout read
           by this script; its RSS every second (the first half's peak against the second half's: flat or
           growing), its CPU per line, and every output line checked whole (`NAME | y`, or a system line).
Environment: REPS (default 3), IDLE_SECONDS, FLOOD_SECONDS, SIZES (default 10,100,1000), PARTS (default
rss,idle,flood). Every manager gets a private XDG_RUNTIME_DIR; every process is stopped by SIGTERM and
whatever is left of its group killed.
"""
import os, re, shlex, signal, statistics, subprocess, sys, tempfile, threading, time

TICK = os.sysconf("SC_CLK_TCK")
REPS = int(os.environ.get("REPS", "3"))
IDLE_S = float(os.environ.get("IDLE_SECONDS", "60"))
FLOOD_S = float(os.environ.get("FLOOD_SECONDS", "60"))
SIZES = [int(n) for n in os.environ.get("SIZES", "10,100,1000").split(",")]
PARTS = os.environ.get("PARTS", "rss,idle,flood").split(",")
READY_CMD = "sh -c 'echo ready; exec sleep 600'"

managers = []
for arg in sys.argv[1:]:
    name, _, command = arg.partition("=")
    managers.append((name, shlex.split(command)))
if not managers:
    sys.exit(__doc__)


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status_kb(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


class Run:
    """One manager running one Procfile in a fresh directory; its stdout read line by line or in blocks."""

    def __init__(self, name, command, type_, count, command_line, blocks=False):
        self.dir = tempfile.mkdtemp(prefix="formation-bench-")
        self.xdg = os.path.join(self.dir, "xdg")
        os.mkdir(self.xdg, 0o700)
        if name.startswith("goreman"):
            with open(os.path.join(self.dir, "Procfile"), "w") as f:
                f.writelines(f"{type_}.{i}: {command_line}\n" for i in range(1, count + 1))
            argv = command + ["-f", "Procfile", "-rpc-server=false", "start"]
        else:
            with open(os.path.join(self.dir, "Procfile"), "w") as f:
                f.write(f"{type_}: {command_line}\n")
            argv = command + ["start", "-f", "Procfile", "-m", f"{type_}={count}", "--no-timestamp"]
        env = dict(os.environ, XDG_RUNTIME_DIR=self.xdg)
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, cwd=self.dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True)
        self.errors = []
        threading.Thread(target=lambda: self.errors.extend(self.p.stderr.read().decode(errors="replace").splitlines()),
                         daemon=True).start()

    def wait_lines(self, suffix, n, timeout):
        deadline = time.monotonic() + timeout
        seen = 0
        while seen < n and time.monotonic() < deadline:
            line = self.p.stdout.readline()
            if not line:
                break
            if line.rstrip().endswith(suffix):
                seen += 1
        return seen

    def stop(self):
        try:
            self.p.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        threading.Thread(target=self.p.stdout.read, daemon=True).start()
        try:
            self.p.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        try:
            os.killpg(self.p.pid, signal.SIGKILL)  # anything of its group that outlived it
        except ProcessLookupError:
            pass
        subprocess.run(["rm", "-rf", self.dir])


def rss(name, command, n):
    run = Run(name, command, "w", n, READY_CMD)
    try:
        got = run.wait_lines(b"ready", n, 180)
        ready_s = time.monotonic() - run.t0
        time.sleep(1)
        now, peak = status_kb(run.p.pid, "VmRSS"), status_kb(run.p.pid, "VmHWM")
        threads = status_kb(run.p.pid, "Threads")
    finally:
        run.stop()
    if got < n:
        raise RuntimeError(f"{name}: only {got} of {n} ready lines")
    return {"rss_mb": now / 1024, "hwm_mb": peak / 1024, "ready_s": ready_s, "threads": threads}


def idle(name, command):
    run = Run(name, command, "idle", 100, "exec sleep 100000")
    try:
        started = 0
        while started < 100:
            line = run.p.stdout.readline()
            if not line:
                raise RuntimeError(f"{name}: ended before its instances started")
            if b"started with pid" in line:
                started += 1
        time.sleep(2)
        endpoint = any(f.endswith(".sock") for _, _, files in os.walk(run.xdg) for f in files)
        before = cpu_s(run.p.pid)
        time.sleep(IDLE_S)
        used = cpu_s(run.p.pid) - before
    finally:
        run.stop()
    return {"idle_cpu_s": used, "endpoint": endpoint}


PAYLOAD = re.compile(rb"^y\.[1-4] +\| y$", re.M)
SYSTEM = re.compile(rb"^system +\| ", re.M)


def flood(name, command):
    run = Run(name, command, "y", 4, "yes")
    counts = {"lines": 0, "payload": 0, "system": 0, "bad": []}

    def read():
        tail = b""
        while True:
            block = os.read(run.p.stdout.fileno(), 1 << 20)
            if not block:
                break
            block = tail + block
            cut = block.rfind(b"\n") + 1
            whole, tail = block[:cut], block[cut:]
            lines = whole.count(b"\n")
            payload = whole.count(b"| y\n")
            counts["lines"] += lines
            # Fast path: as many '|' as lines and every line ends '| y': all payload unless a system line is among them.
            if payload == lines and whole.count(b"|") == lines and b"system" not in whole:
                counts["payload"] += payload
                continue
            for line in whole.split(b"\n")[:-1]:
                if PAYLOAD.match(line):
                    counts["payload"] += 1
                elif SYSTEM.match(line):
                    counts["system"] += 1
                elif len(counts["bad"]) < 5:
                    counts["bad"].append(line[:120])
                else:
                    counts["bad"].append(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples = []
    try:
        end = time.monotonic() + FLOOD_S
        while time.monotonic() < end:
            time.sleep(1)
            samples.append(status_kb(run.p.pid, "VmRSS"))
        cpu = cpu_s(run.p.pid)
        peak = status_kb(run.p.pid, "VmHWM")
        lines_at_cpu = counts["payload"]
    finally:
        run.p.send_signal(signal.SIGTERM)
        reader.join(60)
        run.stop()
    half = len(samples) // 2
    return {"flood_hwm_mb": peak / 1024, "flood_first_half_mb": max(samples[:half]) / 1024,
            "flood_second_half_mb": max(samples[half:]) / 1024, "flood_end_mb": samples[-1] / 1024,
            "flood_lines": counts["payload"], "flood_ns_per_line": cpu * 1e9 / max(lines_at_cpu, 1),
            "flood_cpu_s": cpu, "flood_bad_lines": len(counts["bad"]), "flood_bad_samples": [b for b in counts["bad"] if b]}


results = {}
load = []
for rep in range(1, REPS + 1):
    for name, command in managers:
        load.append(float(open("/proc/loadavg").read().split()[0]))
        r = results.setdefault(name, {})
        if "rss" in PARTS:
            for n in SIZES:
                for k, v in rss(name, command, n).items():
                    r.setdefault(f"{k}@{n}", []).append(v)
        if name.startswith("goreman"):
            continue
        if "idle" in PARTS and rep == 1:
            for k, v in idle(name, command).items():
                r.setdefault(k, []).append(v)
        if "flood" in PARTS:
            for k, v in flood(name, command).items():
                r.setdefault(k, []).append(v)
        print(f"resources: {name} rep {rep} done", file=sys.stderr)


def med(name, key, fmt="{:.1f}"):
    values = results.get(name, {}).get(key)
    if not values:
        return "–"
    if isinstance(values[0], (list, bool)):
        return str(values[0])
    return fmt.format(statistics.median(values))


names = [n for n, _ in managers]
print("## Resources")
print()
print(f"Medians of {REPS} repetitions, managers interleaved; load average (1 min) before each: median "
      f"{statistics.median(load):.1f}, {min(load):.1f}–{max(load):.1f}.")
print()
if "rss" in PARTS:
    print("| instances | measure | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for n in SIZES:
        print(f"| {n:,} | manager RSS once ready (MB) | " + " | ".join(med(m, f"rss_mb@{n}") for m in names) + " |")
        print(f"| {n:,} | manager peak RSS (MB) | " + " | ".join(med(m, f"hwm_mb@{n}") for m in names) + " |")
        print(f"| {n:,} | launch to the last ready line (s) | " + " | ".join(med(m, f"ready_s@{n}", "{:.3f}") for m in names) + " |")
        print(f"| {n:,} | manager threads | " + " | ".join(med(m, f"threads@{n}", "{:.0f}") for m in names) + " |")
    print()
fnames = [n for n in names if not n.startswith("goreman")]
if "idle" in PARTS:
    print("| measure | " + " | ".join(fnames) + " |")
    print("|---|" + "---|" * len(fnames))
    print(f"| CPU over {IDLE_S:g} s idle, 100 sleeping instances, control endpoint open (s) | "
          + " | ".join(med(m, "idle_cpu_s", "{:.3f}") + ("" if all(results[m].get("endpoint", [True])) else " (no endpoint)") for m in fnames) + " |")
    print()
if "flood" in PARTS:
    print(f"4 x `yes` for {FLOOD_S:g} s through the manager, its stdout read whole by the benchmark:")
    print()
    print("| measure | " + " | ".join(fnames) + " |")
    print("|---|" + "---|" * len(fnames))
    rows = [("flood_hwm_mb", "manager peak RSS (MB)", "{:.1f}"),
            ("flood_first_half_mb", "highest RSS in the first half (MB)", "{:.1f}"),
            ("flood_second_half_mb", "highest RSS in the second half (MB)", "{:.1f}"),
            ("flood_end_mb", "RSS at the end (MB)", "{:.1f}"),
            ("flood_lines", "lines relayed", "{:,.0f}"),
            ("flood_ns_per_line", "manager CPU per line (ns)", "{:.0f}"),
            ("flood_bad_lines", "lines not whole (cut or glued)", "{:.0f}")]
    for key, label, fmt in rows:
        print(f"| {label} | " + " | ".join(med(m, key, fmt) for m in fnames) + " |")
    print()
    for m in fnames:
        for samples in results.get(m, {}).get("flood_bad_samples", []):
            for s in samples:
                print(f"- {m}: not whole: `{s!r}`")
