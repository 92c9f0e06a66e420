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
from typing import Any, List, Optional

# The regex parser moved (and the old names warn) in Python 3.11.
_NEW = sys.version_info >= (3, 11)
_sre_constants: Any = importlib.import_module("re._constants" if _NEW else "sre_constants")
_sre_parse: Any = importlib.import_module("re._parser" if _NEW else "sre_parse")

_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
if hasattr(_sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_sre_constants.POSSESSIVE_REPEAT)
_MAXREPEAT = _sre_constants.MAXREPEAT
_ATOMIC_GROUP = getattr(_sre_constants, "ATOMIC_GROUP", object())  # Python 3.11+


def unsafe_reason(pattern: str) -> Optional[str]:
    """Why ``pattern`` could backtrack catastrophically, or None when it is safe.

    ``pattern`` must already compile.
    """
    reason = _scan(_sre_parse.parse(pattern))
    if reason is None and _repeated_alternation(pattern):
        # Python folds (a|b) into a character class, so the parsed form hides the `|`;
        # the language refuses every repeated group with an alternation all the same.
        reason = "it repeats a group that contains an alternation (|)"
    return reason


def _scan(items: Any) -> Optional[str]:
    for op, arg in items:
        if op in _REPEATS:
            _low, high, sub = arg
            if high == _MAXREPEAT or high > 1:
                if _has_repeat(sub):
                    return "it repeats something that is itself repeated"
                if _has_branch(sub):
                    return "it repeats a group that contains an alternation (|)"
        for child in _children(op, arg):
            found = _scan(child)
            if found:
                return found
    return None


def _children(op: Any, arg: Any) -> Any:
    """The sub-patterns of one parsed item (groups, branches, look-arounds, conditionals)."""
    if op in _REPEATS:
        return [arg[2]]
    if op == _sre_constants.SUBPATTERN:
        return [arg[-1]]
    if op == _sre_constants.BRANCH:
        return list(arg[1])
    if op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
        return [arg[1]]
    if op == _ATOMIC_GROUP:
        return [arg]
    if op == _sre_constants.GROUPREF_EXISTS:
        return [branch for branch in arg[1:] if branch is not None]
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
        if op in (_sre_constants.BRANCH, _sre_constants.GROUPREF_EXISTS):
            return True
        if any(_has_branch(child) for child in _children(op, arg)):
            return True
    return False


def _repeated_alternation(pattern: str) -> bool:
    """True when a group containing `|` is followed by ``*``, ``+`` or ``{m,n}`` with n > 1.

    A small scan of the pattern text: escapes and character classes are skipped.
    """
    stack: List[bool] = []  # for each open group: does it contain `|`?
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i += 1
            if i < n and pattern[i] == "^":
                i += 1
            if i < n and pattern[i] == "]":
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        if ch == "(":
            stack.append(False)
        elif ch == "|" and stack:
            stack[-1] = True
        elif ch == ")" and stack:
            had_branch = stack.pop()
            if stack and had_branch:
                stack[-1] = True
            if had_branch and _repeats_more_than_once(pattern, i + 1):
                return True
        i += 1
    return False


def _repeats_more_than_once(pattern: str, at: int) -> bool:
    if at >= len(pattern):
        return False
    if pattern[at] in "*+":
        return True
    if pattern[at] != "{":
        return False
    close = pattern.find("}", at)
    if close < 0:
        return False
    body = pattern[at + 1 : close]
    parts = body.split(",")
    try:
        if len(parts) == 1:
            return int(parts[0]) > 1
        return parts[1].strip() == "" or int(parts[1]) > 1
    except ValueError:
        return False


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a `matches` pattern (raises re.error for bad syntax)."""
    return re.compile(pattern)
