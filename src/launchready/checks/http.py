"""Redirects and the canonical URL, judged from recorded redirect chains. Pure."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from launchready.checks.neterrors import public_error
from launchready.config import Config
from launchready.net import RedirectChain
from launchready.net.redirects import normalize_url
from launchready.observe.transport import PublicHost, TransportObservations, variant_urls
from launchready.report import Finding, check

UNREACHABLE = check(
    "http.unreachable",
    "A declared host answers neither HTTP nor HTTPS",
    "high",
    0,
    "Check that the host's server is running and that ports 80 and 443 are open to the internet "
    "(firewall, security group, platform port mapping).",
)
NO_REDIRECT = check(
    "http.https.no-redirect",
    "http:// does not redirect to https://",
    "high",
    1,
    "Redirect every http:// request to the same URL on https:// with a 301 or 308 "
    "(e.g. Django SECURE_SSL_REDIRECT, nginx `return 301 https://$host$request_uri`).",
)
LOOP = check(
    "http.redirect.loop",
    "A redirect chain loops",
    "critical",
    0,
    "Fix the redirect rules so each variant ends on the canonical URL; loops usually come from "
    "an app redirecting to https while a proxy in front talks http to it (trust "
    "X-Forwarded-Proto, e.g. Django SECURE_PROXY_SSL_HEADER).",
)
CHAIN = check(
    "http.redirect.chain",
    "More than 2 redirects to the canonical URL",
    "low",
    4,
    "Redirect each variant straight to the canonical URL in one hop.",
)
CANONICAL_SPLIT = check(
    "http.canonical.split",
    "A variant serves content instead of redirecting to the canonical URL",
    "medium",
    3,
    "Redirect every apex/www/scheme variant to the canonical URL with a 301, so users, cookies "
    "and search engines see one site.",
)


MIXED_CONTENT = check(
    "http.mixed-content",
    "An HTTPS page loads http:// subresources",
    "high",
    1,
    "Load every script, style, frame, image and form target over https:// (or a relative URL); "
    "add `Content-Security-Policy: upgrade-insecure-requests` as a safety net.",
)

# (selector, attribute, kind). Active content can rewrite the page: browsers block it and an
# attacker on the path can replace it. Passive content and forms leak or get tampered with.
_SUBRESOURCES = (
    ("script[src]", "src", "active", "script"),
    ("link[href]", "href", "link", "stylesheet"),
    ("iframe[src]", "src", "active", "iframe"),
    ("frame[src]", "src", "active", "frame"),
    ("object[data]", "data", "active", "object"),
    ("embed[src]", "src", "active", "embed"),
    ("img[src]", "src", "passive", "image"),
    ("audio[src]", "src", "passive", "audio"),
    ("video[src]", "src", "passive", "video"),
    ("source[src]", "src", "passive", "media source"),
    ("form[action]", "action", "passive", "form action"),
)
_LINK_ACTIVE = {"stylesheet", "preload", "modulepreload", "import"}
_LINK_PASSIVE = {"icon", "shortcut icon", "apple-touch-icon"}


def insecure_subresources(html: str, page_url: str) -> list[tuple[str, str, str]]:
    """(kind, what, url) for every http:// subresource of an https page."""
    tree = HTMLParser(html)
    base = page_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(page_url, (base_node.attributes.get("href") or "").strip())
    found: list[tuple[str, str, str]] = []
    for selector, attribute, kind, what in _SUBRESOURCES:
        for node in tree.css(selector):
            value = (node.attributes.get(attribute) or "").strip()
            if not value:
                continue
            url = urljoin(base, value)
            if urlsplit(url).scheme.lower() != "http":
                continue
            if kind == "link":
                rel = (node.attributes.get("rel") or "").lower().strip()
                if rel in _LINK_ACTIVE:
                    found.append(("active", rel, url))
                elif rel in _LINK_PASSIVE:
                    found.append(("passive", rel, url))
                continue
            found.append((kind, what, url))
    return found


def canonical_page(obs: TransportObservations, cfg: Config):
    """The final answer of the canonical URL's redirect chain, when it is an HTTPS page."""
    canonical = normalize_url(cfg.site.url)
    chain = obs.chains.get(canonical)
    if chain is None:
        host = obs.host(cfg.site.host)
        if host is not None:
            chain = obs.chains.get(variant_urls(cfg, host)[1])
    if chain is None or not chain.complete:
        return None
    return chain.final


def judge_mixed_content(obs: TransportObservations, cfg: Config) -> list[Finding]:
    page = canonical_page(obs, cfg)
    subject = normalize_url(cfg.site.url)
    if page is None:
        return [MIXED_CONTENT.skipped(subject, "the canonical page was not served")]
    if urlsplit(page.url).scheme != "https":
        return [MIXED_CONTENT.skipped(page.url, "the canonical page is not served over HTTPS")]
    if "html" not in page.content_type and not page.text.lstrip().startswith("<"):
        return [
            MIXED_CONTENT.passed(
                page.url, "The canonical page is not HTML", evidence=page.content_type
            )
        ]
    found = insecure_subresources(page.text, page.url)
    if not found:
        return [MIXED_CONTENT.passed(page.url, "no http:// subresources on the canonical page")]
    active = [f for f in found if f[0] == "active"]
    listed = "; ".join(f"{what}: {url}" for _, what, url in found[:8])
    return [
        MIXED_CONTENT.finding(
            "fail" if active else "warn",
            page.url,
            f"{page.url} loads {len(found)} http:// subresource(s)"
            + (f", {len(active)} of them active (scripts, styles, frames)" if active else ""),
            evidence=listed,
            severity="high" if active else "medium",
            resources=[url for _, _, url in found],
        )
    ]


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return (
        parts.scheme,
        (parts.hostname or "").lower(),
        parts.port or (443 if parts.scheme == "https" else 80),
    )


def at_canonical(url: str, canonical: str) -> bool:
    if _origin(url) != _origin(canonical):
        return False
    base = urlsplit(canonical).path.rstrip("/")
    return urlsplit(url).path.startswith(base) if base else True


def hops_text(chain: RedirectChain) -> str:
    parts = []
    for hop in chain.hops:
        parts.append(
            f"{hop.url} -> {hop.status}"
            if hop.status
            else f"{hop.url} -> {public_error(hop.error)}"
        )
    if chain.loop:
        parts.append("(loop)")
    if chain.too_many:
        parts.append("(gave up: too many redirects)")
    if chain.non_http_target:
        parts.append(f"(redirects to non-HTTP {chain.non_http_target}; not followed)")
    return "; ".join(parts)


def _answered(chain: RedirectChain | None) -> bool:
    return bool(chain and chain.hops and chain.hops[0].status is not None)


def _judge_host(host: PublicHost, obs: TransportObservations, cfg: Config) -> list[Finding]:
    findings: list[Finding] = []
    http_url, https_url = variant_urls(cfg, host)
    http_chain, https_chain = obs.chains.get(http_url), obs.chains.get(https_url)
    severity = "critical" if host.is_canonical else "high"
    if not _answered(http_chain) and not _answered(https_chain):
        errors = "; ".join(
            f"{c.start}: {public_error(c.hops[0].error)}"
            for c in (http_chain, https_chain)
            if c and c.hops
        )
        findings.append(
            UNREACHABLE.finding(
                "fail",
                host.name,
                f"{host.name} does not answer",
                evidence=errors,
                severity=severity,
            )
        )
        return findings
    findings.append(UNREACHABLE.passed(host.name, f"{host.name} answers"))

    if _answered(http_chain):
        findings.append(_judge_https_redirect(host, http_chain))
    for chain in (http_chain, https_chain):
        if chain is None or not chain.hops:
            continue
        if chain.loop or chain.too_many:
            findings.append(
                LOOP.finding(
                    "fail",
                    chain.start,
                    f"Redirects from {chain.start} never end",
                    evidence=hops_text(chain),
                    severity="critical" if host.is_canonical else "high",
                )
            )
        elif _answered(chain):
            findings.append(LOOP.passed(chain.start, "Redirects end", evidence=hops_text(chain)))
    return findings


def _judge_https_redirect(host: PublicHost, chain: RedirectChain) -> Finding:
    first = chain.hops[0]
    if not first.location:
        return NO_REDIRECT.finding(
            "fail",
            chain.start,
            f"{chain.start} answers {first.status} over plain HTTP",
            evidence=hops_text(chain),
        )
    target = chain.hops[1].url if len(chain.hops) > 1 else first.location
    if urlsplit(target).scheme == "https":
        return NO_REDIRECT.passed(
            chain.start, f"{chain.start} redirects to https", evidence=hops_text(chain)
        )
    if any(urlsplit(h.url).scheme == "https" for h in chain.hops):
        return NO_REDIRECT.finding(
            "warn",
            chain.start,
            f"{chain.start} redirects to http:// first, https later",
            evidence=hops_text(chain),
            severity="medium",
        )
    return NO_REDIRECT.finding(
        "fail", chain.start, f"{chain.start} never reaches https://", evidence=hops_text(chain)
    )


def _judge_canonical(obs: TransportObservations, cfg: Config) -> list[Finding]:
    findings: list[Finding] = []
    canonical = normalize_url(cfg.site.url)
    for host in obs.hosts:
        if not host.is_variant:
            continue
        for url in variant_urls(cfg, host):
            chain = obs.chains.get(url)
            if chain is None or chain.loop or chain.too_many or not chain.hops:
                continue  # loops are http.redirect.loop's
            if not chain.complete:
                final = chain.final
                if len(chain.hops) > 1 and final is not None and final.status is None:
                    findings.append(
                        CANONICAL_SPLIT.finding(
                            "fail",
                            url,
                            f"{url} redirects to {final.url}, which does not answer",
                            evidence=hops_text(chain),
                        )
                    )
                continue  # a variant that does not answer at all: http.unreachable, tls.missing
            final = chain.final
            assert final is not None
            if at_canonical(final.url, canonical):
                if chain.redirects > 2:
                    findings.append(
                        CHAIN.finding(
                            "warn",
                            url,
                            f"{url} takes {chain.redirects} redirects to reach it",
                            evidence=hops_text(chain),
                            hops=chain.redirects,
                        )
                    )
                else:
                    findings.append(
                        CHAIN.passed(
                            url,
                            f"{chain.redirects} redirect(s) to the canonical URL",
                            evidence=hops_text(chain),
                            hops=chain.redirects,
                        )
                    )
                findings.append(CANONICAL_SPLIT.passed(url, f"{url} leads to {canonical}"))
            elif final.status is not None and 200 <= final.status < 300:
                findings.append(
                    CANONICAL_SPLIT.finding(
                        "fail",
                        url,
                        f"{final.url} serves content, no redirect to {canonical}",
                        evidence=hops_text(chain),
                    )
                )
            elif final.status is not None and final.status >= 400:
                findings.append(
                    CANONICAL_SPLIT.finding(
                        "fail",
                        url,
                        f"{url} ends in {final.status} at {final.url} instead of {canonical}",
                        evidence=hops_text(chain),
                    )
                )
    return findings


def judge(obs: TransportObservations, cfg: Config) -> list[Finding]:
    findings: list[Finding] = []
    for host in obs.hosts:
        if not obs.reachable(host.name):
            findings.append(UNREACHABLE.skipped(host.name, f"{host.name} does not resolve"))
            continue
        findings.extend(_judge_host(host, obs, cfg))
    findings.extend(_judge_canonical(obs, cfg))
    findings.extend(judge_mixed_content(obs, cfg))
    return findings
