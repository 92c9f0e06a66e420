"""Release readiness: what we would ship is complete, installs cleanly, and works.

- The version has one source (``routekit/_version.py``), and the package reports it.
- The public API (``routekit.__all__``) is exactly what the API reference documents
  (``docs/reference/api.md``), and so is ``routekit.testing.__all__``.
- (slow) The wheel and the sdist build with the project's build backend (hatchling): the
  wheel holds the grammar, the package data and the entry points; the sdist holds what a
  packager needs and builds the same wheel again. The wheel installs into a fresh virtual
  environment (its runtime dependencies come from the package index, as in CI), and there
  ``routekit --version`` prints the version, and ``routekit check`` and ``routekit test``
  pass on every shipped example, from outside the source tree.

The slow test needs the package index for hatchling (unless the running interpreter already
has it) and for the runtime dependencies; without network access it is skipped, saying so.
Run it alone with ``pytest -m slow tests/test_release.py``.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

import pytest

import routekit

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.route"))
API_REFERENCE = ROOT / "docs" / "reference" / "api.md"
_DIRECTIVE = re.compile(r"(?m)^:::\s+(?P<path>[\w.]+)\s*$")

#: Files every wheel must carry besides the Python modules.
WHEEL_DATA = [
    "routekit/grammar/routekit.lark",
    "routekit/py.typed",
    "routekit/data/free_email_domains.txt",
    "routekit/data/public_suffix_list.dat",
]
#: How a known bug shows: on Python 3.8, ``routekit._parser`` reads the grammar with
#: ``importlib.resources.open_text("routekit.grammar", ...)``, which refuses the namespace
#: package ``routekit.grammar`` (no ``__init__.py``), and its fallback looks for the source
#: tree's ``grammar/``. Every rule file then fails to load. The slow test marks itself as an
#: expected failure only when it sees exactly this, on Python 3.8.
PY38_GRAMMAR_BUG = "Package has no location <module 'routekit.grammar'"
#: Top-level entries every sdist must carry.
SDIST_ENTRIES = [
    "pyproject.toml",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "src/routekit/__init__.py",
    "grammar/routekit.lark",
    "examples/inbound.route",
    "tests/test_release.py",
    "docs/index.md",
]


def version_from_file() -> str:
    text = (ROOT / "src" / "routekit" / "_version.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__\s*=\s*"([^"]+)"\s*$', text, re.MULTILINE)
    assert found, 'src/routekit/_version.py must set __version__ = "..."'
    return found.group(1)


def documented(prefix: str) -> Set[str]:
    """The names under ``prefix`` that the API reference documents with ``::: prefix.NAME``."""
    paths = _DIRECTIVE.findall(API_REFERENCE.read_text(encoding="utf-8"))
    names = set()
    for path in paths:
        if path.startswith(prefix + "."):
            rest = path[len(prefix) + 1 :]
            if "." not in rest:
                names.add(rest)
    return names


# ---- fast checks ---------------------------------------------------------------------------


def test_the_version_has_one_source() -> None:
    assert routekit.__version__ == version_from_file()
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'path = "src/routekit/_version.py"' in pyproject


def _is_module(dotted: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(dotted) is not None
    except ImportError:  # a parent that is not a package, or one that cannot import
        return False


def test_the_api_reference_documents_exactly_the_public_api() -> None:
    public = set(routekit.__all__) - {"__version__"}
    # ``::: routekit.NAME`` for the top-level names; submodules documented on the same page
    # (``::: routekit.testing``, ``::: routekit.state.apply_changes``) are not compared.
    listed = {name for name in documented("routekit") if not _is_module(f"routekit.{name}")}
    missing = sorted(public - listed)
    extra = sorted(listed - public)
    assert not missing, f"in routekit.__all__ but not in docs/reference/api.md: {missing}"
    assert not extra, f"in docs/reference/api.md but not in routekit.__all__: {extra}"


def test_the_api_reference_documents_the_testing_kit_and_the_sqlite_store() -> None:
    text = API_REFERENCE.read_text(encoding="utf-8")
    assert "::: routekit.stores.sqlite.SQLiteState" in text
    pytest.importorskip("hypothesis", reason="routekit.testing needs the testing extra")
    import routekit.testing

    public = set(routekit.testing.__all__)
    listed = documented("routekit.testing")
    missing = sorted(public - listed)
    extra = sorted(listed - public)
    assert not missing, f"in routekit.testing.__all__ but not in docs/reference/api.md: {missing}"
    assert not extra, f"in docs/reference/api.md but not in routekit.testing.__all__: {extra}"


def test_the_reference_directives_name_real_objects() -> None:
    import importlib

    for path in _DIRECTIVE.findall(API_REFERENCE.read_text(encoding="utf-8")):
        if path.startswith("routekit.testing"):
            pytest.importorskip("hypothesis")
        module_name, _, attribute = path.rpartition(".")
        try:
            module = importlib.import_module(path)
            continue
        except ImportError:
            module = importlib.import_module(module_name)
        assert hasattr(module, attribute), f"docs/reference/api.md: {path} does not exist"


def test_the_cli_reports_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from routekit.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"routekit {version_from_file()}"


# ---- the slow test: build, install, smoke --------------------------------------------------


def _scripts(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def _clean_env() -> Dict[str, str]:
    """The environment for child processes: no PYTHONPATH pointing at src/."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(
    args: Sequence[str], cwd: Path, timeout: float = 180, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(args),
        cwd=str(cwd),
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {done.returncode}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


def _make_venv(path: Path) -> Path:
    _run([sys.executable, "-m", "venv", str(path)], cwd=path.parent)
    python = _scripts(path) / ("python.exe" if os.name == "nt" else "python")
    assert python.exists()
    return python


def _index_reachable(python: Path, scratch: Path) -> Optional[str]:
    """None if pip can download from the package index, else why not."""
    probe = _run(
        [str(python), "-m", "pip", "download", "--no-deps", "-q", "-d", str(scratch), "attrs"],
        cwd=scratch,
        timeout=120,
        check=False,
    )
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or ["pip download failed"])[-1]


def _build(builder: Path, source: Path, out: Path) -> Dict[str, Path]:
    """Build a wheel and an sdist from ``source`` with hatchling, as a PEP 517 frontend would."""
    out.mkdir(parents=True, exist_ok=True)
    script = textwrap.dedent(
        """
        import sys
        from hatchling.build import build_sdist, build_wheel
        print(build_wheel(sys.argv[1]))
        print(build_sdist(sys.argv[1]))
        """
    )
    done = _run([str(builder), "-c", script, str(out)], cwd=source)
    wheel_name, sdist_name = done.stdout.split()
    return {"wheel": out / wheel_name, "sdist": out / sdist_name}


def _builder(tmp_path: Path) -> Path:
    """An interpreter with hatchling: this one if it has it, else a fresh venv with it."""
    check = _run([sys.executable, "-c", "import hatchling"], cwd=tmp_path, check=False)
    if check.returncode == 0:
        return Path(sys.executable)
    python = _make_venv(tmp_path / "build-venv")
    reason = _index_reachable(python, tmp_path)
    if reason is not None:
        pytest.skip(f"hatchling is not installed and the package index is unreachable: {reason}")
    _run([str(python), "-m", "pip", "install", "-q", "hatchling>=1.18"], cwd=tmp_path)
    return python


def _wheel_names(wheel: Path) -> List[str]:
    with zipfile.ZipFile(wheel) as archive:
        return sorted(archive.namelist())


def _check_wheel(wheel: Path, version: str) -> None:
    names = _wheel_names(wheel)
    for needed in WHEEL_DATA:
        assert needed in names, f"{needed} is missing from the wheel"
    assert not [n for n in names if n.startswith(("tests/", "docs/", "src/"))], names
    assert not [n for n in names if n.endswith(".pyc")], "compiled files in the wheel"
    dist_info = f"routekit-{version}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode("utf-8")
    assert metadata["Name"] == "routekit"
    assert metadata["Version"] == version
    requires = " ".join(metadata.get_all("Requires-Dist") or [])
    for dependency in ("lark", "attrs", "python-dateutil"):
        assert dependency in requires, f"{dependency} is not a declared dependency"
    assert {"testing", "dev", "docs"} <= set(metadata.get_all("Provides-Extra") or [])
    assert "routekit = routekit.cli:main" in entry_points
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE in the wheel"


def _check_sdist(sdist: Path, version: str) -> Path:
    top = f"routekit-{version}"
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
        for needed in SDIST_ENTRIES:
            assert f"{top}/{needed}" in names, f"{needed} is missing from the sdist"
        unpacked = sdist.parent / "unpacked"
        if sys.version_info >= (3, 12):
            archive.extractall(unpacked, filter="data")
        else:
            archive.extractall(unpacked)
    return unpacked / top


@pytest.mark.slow
def test_the_wheel_and_sdist_build_install_and_run(tmp_path: Path) -> None:
    version = version_from_file()
    builder = _builder(tmp_path)

    built = _build(builder, ROOT, tmp_path / "dist")
    assert built["wheel"].name == f"routekit-{version}-py3-none-any.whl"
    assert built["sdist"].name == f"routekit-{version}.tar.gz"
    _check_wheel(built["wheel"], version)

    # The sdist is complete: it builds the same wheel again.
    source = _check_sdist(built["sdist"], version)
    rebuilt = _build(builder, source, tmp_path / "from-sdist")
    assert _wheel_names(rebuilt["wheel"]) == _wheel_names(built["wheel"])

    # A clean virtual environment: the wheel, then its runtime dependencies from the index.
    python = _make_venv(tmp_path / "venv")
    _run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(built["wheel"])], cwd=tmp_path
    )
    reason = _index_reachable(python, tmp_path)
    if reason is not None:
        pytest.skip(f"the wheel built and installed, but its dependencies cannot be: {reason}")
    _run([str(python), "-m", "pip", "install", "-q", str(built["wheel"])], cwd=tmp_path)
    _run([str(python), "-m", "pip", "check"], cwd=tmp_path)

    # Smoke, from a directory outside the source tree, with no PYTHONPATH.
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    routekit_cli = _scripts(tmp_path / "venv") / ("routekit.exe" if os.name == "nt" else "routekit")

    where = _run([str(python), "-c", "import routekit; print(routekit.__file__)"], cwd=work)
    assert str(tmp_path / "venv") in where.stdout, f"imported from {where.stdout.strip()}"

    shown = _run([str(routekit_cli), "--version"], cwd=work)
    assert shown.stdout.strip() == f"routekit {version}"
    assert _run([str(python), "-m", "routekit", "--version"], cwd=work).stdout.strip() == (
        f"routekit {version}"
    )

    grammar = _run(
        [
            str(python),
            "-c",
            "import os, routekit; "
            "print(os.path.isfile(os.path.join(os.path.dirname(routekit.__file__), "
            "'grammar', 'routekit.lark')))",
        ],
        cwd=work,
    )
    assert grammar.stdout.strip() == "True", "the grammar is not inside the installed package"

    examples = sorted(str(Path("examples") / p.name) for p in EXAMPLES)
    assert examples, "no shipped examples"
    checked = _run([str(routekit_cli), "check", "--strict", *examples], cwd=work, check=False)
    if checked.returncode != 0 and PY38_GRAMMAR_BUG in checked.stderr and sys.version_info < (3, 9):
        pytest.xfail(
            "known bug: installed from the wheel on Python 3.8, routekit cannot read its "
            "grammar (importlib.resources.open_text on the namespace package routekit.grammar)"
        )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for example in examples:
        assert f"{example}: ok" in checked.stdout, checked.stdout
    tested = _run([str(routekit_cli), "test", *examples], cwd=work)
    assert re.search(r"^\d+ passed, 0 failed$", tested.stdout, re.MULTILINE), tested.stdout

    explained = _run(
        [
            str(routekit_cli),
            "explain",
            "examples/inbound.route",
            "--lead",
            "@examples/leads/halle.json",
            "--now",
            "2026-11-23T17:00:00Z",
        ],
        cwd=work,
    )
    assert explained.stdout.startswith(
        'assigned to taylor (team enterprise_west) by route "Enterprise IT on the West Coast"'
    ), explained.stdout
