"""The canonical layout of `.route` files: ``routekit fmt`` and `format_text`.

Theory of operation. The text is parsed twice: once into our AST, which is what gets
printed (so the output can only say what the AST says, and ``parse(format(text)) ==
parse(text)``), and once into lark's tree, whose positions tell where each statement,
team option, table row, action, score item, field and expectation item sat. The grammar
throws comments away, so they are scanned from the text and attached to those places:

- a comment on its own line goes before the item that follows it in the same block, or
  to the end of the block (or file) when nothing follows;
- a comment after code goes at the end of the line of the item that ended before it on
  that line (after ``}`` for a block), or after the ``{`` when it sits on that line;
- a comment in the middle of an item (inside a condition split over lines, say) is moved
  above that item, because the item is printed again from the AST and its inner layout is
  gone.

Every comment lands in exactly one place, so none is lost, and printing the output again
attaches each one to the same place, so formatting is idempotent. Blank lines are
canonical inside blocks (none) and between statements (one, except that consecutive
``define`` lines the author wrote together stay together); blank lines inside a run of
comments at the top level are kept, at most one, so a file's header comment stays apart.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import unicodedata
from decimal import Decimal
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import attrs
import lark

from . import ast
from ._builder import MAX_NAME_LENGTH, MAX_STRING_BYTES, RESERVED_WORDS, parse
from ._parser import parse_tree
from .errors import RoutekitValueError
from .source import Source

__all__ = ["format_rules", "format_text", "quote_string"]

#: Lines longer than this have their top-level ``and`` / ``or`` split one item per line.
LINE_LENGTH = 100

#: Table rows whose keys are wider than this are not used to align the ``->`` column, so
#: one very long row does not push every other row's target far to the right.
_ALIGN_LIMIT = 60

_INDENT = "  "
_CONTINUATION = "    "

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")

# Keywords of the expectation items are not reserved words, yet after a literal without a
# comma (``lead { a: 1 now: 2 }``) the lexer reads them as keywords; a key spelled like any
# keyword is therefore written as a string, which is always safe.
_KEYWORDS = RESERVED_WORDS | frozenset({"now", "outcome", "assignee", "attribute"})

# Whitespace as the grammar's lexer sees it (``common.WS``), not Python's wider notion.
_WS = " \t\f\r"
_COMMENT_END = " \t\f\r\v"

Key = Tuple[Union[str, int], ...]


def format_text(text: str, name: str = "<rules>") -> str:
    """Return ``text`` in the canonical layout, comments kept.

    The result parses to the same AST as ``text`` and formatting it again changes nothing.

    Raises:
        RouteSyntaxError: ``text`` does not parse; a broken file is never formatted.
    """
    rules = parse(text, name)
    tree = parse_tree(Source(name, text))
    comments = _attach_comments(text, tree)
    return _Printer(comments).file(rules)


def format_rules(rules: ast.RuleFile) -> str:
    """Print an AST in the canonical layout (there are no comments in an AST).

    Raises:
        RoutekitValueError: the AST holds something no `.route` text can say, such as a
            define named with a reserved word or a date-time without a zone.
    """
    return _Printer({}).file(rules)


# ---- lexical pieces ---------------------------------------------------------------------


def quote_string(value: str, minimal: bool = False) -> str:
    """``value`` as a string literal that the builder reads back as exactly ``value``.

    Escapes are ``\\"``, ``\\\\``, ``\\n``, ``\\t`` and ``\\uXXXX`` (control characters, lone
    surrogates, line and paragraph separators). A backslash is written alone when the
    builder would keep it as written anyway (``"\\d+"`` stays ``"\\d+"``) and doubled when
    the next character would otherwise make an escape (a backslash then ``n`` is
    ``"\\\\n"``). ``minimal`` writes tabs and control characters raw where the grammar
    allows, for a string that would otherwise outgrow the 64 KiB limit.
    """
    parts = ['"']
    for index, char in enumerate(value):
        if char == '"':
            parts.append('\\"')
        elif char == "\\":
            parts.append("\\" if _lone_backslash_ok(value, index, minimal) else "\\\\")
        elif _escaped(char, minimal):
            parts.append(_escape(char))
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def _escaped(char: str, minimal: bool) -> bool:
    """Whether ``char`` is written as an escape rather than as itself."""
    if char in "\n\x00":
        return True  # a string cannot span lines, and a file cannot hold NUL
    category = unicodedata.category(char)
    if category == "Cs":
        return True  # a lone surrogate cannot be written to a UTF-8 file
    if minimal:
        return False
    return category in ("Cc", "Zl", "Zp")


def _escape(char: str) -> str:
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    return f"\\u{ord(char):04x}"


def _lone_backslash_ok(value: str, index: int, minimal: bool) -> bool:
    """Whether a backslash may be written alone: the builder keeps ``\\x`` as written."""
    following = value[index + 1 : index + 2]
    if not following or following in '"\\nt' or _escaped(following, minimal):
        return False
    return not (following == "u" and _HEX4.fullmatch(value[index + 2 : index + 6]))


def _string(value: str) -> str:
    text = quote_string(value)
    if len(text.encode("utf-8", "surrogatepass")) - 2 > MAX_STRING_BYTES:
        return quote_string(value, minimal=True)  # never longer than the text it came from
    return text


def _is_bare_name(value: str) -> bool:
    """A name the grammar reads as a NAME and the builder accepts where a name is due."""
    return (
        len(value) <= MAX_NAME_LENGTH
        and _IDENTIFIER.fullmatch(value) is not None
        and value not in RESERVED_WORDS
    )


def _name(value: str, what: str) -> str:
    """A define, team, table, function or similar name, which has no quoted form."""
    if not _is_bare_name(value):
        raise RoutekitValueError(f"{value!r} cannot be written as the name of a {what}")
    return value


def _word(value: str, what: str) -> str:
    """A name in a place where reserved words are read as names (set, attribute, filters)."""
    if len(value) > MAX_NAME_LENGTH or _IDENTIFIER.fullmatch(value) is None:
        raise RoutekitValueError(f"{value!r} cannot be written as the name of a {what}")
    return value


def _rep(value: str) -> str:
    return value if _is_bare_name(value) else _string(value)


def _key(value: str) -> str:
    """A field name in ``fields`` or an expectation's lead: bare when that is always safe."""
    if value not in _KEYWORDS and _is_bare_name(value):
        return value
    return _string(value)


def _step(value: str) -> str:
    """One step of a path: after ``.`` any name is a field name, so only shape matters."""
    if len(value) <= MAX_NAME_LENGTH and _IDENTIFIER.fullmatch(value):
        return "." + value
    return f"[{_string(value)}]"


def _number(value: Union[int, Decimal]) -> str:
    """The exact digits: ints as they are, Decimals in positional notation, never ``1E+3``."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise RoutekitValueError(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RoutekitValueError(f"{value} cannot be written as a number")
        return format(value, "f")
    return str(value)


def _datetime(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise RoutekitValueError(f"the date-time {value} has no zone")
    seconds = int(offset.total_seconds())
    if offset.microseconds or seconds % 60:
        raise RoutekitValueError(f"the zone of {value} is not whole minutes")
    if seconds == 0:
        zone = "Z"
    else:
        sign = "+" if seconds > 0 else "-"
        hours, minutes = divmod(abs(seconds) // 60, 60)
        zone = f"{sign}{hours:02d}:{minutes:02d}"
    return value.replace(tzinfo=None).isoformat() + zone


def _literal(value: ast.LiteralValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, Decimal)):
        return _number(value)
    if isinstance(value, dt.datetime):
        return _datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise RoutekitValueError(f"{value!r} cannot be written as a literal")


# ---- values and conditions --------------------------------------------------------------


def _value(value: ast.Value) -> str:
    if isinstance(value, ast.Literal):
        return _literal(value.value)
    if isinstance(value, ast.ListValue):
        return "[" + ", ".join(_value(item) for item in value.items) + "]"
    if isinstance(value, ast.LeadPath):
        if not value.steps:
            raise RoutekitValueError("a lead path needs at least one step")
        return "lead" + "".join(_step(step) for step in value.steps)
    if isinstance(value, ast.AccountPath):
        return "account" + "".join(_step(step) for step in value.steps)
    if isinstance(value, ast.ScoreRef):
        return "score"
    if isinstance(value, ast.Call):
        args = ", ".join(_value(arg) for arg in value.args)
        return f"{_name(value.name, 'function')}({args})"
    if isinstance(value, ast.NameRef):
        return _name(value.name, "define")
    raise RoutekitValueError(f"{value!r} is not a value")


_CONTAINS = {"one": "contains", "any": "contains any", "all": "contains all"}


def _condition(condition: ast.Condition) -> str:
    """A condition with only the parentheses the AST needs.

    ``and`` and ``or`` are n-ary as written, so a nested node of the same kind keeps its
    parentheses (``a and (b and c)`` is not ``a and b and c``); ``or`` under ``and`` and
    anything compound under ``not`` need them for precedence.
    """
    if isinstance(condition, ast.Or):
        return " or ".join(_operand(item, condition) for item in condition.items)
    if isinstance(condition, ast.And):
        return " and ".join(_operand(item, condition) for item in condition.items)
    if isinstance(condition, ast.Not):
        return "not " + _operand(condition.item, condition)
    return _test(condition)


def _operand(item: ast.Condition, parent: Union[ast.Or, ast.And, ast.Not]) -> str:
    if isinstance(parent, ast.Or):
        grouped = isinstance(item, ast.Or)
    else:
        grouped = isinstance(item, (ast.Or, ast.And))
    text = _condition(item)
    return f"({text})" if grouped else text


def _test(test: ast.Condition) -> str:
    if isinstance(test, ast.Compare):
        return f"{_value(test.left)} {test.op} {_value(test.right)}"
    if isinstance(test, ast.In):
        word = "not in" if test.negated else "in"
        return f"{_value(test.value)} {word} {_value(test.options)}"
    if isinstance(test, ast.Contains):
        return f"{_value(test.value)} {_CONTAINS[test.mode]} {_value(test.operand)}"
    if isinstance(test, ast.Affix):
        return f"{_value(test.value)} {test.kind} with {_value(test.operand)}"
    if isinstance(test, ast.Matches):
        return f"{_value(test.value)} matches {_string(test.pattern)}"
    if isinstance(test, ast.Between):
        low, high = _value(test.low), _value(test.high)
        return f"{_value(test.value)} between {low} and {high}"
    if isinstance(test, ast.Presence):
        return f"{_value(test.value)} is {'present' if test.present else 'missing'}"
    if isinstance(test, ast.ValueTest):
        return _value(test.value)
    raise RoutekitValueError(f"{test!r} is not a condition")


def _condition_lines(
    prefix: str, condition: ast.Condition, indent: str, reserve: int = 0
) -> List[str]:
    """``prefix`` and the condition, split after each top-level and/or when too long."""
    flat = prefix + _condition(condition)
    if len(flat) + reserve <= LINE_LENGTH or not isinstance(condition, (ast.And, ast.Or)):
        return [flat]
    word = " and" if isinstance(condition, ast.And) else " or"
    parts = [_operand(item, condition) for item in condition.items]
    lines = [prefix + parts[0] + word]
    lines.extend(indent + _CONTINUATION + part + word for part in parts[1:-1])
    lines.append(indent + _CONTINUATION + parts[-1])
    return lines


def _target(target: ast.Target) -> str:
    if isinstance(target, ast.TeamTarget):
        text = f"team {_name(target.team, 'team')}"
        if target.using is not None:
            text += f" using {_word(target.using, 'strategy')}"
        return text
    if isinstance(target, ast.RepTarget):
        return f"rep {_rep(target.rep)}"
    if isinstance(target, ast.OwnerTarget):
        return "account.owner"
    if isinstance(target, ast.LookupTarget):
        return f"lookup {_name(target.table, 'table')}"
    raise RoutekitValueError(f"{target!r} is not a target")


def _action(action: ast.Action) -> str:
    if isinstance(action, ast.Assign):
        return "assign " + " else ".join(_target(target) for target in action.targets)
    if isinstance(action, ast.Reject):
        return f"reject {_string(action.message)}"
    if isinstance(action, ast.Redirect):
        return f"redirect {_string(action.url)}"
    if isinstance(action, ast.SetAttribute):
        return f"set {_word(action.name, 'attribute')} = {_literal(action.value.value)}"
    raise RoutekitValueError(f"{action!r} is not an action")


def _member(member: ast.Member) -> str:
    text = _rep(member.rep)
    if member.weight is not None:
        text += f" weight {_number(member.weight)}"
    if member.tier is not None:
        text += f" tier {_number(member.tier)}"
    return text


def _filter(item: ast.Filter) -> str:
    text = _word(item.name, "filter")
    if isinstance(item.argument, str):
        text += " " + _string(item.argument)
    elif item.argument is not None:
        text += " " + _value(item.argument)
    return text


def _cells(keys: Tuple[ast.Literal, ...]) -> str:
    if len(keys) == 1:
        return _literal(keys[0].value)
    return "(" + ", ".join(_literal(key.value) for key in keys) + ")"


# ---- comments: finding them and deciding where they go ------------------------------------


@attrs.frozen
class _SourceComment:
    text: str
    offset: int
    line: int
    own_line: bool


@attrs.frozen
class _Comment:
    """A comment printed on its own line; ``blank_before`` matters only at the top level."""

    text: str
    blank_before: bool = False


@attrs.frozen
class _Slot:
    """The comments of one printed item (a statement, option, row, action, ...)."""

    leading: Tuple[_Comment, ...] = ()
    trailing: Optional[str] = None
    header: Tuple[str, ...] = ()  # after the ``{`` of a block
    inner: Tuple[_Comment, ...] = ()  # after a block's last item
    gap: bool = False  # a blank line between the leading comments and the item
    separated: bool = False  # a blank line above the item and its comments


_EMPTY_SLOT = _Slot()


@attrs.define
class _Anchor:
    """Where a printed item was in the source, and the items inside it if it is a block."""

    key: Key
    start: int
    end: int
    line: int
    body: Optional[Tuple[int, int]] = None  # offsets of ``{`` and ``}``
    children: List[_Anchor] = attrs.Factory(list)
    _starts: Optional[List[int]] = attrs.field(default=None, init=False, repr=False)

    def child_at(self, offset: int) -> int:
        """The index of the last child starting at or before ``offset`` (-1 if none)."""
        if self._starts is None or len(self._starts) != len(self.children):
            self._starts = [child.start for child in self.children]
        return bisect.bisect_right(self._starts, offset) - 1


@attrs.define
class _Collected:
    above: List[_SourceComment] = attrs.Factory(list)
    inside: List[_SourceComment] = attrs.Factory(list)
    trailing: List[_SourceComment] = attrs.Factory(list)
    header: List[_SourceComment] = attrs.Factory(list)
    inner: List[_SourceComment] = attrs.Factory(list)


def _scan_comments(text: str) -> List[_SourceComment]:
    """Every ``#`` comment, skipping ``#`` inside strings (which never span lines)."""
    found: List[_SourceComment] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if "#" in line:
            index, in_string = 0, False
            while index < len(line):
                char = line[index]
                if in_string:
                    if char == "\\":
                        index += 1
                    elif char == '"':
                        in_string = False
                elif char == '"':
                    in_string = True
                elif char == "#":
                    own_line = not line[:index].strip(_WS)
                    text_ = line[index:].rstrip(_COMMENT_END)
                    found.append(_SourceComment(text_, offset + index, number, own_line))
                    break
                index += 1
        offset += len(line) + 1
    return found


def _meta(tree: lark.Tree[lark.Token]) -> Tuple[int, int, int]:
    meta = tree.meta
    return meta.start_pos, meta.end_pos, meta.line


def _open_brace(text: str, start: int) -> int:
    """The first ``{`` at or after ``start`` that is not in a string or comment."""
    index, in_string = start, False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
        elif char == "{":
            return index
        index += 1
    raise AssertionError("a block without `{`")  # pragma: no cover - the text parsed


def _block(text: str, key: Key, tree: lark.Tree[lark.Token]) -> _Anchor:
    start, end, line = _meta(tree)
    return _Anchor(key, start, end, line, (_open_brace(text, start), end - 1))


def _leaf(key: Key, tree: lark.Tree[lark.Token]) -> _Anchor:
    start, end, line = _meta(tree)
    return _Anchor(key, start, end, line)


_ACTIONS = ("assign", "reject", "redirect", "set")


def _anchors(text: str, tree: lark.Tree[lark.Token]) -> _Anchor:
    """The anchor tree of a parsed file; keys match what `_Printer` asks for."""
    root = _Anchor((), 0, len(text), 1, (-1, len(text)))
    for index, statement in enumerate(tree.children):
        assert isinstance(statement, lark.Tree)
        key: Key = ("s", index)
        kind = statement.data
        if kind in ("define", "host_table"):
            root.children.append(_leaf(key, statement))
            continue
        anchor = _block(text, key, statement)
        root.children.append(anchor)
        items = [child for child in statement.children if isinstance(child, lark.Tree)]
        if kind == "team":
            anchor.children = [_leaf((*key, "opt", str(c.data)), c) for c in items]
        elif kind == "table":
            rows = [c for c in items if c.data == "table_row"]
            anchor.children = [_leaf((*key, "item", k), c) for k, c in enumerate(rows)]
            anchor.children += [_leaf((*key, "else"), c) for c in items if c.data == "table_else"]
        elif kind in ("route", "fallback"):
            actions = [c for c in items if c.data in _ACTIONS]
            anchor.children = [_leaf((*key, "item", k), c) for k, c in enumerate(actions)]
        elif kind == "expect":
            anchor.children = _expect_anchors(text, key, items)
        else:  # fields, score
            anchor.children = [_leaf((*key, "item", k), c) for k, c in enumerate(items)]
    return root


def _expect_anchors(text: str, key: Key, items: Sequence[lark.Tree[lark.Token]]) -> List[_Anchor]:
    anchors: List[_Anchor] = []
    attributes = 0
    for item in items:
        if item.data == "expect_lead":
            lead = _block(text, (*key, "lead"), item)
            fields = [c for c in item.children if isinstance(c, lark.Tree)]
            lead.children = [_leaf((*key, "lead", k), c) for k, c in enumerate(fields)]
            anchors.append(lead)
        elif item.data == "expect_word_set":
            anchors.append(_leaf((*key, "attribute", attributes), item))
            attributes += 1
        else:
            anchors.append(_leaf((*key, _expect_item_name(item)), item))
    return anchors


def _expect_item_name(item: lark.Tree[lark.Token]) -> str:
    """The printer's name for an expectation item (the grammar reads its word as a name)."""
    if item.data == "expect_word_datetime":
        return "expect_now"
    if item.data == "expect_word_in":
        return "expect_assignee_in"
    if item.data == "expect_word_rep":
        return f"expect_{item.children[0]}"  # expect_outcome or expect_assignee
    return str(item.data)


def _place(anchor: _Anchor, comment: _SourceComment, found: Dict[Key, _Collected]) -> None:
    """Attach one comment inside the block ``anchor`` (see the module docstring)."""
    assert anchor.body is not None
    if comment.offset < anchor.body[0]:
        found.setdefault(anchor.key, _Collected()).inside.append(comment)
        return
    index = anchor.child_at(comment.offset)
    if index >= 0 and comment.offset < anchor.children[index].end:
        child = anchor.children[index]
        if child.body is None:
            found.setdefault(child.key, _Collected()).inside.append(comment)
        else:
            _place(child, comment, found)
        return
    previous = anchor.children[index] if index >= 0 else None
    following = anchor.children[index + 1] if index + 1 < len(anchor.children) else None
    if not comment.own_line:
        if previous is not None:
            found.setdefault(previous.key, _Collected()).trailing.append(comment)
        else:
            found.setdefault(anchor.key, _Collected()).header.append(comment)
    elif following is not None:
        found.setdefault(following.key, _Collected()).above.append(comment)
    else:
        found.setdefault(anchor.key, _Collected()).inner.append(comment)


def _attach_comments(text: str, tree: lark.Tree[lark.Token]) -> Dict[Key, _Slot]:
    root = _anchors(text, tree)
    found: Dict[Key, _Collected] = {}
    for comment in _scan_comments(text):
        _place(root, comment, found)
    lines = text.split("\n")

    def blank_above(line: int) -> bool:
        return line >= 2 and not lines[line - 2].strip(_WS)

    start_lines = {child.key: child.line for child in root.children}
    slots: Dict[Key, _Slot] = {}
    for key, collected in found.items():
        # Comments moved above the item (from inside it, or extra trailing ones) follow
        # the ones that were above it; only the last trailing comment can stay trailing.
        moved = collected.inside + collected.trailing[:-1]
        item_line = start_lines.get(key, 0)
        sequence = [_Comment(c.text, blank_above(c.line)) for c in collected.above]
        sequence += [
            _Comment(c.text, index == 0 and blank_above(item_line)) for index, c in enumerate(moved)
        ]
        gap = bool(collected.above) and not moved and blank_above(item_line)
        separated = sequence[0].blank_before if sequence else blank_above(item_line)
        slots[key] = _Slot(
            leading=tuple(sequence),
            trailing=collected.trailing[-1].text if collected.trailing else None,
            header=tuple(c.text for c in collected.header),
            inner=tuple(_Comment(c.text, blank_above(c.line)) for c in collected.inner),
            gap=gap,
            separated=separated,
        )
    for child in root.children:  # statements without comments still know their spacing
        if child.key not in slots and blank_above(child.line):
            slots[child.key] = _Slot(separated=True)
    return slots


# ---- printing -------------------------------------------------------------------------------


class _Printer:
    """Builds the output line by line; each item asks for its comments by key."""

    def __init__(self, comments: Dict[Key, _Slot]) -> None:
        self.comments = comments
        self.lines: List[str] = []

    def slot(self, key: Key) -> _Slot:
        return self.comments.get(key, _EMPTY_SLOT)

    # ---- layout helpers ---------------------------------------------------------------

    def leading(self, slot: _Slot, indent: str, top: bool) -> None:
        for index, comment in enumerate(slot.leading):
            if top and index > 0 and comment.blank_before:
                self.lines.append("")
            self.lines.append(indent + comment.text)
        if top and slot.leading and slot.gap:
            self.lines.append("")

    def item(self, key: Key, indent: str, lines: List[str], top: bool = False) -> None:
        """A construct printed on its own line(s), with its comments around it."""
        slot = self.slot(key)
        self.leading(slot, indent, top)
        lines = list(lines)
        if slot.trailing is not None:
            lines[-1] += "  " + slot.trailing
        self.lines.extend(lines)

    def block(
        self,
        key: Key,
        indent: str,
        header: List[str],
        body: Callable[[str], None],
        top: bool = False,
    ) -> None:
        """``HEADER {``, the items ``body`` prints one level in, then ``}``."""
        slot = self.slot(key)
        self.leading(slot, indent, top)
        inner = indent + _INDENT
        outer, self.lines = self.lines, []
        body(inner)
        self.lines.extend(inner + comment.text for comment in slot.inner)
        body_lines, self.lines = self.lines, outer
        head = list(header)
        close = indent + "}"
        if body_lines or slot.header:
            head[-1] += " {"
            if slot.header:
                head[-1] += "  " + slot.header[0]
                body_lines[:0] = [inner + text for text in slot.header[1:]]
            self.lines.extend(head)
            self.lines.extend(body_lines)
        else:
            close = head.pop() + " {}"
            self.lines.extend(head)
        if slot.trailing is not None:
            close += "  " + slot.trailing
        self.lines.append(close)

    # ---- the file and its statements ----------------------------------------------------

    def file(self, rules: ast.RuleFile) -> str:
        root = self.slot(())
        self.lines.extend(root.header)
        previous: Optional[ast.Statement] = None
        for index, statement in enumerate(rules.statements):
            key: Key = ("s", index)
            if previous is not None:
                together = (
                    isinstance(previous, ast.Define)
                    and isinstance(statement, ast.Define)
                    and not self.slot(key).separated
                )
                if not together:
                    self.lines.append("")
            self.statement(key, statement)
            previous = statement
        for comment in root.inner:
            if self.lines and comment.blank_before:
                self.lines.append("")
            self.lines.append(comment.text)
        return "\n".join(self.lines) + "\n" if self.lines else ""

    def statement(self, key: Key, statement: ast.Statement) -> None:
        if isinstance(statement, ast.Define):
            prefix = f"define {_name(statement.name, 'define')} = "
            self.item(key, "", _condition_lines(prefix, statement.condition, ""), top=True)
        elif isinstance(statement, ast.Fields):
            self.block(key, "", ["fields"], partial(self.fields, key, statement), top=True)
        elif isinstance(statement, ast.Score):
            self.block(key, "", ["score"], partial(self.score, key, statement), top=True)
        elif isinstance(statement, ast.Team):
            header = [f"team {_name(statement.name, 'team')}"]
            self.block(key, "", header, partial(self.team, key, statement), top=True)
        elif isinstance(statement, ast.Table):
            self.table(key, statement)
        elif isinstance(statement, ast.Route):
            prefix = f"route {_string(statement.name)}"
            if statement.condition is None:
                header = [prefix]
            else:
                header = _condition_lines(prefix + " when ", statement.condition, "", reserve=2)
            self.block(key, "", header, partial(self.actions, key, statement), top=True)
        elif isinstance(statement, ast.Fallback):
            self.block(key, "", ["fallback"], partial(self.actions, key, statement), top=True)
        elif isinstance(statement, ast.Expect):
            header = [f"expect {_string(statement.name)}"]
            self.block(key, "", header, partial(self.expect, key, statement), top=True)
        else:
            raise RoutekitValueError(f"{statement!r} is not a statement")

    def fields(self, key: Key, fields: ast.Fields, indent: str) -> None:
        for index, decl in enumerate(fields.items):
            text = f"{_key(decl.name)}: {_word(decl.type_name, 'type')}"
            if decl.required:
                text += " required"
            self.item((*key, "item", index), indent, [indent + text])

    def score(self, key: Key, score: ast.Score, indent: str) -> None:
        points = [_number(item.points) for item in score.items]
        width = max((len(text) for text in points), default=0)
        for index, (item, text) in enumerate(zip(score.items, points)):
            prefix = f"{indent}{text.rjust(width)} when "
            lines = _condition_lines(prefix, item.condition, indent)
            self.item((*key, "item", index), indent, lines)

    def team(self, key: Key, team: ast.Team, indent: str) -> None:
        options: List[Tuple[str, str]] = []
        if team.members:
            options.append(("members", "members " + ", ".join(map(_member, team.members))))
        if team.strategy is not None:
            options.append(("strategy", f"strategy {_word(team.strategy, 'strategy')}"))
        if team.cap is not None:
            count, period = team.cap
            options.append(("cap", f"cap {_number(count)} per {_word(period, 'period')}"))
        if team.require:
            options.append(("require", "require " + ", ".join(map(_filter, team.require))))
        if team.max_ahead is not None:
            options.append(("max_ahead", f"max_ahead {_number(team.max_ahead)}"))
        if team.catch_up:
            options.append(("catch_up", "catch_up"))
        for kind, text in options:
            self.item((*key, "opt", kind), indent, [indent + text])

    def table(self, key: Key, table: ast.Table) -> None:
        if not table.key:
            raise RoutekitValueError(f"table {table.name} has no key")
        paths = [_value(path) for path in table.key]
        by = paths[0] if len(paths) == 1 else "(" + ", ".join(paths) + ")"
        header = f"table {_name(table.name, 'table')} by {by}"
        if table.from_host:
            self.item(key, "", [header + " from host"], top=True)
            return

        def rows(indent: str) -> None:
            cells = [", ".join(_cells(keys) for keys in row.keys) for row in table.rows]
            if table.else_target is not None:
                cells.append("else")
            width = max((len(c) for c in cells if len(c) <= _ALIGN_LIMIT), default=0)
            targets = [row.target for row in table.rows]
            if table.else_target is not None:
                targets.append(table.else_target)
            for index, (cell, target) in enumerate(zip(cells, targets)):
                row_key: Key = (*key, "item", index)
                if index == len(table.rows):
                    row_key = (*key, "else")
                line = f"{indent}{cell.ljust(width)} -> {_target(target)}"
                self.item(row_key, indent, [line])

        self.block(key, "", [header], rows, top=True)

    def actions(self, key: Key, statement: Union[ast.Route, ast.Fallback], indent: str) -> None:
        for index, action in enumerate(statement.actions):
            self.item((*key, "item", index), indent, [indent + _action(action)])

    def expect(self, key: Key, expect: ast.Expect, indent: str) -> None:
        self.lead(key, indent, expect)
        if expect.now is not None:
            self.item((*key, "expect_now"), indent, [f"{indent}now {_datetime(expect.now)}"])
        if expect.outcome is not None:
            text = f"{indent}outcome {_word(expect.outcome, 'outcome')}"
            self.item((*key, "expect_outcome"), indent, [text])
        if expect.route is not None:
            self.item((*key, "expect_route"), indent, [f"{indent}route {_string(expect.route)}"])
        if expect.team is not None:
            self.item((*key, "expect_team"), indent, [f"{indent}team {_name(expect.team, 'team')}"])
        if expect.assignee is not None:
            text = f"{indent}assignee {_rep(expect.assignee)}"
            self.item((*key, "expect_assignee"), indent, [text])
        if expect.assignee_in is not None:
            if not expect.assignee_in:
                raise RoutekitValueError("`assignee in` needs at least one rep")
            reps = ", ".join(_rep(rep) for rep in expect.assignee_in)
            self.item((*key, "expect_assignee_in"), indent, [f"{indent}assignee in [{reps}]"])
        for index, (name, value) in enumerate(expect.attributes):
            text = f"{indent}attribute {_word(name, 'attribute')} = {_literal(value.value)}"
            self.item((*key, "attribute", index), indent, [text])

    def lead(self, key: Key, indent: str, expect: ast.Expect) -> None:
        """``lead { a: 1, b: "x" }`` on one line, or one field a line when long or commented."""
        lead_key: Key = (*key, "lead")
        fields = [f"{_key(name)}: {_value(value)}" for name, value in expect.lead]
        lead_slot = self.slot(lead_key)
        commented = bool(lead_slot.header or lead_slot.inner) or any(
            (*lead_key, index) in self.comments for index in range(len(fields))
        )
        one_line = f"{indent}lead {{ {', '.join(fields)} }}" if fields else f"{indent}lead {{}}"
        if not commented and len(one_line) <= LINE_LENGTH:
            self.item(lead_key, indent, [one_line])
            return

        def body(inner: str) -> None:
            for index, text in enumerate(fields):
                self.item((*lead_key, index), inner, [f"{inner}{text},"])

        self.block(lead_key, indent, [indent + "lead"], body)
