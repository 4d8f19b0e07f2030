"""A campaign's options: servers (each with its own limit of jobs in flight), the process, the
template, retries and limits; and the check of every filled template against the process
description before the first submission."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..inputs import decode_input, input_descriptions, input_schema, occurs, validate_value
from ..settings import Settings, parse_header, parse_query, parse_server_url


@dataclass(frozen=True)
class ServerSpec:
    """``--server URL[,parallel=N][,query=k=v][,header=Name: v][,expect=N]``."""

    url: str
    parallel: int = 2
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    expect: int | None = None

    @property
    def label(self) -> str:
        p = urlsplit(self.url)
        return f"{p.hostname}:{p.port}{p.path.rstrip('/')}" if p.port else f"{p.hostname}{p.path.rstrip('/')}"

    def settings(self, timeout: float) -> Settings:
        return Settings(server_url=self.url, headers=self.headers, query=self.query, timeout=timeout)


def parse_server(text: str, *, default_parallel: int = 2) -> ServerSpec:
    url, *opts = [part.strip() for part in text.split(",")]
    spec = ServerSpec(url=parse_server_url(url), parallel=default_parallel)
    for opt in opts:
        key, sep, value = opt.partition("=")
        if not sep:
            raise ConfigError(f"--server {url}: option {opt!r} is not key=value")
        if key in ("parallel", "expect"):
            try:
                n = int(value)
            except ValueError:
                n = 0
            if n < 1:
                raise ConfigError(f"--server {url}: {key} must be a positive integer, got {value!r}")
            spec = replace(spec, **{key: n})
        elif key == "query":
            spec = replace(spec, query=spec.query + (parse_query(value),))
        elif key == "header":
            spec = replace(spec, headers=spec.headers + (parse_header(value),))
        else:
            raise ConfigError(f"--server {url}: unknown option {key!r} (parallel, query, header, expect)")
    return spec


@dataclass(frozen=True)
class CampaignPlan:
    process: str
    template: dict[str, Any]
    servers: tuple[ServerSpec, ...]
    db: str = "campaign.db"
    report_dir: str = "campaign-report"
    crs: str | None = None
    retries: int = 2
    backoff: float = 2.0
    max_failed_tiles: int = 0
    expect_max_concurrency: int | None = None
    job_timeout: float = 600.0
    request_timeout: float = 30.0
    poll_max: float = 5.0
    map_every: float = 2.0
    tiles_source: str = ""

    def expected(self, server: ServerSpec) -> int | None:
        return server.expect if server.expect is not None else self.expect_max_concurrency

    def redact(self, text: str) -> str:
        for s in self.servers:
            text = s.settings(1).redact(text)
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CampaignPlan:
        d = dict(d)
        d["servers"] = tuple(ServerSpec(url=s["url"], parallel=s["parallel"], query=tuple(map(tuple, s["query"])),
                                        headers=tuple(map(tuple, s["headers"])), expect=s["expect"]) for s in d["servers"])
        return cls(**d)


def template_problems(description: Mapping[str, Any], body: Mapping[str, Any]) -> list[str]:
    """Why a filled execute request does not fit the process description (empty when it does)."""
    problems: list[str] = []
    described = input_descriptions(description)
    given = body.get("inputs")
    if not isinstance(given, Mapping):
        return ["'inputs' is not an object"]
    for iid in given:
        if iid not in described:
            problems.append(f"input {iid!r} is not an input of the process (inputs: {', '.join(described) or 'none'})")
    for iid, desc in described.items():
        lo, hi = occurs(desc)
        if iid not in given:
            if lo > 0:
                problems.append(f"required input {iid!r} is missing")
            continue
        values = decode_input(desc, given[iid])
        if hi is not None and len(values) > hi or len(values) < lo:
            problems.append(f"input {iid!r}: {len(values)} occurrence(s), the process takes {lo}..{hi or 'unbounded'}")
        for v in values:
            if isinstance(v, Mapping) and "href" in v:
                continue  # by reference: the server fetches it
            for err in validate_value(input_schema(desc), v)[:2]:
                problems.append(f"input {iid!r}: {err}")
    return problems
