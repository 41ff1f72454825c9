"""Benchmark: wall time of the demo audit, concurrent vs one operation at a time.

Runs the full audit of the bundled world (booted once, on loopback) N times at the configured
concurrency and N times at concurrency 1, interleaved so machine noise hits both alike, and
prints the medians and their ratio. The floor it compares against is the same work done
serially: the ratio shows what observing concurrently buys.

    .venv/bin/python bench/audit_demo.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from launchready.audit import run_audit
from launchready.config import load_config
from launchready.net.connect import LOOPBACK_ONLY_ENV
from launchready.world import World


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ[LOOPBACK_ONLY_ENV] = "1"
    with tempfile.TemporaryDirectory() as tmp, World() as world:
        cfg = load_config(world.write_config(Path(tmp)))
        run_audit(cfg)  # warm-up: imports, first TLS contexts
        concurrent: list[float] = []
        serial: list[float] = []
        observations = 0
        for _ in range(args.runs):
            for bucket, concurrency in ((concurrent, None), (serial, 1)):
                started = time.perf_counter()
                report = run_audit(cfg, concurrency=concurrency)
                bucket.append(time.perf_counter() - started)
                observations = report.extra.get("observations", observations)
    fast, slow = statistics.median(concurrent), statistics.median(serial)
    print(f"demo audit, {observations} observations, median of {args.runs} runs each")
    print(
        f"  concurrent (default {cfg.network.concurrency}): {fast:.3f} s "
        f"(min {min(concurrent):.3f}, max {max(concurrent):.3f})"
    )
    print(
        f"  concurrency 1:            {slow:.3f} s (min {min(serial):.3f}, max {max(serial):.3f})"
    )
    print(f"  ratio serial/concurrent:  {slow / fast:.2f}x")
    print(f"  budget: under 5 s of audit wall time -> {'OK' if fast < 5 else 'OVER'}")


if __name__ == "__main__":
    main()
