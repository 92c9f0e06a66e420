"""Drawing a plan's routing flow as a Mermaid flowchart or a Graphviz DOT graph.

Theory of operation
-------------------
`flow(plan)` turns the plan into a small graph of labelled nodes and edges, in the order
the router works: the lead arrives, each route's condition is a diamond whose "yes" edge
leads to its action and whose "no" edge leads to the next route, and the last "no" leads
to the fallback (or to "unrouted"). An ``assign`` is drawn as its chain of targets joined
by "else" edges; a ``lookup`` fans out to one node per distinct row target, the edge
naming the keys. `to_mermaid` and `to_dot` only render that graph, each escaping labels
for its own syntax, so the two drawings always agree on structure.

Labels are plain text lines until rendering: route names and table keys come from the
rule author and may hold quotes, brackets, ``<``, ``>``, ``|`` or ``#``, which mean
something to both renderers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import attrs

from . import ast
from .plan import (
    LookupTargetPlan,
    OwnerTargetPlan,
    Plan,
    RepTargetPlan,
    RoutePlan,
    TargetPlan,
    TeamPlan,
    TeamTargetPlan,
)

#: Node shapes, named for what they mean; each renderer maps them to its own syntax.
SHAPES = ("start", "decision", "target", "outcome")

_MAX_LINE = 60
_MAX_KEYS = 3
_MAX_MEMBERS = 4


@attrs.frozen
class FlowNode:
    """A node: an identifier safe in both syntaxes, its label lines and its shape."""

    id: str
    lines: Tuple[str, ...]
    shape: str = attrs.field(validator=attrs.validators.in_(SHAPES))


@attrs.frozen
class FlowEdge:
    source: str
    target: str
    label: Optional[str] = None


@attrs.frozen
class Flow:
    """The routing flow of a plan, as data: what both drawings render."""

    name: str
    nodes: Tuple[FlowNode, ...]
    edges: Tuple[FlowEdge, ...]


def flow(plan: Plan) -> Flow:
    """The routing flow of ``plan``: routes in order, their actions, then the fallback."""
    return _FlowBuilder(plan).build()


def to_mermaid(plan: Plan) -> str:
    """A Mermaid ``flowchart TD`` of the plan's routing flow (paste it into Markdown)."""
    graph = flow(plan)
    out = ["flowchart TD"]
    for node in graph.nodes:
        left, right = _MERMAID_SHAPES[node.shape]
        label = "<br/>".join(_mermaid_text(line) for line in node.lines)
        out.append(f'    {node.id}{left}"{label}"{right}')
    for edge in graph.edges:
        if edge.label is None:
            out.append(f"    {edge.source} --> {edge.target}")
        else:
            out.append(f'    {edge.source} -->|"{_mermaid_text(edge.label)}"| {edge.target}')
    return "\n".join(out) + "\n"


def to_dot(plan: Plan) -> str:
    """A Graphviz DOT digraph of the plan's routing flow (render with ``dot -Tsvg``)."""
    graph = flow(plan)
    out = [
        "digraph routekit {",
        f"    label={_dot_string([graph.name])};",
        "    labelloc=t;",
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for node in graph.nodes:
        out.append(f"    {node.id} [label={_dot_string(node.lines)}, {_DOT_SHAPES[node.shape]}];")
    for edge in graph.edges:
        label = f" [label={_dot_string([edge.label])}]" if edge.label is not None else ""
        out.append(f"    {edge.source} -> {edge.target}{label};")
    out.append("}")
    return "\n".join(out) + "\n"


# ---- building the flow ---------------------------------------------------------------


class _FlowBuilder:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.nodes: List[FlowNode] = []
        self.edges: List[FlowEdge] = []
        self.tables: Dict[str, ast.Table] = {
            s.name: s for s in plan.rules.statements if isinstance(s, ast.Table)
        }

    def build(self) -> Flow:
        self.node("start", ["lead arrives"], "start")
        previous: Optional[str] = "start"
        label: Optional[str] = None
        always: Optional[str] = None  # the route without `when` that hides the rest
        for number, route in enumerate(self.plan.routes, start=1):
            node_id = f"r{number}"
            lines = [_short(route.name)]
            if route.condition is None:
                lines.append("(always matches)")
            else:
                lines.append(_short(route.condition_text))
            if always is not None:
                lines.append(f'(never reached: "{_short(always, 30)}" always matches)')
            self.node(node_id, lines, "decision")
            if previous is not None:
                self.edge(previous, node_id, label)
            self.action(route, node_id, node_id, "yes")
            if route.condition is None and always is None:
                always = route.name
                previous = None
            elif always is None:
                previous, label = node_id, "no"
        fallback = self.plan.fallback
        if fallback is not None:
            lines = ["fallback"]
            if always is not None:
                lines.append(f'(never reached: "{_short(always, 30)}" always matches)')
            self.node("fb", lines, "start")
            if previous is not None:
                self.edge(previous, "fb", label)
            self.action(fallback, "fb", "fb", None)
        elif previous is not None:
            self.node("unrouted", ["unrouted", "(no route matched)"], "outcome")
            self.edge(previous, "unrouted", label)
        return Flow(self.plan.name, tuple(self.nodes), tuple(self.edges))

    def node(self, node_id: str, lines: Sequence[str], shape: str) -> None:
        self.nodes.append(FlowNode(node_id, tuple(lines), shape))

    def edge(self, source: str, target: str, label: Optional[str]) -> None:
        self.edges.append(FlowEdge(source, target, label))

    def action(self, route: RoutePlan, prefix: str, source: str, label: Optional[str]) -> None:
        """The route's action; its ``set`` attributes ride on the edge into it."""
        settings = ", ".join(
            f"set {name} = {_literal_text(value, quote=True)}" for name, value in route.attributes
        )
        if settings:
            label = _short(f"{label} ({settings})" if label else settings)
        if route.kind in ("reject", "redirect"):
            node_id = f"{prefix}_{route.kind}"
            detail = route.message if route.kind == "reject" else route.url
            self.node(node_id, [route.kind, _short(detail or "")], "outcome")
            self.edge(source, node_id, label)
            return
        if not route.targets:  # defensive: every route has an action once compiled
            node_id = f"{prefix}_none"
            self.node(node_id, ["no action"], "outcome")
            self.edge(source, node_id, label)
            return
        for number, target in enumerate(route.targets, start=1):
            node_id = f"{prefix}_t{number}"
            self.node(node_id, _target_lines(self.plan, target), "target")
            self.edge(source, node_id, label if number == 1 else "else")
            if isinstance(target, LookupTargetPlan):
                self.rows(target.table, node_id)
            source = node_id

    def rows(self, table_name: str, source: str) -> None:
        """One node per distinct row target, the edge naming (a few of) its keys."""
        table = self.tables.get(table_name)
        if table is None or table.from_host:
            node_id = f"{source}_host"
            self.node(node_id, ["a rep or team", "from the host's rows"], "target")
            self.edge(source, node_id, "by key")
            return
        groups: Dict[str, Tuple[ast.Target, List[str]]] = {}
        for row in table.rows:
            text = _ast_target_text(row.target)
            keys = groups.setdefault(text, (row.target, []))[1]
            keys.extend(_key_text(key) for key in row.keys)
        for number, (target, keys) in enumerate(groups.values(), start=1):
            node_id = f"{source}_row{number}"
            self.node(node_id, _ast_target_lines(self.plan, target), "target")
            self.edge(source, node_id, _key_summary(keys))
        if table.else_target is not None:
            node_id = f"{source}_else"
            self.node(node_id, _ast_target_lines(self.plan, table.else_target), "target")
            self.edge(source, node_id, "any other key")


def _target_lines(plan: Plan, target: TargetPlan) -> List[str]:
    if isinstance(target, TeamTargetPlan):
        return _team_lines(plan, target.team, target.strategy)
    if isinstance(target, RepTargetPlan):
        return [_short(f"rep {target.rep}")]
    if isinstance(target, OwnerTargetPlan):
        return ["account.owner"]
    table = plan.tables.get(target.table)
    key = ", ".join(table.key_texts) if table is not None else ""
    return [f"lookup {target.table}", _short(f"by {key}")] if key else [f"lookup {target.table}"]


def _ast_target_lines(plan: Plan, target: ast.Target) -> List[str]:
    if isinstance(target, ast.TeamTarget):
        return _team_lines(plan, target.team, target.using)
    return [_short(_ast_target_text(target))]


def _ast_target_text(target: ast.Target) -> str:
    if isinstance(target, ast.TeamTarget):
        return f"team {target.team}" + (f" using {target.using}" if target.using else "")
    if isinstance(target, ast.RepTarget):
        return f"rep {target.rep}"
    if isinstance(target, ast.OwnerTarget):
        return "account.owner"
    return f"lookup {target.table}"


def _team_lines(plan: Plan, name: str, using: Optional[str]) -> List[str]:
    team: Optional[TeamPlan] = plan.teams.get(name)
    head = f"team {name}" + (f" using {using}" if using else "")
    if team is None:
        return [_short(head)]
    members = [m.rep for m in team.members]
    shown = ", ".join(members[:_MAX_MEMBERS])
    if len(members) > _MAX_MEMBERS:
        shown += f" +{len(members) - _MAX_MEMBERS} more"
    strategy = using or team.strategy
    return [_short(head), _short(f"{strategy}: {shown}" if members else f"{strategy}: no members")]


def _key_text(key: Tuple[ast.Literal, ...]) -> str:
    parts = [_literal_text(item.value) for item in key]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _key_summary(keys: List[str]) -> str:
    shown = ", ".join(keys[:_MAX_KEYS])
    if len(keys) > _MAX_KEYS:
        shown += f" +{len(keys) - _MAX_KEYS} more"
    return _short(shown)


def _literal_text(value: Any, quote: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        if not quote:
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


_SPACE = re.compile(r"\s+")


def _short(text: str, limit: int = _MAX_LINE) -> str:
    """One line of at most ``limit`` characters; runs of whitespace become one space."""
    flat = _SPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


# ---- rendering -------------------------------------------------------------------------

_MERMAID_SHAPES: Dict[str, Tuple[str, str]] = {
    "start": ("([", "])"),
    "decision": ("{", "}"),
    "target": ("[", "]"),
    "outcome": ("(", ")"),
}

_DOT_SHAPES: Dict[str, str] = {
    "start": "shape=oval",
    "decision": "shape=diamond",
    "target": "shape=box",
    "outcome": 'shape=box, style="rounded"',
}

# Mermaid reads `#name;` / `#123;` as an entity inside labels, so `#` itself goes first.
_MERMAID_ENTITIES: Dict[str, str] = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "|": "#124;",
    "`": "#96;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
}


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: special characters become entity codes."""
    return "".join(_MERMAID_ENTITIES.get(ch, ch if ch.isprintable() else " ") for ch in text)


def _dot_string(lines: Sequence[Optional[str]]) -> str:
    r"""A quoted DOT string: ``\`` and ``"`` escaped, lines joined with ``\n`` (centred)."""
    escaped = []
    for line in lines:
        text = "".join(ch if ch.isprintable() else " " for ch in (line or ""))
        escaped.append(text.replace("\\", "\\\\").replace('"', '\\"'))
    return '"' + "\\n".join(escaped) + '"'


__all__ = ["Flow", "FlowEdge", "FlowNode", "flow", "to_dot", "to_mermaid"]
