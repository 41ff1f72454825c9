"""What the page's HTML says about itself: meta http-equiv values and the resources it loads.

Uses selectolax (a real HTML5 parser): regexes over HTML miss attributes in odd orders and quote
styles. Never fetches anything it finds.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser as HTMLParser


def http_equiv(html: str) -> dict[str, tuple[str, ...]]:
    """`<meta http-equiv=NAME content=VALUE>` -> {lower-case NAME: (VALUE, ...)} in page order."""
    out: dict[str, list[str]] = {}
    if not html:
        return {}
    tree = HTMLParser(html)
    for node in tree.css("meta[http-equiv]"):
        name = (node.attributes.get("http-equiv") or "").strip().lower()
        content = node.attributes.get("content")
        if name and content is not None:
            out.setdefault(name, []).append(content)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True, slots=True)
class Script:
    src: str | None  # the attribute as written; None for an inline script
    integrity: str | None
    crossorigin: str | None


def scripts(html: str) -> list[Script]:
    if not html:
        return []
    tree = HTMLParser(html)
    found = []
    for node in tree.css("script"):
        attrs = node.attributes
        found.append(Script(attrs.get("src"), attrs.get("integrity"), attrs.get("crossorigin")))
    return found


@dataclass(frozen=True, slots=True)
class Asset:
    url: str  # as written in the page
    kind: str  # "script" | "style" | "image"


def static_assets(html: str) -> list[Asset]:
    """CSS, JS and images the page loads, in page order, without duplicates."""
    if not html:
        return []
    tree = HTMLParser(html)
    seen: set[str] = set()
    out: list[Asset] = []

    def add(url: str | None, kind: str) -> None:
        url = (url or "").strip()
        if url and not url.startswith(("data:", "javascript:", "#")) and url not in seen:
            seen.add(url)
            out.append(Asset(url, kind))

    for node in tree.css("script[src]"):
        add(node.attributes.get("src"), "script")
    for node in tree.css("link[href]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        if "stylesheet" in rel:
            add(node.attributes.get("href"), "style")
        elif "icon" in rel or "preload" in rel:
            add(node.attributes.get("href"), "image" if "icon" in rel else "script")
    for node in tree.css("img[src]"):
        add(node.attributes.get("src"), "image")
    return out
