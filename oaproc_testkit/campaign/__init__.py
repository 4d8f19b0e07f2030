"""The campaign scenario: one job per tile of an area over one or several servers, with a resumable
job database, retries, failure reports grouped by cause and a live status map.

``tiles`` makes the work (a regular grid, or rows from GeoJSON/CSV/YAML) and fills the execute
template; ``db`` is the SQLite job database (one row per tile, one row per attempt); ``engine``
submits, follows, retries and re-attaches; ``map`` draws the tiles coloured by status; ``report``
judges the attempts and writes summary.json and failures.md. ``oaproc-testkit campaign`` and
``loadtests/campaign.py`` are thin front ends over ``run.py``.
"""
