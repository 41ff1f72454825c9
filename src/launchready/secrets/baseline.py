"""Baselines that never cause merge conflicts, and gitleaks' ignore file.

The baseline is JSON Lines: one entry per line, sorted by fingerprint, with no timestamp, no
line number and no enclosing array (so two branches that each add an entry merge cleanly).
Each entry holds the content fingerprint, its path-less variant (to follow renames), rule, path,
the sha256 of the secret (never the secret), a reason and an optional `expires` date.

Also read: a JSON array of such entries, gitleaks JSON reports, detect-secrets'
`.secrets.baseline` (sha1 of the secret per file) and `.gitleaksignore` in both of its forms
(`file:rule:line` and `commit:file:rule:line`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from launchready.errors import ConfigError
from launchready.secrets.scan import Leak


@dataclass(slots=True)
class Baseline:
    fingerprints: set[str] = field(default_factory=set)
    any_path: set[str] = field(default_factory=set)
    sha1_by_path: set[tuple[str, str]] = field(default_factory=set)  # detect-secrets
    ignore_keys: set[str] = field(default_factory=set)  # .gitleaksignore / gitleaks reports
    entries: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fingerprints or self.any_path or self.sha1_by_path or self.ignore_keys)

    def matches(self, leak: Leak) -> bool:
        if leak.fingerprint in self.fingerprints or leak.any_path in self.any_path:
            return True
        sha1 = hashlib.sha1(leak.secret.encode()).hexdigest()
        if (leak.path, sha1) in self.sha1_by_path:
            return True
        keys = {f"{leak.path}:{leak.rule_id}:{leak.line}"}
        if leak.commit:
            keys.add(f"{leak.commit}:{leak.path}:{leak.rule_id}:{leak.line}")
        return bool(keys & self.ignore_keys)

    def fixed(self, leaks: list[Leak]) -> list[dict[str, Any]]:
        """Entries no current leak matches: fixed (or rotated and purged)."""
        seen = {leak.fingerprint for leak in leaks} | {leak.any_path for leak in leaks}
        return [
            e
            for e in self.entries
            if e.get("fingerprint") not in seen and e.get("any_path") not in seen
        ]


def _expired(entry: dict[str, Any], today: date) -> bool:
    expires = entry.get("expires")
    if not expires:
        return False
    try:
        return date.fromisoformat(str(expires)) < today
    except ValueError:
        return False


def _add_entry(base: Baseline, entry: dict[str, Any], today: date) -> None:
    if not isinstance(entry, dict) or _expired(entry, today):
        return
    if "fingerprint" in entry or "any_path" in entry:
        fp = str(entry.get("fingerprint", ""))
        # gitleaks report fingerprints are commit:file:rule:line, not content hashes
        if fp.count(":") >= 2:
            base.ignore_keys.add(fp)
        elif fp:
            base.fingerprints.add(fp)
        if entry.get("any_path"):
            base.any_path.add(str(entry["any_path"]))
        base.entries.append(entry)
    elif "Fingerprint" in entry:  # a gitleaks JSON report
        base.ignore_keys.add(str(entry["Fingerprint"]))


def load_baseline(path: Path, today: date | None = None) -> Baseline:
    today = today or date.today()
    base = Baseline()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("baseline file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read baseline: {exc}", file=str(path)) from None
    stripped = text.strip()
    if path.name == ".gitleaksignore" or (stripped and stripped[0] not in "[{"):
        return load_gitleaksignore_text(text, base)
    try:
        data = json.loads(stripped) if stripped.startswith("[") else None
    except json.JSONDecodeError:
        data = None
    if isinstance(data, list):
        for entry in data:
            _add_entry(base, entry, today)
        return base
    if stripped.startswith("{") and '"results"' in stripped[:2000] and "\n{" not in stripped:
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"not valid JSON: {exc.msg}", file=str(path), line=exc.lineno
            ) from None
        for file, items in (doc.get("results") or {}).items():
            for item in items or []:
                if item.get("hashed_secret"):
                    base.sha1_by_path.add((file, item["hashed_secret"]))
        return base
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            _add_entry(base, json.loads(line), today)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"not a JSON entry: {exc.msg}", file=str(path), line=n) from None
    return base


def load_gitleaksignore_text(text: str, base: Baseline | None = None) -> Baseline:
    base = Baseline() if base is None else base
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            base.ignore_keys.add(line)
    return base


def entry_for(leak: Leak, reason: str = "") -> dict[str, Any]:
    return {
        "fingerprint": leak.fingerprint,
        "any_path": leak.any_path,
        "rule": leak.rule_id,
        "path": leak.path,
        "secret_sha256": leak.secret_hash,
        "reason": reason,
    }


def render_baseline(
    leaks: list[Leak], keep: list[dict[str, Any]] | None = None, reason: str = ""
) -> str:
    """Sorted JSON Lines. Existing entries (with their reasons and expiry) are kept."""
    entries: dict[str, dict[str, Any]] = {}
    for e in keep or []:
        if e.get("fingerprint"):
            entries[str(e["fingerprint"])] = e
    for leak in leaks:
        entries.setdefault(leak.fingerprint, entry_for(leak, reason))
    return "".join(_line(entries[k]) + "\n" for k in sorted(entries))


_FIRST = ("fingerprint", "any_path", "rule", "path", "secret_sha256", "reason", "expires")


def _line(entry: dict[str, Any]) -> str:
    """Fingerprint first, so sorting by fingerprint is sorting the lines (what `sort` and git's
    line merge see)."""
    ordered = {k: entry[k] for k in _FIRST if k in entry}
    ordered.update({k: entry[k] for k in sorted(entry) if k not in ordered})
    return json.dumps(ordered, separators=(", ", ": "))
