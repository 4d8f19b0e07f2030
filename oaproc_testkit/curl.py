"""Copy-pasteable curl reproductions of a request. User header values are secrets: they are shown
as shell variables (``$OAPROC_HEADER_1``) to be set by whoever reproduces, never in clear."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from .settings import Settings


def curl_command(method: str, url: str, *, settings: Settings, headers: Mapping[str, str] | None = None,
                 body: Any = None) -> str:
    parts = ["curl", "-sS", "-i", "-X", method, shlex.quote(url)]
    for i, (name, _) in enumerate(settings.headers, start=1):
        parts += ["-H", f'"{name}: ${{OAPROC_HEADER_{i}}}"']
    for name, value in (headers or {}).items():
        if any(name.lower() == n.lower() for n, _ in settings.headers):
            continue
        parts += ["-H", shlex.quote(f"{name}: {settings.redact(value)}")]
    if body is not None:
        parts += ["-d", shlex.quote(settings.redact(json.dumps(body, separators=(",", ":"))))]
    return " ".join(parts)
