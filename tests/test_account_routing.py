"""Issue 4's promise end to end: a known company reaches its owner, a consumer mailbox never
matches an account, and a schema typo is caught when the file loads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import routekit

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOW = dt.datetime(2026, 11, 23, 17, tzinfo=dt.timezone.utc)


def example_router(accounts: dict) -> routekit.Router:
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    return routekit.Router(
        routekit.load(EXAMPLES / "inbound.route"), roster=roster, accounts=accounts
    )


def test_halle_at_acme_reaches_acmes_owner() -> None:
    router = example_router({"acme.example": {"owner": "riley", "stage": "customer"}})
    decision = router.decide(
        {"email": "Halle@ACME.example", "employees": 5000, "state": "CA"}, now=NOW
    )
    assert (decision.outcome, decision.route, decision.assignee) == (
        "assigned",
        "Known account",
        "riley",
    )
    assert any(
        "account: matched acme.example by the lead's email" in e.message for e in decision.trace
    )


def test_a_gmail_address_never_matches_the_gmail_account() -> None:
    router = example_router({"gmail.com": {"owner": "riley"}})
    decision = router.decide(
        {"email": "someone@gmail.com", "employees": 50, "state": "OH"}, now=NOW
    )
    assert decision.route != "Known account"
    assert any("gmail.com is a consumer mailbox" in e.message for e in decision.trace)


def test_a_schema_typo_in_a_rule_is_caught_when_the_file_loads() -> None:
    with pytest.raises(routekit.RouteError) as error:
        routekit.loads(
            'fields { employees: number }\nroute "big" when lead.employes >= 500 { reject "x" }',
            "form.route",
        )
    text = str(error.value)
    assert "form.route:2:18: lead.employes is not a declared field" in text
    assert "did you mean 'employees'?" in text
