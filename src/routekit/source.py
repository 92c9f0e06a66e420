"""Source text and spans: where something is in a `.route` file, and how to show it.

Positions are recorded where a problem is found (a `Span`) and rendered late, when an
error is printed, by `Source.excerpt`: the line and a caret under the offending text.
"""

from __future__ import annotations

from typing import Tuple

import attrs


@attrs.frozen
class Span:
    """A half-open character range ``[start, end)`` with 1-based line and column of its start."""

    start: int
    end: int
    line: int
    column: int

    @classmethod
    def point(cls, offset: int, line: int, column: int) -> Span:
        """A one-character span, for an error at a single position."""
        return cls(offset, offset + 1, line, column)


UNKNOWN_SPAN = Span(0, 0, 0, 0)


@attrs.frozen
class Source:
    """The text of one `.route` file and the name it is reported under."""

    name: str
    text: str = attrs.field(repr=False)

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its newline ('' past the end)."""
        lines = self.text.split("\n")
        if 1 <= line <= len(lines):
            return lines[line - 1].rstrip("\r")
        return ""

    def position(self, offset: int) -> Tuple[int, int]:
        """The 1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column

    def span_at_end(self) -> Span:
        """A span pointing just past the last character, for "unexpected end of file"."""
        line, column = self.position(len(self.text))
        return Span(len(self.text), len(self.text), line, column)

    def excerpt(self, span: Span) -> str:
        """The source line of ``span`` with a caret line under it (empty if no position)."""
        if span.line <= 0:
            return ""
        text = self.line_text(span.line)
        if len(text) > 200:  # keep very long lines readable: show a window around the column
            lo = max(0, span.column - 100)
            shown = text[lo : lo + 200]
            column = span.column - lo
        else:
            shown, column = text, span.column
        width = max(1, min(span.end - span.start, len(shown) - column + 1))
        if "\n" in self.text[span.start : span.end]:
            width = max(1, len(shown) - column + 1)
        pad = "".join("\t" if ch == "\t" else " " for ch in shown[: column - 1])
        return f"  {shown}\n  {pad}{'^' * width}"
