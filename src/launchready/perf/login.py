"""Log in once with a smoke flow, and hand its session cookies to the load generator.

`[perf] login = "flows/login.toml"` names a flow file (CONTRACT §3). The whole coupling between
perf and smoke is `session_cookies`: when `launchready.smoke` offers a runner that returns its
session (`run_flow_session`), that is used; until then a minimal runner here executes the flow's
core (request, `status` expectations, captures) in one cookie-keeping `net` session. Cookie values
are registered with the redactor: they never appear in a report.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from urllib.parse import urljoin

from launchready.errors import LaunchreadyError
from launchready.net import HttpExchange, HttpSession, Network, RedirectChain
from launchready.redact import REDACTOR, register_env_secret


class LoginFailed(LaunchreadyError):
    exit_code = 3


async def session_cookies(network: Network, flow_file: Path, base_url: str) -> dict[str, str]:
    """Run the login flow; return the cookies of its session (name -> value)."""
    try:  # the smoke runner, once it exists, owns flow semantics
        from launchready.smoke import run_flow_session  # type: ignore[attr-defined]
    except ImportError:
        run_flow_session = None
    if run_flow_session is not None:
        session = await run_flow_session(network, flow_file)
    else:
        session = network.session()
        await _run_minimal_flow(session, flow_file, base_url)
    cookies = {morsel.key: morsel.value for morsel in session.client.cookie_jar}
    for value in cookies.values():
        REDACTOR.add(value)
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value, ctx: dict[str, str]):
    if isinstance(value, str):

        def env(m: re.Match) -> str:
            got = os.environ.get(m.group(1), "")
            register_env_secret(m.group(1), got)
            return got

        return _VAR.sub(lambda m: ctx.get(m.group(1), ""), _ENV.sub(env, value))
    if isinstance(value, dict):
        return {k: _expand(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, ctx) for v in value]
    return value


async def _run_minimal_flow(session: HttpSession, flow_file: Path, base_url: str) -> None:
    try:
        flow = tomllib.loads(flow_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LoginFailed(f"{flow_file}: cannot read the login flow: {exc}") from None
    ctx = {"base_url": (_expand(flow.get("base_url", ""), {}) or base_url).rstrip("/")}
    for number, step in enumerate(flow.get("step", []), 1):
        sid = step.get("id", f"step {number}")
        req = _expand(step.get("request", {}), ctx)
        url = urljoin(ctx["base_url"] + "/", req.get("url", "/"))
        result = await session.request(
            req.get("method", "GET"),
            url,
            headers=req.get("headers"),
            body=req.get("body"),
            form=req.get("form"),
            json=req.get("json"),
            follow_redirects=bool(step.get("follow_redirects", False)),
        )
        ex = result.hops[-1] if isinstance(result, RedirectChain) and result.hops else result
        assert isinstance(ex, HttpExchange)
        if ex.error:
            raise LoginFailed(f"login flow {flow_file.name}, step {sid}: {ex.error}")
        for expect in step.get("expect", []):
            m = re.fullmatch(r"status\s*(==|!=)\s*(\d+)", expect.strip())
            if m and ((ex.status == int(m.group(2))) != (m.group(1) == "==")):
                raise LoginFailed(
                    f"login flow {flow_file.name}, step {sid}: expected {expect}, got status "
                    f"{ex.status}"
                )
        for name, spec in step.get("capture", {}).items():
            ctx[name] = _capture(ex, spec, session)


def _capture(ex: HttpExchange, spec: str, session: HttpSession) -> str:
    kind, _, arg = spec.strip().partition(" ")
    text = ex.body.decode("utf-8", "replace")
    if kind == "regex":
        m = re.search(arg, text)
        return (m.group(1) if m and m.groups() else m.group(0) if m else "") or ""
    if kind == "header":
        return ex.header(arg.strip()) or ""
    if kind == "cookie":
        for morsel in session.client.cookie_jar:
            if morsel.key == arg.strip():
                return morsel.value
        return ""
    if kind == "json":
        value = json.loads(text or "null")
        for part in arg.strip().lstrip("$.").split("."):
            value = value.get(part) if isinstance(value, dict) and part else value
        return "" if value is None else str(value)
    if kind == "css":
        from selectolax.lexbor import LexborHTMLParser

        selector, _, attr = arg.partition(" @")
        node = LexborHTMLParser(text).css_first(selector.strip())
        if node is None:
            return ""
        return (node.attributes.get(attr.strip()) or "") if attr else node.text()
    return ""
