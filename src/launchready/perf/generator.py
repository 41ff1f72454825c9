"""The open-loop load generator: fixed arrival rate, latency from each request's planned send.

This is the one place in launchready with its own aiohttp session outside `launchready.net`, and it
runs in its own process (multiprocessing spawn) so the parent's threads, imports and garbage never
stall its schedule. It is still built on `net`: connections resolve through `net.http.
RoutingResolver` over `net.connect.Connector`, so `connect_to`, the configured nameservers and the
loopback-only guard apply exactly as everywhere else. Scope is enforced by the caller before a plan
is made (`perf.run`); the plan itself bounds the load to rate x (warm-up + duration) requests.

Why open loop (notes/performance.md §1): a closed loop stops sampling exactly when the server
stalls (coordinated omission). Send times are planned up front, t_i = t0 + i/rate, and every latency
is `done - planned`, so a stall is charged to every request that should have gone out during it.
The hot path only appends floats; histograms are built after the window, with the GC back on.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import resource
import time
from array import array
from dataclasses import dataclass, field
from typing import Any

from launchready.config.network import NetworkConfig

# Errors are told apart by kind only; the text of the first few is kept for the evidence.
_MAX_ERROR_SAMPLES = 5
# Timers have millisecond resolution (uvloop rounds a sleep up to whole milliseconds), so a sleep
# straight to the planned send wakes up to ~1 ms late, and that lag is charged to the request. The
# sleep therefore ends a little early and the rest of the way is spent yielding to the loop. The
# margin is a quarter interval, at most 1.5 ms: at low rates it removes the ~1 ms wake-up lag; at
# high rates the spin stays short (a long spin was measured to cost more than it gains there).
_WAKE_MARGIN_MAX_S = 0.0015


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Everything the child process needs; picklable, built by the parent after the scope check."""

    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    rate: float = 20.0
    duration: float = 30.0
    warmup: float = 5.0
    timeout: float = 5.0
    max_inflight: int = 512
    network: NetworkConfig = field(default_factory=NetworkConfig)
    use_uvloop: bool = True
    freeze_gc: bool = True

    @property
    def window_requests(self) -> int:
        return max(1, round(self.rate * self.duration))

    @property
    def warmup_requests(self) -> int:
        return round(self.rate * self.warmup)

    @property
    def max_requests(self) -> int:
        """The hard bound on load: nothing beyond rate x (warm-up + duration) is ever sent."""
        return self.window_requests + self.warmup_requests


@dataclass(slots=True)
class RawRun:
    """What the child sends back: per-request samples of the measurement window (seconds)."""

    planned_offset: array = field(default_factory=lambda: array("d"))  # planned send - t0
    latency: array = field(default_factory=lambda: array("d"))  # done - planned
    service: array = field(default_factory=lambda: array("d"))  # done - actual send
    lag: array = field(default_factory=lambda: array("d"))  # actual send - planned
    failed: array = field(default_factory=lambda: array("b"))  # 1 = error or timeout
    sent: int = 0  # window requests actually sent
    warmup_sent: int = 0
    errors: int = 0
    timeouts: int = 0
    cap_hits: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    window_s: float = 0.0  # first planned send to last actual send (+ one interval)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    loop: str = "asyncio"
    gc_frozen: bool = False
    fatal: str = ""


def run_in_process(plan: LoadPlan, *, grace: float = 30.0) -> RawRun:
    """Run `plan` in a freshly spawned interpreter and return its samples.

    Spawn (not fork) so the child starts clean: no inherited event loop, threads or locks.
    """
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(plan, sender), name="launchready-load", daemon=True)
    child.start()
    sender.close()
    limit = plan.warmup + plan.duration + plan.timeout + grace
    try:
        if not receiver.poll(limit):
            return RawRun(fatal=f"the load generator did not finish within {limit:.0f}s")
        return receiver.recv()
    except EOFError:
        return RawRun(fatal=f"the load generator process died (exit code {child.exitcode})")
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()


def _child(plan: LoadPlan, sender) -> None:
    try:
        raw = run_plan(plan)
    except BaseException as exc:  # report, never hang the parent
        raw = RawRun(fatal=f"load generator failed: {type(exc).__name__}: {exc}")
    sender.send(raw)
    sender.close()


def run_plan(plan: LoadPlan) -> RawRun:
    """Child-process entry point (also callable in-process, for tests of the schedule)."""
    loop_name = "asyncio"
    if plan.use_uvloop:
        try:
            import uvloop

            loop_name = "uvloop"
            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:
            runner = asyncio.Runner()
    else:
        runner = asyncio.Runner()
    with runner:
        raw = runner.run(_generate(plan))
    raw.loop = loop_name
    return raw


async def _generate(plan: LoadPlan) -> RawRun:
    import aiohttp

    from launchready.net.connect import Connector
    from launchready.net.http import RoutingResolver
    from launchready.net.resolver import Resolver
    from launchready.net.tlsctx import verified_context

    raw = RawRun()
    connector = aiohttp.TCPConnector(
        resolver=RoutingResolver(Connector(plan.network, Resolver(plan.network))),
        use_dns_cache=True,
        ttl_dns_cache=None,
        limit=plan.max_inflight,
    )
    ssl_ctx = verified_context(plan.network.ca_bundle) if plan.url.startswith("https:") else None
    headers = dict(plan.headers)
    session = aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=None),
        trust_env=False,
        auto_decompress=True,
    )
    inflight = asyncio.Semaphore(plan.max_inflight)
    tasks: set[asyncio.Task] = set()
    clock = time.perf_counter

    async def one(planned: float, record: bool) -> None:
        sent = clock()
        failed = 0
        try:
            async with asyncio.timeout(plan.timeout):
                async with session.request(
                    plan.method,
                    plan.url,
                    headers=headers,
                    data=plan.body,
                    allow_redirects=False,
                    ssl=ssl_ctx,
                ) as resp:
                    await resp.read()
                    status = resp.status
            if record:
                raw.statuses[status] = raw.statuses.get(status, 0) + 1
            if status >= 400:
                failed = 1
                _note(raw, record, f"HTTP {status}")
            elif status >= 300:  # a login page or a moved URL answers fast and measures nothing
                failed = 1
                _note(raw, record, f"HTTP {status} redirect (not followed: load the final URL)")
        except TimeoutError:
            failed = 1
            if record:
                raw.timeouts += 1
            _note(raw, record, f"timeout after {plan.timeout:g}s")
        except aiohttp.ClientConnectorError as exc:
            failed = 1
            os_error = exc.os_error
            why = (os_error.strerror or str(os_error)) if os_error is not None else exc
            _note(raw, record, f"connect: {why}"[:200])
        except Exception as exc:  # every network outcome is a sample, never a crash
            failed = 1
            _note(raw, record, f"{type(exc).__name__}: {exc}"[:200])
        finally:
            inflight.release()
        done = clock()
        if record:
            raw.latency.append(done - planned)
            raw.service.append(done - sent)
            raw.lag.append(sent - planned)
            raw.planned_offset.append(planned - t0)
            raw.failed.append(failed)
            raw.errors += failed

    interval = 1.0 / plan.rate
    margin = min(_WAKE_MARGIN_MAX_S, interval / 4)
    wall_start = clock()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    t0 = 0.0
    last_send = 0.0
    try:
        phases = ((False, plan.warmup_requests), (True, plan.window_requests))
        for record, count in phases:
            if count == 0:
                continue
            if record and plan.freeze_gc:
                gc.collect()
                gc.freeze()
                gc.disable()
                raw.gc_frozen = True
            t0 = clock() + 0.002
            for i in range(count):
                planned = t0 + i * interval
                delay = planned - clock() - margin
                if delay > 0:
                    await asyncio.sleep(delay)
                while clock() < planned:  # woke early on purpose: yield until the planned time
                    await asyncio.sleep(0)
                if inflight.locked():
                    if record:
                        raw.cap_hits += 1
                    await inflight.acquire()  # the wait stays inside this request's latency
                else:
                    await inflight.acquire()
                task = asyncio.create_task(one(planned, record))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if record:
                    raw.sent += 1
                    last_send = clock()
                else:
                    raw.warmup_sent += 1
            if record:
                raw.window_s = max(last_send - t0 + interval, interval)
            if tasks:
                await asyncio.wait(set(tasks))
    except Exception as exc:
        raw.fatal = f"load generator failed: {type(exc).__name__}: {exc}"
    finally:
        if raw.gc_frozen:
            gc.enable()
            gc.unfreeze()
        for task in tasks:
            task.cancel()
        await session.close()
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    raw.cpu_s = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    raw.wall_s = clock() - wall_start
    return raw


def _note(raw: RawRun, record: bool, text: str) -> None:
    if record and len(raw.error_samples) < _MAX_ERROR_SAMPLES and text not in raw.error_samples:
        raw.error_samples.append(text)


def describe(raw: RawRun) -> dict[str, Any]:
    """A short, JSON-safe summary of the generator's own health (for the report's extra)."""
    return {
        "loop": raw.loop,
        "gc_frozen": raw.gc_frozen,
        "cpu_s": round(raw.cpu_s, 3),
        "wall_s": round(raw.wall_s, 3),
        "warmup_requests": raw.warmup_sent,
    }
