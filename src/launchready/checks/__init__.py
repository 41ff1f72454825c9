"""Checks: pure functions from observations to findings. Never touch the network.

Importing this package imports every check module, which registers their specs in the catalogue.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
