"""AST → `Plan`: resolve names over the whole file, check types and patterns, build indexes.

Every problem found is collected as a `Diagnostic` and raised together in one
`RouteError`, so a rule author fixes a file in one pass. Conditions are compiled into the
node objects of `routekit.conditions`; tables into dict indexes keyed by normalized keys.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

import attrs

from . import _keys as keys
from . import ast
from . import conditions as c
from ._builder import RESERVED_WORDS
from ._codegen import compile_matcher
from ._gc import LARGE_TEXT, gc_paused
from ._regex import unsafe_reason
from ._text import normalize_text, parse_date, parse_datetime, parse_number
from .errors import Diagnostic, RouteError, did_you_mean
from .plan import (
    CellTarget,
    FieldPlan,
    FilterPlan,
    FunctionUse,
    LookupTargetPlan,
    MemberPlan,
    OwnerTargetPlan,
    Plan,
    RepTargetPlan,
    Requirements,
    RoutePlan,
    ScoreItemPlan,
    TablePlan,
    TargetPlan,
    TeamPlan,
    TeamTargetPlan,
)
from .source import Source, Span
from .strategies import LANGUAGE_STRATEGIES

FIELD_TYPES = ("text", "number", "bool", "date", "datetime", "email", "list")
PERIODS = ("day", "week", "month")
FILTERS = ("available", "under_capacity", "skill")
_ORDERABLE_TYPES = ("number", "date", "datetime")
_TEXT_TYPES = ("text", "email", "list")


def compile_rules(rules: ast.RuleFile, source: Source) -> Plan:
    """Compile a parsed file into a `Plan`, or raise `RouteError` with every problem."""
    with gc_paused(len(source.text) >= LARGE_TEXT):  # see gc_paused: large files only
        return _Compiler(rules, source).compile()


class _Compiler:
    def __init__(self, rules: ast.RuleFile, source: Source) -> None:
        self.rules = rules
        self.source = source
        self.diagnostics: List[Diagnostic] = []
        self.defines: Dict[str, ast.Define] = {}
        self.teams: Dict[str, ast.Team] = {}
        self.tables: Dict[str, ast.Table] = {}
        self.routes: List[ast.Route] = []
        self.fallback: Optional[ast.Fallback] = None
        self.fields: Optional[ast.Fields] = None
        self.field_types: Dict[str, str] = {}
        self.score: Optional[ast.Score] = None
        self.expects: List[ast.Expect] = []
        self.compiled_defines: Dict[str, c.Node] = {}
        self.define_refs: List[c.DefineRef] = []
        self.lead_fields: Set[Tuple[str, ...]] = set()
        self.uses_account = False
        self.uses_score = False
        self.host_functions: List[FunctionUse] = []
        self.reps: Set[str] = set()
        self.in_score = False

    # ---- diagnostics ----------------------------------------------------------------

    def error(self, code: str, message: str, span: Span, hint: Optional[str] = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def text(self, span: Span) -> str:
        return " ".join(self.source.text[span.start : span.end].split())

    # ---- the whole file ---------------------------------------------------------------

    def compile(self) -> Plan:
        self.collect()
        self.check_define_cycles()
        score = self.compile_score()
        teams = {name: self.compile_team(team) for name, team in self.teams.items()}
        tables = {name: self.compile_table(table) for name, table in self.tables.items()}
        routes = tuple(self.compile_route(route) for route in self.routes)
        fallback = None
        if self.fallback is not None:
            fallback = self.compile_actions(
                "fallback", None, "", self.fallback.actions, self.fallback.span
            )
        for ref in self.define_refs:
            ref.target = self.compiled_defines.get(ref.name)
        for expect in self.expects:
            self.check_expect(expect)
        if self.diagnostics:
            raise RouteError(
                sorted(self.diagnostics, key=lambda d: (d.span.start, d.code)), self.source
            )
        fast_match, fast_score, fast_source = compile_matcher(
            [route.condition for route in routes],
            [(item.points, item.condition) for item in (score or ())],
        )
        fields = None
        if self.fields is not None:
            fields = tuple(FieldPlan(f.name, f.type_name, f.required) for f in self.fields.items)
        return Plan(
            name=self.source.name,
            source=self.source,
            rules=self.rules,
            routes=routes,
            fallback=fallback,
            teams=teams,
            tables=tables,
            score=score,
            fields=fields,
            expectations=tuple(self.expects),
            requirements=Requirements(
                lead_fields=frozenset(self.lead_fields),
                uses_account=self.uses_account,
                uses_score=self.uses_score,
                host_functions=tuple(self.host_functions),
                host_tables=frozenset(n for n, t in self.tables.items() if t.from_host),
                reps=frozenset(self.reps),
            ),
            fast_match=fast_match,
            fast_score=fast_score,
            fast_source=fast_source,
        )

    def collect(self) -> None:
        route_names: Dict[str, ast.Route] = {}
        for statement in self.rules.statements:
            if isinstance(statement, ast.Define):
                self.unique(statement.name, "define", statement.name_span)
                self.defines.setdefault(statement.name, statement)
            elif isinstance(statement, ast.Team):
                self.unique(statement.name, "team", statement.name_span)
                self.teams.setdefault(statement.name, statement)
            elif isinstance(statement, ast.Table):
                self.unique(statement.name, "table", statement.name_span)
                self.tables.setdefault(statement.name, statement)
            elif isinstance(statement, ast.Route):
                if statement.name.strip().casefold() == "fallback":
                    self.error(
                        "bad-route-name",
                        'a route cannot be named "fallback"',
                        statement.name_span,
                        "write the fallback as `fallback { ... }`",
                    )
                elif statement.name in route_names:
                    self.error(
                        "duplicate-route",
                        f'there are two routes named "{statement.name}"',
                        statement.name_span,
                    )
                route_names[statement.name] = statement
                self.routes.append(statement)
            elif isinstance(statement, (ast.Fallback, ast.Score, ast.Fields)):
                self.collect_single(statement)
            elif isinstance(statement, ast.Expect):
                self.expects.append(statement)

    def collect_single(self, statement: Union[ast.Fallback, ast.Score, ast.Fields]) -> None:
        """The statements a file has at most one of: the fallback, score and fields blocks."""
        attribute, code, what = {
            ast.Fallback: ("fallback", "duplicate-fallback", "fallback"),
            ast.Score: ("score", "duplicate-score", "score block"),
            ast.Fields: ("fields", "duplicate-fields", "fields block"),
        }[type(statement)]
        if getattr(self, attribute) is not None:
            self.error(code, f"a file has at most one {what}", statement.span)
            return
        setattr(self, attribute, statement)
        if isinstance(statement, ast.Fields):
            self.collect_fields(statement)

    def unique(self, name: str, kind: str, span: Span) -> None:
        for other_kind, table in (
            ("define", self.defines),
            ("team", self.teams),
            ("table", self.tables),
        ):
            if name in table:
                if other_kind == kind:
                    self.error(f"duplicate-{kind}", f"{kind} {name} is defined twice", span)
                else:
                    self.error(
                        "duplicate-name", f"{name} is already the name of a {other_kind}", span
                    )
                return

    def collect_fields(self, fields: ast.Fields) -> None:
        for decl in fields.items:
            if decl.type_name not in FIELD_TYPES:
                hint = did_you_mean(decl.type_name, FIELD_TYPES) or "types are " + ", ".join(
                    FIELD_TYPES
                )
                self.error(
                    "unknown-type", f"`{decl.type_name}` is not a field type", decl.type_span, hint
                )
            if decl.name in self.field_types:
                self.error("duplicate-field", f"field {decl.name} is declared twice", decl.span)
            self.field_types[decl.name] = decl.type_name

    # ---- defines ---------------------------------------------------------------------

    def check_define_cycles(self) -> None:
        graph = {name: _define_refs(d.condition) for name, d in self.defines.items()}
        state: Dict[str, int] = {}
        for start in graph:
            if state.get(start):
                continue
            stack: List[Tuple[str, int]] = [(start, 0)]
            path: List[str] = []
            while stack:
                name, i = stack.pop()
                if i == 0:
                    state[name] = 1
                    path.append(name)
                deps = [d for d in graph.get(name, []) if d in graph]
                if i < len(deps):
                    stack.append((name, i + 1))
                    dep = deps[i]
                    if state.get(dep) == 1:
                        cycle = [*path[path.index(dep) :], dep]
                        define = self.defines[dep]
                        self.error(
                            "define-cycle",
                            "these defines refer to each other in a circle: " + " → ".join(cycle),
                            define.name_span,
                        )
                        graph[dep] = []
                    elif not state.get(dep):
                        stack.append((dep, 0))
                else:
                    state[name] = 2
                    path.pop()
        for name, define in self.defines.items():
            self.compiled_defines[name] = self.condition(define.condition)

    # ---- conditions --------------------------------------------------------------------

    def condition(self, node: ast.Condition) -> c.Node:
        compiled = self.condition_node(node)
        compiled.origin = node  # the fast path reads the shape of the test from its AST
        return compiled

    def condition_node(self, node: ast.Condition) -> c.Node:
        text = self.text(node.span)
        if isinstance(node, ast.Or):
            return c.AnyOf([self.condition(i) for i in node.items], text)
        if isinstance(node, ast.And):
            return c.AllOf([self.condition(i) for i in node.items], text)
        if isinstance(node, ast.Not):
            return c.Negation(self.condition(node.item), text)
        if isinstance(node, ast.ValueTest):
            return self.value_test(node, text)
        if isinstance(node, ast.Compare):
            return self.compare(node, text)
        if isinstance(node, ast.In):
            return self.in_test(node, text)
        if isinstance(node, ast.Contains):
            self.expect_text_field(node.value, "contains")
            return c.ContainsTest(
                self.value(node.value), self.value(node.operand, allow_list=True), node.mode, text
            )
        if isinstance(node, ast.Affix):
            self.expect_text_field(node.value, f"{node.kind} with")
            return c.AffixTest(node.kind, self.value(node.value), self.value(node.operand), text)
        if isinstance(node, ast.Matches):
            return self.matches(node, text)
        if isinstance(node, ast.Between):
            for bound in (node.low, node.high):
                self.check_orderable(bound, "between")
            self.check_orderable(node.value, "between")
            return c.BetweenTest(
                self.value(node.value), self.value(node.low), self.value(node.high), text
            )
        if isinstance(node, ast.Presence):
            return c.PresenceTest(self.value(node.value, bare_account=True), node.present, text)
        raise AssertionError(f"unknown condition {node!r}")  # pragma: no cover

    def value_test(self, node: ast.ValueTest, text: str) -> c.Node:
        value = node.value
        if isinstance(value, ast.NameRef):
            if value.name not in self.defines:
                hint = did_you_mean(value.name, self.defines)
                if hint is None and value.name in self.teams:
                    hint = f"{value.name} is a team; a test needs a define"
                self.error(
                    "unknown-define", f"there is no define named {value.name}", value.span, hint
                )
                return c.CallTest(c.constant_getter(None), text)
            ref = c.DefineRef(value.name, text)
            self.define_refs.append(ref)
            return ref
        if isinstance(value, ast.Call):
            return c.CallTest(self.value(value), text)
        what = "a field" if isinstance(value, (ast.LeadPath, ast.AccountPath)) else "a value"
        hint = None
        if isinstance(value, ast.LeadPath):
            hint = (
                f"write `{self.text(value.span)} == true` or `{self.text(value.span)} is present`"
            )
        self.error("bare-value", f"{what} on its own is not a test", value.span, hint)
        return c.CallTest(c.constant_getter(None), text)

    def compare(self, node: ast.Compare, text: str) -> c.Node:
        if node.op not in ("==", "!="):
            self.check_orderable(node.left, node.op)
            self.check_orderable(node.right, node.op)
        else:
            for side, other in ((node.left, node.right), (node.right, node.left)):
                kind = self.field_type(side)
                if kind == "list":
                    self.error(
                        "list-equality",
                        f"{self.text(side.span)} is a list: == on a list is never true",
                        node.span,
                        "use `contains any`",
                    )
                    break
                if (
                    kind == "number"
                    and isinstance(other, ast.Literal)
                    and isinstance(other.value, str)
                    and parse_number(other.value) is None
                ):
                    self.error(
                        "type-mismatch",
                        f"{self.text(side.span)} is a number field, "
                        f"compared with the text {other.value!r}",
                        other.span,
                    )
                if (
                    kind == "bool"
                    and isinstance(other, ast.Literal)
                    and not isinstance(other.value, bool)
                ):
                    self.error(
                        "type-mismatch",
                        f"{self.text(side.span)} is a bool field: compare it with true or false, "
                        f"not {self.text(other.span)}",
                        other.span,
                        "the schema already reads yes/no, y/n, 1/0 and on/off as true/false",
                    )
        return c.CompareTest(node.op, self.value(node.left), self.value(node.right), text)

    def check_orderable(self, value: ast.Value, op: str) -> None:
        # Text that reads as a number or a date is compared as one (LANGUAGE.md §4); other
        # text can never be ordered, so it is refused now rather than unknown on every lead.
        if isinstance(value, ast.Literal) and (
            isinstance(value.value, bool)
            or (isinstance(value.value, str) and not _orderable_text(value.value))
        ):
            shown = self.text(value.span)
            self.error(
                "not-orderable",
                f"`{op}` compares numbers and dates, not {shown}",
                value.span,
                "write the number or date without quotes" if isinstance(value.value, str) else None,
            )
        kind = self.field_type(value)
        if kind is not None and kind not in _ORDERABLE_TYPES:
            self.error(
                "not-orderable",
                f"`{op}` compares numbers and dates, but {self.text(value.span)} is a {kind} field",
                value.span,
            )

    def expect_text_field(self, value: ast.Value, op: str) -> None:
        kind = self.field_type(value)
        if kind is not None and kind not in _TEXT_TYPES:
            self.error(
                "type-mismatch",
                f"`{op}` tests text and lists, but {self.text(value.span)} is a {kind} field",
                value.span,
            )

    def in_test(self, node: ast.In, text: str) -> c.Node:
        options: List[Any] = []
        if not isinstance(node.options, ast.ListValue):
            self.error(
                "in-needs-list",
                "`in` needs a list written in brackets",
                node.options.span,
                "to test a list field, write `contains`",
            )
        else:
            for item in node.options.items:
                if isinstance(item, ast.Literal):
                    options.append(item.value)
                else:
                    self.error("list-literal", "the items of an `in` list are literals", item.span)
        if self.field_type(node.value) == "list":
            self.error(
                "list-equality",
                f"{self.text(node.value.span)} is a list field",
                node.span,
                "use `contains any`",
            )
        return c.InTest(self.value(node.value), options, node.negated, text)

    def matches(self, node: ast.Matches, text: str) -> c.Node:
        self.expect_text_field(node.value, "matches")
        try:
            pattern = re.compile(node.pattern)
            reason = unsafe_reason(node.pattern)
        except re.error as error:
            self.error(
                "bad-pattern",
                f"this pattern is not a valid regular expression: {error}",
                node.pattern_span,
            )
            pattern, reason = re.compile(""), None
        except (RecursionError, OverflowError):
            self.error("bad-pattern", "this pattern nests too deeply", node.pattern_span)
            pattern, reason = re.compile(""), None
        if reason is not None:
            self.error(
                "unsafe-pattern",
                f"this pattern could take exponential time: {reason}",
                node.pattern_span,
                "repeat single characters or classes, not groups that repeat",
            )
        return c.MatchesTest(self.value(node.value), pattern, text)

    def field_type(self, value: ast.Value) -> Optional[str]:
        if self.fields is None or not isinstance(value, ast.LeadPath) or len(value.steps) != 1:
            return None
        return self.field_types.get(value.steps[0])

    # ---- values ----------------------------------------------------------------------------

    def value(
        self, node: ast.Value, allow_list: bool = False, bare_account: bool = False
    ) -> c.Getter:
        text = self.text(node.span)
        if isinstance(node, ast.LeadPath):
            self.lead_fields.add(node.steps)
            if self.fields is not None and node.steps[0] not in self.field_types:
                hint = did_you_mean(node.steps[0], self.field_types)
                self.error(
                    "undeclared-field",
                    f"{_lead_path_text(node.steps[:1])} is not a declared field",
                    node.span,
                    hint or "declare it in the fields block",
                )
            declared = self.field_types.get(node.steps[0]) if self.fields is not None else None
            if declared is not None and len(node.steps) > 1:
                self.error(
                    "not-a-record",
                    f"{_lead_path_text(node.steps[:1])} is a {declared} field: it has no fields "
                    f"of its own, so {text} never has a value",
                    node.span,
                )
            return c.path_getter("lead", node.steps, text)
        if isinstance(node, ast.AccountPath):
            self.uses_account = True
            if not node.steps and not bare_account:
                self.error(
                    "bare-account",
                    "`account` on its own is not a value",
                    node.span,
                    "write `account is present`, or a field such as `account.owner`",
                )
            return c.path_getter("account", node.steps, text)
        if isinstance(node, ast.Literal):
            return c.constant_getter(node.value)
        if isinstance(node, ast.ListValue):
            if not allow_list:
                self.error("unexpected-list", "a list is not allowed here", node.span)
            items = []
            for item in node.items:
                if isinstance(item, ast.Literal):
                    items.append(item.value)
                else:
                    self.error("list-literal", "list items are literals", item.span)
            return c.constant_getter(tuple(items))
        if isinstance(node, ast.ScoreRef):
            self.uses_score = True
            if self.score is None:
                self.error("no-score", "`score` is used but the file has no score block", node.span)
            elif self.in_score:
                self.error("score-in-score", "the score block cannot use `score` itself", node.span)
            return c.score_getter
        if isinstance(node, ast.Call):
            args = [self.value(a) for a in node.args]
            builtin = c.BUILTIN_FUNCTIONS.get(node.name)
            if builtin is not None:
                if len(node.args) != builtin.arity:
                    self.error(
                        "arity",
                        f"{node.name}() takes {builtin.arity} argument"
                        f"{'s' if builtin.arity != 1 else ''}, not {len(node.args)}",
                        node.span,
                    )
            else:
                self.host_functions.append(FunctionUse(node.name, len(node.args), node.span))
            return c.call_getter(node.name, args, text, builtin)
        if isinstance(node, ast.NameRef):
            if node.name in self.defines:
                self.error(
                    "define-as-value",
                    f"{node.name} is a define (a condition), not a value",
                    node.span,
                    f"use it on its own: `... and {node.name}`",
                )
            else:
                hint = did_you_mean(node.name, [*self.defines, *c.BUILTIN_FUNCTIONS])
                self.error(
                    "unknown-name",
                    f"there is nothing named {node.name}",
                    node.span,
                    hint or "fields are written `lead.NAME`; text is written in double quotes",
                )
            return c.constant_getter(None)
        raise AssertionError(f"unknown value {node!r}")  # pragma: no cover

    # ---- score -----------------------------------------------------------------------------

    def defines_using_score(self) -> Set[str]:
        """Defines that read ``score``, directly or through other defines."""
        using = {name for name, d in self.defines.items() if _mentions_score(d.condition)}
        changed = True
        while changed:
            changed = False
            for name, define in self.defines.items():
                if name not in using and any(r in using for r in _define_refs(define.condition)):
                    using.add(name)
                    changed = True
        return using

    def compile_score(self) -> Optional[Tuple[ScoreItemPlan, ...]]:
        if self.score is None:
            return None
        scored = self.defines_using_score()
        for item in self.score.items:
            for name, span in _define_uses(item.condition):
                if name in scored:
                    self.error(
                        "score-in-score",
                        f"{name} uses `score`, so the score block cannot use it",
                        span,
                        "the score is the sum of the score block's items; "
                        "an item cannot depend on it",
                    )
        self.in_score = True
        items = tuple(
            ScoreItemPlan(
                item.points, self.condition(item.condition), self.text(item.condition.span)
            )
            for item in self.score.items
        )
        self.in_score = False
        return items

    # ---- teams -------------------------------------------------------------------------

    def whole(self, value: Union[int, Decimal, None], what: str, span: Span) -> Optional[int]:
        if value is None:
            return None
        if not isinstance(value, int) or value < 1:
            self.error(
                "bad-number", f"{what} takes a whole number of at least 1, not {value}", span
            )
            return None
        return value

    def compile_team(self, team: ast.Team) -> TeamPlan:
        members: List[MemberPlan] = []
        seen: Set[str] = set()
        for index, member in enumerate(team.members):
            self.reps.add(member.rep)
            if member.rep in seen:
                self.error(
                    "duplicate-member",
                    f"{member.rep} is listed twice in team {team.name}",
                    member.span,
                )
            seen.add(member.rep)
            weight = Fraction(1)
            if member.weight is not None:
                if member.weight <= 0:
                    self.error(
                        "bad-number",
                        f"a weight must be more than 0, not {member.weight}",
                        member.span,
                    )
                else:
                    weight = Fraction(member.weight)
            tier = self.whole(member.tier, "tier", member.span) or 1
            members.append(MemberPlan(member.rep, weight, tier, index))
        strategy = team.strategy or "round_robin"
        if strategy not in LANGUAGE_STRATEGIES:
            self.error(
                "unknown-strategy",
                f"there is no strategy named {strategy}",
                team.strategy_span,
                did_you_mean(strategy, sorted(LANGUAGE_STRATEGIES)),
            )
        cap = None
        if team.cap is not None:
            count, period = team.cap
            whole = self.whole(count, "cap", team.cap_span)
            if period not in PERIODS:
                self.error(
                    "bad-period",
                    f"`{period}` is not a period",
                    team.cap_span,
                    did_you_mean(period, PERIODS) or "write day, week or month",
                )
            elif whole is not None:
                cap = (whole, period)
        filters = tuple(self.compile_filter(f) for f in team.require)
        max_ahead = self.whole(team.max_ahead, "max_ahead", team.max_ahead_span)
        if team.catch_up and strategy != "balanced":
            self.error("catch-up", "`catch_up` only applies to the balanced strategy", team.span)
        return TeamPlan(team.name, tuple(members), strategy, cap, filters, max_ahead, team.catch_up)

    def compile_filter(self, node: ast.Filter) -> FilterPlan:
        text = self.text(node.span)
        if node.name not in FILTERS:
            self.error(
                "unknown-filter",
                f"there is no filter named {node.name}",
                node.span,
                did_you_mean(node.name, FILTERS) or "filters are available, under_capacity, skill",
            )
            return FilterPlan("available", text)
        if node.name == "skill":
            if node.argument is None:
                self.error(
                    "skill-needs-argument",
                    'write the skill: `skill "spanish"` or `skill lead.language`',
                    node.span,
                )
                return FilterPlan("skill", text, "")
            if isinstance(node.argument, str):
                return FilterPlan("skill", text, normalize_text(node.argument))
            getter = self.value(node.argument)
            return FilterPlan("skill", text, None, getter)
        if node.argument is not None:
            self.error("filter-argument", f"`{node.name}` takes no argument", node.span)
        return FilterPlan(node.name, text)

    # ---- targets, tables, routes ---------------------------------------------------------

    def target(self, node: ast.Target) -> TargetPlan:
        text = self.text(node.span)
        if isinstance(node, ast.TeamTarget):
            if node.team not in self.teams:
                self.error(
                    "unknown-team",
                    f"there is no team named {node.team}",
                    node.span,
                    did_you_mean(node.team, self.teams),
                )
            if node.using is not None and node.using not in LANGUAGE_STRATEGIES:
                self.error(
                    "unknown-strategy",
                    f"there is no strategy named {node.using}",
                    node.using_span,
                    did_you_mean(node.using, sorted(LANGUAGE_STRATEGIES)),
                )
            return TeamTargetPlan(node.team, node.using, text)
        if isinstance(node, ast.RepTarget):
            self.reps.add(node.rep)
            return RepTargetPlan(node.rep, text)
        if isinstance(node, ast.OwnerTarget):
            self.uses_account = True
            return OwnerTargetPlan(text)
        if node.table not in self.tables:
            self.error(
                "unknown-table",
                f"there is no table named {node.table}",
                node.span,
                did_you_mean(node.table, self.tables),
            )
        return LookupTargetPlan(node.table, text)

    def cell_target(self, node: ast.Target) -> CellTarget:
        plan = self.target(node)
        if isinstance(plan, LookupTargetPlan):
            self.error(
                "nested-lookup",
                "a table row points to a team or a rep, not another table",
                node.span,
            )
            return RepTargetPlan("", plan.text)
        return plan

    def compile_table(self, table: ast.Table) -> TablePlan:
        key_texts = tuple(self.text(k.span) for k in table.key)
        getters = tuple(self.value(k) for k in table.key)
        index: Dict[keys.Key, CellTarget] = {}
        # A large table names the same few reps over and over: their plans (frozen, and
        # free of diagnostics) are built once per rep and spelling.
        rep_plans: Dict[Tuple[str, str], CellTarget] = {}
        text = self.source.text
        for row in table.rows:
            node = row.target
            if isinstance(node, ast.RepTarget):
                spelling = (node.rep, text[node.span.start : node.span.end])
                target = rep_plans.get(spelling)
                if target is None:
                    target = rep_plans[spelling] = self.cell_target(node)
            else:
                target = self.cell_target(node)
            for cell in row.keys:
                if len(cell) != len(table.key):
                    self.error(
                        "key-arity",
                        f"table {table.name} is keyed by {len(table.key)} value"
                        f"{'s' if len(table.key) != 1 else ''}, but this row has {len(cell)}",
                        cell[0].span,
                    )
                    continue
                if not keys.add(index, [lit.value for lit in cell], target):
                    shown = ", ".join(self.text(lit.span) for lit in cell)
                    self.error(
                        "duplicate-key",
                        f"table {table.name} lists the key {shown} twice",
                        cell[0].span,
                    )
                    continue
        else_target = self.cell_target(table.else_target) if table.else_target is not None else None
        return TablePlan(table.name, key_texts, getters, index, else_target, table.from_host)

    def compile_route(self, route: ast.Route) -> RoutePlan:
        condition = self.condition(route.condition) if route.condition is not None else None
        text = self.text(route.condition.span) if route.condition is not None else ""
        return self.compile_actions(route.name, condition, text, route.actions, route.span)

    def compile_actions(
        self,
        name: str,
        condition: Optional[c.Node],
        condition_text: str,
        actions: Sequence[ast.Action],
        span: Span,
    ) -> RoutePlan:
        main = [a for a in actions if not isinstance(a, ast.SetAttribute)]
        what = "the fallback" if name == "fallback" else f'route "{name}"'
        if len(main) != 1:
            message = (
                f"{what} has no assign, reject or redirect"
                if not main
                else f"{what} has more than one of assign, reject and redirect"
            )
            self.error(
                "route-actions",
                message,
                main[1].span if len(main) > 1 else span,
                "a route does exactly one of assign, reject or redirect",
            )
        attributes: Dict[str, Any] = {}
        for action in actions:
            if isinstance(action, ast.SetAttribute):
                if action.name in attributes:
                    self.error("duplicate-set", f"{what} sets {action.name} twice", action.span)
                attributes[action.name] = action.value.value
        kind, message_text, url = "none", None, None
        targets: Tuple[TargetPlan, ...] = ()
        if main:
            first = main[0]
            if isinstance(first, ast.Assign):
                kind, targets = "assign", tuple(self.target(t) for t in first.targets)
            elif isinstance(first, ast.Reject):
                kind, message_text = "reject", first.message
            elif isinstance(first, ast.Redirect):
                kind, url = "redirect", first.url
        return RoutePlan(
            name,
            condition,
            condition_text,
            kind,
            targets,
            message_text,
            url,
            tuple(attributes.items()),
            span,
        )

    # ---- expectations ----------------------------------------------------------------------

    def check_expect(self, expect: ast.Expect) -> None:
        names = [r.name for r in self.routes]
        if expect.route is not None and expect.route not in names and expect.route != "fallback":
            self.error(
                "unknown-route",
                f'there is no route named "{expect.route}"',
                expect.span,
                did_you_mean(expect.route, names),
            )
        if expect.team is not None and expect.team not in self.teams:
            self.error(
                "unknown-team",
                f"there is no team named {expect.team}",
                expect.span,
                did_you_mean(expect.team, self.teams),
            )
        for rep in (expect.assignee, *(expect.assignee_in or ())):
            if rep is not None:
                self.reps.add(rep)


def _orderable_text(text: str) -> bool:
    return any(parse(text) is not None for parse in (parse_number, parse_date, parse_datetime))


def _lead_path_text(steps: Sequence[str]) -> str:
    """``lead.name`` or ``lead["Company Size"]``, as a rule author would write it."""
    out = "lead"
    for step in steps:
        out += f".{step}" if step.isidentifier() else '["' + step.replace('"', '\\"') + '"]'
    return out


def _define_uses(node: ast.Condition) -> List[Tuple[str, Span]]:
    """The defines a condition names directly, with where."""
    found: List[Tuple[str, Span]] = []
    stack: List[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.Or, ast.And)):
            stack.extend(reversed(item.items))
        elif isinstance(item, ast.Not):
            stack.append(item.item)
        elif isinstance(item, ast.ValueTest) and isinstance(item.value, ast.NameRef):
            found.append((item.value.name, item.value.span))
    return found


def _mentions_score(node: Any) -> bool:
    """Whether an AST subtree reads ``score`` directly (not through a define)."""
    stack: List[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.ScoreRef):
            return True
        if isinstance(item, tuple):
            stack.extend(item)
        elif attrs.has(type(item)):
            stack.extend(getattr(item, f.name) for f in attrs.fields(type(item)))
    return False


def _define_refs(node: ast.Condition) -> List[str]:
    """The names of the defines a condition uses directly."""
    return [name for name, _span in _define_uses(node)]


__all__ = ["FIELD_TYPES", "RESERVED_WORDS", "compile_rules"]
