"""The open-loop generator against servers whose behaviour is known by construction.

No timing is asserted: only counts (the load bound, samples, errors, cap hits) and properties that
hold by construction (a timeout's sample is at least the timeout).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

from launchready.config.network import NetworkConfig
from launchready.perf import knownserver
from launchready.perf.generator import LoadPlan, run_in_process, run_plan
from launchready.perf.knownserver import Mode
from launchready.perf.measure import summarize


@contextmanager
def known(mode: str, lifetime: float = 30.0) -> Iterator[int]:
    """The known-latency server in a thread of its own (the generator runs in-process here)."""
    ready = threading.Event()
    port: list[int] = []
    loop = asyncio.new_event_loop()

    def main() -> None:
        asyncio.set_event_loop(loop)

        def bound(p: int) -> None:
            port.append(p)
            ready.set()

        with suppress(asyncio.CancelledError):
            loop.run_until_complete(knownserver.serve(Mode.parse(mode), 0, lifetime, bound))

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield port[0]
    finally:
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(5)


def plan(port: int, **kw) -> LoadPlan:
    base = dict(url=f"http://127.0.0.1:{port}/x", rate=100.0, duration=0.5, warmup=0.2, timeout=2.0)
    base.update(kw)
    return LoadPlan(**base)


def test_load_is_bounded_by_rate_times_warmup_plus_duration():
    with known("fixed:1") as port:
        before = knownserver._Http.counter
        p = plan(port)
        raw = run_plan(p)
        served = knownserver._Http.counter - before
    assert p.max_requests == 70
    assert raw.sent == 50 and raw.warmup_sent == 20
    assert served == 70
    m = summarize(raw, p.rate, p.duration)
    assert m.samples == 50  # the warm-up is in addition to the window, never carved out of it
    assert m.errors == 0 and m.statuses == {200: 50}
    assert raw.gc_frozen
    assert m.histogram  # encoded HdrHistogram travels with the result


def test_every_latency_is_measured_from_the_planned_send():
    with known("fixed:1") as port:
        raw = run_plan(plan(port))
    for latency, service, lag in zip(raw.latency, raw.service, raw.lag, strict=True):
        assert latency == pytest.approx(service + lag, abs=1e-9)
        assert lag >= 0


def test_http_errors_are_counted_as_failed_samples():
    with known("status:503:0") as port:
        raw = run_plan(plan(port))
    m = summarize(raw, 100.0, 0.5)
    assert m.errors == 50 and m.statuses == {503: 50}
    assert "HTTP 503" in m.error_samples


def test_a_timeout_is_a_failure_and_a_sample_of_at_least_the_timeout():
    with known("fixed:800") as port:
        raw = run_plan(plan(port, rate=20.0, duration=0.5, warmup=0.0, timeout=0.3))
    assert raw.timeouts == 10 and raw.errors == 10
    assert len(raw.latency) == 10
    assert min(raw.latency) >= 0.3 * 0.95  # loop timers are ms-coarse


def test_reaching_the_inflight_cap_is_counted():
    with known("fixed:200") as port:
        raw = run_plan(plan(port, rate=50.0, duration=0.4, warmup=0.0, max_inflight=2))
    assert raw.cap_hits > 0
    assert raw.sent == 20  # load shrank in time, never in count


def test_connect_to_routes_the_load_and_keeps_the_public_name():
    with known("fixed:1") as port:
        net = NetworkConfig(connect_to=[f"portal.launch.test:80:127.0.0.1:{port}"])
        raw = run_plan(plan(0, url="http://portal.launch.test/x", network=net))
    assert raw.errors == 0 and raw.statuses == {200: 50}


def test_loopback_guard_holds_in_the_generator():
    net = NetworkConfig(connect_to=["portal.launch.test:80:192.0.2.1:80"])
    raw = run_plan(plan(0, url="http://portal.launch.test/x", network=net, rate=20.0, duration=0.5))
    assert raw.errors == 10
    assert any("loopback-only" in e for e in raw.error_samples)


def test_runs_in_a_spawned_process_and_returns_its_samples():
    with known("fixed:1") as port:
        raw = run_in_process(plan(port))
    assert raw.fatal == "" and raw.sent == 50 and len(raw.latency) == 50
    assert raw.loop in ("uvloop", "asyncio")


def test_theory_of_the_known_server():
    assert Mode.parse("fixed:5").theory(99) == 5
    mix = Mode.parse("mix:20:250:10")
    assert mix.theory(89) == 20 and mix.theory(91) == 250
    stall = Mode.parse("stall:5:300:2")  # f = 0.3/2.3
    assert stall.theory(50) == 5
    assert stall.theory(99) == pytest.approx(5 + 300 * (1 - 0.01 / (0.3 / 2.3)))


def test_a_redirect_is_a_failed_sample_not_a_fast_success():
    """A logged-out endpoint answering 302 to the login page must not look fast and healthy."""
    with known("status:302:0") as port:
        raw = run_plan(plan(port))
    assert raw.errors == 50
    assert any("redirect" in e for e in raw.error_samples)


def test_https_load_verifies_the_public_name_through_connect_to(tmp_path):
    """SNI and certificate checks keep the public name while the socket goes to loopback."""
    from support.loopback import reply, serve

    from launchready.world.ca import LocalCA, server_context

    ca = LocalCA()
    bundle = ca.write_bundle(tmp_path / "ca.pem")
    good, wrong = ca.issue(["portal.launch.test"]), ca.issue(["other.launch.test"])
    for cert, expected_errors in ((good, 0), (wrong, 10)):
        with serve(reply(200, b"ok"), server_context(cert)) as port:
            net = NetworkConfig(connect_to=[f":443:127.0.0.1:{port}"], ca_bundle=bundle)
            p = plan(0, url="https://portal.launch.test/x", network=net, rate=20.0, duration=0.5)
            raw = run_plan(p)
        assert raw.errors == expected_errors, raw.error_samples


def test_refused_connections_are_failed_samples_with_a_readable_reason():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    raw = run_plan(plan(port, rate=20.0, duration=0.5, warmup=0.0))
    assert raw.errors == 10 and len(raw.latency) == 10
    assert raw.error_samples and raw.error_samples[0].startswith("connect: ")
    assert not raw.error_samples[0][len("connect: ") :].isdigit()
