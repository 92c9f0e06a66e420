"""Every example in the documentation works against the current code.

What is checked, by the info string of each fenced block:

- ```` ```route ```` blocks in ``README.md`` and ``docs/**/*.md`` must load with
  ``routekit.loads``; if the rules carry ``expect`` blocks, every expectation must pass
  (run as ``routekit test`` runs them: a fresh state each, every rep the file names, no
  accounts).
- ```` ```route-error ```` blocks (rules that are wrong on purpose) must raise
  ``RouteSyntaxError`` or ``RouteError``.
- ```` ```python ```` blocks in ``docs/**/*.md`` are executed, in page order, and must run
  without an exception (so their ``assert`` lines hold) and without a ``RoutekitWarning``.
  Each page runs in a fresh temporary working directory holding a copy of ``examples/``,
  so ``routekit.load("examples/inbound.route")`` works and files a page writes vanish.

  - On a cookbook page (``docs/cookbook/``) every block runs on its own, in a fresh
    namespace: a recipe is pasted and run as is.
  - On every other page the blocks share one namespace, like a session in the REPL: a
    later block may use what an earlier one defined. The namespace starts with the names
    of the shipped inbound example (`PRELUDE`: ``routekit``, ``datetime``, ``timezone``,
    ``rules``, ``roster``, ``accounts``, ``router``, ``state``, ``lead``, ``now``), so a
    reference page may show a fragment such as ``router.route(lead, now=now,
    state=state)``.

- A block whose info string names a file, ```` ```route title="inbound.route" ````, shows
  that file (the site prints the name above it): it is written to the page's working
  directory when the page reaches it, so later ``python`` and ``console`` blocks can load
  it. A titled ``route`` block with ``expect`` blocks must pass ``routekit test`` there,
  with the roster, accounts and tables files the page wrote beside it.
- ```` ```console ```` blocks are shell sessions: each line starting with ``$ routekit``
  is run (in-process, in the page's working directory, after the page's earlier
  ``python`` blocks) and what it prints, standard output and error together, must be the
  lines that follow it, up to the next ``$`` line.
- An ```` ```output ```` block that directly follows a ``python`` or ``route-error`` block
  (only blank lines between) is what that block prints, or the rendered error: it must match
  exactly, apart from trailing spaces and the file name in front of ``:LINE:COL:``.
- On each cookbook page, the first ``route`` block is the page's rule file, and it appears
  verbatim in one of the page's ``python`` blocks, so the rules shown and the rules run
  cannot drift apart; at least one ``python`` block asserts something.

A ``python`` or ``console`` block that cannot run here (it needs PostgreSQL, or a path on
the reader's server) is marked by an HTML comment on the line just before its fence, which
the site does not show::

    <!-- docs-test: not run: needs a PostgreSQL server -->

A skipped ``python`` block must still compile. `NOT_RUN` lists such blocks on pages whose
authors have not marked them yet; each entry must still match a block.

Untagged blocks (```` ``` ````) and other languages are not checked. Fences may be indented
(inside a list item) and may use backticks or tildes.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import textwrap
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest

import routekit
from routekit.cli import main as routekit_main
from routekit.expectations import run_expectations

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
COOKBOOK = DOCS / "cookbook"
EXAMPLES = ROOT / "examples"

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
_ERROR_PLACE = re.compile(r"(?m)^[^\s:]+(?=:\d+:\d+: )")
_TITLE = re.compile(r'(?:^|\s)title="(?P<title>[^"]+)"')
_NOT_RUN = re.compile(r"^\s*<!--\s*docs-test:\s*not run:\s*(?P<reason>.+?)\s*-->\s*$")

#: What a python block on a page outside the cookbook may take as given: the shipped
#: inbound example, from the page's working directory (which holds a copy of examples/).
PRELUDE = """
import json
from datetime import datetime, timezone

import routekit

rules = routekit.load("examples/inbound.route")
roster = json.loads(open("examples/inbound.roster.json", encoding="utf-8").read())
accounts = json.loads(open("examples/inbound.accounts.json", encoding="utf-8").read())
router = routekit.Router(rules, roster=roster, accounts=accounts)
state = routekit.MemoryState()
lead = json.loads(open("examples/leads/halle.json", encoding="utf-8").read())
now = datetime(2026, 11, 23, 17, 0, tzinfo=timezone.utc)
"""

#: Blocks not run, on pages that do not mark them with a ``docs-test: not run`` comment:
#: (page, a piece of the block's text) -> why.
NOT_RUN: Dict[Tuple[str, str], str] = {
    ("docs/many-workers.md", "state=store)"): "a fragment: `store` is the reader's store",
    ("docs/many-workers.md", '"/var/lib/myapp/routing.db"'): "a path on the reader's server",
    ("docs/many-workers.md", "class PostgresState"): "needs psycopg and a PostgreSQL server",
    ("docs/many-workers.md", "FOR UPDATE"): "a method of PostgresState, shown alone",
    ("docs/many-workers.md", "class RedisState"): "needs redis-py and a Redis server",
    ("docs/many-workers.md", "class RedisScriptState"): "needs redis-py and a Redis server",
}


class Block(NamedTuple):
    path: Path
    line: int  # 1-based line of the first line of the block's content
    lang: str
    text: str
    output: Optional[Block]  # an ```output block directly after this one
    skip: Optional[str] = None  # why the block is not run, from a docs-test comment
    info: str = ""  # the whole info string, e.g. 'route title="inbound.route"'

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def page(self) -> str:
        try:
            return self.path.relative_to(ROOT).as_posix()
        except ValueError:  # a page outside the repository (the extractor's own tests)
            return self.path.as_posix()


def _raw_blocks(path: Path) -> Iterator[tuple[int, int, str, str, str]]:
    """(1-based first content line, 0-based index after the closing fence, lang, text, info)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if opened is None:
            i += 1
            continue
        indent = len(opened["indent"])
        fence = opened["fence"]
        lang = opened["info"].split()[0].lower() if opened["info"].strip() else ""
        body: List[str] = []
        j = i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            line = lines[j]
            # remove the fence's own indentation (a block inside a list item)
            cut = len(line) - len(line.lstrip(" \t"))
            body.append(line[min(indent, cut) :])
            j += 1
        yield i + 2, j + 1, lang, "\n".join(body) + "\n", opened["info"]
        i = j + 1


def blocks(path: Path) -> List[Block]:
    raw = list(_raw_blocks(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    found: List[Block] = []
    for k, (line, after, lang, text, info) in enumerate(raw):
        if lang == "output":
            continue
        output = None
        if k + 1 < len(raw) and raw[k + 1][2] == "output":
            nxt_line = raw[k + 1][0]
            between = lines[after : nxt_line - 2]
            if all(not gap.strip() for gap in between):
                output = Block(path, nxt_line, "output", raw[k + 1][3], None)
        marker = _NOT_RUN.match(lines[line - 3]) if line >= 3 else None
        skip = marker["reason"] if marker else None
        found.append(Block(path, line, lang, text, output, skip, info))
    return found


def _doc_files() -> List[Path]:
    files = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    return [f for f in files if f.is_file()]


def _all_blocks(files: List[Path], lang: str) -> List[Block]:
    return [b for f in files for b in blocks(f) if b.lang == lang]


DOC_PAGES = sorted(DOCS.rglob("*.md"))
ROUTE_BLOCKS = _all_blocks(_doc_files(), "route")
ROUTE_ERROR_BLOCKS = _all_blocks(_doc_files(), "route-error")
COOKBOOK_PAGES = sorted(p for p in COOKBOOK.glob("*.md") if p.name != "index.md")
PYTHON_BLOCKS = _all_blocks(DOC_PAGES, "python")
CONSOLE_BLOCKS = _all_blocks(DOC_PAGES, "console")
RUN_PAGES = sorted({b.path for b in PYTHON_BLOCKS + CONSOLE_BLOCKS})


def _ids(found: List[Block]) -> List[str]:
    return [b.where for b in found]


def _normalize(text: str) -> str:
    text = _ERROR_PLACE.sub("FILE", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _compare(expected_block: Block, source: Block, actual: str) -> None:
    expected = _normalize(expected_block.text)
    got = _normalize(actual)
    assert got == expected, (
        f"the output shown at {expected_block.where} is not what the example at "
        f"{source.where} prints; it now prints:\n{actual}"
    )


def _check_output(block: Block, actual: str) -> None:
    assert block.output is not None
    _compare(block.output, block, actual)


def block_title(block: Block) -> Optional[str]:
    """The file a block shows, from ``title="inbound.route"`` in its info string."""
    found = _TITLE.search(block.info)
    if found is None:
        return None
    title = found["title"]
    assert not Path(title).is_absolute() and ".." not in Path(title).parts, block.where
    return title


def _not_run_reason(block: Block) -> Optional[str]:
    if block.skip is not None:
        return block.skip
    for (page, piece), reason in NOT_RUN.items():
        if block.page == page and piece in block.text:
            return reason
    return None


# ---- rule blocks ---------------------------------------------------------------------------


@pytest.mark.parametrize("block", ROUTE_BLOCKS, ids=_ids(ROUTE_BLOCKS))
def test_route_block_loads(block: Block) -> None:
    try:
        plan = routekit.loads(block.text, name=f"{block.path.stem}.route")
    except routekit.RoutekitError as error:
        pytest.fail(
            f"the ```route block at {block.where} does not load (tag it ```route-error "
            f"if that is on purpose):\n{error}"
        )
    if plan.expectations and block_title(block) is None:
        # (a titled block is a file of its page: its expectations run with the files
        # beside it, in test_page_examples_run)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", routekit.RoutekitWarning)
            report = run_expectations(plan)
        failed = [
            f"{result.name}: "
            + "; ".join(m.describe() for m in result.mismatches)
            + (result.error or "")
            for result in report.failures()
        ]
        assert report.ok, f"expectations of the ```route block at {block.where} fail: {failed}"


@pytest.mark.parametrize("block", ROUTE_ERROR_BLOCKS, ids=_ids(ROUTE_ERROR_BLOCKS))
def test_route_error_block_is_refused(block: Block) -> None:
    with pytest.raises((routekit.RouteSyntaxError, routekit.RouteError)) as caught:
        routekit.loads(block.text, name=f"{block.path.stem}.route")
    if block.output is not None:
        _check_output(block, str(caught.value))


# ---- python and console blocks, page by page -----------------------------------------------


def _run_python(block: Block, namespace: Dict[str, Any]) -> None:
    # Pad with blank lines so a traceback points at the right line of the Markdown file.
    code = compile("\n" * (block.line - 1) + block.text, str(block.path), "exec")
    printed = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", routekit.RoutekitWarning)
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
    if block.output is not None:
        _check_output(block, printed.getvalue())


def console_commands(block: Block) -> List[Tuple[str, int, str]]:
    """(command, 1-based line in the page, the output shown) for each ``$`` line."""
    found: List[Tuple[str, int, List[str]]] = []
    for offset, line in enumerate(block.text.rstrip("\n").split("\n")):
        if line.startswith("$ "):
            found.append((line[2:].strip(), block.line + offset, []))
        elif found:
            found[-1][2].append(line)
        elif line.strip():
            raise AssertionError(f"{block.where}: a ```console block starts with a `$ ` line")
    return [(command, line, "\n".join(shown)) for command, line, shown in found]


def _run_console(block: Block) -> None:
    for command, line, shown in console_commands(block):
        argv = shlex.split(command)
        assert argv[0] == "routekit", f"{block.page}:{line}: only `routekit` commands are run"
        printed = io.StringIO()
        quiet = contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed)
        with quiet[0], quiet[1], contextlib.suppress(SystemExit):  # --version and --help exit
            routekit_main(argv[1:])
        where = Block(block.path, line, "console", shown, None)
        _compare(where, where, printed.getvalue())


@pytest.mark.parametrize("page", RUN_PAGES, ids=[p.relative_to(ROOT).as_posix() for p in RUN_PAGES])
def test_page_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    cookbook = COOKBOOK in page.parents
    namespace: Dict[str, Any] = {"__name__": "__docs_example__"}
    if not cookbook:
        exec(PRELUDE, namespace)
    for block in blocks(page):
        title = block_title(block)
        if title is not None and block.lang not in ("python", "console"):
            # A file the page shows (```route title="inbound.route"): later blocks use it.
            Path(title).parent.mkdir(parents=True, exist_ok=True)
            Path(title).write_text(block.text, encoding="utf-8")
            if block.lang == "route" and routekit.loads(block.text).expectations:
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                    status = routekit_main(["test", title])
                assert status == 0, (
                    f"`routekit test` fails for {block.where}:\n{printed.getvalue()}"
                )
        if block.lang not in ("python", "console"):
            continue
        if _not_run_reason(block) is not None:
            if block.lang == "python":  # it must at least still be Python
                compile(textwrap.dedent(block.text), block.where, "exec")
            continue
        if block.lang == "console":
            _run_console(block)
            continue
        if cookbook:
            namespace = {"__name__": "__docs_example__"}
        _run_python(block, namespace)


def test_every_not_run_entry_still_matches_a_block() -> None:
    for page, piece in NOT_RUN:
        matching = [b for b in PYTHON_BLOCKS if b.page == page and piece in b.text]
        assert len(matching) == 1, f"NOT_RUN entry {(page, piece)} matches {len(matching)} blocks"


def test_pages_run_in_a_scratch_directory_with_the_examples(tmp_path: Path) -> None:
    # The prelude works from a page's working directory, and only from there.
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: Dict[str, Any] = {}
        exec(PRELUDE, namespace)
        decision = namespace["router"].route(
            namespace["lead"], now=namespace["now"], state=namespace["state"]
        )
    finally:
        os.chdir(cwd)
    assert decision.route == "Enterprise IT on the West Coast"


# ---- the shape of cookbook pages -----------------------------------------------------------


@pytest.mark.parametrize("page", COOKBOOK_PAGES, ids=[p.name for p in COOKBOOK_PAGES])
def test_cookbook_page_shape(page: Path) -> None:
    found = blocks(page)
    routes = [b for b in found if b.lang == "route"]
    pythons = [b for b in found if b.lang == "python"]
    assert routes, f"{page.name} has no ```route block"
    assert pythons, f"{page.name} has no ```python block"
    assert any("assert " in b.text for b in pythons), f"{page.name}: no python block asserts"
    main = routes[0].text.strip("\n")
    assert any(main in b.text for b in pythons), (
        f"{page.name}: the rules in the first ```route block (line {routes[0].line}) do not "
        "appear verbatim in any ```python block of the page"
    )


def test_cookbook_index_lists_every_page() -> None:
    index = (COOKBOOK / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", index))
    for target in linked:
        assert (COOKBOOK / target).resolve().is_file(), (
            f"index.md links to a missing page: {target}"
        )
    missing = [p.name for p in COOKBOOK_PAGES if p.name not in linked]
    assert not missing, f"docs/cookbook/index.md does not list: {missing}"


def test_the_extractor_finds_the_examples() -> None:
    # Guards against a parsing change that silently finds nothing to check.
    assert len(COOKBOOK_PAGES) >= 3
    assert len(PYTHON_BLOCKS) >= 3
    assert any(b.output is not None for b in PYTHON_BLOCKS)
    assert ROUTE_ERROR_BLOCKS
    assert any(routekit.loads(b.text).expectations for b in ROUTE_BLOCKS)


def test_untagged_and_indented_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n"
        "```\nnot checked\n```\n"
        "- item\n\n"
        "  ```route\n  fallback {\n    assign rep a\n  }\n  ```\n\n"
        "  ```output\n  shown\n  ```\n"
        "~~~~python title=x\nprint(1)\n```\nstill inside\n~~~~\n"
        "<!-- docs-test: not run: needs a server -->\n"
        "```python\nconnect()\n```\n",
        encoding="utf-8",
    )
    found = blocks(page)
    assert [b.lang for b in found] == ["", "route", "python", "python"]
    assert found[1].text == "fallback {\n  assign rep a\n}\n"
    assert found[1].line == 8
    assert found[1].output is not None and found[1].output.text == "shown\n"
    assert found[2].text == "print(1)\n```\nstill inside\n"
    assert found[2].skip is None
    assert found[3].skip == "needs a server"


def test_console_blocks_split_into_commands(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ routekit --version\nroutekit 1\n\n$ routekit check a.route\nok\n```\n",
        encoding="utf-8",
    )
    (block,) = blocks(page)
    assert console_commands(block) == [
        ("routekit --version", 2, "routekit 1\n"),
        ("routekit check a.route", 5, "ok"),
    ]


def test_titles_name_files_and_outputs_have_teeth(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '```route title="rules/inbound.route" hl_lines="1"\nfallback { reject "x" }\n```\n'
        '```python\nprint("actual")\n```\n\n```output\nshown\n```\n',
        encoding="utf-8",
    )
    route, python = blocks(page)
    assert block_title(route) == "rules/inbound.route"
    assert block_title(python) is None
    with pytest.raises(AssertionError, match=r"is not what the example at .*page.md:5 prints"):
        _run_python(python, {})
