"""The ``hypothesis`` entry point: teach ``st.from_type`` routekit's own types.

Hypothesis imports this when it starts (unless ``HYPOTHESIS_NO_PLUGINS`` is set) and calls
`_hypothesis_setup_hook`. The strategies are deferred, so registering costs nothing until
someone asks ``st.from_type(Rep)``; the import stays light because Hypothesis loads this
module on every start, in every project that has routekit installed.
"""

from __future__ import annotations

from typing import Any


def _hypothesis_setup_hook() -> None:
    """Register strategies for `Rep`, `Roster`, `WeeklyHours` and `Plan`."""
    from hypothesis import strategies as st

    from ..api import loads
    from ..plan import Plan
    from ..roster import Rep, Roster, WeeklyHours

    def later(make: Any) -> Any:
        return st.deferred(make)

    def rep_strategy() -> Any:
        from ._rosters import reps

        return reps()

    def roster_strategy() -> Any:
        from ._rosters import rosters

        return rosters()

    def hours_strategy() -> Any:
        from ._rosters import working_hours

        return working_hours().map(WeeklyHours.parse)

    def plan_strategy() -> Any:
        from ._rules import route_files

        return route_files().map(loads)

    st.register_type_strategy(Rep, later(rep_strategy))
    st.register_type_strategy(Roster, later(roster_strategy))
    st.register_type_strategy(WeeklyHours, later(hours_strategy))
    st.register_type_strategy(Plan, later(plan_strategy))
