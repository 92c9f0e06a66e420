"""`leads()`: leads built from the values a plan actually tests, so every route can be reached.

Theory of operation
-------------------
Random text almost never equals ``"CA"`` or lands on ``employees >= 500``, so the values
come from the rules themselves. The plan's syntax tree is walked once (defines, score
items, routes, table rows, ``skill lead.x`` filters, expectations) and every test that
reads a lead field contributes candidates for that field:

- a comparison with a number gives the number and its neighbours ±1 (the boundary);
  with a date, the day before, the day and the day after; text gives itself;
- ``in`` and ``contains any/all`` give each item (and text containing it); ``starts with``
  and ``ends with`` give text with that prefix or suffix; ``between`` both ends ±1;
  ``matches`` gives text drawn from the pattern itself;
- ``lower``/``upper`` read through to the field, ``len`` gives text of the right length,
  ``domain`` and ``free_email`` give addresses, ``days_since`` dates before ``now``;
- each table row gives its key values *together*, and each ``expect`` block its whole lead.

With ``messy=True`` each value also comes in the forms real forms send: other case,
surrounding spaces, numbers as text (``"5,000"``, ``" 500 "``), and blanks or ``null``
for missing. With ``missing=True`` any field not ``required`` by the schema may be left out.
Fields are drawn independently, so shrinking drops the ones a failure does not need.
"""

from __future__ import annotations

import datetime as dt
import random
import warnings
import weakref
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from .. import ast
from ..errors import RoutekitError, RoutekitWarning, did_you_mean
from ..plan import Plan
from ..router import Router

Path = Tuple[str, ...]

SCHEMA_TYPES = ("text", "number", "bool", "date", "datetime", "email", "list")
_WORDS = ["Acme", "IT", "sales", "Office manager", "x"]
_EMAILS = ["kim@acme.example", "pat@gmail.com", "lee@globex.example"]
_SKILLS = ["spanish", "german", "enterprise", "healthcare"]
_TODAY = dt.date(2026, 1, 5)


class _Pool:
    """Candidate values for one lead field, simplest first."""

    def __init__(self) -> None:
        self.values: List[Any] = []
        self.messy: List[Any] = []
        self.strategies: List[SearchStrategy[Any]] = []
        self.kind: Optional[str] = None
        self.required = False

    def add(self, value: Any, *variants: Any) -> None:
        if value not in self.values:
            self.values.append(value)
        for variant in variants:
            if variant not in self.messy and variant not in self.values:
                self.messy.append(variant)

    def note_kind(self, kind: str) -> None:
        if self.kind is None:
            self.kind = kind


class _Collector:
    """Walks a plan's syntax tree and gathers candidate values per lead path."""

    def __init__(self, today: dt.date) -> None:
        self.pools: Dict[Path, _Pool] = {}
        self.rows: List[Dict[Path, Any]] = []
        self.today = today

    def pool(self, path: Path) -> _Pool:
        return self.pools.setdefault(path, _Pool())

    # ---- statements --------------------------------------------------------------------

    def rules(self, rules: ast.RuleFile) -> None:
        for statement in rules.statements:
            if isinstance(statement, ast.Define):
                self.condition(statement.condition)
            elif isinstance(statement, ast.Score):
                for item in statement.items:
                    self.condition(item.condition)
            elif isinstance(statement, ast.Route) and statement.condition is not None:
                self.condition(statement.condition)
            elif isinstance(statement, ast.Table):
                self.table(statement)
            elif isinstance(statement, ast.Team):
                for flt in statement.require:
                    if isinstance(flt.argument, ast.LeadPath):
                        pool = self.pool(flt.argument.steps)
                        pool.note_kind("text")
                        for skill in _SKILLS:
                            pool.add(skill, skill.upper(), f" {skill} ")
            elif isinstance(statement, ast.Fields):
                for decl in statement.items:
                    pool = self.pool((decl.name,))
                    pool.kind = decl.type_name
                    pool.required = decl.required
            elif isinstance(statement, ast.Expect):
                seed: Dict[Path, Any] = {}
                for name, value in statement.lead:
                    seed[(name,)] = _plain(value)
                    self.pool((name,))
                self.rows.append(seed)

    def table(self, table: ast.Table) -> None:
        paths = [key.steps for key in table.key]
        for path in paths:
            pool = self.pool(path)
            pool.add("ZZ")  # a key no row lists: the else row
        for row in table.rows:
            for cell in row.keys:
                values = {path: _plain(lit) for path, lit in zip(paths, cell)}
                self.rows.append(values)
                for path, lit in zip(paths, cell):
                    self.literal_equal(self.pool(path), lit.value)

    def host_table(self, key_paths: Sequence[Path], rows: Mapping[Any, Any]) -> None:
        for key in rows:
            parts = key if isinstance(key, tuple) else (key,)
            if len(parts) == len(key_paths):
                self.rows.append(dict(zip(key_paths, parts)))

    # ---- conditions ----------------------------------------------------------------------

    def condition(self, node: ast.Condition) -> None:
        if isinstance(node, (ast.Or, ast.And)):
            for item in node.items:
                self.condition(item)
        elif isinstance(node, ast.Not):
            self.condition(node.item)
        elif isinstance(node, ast.Compare):
            self.compare(node.op, node.left, node.right)
            self.compare(_FLIP[node.op], node.right, node.left)
        elif isinstance(node, ast.In):
            if isinstance(node.options, ast.ListValue):
                for option in node.options.items:
                    if isinstance(option, ast.Literal):
                        self.compare("==", node.value, option)
        elif isinstance(node, ast.Contains):
            self.contains(node)
        elif isinstance(node, ast.Affix):
            self.affix(node)
        elif isinstance(node, ast.Matches):
            subject = _subject(node.value)
            if subject is not None:
                pool = self.pool(subject[0])
                pool.note_kind("text")
                try:
                    pattern = st.from_regex(node.pattern, fullmatch=True)
                    pattern.validate()
                except Exception:  # a pattern Hypothesis cannot generate from: skip it
                    return
                pool.strategies.append(pattern)
        elif isinstance(node, ast.Between):
            self.compare(">=", node.value, node.low)
            self.compare("<=", node.value, node.high)
        elif isinstance(node, ast.Presence):
            subject = _subject(node.value)
            if subject is not None:
                self.pool(subject[0])
        elif isinstance(node, ast.ValueTest):
            subject = _subject(node.value)
            if subject is not None and subject[1] == "free_email":
                pool = self.pool(subject[0])
                pool.note_kind("email")
                for email in _EMAILS:
                    pool.add(email, email.upper())

    def compare(self, op: str, value: ast.Value, other: ast.Value) -> None:
        subject = _subject(value)
        if subject is None:
            return
        path, function = subject
        pool = self.pool(path)
        if not isinstance(other, ast.Literal):
            return
        literal = other.value
        if function == "len" and isinstance(literal, (int, Decimal)):
            n = int(literal)
            for size in (max(n - 1, 0), n, n + 1):
                pool.add("x" * size)
            pool.add(["a"] * n)
        elif function == "domain" and isinstance(literal, str):
            pool.note_kind("email")
            host = literal.strip().lower()
            pool.add(f"kim@{host}", f" KIM@{host.upper()} ", f"https://www.{host}/contact")
            pool.add(f"kim@other-{host}")
        elif function == "days_since" and isinstance(literal, (int, Decimal)):
            n = int(literal)
            for days in (n - 1, n, n + 1):
                pool.add((self.today - dt.timedelta(days=days)).isoformat())
        elif function in ("free_email",):
            return
        else:
            self.literal(pool, op, literal)

    def literal(self, pool: _Pool, op: str, literal: ast.LiteralValue) -> None:
        if op in ("==", "!="):
            self.literal_equal(pool, literal)
            if not isinstance(literal, (bool, str)):
                self.neighbours(pool, literal)
        else:
            self.neighbours(pool, literal)

    def literal_equal(self, pool: _Pool, literal: ast.LiteralValue) -> None:
        if isinstance(literal, bool):
            pool.note_kind("bool")
            pool.add(literal, str(literal).lower())
        elif isinstance(literal, str):
            pool.note_kind("text")
            pool.add(literal, *_text_variants(literal))
        else:
            self.neighbours(pool, literal)

    def neighbours(self, pool: _Pool, literal: ast.LiteralValue) -> None:
        if isinstance(literal, bool):
            return
        if isinstance(literal, (int, Decimal)):
            pool.note_kind("number")
            for delta in (0, -1, 1):
                number = literal + delta
                pool.add(_json_number(number), *_number_variants(number))
        elif isinstance(literal, dt.datetime):
            pool.note_kind("datetime")
            for delta in (0, -1, 1):
                moment = literal + dt.timedelta(minutes=delta)
                pool.add(moment.isoformat(), f" {moment.isoformat()} ")
        elif isinstance(literal, dt.date):
            pool.note_kind("date")
            for delta in (0, -1, 1):
                day = literal + dt.timedelta(days=delta)
                pool.add(day.isoformat(), f" {day.isoformat()} ")

    def contains(self, node: ast.Contains) -> None:
        subject = _subject(node.value)
        if subject is None:
            return
        pool = self.pool(subject[0])
        items: List[str] = []
        if isinstance(node.operand, ast.Literal) and isinstance(node.operand.value, str):
            items = [node.operand.value]
        elif isinstance(node.operand, ast.ListValue):
            items = [
                i.value
                for i in node.operand.items
                if isinstance(i, ast.Literal) and isinstance(i.value, str)
            ]
        if not items:
            return
        pool.note_kind("text")
        if node.mode == "all":
            pool.add(" ".join(items), [f" {i.upper()} " for i in items])
            pool.add(list(items))
        for item in items:
            pool.add(item, f"VP of {item}", f"  {item.lower()} ", [item.upper()])
            pool.add([item, "Other"])
        pool.add("nothing to see")

    def affix(self, node: ast.Affix) -> None:
        subject = _subject(node.value)
        if subject is None or not isinstance(node.operand, ast.Literal):
            return
        text = node.operand.value
        if not isinstance(text, str):
            return
        pool = self.pool(subject[0])
        pool.note_kind("text")
        if node.kind == "starts":
            pool.add(f"{text}-123", f"  {text.upper()}X ")
        else:
            pool.add(f"abc.{text}", f" ABC{text.upper()}  ")
        pool.add(text)


_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SUBJECT_FUNCTIONS = ("lower", "upper", "len", "domain", "free_email", "days_since")


def _subject(value: ast.Value) -> Optional[Tuple[Path, Optional[str]]]:
    """The lead path a value reads (directly or through a one-argument built-in)."""
    if isinstance(value, ast.LeadPath):
        return (value.steps, None)
    if (
        isinstance(value, ast.Call)
        and value.name in _SUBJECT_FUNCTIONS
        and len(value.args) == 1
        and isinstance(value.args[0], ast.LeadPath)
    ):
        return (value.args[0].steps, value.name)
    return None


def _json_number(value: Union[int, Decimal]) -> Any:
    if isinstance(value, int):
        return value
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else str(value)


def _number_variants(value: Union[int, Decimal]) -> List[Any]:
    text = str(value)
    variants = [text, f" {text} "]
    if isinstance(value, int) and abs(value) >= 1000:
        variants.append(f"{value:,}")
    if isinstance(value, int):
        variants.append(f"{value}.0")
    return variants


def _text_variants(text: str) -> List[str]:
    return [text.upper(), text.lower(), f"  {text} ", text.title()]


def _plain(value: Union[ast.Literal, ast.ListValue, ast.LiteralValue]) -> Any:
    """A literal as a lead value a host would send (text dates, JSON numbers)."""
    if isinstance(value, ast.ListValue):
        return [_plain(item) for item in value.items if isinstance(item, ast.Literal)]
    if isinstance(value, ast.Literal):
        value = value.value
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, Decimal)):
        return _json_number(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _generic(kind: Optional[str]) -> SearchStrategy[Any]:
    if kind == "number":
        return st.one_of(
            st.integers(min_value=-5, max_value=10**6),
            st.decimals(places=2, min_value=-5, max_value=10**6, allow_nan=False).map(float),
        )
    if kind == "bool":
        return st.booleans()
    if kind == "date":
        return st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)).map(dt.date.isoformat)
    if kind == "datetime":
        return st.datetimes(
            dt.datetime(2024, 1, 1), dt.datetime(2028, 12, 31), timezones=st.just(dt.timezone.utc)
        ).map(dt.datetime.isoformat)
    if kind == "email":
        return st.sampled_from(_EMAILS)
    if kind == "list":
        return st.lists(st.sampled_from(_WORDS), max_size=3)
    return st.one_of(st.sampled_from(_WORDS), st.text(max_size=8))


_BLANKS: List[Any] = [None, "", "   ", []]


def _value_strategy(pool: _Pool, messy: bool) -> SearchStrategy[Any]:
    clean: SearchStrategy[Any] = (
        st.sampled_from(pool.values) if pool.values else _generic(pool.kind)
    )
    parts: List[SearchStrategy[Any]] = [clean, *pool.strategies]
    if messy:
        junk = [*pool.messy, *(_BLANKS if not pool.required else [])]
        if pool.kind == "number":
            junk.append("lots")
        if junk:
            parts.append(st.sampled_from(junk))
        parts.append(_generic(pool.kind))
    return st.one_of(parts)


def _nest(flat: Mapping[Path, Any]) -> Dict[str, Any]:
    """``{("company", "size"): 5}`` → ``{"company": {"size": 5}}`` (records win over values)."""
    lead: Dict[str, Any] = {}
    for path in sorted(flat, key=len):
        node = lead
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        if not isinstance(node.get(path[-1]), dict):
            node[path[-1]] = flat[path]
    return lead


def _router_parts(router: Router) -> Tuple[Plan, Any, Mapping[str, Any], List[str]]:
    skills = sorted({skill for rep in router.roster for skill in rep.skills})
    return router.plan, router._accounts_arg, router._host_rows, skills


def leads(
    rules_or_schema: Union[Plan, Router, Mapping[str, str]],
    *,
    messy: bool = True,
    missing: bool = True,
    accounts: Optional[Mapping[str, Any]] = None,
    fields: Optional[Mapping[str, SearchStrategy[Any]]] = None,
    now: Optional[dt.datetime] = None,
    routes: Optional[Sequence[str]] = None,
) -> SearchStrategy[Dict[str, Any]]:
    """Leads (dicts) that exercise the rules: values taken from what the rules test.

    Args:
        rules_or_schema: a `Plan`, a `Router` (its accounts, host tables and rostered
            skills are used too), or a schema ``{field: type}`` as in a ``fields`` block
            (``"number"``, ``"text required"``, ...).
        messy: also draw the forms real forms send: other case, surrounding spaces,
            numbers as text (``"5,000"``), blanks and ``null``, values of the wrong kind.
        missing: let fields that are not ``required`` be left out.
        accounts: ``{domain: record}``: draw e-mail addresses at these domains (taken from
            the router when it has an accounts mapping).
        fields: strategies for top-level fields by name, replacing (or adding to) the
            derived ones.
        now: the decision time ``days_since`` tests are measured from, and at which
            routes are matched for ``routes`` (default 2026-01-05 15:00 UTC).
        routes: only leads that these routes decide (names as in the file, or
            ``"fallback"``): for a property about one part of the rules.

    A few leads that reach each route are also found up front, by a quick seeded search
    over the candidate values, and drawn as often as the rest, so a route behind three
    conditions is hit as readily as one behind a single test.

    Raises:
        InvalidArgument: a wrong kind of argument, an unknown schema type, a naive ``now``,
            ``routes`` with a schema, an unknown route, or (when first drawn from) a route
            no lead could be found for.
    """
    if not isinstance(messy, bool) or not isinstance(missing, bool):
        raise InvalidArgument("messy= and missing= are True or False")
    if now is not None and (not isinstance(now, dt.datetime) or now.utcoffset() is None):
        raise InvalidArgument(f"now={now!r} must be an aware datetime")
    today = now.astimezone(dt.timezone.utc).date() if now is not None else _TODAY
    collector = _Collector(today)
    skills: List[str] = []
    host_rows: Mapping[str, Any] = {}
    if isinstance(rules_or_schema, Router):
        plan, router_accounts, host_rows, skills = _router_parts(rules_or_schema)
        if accounts is None and isinstance(router_accounts, Mapping):
            accounts = router_accounts
        collector.rules(plan.rules)
        uses_account = plan.requirements.uses_account
        tables = plan.tables
    elif isinstance(rules_or_schema, Plan):
        collector.rules(rules_or_schema.rules)
        uses_account = rules_or_schema.requirements.uses_account
        tables = rules_or_schema.tables
    elif isinstance(rules_or_schema, Mapping):
        _schema(collector, rules_or_schema)
        uses_account, tables = False, {}
    else:
        raise InvalidArgument(
            "leads() takes a Plan, a Router or a schema {field: type}, "
            f"not {type(rules_or_schema).__name__}"
        )
    for name, rows in host_rows.items():
        table = tables.get(name)
        if table is not None:
            paths = [tuple(text.split(".")[1:]) for text in table.key_texts]
            collector.host_table(paths, rows)
    if accounts is not None:
        if not isinstance(accounts, Mapping):
            raise InvalidArgument("accounts= is a mapping from domain to account record")
        email = collector.pool(("email",))
        email.note_kind("email")
        for domain in accounts:
            email.add(f"buyer@{domain}", f" Buyer@{str(domain).upper()} ")
    elif uses_account:
        collector.pool(("email",)).note_kind("email")
    for skill in skills:
        for path, pool in collector.pools.items():
            if pool.kind == "text" and "skill" in " ".join(path).lower():
                pool.add(skill)
    strategies = {path: _value_strategy(pool, messy) for path, pool in collector.pools.items()}
    for name, strategy in (fields or {}).items():
        if not isinstance(strategy, SearchStrategy):
            raise InvalidArgument(f"fields[{name!r}] must be a strategy, not {strategy!r}")
        strategies[(name,)] = strategy
    required = {
        p: s
        for p, s in strategies.items()
        if not missing or collector.pools.get(p, _Pool()).required
    }
    optional = {p: s for p, s in strategies.items() if p not in required}
    base = st.fixed_dictionaries(required, optional=optional)
    when = now if now is not None else _NOW
    matcher = _matcher(rules_or_schema, accounts)
    wanted = _wanted_routes(routes, rules_or_schema, matcher)
    if matcher is None:
        return _with_seeds(base, collector.rows, {})

    owner = rules_or_schema
    accounts_key = tuple(sorted(map(str, accounts))) if accounts is not None else None

    def build() -> SearchStrategy[Dict[str, Any]]:
        assert matcher is not None
        found = _cached_witnesses(owner, (when, accounts_key), matcher, collector)
        if wanted is None:
            return _with_seeds(base, collector.rows, found)
        lacking = [name for name in wanted if name not in found]
        if lacking:
            raise InvalidArgument(
                f"no lead was found that route {lacking[0]!r} decides (is its condition "
                "possible at `now`? fields= can supply values the rules do not show)"
            )
        chosen = {name: found[name] for name in wanted}
        names = set(wanted)
        return _with_seeds(base, [], chosen, always=True).filter(
            lambda lead: matcher.match(lead, now=when) in names
        )

    return st.deferred(build)


def _with_seeds(
    base: SearchStrategy[Dict[Path, Any]],
    rows: List[Dict[Path, Any]],
    found: Mapping[str, List[Dict[Path, Any]]],
    always: bool = False,
) -> SearchStrategy[Dict[str, Any]]:
    """``base`` with, half the time (or always), a seed laid over it: a table row, an
    expectation's lead, or a lead found to reach some route (each route as likely)."""
    seeds: List[SearchStrategy[Optional[Dict[Path, Any]]]] = []
    if rows:
        seeds.append(st.sampled_from(rows))
    if found:
        names = sorted(found)
        seeds.append(st.sampled_from(names).flatmap(lambda name: st.sampled_from(found[name])))
    if not seeds:
        return base.map(_nest)
    if not always:
        seeds.insert(0, st.none())
    return st.tuples(base, st.one_of(seeds)).map(lambda pair: _nest({**pair[0], **(pair[1] or {})}))


_NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)


def _matcher(rules: Any, accounts: Optional[Mapping[str, Any]]) -> Optional[Router]:
    """A router to match routes with (no roster is needed to match)."""
    if isinstance(rules, Router):
        return rules
    if not isinstance(rules, Plan):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoutekitWarning)
            return Router(rules, accounts=accounts)
    except RoutekitError:  # host tables or functions the plan needs: cannot match alone
        return None


def _wanted_routes(
    routes: Optional[Sequence[str]], rules: Any, matcher: Optional[Router]
) -> Optional[List[str]]:
    if routes is None:
        return None
    if isinstance(routes, str):
        raise InvalidArgument("routes= is a list of route names, not one text")
    if matcher is None:
        raise InvalidArgument(
            "routes= needs rules to match: pass the Router (a schema has no routes, and a "
            "plan with host tables or functions needs its router)"
        )
    known = [*matcher.plan.route_names, "fallback"]
    for name in routes:
        if name not in known:
            hint = did_you_mean(str(name), known)
            raise InvalidArgument(f"there is no route {name!r}" + (f"; {hint}" if hint else ""))
    return list(routes)


_WITNESSES: weakref.WeakKeyDictionary[Any, Dict[Any, Dict[str, List[Dict[Path, Any]]]]] = (
    weakref.WeakKeyDictionary()
)


def _cached_witnesses(
    owner: Any, key: Any, router: Router, collector: _Collector
) -> Dict[str, List[Dict[Path, Any]]]:
    """`_witnesses`, found once per router (or plan), ``now`` and accounts: a test that
    builds ``leads(router)`` afresh for every example does not search every time."""
    per_owner = _WITNESSES.setdefault(owner, {})
    if key not in per_owner:
        per_owner[key] = _witnesses(router, collector, key[0])
    return per_owner[key]


def _witnesses(
    router: Router, collector: _Collector, when: dt.datetime, tries: int = 3000, keep: int = 4
) -> Dict[str, List[Dict[Path, Any]]]:
    """Up to ``keep`` flat leads per route that the route decides, by a seeded random search
    over the candidate values (deterministic, so every run draws the same seeds)."""
    rng = random.Random(0)
    paths = sorted(collector.pools)
    names = [*router.plan.route_names] + (["fallback"] if router.plan.fallback else [])
    found: Dict[str, List[Dict[Path, Any]]] = {}
    for _ in range(tries):
        flat: Dict[Path, Any] = {}
        for path in paths:
            values = collector.pools[path].values
            if values and rng.random() < 0.8:
                flat[path] = rng.choice(values)
        if collector.rows and rng.random() < 0.3:
            flat.update(rng.choice(collector.rows))
        try:
            name = router.match(_nest(flat), now=when)
        except RoutekitError:
            continue
        if name is None:
            continue
        bucket = found.setdefault(name, [])
        if len(bucket) < keep and flat not in bucket:
            bucket.append(flat)
        if all(len(found.get(n, ())) >= keep for n in names):
            break
    return found


def _schema(collector: _Collector, schema: Mapping[str, str]) -> None:
    for name, spec in schema.items():
        if not isinstance(name, str) or not isinstance(spec, str):
            raise InvalidArgument(f"schema entries are name: type text, not {name!r}: {spec!r}")
        words = spec.split()
        if not words or words[0] not in SCHEMA_TYPES or words[1:] not in ([], ["required"]):
            raise InvalidArgument(
                f"schema type for {name!r} must be one of {', '.join(SCHEMA_TYPES)}, "
                f"optionally followed by 'required', not {spec!r}"
            )
        pool = collector.pool((name,))
        pool.kind = words[0]
        pool.required = len(words) == 2


def reachable_paths(plan: Plan) -> Set[Path]:
    """The lead paths `leads` draws values for (for tests and tools)."""
    collector = _Collector(_TODAY)
    collector.rules(plan.rules)
    return set(collector.pools)
