"""The hand-written parser (`routekit._fastparse`) against lark, the reference.

For every file the fast parser accepts, its AST must equal the lark path's exactly: the
same node classes and values and the same spans (spans are left out of AST equality, so
they are compared field by field here). A file lark refuses must be refused by the fast
parser too (it returns None), and `parse` then raises lark's own error. The corpus is every
`.route` file of the repository, the documentation's ``route`` blocks, the conformance
chunks, hand-picked lexer corner cases and generated files.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import re
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routekit
from routekit import _builder, _fastparse, _gc, ast
from routekit._builder import RESERVED_WORDS, parse, parse_with_lark
from routekit.errors import RouteSyntaxError

ROOT = Path(__file__).resolve().parents[1]
NAME = "test.route"


@pytest.fixture(autouse=True, scope="module")
def _strict() -> Iterator[None]:
    """A bug in the fast parser must fail here, not hide behind the fallback to lark."""
    saved = _fastparse.STRICT
    _fastparse.STRICT = True
    try:
        yield
    finally:
        _fastparse.STRICT = saved


# ---- comparing -----------------------------------------------------------------------


def assert_same(fast: Any, ref: Any, path: str = "file") -> None:
    """Equal as values and types, spans and every other ``eq=False`` field included."""
    assert type(fast) is type(ref), f"{path}: {type(fast).__name__} != {type(ref).__name__}"
    if attrs.has(type(ref)):
        for field in attrs.fields(type(ref)):
            assert_same(getattr(fast, field.name), getattr(ref, field.name), f"{path}.{field.name}")
    elif isinstance(ref, tuple):
        assert len(fast) == len(ref), f"{path}: {len(fast)} items != {len(ref)}"
        for k, (a, b) in enumerate(zip(fast, ref)):
            assert_same(a, b, f"{path}[{k}]")
    else:
        assert fast == ref, f"{path}: {fast!r} != {ref!r}"


def check(text: str, fast_expected: Optional[bool] = None) -> Optional[ast.RuleFile]:
    """Compare the fast parser with lark on ``text``; return the fast AST (None: fallback).

    ``fast_expected``: True when the file is valid and the fast parser must read it itself.
    """
    fast = _fastparse.parse_fast(text, NAME)
    try:
        ref = parse_with_lark(text, NAME)
    except RouteSyntaxError as error:
        assert fast is None, f"the fast parser accepted a file lark refuses: {error}"
        with pytest.raises(RouteSyntaxError) as raised:
            parse(text, NAME)
        assert str(raised.value) == str(error)
        assert raised.value.diagnostics == error.diagnostics
        assert fast_expected is not True, f"expected a valid file: {error}"
        return None
    if fast_expected:
        assert fast is not None, "the fast parser gave up on a valid file"
    if fast is not None:
        assert_same(fast, ref)
        assert_same(parse(text, NAME), ref)
    return fast


# ---- the corpus ------------------------------------------------------------------------


def _route_files() -> List[Path]:
    found = [*ROOT.glob("examples/**/*.route"), *ROOT.glob("tests/**/*.route")]
    found += ROOT.glob("fuzz/**/*.route")  # a local fuzzing corpus, when there is one
    return sorted(set(found))


def _doc_blocks() -> List[Tuple[str, str, str]]:
    """(where, info, text) of each ```route and ```route-error block of the documentation."""
    fence = re.compile(
        r"^(?P<indent>[ \t]*)(?P<fence>```|~~~)(?P<lang>route(?:-error)?)\b[^\n]*\n"
        r"(?P<body>.*?)^[ \t]*(?P=fence)[ \t]*$",
        re.S | re.M,
    )
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = page.read_text("utf-8")
        for match in fence.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            body = textwrap.dedent(match["body"])
            found.append((f"{page.relative_to(ROOT)}:{line}", match["lang"], body))
    return found


def _conformance_chunks() -> List[Tuple[str, bool, str]]:
    """(where, whether it expects RouteSyntaxError, rules) of every conformance chunk."""
    found = []
    for path in sorted((ROOT / "tests" / "conformance").glob("*.txt")):
        lines = path.read_text("utf-8").split("\n")
        heads = [i for i, line in enumerate(lines) if line.startswith("### ")]
        for n, head in enumerate(heads):
            end = heads[n + 1] if n + 1 < len(heads) else len(lines)
            body = lines[head + 1 : end]
            split = body.index("---")
            rules = [line for line in body[:split] if not line.startswith("%")]
            for k, line in enumerate(rules):  # as tests/test_conformance.py expands it
                if line.startswith("cond:"):
                    condition = line[5:].strip()
                    rules[k] = (
                        f'route "c" when {condition} {{ reject "c" }} '
                        f'route "n" when not ({condition}) {{ reject "n" }}'
                    )
            syntax_error = any(line.startswith("RouteSyntaxError:") for line in body[split:])
            found.append((f"{path.name}:{head + 1}", syntax_error, "\n".join(rules) + "\n"))
    return found


ROUTE_FILES = _route_files()
DOC_BLOCKS = _doc_blocks()
CHUNKS = _conformance_chunks()


def test_the_corpus_is_found() -> None:
    assert len(ROUTE_FILES) >= 4
    assert len([b for b in DOC_BLOCKS if b[1] == "route"]) >= 30
    assert len([b for b in DOC_BLOCKS if b[1] == "route-error"]) >= 5
    assert len(CHUNKS) >= 100


@pytest.mark.parametrize("path", ROUTE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_route_files(path: Path) -> None:
    check(path.read_text("utf-8"), fast_expected=True)


@pytest.mark.parametrize("where, lang, text", DOC_BLOCKS, ids=[b[0] for b in DOC_BLOCKS])
def test_documentation_blocks(where: str, lang: str, text: str) -> None:
    check(text, fast_expected=True if lang == "route" else None)


def test_conformance_chunks() -> None:
    refused = 0
    for where, syntax_error, rules in CHUNKS:
        try:
            fast = check(rules, fast_expected=None if syntax_error else True)
        except AssertionError as error:
            raise AssertionError(f"{where}: {error}") from None
        refused += fast is None
    assert refused >= 5  # the corpus has syntax errors, and they took the lark path


# ---- corner cases of the lexer and the builder ------------------------------------------

FAST = [
    # keywords after `.` are field names; reserved words where lark's lexer offers only a name
    'route "r" when lead.score == 1 and lead.in == 2 and account.team is present '
    "and lead.lead.account == 3 { assign rep a }",
    'route "r" { assign rep a set weight = 2.5 set score = true set in = "x" }',
    "fields { score: number team: text required lead: weird_type }",
    "team t { members a strategy from cap 1 per in require team, lead, skill lead.x }",
    'route "r" { assign team t using in }',
    'expect "e" { lead { score: 1, in: [1, 2], "x y": 2026-01-01 } }',
    'expect "e" { lead { a: 1 } attribute weight_x = 2 now 2026-01-05T15:00:00+02:00 }',
    'expect "e" { lead { a: 1 } outcome "rejected" assignee "z" team tt route "r" }',
    'expect "e" { lead { a: 1 } assignee in [a, "b", c,] }',
    # every test and value
    'define d = lead.a between -1.5 and 2_000 or not (lead.b is missing) and lead["k"] is present',
    'define d = lead.a not in [1, "x", true, false, 2026-02-28, 2026-02-28T10:00:00Z,]',
    'define d = lead.a contains any [] or lead.a contains all ["x"] or lead.a contains "y"',
    'define d = lead.a contains anything and lead.a starts with "p" and lead.a ends with lead.b',
    r'define d = lead.a matches "\d+\"\\\u00e9" and f() and g(lead.a, [1, [2]], h(3))',
    "define d = not not not (((x))) or score >= 10 and account is missing",
    "define d = lead.a == 1 define e = 2 < lead.b define f = lead.c != 2026-01-01",
    "score { 10 when d -5 when lead.a == 1-2 when e 2.50 when f }",
    # tables
    'table t by (lead.a, lead.b) { ("x", 1), (true, 2026-01-01) -> rep a "y", 2.5 -> team b '
    "using round_robin else -> account.owner }",
    "table t by lead.a { } table u by lead.a from host table v by (lead.a) { else -> lookup t }",
    # spacing, comments, line endings, tabs, non-ASCII text
    'route"r"when(lead.a==1){assign rep a}fallback{assign rep"b"}',
    '# héllo\r\nroute "é→x" when lead.a == "ü" {\r\n\tassign rep a # 🎉\r\n}\r\n',
    '\f\n\n   route "r" {\n\n  reject "no" \n }   ',
    "",
    "# only a comment",
]


@pytest.mark.parametrize("text", FAST)
def test_corner_cases_parse_fast(text: str) -> None:
    check(text, fast_expected=True)


LARK = [
    # lark's contextual lexer splits a word where it offers no name: the fast parser gives up
    'route "x" whenever { assign rep a }',
    'route "x" { assignrep a }',
    # a reserved word where lark's merged look-ahead reads it as a keyword
    'expect "e" { lead { a: 1 score: 2 } }',
    'expect "e" { lead { a: [1] in: 2 } }',
    "fields { required: text }",
    # builder errors
    "define and = lead.a == 1",
    'route "r" when lead.a == in { assign rep a }',
    'route "r" { assign rep team }',
    'route "r" { assign rep "  " }',
    'route "r" { assign account.manager }',
    "team t { strategy a strategy b }",
    "team t { members a weight 1 weight 2 }",
    'table t by lead.a { else -> rep a "x" -> rep b }',
    "table t by lead.a { else -> rep a else -> rep b }",
    'expect "e" { outcome assigned }',
    'expect "e" { lead { a: 1 } outcome maybe }',
    'expect "e" { lead { a: 1 } route "r" route "s" }',
    'expect "e" { lead { a: 1 } later 2026-01-01T00:00:00Z }',
    'expect "e" { lead { a: 1 } now 2026-01-01 }',
    "define d = lead.a == 2026-02-30",
    "define d = lead.a == 2026-01-01T25:00:00Z",
    "define d = lead.a == " + "9" * 41,
    "define d = lead." + "x" * 129 + " == 1",
    "define " + "x" * 129 + " = lead.a == 1",
    'define d = lead.a == "' + "x" * (64 * 1024 + 1) + '"',
    "define d = " + "not " * 65 + "lead.a == 1",
    "define d = " + "(" * 65 + "lead.a == 1" + ")" * 65,
    "define d = f(" * 65 + ")" * 65,
    # syntax errors
    'route "r" when lead.a = 1 { assign rep a }',
    "route r { assign rep a }",
    'route "r" { assign rep a',
    'route "r { assign rep a }',
    "define d = lead.a == 1e5",
    "define d = lead.a == 2026-01-01T10:00",
    "define d = lead.a && lead.b",
    "define d = lead.a == 'x'",
    "define d = lead",
    "define d = lead.a ==",
    "team t { members a b }",
    'route "r" { assign rep a } }',
    "score { 1 when lead.a == 1 when }",
    "define d = lead.a == 1\x00",
    "define d = lead.a == \ud800",
    "define d = lead.a == 1 !",
    "\ufeffdefine d = lead.a == 1",
]


@pytest.mark.parametrize("text", LARK, ids=[f"lark{k}" for k in range(len(LARK))])
def test_corner_cases_go_to_lark(text: str) -> None:
    assert _fastparse.parse_fast(text, NAME) is None
    check(text)


@pytest.mark.parametrize("name", ["constructs.route", "spec_example.route"])
def test_every_prefix_of_a_file(name: str) -> None:
    """Cut after any token, a file is refused by both parsers (or read alike by both)."""
    text = (ROOT / "tests" / "conformance" / name).read_text("utf-8")
    ends = [m.end() for m in _fastparse._TOKEN.finditer(text) if not m.group().isspace()]
    for end in ends:
        check(text[:end])


def test_limits_are_kept_right_at_the_edge() -> None:
    """At each limit of LANGUAGE.md §2 the fast parser still reads the file itself."""
    check("define d = " + "not " * 64 + "lead.a == 1", fast_expected=True)
    check("define d = " + "(" * 64 + "lead.a == 1" + ")" * 64, fast_expected=True)
    check("define d = " + "f(" * 64 + ")" * 64, fast_expected=True)
    check("define d = lead." + "x" * 128 + " == " + "9" * 40, fast_expected=True)
    check('define d = lead.a == "' + "é" * (32 * 1024) + '"', fast_expected=True)


def test_a_list_over_the_limit_goes_to_lark() -> None:
    items = ", ".join(["1"] * (_builder.MAX_LIST_ITEMS + 1))
    assert _fastparse.parse_fast(f"define d = lead.a in [{items}]", NAME) is None
    items = ", ".join(["1"] * 1000)
    check(f"define d = lead.a in [{items}]", fast_expected=True)


def test_every_keyword_of_the_grammar_is_a_reserved_word() -> None:
    """The fast parser reads a word that is not reserved as a name in every state."""
    from routekit._parser import grammar_text

    words = set(re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', grammar_text()))
    assert words == RESERVED_WORDS


# ---- the big files take the fast path ---------------------------------------------------


def _benchmarks() -> Any:
    path = ROOT / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("routekit_benchmarks_run", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_territory_files_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _benchmarks()
    rules, table = bench.territory_rules(300), bench.territory_table(2000)
    for text in (rules, table):
        check(text, fast_expected=True)

    def no_lark(text: str, name: str = "<rules>") -> ast.RuleFile:
        raise AssertionError("lark was used")

    monkeypatch.setattr(_builder, "parse_with_lark", no_lark)
    big_rules = routekit.loads(bench.territory_rules(3000), "rules.route")
    assert len(big_rules.routes) == 3000
    big_table = routekit.loads(bench.territory_table(_gc.LARGE_TEXT // 20), "t.route")
    assert len(big_table.tables["territory"].index) == _gc.LARGE_TEXT // 20
    with pytest.raises(AssertionError, match="lark was used"):
        routekit.loads('route "r" { assign rep a ')  # a syntax error: lark reports it


def test_the_garbage_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with _gc.gc_paused():
        assert not gc.isenabled()
        with _gc.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with _gc.gc_paused(False):
        assert gc.isenabled()
    gc.disable()
    try:
        with _gc.gc_paused():
            pass
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        gc.enable()
    with pytest.raises(ValueError), _gc.gc_paused():
        raise ValueError
    assert gc.isenabled()


# ---- generated files ----------------------------------------------------------------------

PLAIN = ["a", "b", "x1", "_y", "taylor", "now", "outcome", "skill", "available", "day", "owner"]
ANY_NAME = [*PLAIN, "score", "in", "team", "lead", "weight", "required", "and", "set"]


# pieces of string bodies, each complete (no dangling backslash), so any join is valid
STRING_PIECES = ["a", " ", "é", "→", "#", "}", '\\"', "\\\\", "\\n", "\\t", "\\u00e9", "\\d"]


def _string(draw: Any) -> str:
    return '"' + "".join(draw(st.lists(st.sampled_from(STRING_PIECES), max_size=3))) + '"'


@st.composite
def literals(draw: Any, wild: bool) -> str:
    kind = draw(st.sampled_from(["string", "int", "decimal", "bool", "date", "datetime"]))
    if kind == "string":
        return _string(draw)
    if kind == "int":
        return draw(st.sampled_from(["0", "-3", "42", "50_000", "1_2_3"] + ["9" * 41] * wild))
    if kind == "decimal":
        return draw(st.sampled_from(["2.5", "-0.10", "1_000.0_5"]))
    if kind == "bool":
        return draw(st.sampled_from(["true", "false"]))
    if kind == "date":
        return draw(st.sampled_from(["2026-12-24", "2024-02-29"] + ["2026-02-30"] * wild))
    zones = ["Z", "+02:00", "-05:30"]
    return draw(st.sampled_from(["2026-12-24T09:00", "2026-01-05T15:00:00.5"])) + draw(
        st.sampled_from(zones)
    )


@st.composite
def names(draw: Any, wild: bool, reserved_ok: bool = False) -> str:
    return draw(st.sampled_from(ANY_NAME if wild or reserved_ok else PLAIN))


@st.composite
def paths(draw: Any, wild: bool, root: str = "lead") -> str:
    steps = draw(
        st.lists(
            st.one_of(st.sampled_from(ANY_NAME).map(lambda n: f".{n}"), st.just("[")),
            min_size=1 if root == "lead" else 0,
            max_size=3,
        )
    )
    return root + "".join(f"[{_string(draw)}]" if step == "[" else step for step in steps)


@st.composite
def values(draw: Any, wild: bool, depth: int = 2) -> str:
    options = ["literal", "path", "path", "account", "score", "name"]
    if depth > 0:
        options += ["list", "call"]
    kind = draw(st.sampled_from(options))
    if kind == "literal":
        return draw(literals(wild))
    if kind == "path":
        return draw(paths(wild))
    if kind == "account":
        return draw(paths(wild, "account"))
    if kind == "score":
        return "score"
    if kind == "name":
        return draw(names(wild))
    items = draw(st.lists(values(wild, depth - 1), max_size=3))
    if kind == "list":
        trailing = "," if items and draw(st.booleans()) else ""
        return "[" + " , ".join(items) + trailing + "]"
    return draw(names(wild)) + "(" + ", ".join(items) + ")"


TEST_FORMS = ["op", "in", "not in", "contains", "contains any", "contains all"]
TEST_FORMS += ["starts with", "ends with", "matches", "between", "is missing", "is present", "bare"]


@st.composite
def atoms(draw: Any, wild: bool) -> str:
    value = draw(values(wild))
    form = draw(st.sampled_from(TEST_FORMS))
    if form == "op":
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"{value} {op} {draw(values(wild))}"
    if form == "matches":
        return f"{value} matches {_string(draw)}"
    if form == "between":
        return f"{value} between {draw(values(wild))} and {draw(values(wild))}"
    if form in ("is missing", "is present"):
        return f"{value} {form}"
    if form == "bare":
        return value
    return f"{value} {form} {draw(values(wild))}"


def conditions(wild: bool) -> st.SearchStrategy[str]:
    return st.recursive(
        atoms(wild),
        lambda inner: st.one_of(
            inner.map(lambda c: f"not {c}"),
            inner.map(lambda c: f"({c})"),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
        ),
        max_leaves=6,
    )


@st.composite
def reps(draw: Any, wild: bool) -> str:
    return draw(st.one_of(names(wild), st.sampled_from(['"sam@corp.example"', '"x y"'])))


@st.composite
def targets(draw: Any, wild: bool) -> str:
    kind = draw(st.sampled_from(["team", "rep", "owner", "lookup"]))
    if kind == "team":
        using = f" using {draw(names(wild, True))}" if draw(st.booleans()) else ""
        return f"team {draw(names(wild))}{using}"
    if kind == "rep":
        return f"rep {draw(reps(wild))}"
    if kind == "owner":
        return draw(st.sampled_from(["account.owner", "account.x"] if wild else ["account.owner"]))
    return f"lookup {draw(names(wild))}"


@st.composite
def actions(draw: Any, wild: bool) -> List[str]:
    out = []
    kind = draw(st.sampled_from(["assign", "reject", "redirect"]))
    if kind == "assign":
        out.append("assign " + " else ".join(draw(st.lists(targets(wild), min_size=1, max_size=3))))
    else:
        out.append(f"{kind} {_string(draw)}")
    for key in draw(st.lists(names(wild, True), max_size=2, unique=True)):
        out.append(f"set {key} = {draw(literals(wild))}")
    return out


@st.composite
def statements(draw: Any, wild: bool) -> str:
    kind = draw(
        st.sampled_from(["define", "fields", "score", "team", "table", "route", "fallback"])
        | st.just("expect")
    )
    if kind == "define":
        return f"define {draw(names(wild))} = {draw(conditions(wild))}"
    if kind == "fields":
        decls = []
        keys = [*PLAIN, "score", "in", "team", "lead", '"Company Size"'] + ["required"] * wild
        for key in draw(st.lists(st.sampled_from(keys), max_size=3)):
            required = " required" if draw(st.booleans()) else ""
            decls.append(f"{key}: {draw(names(wild, True))}{required}")
        return "fields { " + " ".join(decls) + " }"
    if kind == "score":
        items = draw(st.lists(st.tuples(st.sampled_from(["1", "-5", "2.5"]), conditions(wild))))
        return "score {" + " ".join(f"{n} when {c}" for n, c in items) + "}"
    if kind == "team":
        options = []
        members = draw(st.lists(reps(wild), min_size=1, max_size=3, unique=True))
        rendered = []
        for rep in members:
            extra = draw(st.sampled_from(["", " weight 2", " tier 1", " weight 1.5 tier 2"]))
            rendered.append(rep + extra)
        options.append("members " + ", ".join(rendered))
        for option in draw(
            st.lists(
                st.sampled_from(["strategy", "cap", "require", "max_ahead", "catch_up"]),
                unique=not wild,
                max_size=4,
            )
        ):
            if option == "strategy":
                options.append(f"strategy {draw(names(wild, True))}")
            elif option == "cap":
                options.append(f"cap 8 per {draw(names(wild, True))}")
            elif option == "require":
                filters = draw(
                    st.lists(
                        st.one_of(
                            names(wild, True),
                            st.just("skill ").map(lambda s: s + _string(draw)),
                            paths(wild).map(lambda p: f"skill {p}"),
                        ),
                        min_size=1,
                        max_size=3,
                    )
                )
                options.append("require " + ", ".join(filters))
            elif option == "max_ahead":
                options.append("max_ahead 3")
            else:
                options.append("catch_up")
        return f"team {draw(names(wild))} {{ " + " ".join(options) + " }"
    if kind == "table":
        keys = draw(st.lists(paths(wild), min_size=1, max_size=2))
        key = keys[0] if len(keys) == 1 and draw(st.booleans()) else "(" + ", ".join(keys) + ")"
        if draw(st.booleans()) and not wild:
            return f"table {draw(names(wild))} by {key} from host"
        rows = []
        for _ in range(draw(st.integers(0, 3))):
            cells = []
            for _ in range(draw(st.integers(1, 2))):
                tuple_ = [draw(literals(wild)) for _ in range(len(keys))]
                cells.append(tuple_[0] if len(keys) == 1 else "(" + ", ".join(tuple_) + ")")
            rows.append(", ".join(cells) + " -> " + draw(targets(wild)))
        if draw(st.booleans()):
            rows.append("else -> " + draw(targets(wild)))
        return f"table {draw(names(wild))} by {key} {{ " + "\n".join(rows) + " }"
    if kind == "route":
        when = f" when {draw(conditions(wild))}" if draw(st.booleans()) else ""
        return f"route {_string(draw)}{when} {{ " + " ".join(draw(actions(wild))) + " }"
    if kind == "fallback":
        return "fallback { " + " ".join(draw(actions(wild))) + " }"
    items = []
    fields = []
    for key in draw(st.lists(st.sampled_from([*PLAIN, '"Company Size"']), max_size=3)):
        value = draw(st.one_of(literals(wild), values(wild).filter(lambda v: v.startswith("["))))
        fields.append(f"{key}: {value}" + ("," if draw(st.booleans()) else ""))
    items.append("lead { " + " ".join(fields) + " }")
    for item in draw(
        st.lists(
            st.sampled_from(["now", "outcome", "route", "assignee", "in", "team", "attribute"]),
            unique=not wild,
            max_size=4,
        )
    ):
        if item == "now":
            items.append("now 2026-01-05T15:00:00Z")
        elif item == "outcome":
            items.append("outcome " + draw(st.sampled_from(["assigned", '"rejected"'])))
        elif item == "route":
            items.append(f"route {_string(draw)}")
        elif item == "assignee":
            items.append(f"assignee {draw(reps(wild))}")
        elif item == "in":
            items.append("assignee in [" + ", ".join(draw(st.lists(reps(wild), min_size=1))) + "]")
        elif item == "team":
            items.append(f"team {draw(names(wild))}")
        else:
            items.append(f"attribute {draw(names(wild))} = {draw(literals(wild))}")
    return f"expect {_string(draw)} {{ " + "\n".join(items) + " }"


def _respace(text: str, gaps: List[str]) -> str:
    """Replace each single space outside strings by a gap (whitespace, or a comment line)."""
    out = []
    k = 0
    for n, part in enumerate(re.split(r'("(?:[^"\\]|\\.)*")', text)):
        if n % 2:  # a string
            out.append(part)
            continue
        pieces = part.split(" ")
        out.append(pieces[0])
        for piece in pieces[1:]:
            out.append(gaps[k % len(gaps)] if gaps else " ")
            out.append(piece)
            k += 1
    return "".join(out)


gaps = st.lists(st.sampled_from([" ", "  ", "\n", "\t", " # note\n", "\r\n", "\n\n  "]), max_size=8)


def rule_files(wild: bool) -> st.SearchStrategy[str]:
    return st.tuples(st.lists(statements(wild), max_size=4), gaps).map(
        lambda p: _respace("\n".join(p[0]), p[1])
    )


@settings(max_examples=60, deadline=None)
@given(rule_files(wild=False))
def test_generated_valid_files(text: str) -> None:
    """Files the builder accepts: the fast parser reads them all, exactly as lark does."""
    check(text, fast_expected=True)


@settings(max_examples=60, deadline=None)
@given(rule_files(wild=True))
def test_generated_files_with_reserved_words_and_bad_values(text: str) -> None:
    """Names anywhere may be reserved words; values may break limits: same outcome."""
    check(text)


@settings(max_examples=60, deadline=None)
@given(rule_files(wild=False), st.data())
def test_mutated_files(text: str, data: st.DataObject) -> None:
    """A token deleted, doubled or swapped: whatever lark says, the fast parser agrees."""
    tokens = re.findall(r'"(?:[^"\\\n]|\\.)*"|\S+?(?=[\s(){}\[\],]|$)|[(){}\[\],]', text)
    if tokens:
        k = data.draw(st.integers(0, len(tokens) - 1))
        how = data.draw(st.sampled_from(["delete", "double", "swap", "keyword"]))
        if how == "delete":
            del tokens[k]
        elif how == "double":
            tokens.insert(k, tokens[k])
        elif how == "swap" and k + 1 < len(tokens):
            tokens[k], tokens[k + 1] = tokens[k + 1], tokens[k]
        elif how == "keyword":
            tokens[k] = data.draw(st.sampled_from(sorted(RESERVED_WORDS)))
    check(" ".join(tokens))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_texts_from_the_grammar(data: st.DataObject) -> None:
    """Text generated from the grammar itself (hypothesis' lark extension)."""
    from hypothesis.extra.lark import from_lark

    from routekit._parser import parser

    text = data.draw(from_lark(parser(strict=True), start="start"))
    check(text)


def test_values_keep_their_types() -> None:
    """A few values by hand: ints, Decimals, bools, dates and date-times, unescaped text."""
    text = (
        r'define d = lead.a in [1, 2.50, true, 2026-01-02, 2026-01-02T03:04:05+01:00, "\t\u00e9\q"]'
    )
    rules = check(text, fast_expected=True)
    assert rules is not None
    define = rules.statements[0]
    assert isinstance(define, ast.Define) and isinstance(define.condition, ast.In)
    options = define.condition.options
    assert isinstance(options, ast.ListValue)
    got = [item.value for item in options.items if isinstance(item, ast.Literal)]
    tz = dt.timezone(dt.timedelta(hours=1))
    assert got == [
        1,
        Decimal("2.50"),
        True,
        dt.date(2026, 1, 2),
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz),
        "\té\\q",
    ]
