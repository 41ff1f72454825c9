"""JUnit XML for Jenkins, GitLab and any CI that shows test reports.

One <testsuite> per area, plus one per smoke flow (smoke.step findings that carry a `flow`), and
one <testcase> per check and subject (classname = check id, name = subject). fail -> <failure>,
error -> <error>, skipped -> <skipped message>, warn -> a passing case with <system-out>.
Jenkins keeps a single <failure> per case, so several findings on one case are joined into one.
XML 1.0 cannot carry most control characters even escaped; they are replaced, not dropped, so
the reader sees that something was there.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_WORST = {"error": 0, "fail": 1, "warn": 2, "pass": 3, "skipped": 4}


def clean(text: Any) -> str:
    """Text that XML 1.0 can carry: forbidden characters become U+FFFD."""
    return _INVALID_XML.sub("\ufffd", str(text if text is not None else ""))


def suite_of(finding: dict[str, Any]) -> str:
    area = finding.get("area") or finding["id"].split(".", 1)[0]
    if finding["id"] == "smoke.step" and finding.get("flow"):
        return f"smoke.{finding['flow']}"
    return area


def _details(f: dict[str, Any]) -> str:
    lines = [f"{f.get('status', '').upper()} {f.get('severity', '')}: {f.get('title', '')}"]
    if f.get("evidence"):
        lines.append(f"evidence: {f['evidence']}")
    if f.get("fix"):
        lines.append(f"fix: {f['fix']}")
    if f.get("rank") is not None:
        lines.append(f"rank {f['rank']} in the fix order, tier {f.get('tier')}")
    return "\n".join(lines)


def _case(suite: ET.Element, key: tuple[str, str], group: list[dict[str, Any]]) -> str:
    """Add one testcase; return its outcome (the worst status of its findings)."""
    check_id, subject = key
    worst = min((f.get("status", "pass") for f in group), key=lambda s: _WORST.get(s, 3))
    case = ET.SubElement(suite, "testcase", name=clean(subject), classname=clean(check_id))
    durations = [f["duration_ms"] for f in group if isinstance(f.get("duration_ms"), int | float)]
    case.set("time", f"{sum(durations) / 1000:.3f}" if durations else "0")
    by_status = [f for f in group if f.get("status") == worst]
    message = clean("; ".join(dict.fromkeys(f.get("title", "") for f in by_status)))
    text = clean("\n\n".join(_details(f) for f in by_status))
    if worst == "skipped":
        ET.SubElement(case, "skipped", message=message)
    elif worst == "error":
        ET.SubElement(case, "error", message=message, type="error").text = text
    elif worst == "fail":
        severity = by_status[0].get("severity", "")
        ET.SubElement(case, "failure", message=message, type=clean(severity)).text = text
    elif worst == "warn":
        ET.SubElement(case, "system-out").text = text
    return worst


def build(data: dict[str, Any]) -> ET.Element:
    suites: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(dict)
    for f in data.get("findings", []):
        suites[suite_of(f)].setdefault((f["id"], str(f.get("subject", ""))), []).append(f)

    command = data.get("command", "audit")
    root = ET.Element("testsuites", name=clean(f"launchready {command}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for name in sorted(suites):
        suite = ET.SubElement(root, "testsuite", name=clean(name))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for key in sorted(suites[name]):
            outcome = _case(suite, key, suites[name][key])
            counts["tests"] += 1
            counts["failures"] += outcome == "fail"
            counts["errors"] += outcome == "error"
            counts["skipped"] += outcome == "skipped"
        for attr, value in counts.items():
            suite.set(attr, str(value))
            totals[attr] += value
        suite.set("timestamp", clean(data.get("started_at", "")))
        suite.set("time", "0")
    for attr in ("tests", "failures", "errors"):  # the schema has no skipped total at this level
        root.set(attr, str(totals[attr]))
    root.set("time", str(data.get("duration_s", 0)))
    return root


def render(data: dict[str, Any], *, config: Any = None) -> str:
    root = build(data)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
