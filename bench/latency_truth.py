"""How true are launchready's latency numbers? Servers whose latency is known by construction.

Run by hand (not in CI):  PYTHONPATH=src python bench/latency_truth.py [--quick] [--json OUT]

1. Truth: for each known server (launchready.perf.knownserver) launchready's open-loop p50/p95/p99
   against theory (goal: within 10 %), beside Debian's `hey` at the same rate as a paced closed loop
   (`hey -c 5 -q rate/5`), which hides the stall (coordinated omission): its p99 looks healthy and
   only its achieved rate drops.
     - fixed 20 ms at 200/s;  - 90/10 mix of 20 ms and 250 ms at 50/s;
     - 5 ms with a 300 ms whole-process stall every 2 s, at 500/s.
2. Capacity: the generator's highest rate whose schedule-lag p99 stays under 5 ms (and achieved
   rate >= 97 %), as a ratio to `wrk`'s request rate on the same endpoint; one core each
   (generator/wrk on CPU 0, the server on CPU 1, via sched_setaffinity / taskset). The truth runs
   are not pinned: on a shared machine a pinned process cannot escape a busy core.

Loopback only; each server exits on its own (--lifetime). Figures vary with the machine's load:
run it on a quiet machine and read the lag column before trusting a row.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager, suppress

from launchready.perf.generator import LoadPlan, run_in_process
from launchready.perf.knownserver import Mode
from launchready.perf.measure import summarize

GEN_CPU, SERVER_CPU = 0, 1


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


@contextmanager
def known_server(mode: str, lifetime: float = 120.0, pinned: bool = False):
    cmd = [sys.executable, "-m", "launchready.perf.knownserver", "--mode", mode, "--uvloop"]
    cmd += ["--lifetime", str(lifetime)]
    if pinned and shutil.which("taskset") and _cpus() > 1:
        cmd = ["taskset", "-c", str(SERVER_CPU), *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.kill()
        proc.wait()


def raise_priority() -> None:
    """The spawned generator inherits this process's priority. On a shared machine a raised
    priority (root only) keeps other jobs from stealing the schedule."""
    with suppress(PermissionError):
        os.nice(-10)


def pin_generator() -> set[int]:
    """One core for the generator (inherited at spawn); returns the previous affinity."""
    before = os.sched_getaffinity(0)
    if len(before) > 1:
        os.sched_setaffinity(0, {GEN_CPU})
    return before


def ours(url: str, rate: float, duration: float, warmup: float = 2.0) -> dict:
    raw = run_in_process(LoadPlan(url=url, rate=rate, duration=duration, warmup=warmup))
    m = summarize(raw, rate, duration)
    return {
        "p50": m.p50_ms,
        "p95": m.p95_ms,
        "p99": m.p99_ms,
        "max": m.max_ms,
        "achieved": m.achieved_rate,
        "lag_p99": m.lag_p99_ms,
        "errors": m.errors,
        "samples": m.samples,
        "cpu": m.cpu_share,
        "fatal": m.fatal,
    }


def hey(url: str, rate: float, duration: float, workers: int = 5) -> dict | None:
    if not shutil.which("hey"):
        return None
    per_worker = max(1, round(rate / workers))
    cmd = ["hey", "-z", f"{duration:g}s", "-c", str(workers), "-q", str(per_worker), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    dist = {int(q): float(s) * 1000 for q, s in re.findall(r"(\d+)%+ in ([\d.]+) secs", out)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {
        "p50": dist.get(50),
        "p95": dist.get(95),
        "p99": dist.get(99),
        "achieved": float(rps.group(1)) if rps else None,
        "cmd": " ".join(cmd[cmd.index("hey") :]),
    }


def wrk(url: str, duration: float = 5.0, connections: int = 32) -> float | None:
    if not shutil.which("wrk"):
        return None
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", url]
    if shutil.which("taskset") and _cpus() > 1:
        cmd = ["taskset", "-c", str(GEN_CPU), *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(rps.group(1)) if rps else None


def pct_off(measured: float | None, theory: float) -> str:
    if measured is None:
        return "-"
    return f"{(measured - theory) / theory * 100:+.1f}%"


def truth(quick: bool, only: list[int] | None = None) -> list[dict]:
    duration = 10.0 if quick else 20.0
    scenarios = [
        ("fixed 20 ms", "fixed:20", 200.0),
        ("90/10 mix 20/250 ms", "mix:20:250:10", 50.0),
        ("5 ms + 300 ms stall every 2 s", "stall:5:300:2", 500.0),
    ]
    if only:
        scenarios = [scenarios[i - 1] for i in only]
    rows = []
    for label, mode_text, rate in scenarios:
        mode = Mode.parse(mode_text)
        theory = {q: mode.theory(q) for q in (50, 95, 99)}
        with known_server(mode_text) as url:
            got = ours(url, rate, duration)
        with known_server(mode_text) as url:
            closed = hey(url, rate, duration)
        rows.append(
            {"scenario": label, "rate": rate, "theory": theory, "launchready": got, "hey": closed}
        )
    return rows


def capacity(quick: bool) -> dict:
    previous = pin_generator()
    try:
        return _capacity(quick)
    finally:
        os.sched_setaffinity(0, previous)


def _capacity(quick: bool) -> dict:
    with known_server("fixed:0", pinned=True) as url:
        wrk_rps = wrk(url)
    best = 0.0
    steps = []
    rates = [500, 1000, 2000, 3000, 4000, 4500, 5000, 5500, 6000, 7000, 8000]
    with known_server("fixed:0", lifetime=300, pinned=True) as url:
        for rate in rates:
            got = ours(url, rate, 2.0 if quick else 4.0, warmup=1.0)
            ok = got["lag_p99"] < 5.0 and got["achieved"] >= 0.97 * rate and not got["errors"]
            steps.append({"rate": rate, **got, "valid": ok})
            if ok:
                best = rate
            else:
                break
    return {"wrk_rps": wrk_rps, "best_rate": best, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (10 s instead of 20 s)")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--skip-capacity", action="store_true")
    parser.add_argument("--scenario", type=int, action="append", help="1, 2 or 3 (repeatable)")
    args = parser.parse_args()
    raise_priority()
    started = time.time()
    rows = truth(args.quick, args.scenario)
    print(f"{'scenario':<32} {'rate':>5}  {'q':>3} {'theory':>7} {'ours':>8} {'off':>7} {'hey':>8}")
    for row in rows:
        for q in (50, 95, 99):
            t = row["theory"][q]
            mine = row["launchready"][f"p{q}"]
            theirs = row["hey"][f"p{q}"] if row["hey"] else None
            print(
                f"{row['scenario']:<32} {row['rate']:>5g}  p{q} {t:>7.1f} {mine:>8.1f} "
                f"{pct_off(mine, t):>7} {theirs if theirs is None else round(theirs, 1)!s:>8}"
            )
        lr, h = row["launchready"], row["hey"]
        valid = lr["lag_p99"] <= max(5.0, 0.02 * 300) and lr["achieved"] >= 0.97 * row["rate"]
        row["valid"] = valid
        print(
            f"{'':<32} achieved: ours {lr['achieved']:.1f}/s (lag p99 {lr['lag_p99']:.2f} ms, "
            f"{lr['samples']} samples: {'valid' if valid else 'launchready says INCONCLUSIVE'})"
            f", hey {h['achieved'] if h else '-'}/s" + (f"  [{h['cmd']}]" if h else "")
        )
    result: dict = {"truth": rows}
    if not args.skip_capacity:
        cap = capacity(args.quick)
        result["capacity"] = cap
        print()
        for step in cap["steps"]:
            print(
                f"generator @ {step['rate']:>5}/s: achieved {step['achieved']:.0f}/s, "
                f"lag p99 {step['lag_p99']:.2f} ms, cpu {step['cpu']:.0%}, "
                f"{'valid' if step['valid'] else 'INVALID'}"
            )
        ratio = cap["best_rate"] / cap["wrk_rps"] if cap["wrk_rps"] else None
        cap["ratio"] = ratio
        shown = f"{ratio:.3f}" if ratio is not None else "- (wrk not installed)"
        print(
            f"highest valid open-loop rate {cap['best_rate']}/s (lag p99 < 5 ms, >= 97 % "
            f"achieved); wrk -t1 -c32 {cap['wrk_rps']}/s; ratio {shown}"
        )
    load = os.getloadavg()[0]
    print(f"\n({time.time() - started:.0f}s; load average {load:.2f} on {os.cpu_count()} cpus)")
    result["load_average"] = load
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
