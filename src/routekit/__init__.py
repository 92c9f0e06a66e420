"""routekit: embeddable lead routing with explained decisions.

Load `.route` rules, build a `Router` with your roster and accounts, and ask it who
should get each lead::

    rules = routekit.load("inbound.route")
    router = routekit.Router(rules, roster=[{"id": "taylor"}, {"id": "jordan"}])
    decision = router.route(lead, now=datetime.now(timezone.utc), state=routekit.MemoryState())
    print(decision.explain())
"""

from __future__ import annotations

from ._version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)

# The public names load on first use (PEP 562), so ``import routekit`` costs next to nothing
# (attrs, the router and the strategies load with ``routekit.Router``; lark only when a file
# is parsed). Type checkers and IDEs read the imports below instead.
if TYPE_CHECKING:
    from typing import Any, Dict, FrozenSet, List

    from .api import load, loads
    from .decision import Decision
    from .errors import (
        LeadError,
        RosterError,
        RouteError,
        RoutekitError,
        RoutekitWarning,
        RouteSyntaxError,
    )
    from .plan import Plan
    from .roster import Rep
    from .router import Router
    from .state import MemoryState, StateConflict, TeamChange
    from .trace import TraceEvent

_EXPORTS: Dict[str, str] = {
    "Decision": ".decision",
    "LeadError": ".errors",
    "MemoryState": ".state",
    "Plan": ".plan",
    "Rep": ".roster",
    "RosterError": ".errors",
    "RouteError": ".errors",
    "RouteSyntaxError": ".errors",
    "RoutekitError": ".errors",
    "RoutekitWarning": ".errors",
    "Router": ".router",
    "StateConflict": ".state",
    "TeamChange": ".state",
    "TraceEvent": ".trace",
    "load": ".api",
    "loads": ".api",
}

# Submodules that ``import routekit`` used to import eagerly: ``routekit.state.apply_changes``
# still works after a bare ``import routekit``.
_SUBMODULES: FrozenSet[str] = frozenset(
    {
        "_keys",
        "_schedule",
        "_text",
        "accounts",
        "api",
        "conditions",
        "decision",
        "errors",
        "plan",
        "roster",
        "router",
        "source",
        "state",
        "strategies",
        "trace",
    }
)

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name is still an error

    def __getattr__(name: str) -> Any:
        import importlib

        module = _EXPORTS.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module, __name__), name)
        elif name in _SUBMODULES:
            value = importlib.import_module(f".{name}", __name__)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)


__all__ = [
    "Decision",
    "LeadError",
    "MemoryState",
    "Plan",
    "Rep",
    "RosterError",
    "RouteError",
    "RouteSyntaxError",
    "RoutekitError",
    "RoutekitWarning",
    "Router",
    "StateConflict",
    "TeamChange",
    "TraceEvent",
    "__version__",
    "load",
    "loads",
]
