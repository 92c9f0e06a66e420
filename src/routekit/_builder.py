"""Turning lark's parse tree into routekit's own AST, once.

The builder also enforces the lexical limits of LANGUAGE.md §2 that the grammar cannot
(nesting depth, name and string length, list size, valid dates, reserved words), each as
a `RouteSyntaxError` at the offending token. The nesting check runs first, without
recursion, so a hostile file cannot overflow the stack of lark's recursive transformer.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, NoReturn, Optional, Tuple, Union

from . import ast
from ._text import parse_datetime
from .errors import Diagnostic, RouteSyntaxError, did_you_mean
from .source import Source, Span

if TYPE_CHECKING:  # lark loads only when a file needs it (the fast parser reads most)
    import lark
    from lark import Token

MAX_FILE_BYTES = 16 * 1024 * 1024
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

MAX_NESTING = 64
MAX_LIST_ITEMS = 100_000
MAX_NAME_LENGTH = 128
MAX_STRING_BYTES = 64 * 1024

_RESERVED = """
define fields score team table route fallback expect when and or not in contains any all
starts ends with matches between is missing present members weight tier strategy cap per
require max_ahead catch_up using assign else reject redirect set rep lookup by from host
lead account true false required
"""
RESERVED_WORDS = frozenset(_RESERVED.split())

_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|.)")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def parse(text: str, name: str = "<rules>") -> ast.RuleFile:
    """Parse ``text`` into a `RuleFile`, or raise `RouteSyntaxError`.

    The hand-written parser of `_fastparse` reads the file when it can (it builds the very
    AST lark would); anything it is unsure of, every syntax error included, goes to lark.
    """
    from ._fastparse import parse_fast  # imports this module: load it on first use

    rules = parse_fast(text, name)
    if rules is not None:
        return rules
    return parse_with_lark(text, name)


def parse_with_lark(text: str, name: str = "<rules>") -> ast.RuleFile:
    """Parse ``text`` with lark (the reference grammar) and the builder."""
    from ._parser import parse_tree

    source = Source(name, text)
    tree = parse_tree(source)
    _check_nesting(tree, source)
    statements = _Builder(source).build(tree)
    return ast.RuleFile(tuple(statements), name)


def _fail(
    source: Source, code: str, message: str, span: Span, hint: Optional[str] = None
) -> NoReturn:
    raise RouteSyntaxError([Diagnostic(code, message, span, hint)], source)


def _check_nesting(tree: lark.Tree[Any], source: Source) -> None:
    """Refuse parentheses and `not` nested more than 64 deep, walking with an explicit stack."""
    import lark

    stack: List[Tuple[lark.Tree[Any], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in ("paren", "not_cond", "call", "list"):
            depth += 1
            if depth > MAX_NESTING:
                meta = node.meta
                _fail(
                    source,
                    "too-deep",
                    f"conditions nest more than {MAX_NESTING} deep "
                    "(parentheses, `not`, function calls and lists)",
                    Span(meta.start_pos, meta.start_pos + 1, meta.line, meta.column),
                    "split the condition into defines",
                )
        for child in node.children:
            if isinstance(child, lark.Tree):
                stack.append((child, depth))


def _meta_span(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span(0, 0, 0, 0)
    return Span(meta.start_pos, meta.end_pos, meta.line, meta.column)


def _token_span(token: Token) -> Span:
    start = token.start_pos or 0
    end = token.end_pos if token.end_pos is not None else start + len(token.value)
    return Span(start, end, token.line or 0, token.column or 0)


class _Builder:
    """One method per grammar rule, ``rule(meta, children)``, each returning an AST node (or
    a plain tuple for parts).

    The walk is iterative and post-order, so deep trees cannot overflow the stack, and it
    calls the methods directly: lark's ``v_args`` wrappers cost more than the parse itself
    on large files.
    """

    def __init__(self, source: Source) -> None:
        self.source = source

    def build(self, tree: lark.Tree[Any]) -> Any:
        import lark

        methods = _METHODS
        results: List[Any] = []
        stack: List[Tuple[Any, bool]] = [(tree, False)]
        while stack:
            node, ready = stack.pop()
            if not isinstance(node, lark.Tree):
                results.append(node)
            elif ready:
                count = len(node.children)
                children = results[len(results) - count :] if count else []
                if count:
                    del results[len(results) - count :]
                results.append(methods[node.data](self, node.meta, children))
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.children))
        return results[0]

    # ---- tokens -------------------------------------------------------------------

    def _name(self, token: Token, what: str = "name", reserved_ok: bool = False) -> str:
        value = str(token.value)
        if len(value) > MAX_NAME_LENGTH:
            _fail(
                self.source,
                "name-too-long",
                f"this name is {len(value)} characters long; names are at most {MAX_NAME_LENGTH}",
                _token_span(token),
            )
        if not reserved_ok and value in RESERVED_WORDS:
            _fail(
                self.source,
                "reserved-word",
                f"`{value}` is a reserved word and cannot be used as a {what}",
                _token_span(token),
                "choose another name" if what != "rep" else f'write the rep as a string: "{value}"',
            )
        return value

    def _string(self, token: Token) -> str:
        raw = str(token.value)[1:-1]
        if len(raw.encode("utf-8")) > MAX_STRING_BYTES:
            _fail(
                self.source,
                "string-too-long",
                "this string is longer than the 64 KiB a string may be",
                _token_span(token),
            )

        def unescape(match: re.Match[str]) -> str:
            body = match.group(1)
            if body in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[body]
            if body.startswith("u") and len(body) == 5:
                return chr(int(body[1:], 16))
            return match.group(0)

        return _ESCAPE.sub(unescape, raw) if "\\" in raw else raw

    def _rep(self, token: Token) -> str:
        if token.type == "STRING":
            value = self._string(token)
            if not value.strip():
                _fail(self.source, "empty-rep", "a rep id cannot be empty", _token_span(token))
            return value
        return self._name(token, "rep")

    def _key(self, token: Token) -> str:
        if token.type == "STRING":
            return self._string(token)
        return self._name(token, reserved_ok=True)

    def _number(self, token: Token) -> Union[int, Decimal]:
        text = str(token.value).replace("_", "")
        if len(text.lstrip("-").replace(".", "")) > 40:
            _fail(
                self.source,
                "number-too-long",
                "this number has too many digits",
                _token_span(token),
            )
        if "." in text:
            return Decimal(text)
        return int(text)

    # ---- literals and values ------------------------------------------------------------

    def string(self, meta: Any, children: List[Token]) -> ast.Literal:
        return ast.Literal(self._string(children[0]), _meta_span(meta))

    def number(self, meta: Any, children: List[Token]) -> ast.Literal:
        return ast.Literal(self._number(children[0]), _meta_span(meta))

    def true(self, meta: Any, children: List[Any]) -> ast.Literal:
        return ast.Literal(True, _meta_span(meta))

    def false(self, meta: Any, children: List[Any]) -> ast.Literal:
        return ast.Literal(False, _meta_span(meta))

    def date(self, meta: Any, children: List[Token]) -> ast.Literal:
        token = children[0]
        try:
            value = dt.date.fromisoformat(str(token.value))
        except ValueError:
            _fail(self.source, "bad-date", f"{token.value} is not a valid date", _token_span(token))
        return ast.Literal(value, _meta_span(meta))

    def datetime(self, meta: Any, children: List[Token]) -> ast.Literal:
        return ast.Literal(self._datetime(children[0]), _meta_span(meta))

    def _datetime(self, token: Token) -> dt.datetime:
        value = parse_datetime(str(token.value))
        if value is None:
            _fail(
                self.source,
                "bad-datetime",
                f"{token.value} is not a valid date-time",
                _token_span(token),
            )
        return value

    def list(self, meta: Any, children: List[ast.Value]) -> ast.ListValue:
        if len(children) > MAX_LIST_ITEMS:
            item = children[MAX_LIST_ITEMS]
            _fail(
                self.source,
                "list-too-long",
                f"this list has {len(children)} items; a list holds at most {MAX_LIST_ITEMS:,}",
                getattr(item, "span", _meta_span(meta)),
            )
        return ast.ListValue(tuple(children), _meta_span(meta))

    def lead_path(self, meta: Any, children: List[Token]) -> ast.LeadPath:
        return ast.LeadPath(tuple(self._key(t) for t in children), _meta_span(meta))

    def account_path(self, meta: Any, children: List[Token]) -> ast.AccountPath:
        return ast.AccountPath(tuple(self._key(t) for t in children), _meta_span(meta))

    def score_ref(self, meta: Any, children: List[Any]) -> ast.ScoreRef:
        return ast.ScoreRef(_meta_span(meta))

    def call(self, meta: Any, children: List[Any]) -> ast.Call:
        name = self._name(children[0], "function")
        return ast.Call(name, tuple(children[1:]), _meta_span(meta))

    def name_ref(self, meta: Any, children: List[Token]) -> ast.NameRef:
        return ast.NameRef(self._name(children[0], "define"), _meta_span(meta))

    # ---- conditions -----------------------------------------------------------------

    def or_cond(self, meta: Any, children: List[ast.Condition]) -> ast.Or:
        return ast.Or(tuple(children), _meta_span(meta))

    def and_cond(self, meta: Any, children: List[ast.Condition]) -> ast.And:
        return ast.And(tuple(children), _meta_span(meta))

    def not_cond(self, meta: Any, children: List[ast.Condition]) -> ast.Not:
        return ast.Not(children[0], _meta_span(meta))

    def paren(self, meta: Any, children: List[ast.Condition]) -> ast.Condition:
        return children[0]

    def compare(self, meta: Any, children: List[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op.value), left, right, _meta_span(meta))

    def in_test(self, meta: Any, children: List[Any]) -> ast.In:
        return ast.In(children[0], children[1], False, _meta_span(meta))

    def not_in_test(self, meta: Any, children: List[Any]) -> ast.In:
        return ast.In(children[0], children[1], True, _meta_span(meta))

    def contains(self, meta: Any, children: List[Any]) -> ast.Contains:
        return ast.Contains(children[0], children[1], "one", _meta_span(meta))

    def contains_any(self, meta: Any, children: List[Any]) -> ast.Contains:
        return ast.Contains(children[0], children[1], "any", _meta_span(meta))

    def contains_all(self, meta: Any, children: List[Any]) -> ast.Contains:
        return ast.Contains(children[0], children[1], "all", _meta_span(meta))

    def starts_with(self, meta: Any, children: List[Any]) -> ast.Affix:
        return ast.Affix("starts", children[0], children[1], _meta_span(meta))

    def ends_with(self, meta: Any, children: List[Any]) -> ast.Affix:
        return ast.Affix("ends", children[0], children[1], _meta_span(meta))

    def matches(self, meta: Any, children: List[Any]) -> ast.Matches:
        value, token = children
        return ast.Matches(value, self._string(token), _meta_span(meta), _token_span(token))

    def between(self, meta: Any, children: List[Any]) -> ast.Between:
        return ast.Between(children[0], children[1], children[2], _meta_span(meta))

    def is_missing(self, meta: Any, children: List[Any]) -> ast.Presence:
        return ast.Presence(children[0], False, _meta_span(meta))

    def is_present(self, meta: Any, children: List[Any]) -> ast.Presence:
        return ast.Presence(children[0], True, _meta_span(meta))

    def bare_test(self, meta: Any, children: List[Any]) -> ast.ValueTest:
        return ast.ValueTest(children[0], _meta_span(meta))

    # ---- statements -------------------------------------------------------------------

    def start(self, meta: Any, children: List[ast.Statement]) -> List[ast.Statement]:
        return children

    def define(self, meta: Any, children: List[Any]) -> ast.Define:
        token, condition = children
        return ast.Define(
            self._name(token, "define"), condition, _meta_span(meta), _token_span(token)
        )

    def fields(self, meta: Any, children: List[ast.FieldDecl]) -> ast.Fields:
        return ast.Fields(tuple(children), _meta_span(meta))

    def field_decl(self, meta: Any, children: List[Token]) -> ast.FieldDecl:
        key, type_token = children[0], children[1]
        required = len(children) > 2
        return ast.FieldDecl(
            self._key(key),
            str(type_token.value),
            required,
            _meta_span(meta),
            _token_span(type_token),
        )

    def score(self, meta: Any, children: List[ast.ScoreItem]) -> ast.Score:
        return ast.Score(tuple(children), _meta_span(meta))

    def score_item(self, meta: Any, children: List[Any]) -> ast.ScoreItem:
        return ast.ScoreItem(self._number(children[0]), children[1], _meta_span(meta))

    def team(self, meta: Any, children: List[Any]) -> ast.Team:
        token = children[0]
        name = self._name(token, "team")
        options: Dict[str, Any] = {}
        members: List[ast.Member] = []
        require: List[ast.Filter] = []
        for kind, value, span in children[1:]:
            if kind == "members":
                members.extend(value)
                continue
            if kind == "require":
                require.extend(value)
                continue
            if kind in options:
                _fail(self.source, "duplicate-option", f"team {name} sets `{kind}` twice", span)
            options[kind] = value
            options[kind + "_span"] = span
        return ast.Team(
            name,
            tuple(members),
            options.get("strategy"),
            options.get("cap"),
            tuple(require),
            options.get("max_ahead"),
            bool(options.get("catch_up", False)),
            _meta_span(meta),
            _token_span(token),
            options.get("strategy_span", Span(0, 0, 0, 0)),
            options.get("cap_span", Span(0, 0, 0, 0)),
            options.get("max_ahead_span", Span(0, 0, 0, 0)),
        )

    def members(self, meta: Any, children: List[ast.Member]) -> Tuple[str, Any, Span]:
        return ("members", children, _meta_span(meta))

    def member(self, meta: Any, children: List[Any]) -> ast.Member:
        rep = self._rep(children[0])
        weight = tier = None
        for kind, value, span in children[1:]:
            if kind == "weight":
                if weight is not None:
                    _fail(self.source, "duplicate-option", f"{rep} has two weights", span)
                weight = value
            else:
                if tier is not None:
                    _fail(self.source, "duplicate-option", f"{rep} has two tiers", span)
                tier = value
        return ast.Member(rep, weight, tier, _meta_span(meta))

    def weight(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("weight", self._number(children[0]), _meta_span(meta))

    def tier(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("tier", self._number(children[0]), _meta_span(meta))

    def strategy(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("strategy", str(children[0].value), _token_span(children[0]))

    def cap(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("cap", (self._number(children[0]), str(children[1].value)), _meta_span(meta))

    def require(self, meta: Any, children: List[ast.Filter]) -> Tuple[str, Any, Span]:
        return ("require", children, _meta_span(meta))

    def filter(self, meta: Any, children: List[Any]) -> ast.Filter:
        name = str(children[0].value)
        argument: Optional[Union[str, ast.LeadPath]] = None
        if len(children) > 1:
            arg = children[1]
            argument = self._string(arg) if not isinstance(arg, ast.LeadPath) else arg
        return ast.Filter(name, argument, _meta_span(meta))

    def max_ahead(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("max_ahead", self._number(children[0]), _meta_span(meta))

    def catch_up(self, meta: Any, children: List[Any]) -> Tuple[str, Any, Span]:
        return ("catch_up", True, _meta_span(meta))

    # ---- tables -------------------------------------------------------------------

    def table(self, meta: Any, children: List[Any]) -> ast.Table:
        token, key = children[0], children[1]
        rows: List[ast.TableRow] = []
        else_target: Optional[ast.Target] = None
        for row in children[2:]:
            if isinstance(row, ast.TableRow):
                if else_target is not None:
                    _fail(
                        self.source,
                        "else-not-last",
                        "the `else` row of a table must be written last",
                        row.span,
                    )
                rows.append(row)
            else:
                if else_target is not None:
                    _fail(
                        self.source, "duplicate-else", "a table has at most one `else` row", row[1]
                    )
                else_target = row[0]
        return ast.Table(
            self._name(token, "table"),
            key,
            tuple(rows),
            else_target,
            False,
            _meta_span(meta),
            _token_span(token),
        )

    def host_table(self, meta: Any, children: List[Any]) -> ast.Table:
        token, key = children
        return ast.Table(
            self._name(token, "table"), key, (), None, True, _meta_span(meta), _token_span(token)
        )

    def table_key(self, meta: Any, children: List[ast.LeadPath]) -> Tuple[ast.LeadPath, ...]:
        return tuple(children)

    def table_row(self, meta: Any, children: List[Any]) -> ast.TableRow:
        *cells, target = children
        keys = tuple(cell if isinstance(cell, tuple) else (cell,) for cell in cells)
        return ast.TableRow(keys, target, _meta_span(meta))

    def table_else(self, meta: Any, children: List[Any]) -> Tuple[ast.Target, Span]:
        return (children[0], _meta_span(meta))

    def tuple_cell(self, meta: Any, children: List[ast.Literal]) -> Tuple[ast.Literal, ...]:
        return tuple(children)

    # ---- routes and actions -------------------------------------------------------

    def route(self, meta: Any, children: List[Any]) -> ast.Route:
        token = children[0]
        rest = children[1:]
        condition = None
        if rest and not isinstance(
            rest[0], (ast.Assign, ast.Reject, ast.Redirect, ast.SetAttribute)
        ):
            condition = rest[0]
            rest = rest[1:]
        return ast.Route(
            self._string(token), condition, tuple(rest), _meta_span(meta), _token_span(token)
        )

    def fallback(self, meta: Any, children: List[ast.Action]) -> ast.Fallback:
        return ast.Fallback(tuple(children), _meta_span(meta))

    def assign(self, meta: Any, children: List[ast.Target]) -> ast.Assign:
        return ast.Assign(tuple(children), _meta_span(meta))

    def reject(self, meta: Any, children: List[Token]) -> ast.Reject:
        return ast.Reject(self._string(children[0]), _meta_span(meta))

    def redirect(self, meta: Any, children: List[Token]) -> ast.Redirect:
        return ast.Redirect(self._string(children[0]), _meta_span(meta))

    def set(self, meta: Any, children: List[Any]) -> ast.SetAttribute:
        return ast.SetAttribute(self._key(children[0]), children[1], _meta_span(meta))

    def team_target(self, meta: Any, children: List[Token]) -> ast.TeamTarget:
        using = str(children[1].value) if len(children) > 1 else None
        using_span = _token_span(children[1]) if len(children) > 1 else Span(0, 0, 0, 0)
        return ast.TeamTarget(self._name(children[0], "team"), using, _meta_span(meta), using_span)

    def rep_target(self, meta: Any, children: List[Token]) -> ast.RepTarget:
        return ast.RepTarget(self._rep(children[0]), _meta_span(meta))

    def owner_target(self, meta: Any, children: List[Token]) -> ast.OwnerTarget:
        token = children[0]
        if token.value != "owner":
            _fail(
                self.source,
                "bad-target",
                f"`account.{token.value}` is not a target",
                _token_span(token),
                "assign to the account's owner with `assign account.owner`",
            )
        return ast.OwnerTarget(_meta_span(meta))

    def lookup_target(self, meta: Any, children: List[Token]) -> ast.LookupTarget:
        return ast.LookupTarget(self._name(children[0], "table"), _meta_span(meta))

    # ---- expectations ---------------------------------------------------------------

    def expect(self, meta: Any, children: List[Any]) -> ast.Expect:
        name = self._string(children[0])
        fields: Dict[str, Any] = {}
        for kind, value, span in children[1:]:
            if kind in fields:
                _fail(
                    self.source,
                    "duplicate-expect",
                    f"expectation {name!r} sets `{kind}` twice",
                    span,
                )
            if kind == "attribute":
                fields.setdefault("attributes", []).append(value)
                continue
            fields[kind] = value
        if "lead" not in fields:
            _fail(
                self.source,
                "expect-without-lead",
                f"expectation {name!r} has no `lead {{ ... }}`",
                _meta_span(meta),
            )
        return ast.Expect(
            name,
            fields["lead"],
            fields.get("now"),
            fields.get("outcome"),
            fields.get("route"),
            fields.get("assignee"),
            fields.get("assignee_in"),
            fields.get("team"),
            tuple(fields.get("attributes", ())),
            _meta_span(meta),
        )

    def expect_lead(self, meta: Any, children: List[Tuple[str, Any]]) -> Tuple[str, Any, Span]:
        return ("lead", tuple(children), _meta_span(meta))

    def lead_field(self, meta: Any, children: List[Any]) -> Tuple[str, Any]:
        return (self._key(children[0]), children[1])

    def expect_route(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("route", self._string(children[0]), _meta_span(meta))

    def expect_team(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        return ("team", self._name(children[0], "team"), _meta_span(meta))

    def _expect_word(self, token: Token, allowed: Tuple[str, ...]) -> str:
        word = str(token.value)
        if word not in allowed:
            hint = did_you_mean(word, _EXPECT_WORDS) or (
                "expectation items are lead, now, outcome, route, assignee, team and attribute"
            )
            what = f"`{word}` is not an expectation item"
            if word in _EXPECT_WORDS:
                what = f"`{word}` is not written like that here"
                hint = _EXPECT_USAGE[word]
            _fail(self.source, "bad-expect-item", what, _token_span(token), hint)
        return word

    def expect_word_datetime(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        self._expect_word(children[0], ("now",))
        return ("now", self._datetime(children[1]), _meta_span(meta))

    def expect_word_rep(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        word = self._expect_word(children[0], ("outcome", "assignee"))
        if word == "assignee":
            return ("assignee", self._rep(children[1]), _meta_span(meta))
        outcome = str(children[1].value).strip('"')
        if outcome not in ("assigned", "rejected", "redirected", "unrouted"):
            _fail(
                self.source,
                "bad-outcome",
                f"`{outcome}` is not an outcome",
                _token_span(children[1]),
                "outcomes are assigned, rejected, redirected and unrouted",
            )
        return ("outcome", outcome, _meta_span(meta))

    def expect_word_in(self, meta: Any, children: List[Token]) -> Tuple[str, Any, Span]:
        self._expect_word(children[0], ("assignee",))
        return ("assignee_in", tuple(self._rep(t) for t in children[1:]), _meta_span(meta))

    def expect_word_set(self, meta: Any, children: List[Any]) -> Tuple[str, Any, Span]:
        self._expect_word(children[0], ("attribute",))
        return ("attribute", (self._key(children[1]), children[2]), _meta_span(meta))


_EXPECT_WORDS = ("now", "outcome", "assignee", "attribute")
_EXPECT_USAGE = {
    "now": "write `now 2026-01-05T15:00:00Z`",
    "outcome": "write `outcome assigned` (or rejected, redirected, unrouted)",
    "assignee": "write `assignee taylor` or `assignee in [taylor, jordan]`",
    "attribute": 'write `attribute meeting = "intro-30"`',
}

_METHODS = {
    name: function
    for name, function in vars(_Builder).items()
    if callable(function) and not name.startswith("_") and name != "build"
}
