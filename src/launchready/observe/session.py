"""The logged-in view of the site, from `site.login_flow` (a smoke flow that logs in).

Run once per audit however many collectors ask (headers for the session cookie's flags, cache
for personal pages). After the flow, the same cookie session GETs the pages the flow visited
and the canonical URL: those responses are personal, so shared caches must not keep them.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from urllib.parse import urlsplit

from launchready.config import Config
from launchready.errors import ConfigError
from launchready.net import HttpExchange
from launchready.observe.observer import Observer

MAX_PAGES = 5


@dataclass(frozen=True, slots=True)
class LoggedIn:
    error: str = ""  # why there is no logged-in view (flow failed, env missing ...)
    pages: tuple[HttpExchange, ...] = ()  # GETs made with the logged-in session
    cookies: tuple[HttpExchange, ...] = ()  # the jar's cookies as Set-Cookie lines, by URL
    flow: object | None = None  # the smoke FlowResult of the login journey (for smoke.step)


_RUNS: weakref.WeakKeyDictionary[Observer, asyncio.Task] = weakref.WeakKeyDictionary()


async def logged_in(observer: Observer, cfg: Config) -> LoggedIn | None:
    """None when no login flow is configured; else the (shared) logged-in observation."""
    if cfg.site.login_flow is None:
        return None
    task = _RUNS.get(observer)
    if task is None:
        task = asyncio.ensure_future(_log_in(observer, cfg))
        _RUNS[observer] = task
    return await asyncio.shield(task)


async def _log_in(observer: Observer, cfg: Config) -> LoggedIn:
    from launchready.smoke.pipeline import load_checked
    from launchready.smoke.runner import FlowRun

    try:
        (flow,) = load_checked([cfg.site.login_flow])
    except (ConfigError, OSError, ValueError) as exc:
        return LoggedIn(error=f"login flow not loaded: {exc}")
    session = observer.net.session(concurrency=2)
    result = await FlowRun(flow, session).run()
    failed = result.failed_step
    if failed is not None:
        return LoggedIn(
            error=f"login flow failed at step {failed.step.id}: {failed.reason}", flow=result
        )
    urls = [s.url for s in result.steps if s.step.method == "GET" and s.url]
    urls = list(dict.fromkeys([*urls[::-1], cfg.site.url]))[:MAX_PAGES]
    hosts = cfg.in_scope_hosts()
    pages = []
    for url in urls:
        if (urlsplit(url).hostname or "").lower() in hosts:
            page = await session.request("GET", url, active=False)
            if isinstance(page, HttpExchange) and page.ok:
                pages.append(page)
    return LoggedIn(pages=tuple(pages), cookies=tuple(_jar_as_exchanges(session)), flow=result)


def _jar_as_exchanges(session) -> list[HttpExchange]:
    """The session's cookies, each as the Set-Cookie line that set it (flags included)."""
    out = []
    for morsel in session.client.cookie_jar:
        domain = (morsel["domain"] or "").lstrip(".") or "localhost"
        url = f"https://{domain}{morsel['path'] or '/'}"
        out.append(
            HttpExchange("GET", url, status=200, headers=(("Set-Cookie", morsel.OutputString()),))
        )
    return out


async def collect_login_journey(observer: Observer, cfg: Config) -> LoggedIn | None:
    """The audit's smoke area: the login flow, shared with the headers and cache collectors."""
    return await logged_in(observer, cfg)
