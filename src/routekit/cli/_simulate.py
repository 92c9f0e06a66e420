"""``routekit simulate FILE --leads FILE``: replay a batch of leads and report who got what.

Every lead is routed in file order through one `MemoryState`, the first at ``--start`` and
each next one ``--every`` later, so caps, rotation and working hours behave as they would
over a real day. The report gives leads per route, per rep and per team; for each team,
each member's weight, its share of the team's leads against its share of the weight, its
exact fair share (what it was entitled to while eligible, as `routekit.testing` computes
it) and the largest deviation from that share at any point; and every lead nobody took,
with the reasons from its trace. ``--html`` writes the same as one self-contained page with
inline SVG charts (no scripts, no network). ``--format json`` is for machines.

The simulation engine is `routekit.testing.simulate`, so this command needs the
``testing`` extra; it is imported only when the command runs, so the rest of the command
line works without it. A progress bar goes to stderr for long inputs, only on a terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from fractions import Fraction
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..api import load
from ..errors import RoutekitError
from ..expectations import DEFAULT_NOW
from ..leads_io import numbered_leads
from ..router import Router
from ..trace import failures
from ._common import CliError, data_beside, json_arg, parse_now, roster_for
from ._test import with_warnings

#: Inputs shorter than this get no progress bar even on a terminal (it would only flicker).
PROGRESS_MIN = 2000

_EVERY = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|m|min|h|d)?\s*\Z", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_LABEL_FIELDS = ("email", "name", "id", "company")


def register(commands: Any) -> None:
    """Add ``simulate`` to the ``routekit`` sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "simulate",
        help="route a batch of leads over time and report counts, shares and fairness",
        description="Route every lead of a .csv or .jsonl file in order, one every --every "
        "from --start, and report leads per route, rep and team, each member's share "
        "against its weight and exact fair share, and the leads nobody took.",
    )
    parser.add_argument("file", metavar="FILE", help="a .route file")
    parser.add_argument(
        "--leads", required=True, help="leads: .jsonl (a JSON object per line) or .csv"
    )
    parser.add_argument(
        "--roster",
        help="the roster as JSON, or @path (default: FILE.roster.json beside the rules, "
        "else every rep the rules name, always available)",
    )
    parser.add_argument(
        "--accounts",
        help="accounts as JSON {domain: record}, or @path (default: FILE.accounts.json)",
    )
    parser.add_argument("--tables", help="host tables as JSON {name: {key: rep}}, or @path")
    parser.add_argument("--state", help="a state snapshot to start from, as JSON or @path")
    parser.add_argument(
        "--start",
        help="when the first lead arrives, ISO 8601 with a zone (default 2026-01-05T15:00:00Z, "
        "as for `routekit test`, so reports are reproducible)",
    )
    parser.add_argument(
        "--every",
        default="5m",
        help="time between leads: 30s, 5m, 2h, 1d (default 5m; 0 routes them all at --start)",
    )
    parser.add_argument("--html", metavar="PATH", help="also write a self-contained HTML report")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run)


def parse_every(text: str) -> dt.timedelta:
    """``"5m"`` → 5 minutes; a bare number is minutes. Raises CliError."""
    match = _EVERY.match(text)
    if match is None:
        raise CliError(f"--every: {text!r} is not a duration like 30s, 5m, 2h or 1d")
    unit = (match.group(2) or "m").lower()
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[unit])


def run(args: argparse.Namespace) -> int:
    """Simulate, print the report, and write the HTML page when asked."""
    try:
        from ..testing._simulate import simulate
    except ImportError as error:
        raise CliError(f"routekit simulate: {error}") from None
    plan = load(args.file)
    roster = roster_for(plan, args.file, args.roster)
    accounts = data_beside(args.file, args.accounts, "--accounts", ".accounts.json")
    tables = data_beside(args.file, args.tables, "--tables", ".tables.json")
    if accounts is not None and not isinstance(accounts, Mapping):
        raise CliError("--accounts must be a JSON object mapping domains to account records")
    if tables is not None:
        if not isinstance(tables, Mapping):
            raise CliError("--tables must be a JSON object {name: {key: rep}}")
        tables = {k: v for k, v in tables.items() if k in plan.requirements.host_tables}
    snapshot = json_arg(args.state, "--state") if args.state else None
    start = parse_now(args.start) if args.start else DEFAULT_NOW
    every = parse_every(args.every)
    try:
        numbered = list(numbered_leads(args.leads))
    except RoutekitError as error:
        raise CliError(str(error)) from None
    router = with_warnings(
        lambda: Router(plan, roster=roster, accounts=accounts, tables=tables or None)
    )
    bar = Progress(len(numbered), sys.stderr) if _wants_progress(len(numbered)) else None
    try:
        result = simulate(
            router,
            [lead for _, lead in numbered],
            start=start,
            step=every,
            state=snapshot,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.finish()
    report = build_report(result, [line for line, _ in numbered])
    meta = {
        "rules": args.file,
        "leads": args.leads,
        "start": start.isoformat(),
        "every": _duration(every),
    }
    if args.format == "json":
        print(json.dumps({**meta, **public(report)}, indent=2, ensure_ascii=False))
    else:
        print(render_text(report, meta))
    if args.html:
        try:
            with open(args.html, "w", encoding="utf-8") as handle:
                handle.write(render_html(report, meta))
        except OSError as error:
            raise CliError(f"--html: cannot write {args.html}: {error.strerror}") from None
        if args.format == "text":
            print(f"\nreport written to {args.html}")
    return 0


def _wants_progress(total: int) -> bool:
    stream = sys.stderr
    return total >= PROGRESS_MIN and hasattr(stream, "isatty") and stream.isatty()


class Progress:
    """``routing 1200/5000 [#####.......] 24%`` on one terminal line, redrawn per percent."""

    def __init__(self, total: int, stream: IO[str], width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.width = width
        self.shown = -1

    def __call__(self, done: int) -> None:
        percent = done * 100 // self.total
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\rrouting {done}/{self.total} [{bar}] {percent}%")
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\r" + " " * (self.width + 40) + "\r")
        self.stream.flush()


# ---- the report as data ----------------------------------------------------------------------


def _number(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _duration(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _label(lead: Mapping[str, Any]) -> str:
    for field in _LABEL_FIELDS:
        value = lead.get(field) if isinstance(lead, Mapping) else None
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            text = " ".join(str(value).split())
            return text if len(text) <= 40 else text[:39] + "…"
    return ""


def build_report(result: Any, lines: Sequence[int]) -> Dict[str, Any]:
    """The report as JSON-ready data (fractions as ``"p/q"`` text, with float companions)."""
    steps = result.steps
    total = len(steps)
    by_route = result.count_by("route")
    by_rep = result.count_by("rep")
    final_plan = steps[-1].plan if steps else None
    teams: List[Dict[str, Any]] = []
    for name in result.teams:
        teams.append(_team_report(result, name, final_plan, lines))
    unrouted = []
    for step in result.unrouted():
        reasons: List[str] = []
        if step.decision is None:
            reasons.append(str(step.error))
        else:
            if step.decision.route is None:
                reasons.append("no route matched and there is no fallback")
            else:  # why each target yielded nobody (not the tests that led to the route)
                reasons = [
                    event.message
                    for event in failures(step.decision.trace)
                    if event.kind in ("excluded", "else", "no-assignee")
                ]
        unrouted.append(
            {
                "line": lines[step.index],
                "lead": _label(step.lead),
                "at": step.now.isoformat(),
                "route": step.decision.route if step.decision is not None else None,
                "outcome": step.outcome,
                "reasons": reasons,
            }
        )
    return {
        "total": total,
        "outcomes": result.count_by("outcome"),
        "routes": dict(sorted(by_route.items(), key=lambda kv: (-kv[1], kv[0]))),
        "reps": dict(sorted(by_rep.items(), key=lambda kv: (-kv[1], kv[0]))),
        "teams": teams,
        "unrouted": unrouted,
    }


def _team_report(result: Any, name: str, plan: Any, lines: Sequence[int]) -> Dict[str, Any]:
    rows = result.ledger(name)
    team_plan = plan.teams.get(name) if plan is not None else None
    weights = {m.rep: m.weight for m in team_plan.members} if team_plan is not None else {}
    counts = result.team_counts(name)
    shares = result.shares(name)
    picked = len(rows)
    members = list(weights) + [m for m in counts if m not in weights]
    worst: Dict[str, Tuple[Fraction, int]] = {}
    for row in rows:
        for member in row.counts:
            gap = row.deviation(member)
            if member not in worst or abs(gap) > abs(worst[member][0]):
                worst[member] = (gap, row.step)
    total_weight = sum(weights.values(), Fraction(0))
    out_members = []
    for member in members:
        weight = weights.get(member)
        count = counts.get(member, 0)
        share = shares.get(member, Fraction(0))
        gap, at = worst.get(member, (Fraction(0), -1))
        out_members.append(
            {
                "member": member,
                "weight": _number(weight) if weight is not None else None,
                "weight_share": float(weight / total_weight) if weight and total_weight else None,
                "leads": count,
                "share_of_team": count / picked if picked else None,
                "fair_share": _number(share),
                "fair_share_value": float(share),
                "deviation": _number(count - share),
                "deviation_value": float(count - share),
                "largest_deviation": _number(gap),
                "largest_deviation_value": float(gap),
                "largest_deviation_line": lines[at] if at >= 0 else None,
            }
        )
    largest = result.max_deviation(name)
    series = []
    for row in rows:
        series.append({m: row.counts[m] for m in row.counts})
    return {
        "team": name,
        "strategy": team_plan.strategy if team_plan is not None else None,
        "leads": picked,
        "members": out_members,
        "largest_deviation": None
        if largest is None
        else {
            "member": largest.member,
            "value": _number(largest.value),
            "float": float(largest.value),
            "line": lines[largest.step],
        },
        "series": {
            "counts": series,
            "deviations": [{m: float(row.deviation(m)) for m in row.counts} for row in rows],
        },
    }


def public(report: Mapping[str, Any]) -> Dict[str, Any]:
    """The report without the per-lead series the charts use (for ``--format json``)."""
    teams = [{k: v for k, v in team.items() if k != "series"} for team in report["teams"]]
    return {**report, "teams": teams}


# ---- text ------------------------------------------------------------------------------------


def _pct(value: Optional[float]) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _signed(value: float) -> str:
    return f"{value:+.2f}"


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int]
) -> List[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def render_text(report: Mapping[str, Any], meta: Mapping[str, str]) -> str:
    """The report for a terminal."""
    total = report["total"]
    out = [
        f"{meta['rules']}: {total} lead{'s' * (total != 1)} from {meta['leads']}, "
        f"one every {meta['every']} from {meta['start']}"
    ]
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(report["outcomes"].items()))
    out.append(f"outcomes: {outcomes or 'none'}")
    if report["routes"]:
        out += ["", "routes"]
        out += _table(
            ["route", "leads", "share"],
            [[r, str(n), _pct(n / total)] for r, n in report["routes"].items()],
            right=(1, 2),
        )
    if report["reps"]:
        out += ["", "reps"]
        out += _table(
            ["rep", "leads", "share"],
            [[r, str(n), _pct(n / total)] for r, n in report["reps"].items()],
            right=(1, 2),
        )
    for team in report["teams"]:
        out += ["", f"team {team['team']} ({team['strategy']}): {team['leads']} leads"]
        if not team["leads"]:
            continue
        rows = []
        for m in team["members"]:
            line = m["largest_deviation_line"]
            rows.append(
                [
                    m["member"],
                    m["weight"] or "-",
                    _pct(m["weight_share"]),
                    str(m["leads"]),
                    _pct(m["share_of_team"]),
                    f"{m['fair_share_value']:.2f}",
                    _signed(m["deviation_value"]),
                    f"{_signed(m['largest_deviation_value'])} (line {line})" if line else "-",
                ]
            )
        out += _table(
            [
                "member",
                "weight",
                "of weight",
                "leads",
                "of leads",
                "fair share",
                "deviation",
                "largest deviation",
            ],
            rows,
            right=(1, 2, 3, 4, 5, 6, 7),
        )
        largest = team["largest_deviation"]
        if largest is not None:
            side = "ahead of" if largest["float"] > 0 else "behind"
            out.append(
                f"  largest deviation from fair share: {largest['member']} "
                f"{abs(largest['float']):.2f} {side} it, after line {largest['line']}"
            )
    unrouted = report["unrouted"]
    out += ["", f"unrouted: {len(unrouted)}"]
    for item in unrouted:
        who = f" ({item['lead']})" if item["lead"] else ""
        via = f' by route "{item["route"]}"' if item["route"] else ""
        out.append(f"  line {item['line']}{who}: {item['outcome']}{via}")
        out.extend(f"    ✗ {reason}" for reason in item["reasons"])
    return "\n".join(out)


# ---- HTML ------------------------------------------------------------------------------------

_COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 60rem; color: #1d2330; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #dde; padding-bottom: .2rem; }
.meta { color: #5a6275; margin-top: 0; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { padding: .25rem .7rem; text-align: left; border-bottom: 1px solid #eef; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #5a6275; font-size: .9rem; }
svg { display: block; margin: .6rem 0; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2330; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
            vertical-align: -1px; border-radius: 2px; }
ul.reasons { margin: .1rem 0 .4rem 1rem; padding: 0; color: #7a2020; font-size: .9rem; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _downsample(points: List[Tuple[float, float]], limit: int = 400) -> List[Tuple[float, float]]:
    if len(points) <= limit:
        return points
    every = -(-len(points) // limit)
    kept = points[::every]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


def line_chart(
    title: str,
    series: Mapping[str, List[Tuple[float, float]]],
    *,
    y_label: str,
    references: Optional[Mapping[str, float]] = None,
    zero_line: bool = False,
) -> str:
    """An inline SVG line chart: one polyline per series, dashed reference lines."""
    width, height, left, right, top, bottom = 640, 260, 54, 16, 14, 34
    xs = [x for pts in series.values() for x, _ in pts] or [0.0, 1.0]
    ys = [y for pts in series.values() for _, y in pts] + list((references or {}).values())
    ys = ys or [0.0, 1.0]
    if zero_line:
        ys.append(0.0)
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    pad = (y1 - y0) * 0.08
    y0, y1 = y0 - pad, y1 + pad

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return top + (y1 - y) / (y1 - y0) * (height - top - bottom)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
        f'<rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}" fill="#fafbfe" stroke="#dde"/>',
    ]
    for tick in range(5):
        value = y0 + (y1 - y0) * tick / 4
        y = py(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#eef"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:.2f}</text>')
    parts.append(
        f'<text x="{left + (width - left - right) / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{_e(y_label)}</text>'
    )
    parts.append(f'<text x="{left}" y="{height - 20}">{x0:g}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 20}" text-anchor="end">{x1:g}</text>')
    if zero_line:
        parts.append(
            f'<line x1="{left}" y1="{py(0):.1f}" x2="{width - right}" y2="{py(0):.1f}" '
            'stroke="#555" stroke-width="1"/>'
        )
    names = list(series)
    for index, name in enumerate(names):
        color = _COLORS[index % len(_COLORS)]
        if references and name in references:
            y = py(references[name])
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                f'stroke="{color}" stroke-dasharray="5 4" stroke-width="1"/>'
            )
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in _downsample(series[name]))
        if points:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}">'
                f"<title>{_e(name)}</title></polyline>"
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{_COLORS[i % len(_COLORS)]}"></i>{_e(n)}</span>'
        for i, n in enumerate(names)
    )
    return "\n".join(parts) + f'\n<p class="legend">{legend}</p>'


def bar_chart(title: str, values: Mapping[str, int]) -> str:
    """An inline SVG horizontal bar chart."""
    bar, gap, label_width, width = 20, 6, 260, 640
    height = max(len(values), 1) * (bar + gap) + gap
    top = max(values.values(), default=1) or 1
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
    ]
    for i, (name, count) in enumerate(values.items()):
        y = gap + i * (bar + gap)
        length = (width - label_width - 60) * count / top
        shown = name if len(name) <= 38 else name[:37] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar - 6}" text-anchor="end">{_e(shown)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{_COLORS[0]}"><title>{_e(name)}: {count}</title></rect>'
        )
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + bar - 6}">{count}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _html_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = ()
) -> str:
    head = "".join(
        f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(report: Mapping[str, Any], meta: Mapping[str, str]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    total = report["total"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>routekit simulate: {_e(meta['rules'])}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>Simulation of {_e(meta['rules'])}</h1>",
        f'<p class="meta">{total} lead{"s" * (total != 1)} from {_e(meta["leads"])}, one every '
        f"{_e(meta['every'])} from {_e(meta['start'])}</p>",
        "<h2>Outcomes</h2>",
        _html_table(
            ["outcome", "leads", "share"],
            [[k, n, _pct(n / total)] for k, n in sorted(report["outcomes"].items())],
            numeric=(1, 2),
        ),
        "<h2>Routes hit</h2>",
        bar_chart("Leads per route", report["routes"]),
        "<h2>Reps</h2>",
        _html_table(
            ["rep", "leads", "share"],
            [[r, n, _pct(n / total)] for r, n in report["reps"].items()],
            numeric=(1, 2),
        ),
    ]
    for team in report["teams"]:
        out.append(f"<h2>Team {_e(team['team'])} ({_e(team['strategy'])})</h2>")
        if not team["leads"]:
            out.append('<p class="note">This team took no leads.</p>')
            continue
        members = [m["member"] for m in team["members"]]
        shares: Dict[str, List[Tuple[float, float]]] = {m: [] for m in members}
        deviations: Dict[str, List[Tuple[float, float]]] = {m: [] for m in members}
        for i, (counts, devs) in enumerate(
            zip(team["series"]["counts"], team["series"]["deviations"]), start=1
        ):
            for m in members:
                shares[m].append((i, counts.get(m, 0) / i))
                if m in devs:
                    deviations[m].append((i, devs[m]))
        references = {
            m["member"]: m["weight_share"] for m in team["members"] if m["weight_share"] is not None
        }
        out.append(
            "<p class=\"note\">Each member's share of the team's leads as they arrive; the dashed "
            "line is its share of the weight.</p>"
        )
        out.append(
            line_chart(
                f"Share of team {team['team']}'s leads per member",
                shares,
                y_label=f"team {team['team']}: share of its leads, by lead number",
                references=references,
            )
        )
        out.append(
            '<p class="note">Leads received minus the exact fair share (what the member was '
            "entitled to while eligible): above zero is ahead, below is owed.</p>"
        )
        out.append(
            line_chart(
                f"Deviation from fair share in team {team['team']}",
                deviations,
                y_label="count − exact fair share, by lead number",
                zero_line=True,
            )
        )
        out.append(
            _html_table(
                [
                    "member",
                    "weight",
                    "of weight",
                    "leads",
                    "of leads",
                    "fair share",
                    "deviation",
                    "largest deviation",
                    "at line",
                ],
                [
                    [
                        m["member"],
                        m["weight"] or "-",
                        _pct(m["weight_share"]),
                        m["leads"],
                        _pct(m["share_of_team"]),
                        f"{m['fair_share_value']:.2f}",
                        _signed(m["deviation_value"]),
                        _signed(m["largest_deviation_value"]),
                        m["largest_deviation_line"] or "-",
                    ]
                    for m in team["members"]
                ],
                numeric=(1, 2, 3, 4, 5, 6, 7, 8),
            )
        )
    unrouted = report["unrouted"]
    out.append(f"<h2>Unrouted leads ({len(unrouted)})</h2>")
    if not unrouted:
        out.append('<p class="note">Every lead was assigned, rejected or redirected.</p>')
    else:
        out.append("<table><thead><tr><th>line</th><th>lead</th><th>why</th></tr></thead><tbody>")
        for item in unrouted:
            reasons = "".join(f"<li>{_e(r)}</li>" for r in item["reasons"])
            via = f'route "{item["route"]}": ' if item["route"] else ""
            out.append(
                f'<tr><td class="n">{item["line"]}</td><td>{_e(item["lead"])}</td>'
                f'<td>{_e(via + item["outcome"])}<ul class="reasons">{reasons}</ul></td></tr>'
            )
        out.append("</tbody></table>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


__all__ = [
    "Progress",
    "build_report",
    "parse_every",
    "register",
    "render_html",
    "render_text",
    "run",
]
