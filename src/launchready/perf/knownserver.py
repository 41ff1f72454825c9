"""An HTTP server whose latency is known by construction, for tests and `bench/latency_truth.py`.

Modes (notes/performance.md §4):
- `fixed:D`        every answer after D ms;
- `mix:A:B:N`      deterministic mixture by request counter: every N-th request takes B ms, the
                   others A ms (mix:20:250:10 is 90 % x 20 ms + 10 % x 250 ms);
- `stall:D:S:T`    answers after D ms, but the whole process freezes S ms every T s;
- `status:C:D`     answers status C after D ms (errors under load, for tests).

It listens on 127.0.0.1 only and always exits (`--lifetime`). A minimal HTTP/1.1 keep-alive
protocol on raw asyncio keeps its own overhead far below the delays it promises.
Run: `python -m launchready.perf.knownserver --mode stall:5:300:2 --port 0` (prints the port).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mode:
    kind: str
    delay_ms: float = 0.0
    slow_ms: float = 0.0
    every: int = 0
    stall_ms: float = 0.0
    period_s: float = 0.0
    status: int = 200

    @classmethod
    def parse(cls, text: str) -> Mode:
        kind, *args = text.split(":")
        nums = [float(a) for a in args]
        if kind == "fixed" and len(nums) == 1:
            return cls("fixed", delay_ms=nums[0])
        if kind == "mix" and len(nums) == 3:
            return cls("mix", delay_ms=nums[0], slow_ms=nums[1], every=int(nums[2]))
        if kind == "stall" and len(nums) == 3:
            return cls("stall", delay_ms=nums[0], stall_ms=nums[1], period_s=nums[2])
        if kind == "status" and len(nums) == 2:
            return cls("status", delay_ms=nums[1], status=int(nums[0]))
        raise ValueError(f"unknown mode {text!r}: use fixed:D, mix:A:B:N, stall:D:S:T, status:C:D")

    def theory(self, q: float) -> float:
        """The q-th percentile (0..100) of latency in ms, at low load, by construction.

        For the stall: a request planned during a freeze of S waits the rest of it, so with
        f = S/(T+S) the latency quantile is D + S(1 - (1-q)/f) above 1-f, and D below.
        """
        p = q / 100.0
        if self.kind in ("fixed", "status"):
            return self.delay_ms
        if self.kind == "mix":
            slow_share = 1.0 / self.every
            return self.slow_ms if p > 1 - slow_share else self.delay_ms
        stall_s = self.stall_ms / 1000
        f = stall_s / (self.period_s + stall_s)
        if p <= 1 - f:
            return self.delay_ms
        return self.delay_ms + self.stall_ms * (1 - (1 - p) / f)


class _Http(asyncio.Protocol):
    counter = 0

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip() or 0)
            self.buffer = self.buffer[length:]
            _Http.counter += 1
            delay = self.mode.delay_ms
            if self.mode.kind == "mix" and _Http.counter % self.mode.every == 0:
                delay = self.mode.slow_ms
            asyncio.get_running_loop().call_later(delay / 1000, self._answer)

    def _answer(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                % self.mode.status
            )


def _freeze_every(loop: asyncio.AbstractEventLoop, mode: Mode) -> None:
    def freeze() -> None:
        time.sleep(mode.stall_ms / 1000)  # blocks the whole process, on purpose
        loop.call_later(mode.period_s, freeze)

    loop.call_later(mode.period_s, freeze)


async def serve(mode: Mode, port: int = 0, lifetime: float = 120.0, ready=None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(mode), "127.0.0.1", port, backlog=4096)
    bound = server.sockets[0].getsockname()[1]
    if ready is not None:
        ready(bound)
    if mode.kind == "stall":
        _freeze_every(loop, mode)
    async with server:
        await asyncio.sleep(lifetime)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="fixed:5")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=120.0)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args(argv)
    mode = Mode.parse(args.mode)

    def ready(port: int) -> None:
        print(port, flush=True)

    if args.uvloop:
        import uvloop

        uvloop.run(serve(mode, args.port, args.lifetime, ready))
    else:
        asyncio.run(serve(mode, args.port, args.lifetime, ready))
    sys.exit(0)


if __name__ == "__main__":
    main()
