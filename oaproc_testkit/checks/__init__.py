"""Check functions, one per abstract test, registered by ID in ``_registry.CHECKS``.

``load_all()`` imports every check module explicitly (no import side effects elsewhere).
"""

from __future__ import annotations

import importlib

MODULES = (
    "oaproc_testkit.checks.core.landingpage",
)


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
