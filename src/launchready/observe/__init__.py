"""Observation: everything the audit learns from the network, made once and shared.

Collectors (one module per area) decide WHAT to observe from the config and ask the `Observer`;
they return plain data for the pure checks in `launchready.checks`.
"""

from launchready.observe.observer import Observer

__all__ = ["Observer"]
