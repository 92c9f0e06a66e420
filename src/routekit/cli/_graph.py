"""``routekit graph FILE``: print the routing flow as a Mermaid or Graphviz DOT diagram."""

from __future__ import annotations

import argparse
from typing import Any

from ..api import load
from ..graph import to_dot, to_mermaid


def register(commands: Any) -> None:
    """Add ``graph`` to the ``routekit`` sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "graph",
        help="draw the routing flow (Mermaid or Graphviz DOT)",
        description="Print the routing flow of a rule file: each route's condition, what it "
        "does, and where a lead goes when it does not match.",
    )
    parser.add_argument("file", metavar="FILE", help="a .route file")
    parser.add_argument(
        "--format",
        choices=("mermaid", "dot"),
        default="mermaid",
        help="mermaid (default; paste into Markdown) or dot (pipe into `dot -Tsvg`)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the diagram to stdout; a file that does not load is reported (exit 1)."""
    plan = load(args.file)
    render = to_dot if args.format == "dot" else to_mermaid
    print(render(plan), end="")
    return 0


__all__ = ["register", "run"]
