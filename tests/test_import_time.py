"""`import routekit` stays cheap: what it must not import, checked without timing anything.

The public names load on first use (PEP 562 ``__getattr__`` in ``routekit/__init__.py``),
lark only when a file is parsed, dateutil only for recurring absences. Each check runs in a
fresh interpreter, since this process has imported everything already.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Set

import routekit

SRC = str(Path(__file__).resolve().parent.parent / "src")


def _fresh(code: str) -> Any:
    """Run ``code`` in a new interpreter; it prints one JSON value, returned here."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [SRC, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _loaded_after(statements: str) -> List[str]:
    return list(_fresh(f"import json, sys\n{statements}\nprint(json.dumps(sorted(sys.modules)))"))


HEAVY = ("attr", "attrs", "lark", "dateutil", "typing", "zoneinfo", "backports", "hypothesis")


def _top(names: List[str]) -> Set[str]:
    return {name.split(".")[0] for name in names}


def test_bare_import_loads_only_the_package_and_its_version() -> None:
    loaded = _loaded_after("import routekit")
    assert [m for m in loaded if m.startswith("routekit")] == ["routekit", "routekit._version"]
    assert not _top(loaded) & set(HEAVY)


def test_the_api_is_ready_without_lark_or_dateutil() -> None:
    loaded = _loaded_after("import routekit\nroutekit.Router\nroutekit.loads\nroutekit.Rep")
    assert "routekit.router" in loaded
    assert not _top(loaded) & {"lark", "dateutil", "hypothesis"}
    for module in ("routekit._compiler", "routekit._builder", "routekit._parser", "routekit.cli"):
        assert module not in loaded, module


def test_loading_rules_needs_no_roster_or_router() -> None:
    rules = "team t {\\n  members a, b\\n  strategy balanced\\n}\\nfallback { assign team t }"
    loaded = _loaded_after(f"import routekit\nroutekit.loads('{rules}')")
    assert "routekit._compiler" in loaded
    # A valid file is read by the fast parser: lark loads only for a file it hands on
    # (a syntax error, for one).
    for module in ("lark", "routekit.router", "routekit.roster", "routekit._schedule", "dateutil"):
        assert module not in loaded, module


def test_a_syntax_error_loads_lark_for_its_message() -> None:
    code = "try:\n    routekit.loads('route {')\nexcept routekit.RouteSyntaxError:\n    pass"
    loaded = _loaded_after("import routekit\n" + code)
    assert "lark" in _top(loaded)


def test_every_public_name_resolves_in_a_fresh_interpreter() -> None:
    found = _fresh(
        "import json, routekit\n"
        "print(json.dumps({n: getattr(routekit, n).__module__ if n != '__version__' else ''"
        " for n in routekit.__all__}))"
    )
    assert sorted(found) == sorted(routekit.__all__)
    assert all(module.startswith("routekit.") for name, module in found.items() if module)


def test_names_and_submodules_resolve_here() -> None:
    from routekit import Router, loads

    assert Router is routekit.Router
    assert loads is routekit.loads
    for name in routekit.__all__:
        assert name in dir(routekit)
        assert getattr(routekit, name) is not None
    assert callable(routekit.state.apply_changes)  # submodules import on attribute access
    assert "state" in dir(routekit)


def test_submodule_attributes_work_after_a_bare_import() -> None:
    assert _fresh(
        "import json, routekit\nprint(json.dumps(callable(routekit.state.apply_changes)))"
    )


def test_unknown_names_are_attribute_errors() -> None:
    assert not hasattr(routekit, "no_such_name")
    assert not hasattr(routekit, "testing_")
    try:
        routekit.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_star_import_gives_every_public_name() -> None:
    namespace: Dict[str, Any] = {}
    exec("from routekit import *", namespace)
    assert set(routekit.__all__) <= set(namespace)


def test_public_objects_pickle_by_reference() -> None:
    for obj in (routekit.Router, routekit.RouteError, routekit.loads, routekit.MemoryState):
        assert pickle.loads(pickle.dumps(obj)) is obj
    error = pickle.loads(pickle.dumps(routekit.RosterError("bad", rep="r", field="f")))
    assert isinstance(error, routekit.RosterError)
