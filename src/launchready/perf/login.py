"""Log in once with a smoke flow, and hand its session cookies to the load generator.

`[perf] login = "flows/login.toml"` names a flow file (CONTRACT §3), run by the smoke runner
(`launchready.smoke`) over one `net` session; the cookies that session holds for the site are
then sent with every load request. The whole coupling between perf and smoke is
`session_cookies`. A flow without `base_url` runs against `site.url`. Do not end the flow with a
logout (`finally` steps run too): the session must still be valid when the load starts. Cookie
values are registered with the redactor: they never appear in a report.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from launchready.errors import LaunchreadyError
from launchready.net import Network
from launchready.redact import REDACTOR


class LoginFailed(LaunchreadyError):
    exit_code = 3


async def session_cookies(network: Network, flow_file: Path, site_url: str) -> dict[str, str]:
    """Run the login flow; return the cookies its session holds for `site_url`."""
    from launchready.smoke.flow import load_flow
    from launchready.smoke.runner import FlowRun

    flow = load_flow(flow_file)  # a broken flow file is a config error (exit 2)
    if not flow.base_url:
        flow = replace(flow, base_url=site_url)
    missing = flow.missing_env()
    if missing:
        _file, name, _line = missing[0]
        raise LoginFailed(f"{flow_file.name}: environment variable {name} is not set")
    session = network.session()
    result = await FlowRun(flow, session).run()
    failed = result.failed_step
    if failed is not None:
        raise LoginFailed(f"{flow.stem}/{failed.step.id}: {failed.reason or 'failed'}")
    cookies = session.cookies(site_url)
    for value in cookies.values():
        REDACTOR.add(value)
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
