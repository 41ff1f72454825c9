"""One scan, start to end: pick the source, batch fragments, run the engine, keep each leak once.

A leak is identified by its content, never by a line number: `fingerprint` is
sha256(rule || path || secret); `any_path` drops the path so a renamed file still matches.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from launchready.secrets.engine import Detector, Fragment, Hit, ScanStats
from launchready.secrets.multi import Substrings
from launchready.secrets.rules import RuleSet, load_rules
from launchready.secrets.sources import (
    CommitInfo,
    GitError,
    commit_fragments,
    history_commits,
    history_fragments,
    is_shallow,
    read_text,
    run_git,
    staged_fragments,
    tree_files,
    tree_fragments,
)

BATCH_BYTES = 1_000_000
_TESTLIKE = ("test/", "tests/", "testdata/", "fixtures/", "fixture/", "spec/", "__snapshots__/")


def content_fingerprint(rule_id: str, path: str, secret: str) -> str:
    return hashlib.sha256(f"{rule_id}\0{path}\0{secret}".encode()).hexdigest()


def secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class Leak:
    """One secret at one place. Only the engine and redaction ever see `secret`."""

    rule_id: str
    description: str
    severity: str
    prefix: str
    secret: str
    path: str
    line: int
    commit: str | None = None
    author: str | None = None
    date: str | None = None
    in_history: bool = False
    introduced: str | None = None  # commit that first added it (history scans)
    entropy: float = 0.0
    encoding: str | None = None  # "base64": found in a decoded run

    @property
    def fingerprint(self) -> str:
        return content_fingerprint(self.rule_id, self.path, self.secret)

    @property
    def any_path(self) -> str:
        return content_fingerprint(self.rule_id, "", self.secret)

    @property
    def secret_hash(self) -> str:
        return secret_sha256(self.secret)

    @property
    def test_like(self) -> bool:
        p = "/" + self.path.lower()
        return any("/" + t in p for t in _TESTLIKE)

    @property
    def location(self) -> str:
        if self.in_history and self.commit:
            return f"{self.commit[:12]}:{self.path}:{self.line}"
        return f"{self.path}:{self.line}"


@dataclass(slots=True)
class ScanResult:
    mode: str
    target: str
    leaks: list[Leak] = field(default_factory=list)
    shallow: bool = False
    skipped: list[str] = field(default_factory=list)
    fragments: int = 0
    bytes: int = 0
    rules: int = 0
    commits: int = 0


def _leak(hit: Hit) -> Leak:
    meta = hit.fragment.meta
    info = meta if isinstance(meta, CommitInfo) else None
    return Leak(
        rule_id=hit.rule.id,
        description=hit.rule.description,
        severity=hit.rule.severity,
        prefix=hit.rule.prefix,
        secret=hit.secret,
        path=hit.path,
        line=hit.line,
        commit=hit.commit,
        author=info.author if info else None,
        date=info.date if info else None,
        entropy=round(hit.entropy, 3),
        encoding=hit.fragment.encoding,
    )


def batched(
    fragments: Iterable[Fragment], max_bytes: int = BATCH_BYTES
) -> Iterator[list[Fragment]]:
    batch: list[Fragment] = []
    size = 0
    for frag in fragments:
        batch.append(frag)
        size += len(frag.text)
        if size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# -- worker processes (history of big repositories) ----------------------------------------
_WORKER: Detector | None = None
_FORKED_RULES: RuleSet | None = None  # inherited by forked workers: no reload


def _init_worker(source: str) -> None:
    global _WORKER
    _WORKER = Detector(_FORKED_RULES if _FORKED_RULES is not None else load_rules(source))


def _scan_commits(task: tuple[str, list[str]]) -> tuple[list[Leak], ScanStats]:
    """One worker's share of the history: its own `git log`, parse and scan."""
    assert _WORKER is not None
    root, commits = task
    _WORKER.stats = ScanStats()
    leaks: list[Leak] = []
    for batch in batched(commit_fragments(Path(root), commits)):
        leaks.extend(_leak(h) for h in _WORKER.scan(batch))
    return leaks, _WORKER.stats


def _history_parallel(
    root: Path, ruleset: RuleSet, log_opts: list[str] | None, jobs: int, result: ScanResult
) -> list[Leak]:
    """Split the commits between `jobs` processes, each running git, the parser and the rules
    on its share; the leaks come back ordered as one `git log` (newest first) would give them."""
    global _FORKED_RULES
    commits = history_commits(root, log_opts)
    if not commits:
        return []
    order = {sha: i for i, sha in enumerate(commits)}
    parts = max(1, min(len(commits) // 50, jobs * 4))
    size = -(-len(commits) // parts)
    tasks = [(str(root), commits[i : i + size]) for i in range(0, len(commits), size)]
    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    _FORKED_RULES = ruleset
    leaks: list[Leak] = []
    try:
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(ruleset.source,)) as pool:
            for found, stats in pool.imap_unordered(_scan_commits, tasks):
                leaks.extend(found)
                _merge_stats(result, stats)
    finally:
        _FORKED_RULES = None
    leaks.sort(key=lambda leak: order.get(leak.commit or "", -1))
    return leaks


def _scan_batch(batch: list[Fragment]) -> tuple[list[Leak], ScanStats]:
    assert _WORKER is not None
    _WORKER.stats = ScanStats()
    return [_leak(h) for h in _WORKER.scan(batch)], _WORKER.stats


def _run(
    ruleset: RuleSet, fragments: Iterable[Fragment], result: ScanResult, jobs: int = 1
) -> list[Leak]:
    leaks: list[Leak] = []
    if jobs > 1 and ruleset.source:
        ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
        with ctx.Pool(jobs, initializer=_init_worker, initargs=(ruleset.source,)) as pool:
            for found, stats in pool.imap(_scan_batch, batched(fragments), chunksize=1):
                leaks.extend(found)
                _merge_stats(result, stats)
        return leaks
    detector = Detector(ruleset)
    for batch in batched(fragments):
        leaks.extend(_leak(h) for h in detector.scan(batch))
    _merge_stats(result, detector.stats)
    return leaks


def _merge_stats(result: ScanResult, stats: ScanStats) -> None:
    result.fragments += stats.fragments
    result.bytes += stats.bytes
    result.skipped.extend(stats.binary_skipped)


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _tree_after_history(root: Path, ruleset: RuleSet, secrets: set[str]) -> ScanResult:
    """Where the history's secrets are now, plus anything not committed yet.

    A file that is unchanged since HEAD and holds none of the history's secrets has nothing
    the history scan has not seen, so only changed, untracked, and secret-holding files are
    scanned again (one Aho-Corasick pass over the tree instead of every rule).
    """
    result = ScanResult("tree", str(root), rules=len(ruleset.rules))
    try:
        changed = set(run_git(root, "diff", "--name-only", "-z", "HEAD").split("\0"))
        changed |= set(run_git(root, "ls-files", "-z", "-o", "--exclude-standard").split("\0"))
    except GitError:
        changed = None  # no HEAD yet: everything is new
    finder = Substrings(s for s in secrets if len(s) >= 4)
    frags = []
    for rel in tree_files(root):
        full = root / rel
        if not full.is_file() or full.is_symlink():
            continue
        text = read_text(full)
        if text is None:
            result.skipped.append(rel)
            text = ""  # path-only rules still apply
        if changed is None or rel in changed or (finder and finder.any_in(text)):
            frags.append(Fragment(text, rel))
    result.leaks = _run(ruleset, frags, result)
    return result


# -- the modes -------------------------------------------------------------------------------
def scan_tree(root: Path, ruleset: RuleSet) -> ScanResult:
    result = ScanResult("tree", str(root), rules=len(ruleset.rules))
    skipped: list[str] = []
    result.leaks = _run(ruleset, tree_fragments(root, skipped), result)
    result.skipped.extend(skipped)
    return result


def scan_text(text: str, path: str, ruleset: RuleSet, mode: str = "stdin") -> ScanResult:
    result = ScanResult(mode, path, rules=len(ruleset.rules))
    result.leaks = _run(ruleset, [Fragment(text, path)], result)
    return result


def scan_staged(root: Path, ruleset: RuleSet) -> ScanResult:
    result = ScanResult("staged", str(root), rules=len(ruleset.rules))
    result.leaks = _run(ruleset, staged_fragments(root), result)
    return result


def scan_history(
    root: Path, ruleset: RuleSet, log_opts: list[str] | None = None, jobs: int | None = None
) -> ScanResult:
    """Every secret ever added, once, at the commit that added it.

    A secret still in the working tree is reported where it is now (`path:line`) with the commit
    that introduced it; one that is gone is reported at `commit:path:line` with
    `in_history = True`, because deleting it did not un-leak it.
    """
    result = ScanResult("history", str(root), rules=len(ruleset.rules))
    result.shallow = is_shallow(root)
    jobs = default_jobs() if jobs is None else jobs
    if jobs > 1:
        found = _history_parallel(root, ruleset, log_opts, jobs, result)
    else:
        found = _run(ruleset, history_fragments(root, log_opts), result)
    result.commits = len({leak.commit for leak in found})
    # git log is newest first: the last occurrence of a secret is the commit that added it
    first: dict[tuple[str, str], Leak] = {}
    for leak in found:
        first[(leak.rule_id, leak.secret)] = leak
    tree = _tree_after_history(root, ruleset, {secret for _, secret in first})
    in_tree: dict[tuple[str, str], list[Leak]] = {}
    for leak in tree.leaks:
        in_tree.setdefault((leak.rule_id, leak.secret), []).append(leak)
    out: list[Leak] = []
    for key, leak in first.items():
        if key in in_tree:
            for current in in_tree.pop(key):
                current.introduced = leak.commit
                current.commit = leak.commit
                current.author, current.date = leak.author, leak.date
                out.append(current)
        else:
            leak.in_history = True
            leak.introduced = leak.commit
            out.append(leak)
    for rest in in_tree.values():  # in the tree but never committed
        out.extend(rest)
    out.sort(key=lambda x: (x.in_history, x.path, x.line, x.rule_id))
    result.leaks = out
    result.skipped.extend(tree.skipped)
    return result
