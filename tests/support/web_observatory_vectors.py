"""Load the MDN HTTP Observatory vectors (MPL-2.0, tests/data/conformance/web) as SiteExchanges."""

from __future__ import annotations

import json
from pathlib import Path

from launchready.web.cookies import JarCookie
from launchready.web.exchange import Hop, Response, SiteExchanges
from launchready.web.preload import SnapshotPreload

DATA = Path(__file__).parent.parent / "data" / "conformance" / "web"
ANALYZERS = {
    "contentSecurityPolicyTest": "content-security-policy",
    "cookiesTest": "cookies",
    "crossOriginResourceSharingTest": "cross-origin-resource-sharing",
    "redirectionTest": "redirection",
    "referrerPolicyTest": "referrer-policy",
    "strictTransportSecurityTest": "strict-transport-security",
    "subresourceIntegrityTest": "subresource-integrity",
    "xContentTypeOptionsTest": "x-content-type-options",
    "xFrameOptionsTest": "x-frame-options",
    "crossOriginOpenerPolicyTest": "cross-origin-opener-policy",
    "crossOriginEmbedderPolicyTest": "cross-origin-embedder-policy",
    "crossOriginResourcePolicyTest": "cross-origin-resource-policy",
}


def stub_preload() -> SnapshotPreload:
    return SnapshotPreload.load(DATA / "hsts_preload_stub.json")


def _pairs(headers: dict | None) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for key, value in (headers or {}).items():
        for v in value if isinstance(value, list) else [value]:
            out.append((key, v))
    return tuple(out)


def _response(raw: dict | None) -> Response | None:
    if raw is None:
        return None
    equiv = {k.lower(): tuple(v) for k, v in (raw.get("httpEquiv") or {}).items()}
    return Response(
        status=raw["status"],
        headers=_pairs(raw.get("headers")),
        verified=raw.get("verified", True),
        http_equiv=equiv,
        request_headers=_pairs(raw.get("request_headers")),
    )


def _cookie(raw: dict) -> JarCookie:
    return JarCookie(
        key=raw["key"],
        value=raw.get("value", ""),
        domain=raw.get("domain"),
        path=raw.get("path"),
        secure=bool(raw.get("secure")),
        http_only=bool(raw.get("httpOnly")),
        same_site=raw.get("sameSite"),
    )


def site_from_vector(v: dict) -> SiteExchanges:
    host = v["site"]["hostname"]
    https_hops = tuple(Hop(h["url"], h["status"]) for h in v["httpsRedirects"])
    return SiteExchanges(
        hostname=host,
        url=f"https://{host}/",
        auto=_response(v["auto"]),
        http=_response(v["http"]),
        https=_response(v["https"]),
        cors=_response(v["cors"]),
        http_redirects=tuple(Hop(h["url"], h["status"]) for h in v["httpRedirects"]),
        https_redirects=https_hops,
        html=v["html"],
        cookies=tuple(_cookie(c) for c in v["cookies"]),
    )


def load_vectors() -> list[dict]:
    with (DATA / "mdn_observatory_vectors.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
