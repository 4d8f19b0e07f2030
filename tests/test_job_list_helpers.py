"""Pure helpers of the job-list checks and their jobs fixture: picking processes, times, durations, $refs."""

from __future__ import annotations

from datetime import datetime, timezone

from oaproc_testkit.checks import _jobs_fixture as fx
from oaproc_testkit.documents import RefResolver, Unresolved
from oaproc_testkit.checks.job_list import _splitting_cases, standard_names, duration_of, parse_time, rfc3339

SLEEPER = {"id": "sleep_a_while", "inputs": {
    "duration": {"schema": {"type": "number", "default": 10.0}},
    "fail": {"schema": {"type": "boolean", "default": False}}}}


def test_delay_and_fail_inputs_are_recognised_by_name_and_type() -> None:
    assert fx.delay_input(SLEEPER) == ("duration", {"type": "number", "default": 10.0})
    assert fx.fail_input(SLEEPER) == "fail"
    text_pause = {"inputs": {"pause": {"schema": {"type": "string"}}}}
    assert fx.delay_input(text_pause) is None  # a delay must be numeric
    assert fx.fail_input({"inputs": {"fail": {"schema": {"type": "string"}}}}) is None


def test_failing_processes_are_recognised_by_id_or_title_only_as_words() -> None:
    assert fx.looks_failing({"id": "always-fail"})
    assert fx.looks_failing({"id": "x", "title": "Raises an error"})
    assert not fx.looks_failing({"id": "failover-echo"})
    assert not fx.looks_failing({"id": "echo", "title": "Echo"})


def test_delay_value_respects_the_declared_bounds_and_integer_type() -> None:
    assert fx.delay_value({"type": "integer", "maximum": 20}, 30.0) == 20
    assert fx.delay_value({"type": "integer", "minimum": 1}, 0) == 1
    assert fx.delay_value({"type": "number"}, 2.5) == 2.5
    assert isinstance(fx.delay_value({"type": "integer"}, 2.5), int)


def test_rfc3339_times_parse_with_z_offsets_and_naive_values_as_utc() -> None:
    a = parse_time("2024-05-01T10:00:00Z")
    assert a == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert parse_time("2024-05-01T12:00:00+02:00") == a
    assert parse_time("2024-05-01T10:00:00") == a
    assert parse_time("yesterday") is None and parse_time(None) is None
    assert rfc3339(a) == "2024-05-01T10:00:00Z"


def test_duration_follows_requirement_75() -> None:
    now = datetime(2024, 5, 1, 10, 1, tzinfo=timezone.utc)
    done = {"status": "successful", "started": "2024-05-01T10:00:00Z", "finished": "2024-05-01T10:00:03Z"}
    running = {"status": "running", "started": "2024-05-01T10:00:00Z"}
    assert duration_of(done, now) == 3.0
    assert duration_of(running, now) == 60.0
    assert duration_of({"status": "successful", "started": "2024-05-01T10:00:00Z"}, now) is None
    assert duration_of({"status": "accepted"}, now) is None


def test_local_refs_resolve_and_external_refs_are_reported() -> None:
    doc = {"components": {"parameters": {"a": {"$ref": "#/components/parameters/b"}, "b": {"name": "limit"}}}}
    res = RefResolver(doc, "http://127.0.0.1:1/api")
    assert res.resolve({"$ref": "#/components/parameters/a"}) == ({"name": "limit"}, "http://127.0.0.1:1/api")
    ext = "https://schemas.opengis.net/ogcapi/processes/part1/1.0/openapi/parameters/limit.yaml"
    node, _ = res.resolve({"$ref": ext})  # another origin: reported with the reason, never fetched
    assert isinstance(node, Unresolved) and node.ref == ext and "another origin" in node.reason
    assert standard_names(node) == ["limit"]
    loop = RefResolver({"x": {"$ref": "#/x"}}, "http://127.0.0.1:1/api")
    node, _ = loop.resolve({"$ref": "#/x"})  # a cycle ends (bounded), it does not hang
    assert isinstance(node, Unresolved) and "cycle" in node.reason


def test_duration_bounds_between_quick_and_slow_jobs() -> None:
    quick = fx.KnownJob("successful", "p", "q", "u")
    slow = fx.KnownJob("successful", "p", "s", "u")
    cases = _splitting_cases([quick, slow], {"q": 0.2, "s": 3.1}, top=5)
    assert [c[0] for c in cases] == [[("maxDuration", "1")], [("minDuration", "3")],
                                     [("minDuration", "3"), ("maxDuration", "5")]]
    assert _splitting_cases([quick, slow], {"q": 0.2, "s": 1.5}, top=3) == []  # no clear gap: nothing tried
