"""The frozen settings of one run, built from pytest options (or the CLI, which forwards to pytest)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ConfigError

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def parse_server_url(value: str) -> str:
    """Accept an absolute http(s) URL of a landing page; return it without query/fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--server-url must be an absolute http(s) URL, got {value!r}")
    if parts.query or parts.fragment:
        raise ConfigError("--server-url must not carry a query or fragment; use --query key=value")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def parse_reference_base_url(value: str | None) -> str | None:
    """``--reference-base-url``: an absolute http URL with an explicit port (the receiver listens there)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        raise ConfigError(f"--reference-base-url must be an http URL with a port (http://HOST:PORT), got {value!r}")
    return f"http://{parts.netloc}{parts.path.rstrip('/')}"


def parse_header(value: str) -> tuple[str, str]:
    """Parse ``'Name: value'`` (the value is a secret as far as reports are concerned)."""
    name, sep, val = value.partition(":")
    name = name.strip()
    if not sep or not _HEADER_NAME.match(name):
        raise ConfigError("--header takes 'Name: value' (a header name, a colon, a value)")
    return name, val.strip()


def parse_query(value: str) -> tuple[str, str]:
    """Parse ``key=value`` added to every request."""
    key, sep, val = value.partition("=")
    if not sep or not key:
        raise ConfigError("--query takes key=value")
    return key, val


def positive_float(value: str | float) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"expected a positive number of seconds, got {value!r}") from None
    if not f > 0:
        raise ConfigError(f"expected a positive number of seconds, got {value!r}")
    return f


@dataclass(frozen=True)
class Settings:
    """Everything a check may read about the run. Header values are secrets: see ``secrets``."""

    server_url: str
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    timeout: float = 10.0
    job_timeout: float = 60.0
    processes: tuple[str, ...] = ()
    strict: bool = False
    schema_pedantic: bool = False
    fuzz: bool = False
    fuzz_examples: int = 50
    fuzz_seed: int | None = None
    max_processes: int = 25
    max_processes_per_test: int = 10  # --max-processes-per-test: processes one result-shape test executes
    run_timeout: float | None = 600.0  # --run-timeout: after it the remaining checks are reported as not run
    concurrency: int = 16  # --concurrency: checks run at once (1: one after the other); most of them wait
    execution_gap: float = 1.0  # --execution-gap: a new execute request waits for the last one's answer this long
    report_dir: str | None = None
    reference_base_url: str | None = None  # where the server reaches the toolkit's receiver (inputs by reference)
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> str:
        """The landing page URL without a trailing slash, to which resource paths are appended."""
        return self.server_url.rstrip("/")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any report or log line."""
        vals = [v for _, v in self.headers if v]
        # a credential token in "Bearer xyz" is secret on its own too
        vals += [part for _, v in self.headers for part in v.split() if len(part) >= 6]
        parts = urlsplit(self.server_url)
        if parts.password:
            vals.append(parts.password)
        return tuple(sorted(set(vals), key=len, reverse=True))

    def redact(self, text: str) -> str:
        """Replace every secret in ``text`` by ``***``."""
        for s in self.secrets:
            text = text.replace(s, "***")
        return text

    def wants_process(self, process_id: str) -> bool:
        return not self.processes or process_id in self.processes
