"""routekit's exceptions and diagnostics.

One root, `RoutekitError`, split by who must act: `RouteSyntaxError` and `RouteError` mean
the author of a `.route` file fixes the file; `RosterError` and `LeadError` mean the host
passed bad data. Misuse of the API raises `RoutekitValueError` / `RoutekitTypeError`, which
are also `ValueError` / `TypeError`.
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence, Tuple

import attrs

from .source import Source, Span

__all__ = [
    "Diagnostic",
    "LeadError",
    "RosterError",
    "RouteError",
    "RouteSyntaxError",
    "RoutekitError",
    "RoutekitTypeError",
    "RoutekitValueError",
    "RoutekitWarning",
    "did_you_mean",
]


class RoutekitError(Exception):
    """The root of every error routekit raises."""


class RoutekitValueError(RoutekitError, ValueError):
    """A wrong value passed to the API (for example a naive ``now``)."""


class RoutekitTypeError(RoutekitError, TypeError):
    """A wrong type passed to the API."""


class RoutekitWarning(UserWarning):
    """Something that works but is probably a mistake (a rep named in rules but not rostered)."""


@attrs.frozen
class Diagnostic:
    """One problem found in a `.route` file: a stable ``code``, a message, where, and a hint."""

    code: str
    message: str
    span: Span
    hint: Optional[str] = None
    severity: str = "error"

    def render(self, source: Optional[Source]) -> str:
        """``name:line:col: message``, the line with a caret, then the hint."""
        name = source.name if source is not None else "<rules>"
        where = f"{name}:{self.span.line}:{self.span.column}" if self.span.line > 0 else name
        parts = [f"{where}: {self.message}"]
        if source is not None:
            excerpt = source.excerpt(self.span)
            if excerpt:
                parts.append(excerpt)
        if self.hint:
            parts.append(f"  {self.hint}")
        return "\n".join(parts)


class _SourceError(RoutekitError):
    """An error about a `.route` file: one or more diagnostics plus the source they point into."""

    def __init__(self, diagnostics: Sequence[Diagnostic], source: Optional[Source] = None):
        self.diagnostics: Tuple[Diagnostic, ...] = tuple(diagnostics)
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        return "\n\n".join(d.render(self.source) for d in self.diagnostics)

    def __str__(self) -> str:
        return self._render()

    @property
    def diagnostic(self) -> Diagnostic:
        """The first diagnostic (a syntax error has exactly one)."""
        return self.diagnostics[0]

    @property
    def line(self) -> int:
        return self.diagnostic.span.line

    @property
    def column(self) -> int:
        return self.diagnostic.span.column

    def __reduce__(self) -> Tuple[object, ...]:
        return (type(self), (self.diagnostics, self.source))


class RouteSyntaxError(_SourceError):
    """The text of a `.route` file does not parse (or breaks a size limit)."""


class RouteError(_SourceError):
    """A `.route` file parses but does not make sense; carries every problem found at once."""


class RosterError(RoutekitError, ValueError):
    """Bad roster data: names the rep and the field."""

    def __init__(self, message: str, *, rep: Optional[str] = None, field: Optional[str] = None):
        self.rep = rep
        self.field = field
        where = []
        if rep is not None:
            where.append(f"rep {rep!r}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = f"roster: {', '.join(where)}: " if where else "roster: "
        super().__init__(prefix + message)


class LeadError(RoutekitError, ValueError):
    """A lead that cannot be routed at all: not a mapping, or a required field is bad."""

    def __init__(self, message: str, *, field: Optional[str] = None):
        self.field = field
        prefix = f"lead field {field!r}: " if field is not None else "lead: "
        super().__init__(prefix + message)


def did_you_mean(name: str, candidates: Iterable[str]) -> Optional[str]:
    """A "did you mean ...?" hint for a misspelled ``name``, or None when nothing is close."""
    import difflib  # here: only error paths need it

    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if matches:
        return f"did you mean {matches[0]!r}?"
    return None
