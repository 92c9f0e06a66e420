"""The decision: who gets the lead (or why nobody does), the state changes, and the trace."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import attrs

from .state import TeamChange
from .trace import TRACE_FORMAT, TraceEvent, render_text

OUTCOMES = ("assigned", "rejected", "redirected", "unrouted")
DECISION_FORMAT = 1


def _check_outcome(decision: Any, attribute: Any, value: str) -> None:
    if value not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {value!r}")


# Not slotted: attrs writes a frozen dict class's fields straight into its __dict__, which
# halves the cost of making a decision (it is made once per lead).
@attrs.frozen(slots=False)
class Decision:
    """The answer to "who should get this lead?", with the reasons.

    ``outcome`` is one of ``assigned``, ``rejected``, ``redirected``, ``unrouted``;
    ``route`` names the route that decided (``"fallback"``, or None when nothing matched);
    ``changes`` describe the state update that `Router.route` applies; ``trace`` holds
    every step as `TraceEvent` objects.
    """

    outcome: str = attrs.field(validator=_check_outcome)
    assignee: Optional[str] = None
    route: Optional[str] = None
    team: Optional[str] = None
    message: Optional[str] = None
    url: Optional[str] = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    score: Optional[Union[int, Decimal]] = None
    changes: Tuple[TeamChange, ...] = ()
    _trace: Optional[Tuple[TraceEvent, ...]] = attrs.field(default=(), eq=False, repr=False)
    now: Optional[dt.datetime] = attrs.field(default=None, eq=False)
    # A callable, or a tuple (function, *arguments) that the fast path makes (cheaper than
    # a closure); called once, on first access to the trace.
    _replay: Optional[Union[Callable[[], Tuple[TraceEvent, ...]], Tuple[Any, ...]]] = attrs.field(
        default=None, eq=False, repr=False
    )

    @property
    def trace(self) -> Tuple[TraceEvent, ...]:
        """Every step of the decision, as `TraceEvent` objects.

        The fast path records only what it needs; the full trace is rebuilt on first
        access by deciding again with tracing on, which gives the same events because a
        decision is a pure function of its inputs.
        """
        trace = self._trace
        if trace is None:
            replay = self._replay
            if replay is None:  # another thread rebuilt it meanwhile (it sets _trace first)
                trace = self._trace
            else:
                trace = replay[0](*replay[1:]) if isinstance(replay, tuple) else replay()
                object.__setattr__(self, "_trace", trace)
                object.__setattr__(self, "_replay", None)
        assert trace is not None
        return trace

    def explain(self) -> str:
        """The decision and every step that led to it, as text a sales-ops person can follow."""
        head = self.headline()
        return f"{head}\n{render_text(self.trace)}" if self.trace else head

    def headline(self) -> str:
        """One line: the outcome, who, and through which route."""
        via = (
            f' by route "{self.route}"'
            if self.route not in (None, "fallback")
            else (" by the fallback" if self.route == "fallback" else " (no route matched)")
        )
        if self.outcome == "assigned":
            team = f" (team {self.team})" if self.team else ""
            return f"assigned to {self.assignee}{team}{via}"
        if self.outcome == "rejected":
            return f"rejected{via}: {self.message}"
        if self.outcome == "redirected":
            return f"redirected to {self.url}{via}"
        return f"unrouted{via}"

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict with stable keys (``format`` says which layout)."""
        return {
            "format": DECISION_FORMAT,
            "outcome": self.outcome,
            "assignee": self.assignee,
            "route": self.route,
            "team": self.team,
            "message": self.message,
            "url": self.url,
            "attributes": {k: _json_value(v) for k, v in self.attributes.items()},
            "score": _json_value(self.score),
            "now": self.now.isoformat() if self.now is not None else None,
            "changes": [c.to_dict() for c in self.changes],
            "trace": {"format": TRACE_FORMAT, "events": [e.to_dict() for e in self.trace]},
        }


def decision_template(
    outcome: str,
    route: Optional[str],
    team: Optional[str] = None,
    message: Optional[str] = None,
    url: Optional[str] = None,
) -> Dict[str, Any]:
    """The fixed fields of the decisions one route makes, for the router's fast path
    (`routekit._fastdecide`), which copies them into a new decision's ``__dict__``."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    return {
        "outcome": outcome,
        "assignee": None,
        "route": route,
        "team": team,
        "message": message,
        "url": url,
        "attributes": None,
        "score": None,
        "changes": (),
        "_trace": None,
        "now": None,
        "_replay": None,
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
