"""Problems with the toolkit, its inputs or its reach to the server — never a verdict on the server.

    OaprocError
    ├── ConfigError        bad option value (raised before any request is sent)
    ├── ServerUnreachable  the landing page could not be reached at all
    └── RequestFailed      one request got no usable answer (timeout, refused, too large, foreign host)
"""

from __future__ import annotations


class OaprocError(Exception):
    """Problem with the toolkit or its inputs, never a verdict on the server."""


class ConfigError(OaprocError):
    """An option or a configuration value is not usable."""


class ServerUnreachable(OaprocError):
    """The server under test does not answer at all."""


class RequestFailed(OaprocError):
    """A request got no usable HTTP answer; carries method, URL and a one-line reason."""

    def __init__(self, method: str, url: str, reason: str) -> None:
        super().__init__(f"{method} {url}: {reason}")
        self.method = method
        self.url = url
        self.reason = reason
