"""One short string matching a schema ``pattern``, found by walking Python's parse of the regular expression.

Deterministic (``inputs.example_value`` must not need hypothesis). Repeats take their minimum count,
alternations their first branch that works, character classes their first member. Look-arounds and
conditionals are given up on (None), and every result is re-checked with ``re.search`` before use.
"""

from __future__ import annotations

import re
from typing import Any

from ._oas_values import compiled_pattern

try:  # Python 3.11+: the parser moved into the re package
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_CATEGORY_CHARS = {
    _c.CATEGORY_DIGIT: "0", _c.CATEGORY_NOT_DIGIT: "a", _c.CATEGORY_SPACE: " ", _c.CATEGORY_NOT_SPACE: "a",
    _c.CATEGORY_WORD: "a", _c.CATEGORY_NOT_WORD: " ",
}
_CATEGORY_TESTS = {
    _c.CATEGORY_DIGIT: str.isdigit, _c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
    _c.CATEGORY_SPACE: str.isspace, _c.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    _c.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    _c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}
_REPEATS = {op for op in (getattr(_c, "MAX_REPEAT", None), getattr(_c, "MIN_REPEAT", None),
                          getattr(_c, "POSSESSIVE_REPEAT", None)) if op is not None}
_NEGATED_CANDIDATES = "aA0_ -x.Z9~"
_MAX_DEPTH = 40


def regex_example(pattern: str) -> str | None:
    """A short string ``re.search(pattern, s)`` accepts, or None when none could be derived."""
    rx = compiled_pattern(pattern)
    if rx is None:
        return None
    try:
        parsed = _p.parse(pattern)
    except (re.error, OverflowError, RecursionError):  # compiled above, so these are the parser's only failures
        return None
    text = _emit(parsed, {}, 0)
    if text is None or not rx.search(text):
        return None
    return text


def _emit(items: Any, groups: dict[int, str], depth: int) -> str | None:
    if depth > _MAX_DEPTH:
        return None
    parts: list[str] = []
    for op, av in items:
        piece: str | None
        if op is _c.LITERAL:
            piece = chr(av)
        elif op is _c.NOT_LITERAL:
            piece = "a" if av != ord("a") else "b"
        elif op is _c.ANY:
            piece = "a"
        elif op is _c.IN:
            piece = _class_char(av)
        elif op is _c.BRANCH:
            piece = next((s for s in (_emit(alt, groups, depth + 1) for alt in av[1]) if s is not None), None)
        elif op is _c.SUBPATTERN:
            gid, sub = av[0], av[-1]
            piece = _emit(sub, groups, depth + 1)
            if piece is not None and gid:
                groups[gid] = piece
        elif op in _REPEATS:
            low, _high, sub = av
            one = _emit(sub, groups, depth + 1)
            piece = None if one is None else one * low
        elif op is _c.AT:
            piece = ""
        elif op is _c.CATEGORY:
            piece = _CATEGORY_CHARS.get(av)
        elif op is _c.GROUPREF:
            piece = groups.get(av, "")
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            piece = _emit(av, groups, depth + 1)
        else:  # look-arounds, conditionals: not worth guessing
            return None
        if piece is None:
            return None
        parts.append(piece)
    return "".join(parts)


def _class_char(items: list[tuple[Any, Any]]) -> str | None:
    negated = any(op is _c.NEGATE for op, _ in items)
    members = [(op, av) for op, av in items if op is not _c.NEGATE]
    if not negated:
        for op, av in members:
            if op is _c.LITERAL:
                return chr(av)
            if op is _c.RANGE:
                return chr(av[0])
            if op is _c.CATEGORY and av in _CATEGORY_CHARS:
                return _CATEGORY_CHARS[av]
        return None
    return next((ch for ch in _NEGATED_CANDIDATES if not _in_class(ch, members)), None)


def _in_class(ch: str, members: list[tuple[Any, Any]]) -> bool:
    for op, av in members:
        if op is _c.LITERAL and ch == chr(av):
            return True
        if op is _c.RANGE and av[0] <= ord(ch) <= av[1]:
            return True
        if op is _c.CATEGORY and _CATEGORY_TESTS.get(av, lambda _ch: True)(ch):
            return True
    return False
