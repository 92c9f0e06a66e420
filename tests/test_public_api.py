"""The public names: what API.md promises is importable, and `__all__` stays honest."""

from __future__ import annotations

import routekit

PROMISED = {
    "load",
    "loads",
    "Router",
    "MemoryState",
    "Rep",
    "Decision",
    "RoutekitError",
    "RouteSyntaxError",
    "RouteError",
    "RosterError",
    "LeadError",
    "RoutekitWarning",
}


def test_every_promised_name_is_exported() -> None:
    assert set(routekit.__all__) >= PROMISED


def test_all_names_exist_and_nothing_private_leaks() -> None:
    for name in routekit.__all__:
        assert hasattr(routekit, name), name
        assert not name.startswith("_") or name == "__version__"


def test_error_hierarchy() -> None:
    for error in (
        routekit.RouteSyntaxError,
        routekit.RouteError,
        routekit.RosterError,
        routekit.LeadError,
    ):
        assert issubclass(error, routekit.RoutekitError)
    assert issubclass(routekit.RoutekitWarning, Warning)


def test_router_methods() -> None:
    for method in ("route", "decide", "with_roster"):
        assert callable(getattr(routekit.Router, method))
    assert callable(routekit.MemoryState.restore)
