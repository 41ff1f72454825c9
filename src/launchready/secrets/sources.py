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

MAX_FILE_BYTES = 8 * 1024 * 1024  # bigger files are data dumps or artefacts; reported as skipped
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
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
        dirnames[:] = [d for d in dirnames if d != ".git"]
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
            continue
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
    commit, each line keeping its number in the new file."""
    commit: CommitInfo | None = None
    path: str | None = None
    lines: list[bytes] = []
    numbers: list[int] = []
    in_hunk = False
    nxt = 0

    def flush() -> Fragment | None:
        if path is None or not lines:
            return None
        text = b"\n".join(lines).decode("utf-8", errors="replace")
        return Fragment(
            text,
            path,
            start_line=numbers[0],
            commit=commit.sha if commit else None,
            lines=list(numbers),
            meta=commit,
        )

    for raw in stream:
        c = raw[:1]
        if c == b"+":
            if in_hunk:
                lines.append(raw[1:].rstrip(b"\n").rstrip(b"\r"))
                numbers.append(nxt)
                nxt += 1
            elif raw.startswith(b"+++ "):
                target = raw[4:]
                if target.strip() != b"/dev/null":
                    path = _unquote(target)
        elif c == b"@":
            m = _HUNK.match(raw)
            if m:
                in_hunk = True
                nxt = int(m.group(1))
        elif c == b"d" and raw.startswith(b"diff --git "):
            frag = flush()
            if frag is not None:
                yield frag
            lines, numbers, in_hunk, path = [], [], False, None
            # fallback path (binary or mode-only changes have no +++ line)
            parts = raw[11:].rstrip(b"\n").split(b" b/", 1)
            if len(parts) == 2:
                path = parts[1].decode("utf-8", errors="replace")
        elif commits and c == b"\x00":
            frag = flush()
            if frag is not None:
                yield frag
            lines, numbers, in_hunk, path = [], [], False, None
            fields = raw[1:].rstrip(b"\n").decode("utf-8", errors="replace").split("\x00")
            fields += ["", "", ""]
            commit = CommitInfo(fields[0], fields[1], fields[2])
    frag = flush()
    if frag is not None:
        yield frag


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
    try:
        yield from proc.stdout
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        code = proc.wait()
        if code not in (0, -13) and "does not have any commits" not in err:
            raise GitError(f"git {args[0]} failed in {root}: {err.strip()[:300]}")


def history_fragments(root: Path, log_opts: list[str] | None = None) -> Iterator[Fragment]:
    """Added lines of every commit reachable from any ref, newest first."""
    if not is_repo(root):
        raise GitError(f"{root} is not a git repository (history needs one)")
    if not run_git(root, "rev-parse", "--all").strip():
        return  # a repository with no commits yet
    args = [
        *HISTORY_ARGS,
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x00%H%x00%an%x00%aI",
        *(log_opts or []),
    ]
    yield from parse_diff(_stream(root, args), commits=True)


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
