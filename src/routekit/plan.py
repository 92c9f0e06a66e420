"""The compiled, immutable plan of a `.route` file: what the router evaluates.

A `Plan` is made once by `routekit.load` / `routekit.loads` and shared by every router
built from it. It pickles as its source text and name and recompiles when loaded, so
no compiled closure ever needs to be pickled.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Mapping, Optional, Tuple, Union

import attrs

from .conditions import Getter, Node
from .source import Source, Span

if TYPE_CHECKING:  # the AST (and lark behind it) is only needed to compile
    from . import ast


@attrs.frozen
class MemberPlan:
    """A team member: the rep id, its weight (exact) and its tier."""

    rep: str
    weight: Fraction = Fraction(1)
    tier: int = 1
    index: int = 0


@attrs.frozen
class FilterPlan:
    """A ``require`` filter: ``available``, ``under_capacity`` or ``skill``."""

    kind: str
    text: str
    skill: Optional[str] = None
    skill_getter: Optional[Getter] = attrs.field(default=None, eq=False)


@attrs.frozen
class TeamPlan:
    name: str
    members: Tuple[MemberPlan, ...]
    strategy: str = "round_robin"
    cap: Optional[Tuple[int, str]] = None
    filters: Tuple[FilterPlan, ...] = ()
    max_ahead: Optional[int] = None
    catch_up: bool = False

    @property
    def period(self) -> str:
        """The calendar period counts are kept in for balancing: the cap's, else the day."""
        return self.cap[1] if self.cap is not None else "day"


@attrs.frozen
class TeamTargetPlan:
    team: str
    strategy: Optional[str] = None
    text: str = ""


@attrs.frozen
class RepTargetPlan:
    rep: str
    text: str = ""


@attrs.frozen
class OwnerTargetPlan:
    text: str = "account.owner"


@attrs.frozen
class LookupTargetPlan:
    table: str
    text: str = ""


TargetPlan = Union[TeamTargetPlan, RepTargetPlan, OwnerTargetPlan, LookupTargetPlan]
CellTarget = Union[TeamTargetPlan, RepTargetPlan, OwnerTargetPlan]


@attrs.frozen
class TablePlan:
    """A lookup table with its rows indexed by normalized key, for constant-time lookups."""

    name: str
    key_texts: Tuple[str, ...]
    key_getters: Tuple[Getter, ...] = attrs.field(eq=False)
    index: Mapping[Tuple[Tuple[str, Any], ...], CellTarget] = attrs.field(eq=False, factory=dict)
    else_target: Optional[CellTarget] = None
    from_host: bool = False


@attrs.frozen
class RoutePlan:
    """A route (or the fallback): its condition and what it does when it matches."""

    name: str
    condition: Optional[Node] = attrs.field(eq=False)
    condition_text: str
    kind: str  # "assign" | "reject" | "redirect" | "none"
    targets: Tuple[TargetPlan, ...] = ()
    message: Optional[str] = None
    url: Optional[str] = None
    attributes: Tuple[Tuple[str, Any], ...] = ()
    span: Span = attrs.field(default=Span(0, 0, 0, 0), eq=False)


@attrs.frozen
class ScoreItemPlan:
    points: Union[int, Any]
    condition: Node = attrs.field(eq=False)
    text: str = ""


@attrs.frozen
class FunctionUse:
    """A call of a function that is not built in: checked against the host's at `Router()`."""

    name: str
    arity: int
    span: Span


@attrs.frozen
class Requirements:
    """What evaluating the plan will need, known before any lead arrives."""

    lead_fields: FrozenSet[Tuple[str, ...]]
    uses_account: bool
    uses_score: bool
    host_functions: Tuple[FunctionUse, ...]
    host_tables: FrozenSet[str]
    reps: FrozenSet[str]


@attrs.frozen
class FieldPlan:
    name: str
    type_name: str
    required: bool


KEEP_SYNTAX_TREE_BELOW = 256 * 1024  # characters of source: smaller files keep their tree


@attrs.frozen(eq=False)
class Plan:
    """A compiled `.route` file. Build it with `routekit.load` or `routekit.loads`."""

    name: str
    source: Source = attrs.field(repr=False)
    _rules: Optional[ast.RuleFile] = attrs.field(repr=False)  # see `rules`
    routes: Tuple[RoutePlan, ...] = attrs.field(repr=False)
    fallback: Optional[RoutePlan] = attrs.field(repr=False)
    teams: Mapping[str, TeamPlan] = attrs.field(repr=False)
    tables: Mapping[str, TablePlan] = attrs.field(repr=False)
    score: Optional[Tuple[ScoreItemPlan, ...]] = attrs.field(repr=False)
    fields: Optional[Tuple[FieldPlan, ...]] = attrs.field(repr=False)
    expectations: Tuple[ast.Expect, ...] = attrs.field(repr=False)
    requirements: Requirements = attrs.field(repr=False)
    fast_match: Callable[[Any, Any], int] = attrs.field(repr=False)
    fast_score: Optional[Callable[[Any, Any], Any]] = attrs.field(repr=False)
    fast_source: str = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.source.text) > KEEP_SYNTAX_TREE_BELOW:
            object.__setattr__(self, "_rules", None)

    @property
    def rules(self) -> ast.RuleFile:
        """The file's syntax tree, for tools (lint, fmt, graph, the testing kit).

        Deciding never needs it, so a big file's plan drops it after compiling (it is most
        of the plan's memory) and parses the source again on first use.
        """
        if self._rules is None:
            from ._builder import parse

            object.__setattr__(self, "_rules", parse(self.source.text, self.name))
        assert self._rules is not None
        return self._rules

    @property
    def route_names(self) -> Tuple[str, ...]:
        return tuple(r.name for r in self.routes)

    def __reduce__(self) -> Tuple[Any, ...]:
        from .api import loads

        return (loads, (self.source.text, self.name))

    def describe(self) -> Dict[str, Any]:
        """A summary for tools: the routes, teams and tables by name."""
        return {
            "name": self.name,
            "routes": list(self.route_names),
            "fallback": self.fallback is not None,
            "teams": sorted(self.teams),
            "tables": sorted(self.tables),
        }
