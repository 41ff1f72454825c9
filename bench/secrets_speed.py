"""Speed of `launchready secrets` on a generated repository of about 3 000 commits.

Measures (medians of 5 runs):
- history scan wall time / `git log -p -U0 --all` wall time on the same repo (goal: <= 2);
- tree scan wall time vs detect-secrets on the same tree (goal: >= 5x faster), both as CLI
  processes, and the in-process library times;
- peak memory (resource.getrusage).

detect-secrets is only needed for the comparison (`pip install detect-secrets`, Apache-2.0);
it is not a dependency of launchready.

    python bench/secrets_speed.py [--commits 3000] [--runs 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
sys.path.insert(0, str(SRC))

from launchready.secrets.rules import load_rules  # noqa: E402
from launchready.secrets.scan import scan_history, scan_tree  # noqa: E402

_VOCABULARY = (
    "ticket customer invoice status update render request response handler queue worker "
    "account session portal report export import record field value total amount user "
    "order line item price tax currency config settings logger cache timeout retry page"
)
WORDS = _VOCABULARY.split()
ALNUM = string.ascii_letters + string.digits


def code_line(rng: random.Random) -> str:
    kind = rng.random()
    a, b, c = rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS)
    if kind < 0.25:
        return f"    {a}_{b} = self.{c}.get('{a}', {rng.randint(0, 999)})"
    if kind < 0.45:
        return f"    if {a}.{b} is None:\n        raise ValueError('{c} missing for {a}')"
    if kind < 0.6:
        return f'def {a}_{b}({c}, *, timeout=30):\n    """Return the {b} of a {c}."""'
    if kind < 0.7:
        return f"    logger.info('{a} %s {b} %s', {c}.id, {a}.{b})"
    if kind < 0.8:
        return f"    return {{'{a}': {a}, '{b}': {c}.{b}, 'count': len({c})}}"
    if kind < 0.9:
        return f"# {a.title()} {b} {c}: see docs/{a}.md for the {b} rules"
    return f"    {a} = [{b} for {b} in {c} if {b}.{a} > {rng.randint(1, 50)}]"


def token(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALNUM) for _ in range(n))


def generate(root: Path, commits: int, seed: int = 1) -> int:
    """Build the repository with `git fast-import` (thousands of commits in a second or two).
    Returns the number of secrets planted."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    files: dict[str, list[str]] = {}
    dirs = ["app", "app/views", "app/models", "lib", "scripts", "docs", "config", "tests"]
    for i in range(180):
        d = rng.choice(dirs)
        ext = ".md" if d == "docs" else ".py"
        files[f"{d}/{rng.choice(WORDS)}_{i}{ext}"] = [
            code_line(rng) for _ in range(rng.randint(10, 60))
        ]
    planted = 0
    out: list[bytes] = []

    def blob(text: str) -> bytes:
        data = text.encode()
        return b"data %d\n" % len(data) + data + b"\n"

    ts = 1_700_000_000
    for n in range(1, commits + 1):
        touched = rng.sample(sorted(files), k=rng.randint(1, 3))
        for path in touched:
            lines = files[path]
            for _ in range(rng.randint(2, 25)):
                pos = rng.randint(0, len(lines))
                lines.insert(pos, code_line(rng))
            for _ in range(rng.randint(0, 8)):
                if len(lines) > 5:
                    lines.pop(rng.randrange(len(lines)))
            if n % 97 == 0 and path.endswith(".py"):
                lines.insert(rng.randint(0, len(lines)), f'STRIPE_KEY = "sk_live_{token(rng, 24)}"')
                planted += 1
            if n % 131 == 0:
                lines.insert(0, 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # docs example')
                lines.insert(1, "request_id = '123e4567-e89b-12d3-a456-426614174000'")
        msg = f"{rng.choice(WORDS)}: update {rng.choice(WORDS)} ({n})"
        out.append(b"commit refs/heads/main\nmark :%d\n" % n)
        out.append(b"committer Dev <dev@example.test> %d +0000\n" % (ts + n * 60))
        out.append(blob(msg))
        if n > 1:
            out.append(b"from :%d\n" % (n - 1))
        for path in touched:
            out.append(b"M 100644 inline " + path.encode() + b"\n")
            out.append(blob("\n".join(files[path]) + "\n"))
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(out), check=True
    )
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True)
    return planted


def cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}


def timed(fn, runs: int, name: str = "") -> tuple[float, object]:
    """Median wall time of `runs` calls (and the median CPU time, this process + children,
    kept in CPU[name]: on a shared machine wall time also measures the neighbours)."""
    times, cpus, result = [], [], None
    for _ in range(runs):
        c0, t0 = cpu_seconds(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    if name:
        CPU[name] = statistics.median(cpus)
    return statistics.median(times), result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="lr-bench-"))
    repo = work / "repo"
    if not (repo / ".git").exists():
        t0 = time.perf_counter()
        planted = generate(repo, args.commits)
        print(
            f"generated {args.commits} commits ({planted} planted secrets) "
            f"in {time.perf_counter() - t0:.1f}s at {repo}"
        )
    log_bytes = len(
        subprocess.run(
            ["git", "-C", str(repo), "log", "-p", "-U0", "--all"], capture_output=True, check=True
        ).stdout
    )
    tree_bytes = sum(
        p.stat().st_size for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts
    )
    print(f"git log -p -U0 --all output: {log_bytes / 1e6:.1f} MB; tree: {tree_bytes / 1e6:.2f} MB")
    rules = load_rules()

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    git_log, _ = timed(
        lambda: subprocess.run(
            ["git", "-C", str(repo), "log", "-p", "-U0", "--all"],
            stdout=subprocess.DEVNULL,
            check=True,
        ),
        args.runs,
        "git",
    )
    hist, result = timed(lambda: scan_history(repo, rules, jobs=args.jobs), args.runs, "hist")
    print(
        f"history: git log {git_log:.3f}s, launchready scan_history {hist:.3f}s "
        f"-> wall ratio {hist / git_log:.2f} (goal <= 2); {len(result.leaks)} leaks; "
        f"CPU {CPU['hist']:.2f}s vs {CPU['git']:.2f}s"
    )
    hist1, _ = timed(lambda: scan_history(repo, rules, jobs=1), args.runs, "hist1")
    print(
        f"history single process: {hist1:.3f}s -> ratio {hist1 / git_log:.2f}; "
        f"CPU {CPU['hist1']:.2f}s"
    )

    tree, tres = timed(lambda: scan_tree(repo, rules), args.runs, "tree")
    print(f"tree (library): {tree:.3f}s, {len(tres.leaks)} leaks")
    cli = [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(SRC)!r}); "
        "import launchready.cli.secrets, launchready.cli.env; "
        "from launchready.cli import app; app()",
        "secrets",
        str(repo),
        "--format",
        "json",
        "-o",
        str(work / "report.json"),  # a real file: -o replaces its target atomically
    ]
    tree_cli, _ = timed(lambda: subprocess.run(cli, stdout=subprocess.DEVNULL), args.runs, "cli")
    ds = shutil.which("detect-secrets") or str(Path(sys.executable).parent / "detect-secrets")
    if Path(ds).exists():
        ds_time, _ = timed(
            lambda: subprocess.run([ds, "scan"], cwd=repo, stdout=subprocess.DEVNULL, check=True),
            args.runs,
            "ds",
        )
        print(
            f"tree (CLI): launchready {tree_cli:.3f}s vs detect-secrets {ds_time:.3f}s "
            f"-> {ds_time / tree_cli:.1f}x faster (goal >= 5x); "
            f"CPU {CPU['cli']:.2f}s vs {CPU['ds']:.2f}s"
        )
    else:
        print(f"tree (CLI): launchready {tree_cli:.3f}s; detect-secrets not installed")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"peak memory: this process {peak:.0f} MiB, largest child {children:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
