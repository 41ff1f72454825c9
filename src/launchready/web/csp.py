"""Content-Security-Policy parsing and evaluation.

Two readers over one grammar (policies split on ",", directives on ";", sources on
whitespace):
- `observatory_parse` reproduces Mozilla's parser exactly, including its choices (a repeated
  directive is invalid; several policies intersect; an empty `*-src` means 'none'), because
  `headers.grade` must match the Observatory to the point.
- `evaluate` is our own, friendlier reading for `headers.csp.*`: it names the failing clause,
  understands nonces, hashes and 'strict-dynamic' the way CSP2+/CSP3 browsers do, and notes a
  missing object-src / base-uri (CSP Evaluator's advice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

_SHORTEST_POLICY = len("img-src") - 1
_META_FORBIDDEN = ("frame-ancestors", "report-uri", "sandbox")
_DUPLICATES_ALLOWED = {"report-uri", "report-to"}
DUPLICATE_WARNINGS = "_observatory_duplicate_warnings"


class CspInvalid(ValueError):
    """The policy cannot be read (too short, or a directive given twice)."""


def split_policies(values: list[str]) -> list[str]:
    """Header values -> policies: a comma separates policies (CSP3 §2.2)."""
    return [p.strip() for v in values for p in v.split(",")]


@dataclass(slots=True)
class _Source:
    source: str
    index: int
    keep: bool


def _path_part_match(a: str, b: str) -> bool:
    if not a:
        return True
    if a == "/" and not b:
        return True
    exact = not a.endswith("/")
    la, lb = a.split("/"), b.split("/")
    if len(la) > len(lb) or (exact and len(la) != len(lb)):
        return False
    if not exact:
        la.pop()
    return all(unquote(x) == unquote(y) for x, y in zip(la, lb, strict=False))


def observatory_parse(policies: list[str]) -> dict[str, set[str]]:
    """Mozilla's CSP parser (cspParser.js): directive -> sources that every policy allows."""
    clean = [re.sub(r"[\r\n]", "", p).strip() for p in policies]
    if not clean:
        return {}
    for policy in clean:
        if not policy or len(policy) < _SHORTEST_POLICY:
            raise CspInvalid(f"invalid policy: {policy!r}")
    csp: dict[str, list[_Source]] = {}
    duplicates: set[str] = set()
    for index, policy in enumerate(clean):
        seen: set[str] = set()
        for entry in policy.split(";"):
            tokens = entry.strip().split()
            if not tokens:
                continue
            directive = tokens[0].lower()
            if directive in seen:
                if directive in _DUPLICATES_ALLOWED:
                    duplicates.add(directive)
                else:
                    raise CspInvalid(f"directive {directive} repeated in policy {index}")
            seen.add(directive)
            keep = index == 0
            values = [_Source(t.strip().lower(), index, keep) for t in tokens[1:]]
            if not values and directive.endswith("-src"):
                values = [_Source("'none'", index, keep)]
            combined = values if index == 0 else [*csp.get(directive, []), *values]
            combined.sort(key=lambda s: s.source)
            for i in range(1, len(combined)):
                cur, prev = combined[i], combined[i - 1]
                if cur.index == prev.index and cur.source.startswith(prev.source):
                    cur.keep = False
                if cur.index != prev.index and _path_part_match(prev.source, cur.source):
                    cur.keep = True
            csp[directive] = [s for s in combined if s.keep]
            if index == 0 and len(policies) > 1:
                for s in csp[directive]:
                    s.keep = False
    final = {d: ({s.source for s in srcs} or {"'none'"}) for d, srcs in csp.items()}
    if duplicates:
        final[DUPLICATE_WARNINGS] = duplicates
    return final


def observatory_parse_meta(policies: list[str]) -> dict[str, set[str]]:
    """As `observatory_parse`, minus the directives a <meta> CSP may not carry."""
    parsed = observatory_parse(policies)
    for directive in _META_FORBIDDEN:
        parsed.pop(directive, None)
    return parsed


# ---- our own evaluation, for headers.csp.* -------------------------------------------------

NONCE_OR_HASH = re.compile(r"^'(nonce-|sha256-|sha384-|sha512-)", re.IGNORECASE)
_BROAD = {"*", "http:", "https:", "ftp:", "http://*", "https://*", "http://*.*", "https://*.*"}


@dataclass(frozen=True, slots=True)
class CspIssue:
    """One weakness, naming the clause that causes it."""

    code: str  # unsafe-inline | unsafe-eval | wildcard | insecure-scheme | data-uri | ...
    directive: str
    source: str
    severity: str  # "high" | "medium" | "low" | "info"
    message: str


@dataclass(frozen=True, slots=True)
class CspEvaluation:
    directives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    issues: tuple[CspIssue, ...] = ()
    nonce_or_hash: bool = False
    strict_dynamic: bool = False

    @property
    def unsafe(self) -> list[CspIssue]:
        return [i for i in self.issues if i.severity in ("high", "medium")]

    @property
    def notes(self) -> list[CspIssue]:
        return [i for i in self.issues if i.severity in ("low", "info")]


def parse_policy(policy: str) -> dict[str, tuple[str, ...]]:
    """One policy -> directive: sources. The first occurrence of a directive wins (CSP3)."""
    out: dict[str, tuple[str, ...]] = {}
    for entry in policy.split(";"):
        tokens = entry.strip().split()
        if tokens and tokens[0].lower() not in out:
            out[tokens[0].lower()] = tuple(tokens[1:])
    return out


def evaluate(policy: str, *, page_scheme: str = "https") -> CspEvaluation:
    """Judge one enforced policy the way a CSP3 browser enforces it."""
    d = parse_policy(policy)
    issues: list[CspIssue] = []
    script_dir = "script-src" if "script-src" in d else "default-src"
    script = tuple(s.lower() for s in d.get(script_dir, ()))
    has_nonce = any(NONCE_OR_HASH.match(s) for s in script)
    strict_dynamic = "'strict-dynamic'" in script
    if script_dir not in d:
        issues.append(
            CspIssue(
                "no-script-src",
                "script-src",
                "",
                "high",
                "no script-src or default-src: scripts from anywhere are allowed",
            )
        )
    for src in script:
        # CSP2+: a nonce or hash disables 'unsafe-inline'; CSP3 'strict-dynamic' with a
        # nonce/hash also disables host and scheme allow-lists and 'self'.
        if src == "'unsafe-inline'":
            if not has_nonce:
                issues.append(
                    CspIssue(
                        "unsafe-inline",
                        script_dir,
                        src,
                        "high",
                        f"{script_dir} allows 'unsafe-inline'",
                    )
                )
            continue
        if src == "'unsafe-eval'":
            issues.append(
                CspIssue(
                    "unsafe-eval", script_dir, src, "medium", f"{script_dir} allows 'unsafe-eval'"
                )
            )
            continue
        if strict_dynamic and has_nonce:
            continue
        if src in _BROAD:
            code = (
                "wildcard"
                if "*" in src
                else "insecure-scheme"
                if src in ("http:", "ftp:")
                else "broad-scheme"
            )
            issues.append(
                CspIssue(code, script_dir, src, "high", f"{script_dir} allows any host via {src}")
            )
        elif src == "data:":
            issues.append(
                CspIssue("data-uri", script_dir, src, "high", f"{script_dir} allows data: URIs")
            )
        elif page_scheme == "https" and src.startswith(("http://", "ftp://")):
            issues.append(
                CspIssue(
                    "insecure-scheme",
                    script_dir,
                    src,
                    "medium",
                    f"{script_dir} loads scripts over plain HTTP from {src}",
                )
            )
    if strict_dynamic and not has_nonce:
        issues.append(
            CspIssue(
                "strict-dynamic-ineffective",
                script_dir,
                "'strict-dynamic'",
                "low",
                "'strict-dynamic' without a nonce or hash has no effect",
            )
        )
    object_src = d.get("object-src", d.get("default-src"))
    if object_src is None:
        issues.append(
            CspIssue(
                "missing-object-src",
                "object-src",
                "",
                "low",
                "no object-src (or default-src): plugins can load scripts",
            )
        )
    elif any(s.lower() in _BROAD for s in object_src):
        issues.append(
            CspIssue(
                "object-src-broad",
                "object-src",
                " ".join(object_src),
                "medium",
                "object-src allows any host",
            )
        )
    if "base-uri" not in d:
        issues.append(
            CspIssue(
                "missing-base-uri",
                "base-uri",
                "",
                "low",
                "no base-uri: an injected <base> can re-point relative scripts",
            )
        )
    return CspEvaluation(
        directives=d,
        issues=tuple(issues),
        nonce_or_hash=has_nonce,
        strict_dynamic=strict_dynamic,
    )
