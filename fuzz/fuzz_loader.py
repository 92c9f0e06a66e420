"""Fuzz ``routekit.loads`` with atheris (libFuzzer): only our two loader errors may escape.

Run by hand (see fuzz/README.md)::

    pip install atheris
    python fuzz/fuzz_loader.py -dict=fuzz/route.dict -runs=100000

Any other exception (RecursionError, MemoryError, a lark internal, a UnicodeError), an
error whose line or column falls outside the text, or a file that loads but cannot route
a lead is a crash, and libFuzzer saves the input as ``crash-*``. Without atheris the
script replays files given on the command line (``python fuzz/fuzz_loader.py crash-1``).
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from pathlib import Path
from typing import Any, List

try:
    import atheris
except ImportError:  # replay mode only
    atheris = None

if atheris is not None:
    with atheris.instrument_imports(include=["routekit", "lark"]):
        import lark  # noqa: F401 - imported here so that the parser is instrumented too

        import routekit
else:
    import routekit

NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)
ROSTER = [{"id": name} for name in ("a", "b", "taylor", "jordan", "sam", "alex", "blake")]


def check_positions(error: Any, text: str) -> None:
    lines = text.split("\n")
    for diagnostic in error.diagnostics:
        span = diagnostic.span
        if not 1 <= span.line <= len(lines):
            raise AssertionError(f"line out of range: {diagnostic!r}")
        if not 1 <= span.column <= len(lines[span.line - 1]) + 1:
            raise AssertionError(f"column out of range: {diagnostic!r}")
        if not 0 <= span.start <= span.end <= len(text) + 1:
            raise AssertionError(f"offsets out of range: {diagnostic!r}")
    str(error)  # rendering the caret must work too


def TestOneInput(data: bytes) -> None:
    """One fuzz input (the name and signature atheris expects)."""
    text = data.decode("utf-8", errors="replace")
    try:
        plan = routekit.loads(text, name="fuzz.route")
    except (routekit.RouteSyntaxError, routekit.RouteError) as error:
        check_positions(error, text)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", routekit.RoutekitWarning)
        try:
            router = routekit.Router(plan, roster=ROSTER)
        except routekit.RoutekitError:
            return  # a function or a `from host` table the host did not supply
    decision = router.route(
        {"state": "CA", "employees": 5000}, now=NOW, state=routekit.MemoryState()
    )
    if decision.outcome not in ("assigned", "rejected", "redirected", "unrouted"):
        raise AssertionError(f"bad outcome {decision.outcome!r}")


def replay(paths: List[str]) -> None:
    for path in paths:
        print(f"replaying {path}")
        TestOneInput(Path(path).read_bytes())


def main() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    if atheris is None:
        if len(sys.argv) < 2:
            sys.exit("atheris is not installed: `pip install atheris`, or pass files to replay")
        replay(sys.argv[1:])
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
