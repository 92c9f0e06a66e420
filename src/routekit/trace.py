"""The trace of a decision: flat, frozen events, and the views over them.

Every step the router takes appends one `TraceEvent`: each route tried and the value of
each test, the score items, the account match, each candidate rep and the reason it was
excluded, why the pick fell where it did, and each ``else`` taken. ``depth`` nests events
for the text view; ``data`` holds the machine-readable facts for logs.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Sequence

import attrs

TRACE_FORMAT = 1


@attrs.frozen
class TraceEvent:
    """One step of a decision. ``kind`` is a stable word (``route``, ``test``, ``pick``, …)."""

    kind: str
    message: str
    depth: int = 0
    data: Mapping[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "depth": self.depth,
            **_jsonable(self.data),
        }


def render_text(events: Sequence[TraceEvent]) -> str:
    """The trace as indented lines a sales-ops person can follow."""
    lines: List[str] = []
    for event in events:
        indent = "  " * (event.depth + 1)
        lines.append(f"{indent}{_marker(event.kind)}{event.message}")
    return "\n".join(lines)


def failures(events: Iterable[TraceEvent]) -> List[TraceEvent]:
    """The events that say why something did not happen (exclusions, unknowns, elses)."""
    return [
        e
        for e in events
        if e.kind in ("excluded", "else", "no-assignee") or e.data.get("result") == "unknown"
    ]


_MARKERS = {
    "route": "",
    "fallback": "",
    "test": "· ",
    "define": "· ",
    "score-item": "· ",
    "candidate": "· ",
    "excluded": "✗ ",
    "pick": "→ ",
    "else": "↪ ",
    "no-assignee": "✗ ",
}


def _marker(kind: str) -> str:
    return _MARKERS.get(kind, "")


def _jsonable(data: Mapping[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in data.items():
        out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else str(value)
        )
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
