"""`cors.*`: what crafted `Origin` probes reveal about a host's CORS policy.

Probe kinds (Corsy/CORScanner's classes): `arbitrary` (a random foreign origin), `null`,
`prefix` (https://portal.example.com.evil.test), `suffix` (https://evilportal.example.com-like
look-alikes), `unescaped-dot`, `http-twin` (http:// of the site), `sibling` (another subdomain
of the registered domain). Severity depends on `Access-Control-Allow-Credentials: true`: without
it a browser never sends the victim's cookies, so only public data can be read (nuclei's rule,
which removes most false positives). Pure: judges recorded probes.
"""

from __future__ import annotations

from typing import Any

from launchready.report.catalogue import check
from launchready.report.model import Finding, Status
from launchready.web.observations import CorsObservation, CorsProbe

ORIGIN_REFLECTED = check(
    "cors.origin-reflected",
    "Any Origin is trusted by CORS",
    "critical",
    1,
    "Allow only a fixed list of origins in Access-Control-Allow-Origin; never echo the request's "
    "Origin, and never with Access-Control-Allow-Credentials: true.",
)
NULL_ORIGIN = check(
    "cors.null-origin",
    "Origin: null is trusted by CORS",
    "high",
    1,
    "Remove `null` from the allowed origins: sandboxed iframes and data: URLs send it.",
)
WILDCARD_CREDENTIALS = check(
    "cors.wildcard-credentials",
    "CORS trusts a wildcard or a look-alike origin",
    "high",
    1,
    "Match allowed origins exactly (scheme, host and port), not by prefix, suffix or regex "
    "without anchors and escaped dots; do not send credentials with `*`.",
)
VARY_MISSING = check(
    "cors.vary-missing",
    "CORS answer varies by Origin without `Vary: Origin`",
    "low",
    3,
    "Send `Vary: Origin` whenever Access-Control-Allow-Origin depends on the request's Origin, "
    "so shared caches do not serve one origin's answer to another.",
)

_PASS_TITLES = {
    "cors.origin-reflected": "An arbitrary Origin is not trusted",
    "cors.null-origin": "Origin: null is not trusted",
    "cors.wildcard-credentials": "No look-alike origin or credentialed wildcard is trusted",
}
PREFLIGHT_PERMISSIVE = check(
    "cors.preflight-permissive",
    "CORS preflight grants writes or any header to a foreign origin",
    "medium",
    3,
    "Answer preflights only for your own origins; list the methods and headers you need "
    "instead of echoing them, never `*` with credentials; keep Access-Control-Max-Age short.",
)
_WRITE_METHODS = {"PUT", "DELETE", "PATCH"}
_MAX_AGE_LIMIT = 86400

LOOKALIKE_KINDS = {"prefix", "suffix", "substring", "unescaped-dot", "special-char"}
WEAKER_KINDS = {"http-twin": "medium", "sibling": "medium"}


def _acao(probe: CorsProbe) -> str | None:
    value = probe.exchange.header("access-control-allow-origin")
    return value.strip() if value is not None else None


def _credentials(probe: CorsProbe) -> bool:
    return (probe.exchange.header("access-control-allow-credentials") or "").strip().lower() == (
        "true"
    )


def _evidence(probe: CorsProbe) -> str:
    ex = probe.exchange
    parts = [
        f"{'OPTIONS' if probe.preflight else ex.method} {probe.url} Origin: {probe.origin}",
        f"-> {ex.status} Access-Control-Allow-Origin: {_acao(probe)}",
    ]
    if _credentials(probe):
        parts.append("Access-Control-Allow-Credentials: true")
    return " ".join(parts)


def judge(obs: CorsObservation, cfg: Any = None) -> list[Finding]:
    specs = (
        ORIGIN_REFLECTED,
        NULL_ORIGIN,
        WILDCARD_CREDENTIALS,
        VARY_MISSING,
        PREFLIGHT_PERMISSIVE,
    )
    targets = obs.targets or tuple(dict.fromkeys(p.url for p in obs.probes))
    if obs.error:
        return [spec.error(t, obs.error) for t in targets or ("cors",) for spec in specs]
    if not targets:
        return [spec.skipped("cors", "no URL to probe") for spec in specs]
    out: list[Finding] = []
    for url in targets:
        probes = [p for p in obs.probes if p.url == url]
        answered = [p for p in probes if p.exchange.ok]
        if not answered:
            why = next((p.exchange.error for p in probes if p.exchange.error), "no probe answered")
            out += [spec.error(url, why) for spec in specs]
            continue
        out += _judge_target(url, answered)
    return out


def _worst(candidates: list[tuple[int, Finding]]) -> Finding | None:
    return min(candidates, key=lambda c: (c[1].severity.order, c[0]))[1] if candidates else None


def _judge_target(url: str, probes: list[CorsProbe]) -> list[Finding]:
    reflected: list[tuple[int, Finding]] = []
    null: list[tuple[int, Finding]] = []
    wildcard: list[tuple[int, Finding]] = []
    vary_missing: list[CorsProbe] = []
    for p in probes:
        acao = _acao(p)
        if not acao:
            continue
        creds = _credentials(p)
        echoed = acao == p.origin
        if echoed and p.origin != "null":
            vary = (p.exchange.header("vary") or "").lower()
            if "origin" not in [v.strip() for v in vary.split(",")] and vary.strip() != "*":
                vary_missing.append(p)
        fields = {
            "origin": p.origin,
            "kind": p.kind,
            "credentials": creds,
            "status_code": p.exchange.status,
            "preflight": p.preflight,
        }
        rank = 0 if creds else 1
        if p.kind == "arbitrary" and echoed:
            reflected.append(
                (
                    rank,
                    ORIGIN_REFLECTED.finding(
                        Status.FAIL,
                        url,
                        "Any Origin is trusted"
                        + (" with credentials" if creds else " (no credentials)"),
                        evidence=_evidence(p),
                        severity="critical" if creds else "low",
                        **fields,
                    ),
                )
            )
        elif p.kind == "null" and acao.lower() == "null":
            null.append(
                (
                    rank,
                    NULL_ORIGIN.finding(
                        Status.FAIL,
                        url,
                        "Origin: null is trusted" + (" with credentials" if creds else ""),
                        evidence=_evidence(p),
                        severity="high" if creds else "low",
                        **fields,
                    ),
                )
            )
        elif echoed and (p.kind in LOOKALIKE_KINDS or p.kind in WEAKER_KINDS):
            if p.kind in LOOKALIKE_KINDS:
                sev = "high" if creds else "low"
                title = f"Look-alike origin {p.origin} is trusted ({p.kind} match)"
            else:
                sev = WEAKER_KINDS[p.kind] if creds else "low"
                title = (
                    f"The plain-HTTP twin {p.origin} is trusted"
                    if p.kind == "http-twin"
                    else f"Sibling subdomain {p.origin} is trusted"
                )
            wildcard.append(
                (
                    rank,
                    WILDCARD_CREDENTIALS.finding(
                        Status.FAIL, url, title, evidence=_evidence(p), severity=sev, **fields
                    ),
                )
            )
        elif acao == "*" and creds:
            # Browsers refuse this combination (so it leaks nothing), but it shows the server
            # meant to share credentialed answers with everyone.
            wildcard.append(
                (
                    2,
                    WILDCARD_CREDENTIALS.finding(
                        Status.FAIL,
                        url,
                        "`*` sent together with credentials",
                        evidence=_evidence(p),
                        severity="medium",
                        **fields,
                    ),
                )
            )
    out = []
    for spec, found in (
        (ORIGIN_REFLECTED, reflected),
        (NULL_ORIGIN, null),
        (WILDCARD_CREDENTIALS, wildcard),
    ):
        worst = _worst(found)
        out.append(
            worst
            if worst is not None
            else spec.passed(url, _PASS_TITLES[spec.id], probes=len(probes))
        )
    out.append(_preflight(url, [p for p in probes if p.preflight]))
    if vary_missing:
        p = vary_missing[0]
        out.append(
            VARY_MISSING.finding(
                Status.WARN,
                url,
                evidence=_evidence(p) + f"; Vary: {p.exchange.header('vary')}",
                origin=p.origin,
            )
        )
    else:
        out.append(VARY_MISSING.passed(url, "Origin-dependent CORS answers carry Vary: Origin"))
    return out


def _preflight(url: str, probes: list[CorsProbe]) -> Finding:
    """A preflight from a foreign origin that is granted writes, any header, or a long cache."""
    issues = []
    for p in probes:
        acao = _acao(p)
        if not acao or (acao != p.origin and acao != "*"):
            continue
        methods = {
            m.strip().upper()
            for m in (p.exchange.header("access-control-allow-methods") or "").split(",")
        }
        headers = (p.exchange.header("access-control-allow-headers") or "").strip()
        if methods & _WRITE_METHODS or "*" in methods:
            issues.append(
                f"allows {', '.join(sorted(methods & (_WRITE_METHODS | {'*'})))} for {p.origin}"
            )
        if headers == "*" and _credentials(p):
            issues.append("Allow-Headers: * with credentials")
        max_age = (p.exchange.header("access-control-max-age") or "").strip()
        if max_age.isdigit() and int(max_age) > _MAX_AGE_LIMIT:
            issues.append(f"Max-Age {max_age} s (over a day)")
    if not issues:
        return PREFLIGHT_PERMISSIVE.passed(
            url, "Preflights grant nothing to foreign origins", preflights=len(probes)
        )
    return PREFLIGHT_PERMISSIVE.finding(Status.WARN, url, evidence="; ".join(issues), issues=issues)
