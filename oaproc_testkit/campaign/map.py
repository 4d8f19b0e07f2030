"""The status map: every tile drawn in its geometry, coloured by status, as ``map.svg`` and a
self-contained ``map.html`` (no map tiles, scripts or fonts from the internet). Rewritten while the
campaign runs (the HTML reloads itself every few seconds until the final version) and at its end.

Coordinates are drawn as they are (x right, y up) in a box fitted to all tiles; tiles without a
geometry (rows of a CSV without bbox) are laid out as squares in reading order.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .db import STATUSES, TileRow
from .engine import cause_of

COLOURS = {"not_started": "#eceff1", "queued": "#90caf9", "running": "#1e88e5", "successful": "#43a047",
           "failed": "#e53935", "start_failed": "#fb8c00", "lost": "#8e24aa", "stuck": "#6d4c41"}
W, H, PAD, LEGEND_W = 760, 620, 20, 330


def _rings(geom: Any) -> list[list[list[float]]]:
    if not isinstance(geom, dict):
        return []
    t, c = geom.get("type"), geom.get("coordinates")
    if t == "Polygon":
        return [r for r in c or []]
    if t == "MultiPolygon":
        return [r for poly in c or [] for r in poly]
    if t == "GeometryCollection":
        return [r for g in geom.get("geometries") or [] for r in _rings(g)]
    return []


def render_svg(rows: Sequence[TileRow], *, title: str, final: bool) -> str:
    shapes = {r.tile_id: _rings(r.geometry) for r in rows}
    pts = [p for rings in shapes.values() for ring in rings for p in ring if len(p) >= 2]
    out: list[str] = []
    if pts:
        minx, maxx = min(p[0] for p in pts), max(p[0] for p in pts)
        miny, maxy = min(p[1] for p in pts), max(p[1] for p in pts)
        scale = min((W - 2 * PAD) / max(maxx - minx, 1e-12), (H - 2 * PAD) / max(maxy - miny, 1e-12))

        def xy(p: Sequence[float]) -> str:
            return f"{PAD + (p[0] - minx) * scale:.1f},{H - PAD - (p[1] - miny) * scale:.1f}"

        top = H - PAD - (maxy - miny) * scale
        right = PAD + (maxx - minx) * scale
        out.append(f'<text x="{PAD}" y="{H - 5}" font-size="10" fill="#78909c">{minx:g}, {miny:g}</text>'
                   f'<text x="{right:.1f}" y="{max(12.0, top - 5):.1f}" font-size="10" fill="#78909c" '
                   f'text-anchor="end">{maxx:g}, {maxy:g}</text>')
    n_free = sum(1 for r in rows if not shapes[r.tile_id])
    cols = max(1, int(n_free ** 0.5 + 0.999))
    cell = (W - 2 * PAD) / cols if n_free else 0
    free = 0
    for r in rows:
        tip = html.escape(f"{r.tile_id}: {r.status}" + (f" on {r.server}" if r.server else "")
                          + f", attempts {r.attempts}" + (f"\n{r.last_error}" if r.last_error else "")
                          + (f"\n{r.results_note}" if r.results_note else ""))
        fill = COLOURS.get(r.status, "#000")
        if shapes[r.tile_id]:
            d = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in shapes[r.tile_id])
            out.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#37474f" stroke-width="0.6" '
                       f'data-status="{r.status}"><title>{tip}</title></path>')
        else:
            x, y = PAD + (free % cols) * cell, PAD + (free // cols) * cell
            free += 1
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell * 0.92:.1f}" height="{cell * 0.92:.1f}" '
                       f'fill="{fill}" stroke="#37474f" stroke-width="0.6" data-status="{r.status}"><title>{tip}</title></rect>')
    counts = Counter(r.status for r in rows)
    per_server: dict[str, Counter[str]] = {}
    for r in rows:
        if r.server:
            per_server.setdefault(r.server, Counter())[r.status] += 1
    lx = W + 20
    legend = [f'<text x="{lx}" y="28" font-size="15" font-weight="bold">{html.escape(title)}</text>',
              f'<text x="{lx}" y="48" font-size="12" fill="#546e7a">{len(rows)} tiles · '
              f'{"final" if final else "running, refreshed every few seconds"}</text>']
    y = 74
    for s in STATUSES:
        legend.append(f'<rect x="{lx}" y="{y - 11}" width="14" height="14" fill="{COLOURS[s]}" stroke="#37474f" '
                      f'stroke-width="0.6"/><text x="{lx + 22}" y="{y}" font-size="13">{s}</text>'
                      f'<text x="{lx + 150}" y="{y}" font-size="13" text-anchor="end" data-count="{s}">{counts.get(s, 0)}</text>')
        y += 20
    y += 12
    legend.append(f'<text x="{lx}" y="{y}" font-size="13" font-weight="bold">per server</text>')
    for url, c in per_server.items():
        y += 18
        legend.append(f'<text x="{lx}" y="{y}" font-size="12">{html.escape(url)}</text>')
        y += 16
        legend.append(f'<text x="{lx + 10}" y="{y}" font-size="11" fill="#455a64">'
                      + html.escape(", ".join(f"{k} {v}" for k, v in sorted(c.items()))) + "</text>")
    causes = Counter(cause_of(r.status, r.exception, r.last_error) for r in rows
                     if r.status in ("failed", "start_failed", "lost", "stuck"))
    if causes:
        y += 30
        legend.append(f'<text x="{lx}" y="{y}" font-size="13" font-weight="bold">failing now, by cause</text>')
        for cause, n in causes.most_common(6):
            y += 17
            legend.append(f'<text x="{lx}" y="{y}" font-size="11"><tspan font-weight="bold">{n}×</tspan> '
                          f'{html.escape(_short(cause)[:60])}</text>')
    total_h = max(H, y + 20)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W + LEGEND_W}" height="{total_h}" '
            f'viewBox="0 0 {W + LEGEND_W} {total_h}" font-family="sans-serif">'
            f'<rect width="{W}" height="{H}" fill="#fafafa" stroke="#cfd8dc"/>' + "".join(out) + "".join(legend) + "</svg>")


def render_html(svg: str, *, title: str, final: bool, refresh: int = 3) -> str:
    meta = "" if final else f'<meta http-equiv="refresh" content="{refresh}">'
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{meta}<title>{html.escape(title)}</title>'
            '<style>body{font-family:sans-serif;margin:16px;background:#fff}path:hover,rect:hover{stroke:#000;'
            'stroke-width:2}</style></head><body>' + svg +
            '<p style="color:#546e7a;font-size:12px">Hover a tile for its status, server, attempts and last error. '
            'failures.md and summary.json next to this page give the reasons.</p></body></html>\n')


def _short(cause: str) -> str:
    """A cause with URIs cut to their last segment (the legend is narrow; failures.md has them whole)."""
    return " · ".join(p.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] if p.count(":") >= 2 or "://" in p else p
                      for p in cause.split(" · "))


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # a browser reloading the page never sees half a file


def write_map(rows: Sequence[TileRow], out: Path, *, title: str, final: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    svg = render_svg(rows, title=title, final=final)
    _atomic(out / "map.svg", svg)
    _atomic(out / "map.html", render_html(svg, title=title, final=final))
