"""Building the LALR parser once, and turning lark's errors into `RouteSyntaxError`.

This module knows syntax only. The grammar lives in ``grammar/routekit.lark`` (shipped in
the wheel as ``routekit/grammar/routekit.lark``); lark trees never leave the builder.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ._builder import _LONE_SURROGATE, MAX_FILE_BYTES
from .errors import Diagnostic, RouteSyntaxError
from .source import Source, Span

_FRIENDLY_TERMINALS = {
    "NAME": "a name",
    "STRING": 'a string in double quotes ("...")',
    "NUMBER": "a number",
    "DATE": "a date (2026-12-24)",
    "DATETIME": "a date-time with a zone (2026-12-24T09:00:00Z)",
    "COMP_OP": "a comparison (== != < <= > >=)",
    "REQUIRED": "`required`",
    "$END": "the end of the file",
}


def grammar_text() -> str:
    """The text of the grammar: package data when installed, else the repository's copy."""
    return _grammar_text()


@functools.lru_cache(maxsize=1)
def _grammar_text() -> str:
    here = Path(__file__).resolve().parent
    for candidate in (
        here / "grammar" / "routekit.lark",  # installed: shipped inside the package
        here.parents[1] / "grammar" / "routekit.lark",  # a source checkout (src layout)
    ):
        if candidate.is_file():
            return candidate.read_text("utf-8")
    raise FileNotFoundError("routekit's grammar file is missing from the installation")


PARSER_OPTIONS: Dict[str, Any] = {
    "parser": "lalr",
    "lexer": "contextual",
    "propagate_positions": True,
    "maybe_placeholders": False,
}
TABLES_FILE = "_parser_tables.bin"


@functools.lru_cache(maxsize=2)
def parser(strict: bool = False) -> lark.Lark:
    """The LALR parser, once per process (``strict`` fails on any grammar conflict).

    Building the LALR tables takes a few hundred milliseconds, so the package ships them
    (`TABLES_FILE`, written by ``scripts/build_parser_tables.py``) and loads them when they
    were made from this grammar with this version of lark; otherwise it builds them.
    """
    if not strict:
        shipped = _shipped_parser()
        if shipped is not None:
            return shipped
    return lark.Lark(grammar_text(), strict=strict, **PARSER_OPTIONS)


def tables_header() -> bytes:
    """What the shipped tables must have been built from: the grammar and lark's version."""
    digest = hashlib.sha256(grammar_text().encode("utf-8")).hexdigest()
    return json.dumps({"grammar_sha256": digest, "lark": lark.__version__}).encode() + b"\n"


def serialize_parser() -> bytes:
    """The bytes of `TABLES_FILE` for the current grammar (used by the build script)."""
    built = lark.Lark(grammar_text(), **PARSER_OPTIONS)
    buffer = io.BytesIO()
    built.save(buffer)
    return tables_header() + buffer.getvalue()


def _shipped_parser() -> Optional[lark.Lark]:
    try:
        if sys.version_info >= (3, 9):
            from importlib.resources import files

            data = files("routekit").joinpath(TABLES_FILE).read_bytes()
        else:  # pragma: no cover - Python 3.8
            from importlib.resources import read_binary

            data = read_binary("routekit", TABLES_FILE)
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return None
    header, _, body = data.partition(b"\n")
    if header + b"\n" != tables_header():
        return None  # made from another grammar or lark version: build instead
    try:
        return lark.Lark.load(io.BytesIO(body))
    except Exception:  # an unreadable file is never fatal: build the tables instead
        return None


def parse_tree(source: Source) -> lark.Tree[Any]:
    """Parse ``source`` into a lark tree, or raise `RouteSyntaxError` at the offending token."""
    surrogate = _LONE_SURROGATE.search(source.text)
    if surrogate is not None:  # text that cannot be UTF-8 (a lone surrogate from bad decoding)
        line, column = source.position(surrogate.start())
        raise RouteSyntaxError(
            [
                Diagnostic(
                    "bad-character",
                    f"character U+{ord(surrogate.group()):04X} is not valid text "
                    "(a lone surrogate)",
                    Span.point(surrogate.start(), line, column),
                )
            ],
            source,
        )
    if len(source.text) > MAX_FILE_BYTES or len(source.text.encode("utf-8")) > MAX_FILE_BYTES:
        raise RouteSyntaxError(
            [
                Diagnostic(
                    "file-too-large",
                    "the file is larger than the 16 MiB a .route file may be",
                    Span(0, 1, 1, 1),
                )
            ],
            source,
        )
    if "\x00" in source.text:
        offset = source.text.index("\x00")
        line, column = source.position(offset)
        raise RouteSyntaxError(
            [
                Diagnostic(
                    "bad-character",
                    "a NUL character is not allowed here",
                    Span.point(offset, line, column),
                )
            ],
            source,
        )
    try:
        return parser().parse(source.text)
    except UnexpectedInput as error:
        raise RouteSyntaxError([_diagnose(error, source)], source) from None


def _diagnose(error: UnexpectedInput, source: Source) -> Diagnostic:
    if isinstance(error, UnexpectedEOF):
        span = source.span_at_end()
        return Diagnostic(
            "unexpected-end",
            f"the file ended too early: expected {_expected(error.expected)}",
            span,
            "is a `}` or a closing quote missing?",
        )
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        line, column = source.position(offset)
        span = Span.point(offset, line, column)
        char = source.text[offset] if offset < len(source.text) else ""
        return _unexpected_character(char, source.text[offset : offset + 2], span)
    if isinstance(error, UnexpectedToken):
        token = error.token
        expected = _accepted(error)
        if token.type == "$END":
            return Diagnostic(
                "unexpected-end",
                f"the file ended too early: expected {_expected(expected)}",
                source.span_at_end(),
                _unclosed_brace_hint(source),
            )
        start = token.start_pos if token.start_pos is not None else 0
        end = token.end_pos if token.end_pos is not None else start + 1
        span = Span(start, end, token.line or 1, token.column or 1)
        known = _known_mistake(token, expected, source.text)
        if known is not None:
            message, hint = known
            if token.type == "NAME" and start > 0 and source.text[start - 1].isdigit():
                # point at the whole number or date the stray letters are glued to
                first = start
                while first > 0 and (
                    source.text[first - 1].isdigit() or source.text[first - 1] in "-_.:"
                ):
                    first -= 1
                line, column = source.position(first)
                span = Span(first, end, line, column)
            return Diagnostic("unexpected-token", message, span, hint)
        return Diagnostic(
            "unexpected-token",
            f"unexpected {_describe_token(token)}: expected {_expected(expected)}",
            span,
            _hint_for_token(token, expected),
        )
    line, column = source.position(0)  # pragma: no cover - lark raises only the three above
    return Diagnostic("syntax", str(error), Span.point(0, line, column))  # pragma: no cover


def _accepted(error: UnexpectedToken) -> Set[str]:
    """The tokens that could really come next.

    LALR merges look-ahead sets, so ``error.expected`` can list tokens that only fit in
    other contexts; asking the parser state itself gives the exact set.
    """
    interactive = getattr(error, "interactive_parser", None)
    if interactive is not None:
        try:
            accepted = set(interactive.accepts())
            if accepted:
                return accepted
        except Exception:  # pragma: no cover - fall back to lark's own list
            pass
    return set(error.expected)


def _known_mistake(token: lark.Token, expected: Set[str], text: str) -> Optional[Tuple[str, str]]:
    """Friendly messages for mistakes people make, by example (add a row when one confuses)."""
    start = token.start_pos or 0
    before = text[start - 1] if start > 0 else ""
    value = str(token.value)
    if token.type == "NAME" and before.isdigit() and re.match(r"[eE][0-9]", value):
        return (
            f"unexpected `{value}`: numbers are written without an exponent",
            "write the number in full, such as 1000 or 1_000",
        )
    if token.type == "NAME" and before.isdigit() and re.match(r"T[0-9]", value):
        return (
            f"unexpected `{value}`: a date-time always carries its zone",
            "add Z (UTC) or an offset, such as 2026-01-05T10:00:00Z or 2026-01-05T10:00:00+02:00",
        )
    if value == "=" and "COMP_OP" in expected:
        return ("unexpected `=`", "compare with `==`; `=` is only for define and set")
    return None


def _unclosed_brace_hint(source: Source) -> str:
    """Where the block that was never closed starts (braces outside strings and comments)."""
    opened: List[int] = []
    text = source.text
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
            continue
        if ch == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            opened.pop()
        i += 1
    if opened:
        line, column = source.position(opened[-1])
        return f"the `{{` at line {line}, column {column} is never closed: add a `}}`"
    return "is a `}` or a closing quote missing?"


def _unexpected_character(char: str, pair: str, span: Span) -> Diagnostic:
    if char == '"':
        return Diagnostic(
            "unterminated-string",
            'this string is not closed: a string ends with `"` on the same line',
            span,
        )
    if char == "'":
        return Diagnostic(
            "single-quote", "strings are written in double quotes, not single quotes", span
        )
    if pair in ("&&", "||"):
        word = "and" if pair == "&&" else "or"
        return Diagnostic("unexpected-character", f"unexpected `{pair}`", span, f"write `{word}`")
    if char == "=":
        return Diagnostic(
            "unexpected-character",
            "unexpected `=`",
            span,
            "compare with `==`; `=` is only for define and set",
        )
    shown = repr(char) if char.strip() else f"character {char!r}"
    return Diagnostic("unexpected-character", f"unexpected {shown}", span)


def _describe_token(token: lark.Token) -> str:
    if token.type == "NAME":
        return f"name `{token.value}`"
    if token.type == "STRING":
        return f"string {token.value}"
    if token.type == "NUMBER":
        return f"number {token.value}"
    return f"`{token.value}`"


def _hint_for_token(token: lark.Token, expected: Iterable[str]) -> Optional[str]:
    expected = set(expected)
    if token.value == "=" and "COMP_OP" in expected:
        return "compare with `==`; `=` is only for define and set"
    if token.type == "NAME" and expected == {"STRING"}:
        return f'names of routes and messages are written in double quotes: "{token.value}"'
    if token.type == "NAME" and "COMP_OP" in expected:
        return "is an operator misspelled, or an `and`/`or` missing?"
    return None


def _expected(names: Iterable[str]) -> str:
    shown: List[str] = []
    for name in sorted(set(names)):
        shown.append(_terminal_text(name))
    unique = sorted(set(shown))
    if len(unique) > 12:
        unique = [*unique[:12], "…"]
    if len(unique) == 1:
        return unique[0]
    return "one of " + ", ".join(unique)


def _terminal_text(name: str) -> str:
    if name in _FRIENDLY_TERMINALS:
        return _FRIENDLY_TERMINALS[name]
    try:
        pattern = parser().get_terminal(name).pattern
    except KeyError:  # pragma: no cover - every terminal has a definition
        return name
    if pattern.type == "str":
        return f"`{pattern.value}`"
    return name.lower()  # pragma: no cover - every regexp terminal is listed above
