"""What the edge checks need: for every public host, its addresses and the responses it gave
(shared with the http area's redirect chains), and, when `site.origin` is set, the answer of the
origin itself to the public host name (connection pinned to the origin; SNI and Host kept).

Passive: nothing here sends anything a normal visitor would not (two GETs per host at most).
"""

from __future__ import annotations

import asyncio

from launchready.config import Config
from launchready.observe.observer import Observer
from launchready.observe.transport import TransportObservations, collect_http, variant_urls


async def collect_edge(observer: Observer, cfg: Config) -> TransportObservations:
    obs = await collect_http(observer, cfg)
    origin = cfg.site.origin
    if not origin:
        return obs
    hosts = [h for h in obs.hosts if obs.reachable(h.name) and h.name != origin]

    async def probe(host) -> None:
        urls = variant_urls(cfg, host)
        obs.origin[host.name] = list(
            await asyncio.gather(
                *(observer.net.fetch(url, connect_address=origin) for url in reversed(urls))
            )
        )

    await asyncio.gather(*(probe(h) for h in hosts))
    return obs
