"""Where text to scan comes from: the working tree, the whole history, the staged change, stdin.

Everything goes through the `git` command line: it is on every CI runner, it streams, and it
already knows .gitignore, renames and packfiles (no pygit2/dulwich needed).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from launchready.errors import UsageError
from launchready.secrets.engine import Fragment

# Outside a repository nothing says what is ignored: skip what is never the team's own text
# (the default rules allowlist these paths anyway, reading them would only cost time).
_NEVER_WALK = frozenset(
    {
        ".git",
        "node_modules",
        "bower_components",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)
MAX_FILE_BYTES = 8 * 1024 * 1024  # bigger files are data dumps or artefacts; reported as skipped
_HUNK2 = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# Lower-case filter letters EXCLUDE: no type changes, unmerged, unknown, deletions, broken pairs.
HISTORY_ARGS = ("log", "-p", "-U0", "--full-history", "--all", "--diff-filter=tuxdb")
_GIT_BASE = (
    "git",
    "-c",
    "core.quotePath=false",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
)


@dataclass(slots=True)
class CommitInfo:
    sha: str
    author: str
    date: str


class GitError(UsageError):
    pass


def run_git(root: Path, *args: str) -> str:
    try:
        proc = subprocess.run(
            [*_GIT_BASE, "-C", str(root), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise GitError("the `git` command is not installed") from None
    if proc.returncode != 0:
        raise GitError(f"git {args[0]} failed in {root}: {proc.stderr.strip()[:300]}")
    return proc.stdout


def is_repo(path: Path) -> bool:
    try:
        return run_git(path, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitError:
        return False


def is_shallow(root: Path) -> bool:
    try:
        return run_git(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    except GitError:
        return False


def read_text(path: Path) -> str | None:
    """File text, or None for binaries and oversized files."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:8000]:
        return None
    return data.decode("utf-8", errors="replace")


def tree_files(root: Path) -> list[str]:
    """Files of the working tree, relative to `root`: tracked plus untracked-but-not-ignored
    when `root` is in a git repository (so .gitignore is honoured), else every file."""
    if is_repo(root):
        out = run_git(root, "ls-files", "-z", "-c", "-o", "--exclude-standard")
        return sorted({p for p in out.split("\0") if p})
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _NEVER_WALK]
        for name in filenames:
            files.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return sorted(files)


def tree_fragments(root: Path, skipped: list[str] | None = None) -> Iterator[Fragment]:
    for rel in tree_files(root):
        full = root / rel
        if not full.is_file() or full.is_symlink():
            continue
        text = read_text(full)
        if text is None:
            if skipped is not None:
                skipped.append(rel)
            text = ""  # still offered to path-only rules (a .p12 keystore is binary)
        yield Fragment(text, rel)


def _unquote(path: bytes) -> str:
    """A path from a diff header: strip git's C-style quoting and the a/ b/ prefix."""
    p = path.rstrip(b"\n").rstrip(b"\r")
    if p.startswith(b'"') and p.endswith(b'"'):
        p = p[1:-1].decode("unicode_escape").encode("latin-1")
    text = p.decode("utf-8", errors="replace")
    if text.startswith(("a/", "b/")):
        text = text[2:]
    return text


def parse_diff(stream: Iterator[bytes], commits: bool) -> Iterator[Fragment]:
    """Added lines of a `git log -p -U0` / `git diff -U0` stream, one fragment per file and
    commit, each line keeping its number in the new file.

    Works on whole chunks: with -U0 a hunk header says how many lines are removed and added,
    so the parser jumps from header to header and joins each added block with one C call,
    instead of looking at every line in Python.
    """
    state = _DiffState()
    pending = b""
    for chunk in stream:
        pending += chunk
        cut = pending.rfind(b"\n\x00" if commits else b"\ndiff --git ")
        if cut <= 0:
            continue
        yield from state.feed(pending[: cut + 1], commits)
        pending = pending[cut + 1 :]
    if pending:
        yield from state.feed(pending, commits)
    frag = state.flush()
    if frag is not None:
        yield frag


class _DiffState:
    def __init__(self) -> None:
        self.commit: CommitInfo | None = None
        self.path: str | None = None
        self.blocks: list[bytes] = []
        self.numbers: list[int] = []
        self.binary = False

    def flush(self) -> Fragment | None:
        if self.path is not None and self.binary and not self.blocks:
            self.binary = False  # a binary file added or changed: for path-only rules
            return Fragment(
                "", self.path, commit=self.commit.sha if self.commit else None, meta=self.commit
            )
        self.binary = False
        if self.path is None or not self.blocks:
            self.blocks, self.numbers = [], []
            return None
        text = b"\n".join(self.blocks).decode("utf-8", errors="replace")
        frag = Fragment(
            text,
            self.path,
            start_line=self.numbers[0],
            commit=self.commit.sha if self.commit else None,
            lines=self.numbers,
            meta=self.commit,
        )
        self.blocks, self.numbers = [], []
        return frag

    def feed(self, data: bytes, commits: bool) -> Iterator[Fragment]:
        lines = data.split(b"\n")
        n = len(lines)
        i = 0
        while i < n:
            line = lines[i]
            c = line[:1]
            if c == b"@":
                m = _HUNK2.match(line)
                if m is None:
                    i += 1
                    continue
                _, r, st, a = m.groups()
                removed = 1 if r is None else int(r)
                start = int(st)
                added = 1 if a is None else int(a)
                j = i + 1 + removed
                if j < n and lines[j][:1] == b"\\":
                    j += 1  # "\\ No newline at end of file"
                if added:
                    block = lines[j : j + added]
                    joined = b"\n".join(block)
                    if joined[:1] == b"+":
                        joined = joined[1:]
                    self.blocks.append(joined.replace(b"\n+", b"\n"))
                    self.numbers.extend(range(start, start + len(block)))
                j += added
                if j < n and lines[j][:1] == b"\\":
                    j += 1
                i = j
                continue
            if c == b"d" and line.startswith(b"diff --git "):
                frag = self.flush()
                if frag is not None:
                    yield frag
                parts = line[11:].rstrip(b"\r").split(b" b/", 1)
                self.path = parts[1].decode("utf-8", errors="replace") if len(parts) == 2 else None
            elif c == b"B" and line.startswith(b"Binary files "):
                self.binary = True
            elif c == b"+" and line.startswith(b"+++ "):
                target = line[4:]
                if target.strip() != b"/dev/null":
                    self.path = _unquote(target)
            elif commits and c == b"\x00":
                frag = self.flush()
                if frag is not None:
                    yield frag
                self.path = None
                fields = [*line[1:].decode("utf-8", errors="replace").split("\x00"), "", "", ""]
                self.commit = CommitInfo(fields[0], fields[1], fields[2])
            i += 1


def _widen_pipe(proc: subprocess.Popen) -> None:
    """Let git run up to 1 MiB ahead of the scanner (Linux pipes default to 64 KiB), so the
    two overlap instead of taking turns."""
    try:
        import fcntl

        fcntl.fcntl(proc.stdout.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
    except (ImportError, OSError, AttributeError, ValueError):
        pass


def _stream(root: Path, args: list[str]) -> Iterator[bytes]:
    try:
        proc = subprocess.Popen(
            [*_GIT_BASE, "-C", str(root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=1024 * 1024,
        )
    except FileNotFoundError:
        raise GitError("the `git` command is not installed") from None
    assert proc.stdout is not None
    _widen_pipe(proc)
    try:
        while True:
            chunk = proc.stdout.read1(4 * 1024 * 1024)
            if not chunk:
                break
            yield chunk
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        code = proc.wait()
        if code not in (0, -13) and "does not have any commits" not in err:
            raise GitError(f"git {args[0]} failed in {root}: {err.strip()[:300]}")


_LOG_FORMAT = ("--no-color", "--no-ext-diff", "--no-textconv", "--format=%x00%H%x00%an%x00%aI")


def history_fragments(root: Path, log_opts: list[str] | None = None) -> Iterator[Fragment]:
    """Added lines of every commit reachable from any ref, newest first."""
    if not is_repo(root):
        raise GitError(f"{root} is not a git repository (history needs one)")
    if not run_git(root, "rev-parse", "--all").strip():
        return  # a repository with no commits yet
    args = [*HISTORY_ARGS, *_LOG_FORMAT, *(log_opts or [])]
    yield from parse_diff(_stream(root, args), commits=True)


def history_commits(root: Path, log_opts: list[str] | None = None) -> list[str]:
    """Every commit `history_fragments` would show, newest first (to split the work)."""
    if not is_repo(root):
        raise GitError(f"{root} is not a git repository (history needs one)")
    if not run_git(root, "rev-parse", "--all").strip():
        return []
    out = run_git(root, "rev-list", "--full-history", "--all", *(log_opts or []))
    return out.split()


def commit_fragments(root: Path, commits: list[str]) -> Iterator[Fragment]:
    """Added lines of exactly these commits (each against its first parent, as `git log -p`
    shows them); the commit ids go to git on stdin."""
    args = [
        *_GIT_BASE,
        "-C",
        str(root),
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-p",
        "-U0",
        "--diff-filter=tuxdb",
        *_LOG_FORMAT,
    ]
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None and proc.stdout is not None
    _widen_pipe(proc)
    proc.stdin.write(("\n".join(commits) + "\n").encode())
    proc.stdin.close()

    def chunks() -> Iterator[bytes]:
        assert proc.stdout is not None
        while True:
            chunk = proc.stdout.read1(4 * 1024 * 1024)
            if not chunk:
                break
            yield chunk

    try:
        yield from parse_diff(chunks(), commits=True)
    finally:
        proc.stdout.close()
        if proc.wait() not in (0, -13):
            raise GitError(f"git log --stdin failed in {root}")


def staged_fragments(root: Path) -> Iterator[Fragment]:
    """Added lines of the index against HEAD: what the next commit would add (newly added
    files included, and the index's content, not the working tree's)."""
    if not is_repo(root):
        raise GitError(f"{root} is not a git repository (--staged needs one)")
    args = [
        "diff",
        "--cached",
        "-U0",
        "--no-ext-diff",
        "--no-color",
        "--no-textconv",
        "--diff-filter=tuxdb",
    ]
    yield from parse_diff(_stream(root, args), commits=False)
