"""Three-valued tests over messy lead data, and the built-in functions.

Theory of operation
-------------------
The compiler turns every condition of a `.route` file into a tree of small node objects
defined here. A node's ``evaluate(ctx)`` returns ``True``, ``False`` or ``None`` (unknown),
never anything else, and never applies Python truthiness to unknown. Values are read by
*getters*: each returns the value, or an `Unknown` carrying the reason it is not usable
("lead.state is missing", "'lots' is not a number"). Any test of an unknown is unknown,
except ``is missing`` / ``is present``.

When ``ctx.events`` is a list, each test appends one trace event (what was compared, the
result and, for unknowns, the reason). That is the only side effect of evaluation.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

import attrs

from ._text import normalize_text, parse_date, parse_datetime, parse_number
from .trace import TraceEvent

TV = Optional[bool]  # three-valued: True, False, None (unknown)
MAX_MATCH_LENGTH = 4096  # `matches` reads at most this much text; longer text is unknown


class Unknown:
    """A value that cannot be used, with the reason. ``missing`` marks absent/blank values."""

    __slots__ = ("missing", "reason")

    def __init__(self, reason: str, missing: bool = False) -> None:
        self.reason = reason
        self.missing = missing

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class EvalContext:
    """Everything one decision's conditions may read. Created per decision by the router."""

    __slots__ = (
        "account_lookup",
        "defines",
        "depth",
        "events",
        "free_domains",
        "functions",
        "lead",
        "now",
        "score_lookup",
    )

    def __init__(
        self,
        lead: Mapping[str, Any],
        now: dt.datetime,
        functions: Mapping[str, Callable[..., Any]],
        account_lookup: Callable[[EvalContext], Any],
        score_lookup: Callable[[EvalContext], Any],
        events: Optional[List[TraceEvent]],
        free_domains: FrozenSet[str] = frozenset(),
    ) -> None:
        self.lead = lead
        self.free_domains = free_domains
        self.now = now
        self.functions = functions
        self.account_lookup = account_lookup
        self.score_lookup = score_lookup
        self.events = events
        self.depth = 0
        self.defines: Dict[str, TV] = {}

    def emit(self, kind: str, message: str, **data: Any) -> None:
        if self.events is not None:
            self.events.append(TraceEvent(kind, message, self.depth, data))


class Env:
    """Per-decision helpers for the generated code: the lazily made evaluation context."""

    __slots__ = ("_ctx", "make_ctx")

    def __init__(self, make_ctx: Callable[[], EvalContext]) -> None:
        self._ctx: Optional[EvalContext] = None
        self.make_ctx = make_ctx

    def ctx(self) -> EvalContext:
        if self._ctx is None:
            self._ctx = self.make_ctx()
        return self._ctx


def _t(node: Node, env: Env) -> bool:
    return node.evaluate(env.ctx()) is True


def _f(node: Node, env: Env) -> bool:
    return node.evaluate(env.ctx()) is False


# ---- reading values ------------------------------------------------------------------

Getter = Callable[[EvalContext], Any]


def is_missing(value: Any) -> bool:
    """Absent values: None, blank text, an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return len(value) == 0
    return False


def _step(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        try:
            return value.get(key)
        except Exception:  # a hostile mapping; treat the field as absent
            return None
    return None


def path_getter(root: str, steps: Tuple[str, ...], text: str) -> Getter:
    """A getter for ``lead.a.b`` or ``account.a``; missing values come back as `Unknown`.

    Getters are `functools.partial` objects of module-level functions: as fast to call as
    closures, and plain data to pickle (a compiled plan can be cached).
    """
    key = (root, steps, text)
    found = _PATH_GETTERS.get(key)
    if found is None:
        if root == "lead":
            if len(steps) == 1:
                found = partial(_lead_field, steps[0], text)
            else:
                found = partial(_lead_path, steps, text)
        else:
            found = partial(_account_path, steps, text)
        _remember(_PATH_GETTERS, key, found)
    return found


# Getters are shared: ten thousand routes testing lead.country need one getter, not ten
# thousand. Bounded, so a process loading many different files does not grow forever.
_PATH_GETTERS: Dict[Any, Getter] = {}
_CONSTANT_GETTERS: Dict[Any, Getter] = {}
_GETTER_CACHE_LIMIT = 65536


def _remember(cache: Dict[Any, Getter], key: Any, getter: Getter) -> None:
    if len(cache) >= _GETTER_CACHE_LIMIT:
        cache.clear()
    cache[key] = getter


def _lead_field(key: str, text: str, ctx: EvalContext) -> Any:
    try:
        value = ctx.lead.get(key)
    except Exception:
        value = None
    if is_missing(value):
        return Unknown(f"{text} is missing", missing=True)
    return value


def _lead_path(steps: Tuple[str, ...], text: str, ctx: EvalContext) -> Any:
    value: Any = ctx.lead
    for key in steps:
        value = _step(value, key)
    if is_missing(value):
        return Unknown(f"{text} is missing", missing=True)
    return value


def _account_path(steps: Tuple[str, ...], text: str, ctx: EvalContext) -> Any:
    value: Any = ctx.account_lookup(ctx)
    if value is None:
        return Unknown("no account matched", missing=True)
    for key in steps:
        value = _step(value, key)
    if is_missing(value):
        return Unknown(f"{text} is missing", missing=True)
    return value


def constant_getter(value: Any) -> Getter:
    # The type and repr tell literals apart that compare equal but read differently
    # (1 and 1.0, Decimal("1.0") and Decimal("1.00"), True and 1).
    key = (type(value), repr(value))
    found = _CONSTANT_GETTERS.get(key)
    if found is None:
        found = partial(_constant, value)
        _remember(_CONSTANT_GETTERS, key, found)
    return found


def _constant(value: Any, ctx: EvalContext) -> Any:
    return value


def score_getter(ctx: EvalContext) -> Any:
    return ctx.score_lookup(ctx)


# ---- value kinds and comparison ----------------------------------------------------------

_NUMBER_TYPES = (int, float, Decimal, Fraction)


def is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def describe(value: Any, depth: int = 0) -> str:
    """A short, safe rendering of a lead value for the trace (never raises, never recurses
    more than two levels into nested lists)."""
    if value is None:
        return "no value"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        if depth >= 2:
            return "[...]"
        shown = ", ".join(describe(v, depth + 1) for v in value[:5])
        return "[" + shown + (", ...]" if len(value) > 5 else "]")
    if isinstance(value, Mapping):
        return "a record"
    if is_number(value):
        text = number_text(value)
        if text is None:
            return "a number too long to show"
        return text if len(text) <= 40 else text[:37] + "..."
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def number_text(value: Any) -> Optional[str]:
    """A number as text, or None when it is too long to write (Python limits int digits)."""
    try:
        return str(value)
    except ValueError:
        return None


def _bad_number(value: Any) -> Optional[str]:
    if isinstance(value, float) and math.isnan(value):
        return "NaN is not a number"
    if isinstance(value, Decimal) and value.is_nan():
        return "NaN is not a number"
    return None


def as_number(value: Any) -> Any:
    """``value`` as a number, or an `Unknown` saying why not."""
    if isinstance(value, bool):
        return Unknown(f"{describe(value)} is not a number")
    if is_number(value):
        bad = _bad_number(value)
        if bad:
            return Unknown(bad)
        if isinstance(value, float) and math.isfinite(value):
            # A float from JSON stands for the decimal it was written as: 0.1 means 0.1,
            # not 0.1000000000000000055..., so compare its shortest form exactly.
            return Decimal(repr(value))
        return value
    if isinstance(value, str):
        number = parse_number(value)
        if number is None:
            return Unknown(f"{describe(value)} is not a number")
        return number
    return Unknown(f"{describe(value)} is not a number")


def as_date(value: Any, want: type) -> Any:
    """``value`` as a date or date-time (``want``), reading ISO text; `Unknown` otherwise."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return Unknown(f"{describe(value)} has no time zone")
        return value if want is dt.datetime else value.astimezone(dt.timezone.utc).date()
    if isinstance(value, dt.date):
        if want is dt.datetime:
            return Unknown(f"{describe(value)} is a date, not a date-time")
        return value
    if isinstance(value, str):
        if want is dt.datetime:
            parsed_dt = parse_datetime(value)
            if parsed_dt is None:
                return Unknown(f"{describe(value)} is not a date-time with a zone")
            return parsed_dt
        parsed = parse_date(value)
        if parsed is None:
            parsed_dt = parse_datetime(value)
            if parsed_dt is not None:
                return parsed_dt.astimezone(dt.timezone.utc).date()
            return Unknown(f"{describe(value)} is not a date")
        return parsed
    return Unknown(f"{describe(value)} is not a date")


def _text_bool(value: str) -> Optional[bool]:
    key = normalize_text(value)
    if key == "true":
        return True
    if key == "false":
        return False
    return None


def equals(left: Any, right: Any) -> Any:
    """Three-valued text-aware equality; returns True/False or an `Unknown`."""
    if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
        return Unknown("== on a list is unknown: use `contains any`")
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left == right
        other = right if isinstance(left, bool) else left
        flag = left if isinstance(left, bool) else right
        if isinstance(other, str):
            read = _text_bool(other)
            if read is None:
                return Unknown(f"{describe(other)} is not true or false")
            return read == flag
        return Unknown(f"{describe(other)} is not true or false")
    if is_number(left) or is_number(right):
        a, b = as_number(left), as_number(right)
        if isinstance(a, Unknown):
            return a
        if isinstance(b, Unknown):
            return b
        return bool(a == b)
    if isinstance(left, str) and isinstance(right, str):
        return normalize_text(left) == normalize_text(right)
    if isinstance(left, (dt.date, dt.datetime)) or isinstance(right, (dt.date, dt.datetime)):
        want = (
            dt.datetime
            if isinstance(left, dt.datetime) or isinstance(right, dt.datetime)
            else dt.date
        )
        if want is dt.datetime and (
            (isinstance(left, dt.date) and not isinstance(left, dt.datetime))
            or (isinstance(right, dt.date) and not isinstance(right, dt.datetime))
        ):
            want = dt.date
        a, b = as_date(left, want), as_date(right, want)
        if isinstance(a, Unknown):
            return a
        if isinstance(b, Unknown):
            return b
        return bool(a == b)
    return Unknown(f"cannot compare {describe(left)} with {describe(right)}")


def order(left: Any, right: Any) -> Any:
    """-1, 0 or 1 comparing numbers or dates (text read as the other side's kind), or `Unknown`."""
    if isinstance(left, bool) or isinstance(right, bool):
        flag = left if isinstance(left, bool) else right
        return Unknown(
            f"{describe(flag)} cannot be ordered: <, >, between compare numbers and dates"
        )
    if is_number(left) or is_number(right):
        a, b = as_number(left), as_number(right)
    elif isinstance(left, (dt.date, dt.datetime)) or isinstance(right, (dt.date, dt.datetime)):
        kinds = {type(v) for v in (left, right) if isinstance(v, (dt.date, dt.datetime))}
        want = dt.date if dt.date in kinds else dt.datetime
        a, b = as_date(left, want), as_date(right, want)
    elif isinstance(left, str) and isinstance(right, str):
        return Unknown("<, >, between compare numbers and dates, not text")
    else:
        return Unknown(f"cannot order {describe(left)} and {describe(right)}")
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    return (a > b) - (a < b)


_ORDER_OPS: Dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def or3(values: Sequence[TV]) -> TV:
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def and3(values: Sequence[TV]) -> TV:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def not3(value: TV) -> TV:
    return None if value is None else not value


def _word(result: TV) -> str:
    return "unknown" if result is None else ("true" if result else "false")


# ---- condition nodes ------------------------------------------------------------------


class Node:
    """A compiled condition. ``text`` is its source text, used in the trace.

    Nodes have ``__slots__`` (a plan holds tens of thousands of them) and pickle as plain
    data: their getters are `functools.partial` objects of module-level functions.
    """

    __slots__ = ("origin", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.origin: Any = None  # the AST node it was compiled from (set by the compiler)

    def evaluate(self, ctx: EvalContext) -> TV:  # pragma: no cover - overridden
        raise NotImplementedError


class AnyOf(Node):
    """``a or b or ...``: true as soon as one is true."""

    __slots__ = ("items",)

    def __init__(self, items: Sequence[Node], text: str) -> None:
        super().__init__(text)
        self.items = tuple(items)

    def evaluate(self, ctx: EvalContext) -> TV:
        unknown = False
        for item in self.items:
            result = item.evaluate(ctx)
            if result is True:
                return True
            if result is None:
                unknown = True
        return None if unknown else False


class AllOf(Node):
    """``a and b and ...``: false as soon as one is false."""

    __slots__ = ("items",)

    def __init__(self, items: Sequence[Node], text: str) -> None:
        super().__init__(text)
        self.items = tuple(items)

    def evaluate(self, ctx: EvalContext) -> TV:
        unknown = False
        for item in self.items:
            result = item.evaluate(ctx)
            if result is False:
                return False
            if result is None:
                unknown = True
        return None if unknown else True


class Negation(Node):
    __slots__ = ("item",)

    def __init__(self, item: Node, text: str) -> None:
        super().__init__(text)
        self.item = item

    def evaluate(self, ctx: EvalContext) -> TV:
        result = not3(self.item.evaluate(ctx))
        if ctx.events is not None:
            ctx.emit("test", f"{self.text} → {_word(result)}", result=_word(result))
        return result


class DefineRef(Node):
    """A use of a define: evaluated once per decision and remembered."""

    __slots__ = ("name", "target")

    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name
        self.target: Optional[Node] = None  # filled in by the compiler once all defines exist

    def evaluate(self, ctx: EvalContext) -> TV:
        if self.name in ctx.defines:
            result = ctx.defines[self.name]
            if ctx.events is not None:
                ctx.emit(
                    "define",
                    f"{self.name} → {_word(result)} (evaluated above)",
                    define=self.name,
                    result=_word(result),
                )
            return result
        assert self.target is not None
        if ctx.events is None:
            result = self.target.evaluate(ctx)
        else:
            index = len(ctx.events)
            ctx.depth += 1
            result = self.target.evaluate(ctx)
            ctx.depth -= 1
            ctx.events.insert(
                index,
                TraceEvent(
                    "define",
                    f"{self.name} → {_word(result)}",
                    ctx.depth,
                    {"define": self.name, "result": _word(result)},
                ),
            )
        ctx.defines[self.name] = result
        return result


class Test(Node):
    """A leaf test: reads its operands, decides, and records one trace event."""

    __slots__ = ()

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def evaluate(self, ctx: EvalContext) -> TV:
        result, detail = self.decide(ctx)
        if ctx.events is not None:
            ctx.emit("test", f"{self.text} → {_word(result)}{detail}", result=_word(result))
        return result


def _shown(ctx: EvalContext, value: Any) -> str:
    """`` (value)`` for the trace; nothing when no trace is kept (describing costs more than
    most tests)."""
    return "" if ctx.events is None else f" ({describe(value)})"


def _versus(ctx: EvalContext, left: Any, right: Any) -> str:
    return "" if ctx.events is None else f" ({describe(left)} vs {describe(right)})"


def _show(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.reason
    return describe(value)


class CompareTest(Test):
    __slots__ = ("left", "op", "right")

    def __init__(self, op: str, left: Getter, right: Getter, text: str) -> None:
        super().__init__(text)
        self.op = op
        self.left = left
        self.right = right

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        left = self.left(ctx)
        if isinstance(left, Unknown):
            return None, f" ({left.reason})"
        right = self.right(ctx)
        if isinstance(right, Unknown):
            return None, f" ({right.reason})"
        if self.op in ("==", "!="):
            same = equals(left, right)
            if isinstance(same, Unknown):
                return None, f" ({same.reason})"
            result = same if self.op == "==" else not same
            return result, _versus(ctx, left, right)
        cmp = order(left, right)
        if isinstance(cmp, Unknown):
            return None, f" ({cmp.reason})"
        return _ORDER_OPS[self.op](cmp), _versus(ctx, left, right)


class InTest(Test):
    """``value in [...]``; text options are looked up in a set of normalized keys."""

    __slots__ = ("negated", "options", "text_keys", "value")

    def __init__(self, value: Getter, options: Sequence[Any], negated: bool, text: str) -> None:
        super().__init__(text)
        self.value = value
        self.options = tuple(options)
        self.negated = negated
        self.text_keys: Optional[FrozenSet[str]] = None
        if self.options and all(isinstance(o, str) for o in self.options):
            self.text_keys = frozenset(normalize_text(o) for o in self.options)

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.value(ctx)
        if isinstance(value, Unknown):
            return None, f" ({value.reason})"
        if isinstance(value, (list, tuple)):
            return None, " (the field is a list: use `contains any`)"
        found: TV
        if self.text_keys is not None and isinstance(value, str):
            found = normalize_text(value) in self.text_keys
            reason = ""
        else:
            results: List[TV] = []
            reason = ""
            for option in self.options:
                same = equals(value, option)
                if isinstance(same, Unknown):
                    results.append(None)
                    reason = reason or same.reason
                else:
                    results.append(same)
                    if same:
                        break
            found = or3(results)
            if found is not None:
                reason = ""
        result = not3(found) if self.negated else found
        detail = f" ({reason})" if result is None else _shown(ctx, value)
        return result, detail


class ContainsTest(Test):
    """``contains`` / ``contains any`` / ``contains all`` on text (substring) or lists (items)."""

    __slots__ = ("mode", "operand", "value")

    def __init__(self, value: Getter, operand: Getter, mode: str, text: str) -> None:
        super().__init__(text)
        self.value = value
        self.operand = operand
        self.mode = mode

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.value(ctx)
        if isinstance(value, Unknown):
            return None, f" ({value.reason})"
        operand = self.operand(ctx)
        if isinstance(operand, Unknown):
            return None, f" ({operand.reason})"
        if self.mode == "one":
            needles: Sequence[Any] = (operand,)
        elif isinstance(operand, (list, tuple)):
            needles = operand
        else:
            needles = (operand,)
        results: List[TV] = []
        reason = ""
        for needle in needles:
            one = _contains_one(value, needle)
            if isinstance(one, Unknown):
                results.append(None)
                reason = reason or one.reason
            else:
                results.append(one)
        result = and3(results) if self.mode == "all" else or3(results)
        if result is None:
            return None, f" ({reason})"
        return result, _shown(ctx, value)


def _contains_one(value: Any, needle: Any) -> Any:
    if isinstance(value, (list, tuple)):
        results: List[TV] = []
        for item in value:
            same = equals(item, needle) if not isinstance(item, (list, tuple, Mapping)) else False
            results.append(None if isinstance(same, Unknown) else same)
        found = or3(results)
        return False if found is None else found
    if isinstance(value, str):
        if isinstance(needle, str):
            return normalize_text(needle) in normalize_text(value)
        if is_number(needle):
            text = number_text(needle)
            return (
                Unknown("the number is too long to read as text") if text is None else text in value
            )
        return Unknown(f"{describe(needle)} is not text")
    return Unknown(f"{describe(value)} is neither text nor a list")


class AffixTest(Test):
    __slots__ = ("kind", "operand", "value")

    def __init__(self, kind: str, value: Getter, operand: Getter, text: str) -> None:
        super().__init__(text)
        self.kind = kind
        self.value = value
        self.operand = operand

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.value(ctx)
        if isinstance(value, Unknown):
            return None, f" ({value.reason})"
        operand = self.operand(ctx)
        if isinstance(operand, Unknown):
            return None, f" ({operand.reason})"
        if is_number(value):
            value = number_text(value)
        if is_number(operand):
            operand = number_text(operand)
        if not isinstance(value, str) or not isinstance(operand, str):
            shown = value if not isinstance(value, str) else operand
            return None, f" ({describe(shown)} is not text)"
        a, b = normalize_text(value), normalize_text(operand)
        result = a.startswith(b) if self.kind == "starts" else a.endswith(b)
        return result, _shown(ctx, value)


class MatchesTest(Test):
    __slots__ = ("pattern", "value")

    def __init__(self, value: Getter, pattern: re.Pattern[str], text: str) -> None:
        super().__init__(text)
        self.value = value
        self.pattern = pattern

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.value(ctx)
        if isinstance(value, Unknown):
            return None, f" ({value.reason})"
        if is_number(value) and not _bad_number(value):
            value = number_text(value)
        if not isinstance(value, str):
            return None, f" ({describe(value)} is not text)"
        text = value.strip()
        if len(text) > MAX_MATCH_LENGTH:  # bounds the cost of backtracking on hostile input
            return None, f" (the text is longer than the {MAX_MATCH_LENGTH:,} characters matched)"
        return self.pattern.fullmatch(text) is not None, _shown(ctx, value)


class BetweenTest(Test):
    __slots__ = ("high", "low", "value")

    def __init__(self, value: Getter, low: Getter, high: Getter, text: str) -> None:
        super().__init__(text)
        self.value = value
        self.low = low
        self.high = high

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.value(ctx)
        if isinstance(value, Unknown):
            return None, f" ({value.reason})"
        low, high = self.low(ctx), self.high(ctx)
        for bound in (low, high):
            if isinstance(bound, Unknown):
                return None, f" ({bound.reason})"
        a = order(value, low)
        if isinstance(a, Unknown):
            return None, f" ({a.reason})"
        b = order(value, high)
        if isinstance(b, Unknown):
            return None, f" ({b.reason})"
        return (a >= 0 and b <= 0), _shown(ctx, value)


class PresenceTest(Test):
    __slots__ = ("present", "value")

    def __init__(self, value: Getter, present: bool, text: str) -> None:
        super().__init__(text)
        self.value = value
        self.present = present

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.value(ctx)
        missing = isinstance(value, Unknown) and value.missing
        if isinstance(value, Unknown) and not missing:
            missing = False  # a present but unusable value (e.g. a function error) is present
        detail = f" ({value.reason})" if isinstance(value, Unknown) else _shown(ctx, value)
        return (not missing) if self.present else missing, detail


class CallTest(Test):
    """A function call standing alone as a test: its result must be true or false."""

    __slots__ = ("call",)

    def __init__(self, call: Getter, text: str) -> None:
        super().__init__(text)
        self.call = call

    def decide(self, ctx: EvalContext) -> Tuple[TV, str]:
        value = self.call(ctx)
        if isinstance(value, Unknown):
            return None, f" ({value.reason})"
        if isinstance(value, bool):
            return value, ""
        return None, f" (returned {describe(value)}, not true or false)"


# ---- functions ---------------------------------------------------------------------


@attrs.frozen
class FunctionSpec:
    """A built-in function: how many arguments, and whether missing arguments are passed."""

    name: str
    arity: int
    implementation: Callable[..., Any]


def call_getter(
    name: str, args: Sequence[Getter], text: str, builtin: Optional[FunctionSpec]
) -> Getter:
    """A getter that calls a built-in (by spec) or a host function (looked up per decision)."""
    return partial(_call, name, tuple(args), text, builtin)


def _call(
    name: str,
    arg_getters: Tuple[Getter, ...],
    text: str,
    builtin: Optional[FunctionSpec],
    ctx: EvalContext,
) -> Any:
    values = []
    for getter in arg_getters:
        value = getter(ctx)
        if isinstance(value, Unknown):
            if builtin is not None:
                return Unknown(f"{text}: {value.reason}", missing=value.missing)
            value = None
        values.append(value)
    function = builtin.implementation if builtin is not None else ctx.functions.get(name)
    if function is None:
        return Unknown(f"no function named {name}")
    try:
        result = function(*values) if builtin is None else function(ctx, *values)
    except Exception as error:  # a host function must never crash a decision
        return Unknown(f"{name}() raised {type(error).__name__}: {str(error)[:80]}")
    if isinstance(result, Unknown):
        return result
    if result is None:
        return Unknown(f"{text} gave no value", missing=True)
    if not _plain(result):
        return Unknown(f"{name}() returned {describe(result)}, which a rule cannot use")
    return result


def _plain(value: Any) -> bool:
    if isinstance(value, (str, bool, dt.date, dt.datetime)) or is_number(value):
        return not (is_number(value) and _bad_number(value) is not None)
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, (str, bool)) or is_number(v) for v in value)
    return False


def _lower(ctx: EvalContext, value: Any) -> Any:
    if not isinstance(value, str):
        return Unknown(f"lower() needs text, not {describe(value)}")
    return value.lower()


def _upper(ctx: EvalContext, value: Any) -> Any:
    if not isinstance(value, str):
        return Unknown(f"upper() needs text, not {describe(value)}")
    return value.upper()


def _len(ctx: EvalContext, value: Any) -> Any:
    if isinstance(value, str):
        return len(value.strip())
    if isinstance(value, (list, tuple)):
        return len(value)
    return Unknown(f"len() needs text or a list, not {describe(value)}")


def _days_since(ctx: EvalContext, value: Any) -> Any:
    when = as_date(value, dt.date)
    if isinstance(when, Unknown):
        return when
    today = ctx.now.astimezone(dt.timezone.utc).date()
    return (today - when).days


def _domain(ctx: EvalContext, value: Any) -> Any:
    from .accounts import host_of

    host = host_of(value)
    if host is None:
        return Unknown(f"{describe(value)} has no domain")
    return host


def _free_email(ctx: EvalContext, value: Any) -> Any:
    from .accounts import host_of, is_free_email

    if host_of(value) is None:
        return Unknown(f"{describe(value)} has no domain")
    return is_free_email(value, ctx.free_domains)


BUILTIN_FUNCTIONS: Mapping[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec("lower", 1, _lower),
        FunctionSpec("upper", 1, _upper),
        FunctionSpec("len", 1, _len),
        FunctionSpec("days_since", 1, _days_since),
        FunctionSpec("domain", 1, _domain),
        FunctionSpec("free_email", 1, _free_email),
    )
}

NUMBERISH = Union[int, float, Decimal, Fraction]
