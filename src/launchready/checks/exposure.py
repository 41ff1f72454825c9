"""`exposure.*`: sensitive files and debug pages proven by their content, not by a 200.

Judges the probes the collector sent (catalogue in data/web/exposure_paths.json, debug
signatures in data/web/debug_signatures.json). A proof is dropped when the response looks like
the site's answer to a random path (soft-404 baseline) or is HTML where the file type is not.
One finding per path family, with a redacted snippet. Pure.
"""

from __future__ import annotations

from typing import Any

from launchready.report.catalogue import check
from launchready.report.model import Finding, Status
from launchready.web.exposure import (
    debug_signatures,
    family,
    like_baseline,
    looks_html,
    remember_secrets,
    shape,
)
from launchready.web.observations import ExposureObservation

FILE = check(
    "exposure.file",
    "A sensitive file is served",
    "critical",
    1,
    "Remove the file from the web root (or deny the path at the server/edge), then rotate every "
    "secret it contained: it must be assumed copied.",
)
DEBUG = check(
    "exposure.debug",
    "A debug page or stack trace is served",
    "high",
    1,
    "Turn debug mode off in production (Django DEBUG=False, Flask debug=False, "
    "APP_DEBUG=false, NODE_ENV=production, ASP.NET customErrors On) and serve a generic error "
    "page.",
)


def judge(obs: ExposureObservation, cfg: Any = None) -> list[Finding]:
    subject = obs.base_url
    if obs.error:
        return [FILE.error(subject, obs.error), DEBUG.error(subject, obs.error)]
    baseline = [shape(b) for b in obs.baseline if b.ok]
    files: dict[str, Finding] = {}
    debug: dict[str, Finding] = {}
    for probe in obs.probes:
        ex = probe.exchange
        if not ex.ok or ex.status not in (200, 206):
            continue
        fam = family(probe.family)
        if fam.not_html and looks_html(ex):
            continue  # a blog page quoting `.env`, an HTML catch-all
        if like_baseline(ex, baseline):
            continue  # the site answers this way to any path
        evidence = fam.proof.match(ex.body, ex.text)
        if evidence is None:
            continue
        if not fam.proof.magic:
            remember_secrets(ex.text)
        target = files if fam.check == "file" else debug
        spec = FILE if fam.check == "file" else DEBUG
        if fam.title in target:
            target[fam.title].extra["paths"].append(probe.path)
            continue
        target[fam.title] = spec.finding(
            Status.FAIL,
            ex.url,
            f"{fam.title} is served at {probe.path}",
            evidence=f"{ex.status} {ex.content_type or '-'}: {evidence}",
            severity=fam.severity,
            fingerprint_key=f"{subject}\0{fam.title}",
            family=fam.id,
            paths=[probe.path],
        )
    for ex in obs.debug_probes:
        if not ex.ok:
            continue
        for sig in debug_signatures():
            evidence = sig.match(ex)
            if evidence is None:
                continue
            key = f"sig:{sig.framework}"
            if key not in debug and not any(
                f.extra.get("framework") == sig.framework for f in debug.values()
            ):
                debug[key] = DEBUG.finding(
                    Status.FAIL,
                    ex.url,
                    f"{sig.framework} debug detail is served",
                    evidence=f"{ex.status}: {evidence}",
                    severity=sig.severity,
                    fingerprint_key=f"{subject}\0{sig.framework}",
                    framework=sig.framework,
                )
            break
    out = list(files.values()) or [
        FILE.passed(
            subject, "No sensitive file is served", probes=len(obs.probes), baseline=len(baseline)
        )
    ]
    out += list(debug.values()) or [
        DEBUG.passed(
            subject, "No debug page or stack trace is served", probes=len(obs.debug_probes)
        )
    ]
    return out


def judge_hosts(observations: list[ExposureObservation], cfg: Any = None) -> list[Finding]:
    """The area's judge: one scan per probed origin."""
    return [f for obs in observations for f in judge(obs, cfg)]
