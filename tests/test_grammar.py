"""The grammar itself: conflict-free in strict mode, and the one copy shipped with the package."""

from __future__ import annotations

from pathlib import Path

import lark

import routekit
from routekit._parser import grammar_text, parser

ROOT = Path(__file__).resolve().parents[1]


def test_grammar_builds_in_strict_mode() -> None:
    # strict=True turns every shift/reduce conflict and terminal collision into an error.
    strict = parser(strict=True)
    assert isinstance(strict, lark.Lark)


def test_the_loaded_grammar_is_the_repository_grammar() -> None:
    assert grammar_text() == (ROOT / "grammar" / "routekit.lark").read_text("utf-8")


def test_the_wheel_ships_the_grammar() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert '"grammar/routekit.lark" = "routekit/grammar/routekit.lark"' in pyproject


def test_keywords_after_a_dot_are_field_names() -> None:
    plan = routekit.loads(
        'route "r" when lead.score == 1 and lead.team == "x" and lead["in"] == 2 { assign rep a }'
    )
    assert plan.requirements.lead_fields == {("score",), ("team",), ("in",)}


def test_words_reserved_only_by_the_grammar_stay_usable_as_names() -> None:
    # `now`, `outcome`, `skill`, `available` are not reserved words of the language.
    plan = routekit.loads(
        "define now = lead.a == 1\n"
        "team outcome { members skill, available }\n"
        'route "r" when now { assign team outcome }\n'
    )
    assert set(plan.teams["outcome"].members[i].rep for i in range(2)) == {"skill", "available"}


def test_the_shipped_parser_tables_match_the_grammar() -> None:
    """Rebuild them with `python scripts/build_parser_tables.py` after a grammar change."""
    from routekit._parser import TABLES_FILE, _shipped_parser, tables_header

    data = (ROOT / "src" / "routekit" / TABLES_FILE).read_bytes()
    header = data.partition(b"\n")[0] + b"\n"
    import json

    shipped, current = json.loads(header), json.loads(tables_header())
    assert shipped["grammar_sha256"] == current["grammar_sha256"], (
        "the grammar changed: run python scripts/build_parser_tables.py"
    )
    if shipped["lark"] == current["lark"]:
        loaded = _shipped_parser()
        assert loaded is not None
        tree = loaded.parse('route "r" when lead.a == 1 { assign rep b }')
        assert tree == parser(strict=True).parse('route "r" when lead.a == 1 { assign rep b }')
