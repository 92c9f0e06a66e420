"""`route_files()`: valid `.route` texts, generated as syntax trees and printed by the formatter.

Every file drawn loads: the generator only builds what the compiler accepts (names defined
before use, literals of the right kind for each operator, unique table keys, defines that
only refer to earlier defines, ``score`` only when there is a score block, ``catch_up``
only on ``balanced`` teams). Printing goes through `routekit._format.format_rules`, so a
file is also in canonical layout and parses back to the tree it came from.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any, List, Optional, Sequence, Tuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from .. import ast
from .._format import format_rules
from ..strategies import LANGUAGE_STRATEGIES

_FIELDS: Tuple[Tuple[Tuple[str, ...], str], ...] = (
    (("state",), "text"),
    (("country",), "text"),
    (("title",), "text"),
    (("source",), "text"),
    (("language",), "text"),
    (("employees",), "number"),
    (("company", "size"), "number"),
    (("Company Size",), "number"),
    (("email",), "email"),
    (("signup",), "date"),
    (("trial",), "bool"),
    (("products",), "list"),
)
_TEXTS = ("CA", "NY", "TX", "US", "IT", "referral", "VP of IT", "web", "Acme")
_CODES = ("CA", "OR", "WA", "NY", "NJ", "TX", "MA", "DE", "FR", "GB")
_PATTERNS = ("[A-Z]{2}", "(?i).*\\bIT\\b.*", "[0-9]{5}", "[a-z]+-[0-9]+", "(?i)vp .*")
_TEAM_NAMES = ("sdr", "west", "enterprise", "support", "northeast", "emea")
_DEFAULT_REPS = ("alex", "blake", "casey", "drew", "taylor", "jordan")


def _literal(kind: str) -> SearchStrategy[ast.Literal]:
    if kind == "number":
        value: SearchStrategy[Any] = st.one_of(
            st.integers(-5, 10_000), st.sampled_from([Decimal("2.5"), Decimal("0.75")])
        )
    elif kind == "date":
        value = st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))
    elif kind == "bool":
        value = st.booleans()
    else:
        value = st.sampled_from(_TEXTS)
    return value.map(ast.Literal)


def _texts(min_size: int = 1) -> SearchStrategy[ast.ListValue]:
    return st.lists(st.sampled_from(_TEXTS), min_size=min_size, max_size=3, unique=True).map(
        lambda items: ast.ListValue(tuple(ast.Literal(i) for i in items))
    )


def _test(
    path: Tuple[str, ...], kind: str, *, score: bool, defines: Sequence[str]
) -> SearchStrategy[ast.Condition]:
    lead = ast.LeadPath(path)
    options: List[SearchStrategy[ast.Condition]] = [
        st.booleans().map(lambda present: ast.Presence(lead, present))
    ]
    if kind == "text":
        options += [
            st.builds(ast.Compare, st.sampled_from(["==", "!="]), st.just(lead), _literal("text")),
            st.builds(ast.In, st.just(lead), _texts(), st.booleans()),
            st.builds(ast.Contains, st.just(lead), _literal("text"), st.just("one")),
            st.builds(ast.Contains, st.just(lead), _texts(), st.sampled_from(["any", "all"])),
            st.builds(
                ast.Affix, st.sampled_from(["starts", "ends"]), st.just(lead), _literal("text")
            ),
            st.builds(ast.Matches, st.just(lead), st.sampled_from(_PATTERNS)),
            st.builds(
                ast.Compare,
                st.just("=="),
                st.just(ast.Call("lower", (lead,))),
                _literal("text").map(lambda lit: ast.Literal(str(lit.value).lower())),
            ),
        ]
    elif kind == "number":
        options += [
            st.builds(
                ast.Compare,
                st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
                st.just(lead),
                _literal("number"),
            ),
            st.builds(
                lambda a, b: ast.Between(lead, ast.Literal(min(a, b)), ast.Literal(max(a, b))),
                st.integers(0, 5000),
                st.integers(0, 5000),
            ),
        ]
    elif kind == "date":
        options += [
            st.builds(ast.Compare, st.sampled_from(["<", ">="]), st.just(lead), _literal("date")),
            st.builds(
                ast.Compare,
                st.sampled_from([">", "<="]),
                st.just(ast.Call("days_since", (lead,))),
                st.integers(0, 400).map(ast.Literal),
            ),
        ]
    elif kind == "bool":
        options.append(st.builds(ast.Compare, st.just("=="), st.just(lead), _literal("bool")))
    elif kind == "email":
        options += [
            st.just(ast.ValueTest(ast.Call("free_email", (lead,)))),
            st.sampled_from(["acme.com", "globex.example"]).map(
                lambda d: ast.Compare("==", ast.Call("domain", (lead,)), ast.Literal(d))
            ),
        ]
    elif kind == "list":
        options += [
            st.builds(ast.Contains, st.just(lead), _texts(), st.sampled_from(["any", "all"])),
            st.builds(
                ast.Compare,
                st.sampled_from([">", "<="]),
                st.just(ast.Call("len", (lead,))),
                st.integers(0, 4).map(ast.Literal),
            ),
        ]
    if score:
        options.append(
            st.builds(
                ast.Compare,
                st.sampled_from([">=", "<"]),
                st.just(ast.ScoreRef()),
                st.integers(-20, 80).map(ast.Literal),
            )
        )
    if defines:
        options.append(st.sampled_from(list(defines)).map(lambda n: ast.ValueTest(ast.NameRef(n))))
    options.append(st.booleans().map(lambda p: ast.Presence(ast.AccountPath(()), p)))
    return st.one_of(options)


@functools.lru_cache(maxsize=64)
def _conditions(score: bool, defines: Tuple[str, ...]) -> SearchStrategy[ast.Condition]:
    """Conditions over the catalogue of fields (built once per kind of file: strategies made
    afresh on every draw would be validated afresh, which is most of the cost)."""
    tests = st.one_of([_test(path, kind, score=score, defines=defines) for path, kind in _FIELDS])
    return st.recursive(
        tests,
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda items: ast.And(tuple(items))),
            st.lists(inner, min_size=2, max_size=3).map(lambda items: ast.Or(tuple(items))),
            inner.map(ast.Not),
        ),
        max_leaves=4,
    )


@st.composite
def _team(draw: st.DrawFn, name: str, reps: Sequence[str], strategies: Sequence[str]) -> ast.Team:
    chosen = draw(st.lists(st.sampled_from(list(reps)), min_size=1, max_size=4, unique=True))
    strategy = draw(st.one_of(st.none(), st.sampled_from(list(strategies))))
    members = []
    for rep in chosen:
        weight = draw(st.one_of(st.none(), st.integers(1, 9), st.just(Decimal("1.5"))))
        tier = draw(st.one_of(st.none(), st.integers(1, 3))) if strategy == "priority" else None
        members.append(ast.Member(rep, weight, tier))
    cap = draw(
        st.one_of(
            st.none(), st.tuples(st.integers(1, 20), st.sampled_from(["day", "week", "month"]))
        )
    )
    filters = draw(
        st.lists(
            st.sampled_from(
                [
                    ast.Filter("available"),
                    ast.Filter("under_capacity"),
                    ast.Filter("skill", "spanish"),
                    ast.Filter("skill", ast.LeadPath(("language",))),
                ]
            ),
            max_size=2,
            unique_by=lambda f: (f.name, repr(f.argument)),
        )
    )
    max_ahead = draw(st.one_of(st.none(), st.integers(1, 5)))
    catch_up = strategy == "balanced" and draw(st.booleans())
    return ast.Team(name, tuple(members), strategy, cap, tuple(filters), max_ahead, catch_up)


@st.composite
def _table(draw: st.DrawFn, name: str, targets: SearchStrategy[ast.Target]) -> ast.Table:
    double = draw(st.booleans())
    key = (
        (ast.LeadPath(("country",)), ast.LeadPath(("state",)))
        if double
        else (ast.LeadPath(("state",)),)
    )
    codes = draw(st.lists(st.sampled_from(_CODES), min_size=1, max_size=6, unique=True))
    rows: List[ast.TableRow] = []
    while codes:
        size = draw(st.integers(1, min(3, len(codes))))
        cells, codes = codes[:size], codes[size:]
        keys = tuple(
            (ast.Literal("US"), ast.Literal(code)) if double else (ast.Literal(code),)
            for code in cells
        )
        rows.append(ast.TableRow(keys, draw(targets)))
    else_target = draw(st.one_of(st.none(), targets))
    return ast.Table(name, key, tuple(rows), else_target)


def _action(
    targets: SearchStrategy[ast.Target], lookups: Sequence[str]
) -> SearchStrategy[ast.Action]:
    chain = targets
    if lookups:
        chain = st.one_of(targets, st.sampled_from(list(lookups)).map(ast.LookupTarget))
    return st.one_of(
        st.lists(chain, min_size=1, max_size=3).map(lambda ts: ast.Assign(tuple(ts))),
        st.sampled_from(["Thanks! Self-serve fits better.", "Not a fit"]).map(ast.Reject),
        st.sampled_from(["https://example.com/webinar", "/resources"]).map(ast.Redirect),
    )


def _sets() -> SearchStrategy[Tuple[ast.SetAttribute, ...]]:
    return st.lists(
        st.tuples(
            st.sampled_from(["meeting", "priority", "tag", "sla_minutes"]),
            st.one_of(_literal("text"), _literal("number"), _literal("bool")),
        ),
        max_size=2,
        unique_by=lambda pair: pair[0],
    ).map(lambda pairs: tuple(ast.SetAttribute(n, v) for n, v in pairs))


def route_files(
    *,
    reps: Sequence[str] = _DEFAULT_REPS,
    max_routes: int = 4,
    max_teams: int = 3,
    max_tables: int = 1,
    max_defines: int = 2,
    score: bool = True,
    fallback: bool = True,
    strategies: Optional[Sequence[str]] = None,
) -> SearchStrategy[str]:
    """The text of `.route` files that load, in canonical layout.

    Files have up to ``max_defines`` defines, an optional score block, up to ``max_teams``
    teams over ``reps`` (every strategy of the language unless ``strategies`` narrows it,
    with weights, tiers, caps, ``require`` filters, ``max_ahead`` and ``catch_up``), up to
    ``max_tables`` tables, between one and ``max_routes`` routes (assign chains, rejects,
    redirects, ``set``), and usually a fallback.

    Raises:
        InvalidArgument: no reps, a count below its minimum, or an unknown strategy.
    """
    rep_list = list(reps)
    if isinstance(reps, str) or not rep_list or not all(isinstance(r, str) and r for r in rep_list):
        raise InvalidArgument(f"reps= is a non-empty list of rep ids, not {reps!r}")
    for name, value, least in (
        ("max_routes", max_routes, 1),
        ("max_teams", max_teams, 0),
        ("max_tables", max_tables, 0),
        ("max_defines", max_defines, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidArgument(f"{name} must be a whole number >= {least}, not {value!r}")
    if max_teams > len(_TEAM_NAMES):
        raise InvalidArgument(f"max_teams is at most {len(_TEAM_NAMES)}")
    chosen = sorted(LANGUAGE_STRATEGIES) if strategies is None else list(strategies)
    unknown = [s for s in chosen if s not in LANGUAGE_STRATEGIES]
    if unknown or not chosen:
        raise InvalidArgument(
            f"strategies= must name some of {', '.join(sorted(LANGUAGE_STRATEGIES))}"
        )

    @st.composite
    def files(draw: st.DrawFn) -> str:
        statements: List[ast.Statement] = []
        defines: List[str] = []
        for i in range(draw(st.integers(0, max_defines))):
            condition = draw(_conditions(False, tuple(defines)))
            statements.append(ast.Define(f"d{i}", condition))
            defines.append(f"d{i}")
        has_score = score and draw(st.booleans())
        if has_score:
            items = draw(
                st.lists(
                    st.tuples(
                        st.one_of(st.integers(-50, 50), st.just(Decimal("2.5"))),
                        _conditions(False, tuple(defines)),
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
            statements.append(ast.Score(tuple(ast.ScoreItem(p, c) for p, c in items)))
        team_names = list(_TEAM_NAMES[: draw(st.integers(0, max_teams))])
        for name in team_names:
            statements.append(draw(_team(name, rep_list, chosen)))
        simple_targets: List[SearchStrategy[ast.Target]] = [
            st.sampled_from(rep_list).map(ast.RepTarget),
            st.just(ast.OwnerTarget()),
        ]
        if team_names:
            simple_targets.append(
                st.builds(
                    ast.TeamTarget,
                    st.sampled_from(team_names),
                    st.one_of(st.none(), st.sampled_from(chosen)),
                )
            )
        targets = st.one_of(simple_targets)
        tables = [f"t{i}" for i in range(draw(st.integers(0, max_tables)))]
        for name in tables:
            statements.append(draw(_table(name, targets)))
        action = _action(targets, tables)
        conditions = _conditions(has_score, tuple(defines))
        for i in range(draw(st.integers(1, max_routes))):
            when: Optional[ast.Condition] = draw(st.one_of(st.none(), conditions))
            actions = (draw(action), *draw(_sets()))
            statements.append(ast.Route(f"route {i + 1}", when, actions))
        if fallback and draw(st.booleans()):
            statements.append(ast.Fallback((draw(action), *draw(_sets()))))
        return format_rules(ast.RuleFile(tuple(statements)))

    return files()
