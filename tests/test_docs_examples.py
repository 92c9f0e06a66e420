"""Every example in the documentation works against the current code.

What is checked, by the info string of each fenced block:

- ```` ```route ```` blocks in ``README.md`` and ``docs/**/*.md`` must load with
  ``routekit.loads``.
- ```` ```route-error ```` blocks (rules that are wrong on purpose) must raise
  ``RouteSyntaxError`` or ``RouteError``.
- ```` ```python ```` blocks in ``docs/cookbook/*.md`` are executed, each in a fresh
  namespace: they must run without an exception (so their ``assert`` lines hold) and without
  a ``RoutekitWarning``.
- An ```` ```output ```` block that directly follows a ``python`` or ``route-error`` block
  (only blank lines between) is what that block prints, or the rendered error: it must match
  exactly, apart from trailing spaces and the file name in front of ``:LINE:COL:``.
- On each cookbook page, the first ``route`` block is the page's rule file, and it appears
  verbatim in one of the page's ``python`` blocks, so the rules shown and the rules run
  cannot drift apart.

Untagged blocks (```` ``` ````) and other languages are not checked. Fences may be indented
(inside a list item) and may use backticks or tildes.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path
from typing import Iterator, List, NamedTuple, Optional

import pytest

import routekit

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
COOKBOOK = DOCS / "cookbook"

_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
_ERROR_PLACE = re.compile(r"(?m)^[^\s:]+(?=:\d+:\d+: )")


class Block(NamedTuple):
    path: Path
    line: int  # 1-based line of the first line of the block's content
    lang: str
    text: str
    output: Optional[Block]  # an ```output block directly after this one

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def _raw_blocks(path: Path) -> Iterator[tuple[int, int, str, str]]:
    """(1-based first content line, 0-based index after the closing fence, lang, text)."""
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
        yield i + 2, j + 1, lang, "\n".join(body) + "\n"
        i = j + 1


def blocks(path: Path) -> List[Block]:
    raw = list(_raw_blocks(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    found: List[Block] = []
    for k, (line, after, lang, text) in enumerate(raw):
        if lang == "output":
            continue
        output = None
        if k + 1 < len(raw) and raw[k + 1][2] == "output":
            nxt_line = raw[k + 1][0]
            between = lines[after : nxt_line - 2]
            if all(not gap.strip() for gap in between):
                output = Block(path, nxt_line, "output", raw[k + 1][3], None)
        found.append(Block(path, line, lang, text, output))
    return found


def _doc_files() -> List[Path]:
    files = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    return [f for f in files if f.is_file()]


def _all_blocks(files: List[Path], lang: str) -> List[Block]:
    return [b for f in files for b in blocks(f) if b.lang == lang]


ROUTE_BLOCKS = _all_blocks(_doc_files(), "route")
ROUTE_ERROR_BLOCKS = _all_blocks(_doc_files(), "route-error")
COOKBOOK_PAGES = sorted(p for p in COOKBOOK.glob("*.md") if p.name != "index.md")
PYTHON_BLOCKS = _all_blocks(sorted(COOKBOOK.glob("*.md")), "python")


def _ids(found: List[Block]) -> List[str]:
    return [b.where for b in found]


def _normalize(text: str) -> str:
    text = _ERROR_PLACE.sub("FILE", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _check_output(block: Block, actual: str) -> None:
    assert block.output is not None
    expected = _normalize(block.output.text)
    got = _normalize(actual)
    assert got == expected, (
        f"the output shown at {block.output.where} is not what the example at {block.where} "
        f"prints; it now prints:\n{actual}"
    )


@pytest.mark.parametrize("block", ROUTE_BLOCKS, ids=_ids(ROUTE_BLOCKS))
def test_route_block_loads(block: Block) -> None:
    try:
        routekit.loads(block.text, name=f"{block.path.stem}.route")
    except routekit.RoutekitError as error:
        pytest.fail(
            f"the ```route block at {block.where} does not load (tag it ```route-error "
            f"if that is on purpose):\n{error}"
        )


@pytest.mark.parametrize("block", ROUTE_ERROR_BLOCKS, ids=_ids(ROUTE_ERROR_BLOCKS))
def test_route_error_block_is_refused(block: Block) -> None:
    with pytest.raises((routekit.RouteSyntaxError, routekit.RouteError)) as caught:
        routekit.loads(block.text, name=f"{block.path.stem}.route")
    if block.output is not None:
        _check_output(block, str(caught.value))


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=_ids(PYTHON_BLOCKS))
def test_cookbook_python_block_runs(block: Block) -> None:
    # Pad with blank lines so a traceback points at the right line of the Markdown file.
    code = compile("\n" * (block.line - 1) + block.text, str(block.path), "exec")
    namespace = {"__name__": "__docs_example__"}
    printed = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", routekit.RoutekitWarning)
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
    if block.output is not None:
        _check_output(block, printed.getvalue())


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
        assert (COOKBOOK / target).is_file(), f"index.md links to a missing page: {target}"
    missing = [p.name for p in COOKBOOK_PAGES if p.name not in linked]
    assert not missing, f"docs/cookbook/index.md does not list: {missing}"


def test_the_extractor_finds_the_cookbook_examples() -> None:
    # Guards against a parsing change that silently finds nothing to check.
    assert len(COOKBOOK_PAGES) >= 3
    assert len(PYTHON_BLOCKS) >= 3
    assert any(b.output is not None for b in PYTHON_BLOCKS)
    assert ROUTE_ERROR_BLOCKS


def test_untagged_and_indented_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n"
        "```\nnot checked\n```\n"
        "- item\n\n"
        "  ```route\n  fallback {\n    assign rep a\n  }\n  ```\n\n"
        "  ```output\n  shown\n  ```\n"
        "~~~~python title=x\nprint(1)\n```\nstill inside\n~~~~\n",
        encoding="utf-8",
    )
    found = blocks(page)
    assert [b.lang for b in found] == ["", "route", "python"]
    assert found[1].text == "fallback {\n  assign rep a\n}\n"
    assert found[1].line == 8
    assert found[1].output is not None and found[1].output.text == "shown\n"
    assert found[2].text == "print(1)\n```\nstill inside\n"
