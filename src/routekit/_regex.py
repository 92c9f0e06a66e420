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
from typing import Any, FrozenSet, List, Optional, Set

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
    parsed = _sre_parse.parse(pattern)
    reason = _scan(parsed)
    if reason is None and _chained_repeats(parsed):
        reason = (
            "it has three or more unbounded repeats in a row that can match the same text "
            "(polynomial backtracking)"
        )
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


_ASCII = range(128)
_CATEGORIES = {
    "CATEGORY_DIGIT": frozenset(c for c in _ASCII if chr(c).isdigit()),
    "CATEGORY_NOT_DIGIT": frozenset(c for c in _ASCII if not chr(c).isdigit()),
    "CATEGORY_SPACE": frozenset(c for c in _ASCII if chr(c).isspace()),
    "CATEGORY_NOT_SPACE": frozenset(c for c in _ASCII if not chr(c).isspace()),
    "CATEGORY_WORD": frozenset(c for c in _ASCII if chr(c).isalnum() or c == 95),
    "CATEGORY_NOT_WORD": frozenset(c for c in _ASCII if not (chr(c).isalnum() or c == 95)),
}
_EVERYTHING = frozenset(_ASCII)


def _chars(op: Any, arg: Any) -> Optional[FrozenSet[int]]:
    """The ASCII characters one item can match (an approximation for the overlap test), or
    None for items that match no character themselves (anchors, groups, repeats)."""
    name = str(op)
    if name == "LITERAL":
        return frozenset([arg]) if arg < 128 else frozenset()
    if name == "NOT_LITERAL":
        return _EVERYTHING - {arg}
    if name == "ANY":
        return _EVERYTHING
    if name == "IN":
        found: Set[int] = set()
        negate = False
        for item_op, item_arg in arg:
            kind = str(item_op)
            if kind == "NEGATE":
                negate = True
            elif kind == "LITERAL" and item_arg < 128:
                found.add(item_arg)
            elif kind == "RANGE":
                found.update(c for c in _ASCII if item_arg[0] <= c <= item_arg[1])
            elif kind == "CATEGORY":
                found.update(_CATEGORIES.get(str(item_arg), _EVERYTHING))
        return _EVERYTHING - found if negate else frozenset(found)
    if name == "CATEGORY":
        return _CATEGORIES.get(str(arg), _EVERYTHING)
    return None


def _chained_repeats(items: Any) -> bool:
    """Three or more unbounded repeats in one sequence that can hand text to each other.

    ``.*.*.*x`` or ``\\s*\\s*\\s*x`` backtrack in polynomial time: each repeat can take any
    share of the same run of text. The chain continues across items whose characters the
    repeats could also match (or that match nothing, like ``\\b``), and breaks at an item
    none of them can match, such as the ``@`` in ``[^@]+@[^@]+``.
    """
    count = 0
    chain: FrozenSet[int] = frozenset()
    for op, arg in items:
        if op in _REPEATS:
            low, high, sub = arg
            if high == _MAXREPEAT and len(sub) == 1:
                chars = _chars(*sub[0])
                if chars is not None:
                    if count and chars & chain:
                        count += 1
                        chain = chain | chars
                    else:
                        count, chain = 1, chars
                    if count >= 3:
                        return True
                    continue
            if low == 0:
                continue  # an optional item does not break the chain
        chars = _chars(op, arg)
        if chars is None:
            if op in (_sre_constants.AT,):
                continue
            for child in _children(op, arg):
                if _chained_repeats(child):
                    return True
            count, chain = 0, frozenset()
        elif not chars <= chain:
            count, chain = 0, frozenset()
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
