"""A hand-written parser for `.route` files: the fast path in front of lark.

`_builder.parse` tries `parse_fast` first and runs lark only when it returns None. The
lark grammar stays the reference: this parser builds exactly the AST the lark path
builds (same nodes, values and spans) for every file it accepts, and gives up -- returns
None -- on anything it is not sure about: a syntax error, a limit of LANGUAGE.md §2, a
reserved word where a name goes, a construct the builder refuses. Lark then parses the
file and reports the error, so error messages are lark's by construction.

How it stays faithful to lark's contextual lexer: words are always read whole, and a word
is taken as a keyword only where the grammar expects that keyword, and as a name only
where a name goes and the word is not reserved (after ``.``, where lark's lexer offers
nothing but a name, any word is a field name). Where lark's lexer would have split a word
(``whenever`` as ``when`` + ``ever``, in a state that offers no name), this parser sees
an unexpected word and gives up.

Spans follow lark's ``propagate_positions``: a node runs from the first to the last token
of the rule that made it, keywords and brackets included; a parenthesized condition keeps
the span of what is inside the parentheses, while the node around it starts at ``(``.

About fifteen times faster than lark and the builder on large files (a 40,000-row table,
10,000 routes): one regular expression splits the text into tokens, and recursive descent
over the token list does the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import ast
from ._builder import (
    _ESCAPE,
    _LONE_SURROGATE,
    _SIMPLE_ESCAPES,
    MAX_FILE_BYTES,
    MAX_LIST_ITEMS,
    MAX_NAME_LENGTH,
    MAX_NESTING,
    MAX_STRING_BYTES,
    RESERVED_WORDS,
)
from ._gc import LARGE_TEXT, gc_paused
from ._text import parse_datetime
from .source import Span

__all__ = ["parse_fast"]

# When true, an unexpected exception inside the fast parser propagates instead of quietly
# handing the file to lark (the tests set it, so a bug cannot hide behind the fallback).
STRICT = False

# One token per match, whitespace and comments included (dropped afterwards). Only the
# three numeric forms overlap; they are tried in lark's priority order (DATETIME, DATE,
# NUMBER). A character no alternative matches is skipped by findall: the lengths then do
# not add up to the text's, and the file goes to lark.
_TOKEN = re.compile(
    r"[ \t\f\r\n]+"
    r'|"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"'
    r"|[A-Za-z_][A-Za-z0-9_]*"
    r"|->|[=!<>]=|[{}()\[\],.:<>=]"
    r"|#[^\n]*"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|-?[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?"
)
_SKIPPED = frozenset(" \t\f\r\n#")
_EOF = "\x00"  # the last tokens; a NUL never reaches the parser (lark refuses it)
_LOOKAHEAD = 4  # the parser looks at most this many tokens past the current one

_WORD_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NUMERIC_START = frozenset("0123456789-")
_COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">="))
_OUTCOMES = ("assigned", "rejected", "redirected", "unrouted")
_NO_SPAN = Span(0, 0, 0, 0)
_SHORT_STRING = MAX_STRING_BYTES // 4  # no string this long can break the limit

Number = Union[int, Decimal]


class _Fallback(Exception):
    """The fast parser is not sure about this file: lark parses it instead."""


def parse_fast(text: str, name: str) -> Optional[ast.RuleFile]:
    """The `RuleFile` of ``text``, or None when lark must parse it (errors included)."""
    if "\x00" in text or len(text) > MAX_FILE_BYTES:
        return None
    if not text.isascii():
        if _LONE_SURROGATE.search(text) is not None:
            return None
        if len(text) * 4 > MAX_FILE_BYTES and len(text.encode("utf-8")) > MAX_FILE_BYTES:
            return None
    try:
        with gc_paused(len(text) >= LARGE_TEXT):
            statements = _Parser(text).statements()
    except _Fallback:
        return None
    except Exception:
        if STRICT:
            raise
        return None  # a bug here must never cost a user a file that lark reads
    return ast.RuleFile(tuple(statements), name)


_Tokens = Tuple[List[str], List[int], List[int], List[int]]


def _tokenize(text: str) -> _Tokens:
    """The tokens of ``text`` (ending with `_EOF`), with the offset, line and column where
    each starts (lines and columns counted as lark counts them: 1-based, by ``\\n``)."""
    tokens: List[str] = []
    starts: List[int] = []
    lines: List[int] = []
    columns: List[int] = []
    add_token = tokens.append
    add_start = starts.append
    add_line = lines.append
    add_column = columns.append
    skipped = _SKIPPED
    position = 0
    line = 1
    line_start = 0  # offset of the first character of the line
    for token in _TOKEN.findall(text):
        first = token[0]
        if first not in skipped:
            add_token(token)
            add_start(position)
            add_line(line)
            add_column(position - line_start + 1)
        elif first != "#" and "\n" in token:
            line += token.count("\n")
            line_start = position + token.rindex("\n") + 1
        position += len(token)
    if position != len(text):
        raise _Fallback  # a character that starts no token
    for _ in range(_LOOKAHEAD):  # so that looking a few tokens ahead never runs off the end
        add_token(_EOF)
        add_start(position)
        add_line(line)
        add_column(position - line_start + 1)
    return tokens, starts, lines, columns


def _unescape(match: re.Match[str]) -> str:
    body = match.group(1)
    if body in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[body]
    if body.startswith("u") and len(body) == 5:
        return chr(int(body[1:], 16))
    return match.group(0)


def _string(token: str) -> str:
    """The value of a STRING token (the builder's ``_string``)."""
    raw = token[1:-1]
    if len(raw) * 4 > MAX_STRING_BYTES and len(raw.encode("utf-8")) > MAX_STRING_BYTES:
        raise _Fallback
    return _ESCAPE.sub(_unescape, raw) if "\\" in raw else raw


def _is_number(token: str) -> bool:
    """Whether a token is a NUMBER (not a date, a date-time, ``->`` or anything else)."""
    return token[0] in _NUMERIC_START and token != "->" and "-" not in token[1:]


def _number(token: str) -> Number:
    """The value of a NUMBER token (the builder's ``_number``)."""
    text = token.replace("_", "") if "_" in token else token
    if len(text) > 40 and len(text.lstrip("-").replace(".", "")) > 40:
        raise _Fallback
    if "." in text:
        return Decimal(text)
    return int(text)


def _numeric_literal(token: str) -> Any:
    """The value of a NUMBER, DATE or DATETIME token."""
    if "-" not in token[1:]:
        return _number(token)
    if "T" in token:
        value = parse_datetime(token)
        if value is None:
            raise _Fallback
        return value
    try:
        return dt.date.fromisoformat(token)
    except ValueError:
        raise _Fallback from None


def _name(token: str) -> str:
    """A NAME where the builder refuses reserved words (define, team, table, rep, ...)."""
    if token[0] not in _WORD_START or token in RESERVED_WORDS or len(token) > MAX_NAME_LENGTH:
        raise _Fallback
    return token


def _any_name(token: str) -> str:
    """A NAME where lark's lexer offers nothing else, so even a reserved word is a name
    (``set weight = 2``): the builder's ``_key`` on a name."""
    if token[0] not in _WORD_START or len(token) > MAX_NAME_LENGTH:
        raise _Fallback
    return token


def _word(token: str) -> str:
    """A NAME taken as written, unchecked by the builder (a strategy, a period, a type)."""
    if token[0] not in _WORD_START:
        raise _Fallback
    return token


def _rep(token: str) -> str:
    """A rep: a name or a non-blank string (the builder's ``_rep``)."""
    if token[0] == '"':
        value = _string(token)
        if not value.strip():
            raise _Fallback
        return value
    return _name(token)


def _key(token: str) -> str:
    """A field or attribute name written as a name or a string.

    The builder accepts reserved words here, but lark's lexer may read one as a keyword
    (its LALR states merge look-aheads), so a reserved word is left to lark.
    """
    if token[0] == '"':
        return _string(token)
    return _name(token)


class _Parser:
    """Recursive descent over the token list; every method starts at ``self.i`` and leaves
    ``self.i`` just past what it read."""

    def __init__(self, text: str) -> None:
        self.tokens, self.starts, self.lines, self.columns = _tokenize(text)
        self.i = 0
        self.depth = 0

    # ---- helpers ------------------------------------------------------------------------

    def span(self, first: int, last: int) -> Span:
        """The span from the start of token ``first`` to the end of token ``last``."""
        starts = self.starts
        return Span(
            starts[first],
            starts[last] + len(self.tokens[last]),
            self.lines[first],
            self.columns[first],
        )

    def expect(self, token: str) -> None:
        if self.tokens[self.i] != token:
            raise _Fallback
        self.i += 1

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise _Fallback

    # ---- the file -------------------------------------------------------------------------

    def statements(self) -> List[ast.Statement]:
        tokens = self.tokens
        statements: List[ast.Statement] = []
        dispatch = _STATEMENTS
        while True:
            token = tokens[self.i]
            method = dispatch.get(token)
            if method is None:
                if token == _EOF:
                    return statements
                raise _Fallback
            statements.append(method(self))

    def define(self) -> ast.Define:
        first = self.i
        name = _name(self.tokens[first + 1])
        if self.tokens[first + 2] != "=":
            raise _Fallback
        self.i = first + 3
        condition = self.condition()
        return ast.Define(
            name, condition, self.span(first, self.i - 1), self.span(first + 1, first + 1)
        )

    def fields(self) -> ast.Fields:
        first = self.i
        tokens = self.tokens
        if tokens[first + 1] != "{":
            raise _Fallback
        i = first + 2
        items: List[ast.FieldDecl] = []
        while tokens[i] != "}":
            key = tokens[i]
            if key == "required":  # read as the keyword after a field
                raise _Fallback
            key = _string(key) if key[0] == '"' else _any_name(key)
            if tokens[i + 1] != ":":
                raise _Fallback
            type_name = _word(tokens[i + 2])
            last = i + 2
            required = tokens[i + 3] == "required"
            if required:
                last += 1
            items.append(
                ast.FieldDecl(key, type_name, required, self.span(i, last), self.span(i + 2, i + 2))
            )
            i = last + 1
        self.i = i + 1
        return ast.Fields(tuple(items), self.span(first, i))

    def score(self) -> ast.Score:
        first = self.i
        tokens = self.tokens
        if tokens[first + 1] != "{":
            raise _Fallback
        self.i = first + 2
        items: List[ast.ScoreItem] = []
        while tokens[self.i] != "}":
            start = self.i
            token = tokens[start]
            if not _is_number(token) or tokens[start + 1] != "when":
                raise _Fallback
            points = _number(token)
            self.i = start + 2
            condition = self.condition()
            items.append(ast.ScoreItem(points, condition, self.span(start, self.i - 1)))
        self.i += 1
        return ast.Score(tuple(items), self.span(first, self.i - 1))

    # ---- teams ----------------------------------------------------------------------------

    def team(self) -> ast.Team:
        first = self.i
        tokens = self.tokens
        name = _name(tokens[first + 1])
        if tokens[first + 2] != "{":
            raise _Fallback
        self.i = first + 3
        members: List[ast.Member] = []
        require: List[ast.Filter] = []
        strategy: Optional[str] = None
        cap: Optional[Tuple[Number, str]] = None
        max_ahead: Optional[Number] = None
        catch_up = False
        strategy_span = cap_span = max_ahead_span = _NO_SPAN
        seen = set()
        while True:
            i = self.i
            option = tokens[i]
            if option == "members":
                self.i = i + 1
                members.append(self.member())
                while tokens[self.i] == ",":
                    self.i += 1
                    members.append(self.member())
                continue
            if option == "require":
                self.i = i + 1
                require.append(self.filter())
                while tokens[self.i] == ",":
                    self.i += 1
                    require.append(self.filter())
                continue
            if option == "}":
                break
            if option in seen:
                raise _Fallback  # the builder's duplicate-option error
            seen.add(option)
            if option == "strategy":
                strategy = _word(tokens[i + 1])
                strategy_span = self.span(i + 1, i + 1)
                self.i = i + 2
            elif option == "cap":
                if not _is_number(tokens[i + 1]) or tokens[i + 2] != "per":
                    raise _Fallback
                cap = (_number(tokens[i + 1]), _word(tokens[i + 3]))
                cap_span = self.span(i, i + 3)
                self.i = i + 4
            elif option == "max_ahead":
                if not _is_number(tokens[i + 1]):
                    raise _Fallback
                max_ahead = _number(tokens[i + 1])
                max_ahead_span = self.span(i, i + 1)
                self.i = i + 2
            elif option == "catch_up":
                catch_up = True
                self.i = i + 1
            else:
                raise _Fallback
        self.i += 1
        return ast.Team(
            name,
            tuple(members),
            strategy,
            cap,
            tuple(require),
            max_ahead,
            catch_up,
            self.span(first, self.i - 1),
            self.span(first + 1, first + 1),
            strategy_span,
            cap_span,
            max_ahead_span,
        )

    def member(self) -> ast.Member:
        first = self.i
        tokens = self.tokens
        rep = _rep(tokens[first])
        i = first + 1
        weight: Optional[Number] = None
        tier: Optional[Number] = None
        while True:
            option = tokens[i]
            if option == "weight":
                if weight is not None or not _is_number(tokens[i + 1]):
                    raise _Fallback
                weight = _number(tokens[i + 1])
            elif option == "tier":
                if tier is not None or not _is_number(tokens[i + 1]):
                    raise _Fallback
                tier = _number(tokens[i + 1])
            else:
                break
            i += 2
        self.i = i
        return ast.Member(rep, weight, tier, self.span(first, i - 1))

    def filter(self) -> ast.Filter:
        first = self.i
        tokens = self.tokens
        name = _word(tokens[first])
        argument: Optional[Union[str, ast.LeadPath]] = None
        following = tokens[first + 1]
        if following[0] == '"':
            argument = _string(following)
            self.i = first + 2
        elif following == "lead":
            self.i = first + 1
            argument = self.lead_path()
        else:
            self.i = first + 1
        return ast.Filter(name, argument, self.span(first, self.i - 1))

    # ---- tables ---------------------------------------------------------------------------

    def table(self) -> ast.Table:
        first = self.i
        tokens = self.tokens
        name = _name(tokens[first + 1])
        if tokens[first + 2] != "by":
            raise _Fallback
        self.i = first + 3
        key = self.table_key()
        name_span = self.span(first + 1, first + 1)
        if tokens[self.i] == "from":
            if tokens[self.i + 1] != "host":
                raise _Fallback
            self.i += 2
            return ast.Table(name, key, (), None, True, self.span(first, self.i - 1), name_span)
        self.expect("{")
        rows = self.table_rows()
        else_target: Optional[ast.Target] = None
        if tokens[self.i] == "else":
            if tokens[self.i + 1] != "->":
                raise _Fallback
            self.i += 2
            else_target = self.target()
        self.expect("}")  # a row after `else`, or a second `else`, is the builder's error
        return ast.Table(
            name, key, tuple(rows), else_target, False, self.span(first, self.i - 1), name_span
        )

    def table_key(self) -> Tuple[ast.LeadPath, ...]:
        tokens = self.tokens
        if tokens[self.i] != "(":
            if tokens[self.i] != "lead":
                raise _Fallback
            return (self.lead_path(),)
        self.i += 1
        paths = [self.lead_path_at_lead()]
        while tokens[self.i] == ",":
            self.i += 1
            paths.append(self.lead_path_at_lead())
        self.expect(")")
        return tuple(paths)

    def table_rows(self) -> List[ast.TableRow]:
        """The rows of a table, up to its ``else`` row or ``}``.

        The hot loop of a large table: cells that are plain strings are read inline.
        """
        tokens = self.tokens
        starts = self.starts
        lines = self.lines
        columns = self.columns
        literal_at = self.literal_at
        Literal = ast.Literal
        RepTarget = ast.RepTarget
        rows: List[ast.TableRow] = []
        add_row = rows.append
        i = self.i
        while True:
            first = i
            token = tokens[i]
            if token == "}" or token == "else":
                self.i = i
                return rows
            cells: List[Tuple[ast.Literal, ...]] = []
            while True:
                if token == "(":
                    i += 1
                    cell: List[ast.Literal] = []
                    while True:
                        token = tokens[i]
                        if token[0] == '"' and "\\" not in token and len(token) < _SHORT_STRING:
                            start = starts[i]
                            cell.append(
                                Literal(
                                    token[1:-1],
                                    Span(start, start + len(token), lines[i], columns[i]),
                                )
                            )
                        else:
                            cell.append(literal_at(i))
                        token = tokens[i + 1]
                        if token != ",":
                            break
                        i += 2
                    if token != ")":
                        raise _Fallback
                    i += 2
                    cells.append(tuple(cell))
                elif token[0] == '"' and "\\" not in token and len(token) < _SHORT_STRING:
                    start = starts[i]
                    cells.append(
                        (
                            Literal(
                                token[1:-1], Span(start, start + len(token), lines[i], columns[i])
                            ),
                        )
                    )
                    i += 1
                else:
                    cells.append((literal_at(i),))
                    i += 1
                token = tokens[i]
                if token != ",":
                    break
                i += 1
                token = tokens[i]
            if token != "->":
                raise _Fallback
            token = tokens[i + 2]
            if (
                tokens[i + 1] == "rep"
                and token[0] in _WORD_START
                and token not in RESERVED_WORDS
                and len(token) <= MAX_NAME_LENGTH
            ):
                start = starts[i + 1]
                target: ast.Target = RepTarget(
                    token,
                    Span(start, starts[i + 2] + len(token), lines[i + 1], columns[i + 1]),
                )
                i += 3
            else:
                self.i = i + 1
                target = self.target()
                i = self.i
            start = starts[first]
            add_row(
                ast.TableRow(
                    tuple(cells),
                    target,
                    Span(start, starts[i - 1] + len(tokens[i - 1]), lines[first], columns[first]),
                )
            )

    def literal_at(self, i: int) -> ast.Literal:
        """The literal at token ``i`` (a STRING, NUMBER, DATE, DATETIME, true or false)."""
        token = self.tokens[i]
        first = token[0]
        value: Any
        if first == '"':
            value = _string(token)
        elif first in _NUMERIC_START and token != "->":
            value = _numeric_literal(token)
        elif token == "true":
            value = True
        elif token == "false":
            value = False
        else:
            raise _Fallback
        return ast.Literal(value, self.span(i, i))

    def literal(self) -> ast.Literal:
        i = self.i
        self.i = i + 1
        return self.literal_at(i)

    # ---- routes, actions, targets ---------------------------------------------------------

    def route(self) -> ast.Route:
        first = self.i
        tokens = self.tokens
        token = tokens[first + 1]
        if token[0] != '"':
            raise _Fallback
        name = _string(token)
        condition: Optional[ast.Condition] = None
        if tokens[first + 2] == "when":
            self.i = first + 3
            condition = self.condition()
        else:
            self.i = first + 2
        self.expect("{")
        actions = self.actions()
        return ast.Route(
            name, condition, actions, self.span(first, self.i - 1), self.span(first + 1, first + 1)
        )

    def fallback(self) -> ast.Fallback:
        first = self.i
        if self.tokens[first + 1] != "{":
            raise _Fallback
        self.i = first + 2
        actions = self.actions()
        return ast.Fallback(actions, self.span(first, self.i - 1))

    def actions(self) -> Tuple[ast.Action, ...]:
        """Actions up to and including the closing ``}``."""
        tokens = self.tokens
        actions: List[ast.Action] = []
        while True:
            first = self.i
            token = tokens[first]
            if token == "assign":
                self.i = first + 1
                targets = [self.target()]
                while tokens[self.i] == "else":
                    self.i += 1
                    targets.append(self.target())
                actions.append(ast.Assign(tuple(targets), self.span(first, self.i - 1)))
            elif token == "reject" or token == "redirect":
                message = tokens[first + 1]
                if message[0] != '"':
                    raise _Fallback
                self.i = first + 2
                if token == "reject":
                    actions.append(ast.Reject(_string(message), self.span(first, first + 1)))
                else:
                    actions.append(ast.Redirect(_string(message), self.span(first, first + 1)))
            elif token == "set":
                key = _any_name(tokens[first + 1])
                if tokens[first + 2] != "=":
                    raise _Fallback
                self.i = first + 3
                value = self.literal()
                actions.append(ast.SetAttribute(key, value, self.span(first, first + 3)))
            elif token == "}":
                self.i = first + 1
                return tuple(actions)
            else:
                raise _Fallback

    def target(self) -> ast.Target:
        first = self.i
        tokens = self.tokens
        token = tokens[first]
        if token == "rep":
            self.i = first + 2
            return ast.RepTarget(_rep(tokens[first + 1]), self.span(first, first + 1))
        if token == "team":
            team = _name(tokens[first + 1])
            if tokens[first + 2] == "using":
                using = _word(tokens[first + 3])
                self.i = first + 4
                return ast.TeamTarget(
                    team, using, self.span(first, first + 3), self.span(first + 3, first + 3)
                )
            self.i = first + 2
            return ast.TeamTarget(team, None, self.span(first, first + 1), _NO_SPAN)
        if token == "lookup":
            self.i = first + 2
            return ast.LookupTarget(_name(tokens[first + 1]), self.span(first, first + 1))
        if token == "account" and tokens[first + 1] == "." and tokens[first + 2] == "owner":
            self.i = first + 3
            return ast.OwnerTarget(self.span(first, first + 2))
        raise _Fallback

    # ---- conditions ---------------------------------------------------------------------

    def condition(self) -> ast.Condition:
        first = self.i
        item = self.and_condition()
        tokens = self.tokens
        if tokens[self.i] != "or":
            return item
        items = [item]
        while tokens[self.i] == "or":
            self.i += 1
            items.append(self.and_condition())
        return ast.Or(tuple(items), self.span(first, self.i - 1))

    def and_condition(self) -> ast.Condition:
        first = self.i
        item = self.not_condition()
        tokens = self.tokens
        if tokens[self.i] != "and":
            return item
        items = [item]
        while tokens[self.i] == "and":
            self.i += 1
            items.append(self.not_condition())
        return ast.And(tuple(items), self.span(first, self.i - 1))

    def not_condition(self) -> ast.Condition:
        first = self.i
        token = self.tokens[first]
        if token == "not":
            self.deeper()
            self.i = first + 1
            item = self.not_condition()
            self.depth -= 1
            return ast.Not(item, self.span(first, self.i - 1))
        if token == "(":
            self.deeper()
            self.i = first + 1
            inner = self.condition()
            self.expect(")")
            self.depth -= 1
            return inner
        return self.test()

    def test(self) -> ast.Condition:
        first = self.i
        tokens = self.tokens
        value = self.value()
        token = tokens[self.i]
        if token in _COMPARISONS:
            self.i += 1
            right = self.value()
            return ast.Compare(token, value, right, self.span(first, self.i - 1))
        handler = _TESTS.get(token)
        if handler is None:
            return ast.ValueTest(value, self.span(first, self.i - 1))
        return handler(self, first, value)

    def in_test(self, first: int, value: ast.Value) -> ast.Condition:
        self.i += 1
        options = self.value()
        return ast.In(value, options, False, self.span(first, self.i - 1))

    def not_in_test(self, first: int, value: ast.Value) -> ast.Condition:
        if self.tokens[self.i + 1] != "in":
            raise _Fallback
        self.i += 2
        options = self.value()
        return ast.In(value, options, True, self.span(first, self.i - 1))

    def contains(self, first: int, value: ast.Value) -> ast.Condition:
        mode = self.tokens[self.i + 1]
        if mode == "any" or mode == "all":
            self.i += 2
        else:
            mode = "one"
            self.i += 1
        operand = self.value()
        return ast.Contains(value, operand, mode, self.span(first, self.i - 1))

    def affix(self, first: int, value: ast.Value) -> ast.Condition:
        kind = self.tokens[self.i]
        if self.tokens[self.i + 1] != "with":
            raise _Fallback
        self.i += 2
        operand = self.value()
        return ast.Affix(kind, value, operand, self.span(first, self.i - 1))

    def matches(self, first: int, value: ast.Value) -> ast.Condition:
        i = self.i + 1
        token = self.tokens[i]
        if token[0] != '"':
            raise _Fallback
        self.i = i + 1
        return ast.Matches(value, _string(token), self.span(first, i), self.span(i, i))

    def between(self, first: int, value: ast.Value) -> ast.Condition:
        self.i += 1
        low = self.value()
        self.expect("and")
        high = self.value()
        return ast.Between(value, low, high, self.span(first, self.i - 1))

    def presence(self, first: int, value: ast.Value) -> ast.Condition:
        i = self.i + 1
        word = self.tokens[i]
        if word != "missing" and word != "present":
            raise _Fallback
        self.i = i + 1
        return ast.Presence(value, word == "present", self.span(first, i))

    # ---- values -----------------------------------------------------------------------

    def value(self) -> ast.Value:
        i = self.i
        tokens = self.tokens
        token = tokens[i]
        first = token[0]
        if first == '"':
            self.i = i + 1
            return ast.Literal(_string(token), self.span(i, i))
        if first in _WORD_START:
            if token == "lead":
                return self.lead_path()
            if token in RESERVED_WORDS:
                if token == "account":
                    return self.account_path()
                if token == "score":
                    self.i = i + 1
                    return ast.ScoreRef(self.span(i, i))
                if token == "true" or token == "false":
                    self.i = i + 1
                    return ast.Literal(token == "true", self.span(i, i))
                raise _Fallback
            if len(token) > MAX_NAME_LENGTH:
                raise _Fallback
            if tokens[i + 1] == "(":
                return self.call()
            self.i = i + 1
            return ast.NameRef(token, self.span(i, i))
        if first in _NUMERIC_START and token != "->":
            self.i = i + 1
            return ast.Literal(_numeric_literal(token), self.span(i, i))
        if token == "[":
            return self.list_value()
        raise _Fallback

    def steps(self, i: int) -> Tuple[List[str], int]:
        """The steps after ``lead`` or ``account`` at token ``i``, and the next token."""
        tokens = self.tokens
        steps: List[str] = []
        i += 1
        while True:
            token = tokens[i]
            if token == ".":
                step = tokens[i + 1]  # after `.` lark's lexer offers only a name
                if step[0] not in _WORD_START or len(step) > MAX_NAME_LENGTH:
                    raise _Fallback
                steps.append(step)
                i += 2
            elif token == "[":
                step = tokens[i + 1]
                if step[0] != '"' or tokens[i + 2] != "]":
                    raise _Fallback
                steps.append(_string(step))
                i += 3
            else:
                return steps, i

    def lead_path(self) -> ast.LeadPath:
        first = self.i
        steps, i = self.steps(first)
        if not steps:
            raise _Fallback
        self.i = i
        return ast.LeadPath(tuple(steps), self.span(first, i - 1))

    def lead_path_at_lead(self) -> ast.LeadPath:
        if self.tokens[self.i] != "lead":
            raise _Fallback
        return self.lead_path()

    def account_path(self) -> ast.AccountPath:
        first = self.i
        steps, i = self.steps(first)
        self.i = i
        return ast.AccountPath(tuple(steps), self.span(first, i - 1))

    def call(self) -> ast.Call:
        first = self.i
        tokens = self.tokens
        self.deeper()
        self.i = first + 2
        args: List[ast.Value] = []
        if tokens[self.i] != ")":
            args.append(self.value())
            while tokens[self.i] == ",":
                self.i += 1
                args.append(self.value())
        self.expect(")")
        self.depth -= 1
        return ast.Call(tokens[first], tuple(args), self.span(first, self.i - 1))

    def list_value(self) -> ast.ListValue:
        first = self.i
        tokens = self.tokens
        self.deeper()
        self.i = first + 1
        items: List[ast.Value] = []
        if tokens[self.i] != "]":
            items.append(self.value())
            while tokens[self.i] == ",":
                self.i += 1
                if tokens[self.i] == "]":
                    break
                items.append(self.value())
        self.expect("]")
        self.depth -= 1
        if len(items) > MAX_LIST_ITEMS:
            raise _Fallback
        return ast.ListValue(tuple(items), self.span(first, self.i - 1))

    # ---- expectations ---------------------------------------------------------------------

    def expect_block(self) -> ast.Expect:
        first = self.i
        tokens = self.tokens
        token = tokens[first + 1]
        if token[0] != '"' or tokens[first + 2] != "{":
            raise _Fallback
        name = _string(token)
        self.i = first + 3
        fields: Dict[str, Any] = {}
        attributes: List[Tuple[str, ast.Literal]] = []
        while True:
            i = self.i
            word = tokens[i]
            value: Any
            if word == "}":
                break
            if word == "lead":
                kind, value = "lead", self.expect_lead()
            elif word == "route":
                token = tokens[i + 1]
                if token[0] != '"':
                    raise _Fallback
                kind, value = "route", _string(token)
                self.i = i + 2
            elif word == "team":
                kind, value = "team", _name(tokens[i + 1])
                self.i = i + 2
            else:
                kind, value = self.expect_word(_name(word))
            if kind in fields:
                raise _Fallback  # the builder's duplicate-expect error
            if kind == "attribute":
                attributes.append(value)
            else:
                fields[kind] = value
        self.i += 1
        if "lead" not in fields:
            raise _Fallback
        return ast.Expect(
            name,
            fields["lead"],
            fields.get("now"),
            fields.get("outcome"),
            fields.get("route"),
            fields.get("assignee"),
            fields.get("assignee_in"),
            fields.get("team"),
            tuple(attributes),
            self.span(first, self.i - 1),
        )

    def expect_lead(self) -> Tuple[Tuple[str, Union[ast.Literal, ast.ListValue]], ...]:
        tokens = self.tokens
        if tokens[self.i + 1] != "{":
            raise _Fallback
        self.i += 2
        pairs: List[Tuple[str, Union[ast.Literal, ast.ListValue]]] = []
        while tokens[self.i] != "}":
            key = tokens[self.i]
            if key[0] == '"':
                key = _string(key)
            elif tokens[self.i - 1] in ("{", ","):
                key = _any_name(key)  # lark's lexer offers only a name or a string here
            else:
                key = _name(key)  # after a value its look-ahead also has keywords
            if tokens[self.i + 1] != ":":
                raise _Fallback
            self.i += 2
            value: Union[ast.Literal, ast.ListValue]
            value = self.list_value() if tokens[self.i] == "[" else self.literal()
            pairs.append((key, value))
            if tokens[self.i] == ",":
                self.i += 1
        self.i += 1
        return tuple(pairs)

    def expect_word(self, word: str) -> Tuple[str, Any]:
        """``now DATETIME``, ``outcome X``, ``assignee X``, ``assignee in [...]``, ``attribute
        NAME = LITERAL``: the grammar reads any name there and the builder checks it."""
        i = self.i
        tokens = self.tokens
        following = tokens[i + 1]
        if word == "now":
            if following[0] not in _NUMERIC_START or "T" not in following:
                raise _Fallback
            self.i = i + 2
            value = parse_datetime(following)
            if value is None:
                raise _Fallback
            return "now", value
        if word == "attribute":
            key = _key(following)
            if following[0] == '"' or tokens[i + 2] != "=":
                raise _Fallback
            self.i = i + 3
            return "attribute", (key, self.literal())
        if tokens[i + 2] == "=":
            raise _Fallback  # `NAME NAME = ...` is the attribute form
        if word == "outcome":
            if following[0] != '"' and following[0] not in _WORD_START:
                raise _Fallback
            outcome = following.strip('"')
            if outcome not in _OUTCOMES:
                raise _Fallback
            self.i = i + 2
            return "outcome", outcome
        if word != "assignee":
            raise _Fallback
        if following != "in":
            self.i = i + 2
            return "assignee", _rep(following)
        if tokens[i + 2] != "[":
            raise _Fallback
        reps = [_rep(tokens[i + 3])]
        i += 4
        while tokens[i] == ",":
            i += 1
            if tokens[i] == "]":
                break
            reps.append(_rep(tokens[i]))
            i += 1
        if tokens[i] != "]":
            raise _Fallback
        self.i = i + 1
        return "assignee_in", tuple(reps)


_STATEMENTS: Dict[str, Callable[[_Parser], Any]] = {
    "define": _Parser.define,
    "fields": _Parser.fields,
    "score": _Parser.score,
    "team": _Parser.team,
    "table": _Parser.table,
    "route": _Parser.route,
    "fallback": _Parser.fallback,
    "expect": _Parser.expect_block,
}

_TESTS: Dict[str, Callable[[_Parser, int, ast.Value], ast.Condition]] = {
    "in": _Parser.in_test,
    "not": _Parser.not_in_test,
    "contains": _Parser.contains,
    "starts": _Parser.affix,
    "ends": _Parser.affix,
    "matches": _Parser.matches,
    "between": _Parser.between,
    "is": _Parser.presence,
}
