"""Table keys that "compare like ==": the index forms of row keys and lead values.

``==`` in the language ignores case and surrounding space for text, reads text as a
number when the other side is a number, and compares text with text as text (so the zip
codes ``"02134"`` and ``"2134"`` differ, though both equal the number 2134). That relation
is not transitive, so no single normal form exists. Instead a row key is stored under each
of its *forms* and a lead value is looked up by each of its *probes*, in order:

    row text "02134"  -> ("t", "02134"), ("tn", 2134)
    row number 2134   -> ("n", 2134)
    lead text "2134"  -> probes ("t", "2134") then ("n", 2134)
    lead number 2134  -> probes ("n", 2134) then ("tn", 2134)

A probe hits a form exactly when the two values are equal under ``==``. Tuple keys use
the product of their parts' forms (and probes), which stays tiny for real tables.
"""

from __future__ import annotations

import functools
import itertools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, TypeVar

from ._text import normalize_text, parse_number

Form = Tuple[str, Any]
Key = Tuple[Form, ...]
T = TypeVar("T")


def _number(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else value
    return value


@functools.lru_cache(maxsize=65536)
def _text_forms(text: str) -> Tuple[Tuple[Form, ...], Tuple[Form, ...]]:
    """The row forms and the probes of a text (tables and leads repeat the same few)."""
    normal: Form = ("t", normalize_text(text))
    number = parse_number(text)
    if number is None:
        return (normal,), (normal,)
    return (normal, ("tn", number)), (normal, ("n", number))


def row_forms(part: Any) -> Sequence[Form]:
    """The forms one part of a row key is stored under."""
    if isinstance(part, bool):
        return [("b", part)]
    if isinstance(part, str):
        return _text_forms(part)[0]
    if isinstance(part, (int, float, Decimal, Fraction)):
        return [("n", _number(part))]
    return [("t", normalize_text(str(part)))]


def probes(value: Any) -> Sequence[Form]:
    """The forms one part of a lead's key is looked up by, in order."""
    if isinstance(value, bool):
        return [("b", value)]
    if value.__class__ is str:  # a subclass may redefine hashing: not cached
        return _text_forms(value)[1]
    if isinstance(value, str):
        found: List[Form] = [("t", normalize_text(value))]
        number = parse_number(value)
        if number is not None:
            found.append(("n", number))
        return found
    if isinstance(value, (int, float, Decimal, Fraction)):
        if (isinstance(value, float) and math.isnan(value)) or (
            isinstance(value, Decimal) and value.is_nan()
        ):
            return []
        number = _number(value)
        return [("n", number), ("tn", number)]
    return []


def row_keys(parts: Sequence[Any]) -> Iterator[Key]:
    return itertools.product(*(row_forms(p) for p in parts))


def probe_keys(parts: Sequence[Any]) -> Iterator[Key]:
    return itertools.product(*(probes(p) for p in parts))


def find(index: Mapping[Key, T], parts: Sequence[Any]) -> Optional[T]:
    """The entry for a lead's key parts, or None."""
    for key in probe_keys(parts):
        found = index.get(key)
        if found is not None:
            return found
    return None


def add(index: Dict[Key, T], parts: Sequence[Any], target: T) -> bool:
    """Store ``target`` under every form of ``parts``; False if an equal key is there already."""
    if find(index, parts) is not None:
        return False
    for key in row_keys(parts):
        index.setdefault(key, target)  # where two rows both equal a value, the first wins
    return True
