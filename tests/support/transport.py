"""Transport test helpers: configs pointing the tool at a loopback world; audit shortcuts."""

from __future__ import annotations

import asyncio

from launchready.audit import audit_async
from launchready.config import parse_config
from launchready.net import Network
from launchready.observe.observer import Observer


def toml_value(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {toml_value(v)}' for k, v in value.items()) + "}"
    return str(value)


def make_config(
    dns_port: int,
    *,
    url: str = "https://portal.launch.test",
    site: dict | None = None,
    dns: dict | None = None,
    connect_to: list[str] = (),
    ca_file=None,
    timeout: float = 1.0,
    concurrency: int | None = None,
):
    lines = ["[site]", f'url = "{url}"']
    lines += [f"{k} = {toml_value(v)}" for k, v in (site or {}).items()]
    if dns:
        lines.append("[dns]")
        lines += [f"{k} = {toml_value(v)}" for k, v in dns.items()]
    lines += [
        "[network]",
        f'nameservers = ["127.0.0.1:{dns_port}"]',
        f"timeout = {timeout}",
        *([f"concurrency = {concurrency}"] if concurrency else []),
        f"connect_to = {toml_value(list(connect_to))}",
    ]
    if ca_file:
        lines.append(f'ca_bundle = "{ca_file}"')
    return parse_config("\n".join(lines) + "\n")


def audit(cfg, *areas: str):
    return asyncio.run(audit_async(cfg, only=list(areas)))


def observe(cfg, collect):
    """Run one area's collector and return its observations (for judge-level assertions)."""

    async def go():
        async with Network(cfg.network) as net:
            return await collect(Observer(net), cfg)

    return asyncio.run(go())


def by_id(report_or_findings, check_id: str, subject: str | None = None):
    findings = getattr(report_or_findings, "findings", report_or_findings)
    return [f for f in findings if f.id == check_id and (subject is None or f.subject == subject)]


def status_of(findings, check_id: str, subject: str) -> str:
    hits = by_id(findings, check_id, subject)
    listed = [(f.subject, str(f.status)) for f in by_id(findings, check_id)]
    assert len(hits) == 1, (check_id, subject, listed)
    return str(hits[0].status)
