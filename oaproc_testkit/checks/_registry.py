"""Registry of check functions keyed by abstract-test ID. Filled at import time, read-only afterwards."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeVar

from .. import requirements

if TYPE_CHECKING:
    from ..runner import CheckContext

CheckFn = TypeVar("CheckFn", bound="Callable[[CheckContext], None]")

_CHECKS: dict[str, Callable[..., None]] = {}
CHECKS = MappingProxyType(_CHECKS)


def check(test_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of ``test_id`` (an ID of requirements.py)."""
    requirements.get(test_id)  # KeyError for an ID the catalogue does not know

    def register(fn: CheckFn) -> CheckFn:
        other = _CHECKS.get(test_id)
        if other is not None and other is not fn:
            raise ValueError(f"{test_id} is already checked by {other.__module__}.{other.__name__}")
        fn.test_id = test_id  # type: ignore[attr-defined]
        _CHECKS[test_id] = fn
        return fn

    return register
