"""Checks: pure functions from observations to findings. Never touch the network.

Each module declares its checks in the catalogue when it is imported. Commands import only the
modules they judge with (a secrets scan does not load the web checks); `load_all()` imports
every module, for whoever needs the whole catalogue (SARIF rules, documentation).
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
