"""`routekit graph`: the routing flow as Mermaid and DOT, with hostile labels escaped."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import List, Tuple

import pytest

import routekit
from routekit import cli
from routekit.graph import FlowEdge, flow, to_dot, to_mermaid

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "inbound.route"

HOSTILE = r"""
team sdr { members alex, "b|c" }
table zone by lead.state {
  "<CA>", "[NY]", "x", "y" -> team sdr
  "a\"b" -> rep "q\"r"
  else -> rep alex
}
route "a\"b <x> [y]" when lead.x == "<b>" and lead.t matches "(?i).*\bIT\b.*" {
  assign rep "q\"r" else lookup zone else team sdr
  set tag = "\"q\" <h> & #amp; `t` {b} |p|"
}
route "back\\slash\nnewline #quot; end" when lead.y == 1 { redirect "https://x.example/?a=1&b=<2>" }
fallback { assign team sdr }
"""

# A node line: id, opening bracket(s), one quoted label with no quote inside, closing bracket(s).
MERMAID_NODE = re.compile(r'^    (\w+)(\(\[|\{|\[|\()"([^"]*)"(\]\)|\}|\]|\))$')
MERMAID_EDGE = re.compile(r'^    (\w+) -->(?:\|"([^"]*)"\|)? (\w+)$')


@pytest.fixture(autouse=True)
def _register_graph_command(monkeypatch: pytest.MonkeyPatch) -> None:
    names = sorted(set(cli._SUBCOMMAND_MODULES) | {"_graph"})
    monkeypatch.setattr(cli, "_SUBCOMMAND_MODULES", names)


def mermaid_parts(text: str) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str, str]]]:
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes, edges = [], []
    for line in lines[1:]:
        node = MERMAID_NODE.match(line)
        edge = MERMAID_EDGE.match(line)
        assert node or edge, f"not a node or an edge: {line!r}"
        if node:
            nodes.append((node.group(1), node.group(3)))
        elif edge:
            edges.append((edge.group(1), edge.group(3), edge.group(2) or ""))
    return nodes, edges


def test_the_example_flow_has_one_node_per_step() -> None:
    graph = flow(routekit.load(EXAMPLE))
    assert [n.id for n in graph.nodes] == [
        "start",
        "r1",
        "r1_reject",
        "r2",
        "r2_t1",
        "r2_t2",
        "r3",
        "r3_t1",
        "r3_t2",
        "r4",
        "r4_t1",
        "fb",
        "fb_t1",
    ]
    assert len(graph.edges) == 12
    assert FlowEdge("start", "r1") in graph.edges
    assert FlowEdge("r1", "r2", "no") in graph.edges
    assert FlowEdge("r4", "fb", "no") in graph.edges
    assert FlowEdge("r1", "r1_reject", "yes") in graph.edges
    assert FlowEdge("r2_t1", "r2_t2", "else") in graph.edges
    assert FlowEdge("r3", "r3_t1", 'yes (set meeting = "enterprise-intro-45")') in graph.edges
    nodes = {n.id: n for n in graph.nodes}
    assert nodes["r3"].lines == (
        "Enterprise IT on the West Coast",
        "enterprise and west_coast and it_buyer",
    )
    assert nodes["r3"].shape == "decision"
    assert nodes["r3_t1"].lines == ("team enterprise_west", "weighted: taylor, jordan, sam")
    assert nodes["r2_t1"].lines == ("account.owner",)


def test_mermaid_for_the_example() -> None:
    text = to_mermaid(routekit.load(EXAMPLE))
    nodes, edges = mermaid_parts(text)
    assert len(nodes) == 13 and len(edges) == 12
    assert '    r1{"Too small<br/>lead.employees #lt; 10"}' in text.splitlines()
    assert '    r4 -->|"no"| fb' in text.splitlines()
    assert '    fb(["fallback"])' in text.splitlines()


def test_dot_for_the_example() -> None:
    text = to_dot(routekit.load(EXAMPLE))
    lines = text.splitlines()
    assert lines[0] == "digraph routekit {" and lines[-1] == "}"
    assert sum(1 for line in lines if " -> " in line) == 12
    assert sum(1 for line in lines if re.match(r"^    \w+ \[label=", line)) == 13
    assert '    r1 [label="Too small\\nlead.employees < 10", shape=diamond];' in lines
    assert '    r4 -> fb [label="no"];' in lines


def test_without_a_fallback_the_last_no_is_unrouted() -> None:
    plan = routekit.loads('route "A" when lead.x == 1 { assign rep a }')
    graph = flow(plan)
    assert graph.edges[-1] == FlowEdge("r1", "unrouted", "no")
    assert graph.nodes[-1].lines == ("unrouted", "(no route matched)")


def test_a_route_without_when_hides_the_routes_after_it() -> None:
    plan = routekit.loads(
        'route "All" { assign rep a }\nroute "B" when lead.x == 1 { assign rep b }\n'
        "fallback { assign rep c }"
    )
    graph = flow(plan)
    nodes = {n.id: n for n in graph.nodes}
    assert nodes["r1"].lines == ("All", "(always matches)")
    assert nodes["r2"].lines[-1] == '(never reached: "All" always matches)'
    assert nodes["fb"].lines[-1] == '(never reached: "All" always matches)'
    assert not any(e.target in ("r2", "fb") for e in graph.edges)
    assert not any(e.label == "no" for e in graph.edges)


def test_a_lookup_fans_out_to_its_row_targets() -> None:
    plan = routekit.loads(
        """
team west { members taylor }
team sdr { members alex }
table territory by lead.state {
  "AK", "AZ", "CA" -> team west
  "HI", "NV" -> team west
  "NY" -> rep riley
  else -> team sdr
}
route "Hot" when lead.hot == true { assign lookup territory else rep blake }
"""
    )
    graph = flow(plan)
    assert FlowEdge("r1", "r1_t1", "yes") in graph.edges
    assert FlowEdge("r1_t1", "r1_t1_row1", "AK, AZ, CA +2 more") in graph.edges
    assert FlowEdge("r1_t1", "r1_t1_row2", "NY") in graph.edges
    assert FlowEdge("r1_t1", "r1_t1_else", "any other key") in graph.edges
    assert FlowEdge("r1_t1", "r1_t2", "else") in graph.edges
    nodes = {n.id: n for n in graph.nodes}
    assert nodes["r1_t1"].lines == ("lookup territory", "by lead.state")
    assert nodes["r1_t1_row1"].lines == ("team west", "round_robin: taylor")
    assert nodes["r1_t1_row2"].lines == ("rep riley",)
    assert nodes["r1_t2"].lines == ("rep blake",)


def test_a_host_table_is_drawn_as_one_node() -> None:
    plan = routekit.loads(
        "table zips by lead.zip from host\n"
        'route "Z" when lead.zip is present { assign lookup zips }'
    )
    graph = flow(plan)
    assert FlowEdge("r1_t1", "r1_t1_host", "by key") in graph.edges


def test_long_conditions_are_shortened_to_one_line() -> None:
    condition = " or\n   ".join(f'lead.field_{i} == "value number {i}"' for i in range(8))
    plan = routekit.loads(f'route "Long" when {condition} {{ assign rep a }}')
    [line] = [n.lines[1] for n in flow(plan).nodes if n.id == "r1"]
    assert len(line) <= 60 and line.endswith("…")
    assert line.startswith('lead.field_0 == "value number 0" or lead.field_1 ==')
    assert "\n" not in line and "  " not in line


def test_mermaid_escapes_hostile_labels() -> None:
    text = to_mermaid(routekit.loads(HOSTILE))
    nodes, edges = mermaid_parts(text)  # every label is one quoted string with no quote inside
    labels = dict(nodes)
    assert labels["r1"].startswith("a#quot;b #lt;x#gt; #91;y#93;<br/>")
    assert "lead.x == #quot;#lt;b#gt;#quot;" in labels["r1"]
    assert labels["r2"].startswith("back\\slash newline #35;quot; end<br/>")
    assert "round_robin: alex, b#124;c" in labels["r1_t3"]
    assert labels["r2_redirect"] == "redirect<br/>https://x.example/?a=1#amp;b=#lt;2#gt;"
    edge_labels = {(s, t): label for s, t, label in edges}
    assert edge_labels[("r1", "r1_t1")] == (
        "yes (set tag = #quot;\\#quot;q\\#quot; #lt;h#gt; #amp; #35;amp; "
        "#96;t#96; #123;b#125; #124;p#124;#quot;)"
    )
    assert edge_labels[("r1_t2", "r1_t2_row1")] == "#lt;CA#gt;, #91;NY#93;, x +1 more"
    for _, label in nodes:
        assert "<" not in label.replace("<br/>", "")
        assert ">" not in label.replace("<br/>", "")
        assert not re.search(r"[\[\]{}|`]", label)


def test_dot_escapes_hostile_labels() -> None:
    text = to_dot(routekit.loads(HOSTILE))
    lines = text.splitlines()
    [r1] = [line for line in lines if line.startswith("    r1 [")]
    assert r1.startswith('    r1 [label="a\\"b <x> [y]\\nlead.x == \\"<b>\\" and')
    assert "\\\\bIT\\\\b" in r1  # backslashes doubled, so \b is not an escape
    [r2] = [line for line in lines if line.startswith("    r2 [")]
    assert r2.startswith('    r2 [label="back\\\\slash newline #quot; end\\n')
    # every quoted string closes: strip escapes, then quotes pair up on each line
    for line in lines:
        assert line.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 0, line


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
def test_graphviz_accepts_the_hostile_graph() -> None:
    result = subprocess.run(
        ["dot", "-Tsvg"],
        input=to_dot(routekit.loads(HOSTILE)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "a&quot;b &lt;x&gt; [y]" in result.stdout
    assert "back\\slash newline #quot; end" in result.stdout


# ---- routekit graph ---------------------------------------------------------------------------


def test_cli_prints_mermaid_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["graph", str(EXAMPLE)])
    out = capsys.readouterr().out
    assert code == 0
    assert out == to_mermaid(routekit.load(EXAMPLE))


def test_cli_prints_dot(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["graph", str(EXAMPLE), "--format", "dot"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("digraph routekit {\n")


def test_cli_reports_a_file_that_does_not_load(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.route"
    bad.write_text("route x {}", encoding="utf-8")
    code = cli.main(["graph", str(bad)])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert f"{bad}:1:7" in captured.err


def test_cli_refuses_an_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["graph", str(EXAMPLE), "--format", "png"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'png'" in capsys.readouterr().err


def test_the_docs_show_the_current_mermaid_output() -> None:
    doc = (ROOT / "docs" / "graph-and-diff.md").read_text(encoding="utf-8")
    [shown] = re.findall(r"```mermaid\n(.*?)```", doc, flags=re.S)
    expected = to_mermaid(routekit.load(EXAMPLE))
    assert shown == expected
    assert f"```text\n{expected}```" in doc  # the same text, shown as source
