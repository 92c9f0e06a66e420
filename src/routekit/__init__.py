"""routekit: embeddable lead routing with explained decisions.

Load `.route` rules, build a `Router` with your roster and accounts, and ask it who
should get each lead::

    rules = routekit.load("inbound.route")
    router = routekit.Router(rules, roster=[{"id": "taylor"}, {"id": "jordan"}])
    decision = router.route(lead, now=datetime.now(timezone.utc), state=routekit.MemoryState())
    print(decision.explain())
"""

from ._version import __version__
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
