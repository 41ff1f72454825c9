"""The only code that touches the network.

Everything goes through here: the resolver (configured nameservers with ports, absolute names),
the connector (`connect_to`, pinned addresses), TLS contexts (configured CA bundle), and hard caps
on time, bytes, redirects and concurrency. No check opens a socket itself.
"""

from launchready.net.network import HttpSession, Network, Scope
from launchready.net.types import DnsAnswer, HttpExchange, Rcode, RedirectChain, TlsProbe

__all__ = [
    "DnsAnswer",
    "HttpExchange",
    "HttpSession",
    "Network",
    "Rcode",
    "RedirectChain",
    "Scope",
    "TlsProbe",
]
