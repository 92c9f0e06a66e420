"""The abstract syntax tree of a `.route` file: frozen attrs classes with source spans.

Spans are kept out of equality (``eq=False``) so the same rules written with other
spacing or comments compare equal; that is what the formatter's round-trip property
relies on. Nodes carry no behaviour: evaluation lives in the compiler and router.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional, Tuple, Union

import attrs

from .source import UNKNOWN_SPAN, Span


def _span() -> Span:
    return attrs.field(default=UNKNOWN_SPAN, eq=False, repr=False)


# ---- values ----------------------------------------------------------------------

LiteralValue = Union[str, int, Decimal, bool, dt.date, dt.datetime]


@attrs.frozen
class Literal:
    """A constant: text, a number (int or exact Decimal), a bool, a date or a date-time."""

    value: LiteralValue
    span: Span = _span()


@attrs.frozen
class ListValue:
    """A list written in brackets; its items are values (normally literals)."""

    items: Tuple[Value, ...]
    span: Span = _span()


@attrs.frozen
class LeadPath:
    """``lead.a.b`` or ``lead["Company Size"]``: the steps into the lead."""

    steps: Tuple[str, ...]
    span: Span = _span()


@attrs.frozen
class AccountPath:
    """``account.stage``; with no steps, the bare ``account`` (only before is missing/present)."""

    steps: Tuple[str, ...]
    span: Span = _span()


@attrs.frozen
class ScoreRef:
    """The lead score computed by the file's ``score`` block."""

    span: Span = _span()


@attrs.frozen
class Call:
    """A built-in or host-registered function applied to values."""

    name: str
    args: Tuple[Value, ...]
    span: Span = _span()


@attrs.frozen
class NameRef:
    """A bare name: a define when used as a test; an error anywhere a value is needed."""

    name: str
    span: Span = _span()


Value = Union[Literal, ListValue, LeadPath, AccountPath, ScoreRef, Call, NameRef]


# ---- conditions --------------------------------------------------------------------


@attrs.frozen
class Or:
    items: Tuple[Condition, ...]
    span: Span = _span()


@attrs.frozen
class And:
    items: Tuple[Condition, ...]
    span: Span = _span()


@attrs.frozen
class Not:
    item: Condition
    span: Span = _span()


@attrs.frozen
class Compare:
    """``left OP right`` with OP one of == != < <= > >=."""

    op: str
    left: Value
    right: Value
    span: Span = _span()


@attrs.frozen
class In:
    """``value [not] in [ ... ]``."""

    value: Value
    options: Value
    negated: bool = False
    span: Span = _span()


@attrs.frozen
class Contains:
    """``value contains x`` (mode "one"), ``contains any [...]`` or ``contains all [...]``."""

    value: Value
    operand: Value
    mode: str = "one"
    span: Span = _span()


@attrs.frozen
class Affix:
    """``value starts with x`` (kind "starts") or ``value ends with x`` (kind "ends")."""

    kind: str
    value: Value
    operand: Value
    span: Span = _span()


@attrs.frozen
class Matches:
    """``value matches "REGEX"`` (a full match)."""

    value: Value
    pattern: str
    span: Span = _span()
    pattern_span: Span = _span()


@attrs.frozen
class Between:
    """``value between low and high`` (inclusive)."""

    value: Value
    low: Value
    high: Value
    span: Span = _span()


@attrs.frozen
class Presence:
    """``value is present`` (present=True) or ``value is missing``."""

    value: Value
    present: bool
    span: Span = _span()


@attrs.frozen
class ValueTest:
    """A value standing alone as a test: a define's name or a function call."""

    value: Value
    span: Span = _span()


Condition = Union[Or, And, Not, Compare, In, Contains, Affix, Matches, Between, Presence, ValueTest]


# ---- statements --------------------------------------------------------------------


@attrs.frozen
class Define:
    name: str
    condition: Condition
    span: Span = _span()
    name_span: Span = _span()


@attrs.frozen
class FieldDecl:
    name: str
    type_name: str
    required: bool = False
    span: Span = _span()
    type_span: Span = _span()


@attrs.frozen
class Fields:
    items: Tuple[FieldDecl, ...]
    span: Span = _span()


@attrs.frozen
class ScoreItem:
    points: Union[int, Decimal]
    condition: Condition
    span: Span = _span()


@attrs.frozen
class Score:
    items: Tuple[ScoreItem, ...]
    span: Span = _span()


@attrs.frozen
class Member:
    rep: str
    weight: Optional[Union[int, Decimal]] = None
    tier: Optional[Union[int, Decimal]] = None
    span: Span = _span()


@attrs.frozen
class Filter:
    """A ``require`` filter: ``available``, ``under_capacity``, ``skill "x"``, ``skill lead.x``."""

    name: str
    argument: Optional[Union[str, LeadPath]] = None
    span: Span = _span()


@attrs.frozen
class Team:
    """A team block. Options left unwritten are None (or empty) so a formatter can tell."""

    name: str
    members: Tuple[Member, ...] = ()
    strategy: Optional[str] = None
    cap: Optional[Tuple[Union[int, Decimal], str]] = None
    require: Tuple[Filter, ...] = ()
    max_ahead: Optional[Union[int, Decimal]] = None
    catch_up: bool = False
    span: Span = _span()
    name_span: Span = _span()
    strategy_span: Span = _span()
    cap_span: Span = _span()
    max_ahead_span: Span = _span()


# ---- targets and actions -------------------------------------------------------------


@attrs.frozen
class TeamTarget:
    team: str
    using: Optional[str] = None
    span: Span = _span()
    using_span: Span = _span()


@attrs.frozen
class RepTarget:
    rep: str
    span: Span = _span()


@attrs.frozen
class OwnerTarget:
    """``account.owner``: the owner of the matched account."""

    span: Span = _span()


@attrs.frozen
class LookupTarget:
    table: str
    span: Span = _span()


Target = Union[TeamTarget, RepTarget, OwnerTarget, LookupTarget]


@attrs.frozen
class Assign:
    targets: Tuple[Target, ...]
    span: Span = _span()


@attrs.frozen
class Reject:
    message: str
    span: Span = _span()


@attrs.frozen
class Redirect:
    url: str
    span: Span = _span()


@attrs.frozen
class SetAttribute:
    name: str
    value: Literal
    span: Span = _span()


Action = Union[Assign, Reject, Redirect, SetAttribute]


@attrs.frozen
class TableRow:
    """One row: the keys (each a tuple, one item per key path) and the target."""

    keys: Tuple[Tuple[Literal, ...], ...]
    target: Target
    span: Span = _span()


@attrs.frozen
class Table:
    name: str
    key: Tuple[LeadPath, ...]
    rows: Tuple[TableRow, ...] = ()
    else_target: Optional[Target] = None
    from_host: bool = False
    span: Span = _span()
    name_span: Span = _span()


@attrs.frozen
class Route:
    name: str
    condition: Optional[Condition]
    actions: Tuple[Action, ...]
    span: Span = _span()
    name_span: Span = _span()


@attrs.frozen
class Fallback:
    actions: Tuple[Action, ...]
    span: Span = _span()


@attrs.frozen
class Expect:
    """An expectation: a lead, optionally ``now``, and what the decision must be."""

    name: str
    lead: Tuple[Tuple[str, Union[Literal, ListValue]], ...]
    now: Optional[dt.datetime] = None
    outcome: Optional[str] = None
    route: Optional[str] = None
    assignee: Optional[str] = None
    assignee_in: Optional[Tuple[str, ...]] = None
    team: Optional[str] = None
    attributes: Tuple[Tuple[str, Literal], ...] = ()
    span: Span = _span()


Statement = Union[Define, Fields, Score, Team, Table, Route, Fallback, Expect]


@attrs.frozen
class RuleFile:
    """A whole `.route` file: its statements in the order written."""

    statements: Tuple[Statement, ...]
    name: str = attrs.field(default="<rules>", eq=False)
