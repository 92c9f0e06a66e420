"""Deeper checks of a loaded plan: the findings ``routekit check`` reports beyond load errors.

`lint` looks at a `Plan` that already loaded (so everything `load` rejects is settled) and
returns `Diagnostic` findings, each with a stable code, a span and a hint: routes that can
never match, conditions that can never be true, teams with no members, reps missing from a
roster, unused defines, teams and tables, and a note on what the fallback catches.

Theory of operation
-------------------
Shadowing and impossibility are claimed only when they are certain. A condition is read as a
conjunction of *atoms*, each a test of one lead field against literals, and an atom is true
exactly when one *view* of the field's value is defined and lies in a *region*:

- the **number** view (tests against number literals): the value read as a number, as
  ``conditions.as_number`` does; regions are intervals with open or closed ends, minus
  excluded points, optionally restricted to a finite set (``in``, ``==``);
- the **date** view (date literals): the value read as a calendar date;
- the **text** view (text literals that do not read as a number, a date or true/false):
  defined only for text, compared after trimming and case folding; regions are finite sets
  (``==``, ``in``) or everything but a finite set (``!=``, ``not in``);
- the **bool** view (``true``/``false``).

Any test of a missing field is unknown, never true, so every value atom also says "present";
``is missing`` / ``is present`` are presence atoms. A conjunction is impossible when one
field's presence or one view's region is empty. Route B is shadowed by an earlier route A
when, for every atom a of A, B together with "not a" is impossible (B ⊆ a for each a, so
B ⊆ A). Every step is an emptiness test, so a mistake can only cost a finding, never invent
one. Dropping a conjunct makes a condition *weaker*, which is safe for B and for
impossibility, so there unmodelled conjuncts (``or``, ``contains``, functions, ``account``,
``score``) are simply left out; A must be modelled exactly, with nothing left out.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from typing import (
    Any,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import attrs

from . import ast
from ._text import normalize_text, parse_date, parse_datetime, parse_number
from .errors import Diagnostic, did_you_mean
from .plan import Plan
from .source import UNKNOWN_SPAN, Span

__all__ = ["CODES", "lint"]

#: Every finding code `lint` may return, with its default severity.
CODES: Dict[str, str] = {
    "shadowed-route": "warning",
    "shadowed-fallback": "warning",
    "impossible-condition": "warning",
    "empty-team": "warning",
    "rep-not-in-roster": "warning",
    "unused-define": "warning",
    "unused-team": "warning",
    "unused-table": "warning",
    "fallback-catches": "info",
}

# Comparing every route with every earlier one is quadratic; past this many comparisons the
# shadowing check stops (it only ever loses findings by stopping, never invents one).
_MAX_COMPARISONS = 200_000

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Bound = Tuple[Any, bool]  # (value, inclusive)


def lint(plan: Plan, *, roster_ids: Optional[Iterable[str]] = None) -> List[Diagnostic]:
    """Find likely mistakes in a loaded plan; pure (reads ``plan.rules`` and ``plan.source``).

    Args:
        plan: a plan from `routekit.load` / `routekit.loads`.
        roster_ids: the rep ids of a roster; when given, reps the rules name but the roster
            lacks are reported.

    Returns:
        The findings in file order: warnings, and an ``info`` note about the fallback.
    """
    ids = None if roster_ids is None else frozenset(roster_ids)
    return _Linter(plan, ids).run()


# ---- the model ------------------------------------------------------------------------


@attrs.frozen
class _Region:
    """A set of values of one view: inside both bounds, in ``only`` if given, not in ``without``."""

    lo: Optional[Bound] = None
    hi: Optional[Bound] = None
    only: Optional[FrozenSet[Any]] = None
    without: FrozenSet[Any] = frozenset()

    def holds(self, value: Any) -> bool:
        if self.lo is not None and (value < self.lo[0] or (value == self.lo[0] and not self.lo[1])):
            return False
        if self.hi is not None and (value > self.hi[0] or (value == self.hi[0] and not self.hi[1])):
            return False
        if self.only is not None and value not in self.only:
            return False
        return value not in self.without

    def meet(self, other: _Region) -> _Region:
        only = self.only
        if other.only is not None:
            only = other.only if only is None else only & other.only
        return _Region(
            _tighter(self.lo, other.lo, low=True),
            _tighter(self.hi, other.hi, low=False),
            only,
            self.without | other.without,
        )

    def is_empty(self, view: str) -> bool:
        """True only when no value of the view lies in the region (values treated as dense)."""
        if self.only is not None:
            return not any(self.holds(v) for v in self.only if _possible(view, v))
        if view == "bool":
            return not any(self.holds(v) for v in (False, True))
        if self.lo is not None and self.hi is not None:
            if self.lo[0] > self.hi[0]:
                return True
            if self.lo[0] == self.hi[0]:
                return not (self.lo[1] and self.hi[1]) or self.lo[0] in self.without
        return False

    def complement(self) -> List[_Region]:
        """Regions whose union is every value of the view outside this one."""
        pieces: List[_Region] = []
        if self.only is not None:
            pieces.append(_Region(without=self.only))
        if self.without:
            pieces.append(_Region(only=self.without))
        if self.lo is not None:
            pieces.append(_Region(hi=(self.lo[0], not self.lo[1])))
        if self.hi is not None:
            pieces.append(_Region(lo=(self.hi[0], not self.hi[1])))
        return pieces

    def contains(self, other: _Region, view: str) -> bool:
        """Every value in ``other`` is in this region."""
        return all(other.meet(piece).is_empty(view) for piece in self.complement())


def _tighter(a: Optional[Bound], b: Optional[Bound], *, low: bool) -> Optional[Bound]:
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0]:
        return (a[0], a[1] and b[1])
    if low:
        return a if a[0] > b[0] else b
    return a if a[0] < b[0] else b


def _possible(view: str, value: Any) -> bool:
    # A present text value is never blank, so its trimmed, case-folded form is never "".
    return not (view == "text" and value == "")


@attrs.frozen
class _Atom:
    """A test of one lead field: a value test (``view`` and ``region``) or a presence test."""

    field: Tuple[str, ...]
    view: Optional[str]  # None for `is present` / `is missing`
    region: Optional[_Region]
    present: bool
    text: str
    chain: Tuple[str, ...] = ()  # the defines it came through, outermost first


@attrs.frozen
class _Conjunction:
    """The atoms of a condition read as ``and``; ``exact`` when nothing was left out."""

    atoms: Tuple[_Atom, ...]
    exact: bool


def _conflict(atoms: Sequence[_Atom]) -> Optional[List[_Atom]]:
    """A small set of atoms that cannot all be true, or None if none was found."""
    by_field: Dict[Tuple[str, ...], List[_Atom]] = {}
    for atom in atoms:
        by_field.setdefault(atom.field, []).append(atom)
    for group in by_field.values():
        missing = [a for a in group if a.view is None and not a.present]
        present = [a for a in group if a.view is not None or a.present]
        if missing and present:
            return [missing[0], present[0]]
        views: Dict[str, List[_Atom]] = {}
        for atom in group:
            if atom.view is not None:
                views.setdefault(atom.view, []).append(atom)
        for view, members in views.items():
            if _meet_all(members).is_empty(view):
                return _minimize(members, view)
    return None


def _meet_all(atoms: Sequence[_Atom]) -> _Region:
    region = _Region()
    for atom in atoms:
        assert atom.region is not None
        region = region.meet(atom.region)
    return region


def _minimize(atoms: List[_Atom], view: str) -> List[_Atom]:
    """Drop atoms that the emptiness does not need, so the message names only the culprits."""
    kept = list(atoms)
    for atom in list(atoms):
        trial = [a for a in kept if a is not atom]
        if trial and _meet_all(trial).is_empty(view):
            kept = trial
    return kept


def _contained(b: Sequence[_Atom], a: Sequence[_Atom]) -> bool:
    """Every lead making all of ``b`` true makes all of ``a`` true."""
    b_fields: Dict[Tuple[str, ...], List[_Atom]] = {}
    for atom in b:
        b_fields.setdefault(atom.field, []).append(atom)
    for atom in a:
        group = b_fields.get(atom.field, [])
        if atom.view is None:
            if atom.present:
                ok = any(x.view is not None or x.present for x in group)
            else:
                ok = any(x.view is None and not x.present for x in group)
        else:
            same = [x for x in group if x.view == atom.view]
            assert atom.region is not None
            ok = bool(same) and atom.region.contains(_meet_all(same), atom.view)
        if not ok:
            return False
    return True


# ---- reading conditions into the model --------------------------------------------------


def _literal_key(value: Any) -> Optional[Tuple[str, Any]]:
    """The view a literal is compared in, and its key there; None outside the model."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, Decimal)):
        return ("number", Fraction(value))
    if isinstance(value, dt.datetime):
        return None  # a date-time compares as a date against a date value: not one view
    if isinstance(value, dt.date):
        return ("date", value)
    if isinstance(value, str):
        # Text that reads as a number, a date or a bool equals non-text values too.
        if (
            parse_number(value) is not None
            or parse_date(value) is not None
            or parse_datetime(value) is not None
            or normalize_text(value) in ("true", "false")
        ):
            return None
        return ("text", normalize_text(value))
    return None


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Reader:
    """Turns AST conditions into conjunctions of atoms, expanding defines."""

    def __init__(self, plan: Plan) -> None:
        self.source = plan.source
        self.defines: Dict[str, ast.Define] = {
            s.name: s for s in plan.rules.statements if isinstance(s, ast.Define)
        }
        self.shown: Dict[Tuple[str, Any], str] = {}  # a literal key and how it was written

    def text(self, span: Span) -> str:
        return " ".join(self.source.text[span.start : span.end].split())

    def conjunction(self, node: Optional[ast.Condition]) -> _Conjunction:
        if node is None:
            return _Conjunction((), True)
        atoms: List[_Atom] = []
        exact = True
        stack: List[Tuple[ast.Condition, Tuple[str, ...]]] = [(node, ())]
        while stack:
            item, chain = stack.pop()
            if isinstance(item, ast.And):
                stack.extend((i, chain) for i in reversed(item.items))
                continue
            if isinstance(item, ast.ValueTest) and isinstance(item.value, ast.NameRef):
                define = self.defines.get(item.value.name)
                if define is None or define.name in chain:  # pragma: no cover - load refuses
                    exact = False
                    continue
                stack.append((define.condition, (*chain, define.name)))
                continue
            atom = self.atom(item, chain)
            if atom is None:
                exact = False
            else:
                atoms.append(atom)
        return _Conjunction(tuple(atoms), exact)

    def atom(self, node: ast.Condition, chain: Tuple[str, ...]) -> Optional[_Atom]:
        text = self.text(node.span)
        negated = False
        while isinstance(node, ast.Not):
            negated, node = not negated, node.item
        if isinstance(node, ast.Presence):
            if not isinstance(node.value, ast.LeadPath):
                return None
            return _Atom(node.value.steps, None, None, node.present != negated, text, chain)
        made = self.value_test(node)
        if made is None:
            return None
        path, view, region = made
        if negated:
            pieces = region.complement()
            if len(pieces) != 1:
                return None
            region = pieces[0]
        return _Atom(path.steps, view, region, True, text, chain)

    def value_test(self, node: ast.Condition) -> Optional[Tuple[ast.LeadPath, str, _Region]]:
        if isinstance(node, ast.Compare):
            left, right, op = node.left, node.right, node.op
            if isinstance(right, ast.LeadPath) and isinstance(left, ast.Literal):
                left, right, op = right, left, _FLIP[op]
            if not (isinstance(left, ast.LeadPath) and isinstance(right, ast.Literal)):
                return None
            key = self.key(right)
            if key is None:
                return None
            view, value = key
            if op == "==":
                return left, view, _Region(only=frozenset([value]))
            if op == "!=":
                return left, view, _Region(without=frozenset([value]))
            if view not in ("number", "date"):
                return None
            if op in ("<", "<="):
                return left, view, _Region(hi=(value, op == "<="))
            return left, view, _Region(lo=(value, op == ">="))
        if isinstance(node, ast.In):
            if not isinstance(node.value, ast.LeadPath) or not isinstance(
                node.options, ast.ListValue
            ):
                return None
            keys = [self.key(i) if isinstance(i, ast.Literal) else None for i in node.options.items]
            views = {k[0] for k in keys if k is not None}
            if not keys or None in keys or len(views) != 1:
                return None  # `in []` is false for any present value: not one view
            values = frozenset(k[1] for k in keys if k is not None)
            region = _Region(without=values) if node.negated else _Region(only=values)
            return node.value, views.pop(), region
        if isinstance(node, ast.Between):
            if not (
                isinstance(node.value, ast.LeadPath)
                and isinstance(node.low, ast.Literal)
                and isinstance(node.high, ast.Literal)
            ):
                return None
            low, high = self.key(node.low), self.key(node.high)
            if low is None or high is None or low[0] != high[0] or low[0] not in ("number", "date"):
                return None
            return node.value, low[0], _Region(lo=(low[1], True), hi=(high[1], True))
        return None

    def key(self, literal: ast.Literal) -> Optional[Tuple[str, Any]]:
        key = _literal_key(literal.value)
        if key is not None:
            self.shown.setdefault(key, self.text(literal.span))
        return key


# ---- the checks ---------------------------------------------------------------------------


def _path_text(steps: Tuple[str, ...]) -> str:
    return "lead" + "".join(f".{s}" if _NAME.match(s) else f"[{_quote(s)}]" for s in steps)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rep_text(rep: str) -> str:
    return rep if _NAME.match(rep) else _quote(rep)


def _and_list(items: Sequence[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f"{',' if len(items) > 2 else ''} {word} " + items[-1]


def _or_list(items: Sequence[str]) -> str:
    return _and_list(items, "or")


_VIEW_NAMES = {"number": "a number", "date": "a date", "text": "text", "bool": "true or false"}


class _Linter:
    def __init__(self, plan: Plan, roster_ids: Optional[FrozenSet[str]]) -> None:
        self.plan = plan
        self.roster_ids = roster_ids
        self.reader = _Reader(plan)
        self.findings: List[Diagnostic] = []
        statements = plan.rules.statements
        self.routes = [s for s in statements if isinstance(s, ast.Route)]
        self.fallback = next((s for s in statements if isinstance(s, ast.Fallback)), None)
        self.impossible_defines: Set[str] = set()
        self.impossible_routes: Set[str] = set()

    def add(self, code: str, message: str, span: Span, hint: Optional[str] = None) -> None:
        self.findings.append(Diagnostic(code, message, span, hint, CODES[code]))

    def run(self) -> List[Diagnostic]:
        self.check_impossible()
        caught_by = self.check_shadowing()
        self.check_teams()
        self.check_roster()
        self.check_unused()
        if caught_by is None:
            self.describe_fallback()
        return sorted(self.findings, key=lambda d: (d.span.start, d.code))

    # ---- impossible conditions ------------------------------------------------------------

    def check_impossible(self) -> None:
        for statement in self.plan.rules.statements:
            if isinstance(statement, ast.Define):
                what = f"define {statement.name}"
                if self.impossible(statement.condition, what, "is never true", True):
                    self.impossible_defines.add(statement.name)
        for statement in self.plan.rules.statements:
            if isinstance(statement, ast.Route) and statement.condition is not None:
                what = f'route "{statement.name}"'
                if self.impossible(statement.condition, what, "can never match", True):
                    self.impossible_routes.add(statement.name)
            elif isinstance(statement, ast.Score):
                for item in statement.items:
                    self.impossible(item.condition, "this score item", "never counts", True)

    def impossible(self, node: ast.Condition, what: str, verdict: str, top: bool) -> bool:
        """Report ``node`` (or each alternative of an ``or``) if it can never be true."""
        if isinstance(node, ast.Or):
            found = [self.impossible(item, what, verdict, False) for item in node.items]
            return all(found)
        conflict = _conflict(self.reader.conjunction(node).atoms)
        if conflict is None:
            return False
        common = set(conflict[0].chain).intersection(*(a.chain for a in conflict[1:]))
        if common & self.impossible_defines:
            return True  # already reported where the define is written
        message = f"{what} {verdict}: {self.why(conflict)}"
        if not top:
            message = f"this part of {what} is never true: {self.why(conflict)}"
        self.add("impossible-condition", message, node.span, self.impossible_hint(conflict))
        return True

    def why(self, conflict: List[_Atom]) -> str:
        shown = [
            f"`{a.text}`" + (f" (from define {a.chain[-1]})" if a.chain else "") for a in conflict
        ]
        if len(shown) == 1:
            return f"{shown[0]} is never true"
        verb = "both" if len(shown) == 2 else "all"
        return f"{_and_list(shown)} cannot {verb} be true"

    def impossible_hint(self, conflict: List[_Atom]) -> Optional[str]:
        if any(a.view is None for a in conflict):
            return "a test of a missing field is unknown, never true; only `is missing` holds"
        if len(conflict) == 1:
            region = conflict[0].region
            if conflict[0].view == "text" and region is not None and region.only == frozenset([""]):
                return "blank text counts as missing: write `is missing`"
            if region is not None and region.lo is not None and region.hi is not None:
                return "write the lower bound first: `between LOW and HIGH`"
            return None
        return "did you mean `or`?"

    # ---- shadowing -------------------------------------------------------------------------

    def check_shadowing(self) -> Optional[ast.Route]:
        """Report shadowed routes; return the route that catches every lead, if any."""
        exact: List[Tuple[ast.Route, _Conjunction]] = []
        catch_all: Optional[ast.Route] = None
        budget = _MAX_COMPARISONS
        for route in self.routes:
            model = self.reader.conjunction(route.condition)
            if route.name in self.impossible_routes:
                continue
            if catch_all is not None:
                self.report_shadowed(route, catch_all)
                continue
            for earlier, earlier_model in exact[:budget]:
                if _contained(model.atoms, earlier_model.atoms):
                    self.report_shadowed(route, earlier)
                    break
            budget = max(0, budget - len(exact))
            if model.exact and _conflict(model.atoms) is None:
                exact.append((route, model))
                if not model.atoms:
                    catch_all = route
        if catch_all is not None and self.fallback is not None:
            line = catch_all.span.line
            self.add(
                "shadowed-fallback",
                f'the fallback can never run: route "{catch_all.name}" (line {line}) '
                "has no condition and catches every lead first",
                self.fallback.span,
                f'remove the fallback, or give route "{catch_all.name}" a condition',
            )
        return catch_all

    def report_shadowed(self, route: ast.Route, by: ast.Route) -> None:
        line = by.span.line
        if by.condition is None:
            message = (
                f'route "{route.name}" can never match: route "{by.name}" (line {line}) '
                "has no condition and catches every lead first"
            )
            hint = f'move route "{by.name}" to the end, or give it a condition'
        else:
            message = (
                f'route "{route.name}" can never match: every lead it matches is caught '
                f'first by route "{by.name}" (line {line})'
            )
            hint = f'move it above route "{by.name}", or narrow route "{by.name}"'
        self.add("shadowed-route", message, route.name_span, hint)

    # ---- teams and reps ---------------------------------------------------------------------

    def check_teams(self) -> None:
        for statement in self.plan.rules.statements:
            if isinstance(statement, ast.Team) and not statement.members:
                self.add(
                    "empty-team",
                    f"team {statement.name} has no members",
                    statement.name_span,
                    "a team with no members never yields anyone: add `members ...`",
                )

    def check_roster(self) -> None:
        if self.roster_ids is None:
            return
        places: Dict[str, Span] = {}
        for rep, span in _rep_places(self.plan.rules):
            if span.line > 0 and (rep not in places or span.start < places[rep].start):
                places[rep] = self.name_in(rep, span)
        for rep in sorted(self.plan.requirements.reps - self.roster_ids):
            hint = did_you_mean(rep, self.roster_ids)
            self.add(
                "rep-not-in-roster",
                f"rep {_rep_text(rep)} is not in the roster",
                places.get(rep, UNKNOWN_SPAN),
                hint or "a rep missing from the roster is never eligible: add it to the roster",
            )

    def name_in(self, rep: str, span: Span) -> Span:
        """The span of ``rep`` as written inside ``span`` (a member, a target, an expectation)."""
        text = self.plan.source.text
        for written in (rep, _quote(rep)):
            pattern = re.compile(r"(?<![A-Za-z0-9_\"])" + re.escape(written) + r"(?![A-Za-z0-9_])")
            # In an expectation the rep follows `assignee`; elsewhere it comes first.
            start = span.start
            after = text.find("assignee", span.start, span.end)
            if after >= 0:
                start = after
            found = pattern.search(text, start, span.end)
            if found is not None:
                line, column = self.plan.source.position(found.start())
                return Span(found.start(), found.end(), line, column)
        return span

    # ---- unused names -------------------------------------------------------------------------

    def check_unused(self) -> None:
        declared: Dict[Tuple[str, str], Span] = {}
        uses: Dict[Tuple[str, str], Set[Tuple[str, str]]] = {}  # item -> what it uses
        roots: Set[Tuple[str, str]] = set()
        for statement in self.plan.rules.statements:
            if isinstance(statement, ast.Define):
                me = ("define", statement.name)
                declared[me] = statement.name_span
                uses[me] = _condition_uses(statement.condition)
            elif isinstance(statement, ast.Team):
                declared[("team", statement.name)] = statement.name_span
            elif isinstance(statement, ast.Table):
                me = ("table", statement.name)
                declared[me] = statement.name_span
                targets = [r.target for r in statement.rows]
                if statement.else_target is not None:
                    targets.append(statement.else_target)
                uses[me] = _target_uses(targets)
            elif isinstance(statement, (ast.Route, ast.Fallback)):
                me = ("route", str(statement.span.start))
                roots.add(me)
                found = _actions_uses(statement.actions)
                if isinstance(statement, ast.Route) and statement.condition is not None:
                    found |= _condition_uses(statement.condition)
                uses[me] = found
            elif isinstance(statement, ast.Score):
                me = ("score", "")
                roots.add(me)
                uses[me] = set()
                for score_item in statement.items:
                    uses[me] |= _condition_uses(score_item.condition)
        reached: Set[Tuple[str, str]] = set()
        todo = list(roots)
        while todo:
            node = todo.pop()
            if node not in reached:
                reached.add(node)
                todo.extend(uses.get(node, ()))
        for item, span in declared.items():
            if item in reached:
                continue
            kind, name = item
            users = sorted(
                f"{k} {n}" for (k, n), used in uses.items() if item in used and (k, n) in declared
            )
            if users:
                verb = "is" if len(users) == 1 else "are"
                message = f"{kind} {name} is used only by {_and_list(users)}, which {verb} unused"
            else:
                message = f"{kind} {name} is never used"
            hint = {
                "define": "remove it, or use it in a route's condition",
                "team": f"remove it, or route to it with `assign team {name}`",
                "table": f"remove it, or route with it: `assign lookup {name}`",
            }[kind]
            self.add(f"unused-{kind}", message, span, hint)

    # ---- the fallback ------------------------------------------------------------------------

    def describe_fallback(self) -> None:
        if self.fallback is None:
            return
        tested: List[str] = []
        for route in self.routes:
            if route.condition is not None:
                for name in _tested(route.condition, self.reader.defines):
                    if name not in tested:
                        tested.append(name)
        if not self.routes:
            message = "the fallback catches every lead: there are no routes"
        elif not tested:
            message = "the fallback catches the leads no route matches"
        else:
            message = (
                "the fallback catches the leads no route matches; the routes test "
                + _and_list(tested)
            )
        facts = self.fallback_facts()
        hint = f"every lead reaching it has {'; '.join(facts)}" if facts else None
        self.add("fallback-catches", message, self.fallback.span, hint)

    def fallback_facts(self) -> List[str]:
        """What routes testing a single field say about every lead the fallback gets."""
        # A lead reaches the fallback only if no route's condition is true. For a route that
        # tests one field in one view, that means the field is missing, has no such view, or
        # lies outside the route's region. Routes testing more than that are left out: this
        # lists facts every fallback lead has, not a complete description.
        outside: Dict[Tuple[str, ...], Dict[str, _Region]] = {}
        presence: Dict[Tuple[str, ...], bool] = {}  # what `is missing`/`is present` routes leave
        for route in self.routes:
            model = self.reader.conjunction(route.condition)
            fields = {a.field for a in model.atoms}
            views = {a.view for a in model.atoms}
            if not model.exact or len(fields) != 1 or len(views) != 1:
                continue
            field, view = fields.pop(), views.pop()
            if view is None:
                if len({a.present for a in model.atoms}) == 1:
                    presence.setdefault(field, not model.atoms[0].present)
                outside.setdefault(field, {})
                continue
            pieces = _meet_all(model.atoms).complement()
            if len(pieces) == 1:
                regions = outside.setdefault(field, {})
                regions[view] = regions[view].meet(pieces[0]) if view in regions else pieces[0]
        facts: List[str] = []
        for field, regions in outside.items():
            name = _path_text(field)
            present = presence.get(field)
            if present is False:
                facts.append(f"{name} missing")
                continue
            for view, region in regions.items():
                options = [] if present else ["missing"]
                options.append(f"not {_VIEW_NAMES[view]}")
                if not region.is_empty(view):
                    options.append(self.describe_region(region, view))
                facts.append(f"{name} {_or_list(options)}")
            if present and not regions:
                facts.append(f"{name} present")
        return facts

    def describe_region(self, region: _Region, view: str) -> str:
        def show(value: Any) -> str:
            return self.reader.shown.get((view, value), str(value))

        parts: List[str] = []
        if region.only is not None:
            values = sorted(v for v in region.only if region.holds(v))
            parts.append(f"one of [{', '.join(show(v) for v in values)}]")
        else:
            if region.lo is not None:
                parts.append(f"{'>=' if region.lo[1] else '>'} {show(region.lo[0])}")
            if region.hi is not None:
                parts.append(f"{'<=' if region.hi[1] else '<'} {show(region.hi[0])}")
            if region.without:
                values = sorted(region.without)
                parts.append(f"not one of [{', '.join(show(v) for v in values)}]")
        return " and ".join(parts)


# ---- walking the AST ------------------------------------------------------------------------


def _children(item: Any) -> Sequence[Any]:
    """The condition and value nodes directly under ``item``, in source order."""
    if isinstance(item, (ast.Or, ast.And, ast.ListValue)):
        return item.items
    if isinstance(item, ast.Not):
        return (item.item,)
    if isinstance(item, ast.Compare):
        return (item.left, item.right)
    if isinstance(item, ast.In):
        return (item.value, item.options)
    if isinstance(item, (ast.Contains, ast.Affix)):
        return (item.value, item.operand)
    if isinstance(item, ast.Between):
        return (item.value, item.low, item.high)
    if isinstance(item, (ast.Matches, ast.Presence, ast.ValueTest)):
        return (item.value,)
    if isinstance(item, ast.Call):
        return item.args
    return ()


def _walk_condition(node: ast.Condition) -> Iterable[Union[ast.Condition, ast.Value]]:
    """Every condition and value node under ``node`` (iteratively: conditions can be long)."""
    stack: List[Any] = [node]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(_children(item))


def _condition_uses(node: ast.Condition) -> Set[Tuple[str, str]]:
    return {
        ("define", item.value.name)
        for item in _walk_condition(node)
        if isinstance(item, ast.ValueTest) and isinstance(item.value, ast.NameRef)
    }


def _target_uses(targets: Iterable[ast.Target]) -> Set[Tuple[str, str]]:
    found: Set[Tuple[str, str]] = set()
    for target in targets:
        if isinstance(target, ast.TeamTarget):
            found.add(("team", target.team))
        elif isinstance(target, ast.LookupTarget):
            found.add(("table", target.table))
    return found


def _actions_uses(actions: Iterable[ast.Action]) -> Set[Tuple[str, str]]:
    found: Set[Tuple[str, str]] = set()
    for action in actions:
        if isinstance(action, ast.Assign):
            found |= _target_uses(action.targets)
    return found


def _rep_places(rules: ast.RuleFile) -> Iterable[Tuple[str, Span]]:
    """Each rep the rules name, with where: members, ``rep`` targets, expectations."""
    for statement in rules.statements:
        if isinstance(statement, ast.Team):
            for member in statement.members:
                yield member.rep, member.span
        elif isinstance(statement, (ast.Route, ast.Fallback)):
            for action in statement.actions:
                if isinstance(action, ast.Assign):
                    for target in action.targets:
                        if isinstance(target, ast.RepTarget):
                            yield target.rep, target.span
        elif isinstance(statement, ast.Table):
            targets = [row.target for row in statement.rows]
            if statement.else_target is not None:
                targets.append(statement.else_target)
            for target in targets:
                if isinstance(target, ast.RepTarget):
                    yield target.rep, target.span
        elif isinstance(statement, ast.Expect):
            for rep in (statement.assignee, *(statement.assignee_in or ())):
                if rep is not None:
                    yield rep, statement.span


def _tested(node: ast.Condition, defines: Dict[str, ast.Define]) -> List[str]:
    """What a condition reads, in order: lead fields, ``account``, ``score`` (through defines)."""
    found: List[str] = []
    expanded: Set[str] = set()
    stack: List[Any] = [node]
    while stack:
        item = stack.pop()
        name: Optional[str] = None
        if isinstance(item, ast.LeadPath):
            name = _path_text(item.steps)
        elif isinstance(item, ast.AccountPath):
            name = "account"
        elif isinstance(item, ast.ScoreRef):
            name = "score"
        elif isinstance(item, ast.ValueTest) and isinstance(item.value, ast.NameRef):
            define = defines.get(item.value.name)
            if define is not None and define.name not in expanded:
                expanded.add(define.name)
                stack.append(define.condition)
        else:
            stack.extend(reversed(_children(item)))
        if name is not None and name not in found:
            found.append(name)
    return found
