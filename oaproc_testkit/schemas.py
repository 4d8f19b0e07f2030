"""Offline validation against the OGC API - Processes 1.0 JSON Schemas (``schemas/*.yaml``).

The schema files are ours, written from the standard (OGC 18-062r2) in JSON Schema 2020-12; each has
an ``$id`` under ``https://oaproc-testkit.invalid/schemas/1.0/`` (a host that can never resolve) and
refers to its siblings by relative ``$ref`` (``link.yaml``). All files go into one
:class:`referencing.Registry`, which has no retrieval function: nothing is ever fetched from the network.

Where the files are found (through :mod:`importlib.resources`):

* in an installed wheel: ``oaproc_testkit/_data/schemas/`` (pyproject force-includes ``schemas/`` there);
* in a checkout or an editable install: the repository's top-level ``schemas/`` folder.

Two modes:

* lenient (default): every ``oneOf`` is read as ``anyOf``, ``statusInfo.type`` is not required, and
  schema objects (schema.yaml) may carry OpenAPI ``x-...`` extensions. The 1.0 ``oneOf`` alternatives
  overlap (a string is also a base64 ``binaryInputValue``, an integer is also a number, a nested
  ``{"$ref"}`` is both a schema and a reference), so read literally they reject valid payloads and
  the standard's own examples; those examples also omit ``statusInfo.type``; and OpenAPI 3.0, whose
  schema objects schema.yaml describes, allows specification extensions that schema.yaml forbids.
* pedantic: the files as written (strict ``oneOf``, ``type`` required, no ``x-`` members).

Both modes are derived from the same loaded documents by a transformation; there is one copy of
the files. Of the ``format`` keywords only ``date-time`` is asserted (RFC 3339, in both modes).

Public API: :func:`validate`, :func:`is_valid`, :func:`schema_names`.
"""

from __future__ import annotations

import calendar
import copy
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource

__all__ = ["is_valid", "schema_names", "validate"]

BASE_URI = "https://oaproc-testkit.invalid/schemas/1.0/"
MAX_ERRORS = 5

# Members that the standard requires but that lenient mode does not (document name -> members).
# statusInfo.type: the standard's StatusInfo.json, StatusInfo-dismissed.json and JobList.json omit it.
_LENIENT_OPTIONAL: dict[str, frozenset[str]] = {"statusInfo": frozenset({"type"})}

# JSON Schema 2020-12 keywords whose value is a subschema, a list of subschemas, or a map of them.
_SUBSCHEMA = frozenset({
    "items", "not", "additionalProperties", "contains", "if", "then", "else", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
})
_SUBSCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAP = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})

_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$"
)


# -- locating and loading the files ---------------------------------------------------------------

def _schema_dir() -> Traversable:
    """The folder holding the ``*.yaml`` schema files: package data first, then the checkout."""
    package = files("oaproc_testkit")
    packaged = package / "_data" / "schemas"
    if packaged.is_dir():
        return packaged
    # Checkout / editable install: the package is a plain directory next to the repository's schemas/.
    checkout = Path(str(package)).parent / "schemas"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"OAProc schema files not found: neither {packaged} (installed wheel) nor {checkout} (checkout) exists"
    )


@functools.cache
def _documents() -> dict[str, dict[str, Any]]:
    """Every schema document, parsed, by name (file name without ``.yaml``). Read once per process."""
    docs: dict[str, dict[str, Any]] = {}
    for entry in _schema_dir().iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        try:
            doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"schema file {entry.name} is not valid YAML: {exc}") from exc
        name = entry.name[: -len(".yaml")]
        if not isinstance(doc, dict) or doc.get("$id") != BASE_URI + entry.name:
            raise ValueError(f"schema file {entry.name}: expected a mapping with $id {BASE_URI + entry.name}")
        docs[name] = doc
    if not docs:
        raise FileNotFoundError(f"no *.yaml schema files in {_schema_dir()}")
    return docs


def schema_names() -> list[str]:
    """Names accepted by :func:`validate` (``"statusInfo"``, ``"execute"``, ...), sorted."""
    return sorted(_documents())


# -- the lenient transformation -------------------------------------------------------------------

def _relax(schema: Any) -> Any:
    """A lenient copy of ``schema``: every ``oneOf`` *keyword* becomes ``anyOf``, and every closed
    object (``additionalProperties: false``, only schema.yaml has one) also accepts OpenAPI
    specification extensions (``x-...`` members, which OpenAPI 3.0 allows in any schema object).

    Walks keyword positions only, so a property that happens to be named ``oneOf`` (schema.yaml
    describes a ``oneOf`` member) is left alone, as are values of ``enum``, ``default`` etc.
    """
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA:
            out[key] = _relax(value)
        elif key in _SUBSCHEMA_LIST and isinstance(value, list):
            out[key] = [_relax(v) for v in value]
        elif key in _SUBSCHEMA_MAP and isinstance(value, Mapping):
            out[key] = {k: _relax(v) for k, v in value.items()}
        else:
            out[key] = copy.deepcopy(value)
    if "oneOf" in out:
        branches = out.pop("oneOf")
        if "anyOf" in out:  # both present: keep the existing anyOf and add ours as a conjunct
            out["allOf"] = [*out.get("allOf", []), {"anyOf": branches}]
        else:
            out["anyOf"] = branches
    if out.get("additionalProperties") is False:
        out["patternProperties"] = {**out.get("patternProperties", {}), "^x-": True}
    return out


def _lenient(name: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The lenient reading of one document (see the module docstring)."""
    out: dict[str, Any] = _relax(doc)
    optional = _LENIENT_OPTIONAL.get(name)
    if optional and isinstance(out.get("required"), list):
        out["required"] = [r for r in out["required"] if r not in optional]
    return out


@functools.cache
def _registry_and_docs(pedantic: bool) -> tuple[Registry, dict[str, dict[str, Any]]]:
    """The registry of all documents in one mode, and the documents themselves."""
    originals = _documents()
    docs = dict(originals) if pedantic else {n: _lenient(n, d) for n, d in originals.items()}
    registry: Registry = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in docs.values()
    )
    return registry.crawl(), docs


# -- formats --------------------------------------------------------------------------------------

def _is_rfc3339_date_time(value: object) -> bool:
    """True for an RFC 3339 ``date-time`` (``2021-05-03T10:00:00.5+02:00``, ``...Z``); non-strings pass.

    A UTC offset is mandatory, fractional seconds are optional, a leap second (``:60``) is allowed,
    and the calendar date must exist.
    """
    if not isinstance(value, str):
        return True
    m = _DATE_TIME.match(value)
    if m is None:
        return False
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    off_h, off_m = m.group(7), m.group(8)
    return off_h is None or (int(off_h) <= 23 and int(off_m) <= 59)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_rfc3339_date_time)
    return checker


# -- validation -----------------------------------------------------------------------------------

@functools.cache
def _validator(name: str, pedantic: bool) -> Draft202012Validator:
    registry, docs = _registry_and_docs(pedantic)
    if name not in docs:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(sorted(docs))}")
    return Draft202012Validator(docs[name], registry=registry, format_checker=_format_checker())


def _json_path(parts: Iterable[object]) -> str:
    """``["jobs", 0, "status"]`` -> ``$.jobs[0].status`` (odd keys in brackets: ``$['a b']``)."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: ValidationError) -> str:
    """jsonschema's message, with a long leading instance repr cut down to a readable size."""
    msg = str(error.message)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping) \
            and isinstance(error.schema, Mapping) and error.schema.get("patternProperties"):
        # jsonschema words this as "'x' does not match any of the regexes: '^x-'"; say what is wrong instead.
        known = set(error.schema.get("properties", {}))
        patterns = [re.compile(p) for p in error.schema["patternProperties"]]
        extra = sorted(k for k in error.instance if k not in known and not any(p.search(k) for p in patterns))
        msg = f"Additional properties are not allowed ({', '.join(map(repr, extra))} unexpected; only x-... extensions may be added)"
    full = repr(error.instance)
    if len(full) > 80 and msg.startswith(full):
        msg = _short(error.instance) + msg[len(full):]
    return msg if len(msg) <= 400 else msg[:399] + "…"


def _depth(error: ValidationError) -> int:
    """How far into the instance an error (or, for anyOf/oneOf, any of its alternatives) got."""
    own = len(error.absolute_path)
    return max([own, *(_depth(e) for e in error.context)]) if error.context else own


def _rank(error: ValidationError) -> tuple[int, int]:
    """Relevance of one alternative's error: deeper is better; a type mismatch or a missing
    member at the same depth says the alternative was not meant, anything else says it nearly fit."""
    kind = {"type": 0, "required": 1}.get(str(error.validator), 2)
    return _depth(error), kind


def _closest(error: ValidationError) -> ValidationError | None:
    """For an unmatched anyOf/oneOf, the error of the alternative that came closest (recursively)."""
    current = error
    for _ in range(100):  # nesting of anyOf/oneOf is finite; the bound only guards against surprises
        if not current.context:
            break
        current = max(current.context, key=_rank)
    return None if current is error else current


def _line(error: ValidationError) -> str:
    """One human-readable line for a top-level error; for an unmatched anyOf/oneOf, name the closest branch."""
    line = f"at {_json_path(error.absolute_path)}: {_message(error)}"
    closest = _closest(error)
    if closest is not None:
        line += f" (closest alternative: at {_json_path(closest.absolute_path)}: {_message(closest)})"
    return line


def _errors(instance: object, name: str, pedantic: bool) -> Iterator[ValidationError]:
    yield from sorted(_validator(name, pedantic).iter_errors(instance),
                      key=lambda e: (list(map(str, e.absolute_path)), e.message))


def validate(instance: object, name: str, *, pedantic: bool = False) -> list[str]:
    """Validate ``instance`` (parsed JSON) against the schema ``name`` (``"statusInfo"``, no ``.yaml``).

    Returns at most five lines like ``at $.jobs[0].status: 'done' is not one of [...]``; an empty
    list means valid. Raises KeyError for an unknown name.
    """
    lines: list[str] = []
    for error in _errors(instance, name, pedantic):
        lines.append(_line(error))
        if len(lines) >= MAX_ERRORS:
            break
    return lines


def is_valid(instance: object, name: str, *, pedantic: bool = False) -> bool:
    """True when ``instance`` is valid against the schema ``name``. Raises KeyError for an unknown name."""
    return bool(_validator(name, pedantic).is_valid(instance))
