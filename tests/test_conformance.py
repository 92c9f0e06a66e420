"""The conformance corpus: `.route` snippets, leads and expected outcomes, as data.

Every ``tests/conformance/*.txt`` file holds chunks in the style of Starlark's test
files. A chunk starts with a ``### title`` line and has two parts split by a ``---``
line::

    ### contains on text is a case-insensitive substring test
    % roster: alex, blake                  (optional directives, before the rules)
    cond: lead.title contains "IT"
    ---
    {"title": "Chief Digital Officer"}  => true
    {"title": "Sales"}                  => false
    {}                                  => unknown trace~"lead.title is missing"

**The rules part** is a `.route` file, loaded as ``test.route`` (so error positions are
relative to the first rules line of the chunk). A ``cond: CONDITION`` line is replaced,
in place, by ``route "c" when CONDITION { reject "c" } route "n" when not (CONDITION)
{ reject "n" }``: the expectation is then the three-valued result of the condition
(``true``, ``false`` or ``unknown``), read from the route event of the decision's JSON
trace, and cross-checked against the route that decided (``c`` when true, ``n`` when
false, none when unknown), so both the true and the false side of every test are checked.

**Lead lines** are a JSON object (Python's reader: ``NaN`` and ``Infinity`` allowed), then
``=>``, then the expectation: an outcome word (``assigned``, ``rejected``,
``redirected``, ``unrouted``, or for a ``cond:`` chunk ``true``/``false``/``unknown``),
an optional assignee right after ``assigned``, and any of ``route=NAME`` (``route=None``
for no route), ``team=NAME``, ``message=TEXT``, ``url=TEXT``, ``score=JSON``,
``attr.NAME=JSON`` (compared with ``to_dict()["attributes"]``), ``trace~TEXT`` (the
text appears in ``explain()``) and ``notrace~TEXT``. Quote with shell rules:
``route="Known account"``.

**Error chunks** have, instead of lead lines, ``RouteError: FIRST LINE`` or
``RouteSyntaxError: FIRST LINE`` — the first line of the error verbatim,
``test.route:LINE:COL: message`` — optionally followed by ``| `` lines giving the rest of
the rendered error verbatim (the source line, the caret line, the hint).

**Directives** (``%`` lines) at the top of a chunk: ``% roster: a, b`` (default: alex,
blake, casey, taylor, jordan, sam, riley, quinn), ``% now: DATETIME`` (default
2026-01-05T15:00:00Z), ``% accounts: JSON``, ``% warns: TEXT`` (Router() must emit a
RoutekitWarning containing TEXT), and ``% xfail: REASON`` (the whole chunk is a known
failure). A ``% xfail: REASON`` line among the lead lines marks only the next lead line.
``% python: 3.11`` runs a chunk only on that Python or newer (atomic groups in patterns).
Known failures are strict: they fail the suite the day they start passing.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import shlex
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import attrs
import pytest

import routekit

CORPUS = Path(__file__).resolve().parent / "conformance"
DEFAULT_ROSTER = ("alex", "blake", "casey", "taylor", "jordan", "sam", "riley", "quinn")
DEFAULT_NOW = "2026-01-05T15:00:00Z"
OUTCOMES = ("assigned", "rejected", "redirected", "unrouted")
TRUTH = ("true", "false", "unknown")
ERROR_KINDS = ("RouteError", "RouteSyntaxError")


@attrs.frozen
class Chunk:
    path: str
    line: int  # line of the ### title in the corpus file
    title: str
    rules: str
    is_cond: bool
    roster: Tuple[str, ...]
    now: str
    accounts: Optional[str]
    warns: Optional[str]
    xfail: Optional[str]


@attrs.frozen
class LeadCase:
    chunk: Chunk
    line: int
    lead_text: str
    expect: str
    xfail: Optional[str]


@attrs.frozen
class ErrorCase:
    chunk: Chunk
    line: int
    kind: str
    first_line: str
    rest: Optional[str]


def _parse_file(path: Path) -> Tuple[List[LeadCase], List[ErrorCase]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = [i for i, text in enumerate(lines) if text.startswith("### ")]
    leads: List[LeadCase] = []
    errors: List[ErrorCase] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[start + 1 : end]
        where = f"{path.name}:{start + 1}"
        try:
            split = body.index("---")
        except ValueError:
            raise AssertionError(f"{where}: a chunk needs a `---` line") from None
        head, tail = body[:split], body[split + 1 :]
        directives: Dict[str, str] = {}
        first_rule = 0
        while first_rule < len(head) and head[first_rule].startswith("%"):
            key, _, value = head[first_rule][1:].partition(":")
            directives[key.strip()] = value.strip()
            first_rule += 1
        unknown = set(directives) - {"roster", "now", "accounts", "warns", "xfail", "python"}
        assert not unknown, f"{where}: unknown directives {sorted(unknown)}"
        minimum = directives.get("python")  # e.g. `% python: 3.11` for newer regex syntax
        if minimum and sys.version_info[:2] < tuple(int(p) for p in minimum.split(".")):
            continue
        rules_lines = head[first_rule:]
        is_cond = False
        for i, text in enumerate(rules_lines):
            if text.startswith("cond:"):
                assert not is_cond, f"{where}: one `cond:` line per chunk"
                is_cond = True
                condition = text[5:].strip()
                rules_lines[i] = (
                    f'route "c" when {condition} {{ reject "c" }} '
                    f'route "n" when not ({condition}) {{ reject "n" }}'
                )
        roster = directives.get("roster")
        chunk = Chunk(
            path=path.name,
            line=start + 1,
            title=lines[start][4:].strip(),
            rules="\n".join(rules_lines).rstrip("\n") + "\n",
            is_cond=is_cond,
            roster=tuple(r.strip() for r in roster.split(",") if r.strip())
            if roster is not None
            else DEFAULT_ROSTER,
            now=directives.get("now", DEFAULT_NOW),
            accounts=directives.get("accounts"),
            warns=directives.get("warns"),
            xfail=directives.get("xfail"),
        )
        pending_xfail: Optional[str] = None
        error: Optional[ErrorCase] = None
        rest: List[str] = []
        for offset, text in enumerate(tail):
            lineno = start + 1 + split + 1 + offset + 1
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("% xfail:"):
                pending_xfail = stripped.partition(":")[2].strip()
                continue
            kind = text.partition(":")[0]
            if kind in ERROR_KINDS:
                assert error is None, f"{where}: one expected error per chunk"
                error = ErrorCase(chunk, lineno, kind, text.partition(": ")[2], None)
                continue
            if text.startswith("|"):
                assert error is not None, f"{path.name}:{lineno}: `|` lines follow an error line"
                rest.append(text[2:] if text.startswith("| ") else text[1:])
                continue
            assert error is None, f"{path.name}:{lineno}: an error chunk has no lead lines"
            lead_text, expect = _split_lead_line(text, f"{path.name}:{lineno}")
            leads.append(LeadCase(chunk, lineno, lead_text, expect, pending_xfail))
            pending_xfail = None
        if error is not None:
            errors.append(attrs.evolve(error, rest="\n".join(rest) if rest else None))
        else:
            assert any(case.chunk is chunk for case in leads), f"{where}: no lead lines"
    return leads, errors


def _split_lead_line(text: str, where: str) -> Tuple[str, str]:
    stripped = text.strip()
    try:
        _, end = json.JSONDecoder().raw_decode(stripped)
    except ValueError as error:
        raise AssertionError(f"{where}: the lead is not JSON: {error}") from None
    rest = stripped[end:].strip()
    assert rest.startswith("=>"), f"{where}: expected `=>` after the lead"
    return stripped[:end], rest[2:].strip()


def _collect() -> Tuple[List[LeadCase], List[ErrorCase]]:
    leads: List[LeadCase] = []
    errors: List[ErrorCase] = []
    for path in sorted(CORPUS.glob("*.txt")):
        more_leads, more_errors = _parse_file(path)
        leads.extend(more_leads)
        errors.extend(more_errors)
    return leads, errors


LEAD_CASES, ERROR_CASES = _collect()


def _params(cases: List[Any], name: Any) -> List[Any]:
    params = []
    for case in cases:
        reason = case.chunk.xfail or getattr(case, "xfail", None)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=name(case), marks=marks))
    return params


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


# ---- running a chunk ------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _router(chunk: Chunk) -> Tuple[routekit.Router, Tuple[str, ...]]:
    plan = routekit.loads(chunk.rules, name="test.route")
    accounts = json.loads(chunk.accounts) if chunk.accounts else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        router = routekit.Router(
            plan, roster=[{"id": rep} for rep in chunk.roster], accounts=accounts
        )
    messages = tuple(
        str(w.message) for w in caught if issubclass(w.category, routekit.RoutekitWarning)
    )
    return router, messages


def _now(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _check_expectation(case: LeadCase, decision: routekit.Decision) -> None:
    tokens = shlex.split(case.expect, comments=False, posix=True)
    assert tokens, "an expectation needs at least an outcome"
    as_dict = decision.to_dict()
    json.dumps(as_dict)  # every decision in the corpus must be JSON-serialisable
    explained = decision.explain()
    where = f"\n--- decision ---\n{explained}"
    _check_trace_agrees(decision, as_dict, where)
    word, rest = tokens[0], tokens[1:]
    if case.chunk.is_cond:
        assert word in TRUTH, f"a cond: chunk expects true, false or unknown, not {word!r}"
        routes = [
            e for e in as_dict["trace"]["events"] if e["kind"] == "route" and e.get("route") == "c"
        ]
        assert len(routes) == 1, f"the trace should try route c exactly once{where}"
        result = routes[0].get("result")
        assert result == word, f"condition is {result}, expected {word}{where}"
        # the outcome must agree with the three-valued result: route c matches when the
        # condition is true, route n (`not (...)`) when it is false, neither when unknown
        expected_route = {"true": "c", "false": "n", "unknown": None}[word]
        assert decision.route == expected_route, (
            f"route {decision.route!r}, expected {expected_route!r}{where}"
        )
        assert decision.outcome == ("unrouted" if expected_route is None else "rejected"), where
    else:
        assert word in OUTCOMES, f"unknown outcome {word!r}"
        assert decision.outcome == word, f"outcome {decision.outcome}, expected {word}{where}"
        if rest and "=" not in rest[0] and "~" not in rest[0]:
            assert decision.assignee == rest[0], (
                f"assignee {decision.assignee!r}, expected {rest[0]!r}{where}"
            )
            rest = rest[1:]
        elif word != "assigned":
            assert decision.assignee is None, where
    for token in rest:
        if token.startswith("trace~"):
            needle = token[len("trace~") :]
            assert needle in explained, f"the trace should say {needle!r}{where}"
            continue
        if token.startswith("notrace~"):
            needle = token[len("notrace~") :]
            assert needle not in explained, f"the trace should not say {needle!r}{where}"
            continue
        key, sep, value = token.partition("=")
        assert sep, f"cannot read {token!r}"
        if key in ("route", "team", "message", "url"):
            expected = None if value == "None" else value
            actual = getattr(decision, key)
            assert actual == expected, f"{key} {actual!r}, expected {expected!r}{where}"
        elif key == "score":
            expected_score = None if value == "None" else json.loads(value)
            assert as_dict["score"] == expected_score, (
                f"score {as_dict['score']!r}, expected {value}{where}"
            )
        elif key.startswith("attr."):
            name = key[len("attr.") :]
            assert name in as_dict["attributes"], f"no attribute {name}{where}"
            actual = as_dict["attributes"][name]
            assert actual == _json_or_text(value), (
                f"attribute {name} = {actual!r}, expected {value}{where}"
            )
        else:
            raise AssertionError(f"unknown expectation key {key!r}")


def _check_trace_agrees(decision: routekit.Decision, as_dict: Dict[str, Any], where: str) -> None:
    """The trace tells the same story as the decision: the routes tried, in file order, are
    not true until the one that decided (the trace is rebuilt by the reference evaluator,
    the decision comes from the fast path, so this is a differential check)."""
    routes = [e for e in as_dict["trace"]["events"] if e["kind"] == "route"]
    results = [e.get("result") for e in routes]
    assert all(r in TRUTH for r in results), f"route results {results}{where}"
    if decision.route not in (None, "fallback"):
        assert routes and routes[-1].get("route") == decision.route, where
        assert results[-1] == "true", where
        assert "true" not in results[:-1], where
    else:
        assert "true" not in results, where


@pytest.mark.parametrize(
    "case", _params(LEAD_CASES, lambda c: f"{c.chunk.path}:{c.line}-{_slug(c.chunk.title)}")
)
def test_lead(case: LeadCase) -> None:
    router, warned = _router(case.chunk)
    if case.chunk.warns is not None:
        assert any(case.chunk.warns in w for w in warned), f"Router() warnings: {warned}"
    lead = json.loads(case.lead_text)
    decision = router.decide(lead, now=_now(case.chunk.now))
    _check_expectation(case, decision)


@pytest.mark.parametrize(
    "case", _params(ERROR_CASES, lambda c: f"{c.chunk.path}:{c.chunk.line}-{_slug(c.chunk.title)}")
)
def test_error(case: ErrorCase) -> None:
    expected_type = getattr(routekit, case.kind)
    with pytest.raises(routekit.RoutekitError) as info:
        routekit.loads(case.chunk.rules, name="test.route")
    error = info.value
    rendered = str(error)
    assert type(error) is expected_type, (
        f"raised {type(error).__name__}, expected {case.kind}:\n{rendered}"
    )
    first, _, rest = rendered.partition("\n")
    assert first == case.first_line, f"\n{rendered}"
    if case.rest is not None:
        # trailing spaces are not significant (and editors strip them from the corpus)
        assert [line.rstrip() for line in rest.split("\n")] == [
            line.rstrip() for line in case.rest.split("\n")
        ], f"\n{rendered}"


def test_corpus_is_not_empty() -> None:
    files = sorted(p.name for p in CORPUS.glob("*.txt"))
    assert len(files) >= 8, files
    assert len(LEAD_CASES) >= 200
    assert len(ERROR_CASES) >= 25


def test_every_chunk_loads_unless_it_expects_an_error() -> None:
    """A lead chunk whose rules do not load is a mistake in the corpus, not in routekit."""
    seen = set()
    for case in LEAD_CASES:
        if case.chunk in seen or case.chunk.xfail:
            continue
        seen.add(case.chunk)
        routekit.loads(case.chunk.rules, name="test.route")
