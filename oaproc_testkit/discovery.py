"""What the server says about itself, fetched once per run: landing page, conformance, processes.

Every document is fetched lazily and cached, success or failure, so that twenty checks that
need the process list cost one request. A failure to fetch a prerequisite is raised as
``Unavailable`` carrying the Finding that explains it; the runner turns it into a failed check
whose headline names the prerequisite.
"""

from __future__ import annotations

import threading

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from . import requirements as R
from .documents import DocumentError, RefResolver, load_document
from .errors import RequestFailed
from .http import Http
from .jobs import json_or_none
from .results import Finding
from .settings import Settings

T = TypeVar("T")
MAX_PAGES = 20


class Unavailable(Exception):
    """A prerequisite document could not be had; ``finding`` says why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.headline)
        self.finding = finding


def links_of(doc: Any) -> list[dict[str, Any]]:
    """The ``links`` array of a document, keeping only well-formed link objects."""
    links = doc.get("links") if isinstance(doc, Mapping) else None
    if not isinstance(links, list):
        return []
    return [lk for lk in links if isinstance(lk, Mapping) and isinstance(lk.get("href"), str)]


def find_links(doc: Any, *rels: str) -> list[dict[str, Any]]:
    """Links whose ``rel`` is one of ``rels``."""
    return [lk for lk in links_of(doc) if lk.get("rel") in rels]


OPENAPI_RELS = ("openapi", "service", "api", "service-definition")


def definition_links(doc: Any) -> list[dict[str, Any]]:
    """Links that carry the API definition under another relation than ``service-desc``: an OpenAPI media
    type, or a relation name such as ``OpenAPI`` or ``service``. The missing ``service-desc`` is the
    landing-page test's finding; the definition tests still read the document, so they can judge it."""
    out = []
    for lk in links_of(doc):
        rel = str(lk.get("rel", "")).lower()
        kind = str(lk.get("type", "")).lower()
        if rel == "service-doc" or "html" in kind:
            continue
        if "openapi" in kind or "vnd.oai" in kind or rel in OPENAPI_RELS:
            out.append(lk)
    return out


class ServerSnapshot:
    """Lazily fetched, cached discovery documents of the server under test."""

    def __init__(self, http: Http, settings: Settings) -> None:
        self.http = http
        self.settings = settings
        self._cache: dict[Any, tuple[bool, Any]] = {}
        self._locks: dict[Any, threading.RLock] = {}
        self._locks_lock = threading.Lock()

    # -- generic cache ------------------------------------------------------------------------------
    def cached(self, key: Any, factory: Callable[[], T]) -> T:
        """Run ``factory`` once per key; later calls return its value or re-raise its exception.

        Thread-safe: checks run concurrently, and a second caller of a key waits for the first one's value."""
        if key not in self._cache:
            with self._locks_lock:
                lock = self._locks.setdefault(key, threading.RLock())
            with lock:
                if key not in self._cache:
                    try:
                        self._cache[key] = (True, factory())
                    except (Unavailable, RequestFailed) as exc:
                        self._cache[key] = (False, exc)
        ok, value = self._cache[key]
        if ok:
            return value
        raise value

    def fetch_json(self, url: str, requirement: str, what: str) -> tuple[httpx.Response, Any]:
        """GET ``url`` expecting 200 JSON; Unavailable otherwise."""
        try:
            resp = self.http.get(url)
        except RequestFailed as exc:
            raise Unavailable(Finding(requirement, "GET", exc.url, f"{what} (200 JSON)", exc.reason)) from None
        doc = json_or_none(resp)
        if resp.status_code != 200 or doc is None:
            got = f"status {resp.status_code}" + ("" if doc is not None else f", {_ctype(resp)} body that is not JSON")
            raise Unavailable(Finding(requirement, "GET", str(resp.request.url), f"{what} (200 JSON)", got))
        return resp, doc

    # -- documents ----------------------------------------------------------------------------------
    @property
    def landing(self) -> tuple[httpx.Response, Any]:
        return self.cached("landing", lambda: self.fetch_json(self.settings.server_url, "/req/core/landingpage-success", "the landing page"))

    @property
    def landing_doc(self) -> Any:
        return self.landing[1]

    @property
    def conformance(self) -> list[str]:
        """The declared conformance URIs (from GET {root}/conformance)."""

        def load() -> list[str]:
            _, doc = self.fetch_json(self.http.url("/conformance"), "/req/core/conformance-success", "the conformance declaration")
            classes = doc.get("conformsTo") if isinstance(doc, Mapping) else None
            if not isinstance(classes, list):
                raise Unavailable(Finding("/req/core/conformance-success", "GET", self.http.url("/conformance"),
                                          "a conformsTo array", "none"))
            return [c for c in classes if isinstance(c, str)]

        return self.cached("conformance", load)

    def declared_classes(self) -> set[str]:
        return {c for c in (R.class_of(u) for u in self.conformance) if c}

    def declares(self, conf_class: str) -> bool:
        return conf_class in self.declared_classes()

    @property
    def process_summaries(self) -> list[dict[str, Any]]:
        """All process summaries of /processes, following ``next`` links (bounded)."""

        def load() -> list[dict[str, Any]]:
            url = self.http.url("/processes")
            out: list[dict[str, Any]] = []
            seen: set[str] = set()
            for _ in range(MAX_PAGES):
                _, doc = self.fetch_json(url, "/req/core/process-list-success", "the process list")
                procs = doc.get("processes") if isinstance(doc, Mapping) else None
                if not isinstance(procs, list):
                    raise Unavailable(Finding("/req/core/process-list-success", "GET", url, "a processes array", "none"))
                out += [p for p in procs if isinstance(p, Mapping) and isinstance(p.get("id"), str)]
                seen.add(url)
                nxt = [lk["href"] for lk in find_links(doc, "next")]
                if not nxt or not procs:
                    break
                url = self.http.resolve(url, nxt[0])
                if url in seen or not self.http.is_own(url):
                    break
            return out

        return self.cached("processes", load)

    @property
    def process_ids(self) -> list[str]:
        """Process IDs to exercise: --process selection, else every listed process (capped)."""
        ids = [p["id"] for p in self.process_summaries]
        if self.settings.processes:
            return [p for p in self.settings.processes if p in ids] or list(self.settings.processes)
        return ids[: self.settings.max_processes]

    def description(self, process_id: str) -> dict[str, Any]:
        def load() -> dict[str, Any]:
            _, doc = self.fetch_json(self.http.url(f"/processes/{process_id}"), "/req/core/process-success",
                                     f"the description of process {process_id!r}")
            if not isinstance(doc, Mapping):
                raise Unavailable(Finding("/req/core/process-success", "GET", self.http.url(f"/processes/{process_id}"),
                                          "a JSON object", type(doc).__name__))
            return dict(doc)

        return self.cached(("description", process_id), load)

    def descriptions(self) -> dict[str, dict[str, Any]]:
        """Descriptions of every selected process that could be fetched."""
        out = {}
        for pid in self.process_ids:
            try:
                out[pid] = self.description(pid)
            except (Unavailable, RequestFailed):
                continue
        return out

    def job_control(self, process_id: str) -> list[str]:
        """jobControlOptions of a process (description first, then its summary)."""
        for doc in (self._safe_description(process_id), self._summary(process_id)):
            opts = doc.get("jobControlOptions") if isinstance(doc, Mapping) else None
            if isinstance(opts, list):
                return [o for o in opts if isinstance(o, str)]
        return []

    def _summary(self, process_id: str) -> dict[str, Any]:
        try:
            return next((p for p in self.process_summaries if p.get("id") == process_id), {})
        except (Unavailable, RequestFailed):
            return {}

    def _safe_description(self, process_id: str) -> dict[str, Any]:
        try:
            return self.description(process_id)
        except (Unavailable, RequestFailed):
            return {}

    @property
    def api_definition(self) -> tuple[str, Any]:
        """(URL, parsed document) of the first service-desc link of the landing page."""

        def load() -> tuple[str, Any]:
            links = find_links(self.landing_doc, "service-desc") or definition_links(self.landing_doc)
            if not links:
                raise Unavailable(Finding("/req/core/landingpage-success", "GET", self.settings.server_url,
                                          "a service-desc link", "none"))
            url = self.http.resolve(str(self.landing[0].request.url), links[0]["href"])
            try:
                resp = self.http.get(url, accept="application/vnd.oai.openapi+json;version=3.0, application/json;q=0.9, */*;q=0.1")
            except RequestFailed as exc:
                raise Unavailable(Finding("/req/core/api-definition-success", "GET", exc.url, "the API definition", exc.reason)) from None
            doc, why = read_definition(resp)
            if resp.status_code != 200 or doc is None:
                raise Unavailable(Finding("/req/core/api-definition-success", "GET", url,
                                          "200 with a JSON or YAML API definition",
                                          f"status {resp.status_code}, {_ctype(resp)}" + (f": {why}" if why else "")))
            return url, doc

        return self.cached("api", load)

    @property
    def api_resolver(self) -> RefResolver:
        """The ``$ref`` resolver of the API definition: same-origin documents only, bounded, cached."""

        def make() -> RefResolver:
            url, doc = self.api_definition

            def fetch(target: str) -> bytes:
                resp = self.http.get(target, accept="application/vnd.oai.openapi+json;version=3.0, application/json;q=0.9, "
                                                    "application/yaml;q=0.8, */*;q=0.5")
                if resp.status_code != 200:
                    raise ValueError(f"status {resp.status_code}")
                return resp.content

            return RefResolver(doc, url, fetch=fetch, is_own=self.http.is_own)

        return self.cached("api-resolver", make)


def read_definition(resp: httpx.Response) -> tuple[Mapping[str, Any] | None, str]:
    """(an API definition body as a mapping, "") or (None, why): JSON, else YAML (OpenAPI documents come
    both ways), parsed within the bounds of ``documents.load_document``."""
    try:
        doc = load_document(resp.content)
    except DocumentError as exc:
        return None, str(exc)
    return (doc, "") if isinstance(doc, Mapping) else (None, f"a JSON/YAML {type(doc).__name__}, not an object")


def definition_document(resp: httpx.Response) -> Mapping[str, Any] | None:
    """An API definition body as a mapping (JSON or YAML, bounded), or None."""
    return read_definition(resp)[0]


def _ctype(resp: httpx.Response) -> str:
    return resp.headers.get("content-type", "no Content-Type")
