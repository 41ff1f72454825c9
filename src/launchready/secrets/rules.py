"""Load gitleaks-format TOML rule sets, so a team's existing `.gitleaks.toml` works unchanged.

The patterns are Go RE2. Python's `re` rejects RE2's mid-pattern `(?i)`; the `regex` module in
`V1 | ASCII` mode accepts every default pattern with RE2's meaning (scoped inline flags, ASCII
`\\w`/`\\s`/`\\b`). The only spelling to translate is `\\z` (end of text), which `regex`
calls `\\Z`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from launchready.errors import ConfigError
from launchready.secrets.multi import Substrings

FLAGS = regex.V1 | regex.ASCII
DEFAULT_CONFIG = "default.toml"
_Z = re.compile(r"(?<!\\)((?:\\\\)*)\\z")


def compile_go(pattern: str) -> regex.Pattern[str]:
    """Compile a Go RE2 pattern with RE2 semantics."""
    return regex.compile(_Z.sub(r"\1\\Z", pattern), FLAGS)


@dataclass(slots=True)
class Allowlist:
    """Reasons a candidate is not a secret. `condition` OR: any criterion; AND: all present ones."""

    description: str = ""
    condition: str = "OR"
    regex_target: str = "secret"  # secret | match | line
    regexes: list[regex.Pattern[str]] = field(default_factory=list)
    paths: list[regex.Pattern[str]] = field(default_factory=list)
    commits: set[str] = field(default_factory=set)
    stopwords: list[str] = field(default_factory=list)
    target_rules: set[str] = field(default_factory=set)  # global [[allowlists]] only
    _stop: Substrings | None = field(default=None, repr=False, compare=False)

    def path_allowed(self, path: str) -> bool:
        return bool(path) and any(p.search(path) for p in self.paths)

    def commit_allowed(self, commit: str | None) -> bool:
        return bool(commit) and commit in self.commits

    def regex_allowed(self, target: str) -> bool:
        return any(r.search(target) for r in self.regexes)

    def has_stopword(self, secret: str) -> bool:
        if not self.stopwords:
            return False
        if self._stop is None:
            self._stop = Substrings(self.stopwords)
        return self._stop.any_in(secret.lower())

    def only_paths_or_commits(self) -> bool:
        """Whether the list can be decided from the path/commit alone (fragment-level skip)."""
        return self.condition == "OR" and not self.regexes and not self.stopwords

    def allows(self, secret: str, match: str, line: str, path: str, commit: str | None) -> bool:
        target = {"match": match, "line": line}.get(self.regex_target, secret)
        if self.condition == "AND":
            checks: list[bool] = []
            if self.commits:
                checks.append(self.commit_allowed(commit))
            if self.paths:
                checks.append(self.path_allowed(path))
            if self.regexes:
                checks.append(self.regex_allowed(target))
            if self.stopwords:
                checks.append(self.has_stopword(secret))
            return bool(checks) and all(checks)
        return (
            self.commit_allowed(commit)
            or self.path_allowed(path)
            or self.regex_allowed(target)
            or self.has_stopword(secret)
        )


@dataclass(slots=True)
class Rule:
    id: str
    description: str = ""
    regex: regex.Pattern[str] | None = None
    secret_group: int = 0
    entropy: float = 0.0
    keywords: list[str] = field(default_factory=list)  # lower-case
    path: regex.Pattern[str] | None = None
    allowlists: list[Allowlist] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    severity: str = "high"
    prefix: str = ""  # fixed public prefix (`ghp_`) that output may show
    generic: bool = False  # a loose rule that a specific rule's hit overrides


@dataclass(slots=True)
class RuleSet:
    rules: dict[str, Rule] = field(default_factory=dict)
    allowlists: list[Allowlist] = field(default_factory=list)  # global
    source: str = ""
    decode: bool = False  # also scan base64 runs, decoded (`secrets --decode`)

    def only(self, *rule_ids: str) -> RuleSet:
        """A copy with only these rules (and the global allowlists): gitleaks' single-rule mode."""
        return RuleSet(
            {i: self.rules[i] for i in rule_ids}, list(self.allowlists), self.source, self.decode
        )


def _strings(value: Any, where: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings", file=where, key=key)
    return value


def _compile(pattern: str, where: str, key: str) -> regex.Pattern[str]:
    try:
        return compile_go(pattern)
    except regex.error as exc:
        raise ConfigError(f"invalid regex {pattern!r}: {exc}", file=where, key=key) from None


def _allowlist(data: dict[str, Any], where: str, key: str) -> Allowlist:
    condition = str(data.get("condition", "OR")).upper()
    if condition not in ("OR", "AND"):
        raise ConfigError("condition must be OR or AND", file=where, key=f"{key}.condition")
    target = str(data.get("regexTarget", "secret")).lower() or "secret"
    if target not in ("secret", "match", "line"):
        raise ConfigError(
            "regexTarget must be secret, match or line", file=where, key=f"{key}.regexTarget"
        )
    return Allowlist(
        description=str(data.get("description", "")),
        condition=condition,
        regex_target=target,
        regexes=[
            _compile(p, where, f"{key}.regexes")
            for p in _strings(data.get("regexes"), where, f"{key}.regexes")
        ],
        paths=[
            _compile(p, where, f"{key}.paths")
            for p in _strings(data.get("paths"), where, f"{key}.paths")
        ],
        commits=set(_strings(data.get("commits"), where, f"{key}.commits")),
        stopwords=[w.lower() for w in _strings(data.get("stopwords"), where, f"{key}.stopwords")],
        target_rules=set(_strings(data.get("targetRules"), where, f"{key}.targetRules")),
    )


_LITERAL_PREFIX = regex.compile(r"^(?:\\b)?\(?(?:\\b)?([A-Za-z0-9_]+(?:[-_.~][A-Za-z0-9]*)?[-_.~])")


def public_prefix(rule_id: str, pattern: str | None) -> str:
    """The fixed, public start of a token format (`ghp_`, `sk-ant-api03-`, `xoxb-`).

    Only a literal that ends with a separator counts: that part of a token says which service it
    belongs to and nothing about the secret itself, so output may show it (CONTRACT §4).
    """
    if not pattern:
        return ""
    m = _LITERAL_PREFIX.match(pattern)
    if not m:
        return ""
    prefix = m.group(1)
    return prefix if len(prefix) <= 16 else ""


_CRITICAL = regex.compile(
    r"^(?:aws|gcp|azure|alibaba|github|gitlab|private-key|pkcs12|stripe|square|openai|anthropic|"
    r"database|django|rails|laravel|heroku|digitalocean|vault|hashicorp|slack-(?:bot|user|app))"
)


def _default_severity(rule_id: str) -> str:
    """Credentials that open infrastructure, code, money or every session are critical."""
    return "critical" if _CRITICAL.match(rule_id) else "high"


def _rule(data: dict[str, Any], where: str, index: int) -> Rule:
    key = f"rules[{index}]"
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise ConfigError("every rule needs an id", file=where, key=f"{key}.id")
    pattern = data.get("regex")
    path = data.get("path")
    if pattern is None and path is None:
        raise ConfigError(f"rule {rule_id} has neither regex nor path", file=where, key=key)
    allowlists = [
        _allowlist(a, where, f"{key}.allowlists[{i}]")
        for i, a in enumerate(data.get("allowlists", []) or [])
    ]
    if isinstance(data.get("allowlist"), dict):  # the older single-table spelling
        allowlists.append(_allowlist(data["allowlist"], where, f"{key}.allowlist"))
    severity = str(data.get("severity") or _default_severity(rule_id)).lower()
    return Rule(
        id=rule_id,
        description=str(data.get("description", "")),
        regex=_compile(pattern, where, f"{key}.regex") if pattern else None,
        secret_group=int(data.get("secretGroup", 0) or 0),
        entropy=float(data.get("entropy", 0.0) or 0.0),
        keywords=[k.lower() for k in _strings(data.get("keywords"), where, f"{key}.keywords")],
        path=_compile(path, where, f"{key}.path") if path else None,
        allowlists=allowlists,
        tags=_strings(data.get("tags"), where, f"{key}.tags"),
        severity=severity if severity in ("critical", "high", "medium", "low") else "high",
        prefix=str(data["prefix"]) if "prefix" in data else public_prefix(rule_id, pattern),
        generic=bool(data.get("generic", rule_id.startswith("generic"))),
    )


def _read(source: str | Path) -> tuple[str, str]:
    """(text, display name) of a config: a path, or `builtin:NAME` for packaged data."""
    name = str(source)
    if name.startswith("builtin:"):
        res = resources.files("launchready").joinpath(
            "data", "secrets", name.removeprefix("builtin:")
        )
        return res.read_text(encoding="utf-8"), name
    try:
        return Path(source).read_text(encoding="utf-8"), name
    except FileNotFoundError:
        raise ConfigError("secrets config not found", file=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read secrets config: {exc}", file=name) from None


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", file=where, line=int(m.group(1)) if m else None
        ) from None


def load_rules(source: str | Path = f"builtin:{DEFAULT_CONFIG}", _depth: int = 0) -> RuleSet:
    """Load a gitleaks-format config, following `[extend]` (useDefault / path, disabledRules).

    Extending works as in gitleaks: the base is loaded first, then this file's rules replace
    same-id rules and its allowlists are added.
    """
    if _depth > 4:
        raise ConfigError("[extend] nests too deeply", file=str(source))
    text, where = _read(source)
    data = _parse(text, where)
    out = RuleSet(source=where)
    extend = data.get("extend") or {}
    if extend:
        base: RuleSet | None = None
        if extend.get("useDefault"):
            base = load_rules(f"builtin:{DEFAULT_CONFIG}", _depth + 1)
        elif extend.get("path"):
            ext = str(extend["path"])
            if not where.startswith("builtin:"):
                ext = str(Path(where).parent / ext)
            else:
                ext = f"builtin:{ext}"
            base = load_rules(ext, _depth + 1)
        if base is not None:
            disabled = set(_strings(extend.get("disabledRules"), where, "extend.disabledRules"))
            out.rules = {k: v for k, v in base.rules.items() if k not in disabled}
            out.allowlists = list(base.allowlists)
    for i, raw in enumerate(data.get("rules", []) or []):
        rule = _rule(raw, where, i)
        out.rules[rule.id] = rule
    if isinstance(data.get("allowlist"), dict):
        out.allowlists.append(_allowlist(data["allowlist"], where, "allowlist"))
    for i, raw in enumerate(data.get("allowlists", []) or []):
        out.allowlists.append(_allowlist(raw, where, f"allowlists[{i}]"))
    return out
