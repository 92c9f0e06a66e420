"""The fast path: route conditions and score items compiled to one Python function.

Theory of operation
-------------------
Evaluating a condition needs only two questions answered: is it *true*, and is it
*false* (neither means unknown). For a condition C the generator writes two Python
boolean expressions, T(C) and F(C):

    T(a and b) = T(a) and T(b)        F(a and b) = F(a) or F(b)
    T(a or b)  = T(a) or T(b)         F(a or b)  = F(a) and F(b)
    T(not a)   = F(a)                 F(not a)   = T(a)

so three-valued logic costs nothing at run time. Leaf tests of the common shapes (a
top-level field compared with text, a text list, or a number; `is missing`/`is present`)
are inlined for the common value types (text, int, float) and defer to the compiled
test object from `routekit.conditions` for anything else, so the semantics stay exactly
those of the reference evaluator. Everything else calls the compiled object.

Safety: no text from a rule file ever becomes code. Field names, literals and compiled
objects are bound as globals with names routekit makes (``f0``, ``c3``, ``n7``), and the
source is assembled only from those names and fixed templates.
"""

from __future__ import annotations

import itertools
import sys
from decimal import Decimal
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from . import ast
from . import conditions as c
from ._text import normalize_text
from .conditions import Env, _f, _t

MAX_INLINE_DEFINE_LEAVES = 12


MatchFunction = Callable[[Any, Env], int]
ScoreFunction = Callable[[Any, Env], Any]


class _Generator:
    def __init__(self) -> None:
        self.globals: Dict[str, Any] = {
            "_t": _t,
            "_f": _f,
            "_missing": c.is_missing,
            "_str": str,
            "_int": int,
            "_float": float,
        }
        self.fields: Dict[str, int] = {}  # top-level field name -> slot, per function
        self.text_fields: Set[int] = set()
        self.loaded: Set[int] = set()  # slots whose value the function has read so far
        self.loaded_text: Set[int] = set()  # ... and whose text key it has computed
        self.guards: Set[Tuple[int, bool]] = set()  # number guards (slot, floats) used ...
        self.loaded_guards: Set[Tuple[int, bool]] = set()  # ... and computed so far
        self.field_names: Dict[str, str] = {}  # field name -> the global holding it
        self.consts: Dict[Tuple[str, Any], str] = {}
        self.count = 0

    # ---- names --------------------------------------------------------------------

    def bind(self, prefix: str, value: Any) -> str:
        name = f"{prefix}{self.count}"
        self.count += 1
        self.globals[name] = value
        return name

    def const(self, value: Any) -> str:
        # repr, not the value: equal literals may read differently (1.0 and 1.00 points).
        key = (
            type(value).__name__,
            repr(value) if not isinstance(value, (set, frozenset)) else tuple(sorted(value)),
        )
        found = self.consts.get(key)
        if found is None:
            found = self.consts[key] = self.bind("c", value)
        return found

    def start_function(self) -> None:
        self.fields = {}
        self.text_fields = set()
        self.loaded = set()
        self.loaded_text = set()
        self.guards = set()
        self.loaded_guards = set()

    def field(self, name: str, text: bool) -> int:
        slot = self.fields.get(name)
        if slot is None:
            slot = self.fields[name] = len(self.fields)
            if name not in self.field_names:
                self.field_names[name] = self.bind("f", name)
        if text:
            self.text_fields.add(slot)
        return slot

    # ---- conditions ---------------------------------------------------------------------

    def pair(self, node: c.Node, budget: List[int]) -> Tuple[str, str]:
        """(T, F) expressions for ``node``."""
        if isinstance(node, c.AllOf):
            parts = [self.pair(i, budget) for i in node.items]
            return _join(" and ", [t for t, _ in parts]), _join(" or ", [f for _, f in parts])
        if isinstance(node, c.AnyOf):
            parts = [self.pair(i, budget) for i in node.items]
            return _join(" or ", [t for t, _ in parts]), _join(" and ", [f for _, f in parts])
        if isinstance(node, c.Negation):
            t, f = self.pair(node.item, budget)
            return f, t
        if (
            isinstance(node, c.DefineRef)
            and node.target is not None
            and _leaves(node.target) <= MAX_INLINE_DEFINE_LEAVES
            and budget[0] > 0
        ):
            budget[0] -= 1
            return self.pair(node.target, budget)
        inline = self.leaf(node)
        if inline is not None:
            return inline
        name = self.bind("n", node)
        return f"_t({name}, env)", f"_f({name}, env)"

    def leaf(self, node: c.Node) -> Optional[Tuple[str, str]]:
        origin = node.origin
        if isinstance(origin, ast.Presence):
            slot = self.simple_field(origin.value)
            if slot is None:
                return None
            missing = f"_missing(v{slot})"
            return (f"not {missing}", missing) if origin.present else (missing, f"not {missing}")
        if isinstance(origin, ast.Compare):
            return self.compare(node, origin)
        if isinstance(origin, ast.In):
            return self.membership(node, origin)
        if isinstance(origin, ast.Between):
            return self.between(node, origin)
        if isinstance(origin, ast.Affix):
            return self.affix(node, origin)
        return None

    def affix(self, node: c.Node, origin: ast.Affix) -> Optional[Tuple[str, str]]:
        operand = origin.operand
        if not isinstance(operand, ast.Literal) or not isinstance(operand.value, str):
            return None
        key = normalize_text(operand.value)
        slot = self.simple_field(origin.value, text=True)
        if slot is None or not key:
            return None
        k = self.const(key)
        method = "startswith" if origin.kind == "starts" else "endswith"
        slow_t, slow_f = self.slow(node, slot)
        test = f"k{slot}.{method}({k})"
        return (f"({test} if k{slot} else {slow_t})", f"((not {test}) if k{slot} else {slow_f})")

    def number_guard(self, slot: int, floats: bool) -> str:
        """The name of a boolean, computed once with the field, saying whether the inline
        number comparison applies to the field's value (see `_number_guard`)."""
        self.guards.add((slot, floats))
        return _guard_name(slot, floats)

    def simple_field(self, value: ast.Value, text: bool = False) -> Optional[int]:
        if isinstance(value, ast.LeadPath) and len(value.steps) == 1:
            return self.field(value.steps[0], text)
        return None

    def slow(self, node: c.Node, slot: int) -> Tuple[str, str]:
        name = self.bind("n", node)
        return (
            f"(v{slot} is not None and _t({name}, env))",
            f"(v{slot} is not None and _f({name}, env))",
        )

    def compare(self, node: c.Node, origin: ast.Compare) -> Optional[Tuple[str, str]]:
        left, right, op = origin.left, origin.right, origin.op
        if isinstance(left, ast.Literal) and not isinstance(right, ast.Literal):
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        if not isinstance(right, ast.Literal):
            return None
        literal = right.value
        if isinstance(literal, str) and op in ("==", "!="):
            key = normalize_text(literal)
            if not key:
                return None
            slot = self.simple_field(left, text=True)
            if slot is None:
                return None
            k = self.const(key)
            slow_t, slow_f = self.slow(node, slot)
            same, differ = f"k{slot} == {k}", f"k{slot} != {k}"
            t_fast, f_fast = (same, differ) if op == "==" else (differ, same)
            return (f"({t_fast} if k{slot} else {slow_t})", f"({f_fast} if k{slot} else {slow_f})")
        if _is_plain_number(literal) and op in ("<", "<=", ">", ">="):
            slot = self.simple_field(left)
            if slot is None:
                return None
            n = self.const(literal)
            slow_t, slow_f = self.slow(node, slot)
            guard = self.number_guard(slot, floats=_exact_in_floats(literal))
            test = f"v{slot} {op} {n}"
            return (
                f"(({test}) if {guard} else {slow_t})",
                f"((not {test}) if {guard} else {slow_f})",
            )
        return None

    def membership(self, node: c.Node, origin: ast.In) -> Optional[Tuple[str, str]]:
        if not isinstance(origin.options, ast.ListValue) or not origin.options.items:
            return None
        keys = []
        for item in origin.options.items:
            if not isinstance(item, ast.Literal) or not isinstance(item.value, str):
                return None
            key = normalize_text(item.value)
            if not key:
                return None
            keys.append(key)
        slot = self.simple_field(origin.value, text=True)
        if slot is None:
            return None
        s = self.const(frozenset(keys))
        slow_t, slow_f = self.slow(node, slot)
        inside, outside = f"k{slot} in {s}", f"k{slot} not in {s}"
        t_fast, f_fast = (outside, inside) if origin.negated else (inside, outside)
        return (f"({t_fast} if k{slot} else {slow_t})", f"({f_fast} if k{slot} else {slow_f})")

    def between(self, node: c.Node, origin: ast.Between) -> Optional[Tuple[str, str]]:
        low, high = origin.low, origin.high
        if not (isinstance(low, ast.Literal) and isinstance(high, ast.Literal)):
            return None
        if not (_is_plain_number(low.value) and _is_plain_number(high.value)):
            return None
        slot = self.simple_field(origin.value)
        if slot is None:
            return None
        lo, hi = self.const(low.value), self.const(high.value)
        slow_t, slow_f = self.slow(node, slot)
        whole = _exact_in_floats(low.value) and _exact_in_floats(high.value)
        guard = self.number_guard(slot, floats=whole)
        test = f"{lo} <= v{slot} <= {hi}"
        return (f"(({test}) if {guard} else {slow_t})", f"((not {test}) if {guard} else {slow_f})")

    # ---- functions -----------------------------------------------------------------------

    def prologue(self) -> List[str]:
        """Read every field used so far (for functions whose tests may run in any order)."""
        return ["    get = lead.get", *self.load_new_fields()]

    def load_new_fields(self) -> List[str]:
        """Lines reading the fields (and text keys) used since the last call.

        The match function calls this before each route's test, so a lead matched by an
        early route never pays for reading and normalizing the fields of later routes.
        Each line is a statement on the route's own path: it runs exactly when the
        route's test runs, so every name is bound before any test reads it.
        """
        lines = []
        for name, slot in self.fields.items():
            if slot not in self.loaded:
                self.loaded.add(slot)
                lines.append(f"    v{slot} = get({self.field_names[name]})")
            if slot in self.text_fields and slot not in self.loaded_text:
                self.loaded_text.add(slot)
                v = f"v{slot}"
                lines.append(
                    f"    k{slot} = {v}.strip().casefold() if {v}.__class__ is _str else None"
                )
        for slot, floats in sorted(self.guards - self.loaded_guards):
            self.loaded_guards.add((slot, floats))
            lines.append(f"    {_guard_name(slot, floats)} = {_number_guard(slot, floats)}")
        return lines


def _exact_in_floats(literal: Any) -> bool:
    """Whole numbers a float can hold exactly: comparing a float with one gives the same
    answer as comparing the decimal the float was written as (the reference rule)."""
    return isinstance(literal, int) and abs(literal) <= 2**53


def _number_guard(slot: int, floats: bool) -> str:
    """The values the inline comparison handles: plain ints, and (against whole-number
    literals only) floats that are not NaN. A float against a decimal literal is compared by
    the reference code, which reads the float as the decimal it was written as."""
    v = f"v{slot}"
    if not floats:
        return f"{v}.__class__ is _int"
    return f"({v}.__class__ is _int or ({v}.__class__ is _float and {v} == {v}))"


def _guard_name(slot: int, floats: bool) -> str:
    return f"{'gf' if floats else 'gi'}{slot}"


def _join(sep: str, parts: Sequence[str]) -> str:
    return "(" + sep.join(parts) + ")" if len(parts) > 1 else parts[0]


def _is_plain_number(value: Any) -> bool:
    return (
        isinstance(value, (int, Decimal))
        and not isinstance(value, bool)
        and (not isinstance(value, Decimal) or value.is_finite())
    )


def _leaves(node: c.Node) -> int:
    if isinstance(node, (c.AllOf, c.AnyOf)):
        return sum(_leaves(i) for i in node.items)
    if isinstance(node, c.Negation):
        return _leaves(node.item)
    return 1


INDEX_THRESHOLD = 48
MAX_KEYS_PER_ROUTE = 4096


def compile_matcher(
    conditions: Sequence[Optional[c.Node]], score_items: Sequence[Tuple[Any, c.Node]]
) -> Tuple[MatchFunction, Optional[ScoreFunction], str]:
    """Generate ``match(lead, env) -> route index or -1`` and ``score(lead, env)``.

    Up to `INDEX_THRESHOLD` routes, ``match`` is one function testing the routes in order.
    Beyond that, routes are indexed like a decision table (see `IndexedMatch`), so the
    cost of a decision does not grow with the number of territory-style routes.
    Returns both functions and the generated source (for tests and curious readers).
    """
    gen = _Generator()
    budget = [64]
    indexed = len(conditions) > INDEX_THRESHOLD
    source_parts: List[str] = []
    if not indexed:
        body: List[str] = ["    get = lead.get"]
        for index, node in enumerate(conditions):
            if node is None:
                body.append(f"    return {index}")
                break
            t, _ = gen.pair(node, budget)
            body.extend(gen.load_new_fields())
            body.append(f"    if {t}:\n        return {index}")
        body.append("    return -1")
        source_parts.append(_function("match", [], body))
    # With many routes, the index leaves only a few candidates per lead: they are tested with
    # their compiled condition objects, which keeps loading fast (no code for 10,000 routes).
    if score_items:
        gen.start_function()
        score_body = ["    total = 0"]
        for points, node in score_items:
            t, _ = gen.pair(node, budget)
            p = gen.const(points)
            score_body.append(f"    if {t}:\n        total += {p}")
        score_body.append("    return total")
        source_parts.append(_function("score", gen.prologue(), score_body))
    source = "\n\n".join(source_parts)
    namespace = dict(gen.globals)
    exec(compile(source, "<routekit fast path>", "exec"), namespace)
    match: MatchFunction
    if indexed:
        match = IndexedMatch(conditions)
    else:
        match = namespace["match"]
    _forget_origins([*conditions, *(node for _, node in score_items)])
    return match, namespace.get("score"), source


def _forget_origins(nodes: Sequence[Optional[c.Node]]) -> None:
    """Drop each node's link to its AST: only code generation reads it, and it would keep
    the whole syntax tree of a big file alive for as long as the plan."""
    stack = [node for node in nodes if node is not None]
    seen: Set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.origin = None
        if isinstance(node, (c.AllOf, c.AnyOf)):
            stack.extend(node.items)
        elif isinstance(node, c.Negation):
            stack.append(node.item)
        elif isinstance(node, c.DefineRef) and node.target is not None:
            stack.append(node.target)


def _function(name: str, prologue: List[str], body: List[str]) -> str:
    return f"def {name}(lead, env):\n" + "\n".join(prologue + body) + "\n"


class IndexedMatch:
    """First-match routing over many routes, indexed like a decision table.

    Each route whose truth requires text equality (``==`` or ``in``) on top-level fields is
    filed under the combinations of those values, grouped by which fields it tests; other
    routes are always candidates. For a lead, the candidates are the routes filed under its
    own values plus the always-candidates; they are tested in file order with the route's
    full condition, so the first true one is exactly the route a plain scan would find.
    A field holding something other than text (a number read as text, say) cannot be
    looked up, so every route of that group becomes a candidate; a missing field rules the
    group out, since its equality tests can only be unknown.

    A route whose condition is nothing but such equality tests (the usual territory route)
    is *exact*: being filed under the lead's own values proves it true, so it is not
    tested at all, and only the candidates before it in file order are.
    """

    def __init__(self, conditions: Sequence[Optional[c.Node]]):
        self.conditions = tuple(conditions)
        groups: Dict[Tuple[str, ...], Dict[Tuple[str, ...], List[int]]] = {}
        always: List[int] = []
        exact: Set[int] = set()
        for index, node in enumerate(conditions):
            keys, only_keys = _index_keys(node) if node is not None else ({}, False)
            # No keys, or two spellings that no text equals at once ("5000" and "5,000",
            # both equal to the number 5000): the index cannot rule the route out.
            if not keys or not all(keys.values()):
                always.append(index)
                continue
            fields = tuple(sorted(keys))
            combos = 1
            for field in fields:
                combos *= len(keys[field])
            if combos > MAX_KEYS_PER_ROUTE:  # too many combinations: file by the narrowest field
                sizes = {f: len(v) for f, v in keys.items()}
                narrow = min(fields, key=sizes.__getitem__)
                fields, keys = (narrow,), {narrow: keys[narrow]}
            elif only_keys:
                exact.add(index)
            table = groups.setdefault(fields, {})
            for combo in itertools.product(*(sorted(keys[f]) for f in fields)):
                table.setdefault(combo, []).append(index)
        self.always = tuple(always)
        self.groups = tuple(
            (
                fields,
                {
                    k: (tuple(v), min((i for i in v if i in exact), default=_NONE))
                    for k, v in table.items()
                },
                tuple(sorted({i for v in table.values() for i in v})),
            )
            for fields, table in groups.items()
        )

    def __call__(self, lead: Any, env: Env) -> int:
        get = lead.get
        candidates = list(self.always)
        proven = _NONE  # the first exact route filed under the lead's values
        for fields, table, members in self.groups:
            parts: Optional[List[str]] = []
            scan = False
            for field in fields:
                value = get(field)
                if value.__class__ is str:
                    key = value.strip().casefold()
                    if not key:
                        parts = None
                        break
                    parts.append(key)  # type: ignore[union-attr]
                elif value is None:
                    parts = None
                    break
                else:
                    scan = True
            if parts is None:
                continue
            if scan:
                candidates.extend(members)
                continue
            hit = table.get(tuple(parts))
            if hit:
                indices, first_exact = hit
                candidates.extend(indices)
                if first_exact < proven:
                    proven = first_exact
        candidates.sort()
        conditions = self.conditions
        for index in candidates:
            if index >= proven:
                return proven
            node = conditions[index]
            if node is None or node.evaluate(env.ctx()) is True:
                return index
        return proven if proven != _NONE else -1


_NONE = sys.maxsize  # no exact route: above every route index


def _index_keys(node: c.Node) -> Tuple[Dict[str, FrozenSet[str]], bool]:
    """Text values some top-level fields must equal for ``node`` to be true, and whether
    ``node`` is nothing but those equality tests (then it is true exactly when they are)."""
    keys: Dict[str, FrozenSet[str]] = {}
    only_keys = True
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, c.DefineRef) and item.target is not None:
            stack.append(item.target)
            continue
        if isinstance(item, c.AllOf):
            stack.extend(item.items)
            continue
        found = _required_values(item.origin)
        if found is None:
            only_keys = False
            continue
        field, values = found
        keys[field] = keys[field] & values if field in keys else values
    return keys, only_keys


def _required_values(origin: Any) -> Optional[Tuple[str, FrozenSet[str]]]:
    if isinstance(origin, ast.Compare) and origin.op == "==":
        left, right = origin.left, origin.right
        if isinstance(left, ast.Literal):
            left, right = right, left
        if (
            isinstance(left, ast.LeadPath)
            and len(left.steps) == 1
            and isinstance(right, ast.Literal)
            and isinstance(right.value, str)
            and normalize_text(right.value)
        ):
            return left.steps[0], frozenset([normalize_text(right.value)])
    if (
        isinstance(origin, ast.In)
        and not origin.negated
        and isinstance(origin.value, ast.LeadPath)
        and len(origin.value.steps) == 1
        and isinstance(origin.options, ast.ListValue)
        and origin.options.items
        and all(
            isinstance(i, ast.Literal) and isinstance(i.value, str) for i in origin.options.items
        )
    ):
        literals = [i for i in origin.options.items if isinstance(i, ast.Literal)]
        values = frozenset(normalize_text(str(i.value)) for i in literals)
        if all(values):
            return origin.value.steps[0], values
    return None
