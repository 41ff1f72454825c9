"""The exposure catalogue (data) and the proof matcher.

A 200 proves nothing: many sites answer 200 to every path. A probe counts only when its body
carries the file type's proof signature, it is not HTML when the file type is not HTML, and it
does not look like the answer to a random path (the soft-404 baseline). Shared by the collector
(which paths to request) and the judge (what the answers prove).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from launchready.net.types import HttpExchange
from launchready.redact import MASK, REDACTOR, SENSITIVE_NAME


@dataclass(frozen=True, slots=True)
class Proof:
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    regex: str | None = None
    magic: tuple[str, ...] = ()  # "HEX" at offset 0, or "HEX@OFFSET"

    def match(self, body: bytes, text: str) -> str | None:
        """The evidence that matched, or None."""
        if self.magic:
            head = body[:600]
            for spec in self.magic:
                hexpart, _, offset = spec.partition("@")
                start = int(offset or 0)
                want = bytes.fromhex(hexpart)
                if head[start : start + len(want)] == want:
                    return f"magic bytes {hexpart.upper()} at offset {start}"
            return None
        if not all(s in text for s in self.all):
            return None
        if self.any and not any(s in text for s in self.any):
            return None
        hit = None
        if self.regex:
            m = re.search(self.regex, text, re.MULTILINE)
            if not m:
                return None
            hit = m
        needle = hit.group(0) if hit else next(iter(self.all or self.any), "")
        return _line_around(text, needle)


@dataclass(frozen=True, slots=True)
class Family:
    id: str
    title: str
    severity: str
    paths: tuple[str, ...]
    proof: Proof
    not_html: bool = False
    check: str = "file"  # "file" -> exposure.file, "debug" -> exposure.debug
    range: str | None = None


@dataclass(frozen=True, slots=True)
class DebugSignature:
    framework: str
    severity: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    regex: str | None = None
    header: str | None = None

    def match(self, exchange: HttpExchange) -> str | None:
        if self.header:
            value = exchange.header(self.header)
            return f"{self.header}: {value}" if value else None
        text = exchange.text
        if not (self.all or self.any or self.regex):
            return None
        if not all(s in text for s in self.all):
            return None
        if self.any and not any(s in text for s in self.any):
            return None
        needle = next(iter(self.all), None) or next((s for s in self.any if s in text), None)
        if self.regex:
            m = re.search(self.regex, text)
            if not m:
                return None
            needle = m.group(0)
        return _line_around(text, needle or "")


def _data(name: str) -> dict:
    return json.loads(resources.files("launchready.data.web").joinpath(name).read_text())


@cache
def families() -> tuple[Family, ...]:
    out = []
    for raw in _data("exposure_paths.json")["families"]:
        p = raw["proof"]
        proof = Proof(
            tuple(p.get("all", ())),
            tuple(p.get("any", ())),
            p.get("regex"),
            tuple(p.get("magic", ())),
        )
        out.append(
            Family(
                raw["id"],
                raw["title"],
                raw["severity"],
                tuple(raw["paths"]),
                proof,
                bool(raw.get("not_html")),
                raw.get("check", "file"),
                raw.get("range"),
            )
        )
    return tuple(out)


def family(family_id: str) -> Family:
    return next(f for f in families() if f.id == family_id)


@cache
def debug_signatures() -> tuple[DebugSignature, ...]:
    return tuple(
        DebugSignature(
            s["framework"],
            s["severity"],
            tuple(s.get("all", ())),
            tuple(s.get("any", ())),
            s.get("regex"),
            s.get("header"),
        )
        for s in _data("debug_signatures.json")["signatures"]
    )


def expand(path: str, host: str) -> str:
    """`{host}` -> portal.example.com, `{name}` -> portal (backup files named after the site)."""
    return path.replace("{host}", host).replace("{name}", host.split(".")[0])


def looks_html(exchange: HttpExchange) -> bool:
    head = exchange.body[:2048].lower()
    return exchange.content_type in ("text/html", "application/xhtml+xml") or (
        b"<html" in head or b"<body" in head or b"<!doctype html" in head
    )


_SECRETISH = re.compile(r"([=:]\s*)(\S{4,})")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([\w.-]+)\s*[=:]\s*[\"']?([^\s\"'#]+)", re.MULTILINE)
_MIN_SECRET = 8  # shorter values ("true", "portal", "production") are words, not secrets


def _line_around(text: str, needle: str) -> str:
    """The line holding the proof, with every value after `=`/`:` masked in the snippet."""
    idx = text.find(needle) if needle else 0
    idx = max(idx, 0)
    start = text.rfind("\n", 0, idx) + 1
    end = text.find("\n", idx)
    line = text[start : end if end != -1 else len(text)].strip()[:160]
    return _SECRETISH.sub(lambda m: m.group(1) + MASK, line)


def remember_secrets(text: str) -> int:
    """Register the secret values of a leaked config file with the redactor, so no report can
    quote them later. Only values of secret-named keys (or URLs carrying credentials), and
    only long ones: registering "true" or a host name would mask it in every report."""
    count = 0
    for key, value in _ASSIGNMENT.findall(text[:20000]):
        secret_key = SENSITIVE_NAME.search(key) or ("://" in value and "@" in value)
        if secret_key and len(value) >= _MIN_SECRET:
            REDACTOR.add(value)
            count += 1
    return count


# ---- the soft-404 baseline ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shape:
    status: int | None
    content_type: str
    length: int
    digest: str
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def shape(exchange: HttpExchange) -> Shape:
    """Status, type, length and a normalised body hash: the requested path (which error pages
    echo), digits (request ids, timestamps) and whitespace are removed before hashing."""
    text = exchange.text
    path = exchange.url.split("://", 1)[-1].partition("/")[2]
    for token in {path, "/" + path, path.rsplit("/", 1)[-1]}:
        if len(token) > 1:
            text = text.replace(token, "")
    text = re.sub(r"\d+", "0", text)
    text = re.sub(r"\s+", " ", text).strip()
    return Shape(
        exchange.status,
        exchange.content_type,
        len(exchange.body),
        hashlib.sha256(text.encode()).hexdigest(),
    )


def like_baseline(exchange: HttpExchange, baseline: list[Shape]) -> bool:
    s = shape(exchange)
    for b in baseline:
        if s.status != b.status:
            continue
        if s.digest == b.digest:
            return True
        if (
            s.content_type == b.content_type
            and b.length
            and abs(s.length - b.length) <= max(16, b.length * 0.02)
        ):
            return True
    return False
