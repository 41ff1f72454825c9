"""Run flows: one cookie jar per flow, steps in file order, a failing step stops the flow (later
steps `skipped`). The `finally` block always starts, whatever happened before; within it, a
failing step stops the rest of the block too (cleanup steps depend on each other, like a login
before a delete). Network only through `launchready.net`.

Every value that could be a secret is handed to the redactor as soon as it is seen: cookie values
(from the jar and from Set-Cookie), CSRF tokens, Authorization, secret-named form fields and
captures, and `${ENV}` values whose names say PASSWORD, SECRET, TOKEN or KEY.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urljoin, urlsplit

from launchready.config.network import NetworkConfig
from launchready.errors import OutOfScope
from launchready.net import Network, Scope
from launchready.net.network import HttpSession
from launchready.redact import REDACTOR
from launchready.report.model import Status
from launchready.smoke import csrf, template
from launchready.smoke.asserts import Expectation, Outcome, evaluate
from launchready.smoke.captures import SECRET_NAME, extract
from launchready.smoke.flow import Flow, Step
from launchready.smoke.response import Response

_SECRET_HEADERS = re.compile(r"authorization|cookie|csrf|xsrf|token|api-key", re.IGNORECASE)


@dataclass
class StepResult:
    flow: Flow
    step: Step
    status: Status
    duration_ms: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    reason: str = ""  # why it failed, warned or was skipped
    attempts: int = 0
    http_status: int | None = None
    url: str = ""
    excerpt: str = ""  # start of the body of a failing response (redacted when written)

    @property
    def subject(self) -> str:
        return f"{self.flow.stem}/{self.step.id}"

    @property
    def answered(self) -> bool:
        return self.http_status is not None


@dataclass
class FlowResult:
    flow: Flow
    steps: list[StepResult]

    @property
    def failed_step(self) -> StepResult | None:
        """The step that stopped the flow (never a cleanup step)."""
        for result in self.steps:
            if result.status == Status.FAIL and not result.step.cleanup:
                return result
        return None


def origin_hosts(flows: Iterable[Flow]) -> set[str]:
    hosts = set()
    for flow in flows:
        try:
            host = urlsplit(template.render(flow.base_url, {})).hostname
        except template.Unresolved:
            continue
        if host:
            hosts.add(host)
    return hosts


def _register_secrets(headers: dict[str, str], form: dict[str, str] | None) -> None:
    for name, value in headers.items():
        if _SECRET_HEADERS.search(name):
            REDACTOR.add(value)
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() in ("bearer", "basic", "token"):
                REDACTOR.add(credential)
    for name, value in (form or {}).items():
        if SECRET_NAME.search(name):
            REDACTOR.add(value)


def _register_cookies(response: Response, jar: dict[str, str]) -> None:
    for value in jar.values():
        REDACTOR.add(value)
    for raw in response.header_all("set-cookie"):
        try:
            parsed = SimpleCookie()
            parsed.load(raw)
        except CookieError:
            _, _, rest = raw.partition("=")
            REDACTOR.add(rest.split(";", 1)[0].strip())
            continue
        for morsel in parsed.values():
            REDACTOR.add(morsel.value)


class FlowRun:
    """One flow over one session. `read_only` skips mutating steps (and steps needing their
    captures)."""

    def __init__(self, flow: Flow, session: HttpSession, *, read_only: bool = False) -> None:
        self.flow = flow
        self.session = session
        self.read_only = read_only
        self.base_url = template.render(flow.base_url, {}).rstrip("/")
        self.captures: dict[str, str] = {"base_url": self.base_url}
        self.unavailable: set[str] = set()
        self.last_html = ""

    async def run(self) -> FlowResult:
        results: list[StepResult] = []
        stopped: StepResult | None = None
        for step in self.flow.steps:
            if stopped is not None:
                results.append(self._skip(step, f"after {stopped.step.id} failed"))
            elif self.read_only and step.mutating:
                results.append(self._skip(step, "read-only mode: mutating step"))
            elif blocked := template.capture_names(step.templated) & self.unavailable:
                results.append(
                    self._skip(step, f"needs {{{{{sorted(blocked)[0]}}}}} from a skipped step")
                )
            else:
                result = await self.run_step(step)
                results.append(result)
                if result.status == Status.FAIL:
                    stopped = result
        cleanup_failed: StepResult | None = None
        for step in self.flow.finally_steps:
            missing = template.capture_names(step.templated) - set(self.captures)
            if cleanup_failed is not None:
                results.append(self._skip(step, f"after {cleanup_failed.step.id} failed"))
            elif self.read_only and step.mutating:
                results.append(self._skip(step, "read-only mode: mutating step"))
            elif missing:
                results.append(self._skip(step, f"{{{{{sorted(missing)[0]}}}}} was never captured"))
            else:
                result = await self.run_step(step)
                results.append(result)
                if result.status == Status.FAIL:
                    cleanup_failed = result  # later cleanup usually depends on it (login)
        return FlowResult(self.flow, results)

    def _skip(self, step: Step, why: str) -> StepResult:
        self.unavailable |= {c.name for c in step.capture}
        return StepResult(self.flow, step, Status.SKIPPED, reason=why)

    async def run_step(self, step: Step) -> StepResult:
        try:
            url = urljoin(self.base_url + "/", template.render(step.url, self.captures))
            headers = template.render(dict(step.headers), self.captures)
            form = (
                template.render(dict(step.form), self.captures) if step.form is not None else None
            )
            json_body = template.render(step.json, self.captures)
            body = template.render(step.body, self.captures) if step.body is not None else None
        except template.Unresolved as exc:
            return StepResult(self.flow, step, Status.FAIL, reason=f"cannot build request: {exc}")
        if step.csrf:
            why = csrf.apply(
                step.csrf,
                html=self.last_html,
                cookies=self.session.cookies(url),
                base_url=self.base_url,
                headers=headers,
                form=form,
            )
            if why:
                return StepResult(self.flow, step, Status.FAIL, url=url, reason=why)
        _register_secrets(headers, form)

        attempts = 0
        while True:
            attempts += 1
            try:
                raw = await self.session.request(
                    step.method,
                    url,
                    headers=headers,
                    form=form,
                    json=json_body,
                    body=body,
                    follow_redirects=step.follow_redirects,
                )
            except OutOfScope as exc:
                return StepResult(self.flow, step, Status.FAIL, url=url, reason=str(exc))
            response = Response.of(raw)
            cookies = self.session.cookies(response.url)
            _register_cookies(response, cookies)
            outcomes, captured = self._judge(step, response, cookies)
            ok = all(o.ok for o in outcomes) and response.status is not None
            if ok or attempts > step.retries:
                break
            await asyncio.sleep(step.retry_delay_ms / 1000)

        for name, (value, secret) in captured.items():
            if secret:
                REDACTOR.add(value)
            self.captures[name] = value
        if response.is_html and response.status is not None:
            self.last_html = response.text
            csrf.register_page_tokens(self.last_html)
        result = StepResult(
            self.flow,
            step,
            Status.PASS,
            duration_ms=round(response.duration_ms, 1),
            outcomes=outcomes,
            attempts=attempts,
            http_status=response.status,
            url=url,
        )
        if not ok:
            result.status = Status.FAIL
            failed = [o for o in outcomes if not o.ok]
            result.reason = (
                f"no response: {response.error}"
                if response.status is None
                else "; ".join(f"{o.expectation.text} (actual {o.actual})" for o in failed)
            )
            result.excerpt = response.text[:500]
        else:
            limit = step.degraded_ms or self.flow.degraded_ms
            if response.duration_ms > limit:
                result.status = Status.WARN
                result.reason = f"degraded: took {response.duration_ms:.0f} ms (> {limit:g} ms)"
        return result

    def _judge(
        self, step: Step, response: Response, cookies: dict[str, str]
    ) -> tuple[list[Outcome], dict[str, tuple[str, bool]]]:
        outcomes = [evaluate(e, response, self.captures) for e in step.expect]
        captured: dict[str, tuple[str, bool]] = {}
        for capture in step.capture:
            value = extract(capture, response, cookies) if response.status is not None else None
            if value is None:
                exp = Expectation(f"capture {capture.name} = {capture.text}", "capture", "", "")
                outcomes.append(Outcome(exp, False, "a value", "<not found>"))
            else:
                captured[capture.name] = (value, capture.secret)
        return outcomes, captured


async def run_flows_async(
    flows: list[Flow],
    network: NetworkConfig,
    *,
    scope_hosts: Iterable[str] = (),
    read_only: bool = False,
) -> list[FlowResult]:
    """Run flows one after another (order matters: a later flow may read what an earlier made)."""
    hosts = set(scope_hosts) | origin_hosts(flows)
    async with Network(network, scope=Scope(hosts)) as net:
        return await run_flows_on(net, flows, read_only=read_only)


async def run_flows_on(net: Network, flows: list[Flow], *, read_only: bool = False):
    """Run on an open network; each flow gets its own session (cookie jar)."""
    results = []
    for flow in flows:
        results.append(await FlowRun(flow, net.session(), read_only=read_only).run())
    return results


def run_flows(flows: list[Flow], network: NetworkConfig, **kwargs) -> list[FlowResult]:
    return asyncio.run(run_flows_async(flows, network, **kwargs))
