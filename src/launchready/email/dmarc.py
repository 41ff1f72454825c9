"""DMARC records read two ways: RFC 7489 and RFC 9989 (DMARCbis, 2026).

Why both: receivers in the field still run RFC 7489 logic while DMARCbis changes discovery (a DNS
tree walk instead of the Public Suffix List), makes a missing `p=` mean `none`, and drops `pct`,
`rf` and `ri`. A record can be valid under one and not the other; the audit says which RFC
produced each verdict and where the readings differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

POLICIES = ("none", "quarantine", "reject")
RFC7489 = "RFC 7489"
RFC9989 = "RFC 9989"
REMOVED_IN_BIS = ("pct", "rf", "ri")
KNOWN_7489 = ("v", "p", "sp", "adkim", "aspf", "pct", "rf", "ri", "rua", "ruf", "fo")
KNOWN_9989 = ("v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "fo", "psd", "t")
# The tag name is case-insensitive (ABNF string); the value DMARC1 is exact (%x44 %x4d ...).
_DMARC_PREFIX = re.compile(r"^[vV]\s*=\s*DMARC1\s*(;|$)")


def is_dmarc_record(text: str) -> bool:
    """RFC 7489 §6.6.3 / RFC 9989: records not starting with v=DMARC1 are discarded."""
    return bool(_DMARC_PREFIX.match(text))


@dataclass(frozen=True)
class DmarcTags:
    """The tag list as published: order kept, names lower-cased, values as given."""

    pairs: tuple[tuple[str, str], ...]
    errors: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.pairs if k == name), None)

    @property
    def names(self) -> list[str]:
        return [k for k, _ in self.pairs]


def parse_tags(text: str) -> DmarcTags:
    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, eq, value = part.partition("=")
        name = name.strip().lower()
        if not eq or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            errors.append(f"malformed tag {part!r}")
            continue
        if any(k == name for k, _ in pairs):
            errors.append(f"duplicate tag {name!r}")
        pairs.append((name, value.strip()))
    return DmarcTags(tuple(pairs), tuple(errors))


@dataclass
class DmarcReading:
    """One RFC's reading of one record."""

    rfc: str
    valid: bool
    policy: str | None = None  # effective p after t=y (bis) downgrades
    subdomain_policy: str | None = None
    np_policy: str | None = None  # bis: non-existent subdomains
    adkim: str = "r"
    aspf: str = "r"
    rua: tuple[str, ...] = ()
    testing: bool = False
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.valid:
            return f"{self.rfc}: invalid ({'; '.join(self.errors)})"
        parts = [f"p={self.policy}", f"sp={self.subdomain_policy}"]
        if self.rfc == RFC9989:
            parts.append(f"np={self.np_policy}")
        parts += [f"adkim={self.adkim}", f"aspf={self.aspf}"]
        return f"{self.rfc}: " + " ".join(parts)


def _uris(value: str | None, errors: list[str], bis: bool, warnings: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    out = []
    for uri in (u.strip() for u in value.split(",")):
        if not uri:
            continue
        if not uri.lower().startswith("mailto:"):
            errors.append(f"report URI {uri!r} is not mailto:")
            continue
        if "!" in uri and bis:
            warnings.append(f"the size limit on {uri!r} was removed in DMARCbis")
        out.append(uri.split("!", 1)[0])
    return tuple(out)


def _alignment(tags: DmarcTags, name: str, errors: list[str]) -> str:
    value = (tags.get(name) or "r").lower()
    if value not in ("r", "s"):
        errors.append(f"{name}={value!r} is not r or s")
        return "r"
    return value


def _policy(value: str | None) -> str | None:
    return value.lower() if value is not None and value.lower() in POLICIES else None


def read_7489(text: str) -> DmarcReading:
    tags = parse_tags(text)
    out = DmarcReading(RFC7489, valid=True)
    errors, warnings = out.errors, out.warnings
    errors.extend(tags.errors)
    names = tags.names
    if not names or names[0] != "v":
        errors.append("v=DMARC1 must be the first tag")
    if "p" in names and (len(names) < 2 or names[1] != "p"):
        errors.append("p= must be the second tag (RFC 7489 §6.4)")
    p = tags.get("p")
    out.policy = _policy(p)
    out.adkim = _alignment(tags, "adkim", errors)
    out.aspf = _alignment(tags, "aspf", errors)
    out.rua = _uris(tags.get("rua"), errors, False, warnings)
    if p is None or out.policy is None:
        # §6.6.3: an invalid or missing p= with a valid rua is treated as p=none.
        if out.rua:
            warnings.append("p= missing or invalid; treated as none because rua= is valid")
            out.policy = "none"
        else:
            errors.append("p= is missing" if p is None else f"p={p!r} is not a policy")
    sp = tags.get("sp")
    if sp is not None and _policy(sp) is None:
        errors.append(f"sp={sp!r} is not a policy")
    out.subdomain_policy = _policy(sp) or out.policy
    pct = tags.get("pct")
    if pct is not None and not (pct.isdigit() and 0 <= int(pct) <= 100):
        errors.append(f"pct={pct!r} is not 0-100")
    elif pct is not None and int(pct) < 100:
        warnings.append(f"pct={pct}: the policy applies to part of the mail only")
    for name in names:
        if name not in KNOWN_7489:
            warnings.append(f"unknown tag {name!r} ignored")
    out.valid = not errors
    return out


def read_9989(text: str) -> DmarcReading:
    tags = parse_tags(text)
    out = DmarcReading(RFC9989, valid=True)
    errors, warnings = out.errors, out.warnings
    errors.extend(tags.errors)
    names = tags.names
    if not names or names[0] != "v":
        errors.append("v=DMARC1 must be the first tag")
    p = tags.get("p")
    if p is not None and _policy(p) is None:
        errors.append(f"p={p!r} is not a policy")
    policy = _policy(p) or ("none" if p is None else None)
    if p is None:
        warnings.append("no p= tag: DMARCbis reads that as p=none")
    sp = tags.get("sp")
    if sp is not None and _policy(sp) is None:
        errors.append(f"sp={sp!r} is not a policy")
    np = tags.get("np")
    if np is not None and _policy(np) is None:
        errors.append(f"np={np!r} is not a policy")
    t = (tags.get("t") or "n").lower()
    if t not in ("y", "n"):
        errors.append(f"t={t!r} is not y or n")
    psd = (tags.get("psd") or "u").lower()
    if psd not in ("y", "n", "u"):
        errors.append(f"psd={psd!r} is not y, n or u")
    out.testing = t == "y"
    sub = _policy(sp) or policy
    out.policy = _downgrade(policy) if out.testing else policy
    out.subdomain_policy = _downgrade(sub) if out.testing else sub
    nonexistent = _policy(np) or sub
    out.np_policy = _downgrade(nonexistent) if out.testing else nonexistent
    if out.testing:
        warnings.append("t=y: test mode, the policy is applied one step weaker")
    out.adkim = _alignment(tags, "adkim", errors)
    out.aspf = _alignment(tags, "aspf", errors)
    out.rua = _uris(tags.get("rua"), errors, True, warnings)
    for name in names:
        if name in REMOVED_IN_BIS:
            warnings.append(f"{name}= was removed in DMARCbis and is ignored")
        elif name not in KNOWN_9989:
            warnings.append(f"unknown tag {name!r} ignored")
    out.valid = not errors
    return out


def report_destinations(text: str) -> list[str]:
    """Domains of the mailto: rua/ruf addresses of a record (for the consent check)."""
    tags = parse_tags(text)
    out = []
    for name in ("rua", "ruf"):
        for uri in (tags.get(name) or "").split(","):
            uri = uri.strip().split("!", 1)[0]
            if uri.lower().startswith("mailto:") and "@" in uri:
                out.append(uri.rpartition("@")[2].rstrip(".").lower())
    return list(dict.fromkeys(out))


def _downgrade(policy: str | None) -> str | None:
    return {"reject": "quarantine", "quarantine": "none"}.get(policy or "", policy)


def differences(a: DmarcReading, b: DmarcReading) -> list[str]:
    """Where the two readings disagree, in words."""
    out = []
    if a.valid != b.valid:
        out.append(
            f"{a.rfc} says {'valid' if a.valid else 'invalid'}, "
            f"{b.rfc} says {'valid' if b.valid else 'invalid'}"
        )
    if a.valid and b.valid:
        for attr, label in (("policy", "p"), ("subdomain_policy", "sp")):
            x, y = getattr(a, attr), getattr(b, attr)
            if x != y:
                out.append(f"{label}: {a.rfc} applies {x}, {b.rfc} applies {y}")
    return out


# -- organizational domain and discovery ------------------------------------------------------
@lru_cache(maxsize=1)
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def org_domain(domain: str) -> str:
    """RFC 7489 §3.2: the registrable domain by the Public Suffix List (offline copy)."""
    domain = domain.rstrip(".").lower()
    return _psl().privatesuffix(domain) or domain


def tree_walk_names(domain: str, limit: int = 8) -> list[str]:
    """RFC 9989 §4.10: the names to query, most specific first, at most `limit` queries:
    the domain itself, then (after jumping to 7 labels for long names) one label shorter each
    step, down to the top-level domain."""
    labels = domain.rstrip(".").lower().split(".")
    names = [".".join(labels)]
    if len(labels) > limit - 1:
        labels = labels[-(limit - 1) :]
        names.append(".".join(labels))
    while len(labels) > 1:
        labels = labels[1:]
        names.append(".".join(labels))
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen[:limit]


def aligned(mode: str, author_domain: str, other_domain: str) -> bool:
    """Identifier alignment: strict needs equal names; relaxed equal organizational domains."""
    a, b = author_domain.rstrip(".").lower(), other_domain.rstrip(".").lower()
    if not a or not b:
        return False
    if mode == "s":
        return a == b
    return org_domain(a) == org_domain(b)
