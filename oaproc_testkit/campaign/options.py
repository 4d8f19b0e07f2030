"""The campaign's command-line options, shared by ``oaproc-testkit campaign`` and
``loadtests/campaign.py`` (each option also read from an ``OAPROC_CAMPAIGN_*`` environment variable)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..settings import parse_header, parse_query
from .plan import CampaignPlan, parse_server
from .tiles import Tile, TileError, grid, load_tiles, parse_bbox, parse_template


def _env(name: str, default: Any = None) -> Any:
    return os.environ.get("OAPROC_CAMPAIGN_" + name, default)


def add_options(parser: Any, *, group: bool = True) -> None:
    g = parser.add_argument_group("oaproc-testkit campaign") if group else parser
    g.add_argument("--server", action="append", default=None, metavar="URL[,parallel=N][,query=k=v][,header=H: v][,expect=N]",
                   help="a server to run jobs on, with its own limit of jobs in flight (repeatable; in Locust "
                        "the --host is used when none is given) [OAPROC_CAMPAIGN_SERVERS: JSON list]")
    g.add_argument("--process", default=_env("PROCESS"), metavar="ID", help="process to execute per tile")
    g.add_argument("--bbox", default=_env("BBOX"), metavar="MINX,MINY,MAXX,MAXY", help="area to cut into tiles")
    g.add_argument("--tile-size", type=float, default=_env("TILE_SIZE"), metavar="S", help="tile edge in CRS units")
    g.add_argument("--crs", default=_env("CRS", "EPSG:4326"), metavar="EPSG:N", help="CRS of the bbox ({crs} in the template)")
    g.add_argument("--tiles", default=_env("TILES"), metavar="FILE", help="tiles as GeoJSON FeatureCollection, CSV or YAML rows")
    g.add_argument("--template", default=_env("TEMPLATE"), metavar="JSON|@FILE",
                   help="execute request with {bbox} {geometry} {tile_id} {crs} or any column substituted")
    g.add_argument("--db", default=_env("DB", "campaign.db"), metavar="FILE", help="SQLite job database; the same file resumes")
    g.add_argument("--report-dir", default=_env("REPORT_DIR", "campaign-report"), metavar="DIR",
                   help="summary.json, failures.md, map.svg, map.html")
    g.add_argument("--retries", type=int, default=int(_env("RETRIES", 2)), metavar="N", help="retries of a failed tile (2)")
    g.add_argument("--backoff", type=float, default=float(_env("BACKOFF", 2.0)), metavar="S",
                   help="first retry delay, doubled per retry, at most 60 s (2)")
    g.add_argument("--max-failed-tiles", type=int, default=int(_env("MAX_FAILED_TILES", 0)), metavar="N",
                   help="tiles allowed to fail after retries (0)")
    g.add_argument("--expect-max-concurrency", type=int, default=_env("EXPECT_MAX_CONCURRENCY"), metavar="N",
                   help="no server may run more jobs at once (a server's own expect=N overrides)")
    g.add_argument("--parallel", type=int, default=int(_env("PARALLEL", 2)), metavar="N",
                   help="jobs in flight per server unless its parallel=N says otherwise (2)")
    g.add_argument("--job-timeout", type=float, default=float(_env("JOB_TIMEOUT", 600)), metavar="S",
                   help="longest life of one job; later it is 'stuck' (600)")
    g.add_argument("--request-timeout", type=float, default=float(_env("REQUEST_TIMEOUT", 30)), metavar="S",
                   help="timeout of one HTTP request (30)")
    g.add_argument("--poll-max", type=float, default=float(_env("POLL_MAX", 5)), metavar="S",
                   help="longest interval between two polls of a job (5)")
    g.add_argument("--map-every", type=float, default=float(_env("MAP_EVERY", 2)), metavar="S",
                   help="rewrite the status map this often (2)")
    g.add_argument("--no-progress", action="store_true", default=bool(_env("NO_PROGRESS")), help="no live progress display")
    g.add_argument("--header", action="append", default=None, metavar="'Name: value'",
                   help="header sent to every server (repeatable; never written to reports)")
    g.add_argument("--query", action="append", default=None, metavar="key=value",
                   help="query parameter sent to every server (repeatable)")


def plan_from(opts: Any, *, host: str | None = None) -> CampaignPlan:
    """The plan from parsed options; ConfigError/TileError say what is wrong."""
    servers_text = list(opts.server or [])
    env_servers = _env("SERVERS")
    if env_servers:
        servers_text += [str(s) for s in json.loads(env_servers)]
    if not servers_text and host:
        servers_text = [host]
    if not servers_text:
        raise ConfigError("give at least one --server URL")
    if not opts.process:
        raise ConfigError("--process ID is required")
    if not opts.template:
        raise ConfigError("--template JSON (or @file) is required")
    if opts.parallel < 1 or opts.retries < 0 or opts.max_failed_tiles < 0:
        raise ConfigError("--parallel must be >= 1, --retries and --max-failed-tiles >= 0")
    headers = tuple(parse_header(h) for h in (getattr(opts, "header", None) or []))
    query = tuple(parse_query(q) for q in (getattr(opts, "query", None) or []))
    servers = []
    for text in servers_text:
        spec = parse_server(text, default_parallel=opts.parallel)
        servers.append(type(spec)(url=spec.url, parallel=spec.parallel, query=query + spec.query,
                                  headers=headers + spec.headers, expect=spec.expect))
    if len({s.url for s in servers}) != len(servers):
        raise ConfigError("the same --server URL is given twice; raise its parallel=N instead")
    expect = opts.expect_max_concurrency
    return CampaignPlan(process=opts.process, template=parse_template(opts.template), servers=tuple(servers),
                        db=opts.db, report_dir=opts.report_dir, crs=opts.crs, retries=opts.retries,
                        backoff=max(0.0, opts.backoff), max_failed_tiles=opts.max_failed_tiles,
                        expect_max_concurrency=int(expect) if expect is not None else None,
                        job_timeout=opts.job_timeout, request_timeout=opts.request_timeout,
                        poll_max=max(0.2, opts.poll_max), map_every=max(0.2, opts.map_every),
                        tiles_source=opts.tiles or f"bbox {opts.bbox} / {opts.tile_size}")


def tiles_from(opts: Any) -> list[Tile]:
    if opts.tiles and opts.bbox:
        raise ConfigError("give either --tiles FILE or --bbox with --tile-size, not both")
    if opts.tiles:
        return load_tiles(Path(opts.tiles))
    if opts.bbox:
        if opts.tile_size is None:
            raise ConfigError("--bbox needs --tile-size")
        return grid(parse_bbox(opts.bbox), float(opts.tile_size))
    raise TileError("give the work: --bbox MINX,MINY,MAXX,MAXY --tile-size S, or --tiles FILE")
