"""Bounded reading of documents a server hands us: parsing (JSON or YAML) and ``$ref`` resolution.

A document is small on the wire and may still be huge once read: YAML anchors and aliases can make
6 KB stand for billions of nodes, and ``$ref``s that fan out (ten levels of ``allOf`` of ten refs) make
a few KB describe 10^9 paths. Everything here is bounded whatever the wire size:

- ``load_document`` parses JSON, else YAML, and refuses (``DocumentError``) a document nested deeper
  than ``MAX_DEPTH`` or counting more than ``MAX_NODES`` nodes once its aliases are expanded. Aliases
  are counted on the composed node graph (memoised per node), before anything is constructed, so a
  YAML bomb costs its wire size; the result shares the aliased objects instead of copying them.
- ``RefResolver`` follows ``$ref``s: JSON pointers in the same document, and other documents on the
  server's own origin (relative references resolve against the referencing document's URL). Fetched
  documents are cached; at most ``MAX_FETCHES`` fetches of at most ``MAX_DOC_BYTES`` each, at most
  ``MAX_HOPS`` references in one chain, cycles detected. A reference that cannot be followed
  (another origin, a failed fetch, too deep) comes back as ``Unresolved`` with the reason, so that a
  check can say "cannot tell" instead of judging what it did not read. Nothing off the server's origin
  is ever fetched.
- ``expanded_size`` counts the nodes a document stands for with its local ``$ref``s followed
  (memoised per target), stopping at a limit: a guard before handing a document to code that
  expands references by path (openapi-spec-validator, jsonschema).

The burst and the suites use the same functions, so every reader of a server document has the same walls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

import yaml

MAX_NODES = 500_000  # nodes of one document, aliases expanded
MAX_DEPTH = 200  # nesting of one document
MAX_DOC_BYTES = 8 * 1024 * 1024  # one referenced document
MAX_FETCHES = 24  # referenced documents fetched per resolver (one API definition)
MAX_HOPS = 32  # $ref after $ref in one chain
MAX_EXPANDED = 200_000  # nodes a document may stand for once its $refs are followed (validator guard)
MAX_INLINED = 20_000  # nodes of one schema copied with its $refs followed (before validating against it)


class DocumentError(ValueError):
    """A document that cannot be read within the bounds (or at all); ``str()`` is the one-line reason."""


# -- parsing -----------------------------------------------------------------------------------------
class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that measures the composed node graph before constructing anything."""

    def compose_document(self) -> Any:  # noqa: D102 - PyYAML hook
        node = super().compose_document()
        _measure_yaml(node)
        return node


def _measure_yaml(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels")
        key = id(node)
        if key in sizes:
            return sizes[key]
        if isinstance(node, yaml.ScalarNode):
            return 1
        if key in active:
            raise DocumentError("a YAML alias that contains itself (recursive document)")
        active.add(key)
        total = 1
        children = node.value if isinstance(node, yaml.SequenceNode) else [x for kv in node.value for x in kv]
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                raise DocumentError(f"a YAML document of more than {MAX_NODES} nodes once its aliases are expanded")
        active.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


def _json_depth_ok(doc: Any) -> None:
    stack: list[tuple[Any, int]] = [(doc, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise DocumentError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if count > 4 * MAX_NODES:
            raise DocumentError(f"a JSON document of more than {4 * MAX_NODES} nodes")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def load_document(body: str | bytes) -> Any:
    """A JSON or YAML document, parsed within the bounds; DocumentError when it is neither or too big.

    JSON is tried first (YAML would accept most JSON too, but slower and with YAML's surprises)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        doc = json.loads(text)
    except RecursionError:
        raise DocumentError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        pass
    else:
        _json_depth_ok(doc)
        return doc
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise DocumentError(f"YAML nested deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DocumentError(f"neither JSON nor YAML ({first[:100]})") from None


# -- $ref resolution ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unresolved:
    """A ``$ref`` that could not be followed: the reference (absolute when known) and why."""

    ref: str
    reason: str

    @property
    def stem(self) -> str:
        """The file name of the reference without extension, lower case (``.../limit.yaml`` -> ``limit``)."""
        return urldefrag(self.ref)[0].rstrip("/").rsplit("/", 1)[-1].split(".")[0].lower()


def pointer(doc: Any, fragment: str) -> tuple[bool, Any]:
    """(found, node) at JSON pointer ``fragment`` (``/components/schemas/x``; ``""`` is the root)."""
    node = doc
    if not fragment:
        return True, node
    if not fragment.startswith("/"):
        return False, None
    for raw in fragment[1:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


Fetcher = Callable[[str], bytes]  # GET of a same-origin URL -> body; raises on failure (any Exception)


class RefResolver:
    """Follows ``$ref``s of one root document (at ``root_url``) within the bounds of this module.

    ``fetch(url)`` returns the body of a same-origin URL (the caller's guarded HTTP layer) and raises
    on failure; ``is_own(url)`` says whether a URL is on the server's origin. Without ``fetch`` only
    references inside the root document are followed."""

    def __init__(self, root: Any, root_url: str, *, fetch: Fetcher | None = None,
                 is_own: Callable[[str], bool] = lambda url: False) -> None:
        self.root_url = urldefrag(root_url)[0]
        self.docs: dict[str, Any] = {self.root_url: root}
        self.failed: dict[str, str] = {}
        self.fetch = fetch
        self.is_own = is_own
        self.fetches = 0

    def document(self, url: str) -> Any | Unresolved:
        """The parsed document at ``url`` (no fragment), fetched once; Unresolved when it cannot be had."""
        url = urldefrag(url)[0]
        if url in self.docs:
            return self.docs[url]
        if url in self.failed:
            return Unresolved(url, self.failed[url])
        reason = ""
        if not url.startswith(("http://", "https://")):
            reason = "not an http(s) reference"
        elif not self.is_own(url):
            reason = "on another origin (the toolkit talks only to the server under test)"
        elif self.fetch is None:
            reason = "referenced documents are not fetched here"
        elif self.fetches >= MAX_FETCHES:
            reason = f"more than {MAX_FETCHES} referenced documents"
        if not reason:
            self.fetches += 1
            try:
                body = self.fetch(url)
                if len(body) > MAX_DOC_BYTES:
                    raise DocumentError(f"larger than {MAX_DOC_BYTES // (1024 * 1024)} MiB")
                self.docs[url] = load_document(body)
                return self.docs[url]
            except Exception as exc:  # noqa: BLE001 - any failure to get it is a reason not to judge
                reason = f"could not be read ({str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__})"
        self.failed[url] = reason
        return Unresolved(url, reason)

    def resolve(self, node: Any, base: str | None = None) -> tuple[Any, str]:
        """Follow ``node``'s ``$ref`` chain: (target, URL of the document it lives in), or
        (Unresolved, base) when a reference cannot be followed. Non-reference nodes come back as is."""
        base = urldefrag(base or self.root_url)[0]
        seen: set[str] = set()
        for _ in range(MAX_HOPS):
            ref = node.get("$ref") if isinstance(node, Mapping) else None
            if not isinstance(ref, str):
                return node, base
            target_url, fragment = urldefrag(urljoin(base, ref))
            absolute = target_url + (f"#{fragment}" if fragment else "")
            if absolute in seen:
                return Unresolved(absolute, "a cycle of references"), base
            seen.add(absolute)
            doc = self.document(target_url)
            if isinstance(doc, Unresolved):
                return Unresolved(absolute if ref.startswith(("http://", "https://")) or not ref.startswith("#")
                                  else ref, doc.reason), base
            found, node = pointer(doc, fragment)
            if not found:
                return Unresolved(absolute, f"JSON pointer #{fragment} not found in {target_url}"), base
            base = target_url
        return Unresolved(str(node.get("$ref")) if isinstance(node, Mapping) else "", f"more than {MAX_HOPS} references in a chain"), base

    def inline(self, node: Any, base: str | None = None, *, limit: int = MAX_INLINED) -> Any | Unresolved:
        """A self-contained copy of ``node`` with every ``$ref`` replaced by its target (for a schema that
        goes to a validator); Unresolved when a reference cannot be followed, a reference is recursive, or
        the copy would exceed ``limit`` nodes. Targets are copied once per reference path, so the limit
        is what bounds a fan-out."""
        budget = [limit]

        def walk(n: Any, where: str, chain: tuple[str, ...], depth: int) -> Any:
            budget[0] -= 1
            if budget[0] < 0:
                raise _TooBig()
            if depth > MAX_DEPTH:
                raise _Stop(Unresolved("", f"nested deeper than {MAX_DEPTH} levels"))
            if isinstance(n, Mapping):
                ref = n.get("$ref")
                if isinstance(ref, str):
                    key = urljoin(where, ref)
                    if key in chain:
                        raise _Stop(Unresolved(key, "a recursive schema (not inlined)"))
                    target, at = self.resolve(n, where)
                    if isinstance(target, Unresolved):
                        raise _Stop(target)
                    return walk(target, at, (*chain, key), depth + 1)
                return {k: walk(v, where, chain, depth + 1) for k, v in n.items()}
            if isinstance(n, list):
                return [walk(v, where, chain, depth + 1) for v in n]
            return n

        try:
            return walk(node, urldefrag(base or self.root_url)[0], (), 0)
        except _TooBig:
            return Unresolved("", f"more than {limit} nodes once its $refs are followed")
        except _Stop as stop:
            return stop.unresolved


class _TooBig(Exception):
    pass


class _Stop(Exception):
    def __init__(self, unresolved: Unresolved) -> None:
        super().__init__(unresolved.reason)
        self.unresolved = unresolved


def expanded_size(doc: Any, limit: int = MAX_EXPANDED) -> int:
    """How many nodes ``doc`` stands for with its local ``$ref``s (``#/...``) followed, counting each
    reference target once per use (as a validator that expands by path would), memoised per target
    and capped: the result is ``limit + 1`` as soon as the count passes ``limit``. Recursive references
    count once (validators stop there too); external references count as one node."""
    memo: dict[str, int] = {}
    active: set[str] = set()
    cap = limit + 1

    def count(node: Any, depth: int) -> int:
        if depth > MAX_DEPTH:
            return cap
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                if ref in memo:
                    return memo[ref]
                if ref in active:
                    return 1
                found, target = pointer(doc, ref[1:])
                if not found:
                    return 1
                active.add(ref)
                n = min(cap, 1 + count(target, depth + 1))
                active.discard(ref)
                memo[ref] = n
                return n
            total = 1
            for v in node.values():
                total += count(v, depth + 1)
                if total >= cap:
                    return cap
            return total
        if isinstance(node, list):
            total = 1
            for v in node:
                total += count(v, depth + 1)
                if total >= cap:
                    return cap
            return total
        return 1

    return min(cap, count(doc, 0))
