"""Distribution strategies, one module each, behind the `Strategy` protocol.

`BUILTIN_STRATEGIES` maps each name usable after ``strategy`` / ``using`` in a `.route`
file to its implementation. A name the language reserves but this version does not
implement yet is listed in `PLANNED_STRATEGIES`, so a file using it loads with a clear
error instead of a crash.
"""

from __future__ import annotations

from typing import Dict, FrozenSet

from ._base import Candidate, Pick, PickRequest, Strategy
from .balanced import Balanced, balanced
from .first_available import FirstAvailable, first_available
from .least_loaded import LeastLoaded, least_loaded
from .priority import Priority, priority
from .quota import Quota, quota
from .round_robin import RoundRobin, round_robin
from .weighted import Weighted, weighted

BUILTIN_STRATEGIES: Dict[str, Strategy] = {
    "round_robin": round_robin(),
    "weighted": weighted(),
    "quota": quota(),
    "balanced": balanced(),
    "least_loaded": least_loaded(),
    "first_available": first_available(),
    "priority": priority(),
}

LANGUAGE_STRATEGIES: FrozenSet[str] = frozenset(
    {"round_robin", "weighted", "quota", "balanced", "least_loaded", "first_available", "priority"}
)
PLANNED_STRATEGIES: FrozenSet[str] = LANGUAGE_STRATEGIES - frozenset(BUILTIN_STRATEGIES)

__all__ = [
    "BUILTIN_STRATEGIES",
    "LANGUAGE_STRATEGIES",
    "PLANNED_STRATEGIES",
    "Balanced",
    "Candidate",
    "FirstAvailable",
    "LeastLoaded",
    "Pick",
    "PickRequest",
    "Priority",
    "Quota",
    "RoundRobin",
    "Strategy",
    "Weighted",
    "balanced",
    "first_available",
    "least_loaded",
    "priority",
    "quota",
    "round_robin",
    "weighted",
]
