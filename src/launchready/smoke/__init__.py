"""Smoke flows: parse TOML flows (CONTRACT §3), run them over one cookie jar per flow, judge each
step into a `smoke.step` finding, and verify deploys with rollback.

Everything here that touches the network goes through `launchready.net`; parsing, asserting and
capturing are pure so they can be tested with hand-made exchanges.
"""
