"""SARIF 2.1.0 for GitHub code scanning.

GitHub rejects results without a physical location (validator GH1001), and an audit's findings
are mostly about URLs, hosts and DNS names, not files. So every result is anchored: to the
finding's own file and line when it has one (a secret, a committed .env), else to the line of
launchready.toml that declares the host the finding is about, else to line 1 of that file. The
URL or subject itself goes in the message and the result's properties. Passes are never
emitted; rule ids are the check ids, which never change between runs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from launchready import __version__
from launchready.report.catalogue import CheckSpec, all_specs

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/launchready/"
FINGERPRINT_KEY = "launchready/v1"
DEFAULT_CONFIG = "launchready.toml"
MAX_RESULTS = 25_000  # GitHub code scanning's limit per run

# GitHub bands: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}
_HOST_PORT = re.compile(r"^\[?([A-Za-z0-9_.:-]+?)\]?(?::\d+)?$")


def level_for(tier: int) -> str:
    """Tiers 0-1 (journey broken, data exposed) error; 2-3 warning; 4 note."""
    return "error" if tier <= 1 else "warning" if tier <= 3 else "note"


def _rule(spec: CheckSpec) -> dict[str, Any]:
    severity = str(spec.severity)
    full = spec.description or spec.title
    return {
        "id": spec.id,
        "name": "".join(part.capitalize() for part in re.split(r"[.\-_]", spec.id)),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full}\n\nFix: {spec.fix}" if spec.fix else full,
            "markdown": f"**{spec.title}**\n\n{full}\n\n**Fix:** {spec.fix}"
            if spec.fix
            else f"**{spec.title}**\n\n{full}",
        },
        "defaultConfiguration": {"level": level_for(spec.tier)},
        "properties": {
            "tags": ["security", spec.area, f"tier-{spec.tier}"],
            "security-severity": SECURITY_SEVERITY.get(severity, "0.0"),
            "problem.severity": {"error": "error", "warning": "warning"}.get(
                level_for(spec.tier), "recommendation"
            ),
            "precision": "high",
        },
    }


def _specs(findings: list[dict[str, Any]]) -> list[CheckSpec]:
    """The catalogue, plus a rule for any reported id the catalogue does not know."""
    specs = {s.id: s for s in all_specs()}
    for f in findings:
        if f["id"] not in specs:
            specs[f["id"]] = CheckSpec(
                f["id"],
                f.get("title") or f["id"],
                f.get("severity", "medium"),
                int(f.get("tier", 3)),
                f.get("fix", ""),
            )
    return sorted(specs.values(), key=lambda s: s.id)


def subject_host(subject: str) -> str | None:
    """The host a subject names: from a URL, host:port, or a DNS name; None for paths/steps."""
    if "://" in subject:
        return (urlsplit(subject).hostname or "").lower() or None
    if " " in subject or "/" in subject:
        return None  # "GET /api", "flow/step", "path:line"
    match = _HOST_PORT.match(subject)
    host = match.group(1).rstrip(".").lower() if match else ""
    if not any(c.isalnum() for c in host) or ("." not in host and ":" not in host):
        return None
    return host


def _repo_relative(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return PurePosixPath(*p.parts[1:]).as_posix() if len(p.parts) > 1 else p.name
    return PurePosixPath(*p.parts).as_posix() if p.parts else p.as_posix()


class Anchors:
    """Where in launchready.toml each host (and each area's section) is declared."""

    def __init__(self, config: Any = None) -> None:
        self.config = config
        self.uri = DEFAULT_CONFIG
        self.hosts: list[tuple[str, int]] = []
        if config is None:
            return
        path = getattr(config, "path", None)
        if path is not None:
            rel = os.path.relpath(Path(path).resolve(), Path.cwd().resolve())
            self.uri = (
                Path(path).name
                if rel.startswith("..")
                else PurePosixPath(*Path(rel).parts).as_posix()
            )
        self._collect()

    def _line(self, *key: str) -> int | None:
        try:
            return self.config.line_of(*key)
        except Exception:  # a config without line data: anchor to line 1
            return None

    def _add(self, host: str | None, *key: str) -> None:
        line = self._line(*key)
        if host and line:
            self.hosts.append((host.rstrip(".").lower(), line))

    def _collect(self) -> None:
        model = getattr(self.config, "model", self.config)
        site = getattr(model, "site", None)
        if site is not None:
            self._add(urlsplit(site.url).hostname, "site", "url")
            for role, host in (site.hosts or {}).items():
                self._add(host, "site", "hosts", role)
            if site.apex:
                self._add(site.apex, "site", "apex")
                self._add(f"www.{site.apex}", "site", "apex")
            self._add(site.origin, "site", "origin")
            if site.login_url:
                self._add(urlsplit(site.login_url).hostname, "site", "login_url")
        dns = getattr(model, "dns", None)
        for name in getattr(dns, "expect", None) or {}:
            self._add(name, "dns", "expect", name)
        email = getattr(model, "email", None)
        if getattr(email, "domain", None):
            self._add(email.domain, "email", "domain")

    def line_for(self, finding: dict[str, Any]) -> int:
        host = subject_host(str(finding.get("subject", "")))
        if host:
            exact = [line for h, line in self.hosts if h == host]
            if exact:
                return exact[0]
            parents = [(len(h), line) for h, line in self.hosts if host.endswith("." + h)]
            if parents:
                return max(parents)[1]  # the closest declared parent name
        if self.config is not None:
            line = self._line(finding.get("area") or finding["id"].split(".", 1)[0])
            if line:
                return line
        return 1


def _location(finding: dict[str, Any], anchors: Anchors) -> dict[str, Any]:
    loc = finding.get("location")
    if loc and loc.get("path"):
        uri, line = _repo_relative(str(loc["path"])), max(1, int(loc.get("line") or 1))
    else:
        uri, line = anchors.uri, anchors.line_for(finding)
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": {"startLine": line},
        }
    }


def _message(f: dict[str, Any]) -> str:
    text = f"{f.get('title') or f['id']} ({f.get('subject', '')})"
    if f.get("evidence"):
        text += f". Evidence: {f['evidence']}"
    if f.get("fix"):
        text += f". Fix: {f['fix']}"
    return text


def _result(f: dict[str, Any], index: dict[str, int], anchors: Anchors) -> dict[str, Any]:
    props = {
        "subject": f.get("subject", ""),
        "status": f.get("status"),
        "severity": f.get("severity"),
        "tier": f.get("tier"),
        "rank": f.get("rank"),
    }
    if "://" in str(f.get("subject", "")):
        props["url"] = f["subject"]
    return {
        "ruleId": f["id"],
        "ruleIndex": index[f["id"]],
        "level": level_for(int(f.get("tier", 3))),
        "message": {"text": _message(f)},
        "locations": [_location(f, anchors)],
        "partialFingerprints": {FINGERPRINT_KEY: str(f.get("fingerprint", ""))},
        "properties": {k: v for k, v in props.items() if v is not None},
    }


def build(data: dict[str, Any], *, config: Any = None) -> dict[str, Any]:
    findings = data.get("findings", [])
    specs = _specs(findings)
    index = {s.id: i for i, s in enumerate(specs)}
    anchors = Anchors(config)
    problems = [f for f in findings if f.get("status") in ("fail", "warn")]
    problems.sort(key=lambda f: (f.get("rank") is None, f.get("rank") or 0))
    dropped = max(0, len(problems) - MAX_RESULTS)
    problems = problems[:MAX_RESULTS]  # GitHub rejects a run with more; keep the top of the list
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "launchready",
                "version": str((data.get("tool") or {}).get("version") or __version__),
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(s) for s in specs],
            }
        },
        "automationDetails": {"id": f"launchready/{data.get('command', 'audit')}/"},
        "results": [_result(f, index, anchors) for f in problems],
        "properties": {
            "target": data.get("target", ""),
            "score": data.get("score"),
            "grade": data.get("grade"),
            "gate": data.get("gate"),
            "results_dropped": dropped,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(data: dict[str, Any], *, config: Any = None) -> str:
    import json

    return json.dumps(build(data, config=config), indent=2, ensure_ascii=False) + "\n"
