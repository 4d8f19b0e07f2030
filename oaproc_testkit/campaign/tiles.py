"""The work of a campaign: tiles (a regular grid over a bbox, or rows read from a file) and the
execute template filled from each tile.

A regular grid needs neither pyproj nor shapely: tiles are cut in the coordinates of ``--crs``
itself (no reprojection), and a tile is its bbox and the matching GeoJSON polygon.

Template substitution: a JSON string that is exactly ``"{name}"`` becomes the value itself, typed
(``{bbox}`` a list of four numbers, ``{geometry}`` a GeoJSON object, a YAML/GeoJSON property as it
is, a CSV cell that reads as a JSON number or boolean as that); ``{name}`` inside a longer string is
replaced by the value's text (``bbox`` as ``minx,miny,maxx,maxy``, ``geometry`` as GeoJSON text).
Known names: ``tile_id``, ``bbox``, ``geometry``, ``crs`` (an OGC CRS URI), ``minx`` ... ``maxy``,
``row``/``col`` (grid only) and every column or property of the tile.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_TILES = 1_000_000
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class TileError(ValueError):
    """The tiles or the template cannot be used; the message says why."""


@dataclass
class Tile:
    id: str
    bbox: tuple[float, float, float, float] | None = None
    geometry: dict[str, Any] | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def values(self, crs: str | None) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.fields)
        out["tile_id"] = self.id
        if self.bbox is not None:
            out["bbox"] = list(self.bbox)
            out.update(zip(("minx", "miny", "maxx", "maxy"), self.bbox))
        if self.geometry is not None:
            out["geometry"] = self.geometry
        if crs:
            out["crs"] = crs_uri(crs)
        return out


def crs_uri(crs: str) -> str:
    m = re.fullmatch(r"(?i)EPSG:(\d+)", crs.strip())
    if m:
        return f"http://www.opengis.net/def/crs/EPSG/0/{m.group(1)}"
    return crs


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        parts = [float(p) for p in str(text).split(",")]
    except ValueError:
        raise TileError(f"--bbox takes minx,miny,maxx,maxy as numbers, got {text!r}") from None
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise TileError(f"--bbox takes four finite numbers minx,miny,maxx,maxy, got {text!r}")
    minx, miny, maxx, maxy = parts
    if not (minx < maxx and miny < maxy):
        raise TileError(f"--bbox must have minx < maxx and miny < maxy, got {text!r}")
    return minx, miny, maxx, maxy


def polygon(b: tuple[float, float, float, float]) -> dict[str, Any]:
    minx, miny, maxx, maxy = b
    return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]}


def grid(bbox: tuple[float, float, float, float], size: float) -> list[Tile]:
    """Tiles of ``size`` from the lower-left corner; the last row/column is clipped to the bbox."""
    if not (size > 0 and math.isfinite(size)):
        raise TileError(f"--tile-size must be a positive number, got {size!r}")
    minx, miny, maxx, maxy = bbox
    cols = math.ceil((maxx - minx) / size - 1e-9)
    rows = math.ceil((maxy - miny) / size - 1e-9)
    if cols * rows > MAX_TILES:
        raise TileError(f"{cols}x{rows} tiles is more than {MAX_TILES}; use a larger --tile-size")
    tiles = []
    for r in range(rows):
        for c in range(cols):
            b = (_r(minx + c * size), _r(miny + r * size), _r(min(maxx, minx + (c + 1) * size)),
                 _r(min(maxy, miny + (r + 1) * size)))
            tiles.append(Tile(id=f"r{r}c{c}", bbox=b, geometry=polygon(b), fields={"row": r, "col": c}))
    return tiles


def _r(x: float) -> float:
    return round(x, 12)


def load_tiles(path: Path) -> list[Tile]:
    """Tiles from a GeoJSON FeatureCollection (.geojson/.json), CSV rows (.csv) or YAML rows (.yaml/.yml)."""
    if not path.is_file():
        raise TileError(f"--tiles {path}: no such file")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    if suffix in (".geojson", ".json"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise TileError(f"--tiles {path}: not JSON ({exc})") from None
        return _from_features(doc, path)
    if suffix == ".csv":
        rows = [{k: _cell(v) for k, v in row.items() if k} for row in csv.DictReader(text.splitlines())]
    elif suffix in (".yaml", ".yml"):
        rows = yaml.safe_load(text)
        if isinstance(rows, Mapping) and isinstance(rows.get("tiles"), list):
            rows = rows["tiles"]
    else:
        raise TileError(f"--tiles {path}: expected .geojson, .json, .csv, .yaml or .yml")
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise TileError(f"--tiles {path}: expected a list of rows (mappings)")
    return _unique([_from_row(dict(r), i) for i, r in enumerate(rows)], path)


def _cell(value: str | None) -> Any:
    """A CSV cell: a JSON number or boolean as that, anything else as text."""
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, (int, float, bool)) and not isinstance(parsed, str) else value


def _from_row(row: dict[str, Any], index: int) -> Tile:
    tid = str(row.pop("tile_id", row.pop("id", index)))
    bbox = None
    raw = row.get("bbox")
    if isinstance(raw, str) and raw:
        bbox = parse_bbox(raw)
    elif isinstance(raw, list) and len(raw) == 4:
        bbox = parse_bbox(",".join(str(x) for x in raw))
    elif all(k in row for k in ("minx", "miny", "maxx", "maxy")):
        bbox = parse_bbox(",".join(str(row[k]) for k in ("minx", "miny", "maxx", "maxy")))
    row.pop("bbox", None)
    return Tile(id=tid, bbox=bbox, geometry=polygon(bbox) if bbox else None, fields=row)


def _from_features(doc: Any, path: Path) -> list[Tile]:
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise TileError(f"--tiles {path}: expected a GeoJSON FeatureCollection")
    tiles = []
    for i, feat in enumerate(doc["features"]):
        if not isinstance(feat, Mapping) or not isinstance(feat.get("geometry"), Mapping):
            raise TileError(f"--tiles {path}: feature {i} has no geometry")
        props = dict(feat.get("properties") or {})
        tid = feat.get("id", props.pop("tile_id", props.pop("id", i)))
        geom = dict(feat["geometry"])
        tiles.append(Tile(id=str(tid), bbox=_bounds(geom, path, i), geometry=geom, fields=props))
    return _unique(tiles, path)


def _bounds(geom: Mapping[str, Any], path: Path, i: int) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c: Any, depth: int) -> None:
        if depth > 6:
            return
        if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:2]):
            xs.append(float(c[0]))
            ys.append(float(c[1]))
        elif isinstance(c, list):
            for sub in c:
                walk(sub, depth + 1)

    walk(geom.get("coordinates"), 0)
    for g in geom.get("geometries") or []:
        walk(g.get("coordinates") if isinstance(g, Mapping) else None, 0)
    if not xs:
        raise TileError(f"--tiles {path}: feature {i} has no coordinates")
    return min(xs), min(ys), max(xs), max(ys)


def _unique(tiles: list[Tile], path: Path) -> list[Tile]:
    seen: set[str] = set()
    for t in tiles:
        if t.id in seen:
            raise TileError(f"--tiles {path}: tile id {t.id!r} appears twice")
        seen.add(t.id)
    if not tiles:
        raise TileError(f"--tiles {path}: no tiles")
    if len(tiles) > MAX_TILES:
        raise TileError(f"--tiles {path}: more than {MAX_TILES} tiles")
    return tiles


# -- the template -------------------------------------------------------------------------------------
def placeholders(template: Any) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.update(PLACEHOLDER.findall(node))
        elif isinstance(node, Mapping):
            for k, v in node.items():
                walk(k)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(template)
    return found


def _text(value: Any) -> str:
    if isinstance(value, list) and all(isinstance(v, (int, float)) for v in value):
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """The template with every ``{name}`` replaced; an unknown name raises TileError."""
    def sub(text: str) -> Any:
        whole = PLACEHOLDER.fullmatch(text)
        if whole:
            return _value(whole.group(1))
        return PLACEHOLDER.sub(lambda m: _text(_value(m.group(1))), text)

    def _value(name: str) -> Any:
        if name not in values:
            raise TileError(f"template placeholder {{{name}}} is not a field of tile {values.get('tile_id')!r} "
                            f"(fields: {', '.join(sorted(values))})")
        return values[name]

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            return sub(node)
        if isinstance(node, Mapping):
            return {(sub(k) if isinstance(k, str) else k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(template)


def parse_template(text: str) -> dict[str, Any]:
    """``--template``: JSON text or ``@file``; a bare inputs map is wrapped as ``{"inputs": ...}``."""
    if text.startswith("@"):
        p = Path(text[1:])
        if not p.is_file():
            raise TileError(f"--template {text}: no such file")
        text = p.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise TileError(f"--template is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise TileError("--template must be a JSON object (an execute request)")
    return doc if isinstance(doc.get("inputs"), dict) else {"inputs": doc}
