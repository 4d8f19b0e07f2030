"""Baselines: known deviations of a deployment (YAML: abstract-test ID -> reason).

A failing test listed in the baseline is reported as ``known`` instead of failing the gate; a
listed test that now passes is reported as stale, so the baseline shrinks as servers improve.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from . import requirements as R
from .errors import ConfigError


def load_baseline(path: str | Path) -> dict[str, str]:
    """Read a baseline file; ConfigError naming the file for anything unusable."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {p}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"baseline {p} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if data is None:
        return {}
    if isinstance(data, Mapping) and isinstance(data.get("known"), Mapping):
        data = data["known"]
    if not isinstance(data, Mapping):
        raise ConfigError(f"baseline {p} must map abstract-test IDs to reasons")
    unknown = [k for k in data if k not in R.ABSTRACT_TESTS]
    if unknown:
        raise ConfigError(f"baseline {p} names unknown abstract tests: {', '.join(map(str, unknown[:5]))}")
    return {str(k): str(v or "") for k, v in data.items()}


def apply_baseline(report: dict[str, Any], baseline: Mapping[str, str]) -> None:
    """Mark known deviations and stale entries in a report dict (in place)."""
    stale = []
    for t in report["tests"]:
        if t["id"] not in baseline:
            continue
        if t["verdict"] in ("fail", "error"):
            t["verdict"] = "known"
            t["baseline_reason"] = baseline[t["id"]]
        elif t["verdict"] in ("pass", "warn"):
            stale.append(t["id"])
    report["baseline"] = {"entries": len(baseline), "stale": stale}
    from .reporting import count_classes

    report["classes"] = count_classes(report["tests"])


def dump_baseline(report: dict[str, Any], *, server: str) -> str:
    """A baseline listing every currently failing test with its first failure line as the reason."""
    lines = [f"# Known deviations of {server}, written by `oaproc-testkit baseline`.",
             "# abstract-test ID: reason. Remove an entry once the server passes it.", ""]
    entries = {t["id"]: t["message"] for t in report["tests"] if t["verdict"] in ("fail", "error", "known")}
    if not entries:
        return "\n".join(lines) + "{}\n"
    return "\n".join(lines) + yaml.safe_dump(entries, sort_keys=False, width=200, allow_unicode=True)
