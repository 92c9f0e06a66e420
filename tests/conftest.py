"""Shared test configuration: the hypothesis profiles and a few small helpers.

Profiles (select with ``HYPOTHESIS_PROFILE=name``):

- ``default``: at most 100 examples per property, no deadline (CI machines vary), and
  deterministic derandomized runs so a failure reproduces on every machine.
- ``dev``: fewer examples, for a quick local run.
- ``thorough``: many more examples, for hunting bugs by hand.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

try:
    from hypothesis import HealthCheck, Phase, settings
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    settings = None  # type: ignore[assignment]

if settings is not None:
    _COMMON = {
        "deadline": None,
        # The explain phase traces every line while it reruns a failure: minutes on a busy
        # CI machine under Python 3.8. The shrunk example is what a reader needs.
        "phases": [phase for phase in Phase if phase.name != "explain"],
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    }
    settings.register_profile("default", max_examples=100, derandomize=True, **_COMMON)
    settings.register_profile("dev", max_examples=20, **_COMMON)
    settings.register_profile("thorough", max_examples=2000, **_COMMON)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TESTS = Path(__file__).resolve().parent
CONFORMANCE = TESTS / "conformance"
SPEC_EXAMPLE = CONFORMANCE / "spec_example.route"

#: The decision time used when a test does not care: a Monday afternoon, as in LANGUAGE.md §9.
NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)

#: Every rep the spec example names, all active and always available.
SPEC_ROSTER = [
    {"id": rep} for rep in ("taylor", "jordan", "sam", "alex", "blake", "casey", "riley", "quinn")
]


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture(scope="session")
def spec_text() -> str:
    return SPEC_EXAMPLE.read_text(encoding="utf-8")
