"""The detection engine: gitleaks' per-fragment pipeline, run over many fragments at once.

Per fragment and rule (gitleaks v8 semantics, so its rule files and examples carry over):
global path allowlist -> keyword prefilter -> regex -> secret group -> entropy (strictly
greater) -> global and rule allowlists -> inline `gitleaks:allow` / `pragma: allowlist secret`.
Then a final filter drops generic hits that a specific rule also found on the same line.

Speed: keywords are tested once per fragment (not once per rule), and a rule whose keywords
occur in many fragments runs its regex once over all of them joined, not once per fragment:
that keeps the per-call overhead of Python out of the hot loop. A match that crosses from one
fragment into the next is thrown away and those fragments are scanned on their own.
"""

from __future__ import annotations

import base64
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import regex

from launchready.secrets.multi import Substrings
from launchready.secrets.rules import Allowlist, Rule, RuleSet, compile_go

INLINE_ALLOW = ("gitleaks:allow", "pragma: allowlist secret")
MAX_LINE = 20_000  # longer lines (minified bundles, data blobs) are blanked, and counted
_BATCH_MIN = 12  # a rule hit in at least this many fragments runs once over the joined text


@dataclass(slots=True)
class Fragment:
    """A piece of text from one file (or a diff's added lines). `start_line` numbers its first
    line; `lines` maps the i-th line to its real number when the lines are not contiguous."""

    text: str
    path: str
    start_line: int = 1
    commit: str | None = None
    lines: list[int] | None = None
    meta: Any = None
    encoding: str | None = None  # "base64" when the text was decoded from the original

    def line_number(self, index: int) -> int:
        if self.lines is not None and index < len(self.lines):
            return self.lines[index]
        return self.start_line + index


@dataclass(slots=True)
class Hit:
    rule: Rule
    secret: str
    match: str
    fragment: Fragment
    line: int
    line_text: str
    entropy: float
    start: int = 0  # offset of the match in the fragment

    @property
    def path(self) -> str:
        return self.fragment.path

    @property
    def commit(self) -> str | None:
        return self.fragment.commit


@dataclass(slots=True)
class ScanStats:
    fragments: int = 0
    bytes: int = 0
    binary_skipped: list[str] = field(default_factory=list)
    long_lines: int = 0
    path_allowed: int = 0


def shannon_entropy(data: str) -> float:
    """gitleaks' entropy: counts per character, divided by the length in bytes."""
    if not data:
        return 0.0
    inv = 1.0 / len(data.encode("utf-8", "surrogatepass"))
    total = 0.0
    for count in Counter(data).values():
        freq = count * inv
        total -= freq * math.log2(freq)
    return total


def is_binary(text: str) -> bool:
    return "\x00" in text[:8000]


def cap_lines(text: str, limit: int = MAX_LINE) -> tuple[str, int]:
    """Blank lines over `limit` characters (numbering is kept); returns the text and how many."""
    if len(text) <= limit:
        return text, 0
    lines = text.split("\n")
    long = [i for i, ln in enumerate(lines) if len(ln) > limit]
    if not long:
        return text, 0
    for i in long:
        lines[i] = ""
    return "\n".join(lines), len(long)


class Detector:
    def __init__(
        self, ruleset: RuleSet, *, generic_filter: bool = True, decode: bool | None = None
    ) -> None:
        self.ruleset = ruleset
        self.generic_filter = generic_filter
        self.decode = ruleset.decode if decode is None else decode
        self.rules = list(ruleset.rules.values())
        self.keyword_rules: dict[str, list[Rule]] = {}
        self.always: list[Rule] = []
        for rule in self.rules:
            if rule.keywords:
                for kw in set(rule.keywords):
                    self.keyword_rules.setdefault(kw, []).append(rule)
            else:
                self.always.append(rule)
        self._keywords = Substrings(self.keyword_rules)
        self.anchors = {r.id: semi_generic_anchor(r.regex.pattern) for r in self.rules if r.regex}
        self.fragment_allowlists = [
            a for a in ruleset.allowlists if a.only_paths_or_commits() and not a.target_rules
        ]
        self.finding_allowlists = [
            a for a in ruleset.allowlists if a not in self.fragment_allowlists
        ]
        self.stats = ScanStats()

    # -- fragment level -------------------------------------------------------------------
    def _fragment_allowed(self, frag: Fragment) -> bool:
        return any(
            a.path_allowed(frag.path) or a.commit_allowed(frag.commit)
            for a in self.fragment_allowlists
        )

    def _prepare(self, fragments: list[Fragment]) -> list[Fragment]:
        kept = []
        for frag in fragments:
            self.stats.fragments += 1
            if self._fragment_allowed(frag):
                self.stats.path_allowed += 1
                continue
            if is_binary(frag.text):
                self.stats.binary_skipped.append(frag.path)
                continue
            frag.text, n = cap_lines(frag.text)
            self.stats.long_lines += n
            self.stats.bytes += len(frag.text)
            kept.append(frag)
        return kept

    # -- scanning -------------------------------------------------------------------------
    def scan(self, fragments: list[Fragment]) -> list[Hit]:
        frags = self._prepare(fragments)
        if not frags:
            return []
        hits: list[Hit] = []
        for rule in self.rules:
            if rule.regex is None and rule.path is not None:
                hits.extend(self._path_rule(rule, f) for f in frags if rule.path.search(f.path))
        hits = [h for h in hits if h is not None]
        rule_frags = self._rules_to_run(frags)
        joined: tuple[str, list[int]] | None = None
        for rule, idxs in rule_frags:
            if rule.regex is None:
                continue
            if rule.path is not None:
                idxs = [i for i in idxs if rule.path.search(frags[i].path)]
            if not idxs:
                continue
            if len(idxs) >= _BATCH_MIN and len(frags) > 1:
                if joined is None:
                    joined = _join(frags)
                hits.extend(self._scan_joined(rule, frags, set(idxs), joined))
            else:
                for i in idxs:
                    hits.extend(self._scan_fragment(rule, frags[i]))
        if self.decode:
            decoded = [d for f in frags if f.encoding is None for d in decoded_fragments(f)]
            if decoded:
                hits.extend(self._scan_decoded(decoded))
        if self.generic_filter:
            hits = drop_generic_overlaps(hits)
        return hits

    def _scan_decoded(self, decoded: list[Fragment]) -> list[Hit]:
        saved, self.decode = self.decode, False
        stats = self.stats
        try:
            self.stats = ScanStats()
            return self.scan(decoded)
        finally:
            self.decode, self.stats = saved, stats

    def scan_text(self, text: str, path: str = "-", **kw: Any) -> list[Hit]:
        return self.scan([Fragment(text, path, **kw)])

    def _rules_to_run(self, frags: list[Fragment]) -> list[tuple[Rule, list[int]]]:
        """Which fragments each rule must run on. All keywords are found in one Aho-Corasick
        pass per fragment, then mapped to the rules that carry them: each distinct keyword is
        tested once per fragment, never once per rule."""
        everyone = list(range(len(frags)))
        by_rule: dict[str, set[int]] = {}
        for i, frag in enumerate(frags):
            for kw in self._keywords.found(frag.text.lower()):
                for r in self.keyword_rules[kw]:
                    by_rule.setdefault(r.id, set()).add(i)
        out = []
        for rule in self.rules:
            if not rule.keywords:
                out.append((rule, everyone))
            elif rule.id in by_rule:
                out.append((rule, sorted(by_rule[rule.id])))
        return out

    def _scan_fragment(self, rule: Rule, frag: Fragment) -> list[Hit]:
        assert rule.regex is not None
        out = []
        text = frag.text
        for start, end in self._matches(rule, text):
            hit = self._candidate(rule, frag, text, start, end)
            if hit is not None:
                out.append(hit)
        return out

    def _matches(self, rule: Rule, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every match, as `finditer` would give them. Rules built on gitleaks'
        semi-generic template (`[\\w.-]{0,50}?(?:name)...`) are only tried where their name
        occurs: the regex engine would otherwise retry 50 prefix lengths at every position."""
        assert rule.regex is not None
        anchor = self.anchors.get(rule.id)
        if anchor is None:
            for m in rule.regex.finditer(text):
                yield m.start(), m.end()
            return
        anchor_re, reach = anchor
        pos = 0
        for am in anchor_re.finditer(text):
            a = am.start()
            if a < pos:
                continue
            lo = max(pos, a - reach)
            gap = _NOT_WORD_BACK.search(text, lo, a)
            start = gap.end() if gap else lo
            m = rule.regex.match(text, start)
            if m is None or m.end() == m.start():
                continue
            yield m.start(), m.end()
            pos = m.end()

    def _scan_joined(
        self, rule: Rule, frags: list[Fragment], wanted: set[int], joined: tuple[str, list[int]]
    ) -> list[Hit]:
        assert rule.regex is not None
        big, offsets = joined
        out: list[Hit] = []
        redo: set[int] = set()
        for s, e in self._matches(rule, big):
            i = bisect_right(offsets, s) - 1
            end_i = offsets[i] + len(frags[i].text)
            if e > end_i:
                # crossed into the next fragment: decide both on their own
                redo.add(i)
                j = bisect_right(offsets, max(s, e - 1)) - 1
                redo.update(range(i + 1, j + 1))
                continue
            if i not in wanted or i in redo:
                continue
            base = offsets[i]
            hit = self._candidate(rule, frags[i], frags[i].text, s - base, e - base)
            if hit is not None:
                out.append(hit)
        if redo:
            redo &= wanted
            out = [h for h in out if frags.index(h.fragment) not in redo] if redo else out
            for i in sorted(redo):
                out.extend(self._scan_fragment(rule, frags[i]))
        return out

    def _candidate(self, rule: Rule, frag: Fragment, text: str, s: int, e: int) -> Hit | None:
        raw = text[s:e]
        match = raw.strip("\n")
        s += len(raw) - len(raw.lstrip("\n"))
        e = s + len(match)
        secret = match
        assert rule.regex is not None
        if rule.secret_group or rule.regex.groups:
            g = rule.regex.search(match)
            if rule.secret_group:
                if g is None or rule.regex.groups < rule.secret_group:
                    return None
                secret = g.group(rule.secret_group) or ""
            elif g is not None:
                for value in g.groups():
                    if value:
                        secret = value
                        break
        entropy = shannon_entropy(secret)
        if rule.entropy and entropy <= rule.entropy:
            return None
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", e)
        line_text = text[line_start : len(text) if line_end == -1 else line_end]
        if any(mark in line_text for mark in INLINE_ALLOW):
            return None
        for a in self.finding_allowlists:
            if a.target_rules and rule.id not in a.target_rules:
                continue
            if a.allows(secret, match, line_text, frag.path, frag.commit):
                return None
        for a in rule.allowlists:
            if a.allows(secret, match, line_text, frag.path, frag.commit):
                return None
        index = text.count("\n", 0, s)
        return Hit(rule, secret, match, frag, frag.line_number(index), line_text, entropy, s)

    def _path_rule(self, rule: Rule, frag: Fragment) -> Hit | None:
        if any(a.allows("", "", "", frag.path, frag.commit) for a in rule.allowlists):
            return None
        return Hit(rule, "", f"file detected: {frag.path}", frag, frag.line_number(0), "", 0.0)


_NOT_WORD_BACK = regex.compile(r"(?r)[^\w.\-]", regex.ASCII)
_TEMPLATES = (
    ("(?i)[\\w.-]{0,50}?(?:", 50),
    ("[\\w.-]{0,50}?(?i:[\\w.-]{0,50}?(?:", 100),
)


def semi_generic_anchor(pattern: str) -> tuple[regex.Pattern[str], int] | None:
    """For gitleaks' semi-generic template, a regex for the service name it requires and how far
    before the name a match may start; None for any other pattern."""
    for head, reach in _TEMPLATES:
        if not pattern.startswith(head):
            continue
        for i, c, depth in _structure(pattern, len(head), 1):
            if c == ")" and depth == 0:
                if _top_level_alternation(pattern):
                    return None
                try:
                    return compile_go(f"(?i)(?:{pattern[len(head) : i]})"), reach
                except regex.error:
                    return None
    return None


def _structure(pattern: str, start: int = 0, depth: int = 0):
    """(index, char, depth after it) for the regex's structural characters: escapes and
    character classes are stepped over, so `\\(` and `[(|]` never count as groups or branches."""
    i, in_class = start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            depth += (c == "(") - (c == ")")
            yield i, c, depth
        i += 1


_B64_RUN = regex.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/_=-])")


def decoded_fragments(frag: Fragment) -> list[Fragment]:
    """Base64 runs of at least 16 characters whose decoding is readable text (a secret in a
    Kubernetes Secret's data, an .npmrc `_auth`, a CI variable dump), as fragments that keep
    the line of the encoded run."""
    out = []
    for m in _B64_RUN.finditer(frag.text):
        run = m.group(0)
        data = run.rstrip("=")
        data += "=" * (-len(data) % 4)
        try:
            raw = base64.b64decode(data.replace("-", "+").replace("_", "/"), validate=True)
            text = raw.decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            continue
        printable = sum(1 for c in text if c.isprintable() or c in "\n\t")
        if len(text) < 8 or printable < 0.95 * len(text):
            continue
        line = frag.line_number(frag.text.count("\n", 0, m.start()))
        out.append(
            Fragment(
                text,
                frag.path,
                line,
                frag.commit,
                [line] * (text.count("\n") + 1),
                frag.meta,
                encoding="base64",
            )
        )
    return out


def _top_level_alternation(pattern: str) -> bool:
    return any(c == "|" and depth == 0 for _, c, depth in _structure(pattern))


def _join(frags: list[Fragment]) -> tuple[str, list[int]]:
    offsets, pos = [], 0
    for f in frags:
        offsets.append(pos)
        pos += len(f.text) + 1
    return "\n".join(f.text for f in frags), offsets


def drop_generic_overlaps(hits: list[Hit]) -> list[Hit]:
    """Drop a generic rule's hit when a specific rule found a secret containing it on the same
    line of the same fragment (gitleaks' final filter): one leak, one finding, the precise rule."""
    specific: dict[tuple[int, int], list[Hit]] = {}
    for h in hits:
        if not h.rule.generic:
            specific.setdefault((id(h.fragment), h.line), []).append(h)
    if not specific:
        return hits
    out = []
    for h in hits:
        if h.rule.generic:
            others = specific.get((id(h.fragment), h.line), [])
            if any(h.secret in o.secret for o in others):
                continue
        out.append(h)
    return out


def allowlist_summary(a: Allowlist) -> str:
    return a.description or f"{len(a.regexes)} regexes, {len(a.paths)} paths"
