"""The login journey of `site.login_flow`, judged as smoke steps during an audit.

When the audit is told how to log in, the login itself is the most important thing it can
test: a failing step here is a broken core journey (tier 0) and tops the fix order. Pure: the
flow ran in the collector (`observe.session`).
"""

from __future__ import annotations

from launchready.config import Config
from launchready.observe.session import LoggedIn
from launchready.report import Finding
from launchready.smoke.findings import SMOKE_STEP, step_finding


def judge(obs: LoggedIn | None, cfg: Config) -> list[Finding]:
    if obs is None:
        return [SMOKE_STEP.skipped("login", "no site.login_flow in the config")]
    if obs.flow is None:
        return [SMOKE_STEP.error("login", obs.error or "the login flow did not run")]
    return [step_finding(result) for result in obs.flow.steps]
