"""What a step's expectations and captures read: the final response of a step (after the
redirects it asked to follow), with the time of the whole step. Pure data over net types."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from launchready.net.types import HttpExchange, RedirectChain
from launchready.smoke.jsonpath import MISSING


@dataclass(frozen=True)
class Response:
    exchange: HttpExchange
    duration_ms: float
    hops: int = 1

    @classmethod
    def of(cls, result: HttpExchange | RedirectChain) -> Response:
        if isinstance(result, RedirectChain):
            final = result.final or HttpExchange("GET", result.start, error="no response")
            error = final.error
            if result.loop:
                error = error or "redirect loop"
            elif result.too_many:
                error = error or "too many redirects"
            if error != final.error:
                from dataclasses import replace

                final = replace(final, error=error)
            total = sum(h.elapsed_ms for h in result.hops)
            return cls(final, total, len(result.hops))
        return cls(result, result.elapsed_ms)

    @property
    def status(self) -> int | None:
        return self.exchange.status

    @property
    def error(self) -> str:
        return self.exchange.error

    @property
    def url(self) -> str:
        return self.exchange.url

    @property
    def body(self) -> bytes:
        return self.exchange.body

    @property
    def text(self) -> str:
        return self.exchange.text

    def header(self, name: str) -> str | None:
        return self.exchange.header(name)

    def header_all(self, name: str) -> list[str]:
        return self.exchange.header_all(name)

    def json(self) -> Any:
        """The body as JSON, or MISSING when it is not JSON (parsed once)."""
        return self._document

    @cached_property
    def _document(self) -> Any:
        try:
            return json.loads(self.exchange.body)
        except ValueError:
            return MISSING

    @property
    def is_html(self) -> bool:
        return "html" in self.exchange.content_type or self.text.lstrip()[:1] == "<"
