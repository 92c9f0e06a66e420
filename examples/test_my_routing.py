"""Property tests for examples/inbound.route, as a routekit user would write them.

Hypothesis throws batches of messy leads at the rules on the mornings of Christmas week
(Jordan is out of office from the 24th to the 26th), one lead every few minutes, and checks
that no lead ever goes to someone out of office (or otherwise unable to take it) and that
the weighted enterprise team stays within its documented fairness bound.

    pytest examples/test_my_routing.py

To try another version of the rules with the same roster and accounts, name it in
``ROUTES``: ``ROUTES=new.route pytest examples/test_my_routing.py``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

from hypothesis import given, settings
from hypothesis import strategies as st

import routekit
from routekit.testing import assert_fair, assert_never_ineligible, leads, simulate

HERE = Path(__file__).resolve().parent
RULES = Path(os.environ.get("ROUTES", HERE / "inbound.route"))
ROSTER = json.loads((HERE / "inbound.roster.json").read_text(encoding="utf-8"))
ACCOUNTS = json.loads((HERE / "inbound.accounts.json").read_text(encoding="utf-8"))
router = routekit.Router(routekit.load(RULES), roster=ROSTER, accounts=ACCOUNTS)

# 09:00 in Los Angeles on each day of Christmas week (Jordan is out on the 24th to 26th)
mornings = st.integers(0, 6).map(
    lambda day: datetime(2026, 12, 21, 17, tzinfo=timezone.utc) + timedelta(days=day)
)
# any lead, and (as often) one for the route that feeds the weighted team
some_leads = leads(router) | leads(router, routes=["Enterprise IT on the West Coast"])


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(some_leads, max_size=40), start=mornings, every=st.integers(1, 30))
def test_no_lead_for_anyone_away_and_the_weighted_team_stays_fair(
    batch: List[Dict[str, Any]], start: datetime, every: int
) -> None:
    result = simulate(router, batch, start=start, step=timedelta(minutes=every))
    assert_never_ineligible(result)
    assert_fair(result, "enterprise_west")
