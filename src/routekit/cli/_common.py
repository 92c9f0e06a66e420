"""Helpers shared by the subcommands: reading JSON arguments, rosters and the clock."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any, List, Mapping, Optional

from ..plan import Plan


class CliError(Exception):
    """A problem with the command line or its input files: printed, exit 2."""


def roster_for(plan: Plan, rules_path: str, roster_arg: Optional[str]) -> List[Any]:
    if roster_arg:
        roster = json_arg(roster_arg, "--roster")
    else:
        beside = rules_path[: -len(".route")] if rules_path.endswith(".route") else rules_path
        try:
            with open(beside + ".roster.json", encoding="utf-8") as handle:
                roster = json.load(handle)
        except FileNotFoundError:
            return [{"id": rep} for rep in sorted(plan.requirements.reps)]
        except (OSError, ValueError) as error:
            raise CliError(f"{beside}.roster.json: {error}") from None
    if isinstance(roster, Mapping) and "reps" in roster:
        roster = roster["reps"]
    if not isinstance(roster, list):
        raise CliError('a roster is a JSON list of reps (or an object with a "reps" list)')
    return roster


def json_arg(value: str, option: str) -> Any:
    """JSON given inline, or read from ``@path``."""
    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise CliError(f"{option}: cannot read {path}: {error.strerror}") from None
        where = path
    else:
        text, where = value, option
    try:
        return json.loads(text)
    except ValueError as error:
        raise CliError(f"{where}: not valid JSON: {error}") from None


def parse_now(text: Optional[str]) -> dt.datetime:
    if text is None:
        return dt.datetime.now(dt.timezone.utc)
    stripped = text.strip()
    if stripped.endswith(("Z", "z")):
        stripped = stripped[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(stripped)
    except ValueError:
        raise CliError(f"--now: {text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise CliError(f"--now: {text!r} has no time zone (add Z or an offset such as +02:00)")
    return value


def beside(rules_path: str, suffix: str) -> str:
    """The path of a data file kept beside the rules: ``inbound.route`` → ``inbound<suffix>``."""
    stem = rules_path[: -len(".route")] if rules_path.endswith(".route") else rules_path
    return stem + suffix


def data_beside(rules_path: str, given: Optional[str], option: str, suffix: str) -> Any:
    """JSON from the option when given, else from the file beside the rules, else None."""
    if given:
        return json_arg(given, option)
    path = beside(rules_path, suffix)
    if not os.path.exists(path):
        return None
    return json_arg("@" + path, path)
