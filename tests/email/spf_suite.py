"""Replay of the OpenSPF suites over the world's DNS server (conformance README, spf/ replay rules).

One scenario's zonedata at a time is served by a real `DnsServer` on 127.0.0.1; our evaluator asks
through `launchready.net`'s resolver (client lifetime 0.5 s), exactly as an audit would.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from launchready.config import parse_config
from launchready.email.spf import Evaluator
from launchready.net import Network
from launchready.world.dns import DnsServer, records_from_spf_zonedata

DATA = Path(__file__).resolve().parents[1] / "data" / "conformance" / "spf"
LEGACY = {"unknown": "permerror", "error": "temperror"}


@dataclass
class Outcome:
    test_id: str
    scenario: str
    expected: list[str]
    got: str
    explanation_expected: str | None
    explanation_got: str
    why: str

    @property
    def passed(self) -> bool:
        if self.got not in self.expected:
            return False
        return self.explanation_expected is None or self.explanation_expected == (
            self.explanation_got
        )

    @property
    def preferred(self) -> bool:
        return self.got == self.expected[0]


@dataclass
class SuiteRun:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    @property
    def non_preferred(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.passed and not o.preferred]


def load(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc]


def _expected(result) -> list[str]:
    items = result if isinstance(result, list) else [result]
    return [LEGACY.get(str(r).strip(), str(r).strip()) for r in items]


async def _run_scenario(server: DnsServer, scenario: dict, out: SuiteRun) -> None:
    server.set_records(records_from_spf_zonedata(scenario.get("zonedata") or {}))
    cfg = parse_config(
        "[site]\n"
        'url = "https://portal.launch.test"\n'
        "[network]\n"
        f'nameservers = ["127.0.0.1:{server.port}"]\n'
        "timeout = 0.5\n"
    )
    async with Network(cfg.network) as net:
        evaluator = Evaluator(net.query, default_explanation="DEFAULT")
        for test_id, test in scenario["tests"].items():
            res = await evaluator.check_host(
                str(test["host"]), str(test.get("mailfrom") or ""), str(test.get("helo") or "")
            )
            out.outcomes.append(
                Outcome(
                    test_id,
                    scenario.get("description", ""),
                    _expected(test["result"]),
                    res.result,
                    test.get("explanation"),
                    res.explanation,
                    res.why,
                )
            )


def replay(name: str) -> SuiteRun:
    run = SuiteRun(name)
    with DnsServer() as server:
        for scenario in load(name):
            asyncio.run(_run_scenario(server, scenario, run))
    return run


if __name__ == "__main__":  # ad-hoc: PYTHONPATH=src python tests/email/spf_suite.py
    import sys

    for suite in sys.argv[1:] or ["rfc7208-tests.yml", "rfc4408-tests.yml"]:
        r = replay(suite)
        print(f"{suite}: {r.passed}/{len(r.outcomes)}")
        for o in r.failures:
            print(
                f"  FAIL {o.test_id}: expected {o.expected} got {o.got} ({o.why})"
                + (
                    f" exp {o.explanation_expected!r} got {o.explanation_got!r}"
                    if o.explanation_expected is not None
                    else ""
                )
            )
        for o in r.non_preferred:
            print(f"  WARN {o.test_id}: got {o.got}, preferred {o.expected[0]}")
