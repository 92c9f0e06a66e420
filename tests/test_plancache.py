"""The compiled-plan cache (``cache_dir``): same plans, never stale, never in the way."""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import routekit
from routekit import _plancache

NOW = dt.datetime(2026, 11, 23, 17, tzinfo=dt.timezone.utc)
ROSTER = [{"id": r} for r in ["alex", "blake", "casey"]]

SMALL = """
team sdr { members alex, blake, casey }
score {
  20 when lead.employees >= 500
  10 when lead.title contains "VP"
}
route "spam" when lead.email ends with "@spam.example" { reject "no" }
route "hot" when score >= 20 { assign rep alex set tier = "gold" }
route "us" when lead.country in ["US", "CA"] and lead.employees between 10 and 499 {
  assign team sdr
}
fallback { assign team sdr }
"""

LEADS: List[Dict[str, Any]] = [
    {"email": "x@spam.example"},
    {"employees": 900, "title": "VP Sales"},
    {"country": "us", "employees": 40},
    {"country": "FR"},
    {},
]


def big(count: int) -> str:
    lines = ["team sdr { members alex, blake }"]
    lines += [
        f'route "t{n}" when lead.country == "US" and lead.state == "S{n}" {{ assign rep casey }}'
        for n in range(count)
    ]
    return "\n".join([*lines, "fallback { assign team sdr }"])


def same_decisions(a: routekit.Plan, b: routekit.Plan, leads: List[Dict[str, Any]]) -> None:
    first = routekit.Router(a, roster=ROSTER)
    second = routekit.Router(b, roster=ROSTER)
    state = routekit.MemoryState()
    for lead in leads:
        snapshot = state.snapshot()
        one = first.decide(lead, now=NOW, snapshot=snapshot)
        two = second.decide(lead, now=NOW, snapshot=snapshot)
        assert one == two and one.trace == two.trace
        state.apply(one.changes)


def entries(folder: Path) -> List[Path]:
    return sorted(folder.glob("*" + _plancache.SUFFIX))


@pytest.mark.parametrize("text", [SMALL, big(80)], ids=["generated code", "indexed"])
def test_a_cached_plan_decides_like_a_compiled_one(text: str, tmp_path: Path) -> None:
    compiled = routekit.loads(text, "r.route", cache_dir=tmp_path)
    assert len(entries(tmp_path)) == 1
    cached = routekit.loads(text, "r.route", cache_dir=tmp_path)
    assert _plancache.load(text, "r.route", tmp_path) is not None
    assert cached is not compiled
    assert cached.route_names == compiled.route_names
    assert cached.fast_source == compiled.fast_source
    assert cached.rules == compiled.rules
    leads = [*LEADS, {"country": "US", "state": "S79"}, {"country": "US", "state": "S3"}]
    same_decisions(compiled, cached, leads)


def test_the_cache_is_used_not_just_written(tmp_path: Path, monkeypatch: Any) -> None:
    routekit.loads(SMALL, "r.route", cache_dir=tmp_path)

    def no_parsing(*args: Any) -> None:
        raise AssertionError("parsed although the plan was cached")

    monkeypatch.setattr("routekit._builder.parse", no_parsing)
    assert routekit.loads(SMALL, "r.route", cache_dir=tmp_path).route_names == (
        "spam",
        "hot",
        "us",
    )


def test_a_changed_text_or_name_never_reuses_an_entry(tmp_path: Path) -> None:
    routekit.loads(SMALL, "r.route", cache_dir=tmp_path)
    changed = SMALL.replace('reject "no"', 'reject "go away"')
    plan = routekit.loads(changed, "r.route", cache_dir=tmp_path)
    assert plan.routes[0].message == "go away"
    routekit.loads(SMALL, "other.route", cache_dir=tmp_path)
    assert len(entries(tmp_path)) == 3


def test_a_damaged_entry_is_ignored_and_written_again(tmp_path: Path) -> None:
    routekit.loads(SMALL, "r.route", cache_dir=tmp_path)
    (entry,) = entries(tmp_path)
    entry.write_bytes(b"not a pickle")
    plan = routekit.loads(SMALL, "r.route", cache_dir=tmp_path)
    same_decisions(plan, routekit.loads(SMALL, "r.route"), LEADS)
    assert entry.read_bytes() != b"not a pickle"


def test_load_takes_a_cache_dir_too(tmp_path: Path) -> None:
    path = tmp_path / "inbound.route"
    path.write_text(SMALL, encoding="utf-8")
    cache = tmp_path / "cache" / "nested"  # made when first needed
    first = routekit.load(path, cache_dir=cache)
    second = routekit.load(path, cache_dir=cache)
    assert len(entries(cache)) == 1 and second.name == first.name == str(path)


def test_bad_rules_raise_as_usual_and_write_nothing(tmp_path: Path) -> None:
    with pytest.raises(routekit.RouteSyntaxError):
        routekit.loads('route "x" when { }', "bad.route", cache_dir=tmp_path)
    with pytest.raises(routekit.RouteError):
        routekit.loads('route "x" { assign team nobody }', "bad.route", cache_dir=tmp_path)
    assert entries(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores permissions")
def test_an_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        plan = routekit.loads(SMALL, "r.route", cache_dir=tmp_path)
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert plan.route_names == ("spam", "hot", "us")


def test_a_cache_path_that_is_a_file_is_skipped(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    plan = routekit.loads(SMALL, "r.route", cache_dir=blocker)
    assert plan.route_names == ("spam", "hot", "us")


def test_without_cache_dir_nothing_is_written(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    routekit.loads(SMALL, "r.route")
    assert list(tmp_path.iterdir()) == []


def test_entries_depend_on_this_routekit(tmp_path: Path, monkeypatch: Any) -> None:
    before = _plancache.entry_path(SMALL, "r.route", tmp_path)
    monkeypatch.setattr(_plancache, "_fingerprint", lambda: b"another routekit")
    assert _plancache.entry_path(SMALL, "r.route", tmp_path) != before
