"""Network error text as it may appear in evidence.

CONTRACT §2: evidence names the public host, port and URL, never a `connect_to` target. The
socket errors the HTTP and TLS layers record can quote the address really dialled (for example
"Connect call failed ('127.0.0.1', 8443)"), so checks pass error text through `public_error`.
"""

from __future__ import annotations

import re

_ADDRESS_TUPLE = re.compile(r"\(\s*'[^']*'\s*,\s*\d+[^)]*\)")
_HOST_PORT = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}:\d+\b|\[[0-9a-fA-F:]+\]:\d+")


def public_error(error: str) -> str:
    """The error with any dialled address:port removed; the kind of failure is kept."""
    if not error.startswith("connect:"):
        return error
    lowered = error.lower()
    if "refused" in lowered or "errno 111" in lowered:
        return "connect: connection refused"
    if "timed out" in lowered or "timeout" in lowered:
        return "connect: timed out"
    if "does not resolve" in lowered or "loopback-only" in lowered:
        return error  # our own messages name the public host (or the policy that stopped us)
    return _HOST_PORT.sub("<address>", _ADDRESS_TUPLE.sub("", error)).strip()
