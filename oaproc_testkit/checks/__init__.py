"""Check functions, one per abstract test, registered by ID in ``_registry.CHECKS``.

``load_all()`` imports every check module explicitly (no import side effects elsewhere).
"""

from __future__ import annotations

import importlib

MODULES = (
    "oaproc_testkit.checks.core.landingpage",
    "oaproc_testkit.checks.core.discovery",
    "oaproc_testkit.checks.core.process",
    "oaproc_testkit.checks.core.execute",
    "oaproc_testkit.checks.core.inputs",
    "oaproc_testkit.checks.core.job",
    "oaproc_testkit.checks.process_description",
    "oaproc_testkit.checks.encodings",
    "oaproc_testkit.checks.oas30",
    "oaproc_testkit.checks.job_list",
    "oaproc_testkit.checks.callback",
    "oaproc_testkit.checks.dismiss",
)


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
