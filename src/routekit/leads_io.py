"""Reading batches of leads from files, for tools such as ``routekit diff``.

The core never reads lead files (the host hands leads in); this module is for the command
line and for hosts that replay a CRM export. Two formats, chosen by the file's extension:

- ``.jsonl`` (or ``.ndjson``): one JSON object per line; blank lines are skipped.
- ``.csv``: a header row, then one lead per row. An empty cell means the field is missing
  (the key is left out, exactly as a form that omits it), and every value stays text:
  routekit reads ``"5,000"`` as a number wherever a number is compared, so nothing is
  guessed here.

A malformed line raises `LeadsFileError` naming the file and line, so a 10,000-line export
with one bad row says where to look.
"""

from __future__ import annotations

import csv
import json
import os
from typing import Any, Dict, Iterator, List, Tuple, Union

from .errors import RoutekitValueError

PathArg = Union[str, "os.PathLike[str]"]

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)


class LeadsFileError(RoutekitValueError):
    """A leads file that cannot be read: names the file and, when known, the line."""

    def __init__(self, path: str, message: str, line: int = 0) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


def read_leads(path: PathArg) -> Iterator[Dict[str, Any]]:
    """The leads in a ``.jsonl`` or ``.csv`` file, one mapping each, in file order.

    Raises:
        LeadsFileError: the file is missing, unreadable, of another kind, or has a bad line
            (raised when that line is reached: the leads before it are yielded first).
    """
    for _, lead in numbered_leads(path):
        yield lead


def numbered_leads(path: PathArg) -> Iterator[Tuple[int, Dict[str, Any]]]:
    """Like `read_leads`, with the line each lead starts on (1-based), for reports."""
    name = os.fspath(path)
    lower = name.lower()
    if lower.endswith(JSONL_SUFFIXES):
        return _jsonl(name)
    if lower.endswith(CSV_SUFFIXES):
        return _csv(name)
    raise LeadsFileError(
        name, "cannot tell the format: name the file .jsonl (one JSON object per line) or .csv"
    )


def _lines(name: str) -> Iterator[str]:
    """The file's lines, decoded one at a time so a bad byte is reported on its own line."""
    try:
        handle = open(name, "rb")  # noqa: SIM115 - closed by the `with` below
    except FileNotFoundError:
        raise LeadsFileError(name, "no such file") from None
    except IsADirectoryError:
        raise LeadsFileError(name, "is a directory, not a file") from None
    except OSError as error:
        raise LeadsFileError(name, f"cannot be read ({error.strerror})") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):  # spreadsheet exports add a BOM
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise LeadsFileError(name, f"not UTF-8 text ({error.reason})", number) from None


def _jsonl(name: str) -> Iterator[Tuple[int, Dict[str, Any]]]:
    for number, line in enumerate(_lines(name), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            raise LeadsFileError(name, f"not valid JSON ({error})", number) from None
        if not isinstance(value, dict):
            raise LeadsFileError(
                name, f"each line must be a JSON object (a lead), not {_json_kind(value)}", number
            )
        yield number, value


def _csv(name: str) -> Iterator[Tuple[int, Dict[str, Any]]]:
    reader = csv.reader(_lines(name))
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = _columns(name, header)
        start = reader.line_num + 1
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            extra = row[len(columns) :]
            if any(cell.strip() for cell in extra):
                raise LeadsFileError(
                    name, f"{len(row)} cells but the header names {len(columns)} columns", line
                )
            lead: Dict[str, Any] = {}
            for column, cell in zip(columns, row):
                if column and cell.strip():
                    lead[column] = cell
            yield line, lead
    except csv.Error as error:
        raise LeadsFileError(name, f"not valid CSV ({error})", reader.line_num) from None


def _columns(name: str, header: List[str]) -> List[str]:
    """The field names from the header; a blank header cell's column is ignored."""
    columns = [cell.strip() for cell in header]
    seen: Dict[str, int] = {}
    for position, column in enumerate(columns, start=1):
        if not column:
            continue
        if column in seen:
            raise LeadsFileError(
                name,
                f"the header names {column!r} twice (columns {seen[column]} and {position})",
                1,
            )
        seen[column] = position
    if not seen:
        raise LeadsFileError(name, "the header row names no columns", 1)
    return columns


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"


__all__ = ["LeadsFileError", "numbered_leads", "read_leads"]
