"""Refusing `matches` patterns that can backtrack catastrophically (LANGUAGE.md §4).

A group repeated by ``*``, ``+`` or ``{m,n}`` with n > 1 that itself contains a quantifier
or an alternation is refused: ``(a+)+``, ``(a|aa)+``, ``(.*a){12}``. Such nesting is what
makes a backtracking engine take exponential time on a crafted input, and a rule author
must not be able to hang the host.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import Any, Optional

# The regex parser moved (and the old names warn) in Python 3.11.
_NEW = sys.version_info >= (3, 11)
_sre_constants: Any = importlib.import_module("re._constants" if _NEW else "sre_constants")
_sre_parse: Any = importlib.import_module("re._parser" if _NEW else "sre_parse")

_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
if hasattr(_sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_sre_constants.POSSESSIVE_REPEAT)
_MAXREPEAT = _sre_constants.MAXREPEAT


def unsafe_reason(pattern: str) -> Optional[str]:
    """Why ``pattern`` could backtrack catastrophically, or None when it is safe.

    ``pattern`` must already compile.
    """
    return _scan(_sre_parse.parse(pattern))


def _scan(items: Any) -> Optional[str]:
    for op, arg in items:
        if op in _REPEATS:
            _low, high, sub = arg
            if high == _MAXREPEAT or high > 1:
                if _has_repeat(sub):
                    return "it repeats something that is itself repeated"
                if _has_branch(sub):
                    return "it repeats a group that contains an alternation (|)"
            found = _scan(sub)
        elif op == _sre_constants.SUBPATTERN:
            found = _scan(arg[-1])
        elif op == _sre_constants.BRANCH:
            found = next((r for r in (_scan(b) for b in arg[1]) if r), None)
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            found = _scan(arg[1])
        else:
            found = None
        if found:
            return found
    return None


def _children(op: Any, arg: Any) -> Any:
    if op in _REPEATS:
        return [arg[2]]
    if op == _sre_constants.SUBPATTERN:
        return [arg[-1]]
    if op == _sre_constants.BRANCH:
        return list(arg[1])
    if op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
        return [arg[1]]
    return []


def _has_repeat(items: Any) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            return True
        if any(_has_repeat(child) for child in _children(op, arg)):
            return True
    return False


def _has_branch(items: Any) -> bool:
    for op, arg in items:
        if op == _sre_constants.BRANCH:
            return True
        if any(_has_branch(child) for child in _children(op, arg)):
            return True
    return False


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a `matches` pattern (raises re.error for bad syntax)."""
    return re.compile(pattern)
